//! Host tests of the SSE decoder: the WHATWG rules, every line ending and chunk split, BOM and
//! UTF-8 splits, limits, and the property that re-chunking never changes the events.
#![cfg(not(target_arch = "wasm32"))]

use chat_stream::sse::{decode_all, SseDecoder, SseError, SseEvent, StreamEnd};
use proptest::prelude::*;

fn ev(data: &str) -> SseEvent {
    SseEvent {
        event: "message".into(),
        data: data.into(),
        id: String::new(),
        retry: None,
    }
}

/// Feeds `chunks` one push each, then finishes.
fn decode_chunks(chunks: &[&[u8]]) -> (Vec<SseEvent>, Result<StreamEnd, SseError>) {
    let mut d = SseDecoder::new();
    let mut events = Vec::new();
    for chunk in chunks {
        let r = d.push(chunk);
        while let Some(e) = d.next_event() {
            events.push(e);
        }
        if let Err(e) = r {
            return (events, Err(e));
        }
    }
    (events, Ok(d.finish()))
}

fn data_of(events: &[SseEvent]) -> Vec<&str> {
    events.iter().map(|e| e.data.as_str()).collect()
}

/// Every way to cut `input` into two pushes, plus one byte per push, gives `expected`.
fn assert_all_splits(input: &[u8], expected: &[SseEvent]) {
    for cut in 0..=input.len() {
        let (events, end) = decode_chunks(&[&input[..cut], &input[cut..]]);
        assert_eq!(events, expected, "split at byte {cut} of {input:?}");
        assert!(end.is_ok());
    }
    let bytes: Vec<&[u8]> = input.chunks(1).collect();
    let (events, _) = decode_chunks(&bytes);
    assert_eq!(events, expected, "one byte per push of {input:?}");
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
        assert_all_splits(input, &[ev("a")]);
    }
}

#[test]
fn crlf_split_across_pushes_is_one_terminator() {
    // Field guide c2 (eventsource-parser#17): a parser that ends the line at a lone CR and reads
    // the following LF as a blank line emits "A\nB" + "C".
    let chunks: [&[u8]; 5] = [b"data: A\r\n", b"data: B\r", b"\n", b"data: C\r\n", b"\n"];
    let (events, end) = decode_chunks(&chunks);
    assert_eq!(data_of(&events), ["A\nB\nC"]);
    assert_eq!(
        end,
        Ok(StreamEnd {
            incomplete_event: false
        })
    );
}

#[test]
fn line_split_anywhere_and_many_events_in_one_push() {
    assert_all_splits(b"data: {\"x\":1}\n\n", &[ev("{\"x\":1}")]);
    let (events, _) = decode_chunks(&[b"data: 1\n\ndata: 2\n\n"]);
    assert_eq!(data_of(&events), ["1", "2"]);
}

#[test]
fn utf8_split_at_every_byte_offset() {
    // Field guide c5: "你" is E4 BD A0, "👍" is F0 9F 91 8D.
    let input = "data: 你好, 世界 👍 ok\n\n".as_bytes();
    assert_all_splits(input, &[ev("你好, 世界 👍 ok")]);
    let (events, _) = decode_chunks(&[b"data: \xE4\xBD", b"\xA0\n\n"]);
    assert_eq!(data_of(&events), ["你"]);
    let (events, _) = decode_chunks(&[b"data: \xF0\x9F", b"\x91\x8D\n\n"]);
    assert_eq!(data_of(&events), ["👍"]);
}

#[test]
fn bom_is_stripped_once_even_when_split() {
    let input = b"\xEF\xBB\xBFdata: a\n\n";
    assert_all_splits(input, &[ev("a")]);
    // After an empty first push (eventsource-parser PR#41).
    let (events, _) = decode_chunks(&[b"", b"\xEF", b"", b"\xBB\xBF", b"data: a\n\n"]);
    assert_eq!(data_of(&events), ["a"]);
    // Only at the start: a BOM later is part of the line (here, of the field name).
    let (events, _) = decode_chunks(&[b"data: a\n\n\xEF\xBB\xBFdata: b\n\n"]);
    assert_eq!(data_of(&events), ["a"]);
    // A prefix that turns out not to be a BOM is kept as input: EF BB 80 is U+FEC0, a valid
    // character (a field name here); dropping EF BB would leave a lone 80, invalid UTF-8.
    let (events, end) = decode_chunks(&[b"\xEF\xBB", b"\x80\n\ndata: c\n\n"]);
    assert_eq!(data_of(&events), ["c"]);
    assert!(end.is_ok());
}

