//! The conversation and the current turn as plain data. Frames go in through methods; views only
//! read. No browser types here, so every transition is tested on the host.
//!
//! Times are milliseconds. The caller passes `now` from one monotonic clock
//! (`performance.now()` in the browser); the turn stores marks relative to the moment the request
//! was sent, as OpenAI's cookbook reports them ("received 0.42 s after request").

use serde::{Deserialize, Serialize};

use crate::{
    error::ChatError,
    markdown::MdText,
    openai::{
        ChatChunk, ChatCompletion, ChatMessage, ChatRequest, Frame, Role, ServerTimings,
        StreamOptions, ToolCallDelta, Usage,
    },
    pipeline::Update,
};

pub use crate::message_stats::{LoggedChunk, MessageStats};

// Plain text in blocks, defined next to the markdown text it mirrors.
pub use crate::markdown::BlockText;

/// How a message ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MessageStatus {
    /// Complete (or still being written, while its turn is live).
    #[default]
    Complete,
    /// The user pressed Stop: the text is a partial answer.
    Stopped,
    /// The turn failed: the text is what arrived before the error.
    Failed,
}

/// Separates `<think>…</think>` reasoning from answer text in a `content` stream (DeepSeek-R1,
/// Qwen3 and gpt-oss templates on servers that don't split reasoning out of the content).
///
/// The opening tag is recognised only as the first non-blank text of the answer, so an answer
/// that talks *about* `<think>` tags is left alone. Tags may be split across deltas: a possible
/// tag prefix is held back until the next delta decides it (or [`ThinkSplit::finish`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ThinkSplit {
    phase: ThinkPhase,
    held: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum ThinkPhase {
    /// Nothing but white space seen yet: a `<think>` may still open.
    #[default]
    Start,
    /// Inside `<think>`: text is reasoning until `</think>`.
    Thinking,
    /// Just after `</think>`: the line breaks models put there are not part of the answer.
    AfterThink,
    /// Answer text; no more tags are looked for.
    Answer,
}

impl ThinkSplit {
    const OPEN: &'static str = "<think>";
    const CLOSE: &'static str = "</think>";

    /// Every further delta is answer text as it is (no tag can open any more, nothing is held
    /// back): the caller may skip [`push`](Self::push) and its copies.
    pub fn passes_through(&self) -> bool {
        self.phase == ThinkPhase::Answer && self.held.is_empty()
    }

    /// Splits one content delta into (answer text, reasoning text).
    pub fn push(&mut self, delta: &str) -> (String, String) {
        let mut input = std::mem::take(&mut self.held);
        input.push_str(delta);
        let (mut answer, mut reasoning) = (String::new(), String::new());
        let mut rest = input.as_str();
        loop {
            match self.phase {
                ThinkPhase::Start => {
                    let trimmed = rest.trim_start();
                    if trimmed.is_empty() {
                        self.held.push_str(rest);
                        break;
                    }
                    if let Some(after) = trimmed.strip_prefix(Self::OPEN) {
                        self.phase = ThinkPhase::Thinking;
                        rest = after;
                    } else if Self::OPEN.starts_with(trimmed) {
                        self.held.push_str(rest);
                        break;
                    } else {
                        self.phase = ThinkPhase::Answer;
                    }
                }
                ThinkPhase::Thinking => {
                    if let Some(i) = rest.find(Self::CLOSE) {
                        reasoning.push_str(&rest[..i]);
                        rest = &rest[i + Self::CLOSE.len()..];
                        self.phase = ThinkPhase::AfterThink;
                    } else {
                        let keep = partial_suffix(rest, Self::CLOSE);
                        reasoning.push_str(&rest[..rest.len() - keep]);
                        self.held.push_str(&rest[rest.len() - keep..]);
                        break;
                    }
                }
                ThinkPhase::AfterThink => {
                    rest = rest.trim_start_matches(['\n', '\r']);
                    if rest.is_empty() {
                        break;
                    }
                    self.phase = ThinkPhase::Answer;
                }
                ThinkPhase::Answer => {
                    answer.push_str(rest);
                    break;
                }
            }
        }
        (answer, reasoning)
    }

