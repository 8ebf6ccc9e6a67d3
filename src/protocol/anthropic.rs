//! The Anthropic Messages API (`POST {endpoint}/messages`), mapped to chat [`Frame`]s.
//!
//! # Request
//!
//! `{model, max_tokens, messages: [{role, content}, …], system, stream, temperature}`: the user
//! and assistant messages go to `messages`, the system prompt to `system` (left out when blank).
//! `max_tokens` is required by the API: the setting, else [`DEFAULT_MAX_TOKENS`]. Headers:
//! `anthropic-version: 2023-06-01` always; with a key, `x-api-key` and
//! `anthropic-dangerous-direct-browser-access: true`; never `Authorization`.
//!
//! # Stream
//!
//! The JSON `type` names the event (the SSE `event:` name agrees, and is the fallback).
//!
//! | event (`type`) | frames |
//! | --- | --- |
//! | `message_start` | a role-only chunk with `message.id` and `message.model`; `message.usage.input_tokens` (plus the cache read and creation tokens) is kept as the prompt tokens |
//! | `content_block_start` of a `text` / `thinking` block | nothing (content / reasoning if the block starts with text) |
//! | `content_block_start` of a `tool_use` block | the call's first tool-call fragment: `index` (0, 1, … in order of appearance), `id`, `name` |
//! | `content_block_delta` `text_delta` | content `text` |
//! | `content_block_delta` `thinking_delta` | reasoning `thinking` (a new thinking block starts after a blank line) |
//! | `content_block_delta` `input_json_delta` | an `arguments` fragment (`partial_json`) of the tool call of that block `index` |
//! | `content_block_delta` `signature_delta`, `citations_delta`, others | nothing |
//! | `content_block_stop` | nothing; for a tool call that got no `partial_json`, its start `input` (`{}`) as the arguments |
//! | `message_delta` | a chunk with the finish reason of `delta.stop_reason` (`end_turn`, `stop_sequence` → `stop`; `max_tokens` → `length`; `tool_use` → `tool_calls`; others as they are) and `usage` (`output_tokens` → completion) |
//! | `message_stop` | [`Frame::Done`] |
//! | `ping` | nothing: a keep-alive, counted by [`AnthropicMapper::keepalives`] (not a chunk, not a token) |
//! | `error` (or `event: error`) | [`Frame::Error`] with `error.message` and `error.type` (e.g. `overloaded_error`) |
//! | any other type | nothing |
//! | data that is not a JSON object, or has no type | [`Frame::Skip`] with a warning |
//!
//! llama.cpp (b11669) serves this API too, without `ping` events; its `message_start` usage
//! counts cached prompt tokens in `cache_read_input_tokens`.
//!
//! # Non-streaming
//!
//! The Message object: `content[]` blocks `text`, `thinking`, `tool_use` (its `input` object
//! becomes the compact JSON `arguments`), `stop_reason` (mapped as above) and `usage`.
//!
//! # HTTP errors
//!
//! `{"type": "error", "error": {"type", "message"}}`, read by [`error_from_http`].

use serde::{Deserialize, Serialize};
use serde_json::{value::RawValue, Value};

use super::{
    begin_event, chunk_frame, content_frame, error_from_value, has_error, parse_body,
    reasoning_frame, role_frame, split_system, str_at, tool_call, tool_frame, u64_at, InputMessage,
    ReasoningParts,
};
use crate::{
    openai::{ApiError, ChatCompletion, ChatRequest, CompletionChoice, Delta, Frame, Usage},
    sse::SseEvent,
};

/// `max_tokens` when the settings have none: the API requires one.
pub const DEFAULT_MAX_TOKENS: u32 = 256;

#[derive(Serialize)]
struct Body<'a> {
    model: &'a str,
    max_tokens: u32,
    messages: Vec<InputMessage<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    system: Option<String>,
    stream: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    temperature: Option<f32>,
}

/// The JSON body of `POST {endpoint}/messages` for `request`.
pub fn request_body(request: &ChatRequest) -> String {
    let (system, messages) = split_system(request);
    serde_json::to_string(&Body {
        model: &request.model,
        max_tokens: request.max_tokens.unwrap_or(DEFAULT_MAX_TOKENS),
        messages,
        system,
        stream: request.stream,
        temperature: request.temperature,
    })
    .expect("a messages request always serialises")
}

/// The error for a non-2xx response: `{"type":"error","error":{"type","message"}}` (and the
/// OpenAI envelope, which llama.cpp sends on this endpoint too), read by
/// [`crate::openai::error_from_http`].
pub fn error_from_http(status: u16, body: &str) -> ApiError {
    crate::openai::error_from_http(status, body)
}

/// A `stop_reason` as a chat finish reason.
pub fn finish_reason(stop_reason: &str) -> String {
    match stop_reason {
        "end_turn" | "stop_sequence" => "stop",
        "max_tokens" => "length",
        "tool_use" => "tool_calls",
        other => other,
    }
    .to_owned()
}