#[test]
fn comments_are_ignored_but_counted() {
    let mut d = SseDecoder::new();
    d.push(b": OPENROUTER PROCESSING\n\n:\ndata: x\n\n")
        .unwrap();
    assert_eq!(d.next_event(), Some(ev("x")));
    assert_eq!(d.next_event(), None);
    assert_eq!(d.comments(), 2);
}

#[test]
fn space_after_colon_is_stripped_once() {
    let (events, _) = decode_all(b"data:x\n\ndata:  x\n\ndata: \n\n");
    assert_eq!(data_of(&events), ["x", " x", ""]);
}

#[test]
fn data_lines_join_with_newline() {
    let (events, _) = decode_all(b"data: a\ndata: b\ndata:\n\n");
    assert_eq!(data_of(&events), ["a\nb\n"]);
}

#[test]
fn field_without_colon_is_an_empty_value() {
    // Field guide c10: `data` alone appends "" + LF, so an event with empty data is dispatched.
    let (events, _) = decode_all(b"data\n\n");
    assert_eq!(events, [ev("")]);
}

#[test]
fn empty_data_buffer_dispatches_nothing() {
    let (events, end) = decode_all(b"event: ping\n\nid: 7\n\nretry: 3000\n\n");
    assert!(events.is_empty());
    assert_eq!(
        end,
        Ok(StreamEnd {
            incomplete_event: false
        })
    );
}

#[test]
fn id_persists_and_nul_id_is_ignored() {
    let (events, _) =
        decode_all(b"id: 1\ndata: a\n\ndata: b\n\nid: x\0y\ndata: c\n\nid\ndata: d\n\n");
    let ids: Vec<&str> = events.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["1", "1", "1", ""]);
}

#[test]
fn retry_takes_digits_only_and_unknown_fields_are_ignored() {
    let (events, _) = decode_all(b"retry: 1s\nfoo: bar\ndata: a\n\nretry: 2500\ndata: b\n\n");
    assert_eq!(events[0].retry, None);
    assert_eq!(events[1].retry, Some(2500));
    assert_eq!(data_of(&events), ["a", "b"]);
}

#[test]
fn event_type_is_set_per_event() {
    let (events, _) = decode_all(b"event: error\ndata: {}\n\ndata: x\n\n");
    assert_eq!(events[0].event, "error");
    assert_eq!(events[1].event, "message");
}

#[test]
fn legacy_error_field_becomes_an_error_event() {
    // Old llama.cpp: `error: {...}` then `data: [DONE]` (field guide c18).
    let (events, _) = decode_all(b"error: {\"code\":400,\"message\":\"bad\"}\n\ndata: [DONE]\n\n");
    assert_eq!(events[0].event, "error");
    assert_eq!(events[0].data, "{\"code\":400,\"message\":\"bad\"}");
    assert_eq!(events[1].data, "[DONE]");
}

#[test]
fn incomplete_final_event_is_discarded_and_reported() {
    let (events, end) = decode_all(b"data: a\n\ndata: x");
    assert_eq!(data_of(&events), ["a"]);
    assert_eq!(
        end,
        Ok(StreamEnd {
            incomplete_event: true
        })
    );
    let (events, end) = decode_all(b"data: a\n\ndata: x\n");
    assert_eq!(data_of(&events), ["a"]);
    assert_eq!(
        end,
        Ok(StreamEnd {
            incomplete_event: true
        })
    );
    let (_, end) = decode_all(b"data: a\n\n");
    assert_eq!(
        end,
        Ok(StreamEnd {
            incomplete_event: false
        })
    );
}

