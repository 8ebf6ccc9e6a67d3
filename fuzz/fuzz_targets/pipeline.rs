//! The whole streaming path as one thing: arbitrary bytes in arbitrary pushes through
//! `StreamDecoder` (for each protocol: Chat Completions, Responses, Anthropic Messages) into
//! `Transcript::on`. No panic, the turn always ends exactly once, and any re-chunking gives the
//! same conversation (answer, reasoning, tool calls, state, finish reason, chunk log).
#![no_main]

use chat_stream::{
    pipeline::StreamDecoder,
    protocol::Protocol,
    transcript::{RequestOptions, ToolCall, Transcript},
};
use libfuzzer_sys::fuzz_target;

/// What a reader sees after feeding `input` cut at `cuts`.
type Seen = (
    String,
    String,
    Vec<ToolCall>,
    &'static str,
    Option<String>,
    Vec<String>,
);

fn run(protocol: Protocol, input: &[u8], cuts: &[usize]) -> Seen {
    let mut t = Transcript::new();
    let options = RequestOptions {
        stream: true,
        ..RequestOptions::default()
    };
    t.begin("prompt", &options, 0.0);
    let mut d = StreamDecoder::for_protocol(protocol);
    let mut start = 0;
    for (k, &cut) in cuts.iter().chain(std::iter::once(&input.len())).enumerate() {
        d.push(&input[start..cut]);
        start = cut;
        while let Some(u) = d.next_update() {
            t.on(u, k as f64);
        }
        if d.is_finished() {
            break;
        }
    }
    if let Some(end) = d.finish() {
        t.on(end, 1e6);
    }
    assert!(t.state().is_terminal(), "the turn always ends");
    let m = t.messages.last().unwrap();
    let turn = t.turn.as_ref().unwrap();
    (
        m.content.text(),
        m.reasoning.text(),
        m.tool_calls.clone(),
        t.state().as_str(),
        turn.finish_reason.clone(),
        turn.chunks.iter().map(|c| c.summary()).collect(),
    )
}

fuzz_target!(|data: &[u8]| {
    // The first byte chooses the protocol, the next two the cut points; the rest is the stream.
    if data.len() < 3 {
        return;
    }
    let protocol = Protocol::ALL[usize::from(data[0]) % Protocol::ALL.len()];
    let (seed, input) = (usize::from(data[1]) << 8 | usize::from(data[2]), &data[3..]);
    let mut cuts = Vec::new();
    let mut at = 0;
    let mut s = seed | 1;
    while !input.is_empty() && cuts.len() < 64 {
        s = s.wrapping_mul(1103515245).wrapping_add(12345) & 0xffff;
        at += s % 17;
        if at >= input.len() {
            break;
        }
        cuts.push(at);
    }
    assert_eq!(
        run(protocol, input, &[]),
        run(protocol, input, &cuts),
        "re-chunking changed the conversation"
    );
});
