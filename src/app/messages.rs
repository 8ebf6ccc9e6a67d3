//! The conversation view. Assistant text is rendered as blocks: finished blocks are written to the
//! DOM once, only the last block is rewritten while tokens arrive, so the cost of a token does not
//! grow with the answer and layout stays local. Model text is never parsed as HTML.

use leptos::{html, prelude::*};

use super::{
    clipboard::CopyButton,
    markdown::{BlockTextView, MarkdownView},
    use_chat_stream::UseChatStreamReturn,
    use_follow_bottom::use_follow_bottom,
};
use crate::{
    openai::Role,
    transcript::{Message, MessageStatus},
};

/// Every message of the conversation, following the bottom while the reader is there.
#[component]
pub fn MessageList(
    /// The chat whose conversation is shown.
    chat: UseChatStreamReturn,
) -> impl IntoView {
    let ids = Memo::new(move |_| {
        chat.track_structure();
        chat.read(|t| {
            t.messages
                .iter()
                .enumerate()
                .map(|(i, m)| (i, m.id))
                .collect::<Vec<_>>()
        })
    });
    let busy = Memo::new(move |_| chat.status.get().is_busy());
    let scroller = NodeRef::<html::Div>::new();
    let content = NodeRef::<html::Div>::new();
    let follow = use_follow_bottom(scroller, content);
    let following = follow.following;
    // A new turn is the reader's own action: show it.
    Effect::new(move |was_busy: Option<bool>| {
        let now_busy = busy.get();
        if now_busy && was_busy == Some(false) {
            follow.jump();
        }
        now_busy
    });
    view! {
        <div class="cs-messages-wrap">
            <div
                class="cs-messages"
                node_ref=scroller
                data-testid="messages"
                data-following=move || following.get().to_string()
                role="log"
                aria-label="Conversation"
                aria-live="polite"
                aria-relevant="additions"
                aria-busy=move || busy.get().to_string()
                tabindex="0"
                on:scroll=move |_| follow.on_scroll()
            >
                <div class="cs-messages__content" node_ref=content>
                    <Show when=move || ids.with(Vec::is_empty)>
                        <p class="cs-empty" data-testid="empty">
                            "Type a prompt below and press Enter to watch the answer stream in."
                        </p>
                    </Show>
                    <For
                        each=move || ids.get()
                        key=|(_, id)| *id
                        children=move |(index, _)| view! { <MessageView chat=chat index=index /> }
                    />
                </div>
            </div>
            <Show when=move || !following.get() && !ids.with(Vec::is_empty)>
                <button
                    type="button"
                    class="cs-button cs-jump"
                    data-testid="jump-latest"
                    on:click=move |_| follow.jump()
                >
                    "↓ Jump to latest"
                </button>
            </Show>
        </div>
    }
}

