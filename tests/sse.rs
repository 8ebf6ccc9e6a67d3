//! Host tests of the SSE decoder: the WHATWG rules and the spec's own examples, every line ending
//! and chunk split, BOM and UTF-8 splits, invalid UTF-8, limits, lines that are never stored, and
//! the properties that re-chunking never changes anything and that the decoder agrees with a
//! direct transcription of the spec run on the whole stream.
#![cfg(not(target_arch = "wasm32"))]

use chat_stream::sse::{decode_all, SseDecoder, SseError, SseEvent, StreamEnd, DEFAULT_MAX_SIZE};
use proptest::prelude::*;

fn ev(data: &str) -> SseEvent {
    SseEvent {
        event: "message".into(),
        data: data.into(),
        id: String::new(),
        retry: None,
    }
}

/// An event with a type and an id.
fn typed(event: &str, data: &str, id: &str) -> SseEvent {
    SseEvent {
        event: event.into(),
        data: data.into(),
        id: id.into(),
        retry: None,
    }
}

/// Everything one decoder run shows, after the last push (and `finish`, unless a push failed).
#[derive(Debug, Clone, PartialEq)]
struct Run {
    events: Vec<SseEvent>,
    end: Result<StreamEnd, SseError>,
    last_event_id: String,
    reconnection_time: Option<u64>,
    comments: u64,
    invalid_utf8_lines: u64,
}

/// Feeds `chunks` one push each into `d`, then finishes.
fn run_with(mut d: SseDecoder, chunks: &[&[u8]]) -> Run {
    let mut events = Vec::new();
    let mut end = None;
    for chunk in chunks {
        let r = d.push(chunk);
        while let Some(e) = d.next_event() {
            events.push(e);
        }
        if let Err(e) = r {
            end = Some(Err(e));
            break;
        }
    }
    Run {
        events,
        end: end.unwrap_or_else(|| Ok(d.finish())),
        last_event_id: d.last_event_id().to_owned(),
        reconnection_time: d.reconnection_time(),
        comments: d.comments(),
        invalid_utf8_lines: d.invalid_utf8_lines(),
    }
}

fn run(chunks: &[&[u8]]) -> Run {
    run_with(SseDecoder::new(), chunks)
}

fn data_of(events: &[SseEvent]) -> Vec<&str> {
    events.iter().map(|e| e.data.as_str()).collect()
}

/// `input` in one push, one byte per push and cut at every byte into two pushes: the same run
/// every time, whose events are `expected`. Returns the run for further checks.
fn assert_all_splits(input: &[u8], expected: &[SseEvent]) -> Run {
    let whole = run(&[input]);
    assert_eq!(whole.events, expected, "one push of {input:?}");
    let (events, end) = decode_all(input);
    assert_eq!((&events, &end), (&whole.events, &whole.end), "decode_all");
    for cut in 0..=input.len() {
        let split = run(&[&input[..cut], &input[cut..]]);
        assert_eq!(split, whole, "split at byte {cut} of {input:?}");
    }
    let bytes: Vec<&[u8]> = input.chunks(1).collect();
    assert_eq!(run(&bytes), whole, "one byte per push of {input:?}");
    whole
}

fn complete(invalid_utf8_lines: u64) -> Result<StreamEnd, SseError> {
    Ok(StreamEnd {
        incomplete_event: false,
        invalid_utf8_lines,
    })
}

fn cut_short(invalid_utf8_lines: u64) -> Result<StreamEnd, SseError> {
    Ok(StreamEnd {
        incomplete_event: true,
        invalid_utf8_lines,
    })
}

#[test]
fn every_line_ending_gives_one_event() {
    for input in [
        &b"data: a\n\n"[..],
        b"data: a\r\n\r\n",
        b"data: a\r\r",
        b"data: a\r\n\n",
        b"data: a\n\r\n",
        b"data: a\r\n\r",
    ] {
        let r = assert_all_splits(input, &[ev("a")]);
        assert_eq!(r.end, complete(0));
    }
}