/// Prompt tokens of a usage object: `input_tokens` plus the tokens read from or written to the
/// prompt cache (Anthropic counts those apart); `None` when it has none of them.
fn prompt_tokens(usage: &Value) -> Option<u64> {
    let parts = [
        "/input_tokens",
        "/cache_read_input_tokens",
        "/cache_creation_input_tokens",
    ]
    .map(|p| u64_at(usage, p));
    parts
        .iter()
        .any(Option::is_some)
        .then(|| parts.iter().flatten().sum())
}

/// What a content block of the stream is.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Block {
    Text,
    Thinking,
    Tool {
        /// The tool-call index of its fragments.
        call: u32,
        /// The `input` of `content_block_start`, compact JSON.
        input: String,
        arguments_seen: bool,
    },
    Other,
}

/// Maps the events of one streamed message to frames. See the module docs for the table.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AnthropicMapper {
    finished: bool,
    /// Content blocks by their `index`.
    blocks: Vec<(u64, Block)>,
    tools: u32,
    prompt_tokens: Option<u64>,
    output_tokens: Option<u64>,
    keepalives: u64,
    reasoning: ReasoningParts,
}

impl AnthropicMapper {
    /// A mapper for one message.
    pub fn new() -> Self {
        Self::default()
    }

    /// `message_stop` or an error arrived.
    pub fn finished(&self) -> bool {
        self.finished
    }

    /// `ping` events seen.
    pub fn keepalives(&self) -> u64 {
        self.keepalives
    }

    fn block(&mut self, index: u64) -> Option<&mut Block> {
        self.blocks
            .iter_mut()
            .find(|(i, _)| *i == index)
            .map(|(_, b)| b)
    }

    fn set_block(&mut self, index: u64, block: Block) {
        match self.block(index) {
            Some(b) => *b = block,
            None => self.blocks.push((index, block)),
        }
    }

    /// Makes block `index` the next tool call; returns its tool-call index.
    fn new_tool(&mut self, index: u64, input: String) -> u32 {
        let call = self.tools;
        self.tools += 1;
        self.set_block(
            index,
            Block::Tool {
                call,
                input,
                arguments_seen: false,
            },
        );
        call
    }

    /// Maps one event to zero or more frames; nothing after the terminal event.
    pub fn on_event(&mut self, event: &SseEvent, out: &mut Vec<Frame>) {
        let Some((kind, v)) = begin_event(&mut self.finished, event, out) else {
            return;
        };
        let index = u64_at(&v, "/index").unwrap_or(0);
        match kind.as_str() {
            "message_start" => {
                let message = v.get("message").unwrap_or(&Value::Null);
                if let Some(usage) = message.get("usage") {
                    self.prompt_tokens = prompt_tokens(usage);
                    self.output_tokens = u64_at(usage, "/output_tokens");
                }
                out.push(role_frame(
                    str_at(message, "/id"),
                    str_at(message, "/model"),
                ));
            }
            "content_block_start" => {
                let block = v.get("content_block").unwrap_or(&Value::Null);
                match str_at(block, "/type") {
                    Some("text") => {
                        self.set_block(index, Block::Text);
                        if let Some(text) = str_at(block, "/text") {
                            out.push(content_frame(text));
                        }
                    }
                    Some("thinking") => {
                        self.set_block(index, Block::Thinking);
                        if let Some(text) = str_at(block, "/thinking") {
                            out.push(self.thinking(index, text));
                        }
                    }
                    Some("tool_use") => {
                        let input = block
                            .get("input")
                            .filter(|i| !i.is_null())
                            .map_or_else(|| "{}".to_owned(), Value::to_string);
                        let call = self.new_tool(index, input);
                        out.push(tool_frame(tool_call(
                            call,
                            str_at(block, "/id").map(str::to_owned),
                            str_at(block, "/name").map(str::to_owned),
                            None,
                        )));
                    }
                    _ => self.set_block(index, Block::Other),
                }
            }
            "content_block_delta" => {
                let delta = v.get("delta").unwrap_or(&Value::Null);
                match str_at(delta, "/type") {
                    Some("text_delta") => {
                        if let Some(text) = str_at(delta, "/text") {
                            out.push(content_frame(text));
                        }
                    }
                    Some("thinking_delta") => {
                        if let Some(text) = str_at(delta, "/thinking") {
                            out.push(self.thinking(index, text));
                        }
                    }
                    Some("input_json_delta") => {
                        let Some(json) = str_at(delta, "/partial_json") else {
                            return;
                        };
                        if self.block(index).is_none() {
                            // A delta without its block start: a call with no id or name.
                            self.new_tool(index, "{}".to_owned());
                        }
                        if let Some(Block::Tool {
                            call,
                            arguments_seen,
                            ..
                        }) = self.block(index)
                        {
                            *arguments_seen = true;
                            let call = *call;
                            out.push(tool_frame(tool_call(
                                call,
                                None,
                                None,
                                Some(json.to_owned()),
                            )));
                        }
                    }
                    _ => {}
                }
            }
            "content_block_stop" => {
                if let Some(Block::Tool {
                    call,
                    input,
                    arguments_seen: seen @ false,
                }) = self.block(index)
                {
                    *seen = true;
                    let frame = tool_frame(tool_call(*call, None, None, Some(input.clone())));
                    out.push(frame);
                }
            }
            "message_delta" => {
                let reason = str_at(&v, "/delta/stop_reason").map(finish_reason);
                let usage = v.get("usage").filter(|u| u.is_object()).map(|u| {
                    if let Some(prompt) = prompt_tokens(u) {
                        self.prompt_tokens = Some(prompt);
                    }
                    if let Some(output) = u64_at(u, "/output_tokens") {
                        self.output_tokens = Some(output);
                    }
                    let prompt = self.prompt_tokens.unwrap_or(0);
                    let completion = self.output_tokens.unwrap_or(0);
                    Usage {
                        prompt_tokens: prompt,
                        completion_tokens: completion,
                        total_tokens: prompt + completion,
                        reasoning_tokens: None,
                    }
                });
                if reason.is_some() || usage.is_some() {
                    let mut frame = chunk_frame(Delta::default(), reason);
                    if let Frame::Chunk(chunk) = &mut frame {
                        chunk.usage = usage;
                    }
                    out.push(frame);
                }
            }
            "message_stop" => {
                out.push(Frame::Done);
                self.finished = true;
            }
            "ping" => self.keepalives += 1,
            "error" => {
                out.push(Frame::Error(error_from_value(
                    &v,
                    "the server sent an error event without a message",
                )));
                self.finished = true;
            }
            _ => {}
        }
    }