    /// The content ended: text held back as a possible tag is released (as answer text, or as
    /// reasoning inside an unclosed `<think>`).
    pub fn finish(&mut self) -> (String, String) {
        let held = std::mem::take(&mut self.held);
        match self.phase {
            ThinkPhase::Thinking => (String::new(), held),
            _ => (held, String::new()),
        }
    }
}

/// The length of the longest suffix of `text` that is a proper prefix of `tag`.
fn partial_suffix(text: &str, tag: &str) -> usize {
    (1..tag.len().min(text.len() + 1))
        .rev()
        .find(|&n| {
            text.is_char_boundary(text.len() - n) && tag.starts_with(&text[text.len() - n..])
        })
        .unwrap_or(0)
}

/// A tool call the model asked for: shown, never executed. Its fragments are joined as they
/// stream (`arguments` is JSON text, possibly incomplete while the call streams).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ToolCall {
    /// The call's id (`call_…`, `toolu_…`), empty when the server sent none.
    pub id: String,
    /// The function's name, empty when the server sent none.
    pub name: String,
    /// The arguments as they arrived, concatenated.
    pub arguments: String,
}

impl ToolCall {
    /// The arguments as they are shown: pretty-printed ([`pretty_json`]) once the call is
    /// `complete` and they are valid JSON, else the raw text as it arrived.
    pub fn display_arguments(&self, complete: bool) -> String {
        complete
            .then(|| pretty_json(&self.arguments))
            .flatten()
            .unwrap_or_else(|| self.arguments.clone())
    }
}

/// `text` re-indented (two spaces, one member per line, `": "` after keys, empty objects and
/// arrays kept as `{}` and `[]`), when it is one valid JSON value; `None` otherwise. Keys keep
/// their order and strings and numbers their exact text: only the white space between tokens
/// changes.
pub fn pretty_json(text: &str) -> Option<String> {
    let text = text.trim();
    if text.is_empty() || serde_json::from_str::<serde::de::IgnoredAny>(text).is_err() {
        return None;
    }
    let mut out = String::with_capacity(text.len() * 2);
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        for _ in 0..depth {
            out.push_str("  ");
        }
    };
    let mut depth = 0usize;
    let (mut in_string, mut escaped) = (false, false);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '{' | '[' => {
                while chars.peek().is_some_and(|c| c.is_whitespace()) {
                    chars.next();
                }
                out.push(c);
                if matches!(chars.peek(), Some('}' | ']')) {
                    out.extend(chars.next());
                } else {
                    depth += 1;
                    newline(&mut out, depth);
                }
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(c);
            }
            ',' => {
                out.push(',');
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            c if c.is_whitespace() => {}
            c => out.push(c),
        }
    }
    Some(out)
}

/// A finish reason in the words of Chat Completions, whichever protocol or server sent it:
/// `stop` (also Anthropic's `end_turn` and `stop_sequence`), `length` (also `max_tokens` and the
/// Responses API's `max_output_tokens`), `tool_calls` (also `tool_use` and the older
/// `function_call`), `content_filter`; any other value as it came.
pub fn normalize_finish_reason(reason: &str) -> String {
    match reason {
        "stop" | "end_turn" | "stop_sequence" => "stop",
        "length" | "max_tokens" | "max_output_tokens" => "length",
        "tool_calls" | "tool_use" | "function_call" => "tool_calls",
        "content_filter" => "content_filter",
        other => other,
    }
    .to_owned()
}

