//! The Leptos front end. Components only wire signals; the logic lives in the pure modules.

mod clipboard;
mod compare;
mod history_panel;
mod hook;
mod markdown;
mod messages;
mod scroll;
mod settings_panel;
mod stats;
mod storage;

use std::time::Duration;

use leptos::{ev::KeyboardEvent, leptos_dom::helpers::IntervalHandle, prelude::*};

pub use compare::Compare;
pub use history_panel::{use_history, HistoryPanel, UseHistoryReturn};
pub use hook::{use_chat_stream, UseChatStreamReturn};
pub use messages::MessageList;
pub use settings_panel::SettingsPanel;
pub use stats::{ChunkLog, Sparkline, TurnStats};

use crate::{history, settings::Settings};
use storage::WebStorage;

/// The page app: saved settings, then the page URL (`?endpoint=…&model=…&stream=…`) on top;
/// conversations and settings persist in `localStorage`.
#[component]
pub fn App() -> impl IntoView {
    let mut settings = history::load_settings(&WebStorage::local())
        .ok()
        .flatten()
        .unwrap_or_default();
    if let Some(search) = web_sys::window().and_then(|w| w.location().search().ok()) {
        settings.apply_query(&search);
    }
    view! { <ChatStream settings=settings persist=true /> }
}

/// Colour theme: follow the system, or force one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Theme {
    /// `prefers-color-scheme`.
    Auto,
    /// Light.
    Light,
    /// Dark.
    Dark,
}

impl Theme {
    const KEY: &'static str = "chat-stream.v1.theme";

    fn as_str(self) -> &'static str {
        match self {
            Theme::Auto => "auto",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "light" => Theme::Light,
            "dark" => Theme::Dark,
            _ => Theme::Auto,
        }
    }

    fn next(self) -> Self {
        match self {
            Theme::Auto => Theme::Light,
            Theme::Light => Theme::Dark,
            Theme::Dark => Theme::Auto,
        }
    }
}

