//! An incremental, I/O-free decoder for `text/event-stream` (Server-Sent Events).
//!
//! Push bytes in with [`SseDecoder::push`], pop events out with [`SseDecoder::next_event`], and call
//! [`SseDecoder::finish`] at the end of the input. The decoder follows the WHATWG HTML
//! "event stream interpretation" algorithm (§9.2.6); the steps are quoted next to the code.
//!
//! Design notes:
//! - Lines are split on **bytes** (LF, CR, CRLF), before any UTF-8 decoding, so a multi-byte
//!   character split across pushes is never mangled. Each complete field value is decoded on its
//!   own, with replacement characters for invalid bytes; that is equivalent to decoding the whole
//!   stream first, because the terminators, the colon and the space are ASCII and never occur
//!   inside a multi-byte sequence, and a sequence cut short by one of them is replaced by one
//!   U+FFFD either way.
//! - A CR at the end of one push and the LF at the start of the next are one terminator
//!   (`last_was_cr`); a leading BOM is stripped even when its three bytes arrive in pieces.
//! - Only lines the decoder acts on are stored. A comment or a field the decoder ignores is
//!   recognised from its first bytes (the field names it acts on are at most five bytes long) and
//!   the rest of it is skipped as it arrives, so such a line may have any length.
//! - Work and memory are linear in the input: a partial line is kept in one buffer that only grows
//!   by the bytes pushed, and complete lines in a push are parsed in place without copying.
//! - A line or an event over its size limit gives a [`SseError`] value. Errors are sticky: events
//!   decoded before the error can still be popped, later pushes return the same error.

use std::{borrow::Cow, collections::VecDeque};

/// One dispatched event, as the WHATWG algorithm builds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    /// The event type: the last `event:` field of the block, or `"message"` when there was none.
    pub event: String,
    /// The data buffer: every `data:` line of the block joined with `\n`.
    pub data: String,
    /// The last event ID string at dispatch time (`id:` persists across events).
    pub id: String,
    /// The value of a valid `retry:` field in this event's own block, if any. This is a
    /// convenience, not part of the spec's event: the stream's reconnection time, which a `retry:`
    /// in a block without data also sets, is [`SseDecoder::reconnection_time`].
    pub retry: Option<u64>,
}

/// Why the decoder stopped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SseError {
    /// A single line grew beyond the configured maximum without a terminator.
    #[error("an event-stream line exceeded the {limit}-byte limit")]
    LineTooLong {
        /// The configured limit in bytes.
        limit: usize,
    },
    /// One event's data buffer grew beyond the configured maximum.
    #[error("an event exceeded the {limit}-byte limit")]
    EventTooLarge {
        /// The configured limit in bytes.
        limit: usize,
    },
}

/// What [`SseDecoder::finish`] found at the end of the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StreamEnd {
    /// Bytes of an unterminated line, or fields of an event without its final blank line, were
    /// left and discarded (as the spec requires). The response was most likely cut short.
    pub incomplete_event: bool,
    /// How many field lines of the whole stream had invalid UTF-8 replaced by U+FFFD (see
    /// [`SseDecoder::invalid_utf8_lines`]).
    pub invalid_utf8_lines: u64,
}

/// Default limit for one line and for one event's data: 64 MiB. The OpenAI SDKs accept very
/// large events on purpose (image data of tens of MiB in one event), so the default stays well
/// above that; [`SseDecoder::with_limits`] sets other limits.
pub const DEFAULT_MAX_SIZE: usize = 64 * 1024 * 1024;

const BOM: [u8; 3] = [0xEF, 0xBB, 0xBF];

/// The fields the decoder acts on. Every other field name is ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Event,
    Data,
    Id,
    Retry,
    /// Non-standard, see `process_field`.
    Error,
}

/// "Field names must be compared literally, with no case folding performed."
const FIELDS: [(&[u8], Field); 5] = [
    (b"event", Field::Event),
    (b"data", Field::Data),
    (b"id", Field::Id),
    (b"retry", Field::Retry),
    (b"error", Field::Error),
];

/// The longest name in [`FIELDS`]: a longer field name is ignored.
const NAME_MAX: usize = 5;

