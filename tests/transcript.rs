//! Host tests of the transcript: turn transitions, text kept on every kind of ending, timing
//! marks, block text, settings from the URL, and whole captured streams from real servers.
#![cfg(not(target_arch = "wasm32"))]

use chat_stream::{
    error::ChatError,
    openai::{frame_from_event, ApiError, Frame, Role},
    settings::Settings,
    sse::SseDecoder,
    transcript::{BlockText, MessageStatus, RateSource, RequestOptions, Transcript, TurnState},
};

fn options(stream: bool) -> RequestOptions {
    RequestOptions {
        model: "m".into(),
        system: "Be brief.".into(),
        temperature: Some(0.5),
        max_tokens: Some(64),
        stream,
        include_usage: true,
    }
}

fn frame(json: &str) -> Frame {
    frame_from_event(&chat_stream::sse::SseEvent {
        event: "message".into(),
        data: json.into(),
        id: String::new(),
        retry: None,
    })
}

fn content(text: &str) -> Frame {
    frame(&serde_json::json!({"choices":[{"index":0,"delta":{"content":text}}]}).to_string())
}

fn answer(t: &Transcript) -> String {
    t.messages.last().unwrap().content.text()
}

/// Replays a captured `.sse.txt` through the decoder into a transcript, in `step`-byte pushes.
fn replay(bytes: &[u8], step: usize) -> Transcript {
    let mut t = Transcript::new();
    t.begin("prompt", &options(true), 0.0);
    t.on_headers(5.0);
    let mut d = SseDecoder::new();
    let mut now = 10.0;
    for chunk in bytes.chunks(step) {
        d.push(chunk).unwrap();
        while let Some(e) = d.next_event() {
            t.apply(frame_from_event(&e), now);
        }
        now += 1.0;
    }
    let end = d.finish();
    t.end_of_stream(end.incomplete_event, now);
    t
}

