//! `use_chat_stream`: the streaming chat as a reusable hook (leptos-use style). The app's own
//! components, the embed and the compare panel are all built on it.

use std::{cell::Cell, rc::Rc};

use leptos::{prelude::*, task::spawn_local};
use web_sys::AbortController;

use super::request;
use crate::{
    error::ChatError,
    events::{self, ChatDelta, ChatDone, ChatFailure, ChatStart, Timings, TurnEnd, TurnReporter},
    openai::{ChatRequest, Role},
    settings::Settings,
    transcript::{RequestOptions, Transcript, TurnState},
    transport::{now, ChatPost},
};

/// Options of [`use_chat_stream_with_options`]: the API key and the callbacks. Build it with
/// `UseChatStreamOptions::default()` and the setters.
#[derive(Clone, Copy, Default)]
pub struct UseChatStreamOptions {
    api_key: Signal<String>,
    on_start: Option<Callback<ChatStart>>,
    on_delta: Option<Callback<ChatDelta>>,
    on_done: Option<Callback<ChatDone>>,
    on_error: Option<Callback<ChatFailure>>,
}

impl UseChatStreamOptions {
    /// The API key (read when a request starts), sent in the protocol's one key header:
    /// `Authorization: Bearer` for chat and responses, `x-api-key` for anthropic. Default: none.
    pub fn api_key(mut self, key: impl Into<Signal<String>>) -> Self {
        self.api_key = key.into();
        self
    }

    /// Called when a turn starts (send, regenerate or edit).
    pub fn on_start(mut self, f: impl Fn(ChatStart) + Send + Sync + 'static) -> Self {
        self.on_start = Some(Callback::new(f));
        self
    }

    /// Called with the new text at most once per animation frame (and at once when the turn's
    /// state changes), just before the view is redrawn. In order, the deltas add up to the answer.
    pub fn on_delta(mut self, f: impl Fn(ChatDelta) + Send + Sync + 'static) -> Self {
        self.on_delta = Some(Callback::new(f));
        self
    }

    /// Called once when the answer is complete or stopped, with the whole text and timings.
    pub fn on_done(mut self, f: impl Fn(ChatDone) + Send + Sync + 'static) -> Self {
        self.on_done = Some(Callback::new(f));
        self
    }

    /// Called once when the turn fails, with the message, HTTP status and the partial text.
    pub fn on_error(mut self, f: impl Fn(ChatFailure) + Send + Sync + 'static) -> Self {
        self.on_error = Some(Callback::new(f));
        self
    }

    /// Sets all four callbacks at once (the component's props).
    pub(crate) fn callbacks(
        mut self,
        on_start: Option<Callback<ChatStart>>,
        on_delta: Option<Callback<ChatDelta>>,
        on_done: Option<Callback<ChatDone>>,
        on_error: Option<Callback<ChatFailure>>,
    ) -> Self {
        self.on_start = on_start;
        self.on_delta = on_delta;
        self.on_done = on_done;
        self.on_error = on_error;
        self
    }

    fn has_callbacks(&self) -> bool {
        self.on_start.is_some()
            || self.on_delta.is_some()
            || self.on_done.is_some()
            || self.on_error.is_some()
    }
}

/// What [`use_chat_stream`] gives a component. `Copy`, so it can be moved into any closure.
#[derive(Clone, Copy)]
pub struct UseChatStreamReturn {
    /// The conversation and the latest turn. Redrawn at most once per animation frame while
    /// tokens arrive, and at once when the turn's state changes. Read it with `.with(..)` to
    /// avoid copies; change it only through the methods (the built-in views follow finer
    /// signals that the methods keep in step).
    pub transcript: RwSignal<Transcript>,
    /// The latest turn's state: idle, waiting, streaming, done, stopped or error.
    pub status: Memo<TurnState>,
    /// The latest turn's latency figures.
    pub timings: Memo<Option<Timings>>,
    pub(crate) settings: Signal<Settings>,
    options: UseChatStreamOptions,
    abort: StoredValue<Option<AbortController>, LocalStorage>,
    reporter: StoredValue<TurnReporter, LocalStorage>,
    redraw: Redraw,
}

