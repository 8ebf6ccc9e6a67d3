//! The parser state every piece shares: the public [`Context`] a segment starts with (open
//! containers, the open leaf, the fence count) and the private block [`Parser`] built from it and
//! read back into it. The block parser (`block.rs`) adds the line-by-line methods to [`Parser`],
//! the segmenter (`segmenter.rs`) runs a structure-only [`Parser`] as its line scanner, and
//! [`Segment::render`](super::Segment::render) runs a building one. This module depends only on
//! the tree, so none of them needs to import another to share the state.

use super::tree::{Align, Block, Inline};

/// Block containers (quotes, list items) and inline spans nest at most this deep.
pub const MAX_DEPTH: usize = 16;

/// Parser state at a segment start (e.g. inside a fenced code block opened earlier, with its
/// fence string, language and fence ordinal). `Default` = top level, no fence before.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    /// Fenced blocks opened before the segment (the ordinal of the next one).
    pub(super) fences: u32,
    /// Containers open at the start, outermost first.
    pub(super) containers: Vec<Container>,
    /// The leaf block open at the start.
    pub(super) leaf: LeafCtx,
    /// The segment starts in the middle of a line (a long line was cut at a space or hard).
    pub(super) mid_line: bool,
}

/// A container open at a segment start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Container {
    Quote,
    /// A list item whose content starts this many columns in.
    Item(usize),
}

/// The leaf block open at a segment start.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) enum LeafCtx {
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
    pub(super) indent: usize,
}

impl OpenFence {
    pub(super) fn ch(&self) -> u8 {
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

/// What an open container of the block parser is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
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

/// An open container and the blocks closed inside it so far.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Open {
    pub(super) kind: Kind,
    pub(super) blocks: Vec<Block>,
    /// The last block is a list with this marker, open to more items.
    pub(super) list: Option<u8>,
}

impl Open {
    pub(super) fn new(kind: Kind) -> Self {
        Open {
            kind,
            blocks: Vec::new(),
            list: None,
        }
    }
}

/// The open leaf block of the block parser.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) enum Leaf {
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
/// Its line-by-line methods are in `block.rs`.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Parser {
    pub(super) build: bool,
    pub(super) fences: u32,
    pub(super) stack: Vec<Open>,
    pub(super) root: Vec<Block>,
    pub(super) root_list: Option<u8>,
    pub(super) leaf: Leaf,
    pub(super) mid_line: bool,
    pub(super) last_blank: bool,
    // What the last line did (for the segmenter).
    pub(super) matched: usize,
    pub(super) opened_item: bool,
    pub(super) converted: bool,
}

impl Parser {
    /// A parser at a segment start with context `ctx`; `build` false tracks structure only.
    pub(super) fn new(ctx: &Context, build: bool) -> Self {
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

    /// The context a segment starting here gets (`mid_line`: the cut is inside the current line).
    pub(super) fn context(&self, mid_line: bool) -> Context {
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

    /// A fenced code block is open.
    pub(super) fn in_fence(&self) -> bool {
        matches!(self.leaf, Leaf::Fence { .. })
    }
}
