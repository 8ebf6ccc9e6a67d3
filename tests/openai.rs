//! Host tests of the OpenAI layer: chunk shapes of real servers, `[DONE]`, in-band errors, junk,
//! HTTP error bodies, and the non-streaming completion.
#![cfg(not(target_arch = "wasm32"))]

use chat_stream::{
    openai::{
        error_from_http, frame_from_event, parse_completion, ApiError, ChatRequest, Frame, Role,
        StreamOptions,
    },
    sse::SseEvent,
};

fn event(data: &str) -> SseEvent {
    SseEvent {
        event: "message".into(),
        data: data.into(),
        id: String::new(),
        retry: None,
    }
}

fn chunk(data: &str) -> chat_stream::openai::ChatChunk {
    match frame_from_event(&event(data)) {
        Frame::Chunk(c) => c,
        other => panic!("expected a chunk from {data}, got {other:?}"),
    }
}

fn error(frame: Frame) -> ApiError {
    match frame {
        Frame::Error(e) => e,
        other => panic!("expected an error, got {other:?}"),
    }
}

#[test]
fn done_with_and_without_space() {
    assert_eq!(frame_from_event(&event("[DONE]")), Frame::Done);
    assert_eq!(frame_from_event(&event(" [DONE] ")), Frame::Done);
}

