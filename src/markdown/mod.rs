//! Incremental, safe markdown for streamed answers (issue 4). Pure Rust: no browser, no I/O.
//!
//! Model output is untrusted, so the output has no HTML at all: raw HTML such as
//! `<script>alert(1)</script>` ends up verbatim in [`Inline::Text`], images are never loaded
//! (`![alt](url)` becomes a link labelled "image: alt"), and every [`Inline::Link`] carries an
//! `href` that passed [`safe_href`] (`http:`, `https:` or `mailto:` only).
//!
//! # Streaming
//!
//! [`MdText`] keeps the growing source cut into [`Segment`]s at block boundaries. Every segment but
//! the last is frozen: its `source` and `context` never change again, so a view renders it once
//! and re-renders only the live tail ([`Segment::render`]). A segment is rendered from its own
//! text and its start [`Context`] (the parser state at its first byte, e.g. "inside fence 3,
//! language `rust`"), so the cost of a token does not grow with the answer.
//!
//! Cuts are decided by a line scanner that runs the same block parser as the renderer, at fixed
//! points of the text (a line's first non-blank byte, its end, or a byte past a size limit), using
//! only the text before that point. So the segments do not depend on how the text was chunked, and
//! a cut, once made, is never revised. The rules, in the order they are tried:
//!
//! 1. **Natural cut** (renders exactly like the whole): before the first non-blank byte of a line
//!    when nothing is open before it: after a blank line, heading, thematic break or closing fence
//!    at the top level, or after a blank line inside list items when the new line is indented less
//!    than the first item's content (it closes them all). A list broken by a blank line between
//!    items is cut there: the next part is a list of its own whose `start` is its first number.
//! 2. **Fence part**: after a line inside a fenced code block once the part has
//!    [`MdText::FENCE_PART`] bytes; the next segment's context is "inside fence N" and its
//!    [`Block::Code`] has `continued: true` and the same `fence` ordinal.
//! 3. **Line cut** in a long block with no blank line (the next segment starts with the parser
//!    state as it was, so the next line is read the same way; the block is shown as two blocks):
//!    before a new list item or a line of a quote once the part has [`MdText::CONTAINER_PART`]
//!    bytes, before a table row at [`MdText::TABLE_PART`] (the rest is a table without a head),
//!    before any other line at [`MdText::PARAGRAPH_PART`]; never before a line that turns the
//!    paragraph above into a table or setext heading. Items cut this way lose their bullet in the
//!    continuation (their content is shown unwrapped); quotes are wrapped again.
//! 4. **Long line**: a line (outside fences) that has [`MdText::LINE_PART`] bytes is cut after a
//!    space; the rest of the line is read as paragraph text (no block starts in the middle).
//! 5. **Hard limit**: nothing grows beyond [`MdText::HARD_MAX`] bytes: the segment is cut before the
//!    current line, or else at the char boundary there, whatever the construct (inline spans cut
//!    in two render as two halves). So the live tail is never longer than `HARD_MAX + 3` bytes.
//!
//! # Dialect
//!
//! Pragmatic CommonMark + GFM, aimed at what LLM answers contain: ATX and setext headings,
//! paragraphs (every newline is a [`Inline::LineBreak`], as in chat UIs), `*`/`_` emphasis with
//! the delimiter-run rules (no intraword `_`), `~~` strike, code spans, inline links and images,
//! autolinks and bare `http(s)://`/`www.` URLs, backslash escapes and common entities, bullet and
//! ordered lists, block quotes, thematic breaks, fenced code (``` and ~~~) and GFM tables. Not
//! supported: indented code blocks (indented text is paragraph text), HTML blocks (text),
//! reference links and footnotes (literal text). Nesting is capped at [`MAX_DEPTH`] containers and
//! inline spans; deeper markers are read as text.

use std::borrow::Cow;

/// Block containers (quotes, list items) and inline spans nest at most this deep.
pub const MAX_DEPTH: usize = 16;
/// A table has at most this many columns (a wider delimiter row is paragraph text).
const MAX_COLUMNS: usize = 32;
/// Link destinations and titles longer than this are not links (bounds backtracking).
const MAX_DEST: usize = 4096;
const MAX_TITLE: usize = 1024;

// ------------------------------------------------------------------------------------------------
// Output
// ------------------------------------------------------------------------------------------------

/// A block of rendered markdown.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// `#` to `######` (or a setext underline).
    Heading {
        /// 1 to 6.
        level: u8,
        /// The heading text.
        content: Vec<Inline>,
    },
    /// A paragraph.
    Paragraph(Vec<Inline>),
    /// A fenced code block, or the part of one that lies in one segment.
    Code {
        /// First word of the info string, lowercased, letters, digits and `+-#._` only (`""` when
        /// none).
        lang: String,
        /// The code, one `\n` after every complete line.
        code: String,
        /// Ordinal of the fenced block in the whole document (0, 1, ..), the same on every part
        /// of a fence that was cut across segments.
        fence: u32,
        /// This part continues a fence begun in an earlier segment.
        continued: bool,
        /// The closing fence was seen in this part.
        closed: bool,
    },
    /// A bullet or ordered list.
    List {
        /// `1.` / `1)` rather than `-`, `*`, `+`.
        ordered: bool,
        /// Number of the first item (1 for bullet lists).
        start: u64,
        /// The items, each a list of blocks.
        items: Vec<Vec<Block>>,
    },
    /// A block quote.
    Quote(Vec<Block>),
    /// A GFM table. A table continued from an earlier segment has an empty `head`.
    Table {
        /// Column alignments, one per column.
        align: Vec<Align>,
        /// Header cells (as many as `align`), or none.
        head: Vec<Vec<Inline>>,
        /// Body rows, each with as many cells as `align`.
        rows: Vec<Vec<Vec<Inline>>>,
    },
    /// A thematic break (`---`, `***`, `___`).
    Rule,
}