/// Where the decoder is within the current line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LineState {
    /// No byte of the line seen yet.
    Start,
    /// Reading the field name; the bytes so far (in `name`) begin a name of [`FIELDS`].
    Name,
    /// Reading the value of a known field; the bytes so far are in `line`.
    Value(Field),
    /// A comment or an ignored field: the rest of the line is skipped, never stored.
    Skip {
        /// The line is a `:` comment (counted by [`SseDecoder::comments`]).
        comment: bool,
    },
}

/// The push-bytes / pop-events decoder. See the module docs.
#[derive(Debug)]
pub struct SseDecoder {
    /// Where the current line is, and its bytes kept so far: the field name (at most
    /// [`NAME_MAX`] bytes), the value bytes not yet terminated, and the length of the whole line
    /// (name, colon and value) for the line limit.
    state: LineState,
    name: [u8; NAME_MAX],
    name_len: usize,
    line: Vec<u8>,
    line_len: usize,
    /// The previous push ended in CR: an LF at the start of the next push belongs to it.
    last_was_cr: bool,
    /// How many bytes of a leading BOM have been matched, or `None` once the start is decided.
    bom_matched: Option<usize>,
    /// The data buffer, event type buffer and last event ID buffer of the spec.
    data: String,
    event_type: String,
    id_buffer: String,
    /// The spec's "last event ID string", set from `id_buffer` at each dispatch.
    last_event_id: String,
    /// The spec's "event stream's reconnection time", set when a valid `retry:` field is read.
    reconnection_time: Option<u64>,
    /// A valid `retry:` of the current block, for [`SseEvent::retry`].
    block_retry: Option<u64>,
    /// Whether any field line was seen since the last dispatch (for `finish`).
    pending_fields: bool,
    events: VecDeque<SseEvent>,
    error: Option<SseError>,
    comments: u64,
    invalid_utf8_lines: u64,
    max_line: usize,
    max_event: usize,
}

impl Default for SseDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl SseDecoder {
    /// A decoder with the default line and event limits ([`DEFAULT_MAX_SIZE`], 64 MiB each).
    pub fn new() -> Self {
        Self::with_limits(DEFAULT_MAX_SIZE, DEFAULT_MAX_SIZE)
    }

    /// A decoder whose lines may be at most `max_line` bytes and whose events at most `max_event`
    /// bytes of data. Beyond that, [`push`](Self::push) returns an error instead of buffering more.
    /// Comments and ignored fields are never stored, so they are not limited.
    pub fn with_limits(max_line: usize, max_event: usize) -> Self {
        Self {
            state: LineState::Start,
            name: [0; NAME_MAX],
            name_len: 0,
            line: Vec::new(),
            line_len: 0,
            last_was_cr: false,
            bom_matched: Some(0),
            data: String::new(),
            event_type: String::new(),
            id_buffer: String::new(),
            last_event_id: String::new(),
            reconnection_time: None,
            block_retry: None,
            pending_fields: false,
            events: VecDeque::new(),
            error: None,
            comments: 0,
            invalid_utf8_lines: 0,
            max_line,
            max_event,
        }
    }

    /// Feeds the next bytes of the stream. Any number of bytes, including zero, at any boundary.
    ///
    /// Events completed by these bytes become available from [`next_event`](Self::next_event),
    /// also when an error is returned (the events before the bad line are kept). The only errors
    /// are the size limits: invalid UTF-8 is replaced, as the spec requires, and counted by
    /// [`invalid_utf8_lines`](Self::invalid_utf8_lines).
    pub fn push(&mut self, bytes: &[u8]) -> Result<(), SseError> {
        if let Some(err) = &self.error {
            return Err(err.clone());
        }
        let result = self.push_bytes(bytes);
        if let Err(err) = &result {
            self.error = Some(err.clone());
        }
        result
    }

    fn push_bytes(&mut self, mut bytes: &[u8]) -> Result<(), SseError> {
        // "The UTF-8 decode algorithm strips one leading UTF-8 Byte Order Mark (BOM), if any."
        // The three BOM bytes may arrive in separate pushes, so match them one at a time.
        if let Some(matched) = self.bom_matched {
            let mut m = matched;
            while m < 3 {
                match bytes.first() {
                    None => {
                        self.bom_matched = Some(m);
                        return Ok(());
                    }
                    Some(&b) if b == BOM[m] => {
                        m += 1;
                        bytes = &bytes[1..];
                    }
                    Some(_) => break,
                }
            }
            self.bom_matched = None;
            if m < 3 {
                // Not a BOM after all: the bytes matched so far are ordinary input.
                self.feed(&BOM[..m])?;
            }
        }
        self.feed(bytes)
    }

