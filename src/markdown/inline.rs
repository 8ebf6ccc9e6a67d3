//! The inline parser: CommonMark's delimiter-run and bracket algorithm, in linear time. The text
//! is tokenised (code spans, escapes, entities, autolinks and bare URLs, delimiter runs,
//! brackets), emphasis and links are matched into nested spans, and the spans are built into
//! [`Inline`]s (images become "image: alt" links, unsafe links their label as text).

use super::{
    escape::{entity, safe_href, unescape},
    state::MAX_DEPTH,
    text::run_len,
    tree::Inline,
};

/// Link destinations and titles longer than this are not links (bounds backtracking).
const MAX_DEST: usize = 4096;
const MAX_TITLE: usize = 1024;

const NIL: usize = usize::MAX;

#[derive(Debug)]
enum Tok {
    Text(String),
    Code(String),
    Break,
    /// One character of a delimiter run (`*`, `_`, `~`), shown as text unless used.
    Delim(u8),
    /// `[` or `![` (true), shown as text unless it opened a link.
    Open(bool),
    /// An autolink: href, text.
    Auto(String, String),
    Nothing,
}

struct Run {
    ch: u8,
    /// Token index of the run's first character.
    first: usize,
    /// Unused characters are `first + lo .. first + hi` (closers use from the left, openers
    /// from the right).
    lo: usize,
    hi: usize,
    orig: usize,
    open: bool,
    close: bool,
}

impl Run {
    fn count(&self) -> usize {
        self.hi - self.lo
    }
}

struct Bracket {
    tok: usize,
    image: bool,
    /// Delimiter runs before the bracket (the stack bottom for its content).
    bottom: usize,
    /// Source offset of `[` or `!`.
    src: usize,
}

#[derive(Debug, Clone)]
enum SpanKind {
    Emph,
    Strong,
    Strike,
    Link(String),
    /// A link whose destination is not safe: its label is shown as text.
    Unsafe,
    /// An image: safe href, or none (then the source text), and its source range.
    Image(Option<String>, usize, usize),
}

/// Tokens `start..end` wrapped in `kind` (spans are properly nested by construction).
struct Span {
    start: usize,
    end: usize,
    kind: SpanKind,
}

struct Inl<'a> {
    src: &'a str,
    toks: Vec<Tok>,
    text: String,
    runs: Vec<Run>,
    prev: Vec<usize>,
    next: Vec<usize>,
    top: usize,
    brackets: Vec<Bracket>,
    inactive_below: usize,
    spans: Vec<Span>,
    /// Every maximal backtick run as (length, offset), sorted: code span closers.
    ticks: Vec<(usize, usize)>,
}

/// Parses inline content.
pub(super) fn inlines(src: &str) -> Vec<Inline> {
    let mut p = Inl::new(src);
    let b = src.as_bytes();
    let (mut i, mut plain) = (0, 0);
    while i < b.len() {
        let c = b[i];
        if !matches!(
            c,
            b'\\'
                | b'`'
                | b'*'
                | b'_'
                | b'~'
                | b'['
                | b']'
                | b'!'
                | b'<'
                | b'&'
                | b'\n'
                | b'h'
                | b'H'
                | b'w'
                | b'W'
        ) {
            i += 1;
            continue;
        }
        p.text.push_str(&src[plain..i]);
        match p.special(i) {
            Some(j) => i = j,
            None => {
                p.text.push(char::from(c));
                i += 1;
            }
        }
        plain = i;
    }
    p.text.push_str(&src[plain..]);
    p.flush();
    p.process_emphasis(0);
    p.build()
}

fn is_punct(c: char) -> bool {
    c.is_ascii_punctuation() || (!c.is_ascii() && !c.is_alphanumeric() && !c.is_whitespace())
}

