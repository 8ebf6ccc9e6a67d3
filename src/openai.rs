//! OpenAI-compatible chat completion types, and the mapping from SSE events to typed frames.
//!
//! The types are tolerant on purpose: every field a server may leave out is optional, unknown
//! fields are ignored, and `null` is accepted wherever a server has been seen to send it
//! (Azure's `choices: []` filter chunks, usage-only chunks, Ollama's `finish_reason: ""`,
//! llama.cpp's `timings`).

use serde::{Deserialize, Deserializer, Serialize};

use crate::sse::SseEvent;

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Instructions that come first.
    System,
    /// The person.
    #[default]
    User,
    /// The model.
    Assistant,
}

/// One message of the conversation sent to the server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatMessage {
    /// Author of the message.
    pub role: Role,
    /// Its text.
    pub content: String,
}

/// `stream_options` of the request.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StreamOptions {
    /// Ask for a final `choices: []` chunk carrying `usage`.
    pub include_usage: bool,
}

/// The body of `POST {endpoint}/chat/completions`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChatRequest {
    /// Model name, as the server knows it.
    pub model: String,
    /// The whole conversation, system prompt first.
    pub messages: Vec<ChatMessage>,
    /// Sampling temperature.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f32>,
    /// Upper bound on generated tokens.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u32>,
    /// Ask for Server-Sent Events.
    pub stream: bool,
    /// Only sent when streaming.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream_options: Option<StreamOptions>,
}

/// Token counts reported by the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
pub struct Usage {
    /// Tokens of the prompt.
    #[serde(default)]
    pub prompt_tokens: u64,
    /// Tokens generated.
    #[serde(default)]
    pub completion_tokens: u64,
    /// Sum of both.
    #[serde(default)]
    pub total_tokens: u64,
    /// The part of `completion_tokens` spent on reasoning, when the server says
    /// (`completion_tokens_details.reasoning_tokens` in Chat Completions,
    /// `output_tokens_details.reasoning_tokens` in Responses).
    #[serde(
        default,
        rename = "completion_tokens_details",
        deserialize_with = "reasoning_of_details"
    )]
    pub reasoning_tokens: Option<u64>,
}

/// `completion_tokens_details` → its `reasoning_tokens` (a derived struct, not a JSON value: the
/// embed stays small).
fn reasoning_of_details<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    #[derive(Deserialize)]
    struct Details {
        #[serde(default)]
        reasoning_tokens: Option<u64>,
    }
    Ok(Option::<Details>::deserialize(d)?.and_then(|d| d.reasoning_tokens))
}

/// llama.cpp's server-side `timings` object.
#[derive(Debug, Clone, Copy, PartialEq, Default, Deserialize)]
pub struct ServerTimings {
    /// Prompt tokens evaluated.
    #[serde(default)]
    pub prompt_n: Option<f64>,
    /// Time spent on the prompt, ms.
    #[serde(default)]
    pub prompt_ms: Option<f64>,
    /// Tokens generated.
    #[serde(default)]
    pub predicted_n: Option<f64>,
    /// Time spent generating, ms.
    #[serde(default)]
    pub predicted_ms: Option<f64>,
    /// Generation speed as the server measured it.
    #[serde(default)]
    pub predicted_per_second: Option<f64>,
}

/// A fragment of a tool call (`id` and `name` come in the first fragment, `arguments` in pieces).
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
pub struct ToolCallDelta {
    /// Which tool call this fragment belongs to (missing on some servers: treat as 0).
    #[serde(default, deserialize_with = "null_as_default")]
    pub index: u32,
    /// Call id, first fragment only.
    #[serde(default)]
    pub id: Option<String>,
    /// Function name and argument text.
    #[serde(default)]
    pub function: Option<FunctionDelta>,
}

/// The function part of a [`ToolCallDelta`].
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
pub struct FunctionDelta {
    /// Function name, first fragment only.
    #[serde(default)]
    pub name: Option<String>,
    /// A piece of the JSON arguments, to be concatenated.
    #[serde(default)]
    pub arguments: Option<String>,
}