/// One message on screen.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Message {
    /// Stable id within the transcript (for keyed views).
    pub id: u64,
    /// Who wrote it.
    pub role: Role,
    /// Answer or prompt text, segmented for incremental markdown rendering.
    pub content: MdText,
    /// Reasoning text, kept apart from the answer.
    pub reasoning: BlockText,
    /// A refusal instead of an answer.
    pub refusal: String,
    /// The tool calls of an assistant message, in order of their index.
    pub tool_calls: Vec<ToolCall>,
    /// How it ended.
    pub status: MessageStatus,
    /// For a failed message: the error that ended it, as shown to the user.
    pub error: Option<String>,
    /// The finish reason of the turn that wrote it (`stop`, `length`, `tool_calls`,
    /// `content_filter`, or what the server said), once known.
    pub finish_reason: Option<String>,
    /// The figures of the turn that wrote it, once that turn ended.
    pub stats: Option<MessageStats>,
}

impl Message {
    /// The answer was cut off by the token limit (finish reason `length`).
    pub fn is_cut_off(&self) -> bool {
        self.finish_reason.as_deref() == Some("length")
    }
}

/// The state of the latest turn, as exposed in `data-state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TurnState {
    /// No request yet.
    #[default]
    Idle,
    /// Request sent, no answer text yet.
    Waiting,
    /// Answer text is arriving.
    Streaming,
    /// Finished normally.
    Done,
    /// Failed; the text so far is kept.
    Error,
    /// Stopped by the user; the text so far is kept.
    Stopped,
}

impl TurnState {
    /// The `data-state` attribute value.
    pub fn as_str(self) -> &'static str {
        match self {
            TurnState::Idle => "idle",
            TurnState::Waiting => "waiting",
            TurnState::Streaming => "streaming",
            TurnState::Done => "done",
            TurnState::Error => "error",
            TurnState::Stopped => "stopped",
        }
    }

    /// The turn is over.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            TurnState::Done | TurnState::Error | TurnState::Stopped
        )
    }

    /// A request is in flight.
    pub fn is_busy(self) -> bool {
        matches!(self, TurnState::Waiting | TurnState::Streaming)
    }
}

/// One received chunk, for the chunk log. The delta's fields are kept as they came (the text
/// moved, not copied) and formatted only when the log is shown ([`ChunkMark::summary`]).
#[derive(Debug, Clone, PartialEq)]
pub struct ChunkMark {
    /// Milliseconds after the request was sent.
    pub ms: f64,
    fields: Box<[(ChunkField, Box<str>)]>,
    /// What the chunk put on screen: [`Self::ANSWER`] and / or [`Self::REASONING`] bits.
    carries: u8,
}

/// A field of a chunk's first delta, as the cookbook prints it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ChunkField {
    Role,
    Content,
    ReasoningContent,
    Reasoning,
    Refusal,
    /// The number of tool-call fragments.
    ToolCalls,
    FinishReason,
    /// `prompt_tokens completion_tokens` of a usage-only chunk.
    Usage,
}

impl ChunkMark {
    /// The longest summary, in characters (an ellipsis marks the cut).
    pub const SUMMARY_CHARS: usize = 200;
    const ANSWER: u8 = 1;
    const REASONING: u8 = 2;

    /// The chunk added answer text (or refusal text) to the message. Role-only, usage-only and
    /// finish chunks carry nothing; a `<think>` tag held back across chunks counts for the
    /// chunk that completes it.
    pub fn carries_answer(&self) -> bool {
        self.carries & Self::ANSWER != 0
    }

    /// The chunk added reasoning text (a reasoning field, or content inside `<think>`).
    pub fn carries_reasoning(&self) -> bool {
        self.carries & Self::REASONING != 0
    }

    /// The chunk added answer or reasoning text: a generated token (or a few) arrived with it.
    pub fn carries_token(&self) -> bool {
        self.carries != 0
    }

