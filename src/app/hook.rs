//! `use_chat_stream`: the streaming chat as a reusable hook (leptos-use style). The app's own
//! components are built on it.

use std::{cell::Cell, rc::Rc};

use leptos::{prelude::*, task::spawn_local};
use web_sys::AbortController;

use crate::{
    error::ChatError,
    openai::ChatRequest,
    settings::Settings,
    transcript::{RequestOptions, Transcript, TurnState},
    transport::{now, post_chat, ChatPost, Update as Net},
};

/// What [`use_chat_stream`] gives a component. `Copy`, so it can be moved into any closure.
#[derive(Clone, Copy)]
pub struct UseChatStreamReturn {
    /// The conversation and the latest turn. Redrawn at most once per animation frame while
    /// tokens arrive, and at once when the turn's state changes.
    pub transcript: RwSignal<Transcript>,
    /// The latest turn's state.
    pub state: Memo<TurnState>,
    settings: Signal<Settings>,
    api_key: Signal<String>,
    abort: StoredValue<Option<AbortController>, LocalStorage>,
}

/// Streams chat completions with the given settings and key (read when a request starts).
///
/// The in-flight request is aborted by [`UseChatStreamReturn::stop`] and when the calling
/// component is cleaned up.
pub fn use_chat_stream(settings: Signal<Settings>, api_key: Signal<String>) -> UseChatStreamReturn {
    let transcript = RwSignal::new(Transcript::new());
    let state = Memo::new(move |_| transcript.with(|t| t.state()));
    let abort = StoredValue::new_local(None::<AbortController>);
    on_cleanup(move || {
        if let Some(Some(controller)) = abort.try_update_value(Option::take) {
            controller.abort();
        }
    });
    UseChatStreamReturn {
        transcript,
        state,
        settings,
        api_key,
        abort,
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

    /// Replaces the user message at `index` with `text`, forgets what came after it, and sends
    /// the conversation from there. Ignored while a turn is running.
    pub fn edit(&self, index: usize, text: String) {
        self.start(move |t, options, at| t.edit_and_resend(index, &text, options, at));
    }

    /// Replaces the conversation (e.g. one reopened from history), stopping any running turn.
    pub fn load(&self, transcript: Transcript) {
        self.stop();
        self.transcript.set(transcript);
    }

    /// Starts a turn with `begin` (which returns the request, or `None` to do nothing) and
    /// streams the answer into the transcript.
    fn start(
        &self,
        begin: impl FnOnce(&mut Transcript, &RequestOptions, f64) -> Option<ChatRequest>,
    ) {
        if self.state.get_untracked().is_busy() {
            return;
        }
        let settings = self.settings.get_untracked();
        let key = self.api_key.get_untracked();
        let transcript = self.transcript;
        let sent_at = now();
        let Some(Some(request)) =
            transcript.try_update(|t| begin(t, &settings.request_options(), sent_at))
        else {
            return;
        };
        let Ok(controller) = AbortController::new() else {
            transcript
                .update(|t| t.fail(ChatError::Setup("AbortController is missing".into()), now()));
            return;
        };
        let signal = controller.signal();
        if let Some(Some(old)) = self.abort.try_update_value(|a| a.replace(controller)) {
            old.abort();
        }
        let body = serde_json::to_string(&request).unwrap_or_default();
        let abort = self.abort;
        spawn_local(async move {
            let url = settings.completions_url();
            let post = ChatPost {
                url: &url,
                body,
                api_key: Some(key.as_str()),
                stream: settings.stream,
                signal: &signal,
                idle_timeout_secs: Some(settings.idle_timeout_secs),
            };
            let mut renderer = FrameRenderer::new(transcript);
            post_chat(post, |update, t| {
                let Some(()) = transcript.try_update_untracked(|tr| match update {
                    Net::Headers => tr.on_headers(t),
                    Net::Frame(frame) => tr.apply(frame, t),
                    Net::Comments(n) => tr.on_comments(n),
                    Net::ReadDone => {}
                    Net::Completion(c) => tr.apply_completion(c, t),
                    Net::End { cut_mid_event } => tr.end_of_stream(cut_mid_event, t),
                    Net::Failed(error) => tr.fail(error, t),
                }) else {
                    return;
                };
                renderer.after_update();
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
        if !self.state.get_untracked().is_busy() {
            return;
        }
        let t = now();
        self.transcript.update(|tr| tr.stop(t));
        if let Some(Some(controller)) = self.abort.try_update_value(Option::take) {
            controller.abort();
        }
    }

    /// Stops any running turn and forgets the conversation.
    pub fn reset(&self) {
        self.stop();
        self.transcript.update(Transcript::clear);
    }
}

/// Decides when the view hears about changes: at once when the turn's state changes (so the
/// first token is painted in the very next frame), else at most once per animation frame.
struct FrameRenderer {
    transcript: RwSignal<Transcript>,
    shown_state: TurnState,
    frame_pending: Rc<Cell<bool>>,
}

impl FrameRenderer {
    fn new(transcript: RwSignal<Transcript>) -> Self {
        Self {
            transcript,
            shown_state: transcript.with_untracked(|t| t.state()),
            frame_pending: Rc::new(Cell::new(false)),
        }
    }

    fn after_update(&mut self) {
        let state = self.transcript.with_untracked(|t| t.state());
        if state != self.shown_state {
            self.shown_state = state;
            self.transcript.notify();
        } else if !self.frame_pending.replace(true) {
            let pending = Rc::clone(&self.frame_pending);
            let transcript = self.transcript;
            request_animation_frame(move || {
                if pending.replace(false) {
                    transcript.notify();
                }
            });
        }
    }

    fn flush(&mut self) {
        if self.frame_pending.replace(false) {
            self.transcript.notify();
        }
    }
}
