//! Streaming and segments: what freezes when, fences and tables growing, long fences, lists,
//! quotes, paragraphs and lines cut in parts, and segments rendering like the whole.

use chat_stream::markdown::{render, Align, Block, Inline, MdText};

use crate::helpers::{
    all_text, fence, join_fence_parts, list, one_push, para_text, render_segments, stream, t,
};

#[test]
fn empty_and_trivial() {
    let mut md = MdText::new();
    assert!(md.is_empty());
    assert!(md.segments().is_empty());
    assert!(md.tail().is_none());
    md.push_str("");
    assert!(md.segments().is_empty());
    md.push_str("hi");
    assert_eq!(md.len(), 2);
    assert_eq!(md.segments().len(), 1);
    assert!(md.frozen().is_empty());
    assert!(md.segments()[0].context.is_top_level());
    assert_eq!(md.tail().unwrap().render(), vec![para_text("hi")]);
}

#[test]
fn paragraphs_freeze_at_blank_lines() {
    let mut md = MdText::new();
    md.push_str("First paragraph.\n\n");
    assert_eq!(
        md.segments().len(),
        1,
        "a blank line is not a cut until the next block starts"
    );
    md.push_str("Sec");
    assert_eq!(md.segments().len(), 2);
    assert_eq!(md.segments()[0].source, "First paragraph.\n\n");
    assert_eq!(md.segments()[1].source, "Sec");
    md.push_str("ond.\n# Heading\nThird");
    let s: Vec<&str> = md.segments().iter().map(|s| s.source.as_str()).collect();
    assert_eq!(s, ["First paragraph.\n\n", "Second.\n# Heading\n", "Third"]);
    assert_eq!(md.text(), "First paragraph.\n\nSecond.\n# Heading\nThird");
}

#[test]
fn unclosed_fence_then_closed() {
    let mut md = MdText::new();
    md.push_str("Intro\n\n```python\nprint(1)\npri");
    assert_eq!(md.segments().len(), 2);
    assert_eq!(
        md.tail().unwrap().render(),
        vec![fence("python", "print(1)\npri", 0, false, false)]
    );
    md.push_str("nt(2)\n``");
    assert_eq!(
        md.tail().unwrap().render(),
        vec![fence("python", "print(1)\nprint(2)\n``", 0, false, false)]
    );
    md.push_str("`\n");
    assert_eq!(
        md.tail().unwrap().render(),
        vec![fence("python", "print(1)\nprint(2)\n", 0, false, true)]
    );
    md.push_str("\nDone.");
    assert_eq!(md.segments().len(), 3);
    assert_eq!(
        md.segments()[1].source,
        "```python\nprint(1)\nprint(2)\n```\n\n"
    );
    assert_eq!(md.segments()[2].context.fences_before(), 1);
    md.push_str("\n\n> ```\n> x\n> ```\n");
    let blocks = render_segments(md.segments());
    assert_eq!(blocks, render(&md.text()));
    assert_eq!(
        blocks.last(),
        Some(&Block::Quote(vec![fence("", "x\n", 1, false, true)]))
    );
    assert_eq!(md.fence_code(0), "print(1)\nprint(2)\n");
    assert_eq!(md.fence_code(1), "x\n");
}

#[test]
fn table_grows_row_by_row() {
    let mut md = MdText::new();
    md.push_str("Prices:\n\n| Item | Price |\n");
    assert_eq!(
        md.tail().unwrap().render(),
        vec![para_text("| Item | Price |")]
    );
    md.push_str("|---|--:|\n");
    let head = vec![vec![t("Item")], vec![t("Price")]];
    let align = vec![Align::None, Align::Right];
    assert_eq!(
        md.tail().unwrap().render(),
        vec![Block::Table {
            align: align.clone(),
            head: head.clone(),
            rows: vec![]
        }]
    );
    let mut rows = Vec::new();
    for i in 0..20 {
        md.push_str(&format!("| thing {i} | {i}.00 |\n"));
        rows.push(vec![
            vec![t(&format!("thing {i}"))],
            vec![t(&format!("{i}.00"))],
        ]);
        assert_eq!(
            md.tail().unwrap().render(),
            vec![Block::Table {
                align: align.clone(),
                head: head.clone(),
                rows: rows.clone()
            }]
        );
    }
    md.push_str("\nAfter.");
    assert_eq!(render_segments(md.segments()), render(&md.text()));
}

