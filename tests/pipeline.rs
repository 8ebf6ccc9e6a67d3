//! Host tests of the whole streaming path as one thing: bytes → `StreamDecoder` → updates →
//! `Transcript::on`. Every ending, keep-alives, a whole body at once, and the property that any
//! re-chunking of the bytes gives the same conversation.
#![cfg(not(target_arch = "wasm32"))]

use chat_stream::{
    error::ChatError,
    pipeline::{decode_body, StreamDecoder, Update},
    transcript::{MessageStatus, RequestOptions, Transcript, TurnState},
};
use proptest::prelude::*;

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
    let mut t = Transcript::new();
    t.begin("prompt", &options(), 0.0);
    t.on(Update::Headers, 5.0);
    let mut d = StreamDecoder::new();
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
