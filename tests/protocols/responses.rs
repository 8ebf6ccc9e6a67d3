//! The OpenAI Responses mapper: every event type, tool calls, finish reasons, errors, the
//! non-streaming parse.

use chat_stream::{
    openai::{ApiError, Frame},
    protocol::{responses, Protocol, ResponsesMapper},
};
use serde_json::json;

use crate::common::*;

const P: Protocol = Protocol::Responses;

#[test]
fn each_event_type_gives_its_frames() {
    let table: Vec<(serde_json::Value, Vec<Frame>)> = vec![
        (
            json!({"type":"response.created","response":{"id":"resp_1","model":"gpt-x","status":"in_progress"}}),
            vec![role(Some("resp_1"), Some("gpt-x"))],
        ),
        (
            json!({"type":"response.in_progress","response":{"id":"resp_1"}}),
            vec![],
        ),
        (
            json!({"type":"response.output_text.delta","item_id":"msg_1","output_index":0,"content_index":0,"delta":"Hi"}),
            vec![content("Hi")],
        ),
        (
            json!({"type":"response.output_text.delta","item_id":"msg_1","delta":""}),
            vec![],
        ),
        (
            json!({"type":"response.reasoning_summary_text.delta","item_id":"rs_1","summary_index":0,"delta":"Think"}),
            vec![reasoning("Think")],
        ),
        (
            json!({"type":"response.reasoning_text.delta","item_id":"rs_1","content_index":0,"delta":"Deep"}),
            vec![reasoning("Deep")],
        ),
        (
            json!({"type":"response.refusal.delta","item_id":"msg_1","delta":"No."}),
            vec![refusal("No.")],
        ),
        (
            json!({"type":"response.output_item.added","output_index":1,"item":{"type":"function_call","id":"fc_1","call_id":"call_1","name":"get_weather","arguments":""}}),
            vec![tool(0, Some("call_1"), Some("get_weather"), None)],
        ),
        (
            json!({"type":"response.output_item.added","output_index":0,"item":{"type":"message","id":"msg_1","role":"assistant","content":[]}}),
            vec![],
        ),
        (
            json!({"type":"response.function_call_arguments.delta","item_id":"fc_1","output_index":1,"delta":"{\"a\""}),
            vec![tool(0, None, None, Some("{\"a\""))],
        ),
        (
            json!({"type":"response.function_call_arguments.done","item_id":"fc_1","output_index":1,"arguments":"{\"a\":1}"}),
            vec![tool(0, None, None, Some("{\"a\":1}"))],
        ),
        (
            json!({"type":"response.completed","response":{"status":"completed","output":[{"type":"message","content":[{"type":"output_text","text":"x"}]}],"usage":{"input_tokens":5,"output_tokens":2,"total_tokens":7}}}),
            vec![finish(Some("stop"), Some((5, 2, 7))), Frame::Done],
        ),
        (
            json!({"type":"response.incomplete","response":{"status":"incomplete","incomplete_details":{"reason":"max_output_tokens"}}}),
            vec![finish(Some("length"), None), Frame::Done],
        ),
        (
            json!({"type":"response.incomplete","response":{"status":"incomplete","incomplete_details":{"reason":"content_filter"}}}),
            vec![finish(Some("content_filter"), None), Frame::Done],
        ),
        (
            json!({"type":"response.failed","response":{"status":"failed","error":{"code":"server_error","message":"The model crashed"}}}),
            vec![Frame::Error(ApiError {
                message: "The model crashed".into(),
                kind: None,
                code: Some("server_error".into()),
            })],
        ),
        (
            json!({"type":"error","code":"rate_limit_exceeded","message":"Slow down","param":null,"sequence_number":3}),
            vec![Frame::Error(ApiError {
                message: "Slow down".into(),
                kind: None,
                code: Some("rate_limit_exceeded".into()),
            })],
        ),
        (
            json!({"type":"error","error":{"type":"invalid_request_error","code":"bad","message":"Nope"}}),
            vec![Frame::Error(ApiError {
                message: "Nope".into(),
                kind: Some("invalid_request_error".into()),
                code: Some("bad".into()),
            })],
        ),
    ];
    for (event, expected) in table {
        assert_eq!(map_one(P, event.clone()), expected, "{event}");
    }
}