/// `choices[].delta` of a stream chunk.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
pub struct Delta {
    /// Usually only in the first chunk (Ollama repeats it).
    #[serde(default)]
    pub role: Option<String>,
    /// Answer text (`null` or `""` in role-only chunks).
    #[serde(default)]
    pub content: Option<String>,
    /// A refusal instead of an answer.
    #[serde(default)]
    pub refusal: Option<String>,
    /// Reasoning text (llama.cpp, vLLM, DeepSeek).
    #[serde(default)]
    pub reasoning_content: Option<String>,
    /// Reasoning text (Ollama, OpenRouter).
    #[serde(default)]
    pub reasoning: Option<String>,
    /// Tool-call fragments.
    #[serde(default, deserialize_with = "null_as_default")]
    pub tool_calls: Vec<ToolCallDelta>,
}

impl Delta {
    /// The reasoning text in whichever field the server used.
    pub fn reasoning_text(&self) -> Option<&str> {
        self.reasoning_content
            .as_deref()
            .or(self.reasoning.as_deref())
            .filter(|s| !s.is_empty())
    }
}

/// One entry of `choices` in a stream chunk.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
pub struct ChunkChoice {
    /// Choice index (`n > 1` interleaves them).
    #[serde(default, deserialize_with = "null_as_default")]
    pub index: u32,
    /// The new text.
    #[serde(default, deserialize_with = "null_as_default")]
    pub delta: Delta,
    /// Why generation stopped; `None` while it goes on (`""` counts as `None`).
    #[serde(default, deserialize_with = "non_empty")]
    pub finish_reason: Option<String>,
}

/// A `chat.completion.chunk`.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
pub struct ChatChunk {
    /// Completion id.
    #[serde(default)]
    pub id: Option<String>,
    /// Model that answered.
    #[serde(default)]
    pub model: Option<String>,
    /// Choices; empty on Azure filter chunks and usage-only chunks.
    #[serde(default, deserialize_with = "null_as_default")]
    pub choices: Vec<ChunkChoice>,
    /// Token counts (final chunk with `include_usage`, or every chunk on some servers).
    #[serde(default)]
    pub usage: Option<Usage>,
    /// llama.cpp's server timings.
    #[serde(default)]
    pub timings: Option<ServerTimings>,
}

/// One choice of a non-streaming completion.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
pub struct CompletionChoice {
    /// Choice index.
    #[serde(default, deserialize_with = "null_as_default")]
    pub index: u32,
    /// The answer: the same fields as a stream delta (`content`, `refusal`, reasoning, ...).
    #[serde(default, deserialize_with = "null_as_default")]
    pub message: Delta,
    /// Why generation stopped.
    #[serde(default, deserialize_with = "non_empty")]
    pub finish_reason: Option<String>,
}

/// A non-streaming `chat.completion` response.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
pub struct ChatCompletion {
    /// Completion id.
    #[serde(default)]
    pub id: Option<String>,
    /// Model that answered.
    #[serde(default)]
    pub model: Option<String>,
    /// The answers.
    #[serde(default, deserialize_with = "null_as_default")]
    pub choices: Vec<CompletionChoice>,
    /// Token counts.
    #[serde(default)]
    pub usage: Option<Usage>,
    /// llama.cpp's server timings.
    #[serde(default)]
    pub timings: Option<ServerTimings>,
}

impl ChatCompletion {
    /// The completion expressed as one stream chunk, so one code path applies both modes.
    pub fn into_chunk(self) -> ChatChunk {
        ChatChunk {
            id: self.id,
            model: self.model,
            choices: self
                .choices
                .into_iter()
                .map(|c| ChunkChoice {
                    index: c.index,
                    delta: c.message,
                    finish_reason: c.finish_reason,
                })
                .collect(),
            usage: self.usage,
            timings: self.timings,
        }
    }
}

