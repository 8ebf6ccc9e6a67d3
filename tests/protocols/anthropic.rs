//! The Anthropic Messages mapper: every event type, tool use, stop reasons, pings, errors, the
//! non-streaming parse.

use chat_stream::{
    openai::{ApiError, Frame},
    protocol::{anthropic, AnthropicMapper, Protocol},
};
use serde_json::json;

use crate::common::*;

const P: Protocol = Protocol::Anthropic;

/// The frames of `event` after a `message_start` with 10 input tokens and a block of each kind
/// (0 text, 1 thinking, 2 tool use), which are left out.
fn after_blocks(event: serde_json::Value) -> Vec<Frame> {
    let setup = [
        json!({"type":"message_start","message":{"id":"msg_1","model":"claude-x","usage":{"input_tokens":10,"output_tokens":1}}}),
        json!({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}),
        json!({"type":"content_block_start","index":1,"content_block":{"type":"thinking","thinking":""}}),
        json!({"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"toolu_1","name":"f","input":{}}}),
    ]
    .map(typed);
    let mut m = AnthropicMapper::new();
    let mut out = Vec::new();
    for e in &setup {
        m.on_event(e, &mut out);
    }
    out.clear();
    m.on_event(&typed(event), &mut out);
    out
}

#[test]
fn each_event_type_gives_its_frames() {
    assert_eq!(
        map_one(
            P,
            json!({"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"claude-x","content":[],"usage":{"input_tokens":10,"output_tokens":1}}})
        ),
        [role(Some("msg_1"), Some("claude-x"))]
    );
    assert_eq!(
        map_one(
            P,
            json!({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}})
        ),
        []
    );
    assert_eq!(
        map_one(
            P,
            json!({"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":""}})
        ),
        []
    );
    assert_eq!(
        map_one(
            P,
            json!({"type":"content_block_start","index":3,"content_block":{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{}}})
        ),
        [tool(0, Some("toolu_1"), Some("get_weather"), None)]
    );
    let table: Vec<(serde_json::Value, Vec<Frame>)> = vec![
        (
            json!({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}),
            vec![content("Hi")],
        ),
        (
            json!({"type":"content_block_delta","index":1,"delta":{"type":"thinking_delta","thinking":"Hmm"}}),
            vec![reasoning("Hmm")],
        ),
        (
            json!({"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{\"a\":"}}),
            vec![tool(0, None, None, Some("{\"a\":"))],
        ),
        (
            json!({"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":""}}),
            vec![],
        ),
        (
            json!({"type":"content_block_delta","index":1,"delta":{"type":"signature_delta","signature":"EqQB"}}),
            vec![],
        ),
        (
            json!({"type":"content_block_delta","index":0,"delta":{"type":"citations_delta","citation":{}}}),
            vec![],
        ),
        (json!({"type":"content_block_stop","index":0}), vec![]),
        // A tool block that got no partial_json: its start input is the arguments.
        (
            json!({"type":"content_block_stop","index":2}),
            vec![tool(0, None, None, Some("{}"))],
        ),
        (
            json!({"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":15}}),
            vec![finish(Some("stop"), Some((10, 15, 25)))],
        ),
        (
            json!({"type":"message_delta","delta":{"stop_reason":"max_tokens"},"usage":{"input_tokens":12,"output_tokens":20}}),
            vec![finish(Some("length"), Some((12, 20, 32)))],
        ),
        (json!({"type":"message_stop"}), vec![Frame::Done]),
        (json!({"type":"ping"}), vec![]),
        (
            json!({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}),
            vec![Frame::Error(ApiError {
                message: "Overloaded".into(),
                kind: Some("overloaded_error".into()),
                code: None,
            })],
        ),
        (json!({"type":"some_future_event","index":0}), vec![]),
    ];
    for (event, expected) in table {
        assert_eq!(after_blocks(event.clone()), expected, "{event}");
    }
}

#[test]
fn stop_reasons() {
    for (stop, reason) in [
        ("end_turn", "stop"),
        ("stop_sequence", "stop"),
        ("max_tokens", "length"),
        ("tool_use", "tool_calls"),
        ("pause_turn", "pause_turn"),
        ("refusal", "refusal"),
    ] {
        assert_eq!(anthropic::finish_reason(stop), reason);
        let frames = map_one(
            P,
            json!({"type":"message_delta","delta":{"stop_reason":stop}}),
        );
        assert_eq!(frames, [finish(Some(reason), None)], "{stop}");
    }
    // Only usage: a chunk with no finish reason; neither: nothing.
    assert_eq!(
        map_one(
            P,
            json!({"type":"message_delta","delta":{},"usage":{"output_tokens":3}})
        ),
        [finish(None, Some((0, 3, 3)))]
    );
    assert_eq!(map_one(P, json!({"type":"message_delta","delta":{}})), []);
}