/// Column alignment of a table, from the delimiter row (`:--`, `:-:`, `--:`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// `---`
    None,
    /// `:--`
    Left,
    /// `:-:`
    Center,
    /// `--:`
    Right,
}

/// Inline content.
#[derive(Debug, Clone, PartialEq)]
pub enum Inline {
    /// Literal text, shown as text (raw HTML from the model ends up here, verbatim).
    Text(String),
    /// A code span.
    Code(String),
    /// `*emphasis*` or `_emphasis_`.
    Emph(Vec<Inline>),
    /// `**strong**` or `__strong__`.
    Strong(Vec<Inline>),
    /// `~~strike~~`.
    Strike(Vec<Inline>),
    /// A link; `href` already passed [`safe_href`].
    Link {
        /// `http:`, `https:` or `mailto:` URL.
        href: String,
        /// The label.
        content: Vec<Inline>,
    },
    /// A hard break; also every single newline inside a paragraph (chat UIs treat it as a break).
    LineBreak,
}

// ------------------------------------------------------------------------------------------------
// Context and segments
// ------------------------------------------------------------------------------------------------

/// Parser state at a segment start (e.g. inside a fenced code block opened earlier, with its
/// fence string, language and fence ordinal). `Default` = top level, no fence before.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    /// Fenced blocks opened before the segment (the ordinal of the next one).
    fences: u32,
    /// Containers open at the start, outermost first.
    containers: Vec<Container>,
    /// The leaf block open at the start.
    leaf: LeafCtx,
    /// The segment starts in the middle of a line (a long line was cut at a space or hard).
    mid_line: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Container {
    Quote,
    /// A list item whose content starts this many columns in.
    Item(usize),
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
enum LeafCtx {
    #[default]
    None,
    Paragraph,
    Table(Vec<Align>),
    Fence(OpenFence),
}

/// A fenced code block that is open at a segment start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenFence {
    /// Ordinal of the fence in the whole document.
    pub ordinal: u32,
    /// The opening fence string, e.g. "```" or "~~~~"; a closing fence is at least as long.
    pub fence: String,
    /// Its language (first word of the info string, lowercased).
    pub lang: String,
    /// Indentation of the opening fence, removed from content lines (CommonMark).
    indent: usize,
}

impl OpenFence {
    fn ch(&self) -> u8 {
        self.fence.as_bytes().first().copied().unwrap_or(b'`')
    }
}

impl Context {
    /// The fenced code block open at the segment start, if any.
    pub fn fence(&self) -> Option<&OpenFence> {
        match &self.leaf {
            LeafCtx::Fence(f) => Some(f),
            _ => None,
        }
    }

    /// Number of fenced blocks opened before the segment (the ordinal its first new fence gets).
    pub fn fences_before(&self) -> u32 {
        self.fences
    }

    /// The segment starts at the top level, between blocks (its rendering is exactly that of
    /// its text alone, apart from fence ordinals).
    pub fn is_top_level(&self) -> bool {
        self.containers.is_empty() && self.leaf == LeafCtx::None && !self.mid_line
    }

    /// The segment starts in the middle of a line (a very long line was cut).
    pub fn is_mid_line(&self) -> bool {
        self.mid_line
    }
}

/// A piece of the source that starts at a block boundary, with the parser state there.
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    /// The text of this piece.
    pub source: String,
    /// Parser state at its start.
    pub context: Context,
}

impl Segment {
    /// Parses this segment, given its start context.
    pub fn render(&self) -> Vec<Block> {
        render_with(&self.context, &self.source)
    }
}

/// The text of `parts` (which add up to `len` bytes) from byte `offset` on, found from the end.
pub(crate) fn suffix_of<'a>(
    parts: impl DoubleEndedIterator<Item = &'a str>,
    len: usize,
    offset: usize,
) -> String {
    let mut wanted = len.saturating_sub(offset);
    let mut tail = Vec::new();
    for part in parts.rev() {
        if wanted == 0 {
            break;
        }
        let take = wanted.min(part.len());
        tail.push(&part[part.len() - take..]);
        wanted -= take;
    }
    tail.iter().rev().copied().collect()
}

/// Renders a whole document at once.
pub fn render(text: &str) -> Vec<Block> {
    render_with(&Context::default(), text)
}

fn render_with(ctx: &Context, src: &str) -> Vec<Block> {
    let mut p = Parser::new(ctx, true);
    let mut rest = src;
    while let Some(i) = rest.find('\n') {
        p.line(&rest[..i], true);
        rest = &rest[i + 1..];
    }
    if !rest.is_empty() {
        p.line(rest, false);
    }
    p.finish()
}

// ------------------------------------------------------------------------------------------------
// MdText: the segmenter
// ------------------------------------------------------------------------------------------------

/// Growing markdown source, cut into segments at block boundaries. All segments but the last are
/// frozen: once a segment is followed by another, its `source` and `context` never change again.
///
/// The cuts depend only on the text, never on how it was chunked into [`MdText::push_str`]
/// calls (see the module documentation for the rules).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MdText {
    segments: Vec<Segment>,
    len: usize,
    scan: Scanner,
}

/// The line scanner: the block parser's state after the complete lines of the tail, and where
/// the current line stands. After every push it has examined every byte, so its state is a
/// function of the text alone.
#[derive(Debug, Clone, Default, PartialEq)]
struct Scanner {
    parser: Parser,
    /// Offset in the tail where the current line (or its part in the tail) starts.
    line_start: usize,
    /// Bytes of the tail examined.
    pos: usize,
    /// The current line's first non-blank byte was seen (natural cut decided).
    first_seen: bool,
    /// The size-based cut before the current line was decided.
    line_decided: bool,
    /// The tail has a non-blank line before `line_start`.
    content: bool,
    /// A cut at the very end of the tail, made when more text arrives (no empty segments).
    pending: Option<Context>,
}

