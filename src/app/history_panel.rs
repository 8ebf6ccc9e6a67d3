//! The history panel: the saved conversations of [`use_history`], with new / export / import,
//! and each one's open, rename and delete.

use leptos::{html, prelude::*};

use super::{
    undo::UndoSlot,
    use_history::{HistoryNotice, UseHistoryReturn},
};
use crate::history::Summary;

/// The saved conversations, with new / export / import.
#[component]
pub fn HistoryPanel(
    /// The history to show.
    history: UseHistoryReturn,
    /// Where Delete offers its undo.
    #[prop(optional)]
    undo: Option<UndoSlot>,
) -> impl IntoView {
    let busy = history.chat.status;
    let undo = undo.unwrap_or_default();
    view! {
        <section class="cs-history" data-testid="history" aria-label="Conversations">
            <h2 class="cs-history__title">"Conversations"</h2>
            <div class="cs-history__tools">
                <button type="button" class="cs-button cs-button--small" data-testid="new-chat"
                    disabled=move || busy.get().is_busy()
                    on:click=move |_| history.new_chat()>
                    "New chat"
                </button>
                <button type="button" class="cs-button cs-button--small" data-testid="export"
                    on:click=move |_| history.export()>
                    "Export"
                </button>
                <label class="cs-button cs-button--small cs-file">
                    "Import"
                    <input type="file" accept="application/json,.json" data-testid="import"
                        on:change=move |ev| history.import_file(&event_target(&ev))
                    />
                </label>
            </div>
            {move || {
                let (is_error, text) = match history.status.get() {
                    HistoryNotice::Quiet => return None,
                    HistoryNotice::Info(text) => (false, text),
                    HistoryNotice::Error(text) => (true, text),
                };
                Some(view! {
                    <p
                        class="cs-history__status"
                        class:cs-notice--error=is_error
                        data-testid=if is_error { "storage-error" } else { "history-status" }
                        role=if is_error { "alert" } else { "status" }
                    >
                        {text}
                    </p>
                })
            }}
            <ul class="cs-history__list">
                <For
                    each=move || history.summaries.get()
                    key=|s| (s.id.clone(), s.title.clone(), s.updated_at.to_bits())
                    children=move |summary| view! { <ConversationItem history=history summary=summary undo=undo /> }
                />
            </ul>
        </section>
    }
}

/// One saved conversation: open it, rename it in place, delete it.
#[component]
fn ConversationItem(
    /// The history it belongs to.
    history: UseHistoryReturn,
    /// Its id, title and time.
    summary: Summary,
    /// Where Delete offers its undo.
    undo: UndoSlot,
) -> impl IntoView {
    let id = StoredValue::new(summary.id.clone());
    let title = StoredValue::new(summary.title.clone());
    let (renaming, set_renaming) = signal(false);
    let (draft, set_draft) = signal(String::new());
    let active = move || {
        history
            .current
            .with(|c| id.with_value(|id| c.as_deref() == Some(id)))
    };
    let busy = history.chat.status;
    let input_id = format!("cs-rename-{}", summary.id);
    let rename_input = NodeRef::<html::Input>::new();
    let rename_button = NodeRef::<html::Button>::new();
    // Focus goes into the title field, and back to Rename when it closes (after the swap).
    Effect::new(move |was: Option<bool>| {
        let now = renaming.get();
        if was.is_some_and(|w| w != now) {
            request_animation_frame(move || {
                if now {
                    if let Some(el) = rename_input.try_get_untracked().flatten() {
                        let _ = el.focus();
                        el.select();
                    }
                } else if let Some(el) = rename_button.try_get_untracked().flatten() {
                    let _ = el.focus();
                }
            });
        }
        now
    });
    let delete = move |_| {
        if let Some((conversation, was_open)) = history.delete(&id.get_value()) {
            let label = format!("Deleted “{}”.", conversation.title);
            undo.offer(label, move || history.restore(&conversation, was_open));
        }
    };
    view! {
        <li class="cs-history__item" data-testid="conversation" data-id=summary.id
            data-active=move || active().to_string()>
            <Show
                when=move || renaming.get()
                fallback=move || view! {
                    <button type="button" class="cs-button cs-button--small cs-history__open"
                        data-testid="conversation-open" title=title.get_value()
                        aria-current=move || active().then_some("true")
                        on:click=move |_| history.open(&id.get_value())>
                        {title.get_value()}
                    </button>
                    <button type="button" class="cs-button cs-button--small cs-button--quiet"
                        data-testid="conversation-rename" aria-label=format!("Rename “{}”", title.get_value())
                        node_ref=rename_button
                        on:click=move |_| {
                            set_draft.set(title.get_value());
                            set_renaming.set(true);
                        }>
                        "Rename"
                    </button>
                    <button type="button" class="cs-button cs-button--small cs-button--quiet"
                        data-testid="conversation-delete" aria-label=format!("Delete “{}”", title.get_value())
                        disabled=move || busy.get().is_busy()
                        on:click=delete>
                        "Delete"
                    </button>
                }
            >
                <form class="cs-history__item" on:submit=move |e| {
                    e.prevent_default();
                    history.rename(&id.get_value(), &draft.get_untracked());
                    set_renaming.set(false);
                }>
                    <label class="cs-visually-hidden" for=input_id.clone()>"New title"</label>
                    <input id=input_id.clone() type="text" data-testid="conversation-title-input"
                        node_ref=rename_input
                        prop:value=move || draft.get()
                        on:input=move |e| set_draft.set(event_target_value(&e))
                        on:keydown=move |e| if e.key() == "Escape" {
                            e.stop_propagation();
                            set_renaming.set(false);
                        }
                    />
                    <button type="submit" class="cs-button cs-button--small" data-testid="conversation-title-save">
                        "Save"
                    </button>
                </form>
            </Show>
        </li>
    }
}
