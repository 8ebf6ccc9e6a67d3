//! The conversation view. Assistant text is rendered as blocks: finished blocks are written to the
//! DOM once, only the last block is rewritten while tokens arrive, so the cost of a token does not
//! grow with the answer and layout stays local. All text is rendered as text, never as HTML.

use leptos::prelude::*;

use crate::{
    openai::Role,
    transcript::{BlockText, Message, MessageStatus, Transcript},
};

/// Every message of the conversation.
#[component]
pub fn MessageList(
    /// The conversation to show.
    transcript: RwSignal<Transcript>,
) -> impl IntoView {
    let ids = Memo::new(move |_| {
        transcript.with(|t| {
            t.messages
                .iter()
                .enumerate()
                .map(|(i, m)| (i, m.id))
                .collect::<Vec<_>>()
        })
    });
    let busy = Memo::new(move |_| transcript.with(|t| t.state().is_busy()));
    view! {
        <section
            class="cs-messages"
            aria-label="Conversation"
            aria-live="polite"
            aria-busy=move || busy.get().to_string()
        >
            <Show when=move || ids.with(Vec::is_empty)>
                <p class="cs-empty">"Type a prompt below and press Enter to watch the answer stream in."</p>
            </Show>
            <For
                each=move || ids.get()
                key=|(_, id)| *id
                children=move |(index, _)| view! { <MessageView transcript=transcript index=index /> }
            />
        </section>
    }
}

/// One message.
#[component]
pub fn MessageView(
    /// The conversation the message belongs to.
    transcript: RwSignal<Transcript>,
    /// Its position in `transcript.messages`.
    index: usize,
) -> impl IntoView {
    let role = transcript.with_untracked(|t| t.messages.get(index).and_then(|m| m.role));
    if role != Some(Role::Assistant) {
        let text = transcript.with_untracked(|t| {
            t.messages
                .get(index)
                .map(|m| m.content.text())
                .unwrap_or_default()
        });
        return view! {
            <article class="cs-msg cs-msg--user">
                <div class="cs-msg__author">"You"</div>
                <div class="cs-msg__text" data-testid="message-user">{text}</div>
            </article>
        }
        .into_any();
    }
    let status = Memo::new(move |_| {
        transcript.with(|t| {
            t.messages
                .get(index)
                .map_or(MessageStatus::Complete, |m| m.status)
        })
    });
    let has_reasoning = Memo::new(move |_| {
        transcript.with(|t| {
            t.messages
                .get(index)
                .is_some_and(|m| !m.reasoning.is_empty())
        })
    });
    let refusal = Memo::new(move |_| {
        transcript.with(|t| {
            t.messages
                .get(index)
                .map(|m| m.refusal.clone())
                .unwrap_or_default()
        })
    });
    let class = move || match status.get() {
        MessageStatus::Complete => "cs-msg cs-msg--assistant",
        MessageStatus::Stopped => "cs-msg cs-msg--assistant cs-msg--stopped",
        MessageStatus::Failed => "cs-msg cs-msg--assistant cs-msg--failed",
    };
    view! {
        <article class=class>
            <div class="cs-msg__author">"Assistant"</div>
            <Show when=move || has_reasoning.get()>
                <details class="cs-msg__reasoning">
                    <summary>"Thinking"</summary>
                    <div class="cs-msg__text">
                        <BlockTextView transcript=transcript index=index part=|m| &m.reasoning />
                    </div>
                </details>
            </Show>
            <div class="cs-msg__text" data-testid="message-assistant">
                <BlockTextView transcript=transcript index=index part=|m| &m.content />
            </div>
            <Show when=move || refusal.with(|r| !r.is_empty())>
                <div class="cs-msg__refusal" data-testid="refusal">
                    <strong>"Refusal: "</strong>
                    {move || refusal.get()}
                </div>
            </Show>
        </article>
    }
    .into_any()
}

/// A growing text: frozen blocks rendered once, the live tail re-rendered.
#[component]
fn BlockTextView(
    /// The conversation.
    transcript: RwSignal<Transcript>,
    /// Index of the message.
    index: usize,
    /// Which text of the message to show.
    part: fn(&Message) -> &BlockText,
) -> impl IntoView {
    fn blocks(t: &Transcript, index: usize, part: fn(&Message) -> &BlockText) -> Option<&[String]> {
        t.messages.get(index).map(|m| part(m).blocks())
    }
    let frozen = Memo::new(move |_| {
        transcript.with(|t| blocks(t, index, part).map_or(0, |b| b.len().saturating_sub(1)))
    });
    let block = move |i: usize| {
        transcript.with_untracked(|t| {
            blocks(t, index, part)
                .and_then(|b| b.get(i).cloned())
                .unwrap_or_default()
        })
    };
    let tail = move || {
        transcript.with(|t| {
            blocks(t, index, part)
                .and_then(|b| b.last().cloned())
                .unwrap_or_default()
        })
    };
    view! {
        <For each=move || 0..frozen.get() key=|i| *i children=move |i| view! { <span>{block(i)}</span> } />
        <span>{tail}</span>
    }
}