    /// The delta as the cookbook prints it, e.g. `{"content": "1"}`: only the fields that were
    /// present, cut to [`Self::SUMMARY_CHARS`] characters.
    pub fn summary(&self) -> String {
        let mut out = String::from("{");
        for (i, (field, value)) in self.fields.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            let name = match field {
                ChunkField::Role => "role",
                ChunkField::Content => "content",
                ChunkField::ReasoningContent => "reasoning_content",
                ChunkField::Reasoning => "reasoning",
                ChunkField::Refusal => "refusal",
                ChunkField::ToolCalls => {
                    out.push_str("\"tool_calls\": [");
                    out.push_str(value);
                    out.push_str(" fragment(s)]");
                    continue;
                }
                ChunkField::FinishReason => "finish_reason",
                ChunkField::Usage => {
                    let (prompt, completion) = value.split_once(' ').unwrap_or((value, "0"));
                    out.push_str("\"usage\": {\"prompt_tokens\": ");
                    out.push_str(prompt);
                    out.push_str(", \"completion_tokens\": ");
                    out.push_str(completion);
                    out.push('}');
                    continue;
                }
            };
            out.push('"');
            out.push_str(name);
            out.push_str("\": ");
            json_string(&mut out, value);
        }
        out.push('}');
        crate::openai::excerpt(&out, Self::SUMMARY_CHARS)
    }
}

/// Appends `s` as a JSON string literal.
fn json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.push_str("\\u00");
                out.push(HEX[(c as usize) >> 4] as char);
                out.push(HEX[(c as usize) & 15] as char);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Where a tokens-per-second figure comes from (saved as `server_timings`, `usage`,
/// `counted_chunks`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RateSource {
    /// llama.cpp's `timings.predicted_per_second`.
    ServerTimings,
    /// `usage.completion_tokens` over the generation time.
    Usage,
    /// Content chunks counted on the client (one chunk is about one token on most servers).
    CountedChunks,
}

impl RateSource {
    /// How the figure was obtained, for its label: `"server timings"`, `"usage"`, `"counted"`.
    pub fn label(self) -> &'static str {
        match self {
            RateSource::ServerTimings => "server timings",
            RateSource::Usage => "usage",
            RateSource::CountedChunks => "counted",
        }
    }
}

/// Timing marks of a turn, in ms after the request was sent.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TurnTimes {
    /// Response headers arrived (`fetch` resolved).
    pub headers: Option<f64>,
    /// First SSE event (or the whole body, without streaming).
    pub first_chunk: Option<f64>,
    /// First non-empty content, reasoning or refusal.
    pub first_token: Option<f64>,
    /// First answer (or refusal) text.
    pub first_answer: Option<f64>,
    /// First reasoning text.
    pub first_reasoning: Option<f64>,
    /// The turn ended.
    pub total: Option<f64>,
}

/// The latest request and how it is going.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Turn {
    /// Lifecycle state.
    pub state: TurnState,
    /// Was streaming asked for.
    pub streaming: bool,
    /// `performance.now()` when the request was sent.
    pub sent_at: f64,
    /// Timing marks.
    pub times: TurnTimes,
    /// Every event that carried a chunk, in arrival order.
    pub chunks: Vec<ChunkMark>,
    /// Chunks that carried answer text.
    pub content_chunks: u64,
    /// Keep-alive comments seen before the end.
    pub comments: u64,
    /// The error that ended the turn.
    pub error: Option<ChatError>,
    /// Non-fatal problems (skipped chunks), the first few kept.
    pub warnings: Vec<String>,
    /// How many warnings there were in all.
    pub warning_count: u64,
    /// Last `finish_reason` of choice 0, normalised by [`normalize_finish_reason`].
    pub finish_reason: Option<String>,
    /// `data: [DONE]` arrived.
    pub saw_done: bool,
    /// Last usage reported.
    pub usage: Option<Usage>,
    /// Last llama.cpp timings reported.
    pub server_timings: Option<ServerTimings>,
    /// Index of the assistant message this turn writes into.
    pub message: usize,
    /// `<think>` tags in the content stream.
    think: ThinkSplit,
    /// The fragment index of each of the message's tool calls, in the same order.
    tool_slots: Vec<u32>,
}

impl Turn {
    const MAX_WARNINGS: usize = 20;