/// One message with its actions: copy; edit (user); regenerate (the last answer).
#[component]
pub fn MessageView(
    /// The chat the message belongs to.
    chat: UseChatStreamReturn,
    /// Its position in the transcript's messages.
    index: usize,
) -> impl IntoView {
    let read = move |f: fn(&Message) -> String| {
        move || {
            chat.read(|t| t.messages.get(index).map(f))
                .unwrap_or_default()
        }
    };
    let role = chat.read(|t| t.messages.get(index).map(|m| m.role));
    let busy = chat.status;
    if role != Some(Role::Assistant) {
        return user_message(chat, index, read(|m| m.content.text())).into_any();
    }
    // Per-message state: these re-run when the conversation's structure changes, and (only
    // while this message is the live one) when its text grows; other messages' tokens never
    // touch them.
    let is_live = Memo::new(move |_| {
        chat.track_structure();
        chat.read(|t| {
            t.state().is_busy() && t.turn.as_ref().is_some_and(|turn| turn.message == index)
        })
    });
    let on_message = move |f: fn(&Message) -> bool| {
        Memo::new(move |_| {
            chat.track_structure();
            if is_live.get() {
                chat.track_text();
            }
            chat.read(|t| t.messages.get(index).is_some_and(f))
        })
    };
    let status = Memo::new(move |_| {
        chat.track_structure();
        chat.read(|t| {
            t.messages
                .get(index)
                .map_or(MessageStatus::Complete, |m| m.status)
        })
    });
    let is_last = Memo::new(move |_| {
        chat.track_structure();
        chat.read(|t| t.messages.len() == index + 1)
    });
    let has_reasoning = on_message(|m| !m.reasoning.is_empty());
    let answer_empty = on_message(|m| m.content.is_empty());
    let has_refusal = on_message(|m| !m.refusal.is_empty());
    let refusal = move || {
        if is_live.get() {
            chat.track_text();
        }
        chat.read(|t| t.messages.get(index).map(|m| m.refusal.clone()))
    };
    // The latest turn's error is shown once, in the notice under the conversation; older
    // failed answers (and reopened ones) carry theirs here.
    let error = Memo::new(move |_| {
        chat.track_structure();
        chat.read(|t| {
            let noticed = t.turn.as_ref().is_some_and(|turn| turn.message == index);
            t.messages
                .get(index)
                .and_then(|m| m.error.clone())
                .filter(|_| !noticed)
        })
    });
    let class = move || match status.get() {
        MessageStatus::Complete => "cs-msg cs-msg--assistant",
        MessageStatus::Stopped => "cs-msg cs-msg--assistant cs-msg--stopped",
        MessageStatus::Failed => "cs-msg cs-msg--assistant cs-msg--failed",
    };
    let status_attr = move || match status.get() {
        MessageStatus::Complete if is_live.get() => "live",
        MessageStatus::Complete => "complete",
        MessageStatus::Stopped => "stopped",
        MessageStatus::Failed => "failed",
    };
    view! {
        <article class=class data-status=status_attr aria-label="Assistant message">
            <div class="cs-msg__author">"Assistant"</div>
            <Show when=move || has_reasoning.get()>
                <details class="cs-msg__reasoning" data-testid="thinking">
                    <summary>
                        {move || if is_live.get() && answer_empty.get() { "Thinking…" } else { "Thinking" }}
                    </summary>
                    <BlockTextView chat=chat index=index part=|m| &m.reasoning live=is_live testid="thinking-text" />
                </details>
            </Show>
            <MarkdownView chat=chat index=index live=is_live />
            <super::tool_calls::ToolCallsView chat=chat index=index live=is_live />
            <Show when=move || answer_empty.get() && has_reasoning.get() && !is_live.get()>
                <p class="cs-msg__note" data-testid="reasoning-only">
                    "The model produced reasoning but no answer text. Open “Thinking” above to read it."
                </p>
            </Show>
            <Show when=move || has_refusal.get()>
                <div class="cs-msg__refusal" data-testid="refusal">
                    <strong>"Refusal: "</strong>
                    {refusal}
                </div>
            </Show>
            <Show when=move || status.get() == MessageStatus::Stopped>
                <p class="cs-msg__note">"Stopped: partial answer."</p>
            </Show>
            {move || {
                error
                    .get()
                    .map(|e| {
                        view! {
                            <p class="cs-msg__note cs-msg__note--error" data-testid="message-error">
                                {e}
                            </p>
                        }
                    })
            }}
            <Show when=move || !is_live.get()>
                <div class="cs-msg__actions">
                    <CopyButton text=Callback::new(move |_| read(|m| m.content.text())()) label="Copy answer" />
                    <Show when=move || is_last.get()>
                        <button
                            type="button"
                            class="cs-button cs-button--small"
                            data-testid="regenerate"
                            disabled=move || busy.get().is_busy()
                            on:click=move |_| chat.regenerate()
                        >
                            "Regenerate"
                        </button>
                    </Show>
                </div>
            </Show>
        </article>
    }
    .into_any()
}

/// A user message: its text, or an editor that resends from here.
fn user_message(
    chat: UseChatStreamReturn,
    index: usize,
    text: impl Fn() -> String + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let (editing, set_editing) = signal(false);
    let (draft, set_draft) = signal(String::new());
    let editor = NodeRef::<html::Textarea>::new();
    let busy = chat.status;
    let save = move || {
        let new_text = draft.get_untracked();
        if !new_text.trim().is_empty() && !busy.get_untracked().is_busy() {
            set_editing.set(false);
            chat.edit(index, new_text);
        }
    };
    Effect::new(move |_| {
        if editing.get() {
            if let Some(el) = editor.get() {
                let _ = el.focus();
            }
        }
    });
    view! {
        <article class="cs-msg cs-msg--user" aria-label="Your message">
            <div class="cs-msg__author">"You"</div>
            <Show
                when=move || editing.get()
                fallback=move || {
                    view! {
                        <div class="cs-msg__text cs-msg__text--plain" data-testid="message-user">{text()}</div>
                        <div class="cs-msg__actions">
                            <CopyButton text=Callback::new(move |_| text()) label="Copy message" />
                            <button
                                type="button"
                                class="cs-button cs-button--small"
                                data-testid="edit"
                                disabled=move || busy.get().is_busy()
                                on:click=move |_| {
                                    set_draft.set(text());
                                    set_editing.set(true);
                                }
                            >
                                "Edit"
                            </button>
                        </div>
                    }
                }
            >
                <form
                    class="cs-msg__edit"
                    on:submit=move |ev| {
                        ev.prevent_default();
                        save();
                    }
                >
                    <label class="cs-visually-hidden" for=format!("cs-edit-{index}")>"Edit your message"</label>
                    <textarea
                        id=format!("cs-edit-{index}")
                        class="cs-composer__input"
                        data-testid="edit-input"
                        rows="3"
                        node_ref=editor
                        prop:value=move || draft.get()
                        on:input=move |ev| set_draft.set(event_target_value(&ev))
                        on:keydown=move |ev| {
                            if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
                                ev.prevent_default();
                                save();
                            } else if ev.key() == "Escape" {
                                ev.stop_propagation();
                                set_editing.set(false);
                            }
                        }
                    ></textarea>
                    <div class="cs-msg__actions">
                        <button type="submit" class="cs-button cs-button--primary cs-button--small" data-testid="edit-save"
                            disabled=move || busy.get().is_busy()>
                            "Send from here"
                        </button>
                        <button type="button" class="cs-button cs-button--small" data-testid="edit-cancel"
                            on:click=move |_| set_editing.set(false)>
                            "Cancel"
                        </button>
                    </div>
                </form>
            </Show>
        </article>
    }
}