#[test]
fn crlf_split_across_pushes_is_one_terminator() {
    // A parser that ends the line at a lone CR and then reads the LF of the next push as a blank
    // line would emit "A\nB" and "C" instead of one event.
    let chunks: [&[u8]; 5] = [b"data: A\r\n", b"data: B\r", b"\n", b"data: C\r\n", b"\n"];
    let r = run(&chunks);
    assert_eq!(data_of(&r.events), ["A\nB\nC"]);
    assert_eq!(r.end, complete(0));
}

#[test]
fn line_split_anywhere_and_many_events_in_one_push() {
    assert_all_splits(b"data: {\"x\":1}\n\n", &[ev("{\"x\":1}")]);
    assert_all_splits(b"data: 1\n\ndata: 2\n\n", &[ev("1"), ev("2")]);
}

#[test]
fn utf8_split_at_every_byte_offset() {
    // "你" is E4 BD A0, "👍" is F0 9F 91 8D: every split inside them must still decode them.
    let r = assert_all_splits(
        "data: 你好, 世界 👍 ok\n\n".as_bytes(),
        &[ev("你好, 世界 👍 ok")],
    );
    assert_eq!(r.invalid_utf8_lines, 0);
    let r = run(&[b"data: \xE4\xBD", b"\xA0\n\n"]);
    assert_eq!(data_of(&r.events), ["你"]);
    let r = run(&[b"data: \xF0\x9F", b"\x91\x8D\n\n"]);
    assert_eq!(data_of(&r.events), ["👍"]);
    assert_eq!(r.invalid_utf8_lines, 0);
}

#[test]
fn bom_is_stripped_once_even_when_split() {
    assert_all_splits(b"\xEF\xBB\xBFdata: a\n\n", &[ev("a")]);
    // After an empty first push.
    let r = run(&[b"", b"\xEF", b"", b"\xBB\xBF", b"data: a\n\n"]);
    assert_eq!(data_of(&r.events), ["a"]);
    // Only at the start: a BOM later is part of the line (here, of the field name).
    let r = assert_all_splits(b"data: a\n\n\xEF\xBB\xBFdata: b\n\n", &[ev("a")]);
    assert_eq!(r.end, complete(0));
    // A prefix that turns out not to be a BOM is kept as input: EF BB 80 is U+FEC0, a valid
    // character (of an ignored field name here).
    let r = assert_all_splits(b"\xEF\xBB\x80\n\ndata: c\n\n", &[ev("c")]);
    assert_eq!(r.end, complete(0));
    // A BOM cut short at the end of the stream is an incomplete line.
    assert_eq!(run(&[b"\xEF\xBB"]).end, cut_short(0));
}

#[test]
fn comments_are_ignored_but_counted() {
    let r = assert_all_splits(b": OPENROUTER PROCESSING\n\n:\ndata: x\n\n", &[ev("x")]);
    assert_eq!(r.comments, 2);
}

#[test]
fn space_after_colon_is_stripped_once() {
    let r = assert_all_splits(
        b"data:x\n\ndata:  x\n\ndata: \n\n",
        &[ev("x"), ev(" x"), ev("")],
    );
    assert_eq!(r.end, complete(0));
}

#[test]
fn data_lines_join_with_newline_and_only_the_last_newline_is_removed() {
    // "If the data buffer's last character is a U+000A LINE FEED (LF) character, then remove
    // the last character from the data buffer": one LF, not every trailing one.
    assert_all_splits(b"data: a\ndata: b\ndata:\n\n", &[ev("a\nb\n")]);
    assert_all_splits(b"data:\ndata:\ndata:\n\n", &[ev("\n\n")]);
    assert_all_splits(b"data: a\ndata: b\n\n", &[ev("a\nb")]);
}