    /// Tokens per second and where the figure comes from.
    pub fn tokens_per_second(&self) -> Option<(f64, RateSource)> {
        if let Some(tps) = self.server_timings.and_then(|t| t.predicted_per_second) {
            if tps.is_finite() && tps > 0.0 {
                return Some((tps, RateSource::ServerTimings));
            }
        }
        let start = self.times.first_token?;
        let end = self.times.total.or(self.chunks.last().map(|c| c.ms))?;
        let span = (end - start) / 1000.0;
        if let Some(usage) = self.usage.filter(|u| u.completion_tokens > 1) {
            if span > 0.0 {
                return Some((
                    (usage.completion_tokens - 1) as f64 / span,
                    RateSource::Usage,
                ));
            }
        }
        (self.content_chunks > 1 && span > 0.0).then(|| {
            (
                (self.content_chunks - 1) as f64 / span,
                RateSource::CountedChunks,
            )
        })
    }

    fn warn(&mut self, warning: String) {
        self.warning_count += 1;
        if self.warnings.len() < Self::MAX_WARNINGS {
            self.warnings.push(warning);
        }
    }
}

/// Adds one tool-call fragment to the message's calls: a new call for an index not seen yet,
/// else its id and name (when given) and the arguments piece. Whether it showed anything.
fn add_tool_fragment(
    calls: &mut Vec<ToolCall>,
    slots: &mut Vec<u32>,
    delta: &ToolCallDelta,
) -> bool {
    let at = match slots.iter().position(|&i| i == delta.index) {
        Some(at) => at,
        None => {
            slots.push(delta.index);
            calls.push(ToolCall::default());
            calls.len() - 1
        }
    };
    let call = &mut calls[at];
    let mut shown = false;
    if let Some(id) = delta.id.as_deref().filter(|s| !s.is_empty()) {
        call.id = id.to_owned();
    }
    if let Some(function) = &delta.function {
        if let Some(name) = function.name.as_deref().filter(|s| !s.is_empty()) {
            // A name comes once; a server that repeats it in every fragment keeps the first.
            if call.name.is_empty() {
                call.name = name.to_owned();
            }
            shown = true;
        }
        if let Some(arguments) = function.arguments.as_deref().filter(|s| !s.is_empty()) {
            call.arguments.push_str(arguments);
            shown = true;
        }
    }
    shown
}

/// Settings that shape a request.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RequestOptions {
    /// Model name.
    pub model: String,
    /// System prompt (sent first when not empty).
    pub system: String,
    /// Temperature.
    pub temperature: Option<f32>,
    /// Max tokens.
    pub max_tokens: Option<u32>,
    /// Stream or not.
    pub stream: bool,
    /// Ask for a usage chunk when streaming.
    pub include_usage: bool,
}

/// The conversation and its latest turn.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Transcript {
    /// Messages in order (user, assistant, user, ...).
    pub messages: Vec<Message>,
    /// The latest turn, if any.
    pub turn: Option<Turn>,
}

/// Message ids are unique across every transcript of the page, so a view keyed by id never
/// mistakes a message of a reopened conversation for one it already shows.
fn next_message_id() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

impl Transcript {
    /// An empty conversation.
    pub fn new() -> Self {
        Self::default()
    }

    /// A conversation restored from saved messages (with new ids), with no turn.
    pub fn restore(messages: Vec<Message>) -> Self {
        let mut t = Self::new();
        for mut m in messages {
            m.id = next_message_id();
            t.messages.push(m);
        }
        t
    }

    /// The state of the latest turn.
    pub fn state(&self) -> TurnState {
        self.turn.as_ref().map_or(TurnState::Idle, |t| t.state)
    }

    fn push_message(&mut self, role: Role, text: &str) -> usize {
        let mut content = MdText::default();
        content.push_str(text);
        self.messages.push(Message {
            id: next_message_id(),
            role,
            content,
            ..Message::default()
        });
        self.messages.len() - 1
    }

    /// Starts a turn: adds the user's message and an empty assistant message, and returns the
    /// request to send (the whole conversation, system prompt first).
    /// `now` is the time the request is sent.
    pub fn begin(&mut self, prompt: &str, options: &RequestOptions, now: f64) -> ChatRequest {
        debug_assert!(!self.state().is_busy(), "a turn is already running");
        self.push_message(Role::User, prompt);
        self.start_turn(options, now)
    }