#[test]
fn zero_length_pushes_keep_cr_state() {
    let (events, _) = decode_chunks(&[b"data: a\r", b"", b"\n", b"", b"data: b\r\n\r\n"]);
    assert_eq!(data_of(&events), ["a\nb"]);
}

#[test]
fn invalid_utf8_is_a_clear_sticky_error_that_keeps_earlier_events() {
    let mut d = SseDecoder::new();
    let err = d.push(b"data: ok\n\ndata: \xFF\xFE\n\n").unwrap_err();
    assert_eq!(err, SseError::InvalidUtf8 { line: 3, byte: 6 });
    assert!(err.to_string().contains("not valid UTF-8"));
    assert_eq!(d.next_event(), Some(ev("ok")));
    assert_eq!(d.push(b"data: later\n\n"), Err(err));
    assert_eq!(d.next_event(), None);
}

#[test]
fn line_limit_bounds_memory_without_a_newline() {
    let mut d = SseDecoder::with_limits(1024, 4096);
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
fn one_large_event_decodes_identically_in_one_push_and_in_small_pushes() {
    let payload = "z".repeat(1 << 20);
    let input = format!("data: {payload}\n\n");
    let (one, _) = decode_all(input.as_bytes());
    let pieces: Vec<&[u8]> = input.as_bytes().chunks(7).collect();
    let (many, _) = decode_chunks(&pieces);
    assert_eq!(one.len(), 1);
    assert_eq!(one, many);
    assert_eq!(one[0].data.len(), 1 << 20);
}

#[test]
fn whatwg_spec_examples() {
    // From the HTML standard, §9.2.6 "Event stream interpretation".
    let (events, _) = decode_all(b"data: YHOO\ndata: +2\ndata: 10\n\n");
    assert_eq!(data_of(&events), ["YHOO\n+2\n10"]);
    let input = b": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\ndata:  third event\n";
    let (events, end) = decode_all(input);
    assert_eq!(data_of(&events), ["first event", "second event"]);
    assert_eq!(events[0].id, "1");
    assert_eq!(events[1].id, "");
    assert!(
        end.unwrap().incomplete_event,
        "the third event has no blank line"
    );
    let (events, _) = decode_all(b"data\n\ndata\ndata\n\ndata:");
    assert_eq!(data_of(&events), ["", "\n"]);
    let (a, _) = decode_all(b"data:test\n\n");
    let (b, _) = decode_all(b"data: test\n\n");
    assert_eq!(a, b);
}

/// Arbitrary event-stream-ish bytes: fields, comments, every terminator, multi-byte text.
fn stream_bytes() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        Just(b"data: ".to_vec()),
        Just(b"data:".to_vec()),
        Just(b"event: e".to_vec()),
        Just(b"id: 9".to_vec()),
        Just(b"retry: 10".to_vec()),
        Just(b": c".to_vec()),
        Just(b"\n".to_vec()),
        Just(b"\r".to_vec()),
        Just(b"\r\n".to_vec()),
        Just("你👍é".as_bytes().to_vec()),
        "[a-z {}\":,]{0,12}".prop_map(String::into_bytes),
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

    /// Any re-chunking of a stream yields identical events and the same end state.
    #[test]
    fn any_rechunking_gives_the_same_events(
        input in stream_bytes(),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..12),
    ) {
        let whole = decode_all(&input);
        let mut points: Vec<usize> = cuts.iter().map(|c| c.index(input.len() + 1)).collect();
        points.sort_unstable();
        let mut chunks = Vec::new();
        let mut start = 0;
        for p in points {
            chunks.push(&input[start..p]);
            start = p;
        }
        chunks.push(&input[start..]);
        prop_assert_eq!(decode_chunks(&chunks), whole);
    }

    /// Arbitrary bytes never panic; memory stays within the limits.
    #[test]
    fn arbitrary_bytes_never_panic(input in prop::collection::vec(any::<u8>(), 0..2048), step in 1usize..64) {
        let mut d = SseDecoder::with_limits(512, 1024);
        for chunk in input.chunks(step) {
            if d.push(chunk).is_err() {
                break;
            }
            prop_assert!(d.buffered() <= 512 + 1024 + 1);
            while d.next_event().is_some() {}
        }
        d.finish();
    }
}
