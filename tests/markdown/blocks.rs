//! Block constructs, case by case: headings, paragraphs and breaks, thematic breaks, fenced code,
//! lists, quotes, nesting limits and tables.

use chat_stream::markdown::{render, Align, Block, Inline};

use crate::helpers::{assert_safe, code, em, fence, list, para, para_text, strong, t};

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
