//! The saved format: the documented example, optional fields, import errors (each kind, with
//! its message), transcript conversions and titles.

use crate::{
    assistant, content, conv, documented_conversation, documented_example, err, file_with,
    finished_transcript, one_message, options, user,
};
use chat_stream::{
    history::{
        self, derive_title, export, import, Conversation, HistoryError, SavedMessage, SavedStatus,
        MAX_CONVERSATIONS, MAX_IMPORT_BYTES,
    },
    openai::Role,
    transcript::{MessageStatus, Transcript, TurnState},
};

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
        (r#"{"format":"chat-stream.history"}"#.into(), "this history file has version missing, which this version of chat-stream cannot read (it reads versions 1 and 2)"),
        (r#"{"format":"chat-stream.history","version":3}"#.into(), "this history file has version 3, which this version of chat-stream cannot read (it reads versions 1 and 2); it was written by a newer chat-stream"),
        (r#"{"format":"chat-stream.history","version":"1"}"#.into(), "this history file has version \"1\", which this version of chat-stream cannot read (it reads versions 1 and 2)"),
        (r#"{"format":"chat-stream.history","version":0}"#.into(), "this history file has version 0, which this version of chat-stream cannot read (it reads versions 1 and 2)"),
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
        Err(HistoryError::UnsupportedVersion { ref found, ref supported }) if found == "9" && supported == "versions 1 and 2"
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
    let long = "word ".repeat(100);
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
        (vec![user(&"x".repeat(200))], "x".repeat(200)),
        (
            vec![user(&"x".repeat(201))],
            format!("{}…", "x".repeat(199)),
        ),
        (
            vec![user(&long)],
            format!("{}…", "word ".repeat(40).trim_end()),
        ),
        (
            vec![user(&"é".repeat(300))],
            format!("{}…", "é".repeat(199)),
        ),
        (
            vec![user(&"🦀".repeat(201))],
            format!("{}…", "🦀".repeat(199)),
        ),
    ];
    for (messages, expected) in cases {
        let title = derive_title(&messages);
        assert_eq!(title, expected, "for {messages:?}");
        assert!(title.chars().count() <= history::TITLE_MAX_CHARS);
    }
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

#[test]
fn figures_and_finish_reasons_survive_a_save_and_a_reload() {
    use chat_stream::{openai::Frame, transcript::Transcript};
    let mut t = Transcript::new();
    t.begin("Count", &super::options(), 0.0);
    t.on_headers(30.0);
    t.apply(super::content("1, 2"), 100.0);
    t.apply(super::content(", 3"), 150.0);
    t.apply(
        super::frame(
            serde_json::json!({"choices":[{"index":0,"delta":{},"finish_reason":"length"}]}),
        ),
        160.0,
    );
    t.apply(Frame::Done, 170.0);
    let saved = Conversation::from_transcript("c1", &t, 1.0, 1.0);
    let json = export(&[saved], 2.0);
    let back = import(&json).unwrap().remove(0).to_transcript();
    let m = &back.messages[1];
    assert_eq!(m.finish_reason.as_deref(), Some("length"));
    assert!(m.is_cut_off());
    assert_eq!(m.stats, t.messages[1].stats);
    assert_eq!(m.stats.as_ref().unwrap().first_token_ms, Some(100.0));
}

#[test]
fn version_1_files_still_import_without_figures() {
    let v1 = r#"{"format":"chat-stream.history","version":1,"exported_at":0,"conversations":[
      {"id":"a","title":"t","created_at":0,"updated_at":0,"messages":[
        {"role":"user","content":"Hi"},{"role":"assistant","content":"Hello"}]}]}"#;
    let conversations = import(v1).unwrap();
    let m = &conversations[0].messages[1];
    assert_eq!(m.content, "Hello");
    assert!(m.stats.is_none() && m.finish_reason.is_none());
}

#[test]
fn tool_calls_are_saved_with_their_answer() {
    use chat_stream::{openai::Frame, transcript::Transcript};
    let mut t = Transcript::new();
    t.begin("Weather?", &super::options(), 0.0);
    t.apply(
        super::frame(serde_json::json!({"choices":[{"index":0,"delta":{"tool_calls":[
            {"index":0,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":"}}]}}]})),
        10.0,
    );
    t.apply(
        super::frame(
            serde_json::json!({"choices":[{"index":0,"delta":{"tool_calls":[
            {"index":0,"function":{"arguments":"\"Paris\"}"}}]},"finish_reason":"tool_calls"}]}),
        ),
        20.0,
    );
    t.apply(Frame::Done, 30.0);
    let json = export(&[Conversation::from_transcript("c1", &t, 1.0, 1.0)], 2.0);
    assert!(json.contains(r#""name": "get_weather""#), "{json}");
    let back = import(&json).unwrap().remove(0).to_transcript();
    let m = &back.messages[1];
    assert_eq!(m.tool_calls.len(), 1);
    assert_eq!(m.tool_calls[0].id, "call_1");
    assert_eq!(m.tool_calls[0].arguments, r#"{"city":"Paris"}"#);
    assert_eq!(m.finish_reason.as_deref(), Some("tool_calls"));
}
