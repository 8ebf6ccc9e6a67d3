//! Assistant answers as markdown, incrementally, written straight to the DOM: each frozen
//! segment of the answer is parsed and written once; only the live tail is re-parsed, and while
//! its block structure stays the same the new characters are appended to the text node it
//! already has ([`crate::markdown::appended_text`]). So a token costs a parse of a few KB
//! and, most of the time, one `appendData`.
//!
//! Safety: the DOM is built from [`crate::markdown::Block`] values with text nodes and a fixed
//! set of elements; nothing from the model is ever parsed as HTML, and a link's `href` has passed
//! [`crate::markdown::safe_href`] (http, https, mailto only). Images are never loaded.

use std::time::Duration;

use leptos::{html, prelude::*, task::spawn_local};
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, Node, Text};

use super::{clipboard::copy_text, use_chat_stream::UseChatStreamReturn};
use crate::{
    markdown::{appended_text, Align, Block, Inline, MdText},
    transcript::{BlockText, Message, Transcript},
};

/// The answer text of message `index`.
fn content(t: &Transcript, index: usize) -> Option<&MdText> {
    t.messages.get(index).map(|m| &m.content)
}

/// What is on screen of one answer.
#[derive(Default)]
struct Shown {
    /// (segments, bytes) of the text last written.
    seen: (usize, usize),
    /// Segment elements, the last one the tail.
    segments: Vec<Element>,
    /// The tail's blocks as written, and the text node of its trailing leaf.
    tail: Vec<Block>,
    tail_leaf: Option<Text>,
}

/// The answer of the message at `index`, rendered as markdown into `data-testid=
/// "message-assistant"`. Re-rendered at most once per frame while `live`, else when the
/// conversation's structure changes.
#[component]
pub fn MarkdownView(
    /// The chat the message belongs to.
    chat: UseChatStreamReturn,
    /// Index of the (assistant) message.
    index: usize,
    /// The message is being written.
    live: Memo<bool>,
) -> impl IntoView {
    let root = NodeRef::<html::Div>::new();
    let shown = StoredValue::new_local(Shown::default());
    redraw_into(chat, live, root, move |el, t| {
        if let Some(text) = content(t, index) {
            shown.update_value(|s| render(el, s, text));
        }
    });
    let on_click = move |ev: leptos::ev::MouseEvent| {
        let button = ev
            .target()
            .and_then(|t| t.dyn_into::<Element>().ok())
            .and_then(|el| el.closest("[data-testid=\"code-copy\"]").ok().flatten());
        let Some(button) = button else { return };
        let fence = button
            .get_attribute("data-fence")
            .and_then(|f| f.parse::<u32>().ok())
            .unwrap_or(0);
        let code = chat
            .transcript
            .with_untracked(|t| content(t, index).map(|c| c.fence_code(fence)))
            .unwrap_or_default();
        spawn_local(async move {
            let ok = copy_text(&code).await;
            copy_feedback(&button, Some(if ok { "Copied" } else { "Copy failed" }));
            set_timeout(
                move || copy_feedback(&button, None),
                Duration::from_millis(1500),
            );
        });
    };
    view! {
        <div class="cs-msg__text cs-md" data-testid="message-assistant" node_ref=root on:click=on_click></div>
    }
}

/// Runs `write` on `root` with the transcript when the conversation's structure changes, and
/// (only while `live`) when the live text grows.
fn redraw_into(
    chat: UseChatStreamReturn,
    live: Memo<bool>,
    root: NodeRef<html::Div>,
    write: impl Fn(&Element, &Transcript) + 'static,
) {
    Effect::new(move |_| {
        chat.track_structure();
        if live.get() {
            chat.track_text();
        }
        if let Some(el) = root.get() {
            chat.transcript.with_untracked(|t| write(&el, t));
        }
    });
}

/// Shows "Copied" / "Copy failed" on a code block's copy button (and in its status region), or
/// "Copy" again.
fn copy_feedback(button: &Element, feedback: Option<&str>) {
    button.set_text_content(Some(feedback.unwrap_or("Copy")));
    if let Some(status) = button.next_element_sibling() {
        status.set_text_content(feedback);
    }
}

