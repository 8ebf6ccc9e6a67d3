//! Host tests of tool calls in the transcript (fragments joined by index, several per message,
//! shown as raw text while incomplete and as pretty JSON once complete), of the finish reasons
//! every protocol's words normalise to, and of the embed's `done` payload carrying the calls.
#![cfg(not(target_arch = "wasm32"))]

use chat_stream::{
    events::{TurnEnd, TurnReporter},
    openai::{frame_from_event, Frame},
    sse::SseEvent,
    transcript::{
        normalize_finish_reason, pretty_json, RequestOptions, ToolCall, Transcript, TurnState,
    },
};
use proptest::prelude::*;
use serde_json::json;

fn frame(value: serde_json::Value) -> Frame {
    frame_from_event(&SseEvent {
        event: "message".into(),
        data: value.to_string(),
        id: String::new(),
        retry: None,
    })
}

fn started() -> Transcript {
    let mut t = Transcript::new();
    t.begin(
        "weather?",
        &RequestOptions {
            model: "m".into(),
            stream: true,
            ..RequestOptions::default()
        },
        0.0,
    );
    t
}

/// A chat chunk with these tool-call fragments.
fn calls(fragments: serde_json::Value) -> Frame {
    frame(json!({"choices":[{"index":0,"delta":{"tool_calls":fragments}}]}))
}

fn finish(reason: &str) -> Frame {
    frame(json!({"choices":[{"index":0,"delta":{},"finish_reason":reason}]}))
}

fn tool_calls(t: &Transcript) -> &[ToolCall] {
    &t.messages.last().unwrap().tool_calls
}

#[test]
fn chat_fragments_are_joined_by_index_with_id_and_name_from_the_first() {
    let mut t = started();
    t.apply(
        calls(json!([{"index":0,"id":"call_a","type":"function","function":{"name":"get_weather","arguments":""}}])),
        10.0,
    );
    assert_eq!(
        t.state(),
        TurnState::Streaming,
        "a tool call is visible output"
    );
    assert_eq!(t.turn.as_ref().unwrap().times.first_token, Some(10.0));
    t.apply(
        calls(json!([{"index":0,"function":{"arguments":"{\"ci"}}])),
        11.0,
    );
    // A second call starts (parallel tool calls) while the first is not finished.
    t.apply(
        calls(json!([{"index":1,"id":"call_b","function":{"name":"get_time","arguments":"{}"}}])),
        12.0,
    );
    t.apply(
        calls(json!([{"index":0,"function":{"arguments":"ty\": \"Paris\"}"}}])),
        13.0,
    );
    t.apply(finish("tool_calls"), 14.0);
    t.apply(Frame::Done, 15.0);
    assert_eq!(t.state(), TurnState::Done);
    let turn = t.turn.as_ref().unwrap();
    assert_eq!(turn.finish_reason.as_deref(), Some("tool_calls"));
    assert_eq!(
        tool_calls(&t),
        [
            ToolCall {
                id: "call_a".into(),
                name: "get_weather".into(),
                arguments: "{\"city\": \"Paris\"}".into(),
            },
            ToolCall {
                id: "call_b".into(),
                name: "get_time".into(),
                arguments: "{}".into(),
            },
        ]
    );
    // No answer text: the calls are the answer.
    assert!(t.messages.last().unwrap().content.is_empty());
    // The chunk log counts the fragments.
    assert_eq!(
        turn.chunks[0].summary(),
        r#"{"tool_calls": [1 fragment(s)]}"#
    );
}

#[test]
fn fragments_without_an_index_or_with_a_repeated_name_make_one_call() {
    let mut t = started();
    // Some servers leave `index` out (read as 0) and repeat the name in every fragment.
    t.apply(
        calls(json!([{"id":"x","function":{"name":"f","arguments":"[1,"}}])),
        1.0,
    );
    t.apply(
        calls(json!([{"function":{"name":"f","arguments":"2]"}}])),
        2.0,
    );
    t.apply(finish("tool_calls"), 3.0);
    assert_eq!(
        tool_calls(&t),
        [ToolCall {
            id: "x".into(),
            name: "f".into(),
            arguments: "[1,2]".into(),
        }]
    );
}

#[test]
fn a_completion_with_tool_calls_gives_them_whole() {
    let mut t = started();
    let body = json!({"choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[
        {"index":0,"id":"c1","type":"function","function":{"name":"a","arguments":"{\"x\":1}"}},
        {"index":1,"id":"c2","type":"function","function":{"name":"b","arguments":"{}"}}
    ]},"finish_reason":"tool_calls"}]});
    let completion = chat_stream::openai::parse_completion(&body.to_string()).unwrap();
    t.apply_completion(completion, 5.0);
    assert_eq!(t.state(), TurnState::Done);
    let names: Vec<_> = tool_calls(&t).iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["a", "b"]);
}

