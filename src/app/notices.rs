//! The status line under the conversation about the latest turn: waiting (and for how long),
//! and warnings about skipped chunks. One line of fixed height, so it never moves the composer;
//! the turn's error and the stopped note are in the answer's bubble.

use std::time::Duration;

use leptos::prelude::*;

use super::use_chat_stream::UseChatStreamReturn;

/// The latest turn's waiting note and warnings.
#[component]
pub fn TurnNotices(
    /// The chat to report on.
    chat: UseChatStreamReturn,
) -> impl IntoView {
    use crate::transcript::TurnState;
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
                .map(|turn| (turn.comments, turn.sent_at, turn.streaming))
        })
    });
    // A clock that ticks only while waiting, so the note can say for how long.
    let clock = super::use_clock::use_clock(
        move || waiting.with(Option::is_some),
        Duration::from_millis(100),
    );
    view! {
        {move || {
            waiting
                .get()
                .map(|(comments, sent_at, streaming)| {
                    let keep_alive = match comments {
                        0 => String::new(),
                        1 => " The server is working (1 keep-alive comment).".to_owned(),
                        n => format!(" The server is working ({n} keep-alive comments)."),
                    };
                    let elapsed = move || crate::figures::fixed((clock.get() - sent_at).max(0.0) / 1000.0, 1);
                    view! {
                        <p class="cs-notice cs-notice--waiting" role="status" data-testid="waiting">
                            {if streaming {
                                "Waiting for the first token…"
                            } else {
                                "Waiting for the whole answer (not streaming)…"
                            }}
                            // The ticking figure is not announced: a live region would read it every tick.
                            <span aria-hidden="true">" " {elapsed} " s."</span>
                            {keep_alive}
                        </p>
                    }
                })
        }}
        {move || {
            warning
                .get()
                .map(|message| {
                    let title = message.clone();
                    view! {
                        <p class="cs-notice cs-notice--warning" data-testid="warning" title=title>
                            {message}
                        </p>
                    }
                })
        }}
    }
}
