//! Host tests of the markdown module: a table of cases for every construct, streaming (an
//! unclosed fence, a fence closing later, a table growing row by row, long fences, lists and
//! lines), XSS payloads that must stay inert, and properties of the segmenter ("any re-chunking
//! gives the same segments", "frozen segments never change", bounded tail, ...).
#![cfg(not(target_arch = "wasm32"))]

use chat_stream::markdown::{render, safe_href, Align, Block, Inline, MdText, Segment};
use proptest::prelude::*;

// ------------------------------------------------------------------------------------------------
// Helpers
// ------------------------------------------------------------------------------------------------

fn t(s: &str) -> Inline {
    Inline::Text(s.into())
}

fn code(s: &str) -> Inline {
    Inline::Code(s.into())
}

fn em(v: Vec<Inline>) -> Inline {
    Inline::Emph(v)
}

fn strong(v: Vec<Inline>) -> Inline {
    Inline::Strong(v)
}

fn link(href: &str, v: Vec<Inline>) -> Inline {
    Inline::Link {
        href: href.into(),
        content: v,
    }
}

fn para(v: Vec<Inline>) -> Block {
    Block::Paragraph(v)
}

fn para_text(s: &str) -> Block {
    para(vec![t(s)])
}

fn fence(lang: &str, c: &str, n: u32, continued: bool, closed: bool) -> Block {
    Block::Code {
        lang: lang.into(),
        code: c.into(),
        fence: n,
        continued,
        closed,
    }
}

fn list(ordered: bool, start: u64, items: Vec<Vec<Block>>) -> Block {
    Block::List {
        ordered,
        start,
        items,
    }
}

/// The inlines of a single-paragraph document.
fn inl(src: &str) -> Vec<Inline> {
    match render(src).as_slice() {
        [Block::Paragraph(v)] => v.clone(),
        other => panic!("{src:?} is not one paragraph: {other:?}"),
    }
}

/// Pushes `text` in pieces of the given sizes (moved to char boundaries), cycling.
fn stream(text: &str, sizes: &[usize]) -> MdText {
    let mut md = MdText::new();
    let mut at = 0;
    let mut k = 0;
    while at < text.len() {
        let step = sizes
            .get(k % sizes.len().max(1))
            .copied()
            .unwrap_or(1)
            .max(1);
        k += 1;
        let mut end = (at + step).min(text.len());
        while !text.is_char_boundary(end) {
            end += 1;
        }
        md.push_str(&text[at..end]);
        at = end;
    }
    md
}

fn one_push(text: &str) -> MdText {
    let mut md = MdText::new();
    md.push_str(text);
    md
}

fn render_segments(segments: &[Segment]) -> Vec<Block> {
    segments.iter().flat_map(Segment::render).collect()
}

/// Joins the parts of fences cut across segments, so segment-by-segment output can be compared
/// with a whole render.
fn join_fence_parts(blocks: Vec<Block>) -> Vec<Block> {
    let mut out: Vec<Block> = Vec::new();
    for b in blocks {
        if let Block::Code {
            code: more,
            fence: n,
            continued: true,
            closed: c,
            ..
        } = &b
        {
            if let Some(Block::Code {
                code,
                fence,
                closed,
                ..
            }) = out.last_mut()
            {
                if fence == n {
                    code.push_str(more);
                    *closed = *c;
                    continue;
                }
            }
        }
        out.push(b);
    }
    out
}

/// Merges adjacent lists of the same kind: a list split at a blank line between items renders
/// as two lists (the second with `start` = its first number), which the whole render joins.
fn join_lists(blocks: Vec<Block>) -> Vec<Block> {
    let mut out: Vec<Block> = Vec::new();
    for b in blocks {
        if let (
            Some(Block::List {
                ordered: o1, items, ..
            }),
            Block::List {
                ordered: o2,
                items: more,
                ..
            },
        ) = (out.last_mut(), &b)
        {
            if o1 == o2 {
                items.extend(more.iter().cloned());
                continue;
            }
        }
        out.push(b);
    }
    out
}

