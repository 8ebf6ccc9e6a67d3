//! The Leptos front end. Components only wire signals; the logic lives in the pure modules.

mod clipboard;
mod compare;
mod composer;
mod frame;
mod history_panel;
mod lab;
mod markdown;
mod messages;
mod notices;
mod request;
mod settings_panel;
mod stats;
mod storage;
mod theme;
mod tool_calls;
mod undo;
mod use_chat_stream;
mod use_clock;
mod use_follow_bottom;
mod use_history;

use leptos::prelude::*;

pub use composer::Composer;
pub use frame::{ChatFrame, CompactSide};
pub use notices::TurnNotices;
pub use theme::{Theme, ThemeToggle};

pub use compare::Compare;
pub use history_panel::HistoryPanel;
pub use lab::{Lab, LabQuery};
pub use messages::MessageList;
pub use settings_panel::SettingsPanel;
pub use stats::{ChunkLog, Sparkline, TurnStats};
pub use use_chat_stream::{
    use_chat_stream, use_chat_stream_with_options, UseChatStreamOptions, UseChatStreamReturn,
};
pub use use_history::{use_history, HistoryNotice, UseHistoryReturn};

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
        provide_context(LabQuery(crate::lab::runs_from_query(&search)));
    }
    view! { <ChatStream settings=settings persist=true /> }
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
    let prompt = if compact {
        String::new()
    } else {
        initial.prompt.clone()
    };
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
    let prompt = RwSignal::new(prompt);
    let undo = undo::UndoSlot::new();
    // With a history, Clear starts a new conversation and the open one stays saved (Undo
    // reopens it); without, the conversation is emptied with an Undo (the frame's default).
    let clear = history.map(|h| {
        Callback::new(move |()| {
            if chat.read(|t| t.messages.is_empty()) {
                return;
            }
            if let Some(previous) = h.clear() {
                undo.offer(
                    "New chat started; the previous one is in Conversations.",
                    move || h.open(&previous),
                );
            }
        })
    });
    let placeholder = Signal::derive(move || placeholder.get());
    if compact {
        return view! {
            <ChatFrame
                chat=chat
                prompt=prompt
                placeholder=placeholder
                theme=theme
                compact=true
                undo=undo
                side=view! { <CompactSide chat=chat /> }.into_any()
            />
        }
        .into_any();
    }
    // `?runs=N` opens the latency lab with N prefilled.
    let lab_runs = use_context::<LabQuery>().and_then(|q| q.0);
    let pane = RwSignal::new(if lab_runs.is_some() {
        Pane::Lab
    } else {
        Pane::Chat
    });
    // The lab is built the first time it is shown, then kept (with its runs) while hidden.
    let lab_opened = Memo::new(move |was: Option<&bool>| {
        was.copied().unwrap_or(false) || pane.get() == Pane::Lab
    });
    let drawer = RwSignal::new(Drawer::Closed);
    let problems = RwSignal::new(Vec::new());
    let header =
        view! { <AppHeader pane=pane drawer=drawer theme=theme has_history=history.is_some() /> };
    let nav = history.map(|h| {
        view! {
            <aside class="cs-nav" data-open=move || (drawer.get() == Drawer::History).to_string()
                aria-label="Conversations">
                <button type="button" class="cs-button cs-button--small cs-button--quiet cs-drawer__close"
                    data-testid="history-close" aria-label="Close the conversations"
                    on:click=move |_| drawer.set(Drawer::Closed)>
                    "×"
                </button>
                <HistoryPanel history=h undo=undo />
            </aside>
        }
    });
    let side = view! {
        <aside class="cs-side" aria-label="Latency of the latest turn">
            <TurnStats chat=chat />
            <ChunkLog chat=chat />
        </aside>
    };
    let after = view! {
        <section class="cs-pane" data-testid="compare-pane" hidden=move || pane.get() != Pane::Compare>
            <Compare settings=settings api_key=api_key prompt=prompt />
        </section>
        <section class="cs-pane" data-testid="lab-pane" hidden=move || pane.get() != Pane::Lab>
            <Show when=move || lab_opened.get()>
                <Lab settings=settings api_key=api_key prompt=prompt runs=lab_runs.unwrap_or(lab::DEFAULT_RUNS) />
            </Show>
        </section>
        <SettingsDrawer drawer=drawer>
            <SettingsPanel
                settings=settings
                api_key=api_key
                set_api_key=set_api_key
                remember_key=remember_key
                set_remember_key=set_remember_key
                can_remember=persist
                problems=problems
            />
        </SettingsDrawer>
    };
    view! {
        <ChatFrame
            chat=chat
            prompt=prompt
            placeholder=placeholder
            theme=theme
            compact=false
            on_clear=clear.unwrap_or_else(|| Callback::new(move |()| chat.reset()))
            undo=undo
            header=header.into_any()
            nav=nav.map(IntoAny::into_any).unwrap_or_else(|| ().into_any())
            no_nav=history.is_none()
            side=side.into_any()
            after=after.into_any()
            pane=Signal::derive(move || pane.get().as_str())
            problems=problems
            on_open_settings=Callback::new(move |()| drawer.set(Drawer::Settings))
        />
    }
    .into_any()
}

