//! An incremental, I/O-free decoder for `text/event-stream` (Server-Sent Events).
//!
//! Push bytes in with [`SseDecoder::push`], pop events out with [`SseDecoder::next_event`], and call
//! [`SseDecoder::finish`] at the end of the input. The decoder follows the WHATWG HTML
//! "event stream interpretation" algorithm (§9.2.6); the steps are quoted next to the code.
//!
//! Design notes:
//! - Lines are split on **bytes** (LF, CR, CRLF), before any UTF-8 decoding, so a multi-byte
//!   character split across pushes is never mangled. Each complete line is decoded on its own; that
//!   is equivalent to decoding the whole stream first, because the terminators are ASCII and never
//!   occur inside a multi-byte sequence.
//! - A CR at the end of one push and the LF at the start of the next are one terminator
//!   (`last_was_cr`); a leading BOM is stripped even when its three bytes arrive in pieces.
//! - Work and memory are linear in the input: a partial line is kept in one buffer that only grows
//!   by the bytes pushed, and complete lines in a push are parsed in place without copying.
//! - Invalid UTF-8 and over-long lines or events give a [`SseError`] value. Errors are sticky: events
//!   decoded before the error can still be popped, later pushes return the same error.

use std::collections::VecDeque;

/// One dispatched event, as the WHATWG algorithm builds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    /// The event type: the last `event:` field of the block, or `"message"` when there was none.
    pub event: String,
    /// The data buffer: every `data:` line of the block joined with `\n`.
    pub data: String,
    /// The last event ID at dispatch time (`id:` persists across events).
    pub id: String,
    /// The reconnection time from a valid `retry:` field in this block, if any.
    pub retry: Option<u64>,
}

/// Why the decoder stopped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SseError {
    /// A complete line is not valid UTF-8.
    #[error("the event stream is not valid UTF-8 (line {line}, byte {byte} of that line)")]
    InvalidUtf8 {
        /// 1-based line number in the stream.
        line: u64,
        /// Offset of the first invalid byte within the line.
        byte: usize,
    },
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
}

/// Default limit for one line and for one event's data: 8 MiB.
pub const DEFAULT_MAX_SIZE: usize = 8 * 1024 * 1024;

const BOM: [u8; 3] = [0xEF, 0xBB, 0xBF];

/// The push-bytes / pop-events decoder. See the module docs.
#[derive(Debug)]
pub struct SseDecoder {
    /// Bytes of the current line not yet terminated.
    line: Vec<u8>,
    /// The previous push ended in CR: an LF at the start of the next push belongs to it.
    last_was_cr: bool,
    /// How many bytes of a leading BOM have been matched, or `None` once the start is decided.
    bom_matched: Option<usize>,
    /// The data buffer, event type buffer, last event ID buffer and retry of the spec.
    data: String,
    event_type: String,
    last_event_id: String,
    retry: Option<u64>,
    /// Whether any field line was seen since the last dispatch (for `finish`).
    pending_fields: bool,
    events: VecDeque<SseEvent>,
    error: Option<SseError>,
    lines: u64,
    comments: u64,
    bytes: u64,
    max_line: usize,
    max_event: usize,
}

impl Default for SseDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl SseDecoder {
    /// A decoder with the default 8 MiB line and event limits.
    pub fn new() -> Self {
        Self::with_limits(DEFAULT_MAX_SIZE, DEFAULT_MAX_SIZE)
    }

    /// A decoder whose lines may be at most `max_line` bytes and whose events at most `max_event`
    /// bytes of data. Beyond that, [`push`](Self::push) returns an error instead of buffering more.
    pub fn with_limits(max_line: usize, max_event: usize) -> Self {
        Self {
            line: Vec::new(),
            last_was_cr: false,
            bom_matched: Some(0),
            data: String::new(),
            event_type: String::new(),
            last_event_id: String::new(),
            retry: None,
            pending_fields: false,
            events: VecDeque::new(),
            error: None,
            lines: 0,
            comments: 0,
            bytes: 0,
            max_line,
            max_event,
        }
    }

