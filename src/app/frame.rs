//! The chat's frame, shared by the full component and the embed: the conversation, the notes of
//! the latest turn and the composer, with slots for a header, a side column and what follows.

use leptos::{ev::KeyboardEvent, prelude::*};

use super::{
    composer::Composer, messages::MessageList, notices::TurnNotices, theme::Theme,
    use_chat_stream::UseChatStreamReturn,
};
use crate::transcript::TurnState;
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