#[test]
fn long_fence_is_cut_in_parts() {
    let mut src = String::from("Code:\n\n```rust\n");
    let mut body = String::new();
    for i in 0..400 {
        body.push_str(&format!("    let x{i} = {i}; // # not a heading\n"));
    }
    src.push_str(&body);
    src.push_str("```\n\nEnd.\n");
    for md in [
        one_push(&src),
        stream(&src, &[1]),
        stream(&src, &[7, 300, 2]),
    ] {
        let segs = md.segments();
        assert!(segs.len() > 6, "{} segments", segs.len());
        let parts: Vec<Block> = render_segments(segs)
            .into_iter()
            .filter(|b| matches!(b, Block::Code { .. }))
            .collect();
        assert!(parts.len() > 4);
        let mut joined = String::new();
        for (k, p) in parts.iter().enumerate() {
            let Block::Code {
                lang,
                code,
                fence,
                continued,
                closed,
            } = p
            else {
                unreachable!()
            };
            assert_eq!(lang, "rust");
            assert_eq!(*fence, 0);
            assert_eq!(*continued, k > 0);
            assert_eq!(*closed, k == parts.len() - 1);
            joined.push_str(code);
        }
        assert_eq!(joined, body);
        assert_eq!(md.fence_code(0), body);
        for s in &segs[1..segs.len() - 1] {
            assert!(
                s.source.len() <= MdText::FENCE_PART + 64,
                "{}",
                s.source.len()
            );
            if let Some(f) = s.context.fence() {
                assert_eq!(
                    (f.ordinal, f.fence.as_str(), f.lang.as_str()),
                    (0, "```", "rust")
                );
            }
        }
        assert_eq!(
            join_fence_parts(render_segments(segs)),
            render(&src),
            "joined parts = whole"
        );
    }
}

#[test]
fn fence_in_list_item_is_cut_with_its_indentation() {
    let mut src = String::from("1. Install:\n\n   ```sh\n");
    let mut body = String::new();
    for i in 0..200 {
        body.push_str(&format!("   echo {i}  # comment\n"));
    }
    src.push_str(&body);
    src.push_str("   ```\n2. Run it\n");
    let md = one_push(&src);
    assert!(md.segments().len() > 2);
    let blocks = render_segments(md.segments());
    let mut code = String::new();
    let mut n = 0;
    fn collect(blocks: &[Block], code: &mut String, n: &mut usize) {
        for b in blocks {
            match b {
                Block::Code {
                    code: c,
                    fence: 0,
                    lang,
                    ..
                } => {
                    assert_eq!(lang, "sh");
                    code.push_str(c);
                    *n += 1;
                }
                Block::List { items, .. } => items.iter().for_each(|i| collect(i, code, n)),
                _ => {}
            }
        }
    }
    collect(&blocks, &mut code, &mut n);
    assert!(n > 2);
    assert_eq!(code, body.replace("   echo", "echo"));
    assert_eq!(
        blocks.last(),
        Some(&list(true, 2, vec![vec![para_text("Run it")]]))
    );
    assert_eq!(md.fence_code(0), code);
    assert_eq!(md.fence_code(1), "");
}

#[test]
fn loose_list_splits_between_items() {
    let md = one_push("1. one\n\n2. two\n\n   more\n\n3. three\n");
    let s: Vec<&str> = md.segments().iter().map(|s| s.source.as_str()).collect();
    assert_eq!(s, ["1. one\n\n", "2. two\n\n   more\n\n", "3. three\n"]);
    assert_eq!(
        md.segments()[2].render(),
        vec![list(true, 3, vec![vec![para_text("three")]])]
    );
}

#[test]
fn long_list_without_blank_lines_is_cut_between_items() {
    let src: String = (0..300)
        .map(|i| format!("- item number {i} with some words\n"))
        .collect();
    let md = one_push(&src);
    assert!(md.segments().len() > 3);
    for s in md.segments() {
        assert!(s.source.starts_with("- "), "{:?}", &s.source[..20]);
        assert!(s.source.len() <= MdText::CONTAINER_PART + 64);
    }
    let items: usize = render_segments(md.segments())
        .iter()
        .map(|b| match b {
            Block::List { items, .. } => items.len(),
            _ => panic!("{b:?}"),
        })
        .sum();
    assert_eq!(items, 300);
}

