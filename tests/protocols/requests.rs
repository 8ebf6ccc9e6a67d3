//! `Protocol` names and paths, request bodies and headers per protocol.

use chat_stream::{
    openai::{ChatMessage, ChatRequest, Role, StreamOptions},
    protocol::{anthropic::DEFAULT_MAX_TOKENS, Protocol},
};
use serde_json::{json, Value};

fn msg(role: Role, content: &str) -> ChatMessage {
    ChatMessage {
        role,
        content: content.into(),
    }
}

fn conversation(system: Option<&str>) -> ChatRequest {
    let mut messages = Vec::new();
    if let Some(s) = system {
        messages.push(msg(Role::System, s));
    }
    messages.extend([
        msg(Role::User, "Count to 3"),
        msg(Role::Assistant, "1, 2, 3"),
        msg(Role::User, "Again"),
    ]);
    ChatRequest {
        model: "gemma-3-270m".into(),
        messages,
        temperature: Some(0.7),
        max_tokens: Some(40),
        stream: true,
        stream_options: Some(StreamOptions {
            include_usage: true,
        }),
    }
}

fn body(protocol: Protocol, request: &ChatRequest) -> Value {
    serde_json::from_str(&protocol.body(request)).expect("the body is JSON")
}

#[test]
fn names_round_trip_and_default_is_chat() {
    assert_eq!(Protocol::default(), Protocol::Chat);
    for p in Protocol::ALL {
        assert_eq!(Protocol::parse(p.as_str()), Some(p));
        assert_eq!(p.to_string(), p.as_str());
    }
    let names: Vec<_> = Protocol::ALL.iter().map(|p| p.as_str()).collect();
    assert_eq!(names, ["chat", "responses", "anthropic"]);
    assert_eq!(Protocol::parse(" Anthropic "), Some(Protocol::Anthropic));
    assert_eq!(Protocol::parse("RESPONSES"), Some(Protocol::Responses));
    for bad in ["", "openai", "messages", "chat/completions", "respons"] {
        assert_eq!(Protocol::parse(bad), None, "{bad:?}");
    }
}

#[test]
fn paths_and_urls() {
    let paths: Vec<_> = Protocol::ALL.iter().map(|p| p.path()).collect();
    assert_eq!(paths, ["chat/completions", "responses", "messages"]);
    assert_eq!(
        Protocol::Anthropic.url("http://127.0.0.1:8081/v1/"),
        "http://127.0.0.1:8081/v1/messages"
    );
    let built = Protocol::Responses.build(&conversation(None), None);
    assert_eq!(built.path, "responses");
    assert_eq!(
        built.url("http://h/v1"),
        "http://h/v1/responses",
        "no doubled slash"
    );
}

#[test]
fn chat_body_is_the_chat_request_unchanged() {
    let request = conversation(Some("Be brief."));
    assert_eq!(
        Protocol::Chat.body(&request),
        serde_json::to_string(&request).unwrap()
    );
    assert_eq!(
        body(Protocol::Chat, &request)["messages"][0]["role"],
        "system"
    );
}

#[test]
fn responses_body_moves_the_system_prompt_to_instructions() {
    assert_eq!(
        body(Protocol::Responses, &conversation(Some("Be brief."))),
        json!({
            "model": "gemma-3-270m",
            "input": [
                {"role": "user", "content": "Count to 3"},
                {"role": "assistant", "content": "1, 2, 3"},
                {"role": "user", "content": "Again"},
            ],
            "stream": true,
            "max_output_tokens": 40,
            "temperature": 0.7,
            "instructions": "Be brief.",
        })
    );
}

#[test]
fn responses_body_leaves_out_what_is_not_set() {
    let mut request = conversation(None);
    request.temperature = None;
    request.max_tokens = None;
    request.stream = false;
    let b = body(Protocol::Responses, &request);
    let keys: Vec<_> = b.as_object().unwrap().keys().cloned().collect();
    assert_eq!(keys.len(), 3, "{b}");
    assert_eq!(b["stream"], false);
    assert!(b.get("instructions").is_none() && b.get("stream_options").is_none());
    // A blank system prompt is no system prompt.
    let b = body(Protocol::Responses, &conversation(Some("  \n")));
    assert!(b.get("instructions").is_none(), "{b}");
    assert_eq!(b["input"].as_array().unwrap().len(), 3);
}

#[test]
fn anthropic_body_has_system_and_a_required_max_tokens() {
    assert_eq!(
        body(Protocol::Anthropic, &conversation(Some("Be brief."))),
        json!({
            "model": "gemma-3-270m",
            "max_tokens": 40,
            "messages": [
                {"role": "user", "content": "Count to 3"},
                {"role": "assistant", "content": "1, 2, 3"},
                {"role": "user", "content": "Again"},
            ],
            "system": "Be brief.",
            "stream": true,
            "temperature": 0.7,
        })
    );
    let mut request = conversation(None);
    request.max_tokens = None;
    request.temperature = None;
    let b = body(Protocol::Anthropic, &request);
    assert_eq!(b["max_tokens"], DEFAULT_MAX_TOKENS);
    assert_eq!(DEFAULT_MAX_TOKENS, 256);
    assert!(
        b.get("system").is_none() && b.get("temperature").is_none(),
        "{b}"
    );
}

#[test]
fn several_system_messages_become_one_prompt() {
    let mut request = conversation(Some("First."));
    request.messages.push(msg(Role::System, "Second."));
    assert_eq!(
        body(Protocol::Anthropic, &request)["system"],
        "First.\n\nSecond."
    );
    assert_eq!(
        body(Protocol::Responses, &request)["instructions"],
        "First.\n\nSecond."
    );
    assert!(body(Protocol::Anthropic, &request)["messages"]
        .as_array()
        .unwrap()
        .iter()
        .all(|m| m["role"] != "system"));
}

#[test]
fn bearer_auth_only_with_a_key() {
    for p in [Protocol::Chat, Protocol::Responses] {
        assert_eq!(
            p.headers(Some(" sk-1 ")),
            [("Authorization", "Bearer sk-1".to_owned())],
            "{p}"
        );
        for none in [None, Some(""), Some("   ")] {
            assert!(p.headers(none).is_empty(), "{p} {none:?}");
        }
    }
}

#[test]
fn anthropic_headers_never_use_authorization() {
    let version = ("anthropic-version", "2023-06-01".to_owned());
    assert_eq!(
        Protocol::Anthropic.headers(Some("sk-ant-1")),
        [
            version.clone(),
            ("x-api-key", "sk-ant-1".to_owned()),
            (
                "anthropic-dangerous-direct-browser-access",
                "true".to_owned()
            ),
        ]
    );
    for none in [None, Some(""), Some(" \t")] {
        assert_eq!(
            Protocol::Anthropic.headers(none),
            std::slice::from_ref(&version),
            "{none:?}"
        );
    }
    let built = Protocol::Anthropic.build(&conversation(None), Some("k"));
    assert!(built
        .headers
        .iter()
        .all(|(name, _)| !name.eq_ignore_ascii_case("authorization")));
    assert_eq!(built.body, Protocol::Anthropic.body(&conversation(None)));
}