#[test]
fn a_turn_goes_waiting_streaming_done_with_timing_marks() {
    let mut t = Transcript::new();
    assert_eq!(t.state(), TurnState::Idle);
    let req = t.begin("Hello?", &options(true), 1000.0);
    assert_eq!(t.state(), TurnState::Waiting);
    assert_eq!(req.messages[0].role, Role::System);
    assert_eq!(req.messages[1].content, "Hello?");
    assert!(req.stream && req.stream_options.is_some());
    t.on_headers(1100.0);
    t.apply(
        frame(r#"{"choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}"#),
        1200.0,
    );
    assert_eq!(
        t.state(),
        TurnState::Waiting,
        "a role-only chunk is not a token"
    );
    t.apply(content("Hi"), 1300.0);
    assert_eq!(t.state(), TurnState::Streaming);
    t.apply(content(" there"), 1350.0);
    t.apply(
        frame(r#"{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"#),
        1360.0,
    );
    t.apply(Frame::Done, 1400.0);
    assert_eq!(t.state(), TurnState::Done);
    let turn = t.turn.as_ref().unwrap();
    assert_eq!(turn.times.headers, Some(100.0));
    assert_eq!(turn.times.first_chunk, Some(200.0));
    assert_eq!(turn.times.first_token, Some(300.0));
    assert_eq!(turn.times.total, Some(400.0));
    assert_eq!(turn.chunks.len(), 4);
    assert_eq!(turn.chunks[1].summary(), r#"{"content": "Hi"}"#);
    assert_eq!(answer(&t), "Hi there");
    assert!(turn.warnings.is_empty());
}

#[test]
fn a_mid_stream_error_keeps_every_character() {
    let mut t = Transcript::new();
    t.begin("q", &options(true), 0.0);
    t.apply(content("Partial "), 10.0);
    t.apply(content("answer"), 20.0);
    t.apply(
        frame(r#"{"error":{"message":"boom","type":"server_error"}}"#),
        30.0,
    );
    assert_eq!(t.state(), TurnState::Error);
    assert_eq!(answer(&t), "Partial answer");
    assert_eq!(t.messages.last().unwrap().status, MessageStatus::Failed);
    let msg = t.turn.as_ref().unwrap().error.as_ref().unwrap().to_string();
    assert!(msg.contains("boom"), "{msg}");
    // Frames after the end change nothing.
    t.apply(content(" more"), 40.0);
    t.apply(Frame::Done, 50.0);
    assert_eq!(answer(&t), "Partial answer");
    assert_eq!(t.state(), TurnState::Error);
}

#[test]
fn end_without_done_or_finish_reason_is_incomplete_and_keeps_text() {
    let mut t = Transcript::new();
    t.begin("q", &options(true), 0.0);
    t.apply(content("Some text"), 10.0);
    t.end_of_stream(true, 20.0);
    assert_eq!(t.state(), TurnState::Error);
    assert_eq!(answer(&t), "Some text");
    let msg = t.turn.as_ref().unwrap().error.as_ref().unwrap().to_string();
    assert!(msg.starts_with("incomplete response"), "{msg}");
    assert!(msg.contains("cut off"));
}

#[test]
fn end_with_finish_reason_but_no_done_is_fine() {
    let mut t = Transcript::new();
    t.begin("q", &options(true), 0.0);
    t.apply(
        frame(r#"{"choices":[{"index":0,"delta":{"content":"ok"},"finish_reason":"length"}]}"#),
        10.0,
    );
    t.end_of_stream(false, 20.0);
    assert_eq!(t.state(), TurnState::Done);
    assert_eq!(
        t.turn.as_ref().unwrap().finish_reason.as_deref(),
        Some("length")
    );
}

#[test]
fn stop_keeps_the_partial_answer() {
    let mut t = Transcript::new();
    t.begin("q", &options(true), 0.0);
    t.apply(content("tick 0 "), 10.0);
    t.stop(15.0);
    assert_eq!(t.state(), TurnState::Stopped);
    t.apply(content("tick 1 "), 20.0);
    t.end_of_stream(false, 25.0);
    assert_eq!(answer(&t), "tick 0 ");
    assert_eq!(t.state(), TurnState::Stopped);
    assert_eq!(t.messages.last().unwrap().status, MessageStatus::Stopped);
    assert_eq!(t.turn.as_ref().unwrap().times.total, Some(15.0));
}

#[test]
fn http_and_network_failures_keep_the_user_message() {
    let mut t = Transcript::new();
    t.begin("q", &options(true), 0.0);
    t.fail(
        ChatError::Http {
            status: 401,
            retry_after_secs: None,
            api: ApiError {
                message: "Incorrect API key provided.".into(),
                ..ApiError::default()
            },
            body: String::new(),
        },
        5.0,
    );
    assert_eq!(t.state(), TurnState::Error);
    let turn = t.turn.as_ref().unwrap();
    assert_eq!(turn.error.as_ref().unwrap().status(), Some(401));
    assert_eq!(
        turn.error.as_ref().unwrap().to_string(),
        "HTTP 401: Incorrect API key provided."
    );
    assert_eq!(t.messages[0].content.text(), "q");
    // The failed turn (prompt and empty answer) is not sent back in the next request.
    let req = t.begin("again", &options(true), 10.0);
    assert_eq!(
        roles_and_texts(&req),
        [
            (Role::System, "Be brief.".to_owned()),
            (Role::User, "again".to_owned())
        ]
    );
}

#[test]
fn multi_turn_requests_carry_the_whole_conversation() {
    let mut t = Transcript::new();
    t.begin("one", &options(true), 0.0);
    t.apply(content("first answer"), 1.0);
    t.apply(Frame::Done, 2.0);
    let req = t.begin("two", &options(false), 3.0);
    let pairs: Vec<(Role, &str)> = req
        .messages
        .iter()
        .map(|m| (m.role, m.content.as_str()))
        .collect();
    assert_eq!(
        pairs,
        [
            (Role::System, "Be brief."),
            (Role::User, "one"),
            (Role::Assistant, "first answer"),
            (Role::User, "two")
        ]
    );
    assert!(!req.stream && req.stream_options.is_none());
}

#[test]
fn non_streaming_completion_sets_all_marks_at_once() {
    let mut t = Transcript::new();
    t.begin("q", &options(false), 0.0);
    t.on_headers(700.0);
    let c = chat_stream::openai::parse_completion(r#"{"choices":[{"index":0,"message":{"role":"assistant","content":"Whole answer"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}"#).unwrap();
    t.apply_completion(c, 800.0);
    assert_eq!(t.state(), TurnState::Done);
    assert_eq!(answer(&t), "Whole answer");
    let times = &t.turn.as_ref().unwrap().times;
    assert_eq!((times.first_token, times.total), (Some(800.0), Some(800.0)));
}

#[test]
fn reasoning_and_refusal_stay_out_of_the_answer() {
    let mut t = Transcript::new();
    t.begin("q", &options(true), 0.0);
    t.apply(
        frame(r#"{"choices":[{"delta":{"reasoning_content":"thinking..."}}]}"#),
        5.0,
    );
    assert_eq!(
        t.state(),
        TurnState::Streaming,
        "reasoning is a first token"
    );
    t.apply(frame(r#"{"choices":[{"delta":{"refusal":"No."}}]}"#), 6.0);
    let m = t.messages.last().unwrap();
    assert_eq!(m.reasoning.text(), "thinking...");
    assert_eq!(m.refusal, "No.");
    assert!(m.content.is_empty());
}

#[test]
fn skipped_chunks_become_warnings_not_errors() {
    let mut t = Transcript::new();
    t.begin("q", &options(true), 0.0);
    t.apply(frame("null"), 1.0);
    t.apply(
        frame(r#"{"choices":[{"index":0,"delta":{"content":"ok"},"finish_reason":"stop"}]}"#),
        2.0,
    );
    t.apply(Frame::Done, 3.0);
    let turn = t.turn.as_ref().unwrap();
    assert_eq!(turn.state, TurnState::Done);
    assert_eq!(turn.warning_count, 1);
}

#[test]
fn tokens_per_second_prefers_server_timings_then_usage_then_counts() {
    let mut t = Transcript::new();
    t.begin("q", &options(true), 0.0);
    t.apply(content("a"), 100.0);
    t.apply(content("b"), 600.0);
    t.apply(content("c"), 1100.0);
    t.apply(Frame::Done, 1100.0);
    let (rate, source) = t.turn.as_ref().unwrap().tokens_per_second().unwrap();
    assert_eq!(source, RateSource::CountedChunks);
    assert!((rate - 2.0).abs() < 1e-9, "{rate}");
    t.turn.as_mut().unwrap().usage = Some(chat_stream::openai::Usage {
        completion_tokens: 11,
        ..Default::default()
    });
    let (rate, source) = t.turn.as_ref().unwrap().tokens_per_second().unwrap();
    assert_eq!((source, rate), (RateSource::Usage, 10.0));
    t.turn.as_mut().unwrap().server_timings = Some(chat_stream::openai::ServerTimings {
        predicted_per_second: Some(88.9),
        ..Default::default()
    });
    assert_eq!(
        t.turn.as_ref().unwrap().tokens_per_second(),
        Some((88.9, RateSource::ServerTimings))
    );
}

#[test]
fn block_text_splits_stably_and_concatenates_exactly() {
    let mut whole = String::new();
    let mut b = BlockText::default();
    for i in 0..2000 {
        let piece = if i % 37 == 0 {
            "line\n".to_owned()
        } else {
            format!("w{i} ")
        };
        whole.push_str(&piece);
        b.push_str(&piece);
        assert_eq!(b.len(), whole.len());
    }
    assert_eq!(b.text(), whole);
    let blocks = b.blocks();
    assert!(blocks.len() > 5);
    for block in &blocks[..blocks.len() - 1] {
        assert!(
            block.len() <= BlockText::TARGET + 16,
            "block of {}",
            block.len()
        );
        assert!(block.ends_with('\n') || block.ends_with(' '));
    }
    // No white space at all: cut at a character boundary past the hard maximum.
    let mut b = BlockText::default();
    for _ in 0..3000 {
        b.push_str("你");
    }
    assert_eq!(b.text(), "你".repeat(3000));
    assert!(b
        .blocks()
        .iter()
        .all(|x| x.len() <= BlockText::HARD_MAX + 4));
    // One huge delta (2 MiB of words and CJK) still becomes small blocks.
    let huge = "word 你好 ".repeat(2 * 1024 * 1024 / 12);
    let mut b = BlockText::default();
    b.push_str(&huge);
    assert_eq!(b.text(), huge);
    assert!(
        b.blocks().iter().all(|x| x.len() <= BlockText::HARD_MAX),
        "largest block {}",
        b.blocks().iter().map(String::len).max().unwrap()
    );
}

#[test]
fn settings_from_the_page_url() {
    let mut s = Settings::default();
    s.apply_query("?endpoint=http%3A%2F%2F127.0.0.1%3A8787%2Fv1%2F&model=mock-happy&stream=false&max_tokens=32&temperature=9&api_key=sk-secret&prompt=Hi+there%21");
    assert_eq!(s.endpoint, "http://127.0.0.1:8787/v1/");
    assert_eq!(
        s.completions_url(),
        "http://127.0.0.1:8787/v1/chat/completions"
    );
    assert_eq!(s.model, "mock-happy");
    assert!(!s.stream);
    assert_eq!(s.max_tokens, Some(32));
    assert_eq!(s.temperature, None, "out of range is dropped");
    assert_eq!(s.prompt, "Hi there!");
    assert_eq!(
        s.idle_timeout_secs, 60,
        "a generous idle watchdog by default"
    );
    s.apply_query("idle_timeout=5");
    assert_eq!(s.idle_timeout_secs, 5);
    assert!(
        !format!("{s:?}").contains("sk-secret"),
        "the key is never taken from the URL"
    );
    let mut s = Settings::default();
    s.apply_query("stream=maybe&%ZZ=1&endpoint=&protocol=soap");
    assert_eq!(s, Settings::default());
}

#[test]
fn the_protocol_comes_from_the_url_and_persists_by_name() {
    use chat_stream::protocol::Protocol;
    let mut s = Settings::default();
    assert_eq!(s.protocol, Protocol::Chat);
    s.apply_query("protocol=Responses");
    assert_eq!(s.protocol, Protocol::Responses);
    s.apply_query("protocol=anthropic");
    assert_eq!(s.protocol, Protocol::Anthropic);
    let json = serde_json::to_string(&s).unwrap();
    assert!(json.contains(r#""protocol":"anthropic""#), "{json}");
    let back: Settings = serde_json::from_str(&json).unwrap();
    assert_eq!(back.protocol, Protocol::Anthropic);
    // Settings saved before the protocol existed load as Chat Completions.
    let old: Settings = serde_json::from_str(r#"{"endpoint":"http://x/v1"}"#).unwrap();
    assert_eq!(old.protocol, Protocol::Chat);
}

#[test]
fn fixture_llama_server_streams_real_text_with_usage() {
    let bytes = include_bytes!("fixtures/llama-server-debian.usage.sse.txt");
    let t = replay(bytes, 64);
    assert_eq!(t.state(), TurnState::Done);
    let turn = t.turn.as_ref().unwrap();
    assert!(turn.saw_done);
    assert_eq!(turn.usage.unwrap().completion_tokens, 16);
    assert_eq!(turn.content_chunks, 16);
    assert_eq!(
        turn.tokens_per_second().unwrap().1,
        RateSource::ServerTimings
    );
    assert!(answer(&t).starts_with("You"));
    // The same bytes, one byte per push, give the same answer.
    assert_eq!(answer(&replay(bytes, 1)), answer(&t));
}

#[test]
fn fixtures_of_every_server_end_done_with_identical_text_for_any_chunking() {
    for (name, bytes) in [
        (
            "llama-server",
            &include_bytes!("fixtures/llama-server-debian.sse.txt")[..],
        ),
        (
            "llama-cpp-python",
            include_bytes!("fixtures/llama-cpp-python.sse.txt"),
        ),
        ("litellm", include_bytes!("fixtures/litellm-mock.sse.txt")),
        ("mock-llm", include_bytes!("fixtures/mock-llm-npm.sse.txt")),
    ] {
        let reference = replay(bytes, bytes.len());
        assert_eq!(reference.state(), TurnState::Done, "{name}");
        assert!(!answer(&reference).is_empty(), "{name}");
        for step in [1, 2, 3, 7, 64, 1000] {
            assert_eq!(
                answer(&replay(bytes, step)),
                answer(&reference),
                "{name} step {step}"
            );
        }
    }
}

#[test]
fn fixture_stream_cut_by_a_second_request_warns() {
    // llama-cpp-python ends the first stream with [DONE] but no finish_reason.
    let t = replay(
        include_bytes!("fixtures/llama-cpp-python.interrupted-by-2nd-request.sse.txt"),
        100,
    );
    let turn = t.turn.as_ref().unwrap();
    assert_eq!(turn.state, TurnState::Done);
    assert!(
        turn.warnings.iter().any(|w| w.contains("cut short")),
        "{:?}",
        turn.warnings
    );
}

#[test]
fn fixture_http_errors_of_real_servers() {
    for (file, status, expected) in [
        (
            include_str!("fixtures/llama-server-debian.err-401-no-key.txt"),
            401,
            "Invalid API Key",
        ),
        (
            include_str!("fixtures/llama-server-debian.err-context-overflow.txt"),
            400,
            "exceeds the available context size",
        ),
    ] {
        let body = file
            .split("\r\n\r\n")
            .nth(1)
            .or_else(|| file.split("\n\n").nth(1))
            .unwrap();
        let e = chat_stream::openai::error_from_http(status, body);
        assert!(e.message.contains(expected), "{}", e.message);
    }
}

#[test]
fn timeline_puts_both_runs_on_one_rounded_axis() {
    use chat_stream::timeline::{layout, Run};
    let streamed = [80.0, 120.0, 600.0, 1180.0];
    let plain = [1900.0];
    let l = layout(
        &[
            Run {
                label: "not streaming",
                marks: &plain,
                total: Some(1900.0),
            },
            Run {
                label: "streaming",
                marks: &streamed,
                total: Some(1200.0),
            },
        ],
        500.0,
    );
    assert_eq!(
        l.span_ms, 2000.0,
        "1900 ms rounds up to 2 s with 0.5 s steps"
    );
    let labels: Vec<&str> = l.ticks.iter().map(|t| t.label.as_str()).collect();
    assert_eq!(labels, ["0 s", "0.5 s", "1 s", "1.5 s", "2 s"]);
    assert_eq!(l.rows[0].0, [475.0]);
    assert_eq!(l.rows[1].0, [20.0, 30.0, 150.0, 295.0]);
    assert_eq!(l.rows[1].1, Some(300.0));
    // Short runs get millisecond ticks; an empty run still has an axis.
    let l = layout(
        &[Run {
            label: "x",
            marks: &[3.0, 41.0],
            total: None,
        }],
        100.0,
    );
    assert_eq!(l.span_ms, 50.0);
    assert_eq!(l.ticks[1].label, "10 ms");
    let l = layout(&[], 100.0);
    assert!(l.span_ms > 0.0 && l.rows.is_empty());
}

/// Streams `text` as content deltas cut at `cuts` (byte offsets), then ends the stream.
fn stream_content_in_pieces(text: &str, cuts: &[usize]) -> Transcript {
    let mut t = Transcript::new();
    t.begin("q", &options(true), 0.0);
    let mut last = 0;
    for &c in cuts.iter().chain([text.len()].iter()) {
        if c > last && text.is_char_boundary(c) {
            t.apply(content(&text[last..c]), 1.0);
            last = c;
        }
    }
    t.apply(
        frame(r#"{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"#),
        2.0,
    );
    t.end_of_stream(false, 3.0);
    t
}

#[test]
fn think_tags_in_content_become_reasoning_at_every_split() {
    let cases = [
        // (streamed content, answer, reasoning)
        (
            "<think>\nPlan it.\n</think>\n\nThe answer.",
            "The answer.",
            "\nPlan it.\n",
        ),
        ("  <think>a</think>b", "b", "a"),
        ("No tags here.", "No tags here.", ""),
        // Only a leading tag opens reasoning: an answer about tags is left alone.
        (
            "Use <think> tags like <think>x</think>.",
            "Use <think> tags like <think>x</think>.",
            "",
        ),
        // A prefix of the tag that turns out not to be one is answer text.
        ("<thin ice", "<thin ice", ""),
        ("<th", "<th", ""),
        // An unclosed block stays reasoning, and the answer is empty (the view says so).
        ("<think>still thinking", "", "still thinking"),
        ("<think>half a close </thi", "", "half a close </thi"),
        ("<think>你好 👍</think>答案", "答案", "你好 👍"),
    ];
    for (text, want_answer, want_reasoning) in cases {
        for a in 0..=text.len() {
            for b in a..=text.len() {
                let t = stream_content_in_pieces(text, &[a, b]);
                let m = t.messages.last().unwrap();
                assert_eq!(m.content.text(), want_answer, "{text:?} cut at {a},{b}");
                assert_eq!(
                    m.reasoning.text(),
                    want_reasoning,
                    "{text:?} cut at {a},{b}"
                );
                assert_eq!(t.state(), TurnState::Done);
            }
        }
    }
}

#[test]
fn think_text_is_a_first_token_but_a_held_tag_prefix_is_not() {
    let mut t = Transcript::new();
    t.begin("q", &options(true), 0.0);
    t.apply(content("<thi"), 5.0);
    assert_eq!(t.state(), TurnState::Waiting, "nothing visible yet");
    t.apply(content("nk>hmm"), 7.0);
    assert_eq!(t.state(), TurnState::Streaming);
    assert_eq!(t.turn.as_ref().unwrap().times.first_token, Some(7.0));
}

fn finished_turn(t: &mut Transcript, prompt: &str, reply: &str, at: f64) {
    t.begin(prompt, &options(true), at);
    t.apply(content(reply), at + 1.0);
    t.apply(Frame::Done, at + 2.0);
}

fn roles_and_texts(req: &chat_stream::openai::ChatRequest) -> Vec<(Role, String)> {
    req.messages
        .iter()
        .map(|m| (m.role, m.content.clone()))
        .collect()
}

#[test]
fn regenerate_replaces_the_last_answer_whatever_ended_it() {
    let mut t = Transcript::new();
    finished_turn(&mut t, "one", "first", 0.0);
    finished_turn(&mut t, "two", "second", 10.0);
    let old_id = t.messages.last().unwrap().id;
    let req = t.regenerate(&options(true), 20.0).expect("a request");
    assert_eq!(
        roles_and_texts(&req),
        [
            (Role::System, "Be brief.".to_owned()),
            (Role::User, "one".to_owned()),
            (Role::Assistant, "first".to_owned()),
            (Role::User, "two".to_owned()),
        ]
    );
    assert_eq!(t.messages.len(), 4, "the old answer was replaced, not kept");
    assert_ne!(t.messages.last().unwrap().id, old_id);
    assert_eq!(t.state(), TurnState::Waiting);
    assert!(
        t.regenerate(&options(true), 21.0).is_none(),
        "busy: no second request"
    );

    // Stopped, then regenerated.
    t.apply(content("partial"), 22.0);
    t.stop(23.0);
    assert_eq!(t.messages.last().unwrap().status, MessageStatus::Stopped);
    let req = t.regenerate(&options(true), 30.0).unwrap();
    assert_eq!(req.messages.last().unwrap().content, "two");
    assert_eq!(t.messages.len(), 4);

    // Failed with no text, then regenerated.
    t.fail(ChatError::Network("down".into()), 31.0);
    assert_eq!(
        t.messages.last().unwrap().error.as_deref(),
        Some("down"),
        "the error stays with the message"
    );
    assert!(t.regenerate(&options(true), 32.0).is_some());
    assert_eq!(t.messages.len(), 4);
}

#[test]
fn regenerate_needs_a_user_message_to_answer() {
    let mut t = Transcript::new();
    assert!(t.regenerate(&options(true), 0.0).is_none());
    assert!(t.messages.is_empty());
}

#[test]
fn edit_and_resend_forgets_everything_after_the_edited_message() {
    let mut t = Transcript::new();
    finished_turn(&mut t, "one", "first", 0.0);
    finished_turn(&mut t, "two", "second", 10.0);
    let req = t
        .edit_and_resend(0, "uno", &options(true), 20.0)
        .expect("a request");
    assert_eq!(
        roles_and_texts(&req),
        [
            (Role::System, "Be brief.".to_owned()),
            (Role::User, "uno".to_owned())
        ]
    );
    assert_eq!(t.messages.len(), 2);
    assert_eq!(t.messages[0].content.text(), "uno");
    assert_eq!(t.state(), TurnState::Waiting);
    // Not while busy, not on an assistant message, not with blank text.
    assert!(t.edit_and_resend(0, "x", &options(true), 21.0).is_none());
    t.apply(Frame::Done, 22.0);
    assert!(t.edit_and_resend(1, "x", &options(true), 23.0).is_none());
    assert!(t.edit_and_resend(0, "  ", &options(true), 23.0).is_none());
    assert!(t.edit_and_resend(9, "x", &options(true), 23.0).is_none());
    assert_eq!(t.messages[0].content.text(), "uno");
}

#[test]
fn restore_renumbers_ids_and_has_no_turn() {
    let mut t = Transcript::new();
    finished_turn(&mut t, "one", "first", 0.0);
    let restored = Transcript::restore(t.messages.clone());
    assert_eq!(restored.state(), TurnState::Idle);
    assert_eq!(restored.messages.len(), 2);
    let mut next = restored.clone();
    next.begin("two", &options(true), 5.0);
    let ids: Vec<u64> = next.messages.iter().map(|m| m.id).collect();
    let mut unique = ids.clone();
    unique.dedup();
    assert_eq!(ids, unique, "ids stay unique after a restore");
}

#[test]
fn an_empty_timeline_spans_one_second() {
    let l = chat_stream::timeline::layout(&[], 600.0);
    assert_eq!(l.span_ms, 1000.0);
    assert_eq!(l.ticks.last().map(|t| t.label.as_str()), Some("1 s"));
}

#[test]
fn sparkline_climbs_with_each_chunk_and_stays_small() {
    use chat_stream::timeline::sparkline;
    assert!(sparkline(&[], None, 100.0, 20.0).is_empty());
    let p = sparkline(&[10.0, 20.0], Some(40.0), 4.0, 20.0);
    // Columns end at 10, 20, 30, 40 ms: one chunk by 10, both by 20, flat to the end.
    assert_eq!(p, [(0.0, 20.0), (1.0, 10.0), (2.0, 0.0), (4.0, 0.0)]);
    let marks: Vec<f64> = (0..20_000).map(|i| i as f64 * 0.5).collect();
    let p = sparkline(&marks, None, 120.0, 24.0);
    assert!(
        p.len() <= 121,
        "at most one point per column, got {}",
        p.len()
    );
    assert_eq!(p.last(), Some(&(120.0, 0.0)), "all chunks by the end");
    assert!(
        p.windows(2).all(|w| w[1].0 > w[0].0 && w[1].1 <= w[0].1),
        "x increases, y never drops"
    );
}

fn finish(reason: &str) -> Frame {
    frame(
        &serde_json::json!({"choices":[{"index":0,"delta":{},"finish_reason":reason}]}).to_string(),
    )
}

#[test]
fn a_failed_turn_without_text_is_left_out_of_the_next_request() {
    let mut t = Transcript::new();
    t.begin("Hello there", &options(true), 0.0);
    t.fail(ChatError::Network("connection refused".into()), 5.0);
    let req = t.begin("Say hi", &options(true), 10.0);
    assert_eq!(
        roles_and_texts(&req),
        vec![
            (Role::System, "Be brief.".to_owned()),
            (Role::User, "Say hi".to_owned())
        ],
        "no two user messages in a row"
    );
    // The failed turn stays on screen.
    assert_eq!(t.messages.len(), 4);
    assert_eq!(t.messages[1].status, MessageStatus::Failed);
    // A turn stopped before any text is left out the same way; one with text is sent.
    t.stop(11.0);
    t.begin("Third", &options(true), 20.0);
    t.apply(content("Partial"), 21.0);
    t.stop(22.0);
    let req = t.begin("Fourth", &options(true), 30.0);
    assert_eq!(
        roles_and_texts(&req)[1..],
        [
            (Role::User, "Third".to_owned()),
            (Role::Assistant, "Partial".to_owned()),
            (Role::User, "Fourth".to_owned()),
        ]
    );
}

#[test]
fn continue_sends_the_cut_off_answer_last_and_appends_to_it() {
    let mut t = Transcript::new();
    t.begin("Count", &options(true), 0.0);
    t.apply(content("1, 2, 3"), 10.0);
    t.apply(finish("length"), 11.0);
    t.apply(Frame::Done, 12.0);
    let cut = t.messages.last().unwrap();
    assert!(cut.is_cut_off());
    assert_eq!(cut.finish_reason.as_deref(), Some("length"));
    let req = t.continue_answer(&options(true), 100.0).expect("continues");
    assert_eq!(
        req.messages.last().map(|m| (m.role, m.content.as_str())),
        Some((Role::Assistant, "1, 2, 3"))
    );
    assert_eq!(t.messages.len(), 2, "no new message: the answer goes on");
    assert_eq!(t.state(), TurnState::Waiting);
    assert!(t.continue_answer(&options(true), 101.0).is_none(), "busy");
    t.apply(content(", 4"), 150.0);
    t.apply(finish("stop"), 151.0);
    t.apply(Frame::Done, 152.0);
    let m = t.messages.last().unwrap();
    assert_eq!(m.content.text(), "1, 2, 3, 4");
    assert!(!m.is_cut_off());
    assert_eq!(m.finish_reason.as_deref(), Some("stop"));
    // A continuation that starts with a tag is answer text, not reasoning.
    t.continue_answer(&options(true), 200.0).unwrap();
    t.apply(content("<think>x"), 210.0);
    t.apply(Frame::Done, 211.0);
    assert!(t.messages[1].reasoning.is_empty());
    assert!(answer(&t).ends_with("<think>x"));
}

#[test]
fn continue_needs_an_answer_with_text() {
    let mut t = Transcript::new();
    assert!(t.continue_answer(&options(true), 0.0).is_none());
    t.begin("Hi", &options(true), 0.0);
    t.fail(ChatError::Network("down".into()), 1.0);
    assert!(
        t.continue_answer(&options(true), 2.0).is_none(),
        "nothing to continue"
    );
}

#[test]
fn a_finished_turn_leaves_its_figures_on_its_message() {
    let mut t = Transcript::new();
    t.begin("Hi", &options(true), 1000.0);
    t.on_headers(1040.0);
    t.apply(
        frame(r#"{"choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}"#),
        1050.0,
    );
    for (i, ms) in [1100.0, 1150.0, 1200.0].into_iter().enumerate() {
        t.apply(content(&format!("w{i} ")), ms);
    }
    t.apply(finish("stop"), 1210.0);
    t.apply(Frame::Done, 1220.0);
    let stats = t.messages[1].stats.clone().expect("figures kept");
    assert_eq!(stats.headers_ms, Some(40.0));
    assert_eq!(stats.first_chunk_ms, Some(50.0));
    assert_eq!(stats.first_token_ms, Some(100.0));
    assert_eq!(stats.total_ms, Some(220.0));
    assert_eq!(stats.chunks, 5);
    assert_eq!(stats.rate_source, Some(RateSource::CountedChunks));
    // (3 content chunks - 1) over 0.12 s between the first token and the end.
    assert!((stats.tokens_per_second.unwrap() - 2.0 / 0.12).abs() < 1e-9);
    assert_eq!(stats.log.len(), 5);
    assert_eq!(stats.log[1].ms, 100.0);
    assert!(stats.log[1].summary.contains("w0"), "{:?}", stats.log[1]);
    let line = stats.line();
    assert!(
        line.starts_with("first token 0.10 s · total 0.22 s · 16.7 chunks/s (counted) · 5 chunks"),
        "{line}"
    );
    assert_eq!(t.messages[1].finish_reason.as_deref(), Some("stop"));
    // The user's message has none.
    assert!(t.messages[0].stats.is_none());
}

#[test]
fn a_long_turn_keeps_only_the_start_of_its_log_with_the_message() {
    use chat_stream::transcript::MessageStats;
    let mut t = Transcript::new();
    t.begin("Hi", &options(true), 0.0);
    for i in 0..500 {
        t.apply(content(&"x".repeat(300)), 10.0 + f64::from(i));
    }
    t.apply(Frame::Done, 600.0);
    let stats = t.messages[1].stats.as_ref().unwrap();
    assert_eq!(stats.chunks, 500);
    assert_eq!(stats.log.len(), MessageStats::LOG_ROWS);
    assert!(stats
        .log
        .iter()
        .all(|r| r.summary.chars().count() <= MessageStats::SUMMARY_CHARS));
}
