//! The composer: the prompt box with Send, Stop and Clear.

use leptos::{ev::KeyboardEvent, html, prelude::*};

use super::use_chat_stream::UseChatStreamReturn;

/// A number per component instance, for element ids that must be unique in the page.
fn next_instance() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
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