#[test]
fn lines_with_only_a_field_name_have_an_empty_value() {
    // "using the whole line as the field name, and the empty string as the field value":
    // `data` appends "" + LF (an event with empty data is dispatched), `event` resets the type,
    // `id` resets the last event ID, `retry` is not digits, other names are ignored.
    assert_all_splits(b"data\n\n", &[ev("")]);
    let r = assert_all_splits(
        b"id: 3\nevent: x\nevent\ndata: a\n\nid\ndata: b\n\nretry\ndat\ndatum\ndata: c\n\n",
        &[typed("message", "a", "3"), ev("b"), ev("c")],
    );
    assert_eq!(r.reconnection_time, None);
}

#[test]
fn empty_data_buffer_dispatches_nothing() {
    let r = assert_all_splits(b"event: ping\n\nid: 7\n\nretry: 3000\n\n", &[]);
    assert_eq!(r.end, complete(0));
    // The blank line still resets the event type buffer: the next event is a "message".
    assert_all_splits(b"event: ping\n\ndata: x\n\n", &[ev("x")]);
}

#[test]
fn event_type_is_reset_after_each_dispatch() {
    assert_all_splits(
        b"event: error\ndata: {}\n\ndata: x\n\nevent: a\nevent: b\ndata: y\n\n",
        &[typed("error", "{}", ""), ev("x"), typed("b", "y", "")],
    );
}

#[test]
fn id_persists_and_an_id_with_nul_is_ignored() {
    let r = assert_all_splits(
        b"id: 1\ndata: a\n\ndata: b\n\nid: x\0y\ndata: c\n\nid\ndata: d\n\n",
        &[
            typed("message", "a", "1"),
            typed("message", "b", "1"),
            typed("message", "c", "1"),
            ev("d"),
        ],
    );
    assert_eq!(r.last_event_id, "");
    let r = assert_all_splits(b"id: 5\n\nid: 6\0\n\n", &[]);
    assert_eq!(r.last_event_id, "5");
}

#[test]
fn last_event_id_is_the_value_at_the_last_dispatch() {
    let mut d = SseDecoder::new();
    d.push(b"id: 7\ndata: a\n").unwrap();
    assert_eq!(
        d.last_event_id(),
        "",
        "an id is only taken at the blank line"
    );
    d.push(b"\n").unwrap();
    assert_eq!(d.last_event_id(), "7");
    assert_eq!(d.next_event().unwrap().id, "7");
    // A blank line that dispatches nothing still sets the last event ID string.
    d.push(b"id: 8\n").unwrap();
    assert_eq!(d.last_event_id(), "7");
    d.push(b"\n").unwrap();
    assert_eq!(d.last_event_id(), "8");
    assert_eq!(d.next_event(), None);
    // An id whose block is cut off is never taken.
    d.push(b"id: 9\ndata: b\n").unwrap();
    assert!(d.finish().incomplete_event);
    assert_eq!(d.last_event_id(), "8");
}

#[test]
fn retry_takes_digits_only_and_unknown_fields_are_ignored() {
    let r = assert_all_splits(
        b"retry: 1s\nfoo: bar\ndata: a\n\nretry: 2500\ndata: b\n\nretry: -1\nretry: 1.5\nretry:  7\ndata: c\n\n",
        &[
            ev("a"),
            SseEvent {
                retry: Some(2500),
                ..ev("b")
            },
            ev("c"),
        ],
    );
    assert_eq!(
        r.reconnection_time,
        Some(2500),
        "non-digit values are ignored"
    );
    // Too large for u64: still digits, so it is taken, saturated.
    let r = assert_all_splits(b"retry: 99999999999999999999999\n\n", &[]);
    assert_eq!(r.reconnection_time, Some(u64::MAX));
}

