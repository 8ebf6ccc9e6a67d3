//! Arbitrary text in arbitrary pushes through `MdText`: no panic; any chunking gives the segments
//! of one push; the sources concatenate to the text; a frozen segment never changes; the live
//! tail stays bounded; every link, whole or segment by segment, has a safe href.
#![no_main]

use chat_stream::markdown::{render, safe_href, Block, Inline, MdText, Segment};
use libfuzzer_sys::fuzz_target;

/// Longest live tail allowed (the module promises `HARD_MAX + 3`).
const TAIL_MAX: usize = MdText::HARD_MAX + 3;

fn check_inlines(v: &[Inline]) {
    for x in v {
        match x {
            Inline::Text(_) | Inline::Code(_) | Inline::LineBreak => {}
            Inline::Emph(c) | Inline::Strong(c) | Inline::Strike(c) => check_inlines(c),
            Inline::Link { href, content } => {
                assert_eq!(
                    safe_href(href).as_deref(),
                    Some(href.as_str()),
                    "unsafe {href:?}"
                );
                assert!(
                    ["http://", "https://", "mailto:"]
                        .iter()
                        .any(|p| href.starts_with(p)),
                    "scheme of {href:?}"
                );
                assert!(!href.contains('<'), "{href:?}");
                assert!(
                    !content.iter().any(|c| matches!(c, Inline::Link { .. })),
                    "link in link"
                );
                check_inlines(content);
            }
        }
    }
}

fn check_blocks(blocks: &[Block]) {
    for b in blocks {
        match b {
            Block::Heading { content, .. } | Block::Paragraph(content) => check_inlines(content),
            Block::Code { .. } | Block::Rule => {}
            Block::List { items, .. } => items.iter().for_each(|i| check_blocks(i)),
            Block::Quote(v) => check_blocks(v),
            Block::Table { align, head, rows } => {
                assert!(head.is_empty() || head.len() == align.len());
                head.iter().for_each(|c| check_inlines(c));
                for row in rows {
                    assert_eq!(row.len(), align.len());
                    row.iter().for_each(|c| check_inlines(c));
                }
            }
        }
    }
}

/// Pushes the text cut at `cuts`; checks the tail bound after every push, and at the end that
/// every segment frozen along the way is still there, unchanged.
fn pushes(text: &str, cuts: &[usize]) -> MdText {
    let mut md = MdText::new();
    let mut frozen: Vec<Segment> = Vec::new();
    let mut start = 0;
    for &end in cuts.iter().chain(std::iter::once(&text.len())) {
        let mut end = end.max(start);
        while !text.is_char_boundary(end) {
            end += 1;
        }
        md.push_str(&text[start..end]);
        start = end;
        assert!(
            md.tail().map_or(0, |t| t.source.len()) <= TAIL_MAX,
            "tail bound"
        );
        let now = md.frozen();
        assert!(now.len() >= frozen.len(), "a frozen segment went away");
        frozen.extend_from_slice(&now[frozen.len()..]);
    }
    assert_eq!(
        &md.segments()[..frozen.len()],
        &frozen[..],
        "a frozen segment changed"
    );
    md
}

fuzz_target!(|data: &[u8]| {
    // The first byte seeds the cut points (low bits) and how often the input is repeated (high
    // bits, so that the size limits of the segmenter are reached); the rest is the text.
    let Some((&seed, input)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(input).repeat(usize::from(seed >> 4) * 2 + 1);
    let bytes = text.as_bytes();
    let mut cuts = Vec::new();
    let mut at = 0usize;
    let step = usize::from(seed % 16) + 1;
    while at + step < text.len() {
        at += step + usize::from(bytes[at] % 7) * step;
        if at < text.len() {
            cuts.push(at);
        }
    }

    let one = pushes(&text, &[]);
    let pieces = pushes(&text, &cuts);
    assert_eq!(
        one.segments(),
        pieces.segments(),
        "re-chunking changed the segments"
    );
    assert_eq!(one, pieces);
    assert_eq!(one.text(), *text);
    assert_eq!(one.len(), text.len());
    assert!(one.segments().iter().all(|s| !s.source.is_empty()));
    if text.len() <= 8192 {
        let chars: Vec<usize> = text.char_indices().map(|(i, _)| i).skip(1).collect();
        assert_eq!(
            one.segments(),
            pushes(&text, &chars).segments(),
            "one char per push changed the segments"
        );
    }

    check_blocks(&render(&text));
    for s in one.segments() {
        check_blocks(&s.render());
    }
});