/// Brings `root` up to date with `text`.
fn render(root: &Element, shown: &mut Shown, text: &MdText) {
    let seen = (text.segments().len(), text.len());
    if seen == shown.seen {
        return;
    }
    shown.seen = seen;
    let Some(doc) = root.owner_document() else {
        return;
    };
    let count = seen.0;
    // Segments that froze since the last render are written once, in full; the old tail first.
    let first_new = shown.segments.len().saturating_sub(1);
    for i in first_new..count.saturating_sub(1) {
        let blocks = text.render_segment(i);
        match shown.segments.get(i) {
            Some(el) => {
                el.set_text_content(None);
                write_blocks(&doc, el, &blocks);
            }
            None => {
                let el = segment(&doc, root);
                write_blocks(&doc, &el, &blocks);
                shown.segments.push(el);
            }
        }
        shown.tail.clear();
        shown.tail_leaf = None;
    }
    if count == 0 {
        return;
    }
    let tail_index = count - 1;
    let blocks = text.render_segment(tail_index);
    if shown.segments.len() == count {
        if let (Some(extra), Some(leaf)) = (appended_text(&shown.tail, &blocks), &shown.tail_leaf) {
            if !extra.is_empty() {
                let _ = leaf.append_data(extra);
            }
            shown.tail = blocks;
            return;
        }
    }
    let el = match shown.segments.get(tail_index) {
        Some(el) => {
            el.set_text_content(None);
            el.clone()
        }
        None => {
            let el = segment(&doc, root);
            shown.segments.push(el.clone());
            el
        }
    };
    shown.tail_leaf = write_blocks(&doc, &el, &blocks);
    shown.tail = blocks;
}

/// A new segment wrapper at the end of `root`.
fn segment(doc: &Document, root: &Element) -> Element {
    let el = element(doc, root, "div");
    el.set_class_name("cs-md__seg");
    el
}

/// Appends a new `<tag>` to `parent`.
fn element(doc: &Document, parent: &Node, tag: &str) -> Element {
    let el = doc
        .create_element(tag)
        .expect("creating an element of a fixed tag name cannot fail");
    let _ = parent.append_child(&el);
    el
}

/// Appends a text node to `parent`.
fn text(doc: &Document, parent: &Node, s: &str) -> Text {
    let node = doc.create_text_node(s);
    let _ = parent.append_child(&node);
    node
}

/// Writes `blocks` into `parent`; returns the text node of the last text leaf written (the
/// trailing leaf when the blocks end in one).
fn write_blocks(doc: &Document, parent: &Node, blocks: &[Block]) -> Option<Text> {
    let mut leaf = None;
    for block in blocks {
        leaf = write_block(doc, parent, block).or(leaf);
    }
    leaf
}

fn write_block(doc: &Document, parent: &Node, block: &Block) -> Option<Text> {
    match block {
        Block::Heading { level, content } => {
            let (tag, class) = match level {
                1 => ("h3", "cs-md__h1"),
                2 => ("h4", "cs-md__h2"),
                3 => ("h5", "cs-md__h3"),
                _ => ("h6", "cs-md__h4"),
            };
            let el = element(doc, parent, tag);
            el.set_class_name(class);
            write_inlines(doc, &el, content)
        }
        Block::Paragraph(content) => write_inlines(doc, &element(doc, parent, "p"), content),
        Block::Code {
            lang,
            code,
            fence,
            continued,
            ..
        } => {
            let fence = fence.to_string();
            let wrap = element(doc, parent, "div");
            wrap.set_class_name(if *continued {
                "cs-code cs-code--continued"
            } else {
                "cs-code"
            });
            let _ = wrap.set_attribute("data-testid", "code-block");
            let _ = wrap.set_attribute("data-lang", lang);
            let _ = wrap.set_attribute("data-fence", &fence);
            if !continued {
                let bar = element(doc, &wrap, "div");
                bar.set_class_name("cs-code__bar");
                let label = element(doc, &bar, "span");
                label.set_class_name("cs-code__lang");
                label.set_text_content(Some(if lang.is_empty() { "text" } else { lang }));
                let button = element(doc, &bar, "button");
                let _ = button.set_attribute("type", "button");
                button.set_class_name("cs-button cs-button--small");
                let _ = button.set_attribute("data-testid", "code-copy");
                let _ = button.set_attribute("data-fence", &fence);
                let _ = button.set_attribute("aria-label", "Copy code");
                button.set_text_content(Some("Copy"));
                let status = element(doc, &bar, "span");
                status.set_class_name("cs-visually-hidden");
                let _ = status.set_attribute("role", "status");
            }
            let pre = element(doc, &wrap, "pre");
            Some(text(doc, &element(doc, &pre, "code"), code))
        }
        Block::List {
            ordered,
            start,
            items,
        } => {
            let list = element(doc, parent, if *ordered { "ol" } else { "ul" });
            if *ordered {
                let _ = list.set_attribute("start", &start.to_string());
            }
            let mut leaf = None;
            for item in items {
                leaf = write_blocks(doc, &element(doc, &list, "li"), item);
            }
            leaf
        }
        Block::Quote(inner) => write_blocks(doc, &element(doc, parent, "blockquote"), inner),
        Block::Table { align, head, rows } => {
            let wrap = element(doc, parent, "div");
            wrap.set_class_name("cs-table");
            let table = element(doc, &wrap, "table");
            // Classes, not `style=`: the page's CSP allows no inline styles.
            let cell = |row: &Element, tag: &str, i: usize, content: &[Inline]| {
                let el = element(doc, row, tag);
                match align.get(i).copied().unwrap_or(Align::None) {
                    Align::None => {}
                    Align::Left => el.set_class_name("cs-md__left"),
                    Align::Center => el.set_class_name("cs-md__center"),
                    Align::Right => el.set_class_name("cs-md__right"),
                }
                write_inlines(doc, &el, content)
            };
            // A table continued from an earlier segment has no header row of its own.
            if !head.is_empty() {
                let tr = element(doc, &element(doc, &table, "thead"), "tr");
                for (i, c) in head.iter().enumerate() {
                    cell(&tr, "th", i, c);
                }
            }
            let body = element(doc, &table, "tbody");
            let mut leaf = None;
            for row in rows {
                let tr = element(doc, &body, "tr");
                for (i, c) in row.iter().enumerate() {
                    leaf = cell(&tr, "td", i, c);
                }
            }
            leaf
        }
        Block::Rule => {
            element(doc, parent, "hr");
            None
        }
    }
}