#[test]
fn retry_in_a_block_without_data_sets_the_reconnection_time() {
    // The spec sets the reconnection time when the field is read, not at dispatch.
    let r = assert_all_splits(b"retry: 3000\n\ndata: a\n\n", &[ev("a")]);
    assert_eq!(r.reconnection_time, Some(3000));
    let mut d = SseDecoder::new();
    assert_eq!(d.reconnection_time(), None);
    d.push(b": hi\nretry: 1000\n").unwrap();
    assert_eq!(d.reconnection_time(), Some(1000), "before any blank line");
    d.push(b"\nretry: 20\ndata: x\n\n").unwrap();
    assert_eq!(d.reconnection_time(), Some(20));
    assert_eq!(d.next_event().unwrap().retry, Some(20));
    d.push(b"retry: x\n\n").unwrap();
    assert_eq!(
        d.reconnection_time(),
        Some(20),
        "an invalid value changes nothing"
    );
}

#[test]
fn legacy_error_field_becomes_an_error_event() {
    // Old llama.cpp servers send `error: {...}` and then `data: [DONE]`.
    assert_all_splits(
        b"error: {\"code\":400,\"message\":\"bad\"}\n\ndata: [DONE]\n\n",
        &[
            typed("error", "{\"code\":400,\"message\":\"bad\"}", ""),
            ev("[DONE]"),
        ],
    );
}

#[test]
fn incomplete_final_event_is_discarded_and_reported() {
    let r = assert_all_splits(b"data: a\n\ndata: x", &[ev("a")]);
    assert_eq!(r.end, cut_short(0));
    let r = assert_all_splits(b"data: a\n\ndata: x\n", &[ev("a")]);
    assert_eq!(r.end, cut_short(0));
    let r = assert_all_splits(b"data: a\n\n: unterminated comment", &[ev("a")]);
    assert_eq!(r.end, cut_short(0));
    assert_eq!(run(&[b"data: a\n\n"]).end, complete(0));
}

#[test]
fn zero_length_pushes_keep_cr_state() {
    let r = run(&[b"data: a\r", b"", b"\n", b"", b"data: b\r\n\r\n"]);
    assert_eq!(data_of(&r.events), ["a\nb"]);
}

#[test]
fn invalid_utf8_is_replaced_counted_and_decoding_goes_on() {
    let r = assert_all_splits(
        b"data: ok\n\ndata: \xFF\xFE\n\ndata: later\n\n",
        &[ev("ok"), ev("\u{FFFD}\u{FFFD}"), ev("later")],
    );
    assert_eq!(r.invalid_utf8_lines, 1);
    assert_eq!(r.end, complete(1));
    // A sequence cut short by the line end is one replacement character, as when the whole
    // stream is decoded at once; the next line is unaffected.
    let r = assert_all_splits(
        b"data: a\xE4\xBD\ndata: \xF0\x9F\x91\n\n",
        &[ev("a\u{FFFD}\n\u{FFFD}")],
    );
    assert_eq!(r.invalid_utf8_lines, 2);
    // In the event type, the id and the legacy error field too.
    let r = assert_all_splits(
        b"event: t\xC0\nid: \x80\ndata: x\n\nerror: \xFF\n\n",
        &[
            typed("t\u{FFFD}", "x", "\u{FFFD}"),
            typed("error", "\u{FFFD}", "\u{FFFD}"),
        ],
    );
    assert_eq!(r.invalid_utf8_lines, 3);
    // Comments, ignored fields and retry values are never decoded, so never counted.
    let r = assert_all_splits(b": \xFF\nfoo: \xFF\nretry: 1\xFF\ndata: y\n\n", &[ev("y")]);
    assert_eq!((r.invalid_utf8_lines, r.reconnection_time), (0, None));
}

#[test]
fn invalid_utf8_count_lets_the_caller_warn_once() {
    let mut d = SseDecoder::new();
    let mut warnings = 0;
    let mut seen = 0;
    for chunk in [
        &b"data: a\n\n"[..],
        b"data: \xFF\n\n",
        b"data: \xFE\n\ndata: b\n\n",
    ] {
        d.push(chunk).unwrap();
        if seen == 0 && d.invalid_utf8_lines() > 0 {
            warnings += 1;
        }
        seen = d.invalid_utf8_lines();
    }
    assert_eq!((warnings, seen), (1, 2));
}