/// The app's panes: the chat, or a view that runs the current settings another way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    /// The conversation.
    Chat,
    /// Streaming compared with not streaming.
    Compare,
    /// The latency lab: repeated runs against one or more targets.
    Lab,
}

impl Pane {
    /// The name in `data-pane`.
    pub fn as_str(self) -> &'static str {
        match self {
            Pane::Chat => "chat",
            Pane::Compare => "compare",
            Pane::Lab => "lab",
        }
    }
}

/// Which drawer is open (the history drawer only on narrow screens: wide ones show it as a
/// sidebar).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Drawer {
    /// None.
    Closed,
    /// The settings.
    Settings,
    /// The conversations.
    History,
}

/// The app's header: the title, the pane tabs, and the buttons that open the drawers.
#[component]
fn AppHeader(
    /// The pane shown.
    pane: RwSignal<Pane>,
    /// The drawer open.
    drawer: RwSignal<Drawer>,
    /// The colour theme.
    theme: RwSignal<Theme>,
    /// Offer the history button.
    has_history: bool,
) -> impl IntoView {
    let tab = move |p: Pane, testid: &'static str, label: &'static str| {
        view! {
            <button type="button" role="tab" class="cs-tab" data-testid=testid
                aria-selected=move || (pane.get() == p).to_string()
                on:click=move |_| {
                    pane.set(p);
                    if drawer.get_untracked() == Drawer::History {
                        drawer.set(Drawer::Closed);
                    }
                }>
                {label}
            </button>
        }
    };
    view! {
        <header class="cs-header">
            {has_history.then(|| view! {
                <button type="button" class="cs-button cs-button--quiet cs-header__history" data-testid="history-open"
                    aria-label="Conversations" title="Conversations"
                    aria-expanded=move || (drawer.get() == Drawer::History).to_string()
                    on:click=move |_| {
                        drawer.set(Drawer::History);
                        pane.set(Pane::Chat);
                    }>
                    "☰"
                </button>
            })}
            <h1 class="cs-title">"chat-stream"</h1>
            <nav class="cs-tabs" role="tablist" aria-label="Views">
                {tab(Pane::Chat, "chat-open", "Chat")}
                {tab(Pane::Compare, "compare-open", "Compare")}
                {tab(Pane::Lab, "lab-open", "Runs")}
            </nav>
            <div class="cs-header__tools">
                <ThemeToggle theme=theme />
                <button type="button" class="cs-button" data-testid="settings-open"
                    aria-expanded=move || (drawer.get() == Drawer::Settings).to_string()
                    on:click=move |_| drawer.set(Drawer::Settings)>
                    "Settings"
                </button>
            </div>
        </header>
    }
}

/// The settings drawer: beside the chat (which stays usable), closed with its button or Esc;
/// focus goes in when it opens and back to the Settings button when it closes.
#[component]
fn SettingsDrawer(
    /// The drawer open.
    drawer: RwSignal<Drawer>,
    /// The settings form.
    children: Children,
) -> impl IntoView {
    let panel = NodeRef::<leptos::html::Aside>::new();
    let open = move || drawer.get() == Drawer::Settings;
    Effect::new(move |was: Option<bool>| {
        let now = drawer.get() == Drawer::Settings;
        if was.is_some_and(|w| w != now) {
            request_animation_frame(move || {
                let target = if now {
                    panel
                        .try_get_untracked()
                        .flatten()
                        .and_then(|p| p.query_selector("select, input").ok().flatten())
                } else {
                    document()
                        .query_selector("[data-testid=\"settings-open\"]")
                        .ok()
                        .flatten()
                };
                if let Some(el) = target
                    .and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e).ok())
                {
                    let _ = el.focus();
                }
            });
        }
        now
    });
    view! {
        <aside class="cs-drawer" data-testid="settings-drawer" node_ref=panel hidden=move || !open()
            aria-label="Settings"
            on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                if ev.key() == "Escape" {
                    ev.stop_propagation();
                    drawer.set(Drawer::Closed);
                }
            }>
            <div class="cs-drawer__head">
                <h2 class="cs-drawer__title">"Settings"</h2>
                <button type="button" class="cs-button cs-button--small cs-button--quiet" data-testid="settings-close"
                    aria-label="Close the settings" on:click=move |_| drawer.set(Drawer::Closed)>
                    "×"
                </button>
            </div>
            {children()}
        </aside>
    }
}
