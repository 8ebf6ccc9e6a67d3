//! Host tests of the whole streaming path as one thing: bytes → `StreamDecoder` → updates →
//! `Transcript::on`. Every ending, keep-alives, a whole body at once, and the property that any
//! re-chunking of the bytes gives the same conversation, for each protocol (Chat Completions,
//! Responses, Anthropic Messages).
#![cfg(not(target_arch = "wasm32"))]

use chat_stream::{
    error::ChatError,
    pipeline::{decode_body, decode_body_as, StreamDecoder, Update},
    protocol::Protocol,
    transcript::{MessageStatus, RequestOptions, ToolCall, Transcript, TurnState},
};
use proptest::prelude::*;
use serde_json::json;

fn options() -> RequestOptions {
    RequestOptions {
        model: "m".into(),
        stream: true,
        ..RequestOptions::default()
    }
}

/// `data:` lines of content deltas, then an optional tail.
fn stream_of(deltas: &[&str], tail: &str) -> Vec<u8> {
    let mut out = String::new();
    for d in deltas {
        let json = serde_json::json!({"choices":[{"index":0,"delta":{"content":d}}]});
        out.push_str(&format!("data: {json}\n\n"));
    }
    out.push_str(tail);
    out.into_bytes()
}

const FINISH: &str =
    "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n";

/// Feeds `bytes` in the given pushes (read k at time 10 + k) and ends the body; returns the
/// transcript and every update's name in order.
fn run(pushes: &[&[u8]]) -> (Transcript, Vec<&'static str>) {
    run_as(Protocol::Chat, pushes)
}

/// [`run`] with a decoder for `protocol`.
fn run_as(protocol: Protocol, pushes: &[&[u8]]) -> (Transcript, Vec<&'static str>) {
    let mut t = Transcript::new();
    t.begin("prompt", &options(), 0.0);
    t.on(Update::Headers, 5.0);
    let mut d = StreamDecoder::for_protocol(protocol);
    assert_eq!(d.protocol(), protocol);
    let mut seen = Vec::new();
    let mut now = 10.0;
    let mut cancelled = false;
    for bytes in pushes {
        d.push(bytes);
        while let Some(u) = d.next_update() {
            seen.push(name(&u));
            t.on(u, now);
        }
        if d.is_finished() {
            cancelled = true;
            break;
        }
        now += 1.0;
    }
    if !cancelled {
        if let Some(end) = d.finish() {
            seen.push(name(&end));
            t.on(end, now);
        }
    }
    (t, seen)
}

fn name(u: &Update) -> &'static str {
    match u {
        Update::Headers => "headers",
        Update::Frame(_) => "frame",
        Update::Comments(_) => "comments",
        Update::Completion(_) => "completion",
        Update::End { .. } => "end",
        Update::Failed(_) => "failed",
    }
}

fn answer(t: &Transcript) -> String {
    t.messages.last().unwrap().content.text()
}

#[test]
fn a_stream_with_done_ends_the_turn_and_stops_reading() {
    let mut bytes = stream_of(&["Hel", "lo"], FINISH);
    bytes.extend_from_slice(
        b"data: [DONE]\n\ndata: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"late\"}}]}\n\n",
    );
    let (t, seen) = run(&[&bytes]);
    assert_eq!(answer(&t), "Hello");
    assert_eq!(t.state(), TurnState::Done);
    // Nothing after [DONE]: no frame for the late chunk, no end of body.
    assert_eq!(seen, ["frame", "frame", "frame", "frame"]);
    let turn = t.turn.as_ref().unwrap();
    assert_eq!(turn.times.headers, Some(5.0));
    assert_eq!(turn.times.first_token, Some(10.0));
    assert_eq!(turn.chunks.len(), 3);
}

