//! Entry points for the wasm decoder benchmark (`node benches/wasm-decoder.mjs`), compiled only
//! with the `wasm-bench` feature: the same decoder code as the app, timed inside wasm.

use wasm_bindgen::prelude::*;

use crate::{openai::frame_from_event, sse::SseDecoder};

/// Decodes `bytes` pushed in pieces of `step` bytes (the pieces are cut inside wasm, so 1-byte
/// pushes measure the decoder, not the JS boundary); with `parse`, also turns each event into a
/// frame. Returns the number of events.
#[wasm_bindgen]
pub fn bench_decode(bytes: &[u8], step: usize, parse: bool) -> usize {
    let mut decoder = SseDecoder::with_limits(16 << 20, 16 << 20);
    let mut events = 0;
    for chunk in bytes.chunks(step.max(1)) {
        if decoder.push(chunk).is_err() {
            break;
        }
        while let Some(event) = decoder.next_event() {
            if parse {
                std::hint::black_box(frame_from_event(&event));
            }
            events += 1;
        }
    }
    events
}
