//! Builders for expected trees, streaming helpers, and checks shared by the sections: safe
//! output, all the text, all the hrefs.

use chat_stream::markdown::{render, safe_href, Block, Inline, MdText, Segment};

pub fn t(s: &str) -> Inline {
    Inline::Text(s.into())
}

pub fn code(s: &str) -> Inline {
    Inline::Code(s.into())
}

pub fn em(v: Vec<Inline>) -> Inline {
    Inline::Emph(v)
}

pub fn strong(v: Vec<Inline>) -> Inline {
    Inline::Strong(v)
}

pub fn link(href: &str, v: Vec<Inline>) -> Inline {
    Inline::Link {
        href: href.into(),
        content: v,
    }
}

pub fn para(v: Vec<Inline>) -> Block {
    Block::Paragraph(v)
}

pub fn para_text(s: &str) -> Block {
    para(vec![t(s)])
}

pub fn fence(lang: &str, c: &str, n: u32, continued: bool, closed: bool) -> Block {
    Block::Code {
        lang: lang.into(),
        code: c.into(),
        fence: n,
        continued,
        closed,
    }
}

pub fn list(ordered: bool, start: u64, items: Vec<Vec<Block>>) -> Block {
    Block::List {
        ordered,
        start,
        items,
    }
}

/// The inlines of a single-paragraph document.
pub fn inl(src: &str) -> Vec<Inline> {
    match render(src).as_slice() {
        [Block::Paragraph(v)] => v.clone(),
        other => panic!("{src:?} is not one paragraph: {other:?}"),
    }
}

/// Pushes `text` in pieces of the given sizes (moved to char boundaries), cycling.
pub fn stream(text: &str, sizes: &[usize]) -> MdText {
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

pub fn one_push(text: &str) -> MdText {
    let mut md = MdText::new();
    md.push_str(text);
    md
}

pub fn render_segments(segments: &[Segment]) -> Vec<Block> {
    segments.iter().flat_map(Segment::render).collect()
}

/// Joins the parts of fences cut across segments, so segment-by-segment output can be compared
/// with a whole render.
pub fn join_fence_parts(blocks: Vec<Block>) -> Vec<Block> {
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
pub fn join_lists(blocks: Vec<Block>) -> Vec<Block> {
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
pub fn assert_safe(blocks: &[Block]) {
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
pub fn all_text(blocks: &[Block]) -> String {
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

pub fn hrefs(blocks: &[Block]) -> Vec<String> {
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