#[test]
fn every_update_carries_the_time_of_its_read() {
    let bytes = stream_of(&["a", "b", "c"], FINISH);
    let (t, _) = run(&bytes.chunks(1).collect::<Vec<_>>());
    let turn = t.turn.as_ref().unwrap();
    let first_event_end = bytes.iter().position(|&b| b == b'\n').unwrap() + 1;
    // The first event completes with its blank line, in push number first_event_end (0-based).
    assert_eq!(turn.times.first_chunk, Some(10.0 + first_event_end as f64));
    let marks: Vec<f64> = turn.chunks.iter().map(|c| c.ms).collect();
    assert!(marks.windows(2).all(|w| w[0] < w[1]), "{marks:?}");
}

#[test]
fn an_end_without_done_or_finish_reason_fails_and_keeps_the_text() {
    let bytes = stream_of(&["partial ", "answer"], "data: {\"choi");
    let (t, seen) = run(&[&bytes]);
    assert_eq!(answer(&t), "partial answer");
    assert_eq!(t.state(), TurnState::Error);
    assert_eq!(seen.last(), Some(&"end"));
    let turn = t.turn.as_ref().unwrap();
    assert!(matches!(
        turn.error,
        Some(ChatError::Incomplete {
            cut_mid_event: true
        })
    ));
    assert_eq!(t.messages.last().unwrap().status, MessageStatus::Failed);
}

#[test]
fn a_finish_reason_without_done_is_a_complete_answer() {
    let bytes = stream_of(&["ok"], FINISH);
    let (t, _) = run(&[&bytes]);
    assert_eq!(t.state(), TurnState::Done);
    assert_eq!(answer(&t), "ok");
}

#[test]
fn an_in_band_error_ends_the_stream_with_the_text_kept() {
    let bytes = stream_of(
        &["kept"],
        "data: {\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\"}}\n\ndata: [DONE]\n\n",
    );
    let (t, seen) = run(&[&bytes]);
    assert_eq!(answer(&t), "kept");
    assert_eq!(t.state(), TurnState::Error);
    assert_eq!(seen, ["frame", "frame"]);
    let error = t.turn.as_ref().unwrap().error.as_ref().unwrap().to_string();
    assert!(error.contains("overloaded"), "{error}");
}

#[test]
fn keep_alive_comments_are_counted_once_per_change() {
    let mut bytes = b": ping\n\n: ping\n\n".to_vec();
    bytes.extend(stream_of(&["x"], FINISH));
    let (t, seen) = run(&[&bytes[..8], &bytes[8..16], &bytes[16..]]);
    assert_eq!(t.turn.as_ref().unwrap().comments, 2);
    assert_eq!(seen.iter().filter(|s| **s == "comments").count(), 2);
    assert_eq!(t.turn.as_ref().unwrap().times.first_token, Some(12.0));
}

#[test]
fn an_event_over_the_limit_fails_after_the_events_before_it() {
    let mut d = StreamDecoder::new();
    d.push(&stream_of(&["before"], ""));
    let huge = vec![b'x'; 65 * 1024 * 1024];
    d.push(b"data: ");
    d.push(&huge);
    let mut t = Transcript::new();
    t.begin("p", &options(), 0.0);
    let mut names = Vec::new();
    while let Some(u) = d.next_update() {
        names.push(name(&u));
        t.on(u, 1.0);
    }
    assert_eq!(names, ["frame", "failed"]);
    assert!(d.is_finished());
    assert_eq!(d.finish().map(|u| name(&u)), None);
    assert_eq!(answer(&t), "before");
    assert_eq!(t.state(), TurnState::Error);
}

#[test]
fn bytes_that_are_not_utf8_are_replaced_and_warned_about_once() {
    let mut bytes =
        b"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\xff\"}}]}\n\n".to_vec();
    bytes.extend_from_slice(
        b"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"b\xfe\"}}]}\n\n",
    );
    bytes.extend_from_slice(FINISH.as_bytes());
    let (t, _) = run(&[&bytes]);
    assert_eq!(answer(&t), "a\u{fffd}b\u{fffd}");
    assert_eq!(t.state(), TurnState::Done);
    let turn = t.turn.as_ref().unwrap();
    assert_eq!(turn.warning_count, 1, "{:?}", turn.warnings);
    assert!(turn.warnings[0].contains("not UTF-8"));
}