/// Writes inline content; returns the text node of a final `Inline::Text`.
fn write_inlines(doc: &Document, parent: &Node, inlines: &[Inline]) -> Option<Text> {
    let mut leaf = None;
    for inline in inlines {
        leaf = None;
        match inline {
            Inline::Text(s) => leaf = Some(text(doc, parent, s)),
            Inline::Code(code) => {
                let el = element(doc, parent, "code");
                el.set_class_name("cs-md__code");
                el.set_text_content(Some(code));
            }
            Inline::Emph(inner) => {
                write_inlines(doc, &element(doc, parent, "em"), inner);
            }
            Inline::Strong(inner) => {
                write_inlines(doc, &element(doc, parent, "strong"), inner);
            }
            Inline::Strike(inner) => {
                write_inlines(doc, &element(doc, parent, "del"), inner);
            }
            Inline::Link { href, content } => {
                let a = element(doc, parent, "a");
                let _ = a.set_attribute("href", href);
                let _ = a.set_attribute("target", "_blank");
                let _ = a.set_attribute("rel", "noopener noreferrer");
                write_inlines(doc, &a, content);
            }
            Inline::LineBreak => {
                element(doc, parent, "br");
            }
        }
    }
    leaf
}

/// What is on screen of one growing plain text.
#[derive(Default)]
struct ShownPlain {
    /// Blocks written, the last one the tail.
    blocks: Vec<Element>,
    /// The tail's text as written, and its text node.
    tail: String,
    tail_node: Option<Text>,
}

/// A growing plain text (the reasoning): frozen blocks written once, the tail appended to.
#[component]
pub fn BlockTextView(
    /// The chat the message belongs to.
    chat: UseChatStreamReturn,
    /// Index of the message.
    index: usize,
    /// Which text of the message to show.
    part: fn(&Message) -> &BlockText,
    /// The message is being written.
    live: Memo<bool>,
    /// The wrapper's `data-testid`.
    testid: &'static str,
) -> impl IntoView {
    let root = NodeRef::<html::Div>::new();
    let shown = StoredValue::new_local(ShownPlain::default());
    redraw_into(chat, live, root, move |el, t| {
        if let Some(m) = t.messages.get(index) {
            shown.update_value(|s| render_plain(el, s, part(m).blocks()));
        }
    });
    view! { <div class="cs-msg__text cs-msg__text--plain" data-testid=testid node_ref=root></div> }
}

fn render_plain(root: &Element, shown: &mut ShownPlain, blocks: &[String]) {
    let Some(doc) = root.owner_document() else {
        return;
    };
    let Some((tail, frozen)) = blocks.split_last() else {
        return;
    };
    // The old tail froze: write its final text; then the blocks that froze after it.
    for (i, block) in frozen
        .iter()
        .enumerate()
        .skip(shown.blocks.len().saturating_sub(1))
    {
        match shown.blocks.get(i) {
            Some(el) => {
                if shown.tail != *block {
                    el.set_text_content(Some(block));
                }
            }
            None => {
                let el = element(&doc, root, "span");
                el.set_text_content(Some(block));
                shown.blocks.push(el);
            }
        }
        shown.tail.clear();
        shown.tail_node = None;
    }
    if shown.blocks.len() == blocks.len() {
        if let (Some(extra), Some(node)) = (tail.strip_prefix(&shown.tail), &shown.tail_node) {
            if !extra.is_empty() {
                let _ = node.append_data(extra);
                shown.tail.push_str(extra);
            }
            return;
        }
    }
    let el = match shown.blocks.get(blocks.len() - 1) {
        Some(el) => {
            el.set_text_content(None);
            el.clone()
        }
        None => {
            let el = element(&doc, root, "span");
            shown.blocks.push(el.clone());
            el
        }
    };
    shown.tail_node = Some(text(&doc, &el, tail));
    shown.tail = tail.clone();
}
