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
pub use history_panel::{use_history, HistoryNotice, HistoryPanel, UseHistoryReturn};
pub use hook::{
    use_chat_stream, use_chat_stream_with_options, UseChatStreamOptions, UseChatStreamReturn,
};
pub use messages::MessageList;
pub use settings_panel::SettingsPanel;
pub use stats::{ChunkLog, Sparkline, TurnStats};

use crate::{
    events::{ChatDelta, ChatDone, ChatFailure, ChatStart},
    settings::{
        load_key, load_settings, load_theme, save_key, save_settings, save_theme, Settings,
    },
};
use storage::WebStorage;

/// The page app: saved settings, then the page URL (`?endpoint=…&model=…&stream=…`) on top;
/// conversations and settings persist in `localStorage`.
#[component]
pub fn App() -> impl IntoView {
    let mut settings = load_settings(&WebStorage::local())
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
    /// `auto`, `light` or `dark`.
    pub fn as_str(self) -> &'static str {
        match self {
            Theme::Auto => "auto",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }

    /// Parses `light` / `dark`; anything else is `Auto`.
    pub fn parse(s: &str) -> Self {
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

/// The streaming chat: conversation, composer, the latency figures of the turn and (unless
/// `compact`) settings, history and the streaming / non-streaming comparison.
///
/// Every prop is optional; without any, it streams from [`Settings::default`] (a local
/// llama-server). Changes to reactive props apply to the next request.
///
/// ```no_run
/// use chat_stream::{events::ChatDone, ChatStream, Settings, Theme};
/// use leptos::prelude::*;
///
/// #[component]
/// fn Support() -> impl IntoView {
///     let (last, set_last) = signal(String::new());
///     let settings = Settings {
///         system: "You answer questions about our shop.".into(),
///         max_tokens: Some(512),
///         ..Settings::default()
///     };
///     view! {
///         <ChatStream
///             settings=settings
///             endpoint="/api/llm/v1"
///             model="gpt-4o-mini"
///             placeholder="Ask about your order…"
///             theme=Theme::Light
///             compact=true
///             on_done=Callback::new(move |d: ChatDone| set_last.set(d.text))
///         />
///         <p>"Last answer: " {last}</p>
///     }
/// }
///
/// fn main() {
///     leptos::mount::mount_to_body(Support);
/// }
/// ```
#[component]
pub fn ChatStream(
    /// Endpoint, model, sampling, system prompt, streaming. A plain [`Settings`] or a signal of
    /// one (a change replaces what the settings panel edited). Default: [`Settings::default`].
    #[prop(optional, into)]
    settings: Option<Signal<Settings>>,
    /// Overrides `settings.endpoint`: base URL of an OpenAI-compatible API (`…/v1`).
    #[prop(optional, into)]
    endpoint: MaybeProp<String>,
    /// Overrides `settings.model`.
    #[prop(optional, into)]
    model: MaybeProp<String>,
    /// API key, sent only as `Authorization: Bearer`. A key in a public page is public: prefer
    /// an endpoint on your own proxy that adds it.
    #[prop(optional, into)]
    api_key: MaybeProp<String>,
    /// The prompt box's placeholder.
    #[prop(optional, into)]
    placeholder: MaybeProp<String>,
    /// Forces a colour theme (default: the theme toggle, starting at `Auto`).
    #[prop(optional, into)]
    theme: MaybeProp<Theme>,
    /// Only the conversation, the composer and a folded latency panel: no header, settings,
    /// history or comparison. For embedding.
    #[prop(optional)]
    compact: bool,
    /// Keep conversations, settings, the theme (and the key, if the user opts in) in web
    /// storage, and restore them. Off for embedded and test instances.
    #[prop(optional)]
    persist: bool,
    /// Called when a turn starts.
    #[prop(optional)]
    on_start: Option<Callback<ChatStart>>,
    /// Called with each piece of new text.
    #[prop(optional)]
    on_delta: Option<Callback<ChatDelta>>,
    /// Called once when an answer is complete or stopped.
    #[prop(optional)]
    on_done: Option<Callback<ChatDone>>,
    /// Called once when a turn fails.
    #[prop(optional)]
    on_error: Option<Callback<ChatFailure>>,
    /// Drive the view with a hook you made (to call `send` / `stop` from elsewhere). Its own
    /// settings, key and callbacks then apply, and `api_key` and the `on_*` props are ignored.
    #[prop(optional)]
    chat: Option<UseChatStreamReturn>,
) -> impl IntoView {
    let initial = settings.map(|s| s.get_untracked()).unwrap_or_default();
    let (prompt, set_prompt) = signal(if compact {
        String::new()
    } else {
        initial.prompt.clone()
    });
    let settings_in = settings;
    let settings = RwSignal::new(initial);
    // Reactive props flow into the settings the panel edits (and the next request reads).
    Effect::new(move |_| {
        let mut s = settings_in.map_or_else(|| settings.get_untracked(), |s| s.get());
        if let Some(e) = endpoint.get().filter(|e| !e.trim().is_empty()) {
            s.endpoint = e.trim().to_owned();
        }
        if let Some(m) = model.get() {
            s.model = m;
        }
        if s != settings.get_untracked() {
            settings.set(s);
        }
    });
    let (saved_key, remembered) = if persist {
        load_key(&WebStorage::local())
    } else {
        (api_key.get_untracked().unwrap_or_default(), false)
    };
    let (api_key_value, set_api_key) = signal(saved_key);
    Effect::new(move |prev: Option<()>| {
        let key = api_key.get();
        if let (Some(_), Some(key)) = (prev, key) {
            set_api_key.set(key);
        }
    });
    let api_key = api_key_value;
    let (remember_key, set_remember_key) = signal(remembered);
    let chat = chat.unwrap_or_else(|| {
        use_chat_stream_with_options(
            settings,
            UseChatStreamOptions::default()
                .api_key(api_key)
                .callbacks(on_start, on_delta, on_done, on_error),
        )
    });
    let state = chat.status;
    let history = persist.then(|| use_history(chat));
    let theme_in = theme;
    let theme = RwSignal::new(if persist {
        load_theme(&WebStorage::local()).map_or(Theme::Auto, |t| Theme::parse(&t))
    } else {
        theme_in.get_untracked().unwrap_or(Theme::Auto)
    });
    Effect::new(move |_| {
        if let Some(t) = theme_in.get() {
            theme.set(t);
        }
    });
    if persist {
        Effect::new(move |_| {
            let s = settings.get();
            let _ = save_settings(&mut WebStorage::local(), &s);
        });
        Effect::new(move |_| {
            let (key, remember) = (api_key.get(), remember_key.get());
            let _ = save_key(&mut WebStorage::local(), &key, remember);
        });
        Effect::new(move |_| {
            let t = theme.get();
            let _ = save_theme(&mut WebStorage::local(), t.as_str());
            // The page background follows the theme too.
            if let Some(root) = document().document_element() {
                let _ = root.set_attribute("data-theme", t.as_str());
            }
        });
    }
    let prompt_box = NodeRef::<leptos::html::Textarea>::new();
    let prompt_id = format!("cs-prompt-{}", next_instance());
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
            class=if compact { "cs-chat cs-chat--compact" } else { "cs-chat" }
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
            {(!compact)
                .then(|| {
                    view! {
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
                    }
                })}
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
            {if compact {
                view! {
                    <aside class="cs-side">
                        <details class="cs-latency" data-testid="latency">
                            <summary class="cs-latency__title">"Latency"</summary>
                            <TurnStats transcript=chat.transcript />
                            <ChunkLog transcript=chat.transcript />
                        </details>
                    </aside>
                }
                    .into_any()
            } else {
                view! {
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
                }
                    .into_any()
            }}
        </div>
    }
}

/// A number per component instance, for element ids that must be unique in the page.
fn next_instance() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
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