#[test]
fn the_many_other_event_types_are_ignored() {
    for kind in [
        "response.queued",
        "response.content_part.added",
        "response.content_part.done",
        "response.output_text.done",
        "response.output_text.annotation.added",
        "response.refusal.done",
        "response.reasoning_summary_part.added",
        "response.reasoning_summary_part.done",
        "response.reasoning_summary_text.done",
        "response.web_search_call.searching",
        "response.file_search_call.completed",
        "response.image_generation_call.partial_image",
        "response.audio.delta",
        "response.mcp_call_arguments.delta",
        "response.something_new_next_year",
    ] {
        let (frames, finished) = map(
            P,
            &[typed(
                json!({"type": kind, "item_id": "x", "delta": "text", "text": "text"}),
            )],
        );
        assert!(frames.is_empty() && !finished, "{kind}: {frames:?}");
    }
}

#[test]
fn junk_is_skipped_with_a_warning_and_does_not_finish() {
    for data in ["not json", "[1,2]", "{\"no_type\":1}", ""] {
        let (frames, finished) = map(P, &[ev("message", data)]);
        assert!(
            matches!(frames.as_slice(), [Frame::Skip { .. }]),
            "{data:?}: {frames:?}"
        );
        assert!(!finished);
    }
}

#[test]
fn the_json_type_wins_over_the_event_name_which_is_the_fallback() {
    let data = json!({"type":"response.output_text.delta","delta":"a"}).to_string();
    assert_eq!(map(P, &[ev("something.else", &data)]).0, [content("a")]);
    let untyped = json!({"delta":"b"}).to_string();
    assert_eq!(
        map(P, &[ev("response.output_text.delta", &untyped)]).0,
        [content("b")]
    );
}

