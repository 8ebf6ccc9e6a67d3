//! `appended_text`: when a re-rendered tail only grew at its last text leaf (so the view may
//! append to its text node), and never otherwise.

use chat_stream::markdown::{appended_text, last_leaf, Block, Inline, MdText};
use proptest::prelude::*;

/// The number of segments and the tail's blocks.
fn segments_and_tail(text: &str) -> (usize, Vec<Block>) {
    let mut md = MdText::default();
    md.push_str(text);
    let n = md.segments().len();
    (n, md.render_segment(n.saturating_sub(1)))
}

fn tail(text: &str) -> Vec<Block> {
    segments_and_tail(text).1
}

#[test]
fn growing_text_in_the_last_block_is_an_append() {
    let cases = [
        ("Hello", "Hello, world", ", world"),
        ("para\n\nsecond", "para\n\nsecond line", " line"),
        ("```rust\nfn main", "```rust\nfn main() {}", "() {}"),
        ("- one\n- two", "- one\n- two and more", " and more"),
        ("> quoted", "> quoted text", " text"),
        ("# Title", "# Title here", " here"),
        (
            "| a | b |\n|---|---|\n| 1 | x",
            "| a | b |\n|---|---|\n| 1 | xyz",
            "yz",
        ),
        ("same", "same", ""),
    ];
    for (old, new, extra) in cases {
        let (a, b) = (tail(old), tail(new));
        assert_eq!(
            appended_text(&a, &b),
            Some(extra),
            "{old:?} → {new:?}: {a:?} / {b:?}"
        );
    }
}

#[test]
fn a_change_of_structure_is_not_an_append() {
    let cases = [
        ("Hello", "Hello\n\nNew paragraph"),
        ("Hello *wor", "Hello *world*"),
        ("text", "text `code`"),
        ("- one", "- one\n- two"),
        ("para", "para\n---"),
        ("```\ncode", "```\ncode\n```\nafter"),
        ("# Title", "# Title\n\nbody"),
        ("a", "b"),
    ];
    for (old, new) in cases {
        let (a, b) = (tail(old), tail(new));
        assert_eq!(
            appended_text(&a, &b),
            None,
            "{old:?} → {new:?}: {a:?} / {b:?}"
        );
    }
}

#[test]
fn no_trailing_leaf_no_append() {
    assert_eq!(last_leaf(&[]), None);
    assert_eq!(last_leaf(&[Block::Rule]), None);
    let emph = [Block::Paragraph(vec![Inline::Emph(vec![Inline::Text(
        "x".into(),
    )])])];
    assert_eq!(last_leaf(&emph), None);
    assert_eq!(appended_text(&emph, &emph), None);
    assert_eq!(last_leaf(&tail("abc")), Some("abc"));
}

/// `blocks` with `extra` appended to their trailing leaf, as a view's `appendData` does.
fn with_appended(mut blocks: Vec<Block>, extra: &str) -> Vec<Block> {
    fn inlines(v: &mut [Inline], extra: &str) {
        if let Some(Inline::Text(s)) = v.last_mut() {
            s.push_str(extra);
        }
    }
    fn blocks_mut(v: &mut [Block], extra: &str) {
        match v.last_mut() {
            Some(Block::Paragraph(x)) | Some(Block::Heading { content: x, .. }) => {
                inlines(x, extra)
            }
            Some(Block::Code { code, .. }) => code.push_str(extra),
            Some(Block::List { items, .. }) => {
                if let Some(item) = items.last_mut() {
                    blocks_mut(item, extra);
                }
            }
            Some(Block::Quote(inner)) => blocks_mut(inner, extra),
            Some(Block::Table { rows, .. }) => {
                if let Some(cell) = rows.last_mut().and_then(|r| r.last_mut()) {
                    inlines(cell, extra);
                }
            }
            _ => {}
        }
    }
    blocks_mut(&mut blocks, extra);
    blocks
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Whenever an append is reported, appending it to the old blocks gives exactly the new
    /// ones: the view's DOM stays what a full re-render would write.
    #[test]
    fn an_append_reproduces_the_new_tail(
        text in "[a-z #*`|>\n-]{0,80}",
        more in "[a-z #*`|>\n-]{0,8}",
    ) {
        let (n_old, old) = segments_and_tail(&text);
        let (n_new, new) = segments_and_tail(&(text.clone() + &more));
        // A view appends only while the tail is the same segment.
        if let (true, Some(extra)) = (n_old == n_new, appended_text(&old, &new)) {
            prop_assert_eq!(with_appended(old.clone(), extra), new);
        }
    }
}
