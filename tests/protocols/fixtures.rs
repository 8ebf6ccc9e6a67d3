//! Real captures of llama-server (Debian's llama.cpp b11669, Gemma 3 270M) on `/v1/responses`
//! and `/v1/messages`, and tool-call streams written from the documented event shapes
//! (`*.documented.sse.txt`: the small model never calls a tool), through decoder, mapper and
//! transcript.

use chat_stream::{
    openai::Frame,
    protocol::{Protocol, ResponsesMapper},
    transcript::RateSource,
};

use crate::common::*;

/// Streams and their protocols.
pub const STREAMS: [(&str, Protocol); 7] = [
    ("llama-server-debian.responses.sse.txt", Protocol::Responses),
    ("llama-server-debian.messages.sse.txt", Protocol::Anthropic),
    (
        "openai-responses.tool-call.documented.sse.txt",
        Protocol::Responses,
    ),
    (
        "openai-responses.incomplete.documented.sse.txt",
        Protocol::Responses,
    ),
    (
        "anthropic-messages.tool-use.documented.sse.txt",
        Protocol::Anthropic,
    ),
    (
        "anthropic-messages.thinking.documented.sse.txt",
        Protocol::Anthropic,
    ),
    (
        "anthropic-messages.error-overloaded.documented.sse.txt",
        Protocol::Anthropic,
    ),
];

fn usage(f: &Folded) -> (u64, u64, u64) {
    let u = f.usage.expect("usage");
    (u.prompt_tokens, u.completion_tokens, u.total_tokens)
}