    fn thinking(&mut self, index: u64, text: &str) -> Frame {
        reasoning_frame(self.reasoning.text(index.to_string(), text))
    }
}

/// The `input` of each content block as the server wrote it (a parsed [`Value`] would sort an
/// object's keys).
#[derive(Deserialize)]
struct RawContent<'a> {
    #[serde(borrow, default)]
    content: Vec<RawBlock<'a>>,
}

#[derive(Deserialize)]
struct RawBlock<'a> {
    #[serde(borrow, default)]
    input: Option<&'a RawValue>,
}

/// Reads a non-streaming response body: the Message object, or the error in it.
pub fn parse_response(body: &str) -> Result<ChatCompletion, ApiError> {
    let v = parse_body(body, "an Anthropic message")?;
    if str_at(&v, "/type") == Some("error") || has_error(&v) {
        return Err(error_from_value(
            &v,
            "the server reported an error without a message",
        ));
    }
    let Some(blocks) = v.get("content").and_then(Value::as_array) else {
        return Err(ApiError {
            message: format!(
                "the response is not an Anthropic message (no content): {}",
                crate::openai::excerpt(&v.to_string(), 120)
            ),
            ..ApiError::default()
        });
    };
    let mut delta = Delta {
        role: Some("assistant".to_owned()),
        ..Delta::default()
    };
    let (mut content, mut reasoning) = (String::new(), Vec::new());
    let raw = serde_json::from_str::<RawContent>(body).map_or_else(|_| Vec::new(), |r| r.content);
    for (i, block) in blocks.iter().enumerate() {
        match str_at(block, "/type") {
            Some("text") => content.push_str(str_at(block, "/text").unwrap_or("")),
            Some("thinking") => reasoning.extend(str_at(block, "/thinking")),
            Some("tool_use") => {
                let index = delta.tool_calls.len() as u32;
                let written = raw
                    .get(i)
                    .and_then(|b| b.input)
                    .map(|r| r.get().trim())
                    .filter(|r| *r != "null");
                let input = match written {
                    Some(text) => text.to_owned(),
                    None => block
                        .get("input")
                        .filter(|i| !i.is_null())
                        .map_or_else(|| "{}".to_owned(), Value::to_string),
                };
                delta.tool_calls.push(tool_call(
                    index,
                    str_at(block, "/id").map(str::to_owned),
                    str_at(block, "/name").map(str::to_owned),
                    Some(input),
                ));
            }
            _ => {}
        }
    }
    delta.content = Some(content);
    delta.reasoning_content = (!reasoning.is_empty()).then(|| reasoning.join("\n\n"));
    let usage = v.get("usage").filter(|u| u.is_object()).map(|u| {
        let prompt = prompt_tokens(u).unwrap_or(0);
        let completion = u64_at(u, "/output_tokens").unwrap_or(0);
        Usage {
            prompt_tokens: prompt,
            completion_tokens: completion,
            total_tokens: prompt + completion,
            reasoning_tokens: None,
        }
    });
    Ok(ChatCompletion {
        id: str_at(&v, "/id").map(str::to_owned),
        model: str_at(&v, "/model").map(str::to_owned),
        choices: vec![CompletionChoice {
            index: 0,
            message: delta,
            finish_reason: str_at(&v, "/stop_reason").map(finish_reason),
        }],
        usage,
        timings: None,
    })
}