/// Every link is safe, and no string that could reach the DOM as markup exists: the only
/// variants with strings are Text and Code (shown as text) and Link hrefs (checked here).
fn assert_safe(blocks: &[Block]) {
    fn inlines(v: &[Inline]) {
        for x in v {
            match x {
                Inline::Text(_) | Inline::Code(_) | Inline::LineBreak => {}
                Inline::Emph(c) | Inline::Strong(c) | Inline::Strike(c) => inlines(c),
                Inline::Link { href, content } => {
                    assert_eq!(safe_href(href).as_deref(), Some(href.as_str()), "{href}");
                    assert!(
                        href.starts_with("http://")
                            || href.starts_with("https://")
                            || href.starts_with("mailto:"),
                        "{href}"
                    );
                    assert!(!href.contains('<') && !href.contains('"'), "{href}");
                    assert!(
                        !content.iter().any(|c| matches!(c, Inline::Link { .. })),
                        "link in link"
                    );
                    inlines(content);
                }
            }
        }
    }
    for b in blocks {
        match b {
            Block::Heading { content, .. } | Block::Paragraph(content) => inlines(content),
            Block::Code { .. } | Block::Rule => {}
            Block::List { items, .. } => items.iter().for_each(|i| assert_safe(i)),
            Block::Quote(v) => assert_safe(v),
            Block::Table { head, rows, .. } => {
                head.iter().for_each(|c| inlines(c));
                rows.iter().flatten().for_each(|c| inlines(c));
            }
        }
    }
}

/// All text of the blocks (Text and Code), to check that payloads are kept verbatim as text.
fn all_text(blocks: &[Block]) -> String {
    fn inlines(v: &[Inline], out: &mut String) {
        for x in v {
            match x {
                Inline::Text(s) | Inline::Code(s) => out.push_str(s),
                Inline::LineBreak => out.push('\n'),
                Inline::Emph(c) | Inline::Strong(c) | Inline::Strike(c) => inlines(c, out),
                Inline::Link { content, .. } => inlines(content, out),
            }
        }
    }
    let mut out = String::new();
    for b in blocks {
        match b {
            Block::Heading { content, .. } | Block::Paragraph(content) => {
                inlines(content, &mut out)
            }
            Block::Code { code, .. } => out.push_str(code),
            Block::Rule => {}
            Block::List { items, .. } => items.iter().for_each(|i| out.push_str(&all_text(i))),
            Block::Quote(v) => out.push_str(&all_text(v)),
            Block::Table { head, rows, .. } => {
                head.iter().for_each(|c| inlines(c, &mut out));
                rows.iter().flatten().for_each(|c| inlines(c, &mut out));
            }
        }
    }
    out
}