#[test]
fn an_sse_error_event_is_an_error_whatever_its_data() {
    let (frames, finished) = map(P, &[ev("error", "upstream timed out")]);
    assert_eq!(
        error_message(&frames).as_deref(),
        Some("upstream timed out")
    );
    assert!(finished);
    let (frames, _) = map(
        P,
        &[ev(
            "error",
            r#"{"code":500,"message":"boom","type":"server_error"}"#,
        )],
    );
    assert_eq!(
        frames,
        [Frame::Error(ApiError {
            message: "boom".into(),
            kind: Some("server_error".into()),
            code: Some("500".into()),
        })]
    );
    // A typeless in-band error envelope is an error too.
    let (frames, _) = map(P, &[ev("message", r#"{"error":{"message":"quota"}}"#)]);
    assert_eq!(error_message(&frames).as_deref(), Some("quota"));
}

#[test]
fn tool_calls_get_stable_indexes_in_order_of_appearance() {
    let events = [
        json!({"type":"response.output_item.added","output_index":0,"item":{"type":"function_call","id":"fc_a","call_id":"call_a","name":"one","arguments":""}}),
        json!({"type":"response.output_item.added","output_index":1,"item":{"type":"function_call","id":"fc_b","call_id":"call_b","name":"two","arguments":""}}),
        // Interleaved fragments, one found by item id, one by output index only.
        json!({"type":"response.function_call_arguments.delta","item_id":"fc_b","output_index":1,"delta":"{\"y\":"}),
        json!({"type":"response.function_call_arguments.delta","output_index":0,"delta":"{\"x\":"}),
        json!({"type":"response.function_call_arguments.delta","item_id":"fc_a","delta":"1}"}),
        json!({"type":"response.function_call_arguments.delta","item_id":"fc_b","delta":"2}"}),
        // Done events repeat what the fragments said: nothing more.
        json!({"type":"response.function_call_arguments.done","item_id":"fc_a","arguments":"{\"x\":1}"}),
        json!({"type":"response.output_item.done","output_index":1,"item":{"type":"function_call","id":"fc_b","call_id":"call_b","name":"two","arguments":"{\"y\":2}"}}),
        json!({"type":"response.completed","response":{"status":"completed","output":[
            {"type":"function_call","id":"fc_a","call_id":"call_a","name":"one","arguments":"{\"x\":1}"},
            {"type":"function_call","id":"fc_b","call_id":"call_b","name":"two","arguments":"{\"y\":2}"}]}}),
    ]
    .map(typed);
    let (frames, finished) = map(P, &events);
    assert!(finished);
    let f = fold(&frames);
    assert_eq!(
        f.tools,
        [
            (0, "call_a".into(), "one".into(), "{\"x\":1}".into()),
            (1, "call_b".into(), "two".into(), "{\"y\":2}".into()),
        ]
    );
    assert_eq!(f.finish_reason.as_deref(), Some("tool_calls"));
    assert_eq!(f.done, 1);
}

#[test]
fn arguments_sent_only_whole_are_not_lost() {
    // A server that skips the deltas: the item's arguments arrive in output_item.done.
    let events = [
        json!({"type":"response.output_item.added","output_index":0,"item":{"type":"function_call","id":"fc_1","call_id":"c1","name":"f","arguments":""}}),
        json!({"type":"response.output_item.done","output_index":0,"item":{"type":"function_call","id":"fc_1","call_id":"c1","name":"f","arguments":"{}"}}),
        // And one whose only event is output_item.done.
        json!({"type":"response.output_item.done","output_index":1,"item":{"type":"function_call","id":"fc_2","call_id":"c2","name":"g","arguments":"{\"k\":true}"}}),
    ]
    .map(typed);
    assert_eq!(
        fold(&map(P, &events).0).tools,
        [
            (0, "c1".into(), "f".into(), "{}".into()),
            (1, "c2".into(), "g".into(), "{\"k\":true}".into()),
        ]
    );
}

#[test]
fn finish_reason_is_stop_when_text_came_with_the_calls() {
    let completed = |output: serde_json::Value| {
        let frames = map_one(
            P,
            json!({"type":"response.completed","response":{"status":"completed","output":output}}),
        );
        fold(&frames).finish_reason
    };
    let call = json!({"type":"function_call","call_id":"c","name":"f","arguments":"{}"});
    let text = json!({"type":"message","content":[{"type":"output_text","text":"Sure"}]});
    assert_eq!(
        completed(json!([call.clone()])).as_deref(),
        Some("tool_calls")
    );
    assert_eq!(
        completed(json!([text.clone(), call])).as_deref(),
        Some("stop")
    );
    assert_eq!(completed(json!([text])).as_deref(), Some("stop"));
    // Without an output list, what was streamed decides.
    let mut m = ResponsesMapper::new();
    let mut out = Vec::new();
    m.on_event(
        &typed(json!({"type":"response.output_item.added","item":{"type":"function_call","id":"fc","call_id":"c","name":"f"}})),
        &mut out,
    );
    m.on_event(
        &typed(json!({"type":"response.completed","response":{"status":"completed"}})),
        &mut out,
    );
    assert_eq!(fold(&out).finish_reason.as_deref(), Some("tool_calls"));
}

#[test]
fn completed_usage_timings_and_reasoning_tokens() {
    let mut m = ResponsesMapper::new();
    let mut out = Vec::new();
    m.on_event(
        &typed(json!({"type":"response.completed",
            "response":{"id":"r","model":"m","status":"completed","output":[],
                "usage":{"input_tokens":10,"output_tokens":30,"output_tokens_details":{"reasoning_tokens":12}}},
            "timings":{"prompt_n":10,"predicted_n":30,"predicted_per_second":25.5}})),
        &mut out,
    );
    assert_eq!(m.reasoning_tokens(), Some(12));
    let Frame::Chunk(c) = &out[0] else {
        panic!("{out:?}")
    };
    let usage = c.usage.unwrap();
    assert_eq!(
        (
            usage.prompt_tokens,
            usage.completion_tokens,
            usage.total_tokens
        ),
        (10, 30, 40),
        "a missing total is the sum"
    );
    assert_eq!(c.timings.unwrap().predicted_per_second, Some(25.5));
    assert_eq!(
        (c.id.as_deref(), c.model.as_deref()),
        (Some("r"), Some("m"))
    );
    assert_eq!(out[1], Frame::Done);
}

#[test]
fn incomplete_without_a_reason_still_ends() {
    let frames = map_one(
        P,
        json!({"type":"response.incomplete","response":{"status":"incomplete"}}),
    );
    assert_eq!(frames, [finish(Some("incomplete"), None), Frame::Done]);
}

#[test]
fn reasoning_parts_are_a_blank_line_apart() {
    let events = [
        json!({"type":"response.reasoning_summary_text.delta","item_id":"rs","summary_index":0,"delta":"First "}),
        json!({"type":"response.reasoning_summary_text.delta","item_id":"rs","summary_index":0,"delta":"part."}),
        json!({"type":"response.reasoning_summary_text.delta","item_id":"rs","summary_index":1,"delta":"Second."}),
    ]
    .map(typed);
    assert_eq!(fold(&map(P, &events).0).reasoning, "First part.\n\nSecond.");
}

#[test]
fn nothing_after_the_terminal_event() {
    for terminal in [
        json!({"type":"response.completed","response":{"status":"completed"}}),
        json!({"type":"response.incomplete","response":{"status":"incomplete"}}),
        json!({"type":"response.failed","response":{"status":"failed"}}),
        json!({"type":"error","message":"x"}),
    ] {
        let events = [
            typed(terminal.clone()),
            typed(json!({"type":"response.output_text.delta","delta":"late"})),
            ev("message", "[DONE]"),
        ];
        let (frames, finished) = map(P, &events);
        assert!(finished, "{terminal}");
        assert_eq!(fold(&frames).content, "", "{terminal}");
        assert!(
            matches!(frames.last(), Some(Frame::Done | Frame::Error(_))),
            "{terminal}: {frames:?}"
        );
        assert_eq!(fold(&frames).done + fold(&frames).errors, 1);
    }
    // A proxy's [DONE] on its own ends the stream.
    let (frames, finished) = map(P, &[ev("message", "[DONE]")]);
    assert_eq!(frames, [Frame::Done]);
    assert!(finished);
}

#[test]
fn a_stream_without_a_terminal_event_is_not_finished() {
    let events = [
        json!({"type":"response.created","response":{"id":"r"}}),
        json!({"type":"response.output_text.delta","delta":"half an ans"}),
    ]
    .map(typed);
    let (frames, finished) = map(P, &events);
    assert!(!finished);
    assert_eq!(fold(&frames).content, "half an ans");
    // The transcript, given only these frames and the end of the body, reports it incomplete.
    let t = transcript(frames);
    assert_eq!(t.state().as_str(), "error");
    assert!(matches!(
        t.turn.unwrap().error,
        Some(chat_stream::ChatError::Incomplete { .. })
    ));
}

#[test]
fn non_streaming_message_reasoning_and_calls() {
    let body = json!({
        "id":"resp_9","object":"response","status":"completed","model":"gpt-x","error":null,
        "incomplete_details":null,
        "output":[
            {"type":"reasoning","id":"rs","summary":[{"type":"summary_text","text":"Plan."}],
             "content":[{"type":"reasoning_text","text":"Detail."}]},
            {"type":"message","role":"assistant","content":[
                {"type":"output_text","text":"Hello, ","annotations":[]},
                {"type":"output_text","text":"world.","annotations":[]}]},
            {"type":"function_call","id":"fc","call_id":"call_9","name":"f","arguments":"{\"q\":1}"}
        ],
        "usage":{"input_tokens":3,"output_tokens":4,"total_tokens":7}
    });
    let c = responses::parse_response(&body.to_string()).unwrap();
    assert_eq!(
        (c.id.as_deref(), c.model.as_deref()),
        (Some("resp_9"), Some("gpt-x"))
    );
    let choice = &c.choices[0];
    assert_eq!(choice.message.content.as_deref(), Some("Hello, world."));
    assert_eq!(choice.message.reasoning_text(), Some("Plan.\n\nDetail."));
    assert_eq!(choice.message.tool_calls.len(), 1);
    let call = &choice.message.tool_calls[0];
    assert_eq!(call.id.as_deref(), Some("call_9"));
    let func = call.function.as_ref().unwrap();
    assert_eq!(
        (func.name.as_deref(), func.arguments.as_deref()),
        (Some("f"), Some("{\"q\":1}"))
    );
    assert_eq!(
        choice.finish_reason.as_deref(),
        Some("stop"),
        "text came too"
    );
    assert_eq!(c.usage.unwrap().total_tokens, 7);
}

#[test]
fn non_streaming_refusal_incomplete_and_tool_only() {
    let refused = json!({"status":"completed","output":[{"type":"message","content":[
        {"type":"refusal","refusal":"I can't help with that."}]}]});
    let c = responses::parse_response(&refused.to_string()).unwrap();
    assert_eq!(
        c.choices[0].message.refusal.as_deref(),
        Some("I can't help with that.")
    );
    assert_eq!(c.choices[0].finish_reason.as_deref(), Some("stop"));
    let cut = json!({"status":"incomplete","incomplete_details":{"reason":"max_output_tokens"},
        "output":[{"type":"message","content":[{"type":"output_text","text":"Once"}]}]});
    let c = responses::parse_response(&cut.to_string()).unwrap();
    assert_eq!(c.choices[0].finish_reason.as_deref(), Some("length"));
    let tool_only = json!({"status":"completed","output":[
        {"type":"function_call","call_id":"c","name":"f","arguments":"{}"}]});
    let c = responses::parse_response(&tool_only.to_string()).unwrap();
    assert_eq!(c.choices[0].finish_reason.as_deref(), Some("tool_calls"));
}

#[test]
fn non_streaming_errors() {
    let failed = json!({"status":"failed","error":{"code":"server_error","message":"Went wrong"},"output":[]});
    let e = responses::parse_response(&failed.to_string()).unwrap_err();
    assert_eq!(
        (e.message.as_str(), e.code.as_deref()),
        ("Went wrong", Some("server_error"))
    );
    let envelope = json!({"error":{"message":"Bad key","type":"invalid_request_error","code":"invalid_api_key"}});
    let e = responses::parse_response(&envelope.to_string()).unwrap_err();
    assert_eq!(e.kind.as_deref(), Some("invalid_request_error"));
    assert!(responses::parse_response("<html>502</html>")
        .unwrap_err()
        .message
        .starts_with("the response is not JSON"));
    // A chat completion is not a Responses object.
    let chat = json!({"choices":[{"message":{"content":"x"}}]});
    assert!(responses::parse_response(&chat.to_string())
        .unwrap_err()
        .message
        .contains("not a Responses API response"));
    assert!(responses::parse_response("[]").is_err());
}

#[test]
fn http_error_envelope() {
    let e = responses::error_from_http(
        401,
        r#"{"error":{"message":"Incorrect API key","type":"invalid_request_error","code":"invalid_api_key"}}"#,
    );
    assert_eq!(e.message, "Incorrect API key");
    assert_eq!(e.kind.as_deref(), Some("invalid_request_error"));
    assert_eq!(e.code.as_deref(), Some("invalid_api_key"));
    assert_eq!(P.error_from_http(503, "").message, "Service Unavailable");
}
