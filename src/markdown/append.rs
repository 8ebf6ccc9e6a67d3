//! Whether a re-rendered markdown tail only grew at its last text: then a view can append the
//! new characters to the text node it already has instead of rebuilding the tail's DOM.
//!
//! While tokens stream into a paragraph or a code block, almost every re-parse of the tail gives
//! the same blocks as before except that the very last text leaf is longer. [`appended_text`]
//! recognises exactly that case; anything else (a new block, a new inline, emphasis closing, a
//! leaf that changed rather than grew) gives `None` and the view rebuilds the tail.

use super::tree::{Block, Inline};

/// The text added at the end of the last leaf, when `new` equals `old` except that its last
/// text leaf (the final `Inline::Text` of the last paragraph, heading, list item, quote or table
/// cell, or the code of a final code block) extends the old one. `Some("")` when they are equal
/// and end in a leaf. `None` when anything else differs or there is no trailing leaf.
pub fn appended_text<'a>(old: &[Block], new: &'a [Block]) -> Option<&'a str> {
    let (before, after) = last_leaves(old, new)?;
    after.strip_prefix(before)
}

/// The text of the trailing leaf, when the blocks end in one (the node a view appends to).
pub fn last_leaf(blocks: &[Block]) -> Option<&str> {
    last_leaves(blocks, blocks).map(|(leaf, _)| leaf)
}

/// The two last leaves, when everything before them is equal.
fn last_leaves<'a, 'b>(a: &'a [Block], b: &'b [Block]) -> Option<(&'a str, &'b str)> {
    let (a_last, a_rest) = a.split_last()?;
    let (b_last, b_rest) = b.split_last()?;
    if a_rest != b_rest {
        return None;
    }
    block_leaves(a_last, b_last)
}

fn block_leaves<'a, 'b>(a: &'a Block, b: &'b Block) -> Option<(&'a str, &'b str)> {
    match (a, b) {
        (Block::Paragraph(x), Block::Paragraph(y)) => inline_leaves(x, y),
        (
            Block::Heading {
                level: la,
                content: x,
            },
            Block::Heading {
                level: lb,
                content: y,
            },
        ) if la == lb => inline_leaves(x, y),
        (
            Block::Code {
                lang: la,
                code: ca,
                fence: fa,
                continued: ua,
                closed: za,
            },
            Block::Code {
                lang: lb,
                code: cb,
                fence: fb,
                continued: ub,
                closed: zb,
            },
        ) if (la, fa, ua, za) == (lb, fb, ub, zb) => Some((ca, cb)),
        (
            Block::List {
                ordered: oa,
                start: sa,
                items: x,
            },
            Block::List {
                ordered: ob,
                start: sb,
                items: y,
            },
        ) if (oa, sa) == (ob, sb) => {
            let (xl, xr) = x.split_last()?;
            let (yl, yr) = y.split_last()?;
            (xr == yr).then_some(())?;
            last_leaves(xl, yl)
        }
        (Block::Quote(x), Block::Quote(y)) => last_leaves(x, y),
        (
            Block::Table {
                align: aa,
                head: ha,
                rows: x,
            },
            Block::Table {
                align: ab,
                head: hb,
                rows: y,
            },
        ) if (aa, ha) == (ab, hb) => {
            let (xl, xr) = x.split_last()?;
            let (yl, yr) = y.split_last()?;
            (xr == yr).then_some(())?;
            let (xc, xcr) = xl.split_last()?;
            let (yc, ycr) = yl.split_last()?;
            (xcr == ycr).then_some(())?;
            inline_leaves(xc, yc)
        }
        _ => None,
    }
}

fn inline_leaves<'a, 'b>(a: &'a [Inline], b: &'b [Inline]) -> Option<(&'a str, &'b str)> {
    let (a_last, a_rest) = a.split_last()?;
    let (b_last, b_rest) = b.split_last()?;
    if a_rest != b_rest {
        return None;
    }
    match (a_last, b_last) {
        (Inline::Text(x), Inline::Text(y)) => Some((x, y)),
        _ => None,
    }
}
