//! Host tests of the history module: the saved format (the documented example is what `export`
//! writes), transcript conversions and titles, import errors (each kind, with its message),
//! merge, the store over a `MemoryStore` (quota, corrupt index / conversation / settings), and
//! where the API key may and may not be stored.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::{content, frame};

use chat_stream::{
    error::ChatError,
    history::{
        self, backup_key, conversation_key, derive_title, export, forget_key, import, load_key,
        load_settings, merge, save_key, save_settings, Conversation, HistoryError, HistoryStore,
        KeyValue, MemoryStore, MergeReport, SavedMessage, SavedStatus, StoreError, API_KEY_KEY,
        CURRENT_KEY, INDEX_KEY, MAX_CONVERSATIONS, MAX_IMPORT_BYTES, REMEMBER_KEY_KEY,
        SETTINGS_KEY,
    },
    openai::{Frame, Role},
    settings::Settings,
    transcript::{MessageStatus, RequestOptions, Transcript, TurnState},
};
use proptest::prelude::*;

// ------------------------------------------------------------------------------------------------
// Helpers
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

/// The ```json block of the module docs of src/history.rs.
fn documented_example() -> String {
    let source = include_str!("../src/history.rs");
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

// ------------------------------------------------------------------------------------------------
// The format
// ------------------------------------------------------------------------------------------------

#[test]
fn the_documented_example_is_what_export_writes_and_import_reads() {
    let example = documented_example();
    assert!(
        example.starts_with('{') && example.ends_with('}'),
        "{example}"
    );
    let conversation = documented_conversation();
    assert_eq!(
        export(std::slice::from_ref(&conversation), 1764000009000.0),
        example
    );
    assert_eq!(import(&example).unwrap(), vec![conversation]);
}

#[test]
fn empty_optional_fields_are_left_out_and_times_are_integers() {
    let c = conv("a", 1764000005000.0, vec![user("hi"), assistant("yo")]);
    let json = serde_json::to_string(&c).unwrap();
    assert_eq!(
        json,
        r#"{"id":"a","title":"hi","title_set_by_user":false,"created_at":1764000004000,"updated_at":1764000005000,"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"yo"}]}"#
    );
    // A fractional time survives too.
    let mut c = c;
    c.updated_at = 1764000005000.5;
    let back = import(&export(std::slice::from_ref(&c), 0.0)).unwrap();
    assert_eq!(back[0].updated_at, 1764000005000.5);
}

#[test]
fn import_accepts_nulls_empty_strings_and_unknown_fields() {
    let json = r#"{
      "format": "chat-stream.history", "version": 1, "exported_at": 1, "future": {"x": [1]},
      "conversations": [ { "id": "c1", "title": "T", "created_at": 1, "updated_at": 2, "pinned": true,
        "messages": [ {"role": "user", "content": "Count to 20", "lang": "en"},
                      {"role": "assistant", "content": "1, 2, …", "reasoning": "…", "refusal": "",
                       "status": "stopped", "error": null},
                      {"role": "system", "content": null, "reasoning": null, "status": null} ] } ] }"#;
    let got = import(json).unwrap();
    assert_eq!(got.len(), 1);
    let c = &got[0];
    assert!(!c.title_set_by_user);
    assert_eq!(c.messages[1].reasoning, "…");
    assert_eq!(c.messages[1].refusal, "");
    assert_eq!(c.messages[1].status, SavedStatus::Stopped);
    assert_eq!(c.messages[1].error, None);
    assert_eq!(c.messages[2], SavedMessage::new(Role::System, ""));
    // A byte order mark (Windows editors) is fine.
    assert_eq!(import(&format!("\u{feff}{json}")).unwrap(), got);
}

#[test]
fn import_of_an_empty_history_is_an_empty_list() {
    assert_eq!(import(&export(&[], 5.0)).unwrap(), vec![]);
    assert!(export(&[], 5.0).contains("\"exported_at\": 5"));
}

// ------------------------------------------------------------------------------------------------
// Bad files
// ------------------------------------------------------------------------------------------------