    /// "The stream must then be parsed by reading everything line by line, with a U+000D
    /// CARRIAGE RETURN U+000A LINE FEED (CRLF) character pair, a single U+000A LINE FEED (LF)
    /// character not preceded by a U+000D CARRIAGE RETURN (CR) character, and a single U+000D
    /// CARRIAGE RETURN (CR) character not followed by a U+000A LINE FEED (LF) character being the
    /// ways in which a line can end."
    fn feed(&mut self, mut bytes: &[u8]) -> Result<(), SseError> {
        if self.last_was_cr && !bytes.is_empty() {
            // The LF of a CRLF pair split across pushes: the line already ended at the CR.
            self.last_was_cr = false;
            if bytes[0] == b'\n' {
                bytes = &bytes[1..];
            }
        }
        while let Some(pos) = bytes.iter().position(|&b| b == b'\n' || b == b'\r') {
            let (head, rest) = bytes.split_at(pos);
            let skip = match rest {
                [b'\r', b'\n', ..] => 2,
                [b'\r'] => {
                    self.last_was_cr = true;
                    1
                }
                _ => 1,
            };
            self.take_line_bytes(head, true)?;
            bytes = &rest[skip..];
        }
        self.take_line_bytes(bytes, false)
    }

    /// Takes the next bytes of the current line; `ends` when its terminator follows them.
    ///
    /// "Lines must be processed, in the order they are received, as follows:"
    fn take_line_bytes(&mut self, mut bytes: &[u8], ends: bool) -> Result<(), SseError> {
        if self.state == LineState::Start {
            self.state = match bytes.first() {
                // "If the line is empty (a blank line): Dispatch the event, as defined below."
                None if ends => {
                    self.dispatch();
                    return Ok(());
                }
                None => return Ok(()),
                // "If the line starts with a U+003A COLON character (:): Ignore the line."
                Some(b':') => LineState::Skip { comment: true },
                Some(_) => LineState::Name,
            };
        }
        if self.state == LineState::Name {
            // "If the line contains a U+003A COLON character (:): Collect the characters on the
            // line before the first U+003A COLON character (:), and let field be that string.
            // Collect the characters on the line after the first U+003A COLON character (:), and
            // let value be that string."
            // Only the first NAME_MAX + 1 bytes can hold the colon of a field the decoder uses.
            let window = &bytes[..bytes.len().min(NAME_MAX + 1 - self.name_len)];
            let colon = window.iter().position(|&b| b == b':');
            let part = &window[..colon.unwrap_or(window.len())];
            let known = self.name_len + part.len() <= NAME_MAX && {
                self.name[self.name_len..self.name_len + part.len()].copy_from_slice(part);
                self.name_len += part.len();
                let name = &self.name[..self.name_len];
                FIELDS.iter().any(|(f, _)| f.starts_with(name))
            };
            let field = FIELDS
                .iter()
                .find(|(f, _)| *f == &self.name[..self.name_len])
                .map(|&(_, field)| field);
            match (known, colon, field) {
                // A name that is not one of FIELDS: "Otherwise: The field is ignored."
                (false, ..) | (true, Some(_), None) => {
                    self.state = LineState::Skip { comment: false }
                }
                (true, Some(i), Some(field)) => {
                    self.line_len = self.name_len + 1;
                    self.check_line_len()?;
                    self.state = LineState::Value(field);
                    bytes = &bytes[i + 1..];
                }
                // "Otherwise, the string is not empty but does not contain a U+003A COLON
                // character (:): Process the field using the steps described below, using the
                // whole line as the field name, and the empty string as the field value."
                (true, None, field) if ends => {
                    self.line_len = self.name_len;
                    self.check_line_len()?;
                    self.end_line();
                    return match field {
                        Some(field) => self.process_field(field, b""),
                        None => Ok(()),
                    };
                }
                (true, None, _) => return Ok(()),
            }
        }
        match self.state {
            LineState::Skip { comment } => {
                if ends {
                    if comment {
                        self.comments += 1;
                    }
                    self.end_line();
                }
                Ok(())
            }
            LineState::Value(field) => {
                self.line_len += bytes.len();
                self.check_line_len()?;
                if !ends {
                    self.line.extend_from_slice(bytes);
                    return Ok(());
                }
                self.end_line();
                if self.line.is_empty() {
                    // The whole value is in this push: parse it in place.
                    return self.process_field(field, bytes);
                }
                let mut line = std::mem::take(&mut self.line);
                line.extend_from_slice(bytes);
                let result = self.process_field(field, &line);
                line.clear();
                self.line = line;
                result
            }
            LineState::Start | LineState::Name => Ok(()),
        }
    }