    /// Answers the last user message again: the last assistant message (complete, stopped or
    /// failed) is replaced by a new turn. `None` while busy or when there is nothing to redo.
    pub fn regenerate(&mut self, options: &RequestOptions, now: f64) -> Option<ChatRequest> {
        if self.state().is_busy() {
            return None;
        }
        if self.messages.last()?.role == Role::Assistant {
            self.messages.pop();
        }
        (self.messages.last()?.role == Role::User).then(|| self.start_turn(options, now))
    }

    /// Replaces the text of the user message at `index`, forgets every message after it, and
    /// sends the conversation from there. `None` while busy, or when `index` is not a user
    /// message, or the new text is blank.
    pub fn edit_and_resend(
        &mut self,
        index: usize,
        text: &str,
        options: &RequestOptions,
        now: f64,
    ) -> Option<ChatRequest> {
        let is_user = self.messages.get(index)?.role == Role::User;
        if self.state().is_busy() || !is_user || text.trim().is_empty() {
            return None;
        }
        self.messages.truncate(index);
        self.turn = None;
        self.push_message(Role::User, text);
        Some(self.start_turn(options, now))
    }

    /// Adds an empty assistant message and a waiting turn; returns the request for everything
    /// before it.
    fn start_turn(&mut self, options: &RequestOptions, now: f64) -> ChatRequest {
        let request = self.request(options);
        let message = self.push_message(Role::Assistant, "");
        self.turn = Some(Turn {
            state: TurnState::Waiting,
            streaming: options.stream,
            sent_at: now,
            message,
            ..Turn::default()
        });
        request
    }

    /// Asks the model to go on with the last answer (cut off by the token limit, stopped, or
    /// failed after some text): the answer so far is sent as the last assistant message, and
    /// what comes back is appended to it. `None` while busy or when the last message is not an
    /// assistant message with text.
    pub fn continue_answer(&mut self, options: &RequestOptions, now: f64) -> Option<ChatRequest> {
        if self.state().is_busy() {
            return None;
        }
        let index = self.messages.len().checked_sub(1)?;
        let last = &self.messages[index];
        if last.role != Role::Assistant || last.content.is_empty() {
            return None;
        }
        let request = self.request(options);
        let message = &mut self.messages[index];
        message.status = MessageStatus::Complete;
        message.error = None;
        message.finish_reason = None;
        self.turn = Some(Turn {
            state: TurnState::Waiting,
            streaming: options.stream,
            sent_at: now,
            message: index,
            // The answer has started: no `<think>` tag opens in its continuation.
            think: ThinkSplit {
                phase: ThinkPhase::Answer,
                held: String::new(),
            },
            ..Turn::default()
        });
        Some(request)
    }

    /// The request for the conversation so far. A turn whose answer has no text (it failed or
    /// was stopped before any) is left out, prompt and all, so the request never holds two
    /// user messages in a row (strict chat templates and providers reject that); partial
    /// answers are sent as they are.
    pub fn request(&self, options: &RequestOptions) -> ChatRequest {
        let mut messages = Vec::with_capacity(self.messages.len() + 1);
        if !options.system.trim().is_empty() {
            messages.push(ChatMessage {
                role: Role::System,
                content: options.system.clone(),
            });
        }
        let unanswered = |next: Option<&Message>| {
            next.is_some_and(|a| a.role == Role::Assistant && a.content.is_empty())
        };
        for (i, m) in self.messages.iter().enumerate() {
            let role = m.role;
            if role == Role::Assistant && m.content.is_empty() {
                continue;
            }
            if role == Role::User && unanswered(self.messages.get(i + 1)) {
                continue;
            }
            messages.push(ChatMessage {
                role,
                content: m.content.text(),
            });
        }
        ChatRequest {
            model: options.model.clone(),
            messages,
            temperature: options.temperature,
            max_tokens: options.max_tokens,
            stream: options.stream,
            stream_options: (options.stream && options.include_usage).then_some(StreamOptions {
                include_usage: true,
            }),
        }
    }

