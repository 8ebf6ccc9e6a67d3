//! Host tests of what a turn reports to its host (the embed's DOM events, the hook's callbacks):
//! every character exactly once, in order, one ending per turn with the right kind and figures;
//! plus the `<chat-stream>` attribute rules and the suffix readers they rely on.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::{content, frame};

use chat_stream::{
    error::ChatError,
    events::{ChatDone, TurnEnd, TurnReporter},
    markdown::MdText,
    openai::{ApiError, Frame},
    settings::Settings,
    transcript::{BlockText, RequestOptions, Transcript},
};
use proptest::prelude::*;

fn options() -> RequestOptions {
    RequestOptions {
        model: "m".into(),
        stream: true,
        include_usage: true,
        ..RequestOptions::default()
    }
}

fn finish() -> Frame {
    frame(serde_json::json!({"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}))
}

fn started() -> (Transcript, TurnReporter) {
    let mut t = Transcript::new();
    t.begin("hi", &options(), 0.0);
    let r = TurnReporter::new(&t);
    (t, r)
}

/// Applies `frames`, collecting the delta texts (answer, reasoning) after each.
fn run(t: &mut Transcript, r: &mut TurnReporter, frames: Vec<Frame>) -> (String, String) {
    let (mut text, mut reasoning) = (String::new(), String::new());
    for (i, f) in frames.into_iter().enumerate() {
        t.apply(f, 10.0 * (i + 1) as f64);
        if let Some(d) = r.delta(t) {
            assert!(
                !d.text.is_empty() || !d.reasoning.is_empty(),
                "no empty deltas"
            );
            text.push_str(&d.text);
            reasoning.push_str(&d.reasoning);
        }
    }
    (text, reasoning)
}

fn done(end: Option<TurnEnd>) -> ChatDone {
    match end {
        Some(TurnEnd::Done(d)) => d,
        other => panic!("expected done, got {other:?}"),
    }
}

#[test]
fn deltas_add_up_to_the_answer_and_done_comes_once_with_timings_and_usage() {
    let (mut t, mut r) = started();
    t.on_headers(5.0);
    let mut frames = vec![content("Hel"), content("lo, "), content("world")];
    frames.push(finish());
    frames.push(frame(serde_json::json!({
        "choices": [],
        "usage": {"prompt_tokens": 4, "completion_tokens": 3, "total_tokens": 7}
    })));
    let (text, reasoning) = run(&mut t, &mut r, frames);
    assert_eq!(text, "Hello, world");
    assert_eq!(reasoning, "");
    assert!(r.ended(&t).is_none(), "still running before [DONE]");
    t.apply(Frame::Done, 60.0);
    assert!(r.delta(&t).is_none());
    let d = done(r.ended(&t));
    assert_eq!(d.text, "Hello, world");
    assert!(!d.stopped);
    assert_eq!(d.finish_reason.as_deref(), Some("stop"));
    assert_eq!(d.timings.headers_ms, Some(5.0));
    assert_eq!(d.timings.first_chunk_ms, Some(10.0));
    assert_eq!(d.timings.first_token_ms, Some(10.0));
    assert_eq!(d.timings.total_ms, Some(60.0));
    assert_eq!(d.timings.chunks, 5);
    let usage = d.usage.expect("usage");
    assert_eq!(
        (
            usage.prompt_tokens,
            usage.completion_tokens,
            usage.total_tokens
        ),
        (4, 3, 7)
    );
    assert!(r.ended(&t).is_none(), "an ending is reported once");
}

#[test]
fn a_think_block_is_reported_as_reasoning_and_held_text_comes_out_at_the_end() {
    let (mut t, mut r) = started();
    let (text, reasoning) = run(
        &mut t,
        &mut r,
        vec![
            content("<thi"),
            content("nk>why"),
            content("</think>"),
            content("Because"),
        ],
    );
    assert_eq!(reasoning, "why");
    assert_eq!(text, "Because");
    // A trailing "<" may be the start of a tag: held back, then flushed by the ending.
    let (mut t, mut r) = started();
    let (text, _) = run(&mut t, &mut r, vec![content("a <")]);
    t.stop(20.0);
    let flushed = r.delta(&t).map(|d| d.text).unwrap_or_default();
    let d = done(r.ended(&t));
    assert!(d.stopped);
    assert_eq!(format!("{text}{flushed}"), d.text);
    assert_eq!(d.text, "a <");
}

#[test]
fn errors_keep_the_partial_text_and_the_http_status() {
    let (mut t, mut r) = started();
    run(&mut t, &mut r, vec![content("Partial ")]);
    t.apply(
        Frame::Error(ApiError {
            message: "overloaded".into(),
            ..ApiError::default()
        }),
        30.0,
    );
    match r.ended(&t) {
        Some(TurnEnd::Error(e)) => {
            assert_eq!(e.text, "Partial ");
            assert!(e.message.contains("overloaded"), "{}", e.message);
            assert_eq!(e.status, None);
            assert_eq!(e.timings.total_ms, Some(30.0));
        }
        other => panic!("expected an error, got {other:?}"),
    }

    let (mut t, mut r) = started();
    t.fail(
        ChatError::Http {
            status: 429,
            retry_after_secs: Some(7),
            api: ApiError {
                message: "slow down".into(),
                ..ApiError::default()
            },
            body: String::new(),
        },
        12.0,
    );
    match r.ended(&t) {
        Some(TurnEnd::Error(e)) => {
            assert_eq!(e.status, Some(429));
            assert!(e.message.contains("slow down") && e.message.contains("7 s"));
            assert_eq!(e.text, "");
        }
        other => panic!("expected an error, got {other:?}"),
    }
}

#[test]
fn a_new_turn_needs_a_new_reporter_and_the_old_one_stays_silent() {
    let (mut t, mut r) = started();
    run(&mut t, &mut r, vec![content("one"), finish()]);
    t.apply(Frame::Done, 50.0);
    assert_eq!(done(r.ended(&t)).text, "one");
    t.begin("again", &options(), 100.0);
    t.apply(content("two"), 110.0);
    assert!(r.delta(&t).is_none() && r.ended(&t).is_none());
    let mut r2 = TurnReporter::new(&t);
    assert!(
        r2.delta(&t).is_none(),
        "text before the reporter started is not repeated"
    );
    t.apply(content("!"), 120.0);
    assert_eq!(r2.delta(&t).unwrap().text, "!");
}

#[test]
fn payloads_serialize_in_camel_case_for_javascript() {
    let (mut t, mut r) = started();
    run(&mut t, &mut r, vec![content("x"), finish()]);
    t.apply(Frame::Done, 40.0);
    let json = serde_json::to_value(done(r.ended(&t))).unwrap();
    let mut keys: Vec<_> = json.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "finishReason",
            "reasoning",
            "stopped",
            "text",
            "timings",
            "toolCalls",
            "usage"
        ]
    );
    assert_eq!(json["toolCalls"], serde_json::json!([]));
    assert!(json["timings"]["firstTokenMs"].is_number());
    assert!(
        json["timings"]["tokensPerSecond"].is_null()
            || json["timings"]["tokensPerSecond"].is_number()
    );
}

#[test]
fn attributes_set_settings_and_removing_one_restores_the_default() {
    let d = Settings::default();
    let mut s = Settings::default();
    assert!(s.apply_attribute("endpoint", Some(" https://proxy.example/v1 ")));
    assert!(s.apply_attribute("model", Some("gpt-4o-mini")));
    assert!(s.apply_attribute("stream", Some("false")));
    assert!(s.apply_attribute("system", Some("Be brief.")));
    assert!(s.apply_attribute("temperature", Some("1.5")));
    assert!(s.apply_attribute("max-tokens", Some("32")));
    assert!(s.apply_attribute("idle-timeout", Some("5")));
    assert!(s.apply_attribute("protocol", Some("anthropic")));
    assert_eq!(s.protocol, chat_stream::protocol::Protocol::Anthropic);
    assert!(s.apply_attribute("protocol", Some("grpc")));
    assert_eq!(
        s.protocol, d.protocol,
        "an unknown protocol restores the default"
    );
    assert_eq!(s.endpoint, "https://proxy.example/v1");
    assert_eq!(s.model, "gpt-4o-mini");
    assert!(!s.stream);
    assert_eq!(s.system, "Be brief.");
    assert_eq!(s.temperature, Some(1.5));
    assert_eq!(s.max_tokens, Some(32));
    assert_eq!(s.idle_timeout_secs, 5);
    // Present with no value: a boolean attribute.
    assert!(s.apply_attribute("stream", Some("")));
    assert!(s.stream);
    for off in ["0", "off", "NO", "False"] {
        s.apply_attribute("stream", Some(off));
        assert!(!s.stream, "{off}");
    }
    // Bad values and removed attributes give the defaults.
    s.apply_attribute("temperature", Some("3"));
    s.apply_attribute("max-tokens", Some("-1"));
    s.apply_attribute("endpoint", Some("  "));
    assert_eq!(
        (s.temperature, s.max_tokens, &s.endpoint),
        (d.temperature, d.max_tokens, &d.endpoint)
    );
    for name in [
        "endpoint",
        "model",
        "stream",
        "system",
        "temperature",
        "max-tokens",
        "idle-timeout",
    ] {
        assert!(s.apply_attribute(name, None));
    }
    assert_eq!(s, d);
    // Not settings: the key is never one.
    for name in [
        "api-key",
        "unsafe-api-key",
        "placeholder",
        "theme",
        "prompt",
    ] {
        assert!(!s.apply_attribute(name, Some("x")), "{name}");
    }
    assert_eq!(s, d);
}

proptest! {
    /// Whatever the chunking, the deltas add up to the final text, each character once.
    #[test]
    fn any_chunking_reports_every_character_once(
        text in "[a-z <>/\\n你👍]{0,200}",
        cuts in proptest::collection::vec(0usize..200, 0..12),
    ) {
        let mut pieces = Vec::new();
        let mut points: Vec<usize> = cuts.into_iter().map(|c| c.min(text.len())).filter(|&c| text.is_char_boundary(c)).collect();
        points.sort_unstable();
        points.dedup();
        let mut last = 0;
        for p in points.into_iter().chain([text.len()]) {
            if p > last {
                pieces.push(&text[last..p]);
                last = p;
            }
        }
        let (mut t, mut r) = started();
        let (mut answer, mut thought) = run(&mut t, &mut r, pieces.iter().map(|p| content(p)).collect());
        t.apply(finish(), 900.0);
        t.apply(Frame::Done, 1000.0);
        if let Some(d) = r.delta(&t) {
            answer.push_str(&d.text);
            thought.push_str(&d.reasoning);
        }
        let d = done(r.ended(&t));
        prop_assert_eq!(answer, d.text);
        prop_assert_eq!(thought, d.reasoning);
    }

    /// `text_from` is the suffix of the whole text, for segmented and block text alike.
    #[test]
    fn text_from_is_the_suffix(
        parts in proptest::collection::vec("[a-z \\n#`*-]{0,3000}", 1..5),
        at in 0usize..20_000,
    ) {
        let mut md = MdText::new();
        let mut blocks = BlockText::default();
        for p in &parts {
            md.push_str(p);
            blocks.push_str(p);
        }
        let whole: String = parts.concat();
        let at = at.min(whole.len() + 3);
        let want = whole.get(at..).unwrap_or("");
        prop_assert_eq!(md.text_from(at), want);
        prop_assert_eq!(blocks.text_from(at), want);
    }
}