    fn check_line_len(&self) -> Result<(), SseError> {
        if self.line_len > self.max_line {
            Err(SseError::LineTooLong {
                limit: self.max_line,
            })
        } else {
            Ok(())
        }
    }

    /// Back to the start of a line (the value bytes in `line` are the caller's to clear).
    fn end_line(&mut self) {
        self.state = LineState::Start;
        self.name_len = 0;
        self.line_len = 0;
    }

    /// "Streams must be decoded using the UTF-8 decode algorithm": invalid bytes become U+FFFD
    /// and decoding goes on. A value with replacements is counted.
    fn decode<'a>(&mut self, value: &'a [u8]) -> Cow<'a, str> {
        let text = String::from_utf8_lossy(value);
        if matches!(text, Cow::Owned(_)) {
            self.invalid_utf8_lines += 1;
        }
        text
    }

    /// "The steps to process the field given a field name and a field value depend on the field
    /// name, as given in the following list."
    fn process_field(&mut self, field: Field, value: &[u8]) -> Result<(), SseError> {
        // "If value starts with a U+0020 SPACE character, remove it from value."
        let value = value.strip_prefix(b" ").unwrap_or(value);
        match field {
            // "If the field name is "event": Set the event type buffer to field value."
            Field::Event => {
                let value = self.decode(value);
                self.event_type.clear();
                self.event_type.push_str(&value);
            }
            // "If the field name is "data": Append the field value to the data buffer, then
            // append a single U+000A LINE FEED (LF) character to the data buffer."
            Field::Data => {
                let value = self.decode(value);
                if self.data.len() + value.len() + 1 > self.max_event {
                    return Err(SseError::EventTooLarge {
                        limit: self.max_event,
                    });
                }
                self.data.push_str(&value);
                self.data.push('\n');
            }
            // "If the field name is "id": If the field value does not contain U+0000 NULL, then
            // set the last event ID buffer to the field value. Otherwise, ignore the field."
            Field::Id => {
                let value = self.decode(value);
                if !value.contains('\0') {
                    self.id_buffer.clear();
                    self.id_buffer.push_str(&value);
                }
            }
            // "If the field name is "retry": If the field value consists of only ASCII digits,
            // then interpret the field value as an integer in base ten, and set the event
            // stream's reconnection time to that integer. Otherwise, ignore the field."
            // (Any byte that is not an ASCII digit, invalid UTF-8 included, ignores the field,
            // so the value needs no decoding. A value too large for u64 saturates.)
            Field::Retry => {
                if !value.is_empty() && value.iter().all(u8::is_ascii_digit) {
                    let ms = value.iter().fold(0u64, |n, &d| {
                        n.saturating_mul(10).saturating_add(u64::from(d - b'0'))
                    });
                    self.reconnection_time = Some(ms);
                    self.block_retry = Some(ms);
                }
            }
            // Non-standard: older llama.cpp servers reported failures as an `error:` field
            // followed by `data: [DONE]`. The spec ignores unknown fields, which would turn the
            // failure into a clean end, so it is surfaced as its own `error` event instead.
            Field::Error => {
                let data = self.decode(value).into_owned();
                self.events.push_back(SseEvent {
                    event: "error".to_owned(),
                    data,
                    id: self.id_buffer.clone(),
                    retry: None,
                });
                return Ok(());
            }
        }
        self.pending_fields = true;
        Ok(())
    }

    /// The spec's "dispatch the event" steps.
    fn dispatch(&mut self) {
        self.pending_fields = false;
        // "1. Set the last event ID string of the event source to the value of the last event
        // ID buffer. The buffer does not get reset, so the last event ID string of the event
        // source remains set to this value until the next time it is set by the server."
        if self.last_event_id != self.id_buffer {
            self.last_event_id.clear();
            self.last_event_id.push_str(&self.id_buffer);
        }
        let retry = self.block_retry.take();
        // "2. If the data buffer is an empty string, set the data buffer and the event type
        // buffer to the empty string and return."
        if self.data.is_empty() {
            self.event_type.clear();
            return;
        }
        // "3. If the data buffer's last character is a U+000A LINE FEED (LF) character, then
        // remove the last character from the data buffer."
        if self.data.ends_with('\n') {
            self.data.pop();
        }
        // "4. Let event be the result of creating an event using MessageEvent ..."
        // "5. Initialize event's type attribute to "message", its data attribute to data, ...
        // and its lastEventId attribute to the last event ID string of the event source."
        // "6. If the event type buffer has a value other than the empty string, change the type
        // of the newly created event to equal the value of the event type buffer."
        let event = if self.event_type.is_empty() {
            "message".to_owned()
        } else {
            std::mem::take(&mut self.event_type)
        };
        // "7. Set the data buffer and the event type buffer to the empty string." (The event
        // type buffer was taken above, or was empty.)
        self.events.push_back(SseEvent {
            event,
            data: std::mem::take(&mut self.data),
            id: self.last_event_id.clone(),
            retry,
        });
    }

    /// Pops the next complete event, oldest first.
    pub fn next_event(&mut self) -> Option<SseEvent> {
        self.events.pop_front()
    }

    /// Signals the end of the input.
    ///
    /// "Once the end of the file is reached, any pending data must be discarded. (If the file ends
    /// in the middle of an event, before the final empty line, the incomplete event is not
    /// dispatched.)" The result says whether that happened. Events already completed stay
    /// available from [`next_event`](Self::next_event).
    pub fn finish(&mut self) -> StreamEnd {
        let partial_bom = matches!(self.bom_matched, Some(m) if m > 0);
        let incomplete_event = self.state != LineState::Start || self.pending_fields || partial_bom;
        self.end_line();
        self.line.clear();
        self.last_was_cr = false;
        self.data.clear();
        self.event_type.clear();
        self.block_retry = None;
        self.pending_fields = false;
        StreamEnd {
            incomplete_event,
            invalid_utf8_lines: self.invalid_utf8_lines,
        }
    }

    /// The number of `:` comment lines seen (servers send them as keep-alives, e.g.
    /// `: OPENROUTER PROCESSING`), useful to show that the server is still working.
    pub fn comments(&self) -> u64 {
        self.comments
    }

    /// The number of `event`, `data`, `id` and `error` lines so far whose value was not valid
    /// UTF-8 and was decoded with U+FFFD replacement characters (a `retry` value with invalid
    /// bytes is simply ignored; comments and ignored fields are never decoded). To warn once,
    /// compare it with 0 after each push.
    pub fn invalid_utf8_lines(&self) -> u64 {
        self.invalid_utf8_lines
    }

    /// The spec's "last event ID string": the last event ID buffer as it was at the most recent
    /// dispatch (every blank line, also one that dispatches nothing). A client that reconnects
    /// sends it as `Last-Event-ID`.
    pub fn last_event_id(&self) -> &str {
        &self.last_event_id
    }

    /// The spec's "event stream's reconnection time" in milliseconds: the last valid `retry:`
    /// field read, whether or not its block dispatched an event. `None` until the server sends
    /// one.
    pub fn reconnection_time(&self) -> Option<u64> {
        self.reconnection_time
    }

    /// Bytes currently buffered: the unterminated line and the data of the unfinished event (for
    /// tests of memory bounds). Never more than the line limit plus the event limit.
    pub fn buffered(&self) -> usize {
        self.name_len + self.line.len() + self.data.len()
    }
}

/// Decodes a complete byte stream at once: all events, the end state, and the error if any.
pub fn decode_all(bytes: &[u8]) -> (Vec<SseEvent>, Result<StreamEnd, SseError>) {
    let mut decoder = SseDecoder::new();
    let pushed = decoder.push(bytes);
    let mut events = Vec::new();
    while let Some(e) = decoder.next_event() {
        events.push(e);
    }
    (events, pushed.map(|()| decoder.finish()))
}
