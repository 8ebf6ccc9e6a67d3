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
    // This message is the latest turn's: its error and stop note carry the hooks the page's
    // tests and scripts read (`error`, `stopped`); older ones are plain notes.
    let is_current = Memo::new(move |_| {
        chat.track_structure();
        chat.read(|t| t.turn.as_ref().is_some_and(|turn| turn.message == index))
    });
    let error = Memo::new(move |_| {
        chat.track_structure();
        chat.read(|t| t.messages.get(index).and_then(|m| m.error.clone()))
    });
    let finish_reason = Memo::new(move |_| {
        chat.track_structure();
        chat.read(|t| t.messages.get(index).and_then(|m| m.finish_reason.clone()))
    });
    let cut_off = move || !is_live.get() && finish_reason.with(|r| r.as_deref() == Some("length"));
    // Which figures the message has (they are set once, when its turn ends): compared cheaply
    // on every structure change, and the figures themselves are read only when this changes.
    let stats_key = Memo::new(move |_| {
        chat.track_structure();
        chat.read(|t| {
            t.messages
                .get(index)
                .and_then(|m| m.stats.as_ref())
                .map(|s| {
                    let bits = |v: Option<f64>| v.map(f64::to_bits);
                    (bits(s.first_chunk_ms), bits(s.total_ms), s.chunks)
                })
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
        <article class=class data-status=status_attr aria-label="Assistant message"
            data-testid="assistant-turn" data-finish-reason=move || finish_reason.get()>
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
                <p class="cs-msg__note cs-msg__note--stopped" role="status"
                    data-testid=move || if is_current.get() { "stopped" } else { "stopped-note" }>
                    "Stopped. The partial answer is kept."
                </p>
            </Show>
            {move || {
                error
                    .get()
                    .map(|e| {
                        view! {
                            <p class="cs-msg__note cs-msg__note--error"
                                role=move || is_current.get().then_some("alert")
                                data-testid=move || if is_current.get() { "error" } else { "message-error" }>
                                {e}
                            </p>
                        }
                    })
            }}
            {move || {
                finish_reason
                    .get()
                    .filter(|r| !is_live.get() && !matches!(r.as_str(), "stop" | "length" | "tool_calls"))
                    .map(|r| {
                        let text = if r == "content_filter" {
                            "Stopped by the provider's content filter.".to_owned()
                        } else {
                            format!("Finished because: {r}.")
                        };
                        view! { <p class="cs-msg__note" data-testid="finish-note">{text}</p> }
                    })
            }}
            <Show when=cut_off>
                <p class="cs-msg__note cs-msg__note--cut" data-testid="cut-off">
                    "Cut off at max tokens."
                    <Show when=move || is_last.get()>
                        " "
                        <button type="button" class="cs-button cs-button--small" data-testid="continue"
                            title="Ask the model to go on: the answer so far is sent back as its own words"
                            disabled=move || busy.get().is_busy()
                            on:click=move |_| chat.continue_answer()>
                            "Continue"
                        </button>
                    </Show>
                </p>
            </Show>
            {move || {
                stats_key.get()?;
                let st = chat.read(|t| t.messages.get(index).and_then(|m| m.stats.clone()))?;
                Some(view! { <MessageStatsLine stats=st /> })
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

/// The compact figures line of an answer, with its chunk log on demand.
#[component]
fn MessageStatsLine(
    /// The figures.
    stats: crate::transcript::MessageStats,
) -> impl IntoView {
    use crate::figures::{fixed, seconds};
    let line = stats.line();
    let log = StoredValue::new(stats.log.clone());
    let chunks = stats.chunks;
    let (open, set_open) = signal(false);
    view! {
        <div class="cs-msg__stats" data-testid="message-stats"
            data-first-token-ms=stats.first_token_ms.map(|v| fixed(v, 1))
            data-first-chunk-ms=stats.first_chunk_ms.map(|v| fixed(v, 1))
            data-total-ms=stats.total_ms.map(|v| fixed(v, 1))
            data-chunks=chunks.to_string()
            data-tokens-per-second=stats.tokens_per_second.map(|v| fixed(v, 1))
            data-rate-source=stats.rate_label()>
            <span class="cs-msg__stats-line">{line}</span>
            <details class="cs-msg__log" data-testid="message-chunk-log"
                on:toggle=move |ev| {
                    use wasm_bindgen::JsCast;
                    let is_open = ev
                        .target()
                        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                        .is_some_and(|el| el.has_attribute("open"));
                    set_open.set(is_open);
                }>
                <summary>"chunk log"</summary>
                {move || open.get().then(|| view! {
                    <ol class="cs-log__list">
                        {log.get_value().into_iter().map(|row| view! {
                            <li class="cs-log__row">
                                <span class="cs-log__time">{"received ".to_owned() + &seconds(row.ms) + " after request: "}</span>
                                <code>{row.summary}</code>
                            </li>
                        }).collect_view()}
                    </ol>
                    {(chunks as usize > crate::transcript::MessageStats::LOG_ROWS).then(|| view! {
                        <p class="cs-hint">{format!("The first {} of {chunks} chunks.", crate::transcript::MessageStats::LOG_ROWS)}</p>
                    })}
                })}
            </details>
        </div>
    }
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
    let edit_button = NodeRef::<html::Button>::new();
    let busy = chat.status;
    let save = move || {
        let new_text = draft.get_untracked();
        if !new_text.trim().is_empty() && !busy.get_untracked().is_busy() {
            set_editing.set(false);
            chat.edit(index, new_text);
        }
    };
    // Focus goes into the editor, and back to Edit when it closes (after the swap rendered).
    Effect::new(move |was: Option<bool>| {
        let now = editing.get();
        if was.is_some_and(|w| w != now) {
            request_animation_frame(move || {
                let _ = if now {
                    editor.try_get_untracked().flatten().map(|el| el.focus())
                } else {
                    edit_button
                        .try_get_untracked()
                        .flatten()
                        .map(|el| el.focus())
                };
            });
        }
        now
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
                                node_ref=edit_button
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
