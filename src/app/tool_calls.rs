//! The tool calls of an assistant message: each call's function name and its arguments, shown
//! as they stream (the raw text while the call is incomplete, pretty-printed JSON once it is
//! complete). They are only shown: nothing here, or anywhere in the crate, runs a tool.

use leptos::prelude::*;

use super::use_chat_stream::UseChatStreamReturn;

/// The message's tool calls, if it has any. Hooks: `data-testid="tool-calls"` around them,
/// `data-testid="tool-call"` per call with `data-name`, `data-id` and `data-complete`, and its
/// arguments text in `data-testid="tool-call-args"`.
#[component]
pub fn ToolCallsView(
    /// The chat the message belongs to.
    chat: UseChatStreamReturn,
    /// Index of the message.
    index: usize,
    /// The message is being written.
    live: Memo<bool>,
) -> impl IntoView {
    let calls = Memo::new(move |_| {
        chat.track_structure();
        if live.get() {
            chat.track_text();
        }
        chat.read(|t| {
            t.messages
                .get(index)
                .map(|m| m.tool_calls.clone())
                .unwrap_or_default()
        })
    });
    move || {
        let calls = calls.get();
        let live = live.get();
        let count = calls.len();
        (count > 0).then(|| {
            let items = calls
                .into_iter()
                .enumerate()
                .map(|(i, call)| {
                    // A call is complete when the message is, or when a later call started.
                    let complete = !live || i + 1 < count;
                    let arguments = call.display_arguments(complete);
                    let name = if call.name.is_empty() {
                        "(unnamed)".to_owned()
                    } else {
                        call.name.clone()
                    };
                    view! {
                        <div
                            class="cs-tool-call"
                            data-testid="tool-call"
                            data-name=call.name
                            data-id=call.id
                            data-complete=complete.to_string()
                        >
                            <div class="cs-tool-call__head">
                                "Tool call "
                                <code class="cs-tool-call__name">{name}</code>
                                <span class="cs-tool-call__note">" (shown, not run)"</span>
                            </div>
                            <pre class="cs-tool-call__args" data-testid="tool-call-args">{arguments}</pre>
                        </div>
                    }
                })
                .collect_view();
            view! {
                <div class="cs-msg__tools" data-testid="tool-calls" aria-label="Tool calls">
                    {items}
                </div>
            }
        })
    }
}
