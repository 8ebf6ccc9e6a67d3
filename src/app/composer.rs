//! The composer: the prompt box with Send (Stop in its place while a turn runs) and Clear.

use leptos::{ev::KeyboardEvent, html, prelude::*};

use super::use_chat_stream::UseChatStreamReturn;
use crate::settings::validate::Problem;

/// A number per component instance, for element ids that must be unique in the page.
fn next_instance() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// Why the last Send did nothing.
#[derive(Debug, Clone, PartialEq)]
enum Refusal {
    /// The prompt is empty.
    Empty,
    /// Settings that cannot be sent.
    Settings(Vec<Problem>),
}

/// The prompt box with Send / Stop and Clear. Enter sends, Shift+Enter adds a line, Esc (from
/// anywhere in the chat) stops.
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
    /// Settings that cannot be sent: Send refuses and says why.
    problems: Signal<Vec<Problem>>,
    /// Opens the settings (offered with a settings problem).
    on_open_settings: Option<Callback<()>>,
) -> impl IntoView {
    let state = chat.status;
    let prompt_box = NodeRef::<html::Textarea>::new();
    let prompt_id = format!("cs-prompt-{}", next_instance());
    let hint_id = format!("{prompt_id}-hint");
    let (refusal, set_refusal) = signal(None::<Refusal>);
    let focus_prompt = move || {
        if let Some(el) = prompt_box.get_untracked() {
            let _ = el.focus();
        }
    };
    let send = move || {
        if state.get_untracked().is_busy() {
            return;
        }
        let text = prompt.get_untracked();
        if text.trim().is_empty() {
            set_refusal.set(Some(Refusal::Empty));
            focus_prompt();
            return;
        }
        let mut bad = problems.get_untracked();
        bad.extend(chat.settings.with_untracked(|s| s.problems()));
        bad.dedup_by(|a, b| a.field == b.field);
        if !bad.is_empty() {
            // Nothing is sent and the prompt stays.
            set_refusal.set(Some(Refusal::Settings(bad)));
            return;
        }
        set_refusal.set(None);
        prompt.set(String::new());
        chat.send(text);
        // Stop takes Send's place: keep focus in the prompt (Esc stops).
        focus_prompt();
    };
    // A refusal is over once its cause is.
    Effect::new(move |_| {
        let has_text = prompt.with(|p| !p.trim().is_empty());
        let fixed = problems.with(Vec::is_empty);
        set_refusal.update(|r| {
            let gone = match r {
                Some(Refusal::Empty) => has_text,
                Some(Refusal::Settings(_)) => fixed,
                None => false,
            };
            if gone {
                *r = None;
            }
        });
    });
    let on_keydown = move |ev: KeyboardEvent| {
        if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
            ev.prevent_default();
            send();
        }
    };
    let busy = move || state.get().is_busy();
    let empty = move || prompt.with(|p| p.trim().is_empty());
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
                rows="2"
                aria-describedby=hint_id.clone()
                aria-invalid=move || refusal.with(|r| r.is_some()).then_some("true")
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
                <p class="cs-composer__hint" id=hint_id role="status">
                    {move || match refusal.get() {
                        None => None,
                        Some(Refusal::Empty) => Some(view! {
                            <span data-testid="prompt-empty">"Type a prompt first: there is nothing to send."</span>
                        }.into_any()),
                        Some(Refusal::Settings(list)) => Some(view! {
                            <span class="cs-composer__problem" data-testid="settings-invalid" role="alert">
                                "Not sent: " {list.iter().map(|p| p.message.clone()).collect::<Vec<_>>().join(" ")}
                                {on_open_settings.map(|open| view! {
                                    " "
                                    <button type="button" class="cs-button cs-button--small" data-testid="settings-fix"
                                        on:click=move |_| open.run(())>
                                        "Open settings"
                                    </button>
                                })}
                            </span>
                        }.into_any()),
                    }}
                </p>
                // Both stay in the page (scripts and tests may hold them); Stop shows in Send's
                // place while a turn runs. An empty prompt makes Send look disabled, and pressing
                // it says why instead of doing nothing.
                <button
                    type="submit"
                    class="cs-button cs-button--primary"
                    data-testid="send"
                    hidden=busy
                    aria-disabled=move || empty().then_some("true")
                >
                    "Send"
                </button>
                <button
                    type="button"
                    class="cs-button cs-button--stop"
                    data-testid="stop"
                    hidden=move || !busy()
                    on:click=move |_| {
                        chat.stop();
                        // The button goes away with the turn: keep focus in the chat.
                        focus_prompt();
                    }
                >
                    "Stop"
                </button>
                <button
                    type="button"
                    class="cs-button cs-button--quiet cs-composer__clear"
                    data-testid="clear"
                    title="Start a new conversation (you can undo it, and a saved one stays in the history)"
                    disabled=busy
                    on:click=move |_| on_clear.run(())
                >
                    "Clear"
                </button>
            </div>
        </form>
    }
}
