//! The syntax of one line for the block parser: a column-aware cursor ([`Cur`]) that consumes
//! container prefixes (even part of a tab), and the recognisers for block starts and table rows
//! (fences, ATX and setext headings, thematic breaks, list markers, delimiter rows, cells).

use std::borrow::Cow;

use super::{
    escape::unescape,
    inline::inlines,
    text::{is_blank, run_len},
    tree::{Align, Inline},
};

/// A table has at most this many columns (a wider delimiter row is paragraph text).
const MAX_COLUMNS: usize = 32;

/// A cursor over one line that knows columns (tabs stop every 4 columns) and can consume part of
/// a tab, as CommonMark's container prefixes do.
#[derive(Clone, Copy)]
pub(super) struct Cur<'a> {
    s: &'a str,
    pos: usize,
    /// Column at `pos`, before the virtual spaces.
    pub(super) col: usize,
    /// Spaces left of a partly consumed tab.
    virt: usize,
}

impl<'a> Cur<'a> {
    pub(super) fn new(s: &'a str) -> Self {
        Cur {
            s,
            pos: 0,
            col: 0,
            virt: 0,
        }
    }

    fn ws_end(&self) -> usize {
        let b = self.s.as_bytes();
        let mut i = self.pos;
        while i < b.len() && (b[i] == b' ' || b[i] == b'\t') {
            i += 1;
        }
        i
    }

    /// Columns of white space ahead.
    pub(super) fn indent(&self) -> usize {
        let mut col = self.col + self.virt;
        for &b in &self.s.as_bytes()[self.pos..] {
            match b {
                b' ' => col += 1,
                b'\t' => col += 4 - col % 4,
                _ => break,
            }
        }
        col - self.col
    }

    pub(super) fn after_ws(&self) -> &'a str {
        &self.s[self.ws_end()..]
    }

    pub(super) fn peek(&self) -> Option<u8> {
        self.s.as_bytes().get(self.ws_end()).copied()
    }

    pub(super) fn is_blank(&self) -> bool {
        self.ws_end() == self.s.len()
    }

    /// Consumes up to `max` columns of white space.
    pub(super) fn skip_indent(&mut self, max: usize) {
        let t = self.virt.min(max);
        self.virt -= t;
        self.col += t;
        let mut n = t;
        let b = self.s.as_bytes();
        while n < max && self.virt == 0 && self.pos < b.len() {
            match b[self.pos] {
                b' ' => {
                    self.pos += 1;
                    self.col += 1;
                    n += 1;
                }
                b'\t' => {
                    let w = 4 - self.col % 4;
                    self.pos += 1;
                    if n + w <= max {
                        self.col += w;
                        n += w;
                    } else {
                        let t = max - n;
                        self.col += t;
                        self.virt = w - t;
                        n = max;
                    }
                }
                _ => break,
            }
        }
    }

    pub(super) fn skip_ws(&mut self) {
        let n = self.indent();
        self.skip_indent(n);
    }

    /// Consumes `n` ASCII bytes (markers), right after `skip_ws`.
    pub(super) fn bump(&mut self, n: usize) {
        self.pos = (self.pos + n).min(self.s.len());
        self.col += n;
    }

    pub(super) fn rest(&self) -> Cow<'a, str> {
        if self.virt == 0 {
            Cow::Borrowed(&self.s[self.pos..])
        } else {
            Cow::Owned(" ".repeat(self.virt) + &self.s[self.pos..])
        }
    }
}

/// Does the line (after the containers it continues) start a block? Then it is no lazy
/// continuation line. The paragraph is in a container the line does not continue, so the rules
/// for interrupting a paragraph do not apply (commonmark.js checks them against the last
/// matched container).
pub(super) fn starts_block(c: &Cur) -> bool {
    if c.indent() > 3 {
        return false;
    }
    let t = c.after_ws();
    t.starts_with('>')
        || fence_open(t).is_some()
        || atx(t).is_some()
        || thematic(t)
        || list_marker(t).is_some()
}

/// "A code fence is a sequence of at least three consecutive backtick characters or tildes";
/// "If the info string comes after a backtick fence, it may not contain any backtick characters."
pub(super) fn fence_open(t: &str) -> Option<(usize, &str)> {
    let ch = *t.as_bytes().first()?;
    if ch != b'`' && ch != b'~' {
        return None;
    }
    let n = run_len(t.as_bytes(), ch);
    let info = &t[n..];
    if n < 3 || (ch == b'`' && info.contains('`')) {
        return None;
    }
    Some((n, info))
}

/// A closing fence for an opening run of `len` times `ch`: at least as long, then only blanks.
pub(super) fn is_closing(t: &str, ch: u8, len: usize) -> bool {
    let n = run_len(t.as_bytes(), ch);
    n >= len && is_blank(&t[n..])
}

/// "The first word of the info string is typically used to specify the language." Lowercased,
/// and only letters, digits and `+-#._` are kept (it may end up in a class name).
pub(super) fn lang_of(info: &str) -> String {
    unescape(info.trim())
        .split_whitespace()
        .next()
        .unwrap_or("")
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, '+' | '-' | '#' | '.' | '_'))
        .take(32)
        .collect::<String>()
        .to_lowercase()
}

