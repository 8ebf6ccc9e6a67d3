//! Arbitrary bytes in arbitrary pushes: no panic, memory within the limits, and re-chunking gives
//! exactly the events (and end state, and error) of one push.
#![no_main]

use chat_stream::sse::{SseDecoder, SseError, SseEvent, StreamEnd};
use libfuzzer_sys::fuzz_target;

const MAX_LINE: usize = 4096;
const MAX_EVENT: usize = 8192;

fn decode(input: &[u8], cuts: &[usize]) -> (Vec<SseEvent>, Result<StreamEnd, SseError>) {
    let mut d = SseDecoder::with_limits(MAX_LINE, MAX_EVENT);
    let mut events = Vec::new();
    let mut start = 0;
    for &end in cuts.iter().chain(std::iter::once(&input.len())) {
        let pushed = d.push(&input[start..end]);
        assert!(d.buffered() <= MAX_LINE + MAX_EVENT + 1, "memory bound");
        while let Some(e) = d.next_event() {
            events.push(e);
        }
        if let Err(e) = pushed {
            return (events, Err(e));
        }
        start = end;
    }
    (events, Ok(d.finish()))
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