#[test]
fn the_done_event_carries_the_tool_calls() {
    let mut t = started();
    let mut reporter = TurnReporter::new(&t);
    t.apply(
        calls(json!([{"index":0,"id":"c","function":{"name":"lookup","arguments":"{\"q\":\"rust\"}"}}])),
        1.0,
    );
    t.apply(finish("tool_calls"), 2.0);
    t.apply(Frame::Done, 2.0);
    let Some(TurnEnd::Done(done)) = reporter.ended(&t) else {
        panic!("not done");
    };
    assert_eq!(done.finish_reason.as_deref(), Some("tool_calls"));
    let payload = serde_json::to_value(&done).unwrap();
    assert_eq!(
        payload["toolCalls"],
        json!([{"id":"c","name":"lookup","arguments":"{\"q\":\"rust\"}"}])
    );
}

#[test]
fn tool_calls_are_kept_when_the_turn_fails_or_is_stopped() {
    let mut t = started();
    t.apply(
        calls(json!([{"index":0,"id":"c","function":{"name":"f","arguments":"{\"a\":"}}])),
        1.0,
    );
    t.stop(2.0);
    assert_eq!(tool_calls(&t)[0].arguments, "{\"a\":");
    // Incomplete arguments are shown raw even once the message is over.
    assert_eq!(tool_calls(&t)[0].display_arguments(true), "{\"a\":");
}

#[test]
fn finish_reasons_of_every_protocol_normalise() {
    let cases = [
        ("stop", "stop"),
        ("end_turn", "stop"),
        ("stop_sequence", "stop"),
        ("length", "length"),
        ("max_tokens", "length"),
        ("max_output_tokens", "length"),
        ("tool_calls", "tool_calls"),
        ("tool_use", "tool_calls"),
        ("function_call", "tool_calls"),
        ("content_filter", "content_filter"),
        ("pause_turn", "pause_turn"),
    ];
    for (raw, normal) in cases {
        assert_eq!(normalize_finish_reason(raw), normal, "{raw}");
        // And in the turn, whatever the server sent.
        let mut t = started();
        t.apply(finish(raw), 1.0);
        assert_eq!(
            t.turn.as_ref().unwrap().finish_reason.as_deref(),
            Some(normal)
        );
    }
}

#[test]
fn pretty_json_reindents_without_reordering_or_rewriting() {
    assert_eq!(
        pretty_json(r#"{"z":1,"a":[1, 2,{"k":"v, w: {x}"}],"e":{},"f":[]}"#).unwrap(),
        "{\n  \"z\": 1,\n  \"a\": [\n    1,\n    2,\n    {\n      \"k\": \"v, w: {x}\"\n    }\n  ],\n  \"e\": {},\n  \"f\": []\n}"
    );
    // Escapes stay as they came, numbers keep their text.
    assert_eq!(
        pretty_json(r#" {"q":"say \"hi\" \\","n":1.50e3} "#).unwrap(),
        "{\n  \"q\": \"say \\\"hi\\\" \\\\\",\n  \"n\": 1.50e3\n}"
    );
    assert_eq!(pretty_json("42").as_deref(), Some("42"));
    assert_eq!(pretty_json("{ }").as_deref(), Some("{}"));
    for bad in ["", "  ", "{\"a\":", "{\"a\":1}}", "nope", "{\"a\":1} {}"] {
        assert_eq!(pretty_json(bad), None, "{bad:?}");
    }
    let call = ToolCall {
        arguments: "{\"a\":1}".into(),
        ..ToolCall::default()
    };
    assert_eq!(
        call.display_arguments(false),
        "{\"a\":1}",
        "raw while incomplete"
    );
    assert_eq!(call.display_arguments(true), "{\n  \"a\": 1\n}");
}

fn arb_json() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        any::<i32>().prop_map(|n| json!(n)),
        "[a-z \"\\\\{}\\[\\],:é]{0,6}".prop_map(serde_json::Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::Array),
            prop::collection::vec(("[a-z{,:\"]{1,4}", inner), 0..4)
                .prop_map(|kv| serde_json::Value::Object(kv.into_iter().collect())),
        ]
    })
}

proptest! {
    /// Pretty-printing keeps the value and changes only white space outside strings.
    #[test]
    fn pretty_json_keeps_the_value(value in arb_json()) {
        let compact = value.to_string();
        let pretty = pretty_json(&compact).unwrap();
        let back: serde_json::Value = serde_json::from_str(&pretty).unwrap();
        prop_assert_eq!(&back, &value);
        prop_assert_eq!(pretty_json(&pretty).unwrap(), pretty.clone(), "idempotent");
        let serde_pretty = serde_json::to_string_pretty(&value).unwrap();
        prop_assert_eq!(pretty, serde_pretty);
    }
}
