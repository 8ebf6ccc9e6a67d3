//! Properties of the segmenter on generated documents: re-chunking gives the same segments,
//! frozen segments never change, natural documents render the same in segments, hrefs are
//! always safe, and fence parts join back to the whole.

use chat_stream::markdown::{render, MdText, Segment};
use proptest::prelude::*;

use crate::helpers::{
    assert_safe, join_fence_parts, join_lists, one_push, render_segments, stream,
};

fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-z]{1,8} ",
        2 => Just("\n".to_owned()),
        2 => Just("\n\n".to_owned()),
        1 => Just("```".to_owned()),
        1 => Just("~~~".to_owned()),
        1 => Just("```rust\n".to_owned()),
        1 => Just("- ".to_owned()),
        1 => Just("1. ".to_owned()),
        1 => Just("2) ".to_owned()),
        1 => Just("> ".to_owned()),
        1 => Just("  ".to_owned()),
        1 => Just("    ".to_owned()),
        1 => Just("\t".to_owned()),
        1 => Just("| a | b |\n".to_owned()),
        1 => Just("|---|:-:|\n".to_owned()),
        1 => Just("# ".to_owned()),
        1 => Just("---\n".to_owned()),
        1 => Just("===".to_owned()),
        1 => Just("**".to_owned()),
        1 => Just("*".to_owned()),
        1 => Just("_".to_owned()),
        1 => Just("~~".to_owned()),
        1 => Just("`".to_owned()),
        1 => Just("[x](https://e.io)".to_owned()),
        1 => Just("[x](javascript:alert(1))".to_owned()),
        1 => Just("![i](https://e.io/i.png)".to_owned()),
        1 => Just("<https://e.io>".to_owned()),
        1 => Just("<script>".to_owned()),
        1 => Just("&amp;".to_owned()),
        1 => Just("\\".to_owned()),
        1 => Just("https://e.io/x ".to_owned()),
        1 => Just("é😀".to_owned()),
        1 => Just("\r\n".to_owned()),
        2 => "[ -~]{1,6}",
    ]
}

/// Markdown-ish text, sometimes long (up to ~60 KB, with long lines and fences).
fn doc() -> impl Strategy<Value = String> {
    (
        proptest::collection::vec(fragment(), 0..120),
        prop_oneof![6 => Just(1usize), 2 => 2usize..20, 1 => 20usize..200],
    )
        .prop_map(|(v, repeat)| v.concat().repeat(repeat))
}

fn sizes() -> impl Strategy<Value = Vec<usize>> {
    proptest::collection::vec(prop_oneof![1usize..8, 8usize..64, 64usize..3000], 1..8)
}

/// A natural document: blocks of several kinds, separated by blank lines, each well below the
/// size limits.
fn natural_doc() -> impl Strategy<Value = String> {
    let words = "[a-z]{1,8}( [a-z]{1,8}){0,12}";
    let block = prop_oneof![
        3 => (words, proptest::option::of("[*_`~]{1,2}")).prop_map(|(w, m)| match m {
            Some(m) => format!("{w} {m}{w}{m} {w}\n{w}"),
            None => w,
        }),
        1 => (1usize..7, words).prop_map(|(n, w)| format!("{} {w}", "#".repeat(n))),
        1 => (words, words).prop_map(|(a, b)| format!("```py\n{a}\n\n{b}\n```")),
        1 => (words, words).prop_map(|(a, b)| format!("| {a} | {b} |\n|---|:-:|\n| {b} | {a} |")),
        1 => (words, words).prop_map(|(a, b)| format!("> {a}\n> - {b}")),
        1 => (words, words).prop_map(|(a, b)| format!("- {a}\n  - {b}\n- [{a}](https://e.io)")),
        1 => Just("---".to_owned()),
    ];
    proptest::collection::vec(block, 1..30).prop_map(|v| v.join("\n\n"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// (1) + (3): any chunking gives the segments of one push, and the sources concatenate to the
    /// text. (6): the live tail stays bounded after every push.
    #[test]
    fn rechunking_gives_the_same_segments(text in doc(), sizes in sizes()) {
        let one = one_push(&text);
        let mut md = MdText::new();
        let mut at = 0;
        let mut k = 0;
        while at < text.len() {
            let mut end = (at + sizes[k % sizes.len()]).min(text.len());
            k += 1;
            while !text.is_char_boundary(end) {
                end += 1;
            }
            md.push_str(&text[at..end]);
            at = end;
            let tail = md.tail().map_or(0, |s| s.source.len());
            prop_assert!(tail <= 20_000, "tail {} bytes", tail);
            prop_assert!(md.segments().iter().all(|s| !s.source.is_empty()));
        }
        prop_assert_eq!(md.segments(), one.segments());
        prop_assert_eq!(&md, &one);
        prop_assert_eq!(one.text(), text.clone());
        prop_assert_eq!(one.len(), text.len());
        let concat: String = one.segments().iter().map(|s| s.source.as_str()).collect();
        prop_assert_eq!(concat, text);
    }

    /// (2): a segment, once frozen, never changes (source and context) as the text grows.
    #[test]
    fn frozen_segments_never_change(text in doc(), sizes in sizes()) {
        let mut md = MdText::new();
        let mut seen: Vec<Segment> = Vec::new();
        let mut at = 0;
        let mut k = 0;
        while at < text.len() {
            let mut end = (at + sizes[k % sizes.len()]).min(text.len());
            k += 1;
            while !text.is_char_boundary(end) {
                end += 1;
            }
            md.push_str(&text[at..end]);
            at = end;
            let frozen = md.frozen();
            prop_assert!(frozen.len() >= seen.len());
            prop_assert_eq!(&frozen[..seen.len()], &seen[..]);
            seen = frozen.to_vec();
        }
        prop_assert_eq!(&md.segments()[..seen.len()], &seen[..]);
    }

    /// (4): cut only at natural boundaries, segment-by-segment rendering equals the whole.
    #[test]
    fn natural_documents_render_the_same(text in natural_doc(), sizes in sizes()) {
        let md = stream(&text, &sizes);
        prop_assert_eq!(join_lists(render_segments(md.segments())), join_lists(render(&text)));
    }

    /// (5): no input yields an unsafe href, whole or in segments, and rendering never panics.
    #[test]
    fn hrefs_are_always_safe(text in doc()) {
        assert_safe(&render(&text));
        let md = stream(&text, &[13]);
        for s in md.segments() {
            assert_safe(&s.render());
        }
    }

    /// Arbitrary Unicode, too.
    #[test]
    fn arbitrary_text_is_safe(text in any::<String>(), sizes in sizes()) {
        let md = stream(&text, &sizes);
        let one = one_push(&text);
        prop_assert_eq!(md.segments(), one.segments());
        assert_safe(&render_segments(md.segments()));
        assert_safe(&render(&text));
    }

}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// Fences cut into parts join back to the whole.
    #[test]
    fn fence_parts_join(lines in proptest::collection::vec("[ -~]{0,120}", 0..200), close in any::<bool>()) {
        let body: String = lines.iter().map(|l| format!("{l}\n")).collect();
        let body = body.replace("```", "'''").replace("~~~", "---");
        let text = format!("Code:\n\n```txt\n{body}{}", if close { "```\nafter\n" } else { "" });
        let md = one_push(&text);
        let joined = join_fence_parts(render_segments(md.segments()));
        prop_assert_eq!(joined, render(&text));
    }
}
