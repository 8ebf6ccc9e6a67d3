//! A copy-to-clipboard button with feedback ("Copied" / "Copy failed").

use std::time::Duration;

use leptos::{prelude::*, task::spawn_local};
use wasm_bindgen_futures::JsFuture;

/// Writes `text` to the clipboard.
pub async fn copy_text(text: &str) -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let promise = window.navigator().clipboard().write_text(text);
    JsFuture::from(promise).await.is_ok()
}

/// A button that copies the text `text` returns when clicked.
#[component]
pub fn CopyButton(
    /// Produces the text to copy (read at click time).
    text: Callback<(), String>,
    /// Accessible name, e.g. "Copy answer".
    label: &'static str,
    /// The `data-testid` (default `copy`).
    #[prop(default = "copy")]
    testid: &'static str,
) -> impl IntoView {
    let (feedback, set_feedback) = signal(None::<&'static str>);
    let on_click = move |_| {
        let text = text.run(());
        spawn_local(async move {
            let ok = copy_text(&text).await;
            set_feedback.set(Some(if ok { "Copied" } else { "Copy failed" }));
            set_timeout(
                move || {
                    let _ = set_feedback.try_set(None);
                },
                Duration::from_millis(1500),
            );
        });
    };
    view! {
        <button
            type="button"
            class="cs-button cs-button--small"
            data-testid=testid
            aria-label=label
            on:click=on_click
        >
            {move || feedback.get().unwrap_or("Copy")}
        </button>
        <span class="cs-visually-hidden" role="status">{move || feedback.get()}</span>
    }
}