#[test]
fn line_limit_bounds_memory_without_a_newline() {
    let mut d = SseDecoder::with_limits(1024, 4096);
    d.push(b"data: ").unwrap();
    let chunk = [b'x'; 100];
    let mut result = Ok(());
    for _ in 0..100 {
        result = d.push(&chunk);
        if result.is_err() {
            break;
        }
    }
    assert_eq!(result, Err(SseError::LineTooLong { limit: 1024 }));
    assert!(d.buffered() <= 1024);
    assert_eq!(d.push(b"\n\n"), result, "the error is sticky");
}

#[test]
fn event_limit_applies_across_data_lines() {
    let mut d = SseDecoder::with_limits(1024, 2000);
    let line = format!("data: {}\n", "y".repeat(900));
    assert!(d.push(line.as_bytes()).is_ok());
    assert!(d.push(line.as_bytes()).is_ok());
    assert_eq!(
        d.push(line.as_bytes()),
        Err(SseError::EventTooLarge { limit: 2000 })
    );
}

#[test]
fn comments_and_ignored_fields_of_any_length_are_streamed_away() {
    // Far longer than both limits, in pieces: never an error, never stored.
    let long = vec![b'x'; 1 << 20];
    for start in [&b": "[..], b"foo: ", b"dataX", b"datadata", b"id2: ", b"x"] {
        let mut d = SseDecoder::with_limits(64, 64);
        d.push(start).unwrap();
        for piece in long.chunks(4096) {
            d.push(piece).unwrap();
            assert!(
                d.buffered() <= NAME_MAX,
                "{start:?}: {} bytes",
                d.buffered()
            );
        }
        d.push(b"\ndata: ok\n\n").unwrap();
        assert_eq!(d.next_event(), Some(ev("ok")), "{start:?}");
        assert_eq!(d.comments(), u64::from(start[0] == b':'));
    }
    // In one push, with the default limits, past them.
    let mut huge = b": ".to_vec();
    huge.resize(DEFAULT_MAX_SIZE + 10, b'c');
    huge.extend_from_slice(b"\ndata: after\n\n");
    let (events, end) = decode_all(&huge);
    assert_eq!((events, end), (vec![ev("after")], complete(0)));
    // A field the decoder uses is limited.
    let mut d = SseDecoder::with_limits(64, 64);
    d.push(b"event: ").unwrap();
    assert_eq!(
        d.push(&long[..100]),
        Err(SseError::LineTooLong { limit: 64 })
    );
}

/// The longest field name the decoder acts on (`event`, `retry`, `error`).
const NAME_MAX: usize = 5;

#[test]
fn default_limits_take_the_events_the_openai_sdks_accept() {
    // The SDKs' own tests stream a 28 MiB image event and an 8 MiB + 1 byte delta.
    for size in [28 << 20, (8 << 20) + 1] {
        let payload = "i".repeat(size);
        let input = format!("data: {payload}\n\n");
        let (one, end) = decode_all(input.as_bytes());
        assert_eq!(end, complete(0));
        assert_eq!(one.len(), 1);
        assert!(one[0].data == payload, "{size} bytes");
        let pieces: Vec<&[u8]> = input.as_bytes().chunks(64 * 1024).collect();
        assert_eq!(run(&pieces).events, one);
    }
}

#[test]
fn default_limits_are_64_mib() {
    // A line of exactly 64 MiB ("data: " included) is taken, one byte more is not.
    let mut input = b"data: ".to_vec();
    input.resize(64 << 20, b'x');
    input.extend_from_slice(b"\n\n");
    let (events, end) = decode_all(&input);
    assert_eq!((events.len(), end), (1, complete(0)));
    assert_eq!(events[0].data.len(), (64 << 20) - 6);
    drop(events);
    input.insert(6, b'x');
    let (events, end) = decode_all(&input);
    assert_eq!(events, []);
    assert_eq!(end, Err(SseError::LineTooLong { limit: 64 << 20 }));
    assert_eq!(DEFAULT_MAX_SIZE, 64 << 20);
}