/// The streaming chat: settings, conversation, composer, and the latency figures of the turn.
#[component]
pub fn ChatStream(
    /// Initial settings (endpoint, model, sampling, streaming).
    settings: Settings,
    /// Keep conversations, settings, the theme (and the key, if the user opts in) in web
    /// storage, and restore them. Off for embedded and test instances.
    #[prop(optional)]
    persist: bool,
) -> impl IntoView {
    use history::KeyValue;
    let (prompt, set_prompt) = signal(settings.prompt.clone());
    let settings = RwSignal::new(settings);
    let (saved_key, remembered) = if persist {
        history::load_key(&WebStorage::local())
    } else {
        (String::new(), false)
    };
    let (api_key, set_api_key) = signal(saved_key);
    let (remember_key, set_remember_key) = signal(remembered);
    let chat = use_chat_stream(settings.into(), api_key.into());
    let state = chat.state;
    let history = persist.then(|| use_history(chat));
    let theme = RwSignal::new(if persist {
        WebStorage::local()
            .get(Theme::KEY)
            .ok()
            .flatten()
            .map_or(Theme::Auto, |t| Theme::parse(&t))
    } else {
        Theme::Auto
    });
    if persist {
        Effect::new(move |_| {
            let s = settings.get();
            let _ = history::save_settings(&mut WebStorage::local(), &s);
        });
        Effect::new(move |_| {
            let (key, remember) = (api_key.get(), remember_key.get());
            let _ = history::save_key(&mut WebStorage::local(), &key, remember);
        });
        Effect::new(move |_| {
            let t = theme.get();
            let _ = WebStorage::local().set(Theme::KEY, t.as_str());
            // The page background follows the theme too.
            if let Some(root) = document().document_element() {
                let _ = root.set_attribute("data-theme", t.as_str());
            }
        });
    }

    let prompt_box = NodeRef::<leptos::html::Textarea>::new();
    let send = move || {
        let text = prompt.get_untracked();
        if !text.trim().is_empty() && !state.get_untracked().is_busy() {
            set_prompt.set(String::new());
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

    let clear = move || match history {
        Some(h) => h.clear(),
        None => chat.reset(),
    };
    // A live region that says what happened, once per state change (the answer itself is read
    // from the conversation log).
    let announcement = move || match state.get() {
        crate::transcript::TurnState::Waiting => "Sent. Waiting for the answer.",
        crate::transcript::TurnState::Streaming => "The answer is streaming.",
        crate::transcript::TurnState::Done => "The answer is complete.",
        crate::transcript::TurnState::Stopped => "Stopped. The partial answer is kept.",
        crate::transcript::TurnState::Error => "The answer failed.",
        crate::transcript::TurnState::Idle => "",
    };
    view! {
        <div
            class="cs-chat"
            data-testid="chat"
            data-state=move || state.get().as_str()
            data-theme=move || theme.get().as_str()
            on:keydown=move |ev: KeyboardEvent| {
                if ev.key() == "Escape" && state.get_untracked().is_busy() {
                    ev.prevent_default();
                    chat.stop();
                }
            }
        >
            <header class="cs-header">
                <div>
                    <h1 class="cs-title">"chat-stream"</h1>
                    <p class="cs-subtitle">"Streaming chat completions, with the latency story."</p>
                </div>
                <div class="cs-header__tools">
                    <button
                        type="button"
                        class="cs-button cs-button--small"
                        data-testid="theme-toggle"
                        aria-label=move || format!("Colour theme: {} (change)", theme.get().as_str())
                        on:click=move |_| theme.update(|t| *t = t.next())
                    >
                        {move || match theme.get() {
                            Theme::Auto => "Theme: auto",
                            Theme::Light => "Theme: light",
                            Theme::Dark => "Theme: dark",
                        }}
                    </button>
                </div>
            </header>
            <p class="cs-visually-hidden" role="status" aria-live="polite">{announcement}</p>
            <main class="cs-main">
                <MessageList chat=chat />
                <TurnNotices transcript=chat.transcript />
                <form
                    class="cs-composer"
                    on:submit=move |ev| {
                        ev.prevent_default();
                        send();
                    }
                >
                    <label class="cs-visually-hidden" for="cs-prompt">"Prompt"</label>
                    <textarea
                        id="cs-prompt"
                        class="cs-composer__input"
                        data-testid="prompt"
                        node_ref=prompt_box
                        rows="3"
                        placeholder="Ask something… (Enter sends, Shift+Enter for a new line, Esc stops)"
                        prop:value=move || prompt.get()
                        on:input=move |ev| set_prompt.set(event_target_value(&ev))
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
                            on:click=move |_| clear()
                        >
                            "Clear"
                        </button>
                    </div>
                </form>
            </main>
            <aside class="cs-side">
                <SettingsPanel
                    settings=settings
                    api_key=api_key
                    set_api_key=set_api_key
                    remember_key=remember_key
                    set_remember_key=set_remember_key
                    can_remember=persist
                />
                {history.map(|h| view! { <HistoryPanel history=h /> })}
                <TurnStats transcript=chat.transcript />
                <ChunkLog transcript=chat.transcript />
            </aside>
            <Compare settings=settings api_key=api_key prompt=prompt />
        </div>
    }
}

/// The latest turn's error, warnings, and the stopped / waiting notes.
#[component]
fn TurnNotices(
    /// The conversation to report on.
    transcript: RwSignal<crate::transcript::Transcript>,
) -> impl IntoView {
    use crate::transcript::TurnState;
    let error = Memo::new(move |_| {
        transcript.with(|t| {
            t.turn
                .as_ref()
                .and_then(|turn| turn.error.as_ref().map(|e| e.to_string()))
        })
    });
    let warning = Memo::new(move |_| {
        transcript.with(|t| {
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
        transcript.with(|t| {
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
    let stopped = Memo::new(move |_| transcript.with(|t| t.state() == TurnState::Stopped));
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
                    let elapsed = move || format!("{:.1}", (clock.get() - sent_at).max(0.0) / 1000.0);
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