impl<'a> Inl<'a> {
    fn new(src: &'a str) -> Self {
        let b = src.as_bytes();
        let mut ticks = Vec::new();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'`' {
                let n = run_len(&b[i..], b'`');
                ticks.push((n, i));
                i += n;
            } else {
                i += 1;
            }
        }
        ticks.sort_unstable();
        Inl {
            src,
            toks: Vec::new(),
            text: String::new(),
            runs: Vec::new(),
            prev: Vec::new(),
            next: Vec::new(),
            top: NIL,
            brackets: Vec::new(),
            inactive_below: 0,
            spans: Vec::new(),
            ticks,
        }
    }

    fn flush(&mut self) {
        if !self.text.is_empty() {
            self.toks.push(Tok::Text(std::mem::take(&mut self.text)));
        }
    }

    fn push(&mut self, t: Tok) {
        self.flush();
        self.toks.push(t);
    }

    /// Handles the special byte at `i`; returns where to go on, or `None` for a literal byte.
    fn special(&mut self, i: usize) -> Option<usize> {
        let src = self.src;
        let b = src.as_bytes();
        match b[i] {
            // "Any ASCII punctuation character may be backslash-escaped"; "A backslash at the
            // end of the line is a hard line break".
            b'\\' => match b.get(i + 1) {
                Some(b'\n') => self.line_break(i + 1),
                Some(&n) if n.is_ascii_punctuation() => {
                    self.text.push(char::from(n));
                    Some(i + 2)
                }
                _ => None,
            },
            b'\n' => self.line_break(i),
            b'`' => {
                // "A code span begins with a backtick string and ends with a backtick string of
                // equal length."
                let n = run_len(&b[i..], b'`');
                let k = self.ticks.partition_point(|&t| t < (n, i + n));
                match self.ticks.get(k) {
                    Some(&(len, at)) if len == n => {
                        let mut code = src[i + n..at].replace('\n', " ");
                        if code.len() >= 2
                            && code.starts_with(' ')
                            && code.ends_with(' ')
                            && !code.bytes().all(|c| c == b' ')
                        {
                            code = code[1..code.len() - 1].to_owned();
                        }
                        self.push(Tok::Code(code));
                        Some(at + n)
                    }
                    _ => {
                        self.text.push_str(&src[i..i + n]);
                        Some(i + n)
                    }
                }
            }
            b'*' | b'_' | b'~' => Some(self.delimiter_run(i)),
            b'[' => Some(self.open_bracket(i, false)),
            b'!' if b.get(i + 1) == Some(&b'[') => Some(self.open_bracket(i, true)),
            b']' => self.close_bracket(i),
            b'<' => self.autolink(i),
            b'&' => entity(&src[i..], &mut self.text).map(|n| i + n),
            b'h' | b'H' | b'w' | b'W' => self.bare_url(i),
            _ => None,
        }
    }

    /// Every newline is a break; spaces around it are dropped.
    fn line_break(&mut self, nl: usize) -> Option<usize> {
        let keep = self.text.trim_end_matches([' ', '\t']).len();
        self.text.truncate(keep);
        self.push(Tok::Break);
        let b = self.src.as_bytes();
        let mut j = nl + 1;
        while matches!(b.get(j), Some(b' ' | b'\t')) {
            j += 1;
        }
        Some(j)
    }

    /// "A left-flanking delimiter run is a delimiter run that is (1) not followed by Unicode
    /// whitespace, and either (2a) not followed by a Unicode punctuation character, or (2b)
    /// followed by a Unicode punctuation character and preceded by Unicode whitespace or a
    /// Unicode punctuation character." Right-flanking is the mirror image. `_` may open only
    /// when not right-flanking or preceded by punctuation (no intraword `_`), and close alike.
    fn delimiter_run(&mut self, i: usize) -> usize {
        let src = self.src;
        let ch = src.as_bytes()[i];
        let n = run_len(&src.as_bytes()[i..], ch);
        if ch == b'~' && n > 2 {
            self.text.push_str(&src[i..i + n]);
            return i + n;
        }
        let before = src[..i].chars().next_back();
        let after = src[i + n..].chars().next();
        let ws_b = before.is_none_or(char::is_whitespace);
        let ws_a = after.is_none_or(char::is_whitespace);
        let p_b = before.is_some_and(is_punct);
        let p_a = after.is_some_and(is_punct);
        let left = !ws_a && (!p_a || ws_b || p_b);
        let right = !ws_b && (!p_b || ws_a || p_a);
        let (open, close) = if ch == b'_' {
            (left && (!right || p_b), right && (!left || p_a))
        } else {
            (left, right)
        };
        self.flush();
        let first = self.toks.len();
        self.toks.extend((0..n).map(|_| Tok::Delim(ch)));
        if open || close {
            let id = self.runs.len();
            self.runs.push(Run {
                ch,
                first,
                lo: 0,
                hi: n,
                orig: n,
                open,
                close,
            });
            self.prev.push(self.top);
            self.next.push(NIL);
            if self.top != NIL {
                self.next[self.top] = id;
            }
            self.top = id;
        }
        i + n
    }

    fn unlink(&mut self, id: usize) {
        let (p, n) = (self.prev[id], self.next[id]);
        if p != NIL {
            self.next[p] = n;
        }
        if n != NIL {
            self.prev[n] = p;
        } else if self.top == id {
            self.top = p;
        }
    }

    /// CommonMark's "process emphasis" over the delimiter runs at or above `bottom`, with the
    /// `openers_bottom` optimisation (linear time) and the rule of 3; `~` pairs need equal runs.
    fn process_emphasis(&mut self, bottom: usize) {
        let mut first = NIL;
        let mut r = self.top;
        while r != NIL && r >= bottom {
            first = r;
            r = self.prev[r];
        }
        // openers_bottom, per delimiter character, closer-can-open and closer length mod 3.
        let mut lims = [bottom; 18];
        let mut c = first;
        while c != NIL {
            let cr = &self.runs[c];
            if !cr.close || cr.count() == 0 {
                c = self.next[c];
                continue;
            }
            let key = match cr.ch {
                b'*' => 0,
                b'_' => 6,
                _ => 12,
            } + usize::from(cr.open) * 3
                + cr.orig % 3;
            let o = self.find_opener(c, lims[key]);
            if o == NIL {
                lims[key] = c;
                let n = self.next[c];
                if !self.runs[c].open {
                    self.unlink(c);
                }
                c = n;
                continue;
            }
            c = self.pair(o, c);
        }
        while self.top != NIL && self.top >= bottom {
            self.top = self.prev[self.top];
        }
        if self.top != NIL {
            self.next[self.top] = NIL;
        }
    }

    /// The nearest opener for closer `c` below it and at or above `lim` (`NIL` if none): the same
    /// character, and for `*`/`_` the rule of 3, for `~` a run of the same length.
    fn find_opener(&self, c: usize, lim: usize) -> usize {
        let cr = &self.runs[c];
        let (ch, corig, copen, ccount) = (cr.ch, cr.orig, cr.open, cr.count());
        let mut o = self.prev[c];
        while o != NIL && o >= lim {
            let or = &self.runs[o];
            if or.ch == ch && or.open && or.count() > 0 {
                let ok = if ch == b'~' {
                    or.count() == ccount
                } else {
                    !((or.close || copen)
                        && (or.orig + corig).is_multiple_of(3)
                        && !(or.orig.is_multiple_of(3) && corig.is_multiple_of(3)))
                };
                if ok {
                    return o;
                }
            }
            o = self.prev[o];
        }
        NIL
    }

    /// Pairs opener `o` with closer `c` into a span (strong when both have two characters left)
    /// and removes the runs between them from the stack. Returns the closer to look at next.
    fn pair(&mut self, o: usize, c: usize) -> usize {
        let ch = self.runs[c].ch;
        let ccount = self.runs[c].count();
        let ocount = self.runs[o].count();
        let (n, kind) = if ch == b'~' {
            (ccount, SpanKind::Strike)
        } else if ocount >= 2 && ccount >= 2 {
            (2, SpanKind::Strong)
        } else {
            (1, SpanKind::Emph)
        };
        self.runs[o].hi -= n;
        let start = self.runs[o].first + self.runs[o].hi;
        let cl = self.runs[c].first + self.runs[c].lo;
        self.runs[c].lo += n;
        for t in (start..start + n).chain(cl..cl + n) {
            self.toks[t] = Tok::Nothing;
        }
        self.spans.push(Span {
            start,
            end: cl + n,
            kind,
        });
        // Delimiters between opener and closer are removed from the stack.
        self.next[o] = c;
        self.prev[c] = o;
        if self.runs[o].count() == 0 {
            self.unlink(o);
        }
        if self.runs[c].count() == 0 {
            let n = self.next[c];
            self.unlink(c);
            return n;
        }
        c
    }

    fn open_bracket(&mut self, i: usize, image: bool) -> usize {
        self.inactive_below = self.inactive_below.min(self.brackets.len());
        self.flush();
        self.brackets.push(Bracket {
            tok: self.toks.len(),
            image,
            bottom: self.runs.len(),
            src: i,
        });
        self.toks.push(Tok::Open(image));
        i + if image { 2 } else { 1 }
    }

    /// "look for link or image": the nearest `[`/`![`, then an inline link `(dest "title")`.
    /// A link makes every earlier `[` inactive (no links in links).
    fn close_bracket(&mut self, i: usize) -> Option<usize> {
        let br = self.brackets.last()?;
        let inactive = !br.image && self.brackets.len() - 1 < self.inactive_below;
        let tail = if inactive {
            None
        } else {
            link_tail(self.src, i + 1)
        };
        let br = self.brackets.pop()?;
        let (dest, end) = tail?;
        self.flush();
        self.process_emphasis(br.bottom);
        self.toks[br.tok] = Tok::Nothing;
        let href = safe_href(&unescape(dest));
        let kind = match (br.image, href) {
            (true, href) => SpanKind::Image(href, br.src, end),
            (false, Some(h)) => SpanKind::Link(h),
            (false, None) => SpanKind::Unsafe,
        };
        self.spans.push(Span {
            start: br.tok,
            end: self.toks.len(),
            kind,
        });
        if !br.image {
            self.inactive_below = self.brackets.len();
        }
        Some(end)
    }

    /// `<scheme:...>` or `<user@host>`; an unsafe one stays literal text.
    fn autolink(&mut self, i: usize) -> Option<usize> {
        let src = self.src;
        let rest = &src[i + 1..];
        let b = rest.as_bytes();
        let scheme = b
            .iter()
            .take(33)
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'.' | b'-'))
            .count();
        let (uri, href) = if (2..=32).contains(&scheme)
            && b[0].is_ascii_alphabetic()
            && b.get(scheme) == Some(&b':')
        {
            let end =
                rest.find(|c: char| c == '>' || c == '<' || c.is_whitespace() || c.is_control())?;
            if b[end] != b'>' {
                return None;
            }
            (&rest[..end], safe_href(&rest[..end]))
        } else {
            let local = b
                .iter()
                .take_while(|c| c.is_ascii_alphanumeric() || b".!#$%&'*+/=?^_`{|}~-".contains(c))
                .count();
            if local == 0 || b.get(local) != Some(&b'@') {
                return None;
            }
            let domain = b[local + 1..]
                .iter()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.'))
                .count();
            let end = local + 1 + domain;
            if domain == 0 || b.get(end) != Some(&b'>') {
                return None;
            }
            let email = &rest[..end];
            (email, safe_href(&format!("mailto:{email}")))
        };
        let after = i + 1 + uri.len() + 1;
        match href {
            Some(href) => self.push(Tok::Auto(href, uri.to_owned())),
            None => self.text.push_str(&src[i..after]),
        }
        Some(after)
    }

    /// GFM extended autolinks: `http://`, `https://` and `www.` after white space, the start or
    /// `*`, `_`, `~`, `(`; trailing punctuation and unbalanced `)` are not part of the link.
    fn bare_url(&mut self, i: usize) -> Option<usize> {
        let src = self.src;
        let before = src[..i].chars().next_back();
        if !before
            .is_none_or(|c| c.is_whitespace() || matches!(c, '*' | '_' | '~' | '(' | '"' | '\''))
        {
            return None;
        }
        let rest = &src[i..];
        let starts = |p: &str| {
            rest.get(..p.len())
                .is_some_and(|s| s.eq_ignore_ascii_case(p))
        };
        let (prefix, www) = if starts("https://") {
            (8, false)
        } else if starts("http://") {
            (7, false)
        } else if starts("www.") {
            (4, true)
        } else {
            return None;
        };
        let mut end = rest
            .find(|c: char| c.is_whitespace() || c.is_control() || matches!(c, '<' | '[' | ']'))
            .unwrap_or(rest.len());
        let url = &rest[..end];
        let opens = url.matches('(').count();
        let mut closes = url.matches(')').count();
        loop {
            match rest.as_bytes()[..end].last() {
                Some(
                    b'?' | b'!' | b'.' | b',' | b':' | b'*' | b'_' | b'~' | b'\'' | b'"' | b';',
                ) => end -= 1,
                Some(b')') if closes > opens => {
                    end -= 1;
                    closes -= 1;
                }
                _ => break,
            }
        }
        if end <= prefix
            || !rest[prefix..end]
                .chars()
                .next()
                .is_some_and(char::is_alphanumeric)
        {
            return None;
        }
        let url = &rest[..end];
        let href = if www {
            safe_href(&format!("http://{url}"))
        } else {
            safe_href(url)
        }?;
        self.push(Tok::Auto(href, url.to_owned()));
        Some(i + end)
    }

    fn build(self) -> Vec<Inline> {
        let Inl {
            src,
            toks,
            mut spans,
            ..
        } = self;
        spans.sort_unstable_by(|a, b| a.start.cmp(&b.start).then(b.end.cmp(&a.end)));
        let mut b = Builder {
            src,
            frames: vec![Frame {
                kind: None,
                end: usize::MAX,
                items: Vec::new(),
                wrap: false,
            }],
            depth: 0,
            links: 0,
        };
        let mut spans = spans.into_iter().peekable();
        for (i, tok) in toks.into_iter().enumerate() {
            while b.frames.len() > 1 && b.frames.last().is_some_and(|f| f.end <= i) {
                b.close();
            }
            while let Some(s) = spans.next_if(|s| s.start == i) {
                b.open(s);
            }
            b.token(tok);
        }
        while b.frames.len() > 1 {
            b.close();
        }
        b.frames.pop().map(|f| f.items).unwrap_or_default()
    }
}

