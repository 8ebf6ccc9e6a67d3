//! Properties: any re-chunking of a stream's bytes through the SSE decoder gives the same
//! frames, for the captures and for generated streams of every protocol.

use chat_stream::{openai::Frame, protocol::Protocol, sse::SseEvent};
use proptest::prelude::*;
use serde_json::json;

use crate::{common::*, fixtures::STREAMS};

/// `bytes` cut at the given points (any order, duplicates allowed).
fn pieces(bytes: &[u8], cuts: &[prop::sample::Index]) -> Vec<Vec<u8>> {
    let mut at: Vec<usize> = cuts.iter().map(|i| i.index(bytes.len() + 1)).collect();
    at.sort_unstable();
    let mut out = Vec::new();
    let mut start = 0;
    for cut in at {
        out.push(bytes[start..cut].to_vec());
        start = cut;
    }
    out.push(bytes[start..].to_vec());
    out
}

fn rechunked(protocol: Protocol, bytes: &[u8], cuts: &[prop::sample::Index]) -> (Vec<Frame>, bool) {
    let pieces = pieces(bytes, cuts);
    map(protocol, &decode_pieces(pieces.iter().map(Vec::as_slice)))
}

/// Events a server of `protocol` may send, each as (event name, JSON data).
fn pool(protocol: Protocol) -> Vec<serde_json::Value> {
    match protocol {
        Protocol::Chat => vec![
            json!({"choices":[{"index":0,"delta":{"content":"é"}}]}),
            json!({"choices":[{"index":0,"delta":{"reasoning_content":"hm"}}]}),
            json!({"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}),
        ],
        Protocol::Responses => vec![
            json!({"type":"response.created","response":{"id":"r","model":"m"}}),
            json!({"type":"response.output_text.delta","item_id":"i","delta":"a\u{2028}b 🎉"}),
            json!({"type":"response.reasoning_summary_text.delta","item_id":"rs","summary_index":0,"delta":"x"}),
            json!({"type":"response.reasoning_summary_text.delta","item_id":"rs","summary_index":1,"delta":"y"}),
            json!({"type":"response.refusal.delta","delta":"no"}),
            json!({"type":"response.output_item.added","output_index":1,"item":{"type":"function_call","id":"fc","call_id":"c","name":"f"}}),
            json!({"type":"response.function_call_arguments.delta","item_id":"fc","delta":"{\"k\":"}),
            json!({"type":"response.output_item.done","output_index":1,"item":{"type":"function_call","id":"fc","arguments":"{}"}}),
            json!({"type":"response.content_part.added","item_id":"i"}),
            json!({"type":"response.completed","response":{"status":"completed","usage":{"input_tokens":1,"output_tokens":2}}}),
            json!({"type":"response.incomplete","response":{"incomplete_details":{"reason":"max_output_tokens"}}}),
            json!({"type":"response.failed","response":{"error":{"message":"bad"}}}),
            json!({"type":"error","message":"oops"}),
        ],
        Protocol::Anthropic => vec![
            json!({"type":"message_start","message":{"id":"m","usage":{"input_tokens":3}}}),
            json!({"type":"ping"}),
            json!({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}),
            json!({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"ü\r"}}),
            json!({"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"t","name":"f","input":{}}}),
            json!({"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"a\""}}),
            json!({"type":"content_block_stop","index":1}),
            json!({"type":"content_block_delta","index":2,"delta":{"type":"thinking_delta","thinking":"t"}}),
            json!({"type":"message_delta","delta":{"stop_reason":"max_tokens"},"usage":{"output_tokens":4}}),
            json!({"type":"message_stop"}),
            json!({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}),
        ],
    }
}

/// `events` written as an event stream: named or not, with the given line ending, with an
/// occasional comment.
fn write_stream(events: &[serde_json::Value], named: bool, eol: &str) -> (Vec<SseEvent>, Vec<u8>) {
    let mut bytes = String::new();
    let mut expected = Vec::new();
    for (i, value) in events.iter().enumerate() {
        let name = value["type"]
            .as_str()
            .filter(|_| named)
            .unwrap_or("message");
        let data = value.to_string();
        if i % 3 == 0 {
            bytes += &format!(": keep-alive{eol}");
        }
        if name != "message" {
            bytes += &format!("event: {name}{eol}");
        }
        bytes += &format!("data: {data}{eol}{eol}");
        expected.push(ev(name, &data));
    }
    (expected, bytes.into_bytes())
}

proptest! {
    #[test]
    fn captures_give_the_same_frames_however_the_bytes_are_cut(
        which in 0..STREAMS.len(),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..40),
    ) {
        let (name, protocol) = STREAMS[which];
        let raw = fixture(name);
        let whole = stream(protocol, raw.as_bytes());
        prop_assert_eq!(rechunked(protocol, raw.as_bytes(), &cuts), whole);
    }

    #[test]
    fn responses_streams_give_the_same_frames_however_the_bytes_are_cut(
        picks in prop::collection::vec(any::<prop::sample::Index>(), 0..30),
        named in any::<bool>(),
        eol in prop::sample::select(vec!["\n", "\r\n", "\r"]),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..30),
    ) {
        check_generated(Protocol::Responses, &picks, named, eol, &cuts)?;
    }

    #[test]
    fn anthropic_streams_give_the_same_frames_however_the_bytes_are_cut(
        picks in prop::collection::vec(any::<prop::sample::Index>(), 0..30),
        named in any::<bool>(),
        eol in prop::sample::select(vec!["\n", "\r\n", "\r"]),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..30),
    ) {
        check_generated(Protocol::Anthropic, &picks, named, eol, &cuts)?;
    }

    #[test]
    fn chat_streams_give_the_same_frames_however_the_bytes_are_cut(
        picks in prop::collection::vec(any::<prop::sample::Index>(), 0..20),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..20),
    ) {
        check_generated(Protocol::Chat, &picks, false, "\n", &cuts)?;
    }
}

fn check_generated(
    protocol: Protocol,
    picks: &[prop::sample::Index],
    named: bool,
    eol: &str,
    cuts: &[prop::sample::Index],
) -> Result<(), TestCaseError> {
    let pool = pool(protocol);
    let events: Vec<_> = picks
        .iter()
        .map(|i| pool[i.index(pool.len())].clone())
        .collect();
    let (sent, bytes) = write_stream(&events, named, eol);
    // The decoder delivers exactly the events written, however the bytes arrive...
    let pieces = pieces(&bytes, cuts);
    let decoded = decode_pieces(pieces.iter().map(Vec::as_slice));
    prop_assert_eq!(&decoded, &sent);
    // ...so the frames are those of the events given to the mapper directly.
    prop_assert_eq!(rechunked(protocol, &bytes, cuts), map(protocol, &sent));
    Ok(())
}