#[test]
fn cached_prompt_tokens_count_as_prompt_tokens() {
    let events = [
        json!({"type":"message_start","message":{"usage":{"input_tokens":5,"cache_read_input_tokens":8,"cache_creation_input_tokens":2,"output_tokens":0}}}),
        json!({"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":4}}),
    ]
    .map(typed);
    let usage = fold(&map(P, &events).0).usage.unwrap();
    assert_eq!(
        (
            usage.prompt_tokens,
            usage.completion_tokens,
            usage.total_tokens
        ),
        (15, 4, 19)
    );
}

#[test]
fn pings_are_keepalives_not_chunks() {
    let events = [
        typed(json!({"type":"ping"})),
        ev("ping", r#"{"type": "ping"}"#),
        typed(
            json!({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"a"}}),
        ),
        typed(json!({"type":"ping"})),
    ];
    let mut m = P.mapper();
    let mut out = Vec::new();
    for e in &events {
        m.on_event(e, &mut out);
    }
    assert_eq!(out, [content("a")]);
    assert_eq!(m.keepalives(), 3);
    assert_eq!(Protocol::Chat.mapper().keepalives(), 0);
    // In a transcript, pings before the text do not mark a first chunk or token.
    let t = transcript(map(P, &events[..2]).0);
    let turn = t.turn.unwrap();
    assert_eq!(
        (turn.times.first_chunk, turn.times.first_token),
        (None, None)
    );
}