#[test]
fn import_errors_say_what_and_where() {
    let cases: Vec<(String, &str)> = vec![
        ("".into(), "this file is not valid JSON (line 1, column 0: the file is empty); choose a file exported by chat-stream"),
        ("<!DOCTYPE html><html></html>".into(), "this file is not valid JSON (line 1, column 1: expected value); choose a file exported by chat-stream"),
        ("{\n  \"format\": \"chat-stream.history\",\n  \"version\": 1,,\n}".into(), "this file is not valid JSON (line 3, column 16: key must be a string); choose a file exported by chat-stream"),
        ("[1, 2]".into(), "this is not a chat-stream history file: it holds a list, not an object with \"format\": \"chat-stream.history\""),
        ("{}".into(), "this is not a chat-stream history file: it has no \"format\" field (expected \"chat-stream.history\")"),
        (r#"{"format":"other-app.export","version":1}"#.into(), "this is not a chat-stream history file: its \"format\" is \"other-app.export\" (expected \"chat-stream.history\")"),
        (r#"{"format":7}"#.into(), "this is not a chat-stream history file: its \"format\" is a number (expected \"chat-stream.history\")"),
        (r#"{"format":"chat-stream.history"}"#.into(), "this history file has version missing, which this version of chat-stream cannot read (it reads version 1)"),
        (r#"{"format":"chat-stream.history","version":2}"#.into(), "this history file has version 2, which this version of chat-stream cannot read (it reads version 1); it was written by a newer chat-stream"),
        (r#"{"format":"chat-stream.history","version":"1"}"#.into(), "this history file has version \"1\", which this version of chat-stream cannot read (it reads version 1)"),
        (r#"{"format":"chat-stream.history","version":0}"#.into(), "this history file has version 0, which this version of chat-stream cannot read (it reads version 1)"),
        (r#"{"format":"chat-stream.history","version":1}"#.into(), "the history file is malformed: it has no \"conversations\" list"),
        (file_with("{}"), "the history file is malformed: \"conversations\" is an object, not a list"),
        (file_with(r#"[{"id":"a","title":"t","created_at":0,"updated_at":0,"messages":[]}, "x"]"#), "the history file is malformed at conversations[1]: it is a string, not an object"),
        (file_with(r#"[{"title":"t","created_at":0,"updated_at":0,"messages":[]}]"#), "the history file is malformed at conversations[0]: missing field `id`"),
        (file_with(r#"[{"id":"a","title":"t","created_at":"today","updated_at":0,"messages":[]}]"#), "the history file is malformed at conversations[0]: invalid type: string \"today\", expected f64"),
        (file_with(r#"[{"id":" ","title":"t","created_at":0,"updated_at":0,"messages":[]}]"#), "the history file is malformed at conversations[0]: its \"id\" is empty"),
        (file_with(r#"[{"id":"a\nb","title":"t","created_at":0,"updated_at":0,"messages":[]}]"#), "the history file is malformed at conversations[0]: its \"id\" contains control characters"),
        (file_with(r#"[{"id":"a","title":"t","created_at":0,"updated_at":0}]"#), "the history file is malformed at conversations[0]: it has no \"messages\" list"),
        (file_with(r#"[{"id":"a","title":"t","created_at":0,"updated_at":0,"messages":"hi"}]"#), "the history file is malformed at conversations[0]: \"messages\" is a string, not a list"),
        (one_message(r#"{"role":"tool","content":"x"}"#), "the history file is malformed at conversations[0].messages[1]: role \"tool\" is not supported (expected \"user\", \"assistant\" or \"system\")"),
        (one_message(r#"{"content":"x"}"#), "the history file is malformed at conversations[0].messages[1]: it has no \"role\""),
        (one_message(r#"{"role":1,"content":"x"}"#), "the history file is malformed at conversations[0].messages[1]: \"role\" is a number (expected \"user\", \"assistant\" or \"system\")"),
        (one_message(r#"{"role":"assistant"}"#), "the history file is malformed at conversations[0].messages[1]: missing field `content`"),
        (one_message(r#"{"role":"assistant","content":"x","status":"paused"}"#), "the history file is malformed at conversations[0].messages[1]: unknown variant `paused`, expected one of `complete`, `stopped`, `failed`"),
        (one_message(r#"[]"#), "the history file is malformed at conversations[0].messages[1]: it is a list, not an object"),
    ];
    for (json, expected) in cases {
        assert_eq!(err(&json), expected, "for {json}");
    }
}

#[test]
fn import_error_kinds_carry_their_details() {
    assert!(matches!(
        import("{\n\n  nope"),
        Err(HistoryError::NotJson {
            line: 3,
            column: 3,
            ..
        })
    ));
    assert!(matches!(
        import(&one_message(r#"{"role":"tool","content":"x"}"#)),
        Err(HistoryError::BadMessage {
            conversation: 0,
            message: 1,
            ..
        })
    ));
    assert!(matches!(
        import(r#"{"format":"chat-stream.history","version":9}"#),
        Err(HistoryError::UnsupportedVersion { ref found, ref supported }) if found == "9" && supported == "1"
    ));
}

#[test]
fn import_checks_every_conversation_before_returning_any() {
    let good = export(
        &[
            conv("a", 1.0, vec![user("one")]),
            conv("b", 2.0, vec![user("two")]),
        ],
        0.0,
    );
    let bad = good.replacen("\"role\": \"user\"", "\"role\": \"robot\"", 2);
    assert!(matches!(
        import(&bad),
        Err(HistoryError::BadMessage {
            conversation: 0,
            message: 0,
            ..
        })
    ));
    let bad_last = {
        let mut v: serde_json::Value = serde_json::from_str(&good).unwrap();
        v["conversations"][1]["messages"][0]["role"] = "robot".into();
        v.to_string()
    };
    assert!(matches!(
        import(&bad_last),
        Err(HistoryError::BadMessage {
            conversation: 1,
            message: 0,
            ..
        })
    ));
}

#[test]
fn import_refuses_files_that_are_too_large() {
    let huge = " ".repeat(MAX_IMPORT_BYTES + 1);
    assert_eq!(
        import(&huge).unwrap_err(),
        HistoryError::TooLarge {
            bytes: MAX_IMPORT_BYTES + 1,
            max_bytes: MAX_IMPORT_BYTES
        }
    );
    assert_eq!(
        err(&huge),
        "this file is too large to import (52.4 MB; the limit is 52.4 MB)"
    );
    let one = r#"{"id":"a","title":"","created_at":0,"updated_at":0,"messages":[]}"#;
    let many = file_with(&format!("[{}]", vec![one; MAX_CONVERSATIONS + 1].join(",")));
    assert_eq!(
        err(&many),
        "this file has 10001 conversations, more than the 10000 that can be imported at once"
    );
    let exactly = file_with(&format!("[{}]", vec![one; MAX_CONVERSATIONS].join(",")));
    assert_eq!(import(&exactly).unwrap().len(), MAX_CONVERSATIONS);
}

#[test]
fn a_huge_conversation_round_trips() {
    let text = "Lorem ipsum dolor sit amet, ünïcödé ✓ 🦀\n".repeat(120_000); // ~5 MB
    let c = conv(
        "big",
        1.0,
        vec![user(&text), assistant(&text), user(""), assistant("")],
    );
    let file = export(std::slice::from_ref(&c), 2.0);
    assert!(file.len() > 10_000_000);
    assert_eq!(import(&file).unwrap(), vec![c]);
}

// ------------------------------------------------------------------------------------------------
// Transcript conversions and titles
// ------------------------------------------------------------------------------------------------

#[test]
fn titles_come_from_the_first_user_message() {
    let long = "word ".repeat(30);
    let cases: Vec<(Vec<SavedMessage>, String)> = vec![
        (vec![user("Count to 20")], "Count to 20".into()),
        (
            vec![
                SavedMessage::new(Role::System, "Be brief"),
                assistant("Hi"),
                user("  Hello \t  there  \nsecond line"),
            ],
            "Hello there".into(),
        ),
        (
            vec![user("\n\n   \n  Third line first\n")],
            "Third line first".into(),
        ),
        (vec![user("   "), user("Next one")], "Next one".into()),
        (vec![], "New chat".into()),
        (vec![assistant("only the model")], "New chat".into()),
        (vec![user(&"x".repeat(60))], "x".repeat(60)),
        (vec![user(&"x".repeat(61))], format!("{}…", "x".repeat(59))),
        (
            vec![user(&long)],
            format!("{}…", "word ".repeat(12).trim_end()),
        ),
        (vec![user(&"é".repeat(100))], format!("{}…", "é".repeat(59))),
        (
            vec![user(&"🦀".repeat(61))],
            format!("{}…", "🦀".repeat(59)),
        ),
    ];
    for (messages, expected) in cases {
        let title = derive_title(&messages);
        assert_eq!(title, expected, "for {messages:?}");
        assert!(title.chars().count() <= history::TITLE_MAX_CHARS);
    }
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

#[test]
fn a_transcript_is_saved_with_every_status_and_restored() {
    let t = finished_transcript();
    let c = Conversation::from_transcript("c1", &t, 5000.0, 4000.0);
    assert_eq!(c.id, "c1");
    assert_eq!(c.title, "Count to 20");
    assert!(!c.title_set_by_user);
    assert_eq!((c.created_at, c.updated_at), (4000.0, 5000.0));
    assert_eq!(c.messages.len(), 6);
    assert_eq!(c.messages[1].content, "1, 2, 3");
    assert_eq!(c.messages[1].reasoning, "Numbers.");
    assert_eq!(c.messages[1].status, SavedStatus::Stopped);
    assert_eq!(c.messages[3].status, SavedStatus::Failed);
    assert_eq!(c.messages[3].error.as_deref(), Some("connection reset"));
    assert_eq!(c.messages[5].status, SavedStatus::Complete);

    let restored = c.to_transcript();
    assert!(restored.turn.is_none());
    assert_eq!(restored.state(), TurnState::Idle);
    assert_eq!(restored.messages.len(), t.messages.len());
    for (a, b) in restored.messages.iter().zip(&t.messages) {
        assert_eq!(a.role, b.role);
        assert_eq!(a.content.text(), b.content.text());
        assert_eq!(a.reasoning.text(), b.reasoning.text());
        assert_eq!(a.status, b.status);
        assert_eq!(a.error, b.error);
    }
    let ids: Vec<u64> = restored.messages.iter().map(|m| m.id).collect();
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "fresh, distinct ids: {ids:?}"
    );
    assert!(ids.iter().all(|id| !t.messages.iter().any(|m| m.id == *id)));
    // Saving the restored transcript again gives the same conversation.
    assert_eq!(
        Conversation::from_transcript("c1", &restored, 5000.0, 4000.0),
        c
    );
    // And the restored conversation can go on.
    let mut restored = restored;
    let request = restored.begin("More", &options(), 30.0);
    assert_eq!(request.messages.len(), 7);
    assert_eq!(restored.messages[0].status, MessageStatus::Complete);
}

#[test]
fn a_live_turn_is_saved_as_stopped_or_left_out() {
    let mut t = Transcript::new();
    t.begin("Question", &options(), 0.0);
    // Waiting, no text: the empty answer is left out.
    let c = Conversation::from_transcript("c", &t, 1.0, 0.0);
    assert_eq!(c.messages, vec![user("Question")]);
    // Streaming: the text so far, as stopped.
    t.apply(content("Part"), 1.0);
    let c = Conversation::from_transcript("c", &t, 2.0, 0.0);
    assert_eq!(c.messages.len(), 2);
    assert_eq!(c.messages[1].content, "Part");
    assert_eq!(c.messages[1].status, SavedStatus::Stopped);
}

#[test]
fn update_keeps_id_creation_time_and_a_user_title() {
    let mut t = Transcript::new();
    t.begin("First question", &options(), 0.0);
    t.stop(1.0);
    let mut c = Conversation::from_transcript("c", &t, 10.0, 5.0);
    t.begin("Second", &options(), 2.0);
    t.stop(3.0);
    c.update(&t, 20.0);
    assert_eq!(
        (c.id.as_str(), c.created_at, c.updated_at),
        ("c", 5.0, 20.0)
    );
    assert_eq!(c.messages.len(), 4);
    assert_eq!(c.title, "First question");
    c.title = "Mine".into();
    c.title_set_by_user = true;
    c.update(&t, 30.0);
    assert_eq!(c.title, "Mine");
}

// ------------------------------------------------------------------------------------------------
// Merge
// ------------------------------------------------------------------------------------------------

#[test]
fn merge_adds_skips_and_renames() {
    let a = conv("a", 1.0, vec![user("A")]);
    let b = conv("b", 2.0, vec![user("B")]);
    let mut existing = vec![a.clone(), b.clone()];

    // Same id, same messages (title and times differ): skipped.
    let mut a_again = a.clone();
    a_again.title = "renamed elsewhere".into();
    a_again.updated_at = 99.0;
    // Same id, other messages: added as b-2.
    let b_other = conv("b", 3.0, vec![user("B"), assistant("more")]);
    // New id: added as it is.
    let c = conv("c", 4.0, vec![user("C")]);
    // The same new one twice in the import: the second is skipped.
    let report = merge(
        &mut existing,
        vec![a_again, b_other.clone(), c.clone(), c.clone()],
    );
    assert_eq!(
        report,
        MergeReport {
            added: 1,
            skipped: 2,
            renamed: 1,
            new_ids: vec!["b-2".into(), "c".into()],
        }
    );
    assert_eq!(existing.len(), 4);
    assert_eq!(existing[0], a, "the existing copy is kept");
    assert_eq!(existing[2].id, "b-2");
    assert_eq!(existing[2].messages, b_other.messages);
    assert_eq!(existing[3], c);

    // Another different "b" gets b-3; a different "c" within one import gets c-2.
    let report = merge(
        &mut existing,
        vec![
            conv("b", 5.0, vec![user("yet another")]),
            conv("c", 6.0, vec![user("C1")]),
            conv("c", 6.0, vec![user("C2")]),
        ],
    );
    assert_eq!(report.new_ids, vec!["b-3", "c-2", "c-3"]);
    assert_eq!((report.added, report.skipped, report.renamed), (0, 0, 3));

    // Merging the same conversations again adds nothing: each is found under its new id.
    let again = merge(
        &mut existing,
        vec![
            conv("b", 5.0, vec![user("yet another")]),
            conv("c", 6.0, vec![user("C2")]),
            b_other,
        ],
    );
    assert_eq!((again.added, again.skipped, again.renamed), (0, 3, 0));
    assert_eq!(existing.len(), 7);
    assert_eq!(
        again.to_string(),
        "Imported 0 conversations; 3 were already there."
    );
}

#[test]
fn merge_reports_read_well() {
    let report = |added, skipped, renamed| {
        MergeReport {
            added,
            skipped,
            renamed,
            new_ids: vec![],
        }
        .to_string()
    };
    assert_eq!(report(1, 0, 0), "Imported 1 conversation.");
    assert_eq!(
        report(3, 1, 0),
        "Imported 3 conversations; 1 was already there."
    );
    assert_eq!(
        report(2, 2, 1),
        "Imported 3 conversations (1 under a new id, because its id was taken); 2 were already there."
    );
    assert_eq!(
        report(0, 0, 2),
        "Imported 2 conversations (2 under a new id, because their ids were taken)."
    );
}

#[test]
fn merge_into_nothing_adds_everything() {
    let mut existing = Vec::new();
    let imported = vec![conv("x", 1.0, vec![]), conv("y", 2.0, vec![user("y")])];
    let report = merge(&mut existing, imported.clone());
    assert_eq!(report.added, 2);
    assert_eq!(existing, imported);
}

// ------------------------------------------------------------------------------------------------
// The store
// ------------------------------------------------------------------------------------------------

#[test]
fn save_load_list_newest_first() {
    let mut s = store();
    assert_eq!(s.load_index().unwrap(), vec![]);
    let a = conv("a", 100.0, vec![user("Alpha")]);
    let b = conv("b", 300.0, vec![user("Beta")]);
    let c = conv("c", 200.0, vec![user("Gamma")]);
    for x in [&a, &b, &c] {
        s.save(x).unwrap();
    }
    let index = s.load_index().unwrap();
    let ids: Vec<&str> = index.iter().map(|x| x.id.as_str()).collect();
    assert_eq!(ids, ["b", "c", "a"]);
    assert_eq!(index[1].title, "Gamma");
    assert_eq!(index[1].updated_at, 200.0);
    assert_eq!(s.load("c").unwrap(), c);
    // Saving again updates in place and moves it to the top.
    let mut a2 = a.clone();
    a2.messages.push(assistant("reply"));
    a2.updated_at = 400.0;
    s.save(&a2).unwrap();
    let ids: Vec<String> = s.load_index().unwrap().into_iter().map(|x| x.id).collect();
    assert_eq!(ids, ["a", "b", "c"]);
    assert_eq!(s.load("a").unwrap(), a2);
    assert_eq!(
        s.load("zzz").unwrap_err().to_string(),
        "there is no saved conversation with id zzz"
    );
    let (all, errors) = s.load_all();
    assert!(errors.is_empty());
    assert_eq!(all, vec![a2, b, c]);
    // The stored values are where the docs say.
    let raw = s.storage().get(&conversation_key("a")).unwrap().unwrap();
    assert!(raw.starts_with(r#"{"id":"a","title":"Alpha""#), "{raw}");
    assert!(s
        .storage()
        .get(INDEX_KEY)
        .unwrap()
        .unwrap()
        .starts_with(r#"[{"id":"a","title":"Alpha","updated_at":400}"#));
}

#[test]
fn a_user_title_survives_later_saves_until_cleared() {
    let mut s = store();
    let mut t = Transcript::new();
    t.begin("What is Rust?", &options(), 0.0);
    t.stop(1.0);
    s.save(&Conversation::from_transcript("c", &t, 10.0, 0.0))
        .unwrap();
    s.rename("c", "  My   Rust notes ").unwrap();
    assert_eq!(s.load("c").unwrap().title, "My Rust notes");
    // The app saves again from the transcript, with a derived title: the user's stays.
    t.begin("And Go?", &options(), 2.0);
    t.stop(3.0);
    s.save(&Conversation::from_transcript("c", &t, 20.0, 0.0))
        .unwrap();
    let loaded = s.load("c").unwrap();
    assert_eq!(loaded.title, "My Rust notes");
    assert!(loaded.title_set_by_user);
    assert_eq!(loaded.messages.len(), 4);
    let index = s.load_index().unwrap();
    assert_eq!(index[0].title, "My Rust notes");
    assert!(index[0].title_set_by_user);
    // An empty name goes back to the derived title.
    s.rename("c", "   ").unwrap();
    assert_eq!(s.load("c").unwrap().title, "What is Rust?");
    assert!(!s.load("c").unwrap().title_set_by_user);
    assert_eq!(s.load_index().unwrap()[0].title, "What is Rust?");
    // A very long name is cut.
    s.rename("c", &"n".repeat(500)).unwrap();
    let long = s.load("c").unwrap().title;
    assert_eq!(long.chars().count(), history::USER_TITLE_MAX_CHARS);
    assert!(long.ends_with('…'));
    assert!(matches!(
        s.rename("missing", "x"),
        Err(HistoryError::NotFound { .. })
    ));
}

#[test]
fn delete_and_the_current_conversation() {
    let mut s = store();
    assert_eq!(s.current().unwrap(), None);
    s.save(&conv("a", 1.0, vec![user("A")])).unwrap();
    s.save(&conv("b", 2.0, vec![user("B")])).unwrap();
    s.set_current(Some("a")).unwrap();
    assert_eq!(s.current().unwrap().as_deref(), Some("a"));
    assert_eq!(s.storage().get(CURRENT_KEY).unwrap().as_deref(), Some("a"));
    s.delete("b").unwrap();
    assert_eq!(s.current().unwrap().as_deref(), Some("a"));
    s.delete("a").unwrap();
    assert_eq!(
        s.current().unwrap(),
        None,
        "deleting the open one closes it"
    );
    assert_eq!(s.load_index().unwrap(), vec![]);
    assert!(s.storage().get(&conversation_key("a")).unwrap().is_none());
    s.delete("a").unwrap();
    s.set_current(Some("x")).unwrap();
    s.set_current(None).unwrap();
    assert_eq!(s.current().unwrap(), None);
}

#[test]
fn new_ids_are_unique_and_skip_stored_ones() {
    let mut s = store();
    assert_eq!(s.new_id(1764000000000.0), "c1764000000000-1");
    assert_eq!(s.new_id(1764000000000.0), "c1764000000000-2");
    // A conversation stored by another tab with the next id is not reused.
    s.save(&conv("c1764000000001-3", 1.0, vec![])).unwrap();
    assert_eq!(s.new_id(1764000000001.9), "c1764000000001-4");
    assert_eq!(s.new_id(f64::NAN), "c0-5");
    let mut ids: Vec<String> = (0..1000).map(|_| s.new_id(5.0)).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 1000);
}

#[test]
fn invalid_ids_are_not_saved() {
    let mut s = store();
    let error = s.save(&conv("", 1.0, vec![])).unwrap_err();
    assert_eq!(
        error.to_string(),
        "the conversation id \"\" cannot be used: its \"id\" is empty"
    );
    assert!(s.storage().entries.is_empty());
}

#[test]
fn storage_full_keeps_what_was_stored_before() {
    let mut s = HistoryStore::new(MemoryStore::with_quota(4_000));
    let small = conv("small", 1.0, vec![user("hello")]);
    s.save(&small).unwrap();
    s.set_current(Some("small")).unwrap();
    let before = entries(&s);

    // A new conversation that does not fit.
    let big = conv("big", 2.0, vec![user(&"x".repeat(5_000))]);
    let error = s.save(&big).unwrap_err();
    assert!(
        matches!(error, HistoryError::StorageFull { .. }),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(message.starts_with("browser storage is full: 5.2 KB could not be saved. Delete old conversations, or export your history to a file"), "{message}");
    assert_eq!(entries(&s), before);

    // An update of a stored conversation that no longer fits: the previous version stays.
    let mut grown = small.clone();
    grown.messages.push(assistant(&"y".repeat(5_000)));
    grown.updated_at = 3.0;
    assert!(matches!(
        s.save(&grown),
        Err(HistoryError::StorageFull { .. })
    ));
    assert_eq!(entries(&s), before);
    assert_eq!(s.load("small").unwrap(), small);
    assert_eq!(s.load_index().unwrap(), vec![small.summary()]);
}

#[test]
fn a_failed_index_write_removes_the_new_conversation() {
    let mut s = store();
    s.save(&conv("a", 1.0, vec![user("A")])).unwrap();
    let before = entries(&s);
    // The conversation write succeeds, the index write fails.
    s.storage_mut().writes_left = Some(1);
    let error = s.save(&conv("b", 2.0, vec![user("B")])).unwrap_err();
    assert!(matches!(error, HistoryError::StorageFull { .. }));
    assert_eq!(entries(&s), before);
}

#[test]
fn unavailable_storage_is_reported() {
    let mut s = store();
    s.storage_mut().unavailable = true;
    let error = s.save(&conv("a", 1.0, vec![])).unwrap_err();
    assert_eq!(error, HistoryError::Storage(StoreError::Unavailable));
    assert_eq!(
        error.to_string(),
        "history could not be saved or read: browser storage is not available (it is disabled, or this is a private window)"
    );
    assert!(s.load_index().is_err());
    assert!(s.current().is_err());
}

#[test]
fn a_corrupt_index_is_rebuilt_from_the_conversations_when_keys_can_be_listed() {
    let mut s = store();
    s.save(&conv("a", 1.0, vec![user("Alpha")])).unwrap();
    s.save(&conv("b", 2.0, vec![user("Beta")])).unwrap();
    s.rename("a", "Mine").unwrap();
    // A third conversation whose value is unreadable is left out of the rebuilt index.
    s.storage_mut()
        .entries
        .insert(conversation_key("broken"), "{\"id\":".into());
    s.storage_mut()
        .entries
        .insert(INDEX_KEY.into(), "[{\"id\": \"a\", tru".into());

    let index = s.load_index().unwrap();
    let ids: Vec<&str> = index.iter().map(|x| x.id.as_str()).collect();
    assert_eq!(ids, ["b", "a"]);
    assert_eq!(index[1].title, "Mine");
    assert!(index[1].title_set_by_user);
    // The corrupt value was kept aside, and the index rewritten.
    assert_eq!(
        s.storage().get(&backup_key(INDEX_KEY)).unwrap().as_deref(),
        Some("[{\"id\": \"a\", tru")
    );
    assert_eq!(backup_key(INDEX_KEY), "chat-stream.v1.corrupt.index");
    let raw = s.storage().get(INDEX_KEY).unwrap().unwrap();
    assert!(raw.starts_with("[{\"id\":\"b\""), "{raw}");
    // The unreadable conversation is still there, untouched.
    assert_eq!(
        s.storage()
            .get(&conversation_key("broken"))
            .unwrap()
            .as_deref(),
        Some("{\"id\":")
    );
}

#[test]
fn a_corrupt_index_is_moved_aside_when_keys_cannot_be_listed() {
    let mut s = store();
    s.save(&conv("a", 1.0, vec![user("Alpha")])).unwrap();
    s.storage_mut().enumerable = false;
    s.storage_mut()
        .entries
        .insert(INDEX_KEY.into(), "not json".into());

    let error = s.load_index().unwrap_err();
    assert_eq!(
        error,
        HistoryError::Corrupt {
            key: INDEX_KEY.into(),
            reason: "expected ident at line 1 column 2; it was moved to chat-stream.v1.corrupt.index and a new, empty history was started".into(),
        }
    );
    assert_eq!(
        error.to_string(),
        "the saved data under chat-stream.v1.index cannot be read (expected ident at line 1 column 2; it was moved to chat-stream.v1.corrupt.index and a new, empty history was started)"
    );
    assert_eq!(
        s.storage()
            .get("chat-stream.v1.corrupt.index")
            .unwrap()
            .as_deref(),
        Some("not json")
    );
    // The caller starts fresh: the next load is an empty list, and saving works.
    assert_eq!(s.load_index().unwrap(), vec![]);
    s.save(&conv("b", 2.0, vec![user("Beta")])).unwrap();
    assert_eq!(s.load_index().unwrap().len(), 1);
    // The old conversation itself is still stored.
    assert!(s.load("a").is_ok());
}

#[test]
fn a_corrupt_index_is_left_in_place_when_it_cannot_be_moved() {
    let mut s = store();
    s.storage_mut().enumerable = false;
    s.storage_mut()
        .entries
        .insert(INDEX_KEY.into(), "{\"broken\": ".repeat(20));
    let used = s.storage().used_bytes();
    s.storage_mut().quota = Some(used + 10);
    let error = s.load_index().unwrap_err();
    let HistoryError::Corrupt { key, reason } = &error else {
        panic!("{error:?}")
    };
    assert_eq!(key, INDEX_KEY);
    assert!(reason.ends_with("so it was left as it is"), "{reason}");
    assert!(
        reason.contains(
            "could not be moved to chat-stream.v1.corrupt.index (browser storage is full"
        ),
        "{reason}"
    );
    assert_eq!(
        s.storage().get(INDEX_KEY).unwrap(),
        Some("{\"broken\": ".repeat(20))
    );
    // Saving does not overwrite it either.
    assert!(s.save(&conv("a", 1.0, vec![])).is_err());
    assert_eq!(
        s.storage().get(INDEX_KEY).unwrap(),
        Some("{\"broken\": ".repeat(20))
    );
}

#[test]
fn a_missing_index_is_rebuilt_when_conversations_are_there() {
    let mut s = store();
    s.save(&conv("a", 1.0, vec![user("Alpha")])).unwrap();
    s.storage_mut().entries.remove(INDEX_KEY);
    assert_eq!(s.load_index().unwrap()[0].title, "Alpha");
}

#[test]
fn a_corrupt_conversation_is_named_and_left_untouched() {
    let mut s = store();
    s.save(&conv("a", 1.0, vec![user("Alpha")])).unwrap();
    s.save(&conv("b", 2.0, vec![user("Beta")])).unwrap();
    s.storage_mut()
        .entries
        .insert(conversation_key("b"), "{\"id\":\"b\",\"title\":7}".into());
    let error = s.load("b").unwrap_err();
    assert_eq!(
        error.to_string(),
        "the saved conversation \"Beta\" (b) cannot be read (invalid type: integer `7`, expected a string at line 1 column 19); it was left in storage as it is, and can be deleted"
    );
    assert!(matches!(error, HistoryError::CorruptConversation { ref id, .. } if id == "b"));
    assert_eq!(
        s.storage().get(&conversation_key("b")).unwrap().as_deref(),
        Some("{\"id\":\"b\",\"title\":7}")
    );
    // Exporting everything gives the readable ones and says which one was left out.
    let (all, errors) = s.load_all();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].id, "a");
    assert_eq!(errors, vec![error]);
    // It can be deleted.
    s.delete("b").unwrap();
    assert!(s.load_all().1.is_empty());
}

#[test]
fn merge_import_saves_with_one_index_write() {
    let mut s = store();
    let a = conv("a", 1.0, vec![user("A")]);
    s.save(&a).unwrap();
    let file = export(
        &[
            a.clone(),
            conv("a", 2.0, vec![user("A"), assistant("changed")]),
            conv("n", 3.0, vec![user("New")]),
        ],
        0.0,
    );
    let report = s.merge_import(import(&file).unwrap()).unwrap();
    assert_eq!(
        report,
        MergeReport {
            added: 1,
            skipped: 1,
            renamed: 1,
            new_ids: vec!["a-2".into(), "n".into()],
        }
    );
    let ids: Vec<String> = s.load_index().unwrap().into_iter().map(|x| x.id).collect();
    assert_eq!(ids, ["n", "a-2", "a"]);
    assert_eq!(s.load("a").unwrap(), a);
    // Importing the same file again adds nothing: the changed "a" is already there as "a-2".
    let before = entries(&s);
    let again = s.merge_import(import(&file).unwrap()).unwrap();
    assert_eq!(
        again,
        MergeReport {
            skipped: 3,
            ..MergeReport::default()
        }
    );
    assert_eq!(entries(&s), before);
}

#[test]
fn merge_import_that_fills_storage_keeps_the_ones_saved() {
    let mut imported: Vec<Conversation> = (0..5)
        .map(|i| conv(&format!("i{i}"), 10.0 + i as f64, vec![user("x")]))
        .collect();
    imported[2].messages.push(assistant(&"z".repeat(5_000)));

    // Room for two small conversations and the index, not for the big third one.
    let mut s = store();
    s.save(&conv("a", 1.0, vec![user("A")])).unwrap();
    let used = s.storage().used_bytes();
    s.storage_mut().quota = Some(used + 1_500);
    let error = s.merge_import(imported.clone()).unwrap_err();
    let HistoryError::PartialImport { saved, total, .. } = &error else {
        panic!("{error:?}")
    };
    assert_eq!((*saved, *total), (2, 5));
    assert!(
        error.to_string().starts_with(
            "only 2 of 5 imported conversations were saved: browser storage is full: 5.2 KB could not be saved."
        ),
        "{error}"
    );
    let ids: Vec<String> = s.load_index().unwrap().into_iter().map(|x| x.id).collect();
    assert_eq!(ids, ["i1", "i0", "a"]);

    // When the index cannot be written, nothing is added.
    let mut s = store();
    s.save(&conv("a", 1.0, vec![user("A")])).unwrap();
    let before = entries(&s);
    s.storage_mut().writes_left = Some(5); // every conversation, not the index
    assert!(matches!(
        s.merge_import(imported.clone()),
        Err(HistoryError::StorageFull { .. })
    ));
    assert_eq!(entries(&s), before);

    // When not even the first conversation fits, that is the error.
    s.storage_mut().writes_left = Some(0);
    assert!(matches!(
        s.merge_import(imported),
        Err(HistoryError::StorageFull { .. })
    ));
    assert_eq!(entries(&s), before);
}

// ------------------------------------------------------------------------------------------------
// Settings and the API key
// ------------------------------------------------------------------------------------------------

#[test]
fn settings_round_trip_and_fall_back_when_corrupt() {
    let mut local = MemoryStore::new();
    assert_eq!(load_settings(&local).unwrap(), None);
    let settings = Settings {
        model: "llama3.2".into(),
        temperature: None,
        system: "Be brief ✓".into(),
        ..Settings::default()
    };
    save_settings(&mut local, &settings).unwrap();
    assert_eq!(load_settings(&local).unwrap(), Some(settings));
    // Missing fields take their defaults.
    local
        .entries
        .insert(SETTINGS_KEY.into(), r#"{"model":"x","extra":1}"#.into());
    let loaded = load_settings(&local).unwrap().unwrap();
    assert_eq!(loaded.model, "x");
    assert_eq!(loaded.endpoint, Settings::default().endpoint);
    // Corrupt: an error the caller shows while using the defaults.
    local.entries.insert(SETTINGS_KEY.into(), "{oops".into());
    assert_eq!(
        load_settings(&local).unwrap_err().to_string(),
        "the saved data under chat-stream.v1.settings cannot be read (key must be a string at line 1 column 2; the default settings are used instead)"
    );
    local
        .entries
        .insert(SETTINGS_KEY.into(), r#"{"stream":"yes"}"#.into());
    assert!(matches!(
        load_settings(&local),
        Err(HistoryError::Corrupt { .. })
    ));
}

#[test]
fn a_key_is_stored_only_when_remembered() {
    let mut local = MemoryStore::new();
    // Remembered...
    save_key(&mut local, "sk-old", true).unwrap();
    assert_eq!(
        local.entries.get(API_KEY_KEY).map(String::as_str),
        Some("sk-old")
    );
    assert_eq!(
        local.entries.get(REMEMBER_KEY_KEY).map(String::as_str),
        Some("true")
    );
    assert_eq!(load_key(&local), ("sk-old".to_owned(), true));
    // ...then not: it leaves storage altogether (it lives in the page's memory only).
    save_key(&mut local, "sk-new", false).unwrap();
    assert!(local.entries.is_empty(), "{:?}", local.entries);
    assert_eq!(load_key(&local), (String::new(), false));
    // Remembered again, then forgotten: gone.
    save_key(&mut local, "sk-3", true).unwrap();
    assert_eq!(load_key(&local), ("sk-3".to_owned(), true));
    forget_key(&mut local).unwrap();
    assert!(local.entries.is_empty());
    // An empty key forgets too.
    save_key(&mut local, "sk-4", true).unwrap();
    save_key(&mut local, "", true).unwrap();
    assert!(local.entries.is_empty());
}

#[test]
fn a_key_without_the_remember_flag_is_not_read_from_local_storage() {
    let mut local = MemoryStore::new();
    local.entries.insert(API_KEY_KEY.into(), "sk-stray".into());
    assert_eq!(load_key(&local), (String::new(), false));
}

#[test]
fn key_storage_when_storage_is_unavailable() {
    let mut local = MemoryStore::new();
    local.unavailable = true;
    // Not remembering needs no storage.
    save_key(&mut local, "sk", false).unwrap();
    assert_eq!(load_key(&local), (String::new(), false));
    // Remembering fails, and says why.
    assert_eq!(
        save_key(&mut local, "sk", true).unwrap_err(),
        HistoryError::Storage(StoreError::Unavailable)
    );
    forget_key(&mut local).unwrap();
}

/// Plants a key, uses every feature that writes, and searches every stored value.
#[test]
fn the_key_is_never_stored_in_settings_index_or_conversations() {
    const KEY: &str = "sk-PLANTED-7f3a9c";
    for remember in [false, true] {
        let mut local = MemoryStore::new();
        save_key(&mut local, KEY, remember).unwrap();
        let settings = Settings {
            endpoint: "https://api.openai.com/v1".into(),
            ..Settings::default()
        };
        save_settings(&mut local, &settings).unwrap();
        let mut s = HistoryStore::new(&mut local);
        let mut t = finished_transcript();
        let id = s.new_id(1764000000000.0);
        s.save(&Conversation::from_transcript(&id, &t, 1.0, 0.0))
            .unwrap();
        s.rename(&id, "Renamed").unwrap();
        s.set_current(Some(&id)).unwrap();
        t.begin("another", &options(), 30.0);
        let second = s.new_id(2.0);
        s.save(&Conversation::from_transcript(&second, &t, 2.0, 0.0))
            .unwrap();
        let file = export(&s.load_all().0, 3.0);
        s.merge_import(import(&file).unwrap()).unwrap();

        let holders: Vec<&String> = local
            .entries
            .iter()
            .filter(|(_, value)| value.contains(KEY))
            .map(|(key, _)| key)
            .collect();
        let expected: Vec<&str> = if remember {
            vec!["chat-stream.v1.api_key"]
        } else {
            vec![]
        };
        assert_eq!(holders, expected, "remember = {remember}");
        assert!(local.entries.len() > 4);
    }
}

#[test]
fn memory_store_quota_counts_keys_and_values() {
    let mut m = MemoryStore::with_quota(10);
    m.set("ab", "cdef").unwrap();
    assert_eq!(m.used_bytes(), 6);
    m.set("ab", "cdefghij").unwrap(); // replaces: 10 bytes
    assert_eq!(
        m.set("x", "y").unwrap_err(),
        StoreError::QuotaExceeded { needed_bytes: 2 }
    );
    assert_eq!(
        StoreError::QuotaExceeded { needed_bytes: 2 }.to_string(),
        "browser storage is full (2 bytes could not be written)"
    );
    m.remove("ab").unwrap();
    m.set("x", "y").unwrap();
    assert_eq!(m.keys().unwrap(), Some(vec!["x".to_owned()]));
    m.enumerable = false;
    assert_eq!(m.keys().unwrap(), None);
}

// ------------------------------------------------------------------------------------------------
// Properties
// ------------------------------------------------------------------------------------------------

fn role() -> impl Strategy<Value = Role> {
    prop_oneof![Just(Role::User), Just(Role::Assistant), Just(Role::System)]
}

fn status() -> impl Strategy<Value = SavedStatus> {
    prop_oneof![
        Just(SavedStatus::Complete),
        Just(SavedStatus::Stopped),
        Just(SavedStatus::Failed)
    ]
}

/// Any text: empty, unicode, control characters, quotes and backslashes.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        any::<String>(),
        "[\"\\\\\n\r\t\u{0}\u{1f}é✓🦀 a-z]{0,40}",
    ]
}

fn message() -> impl Strategy<Value = SavedMessage> {
    (
        role(),
        text(),
        text(),
        text(),
        status(),
        proptest::option::of(text()),
    )
        .prop_map(
            |(role, content, reasoning, refusal, status, error)| SavedMessage {
                role,
                content,
                reasoning,
                refusal,
                status,
                error,
            },
        )
}

/// Times as `Date.now()` gives them: whole milliseconds.
fn ms() -> impl Strategy<Value = f64> {
    (0u64..(1 << 53)).prop_map(|n| n as f64)
}

fn conversation() -> impl Strategy<Value = Conversation> {
    (
        "[a-zA-Z0-9._~-]{1,24}|[^\\p{Cc}]{1,12}",
        text(),
        any::<bool>(),
        ms(),
        ms(),
        proptest::collection::vec(message(), 0..6),
    )
        .prop_filter("ids are not blank", |(id, ..)| !id.trim().is_empty())
        .prop_map(
            |(id, title, title_set_by_user, created_at, updated_at, messages)| Conversation {
                id,
                title,
                title_set_by_user,
                created_at,
                updated_at,
                messages,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Export then import gives back exactly the conversations.
    #[test]
    fn export_import_round_trip(conversations in proptest::collection::vec(conversation(), 0..5), now in ms()) {
        let file = export(&conversations, now);
        prop_assert_eq!(import(&file).unwrap(), conversations);
    }

    /// A transcript restored from a conversation saves back to the same conversation.
    #[test]
    fn transcript_round_trip(c in conversation()) {
        let again = Conversation::from_transcript(&c.id, &c.to_transcript(), c.updated_at, c.created_at);
        prop_assert_eq!(&again.messages, &c.messages);
        prop_assert_eq!(again.title, derive_title(&c.messages));
    }

    /// Titles are short, one line, trimmed, with single spaces.
    #[test]
    fn titles_are_tidy(messages in proptest::collection::vec(message(), 0..4)) {
        let title = derive_title(&messages);
        prop_assert!(!title.is_empty());
        prop_assert!(title.chars().count() <= history::TITLE_MAX_CHARS);
        prop_assert!(!title.contains(['\n', '\r', '\t']));
        prop_assert!(!title.contains("  "));
        prop_assert_eq!(title.trim(), title.as_str());
    }

    /// Import never panics, whatever the bytes.
    #[test]
    fn import_never_panics(junk in any::<String>(), wrap in any::<bool>()) {
        let json = if wrap { file_with(&junk) } else { junk };
        let _ = import(&json);
    }

    /// Merge: every imported conversation is either skipped (an equal one is there) or added
    /// under an id that is unique, and the counts add up.
    #[test]
    fn merge_keeps_ids_unique(
        existing in proptest::collection::vec(conversation(), 0..4),
        imported in proptest::collection::vec(conversation(), 0..6),
    ) {
        let mut existing = existing;
        existing.sort_by(|a, b| a.id.cmp(&b.id));
        existing.dedup_by(|a, b| a.id == b.id);
        let before = existing.clone();
        let report = merge(&mut existing, imported.clone());
        prop_assert_eq!(report.added + report.skipped + report.renamed, imported.len());
        prop_assert_eq!(existing.len(), before.len() + report.new_ids.len());
        prop_assert_eq!(&existing[..before.len()], &before[..]);
        let mut ids: Vec<&str> = existing.iter().map(|c| c.id.as_str()).collect();
        ids.sort_unstable();
        let unique = ids.len();
        ids.dedup();
        prop_assert_eq!(ids.len(), unique);
        for c in &imported {
            prop_assert!(existing.iter().any(|e| e.messages == c.messages));
        }
    }

    /// Under any quota, a save either succeeds or changes nothing that was stored.
    #[test]
    fn a_failed_save_changes_nothing(
        conversations in proptest::collection::vec(conversation(), 1..6),
        quota in 0usize..6_000,
    ) {
        let mut s = HistoryStore::new(MemoryStore::with_quota(quota));
        for c in &conversations {
            let before = s.storage().entries.clone();
            match s.save(c) {
                Ok(()) => prop_assert_eq!(s.load(&c.id).unwrap().messages, c.messages.clone()),
                Err(e) => {
                    prop_assert!(matches!(e, HistoryError::StorageFull { .. }), "{:?}", e);
                    prop_assert_eq!(&s.storage().entries, &before);
                }
            }
        }
        // The index lists exactly the stored conversations, newest first.
        let index = s.load_index().unwrap();
        for pair in index.windows(2) {
            prop_assert!(pair[0].updated_at >= pair[1].updated_at);
        }
        for summary in &index {
            prop_assert!(s.load(&summary.id).is_ok());
        }
    }
}
