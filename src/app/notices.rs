//! The notes under the conversation about the latest turn: waiting (and for how long), stopped,
//! its error, and warnings about skipped chunks.

use std::time::Duration;

use leptos::{leptos_dom::helpers::IntervalHandle, prelude::*};

use super::use_chat_stream::UseChatStreamReturn;

/// The latest turn's error, warnings, and the stopped / waiting notes.
#[component]
pub fn TurnNotices(
    /// The chat to report on.
    chat: UseChatStreamReturn,
) -> impl IntoView {
    use crate::transcript::TurnState;
    let error = Memo::new(move |_| {
        chat.track_structure();
        chat.read(|t| {
            t.turn
                .as_ref()
                .and_then(|turn| turn.error.as_ref().map(|e| e.to_string()))
        })
    });
    // Warnings (skipped chunks) may come at any time: they show with the figures.
    let warning = Memo::new(move |_| {
        chat.track_figures();
        chat.read(|t| {
            t.turn.as_ref().and_then(|turn| {
                let first = turn.warnings.first()?;
                Some(if turn.warning_count > 1 {
                    format!("{first} (and {} more)", turn.warning_count - 1)
                } else {
                    first.clone()
                })
            })
        })
    });
    // (keep-alive comments so far, when the request was sent) while no token has arrived.
    let waiting = Memo::new(move |_| {
        chat.track_figures();
        chat.read(|t| {
            t.turn
                .as_ref()
                .filter(|turn| turn.state == TurnState::Waiting)
                .map(|turn| (turn.comments, turn.sent_at))
        })
    });
    // A clock that ticks only while waiting, so the note can say for how long.
    let (clock, set_clock) = signal(crate::transport::now());
    let ticker = StoredValue::new_local(None::<IntervalHandle>);
    let stop_ticker = move || {
        if let Some(Some(handle)) = ticker.try_update_value(Option::take) {
            handle.clear();
        }
    };
    Effect::new(move |_| {
        let is_waiting = waiting.with(Option::is_some);
        stop_ticker();
        if is_waiting {
            set_clock.set(crate::transport::now());
            let tick = move || set_clock.set(crate::transport::now());
            if let Ok(handle) = set_interval_with_handle(tick, Duration::from_millis(100)) {
                ticker.set_value(Some(handle));
            }
        }
    });
    on_cleanup(stop_ticker);
    let stopped = Memo::new(move |_| chat.status.get() == TurnState::Stopped);
    view! {
        {move || {
            waiting
                .get()
                .map(|(comments, sent_at)| {
                    let keep_alive = match comments {
                        0 => String::new(),
                        1 => " The server is working (1 keep-alive comment).".to_owned(),
                        n => format!(" The server is working ({n} keep-alive comments)."),
                    };
                    let elapsed = move || crate::figures::fixed((clock.get() - sent_at).max(0.0) / 1000.0, 1);
                    view! {
                        <p class="cs-notice cs-notice--waiting" role="status" data-testid="waiting">
                            "Waiting for the first token…"
                            // The ticking figure is not announced: a live region would read it every tick.
                            <span aria-hidden="true">" " {elapsed} " s."</span>
                            {keep_alive}
                        </p>
                    }
                })
        }}
        {move || {
            stopped
                .get()
                .then(|| {
                    view! {
                        <p class="cs-notice cs-notice--stopped" role="status" data-testid="stopped">
                            "Stopped. The partial answer is kept."
                        </p>
                    }
                })
        }}
        {move || {
            error
                .get()
                .map(|message| {
                    view! {
                        <p class="cs-notice cs-notice--error" role="alert" data-testid="error">
                            {message}
                        </p>
                    }
                })
        }}
        {move || {
            warning
                .get()
                .map(|message| {
                    view! {
                        <p class="cs-notice cs-notice--warning" data-testid="warning">
                            {message}
                        </p>
                    }
                })
        }}
    }
}
