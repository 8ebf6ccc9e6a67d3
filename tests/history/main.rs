//! Host tests of the history module, the storage it runs on, and the settings and API key
//! persistence: the saved format (the documented example is what `export` writes), transcript
//! conversions and titles, import errors (each kind, with its message) (`format`), merge
//! (`merge`), the store over a `MemoryStore` (quota, corrupt index / conversation) and the storage
//! key names (`store`), settings and where the API key may and may not be stored (`persist`), and
//! property tests (`properties`).
#![cfg(not(target_arch = "wasm32"))]

#[path = "../common/mod.rs"]
mod common;

mod format;
mod merge;
mod persist;
mod properties;
mod store;

use common::{content, frame};

use chat_stream::{
    error::ChatError,
    history::{derive_title, import, Conversation, HistoryStore, SavedMessage, SavedStatus},
    openai::{Frame, Role},
    storage::MemoryStore,
    transcript::{LoggedChunk, MessageStats, RateSource, RequestOptions, Transcript},
};

// ------------------------------------------------------------------------------------------------
// Helpers shared by the modules
// ------------------------------------------------------------------------------------------------

fn options() -> RequestOptions {
    RequestOptions {
        model: "m".into(),
        system: String::new(),
        temperature: None,
        max_tokens: None,
        stream: true,
        include_usage: false,
    }
}

fn user(text: &str) -> SavedMessage {
    SavedMessage::new(Role::User, text)
}

fn assistant(text: &str) -> SavedMessage {
    SavedMessage::new(Role::Assistant, text)
}

fn conv(id: &str, updated_at: f64, messages: Vec<SavedMessage>) -> Conversation {
    Conversation {
        id: id.into(),
        title: derive_title(&messages),
        title_set_by_user: false,
        created_at: updated_at - 1000.0,
        updated_at,
        messages,
    }
}

/// The conversation of the module docs' example.
fn documented_conversation() -> Conversation {
    Conversation {
        id: "c1764000000000-1".into(),
        title: "Count to 20".into(),
        title_set_by_user: false,
        created_at: 1764000000000.0,
        updated_at: 1764000005000.0,
        messages: vec![
            user("Count to 20"),
            SavedMessage {
                reasoning: "The user wants numbers.".into(),
                status: SavedStatus::Stopped,
                stats: Some(MessageStats {
                    streaming: true,
                    headers_ms: Some(48.2),
                    first_chunk_ms: Some(61.0),
                    first_token_ms: Some(212.4),
                    total_ms: Some(1180.5),
                    chunks: 9,
                    tokens_per_second: Some(7.9),
                    rate_source: Some(RateSource::CountedChunks),
                    completion_tokens: None,
                    log: vec![LoggedChunk {
                        ms: 61.0,
                        summary: r#"{"role": "assistant", "content": ""}"#.into(),
                    }],
                }),
                ..assistant("1, 2, 3, 4")
            },
            user("Go on"),
            SavedMessage {
                status: SavedStatus::Failed,
                error: Some(
                    "incomplete response: the connection dropped before the server finished \
                     the answer (network error)"
                        .into(),
                ),
                ..assistant("5, 6")
            },
        ],
    }
}

/// The ```json block of the module docs of src/history/mod.rs.
fn documented_example() -> String {
    let source = include_str!("../../src/history/mod.rs");
    let mut lines = source
        .lines()
        .map_while(|l| l.strip_prefix("//!"))
        .map(|l| l.strip_prefix(' ').unwrap_or(l))
        .skip_while(|l| *l != "```json")
        .skip(1);
    let mut block = Vec::new();
    for line in lines.by_ref() {
        if line == "```" {
            break;
        }
        block.push(line);
    }
    block.join("\n")
}

fn err(json: &str) -> String {
    import(json).unwrap_err().to_string()
}

fn file_with(conversations: &str) -> String {
    format!(
        r#"{{"format":"chat-stream.history","version":1,"exported_at":0,"conversations":{conversations}}}"#
    )
}

fn one_message(message: &str) -> String {
    file_with(&format!(
        r#"[{{"id":"a","title":"t","created_at":0,"updated_at":0,"messages":[{{"role":"user","content":"hi"}},{message}]}}]"#
    ))
}

fn store() -> HistoryStore<MemoryStore> {
    HistoryStore::new(MemoryStore::new())
}

fn entries(store: &HistoryStore<MemoryStore>) -> std::collections::HashMap<String, String> {
    store.storage().entries.clone()
}

fn finished_transcript() -> Transcript {
    let mut t = Transcript::new();
    t.begin("Count to 20", &options(), 0.0);
    t.apply(
        frame(
            serde_json::json!({"choices":[{"index":0,"delta":{"reasoning_content":"Numbers."}}]}),
        ),
        1.0,
    );
    t.apply(content("1, 2, 3"), 2.0);
    t.stop(3.0);
    t.begin("Go on", &options(), 10.0);
    t.apply(content("4, 5"), 11.0);
    t.fail(ChatError::Network("connection reset".into()), 12.0);
    t.begin("Again", &options(), 20.0);
    t.apply(content("1"), 21.0);
    t.apply(
        frame(serde_json::json!({"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]})),
        22.0,
    );
    t.apply(Frame::Done, 23.0);
    t
}
