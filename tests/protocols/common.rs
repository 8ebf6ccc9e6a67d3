//! Helpers: events, frames built by hand, frames folded into what a reader sees, fixtures.
#![allow(dead_code)] // each test module uses its own subset

use chat_stream::{
    openai::{ChatChunk, ChunkChoice, Delta, Frame, FunctionDelta, ToolCallDelta, Usage},
    protocol::Protocol,
    sse::{SseDecoder, SseEvent},
    transcript::{RequestOptions, Transcript},
};

/// An event as the decoder delivers it.
pub fn ev(event: &str, data: &str) -> SseEvent {
    SseEvent {
        event: event.into(),
        data: data.into(),
        id: String::new(),
        retry: None,
    }
}

/// An event named after its JSON `type`, as every Responses and Anthropic server sends them.
pub fn typed(value: serde_json::Value) -> SseEvent {
    let name = value["type"].as_str().unwrap_or("message").to_owned();
    ev(&name, &value.to_string())
}

/// The frames one mapper gives for `events`, and whether it finished.
pub fn map(protocol: Protocol, events: &[SseEvent]) -> (Vec<Frame>, bool) {
    let mut mapper = protocol.mapper();
    let mut out = Vec::new();
    for e in events {
        mapper.on_event(e, &mut out);
    }
    (out, mapper.finished())
}

/// The frames of a single event given to a fresh mapper.
pub fn map_one(protocol: Protocol, value: serde_json::Value) -> Vec<Frame> {
    map(protocol, &[typed(value)]).0
}

/// Decodes bytes pushed in the given pieces.
pub fn decode_pieces<'a>(pieces: impl IntoIterator<Item = &'a [u8]>) -> Vec<SseEvent> {
    let mut decoder = SseDecoder::new();
    let mut events = Vec::new();
    for piece in pieces {
        decoder.push(piece).expect("fixture decodes");
        while let Some(e) = decoder.next_event() {
            events.push(e);
        }
    }
    decoder.finish();
    while let Some(e) = decoder.next_event() {
        events.push(e);
    }
    events
}

/// Frames of a whole byte stream pushed at once.
pub fn stream(protocol: Protocol, bytes: &[u8]) -> (Vec<Frame>, bool) {
    map(protocol, &decode_pieces([bytes]))
}

/// A fixture file of `tests/fixtures`.
pub fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Status and body of a fixture saved with `curl -i`.
pub fn http_fixture(name: &str) -> (u16, String) {
    let text = fixture(name);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .expect("an HTTP head and a body");
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    (status, body.to_owned())
}

// --- frames by hand -------------------------------------------------------------------------

fn chunk(delta: Delta, finish_reason: Option<&str>) -> Frame {
    Frame::Chunk(ChatChunk {
        choices: vec![ChunkChoice {
            index: 0,
            delta,
            finish_reason: finish_reason.map(str::to_owned),
        }],
        ..ChatChunk::default()
    })
}

pub fn role(id: Option<&str>, model: Option<&str>) -> Frame {
    let mut frame = chunk(
        Delta {
            role: Some("assistant".into()),
            ..Delta::default()
        },
        None,
    );
    if let Frame::Chunk(c) = &mut frame {
        c.id = id.map(str::to_owned);
        c.model = model.map(str::to_owned);
    }
    frame
}

pub fn content(text: &str) -> Frame {
    chunk(
        Delta {
            content: Some(text.into()),
            ..Delta::default()
        },
        None,
    )
}

pub fn reasoning(text: &str) -> Frame {
    chunk(
        Delta {
            reasoning_content: Some(text.into()),
            ..Delta::default()
        },
        None,
    )
}

pub fn refusal(text: &str) -> Frame {
    chunk(
        Delta {
            refusal: Some(text.into()),
            ..Delta::default()
        },
        None,
    )
}

pub fn tool(index: u32, id: Option<&str>, name: Option<&str>, arguments: Option<&str>) -> Frame {
    chunk(
        Delta {
            tool_calls: vec![ToolCallDelta {
                index,
                id: id.map(str::to_owned),
                function: Some(FunctionDelta {
                    name: name.map(str::to_owned),
                    arguments: arguments.map(str::to_owned),
                }),
            }],
            ..Delta::default()
        },
        None,
    )
}

pub fn finish(reason: Option<&str>, usage: Option<(u64, u64, u64)>) -> Frame {
    let mut frame = chunk(Delta::default(), reason);
    if let Frame::Chunk(c) = &mut frame {
        c.usage = usage.map(|(p, c, t)| Usage {
            prompt_tokens: p,
            completion_tokens: c,
            total_tokens: t,
            reasoning_tokens: None,
        });
    }
    frame
}

pub fn error_message(frames: &[Frame]) -> Option<String> {
    frames.iter().find_map(|f| match f {
        Frame::Error(e) => Some(e.message.clone()),
        _ => None,
    })
}

// --- frames folded --------------------------------------------------------------------------

/// Everything choice 0 of the chunks carried, concatenated per field.
#[derive(Debug, Default, PartialEq)]
pub struct Folded {
    pub content: String,
    pub reasoning: String,
    pub refusal: String,
    /// (index, id, name, arguments) per tool call, in index order.
    pub tools: Vec<(u32, String, String, String)>,
    pub finish_reason: Option<String>,
    pub usage: Option<Usage>,
    pub done: usize,
    pub errors: usize,
    pub skips: usize,
}

pub fn fold(frames: &[Frame]) -> Folded {
    let mut f = Folded::default();
    for frame in frames {
        match frame {
            Frame::Chunk(c) => {
                if c.usage.is_some() {
                    f.usage = c.usage;
                }
                for choice in c.choices.iter().filter(|c| c.index == 0) {
                    let d = &choice.delta;
                    f.content += d.content.as_deref().unwrap_or("");
                    f.reasoning += d.reasoning_text().unwrap_or("");
                    f.refusal += d.refusal.as_deref().unwrap_or("");
                    for t in &d.tool_calls {
                        let pos = match f.tools.iter().position(|x| x.0 == t.index) {
                            Some(p) => p,
                            None => {
                                f.tools.push((
                                    t.index,
                                    String::new(),
                                    String::new(),
                                    String::new(),
                                ));
                                f.tools.len() - 1
                            }
                        };
                        let entry = &mut f.tools[pos];
                        entry.1 += t.id.as_deref().unwrap_or("");
                        if let Some(func) = &t.function {
                            entry.2 += func.name.as_deref().unwrap_or("");
                            entry.3 += func.arguments.as_deref().unwrap_or("");
                        }
                    }
                    if choice.finish_reason.is_some() {
                        f.finish_reason = choice.finish_reason.clone();
                    }
                }
            }
            Frame::Done => f.done += 1,
            Frame::Error(_) => f.errors += 1,
            Frame::Skip { .. } => f.skips += 1,
        }
    }
    f.tools.sort_by_key(|t| t.0);
    f
}

/// The frames applied to a transcript, one per millisecond, then the end of the body.
pub fn transcript(frames: Vec<Frame>) -> Transcript {
    let mut t = Transcript::new();
    let options = RequestOptions {
        model: "m".into(),
        stream: true,
        ..RequestOptions::default()
    };
    t.begin("q", &options, 0.0);
    let n = frames.len();
    for (i, frame) in frames.into_iter().enumerate() {
        t.apply(frame, 1.0 + i as f64);
    }
    t.end_of_stream(false, 2.0 + n as f64);
    t
}