impl MdText {
    /// Inside a fenced code block, a part is closed at a line end once it has this many bytes.
    pub const FENCE_PART: usize = 2048;
    /// In a list or quote with no blank line, cut before an item or quote line at this size.
    pub const CONTAINER_PART: usize = 2048;
    /// In a paragraph with no blank line, cut before a line at this size.
    pub const PARAGRAPH_PART: usize = 4096;
    /// In a table, cut before a row at this size (the rest is a table without a head).
    pub const TABLE_PART: usize = 8192;
    /// A single line this long (outside fences) is cut after a space.
    pub const LINE_PART: usize = 4096;
    /// No segment grows beyond this: cut before the line, else at a char boundary.
    pub const HARD_MAX: usize = 16384;
    /// `push_str` feeds the scanner at most this much at a time (bounds the copy of a split).
    const PIECE: usize = 1024;

    /// An empty text.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends streamed text; amortised O(`s.len()`).
    pub fn push_str(&mut self, s: &str) {
        let mut rest = s;
        while !rest.is_empty() {
            let mut n = rest.len().min(Self::PIECE);
            while !rest.is_char_boundary(n) {
                n += 1;
            }
            let (piece, more) = rest.split_at(n);
            self.push_piece(piece);
            rest = more;
        }
    }

    fn push_piece(&mut self, s: &str) {
        if let Some(context) = self.scan.pending.take() {
            self.segments.push(Segment {
                source: String::new(),
                context,
            });
        }
        match self.segments.last_mut() {
            Some(tail) => tail.source.push_str(s),
            None => self.segments.push(Segment {
                source: s.to_owned(),
                context: Context::default(),
            }),
        }
        self.len += s.len();
        self.advance();
    }

    /// The frozen segments, then the live tail (the last one). Empty when no text was pushed.
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// The frozen segments (all but the last).
    pub fn frozen(&self) -> &[Segment] {
        let n = self.segments.len().saturating_sub(1);
        &self.segments[..n]
    }

    /// The live tail (the last segment), if any text was pushed.
    pub fn tail(&self) -> Option<&Segment> {
        self.segments.last()
    }

    /// The whole source.
    pub fn text(&self) -> String {
        let mut s = String::with_capacity(self.len);
        for seg in &self.segments {
            s.push_str(&seg.source);
        }
        s
    }

    /// The source from byte `offset` to the end (empty past the end); cost proportional to the
    /// result, not to the whole text.
    pub fn text_from(&self, offset: usize) -> String {
        suffix_of(
            self.segments.iter().map(|s| s.source.as_str()),
            self.len,
            offset,
        )
    }

    /// Renders segment `index`. A paragraph cut in the middle of a long line keeps the white
    /// space at the cut, so the text of the rendered segments joins back exactly.
    pub fn render_segment(&self, index: usize) -> Vec<Block> {
        let Some(segment) = self.segments.get(index) else {
            return Vec::new();
        };
        let mut blocks = segment.render();
        let cut_mid_line = self
            .segments
            .get(index + 1)
            .is_some_and(|next| next.context.is_mid_line());
        let space = &segment.source[segment.source.trim_end().len()..];
        if let (true, false, Some(Block::Paragraph(inlines))) =
            (cut_mid_line, space.is_empty(), blocks.last_mut())
        {
            inlines.push(Inline::Text(space.to_owned()));
        }
        blocks
    }

    /// The whole code of fenced block number `fence`, joined from every part of it, in every
    /// segment and at any depth (inside list items and quotes). Renders the segments the fence
    /// may lie in; meant for a "copy" button, not for every frame.
    pub fn fence_code(&self, fence: u32) -> String {
        fn walk(blocks: &[Block], fence: u32, out: &mut String) {
            for b in blocks {
                match b {
                    Block::Code { code, fence: f, .. } if *f == fence => out.push_str(code),
                    Block::List { items, .. } => items.iter().for_each(|i| walk(i, fence, out)),
                    Block::Quote(inner) => walk(inner, fence, out),
                    _ => {}
                }
            }
        }
        let mut out = String::new();
        for (i, seg) in self.segments.iter().enumerate() {
            let next = self.segments.get(i + 1).map(|s| s.context.fences);
            let inside = seg.context.fence().is_some_and(|f| f.ordinal == fence);
            // Fences opened in this segment: from its context's count to the next one's.
            let opened = seg.context.fences <= fence && next.is_none_or(|n| fence < n);
            if inside || opened {
                walk(&seg.render(), fence, &mut out);
            }
        }
        out
    }

    /// Total length in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// No text yet.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Examines the new bytes of the tail, cutting where the rules say.
    fn advance(&mut self) {
        while self.scan.pending.is_none() {
            let Some(tail) = self.segments.last() else {
                return;
            };
            let src = tail.source.as_str();
            let sc = &mut self.scan;
            let i = sc.pos;
            let Some(&b) = src.as_bytes().get(i) else {
                return;
            };
            // 5. Hard limit: nothing grows beyond HARD_MAX.
            if i >= Self::HARD_MAX && i > sc.line_start && src.is_char_boundary(i) {
                let (at, ctx) = match sc.decide_line(src, i, false) {
                    Some(ctx) => (sc.line_start, ctx),
                    None => (i, sc.mid_line_context(src, i)),
                };
                self.cut(at, ctx);
                continue;
            }
            if b == b'\n' {
                if let Some(ctx) = sc.decide_line(src, i, true) {
                    let at = sc.line_start;
                    self.cut(at, ctx);
                    continue;
                }
                let line = &src[sc.line_start..i];
                sc.content |= !is_blank(line);
                sc.parser.line(line, true);
                sc.line_start = i + 1;
                sc.pos = i + 1;
                sc.first_seen = false;
                sc.line_decided = false;
                // 2. Fence part.
                if sc.parser.in_fence() && sc.line_start >= Self::FENCE_PART {
                    let ctx = sc.parser.context(false);
                    let at = sc.line_start;
                    self.cut(at, ctx);
                }
                continue;
            }
            if !sc.first_seen && !matches!(b, b' ' | b'\t' | b'\r') {
                sc.first_seen = true;
                // 1. Natural cut.
                if sc.natural(src, i) {
                    let ctx = Context {
                        fences: sc.parser.fences,
                        ..Context::default()
                    };
                    let at = sc.line_start;
                    self.cut(at, ctx);
                    continue;
                }
            }
            // 4. Long line: cut after a space.
            if b == b' ' && i + 1 - sc.line_start >= Self::LINE_PART && !sc.parser.in_fence() {
                match sc.decide_line(src, i + 1, false) {
                    Some(ctx) => {
                        let at = sc.line_start;
                        self.cut(at, ctx);
                    }
                    None => {
                        let ctx = sc.mid_line_context(src, i + 1);
                        sc.pos = i + 1;
                        self.cut(i + 1, ctx);
                    }
                }
                continue;
            }
            sc.pos = i + 1;
        }
    }

