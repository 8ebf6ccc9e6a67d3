//! [`MdText`], the segmenter: the growing source cut into [`Segment`]s by a line scanner that runs
//! the block parser in structure-only mode (the cut rules are in the module documentation of
//! [`crate::markdown`]).

use super::{
    segment::Segment,
    state::{Context, Kind, Leaf, Open, Parser},
    text::{is_blank, suffix_of},
    tree::{Block, Inline},
};

/// Growing markdown source, cut into segments at block boundaries. All segments but the last are
/// frozen: once a segment is followed by another, its `source` and `context` never change again.
///
/// The cuts depend only on the text, never on how it was chunked into [`MdText::push_str`]
/// calls (see the [module documentation](crate::markdown) for the rules).
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
