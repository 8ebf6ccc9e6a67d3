//! Incremental, safe markdown for streamed answers. Pure Rust: no browser, no I/O.
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
//!
//! # Layout
//!
//! - `tree.rs`: the output, a DOM-free tree of [`Block`]s and [`Inline`]s (with [`Align`]).
//! - `state.rs`: the state the pieces share: the public [`Context`] and [`OpenFence`] a segment
//!   starts with, the private block parser's state, and the conversions between the two. The
//!   block parser, the renderer and the segmenter all work on it while it depends only on the
//!   tree, so the modules import each other in one direction only, never in a loop.
//! - `block.rs`: the block parser, one line at a time (containers, then the leaf), adding closed
//!   blocks to the innermost open container; `line.rs`: the syntax of one line it uses (a
//!   column-aware cursor and the recognisers for fences, headings, breaks, list markers, tables).
//! - `inline.rs`: the inline parser (delimiter runs, brackets, code spans, autolinks), called for
//!   the text of each paragraph, heading and table cell.
//! - `escape.rs`: entities, backslash escapes and [`safe_href`], the gate for every link target.
//! - `segment.rs`: [`Segment`] and [`render`]: a segment, or a whole document, fed to a building
//!   block parser.
//! - `segmenter.rs`: [`MdText`], the growing source cut into segments by a line scanner that runs
//!   the same block parser without building anything.
//! - `block_text.rs`: [`BlockText`], plain text kept in blocks for the same render-once reason.
//! - `text.rs`: small text helpers (blank lines, byte runs, the suffix of a text in parts).
//! - `append.rs`: [`appended_text`]: whether a re-rendered tail only grew at its last text leaf,
//!   so a view can append to its text node instead of rebuilding the tail.

pub mod append;
mod block;
mod block_text;
mod escape;
mod inline;
mod line;
mod segment;
mod segmenter;
mod state;
mod text;
mod tree;

pub use append::{appended_text, last_leaf};
pub use block_text::BlockText;
pub use escape::safe_href;
pub use segment::{render, Segment};
pub use segmenter::MdText;
pub use state::{Context, OpenFence, MAX_DEPTH};
pub use tree::{Align, Block, Inline};
