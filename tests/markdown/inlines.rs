//! Inline constructs, case by case: emphasis, code spans, links and images, escapes and entities,
//! and raw HTML shown as text.

use chat_stream::markdown::{render, Inline};

use crate::helpers::{code, em, inl, link, para_text, strong, t};

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