#[test]
fn a_whole_json_body_is_one_completion() {
    let body = r#"{"choices":[{"index":0,"message":{"role":"assistant","content":"whole"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}}"#;
    let updates = decode_body(body, "application/json; charset=utf-8");
    assert_eq!(updates.iter().map(name).collect::<Vec<_>>(), ["completion"]);
    let mut t = Transcript::new();
    t.begin("p", &options(), 0.0);
    for u in updates {
        t.on(u, 7.0);
    }
    assert_eq!(answer(&t), "whole");
    assert_eq!(t.state(), TurnState::Done);
    assert_eq!(t.turn.as_ref().unwrap().usage.unwrap().completion_tokens, 1);
}

#[test]
fn a_whole_body_that_streamed_anyway_is_decoded_as_a_stream() {
    let mut bytes = stream_of(&["st", "reamed"], FINISH);
    bytes.extend_from_slice(b"data: [DONE]\n\n");
    let body = String::from_utf8(bytes).unwrap();
    let updates = decode_body(&body, "text/event-stream");
    assert_eq!(
        updates.len(),
        4,
        "three chunks and [DONE], no end after [DONE]"
    );
    let mut t = Transcript::new();
    t.begin("p", &options(), 0.0);
    for u in updates {
        t.on(u, 7.0);
    }
    assert_eq!(answer(&t), "streamed");
    assert_eq!(t.state(), TurnState::Done);
}

#[test]
fn a_body_that_is_not_json_fails_with_an_excerpt() {
    let updates = decode_body("<html>oops</html>", "text/html");
    let [Update::Failed(e)] = updates.as_slice() else {
        panic!("expected one failure");
    };
    assert!(e.to_string().contains("not JSON"), "{e}");
}

