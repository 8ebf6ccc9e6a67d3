//! Assistant answers as markdown, incrementally: each frozen segment of the answer is parsed and
//! rendered once; only the live tail is re-parsed and re-rendered while tokens arrive.
//!
//! Safety: the DOM is built from [`crate::markdown::Block`] values with text nodes and a fixed
//! set of elements; nothing from the model is ever parsed as HTML, and a link's `href` has passed
//! [`crate::markdown::safe_href`] (http, https, mailto only). Images are never loaded.

use leptos::prelude::*;

use super::clipboard::CopyButton;
use crate::{
    markdown::{Align, Block, Inline, MdText},
    transcript::Transcript,
};

/// The answer text of message `index`.
fn content(t: &Transcript, index: usize) -> Option<&MdText> {
    t.messages.get(index).map(|m| &m.content)
}

/// The answer of the message at `index`, rendered as markdown.
#[component]
pub fn MarkdownView(
    /// The conversation.
    transcript: RwSignal<Transcript>,
    /// Index of the (assistant) message.
    index: usize,
) -> impl IntoView {
    let frozen = Memo::new(move |_| {
        transcript.with(|t| content(t, index).map_or(0, |c| c.segments().len().saturating_sub(1)))
    });
    // Text only grows, so the tail changed exactly when the length or the segment count did:
    // other messages' updates don't re-render this one.
    let tail_key = Memo::new(move |_| {
        transcript.with(|t| content(t, index).map_or((0, 0), |c| (c.segments().len(), c.len())))
    });
    let render_segment = move |i: Option<usize>| {
        transcript.with_untracked(|t| {
            content(t, index)
                .map(|c| c.render_segment(i.unwrap_or(c.segments().len().saturating_sub(1))))
                .unwrap_or_default()
        })
    };
    let fence_code = move |fence: u32| {
        transcript.with_untracked(|t| {
            content(t, index)
                .map(|c| c.fence_code(fence))
                .unwrap_or_default()
        })
    };
    // Each segment in a wrapper of its own: a parent for the tail's changing children.
    view! {
        <For
            each=move || 0..frozen.get()
            key=|i| *i
            children=move |i| {
                view! { <div class="cs-md__seg">{blocks_view(render_segment(Some(i)), fence_code)}</div> }
            }
        />
        <div class="cs-md__seg">
            {move || {
                let _ = tail_key.get();
                blocks_view(render_segment(None), fence_code)
            }}
        </div>
    }
}

fn blocks_view(
    blocks: Vec<Block>,
    fence_code: impl Fn(u32) -> String + Copy + Send + Sync + 'static,
) -> AnyView {
    blocks
        .into_iter()
        .map(|b| block_view(b, fence_code))
        .collect_view()
        .into_any()
}

fn block_view(
    block: Block,
    fence_code: impl Fn(u32) -> String + Copy + Send + Sync + 'static,
) -> AnyView {
    match block {
        Block::Heading { level, content } => {
            let inner = inlines_view(content);
            match level {
                1 => view! { <h3 class="cs-md__h1">{inner}</h3> }.into_any(),
                2 => view! { <h4 class="cs-md__h2">{inner}</h4> }.into_any(),
                3 => view! { <h5 class="cs-md__h3">{inner}</h5> }.into_any(),
                _ => view! { <h6 class="cs-md__h4">{inner}</h6> }.into_any(),
            }
        }
        Block::Paragraph(content) => view! { <p>{inlines_view(content)}</p> }.into_any(),
        Block::Code {
            lang,
            code,
            fence,
            continued,
            ..
        } => {
            let label = if lang.is_empty() {
                "text".to_owned()
            } else {
                lang.clone()
            };
            let bar = (!continued).then(|| {
                view! {
                    <div class="cs-code__bar">
                        <span class="cs-code__lang">{label}</span>
                        <CopyButton
                            text=Callback::new(move |_| fence_code(fence))
                            label="Copy code"
                            testid="code-copy"
                        />
                    </div>
                }
            });
            let class = if continued {
                "cs-code cs-code--continued"
            } else {
                "cs-code"
            };
            view! {
                <div class=class data-testid="code-block" data-lang=lang data-fence=fence.to_string()>
                    {bar}
                    <pre><code>{code}</code></pre>
                </div>
            }
            .into_any()
        }
        Block::List {
            ordered,
            start,
            items,
        } => {
            let items = items
                .into_iter()
                .map(|item| view! { <li>{blocks_view(item, fence_code)}</li> })
                .collect_view();
            if ordered {
                view! { <ol start=start.to_string()>{items}</ol> }.into_any()
            } else {
                view! { <ul>{items}</ul> }.into_any()
            }
        }
        Block::Quote(inner) => {
            view! { <blockquote>{blocks_view(inner, fence_code)}</blockquote> }.into_any()
        }
        Block::Table { align, head, rows } => {
            // Classes, not `style=`: the page's CSP allows no inline styles.
            let style = move |i: usize| match align.get(i).copied().unwrap_or(Align::None) {
                Align::None => None,
                Align::Left => Some("cs-md__left"),
                Align::Center => Some("cs-md__center"),
                Align::Right => Some("cs-md__right"),
            };
            // A table continued from an earlier segment has no header row of its own.
            let head = (!head.is_empty()).then(|| {
                let cells = head
                    .into_iter()
                    .enumerate()
                    .map(|(i, cell)| view! { <th class=style(i)>{inlines_view(cell)}</th> })
                    .collect_view();
                view! { <thead><tr>{cells}</tr></thead> }
            });
            let rows = rows
                .into_iter()
                .map(|row| {
                    let cells = row
                        .into_iter()
                        .enumerate()
                        .map(|(i, cell)| view! { <td class=style(i)>{inlines_view(cell)}</td> })
                        .collect_view();
                    view! { <tr>{cells}</tr> }
                })
                .collect_view();
            view! {
                <div class="cs-table">
                    <table>
                        {head}
                        <tbody>{rows}</tbody>
                    </table>
                </div>
            }
            .into_any()
        }
        Block::Rule => view! { <hr /> }.into_any(),
    }
}

fn inlines_view(inlines: Vec<Inline>) -> AnyView {
    inlines
        .into_iter()
        .map(inline_view)
        .collect_view()
        .into_any()
}

fn inline_view(inline: Inline) -> AnyView {
    match inline {
        Inline::Text(text) => text.into_any(),
        Inline::Code(code) => view! { <code class="cs-md__code">{code}</code> }.into_any(),
        Inline::Emph(inner) => view! { <em>{inlines_view(inner)}</em> }.into_any(),
        Inline::Strong(inner) => view! { <strong>{inlines_view(inner)}</strong> }.into_any(),
        Inline::Strike(inner) => view! { <del>{inlines_view(inner)}</del> }.into_any(),
        Inline::Link { href, content } => view! {
            <a href=href target="_blank" rel="noopener noreferrer">{inlines_view(content)}</a>
        }
        .into_any(),
        Inline::LineBreak => view! { <br /> }.into_any(),
    }
}