    /// Cuts the tail at `at` (tail offset); the new segment starts with `ctx`.
    fn cut(&mut self, at: usize, ctx: Context) {
        let Some(tail) = self.segments.last_mut() else {
            return;
        };
        let sc = &mut self.scan;
        sc.parser = Parser::new(&ctx, false);
        sc.pos -= at;
        sc.line_start = sc.line_start.saturating_sub(at);
        sc.content = false;
        if at >= tail.source.len() {
            sc.pending = Some(ctx);
        } else {
            let source = tail.source.split_off(at);
            self.segments.push(Segment {
                source,
                context: ctx,
            });
        }
    }
}

impl Scanner {
    /// Rule 1: a cut before the current line, whose first non-blank byte is at `i`.
    fn natural(&self, src: &str, i: usize) -> bool {
        if self.line_start == 0 || !self.content {
            return false;
        }
        let p = &self.parser;
        match p.stack.first() {
            // Nothing open at the top level: the line starts afresh whatever it is.
            None => matches!(p.leaf, Leaf::None),
            // After a blank line, a line indented less than the first item's content closes
            // every container (CommonMark: a list item continues only with that indentation).
            Some(Open {
                kind: Kind::Item { indent, .. },
                ..
            }) => p.last_blank && columns(&src[self.line_start..i]) < *indent,
            Some(_) => false,
        }
    }

    /// Rules 3 and 5: a size-based cut before the current line (`src[line_start..end]`, complete
    /// or not), decided once per line. Returns the context of the new segment.
    fn decide_line(&mut self, src: &str, end: usize, complete: bool) -> Option<Context> {
        if std::mem::replace(&mut self.line_decided, true) {
            return None;
        }
        let size = self.line_start;
        if size < MdText::CONTAINER_PART {
            return None;
        }
        let p = &self.parser;
        if size >= MdText::HARD_MAX {
            return Some(p.context(false));
        }
        if p.in_fence() {
            return None; // fence parts are cut after their lines (rule 2)
        }
        let mut post = p.clone();
        post.line(&src[self.line_start..end], complete);
        if post.converted {
            return None; // the line turns the paragraph above into a table or heading
        }
        let all = post.matched == p.stack.len();
        let quote = p.stack.iter().any(|o| o.kind == Kind::Quote);
        let table = matches!(p.leaf, Leaf::Table { .. }) && matches!(post.leaf, Leaf::Table { .. });
        let limit = if !p.stack.is_empty() && (post.opened_item || (all && quote)) {
            MdText::CONTAINER_PART
        } else if all && table {
            MdText::TABLE_PART
        } else {
            MdText::PARAGRAPH_PART
        };
        (size >= limit).then(|| p.context(false))
    }

    /// Rules 4 and 5: the context after a cut at `at`, in the middle of the current line.
    fn mid_line_context(&self, src: &str, at: usize) -> Context {
        let mut m = self.parser.clone();
        m.line(&src[self.line_start..at], false);
        m.context(true)
    }
}

fn is_blank(s: &str) -> bool {
    s.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\r'))
}

/// Columns of leading white space (tabs stop every 4 columns).
fn columns(ws: &str) -> usize {
    ws.bytes().fold(0, |col, b| {
        if b == b'\t' {
            col + 4 - col % 4
        } else {
            col + 1
        }
    })
}

// ------------------------------------------------------------------------------------------------
// Block parser (line by line, CommonMark's container/leaf algorithm, simplified)
// ------------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Quote,
    Item {
        /// Columns of the item's content, relative to its container's content.
        indent: usize,
        /// `-`, `+`, `*`, `.` or `)`: items with the same marker form one list.
        marker: u8,
        start: u64,
        /// Opened in an earlier segment: its content is emitted without a list around it.
        ctx: bool,
    },
}

#[derive(Debug, Clone, PartialEq)]
struct Open {
    kind: Kind,
    blocks: Vec<Block>,
    /// The last block is a list with this marker, open to more items.
    list: Option<u8>,
}