#[test]
fn the_chunk_log_is_formatted_only_on_demand_and_escapes_json() {
    let bytes = stream_of(&["say \"hi\"\n"], FINISH);
    let (t, _) = run(&[&bytes]);
    let chunks = &t.turn.as_ref().unwrap().chunks;
    assert_eq!(chunks[0].summary(), r#"{"content": "say \"hi\"\n"}"#);
    assert_eq!(chunks[1].summary(), r#"{"finish_reason": "stop"}"#);
}

/// Cuts `bytes` at the given points (taken modulo the length, sorted, deduplicated).
fn cut(bytes: &[u8], cuts: &[usize]) -> Vec<Vec<u8>> {
    let mut points: Vec<usize> = cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
    points.sort_unstable();
    points.dedup();
    let mut out = Vec::new();
    let mut start = 0;
    for p in points {
        out.push(bytes[start..p].to_vec());
        start = p;
    }
    out.push(bytes[start..].to_vec());
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Any re-chunking of the bytes gives the same conversation (times aside: they follow the
    /// reads).
    #[test]
    fn any_rechunking_gives_the_same_transcript(
        deltas in prop::collection::vec("[a-hj-z你👍 \n\"\\\\<>*`#-]{0,12}", 1..12),
        cuts in prop::collection::vec(0usize..4096, 0..24),
        crlf in any::<bool>(),
        done in any::<bool>(),
    ) {
        let refs: Vec<&str> = deltas.iter().map(String::as_str).collect();
        let tail = if done { "data: [DONE]\n\n" } else { FINISH };
        let mut bytes = stream_of(&refs, tail);
        if crlf {
            bytes = String::from_utf8(bytes).unwrap().replace("\n\n", "\r\n\r\n").into_bytes();
        }
        let (whole, _) = run(&[&bytes]);
        let pieces = cut(&bytes, &cuts);
        let (split, _) = run(&pieces.iter().map(Vec::as_slice).collect::<Vec<_>>());
        // No `<think>` can form (no `i`): the answer is every delta, in order.
        prop_assert_eq!(answer(&split), deltas.concat());
        prop_assert_eq!(answer(&split), answer(&whole));
        prop_assert_eq!(split.state(), whole.state());
        prop_assert_eq!(split.state(), TurnState::Done);
        let summaries = |t: &Transcript| t.turn.as_ref().unwrap().chunks.iter().map(|c| c.summary()).collect::<Vec<_>>();
        prop_assert_eq!(summaries(&split), summaries(&whole));
    }
}

// ---------------------------------------------------------------------------------------------
// Responses and Anthropic Messages through the same path.
// ---------------------------------------------------------------------------------------------

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// Events written as a typed event stream (`event:` named after the JSON `type`).
fn typed_stream(events: &[serde_json::Value]) -> Vec<u8> {
    let mut out = String::new();
    for e in events {
        out += &format!("event: {}\ndata: {e}\n\n", e["type"].as_str().unwrap());
    }
    out.into_bytes()
}

fn turn(t: &Transcript) -> &chat_stream::transcript::Turn {
    t.turn.as_ref().unwrap()
}

fn calls(t: &Transcript) -> Vec<ToolCall> {
    t.messages.last().unwrap().tool_calls.clone()
}

#[test]
fn a_real_responses_stream_ends_at_response_completed() {
    let bytes = fixture("llama-server-debian.responses.sse.txt");
    let (t, seen) = run_as(Protocol::Responses, &bytes.chunks(7).collect::<Vec<_>>());
    assert_eq!(answer(&t), "1, 2, 3, 4, 5, 6, 7, 8, 9, 10\n11\n22, 23,");
    assert_eq!(t.state(), TurnState::Done);
    // The decoder stopped at the terminal event: no end of body after it.
    assert_ne!(seen.last(), Some(&"end"));
    let turn = turn(&t);
    assert_eq!(turn.finish_reason.as_deref(), Some("stop"));
    assert!(turn.usage.unwrap().completion_tokens > 0);
    assert!(
        turn.server_timings.is_some(),
        "llama.cpp's timings are read"
    );
    // The first chunk is `response.created` (the role chunk), before the first token.
    assert!(turn.times.first_chunk.unwrap() < turn.times.first_token.unwrap());
}

#[test]
fn a_real_messages_stream_cut_by_max_tokens_is_done_with_finish_reason_length() {
    let bytes = fixture("llama-server-debian.messages.sse.txt");
    let (t, _) = run_as(Protocol::Anthropic, &[&bytes]);
    assert_eq!(t.state(), TurnState::Done);
    assert!(!answer(&t).is_empty());
    let turn = turn(&t);
    assert_eq!(turn.finish_reason.as_deref(), Some("length"));
    assert_eq!(turn.usage.unwrap().completion_tokens, 20);
}

#[test]
fn streamed_tool_calls_are_accumulated_in_both_protocols() {
    for (name, protocol, id) in [
        (
            "openai-responses.tool-call.documented.sse.txt",
            Protocol::Responses,
            "call_doc_0001",
        ),
        (
            "anthropic-messages.tool-use.documented.sse.txt",
            Protocol::Anthropic,
            "toolu_doc_0003",
        ),
    ] {
        let bytes = fixture(name);
        let (t, _) = run_as(protocol, &bytes.chunks(5).collect::<Vec<_>>());
        assert_eq!(t.state(), TurnState::Done, "{name}");
        assert_eq!(
            turn(&t).finish_reason.as_deref(),
            Some("tool_calls"),
            "{name}"
        );
        let calls = calls(&t);
        assert_eq!(calls.len(), 1, "{name}: {calls:?}");
        assert_eq!(
            (calls[0].id.as_str(), calls[0].name.as_str()),
            (id, "get_weather")
        );
        let args: serde_json::Value = serde_json::from_str(&calls[0].arguments).unwrap();
        assert_eq!(args, json!({"city": "Paris"}), "{name}");
        assert_eq!(
            calls[0].display_arguments(true),
            "{\n  \"city\": \"Paris\"\n}"
        );
    }
}

#[test]
fn anthropic_pings_count_as_keep_alives() {
    let bytes = typed_stream(&[
        json!({"type":"message_start","message":{"id":"m","usage":{"input_tokens":3}}}),
        json!({"type":"ping"}),
        json!({"type":"ping"}),
        json!({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}),
        json!({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"hi"}}),
        json!({"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":1}}),
        json!({"type":"message_stop"}),
    ]);
    let (t, seen) = run_as(Protocol::Anthropic, &[&bytes]);
    assert_eq!(answer(&t), "hi");
    assert_eq!(t.state(), TurnState::Done);
    assert_eq!(turn(&t).comments, 2);
    assert_eq!(seen.iter().filter(|s| **s == "comments").count(), 2);
    // Pings are not chunks: the role chunk, the text and the finish.
    assert_eq!(turn(&t).chunks.len(), 3);
    assert_eq!(turn(&t).finish_reason.as_deref(), Some("stop"));
}

#[test]
fn a_typed_stream_without_its_terminal_event_is_incomplete_and_keeps_the_text() {
    let cases = [
        (
            Protocol::Responses,
            "response.completed",
            vec![
                json!({"type":"response.created","response":{"id":"r"}}),
                json!({"type":"response.output_text.delta","delta":"half an "}),
            ],
        ),
        (
            // A stop reason came, but not `message_stop`.
            Protocol::Anthropic,
            "message_stop",
            vec![
                json!({"type":"message_start","message":{"id":"m"}}),
                json!({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"half an "}}),
                json!({"type":"message_delta","delta":{"stop_reason":"end_turn"}}),
            ],
        ),
    ];
    for (protocol, terminal, events) in cases {
        for cut in [false, true] {
            let mut bytes = typed_stream(&events);
            if cut {
                bytes.extend_from_slice(b"data: {\"type\":\"resp");
            }
            let (t, seen) = run_as(protocol, &[&bytes]);
            assert_eq!(answer(&t), "half an ", "{protocol}");
            assert_eq!(t.state(), TurnState::Error, "{protocol}");
            assert_eq!(seen.last(), Some(&"failed"));
            let error = turn(&t).error.clone().unwrap();
            assert_eq!(
                error,
                ChatError::Unterminated {
                    missing: terminal,
                    cut_mid_event: cut
                }
            );
            assert!(
                error.to_string().starts_with("incomplete response"),
                "{error}"
            );
            assert!(error.to_string().contains(terminal), "{error}");
            assert_eq!(t.messages.last().unwrap().status, MessageStatus::Failed);
        }
    }
}