/// An error reported by the server, in-band or as an HTTP error body.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ApiError {
    /// Human-readable message.
    pub message: String,
    /// `type` of the error envelope, e.g. `invalid_request_error`.
    pub kind: Option<String>,
    /// `code`, as text (servers send strings or numbers).
    pub code: Option<String>,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)?;
        match (&self.kind, &self.code) {
            (Some(k), Some(c)) => write!(f, " ({k}, {c})"),
            (Some(x), None) | (None, Some(x)) => write!(f, " ({x})"),
            (None, None) => Ok(()),
        }
    }
}

/// What one SSE event means to a chat client.
#[derive(Debug, Clone, PartialEq)]
pub enum Frame {
    /// A `chat.completion.chunk`.
    Chunk(ChatChunk),
    /// `data: [DONE]`: the stream is over.
    Done,
    /// An error the server sent inside the stream.
    Error(ApiError),
    /// Not something we understand (`data: null`, `data: : keepalive`, plain text, ...):
    /// skipped, with a warning for the UI.
    Skip {
        /// Why it was skipped.
        warning: String,
    },
}

/// Maps one SSE event to a [`Frame`].
pub fn frame_from_event(event: &SseEvent) -> Frame {
    let data = event.data.trim();
    if event.event == "error" {
        let error = parse_error_value(data).unwrap_or_else(|| ApiError {
            message: if data.is_empty() {
                "the server sent an error event without a message".to_owned()
            } else {
                excerpt(data, 500)
            },
            ..ApiError::default()
        });
        return Frame::Error(error);
    }
    if data == "[DONE]" {
        return Frame::Done;
    }
    if data.is_empty() {
        return Frame::Skip {
            warning: "skipped an event with empty data".to_owned(),
        };
    }
    // One parse on the common path: straight into the chunk type. Only text that may hold an
    // in-band error envelope (it has an `"error"` key or value), or that is not a chunk, is
    // parsed again as a generic value to say what it is.
    if !data.contains("\"error\"") {
        if let Ok(chunk) = serde_json::from_str::<ChatChunk>(data) {
            return Frame::Chunk(chunk);
        }
    }
    let value: serde_json::Value = match serde_json::from_str(data) {
        Ok(v) => v,
        Err(_) => {
            return Frame::Skip {
                warning: format!("skipped a chunk that is not JSON: {}", excerpt(data, 80)),
            }
        }
    };
    if let Some(error) = in_band_error(&value) {
        return Frame::Error(error);
    }
    if !value.is_object() {
        return Frame::Skip {
            warning: format!(
                "skipped a chunk that is not a JSON object: {}",
                excerpt(data, 80)
            ),
        };
    }
    match serde_json::from_value::<ChatChunk>(value) {
        Ok(chunk) => Frame::Chunk(chunk),
        Err(e) => Frame::Skip {
            warning: format!("skipped a malformed chunk ({e}): {}", excerpt(data, 80)),
        },
    }
}

/// Recognises the in-band error shapes servers use at HTTP 200:
/// `{"error":{"message":..}}`, `{"error":"text"}`, `{"object":"error","message":..}`,
/// Anthropic's `{"type":"error","error":{..}}`.
fn in_band_error(value: &serde_json::Value) -> Option<ApiError> {
    let obj = value.as_object()?;
    if let Some(err) = obj.get("error").filter(|e| !e.is_null()) {
        return Some(match err {
            serde_json::Value::String(s) => ApiError {
                message: s.clone(),
                ..ApiError::default()
            },
            serde_json::Value::Object(_) => error_from_object(err),
            other => ApiError {
                message: other.to_string(),
                ..ApiError::default()
            },
        });
    }
    if obj.get("object").and_then(|o| o.as_str()) == Some("error") {
        return Some(error_from_object(value));
    }
    None
}