#[test]
fn openai_role_chunk_content_chunk_and_finish() {
    let c = chunk(
        r#"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-3.5-turbo-0613","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}"#,
    );
    assert_eq!(c.choices[0].delta.role.as_deref(), Some("assistant"));
    assert_eq!(c.choices[0].delta.content.as_deref(), Some(""));
    let c = chunk(r#"{"choices":[{"index":0,"delta":{"content":"2"},"finish_reason":null}]}"#);
    assert_eq!(c.choices[0].delta.content.as_deref(), Some("2"));
    let c = chunk(r#"{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"#);
    assert_eq!(c.choices[0].finish_reason.as_deref(), Some("stop"));
}

#[test]
fn azure_filter_chunk_and_usage_only_chunk_have_no_choices() {
    let c = chunk(
        r#"{"id":"","object":"","created":0,"model":"","prompt_filter_results":[{"prompt_index":0,"content_filter_results":{"hate":{"filtered":false,"severity":"safe"}}}],"choices":[]}"#,
    );
    assert!(c.choices.is_empty());
    let c = chunk(r#"{"prompt_annotations":[],"choices":[],"usage":null}"#);
    assert!(c.choices.is_empty() && c.usage.is_none());
    let c = chunk(
        r#"{"choices":[],"usage":{"prompt_tokens":19,"completion_tokens":1,"total_tokens":20}}"#,
    );
    assert_eq!(c.usage.unwrap().completion_tokens, 1);
    let c = chunk(r#"{"choices":null}"#);
    assert!(c.choices.is_empty());
}

#[test]
fn ollama_empty_finish_reason_is_none_and_reasoning_is_read() {
    let c = chunk(
        r#"{"id":"chatcmpl-693","object":"chat.completion.chunk","model":"mistral:latest","system_fingerprint":"fp_ollama","choices":[{"index":0,"delta":{"role":"assistant","content":" Hello"},"finish_reason":""}]}"#,
    );
    assert_eq!(c.choices[0].finish_reason, None);
    let c = chunk(r#"{"choices":[{"delta":{"content":"","reasoning":"The user"}}]}"#);
    assert_eq!(c.choices[0].delta.reasoning_text(), Some("The user"));
    assert_eq!(c.choices[0].index, 0, "a missing index is 0");
}

#[test]
fn llama_cpp_reasoning_content_and_timings() {
    let c = chunk(
        r#"{"choices":[{"finish_reason":null,"index":0,"delta":{"reasoning_content":"Play"}}],"object":"chat.completion.chunk","timings":{"cache_n":7,"prompt_n":10,"prompt_ms":251.51,"predicted_n":78,"predicted_ms":1119.72,"predicted_per_second":69.66}}"#,
    );
    assert_eq!(c.choices[0].delta.reasoning_text(), Some("Play"));
    assert_eq!(c.timings.unwrap().predicted_per_second, Some(69.66));
}

#[test]
fn refusal_and_tool_call_fragments() {
    let c = chunk(r#"{"choices":[{"index":0,"delta":{"refusal":"I can't help with that."}}]}"#);
    assert_eq!(
        c.choices[0].delta.refusal.as_deref(),
        Some("I can't help with that.")
    );
    let c = chunk(
        r#"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":""}}]}}]}"#,
    );
    let call = &c.choices[0].delta.tool_calls[0];
    assert_eq!(call.id.as_deref(), Some("call_1"));
    assert_eq!(
        call.function.as_ref().unwrap().name.as_deref(),
        Some("get_weather")
    );
    let c = chunk(
        r#"{"choices":[{"index":0,"delta":{"tool_calls":[{"function":{"arguments":"{\"city\""}}]}}]}"#,
    );
    assert_eq!(
        c.choices[0].delta.tool_calls[0].index, 0,
        "missing index (openai-python#2806)"
    );
}

#[test]
fn in_band_error_shapes() {
    let e = error(frame_from_event(&event(
        r#"{"error":{"message":"The server experienced an error","type":"server_error","param":null,"code":null}}"#,
    )));
    assert_eq!(e.message, "The server experienced an error");
    assert_eq!(e.kind.as_deref(), Some("server_error"));
    let e = error(frame_from_event(&event(r#"{"error":"text only"}"#)));
    assert_eq!(e.message, "text only");
    let e = error(frame_from_event(&event(
        r#"{"object":"error","message":"bad request","type":"BadRequestError","code":400}"#,
    )));
    assert_eq!(
        (e.message.as_str(), e.code.as_deref()),
        ("bad request", Some("400"))
    );
    let e = error(frame_from_event(&event(
        r#"{"error":{"code":500,"message":"the request exceeds the available context size","type":"exceed_context_size_error","n_prompt_tokens":1407,"n_ctx":256}}"#,
    )));
    assert_eq!(e.code.as_deref(), Some("500"));
    let e = error(frame_from_event(&event(
        r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#,
    )));
    assert_eq!(e.message, "Overloaded");
    // `event: error` with JSON, and with plain text.
    let mut ev = event(r#"{"code":400,"message":"bad"}"#);
    ev.event = "error".into();
    assert_eq!(error(frame_from_event(&ev)).message, "bad");
    ev.data = "upstream timed out".into();
    assert_eq!(error(frame_from_event(&ev)).message, "upstream timed out");
    // A null error field is not an error.
    assert!(matches!(
        frame_from_event(&event(r#"{"error":null,"choices":[]}"#)),
        Frame::Chunk(_)
    ));
}

#[test]
fn junk_is_skipped_with_a_warning() {
    for junk in ["null", ": keepalive", "not json", "42", "[1,2]", ""] {
        match frame_from_event(&event(junk)) {
            Frame::Skip { warning } => assert!(warning.starts_with("skipped"), "{warning}"),
            other => panic!("{junk:?} gave {other:?}"),
        }
    }
    // A JSON object whose fields have the wrong types.
    assert!(matches!(
        frame_from_event(&event(r#"{"choices":"oops"}"#)),
        Frame::Skip { .. }
    ));
}

#[test]
fn http_error_bodies() {
    let e = error_from_http(
        401,
        r#"{"error":{"message":"Incorrect API key provided.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}"#,
    );
    assert_eq!(e.message, "Incorrect API key provided.");
    assert_eq!(e.code.as_deref(), Some("invalid_api_key"));
    // The status is shown by the caller: an empty body gives its meaning, once.
    let e = error_from_http(503, "");
    assert_eq!((e.message.as_str(), e.code), ("Service Unavailable", None));
    let e = error_from_http(502, "<html><head><title>502 Bad Gateway</title><STYLE>body { color: red }</STYLE></head><body><h1>Bad Gateway</h1><script>alert(1)</script></body></html>");
    assert_eq!(e.message, "502 Bad Gateway Bad Gateway");
    assert!(!e.message.contains('<'));
    let e = error_from_http(422, r#"{"detail":"model not found"}"#);
    assert_eq!(e.message, "model not found");
    let long = "x".repeat(1000);
    assert!(error_from_http(500, &long).message.chars().count() < 230);
}

#[test]
fn non_streaming_completion_and_its_errors() {
    let c = parse_completion(r#"{"id":"chatcmpl-1","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"Hi there"},"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7}}"#).unwrap();
    assert_eq!(c.choices[0].message.content.as_deref(), Some("Hi there"));
    let chunk = c.into_chunk();
    assert_eq!(chunk.choices[0].delta.content.as_deref(), Some("Hi there"));
    assert_eq!(chunk.choices[0].finish_reason.as_deref(), Some("stop"));
    assert_eq!(chunk.usage.unwrap().total_tokens, 7);
    assert_eq!(
        parse_completion(r#"{"error":"boom"}"#).unwrap_err().message,
        "boom"
    );
    assert!(parse_completion("<html>oops</html>")
        .unwrap_err()
        .message
        .contains("not JSON"));
}

#[test]
fn request_serializes_like_openai() {
    let req = ChatRequest {
        model: "m".into(),
        messages: vec![chat_stream::openai::ChatMessage {
            role: Role::User,
            content: "hi".into(),
        }],
        temperature: None,
        max_tokens: Some(16),
        stream: true,
        stream_options: Some(StreamOptions {
            include_usage: true,
        }),
    };
    assert_eq!(
        serde_json::to_string(&req).unwrap(),
        r#"{"model":"m","messages":[{"role":"user","content":"hi"}],"max_tokens":16,"stream":true,"stream_options":{"include_usage":true}}"#
    );
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    /// JSON-ish soup: fragments of real chunk and error shapes, glued at random.
    fn chunkish() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just(r#"{"choices":[{"index":0,"delta":{"content":"#.to_owned()),
            Just(r#""x"}}]}"#.to_owned()),
            Just(r#"{"error":"#.to_owned()),
            Just(r#"{"object":"error","message":"m"}"#.to_owned()),
            Just("null".to_owned()),
            Just("[DONE]".to_owned()),
            Just(r#""finish_reason":"stop""#.to_owned()),
            "[ -~]{0,8}",
            "\\PC{0,4}",
        ];
        prop::collection::vec(piece, 0..8).prop_map(|v| v.concat())
    }

    proptest! {
        /// Any event data maps to a frame without panicking, and only `[DONE]` maps to Done.
        #[test]
        fn any_event_data_gives_a_frame(data in chunkish(), error_event in any::<bool>()) {
            let mut ev = event(&data);
            if error_event {
                ev.event = "error".into();
            }
            let frame = frame_from_event(&ev);
            if error_event {
                prop_assert!(matches!(frame, Frame::Error(_)));
            } else if matches!(frame, Frame::Done) {
                prop_assert_eq!(data.trim(), "[DONE]");
            }
        }
    }
}

#[test]
fn rate_limits_say_when_to_retry() {
    use chat_stream::{error::parse_retry_after, ChatError};
    let http = |status, retry_after_secs| ChatError::Http {
        status,
        retry_after_secs,
        api: error_from_http(status, ""),
        body: String::new(),
    };
    assert_eq!(
        http(429, Some(7)).to_string(),
        "HTTP 429: Too Many Requests. Retry after 7 s"
    );
    assert_eq!(
        http(429, None).to_string(),
        "HTTP 429: Too Many Requests. Wait a little before you retry"
    );
    assert_eq!(
        http(503, Some(30)).to_string(),
        "HTTP 503: Service Unavailable. Retry after 30 s"
    );
    assert_eq!(
        http(500, None).to_string(),
        "HTTP 500: Internal Server Error"
    );
    assert_eq!(parse_retry_after(" 7 "), Some(7));
    assert_eq!(parse_retry_after("Wed, 21 Oct 2026 07:28:00 GMT"), None);
}

#[test]
fn http_errors_say_their_message_once() {
    use chat_stream::ChatError;
    let http = |status, body: &str| {
        ChatError::Http {
            status,
            retry_after_secs: None,
            api: error_from_http(status, body),
            body: body.to_owned(),
        }
        .to_string()
    };
    // A code that only repeats the status is not repeated.
    assert_eq!(
        http(
            401,
            r#"{"error":{"message":"Invalid API Key","type":"invalid_request_error"}}"#
        ),
        "HTTP 401: Invalid API Key (invalid_request_error)"
    );
    // An HTML error page's title and heading say the same thing; the status is said once.
    assert_eq!(
        http(
            502,
            "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>"
        ),
        "HTTP 502: Bad Gateway nginx"
    );
    // A real code is kept.
    assert_eq!(
        http(
            401,
            r#"{"error":{"message":"Incorrect API key provided.","type":"invalid_request_error","code":"invalid_api_key"}}"#
        ),
        "HTTP 401: Incorrect API key provided. (invalid_request_error, invalid_api_key)"
    );
    // Words repeated on purpose but not back to back stay.
    assert_eq!(
        http(
            400,
            r#"{"error":{"message":"model x not found, try model y"}}"#
        ),
        "HTTP 400: model x not found, try model y"
    );
}
