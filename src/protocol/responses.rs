//! The OpenAI Responses API (`POST {endpoint}/responses`), mapped to chat [`Frame`]s.
//!
//! # Request
//!
//! `{model, input: [{role, content}, …], stream, max_output_tokens, temperature, instructions}`:
//! the user and assistant messages go to `input`, the system prompt to `instructions` (left out
//! when blank), the max-tokens setting to `max_output_tokens`. Auth is `Authorization: Bearer`.
//!
//! # Stream
//!
//! Every event names itself twice, in the SSE `event:` field and in the JSON `type`; the JSON
//! `type` is read (the event name is the fallback). There is no `data: [DONE]`: the stream ends
//! with `response.completed`, `response.incomplete` or `response.failed` (a `[DONE]` that a proxy
//! adds is read as [`Frame::Done`], and ignored after the terminal event).
//!
//! | event (`type`) | frames |
//! | --- | --- |
//! | `response.created` | a role-only chunk with `response.id` and `response.model` |
//! | `response.output_text.delta` | content `delta` |
//! | `response.reasoning_summary_text.delta`, `response.reasoning_text.delta` | reasoning `delta` (a new summary part or item starts after a blank line) |
//! | `response.refusal.delta` | refusal `delta` |
//! | `response.output_item.added` with an `item.type` of `function_call` | the call's first tool-call fragment: `index` (0, 1, … in order of appearance), `id` = `item.call_id`, `name`, and `arguments` when the item already has some |
//! | `response.function_call_arguments.delta` | an `arguments` fragment of the call whose `item_id` (else `output_index`) it names |
//! | `response.function_call_arguments.done`, `response.output_item.done` (function call) | the whole `arguments`, only when no fragment carried any (else nothing) |
//! | `response.completed` | a chunk with the finish reason (`tool_calls` when the output holds function calls and no text, else `stop`), `usage` (`input_tokens` → prompt, `output_tokens` → completion, `total_tokens`) and llama.cpp's `timings`; then [`Frame::Done`] |
//! | `response.incomplete` | the same, with the finish reason `length` when `incomplete_details.reason` is `max_output_tokens`, else that reason as it is; then [`Frame::Done`] |
//! | `response.failed` | [`Frame::Error`] with `response.error.message` and `code` |
//! | `error` (or `event: error`) | [`Frame::Error`] with `message` (or `error.message`), `code`, `type` |
//! | any other type (`response.in_progress`, `response.content_part.added`, `….done`, web search, audio, …) | nothing |
//! | data that is not a JSON object, or has no type | [`Frame::Skip`] with a warning |
//!
//! `output_tokens_details.reasoning_tokens`, when present, goes to [`Usage::reasoning_tokens`]
//! (and is kept by the mapper: [`ResponsesMapper::reasoning_tokens`]).
//!
//! llama.cpp (b11669) sends `timings` next to `response` in the `response.completed` event, and
//! reports `status: "completed"` also when `max_output_tokens` cut the answer.
//!
//! # Non-streaming
//!
//! The whole Response object: `output[]` items of type `message` (their `content[]` parts
//! `output_text` and `refusal`), `reasoning` (`summary[]` and `content[]` texts), `function_call`;
//! `status` (`failed` is an error, `incomplete` gives the finish reason as above) and `usage`.
//!
//! # HTTP errors
//!
//! `{"error": {"message", "type", "code"}}`, as for chat: [`error_from_http`].

use serde::Serialize;
use serde_json::Value;

use super::{
    begin_event, chunk_frame, content_frame, error_from_value, has_error, parse_body,
    reasoning_frame, refusal_frame, role_frame, split_system, str_at, tool_call, tool_frame,
    u64_at, InputMessage, ReasoningParts,
};
use crate::{
    openai::{
        ApiError, ChatCompletion, ChatRequest, CompletionChoice, Delta, Frame, ServerTimings, Usage,
    },
    sse::SseEvent,
};

#[derive(Serialize)]
struct Body<'a> {
    model: &'a str,
    input: Vec<InputMessage<'a>>,
    stream: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_output_tokens: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    temperature: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    instructions: Option<String>,
}