fn error_from_object(value: &serde_json::Value) -> ApiError {
    let text = |key: &str| -> Option<String> {
        match value.get(key)? {
            serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    };
    ApiError {
        message: text("message")
            .or_else(|| text("error_message"))
            .unwrap_or_else(|| "the server reported an error without a message".to_owned()),
        kind: text("type").or_else(|| text("error_type")),
        code: text("code"),
    }
}

fn parse_error_value(text: &str) -> Option<ApiError> {
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    in_band_error(&value).or_else(|| value.is_object().then(|| error_from_object(&value)))
}

/// Builds the error for a non-2xx response from its status and body: the API error envelope's
/// message when there is one (also FastAPI's `{"detail": ..}`), else `HTTP <status>` with a short
/// plain-text excerpt of the body (markup stripped, never rendered as HTML).
pub fn error_from_http(status: u16, body: &str) -> ApiError {
    let code = Some(status.to_string());
    if let Ok(value) = serde_json::from_str::<serde_json::Value>(body) {
        if let Some(mut e) = in_band_error(&value) {
            e.code = e.code.or(code);
            return e;
        }
        if let Some(detail) = value.get("detail") {
            let message = match detail {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            return ApiError {
                message,
                kind: None,
                code,
            };
        }
        if let Some(message) = value.get("message").and_then(|m| m.as_str()) {
            return ApiError {
                message: message.to_owned(),
                kind: None,
                code,
            };
        }
    }
    // The caller shows the status already: say what it means, or what the body says.
    let text = excerpt(&strip_markup(body), 200);
    ApiError {
        message: if text.is_empty() {
            reason_phrase(status).to_owned()
        } else {
            text
        },
        kind: None,
        code: None,
    }
}

/// The standard reason phrase of an HTTP status ("Service Unavailable").
pub fn reason_phrase(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        413 => "Payload Too Large",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Content",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "the server gave no reason",
    }
}

/// Removes `<...>` tags (and the contents of `<script>` and `<style>`) and collapses white
/// space, for a readable excerpt of an HTML error page.
pub fn strip_markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(4096));
    let mut rest = text;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        out.push(' ');
        let tag = &rest[open + 1..];
        let Some(close) = tag.find('>') else {
            rest = "";
            break;
        };
        let name: String = tag[..close]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        rest = &tag[close + 1..];
        if name == "script" || name == "style" {
            // Skip to the matching end tag (ASCII case-insensitively).
            let end = format!("</{name}");
            let lower = rest.to_ascii_lowercase();
            rest = match lower.find(&end) {
                Some(i) => rest[i..].find('>').map_or("", |j| &rest[i + j + 1..]),
                None => "",
            };
        }
    }
    out.push_str(rest);
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `text` when it has at most `max` characters; else its first `max - 1` characters (trailing
/// white space trimmed) and `…`: never more than `max` characters. The one helper that cuts a
/// text for display (error excerpts, warnings, titles).
pub fn excerpt(text: &str, max: usize) -> String {
    let Some((end, _)) = text.char_indices().nth(max.saturating_sub(1)) else {
        return text.to_owned();
    };
    if text[end..].chars().nth(1).is_none() {
        return text.to_owned();
    }
    let mut out = text[..end].trim_end().to_owned();
    out.push('…');
    out
}

/// Reads a non-streaming response body: a completion, or an in-band error at HTTP 200.
pub fn parse_completion(body: &str) -> Result<ChatCompletion, ApiError> {
    let value: serde_json::Value = serde_json::from_str(body).map_err(|e| ApiError {
        message: format!(
            "the response is not JSON ({e}): {}",
            excerpt(&strip_markup(body), 120)
        ),
        ..ApiError::default()
    })?;
    if let Some(error) = in_band_error(&value) {
        return Err(error);
    }
    serde_json::from_value(value).map_err(|e| ApiError {
        message: format!("the response is not a chat completion: {e}"),
        ..ApiError::default()
    })
}

pub(crate) fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

pub(crate) fn non_empty<'de, D>(d: D) -> Result<Option<String>, D::Error>
where
    D: Deserializer<'de>,
{
    Ok(Option::<String>::deserialize(d)?.filter(|s| !s.is_empty()))
}