#[test]
fn one_large_event_decodes_identically_in_one_push_and_in_small_pushes() {
    let payload = "z".repeat(1 << 20);
    let input = format!("data: {payload}\n\n");
    let one = run(&[input.as_bytes()]);
    let pieces: Vec<&[u8]> = input.as_bytes().chunks(7).collect();
    assert_eq!(run(&pieces), one);
    assert_eq!(one.events.len(), 1);
    assert_eq!(one.events[0].data.len(), 1 << 20);
}

/// The examples of the HTML standard, §9.2.6 "Event stream interpretation".
#[test]
fn whatwg_example_stock_ticker_multi_line_data() {
    // "This event stream ... will cause an event message with the interface MessageEvent to be
    // dispatched on the EventSource object. The event's data attribute would contain the string
    // "YHOO\n+2\n10"".
    assert_all_splits(b"data: YHOO\ndata: +2\ndata: 10\n\n", &[ev("YHOO\n+2\n10")]);
}

#[test]
fn whatwg_example_first_second_third_event_with_ids() {
    // The first block is a comment; the second fires "first event" and sets the last event ID
    // to "1"; the third fires "second event" and its `id` with no value resets the last event
    // ID to ""; the last fires " third event" (one leading space kept), but only once it ends
    // with a blank line: "the end of the stream is not enough to trigger the dispatch".
    let stream = b": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\ndata:  third event\n";
    let first_two = [typed("message", "first event", "1"), ev("second event")];
    let r = assert_all_splits(stream, &first_two);
    assert_eq!(r.end, cut_short(0));
    assert_eq!((r.comments, r.last_event_id.as_str()), (1, ""));
    let mut ended = stream.to_vec();
    ended.push(b'\n');
    let r = assert_all_splits(
        &ended,
        &[
            first_two[0].clone(),
            first_two[1].clone(),
            ev(" third event"),
        ],
    );
    assert_eq!(r.end, complete(0));
}

#[test]
fn whatwg_example_data_without_a_colon() {
    // "The first block fires events with the data set to the empty string, as would the last
    // block if it was followed by a blank line. The middle block fires an event with the data
    // set to a single newline character. The last block is discarded because it is not followed
    // by a blank line."
    let r = assert_all_splits(b"data\n\ndata\ndata\n\ndata:", &[ev(""), ev("\n")]);
    assert_eq!(r.end, cut_short(0));
    assert_all_splits(
        b"data\n\ndata\ndata\n\ndata:\n\n",
        &[ev(""), ev("\n"), ev("")],
    );
}

#[test]
fn whatwg_example_two_identical_events() {
    // "The following event stream fires two identical events ... This is because the space
    // after the colon is ignored if present."
    assert_all_splits(b"data:test\n\ndata: test\n\n", &[ev("test"), ev("test")]);
}

/// A direct transcription of the spec, run on the whole stream decoded at once: the oracle the
/// incremental decoder must agree with. Returns the events, the last event ID string and the
/// reconnection time.
fn spec_oracle(input: &[u8]) -> (Vec<SseEvent>, String, Option<u64>) {
    // "Streams must be decoded using the UTF-8 decode algorithm", which strips one BOM.
    let text = String::from_utf8_lossy(input);
    let mut rest = text.strip_prefix('\u{FEFF}').unwrap_or(&text);
    let (mut data, mut event_type, mut id_buffer) = (String::new(), String::new(), String::new());
    let (mut last_id, mut reconnection, mut block_retry) = (String::new(), None, None);
    let mut events = Vec::new();
    // Only terminated lines; the rest is "pending data" and discarded.
    while let Some(i) = rest.find(['\r', '\n']) {
        let line = &rest[..i];
        rest = &rest[i + if rest[i..].starts_with("\r\n") { 2 } else { 1 }..];
        if line.is_empty() {
            last_id.clone_from(&id_buffer);
            let retry = block_retry.take();
            if data.is_empty() {
                event_type.clear();
                continue;
            }
            if data.ends_with('\n') {
                data.pop();
            }
            let event = if event_type.is_empty() {
                "message".to_owned()
            } else {
                std::mem::take(&mut event_type)
            };
            let data = std::mem::take(&mut data);
            let id = last_id.clone();
            events.push(SseEvent {
                event,
                data,
                id,
                retry,
            });
            continue;
        }
        if line.starts_with(':') {
            continue;
        }
        let (field, value) = match line.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (line, ""),
        };
        match field {
            "event" => event_type = value.to_owned(),
            "data" => {
                data.push_str(value);
                data.push('\n');
            }
            "id" if !value.contains('\0') => id_buffer = value.to_owned(),
            "retry" if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
                let ms = value.parse().unwrap_or(u64::MAX);
                reconnection = Some(ms);
                block_retry = Some(ms);
            }
            // The decoder's one extension: a legacy `error:` field is an event of its own.
            "error" => events.push(typed("error", value, &id_buffer)),
            _ => {}
        }
    }
    (events, last_id, reconnection)
}