#[test]
fn long_quote_is_cut_between_lines() {
    let src: String = (0..600).map(|i| format!("> quoted line {i}\n")).collect();
    let md = one_push(&src);
    assert!(md.segments().len() > 3);
    for b in render_segments(md.segments()) {
        assert!(matches!(b, Block::Quote(_)), "{b:?}");
    }
    let lines: Vec<String> = md
        .segments()
        .iter()
        .flat_map(|s| {
            all_text(&s.render())
                .lines()
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect();
    let want: Vec<String> = (0..600).map(|i| format!("quoted line {i}")).collect();
    assert!(lines == want, "every line, once, in order");
}

#[test]
fn long_paragraphs_and_lines_are_cut() {
    // Many lines, no blank line: cut at line breaks.
    let lines: String = (0..400)
        .map(|i| format!("line {i} of a long paragraph\n"))
        .collect();
    let md = one_push(&lines);
    assert!(md.segments().len() > 2);
    for s in md.segments() {
        assert!(s.source.len() <= MdText::PARAGRAPH_PART + 64);
        assert!(s.source.starts_with("line "));
    }
    // One line, spaces: cut after a space; no text is lost.
    let words = "lorem ipsum dolor sit amet ".repeat(1000);
    for md in [one_push(&words), stream(&words, &[5])] {
        assert!(md.segments().len() > 5);
        assert_eq!(md.text(), words);
        for s in md.segments() {
            assert!(s.source.len() <= MdText::LINE_PART + 64);
        }
        assert!(md.segments()[1].context.is_mid_line());
        let words: usize = md
            .segments()
            .iter()
            .map(|s| all_text(&s.render()).split_whitespace().count())
            .sum();
        assert_eq!(words, 5000);
    }
    // No spaces at all: hard cut at a char boundary.
    let blob = "é".repeat(30_000);
    let md = stream(&blob, &[3, 1000]);
    assert!(md.segments().len() >= 3);
    for s in md.segments() {
        assert!(s.source.len() <= MdText::HARD_MAX + 3);
    }
    assert_eq!(md.text(), blob);
    // One very long code line: hard cut, the code is kept exactly.
    let src = format!("```\n{}\n```\n", "x".repeat(40_000));
    let md = stream(&src, &[999]);
    assert_eq!(
        join_fence_parts(render_segments(md.segments())),
        render(&src)
    );
}

#[test]
fn fence_part_cut_at_end_waits_for_more_text() {
    // The fence part is full right at the end of a line: the cut is made when text arrives.
    let mut src = String::from("```\n");
    while src.len() < MdText::FENCE_PART {
        src.push_str("abcdefg\n");
    }
    let mut md = one_push(&src);
    assert_eq!(md.segments().len(), 1);
    md.push_str("z");
    assert_eq!(md.segments().len(), 2);
    assert_eq!(md.segments()[0].source, src);
    assert_eq!(
        md.segments()[1].render(),
        vec![fence("", "z", 0, true, false)]
    );
}

#[test]
fn segments_render_like_the_whole_at_natural_cuts() {
    let doc = "# Answer\n\nHere is **the** plan:\n\n1. First\n2. Second\n   - nested\n\n\
               | a | b |\n|---|---|\n| 1 | 2 |\n\n```rust\nfn main() {}\n```\n\
               > Note: *quoted*\n> more\n\nSee [docs](https://docs.rs).\n\n---\n\nBye.";
    for md in [one_push(doc), stream(doc, &[1]), stream(doc, &[4])] {
        assert!(md.segments().len() >= 8, "{}", md.segments().len());
        assert_eq!(render_segments(md.segments()), render(doc));
        assert_eq!(md.text(), doc);
    }
}

#[test]
fn a_long_line_cut_mid_line_keeps_the_space_at_the_cut() {
    fn text_of(inlines: &[Inline], out: &mut String) {
        for i in inlines {
            match i {
                Inline::Text(t) | Inline::Code(t) => out.push_str(t),
                Inline::Emph(c) | Inline::Strong(c) | Inline::Strike(c) => text_of(c, out),
                Inline::Link { content, .. } => text_of(content, out),
                Inline::LineBreak => out.push('\n'),
            }
        }
    }
    let line = (0..3000).map(|i| format!("t{i} ")).collect::<String>();
    let mut m = MdText::default();
    for piece in line.split_inclusive(' ') {
        m.push_str(piece);
    }
    assert!(m.segments().len() > 2, "the line was cut");
    let mut joined = String::new();
    for i in 0..m.segments().len() {
        for block in m.render_segment(i) {
            match block {
                Block::Paragraph(inlines) => text_of(&inlines, &mut joined),
                other => panic!("unexpected {other:?}"),
            }
        }
    }
    assert_eq!(joined, line.trim_end());
}
