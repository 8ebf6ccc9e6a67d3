//! The wire protocols a chat endpoint may speak, each mapped to the same [`Frame`]s.
//!
//! Three protocols, one vocabulary: whatever the server speaks, its stream becomes the frames of
//! [`crate::openai`] (a [`Frame::Chunk`] whose choice 0 carries content, reasoning, refusal,
//! tool-call fragments or a finish reason; [`Frame::Done`]; [`Frame::Error`]; [`Frame::Skip`]), so
//! nothing above the frames needs to know which protocol spoke.
//!
//! | [`Protocol`] | `as_str` | path | events → frames |
//! | --- | --- | --- | --- |
//! | [`Chat`](Protocol::Chat) | `chat` | `chat/completions` | [`crate::openai::frame_from_event`] |
//! | [`Responses`](Protocol::Responses) | `responses` | `responses` | [`responses`] (OpenAI Responses API) |
//! | [`Anthropic`](Protocol::Anthropic) | `anthropic` | `messages` | [`anthropic`] (Anthropic Messages API) |
//!
//! Per protocol there is:
//! - a request builder ([`Protocol::build`]) that takes the neutral [`ChatRequest`] (model, the
//!   conversation with the system prompt first, stream, temperature, max tokens) and gives the
//!   JSON body, the URL path and the protocol's headers, the auth header included:
//!   `Authorization: Bearer <key>` for chat and responses; `anthropic-version: 2023-06-01` always
//!   and, with a key, `x-api-key` plus `anthropic-dangerous-direct-browser-access: true` (the
//!   header Anthropic requires before it answers a browser's CORS request) for anthropic. A blank
//!   key sends no key header at all;
//! - a streaming mapper ([`EventMapper`], from [`Protocol::mapper`]) with one entry point,
//!   [`EventMapper::on_event`], and [`EventMapper::finished`], which says whether the protocol's
//!   terminal event arrived (so a stream that ends without one can be reported as incomplete).
//!   After the terminal event a mapper adds no more frames;
//! - a parser of the non-streaming body ([`Protocol::parse_response`]) into a [`ChatCompletion`];
//! - the HTTP error envelope parser ([`Protocol::error_from_http`]).
//!
//! Responses and Anthropic streams start with an event that carries the response id and model
//! (`response.created`, `message_start`): it becomes a role-only chunk, as the first chunk of a
//! chat stream is, so the "first chunk" time means the same thing for every protocol.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{
    openai::{
        error_from_http, excerpt, frame_from_event, parse_completion, strip_markup, ApiError,
        ChatChunk, ChatCompletion, ChatRequest, ChunkChoice, Delta, Frame, FunctionDelta, Role,
        ToolCallDelta,
    },
    sse::SseEvent,
};

pub mod anthropic;
pub mod responses;

pub use anthropic::AnthropicMapper;
pub use responses::ResponsesMapper;

/// Which API the endpoint speaks. Serialized as its [`as_str`](Protocol::as_str) name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    /// OpenAI Chat Completions (`POST {endpoint}/chat/completions`), what most servers speak.
    #[default]
    Chat,
    /// OpenAI Responses (`POST {endpoint}/responses`).
    Responses,
    /// Anthropic Messages (`POST {endpoint}/messages`).
    Anthropic,
}

/// What [`Protocol::build`] produces: everything of the request but the endpoint and the
/// `Content-Type: application/json` header every protocol needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// The path after the endpoint, without a leading slash (`"chat/completions"`).
    pub path: &'static str,
    /// The JSON body.
    pub body: String,
    /// The protocol's headers, auth included, as (name, value) pairs.
    pub headers: Vec<(&'static str, String)>,
}

impl HttpRequest {
    /// `{endpoint}/{path}`, without a doubled slash.
    pub fn url(&self, endpoint: &str) -> String {
        join_url(endpoint, self.path)
    }
}

/// The Anthropic API version this crate speaks (sent as `anthropic-version`).
pub const ANTHROPIC_VERSION: &str = "2023-06-01";

fn join_url(endpoint: &str, path: &str) -> String {
    format!("{}/{path}", endpoint.trim_end_matches('/'))
}

/// A key worth sending: trimmed, `None` when blank.
fn usable_key(api_key: Option<&str>) -> Option<&str> {
    api_key.map(str::trim).filter(|k| !k.is_empty())
}

impl Protocol {
    /// Every protocol, in menu order.
    pub const ALL: [Protocol; 3] = [Protocol::Chat, Protocol::Responses, Protocol::Anthropic];