/// What the built-in views subscribe to instead of the whole transcript, so a token touches
/// only what it changes.
#[derive(Clone, Copy)]
struct Redraw {
    /// Messages added or removed, a turn's state changed, a conversation loaded.
    structure: Trigger,
    /// The live message's text grew (at most once per animation frame).
    text: Trigger,
    /// The latest turn's figures changed (at most every [`FIGURES_MS`], and at every state
    /// change: the first token and the end show at once).
    figures: Trigger,
}

/// The shortest interval between two redraws of the figures while tokens arrive.
const FIGURES_MS: f64 = 250.0;

impl Redraw {
    fn all(&self) {
        self.structure.notify();
        self.text.notify();
        self.figures.notify();
    }
}

/// Streams chat completions with `settings` (read when a request starts, so a change applies to
/// the next request), with no API key and no callbacks.
///
/// The in-flight request is aborted by [`UseChatStreamReturn::stop`] and when the calling
/// component is cleaned up.
///
/// A minimal chat of your own on the streaming core:
///
/// ```no_run
/// use chat_stream::{use_chat_stream, Settings};
/// use leptos::prelude::*;
///
/// #[component]
/// fn MiniChat() -> impl IntoView {
///     let settings = Settings {
///         endpoint: "http://127.0.0.1:8081/v1".into(),
///         model: "gemma-3-270m".into(),
///         ..Settings::default()
///     };
///     let chat = use_chat_stream(settings);
///     let answer = move || {
///         chat.transcript.with(|t| t.messages.last().map(|m| m.content.text()).unwrap_or_default())
///     };
///     view! {
///         <button on:click=move |_| chat.send("Count to 5".into())>"Ask"</button>
///         <button on:click=move |_| chat.stop() disabled=move || !chat.status.get().is_busy()>
///             "Stop"
///         </button>
///         <p>{move || chat.status.get().as_str()}</p>
///         <p>{answer}</p>
///     }
/// }
///
/// fn main() {
///     leptos::mount::mount_to_body(MiniChat);
/// }
/// ```
pub fn use_chat_stream(settings: impl Into<Signal<Settings>>) -> UseChatStreamReturn {
    use_chat_stream_with_options(settings, UseChatStreamOptions::default())
}

/// [`use_chat_stream`] with an API key and callbacks.
///
/// ```no_run
/// use chat_stream::{use_chat_stream_with_options, Settings, UseChatStreamOptions};
/// use leptos::prelude::*;
///
/// #[component]
/// fn Logged() -> impl IntoView {
///     let (key, _set_key) = signal(String::new());
///     let (log, set_log) = signal(Vec::<String>::new());
///     let chat = use_chat_stream_with_options(
///         Settings::default(),
///         UseChatStreamOptions::default()
///             .api_key(key)
///             .on_delta(move |d| set_log.update(|l| l.push(d.text)))
///             .on_done(move |d| set_log.update(|l| l.push(format!("done: {:?} ms", d.timings.total_ms))))
///             .on_error(move |e| set_log.update(|l| l.push(format!("error {:?}: {}", e.status, e.message)))),
///     );
///     view! {
///         <button on:click=move |_| chat.send("Hi".into())>"Send"</button>
///         <ul>{move || log.get().into_iter().map(|line| view! { <li>{line}</li> }).collect_view()}</ul>
///     }
/// }
///
/// fn main() {
///     leptos::mount::mount_to_body(Logged);
/// }
/// ```
pub fn use_chat_stream_with_options(
    settings: impl Into<Signal<Settings>>,
    options: UseChatStreamOptions,
) -> UseChatStreamReturn {
    let transcript = RwSignal::new(Transcript::new());
    let status = Memo::new(move |_| transcript.with(|t| t.state()));
    let timings = Memo::new(move |_| transcript.with(events::timings));
    let abort = StoredValue::new_local(None::<AbortController>);
    on_cleanup(move || {
        if let Some(Some(controller)) = abort.try_update_value(Option::take) {
            controller.abort();
        }
    });
    UseChatStreamReturn {
        transcript,
        status,
        timings,
        settings: settings.into(),
        options,
        abort,
        reporter: StoredValue::new_local(TurnReporter::default()),
        redraw: Redraw {
            structure: Trigger::new(),
            text: Trigger::new(),
            figures: Trigger::new(),
        },
    }
}