/// "An ATX heading consists of a string of characters ... between an opening sequence of 1–6
/// unescaped # characters and an optional closing sequence of any number of unescaped #".
pub(super) fn atx(t: &str) -> Option<(u8, &str)> {
    let n = run_len(t.as_bytes(), b'#');
    let rest = &t[n..];
    if !(1..=6).contains(&n) || !(rest.is_empty() || rest.starts_with([' ', '\t'])) {
        return None;
    }
    let mut content = rest.trim_matches([' ', '\t']);
    let stripped = content.trim_end_matches('#');
    if stripped.is_empty() {
        content = "";
    } else if stripped.ends_with([' ', '\t']) {
        content = stripped.trim_end_matches([' ', '\t']);
    }
    Some((n as u8, content))
}

/// The level of a setext heading underline (`=` 1, `-` 2).
pub(super) fn setext(t: &str) -> Option<u8> {
    let s = t.trim_end_matches([' ', '\t']);
    let ch = *s.as_bytes().first()?;
    ((ch == b'=' || ch == b'-') && s.bytes().all(|b| b == ch)).then_some(if ch == b'=' {
        1
    } else {
        2
    })
}

/// "A line consisting of ... a sequence of three or more matching -, _, or * characters, each
/// followed optionally by any number of spaces or tabs, forms a thematic break."
pub(super) fn thematic(t: &str) -> bool {
    let Some(&ch) = t.as_bytes().first() else {
        return false;
    };
    if !matches!(ch, b'-' | b'*' | b'_') {
        return false;
    }
    let mut n = 0;
    for b in t.bytes() {
        if b == ch {
            n += 1;
        } else if b != b' ' && b != b'\t' {
            return false;
        }
    }
    n >= 3
}

/// A list marker at the start of a line.
pub(super) struct Marker {
    pub(super) ordered: bool,
    /// The number of an ordered item (1 for bullets).
    pub(super) num: u64,
    /// `-`, `+`, `*`, or the `.` / `)` after the digits.
    pub(super) ch: u8,
    /// Bytes of the marker.
    pub(super) width: usize,
    /// Nothing but white space follows it.
    pub(super) empty: bool,
}

/// "A bullet list marker is a -, +, or * character. An ordered list marker is a sequence of 1–9
/// arabic digits, followed by either a . character or a ) character", then a space, tab or the
/// end of the line.
pub(super) fn list_marker(t: &str) -> Option<Marker> {
    let b = t.as_bytes();
    let (ordered, num, ch, width) = match *b.first()? {
        c @ (b'-' | b'+' | b'*') => (false, 1, c, 1),
        b'0'..=b'9' => {
            let d = run_digits(b);
            let c = *b.get(d)?;
            if d > 9 || (c != b'.' && c != b')') {
                return None;
            }
            (true, t[..d].parse().ok()?, c, d + 1)
        }
        _ => return None,
    };
    if !matches!(b.get(width), None | Some(b' ' | b'\t')) {
        return None;
    }
    Some(Marker {
        ordered,
        num,
        ch,
        width,
        empty: is_blank(&t[width..]),
    })
}

fn run_digits(b: &[u8]) -> usize {
    b.iter().take(10).take_while(|c| c.is_ascii_digit()).count()
}

/// Cells of a table row: "The pipes on either end of the table are optional"; "include a pipe in
/// a cell's content by escaping it".
pub(super) fn split_cells(line: &str) -> Vec<&str> {
    let s = line.trim_matches([' ', '\t']);
    let s = s.strip_prefix('|').unwrap_or(s);
    let s = match s.strip_suffix('|') {
        Some(inner) if !inner.ends_with('\\') => inner,
        _ => s,
    };
    let b = s.as_bytes();
    let mut cells = Vec::new();
    let (mut start, mut i) = (0, 0);
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'|' => {
                cells.push(s[start..i].trim_matches([' ', '\t']));
                start = i + 1;
                i += 1;
            }
            _ => i += 1,
        }
    }
    cells.push(s[start..].trim_matches([' ', '\t']));
    cells
}

/// "The delimiter row consists of cells whose only content are hyphens (-), and optionally, a
/// leading or trailing colon (:), or both".
pub(super) fn delim_row(t: &str) -> Option<Vec<Align>> {
    if !t.contains('|') {
        return None;
    }
    let cells = split_cells(t);
    if cells.len() > MAX_COLUMNS {
        return None;
    }
    cells
        .into_iter()
        .map(|c| {
            let left = c.starts_with(':');
            let inner = c.strip_prefix(':').unwrap_or(c);
            let right = inner.ends_with(':');
            let inner = inner.strip_suffix(':').unwrap_or(inner);
            if inner.is_empty() || !inner.bytes().all(|b| b == b'-') {
                return None;
            }
            Some(match (left, right) {
                (true, true) => Align::Center,
                (true, false) => Align::Left,
                (false, true) => Align::Right,
                (false, false) => Align::None,
            })
        })
        .collect()
}

/// "The remainder of the table's rows may vary in the number of cells. If a number of cells
/// fewer than the number of cells in the header row, empty cells are inserted. If greater, the
/// excess is ignored".
pub(super) fn row_cells(line: &str, n: usize) -> Vec<Vec<Inline>> {
    let mut cells: Vec<Vec<Inline>> = split_cells(line)
        .into_iter()
        .take(n)
        .map(|c| inlines(&c.replace("\\|", "|")))
        .collect();
    cells.resize(n, Vec::new());
    cells
}