    /// Feeds the next bytes of the stream. Any number of bytes, including zero, at any boundary.
    ///
    /// Events completed by these bytes become available from [`next_event`](Self::next_event),
    /// also when an error is returned (the events before the bad line are kept).
    pub fn push(&mut self, mut bytes: &[u8]) -> Result<(), SseError> {
        if let Some(err) = &self.error {
            return Err(err.clone());
        }
        self.bytes += bytes.len() as u64;
        // "One leading U+FEFF BYTE ORDER MARK character must be ignored if any are present."
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
                let prefix = BOM[..m].to_vec();
                self.feed(&prefix)?;
            }
        }
        self.feed(bytes)
    }

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
            let result = if self.line.is_empty() {
                self.check_line_len(head.len())
                    .and_then(|()| self.process_line(head))
            } else {
                self.check_line_len(self.line.len() + head.len())
                    .map(|()| self.line.extend_from_slice(head))
                    .and_then(|()| {
                        let line = std::mem::take(&mut self.line);
                        let r = self.process_line(&line);
                        self.line = line;
                        self.line.clear();
                        r
                    })
            };
            if let Err(err) = result {
                self.error = Some(err.clone());
                return Err(err);
            }
            bytes = &rest[skip..];
        }
        if let Err(err) = self.check_line_len(self.line.len() + bytes.len()) {
            self.error = Some(err.clone());
            return Err(err);
        }
        self.line.extend_from_slice(bytes);
        Ok(())
    }

    fn check_line_len(&self, len: usize) -> Result<(), SseError> {
        if len > self.max_line {
            Err(SseError::LineTooLong {
                limit: self.max_line,
            })
        } else {
            Ok(())
        }
    }

    /// Interprets one complete line (without its terminator).
    fn process_line(&mut self, line: &[u8]) -> Result<(), SseError> {
        self.lines += 1;
        // "If the line is empty (a blank line): Dispatch the event, as defined below."
        if line.is_empty() {
            self.dispatch();
            return Ok(());
        }
        // "If the line starts with a U+003A COLON character (:): Ignore the line."
        if line[0] == b':' {
            self.comments += 1;
            return Ok(());
        }
        let text = std::str::from_utf8(line).map_err(|e| SseError::InvalidUtf8 {
            line: self.lines,
            byte: e.valid_up_to(),
        })?;
        // "If the line contains a U+003A COLON character (:): Collect the characters on the line
        // before the first U+003A COLON character (:), and let field be that string. Collect the
        // characters on the line after the first U+003A COLON character (:), and let value be that
        // string. If value starts with a U+0020 SPACE character, remove it from value."
        // "Otherwise, the string is not empty but does not contain a U+003A COLON character (:):
        // Process the field using the steps described below, using the whole line as the field
        // name, and the empty string as the field value."
        let (field, value) = match text.split_once(':') {
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (text, ""),
        };
        self.process_field(field, value)
    }

    fn process_field(&mut self, field: &str, value: &str) -> Result<(), SseError> {
        match field {
            // "If the field name is "event": Set the event type buffer to field value."
            "event" => {
                self.event_type.clear();
                self.event_type.push_str(value);
            }
            // "If the field name is "data": Append the field value to the data buffer, then
            // append a single U+000A LINE FEED (LF) character to the data buffer."
            "data" => {
                if self.data.len() + value.len() + 1 > self.max_event {
                    return Err(SseError::EventTooLarge {
                        limit: self.max_event,
                    });
                }
                self.data.push_str(value);
                self.data.push('\n');
            }
            // "If the field name is "id": If the field value does not contain U+0000 NULL, then
            // set the last event ID buffer to the field value. Otherwise, ignore the field."
            "id" => {
                if !value.contains('\0') {
                    self.last_event_id.clear();
                    self.last_event_id.push_str(value);
                }
            }
            // "If the field name is "retry": If the field value consists of only ASCII digits,
            // then interpret the field value as an integer in base ten, and set the event
            // stream's reconnection time to that integer. Otherwise, ignore the field."
            "retry" => {
                if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
                    self.retry = Some(value.parse().unwrap_or(u64::MAX));
                }
            }
            // Non-standard: older llama.cpp servers reported failures as an `error:` field
            // followed by `data: [DONE]`. The spec ignores unknown fields, which would turn the
            // failure into a clean end, so it is surfaced as its own `error` event instead.
            "error" => {
                self.events.push_back(SseEvent {
                    event: "error".to_owned(),
                    data: value.to_owned(),
                    id: self.last_event_id.clone(),
                    retry: None,
                });
                return Ok(());
            }
            // "Otherwise: The field is ignored."
            _ => return Ok(()),
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
        // "2. If the data buffer is an empty string, set the data buffer and the event type
        // buffer to the empty string and return."
        if self.data.is_empty() {
            self.event_type.clear();
            self.retry = None;
            return;
        }
        // "3. If the data buffer's last character is a U+000A LINE FEED (LF) character, then
        // remove the last character from the data buffer."
        if self.data.ends_with('\n') {
            self.data.pop();
        }
        // "4. Let event be the result of creating an event using MessageEvent ... Initialize
        // event's type attribute to "message", its data attribute to data, ... its
        // lastEventId attribute to the last event ID string of the event source."
        // "5. If the event type buffer has a value other than the empty string, change the type
        // of the newly created event to equal the value of the event type buffer."
        let event = if self.event_type.is_empty() {
            "message".to_owned()
        } else {
            std::mem::take(&mut self.event_type)
        };
        // "6. Set the data buffer and the event type buffer to the empty string."
        self.events.push_back(SseEvent {
            event,
            data: std::mem::take(&mut self.data),
            id: self.last_event_id.clone(),
            retry: self.retry.take(),
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
        let incomplete_event = !self.line.is_empty() || self.pending_fields || partial_bom;
        self.line.clear();
        self.data.clear();
        self.event_type.clear();
        self.pending_fields = false;
        StreamEnd { incomplete_event }
    }

    /// The number of `:` comment lines seen (servers send them as keep-alives, e.g.
    /// `: OPENROUTER PROCESSING`), useful to show that the server is still working.
    pub fn comments(&self) -> u64 {
        self.comments
    }

    /// Total bytes pushed so far.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// The last event ID buffer (persists between events).
    pub fn last_event_id(&self) -> &str {
        &self.last_event_id
    }

    /// Bytes currently buffered for an unterminated line (for tests of memory bounds).
    pub fn buffered(&self) -> usize {
        self.line.len() + self.data.len()
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