/// The JSON body of `POST {endpoint}/responses` for `request` (`stream_options` has no
/// counterpart: the final event always carries the usage).
pub fn request_body(request: &ChatRequest) -> String {
    let (instructions, input) = split_system(request);
    serde_json::to_string(&Body {
        model: &request.model,
        input,
        stream: request.stream,
        max_output_tokens: request.max_tokens,
        temperature: request.temperature,
        instructions,
    })
    .expect("a responses request always serialises")
}

/// The error for a non-2xx response: the same envelope as chat, read by
/// [`crate::openai::error_from_http`].
pub fn error_from_http(status: u16, body: &str) -> ApiError {
    crate::openai::error_from_http(status, body)
}

/// One function call of the response, in order of appearance (its position is the tool-call
/// `index` of its fragments).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Call {
    item_id: Option<String>,
    output_index: Option<u64>,
    arguments_seen: bool,
}

/// Maps the events of one streamed response to frames. See the module docs for the table.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResponsesMapper {
    finished: bool,
    calls: Vec<Call>,
    saw_text: bool,
    reasoning: ReasoningParts,
    reasoning_tokens: Option<u64>,
}

impl ResponsesMapper {
    /// A mapper for one response.
    pub fn new() -> Self {
        Self::default()
    }

    /// `response.completed`, `response.incomplete`, `response.failed` or an error arrived.
    pub fn finished(&self) -> bool {
        self.finished
    }

    /// `usage.output_tokens_details.reasoning_tokens` of the final event, when the server sent it.
    pub fn reasoning_tokens(&self) -> Option<u64> {
        self.reasoning_tokens
    }

