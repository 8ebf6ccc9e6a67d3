//! bytes → updates: the whole streaming path below the transcript, with no I/O.
//!
//! The transport only moves bytes and time stamps: it hands each network read to
//! [`StreamDecoder::push`] and each read's `performance.now()` goes with every update that read
//! produced. [`StreamDecoder`] runs the SSE decoder and maps each event to a [`Frame`] with one
//! JSON parse, and [`Transcript::on`](crate::transcript::Transcript::on) takes every [`Update`]
//! through one entry point. So the path from bytes to conversation state is host-tested,
//! benchmarked and fuzzed as one thing.
//!
//! Updates are popped one at a time ([`StreamDecoder::next_update`]), so a caller that got
//! thousands of events in one read can yield to the browser between them.

use crate::{
    error::ChatError,
    openai::{frame_from_event, parse_completion, ChatCompletion, Frame},
    sse::{SseDecoder, SseError},
};

/// What happened to the request, in order: `Headers`, then `Frame`s (streaming) or one
/// `Completion`, then `End` or `Failed`. `Comments` may come at any point while streaming.
#[derive(Debug)]
pub enum Update {
    /// Response headers arrived with a 2xx status.
    Headers,
    /// One event of the stream, as a frame.
    Frame(Frame),
    /// Running count of keep-alive comments (sent only when it changed).
    Comments(u64),
    /// The whole non-streaming completion (also when a server ignored `stream: true`).
    Completion(ChatCompletion),
    /// The body ended; `cut_mid_event` when an unterminated event was discarded.
    End {
        /// See [`crate::sse::StreamEnd`].
        cut_mid_event: bool,
    },
    /// The request failed.
    Failed(ChatError),
}

/// Push bytes in, pop updates out. One per streamed response.
#[derive(Debug, Default)]
pub struct StreamDecoder {
    sse: SseDecoder,
    /// Comment count last reported.
    comments: u64,
    /// A `[DONE]` or an error frame was popped: the stream is over, whatever follows.
    finished: bool,
    /// The decoder stopped on bad input; reported after the events before it.
    error: Option<SseError>,
    /// Bytes that are not UTF-8 were replaced (and said so, once).
    warned_utf8: bool,
}

impl StreamDecoder {
    /// A decoder for one response body.
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds the bytes of one network read. Their updates come from
    /// [`next_update`](Self::next_update).
    pub fn push(&mut self, bytes: &[u8]) {
        if self.finished || self.error.is_some() {
            return;
        }
        if let Err(e) = self.sse.push(bytes) {
            self.error = Some(e);
        }
    }

    /// The next update of what was pushed: each complete event as a frame, then (once per
    /// stream) a warning that bytes which are not UTF-8 were replaced, then a changed comment
    /// count, then a decoding error. Nothing after `[DONE]` or an error frame.
    pub fn next_update(&mut self) -> Option<Update> {
        if self.finished {
            return None;
        }
        if let Some(event) = self.sse.next_event() {
            let frame = frame_from_event(&event);
            self.finished = matches!(frame, Frame::Done | Frame::Error(_));
            return Some(Update::Frame(frame));
        }
        if !self.warned_utf8 && self.sse.invalid_utf8_lines() > 0 {
            self.warned_utf8 = true;
            return Some(Update::Frame(Frame::Skip {
                warning: "the stream has bytes that are not UTF-8: they are shown as �".to_owned(),
            }));
        }
        let comments = self.sse.comments();
        if comments != self.comments {
            self.comments = comments;
            return Some(Update::Comments(comments));
        }
        match self.error.take() {
            Some(e) => {
                self.finished = true;
                Some(Update::Failed(e.into()))
            }
            None => None,
        }
    }

    /// The stream is over (`[DONE]`, an error frame, or a decoding error was popped): stop
    /// reading and cancel the body.
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// The body ended: the final update, once every pushed update was popped. `None` when the
    /// stream had already finished.
    pub fn finish(&mut self) -> Option<Update> {
        if self.finished {
            return None;
        }
        self.finished = true;
        let end = self.sse.finish();
        Some(Update::End {
            cut_mid_event: end.incomplete_event,
        })
    }
}

/// The updates of a whole response body that arrived at once: a JSON completion, or an
/// event stream (a server that streamed although it was asked not to). `content_type` is the
/// response's, lower-cased.
pub fn decode_body(body: &str, content_type: &str) -> Vec<Update> {
    let is_json = content_type.contains("json");
    if !is_json && content_type.contains("event-stream") {
        let mut decoder = StreamDecoder::new();
        decoder.push(body.as_bytes());
        let mut updates = Vec::new();
        while let Some(u) = decoder.next_update() {
            updates.push(u);
        }
        updates.extend(decoder.finish());
        return updates;
    }
    vec![match parse_completion(body) {
        Ok(completion) => Update::Completion(completion),
        Err(api) => Update::Failed(ChatError::Server(api)),
    }]
}
