//! [`Segment`]s, pieces of the source that start at a block boundary with the parser state there,
//! and rendering: a segment or a whole document is fed line by line to a building block parser.

use super::{
    state::{Context, Parser},
    tree::Block,
};

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

/// Renders a whole document at once.
pub fn render(text: &str) -> Vec<Block> {
    render_with(&Context::default(), text)
}

/// Renders `src`, a segment whose parser state at its start is `ctx`.
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
