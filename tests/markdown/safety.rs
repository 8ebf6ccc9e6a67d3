//! Safety: only `http:`, `https:` and `mailto:` links pass, XSS payloads stay inert text in every
//! construct, and tricky inputs neither panic nor produce unsafe output.

use chat_stream::markdown::{render, safe_href, MdText};

use crate::helpers::{
    all_text, assert_safe, hrefs, link, one_push, para, para_text, render_segments, stream, t,
};

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