/// After `]`: "(" optional white space, a destination (`<...>` or without spaces, balanced
/// parentheses), optional white space and title, optional white space, ")". Returns the
/// destination and the offset after `)`.
fn link_tail(src: &str, p: usize) -> Option<(&str, usize)> {
    let b = src.as_bytes();
    if b.get(p) != Some(&b'(') {
        return None;
    }
    let (dest, i) = link_dest(src, skip_link_ws(b, p + 1))?;
    let k = skip_link_ws(b, i);
    let i = if k > i && matches!(b.get(k), Some(b'"' | b'\'' | b'(')) {
        skip_link_ws(b, link_title_end(b, k)? + 1)
    } else {
        k
    };
    (b.get(i) == Some(&b')')).then_some((dest, i + 1))
}

/// Skips spaces, tabs and newlines from `i`.
fn skip_link_ws(b: &[u8], mut i: usize) -> usize {
    while matches!(b.get(i), Some(b' ' | b'\t' | b'\n')) {
        i += 1;
    }
    i
}

/// The link destination at `i`, `<...>` or without spaces and with balanced parentheses, and the
/// offset after it.
fn link_dest(src: &str, i: usize) -> Option<(&str, usize)> {
    let b = src.as_bytes();
    if b.get(i) == Some(&b'<') {
        let s = i + 1;
        let mut j = s;
        loop {
            match b.get(j) {
                None | Some(b'\n' | b'<') => return None,
                Some(b'>') => break,
                Some(b'\\') => j += 2,
                _ => j += 1,
            }
            if j - s > MAX_DEST {
                return None;
            }
        }
        return Some((&src[s..j], j + 1));
    }
    let mut j = i;
    let mut depth = 0usize;
    while let Some(&c) = b.get(j) {
        if c == b'\\' && b.get(j + 1).is_some_and(u8::is_ascii_punctuation) {
            j += 2;
            continue;
        }
        if c <= b' ' || c == 0x7f {
            break;
        }
        if c == b'(' {
            depth += 1;
            if depth > 32 {
                return None;
            }
        } else if c == b')' {
            if depth == 0 {
                break;
            }
            depth -= 1;
        }
        j += 1;
        if j - i > MAX_DEST {
            return None;
        }
    }
    (depth == 0).then_some((&src[i..j], j))
}

