//! Arbitrary event data and type through the frame parser and a transcript: no panic, and the
//! answer text only ever grows by what content deltas carried. Then the same input through each
//! protocol's mapper (Chat, Responses, Anthropic), both as raw event-stream bytes through the
//! SSE decoder and one event per line: no panic, no frame after the mapper finished, the same
//! invariant in the transcript.
#![no_main]

use chat_stream::{
    openai::{frame_from_event, Frame},
    protocol::Protocol,
    sse::{SseDecoder, SseEvent},
    transcript::{RequestOptions, Transcript},
};
use libfuzzer_sys::fuzz_target;

fn transcript() -> Transcript {
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
    t
}

fn answer(t: &Transcript) -> String {
    t.messages
        .last()
        .map(|m| m.content.text())
        .unwrap_or_default()
}

/// A transcript and every content delta it was given.
struct Checked {
    t: Transcript,
    content: String,
}

impl Checked {
    fn new() -> Self {
        Self {
            t: transcript(),
            content: String::new(),
        }
    }

    /// Applies `frame`. While the turn is live the answer only grows, and once the answer has
    /// begun (content that is not blank and cannot open a `<think>` tag, which the transcript
    /// holds back) it grows by exactly the content the frame carried. After the end it does not
    /// change.
    fn apply(&mut self, frame: Frame, now: f64) {
        let before = answer(&self.t);
        let added: String = match &frame {
            Frame::Chunk(c) => c
                .choices
                .iter()
                .filter(|c| c.index == 0)
                .filter_map(|c| c.delta.content.clone())
                .collect(),
            _ => String::new(),
        };
        let live = !self.t.state().is_terminal();
        let started = self
            .content
            .trim_start()
            .chars()
            .next()
            .is_some_and(|c| c != '<');
        self.t.apply(frame, now);
        let after = answer(&self.t);
        if !live {
            assert_eq!(after, before, "nothing changes after the end");
            return;
        }
        self.content.push_str(&added);
        if started {
            assert_eq!(after, before + &added);
        } else {
            assert!(after.starts_with(&before), "the answer only grows");
        }
    }
}

fn run_mapper(protocol: Protocol, events: impl IntoIterator<Item = SseEvent>) {
    let mut mapper = protocol.mapper();
    let mut t = Checked::new();
    let mut out = Vec::new();
    for (i, event) in events.into_iter().enumerate() {
        let was_finished = mapper.finished();
        out.clear();
        mapper.on_event(&event, &mut out);
        if was_finished {
            assert!(
                out.is_empty(),
                "{protocol}: a frame after the terminal event"
            );
        }
        if out
            .iter()
            .any(|f| matches!(f, Frame::Done | Frame::Error(_)))
        {
            assert!(
                mapper.finished(),
                "{protocol}: Done or Error without finishing"
            );
        }
        for frame in out.drain(..) {
            t.apply(frame, i as f64);
        }
    }
    t.t.end_of_stream(false, 1e9);
    assert!(t.t.state().is_terminal());
}

fn decoded(data: &[u8]) -> Vec<SseEvent> {
    let mut decoder = SseDecoder::new();
    let _ = decoder.push(data);
    decoder.finish();
    std::iter::from_fn(|| decoder.next_event()).collect()
}

fn event(event: &str, data: &str) -> SseEvent {
    SseEvent {
        event: event.into(),
        data: data.into(),
        id: String::new(),
        retry: None,
    }
}

fuzz_target!(|data: &[u8]| {
    let events = decoded(data);
    for protocol in Protocol::ALL {
        run_mapper(protocol, events.iter().cloned());
    }

    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // Each line is one event; a line starting with '!' is an `event: error`.
    let lines: Vec<SseEvent> = text
        .lines()
        .map(|line| match line.strip_prefix('!') {
            Some(rest) => event("error", rest),
            None => event("message", line),
        })
        .collect();
    let mut t = Checked::new();
    for (i, e) in lines.iter().enumerate() {
        t.apply(frame_from_event(e), i as f64);
    }
    t.t.end_of_stream(false, 1e9);
    assert!(t.t.state().is_terminal());
    for protocol in Protocol::ALL {
        run_mapper(protocol, lines.iter().cloned());
    }
});