#[test]
fn tool_calls_by_block_index() {
    let events = [
        json!({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}),
        json!({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Checking."}}),
        json!({"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_a","name":"one","input":{}}}),
        json!({"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"toolu_b","name":"two","input":{}}}),
        json!({"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{\"y\":2}"}}),
        json!({"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"x\":"}}),
        json!({"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"1}"}}),
        json!({"type":"content_block_stop","index":1}),
        json!({"type":"content_block_stop","index":2}),
        // A delta for a block that never started: a call of its own.
        json!({"type":"content_block_delta","index":7,"delta":{"type":"input_json_delta","partial_json":"{}"}}),
        // A server tool (web search) is not a client tool call.
        json!({"type":"content_block_start","index":3,"content_block":{"type":"server_tool_use","id":"srvtoolu","name":"web_search","input":{}}}),
        json!({"type":"content_block_delta","index":3,"delta":{"type":"input_json_delta","partial_json":"{\"query\":\"x\"}"}}),
        json!({"type":"message_delta","delta":{"stop_reason":"tool_use"}}),
        json!({"type":"message_stop"}),
    ]
    .map(typed);
    let (frames, finished) = map(P, &events);
    assert!(finished);
    let f = fold(&frames);
    assert_eq!(f.content, "Checking.");
    assert_eq!(
        f.tools,
        [
            (0, "toolu_a".into(), "one".into(), "{\"x\":1}".into()),
            (1, "toolu_b".into(), "two".into(), "{\"y\":2}".into()),
            (2, String::new(), String::new(), "{}".into()),
        ]
    );
    assert_eq!(f.finish_reason.as_deref(), Some("tool_calls"));
}

#[test]
fn thinking_blocks_are_a_blank_line_apart_and_start_text_counts() {
    let events = [
        json!({"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":"One"}}),
        json!({"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":" idea."}}),
        json!({"type":"content_block_start","index":1,"content_block":{"type":"text","text":"Hel"}}),
        json!({"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"lo"}}),
        json!({"type":"content_block_start","index":2,"content_block":{"type":"thinking","thinking":""}}),
        json!({"type":"content_block_delta","index":2,"delta":{"type":"thinking_delta","thinking":"Two."}}),
    ]
    .map(typed);
    let f = fold(&map(P, &events).0);
    assert_eq!(f.reasoning, "One idea.\n\nTwo.");
    assert_eq!(f.content, "Hello");
}

#[test]
fn errors_in_the_stream() {
    let (frames, finished) = map(
        P,
        &[ev(
            "error",
            r#"{"type":"error","error":{"type":"api_error","message":"Internal server error"}}"#,
        )],
    );
    assert!(finished);
    assert_eq!(
        frames,
        [Frame::Error(ApiError {
            message: "Internal server error".into(),
            kind: Some("api_error".into()),
            code: None,
        })]
    );
    let (frames, _) = map(P, &[ev("error", "")]);
    assert!(error_message(&frames)
        .unwrap()
        .contains("without a message"));
    let (frames, _) = map(P, &[typed(json!({"type":"error"}))]);
    assert!(error_message(&frames)
        .unwrap()
        .contains("without a message"));
}

#[test]
fn junk_is_skipped_and_nothing_follows_the_end() {
    for data in ["garbage", "42", "{\"index\":0}"] {
        let (frames, finished) = map(P, &[ev("message", data)]);
        assert!(matches!(frames.as_slice(), [Frame::Skip { .. }]), "{data}");
        assert!(!finished);
    }
    for terminal in [
        json!({"type":"message_stop"}),
        json!({"type":"error","error":{"message":"x"}}),
    ] {
        let events = [
            typed(terminal.clone()),
            typed(
                json!({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"late"}}),
            ),
            typed(json!({"type":"message_stop"})),
        ];
        let (frames, finished) = map(P, &events);
        assert!(finished);
        assert_eq!(frames.len(), 1, "{terminal}: {frames:?}");
    }
}

#[test]
fn a_stream_cut_before_message_stop_is_not_finished() {
    let events = [
        json!({"type":"message_start","message":{"id":"m"}}),
        json!({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}),
        json!({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hal"}}),
    ]
    .map(typed);
    let (frames, finished) = map(P, &events);
    assert!(!finished);
    let t = transcript(frames);
    assert_eq!(t.state().as_str(), "error");
    assert_eq!(t.messages[1].content.text(), "Hal");
}

#[test]
fn non_streaming_message() {
    let body = json!({
        "id":"msg_9","type":"message","role":"assistant","model":"claude-x",
        "content":[
            {"type":"thinking","thinking":"Let me see.","signature":"sig"},
            {"type":"redacted_thinking","data":"xyz"},
            {"type":"text","text":"I'll look "},
            {"type":"text","text":"that up."},
            {"type":"tool_use","id":"toolu_9","name":"search","input":{"q":"rust","n":3}}
        ],
        "stop_reason":"tool_use","stop_sequence":null,
        "usage":{"input_tokens":20,"cache_read_input_tokens":5,"output_tokens":9}
    });
    let c = anthropic::parse_response(&body.to_string()).unwrap();
    assert_eq!(
        (c.id.as_deref(), c.model.as_deref()),
        (Some("msg_9"), Some("claude-x"))
    );
    let m = &c.choices[0].message;
    assert_eq!(m.content.as_deref(), Some("I'll look that up."));
    assert_eq!(m.reasoning_text(), Some("Let me see."));
    let call = &m.tool_calls[0];
    assert_eq!(call.id.as_deref(), Some("toolu_9"));
    let func = call.function.as_ref().unwrap();
    assert_eq!(func.name.as_deref(), Some("search"));
    let args: serde_json::Value = serde_json::from_str(func.arguments.as_deref().unwrap()).unwrap();
    assert_eq!(args, json!({"q":"rust","n":3}));
    assert_eq!(c.choices[0].finish_reason.as_deref(), Some("tool_calls"));
    let u = c.usage.unwrap();
    assert_eq!(
        (u.prompt_tokens, u.completion_tokens, u.total_tokens),
        (25, 9, 34)
    );
}

#[test]
fn non_streaming_errors() {
    let e = anthropic::parse_response(
        r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#,
    )
    .unwrap_err();
    assert_eq!(
        (e.message.as_str(), e.kind.as_deref()),
        ("Overloaded", Some("overloaded_error"))
    );
    assert!(anthropic::parse_response("not json")
        .unwrap_err()
        .message
        .starts_with("the response is not JSON"));
    assert!(anthropic::parse_response(r#"{"choices":[]}"#)
        .unwrap_err()
        .message
        .contains("not an Anthropic message"));
}

#[test]
fn http_error_envelope() {
    let e = anthropic::error_from_http(
        404,
        r#"{"type":"error","error":{"type":"not_found_error","message":"model: claude-nope"},"request_id":"req_1"}"#,
    );
    assert_eq!(e.message, "model: claude-nope");
    assert_eq!(e.kind.as_deref(), Some("not_found_error"));
    assert_eq!(e.code.as_deref(), Some("404"));
    let e = P.error_from_http(
        529,
        r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#,
    );
    assert_eq!(e.to_string(), "Overloaded (overloaded_error, 529)");
}

#[test]
fn non_streaming_tool_input_keeps_the_servers_text_and_key_order() {
    let body = r#"{"id":"m","type":"message","role":"assistant","content":[
        {"type":"text","text":"ok"},
        {"type":"tool_use","id":"t1","name":"f","input":{"zone":"Europe/Paris","format":"24h"}},
        {"type":"tool_use","id":"t2","name":"g","input":null}
    ],"stop_reason":"tool_use"}"#;
    let c = anthropic::parse_response(body).unwrap();
    let args: Vec<_> = c.choices[0]
        .message
        .tool_calls
        .iter()
        .map(|t| t.function.as_ref().unwrap().arguments.clone().unwrap())
        .collect();
    assert_eq!(args, [r#"{"zone":"Europe/Paris","format":"24h"}"#, "{}"]);
}