impl UseChatStreamReturn {
    /// Sends `prompt` as the next user message, with the whole conversation. Ignored while a
    /// turn is running or when the prompt is blank.
    pub fn send(&self, prompt: String) {
        if prompt.trim().is_empty() {
            return;
        }
        self.start(move |t, options, at| Some(t.begin(&prompt, options, at)));
    }

    /// Answers the last user message again, replacing the last answer (complete, stopped or
    /// failed). Ignored while a turn is running.
    pub fn regenerate(&self) {
        self.start(|t, options, at| t.regenerate(options, at));
    }

    /// Asks the model to go on with the last answer (one cut off by the token limit): the
    /// answer so far is sent as the last assistant message and the new text is appended to it.
    /// Ignored while a turn is running.
    pub fn continue_answer(&self) {
        self.start(|t, options, at| t.continue_answer(options, at));
    }

    /// Replaces the user message at `index` with `text`, forgets what came after it, and sends
    /// the conversation from there. Ignored while a turn is running.
    pub fn edit(&self, index: usize, text: String) {
        self.start(move |t, options, at| t.edit_and_resend(index, &text, options, at));
    }

    /// Replaces the conversation (e.g. one reopened from history), stopping any running turn.
    pub fn load(&self, transcript: Transcript) {
        self.stop();
        self.transcript.set(transcript);
        self.redraw.all();
    }

    /// Subscribes the running effect to changes of the conversation's structure: messages
    /// added or removed, the latest turn's state, a conversation loaded.
    pub(crate) fn track_structure(&self) {
        self.redraw.structure.track();
    }

    /// Subscribes the running effect to the live message's text (once per frame at most).
    pub(crate) fn track_text(&self) {
        self.redraw.text.track();
    }

    /// Subscribes the running effect to the latest turn's figures (about 4 times a second
    /// while tokens arrive, and at once at every state change).
    pub(crate) fn track_figures(&self) {
        self.redraw.figures.track();
    }

    /// Reads the transcript without subscribing (pair it with one of the `track_` methods).
    pub(crate) fn read<R>(&self, f: impl FnOnce(&Transcript) -> R) -> R {
        self.transcript.with_untracked(f)
    }

    /// Starts a turn with `begin` (which returns the request, or `None` to do nothing) and
    /// streams the answer into the transcript.
    fn start(
        &self,
        begin: impl FnOnce(&mut Transcript, &RequestOptions, f64) -> Option<ChatRequest>,
    ) {
        if self.status.get_untracked().is_busy() {
            return;
        }
        let settings = self.settings.get_untracked();
        if !settings.problems().is_empty() {
            // Settings that cannot be sent (the composer says why): nothing is sent.
            return;
        }
        let key = self.options.api_key.get_untracked();
        let transcript = self.transcript;
        let sent_at = now();
        let Some(Some(request)) =
            transcript.try_update(|t| begin(t, &settings.request_options(), sent_at))
        else {
            return;
        };
        let this = *self;
        if self.options.has_callbacks() {
            let (reporter, prompt) = transcript.with_untracked(|t| {
                let prompt = t
                    .messages
                    .iter()
                    .rev()
                    .find(|m| m.role == Role::User)
                    .map(|m| m.content.text())
                    .unwrap_or_default();
                (TurnReporter::new(t), prompt)
            });
            self.reporter.set_value(reporter);
            if let Some(on_start) = self.options.on_start {
                on_start.try_run(ChatStart {
                    prompt,
                    endpoint: settings.endpoint.clone(),
                    model: settings.model.clone(),
                    stream: settings.stream,
                });
            }
        }
        let Ok(controller) = AbortController::new() else {
            transcript
                .update(|t| t.fail(ChatError::Setup("AbortController is missing".into()), now()));
            self.redraw.all();
            this.report();
            return;
        };
        let signal = controller.signal();
        if let Some(Some(old)) = self.abort.try_update_value(|a| a.replace(controller)) {
            old.abort();
        }
        let protocol = settings.protocol;
        let body = protocol.body(&request);
        let abort = self.abort;
        // The new messages and the waiting state show at once.
        self.redraw.all();
        spawn_local(async move {
            let url = protocol.url(&settings.endpoint);
            let post = ChatPost {
                url: &url,
                body,
                protocol,
                api_key: Some(key.as_str()),
                stream: settings.stream,
                signal: &signal,
                idle_timeout_secs: Some(settings.idle_timeout_secs),
            };
            let mut renderer = FrameRenderer::new(this);
            request::run(post, |update, t| {
                if transcript
                    .try_update_untracked(|tr| tr.on(update, t))
                    .is_some()
                {
                    renderer.after_update();
                }
            })
            .await;
            renderer.flush();
            // The turn is over: close the connection whatever ended it (an idle stream, an
            // error frame), and forget the controller if it is still ours.
            abort.try_update_value(|a| {
                if a.as_ref().is_some_and(|c| c.signal() == signal) {
                    if let Some(controller) = a.take() {
                        controller.abort();
                    }
                }
            });
        });
    }