    fn live_turn(&mut self) -> Option<&mut Turn> {
        self.turn.as_mut().filter(|t| !t.state.is_terminal())
    }

    /// Applies one update of the request (the single entry point of the streaming path): `now`
    /// is the time of the network read that delivered it.
    pub fn on(&mut self, update: Update, now: f64) {
        match update {
            Update::Headers => self.on_headers(now),
            Update::Frame(frame) => self.apply(frame, now),
            Update::Comments(n) => self.on_comments(n),
            Update::Completion(c) => self.apply_completion(c, now),
            Update::End { cut_mid_event } => self.end_of_stream(cut_mid_event, now),
            Update::Failed(error) => self.fail(error, now),
        }
    }

    /// Response headers arrived.
    pub fn on_headers(&mut self, now: f64) {
        if let Some(turn) = self.live_turn() {
            turn.times.headers.get_or_insert(now - turn.sent_at);
        }
    }

    /// Keep-alive comments were seen (`count` is the running total for this response).
    pub fn on_comments(&mut self, count: u64) {
        if let Some(turn) = self.live_turn() {
            turn.comments = count;
        }
    }

    /// Applies one frame decoded from the stream. Frames after the turn ended are ignored.
    pub fn apply(&mut self, frame: Frame, now: f64) {
        let Some(turn) = self.turn.as_mut().filter(|t| !t.state.is_terminal()) else {
            return;
        };
        let ms = now - turn.sent_at;
        match frame {
            Frame::Chunk(chunk) => {
                turn.times.first_chunk.get_or_insert(ms);
                self.apply_chunk(chunk, ms);
            }
            Frame::Done => {
                turn.times.first_chunk.get_or_insert(ms);
                turn.saw_done = true;
                if turn.finish_reason.is_none() && turn.content_chunks > 0 {
                    // llama-cpp-python ends a stream cut by a second request this way.
                    turn.warn(
                        "the server sent [DONE] without a finish_reason: the answer may be cut short"
                            .to_owned(),
                    );
                }
                self.end(TurnState::Done, None, now);
            }
            Frame::Error(api) => {
                turn.times.first_chunk.get_or_insert(ms);
                self.end(TurnState::Error, Some(ChatError::Server(api)), now);
            }
            Frame::Skip { warning } => turn.warn(warning),
        }
    }

