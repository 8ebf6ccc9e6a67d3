//! The chat's frame, shared by the full component and the embed: the conversation (filling the
//! height), the live figures of the turn next to it, a one-line status, and the composer pinned
//! at the bottom, with slots for a header, a navigation column, other panes and drawers.

use leptos::{ev::KeyboardEvent, prelude::*};

use super::{
    composer::Composer,
    messages::MessageList,
    notices::TurnNotices,
    theme::Theme,
    undo::{UndoBar, UndoSlot},
    use_chat_stream::UseChatStreamReturn,
};
use crate::{settings::validate::Problem, transcript::TurnState};

/// The frame: `data-testid="chat"` with the turn's state and the theme as attributes, Esc to
/// stop from anywhere inside, a polite live region for state changes, the conversation, the
/// figures, the status line and the composer, and the given slots.
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
    /// What Clear does (start a new conversation). `None`: the conversation is emptied, with
    /// an undo.
    #[prop(optional)]
    on_clear: Option<Callback<()>>,
    /// Where Clear and Delete offer their way back.
    #[prop(optional)]
    undo: Option<UndoSlot>,
    /// Above everything (the app's header).
    #[prop(optional)]
    header: Option<AnyView>,
    /// Left of the conversation (the app's history).
    #[prop(optional)]
    nav: Option<AnyView>,
    /// Next to the conversation: the live figures.
    side: AnyView,
    /// Other panes next to the chat's (compare, the lab), and drawers.
    #[prop(optional)]
    after: Option<AnyView>,
    /// Which pane is shown (`"chat"` unless another pane is chosen).
    #[prop(optional, into)]
    pane: Option<Signal<&'static str>>,
    /// Settings that cannot be sent: Send refuses and says why.
    #[prop(optional, into)]
    problems: Option<Signal<Vec<Problem>>>,
    /// Opens the settings (offered next to a settings problem).
    #[prop(optional)]
    on_open_settings: Option<Callback<()>>,
) -> impl IntoView {
    let state = chat.status;
    let undo = undo.unwrap_or_default();
    let on_clear = on_clear.unwrap_or_else(|| {
        Callback::new(move |()| {
            let before = chat.read(Clone::clone);
            if before.messages.is_empty() {
                return;
            }
            chat.reset();
            undo.offer("Conversation cleared.", move || chat.load(before.clone()));
        })
    });
    let pane = pane.unwrap_or_else(|| Signal::stored("chat"));
    let problems = problems.unwrap_or_else(|| Signal::stored(Vec::new()));
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
            class=if compact { "cs-chat cs-chat--compact" } else { "cs-chat cs-chat--app" }
            data-testid="chat"
            data-state=move || state.get().as_str()
            data-theme=move || theme.get().as_str()
            data-pane=move || pane.get()
            on:keydown=move |ev: KeyboardEvent| {
                if ev.key() == "Escape" && state.get_untracked().is_busy() {
                    ev.prevent_default();
                    chat.stop();
                }
            }
        >
            {header}
            <p class="cs-visually-hidden" role="status" aria-live="polite">{announcement}</p>
            <div class="cs-body">
                {nav}
                <main class="cs-main" hidden=move || pane.get() != "chat">
                    <MessageList chat=chat />
                    {side}
                    <div class="cs-status">
                        <TurnNotices chat=chat />
                    </div>
                    <Composer
                        chat=chat
                        prompt=prompt
                        placeholder=placeholder
                        on_clear=on_clear
                        problems=problems
                        on_open_settings=on_open_settings
                    />
                </main>
                {after}
            </div>
            <UndoBar undo=undo />
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
