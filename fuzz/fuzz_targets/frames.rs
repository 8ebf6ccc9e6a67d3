//! Arbitrary event data and type through the frame parser and a transcript: no panic, and the
//! answer text only ever grows by what content deltas carried.
#![no_main]

use chat_stream::{
    openai::{frame_from_event, Frame},
    sse::SseEvent,
    transcript::{RequestOptions, Transcript},
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut t = Transcript::new();
    let options = RequestOptions {
        model: "m".into(),
        system: String::new(),
        temperature: None,
        max_tokens: None,
        stream: true,
        include_usage: true,
    };
    t.begin("q", &options, 0.0);
    // Each line is one event; a line starting with '!' is an `event: error`.
    for (i, line) in text.lines().enumerate() {
        let (event, data) = match line.strip_prefix('!') {
            Some(rest) => ("error", rest),
            None => ("message", line),
        };
        let frame = frame_from_event(&SseEvent {
            event: event.into(),
            data: data.into(),
            id: String::new(),
            retry: None,
        });
        let before = t
            .messages
            .last()
            .map(|m| m.content.text())
            .unwrap_or_default();
        let added: String = match &frame {
            Frame::Chunk(c) => c
                .choices
                .iter()
                .filter(|c| c.index == 0)
                .filter_map(|c| c.delta.content.clone())
                .collect(),
            _ => String::new(),
        };
        let live = !t.state().is_terminal();
        t.apply(frame, i as f64);
        let after = t
            .messages
            .last()
            .map(|m| m.content.text())
            .unwrap_or_default();
        if live {
            assert_eq!(after, before + &added);
        } else {
            assert_eq!(after, before, "nothing changes after the end");
        }
    }
    t.end_of_stream(false, 1e9);
    assert!(t.state().is_terminal());
});