    /// The name used in settings and URLs: `"chat"`, `"responses"`, `"anthropic"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Chat => "chat",
            Protocol::Responses => "responses",
            Protocol::Anthropic => "anthropic",
        }
    }

    /// The protocol named by [`as_str`](Self::as_str) (surrounding white space and ASCII case
    /// ignored); `None` for anything else.
    pub fn parse(text: &str) -> Option<Protocol> {
        let text = text.trim();
        Self::ALL
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(text))
    }

    /// The path after the endpoint: `"chat/completions"`, `"responses"`, `"messages"`.
    pub fn path(self) -> &'static str {
        match self {
            Protocol::Chat => "chat/completions",
            Protocol::Responses => "responses",
            Protocol::Anthropic => "messages",
        }
    }

    /// `{endpoint}/{path}`, without a doubled slash.
    pub fn url(self, endpoint: &str) -> String {
        join_url(endpoint, self.path())
    }

    /// The protocol's request headers (not `Content-Type`), the auth header rule included.
    pub fn headers(self, api_key: Option<&str>) -> Vec<(&'static str, String)> {
        let key = usable_key(api_key);
        match self {
            Protocol::Chat | Protocol::Responses => key
                .map(|k| vec![("Authorization", format!("Bearer {k}"))])
                .unwrap_or_default(),
            Protocol::Anthropic => {
                let mut headers = vec![("anthropic-version", ANTHROPIC_VERSION.to_owned())];
                if let Some(k) = key {
                    headers.push(("x-api-key", k.to_owned()));
                    headers.push((
                        "anthropic-dangerous-direct-browser-access",
                        "true".to_owned(),
                    ));
                }
                headers
            }
        }
    }

    /// The JSON body for `request` in this protocol.
    pub fn body(self, request: &ChatRequest) -> String {
        match self {
            Protocol::Chat => {
                serde_json::to_string(request).expect("a chat request always serialises")
            }
            Protocol::Responses => responses::request_body(request),
            Protocol::Anthropic => anthropic::request_body(request),
        }
    }

    /// Path, body and headers of the request.
    pub fn build(self, request: &ChatRequest, api_key: Option<&str>) -> HttpRequest {
        HttpRequest {
            path: self.path(),
            body: self.body(request),
            headers: self.headers(api_key),
        }
    }

    /// A fresh streaming mapper for one response.
    pub fn mapper(self) -> EventMapper {
        match self {
            Protocol::Chat => EventMapper::Chat(ChatMapper::new()),
            Protocol::Responses => EventMapper::Responses(ResponsesMapper::new()),
            Protocol::Anthropic => EventMapper::Anthropic(AnthropicMapper::new()),
        }
    }

    /// Reads a non-streaming response body: the answer, or the error the server put in it.
    pub fn parse_response(self, body: &str) -> Result<ChatCompletion, ApiError> {
        match self {
            Protocol::Chat => parse_completion(body),
            Protocol::Responses => responses::parse_response(body),
            Protocol::Anthropic => anthropic::parse_response(body),
        }
    }

    /// The error for a non-2xx response. The three envelopes (`{"error": {message, type,
    /// code}}` for both OpenAI APIs, `{"type": "error", "error": {type, message}}` for
    /// Anthropic) are all read by [`crate::openai::error_from_http`].
    pub fn error_from_http(self, status: u16, body: &str) -> ApiError {
        error_from_http(status, body)
    }
}

impl std::fmt::Display for Protocol {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The Chat Completions mapper: [`frame_from_event`] per event, finished at `[DONE]` or an error.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChatMapper {
    finished: bool,
}

impl ChatMapper {
    /// A mapper for one response.
    pub fn new() -> Self {
        Self::default()
    }

    /// Maps one event; nothing after `[DONE]` or an error.
    pub fn on_event(&mut self, event: &SseEvent, out: &mut Vec<Frame>) {
        if self.finished {
            return;
        }
        let frame = frame_from_event(event);
        self.finished = matches!(frame, Frame::Done | Frame::Error(_));
        out.push(frame);
    }

    /// `[DONE]` or an in-band error arrived.
    pub fn finished(&self) -> bool {
        self.finished
    }
}

/// One response's streaming mapper, whichever the protocol.
#[derive(Debug, Clone, PartialEq)]
pub enum EventMapper {
    /// Chat Completions.
    Chat(ChatMapper),
    /// OpenAI Responses.
    Responses(ResponsesMapper),
    /// Anthropic Messages.
    Anthropic(AnthropicMapper),
}

impl EventMapper {
    /// Maps one decoded SSE event to zero or more frames, appended to `out`.
    pub fn on_event(&mut self, event: &SseEvent, out: &mut Vec<Frame>) {
        match self {
            EventMapper::Chat(m) => m.on_event(event, out),
            EventMapper::Responses(m) => m.on_event(event, out),
            EventMapper::Anthropic(m) => m.on_event(event, out),
        }
    }