#[test]
fn in_stream_errors_of_each_protocol_end_the_turn_with_the_text_kept() {
    let cases = [
        (
            Protocol::Responses,
            vec![
                json!({"type":"response.output_text.delta","delta":"kept"}),
                json!({"type":"response.failed","response":{"status":"failed","error":{"code":"server_error","message":"The model crashed"}}}),
            ],
            "The model crashed",
        ),
        (
            Protocol::Responses,
            vec![
                json!({"type":"response.output_text.delta","delta":"kept"}),
                json!({"type":"error","code":"rate_limit_exceeded","message":"Slow down"}),
            ],
            "Slow down",
        ),
        (
            Protocol::Anthropic,
            vec![
                json!({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"kept"}}),
                json!({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}),
            ],
            "Overloaded",
        ),
    ];
    for (protocol, events, message) in cases {
        let mut bytes = typed_stream(&events);
        bytes.extend(typed_stream(&[
            json!({"type":"response.output_text.delta","delta":"late"}),
        ]));
        let (t, seen) = run_as(protocol, &[&bytes]);
        assert_eq!(answer(&t), "kept", "{protocol}");
        assert_eq!(t.state(), TurnState::Error);
        assert_eq!(seen, ["frame", "frame"], "nothing after the error");
        let error = turn(&t).error.as_ref().unwrap().to_string();
        assert!(error.contains(message), "{error}");
    }
}

#[test]
fn a_responses_stream_cut_by_max_output_tokens_finishes_with_length() {
    let bytes = fixture("openai-responses.incomplete.documented.sse.txt");
    let (t, _) = run_as(Protocol::Responses, &[&bytes]);
    assert_eq!(t.state(), TurnState::Done);
    assert_eq!(turn(&t).finish_reason.as_deref(), Some("length"));
}

