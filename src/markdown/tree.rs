//! The rendered document: a DOM-free tree of [`Block`]s and [`Inline`]s that a view turns into
//! nodes (text nodes and a fixed set of elements, never HTML). Every link in it already passed
//! [`safe_href`](super::safe_href).

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
    /// A link; `href` already passed [`safe_href`](super::safe_href).
    Link {
        /// `http:`, `https:` or `mailto:` URL.
        href: String,
        /// The label.
        content: Vec<Inline>,
    },
    /// A hard break; also every single newline inside a paragraph (chat UIs treat it as a break).
    LineBreak,
}