impl Open {
    fn new(kind: Kind) -> Self {
        Open {
            kind,
            blocks: Vec::new(),
            list: None,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
enum Leaf {
    #[default]
    None,
    /// Paragraph lines joined by `\n` (when scanning: only the last line), `last` = offset of
    /// the last line (a table header candidate).
    Para {
        text: String,
        last: usize,
        lines: usize,
    },
    Table {
        align: Vec<Align>,
        head: Vec<Vec<Inline>>,
        rows: Vec<Vec<Vec<Inline>>>,
    },
    Fence {
        info: OpenFence,
        code: String,
        continued: bool,
    },
}

/// The block parser. With `build` false it only tracks structure (the segmenter's scanner); the
/// control flow never depends on `build`, so the scanner and the renderer agree on every line.
#[derive(Debug, Clone, Default, PartialEq)]
struct Parser {
    build: bool,
    fences: u32,
    stack: Vec<Open>,
    root: Vec<Block>,
    root_list: Option<u8>,
    leaf: Leaf,
    mid_line: bool,
    last_blank: bool,
    // What the last line did (for the segmenter).
    matched: usize,
    opened_item: bool,
    converted: bool,
}

impl Parser {
    fn new(ctx: &Context, build: bool) -> Self {
        let stack = ctx
            .containers
            .iter()
            .map(|c| {
                Open::new(match *c {
                    Container::Quote => Kind::Quote,
                    Container::Item(indent) => Kind::Item {
                        indent,
                        marker: 0,
                        start: 1,
                        ctx: true,
                    },
                })
            })
            .collect();
        let leaf = match &ctx.leaf {
            LeafCtx::None => Leaf::None,
            LeafCtx::Paragraph => Leaf::Para {
                text: String::new(),
                last: 0,
                lines: 0,
            },
            LeafCtx::Table(align) => Leaf::Table {
                align: align.clone(),
                head: Vec::new(),
                rows: Vec::new(),
            },
            LeafCtx::Fence(info) => Leaf::Fence {
                info: info.clone(),
                code: String::new(),
                continued: true,
            },
        };
        Parser {
            build,
            fences: ctx.fences,
            stack,
            leaf,
            mid_line: ctx.mid_line,
            ..Parser::default()
        }
    }

    fn context(&self, mid_line: bool) -> Context {
        let containers = self
            .stack
            .iter()
            .map(|o| match o.kind {
                Kind::Quote => Container::Quote,
                Kind::Item { indent, .. } => Container::Item(indent),
            })
            .collect();
        let leaf = match &self.leaf {
            Leaf::Fence { info, .. } => LeafCtx::Fence(info.clone()),
            _ if mid_line => LeafCtx::Paragraph,
            Leaf::None => LeafCtx::None,
            Leaf::Para { .. } => LeafCtx::Paragraph,
            Leaf::Table { align, .. } => LeafCtx::Table(align.clone()),
        };
        Context {
            fences: self.fences,
            containers,
            leaf,
            mid_line,
        }
    }

    fn in_fence(&self) -> bool {
        matches!(self.leaf, Leaf::Fence { .. })
    }

    /// One line, without its `\n`; `terminated` says whether the `\n` was there.
    fn line(&mut self, raw: &str, terminated: bool) {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        self.opened_item = false;
        self.converted = false;
        if std::mem::take(&mut self.mid_line) {
            // The rest of a line cut in the middle: no container markers, no block starts.
            self.matched = self.stack.len();
            self.last_blank = false;
            let build = self.build;
            if let Leaf::Fence { code, .. } = &mut self.leaf {
                if build {
                    code.push_str(raw);
                    if terminated {
                        code.push('\n');
                    }
                }
            } else {
                self.para_add(raw);
            }
            return;
        }

        // 1. Which open containers does the line continue? "> " for quotes; for list items,
        //    indentation of at least the item's content column, or a blank line.
        let mut c = Cur::new(raw);
        let mut matched = 0;
        while matched < self.stack.len() {
            let ok = match self.stack[matched].kind {
                Kind::Quote => {
                    let ok = c.indent() <= 3 && c.peek() == Some(b'>');
                    if ok {
                        c.skip_ws();
                        c.bump(1);
                        c.skip_indent(1);
                    }
                    ok
                }
                Kind::Item { indent, .. } => {
                    if c.is_blank() {
                        true
                    } else if c.indent() >= indent {
                        c.skip_indent(indent);
                        true
                    } else {
                        false
                    }
                }
            };
            if !ok {
                break;
            }
            matched += 1;
        }
        self.matched = matched;
        let all = matched == self.stack.len();
        let blank = c.is_blank();

        // 2. Inside a fence: "The closing code fence ... may be preceded by up to three spaces of
        //    indentation, and may be followed only by spaces or tabs"; otherwise content, with up
        //    to the opening fence's indentation removed.
        let closing = match &self.leaf {
            Leaf::Fence { info, .. } if all => {
                Some(c.indent() <= 3 && is_closing(c.after_ws(), info.ch(), info.fence.len()))
            }
            _ => None,
        };
        match closing {
            Some(true) => {
                self.last_blank = false;
                self.close_leaf_with(true);
                return;
            }
            Some(false) => {
                self.last_blank = blank;
                let build = self.build;
                if let Leaf::Fence { info, code, .. } = &mut self.leaf {
                    if build {
                        c.skip_indent(info.indent);
                        code.push_str(&c.rest());
                        if terminated {
                            code.push('\n');
                        }
                    }
                }
                return;
            }
            None => {}
        }

        // 3. Lazy continuation: "a paragraph continuation line" that starts no block keeps its
        //    paragraph (and the containers around it) open.
        if !all && !blank && matches!(self.leaf, Leaf::Para { .. }) && !starts_block(&c) {
            self.last_blank = false;
            self.para_add(c.after_ws());
            return;
        }
        while self.stack.len() > matched {
            self.close_top();
        }
        if blank {
            self.close_leaf();
            self.last_blank = true;
            return;
        }
        self.last_blank = false;

        // 4. New containers. "In order for a sequence of lines to constitute a list item, ...
        //    when the first list item in a list interrupts a paragraph ... it must start with 1"
        //    and must not be empty.
        while self.stack.len() < MAX_DEPTH && c.indent() <= 3 {
            let t = c.after_ws();
            if t.starts_with('>') {
                self.close_leaf();
                c.skip_ws();
                c.bump(1);
                c.skip_indent(1);
                self.stack.push(Open::new(Kind::Quote));
                continue;
            }
            let Some(m) = list_marker(t) else { break };
            if thematic(t) {
                break;
            }
            if matches!(self.leaf, Leaf::Para { .. }) && (m.empty || (m.ordered && m.num != 1)) {
                break;
            }
            self.close_leaf();
            let base = c.col;
            c.skip_ws();
            c.bump(m.width);
            let after = c.col;
            // "If the first block ... begins with five or more spaces, the content starts one
            // column after the marker" (that would be indented code).
            let pad = if c.is_blank() {
                1
            } else {
                let n = c.indent();
                let pad = if n >= 5 { 1 } else { n };
                c.skip_indent(pad);
                pad
            };
            self.stack.push(Open::new(Kind::Item {
                indent: after - base + pad,
                marker: m.ch,
                start: m.num,
                ctx: false,
            }));
            self.opened_item = true;
        }
        if c.is_blank() {
            return; // an empty item or quote line
        }

        // 5. The leaf.
        let ind = c.indent();
        let t = c.after_ws();
        if ind <= 3 {
            if let Some((n, info)) = fence_open(t) {
                self.close_leaf();
                let ordinal = self.fences;
                self.fences = self.fences.saturating_add(1);
                self.leaf = Leaf::Fence {
                    info: OpenFence {
                        ordinal,
                        fence: t[..n].to_owned(),
                        lang: lang_of(info),
                        indent: ind,
                    },
                    code: String::new(),
                    continued: false,
                };
                return;
            }
            if let Some((level, content)) = atx(t) {
                self.close_leaf();
                if self.build {
                    let content = inlines(content);
                    self.emit(Block::Heading { level, content });
                }
                return;
            }
            let para_lines = match &self.leaf {
                Leaf::Para { lines, .. } => *lines,
                _ => 0,
            };
            if para_lines > 0 {
                // "A setext heading underline is a sequence of = characters or a sequence of -
                // characters" below a paragraph.
                if let Some(level) = setext(t) {
                    self.converted = true;
                    if let Leaf::Para { text, .. } = std::mem::take(&mut self.leaf) {
                        if self.build {
                            let content = inlines(text.trim_end());
                            self.emit(Block::Heading { level, content });
                        }
                    }
                    return;
                }
            }
            if thematic(t) {
                self.close_leaf();
                self.emit(Block::Rule);
                return;
            }
            if para_lines > 0 {
                // GFM: "The header row must match the delimiter row in the number of cells."
                if let Some(align) = delim_row(t) {
                    let header_ok = match &self.leaf {
                        Leaf::Para { text, last, .. } => {
                            let header = &text[*last..];
                            header.contains('|') && split_cells(header).len() == align.len()
                        }
                        _ => false,
                    };
                    if header_ok {
                        self.make_table(align);
                        return;
                    }
                }
            }
        }
        if let Leaf::Table { align, rows, .. } = &mut self.leaf {
            if self.build {
                rows.push(row_cells(t, align.len()));
            }
            return;
        }
        self.para_add(t);
    }

    /// The paragraph's last line becomes the head of a table; lines above stay a paragraph.
    fn make_table(&mut self, align: Vec<Align>) {
        if let Leaf::Para { text, last, .. } = std::mem::take(&mut self.leaf) {
            self.converted = true;
            let mut head = Vec::new();
            if self.build {
                let before = text[..last].trim_end();
                if !before.trim().is_empty() {
                    self.emit(Block::Paragraph(inlines(before)));
                }
                head = row_cells(&text[last..], align.len());
            }
            self.leaf = Leaf::Table {
                align,
                head,
                rows: Vec::new(),
            };
        }
    }

    /// Adds a line to the open paragraph, or starts one.
    fn para_add(&mut self, t: &str) {
        let t = t.trim_start_matches([' ', '\t']);
        let build = self.build;
        if let Leaf::Para { text, last, lines } = &mut self.leaf {
            if build {
                if *lines > 0 {
                    text.push('\n');
                }
                *last = text.len();
            } else {
                text.clear();
                *last = 0;
            }
            text.push_str(t);
            *lines += 1;
        } else {
            self.close_leaf();
            self.leaf = Leaf::Para {
                text: t.to_owned(),
                last: 0,
                lines: 1,
            };
        }
    }

    fn close_leaf(&mut self) {
        self.close_leaf_with(false);
    }

    /// Closes the open leaf block; `closed` = a closing fence was seen.
    fn close_leaf_with(&mut self, closed: bool) {
        let leaf = std::mem::take(&mut self.leaf);
        if !self.build {
            return;
        }
        match leaf {
            Leaf::None => {}
            Leaf::Para { text, .. } => {
                if !text.trim().is_empty() {
                    self.emit(Block::Paragraph(inlines(text.trim_end())));
                }
            }
            Leaf::Table { align, head, rows } => {
                if !head.is_empty() || !rows.is_empty() {
                    self.emit(Block::Table { align, head, rows });
                }
            }
            Leaf::Fence {
                info,
                code,
                continued,
            } => self.emit(Block::Code {
                lang: info.lang,
                code,
                fence: info.ordinal,
                continued,
                closed,
            }),
        }
    }

    fn target(&mut self) -> (&mut Vec<Block>, &mut Option<u8>) {
        match self.stack.last_mut() {
            Some(o) => (&mut o.blocks, &mut o.list),
            None => (&mut self.root, &mut self.root_list),
        }
    }

    fn emit(&mut self, block: Block) {
        if self.build {
            let (blocks, list) = self.target();
            blocks.push(block);
            *list = None;
        }
    }

    /// Closes the innermost container (and the leaf in it).
    fn close_top(&mut self) {
        self.close_leaf();
        let Some(open) = self.stack.pop() else {
            return;
        };
        if !self.build {
            return;
        }
        match open.kind {
            Kind::Quote => self.emit(Block::Quote(open.blocks)),
            Kind::Item { ctx: true, .. } => {
                for b in open.blocks {
                    self.emit(b);
                }
            }
            Kind::Item { marker, start, .. } => {
                let ordered = marker == b'.' || marker == b')';
                let (blocks, list) = self.target();
                if *list == Some(marker) {
                    if let Some(Block::List { items, .. }) = blocks.last_mut() {
                        items.push(open.blocks);
                        return;
                    }
                }
                blocks.push(Block::List {
                    ordered,
                    start: if ordered { start } else { 1 },
                    items: vec![open.blocks],
                });
                *list = Some(marker);
            }
        }
    }

    fn finish(mut self) -> Vec<Block> {
        self.close_leaf();
        while !self.stack.is_empty() {
            self.close_top();
        }
        self.root
    }
}

/// A cursor over one line that knows columns (tabs stop every 4 columns) and can consume part of
/// a tab, as CommonMark's container prefixes do.
#[derive(Clone, Copy)]
struct Cur<'a> {
    s: &'a str,
    pos: usize,
    /// Column at `pos`, before the virtual spaces.
    col: usize,
    /// Spaces left of a partly consumed tab.
    virt: usize,
}

impl<'a> Cur<'a> {
    fn new(s: &'a str) -> Self {
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
    fn indent(&self) -> usize {
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

    fn after_ws(&self) -> &'a str {
        &self.s[self.ws_end()..]
    }

    fn peek(&self) -> Option<u8> {
        self.s.as_bytes().get(self.ws_end()).copied()
    }

    fn is_blank(&self) -> bool {
        self.ws_end() == self.s.len()
    }

    /// Consumes up to `max` columns of white space.
    fn skip_indent(&mut self, max: usize) {
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

    fn skip_ws(&mut self) {
        let n = self.indent();
        self.skip_indent(n);
    }

    /// Consumes `n` ASCII bytes (markers), right after `skip_ws`.
    fn bump(&mut self, n: usize) {
        self.pos = (self.pos + n).min(self.s.len());
        self.col += n;
    }

    fn rest(&self) -> Cow<'a, str> {
        if self.virt == 0 {
            Cow::Borrowed(&self.s[self.pos..])
        } else {
            Cow::Owned(" ".repeat(self.virt) + &self.s[self.pos..])
        }
    }
}

fn run_len(b: &[u8], ch: u8) -> usize {
    b.iter().take_while(|&&x| x == ch).count()
}

/// Does the line (after the containers it continues) start a block? Then it is no lazy
/// continuation line. The paragraph is in a container the line does not continue, so the rules
/// for interrupting a paragraph do not apply (commonmark.js checks them against the last
/// matched container).
fn starts_block(c: &Cur) -> bool {
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
fn fence_open(t: &str) -> Option<(usize, &str)> {
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

fn is_closing(t: &str, ch: u8, len: usize) -> bool {
    let n = run_len(t.as_bytes(), ch);
    n >= len && is_blank(&t[n..])
}

/// "The first word of the info string is typically used to specify the language." Lowercased,
/// and only letters, digits and `+-#._` are kept (it may end up in a class name).
fn lang_of(info: &str) -> String {
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
fn atx(t: &str) -> Option<(u8, &str)> {
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

fn setext(t: &str) -> Option<u8> {
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
fn thematic(t: &str) -> bool {
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

struct Marker {
    ordered: bool,
    num: u64,
    ch: u8,
    width: usize,
    empty: bool,
}

/// "A bullet list marker is a -, +, or * character. An ordered list marker is a sequence of 1–9
/// arabic digits, followed by either a . character or a ) character", then a space, tab or the
/// end of the line.
fn list_marker(t: &str) -> Option<Marker> {
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
fn split_cells(line: &str) -> Vec<&str> {
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
fn delim_row(t: &str) -> Option<Vec<Align>> {
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
fn row_cells(line: &str, n: usize) -> Vec<Vec<Inline>> {
    let mut cells: Vec<Vec<Inline>> = split_cells(line)
        .into_iter()
        .take(n)
        .map(|c| inlines(&c.replace("\\|", "|")))
        .collect();
    cells.resize(n, Vec::new());
    cells
}

// ------------------------------------------------------------------------------------------------
// Inline parser (CommonMark's delimiter-run and bracket algorithm, linear time)
// ------------------------------------------------------------------------------------------------

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
fn inlines(src: &str) -> Vec<Inline> {
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
        let mut lims = [bottom; 18];
        let mut c = first;
        while c != NIL {
            let (ch, corig, copen, ccount) = {
                let cr = &self.runs[c];
                if !cr.close || cr.count() == 0 {
                    c = self.next[c];
                    continue;
                }
                (cr.ch, cr.orig, cr.open, cr.count())
            };
            let key = match ch {
                b'*' => 0,
                b'_' => 6,
                _ => 12,
            } + usize::from(copen) * 3
                + corig % 3;
            let mut o = self.prev[c];
            let mut found = NIL;
            while o != NIL && o >= lims[key] {
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
                        found = o;
                        break;
                    }
                }
                o = self.prev[o];
            }
            if found == NIL {
                lims[key] = c;
                let n = self.next[c];
                if !copen {
                    self.unlink(c);
                }
                c = n;
                continue;
            }
            let o = found;
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
                c = n;
            }
        }
        while self.top != NIL && self.top >= bottom {
            self.top = self.prev[self.top];
        }
        if self.top != NIL {
            self.next[self.top] = NIL;
        }
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
/// parentheses), optional white space and title, optional white space, ")".
fn link_tail(src: &str, p: usize) -> Option<(&str, usize)> {
    let b = src.as_bytes();
    if b.get(p) != Some(&b'(') {
        return None;
    }
    let skip = |mut i: usize| {
        while matches!(b.get(i), Some(b' ' | b'\t' | b'\n')) {
            i += 1;
        }
        i
    };
    let mut i = skip(p + 1);
    let dest;
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
        dest = &src[s..j];
        i = j + 1;
    } else {
        let s = i;
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
            if j - s > MAX_DEST {
                return None;
            }
        }
        if depth != 0 {
            return None;
        }
        dest = &src[s..j];
        i = j;
    }
    let k = skip(i);
    if k > i && matches!(b.get(k), Some(b'"' | b'\'' | b'(')) {
        let close = if b[k] == b'(' { b')' } else { b[k] };
        let mut j = k + 1;
        loop {
            match b.get(j) {
                None => return None,
                Some(&c) if c == close => break,
                Some(b'\\') => j += 2,
                _ => j += 1,
            }
            if j - k > MAX_TITLE {
                return None;
            }
        }
        i = skip(j + 1);
    } else {
        i = k;
    }
    (b.get(i) == Some(&b')')).then_some((dest, i + 1))
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

// ------------------------------------------------------------------------------------------------
// Entities, escapes, URLs
// ------------------------------------------------------------------------------------------------

const ENTITIES: &[(&str, &str)] = &[
    ("amp", "&"),
    ("lt", "<"),
    ("gt", ">"),
    ("quot", "\""),
    ("apos", "'"),
    ("nbsp", "\u{a0}"),
    ("copy", "©"),
    ("reg", "®"),
    ("trade", "™"),
    ("hellip", "…"),
    ("mdash", "—"),
    ("ndash", "–"),
    ("lsquo", "‘"),
    ("rsquo", "’"),
    ("ldquo", "“"),
    ("rdquo", "”"),
    ("laquo", "«"),
    ("raquo", "»"),
    ("middot", "·"),
    ("bull", "•"),
    ("times", "×"),
    ("divide", "÷"),
    ("deg", "°"),
    ("plusmn", "±"),
    ("sect", "§"),
    ("para", "¶"),
    ("euro", "€"),
    ("pound", "£"),
    ("yen", "¥"),
    ("cent", "¢"),
    ("larr", "←"),
    ("rarr", "→"),
    ("uarr", "↑"),
    ("darr", "↓"),
    ("harr", "↔"),
    ("lArr", "⇐"),
    ("rArr", "⇒"),
    ("hArr", "⇔"),
    ("ne", "≠"),
    ("le", "≤"),
    ("ge", "≥"),
    ("infin", "∞"),
    ("minus", "−"),
    ("micro", "µ"),
    ("frac12", "½"),
    ("frac14", "¼"),
    ("frac34", "¾"),
    ("sup2", "²"),
    ("sup3", "³"),
    ("check", "✓"),
];

/// Decodes the entity at the start of `s` (which starts with `&`) into `out`; returns its length.
/// "Decimal numeric character references consist of &# + a string of 1–7 arabic digits + ;";
/// hexadecimal ones of "&# + either X or x + a string of 1-6 hexadecimal digits + ;". Code point 0
/// and invalid ones become U+FFFD.
fn entity(s: &str, out: &mut String) -> Option<usize> {
    let b = s.as_bytes();
    if b.get(1) == Some(&b'#') {
        let hex = matches!(b.get(2), Some(b'x' | b'X'));
        let start = if hex { 3 } else { 2 };
        let digits = b[start.min(b.len())..]
            .iter()
            .take(8)
            .take_while(|c| {
                if hex {
                    c.is_ascii_hexdigit()
                } else {
                    c.is_ascii_digit()
                }
            })
            .count();
        if digits == 0 || digits > if hex { 6 } else { 7 } || b.get(start + digits) != Some(&b';') {
            return None;
        }
        let n = u32::from_str_radix(&s[start..start + digits], if hex { 16 } else { 10 }).ok()?;
        out.push(
            char::from_u32(n)
                .filter(|&c| c != '\0')
                .unwrap_or('\u{fffd}'),
        );
        return Some(start + digits + 1);
    }
    let n = b[1..]
        .iter()
        .take(33)
        .take_while(|c| c.is_ascii_alphanumeric())
        .count();
    if n == 0 || b.get(1 + n) != Some(&b';') {
        return None;
    }
    let value = ENTITIES.iter().find(|(k, _)| *k == &s[1..1 + n])?.1;
    out.push_str(value);
    Some(n + 2)
}

/// Decodes backslash escapes and entities (link destinations, info strings).
fn unescape(s: &str) -> Cow<'_, str> {
    if !s.contains(['\\', '&']) {
        return Cow::Borrowed(s);
    }
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let (mut i, mut plain) = (0, 0);
    while i < b.len() {
        match b[i] {
            b'\\' if b.get(i + 1).is_some_and(u8::is_ascii_punctuation) => {
                out.push_str(&s[plain..i]);
                out.push(char::from(b[i + 1]));
                i += 2;
                plain = i;
            }
            b'&' => {
                let mark = out.len();
                out.push_str(&s[plain..i]);
                match entity(&s[i..], &mut out) {
                    Some(n) => {
                        i += n;
                        plain = i;
                    }
                    None => {
                        out.truncate(mark);
                        i += 1;
                    }
                }
            }
            _ => i += 1,
        }
    }
    out.push_str(&s[plain..]);
    Cow::Owned(out)
}

/// The URL if it is safe as a link target: `Some` only for `http:`/`https:` (with `//` and a host)
/// and `mailto:`, with the scheme lowercased. The scheme is compared exactly after trimming white
/// space and control characters at both ends, so case (`JaVaScRiPt:`), leading white space,
/// entities (`java&#115;cript:` is not decoded here: its scheme is not on the list) and control
/// characters (rejected anywhere) cannot smuggle another scheme in. Callers decode markdown
/// escapes and entities first, so the check applies to the URL the browser would see. White
/// space and `"` `<` `>` `` ` `` inside are percent-encoded; the result passes `safe_href` again
/// unchanged.
pub fn safe_href(raw: &str) -> Option<String> {
    let s = raw.trim_matches(|c: char| c.is_whitespace() || c.is_control());
    if s.chars().any(char::is_control) {
        return None;
    }
    let (scheme, rest) = s.split_once(':')?;
    let scheme = scheme.to_ascii_lowercase();
    let ok = match scheme.as_str() {
        "http" | "https" => rest.strip_prefix("//").is_some_and(|host| {
            host.chars()
                .next()
                .is_some_and(|c| !c.is_whitespace() && !matches!(c, '/' | '\\' | '?' | '#'))
        }),
        "mailto" => !rest.trim().is_empty(),
        _ => false,
    };
    if !ok {
        return None;
    }
    let mut out = String::with_capacity(s.len() + 8);
    out.push_str(&scheme);
    out.push(':');
    for c in rest.chars() {
        if c.is_whitespace() || matches!(c, '"' | '<' | '>' | '`') {
            let mut buf = [0; 4];
            for byte in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{byte:02X}"));
            }
        } else {
            out.push(c);
        }
    }
    Some(out)
}