    fn apply_chunk(&mut self, chunk: ChatChunk, ms: f64) {
        let Some(turn) = self.turn.as_mut() else {
            return;
        };
        if chunk.usage.is_some() {
            turn.usage = chunk.usage;
        }
        if chunk.timings.is_some() {
            turn.server_timings = chunk.timings;
        }
        let message = &mut self.messages[turn.message];
        let mut fields: Vec<(ChunkField, Box<str>)> = Vec::new();
        if chunk.choices.is_empty() {
            if let Some(u) = chunk.usage {
                let counts = [u.prompt_tokens, u.completion_tokens].map(|n| n.to_string());
                fields.push((ChunkField::Usage, counts.join(" ").into()));
            }
        }
        // Only choice 0 is shown; `n > 1` streams interleave other indexes, which are ignored.
        let mut first = true;
        let mut carries = 0;
        for choice in chunk.choices {
            if choice.index != 0 {
                continue;
            }
            let delta = choice.delta;
            let (mut answered, mut reasoned) = (false, false);
            if let Some(text) = delta.content.as_deref().filter(|s| !s.is_empty()) {
                turn.content_chunks += 1;
                if turn.think.passes_through() {
                    message.content.push_str(text);
                    answered = true;
                } else {
                    let (answer, thought) = turn.think.push(text);
                    message.content.push_str(&answer);
                    message.reasoning.push_str(&thought);
                    answered = !answer.is_empty();
                    reasoned = !thought.is_empty();
                }
            }
            if let Some(text) = delta.reasoning_text() {
                message.reasoning.push_str(text);
                reasoned = true;
            }
            if let Some(text) = delta.refusal.as_deref().filter(|s| !s.is_empty()) {
                message.refusal.push_str(text);
                answered = true;
            }
            for call in &delta.tool_calls {
                // Tool calls are the answer of a turn that calls tools.
                answered |= add_tool_fragment(&mut message.tool_calls, &mut turn.tool_slots, call);
            }
            if answered {
                carries |= ChunkMark::ANSWER;
                turn.times.first_answer.get_or_insert(ms);
            }
            if reasoned {
                carries |= ChunkMark::REASONING;
                turn.times.first_reasoning.get_or_insert(ms);
            }
            if answered || reasoned {
                turn.times.first_token.get_or_insert(ms);
                if turn.state == TurnState::Waiting {
                    turn.state = TurnState::Streaming;
                }
            }
            if first {
                // The first choice-0 delta goes to the chunk log, its strings moved, not copied.
                first = false;
                let mut keep = |field, value: Option<String>| {
                    if let Some(v) = value {
                        fields.push((field, v.into_boxed_str()));
                    }
                };
                keep(ChunkField::Role, delta.role);
                keep(ChunkField::Content, delta.content);
                keep(ChunkField::ReasoningContent, delta.reasoning_content);
                keep(ChunkField::Reasoning, delta.reasoning);
                keep(ChunkField::Refusal, delta.refusal);
                if !delta.tool_calls.is_empty() {
                    fields.push((
                        ChunkField::ToolCalls,
                        delta.tool_calls.len().to_string().into(),
                    ));
                }
                if let Some(reason) = &choice.finish_reason {
                    fields.push((ChunkField::FinishReason, reason.as_str().into()));
                }
            }
            if let Some(reason) = choice.finish_reason {
                turn.finish_reason = Some(normalize_finish_reason(&reason));
            }
        }
        turn.chunks.push(ChunkMark {
            ms,
            fields: fields.into_boxed_slice(),
            carries,
        });
    }

    /// A whole non-streaming completion arrived.
    pub fn apply_completion(&mut self, completion: ChatCompletion, now: f64) {
        self.apply(Frame::Chunk(completion.into_chunk()), now);
        self.end(TurnState::Done, None, now);
    }

    /// The body ended. Without `[DONE]` and without a `finish_reason` the answer is incomplete:
    /// the turn fails and keeps its text. `cut_mid_event` is what the SSE decoder's `finish` said.
    pub fn end_of_stream(&mut self, cut_mid_event: bool, now: f64) {
        let Some(turn) = self.live_turn() else {
            return;
        };
        if turn.saw_done || turn.finish_reason.is_some() {
            self.end(TurnState::Done, None, now);
        } else {
            self.end(
                TurnState::Error,
                Some(ChatError::Incomplete { cut_mid_event }),
                now,
            );
        }
    }

    /// The turn failed; the text so far stays.
    pub fn fail(&mut self, error: ChatError, now: f64) {
        self.end(TurnState::Error, Some(error), now);
    }

    /// The user pressed Stop; the text so far stays.
    pub fn stop(&mut self, now: f64) {
        self.end(TurnState::Stopped, None, now);
    }

    fn end(&mut self, state: TurnState, error: Option<ChatError>, now: f64) {
        let Some(turn) = self.turn.as_mut().filter(|t| !t.state.is_terminal()) else {
            return;
        };
        turn.state = state;
        turn.error = error;
        turn.times.total = Some(now - turn.sent_at);
        let (answer, thought) = turn.think.finish();
        let message = &mut self.messages[turn.message];
        message.content.push_str(&answer);
        message.reasoning.push_str(&thought);
        message.error = turn.error.as_ref().map(ToString::to_string);
        message.finish_reason = turn.finish_reason.clone();
        message.stats = Some(MessageStats::from_turn(turn));
        message.status = match state {
            TurnState::Stopped => MessageStatus::Stopped,
            TurnState::Error => MessageStatus::Failed,
            _ => MessageStatus::Complete,
        };
    }

    /// Forgets every message and the turn.
    pub fn clear(&mut self) {
        self.messages.clear();
        self.turn = None;
    }
}
