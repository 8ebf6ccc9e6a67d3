//! What a turn tells whoever embeds the chat: the payloads of the `on_start` / `on_delta` /
//! `on_done` / `on_error` callbacks of [`use_chat_stream_with_options`](crate::use_chat_stream_with_options),
//! which the embed turns into the DOM events `chat-stream:start`, `chat-stream:delta`,
//! `chat-stream:done` and `chat-stream:error`.
//!
//! Plain data, serialized in camelCase for JavaScript. [`TurnReporter`] derives them from the
//! [`Transcript`] after each change, so the callbacks see exactly what the view shows: every
//! character of the answer once, in order, then one ending.
//!
//! ```
//! use chat_stream::events::{TurnEnd, TurnReporter};
//! use chat_stream::openai::frame_from_event;
//! use chat_stream::sse::SseDecoder;
//! use chat_stream::transcript::{RequestOptions, Transcript};
//!
//! let mut transcript = Transcript::new();
//! transcript.begin("Hi", &RequestOptions { stream: true, ..Default::default() }, 0.0);
//! let mut reporter = TurnReporter::new(&transcript);
//!
//! let mut decoder = SseDecoder::new();
//! decoder.push(b"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"}}]}\n\n")?;
//! decoder.push(b"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"},\"finish_reason\":\"stop\"}]}\n\n")?;
//! decoder.push(b"data: [DONE]\n\n")?;
//! let mut deltas = Vec::new();
//! let mut at = 10.0;
//! while let Some(event) = decoder.next_event() {
//!     transcript.apply(frame_from_event(&event), at);
//!     at += 10.0;
//!     deltas.extend(reporter.delta(&transcript).map(|d| d.text));
//! }
//! assert_eq!(deltas, ["Hel", "lo"]);
//! let Some(TurnEnd::Done(done)) = reporter.ended(&transcript) else { panic!("not done") };
//! assert_eq!(done.text, "Hello");
//! assert_eq!(done.timings.first_token_ms, Some(10.0));
//! assert!(reporter.ended(&transcript).is_none(), "an ending is reported once");
//! # Ok::<(), chat_stream::sse::SseError>(())
//! ```

use serde::Serialize;

use crate::transcript::{RateSource, ToolCall, Transcript, TurnState};

/// A turn started (`chat-stream:start`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatStart {
    /// The user message the turn answers.
    pub prompt: String,
    /// Base URL of the API the request goes to.
    pub endpoint: String,
    /// Model name sent.
    pub model: String,
    /// Whether the answer is streamed.
    pub stream: bool,
}

/// New text of the answer (`chat-stream:delta`): only what arrived since the last delta.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatDelta {
    /// New answer text (may be empty when only reasoning arrived).
    pub text: String,
    /// New reasoning ("thinking") text, if the model streams it.
    pub reasoning: String,
}

/// Latency figures of a turn, in milliseconds since the request was sent.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Timings {
    /// Response headers arrived.
    pub headers_ms: Option<f64>,
    /// First event of the body.
    pub first_chunk_ms: Option<f64>,
    /// First visible text (answer or reasoning).
    pub first_token_ms: Option<f64>,
    /// The turn ended (done, stopped or failed).
    pub total_ms: Option<f64>,
    /// Chunks received.
    pub chunks: usize,
    /// Generation speed, when it can be told (server timings, usage, or counted chunks).
    pub tokens_per_second: Option<f64>,
}

/// Token counts the server reported.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UsageReport {
    /// Tokens of the prompt.
    pub prompt_tokens: u64,
    /// Tokens generated.
    pub completion_tokens: u64,
    /// Both.
    pub total_tokens: u64,
    /// Of the completion tokens, those spent reasoning, when the server says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reasoning_tokens: Option<u64>,
}

/// The turn ended without an error (`chat-stream:done`): completed, or stopped by the user.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatDone {
    /// The whole answer.
    pub text: String,
    /// The whole reasoning, if any.
    pub reasoning: String,
    /// The user stopped it; `text` is the partial answer.
    pub stopped: bool,
    /// `finish_reason` of the last choice (`stop`, `length`, `tool_calls`, `content_filter`,
    /// whichever the protocol), if the server sent one.
    pub finish_reason: Option<String>,
    /// Latency figures.
    pub timings: Timings,
    /// Token counts, if the server sent them.
    pub usage: Option<UsageReport>,
    /// The tool calls the model asked for (`[{id, name, arguments}]`, arguments as JSON text);
    /// shown, never executed.
    pub tool_calls: Vec<ToolCall>,
}

