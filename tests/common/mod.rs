//! Helpers shared by the host test files: frames built from chunk JSON, as the decoder delivers them.
#![allow(dead_code)] // each test file uses its own subset

use chat_stream::{
    openai::{frame_from_event, Frame},
    sse::SseEvent,
};

/// The frame of one `data:` event holding `json`.
pub fn frame(json: serde_json::Value) -> Frame {
    frame_from_event(&SseEvent {
        event: "message".into(),
        data: json.to_string(),
        id: String::new(),
        retry: None,
    })
}

/// A chunk whose choice 0 carries `text` as its content delta.
pub fn content(text: &str) -> Frame {
    frame(serde_json::json!({"choices":[{"index":0,"delta":{"content":text}}]}))
}