#[test]
fn reasoning_tokens_are_read_where_sent() {
    let bytes = typed_stream(&[
        json!({"type":"response.output_text.delta","delta":"x"}),
        json!({"type":"response.completed","response":{"status":"completed","usage":{"input_tokens":5,"output_tokens":9,"total_tokens":14,"output_tokens_details":{"reasoning_tokens":6}}}}),
    ]);
    let (t, _) = run_as(Protocol::Responses, &[&bytes]);
    let usage = turn(&t).usage.unwrap();
    assert_eq!(
        (usage.completion_tokens, usage.reasoning_tokens),
        (9, Some(6))
    );
    let chat = b"data: {\"choices\":[],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":7,\"total_tokens\":8,\"completion_tokens_details\":{\"reasoning_tokens\":4}}}\n\ndata: [DONE]\n\n";
    let (t, _) = run(&[chat]);
    assert_eq!(turn(&t).usage.unwrap().reasoning_tokens, Some(4));
    let plain = stream_of(&["y"], FINISH);
    let (t, _) = run(&[&plain]);
    assert_eq!(turn(&t).usage, None);
}

#[test]
fn whole_bodies_of_each_protocol_are_one_completion() {
    for (name, protocol) in [
        ("llama-server-debian.responses.json", Protocol::Responses),
        ("llama-server-debian.messages.json", Protocol::Anthropic),
    ] {
        let body = String::from_utf8(fixture(name)).unwrap();
        let updates = decode_body_as(protocol, &body, "application/json");
        assert_eq!(
            updates.iter().map(name_of).collect::<Vec<_>>(),
            ["completion"]
        );
        let mut t = Transcript::new();
        t.begin("p", &options(), 0.0);
        for u in updates {
            t.on(u, 7.0);
        }
        assert_eq!(t.state(), TurnState::Done, "{name}");
        assert!(!answer(&t).is_empty(), "{name}");
        assert!(turn(&t).usage.is_some(), "{name}");
        assert!(turn(&t).finish_reason.is_some(), "{name}");
        // A chat completion parser would not read it: the protocol decides.
        let as_chat = decode_body(&body, "application/json");
        let mut t = Transcript::new();
        t.begin("p", &options(), 0.0);
        for u in as_chat {
            t.on(u, 7.0);
        }
        assert!(answer(&t).is_empty(), "{name}");
    }
    // An Anthropic error body at HTTP 200 is an error.
    let updates = decode_body_as(
        Protocol::Anthropic,
        r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#,
        "application/json",
    );
    let [Update::Failed(e)] = updates.as_slice() else {
        panic!("expected one failure");
    };
    assert!(e.to_string().contains("Overloaded"), "{e}");
    // A typed stream in a body read whole (a server that streamed anyway).
    let body = String::from_utf8(fixture("llama-server-debian.messages.sse.txt")).unwrap();
    let updates = decode_body_as(Protocol::Anthropic, &body, "text/event-stream");
    let mut t = Transcript::new();
    t.begin("p", &options(), 0.0);
    for u in updates {
        t.on(u, 7.0);
    }
    assert_eq!(t.state(), TurnState::Done);
}

fn name_of(u: &Update) -> &'static str {
    name(u)
}