    /// The protocol's terminal event (or an error) arrived. When the body ends and this is
    /// still `false`, the response is incomplete.
    pub fn finished(&self) -> bool {
        match self {
            EventMapper::Chat(m) => m.finished(),
            EventMapper::Responses(m) => m.finished(),
            EventMapper::Anthropic(m) => m.finished(),
        }
    }

    /// Keep-alive events seen (Anthropic's `ping`), which give no frame. Chat and Responses
    /// servers send keep-alives as SSE comments, which the decoder counts instead.
    pub fn keepalives(&self) -> u64 {
        match self {
            EventMapper::Anthropic(m) => m.keepalives(),
            _ => 0,
        }
    }

    /// Which protocol this mapper reads.
    pub fn protocol(&self) -> Protocol {
        match self {
            EventMapper::Chat(_) => Protocol::Chat,
            EventMapper::Responses(_) => Protocol::Responses,
            EventMapper::Anthropic(_) => Protocol::Anthropic,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Shared by the Responses and Anthropic modules.
// ---------------------------------------------------------------------------------------------

/// One message of a request body: `{role, content}` with user or assistant only.
#[derive(Debug, Serialize)]
struct InputMessage<'a> {
    role: Role,
    content: &'a str,
}

/// Splits the conversation into the system prompt (every system message, joined by a blank
/// line; `None` when blank) and the user and assistant messages.
fn split_system(request: &ChatRequest) -> (Option<String>, Vec<InputMessage<'_>>) {
    let system: Vec<&str> = request
        .messages
        .iter()
        .filter(|m| m.role == Role::System && !m.content.trim().is_empty())
        .map(|m| m.content.as_str())
        .collect();
    let messages = request
        .messages
        .iter()
        .filter(|m| m.role != Role::System)
        .map(|m| InputMessage {
            role: m.role,
            content: &m.content,
        })
        .collect();
    ((!system.is_empty()).then(|| system.join("\n\n")), messages)
}

/// What one SSE event of a typed-event protocol holds.
enum Parsed {
    /// A JSON object and its event type (the JSON `type`, else the SSE event name).
    Event(String, Value),
    /// `data: [DONE]`, which some proxies append to every stream.
    Done,
    /// Something that is a frame on its own: an error without JSON, or junk to skip.
    Frame(Frame),
}

/// The start every mapper's `on_event` shares: nothing after the terminal event; `[DONE]` and
/// events that are a frame on their own go to `out` (ending the stream when terminal); an event
/// with a type comes back to be mapped.
fn begin_event(
    finished: &mut bool,
    event: &SseEvent,
    out: &mut Vec<Frame>,
) -> Option<(String, Value)> {
    if *finished {
        return None;
    }
    match parse_event(event) {
        Parsed::Event(kind, value) => Some((kind, value)),
        Parsed::Done => {
            *finished = true;
            out.push(Frame::Done);
            None
        }
        Parsed::Frame(frame) => {
            *finished = matches!(frame, Frame::Error(_));
            out.push(frame);
            None
        }
    }
}

/// Reads one event of the Responses or Anthropic protocols. The JSON `type` names the event
/// (the SSE `event:` name agrees with it on every server seen, and is the fallback). An
/// `event: error`, or a typeless object with a non-null `error`, is an error event.
fn parse_event(event: &SseEvent) -> Parsed {
    let data = event.data.trim();
    let is_error_event = event.event == "error";
    if data == "[DONE]" {
        return Parsed::Done;
    }
    let named = (event.event != "message").then(|| event.event.clone());
    if data.is_empty() {
        return match named {
            _ if is_error_event => Parsed::Frame(Frame::Error(ApiError {
                message: "the server sent an error event without a message".to_owned(),
                ..ApiError::default()
            })),
            Some(name) => Parsed::Event(name, Value::Null),
            None => Parsed::Frame(Frame::Skip {
                warning: "skipped an event with empty data".to_owned(),
            }),
        };
    }
    let value = match serde_json::from_str::<Value>(data) {
        Ok(v) if v.is_object() => v,
        Ok(_) | Err(_) if is_error_event => {
            return Parsed::Frame(Frame::Error(ApiError {
                message: excerpt(data, 500),
                ..ApiError::default()
            }))
        }
        Ok(_) => {
            return Parsed::Frame(Frame::Skip {
                warning: format!(
                    "skipped an event that is not a JSON object: {}",
                    excerpt(data, 80)
                ),
            })
        }
        Err(_) => {
            return Parsed::Frame(Frame::Skip {
                warning: format!("skipped an event that is not JSON: {}", excerpt(data, 80)),
            })
        }
    };
    let kind = if is_error_event {
        Some("error".to_owned())
    } else {
        value
            .get("type")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .or(named)
            .or_else(|| has_error(&value).then(|| "error".to_owned()))
    };
    match kind {
        Some(kind) => Parsed::Event(kind, value),
        None => Parsed::Frame(Frame::Skip {
            warning: format!("skipped an event without a type: {}", excerpt(data, 80)),
        }),
    }
}

fn has_error(value: &Value) -> bool {
    value.get("error").is_some_and(|e| !e.is_null())
}

/// A string or number field as text (servers send codes both ways); blank counts as missing.
fn text_field(value: &Value, key: &str) -> Option<String> {
    match value.get(key)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The error an error event or an error body holds: `{"error": {message, type, code}}`,
/// `{"error": "text"}`, or the fields at the top level (`{"type": "error", "code", "message"}`
/// of a Responses `error` event, where `type` only names the event).
fn error_from_value(value: &Value, default_message: &str) -> ApiError {
    let fields = |v: &Value| ApiError {
        message: text_field(v, "message")
            .or_else(|| text_field(v, "error_message"))
            .unwrap_or_else(|| default_message.to_owned()),
        kind: text_field(v, "type")
            .filter(|t| t != "error")
            .or_else(|| text_field(v, "error_type")),
        code: text_field(v, "code"),
    };
    match value.get("error") {
        Some(Value::String(s)) if !s.is_empty() => ApiError {
            message: s.clone(),
            ..ApiError::default()
        },
        Some(e @ Value::Object(_)) => {
            let mut error = fields(e);
            error.code = error.code.or_else(|| text_field(value, "code"));
            error
        }
        _ => fields(value),
    }
}

/// A non-streaming body as a JSON object, or the error that it is not one.
fn parse_body(body: &str, what: &str) -> Result<Value, ApiError> {
    let value: Value = serde_json::from_str(body).map_err(|e| ApiError {
        message: format!(
            "the response is not JSON ({e}): {}",
            excerpt(&strip_markup(body), 120)
        ),
        ..ApiError::default()
    })?;
    if !value.is_object() {
        return Err(ApiError {
            message: format!(
                "the response is not {what}: {}",
                excerpt(&value.to_string(), 120)
            ),
            ..ApiError::default()
        });
    }
    Ok(value)
}

/// A string at a JSON pointer; `None` when missing, not a string, or empty.
fn str_at<'a>(value: &'a Value, pointer: &str) -> Option<&'a str> {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// An unsigned number at a JSON pointer.
fn u64_at(value: &Value, pointer: &str) -> Option<u64> {
    value.pointer(pointer).and_then(Value::as_u64)
}

/// A chunk whose choice 0 carries `delta` (and `finish_reason`).
fn chunk_frame(delta: Delta, finish_reason: Option<String>) -> Frame {
    Frame::Chunk(ChatChunk {
        choices: vec![ChunkChoice {
            index: 0,
            delta,
            finish_reason,
        }],
        ..ChatChunk::default()
    })
}

/// The role-only chunk that opens a response.
fn role_frame(id: Option<&str>, model: Option<&str>) -> Frame {
    let mut frame = chunk_frame(
        Delta {
            role: Some("assistant".to_owned()),
            ..Delta::default()
        },
        None,
    );
    if let Frame::Chunk(chunk) = &mut frame {
        chunk.id = id.map(str::to_owned);
        chunk.model = model.map(str::to_owned);
    }
    frame
}

fn content_frame(text: &str) -> Frame {
    chunk_frame(
        Delta {
            content: Some(text.to_owned()),
            ..Delta::default()
        },
        None,
    )
}

fn reasoning_frame(text: String) -> Frame {
    chunk_frame(
        Delta {
            reasoning_content: Some(text),
            ..Delta::default()
        },
        None,
    )
}

fn refusal_frame(text: &str) -> Frame {
    chunk_frame(
        Delta {
            refusal: Some(text.to_owned()),
            ..Delta::default()
        },
        None,
    )
}

/// One tool-call fragment: `id` and `name` in the first one, `arguments` in pieces.
fn tool_call(
    index: u32,
    id: Option<String>,
    name: Option<String>,
    arguments: Option<String>,
) -> ToolCallDelta {
    ToolCallDelta {
        index,
        id,
        function: Some(FunctionDelta { name, arguments }),
    }
}

fn tool_frame(call: ToolCallDelta) -> Frame {
    chunk_frame(
        Delta {
            tool_calls: vec![call],
            ..Delta::default()
        },
        None,
    )
}

/// Paragraphs of reasoning from distinct parts (summary parts, thinking blocks) are separated
/// by a blank line; the first part and further deltas of the same part are not.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct ReasoningParts {
    last: Option<String>,
}

impl ReasoningParts {
    fn text(&mut self, part: String, delta: &str) -> String {
        let text = match &self.last {
            Some(last) if *last != part => format!("\n\n{delta}"),
            _ => delta.to_owned(),
        };
        self.last = Some(part);
        text
    }
}
