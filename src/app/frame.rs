//! The chat's frame, shared by the full component and the embed: the conversation, the notes of
//! the latest turn and the composer, with slots for a header, a side column and what follows.

use leptos::{ev::KeyboardEvent, html, prelude::*};

use super::{
    messages::MessageList, notices::TurnNotices, theme::Theme, use_chat_stream::UseChatStreamReturn,
};
use crate::transcript::TurnState;

/// A number per component instance, for element ids that must be unique in the page.
fn next_instance() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// The frame: `data-testid="chat"` with the turn's state and the theme as attributes, Esc to
/// stop from anywhere inside, a polite live region for state changes, the conversation, the
/// notes and the composer, and the given slots.
#[component]
pub fn ChatFrame(
    /// The chat shown.
    chat: UseChatStreamReturn,
    /// The composer's text.
    prompt: RwSignal<String>,
    /// The prompt box's placeholder (`None`: the default hint).
    #[prop(into)]
    placeholder: Signal<Option<String>>,
    /// The colour theme.
    #[prop(into)]
    theme: Signal<Theme>,
    /// The compact layout of the embed.
    compact: bool,
    /// What Clear does (start afresh).
    on_clear: Callback<()>,
    /// Above everything (the app's header).
    #[prop(optional)]
    header: Option<AnyView>,
    /// The side column.
    side: AnyView,
    /// After the side column (the app's comparison).
    #[prop(optional)]
    after: Option<AnyView>,
) -> impl IntoView {
    let state = chat.status;
    // A live region that says what happened, once per state change (the answer itself is read
    // from the conversation log).
    let announcement = move || match state.get() {
        TurnState::Waiting => "Sent. Waiting for the answer.",
        TurnState::Streaming => "The answer is streaming.",
        TurnState::Done => "The answer is complete.",
        TurnState::Stopped => "Stopped. The partial answer is kept.",
        TurnState::Error => "The answer failed.",
        TurnState::Idle => "",
    };
    view! {
        <div
            class=if compact { "cs-chat cs-chat--compact" } else { "cs-chat" }
            data-testid="chat"
            data-state=move || state.get().as_str()
            data-theme=move || theme.get().as_str()
            on:keydown=move |ev: KeyboardEvent| {
                if ev.key() == "Escape" && state.get_untracked().is_busy() {
                    ev.prevent_default();
                    chat.stop();
                }
            }
        >
            {header}
            <p class="cs-visually-hidden" role="status" aria-live="polite">{announcement}</p>
            <main class="cs-main">
                <MessageList chat=chat />
                <TurnNotices chat=chat />
                <Composer chat=chat prompt=prompt placeholder=placeholder on_clear=on_clear />
            </main>
            {side}
            {after}
        </div>
    }
}

/// The prompt box with Send, Stop and Clear. Enter sends, Shift+Enter adds a line.
#[component]
pub fn Composer(
    /// The chat it sends to.
    chat: UseChatStreamReturn,
    /// The text being written.
    prompt: RwSignal<String>,
    /// The placeholder (`None`: the default hint).
    placeholder: Signal<Option<String>>,
    /// What Clear does.
    on_clear: Callback<()>,
) -> impl IntoView {
    let state = chat.status;
    let prompt_box = NodeRef::<html::Textarea>::new();
    let prompt_id = format!("cs-prompt-{}", next_instance());
    let send = move || {
        let text = prompt.get_untracked();
        if !text.trim().is_empty() && !state.get_untracked().is_busy() {
            prompt.set(String::new());
            chat.send(text);
            // Send is disabled while the answer streams: keep focus in the chat (Esc stops).
            if let Some(el) = prompt_box.get_untracked() {
                let _ = el.focus();
            }
        }
    };
    let on_keydown = move |ev: KeyboardEvent| {
        if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
            ev.prevent_default();
            send();
        }
    };
    view! {
        <form
            class="cs-composer"
            on:submit=move |ev| {
                ev.prevent_default();
                send();
            }
        >
            <label class="cs-visually-hidden" for=prompt_id.clone()>"Prompt"</label>
            <textarea
                id=prompt_id
                class="cs-composer__input"
                data-testid="prompt"
                node_ref=prompt_box
                rows="3"
                placeholder=move || {
                    placeholder
                        .get()
                        .unwrap_or_else(|| {
                            "Ask something… (Enter sends, Shift+Enter for a new line, Esc stops)"
                                .to_owned()
                        })
                }
                prop:value=move || prompt.get()
                on:input=move |ev| prompt.set(event_target_value(&ev))
                on:keydown=on_keydown
            ></textarea>
            <div class="cs-composer__actions">
                <button
                    type="submit"
                    class="cs-button cs-button--primary"
                    data-testid="send"
                    disabled=move || state.get().is_busy()
                >
                    "Send"
                </button>
                <button
                    type="button"
                    class="cs-button"
                    data-testid="stop"
                    disabled=move || !state.get().is_busy()
                    on:click=move |_| chat.stop()
                >
                    "Stop"
                </button>
                <button
                    type="button"
                    class="cs-button cs-button--quiet"
                    data-testid="clear"
                    disabled=move || state.get().is_busy()
                    on:click=move |_| on_clear.run(())
                >
                    "Clear"
                </button>
            </div>
        </form>
    }
}

/// The embed's side column: the latency figures and the chunk log, folded.
#[component]
pub fn CompactSide(
    /// The chat reported on.
    chat: UseChatStreamReturn,
) -> impl IntoView {
    use super::stats::{ChunkLog, TurnStats};
    view! {
        <aside class="cs-side">
            <details class="cs-latency" data-testid="latency">
                <summary class="cs-latency__title">"Latency"</summary>
                <TurnStats chat=chat />
                <ChunkLog chat=chat />
            </details>
        </aside>
    }
}
