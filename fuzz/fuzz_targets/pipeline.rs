//! The whole streaming path as one thing: arbitrary bytes in arbitrary pushes through
//! `StreamDecoder` into `Transcript::on`. No panic, the turn always ends exactly once, and any
//! re-chunking gives the same conversation (answer, reasoning, state, chunk log).
#![no_main]

use chat_stream::{
    pipeline::StreamDecoder,
    transcript::{RequestOptions, Transcript},
};
use libfuzzer_sys::fuzz_target;

/// (answer, reasoning, state, chunk summaries) after feeding `input` cut at `cuts`.
fn run(input: &[u8], cuts: &[usize]) -> (String, String, &'static str, Vec<String>) {
    let mut t = Transcript::new();
    let options = RequestOptions {
        stream: true,
        ..RequestOptions::default()
    };
    t.begin("prompt", &options, 0.0);
    let mut d = StreamDecoder::new();
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
        t.state().as_str(),
        turn.chunks.iter().map(|c| c.summary()).collect(),
    )
}

fuzz_target!(|data: &[u8]| {
    // The first two bytes choose the cut points, the rest is the stream.
    if data.len() < 2 {
        return;
    }
    let (seed, input) = (usize::from(data[0]) << 8 | usize::from(data[1]), &data[2..]);
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
    assert_eq!(run(input, &[]), run(input, &cuts), "re-chunking changed the conversation");
});