/// The offset of the quote or `)` that closes the link title opened at `k`.
fn link_title_end(b: &[u8], k: usize) -> Option<usize> {
    let close = if b[k] == b'(' { b')' } else { b[k] };
    let mut j = k + 1;
    loop {
        match b.get(j) {
            None => return None,
            Some(&c) if c == close => return Some(j),
            Some(b'\\') => j += 2,
            _ => j += 1,
        }
        if j - k > MAX_TITLE {
            return None;
        }
    }
}

struct Frame {
    kind: Option<SpanKind>,
    end: usize,
    items: Vec<Inline>,
    /// Emit a node for the span (false: its content goes straight into the parent).
    wrap: bool,
}

struct Builder<'a> {
    src: &'a str,
    frames: Vec<Frame>,
    depth: usize,
    links: usize,
}

impl Builder<'_> {
    fn add(&mut self, x: Inline) {
        let Some(f) = self.frames.last_mut() else {
            return;
        };
        match (f.items.last_mut(), x) {
            (Some(Inline::Text(prev)), Inline::Text(t)) => prev.push_str(&t),
            (_, x) => f.items.push(x),
        }
    }

    fn text(&mut self, s: &str) {
        self.add(Inline::Text(s.to_owned()));
    }

    fn token(&mut self, t: Tok) {
        match t {
            Tok::Text(s) => self.add(Inline::Text(s)),
            Tok::Code(s) => self.add(Inline::Code(s)),
            Tok::Break => self.add(Inline::LineBreak),
            Tok::Delim(c) => self.text(if c == b'*' {
                "*"
            } else if c == b'_' {
                "_"
            } else {
                "~"
            }),
            Tok::Open(image) => self.text(if image { "![" } else { "[" }),
            Tok::Auto(href, text) => {
                if self.links > 0 {
                    self.add(Inline::Text(text));
                } else {
                    self.add(Inline::Link {
                        href,
                        content: vec![Inline::Text(text)],
                    });
                }
            }
            Tok::Nothing => {}
        }
    }

    fn open(&mut self, s: Span) {
        let wrap = match s.kind {
            SpanKind::Emph | SpanKind::Strong | SpanKind::Strike => self.depth < MAX_DEPTH,
            SpanKind::Link(_) => self.links == 0 && self.depth < MAX_DEPTH,
            SpanKind::Unsafe | SpanKind::Image(..) => false,
        };
        if wrap {
            self.depth += 1;
            if matches!(s.kind, SpanKind::Link(_)) {
                self.links += 1;
            }
        }
        self.frames.push(Frame {
            kind: Some(s.kind),
            end: s.end,
            items: Vec::new(),
            wrap,
        });
    }

    fn close(&mut self) {
        let Some(f) = self.frames.pop() else {
            return;
        };
        let Some(kind) = f.kind else {
            return;
        };
        if f.wrap {
            self.depth -= 1;
        }
        let node = match kind {
            SpanKind::Image(Some(href), ..) => {
                let label = format!("image: {}", plain(&f.items));
                if self.links > 0 {
                    Inline::Text(label)
                } else {
                    Inline::Link {
                        href,
                        content: vec![Inline::Text(label)],
                    }
                }
            }
            SpanKind::Image(None, s, e) => Inline::Text(self.src[s..e].to_owned()),
            _ if !f.wrap => {
                for x in f.items {
                    self.add(x);
                }
                return;
            }
            SpanKind::Emph => Inline::Emph(f.items),
            SpanKind::Strong => Inline::Strong(f.items),
            SpanKind::Strike => Inline::Strike(f.items),
            SpanKind::Link(href) => {
                self.links -= 1;
                // No invisible links: an empty label shows the URL.
                let content = if f.items.is_empty() {
                    vec![Inline::Text(href.clone())]
                } else {
                    f.items
                };
                Inline::Link { href, content }
            }
            SpanKind::Unsafe => return,
        };
        self.add(node);
    }
}

/// The text of inlines, without markup (image alt text).
fn plain(items: &[Inline]) -> String {
    fn walk(items: &[Inline], out: &mut String) {
        for x in items {
            match x {
                Inline::Text(t) | Inline::Code(t) => out.push_str(t),
                Inline::LineBreak => out.push(' '),
                Inline::Emph(c) | Inline::Strong(c) | Inline::Strike(c) => walk(c, out),
                Inline::Link { content, .. } => walk(content, out),
            }
        }
    }
    let mut s = String::new();
    walk(items, &mut s);
    s
}