/// Arbitrary event-stream-ish bytes: fields, comments, every terminator, multi-byte text,
/// invalid UTF-8, NUL and BOM bytes.
fn stream_bytes() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        Just(b"data: ".to_vec()),
        Just(b"data:".to_vec()),
        Just(b"data".to_vec()),
        Just(b"event: e".to_vec()),
        Just(b"id: 9".to_vec()),
        Just(b"id".to_vec()),
        Just(b"retry: 10".to_vec()),
        Just(b"retry:".to_vec()),
        Just(b"error: x".to_vec()),
        Just(b": c".to_vec()),
        Just(b"\n".to_vec()),
        Just(b"\r".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(b"\0".to_vec()),
        Just(b"\xEF\xBB\xBF".to_vec()),
        Just(b"\xF0\x9F".to_vec()),
        Just(b"\xFF".to_vec()),
        Just("你👍é".as_bytes().to_vec()),
        "[a-z0-9 {}\":,]{0,12}".prop_map(String::into_bytes),
    ];
    (any::<bool>(), prop::collection::vec(piece, 0..40)).prop_map(|(bom, pieces)| {
        let mut out = if bom {
            b"\xEF\xBB\xBF".to_vec()
        } else {
            Vec::new()
        };
        out.extend(pieces.concat());
        out
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Any re-chunking of a stream yields identical events and the same end state, and the
    /// events agree with the spec run on the whole stream at once.
    #[test]
    fn any_rechunking_gives_the_same_events(
        input in stream_bytes(),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..12),
    ) {
        let whole = run(&[&input]);
        let mut points: Vec<usize> = cuts.iter().map(|c| c.index(input.len() + 1)).collect();
        points.sort_unstable();
        let mut chunks = Vec::new();
        let mut start = 0;
        for p in points {
            chunks.push(&input[start..p]);
            start = p;
        }
        chunks.push(&input[start..]);
        prop_assert_eq!(&run(&chunks), &whole);
        let (events, last_id, reconnection) = spec_oracle(&input);
        prop_assert_eq!(&whole.events, &events);
        prop_assert_eq!(&whole.last_event_id, &last_id);
        prop_assert_eq!(whole.reconnection_time, reconnection);
    }

    /// Arbitrary bytes never panic; memory stays within the limits; the spec oracle agrees.
    #[test]
    fn arbitrary_bytes_never_panic(input in prop::collection::vec(any::<u8>(), 0..2048), step in 1usize..64) {
        let mut d = SseDecoder::with_limits(512, 1024);
        let mut events = Vec::new();
        let mut failed = false;
        for chunk in input.chunks(step) {
            failed = d.push(chunk).is_err();
            prop_assert!(d.buffered() <= 512 + 1024);
            events.extend(std::iter::from_fn(|| d.next_event()));
            if failed {
                break;
            }
        }
        d.finish();
        if !failed {
            prop_assert_eq!(events, spec_oracle(&input).0);
        }
    }
}
