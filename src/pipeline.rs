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
//!
//! The decoder speaks one [`Protocol`]: Chat Completions events map to one frame each, straight
//! through [`frame_from_event`]; Responses and Anthropic events go through the protocol's
//! [`EventMapper`], which may give several frames for one event (or none). Whatever the
//! protocol, the frames are the same, so nothing above this module knows which one spoke.

use std::collections::VecDeque;

use crate::{
    error::ChatError,
    openai::{frame_from_event, ChatCompletion, Frame},
    protocol::{EventMapper, Protocol},
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

/// What [`StreamDecoder::next_frame`] found.
enum Next {
    Frame(Frame),
    KeepAlive(u64),
    Nothing,
}

/// Push bytes in, pop updates out. One per streamed response.
#[derive(Debug)]
pub struct StreamDecoder {
    sse: SseDecoder,
    /// Maps events to frames for the response's protocol.
    mapper: EventMapper,
    /// Frames a mapper gave for one event and not yet popped.
    pending: VecDeque<Frame>,
    /// Reused buffer for a mapper's frames.
    scratch: Vec<Frame>,
    /// Keep-alive count (comments plus keep-alive events) last reported.
    comments: u64,
    /// The terminal frame ([`Frame::Done`]: `[DONE]`, `response.completed`, `message_stop`, …)
    /// or an error frame was popped: the stream is over, whatever follows.
    finished: bool,
    /// The decoder stopped on bad input; reported after the events before it.
    error: Option<SseError>,
    /// Bytes that are not UTF-8 were replaced (and said so, once).
    warned_utf8: bool,
}

impl Default for StreamDecoder {
    fn default() -> Self {
        Self::for_protocol(Protocol::Chat)
    }
}

impl StreamDecoder {
    /// A decoder for one Chat Completions response body.
    pub fn new() -> Self {
        Self::default()
    }

    /// A decoder for one response body in `protocol`.
    pub fn for_protocol(protocol: Protocol) -> Self {
        Self {
            sse: SseDecoder::default(),
            mapper: protocol.mapper(),
            pending: VecDeque::new(),
            scratch: Vec::new(),
            comments: 0,
            finished: false,
            error: None,
            warned_utf8: false,
        }
    }

    /// The protocol this decoder reads.
    pub fn protocol(&self) -> Protocol {
        self.mapper.protocol()
    }

    /// Keep-alives seen: SSE comments, and the protocol's keep-alive events (Anthropic `ping`).
    fn keepalives(&self) -> u64 {
        self.sse.comments() + self.mapper.keepalives()
    }

    /// The next frame: one already mapped, else the next complete event's; or a changed
    /// keep-alive count when an event gave no frame but was a keep-alive (Anthropic `ping`).
    fn next_frame(&mut self) -> Next {
        if let Some(frame) = self.pending.pop_front() {
            return Next::Frame(frame);
        }
        while let Some(event) = self.sse.next_event() {
            if let EventMapper::Chat(_) = self.mapper {
                // The common path: one event, one JSON parse, one frame.
                return Next::Frame(frame_from_event(&event));
            }
            self.mapper.on_event(&event, &mut self.scratch);
            let mut frames = self.scratch.drain(..);
            if let Some(first) = frames.next() {
                self.pending.extend(frames);
                return Next::Frame(first);
            }
            drop(frames);
            let keepalives = self.keepalives();
            if keepalives != self.comments {
                self.comments = keepalives;
                return Next::KeepAlive(keepalives);
            }
        }
        Next::Nothing
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

    /// The next update of what was pushed: each complete event's frames (a keep-alive event
    /// that gives none reports the changed keep-alive count in its place), then (once per
    /// stream) a warning that bytes which are not UTF-8 were replaced, then a changed comment
    /// count, then a decoding error. Nothing after the terminal frame or an error frame.
    pub fn next_update(&mut self) -> Option<Update> {
        if self.finished {
            return None;
        }
        match self.next_frame() {
            Next::Frame(frame) => {
                self.finished = matches!(frame, Frame::Done | Frame::Error(_));
                return Some(Update::Frame(frame));
            }
            Next::KeepAlive(count) => return Some(Update::Comments(count)),
            Next::Nothing => {}
        }
        if !self.warned_utf8 && self.sse.invalid_utf8_lines() > 0 {
            self.warned_utf8 = true;
            return Some(Update::Frame(Frame::Skip {
                warning: "the stream has bytes that are not UTF-8: they are shown as �".to_owned(),
            }));
        }
        let comments = self.keepalives();
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

    /// The stream is over (the protocol's terminal event, an error frame, or a decoding error
    /// was popped): stop reading and cancel the body.
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// The body ended: the final update, once every pushed update was popped. `None` when the
    /// stream had already finished. For Chat Completions it is [`Update::End`] (the transcript
    /// decides from the finish reason); for Responses and Anthropic Messages, whose streams
    /// always end with a terminal event, it is [`ChatError::Unterminated`].
    pub fn finish(&mut self) -> Option<Update> {
        if self.finished {
            return None;
        }
        self.finished = true;
        let end = self.sse.finish();
        if matches!(self.mapper, EventMapper::Chat(_)) {
            // A chat stream may end without `[DONE]` once a finish reason came: the transcript
            // decides.
            return Some(Update::End {
                cut_mid_event: end.incomplete_event,
            });
        }
        // Responses and Anthropic streams always end with their terminal event (which ends
        // the decoder before the body does): without it the answer is incomplete.
        let missing = match self.mapper.protocol() {
            Protocol::Anthropic => "message_stop",
            _ => "response.completed",
        };
        Some(Update::Failed(ChatError::Unterminated {
            missing,
            cut_mid_event: end.incomplete_event,
        }))
    }
}

/// The updates of a whole Chat Completions response body that arrived at once: see
/// [`decode_body_as`].
pub fn decode_body(body: &str, content_type: &str) -> Vec<Update> {
    decode_body_as(Protocol::Chat, body, content_type)
}

/// The updates of a whole response body in `protocol` that arrived at once: a JSON response
/// (read by [`Protocol::parse_response`]), or an event stream (a server that streamed although
/// it was asked not to). `content_type` is the response's, lower-cased.
pub fn decode_body_as(protocol: Protocol, body: &str, content_type: &str) -> Vec<Update> {
    let is_json = content_type.contains("json");
    if !is_json && content_type.contains("event-stream") {
        let mut decoder = StreamDecoder::for_protocol(protocol);
        decoder.push(body.as_bytes());
        let mut updates = Vec::new();
        while let Some(u) = decoder.next_update() {
            updates.push(u);
        }
        updates.extend(decoder.finish());
        return updates;
    }
    vec![match protocol.parse_response(body) {
        Ok(completion) => Update::Completion(completion),
        Err(api) => Update::Failed(ChatError::Server(api)),
    }]
}