/// The content, reasoning and tool-call events of one protocol for the re-chunking property:
/// text deltas, a reasoning delta, a tool call with its arguments in two pieces, and the
/// terminal events.
fn protocol_stream(protocol: Protocol, deltas: &[String], arguments: &str, eol: &str) -> Vec<u8> {
    let half = (0..=arguments.len() / 2)
        .rev()
        .find(|&i| arguments.is_char_boundary(i))
        .unwrap_or(0);
    let (a, b) = arguments.split_at(half);
    let events: Vec<serde_json::Value> = match protocol {
        Protocol::Chat => {
            let mut e: Vec<_> = deltas
                .iter()
                .map(|d| json!({"choices":[{"index":0,"delta":{"content":d}}]}))
                .collect();
            e.push(json!({"choices":[{"index":0,"delta":{"reasoning_content":"hm"}}]}));
            e.push(json!({"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"c1","function":{"name":"f","arguments":a}}]}}]}));
            e.push(json!({"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":b}}]}}]}));
            e.push(json!({"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}));
            e
        }
        Protocol::Responses => {
            let mut e = vec![json!({"type":"response.created","response":{"id":"r","model":"m"}})];
            e.extend(
                deltas
                    .iter()
                    .map(|d| json!({"type":"response.output_text.delta","item_id":"i","delta":d})),
            );
            e.push(json!({"type":"response.reasoning_text.delta","item_id":"rs","delta":"hm"}));
            e.push(json!({"type":"response.output_item.added","output_index":1,"item":{"type":"function_call","id":"fc","call_id":"c1","name":"f"}}));
            e.push(
                json!({"type":"response.function_call_arguments.delta","item_id":"fc","delta":a}),
            );
            e.push(
                json!({"type":"response.function_call_arguments.delta","item_id":"fc","delta":b}),
            );
            e.push(json!({"type":"response.completed","response":{"status":"completed","output":[{"type":"function_call"}]}}));
            e
        }
        Protocol::Anthropic => {
            let mut e = vec![
                json!({"type":"message_start","message":{"id":"m","usage":{"input_tokens":3}}}),
                json!({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}),
            ];
            e.extend(deltas.iter().map(|d| json!({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":d}})));
            e.push(json!({"type":"ping"}));
            e.push(json!({"type":"content_block_delta","index":1,"delta":{"type":"thinking_delta","thinking":"hm"}}));
            e.push(json!({"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"c1","name":"f","input":{}}}));
            e.push(json!({"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":a}}));
            e.push(json!({"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":b}}));
            e.push(json!({"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":4}}));
            e.push(json!({"type":"message_stop"}));
            e
        }
    };
    let mut out = String::new();
    for e in &events {
        if let Some(kind) = e["type"].as_str() {
            out += &format!("event: {kind}{eol}");
        }
        out += &format!("data: {e}{eol}{eol}");
    }
    if protocol == Protocol::Chat {
        out += &format!("data: [DONE]{eol}{eol}");
    }
    out.into_bytes()
}

/// What a reader sees of a transcript, times aside.
fn seen(
    t: &Transcript,
) -> (
    String,
    String,
    Vec<ToolCall>,
    TurnState,
    Option<String>,
    Vec<String>,
    u64,
) {
    let m = t.messages.last().unwrap();
    let turn = turn(t);
    (
        m.content.text(),
        m.reasoning.text(),
        m.tool_calls.clone(),
        t.state(),
        turn.finish_reason.clone(),
        turn.chunks.iter().map(|c| c.summary()).collect(),
        turn.comments,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Per protocol: any re-chunking of the bytes gives the same conversation, with the answer,
    /// the reasoning and the tool call (its arguments split anywhere) whole.
    #[test]
    fn any_rechunking_gives_the_same_transcript_in_every_protocol(
        protocol in prop::sample::select(Protocol::ALL.to_vec()),
        deltas in prop::collection::vec("[a-hj-z你👍 \n\"\\\\<>*`#-]{1,12}", 1..8),
        city in "[a-zé\"]{0,8}",
        cuts in prop::collection::vec(0usize..8192, 0..24),
        crlf in any::<bool>(),
    ) {
        let arguments = json!({"city": city}).to_string();
        let bytes = protocol_stream(protocol, &deltas, &arguments, if crlf { "\r\n" } else { "\n" });
        let (whole, _) = run_as(protocol, &[&bytes]);
        let pieces = cut(&bytes, &cuts);
        let (split, _) = run_as(protocol, &pieces.iter().map(Vec::as_slice).collect::<Vec<_>>());
        prop_assert_eq!(answer(&split), deltas.concat());
        prop_assert_eq!(seen(&split), seen(&whole));
        prop_assert_eq!(split.state(), TurnState::Done);
        prop_assert_eq!(turn(&split).finish_reason.as_deref(), Some("tool_calls"));
        let calls = calls(&split);
        prop_assert_eq!(calls.len(), 1);
        prop_assert_eq!(&calls[0].arguments, &arguments);
        prop_assert_eq!((calls[0].id.as_str(), calls[0].name.as_str()), ("c1", "f"));
    }
}