#[test]
fn llama_server_responses_stream() {
    let raw = fixture("llama-server-debian.responses.sse.txt");
    let (frames, finished) = stream(Protocol::Responses, raw.as_bytes());
    assert!(finished);
    // The text the server reports at the end, read straight from the last event.
    let last = raw.lines().rfind(|l| l.starts_with("data: ")).unwrap();
    let completed: serde_json::Value = serde_json::from_str(&last["data: ".len()..]).unwrap();
    assert_eq!(completed["type"], "response.completed");
    let full = completed["response"]["output"][0]["content"][0]["text"]
        .as_str()
        .unwrap();
    let f = fold(&frames);
    assert_eq!(f.content, full);
    assert_eq!(f.finish_reason.as_deref(), Some("stop"));
    assert_eq!(usage(&f), (13, 40, 53));
    assert_eq!((f.done, f.errors, f.skips), (1, 0, 0));
    assert_eq!(
        frames[0],
        role(Some("resp_0LrxeMrpINpwyxzXqNreWCuhNJxJVble"), None)
    );
    let timings = frames.iter().find_map(|f| match f {
        Frame::Chunk(c) => c.timings,
        _ => None,
    });
    assert_eq!(timings.unwrap().predicted_n, Some(40.0));

    let t = transcript(frames);
    assert_eq!(t.state().as_str(), "done");
    assert_eq!(t.messages[1].content.text(), full);
    let turn = t.turn.unwrap();
    assert!(turn.warnings.is_empty(), "{:?}", turn.warnings);
    let deltas = raw
        .matches(r#"data: {"type":"response.output_text.delta""#)
        .count();
    assert_eq!(
        turn.content_chunks, deltas as u64,
        "one chunk per delta event"
    );
    let (tps, source) = turn.tokens_per_second().unwrap();
    assert_eq!(source, RateSource::ServerTimings);
    assert!((tps - 20.713).abs() < 0.01, "{tps}");
}

#[test]
fn llama_server_messages_stream() {
    let raw = fixture("llama-server-debian.messages.sse.txt");
    let (frames, finished) = stream(Protocol::Anthropic, raw.as_bytes());
    assert!(finished);
    let f = fold(&frames);
    assert_eq!(
        f.content,
        "<b>[</b><b>3</b><b>-5</b><b>th</b><b>class</b><b>]</b>\n"
    );
    assert_eq!(f.finish_reason.as_deref(), Some("length"));
    assert_eq!(usage(&f), (13, 20, 33), "5 new + 8 cached prompt tokens");
    assert_eq!((f.done, f.errors, f.skips), (1, 0, 0));
    assert_eq!(
        frames[0],
        role(
            Some("chatcmpl-OvUbUuHcLd7wwVKfO51X8YetsjM4emHk"),
            Some("gemma-3-270m")
        )
    );
    let t = transcript(frames);
    assert_eq!(t.state().as_str(), "done");
    assert_eq!(t.turn.unwrap().finish_reason.as_deref(), Some("length"));
}

#[test]
fn llama_server_non_streaming() {
    let c = Protocol::Responses
        .parse_response(&fixture("llama-server-debian.responses.json"))
        .unwrap();
    assert_eq!(
        c.choices[0].message.content.as_deref(),
        Some("The value of the integer is the number of times the integer is the same as the integer it'")
    );
    assert_eq!(c.choices[0].finish_reason.as_deref(), Some("stop"));
    let u = c.usage.unwrap();
    assert_eq!(
        (u.prompt_tokens, u.completion_tokens, u.total_tokens),
        (17, 20, 37)
    );
    assert_eq!(c.model.as_deref(), Some("gemma-3-270m"));

    let c = Protocol::Anthropic
        .parse_response(&fixture("llama-server-debian.messages.json"))
        .unwrap();
    assert_eq!(
        c.choices[0].message.content.as_deref(),
        Some("You count to 5 prochains.\nYou count to 5 prochains.\nYou count to ")
    );
    assert_eq!(c.choices[0].finish_reason.as_deref(), Some("length"));
    let u = c.usage.unwrap();
    assert_eq!((u.prompt_tokens, u.completion_tokens), (17, 20));

    // Either way the transcript ends up with the same kind of message.
    let mut t = chat_stream::transcript::Transcript::new();
    t.begin("q", &Default::default(), 0.0);
    t.apply_completion(c, 5.0);
    assert_eq!(t.state().as_str(), "done");
    assert!(t.messages[1].content.text().starts_with("You count to 5"));
}

#[test]
fn llama_server_http_errors() {
    let cases = [
        (
            "llama-server-debian.responses.err-bad-input.txt",
            Protocol::Responses,
            400,
            "'input' must be a string or array of objects",
            "invalid_request_error",
        ),
        (
            "llama-server-debian.messages.err-no-messages.txt",
            Protocol::Anthropic,
            500,
            "'messages' is required",
            "server_error",
        ),
        (
            "llama-server-debian.messages.err-401-no-key.txt",
            Protocol::Anthropic,
            401,
            "Invalid API Key",
            "authentication_error",
        ),
    ];
    for (name, protocol, status, message, kind) in cases {
        let (got_status, body) = http_fixture(name);
        assert_eq!(got_status, status, "{name}");
        let e = protocol.error_from_http(status, &body);
        assert_eq!(e.message, message, "{name}");
        assert_eq!(e.kind.as_deref(), Some(kind), "{name}");
        assert_eq!(
            e.code.as_deref(),
            Some(status.to_string().as_str()),
            "{name}"
        );
    }
    let (status, body) = http_fixture("llama-server-debian.messages.err-bad-json.txt");
    let e = Protocol::Anthropic.error_from_http(status, &body);
    assert!(
        e.message.starts_with("[json.exception.parse_error.101]"),
        "{e}"
    );
}

#[test]
fn documented_responses_tool_call() {
    let raw = fixture("openai-responses.tool-call.documented.sse.txt");
    let events = decode_pieces([raw.as_bytes()]);
    let mut m = ResponsesMapper::new();
    let mut frames = Vec::new();
    for e in &events {
        m.on_event(e, &mut frames);
    }
    assert!(m.finished());
    assert_eq!(m.reasoning_tokens(), Some(24));
    let f = fold(&frames);
    assert_eq!(
        f.tools,
        [(
            0,
            "call_doc_0001".into(),
            "get_weather".into(),
            r#"{"city":"Paris"}"#.into()
        )]
    );
    assert_eq!(
        f.reasoning,
        "The user wants the weather.\n\nCall get_weather."
    );
    assert_eq!(f.content, "");
    assert_eq!(f.finish_reason.as_deref(), Some("tool_calls"));
    assert_eq!(usage(&f), (58, 41, 99));
    let t = transcript(frames);
    assert_eq!(t.state().as_str(), "done");
    assert_eq!(t.messages[1].reasoning.text(), f.reasoning);
}

#[test]
fn documented_responses_incomplete() {
    let raw = fixture("openai-responses.incomplete.documented.sse.txt");
    let (frames, finished) = stream(Protocol::Responses, raw.as_bytes());
    assert!(finished);
    let f = fold(&frames);
    assert_eq!(f.content, "Once upon a");
    assert_eq!(f.finish_reason.as_deref(), Some("length"));
    assert_eq!(usage(&f), (12, 3, 15));
    assert_eq!(frames.last(), Some(&Frame::Done));
}

#[test]
fn documented_anthropic_tool_use() {
    let raw = fixture("anthropic-messages.tool-use.documented.sse.txt");
    let events = decode_pieces([raw.as_bytes()]);
    let mut m = Protocol::Anthropic.mapper();
    let mut frames = Vec::new();
    for e in &events {
        m.on_event(e, &mut frames);
    }
    assert!(m.finished());
    assert_eq!(m.keepalives(), 1);
    let f = fold(&frames);
    assert_eq!(f.content, "Let me check the weather.");
    assert_eq!(
        f.tools,
        [(
            0,
            "toolu_doc_0003".into(),
            "get_weather".into(),
            r#"{"city": "Paris"}"#.into()
        )]
    );
    assert_eq!(f.finish_reason.as_deref(), Some("tool_calls"));
    assert_eq!(usage(&f), (412, 57, 469));
}

#[test]
fn documented_anthropic_thinking() {
    let raw = fixture("anthropic-messages.thinking.documented.sse.txt");
    let (frames, finished) = stream(Protocol::Anthropic, raw.as_bytes());
    assert!(finished);
    let f = fold(&frames);
    assert_eq!(f.reasoning, "Two plus two is four.");
    assert_eq!(f.content, "4");
    assert_eq!(f.finish_reason.as_deref(), Some("stop"));
    assert_eq!(usage(&f), (120, 30, 150));
    let t = transcript(frames);
    assert_eq!(t.messages[1].reasoning.text(), "Two plus two is four.");
    assert_eq!(t.messages[1].content.text(), "4");
}

#[test]
fn documented_anthropic_overloaded_mid_stream() {
    let raw = fixture("anthropic-messages.error-overloaded.documented.sse.txt");
    let (frames, finished) = stream(Protocol::Anthropic, raw.as_bytes());
    assert!(finished, "an error ends the stream");
    assert_eq!(error_message(&frames).as_deref(), Some("Overloaded"));
    let t = transcript(frames);
    assert_eq!(t.state().as_str(), "error");
    assert_eq!(t.messages[1].content.text(), "Hel", "the text so far stays");
    assert!(t.messages[1]
        .error
        .as_deref()
        .unwrap()
        .contains("Overloaded"));
}

#[test]
fn every_stream_fixture_ends_with_its_terminal_event_and_skips_nothing() {
    for (name, protocol) in STREAMS {
        let raw = fixture(name);
        let (frames, finished) = stream(protocol, raw.as_bytes());
        assert!(finished, "{name}");
        let f = fold(&frames);
        assert_eq!(f.skips, 0, "{name}");
        assert_eq!(f.done + f.errors, 1, "{name}");
        // Cut off before the last event, the same stream is incomplete.
        let cut = raw.trim_end().rfind("\n\n").unwrap();
        let (_, finished) = stream(protocol, &raw.as_bytes()[..cut + 2]);
        assert!(!finished, "{name} cut");
    }
}