    /// Stops the running turn: the partial answer stays, marked as stopped, and the request
    /// is aborted (the server sees the connection close).
    pub fn stop(&self) {
        if !self.status.get_untracked().is_busy() {
            return;
        }
        let t = now();
        self.transcript.update(|tr| tr.stop(t));
        self.redraw.all();
        self.report();
        if let Some(Some(controller)) = self.abort.try_update_value(Option::take) {
            controller.abort();
        }
    }

    /// Stops any running turn and forgets the conversation.
    pub fn reset(&self) {
        self.stop();
        self.transcript.update(Transcript::clear);
        self.redraw.all();
    }
}

impl UseChatStreamReturn {
    /// Tells the callbacks what changed: new text, then the ending (once per turn).
    fn report(&self) {
        let o = self.options;
        if !o.has_callbacks() {
            return;
        }
        let Some((delta, end)) = self.transcript.try_with_untracked(|t| {
            self.reporter
                .try_update_value(|r| {
                    let delta = o.on_delta.and_then(|_| r.delta(t));
                    (delta, r.ended(t))
                })
                .unwrap_or((None, None))
        }) else {
            return;
        };
        if let (Some(on_delta), Some(delta)) = (o.on_delta, delta) {
            on_delta.try_run(delta);
        }
        match end {
            Some(TurnEnd::Done(done)) => {
                o.on_done.map(|f| f.try_run(done));
            }
            Some(TurnEnd::Error(failure)) => {
                o.on_error.map(|f| f.try_run(failure));
            }
            None => {}
        }
    }
}

/// Decides when the views hear about changes: at once when the turn's state changes (so the
/// first token is painted in the very next frame), else the live text at most once per
/// animation frame and the figures at most every [`FIGURES_MS`]. The callbacks hear about new
/// text just before the view does.
struct FrameRenderer {
    chat: UseChatStreamReturn,
    shown_state: TurnState,
    frame_pending: Rc<Cell<bool>>,
    figures_at: Rc<Cell<f64>>,
}

impl FrameRenderer {
    fn new(chat: UseChatStreamReturn) -> Self {
        Self {
            chat,
            shown_state: chat.transcript.with_untracked(|t| t.state()),
            frame_pending: Rc::new(Cell::new(false)),
            figures_at: Rc::new(Cell::new(0.0)),
        }
    }

    fn after_update(&mut self) {
        let state = self.chat.transcript.with_untracked(|t| t.state());
        if state != self.shown_state {
            self.shown_state = state;
            // This redraw includes whatever a queued frame would have drawn: cancel it, so the
            // frame of the first token is written once.
            self.frame_pending.set(false);
            self.figures_at.set(now());
            // The state and the view first, then the callbacks: a `done` handler that sends the
            // next turn at once finds the chat idle.
            self.chat.transcript.notify();
            self.chat.redraw.all();
            self.chat.report();
        } else if !self.frame_pending.replace(true) {
            let pending = Rc::clone(&self.frame_pending);
            let figures_at = Rc::clone(&self.figures_at);
            let chat = self.chat;
            request_animation_frame(move || {
                if pending.replace(false) {
                    Self::frame(chat, &figures_at);
                }
            });
        }
    }

    fn frame(chat: UseChatStreamReturn, figures_at: &Cell<f64>) {
        chat.report();
        chat.transcript.notify();
        chat.redraw.text.notify();
        let t = now();
        if t - figures_at.get() >= FIGURES_MS {
            figures_at.set(t);
            chat.redraw.figures.notify();
        }
    }

    fn flush(&mut self) {
        if self.frame_pending.replace(false) {
            Self::frame(self.chat, &self.figures_at);
            self.chat.redraw.figures.notify();
        }
    }
}
