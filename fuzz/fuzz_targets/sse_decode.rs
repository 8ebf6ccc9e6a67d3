//! Arbitrary bytes in arbitrary pushes: no panic, memory within the limits, and re-chunking gives
//! exactly the events (and end state, error, last event ID, reconnection time and counts) of one
//! push.
#![no_main]

use chat_stream::sse::{SseDecoder, SseError, SseEvent, StreamEnd};
use libfuzzer_sys::fuzz_target;

const MAX_LINE: usize = 4096;
const MAX_EVENT: usize = 8192;

/// The events, the end (or the error), and what the decoder reports after it.
type Outcome = (
    Vec<SseEvent>,
    Result<StreamEnd, SseError>,
    (String, Option<u64>, u64, u64),
);

fn decode(input: &[u8], cuts: &[usize]) -> Outcome {
    let mut d = SseDecoder::with_limits(MAX_LINE, MAX_EVENT);
    let mut events = Vec::new();
    let mut start = 0;
    let mut end = None;
    for &cut in cuts.iter().chain(std::iter::once(&input.len())) {
        let pushed = d.push(&input[start..cut]);
        assert!(d.buffered() <= MAX_LINE + MAX_EVENT, "memory bound");
        while let Some(e) = d.next_event() {
            events.push(e);
        }
        if let Err(e) = pushed {
            end = Some(Err(e));
            break;
        }
        start = cut;
    }
    let end = end.unwrap_or_else(|| Ok(d.finish()));
    let state = (
        d.last_event_id().to_owned(),
        d.reconnection_time(),
        d.comments(),
        d.invalid_utf8_lines(),
    );
    (events, end, state)
}

fuzz_target!(|data: &[u8]| {
    // The first byte seeds the cut points; the rest is the stream.
    let Some((&seed, input)) = data.split_first() else {
        return;
    };
    let mut cuts = Vec::new();
    let mut at = 0usize;
    let step = usize::from(seed % 17) + 1;
    while at + step < input.len() {
        at += step + (input[at] as usize % 5);
        if at < input.len() {
            cuts.push(at);
        }
    }
    let whole = decode(input, &[]);
    let pieces = decode(input, &cuts);
    assert_eq!(whole, pieces, "re-chunking changed the events");
    let bytes: Vec<usize> = (1..input.len()).collect();
    assert_eq!(
        whole,
        decode(input, &bytes),
        "one byte per push changed the events"
    );
});