/// The turn failed (`chat-stream:error`). Whatever text arrived is kept, here and on screen.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatFailure {
    /// What went wrong, as the chat shows it.
    pub message: String,
    /// HTTP status, when the server answered with an error status.
    pub status: Option<u16>,
    /// The partial answer.
    pub text: String,
    /// Latency figures.
    pub timings: Timings,
}

/// How a turn ended.
#[derive(Debug, Clone, PartialEq)]
pub enum TurnEnd {
    /// Completed or stopped.
    Done(ChatDone),
    /// Failed.
    Error(ChatFailure),
}

/// Follows one turn of a [`Transcript`]: what part of the answer was already reported, and
/// whether its ending was.
#[derive(Debug, Clone, Default)]
pub struct TurnReporter {
    message: Option<usize>,
    content: usize,
    reasoning: usize,
    ended: bool,
}

impl TurnReporter {
    /// Starts following the transcript's current turn (call right after it begins).
    pub fn new(transcript: &Transcript) -> Self {
        let message = transcript.turn.as_ref().map(|t| t.message);
        let (content, reasoning) = message
            .and_then(|i| transcript.messages.get(i))
            .map_or((0, 0), |m| (m.content.len(), m.reasoning.len()));
        Self {
            message,
            content,
            reasoning,
            ended: false,
        }
    }

    /// The text that arrived since the last call, if any.
    pub fn delta(&mut self, transcript: &Transcript) -> Option<ChatDelta> {
        let message = transcript.messages.get(self.message?)?;
        let (content, reasoning) = (message.content.len(), message.reasoning.len());
        if content <= self.content && reasoning <= self.reasoning {
            return None;
        }
        let delta = ChatDelta {
            text: message.content.text_from(self.content),
            reasoning: message.reasoning.text_from(self.reasoning),
        };
        self.content = content.max(self.content);
        self.reasoning = reasoning.max(self.reasoning);
        Some(delta)
    }

    /// How the turn ended, once: `None` while it runs and after the ending was reported.
    pub fn ended(&mut self, transcript: &Transcript) -> Option<TurnEnd> {
        let turn = transcript.turn.as_ref()?;
        if self.ended || Some(turn.message) != self.message || !turn.state.is_terminal() {
            return None;
        }
        self.ended = true;
        let message = transcript.messages.get(turn.message)?;
        let timings = timings(transcript).unwrap_or_default();
        Some(match (&turn.error, turn.state) {
            (Some(error), _) => TurnEnd::Error(ChatFailure {
                message: error.to_string(),
                status: error.status(),
                text: message.content.text(),
                timings,
            }),
            (None, state) => TurnEnd::Done(ChatDone {
                text: message.content.text(),
                reasoning: message.reasoning.text(),
                stopped: state == TurnState::Stopped,
                finish_reason: turn.finish_reason.clone(),
                timings,
                usage: turn.usage.as_ref().map(|u| UsageReport {
                    prompt_tokens: u.prompt_tokens,
                    completion_tokens: u.completion_tokens,
                    total_tokens: u.total_tokens,
                    reasoning_tokens: u.reasoning_tokens,
                }),
                tool_calls: message.tool_calls.clone(),
            }),
        })
    }
}

/// The latest turn's latency figures, if there is a turn.
pub fn timings(transcript: &Transcript) -> Option<Timings> {
    let turn = transcript.turn.as_ref()?;
    Some(Timings {
        headers_ms: turn.times.headers,
        first_chunk_ms: turn.times.first_chunk,
        first_token_ms: turn.times.first_token,
        total_ms: turn.times.total,
        chunks: turn.chunks.len(),
        tokens_per_second: turn
            .tokens_per_second()
            .map(|(rate, _source): (f64, RateSource)| rate),
    })
}