    /// Maps one event to zero or more frames; nothing after the terminal event.
    pub fn on_event(&mut self, event: &SseEvent, out: &mut Vec<Frame>) {
        let Some((kind, v)) = begin_event(&mut self.finished, event, out) else {
            return;
        };
        match kind.as_str() {
            "response.created" => out.push(role_frame(
                str_at(&v, "/response/id"),
                str_at(&v, "/response/model"),
            )),
            "response.output_text.delta" => {
                if let Some(delta) = str_at(&v, "/delta") {
                    self.saw_text = true;
                    out.push(content_frame(delta));
                }
            }
            "response.refusal.delta" => {
                if let Some(delta) = str_at(&v, "/delta") {
                    self.saw_text = true;
                    out.push(refusal_frame(delta));
                }
            }
            "response.reasoning_summary_text.delta" | "response.reasoning_text.delta" => {
                if let Some(delta) = str_at(&v, "/delta") {
                    let part = format!(
                        "{kind} {} {} {}",
                        str_at(&v, "/item_id").unwrap_or_default(),
                        u64_at(&v, "/output_index").unwrap_or_default(),
                        u64_at(&v, "/summary_index")
                            .or_else(|| u64_at(&v, "/content_index"))
                            .unwrap_or_default(),
                    );
                    out.push(reasoning_frame(self.reasoning.text(part, delta)));
                }
            }
            "response.output_item.added" => {
                let item = v.get("item").unwrap_or(&Value::Null);
                if str_at(item, "/type") == Some("function_call") {
                    self.call_item(item, u64_at(&v, "/output_index"), out);
                }
            }
            "response.function_call_arguments.delta" => {
                let (index, _) =
                    self.call_index(str_at(&v, "/item_id"), u64_at(&v, "/output_index"));
                if let Some(delta) = str_at(&v, "/delta") {
                    self.calls[index].arguments_seen = true;
                    out.push(tool_frame(tool_call(
                        index as u32,
                        None,
                        None,
                        Some(delta.to_owned()),
                    )));
                }
            }
            "response.function_call_arguments.done" => {
                let (index, _) =
                    self.call_index(str_at(&v, "/item_id"), u64_at(&v, "/output_index"));
                self.late_arguments(index, str_at(&v, "/arguments"), out);
            }
            "response.output_item.done" => {
                let item = v.get("item").unwrap_or(&Value::Null);
                if str_at(item, "/type") == Some("function_call") {
                    self.call_item(item, u64_at(&v, "/output_index"), out);
                }
            }
            "response.completed" | "response.incomplete" => {
                let response = v.get("response").unwrap_or(&Value::Null);
                let incomplete = kind == "response.incomplete"
                    || str_at(response, "/status") == Some("incomplete");
                let reason = if incomplete {
                    incomplete_reason(response)
                } else {
                    let (calls, text) =
                        output_kinds(response).unwrap_or((!self.calls.is_empty(), self.saw_text));
                    completed_reason(calls, text)
                };
                self.reasoning_tokens =
                    u64_at(response, "/usage/output_tokens_details/reasoning_tokens");
                let mut frame = chunk_frame(Delta::default(), Some(reason));
                if let Frame::Chunk(chunk) = &mut frame {
                    chunk.id = str_at(response, "/id").map(str::to_owned);
                    chunk.model = str_at(response, "/model").map(str::to_owned);
                    chunk.usage = usage_of(response);
                    chunk.timings = timings_of(v.get("timings"))
                        .or_else(|| timings_of(response.get("timings")));
                }
                out.push(frame);
                out.push(Frame::Done);
                self.finished = true;
            }
            "response.failed" => {
                let response = v.get("response").unwrap_or(&Value::Null);
                out.push(Frame::Error(error_from_value(
                    response,
                    "the server reported that the response failed",
                )));
                self.finished = true;
            }
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

    /// The call an event names (by `item_id`, else `output_index`), registered when new.
    fn call_index(&mut self, item_id: Option<&str>, output_index: Option<u64>) -> (usize, bool) {
        let found = self.calls.iter().position(|c| match (item_id, &c.item_id) {
            (Some(a), Some(b)) => a == b,
            _ => output_index.is_some() && c.output_index == output_index,
        });
        match found {
            Some(i) => (i, false),
            None => {
                self.calls.push(Call {
                    item_id: item_id.map(str::to_owned),
                    output_index,
                    arguments_seen: false,
                });
                (self.calls.len() - 1, true)
            }
        }
    }

    /// A `function_call` item (added or done): the first fragment when the call is new, else
    /// the arguments when none arrived yet.
    fn call_item(&mut self, item: &Value, output_index: Option<u64>, out: &mut Vec<Frame>) {
        let (index, new) = self.call_index(str_at(item, "/id"), output_index);
        let arguments = str_at(item, "/arguments");
        if new {
            let id = str_at(item, "/call_id").or(str_at(item, "/id"));
            self.calls[index].arguments_seen = arguments.is_some();
            out.push(tool_frame(tool_call(
                index as u32,
                id.map(str::to_owned),
                str_at(item, "/name").map(str::to_owned),
                arguments.map(str::to_owned),
            )));
        } else {
            self.late_arguments(index, arguments, out);
        }
    }

    /// The whole arguments of a call, sent only when no fragment carried any.
    fn late_arguments(&mut self, index: usize, arguments: Option<&str>, out: &mut Vec<Frame>) {
        if let Some(arguments) = arguments.filter(|_| !self.calls[index].arguments_seen) {
            self.calls[index].arguments_seen = true;
            out.push(tool_frame(tool_call(
                index as u32,
                None,
                None,
                Some(arguments.to_owned()),
            )));
        }
    }
}

/// `incomplete_details.reason` as a chat finish reason.
fn incomplete_reason(response: &Value) -> String {
    match str_at(response, "/incomplete_details/reason") {
        Some("max_output_tokens") => "length".to_owned(),
        Some(other) => other.to_owned(),
        None => "incomplete".to_owned(),
    }
}

fn completed_reason(calls: bool, text: bool) -> String {
    if calls && !text { "tool_calls" } else { "stop" }.to_owned()
}

/// Whether a response's `output` holds function calls, and text (or a refusal); `None` when it
/// has no output items to tell.
fn output_kinds(response: &Value) -> Option<(bool, bool)> {
    let items = response
        .get("output")?
        .as_array()
        .filter(|a| !a.is_empty())?;
    let calls = items
        .iter()
        .any(|i| str_at(i, "/type") == Some("function_call"));
    let text = items.iter().any(|i| {
        str_at(i, "/type") == Some("message")
            && i.get("content")
                .and_then(Value::as_array)
                .is_some_and(|parts| {
                    parts
                        .iter()
                        .any(|p| str_at(p, "/text").or(str_at(p, "/refusal")).is_some())
                })
    });
    Some((calls, text))
}

fn usage_of(response: &Value) -> Option<Usage> {
    let usage = response.get("usage").filter(|u| u.is_object())?;
    let prompt = u64_at(usage, "/input_tokens").unwrap_or(0);
    let completion = u64_at(usage, "/output_tokens").unwrap_or(0);
    Some(Usage {
        prompt_tokens: prompt,
        completion_tokens: completion,
        total_tokens: u64_at(usage, "/total_tokens").unwrap_or(prompt + completion),
        reasoning_tokens: u64_at(usage, "/output_tokens_details/reasoning_tokens"),
    })
}

fn timings_of(value: Option<&Value>) -> Option<ServerTimings> {
    value
        .filter(|t| t.is_object())
        .and_then(|t| serde_json::from_value(t.clone()).ok())
}

/// The texts of a reasoning item's `summary[]` and `content[]`, a blank line apart.
fn reasoning_of(item: &Value) -> Vec<&str> {
    ["summary", "content"]
        .into_iter()
        .filter_map(|key| item.get(key).and_then(Value::as_array))
        .flatten()
        .filter_map(|part| str_at(part, "/text"))
        .collect()
}

/// Reads a non-streaming response body: the Response object, or the error in it (an error
/// envelope, or `status: "failed"`).
pub fn parse_response(body: &str) -> Result<ChatCompletion, ApiError> {
    let v = parse_body(body, "a Responses API response")?;
    if has_error(&v) || str_at(&v, "/status") == Some("failed") {
        return Err(error_from_value(
            &v,
            "the server reported that the response failed",
        ));
    }
    if v.get("output").is_none() && v.get("status").is_none() {
        return Err(ApiError {
            message: format!(
                "the response is not a Responses API response (no output): {}",
                crate::openai::excerpt(&v.to_string(), 120)
            ),
            ..ApiError::default()
        });
    }
    let mut delta = Delta {
        role: Some("assistant".to_owned()),
        ..Delta::default()
    };
    let (mut content, mut refusal, mut reasoning) = (String::new(), String::new(), Vec::new());
    let items = v.get("output").and_then(Value::as_array);
    for item in items.into_iter().flatten() {
        match str_at(item, "/type") {
            Some("message") => {
                let parts = item.get("content").and_then(Value::as_array);
                for part in parts.into_iter().flatten() {
                    match str_at(part, "/type") {
                        Some("output_text") => {
                            content.push_str(str_at(part, "/text").unwrap_or(""))
                        }
                        Some("refusal") => refusal.push_str(str_at(part, "/refusal").unwrap_or("")),
                        _ => {}
                    }
                }
            }
            Some("reasoning") => reasoning.extend(reasoning_of(item)),
            Some("function_call") => {
                let index = delta.tool_calls.len() as u32;
                delta.tool_calls.push(tool_call(
                    index,
                    str_at(item, "/call_id")
                        .or(str_at(item, "/id"))
                        .map(str::to_owned),
                    str_at(item, "/name").map(str::to_owned),
                    Some(str_at(item, "/arguments").unwrap_or("").to_owned()),
                ));
            }
            _ => {}
        }
    }
    let finish_reason = if str_at(&v, "/status") == Some("incomplete") {
        incomplete_reason(&v)
    } else {
        completed_reason(
            !delta.tool_calls.is_empty(),
            !content.is_empty() || !refusal.is_empty(),
        )
    };
    delta.content = Some(content);
    delta.refusal = (!refusal.is_empty()).then_some(refusal);
    delta.reasoning_content = (!reasoning.is_empty()).then(|| reasoning.join("\n\n"));
    Ok(ChatCompletion {
        id: str_at(&v, "/id").map(str::to_owned),
        model: str_at(&v, "/model").map(str::to_owned),
        choices: vec![CompletionChoice {
            index: 0,
            message: delta,
            finish_reason: Some(finish_reason),
        }],
        usage: usage_of(&v),
        timings: timings_of(v.get("timings")),
    })
}