fn hrefs(blocks: &[Block]) -> Vec<String> {
    fn inlines(v: &[Inline], out: &mut Vec<String>) {
        for x in v {
            match x {
                Inline::Emph(c) | Inline::Strong(c) | Inline::Strike(c) => inlines(c, out),
                Inline::Link { href, content } => {
                    out.push(href.clone());
                    inlines(content, out);
                }
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    for b in blocks {
        match b {
            Block::Heading { content, .. } | Block::Paragraph(content) => {
                inlines(content, &mut out)
            }
            Block::List { items, .. } => items.iter().for_each(|i| out.extend(hrefs(i))),
            Block::Quote(v) => out.extend(hrefs(v)),
            Block::Table { head, rows, .. } => {
                head.iter().for_each(|c| inlines(c, &mut out));
                rows.iter().flatten().for_each(|c| inlines(c, &mut out));
            }
            _ => {}
        }
    }
    out
}

// ------------------------------------------------------------------------------------------------
// Blocks
// ------------------------------------------------------------------------------------------------

#[test]
fn headings() {
    let cases: &[(&str, Vec<Block>)] = &[
        (
            "# One",
            vec![Block::Heading {
                level: 1,
                content: vec![t("One")],
            }],
        ),
        (
            "###### Six ###",
            vec![Block::Heading {
                level: 6,
                content: vec![t("Six")],
            }],
        ),
        ("####### Seven", vec![para_text("####### Seven")]),
        ("#NoSpace", vec![para_text("#NoSpace")]),
        (
            "## *Em* `c` #",
            vec![Block::Heading {
                level: 2,
                content: vec![em(vec![t("Em")]), t(" "), code("c")],
            }],
        ),
        (
            "   ### Indented",
            vec![Block::Heading {
                level: 3,
                content: vec![t("Indented")],
            }],
        ),
        (
            "#",
            vec![Block::Heading {
                level: 1,
                content: vec![],
            }],
        ),
        (
            "Title\n=====\nSub\n---",
            vec![
                Block::Heading {
                    level: 1,
                    content: vec![t("Title")],
                },
                Block::Heading {
                    level: 2,
                    content: vec![t("Sub")],
                },
            ],
        ),
        (
            "text\n# Head\nmore",
            vec![
                para_text("text"),
                Block::Heading {
                    level: 1,
                    content: vec![t("Head")],
                },
                para_text("more"),
            ],
        ),
    ];
    for (src, want) in cases {
        assert_eq!(&render(src), want, "{src:?}");
    }
}

#[test]
fn paragraphs_and_breaks() {
    assert_eq!(render(""), vec![]);
    assert_eq!(render("\n\n  \n"), vec![]);
    assert_eq!(
        render("one\ntwo  \nthree\\\nfour"),
        vec![para(vec![
            t("one"),
            Inline::LineBreak,
            t("two"),
            Inline::LineBreak,
            t("three"),
            Inline::LineBreak,
            t("four")
        ])]
    );
    assert_eq!(render("a\n\n\nb"), vec![para_text("a"), para_text("b")]);
    // No indented code blocks: indented text is paragraph text.
    assert_eq!(
        render("    indented\n\tcode"),
        vec![para(vec![t("indented"), Inline::LineBreak, t("code")])]
    );
    assert_eq!(
        render("text\r\nmore\r\n"),
        vec![para(vec![t("text"), Inline::LineBreak, t("more")])]
    );
}

#[test]
fn thematic_breaks() {
    for src in ["---", "***", "___", " - - -", "*  *  *  "] {
        assert_eq!(render(src), vec![Block::Rule], "{src:?}");
    }
    assert_eq!(
        render("a\n\n---\n\nb"),
        vec![para_text("a"), Block::Rule, para_text("b")]
    );
    assert_eq!(render("--"), vec![para_text("--")]);
    assert_eq!(
        render("a\n* * *\nb"),
        vec![para_text("a"), Block::Rule, para_text("b")]
    );
}

#[test]
fn fenced_code() {
    let cases: &[(&str, Vec<Block>)] = &[
        (
            "```rust\nfn main() {}\n```",
            vec![fence("rust", "fn main() {}\n", 0, false, true)],
        ),
        (
            "~~~ Python  {.numbered}\nx = 1\n\n  y\n~~~~~\n",
            vec![fence("python", "x = 1\n\n  y\n", 0, false, true)],
        ),
        (
            "````\n```\nstill code\n````",
            vec![fence("", "```\nstill code\n", 0, false, true)],
        ),
        // An unclosed fence runs to the end of the text (streaming).
        (
            "```js\nlet a = 1;\nlet b",
            vec![fence("js", "let a = 1;\nlet b", 0, false, false)],
        ),
        ("```", vec![fence("", "", 0, false, false)]),
        // Backtick fences have no backticks in their info string: that is a code span.
        ("```a`b```", vec![para(vec![code("a`b")])]),
        (
            "  ```\n  two\n    four\n ```",
            vec![fence("", "two\n  four\n", 0, false, true)],
        ),
        (
            "Text:\n```sh\nls\n```\nAfter",
            vec![
                para_text("Text:"),
                fence("sh", "ls\n", 0, false, true),
                para_text("After"),
            ],
        ),
        (
            "```\na\n```\n\n```c\nb\n```",
            vec![
                fence("", "a\n", 0, false, true),
                fence("c", "b\n", 1, false, true),
            ],
        ),
        (
            "```\n<script>alert(1)</script>\n# not a heading\n```",
            vec![fence(
                "",
                "<script>alert(1)</script>\n# not a heading\n",
                0,
                false,
                true,
            )],
        ),
        ("```c\\+\\+ x\n```", vec![fence("c++", "", 0, false, true)]),
        (
            "```\"><script>alert(1)</script>\n```",
            vec![fence("scriptalert1script", "", 0, false, true)],
        ),
    ];
    for (src, want) in cases {
        assert_eq!(&render(src), want, "{src:?}");
    }
}

#[test]
fn lists() {
    let cases: &[(&str, Vec<Block>)] = &[
        (
            "- a\n- b\n* c",
            vec![
                list(false, 1, vec![vec![para_text("a")], vec![para_text("b")]]),
                list(false, 1, vec![vec![para_text("c")]]),
            ],
        ),
        (
            "3. three\n4. four",
            vec![list(
                true,
                3,
                vec![vec![para_text("three")], vec![para_text("four")]],
            )],
        ),
        (
            "1) a\n2) b",
            vec![list(
                true,
                1,
                vec![vec![para_text("a")], vec![para_text("b")]],
            )],
        ),
        (
            "- a\n  - b\n    - c\n- d",
            vec![list(
                false,
                1,
                vec![
                    vec![
                        para_text("a"),
                        list(
                            false,
                            1,
                            vec![vec![
                                para_text("b"),
                                list(false, 1, vec![vec![para_text("c")]]),
                            ]],
                        ),
                    ],
                    vec![para_text("d")],
                ],
            )],
        ),
        // Nesting with four spaces under a numbered item, a continuation paragraph, a fence.
        (
            "1. **Step**: do\n    - sub\n\n   More.\n\n   ```sh\n   run\n   ```\n2. next",
            vec![list(
                true,
                1,
                vec![
                    vec![
                        para(vec![strong(vec![t("Step")]), t(": do")]),
                        list(false, 1, vec![vec![para_text("sub")]]),
                        para_text("More."),
                        fence("sh", "run\n", 0, false, true),
                    ],
                    vec![para_text("next")],
                ],
            )],
        ),
        // Lazy continuation line.
        (
            "- a\nlazy",
            vec![list(
                false,
                1,
                vec![vec![para(vec![t("a"), Inline::LineBreak, t("lazy")])]],
            )],
        ),
        // Only `1.` may interrupt a paragraph; an empty item neither.
        (
            "In 2024\n2. is text\n-\nx",
            vec![
                Block::Heading {
                    level: 2,
                    content: vec![t("In 2024"), Inline::LineBreak, t("2. is text")],
                },
                para_text("x"),
            ],
        ),
        (
            "Steps:\n1. one\n2. two",
            vec![
                para_text("Steps:"),
                list(
                    true,
                    1,
                    vec![vec![para_text("one")], vec![para_text("two")]],
                ),
            ],
        ),
        ("-", vec![list(false, 1, vec![vec![]])]),
        ("-a", vec![para_text("-a")]),
        ("1234567890. x", vec![para_text("1234567890. x")]),
        (
            "- a\n\n\n- b",
            vec![list(
                false,
                1,
                vec![vec![para_text("a")], vec![para_text("b")]],
            )],
        ),
        (
            "-\tx\n\t- y",
            vec![list(
                false,
                1,
                vec![vec![
                    para_text("x"),
                    list(false, 1, vec![vec![para_text("y")]]),
                ]],
            )],
        ),
    ];
    for (src, want) in cases {
        assert_eq!(&render(src), want, "{src:?}");
    }
}

#[test]
fn quotes() {
    assert_eq!(
        render("> a\n> b\n\n> c"),
        vec![
            Block::Quote(vec![para(vec![t("a"), Inline::LineBreak, t("b")])]),
            Block::Quote(vec![para_text("c")]),
        ]
    );
    assert_eq!(
        render("> # H\n> - x\n>\n>> deep\nlazy"),
        vec![Block::Quote(vec![
            Block::Heading {
                level: 1,
                content: vec![t("H")]
            },
            list(false, 1, vec![vec![para_text("x")]]),
            Block::Quote(vec![para(vec![t("deep"), Inline::LineBreak, t("lazy")])]),
        ])]
    );
    assert_eq!(
        render(">```\n> code\n>```\nafter"),
        vec![
            Block::Quote(vec![fence("", "code\n", 0, false, true)]),
            para_text("after")
        ]
    );
    // A line without `>` ends a fence in a quote.
    assert_eq!(
        render("> ```\n> a\nb"),
        vec![
            Block::Quote(vec![fence("", "a\n", 0, false, false)]),
            para_text("b")
        ]
    );
}

#[test]
fn nesting_is_capped() {
    let deep = ">".repeat(100) + " x";
    let mut blocks = render(&deep);
    let mut depth = 0;
    while let [Block::Quote(inner)] = blocks.as_slice() {
        depth += 1;
        blocks = inner.clone();
    }
    assert_eq!(depth, 16);
    assert_eq!(blocks, vec![para_text(&(">".repeat(84) + " x"))]);
    let stars = "*".repeat(200) + "x" + &"*".repeat(200);
    assert_safe(&render(&stars));
    let many_lists = (0..100)
        .map(|i| format!("{}- x", "  ".repeat(i)))
        .collect::<Vec<_>>()
        .join("\n");
    assert_safe(&render(&many_lists));
}

#[test]
fn tables() {
    assert_eq!(
        render("| Name | Qty | Note | Price |\n|:---|:---:|---|---:|\n| *a* | 1 | x \\| y |\n| b | 2 | | 3 | extra |"),
        vec![Block::Table {
            align: vec![Align::Left, Align::Center, Align::None, Align::Right],
            head: vec![vec![t("Name")], vec![t("Qty")], vec![t("Note")], vec![t("Price")]],
            rows: vec![
                vec![vec![em(vec![t("a")])], vec![t("1")], vec![t("x | y")], vec![]],
                vec![vec![t("b")], vec![t("2")], vec![], vec![t("3")]],
            ],
        }]
    );
    // No outer pipes; a paragraph line above the header stays a paragraph; a blank line ends it.
    assert_eq!(
        render("Intro\na | b\n--|--\n1 | 2\n\nafter"),
        vec![
            para_text("Intro"),
            Block::Table {
                align: vec![Align::None, Align::None],
                head: vec![vec![t("a")], vec![t("b")]],
                rows: vec![vec![vec![t("1")], vec![t("2")]]],
            },
            para_text("after"),
        ]
    );
    // The header must have as many cells as the delimiter row.
    assert_eq!(
        render("| a | b |\n|---|\n"),
        vec![para(vec![t("| a | b |"), Inline::LineBreak, t("|---|")])]
    );
    // A table ends at another block.
    assert_eq!(
        render("|a|\n|-|\n|1|\n# H"),
        vec![
            Block::Table {
                align: vec![Align::None],
                head: vec![vec![t("a")]],
                rows: vec![vec![vec![t("1")]]],
            },
            Block::Heading {
                level: 1,
                content: vec![t("H")]
            },
        ]
    );
}

// ------------------------------------------------------------------------------------------------
// Inlines
// ------------------------------------------------------------------------------------------------

#[test]
fn emphasis() {
    let cases: Vec<(&str, Vec<Inline>)> = vec![
        ("*a* _b_", vec![em(vec![t("a")]), t(" "), em(vec![t("b")])]),
        (
            "**a** __b__",
            vec![strong(vec![t("a")]), t(" "), strong(vec![t("b")])],
        ),
        ("***a***", vec![em(vec![strong(vec![t("a")])])]),
        (
            "~~gone~~ ~x~",
            vec![
                Inline::Strike(vec![t("gone")]),
                t(" "),
                Inline::Strike(vec![t("x")]),
            ],
        ),
        ("a ~~~no~~~ b", vec![t("a ~~~no~~~ b")]),
        ("snake_case_name", vec![t("snake_case_name")]),
        ("in*tra*word", vec![t("in"), em(vec![t("tra")]), t("word")]),
        ("a * b * c", vec![t("a * b * c")]),
        (
            "*a **b** c*",
            vec![em(vec![t("a "), strong(vec![t("b")]), t(" c")])],
        ),
        ("**unclosed", vec![t("**unclosed")]),
        ("*a**b*", vec![em(vec![t("a**b")])]),
        ("**Note:** text", vec![strong(vec![t("Note:")]), t(" text")]),
        ("2 * 3 * 4", vec![t("2 * 3 * 4")]),
    ];
    for (src, want) in cases {
        assert_eq!(inl(src), want, "{src:?}");
    }
}

#[test]
fn code_spans() {
    let cases: Vec<(&str, Vec<Inline>)> = vec![
        ("`a`", vec![code("a")]),
        ("`` a ` b ``", vec![code("a ` b")]),
        ("` `` `", vec![code("``")]),
        ("`  `", vec![code("  ")]),
        ("`*no* [x](https://a)`", vec![code("*no* [x](https://a)")]),
        ("``unmatched`", vec![t("``unmatched`")]),
        ("`a\nb`", vec![code("a b")]),
        ("\\`not`", vec![t("`not`")]),
        ("`<script>`", vec![code("<script>")]),
    ];
    for (src, want) in cases {
        assert_eq!(inl(src), want, "{src:?}");
    }
}

#[test]
fn links_and_images() {
    let cases: Vec<(&str, Vec<Inline>)> = vec![
        (
            "[a](https://x.io)",
            vec![link("https://x.io", vec![t("a")])],
        ),
        (
            "[*a* b](<https://x.io/a b> \"title\")",
            vec![link("https://x.io/a%20b", vec![em(vec![t("a")]), t(" b")])],
        ),
        (
            "[a](https://en.wikipedia.org/wiki/Rust_(language))",
            vec![link(
                "https://en.wikipedia.org/wiki/Rust_(language)",
                vec![t("a")],
            )],
        ),
        (
            "[a](mailto:me@x.io)",
            vec![link("mailto:me@x.io", vec![t("a")])],
        ),
        (
            "[a](HTTPS://X.IO)",
            vec![link("https://X.IO", vec![t("a")])],
        ),
        (
            "[a]( https://x.io 'single' )",
            vec![link("https://x.io", vec![t("a")])],
        ),
        (
            "[a](https://x.io?q=1&amp;r=2)",
            vec![link("https://x.io?q=1&r=2", vec![t("a")])],
        ),
        // Not links: relative, no destination, reference style.
        ("[a](/relative)", vec![t("a")]),
        ("[a](#frag)", vec![t("a")]),
        ("[a]()", vec![t("a")]),
        (
            "[](https://x.io)",
            vec![link("https://x.io", vec![t("https://x.io")])],
        ),
        ("[a][ref] [b]", vec![t("[a][ref] [b]")]),
        (
            "[a] (https://x.io)",
            vec![
                t("[a] ("),
                link("https://x.io", vec![t("https://x.io")]),
                t(")"),
            ],
        ),
        // No links in links.
        (
            "[a [b](https://in) c](https://out)",
            vec![
                t("[a "),
                link("https://in", vec![t("b")]),
                t(" c]("),
                link("https://out", vec![t("https://out")]),
                t(")"),
            ],
        ),
        // Images are never loaded: a link labelled "image: alt", or the source as text.
        (
            "![A *cat*](https://x.io/cat.png)",
            vec![link("https://x.io/cat.png", vec![t("image: A cat")])],
        ),
        (
            "![i](data:image/png;base64,AAAA)",
            vec![t("![i](data:image/png;base64,AAAA)")],
        ),
        (
            "[![i](https://x/i.png)](https://x/)",
            vec![link("https://x/", vec![t("image: i")])],
        ),
        // Autolinks and bare URLs.
        (
            "<https://x.io/a?b>",
            vec![link("https://x.io/a?b", vec![t("https://x.io/a?b")])],
        ),
        (
            "<me@x.io>",
            vec![link("mailto:me@x.io", vec![t("me@x.io")])],
        ),
        (
            "See https://x.io/a_b_c. Or (www.x.io/p).",
            vec![
                t("See "),
                link("https://x.io/a_b_c", vec![t("https://x.io/a_b_c")]),
                t(". Or ("),
                link("http://www.x.io/p", vec![t("www.x.io/p")]),
                t(")."),
            ],
        ),
        (
            "**https://x.io**",
            vec![strong(vec![link("https://x.io", vec![t("https://x.io")])])],
        ),
        (
            "[https://a.io](https://b.io)",
            vec![link("https://b.io", vec![t("https://a.io")])],
        ),
        ("nothttps://x.io", vec![t("nothttps://x.io")]),
        ("https://", vec![t("https://")]),
        ("www.", vec![t("www.")]),
    ];
    for (src, want) in cases {
        assert_eq!(inl(src), want, "{src:?}");
    }
}

#[test]
fn escapes_and_entities() {
    let cases: Vec<(&str, Vec<Inline>)> = vec![
        ("\\*not em\\* \\# \\[x\\]", vec![t("*not em* # [x]")]),
        ("\\a \\", vec![t("\\a \\")]),
        (
            "&amp; &lt;b&gt; &quot; &#65;&#x42; &copy; &nosuch; &#0; &#1234567890;",
            vec![t("& <b> \" AB © &nosuch; \u{fffd} &#1234567890;")],
        ),
        ("&lt;script&gt;", vec![t("<script>")]),
    ];
    for (src, want) in cases {
        assert_eq!(inl(src), want, "{src:?}");
    }
}

#[test]
fn raw_html_is_text() {
    assert_eq!(
        render("<div onclick=\"x()\">hi</div>\n\n<img src=x onerror=alert(1)>"),
        vec![
            para_text("<div onclick=\"x()\">hi</div>"),
            para_text("<img src=x onerror=alert(1)>")
        ]
    );
}

// ------------------------------------------------------------------------------------------------
// Safety
// ------------------------------------------------------------------------------------------------

#[test]
fn safe_href_accepts_only_http_https_mailto() {
    for (raw, want) in [
        ("https://x.io/a", Some("https://x.io/a")),
        ("http://x.io", Some("http://x.io")),
        ("HtTpS://X.io", Some("https://X.io")),
        ("  https://x.io  ", Some("https://x.io")),
        ("mailto:a@b.c", Some("mailto:a@b.c")),
        (
            "https://x.io/a b\"<>`",
            Some("https://x.io/a%20b%22%3C%3E%60"),
        ),
        ("javascript:alert(1)", None),
        ("JaVaScRiPt:alert(1)", None),
        ("  javascript:alert(1)", None),
        ("\u{1}javascript:alert(1)", None),
        ("java\tscript:alert(1)", None),
        ("java&#115;cript:alert(1)", None),
        ("&#104;ttps://x.io", None),
        ("vbscript:msgbox(1)", None),
        ("data:text/html,<script>alert(1)</script>", None),
        ("file:///etc/passwd", None),
        ("/relative", None),
        ("//x.io", None),
        ("x.io", None),
        ("https:x.io", None),
        ("https://", None),
        ("https:///x", None),
        ("https://x.io/\u{0}/x", None),
        ("https://x.io/\u{0}", Some("https://x.io/")),
        ("https://x.io/\n", Some("https://x.io/")),
        ("https://x\u{7f}.io", None),
        ("mailto:", None),
        ("", None),
    ] {
        assert_eq!(safe_href(raw).as_deref(), want, "{raw:?}");
        if let Some(h) = safe_href(raw) {
            assert_eq!(safe_href(&h), Some(h.clone()), "idempotent: {h}");
        }
    }
}

const PAYLOADS: &[&str] = &[
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](  javascript:alert(1))",
    "[x](java&#115;cript:alert(1))",
    "[x](java\\script:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](<javascript:alert(1)>)",
    "[x](data:text/html,<script>alert(1)</script>)",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](vbscript:msgbox(1))",
    "[x](file:///etc/passwd)",
    "[x](/relative/path)",
    "<javascript:alert(1)>",
    "<JAVASCRIPT:alert(1)>",
    "<data:text/html,x>",
    "![i](https://x/y.png)",
    "![i](javascript:alert(1))",
    "![i](data:image/svg+xml,<svg onload=alert(1)>)",
    "javascript:alert(1)",
    "<a href=\"javascript:alert(1)\">x</a>",
    "<iframe src=\"https://evil\"></iframe>",
    "[x](https://ok.io \"onmouseover=alert(1)\")",
    "[x](https://ok.io/\"onmouseover=\"alert(1))",
    "<svg/onload=alert(1)>",
];

#[test]
fn xss_payloads_stay_inert() {
    for payload in PAYLOADS {
        let wraps = [
            payload.to_string(),
            format!("# {payload}"),
            format!("- {payload}\n  - {payload}"),
            format!("1. {payload}"),
            format!("> {payload}"),
            format!("| a | b |\n|---|---|\n| {payload} | *{payload}* |"),
            format!("```\n{payload}\n```"),
            format!("**{payload}** _{payload}_ ~~{payload}~~"),
            format!("[{payload}](https://ok.io)"),
            format!("text {payload} text\n\n{payload}"),
        ];
        for src in &wraps {
            let blocks = render(src);
            assert_safe(&blocks);
            for h in hrefs(&blocks) {
                let lower = h.to_ascii_lowercase();
                assert!(
                    !lower.contains("javascript")
                        && !lower.contains("data:")
                        && !lower.contains("vbscript"),
                    "{src:?} -> {h}"
                );
            }
            let streamed = stream(src, &[3]);
            assert_safe(&render_segments(streamed.segments()));
        }
    }
    // The payloads are kept verbatim, as text.
    let blocks = render("<script>alert(1)</script>");
    assert_eq!(blocks, vec![para_text("<script>alert(1)</script>")]);
    assert_eq!(
        render("[x](javascript:alert(1)) <javascript:alert(1)>"),
        vec![para_text("x <javascript:alert(1)>")]
    );
    assert_eq!(
        render("![i](https://x/y.png)"),
        vec![para(vec![link("https://x/y.png", vec![t("image: i")])])]
    );
    assert!(all_text(&render("```\n<img src=x onerror=alert(1)>\n```"))
        .contains("<img src=x onerror=alert(1)>"));
}

/// Inputs that once looked risky for slicing, tabs or empty constructs: no panic, safe output,
/// and stable segments (also repeated past the size limits).
#[test]
fn tricky_inputs() {
    for src in [
        "www.",
        "www.(",
        "https://.",
        "http://(",
        "<",
        "<a:",
        "<a:b",
        "<@>",
        "<a@>",
        "&",
        "&#",
        "&#x;",
        "&#12345678;",
        "`",
        "``",
        "[",
        "![",
        "](",
        "[]",
        "[](",
        "[x](<",
        "[x](<a",
        "[x](a",
        "[x](a \"",
        "[x](a 'b",
        "\\",
        "*",
        "**",
        "***",
        "_ _",
        "~",
        "~~",
        "\t- \t",
        "> \t",
        ">\t\tcode",
        "-\t\tfoo",
        " \t\t-\tx",
        "1.",
        "1)",
        "-\n-\n-",
        "|",
        "||",
        "|-|",
        "| a |\n|-|-|",
        "a\n|-|",
        ">",
        ">>>",
        "```\n",
        "~~~~\n~~~",
        "\r",
        "\r\n\r\n",
        "# \r",
        "é\u{0}\u{7f}",
        "* * *\n- - -",
        "-\t",
        "1.\t",
        "[x](https://a.b\u{0})",
        "www.a.b)))",
        "(https://a.b))",
        "- a\n\n  b\n\n c\n",
        "> a\n\n> b\n",
        "a\n\n\n",
    ] {
        let blocks = render(src);
        assert_safe(&blocks);
        assert_eq!(stream(src, &[1]), one_push(src), "{src:?}");
        for n in [1, 7, 40] {
            let long = src.repeat(n * 50);
            let md = one_push(&long);
            assert_eq!(stream(&long, &[997, 3]), md, "{src:?} x {n}");
            assert!(md
                .segments()
                .iter()
                .all(|s| s.source.len() <= MdText::HARD_MAX + 3));
            assert_safe(&render_segments(md.segments()));
        }
    }
}

// ------------------------------------------------------------------------------------------------
// Streaming and segments
// ------------------------------------------------------------------------------------------------

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

// ------------------------------------------------------------------------------------------------
// Properties
// ------------------------------------------------------------------------------------------------

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

#[test]
fn a_long_line_cut_mid_line_keeps_the_space_at_the_cut() {
    use chat_stream::markdown::{Block, Inline, MdText};
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
