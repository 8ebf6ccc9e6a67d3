//! Host tests of the provider presets and the models list: every preset is well formed, endpoints
//! map back to their preset, and every models response shape (a real llama-server capture and
//! the documented shapes of the others) gives the model ids, or a clear error.
#![cfg(not(target_arch = "wasm32"))]

use std::collections::HashSet;

use chat_stream::{
    presets::{models_url, parse_models, preset_by_id, preset_for_endpoint, ModelsError, PRESETS},
    protocol::Protocol,
};
use proptest::prelude::*;

/// `GET /v1/models` of llama.cpp's llama-server (Debian llama.cpp-tools 0.7.0, the local
/// endpoint of this project, started with `--alias gemma-3-270m`), captured with curl.
const LLAMA_SERVER_MODELS: &str = r#"{"models":[{"name":"gemma-3-270m","model":"gemma-3-270m","modified_at":"","size":"","digest":"","type":"model","description":"","tags":[""],"capabilities":["completion"],"parameters":"","details":{"parent_model":"","format":"gguf","family":"","families":[""],"parameter_size":"","quantization_level":""}}],"object":"list","data":[{"id":"gemma-3-270m","aliases":["gemma-3-270m"],"tags":[],"object":"model","architecture":{"input_modalities":["text"],"output_modalities":["text"]},"created":1795565363,"owned_by":"llamacpp","meta":{"vocab_type":1,"n_vocab":262144,"n_ctx":1024,"n_ctx_train":32768,"n_embd":640,"n_params":268098176,"size":246587904,"ftype":"Q4_K - Medium"}}]}"#;

/// The same server's answer to a path it does not serve (`GET /api/tags`), captured with curl.
const LLAMA_SERVER_404: &str =
    r#"{"error":{"message":"File Not Found","type":"not_found_error","code":404}}"#;

#[test]
fn presets_are_well_formed() {
    let ids: HashSet<&str> = PRESETS.iter().map(|p| p.id).collect();
    assert_eq!(ids.len(), PRESETS.len(), "ids are unique");
    assert_eq!(PRESETS[0].id, "local");
    for p in PRESETS {
        assert!(!p.name.is_empty() && !p.notes.is_empty(), "{p:?}");
        assert!(
            p.endpoint.starts_with("http://") || p.endpoint.starts_with("https://"),
            "{p:?}"
        );
        assert!(p.endpoint.ends_with("/v1"), "{p:?}");
        assert!(p.notes.len() < 260, "notes stay short: {}", p.id);
        assert_eq!(preset_by_id(p.id), Some(p));
        assert_eq!(
            preset_for_endpoint(p.endpoint).map(|x| x.id),
            Some(p.id),
            "{p:?}"
        );
    }
    assert_eq!(preset_by_id("nope"), None);
}

#[test]
fn preset_facts() {
    use Protocol::{Anthropic, Chat, Responses};
    let expect = [
        (
            "local",
            "http://127.0.0.1:8081/v1",
            Chat,
            false,
            "gemma-3-270m",
        ),
        (
            "openai",
            "https://api.openai.com/v1",
            Responses,
            true,
            "gpt-4o-mini",
        ),
        (
            "anthropic",
            "https://api.anthropic.com/v1",
            Anthropic,
            true,
            "claude-haiku-4-5",
        ),
        (
            "azure",
            "https://YOUR-RESOURCE.openai.azure.com/openai/v1",
            Chat,
            true,
            "gpt-4o-mini",
        ),
        (
            "openrouter",
            "https://openrouter.ai/api/v1",
            Chat,
            true,
            "openai/gpt-4o-mini",
        ),
        (
            "ollama",
            "http://127.0.0.1:11434/v1",
            Chat,
            false,
            "llama3.2",
        ),
        ("llama-cpp", "http://127.0.0.1:8080/v1", Chat, false, ""),
        ("vllm", "http://127.0.0.1:8000/v1", Chat, false, ""),
        ("lm-studio", "http://127.0.0.1:1234/v1", Chat, false, ""),
    ];
    assert_eq!(PRESETS.len(), expect.len());
    for (id, endpoint, protocol, needs_key, model) in expect {
        let p = preset_by_id(id).unwrap();
        assert_eq!(
            (p.endpoint, p.protocol, p.needs_key, p.model_hint),
            (endpoint, protocol, needs_key, model),
            "{id}"
        );
    }
    let anthropic = preset_by_id("anthropic").unwrap().notes;
    assert!(
        anthropic.contains("x-api-key")
            && anthropic.contains("anthropic-dangerous-direct-browser-access"),
        "{anthropic}"
    );
    assert!(preset_by_id("local")
        .unwrap()
        .notes
        .contains("all three APIs"));
    assert!(preset_by_id("ollama")
        .unwrap()
        .notes
        .contains("OLLAMA_ORIGINS"));
    assert!(preset_by_id("llama-cpp")
        .unwrap()
        .notes
        .contains("--api-key"));
    assert!(preset_by_id("vllm")
        .unwrap()
        .notes
        .contains("--allowed-origins"));
    assert!(preset_by_id("openrouter")
        .unwrap()
        .notes
        .contains(": OPENROUTER PROCESSING"));
    let azure = preset_by_id("azure").unwrap().notes;
    assert!(azure.contains("deployment") && azure.contains("api-key") && azure.contains("CORS"));
    assert!(preset_by_id("lm-studio").unwrap().notes.contains("CORS"));
}

#[test]
fn endpoints_map_to_their_preset() {
    let cases = [
        ("http://127.0.0.1:8081/v1", Some("local")),
        ("http://127.0.0.1:8081/v1/", Some("local")),
        ("  http://localhost:8081/v1//  ", Some("local")),
        ("http://[::1]:8081/v1", Some("local")),
        ("HTTP://LOCALHOST:8081/v1?x=1#frag", Some("local")),
        ("http://127.0.0.1:8080/v1", Some("llama-cpp")),
        ("http://127.0.0.1:11434/v1", Some("ollama")),
        ("http://localhost:11434/v1/", Some("ollama")),
        ("http://127.0.0.1:11434", None),
        ("http://127.0.0.1:11434/v10", None),
        ("http://127.0.0.1:8000/v1", Some("vllm")),
        ("http://127.0.0.1:1234/v1", Some("lm-studio")),
        ("https://api.openai.com/v1", Some("openai")),
        ("https://api.openai.com:443/v1/", Some("openai")),
        ("http://api.openai.com/v1", None),
        ("https://openrouter.ai/api/v1", Some("openrouter")),
        ("https://api.anthropic.com/v1", Some("anthropic")),
        ("https://api.anthropic.com/v1/", Some("anthropic")),
        ("https://api.anthropic.com", None),
        ("https://openrouter.ai/v1", None),
        ("https://my-res.openai.azure.com/openai/v1", Some("azure")),
        ("https://MY-RES.openai.azure.com/openai/v1/", Some("azure")),
        ("https://openai.azure.com/openai/v1", None),
        ("https://my-res.openai.azure.com/openai/deployments/x", None),
        ("https://user:pw@api.openai.com/v1", Some("openai")),
        ("http://192.168.1.5:11434/v1", None),
        ("http://127.0.0.1:99999/v1", None),
        ("not a url", None),
        ("", None),
    ];
    for (endpoint, expected) in cases {
        assert_eq!(
            preset_for_endpoint(endpoint).map(|p| p.id),
            expected,
            "{endpoint:?}"
        );
    }
}

#[test]
fn models_url_has_no_doubled_slash() {
    assert_eq!(
        models_url("http://127.0.0.1:8081/v1"),
        "http://127.0.0.1:8081/v1/models"
    );
    assert_eq!(
        models_url("http://127.0.0.1:8081/v1/"),
        "http://127.0.0.1:8081/v1/models"
    );
    assert_eq!(
        models_url(" https://openrouter.ai/api/v1// "),
        "https://openrouter.ai/api/v1/models"
    );
}

#[test]
fn the_real_llama_server_list() {
    assert_eq!(parse_models(LLAMA_SERVER_MODELS).unwrap(), ["gemma-3-270m"]);
    assert_eq!(
        parse_models(LLAMA_SERVER_404).unwrap_err().to_string(),
        "the server answered the models request with an error: File Not Found"
    );
}

#[test]
fn every_models_shape() {
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "OpenAI",
            r#"{"object":"list","data":[{"id":"gpt-4o-mini","object":"model","created":1721172741,"owned_by":"system"},{"id":"gpt-4o","object":"model","created":1715367049,"owned_by":"system"}]}"#,
            &["gpt-4o-mini", "gpt-4o"],
        ),
        (
            "vLLM",
            r#"{"object":"list","data":[{"id":"Qwen/Qwen2.5-0.5B-Instruct","object":"model","created":1,"owned_by":"vllm","root":"Qwen/Qwen2.5-0.5B-Instruct","parent":null,"max_model_len":32768,"permission":[]}]}"#,
            &["Qwen/Qwen2.5-0.5B-Instruct"],
        ),
        (
            "LM Studio",
            r#"{"data":[{"id":"qwen2.5-7b-instruct","object":"model","owned_by":"organization_owner"},{"id":"text-embedding-nomic-embed-text-v1.5","object":"model","owned_by":"organization_owner"}],"object":"list"}"#,
            &[
                "qwen2.5-7b-instruct",
                "text-embedding-nomic-embed-text-v1.5",
            ],
        ),
        (
            "OpenRouter",
            r#"{"data":[{"id":"openai/gpt-4o-mini","canonical_slug":"openai/gpt-4o-mini","name":"OpenAI: GPT-4o-mini","context_length":128000,"pricing":{"prompt":"0.00000015"}},{"id":"meta-llama/llama-3.2-3b-instruct","name":"Meta: Llama 3.2 3B Instruct"}]}"#,
            &["openai/gpt-4o-mini", "meta-llama/llama-3.2-3b-instruct"],
        ),
        (
            "Ollama /v1/models",
            r#"{"object":"list","data":[{"id":"llama3.2:latest","object":"model","created":1730000000,"owned_by":"library"}]}"#,
            &["llama3.2:latest"],
        ),
        (
            "Ollama /api/tags",
            r#"{"models":[{"name":"llama3.2:latest","model":"llama3.2:latest","modified_at":"2024-10-01T00:00:00Z","size":2019393189,"digest":"a80c","details":{"family":"llama"}},{"name":"qwen2.5:0.5b","model":"qwen2.5:0.5b"}]}"#,
            &["llama3.2:latest", "qwen2.5:0.5b"],
        ),
        (
            "bare strings",
            r#"["a", "b", "a", " ", "c"]"#,
            &["a", "b", "c"],
        ),
        (
            "bare objects",
            r#"[{"id":"a"},{"name":"b"},{"model":"c"},{"id":"","name":"d"},{"x":1},7,null]"#,
            &["a", "b", "c", "d"],
        ),
        (
            "data and models differ",
            r#"{"data":[{"id":"x"},{"id":"y"}],"models":[{"name":"y"},{"name":"z"}]}"#,
            &["x", "y", "z"],
        ),
        ("a BOM", "\u{feff}{\"data\":[{\"id\":\"m\"}]}", &["m"]),
    ];
    for (name, body, expected) in cases {
        assert_eq!(parse_models(body).unwrap(), *expected, "{name}");
    }
}

#[test]
fn hundreds_of_models_keep_the_server_order() {
    let ids: Vec<String> = (0..500)
        .map(|i| format!("vendor{}/model-{i}", i % 7))
        .collect();
    let body = serde_json::json!({
        "data": ids.iter().chain(ids.iter().take(50)).map(|id| serde_json::json!({"id": id})).collect::<Vec<_>>()
    })
    .to_string();
    assert_eq!(parse_models(&body).unwrap(), ids);
}

#[test]
fn models_errors_are_clear() {
    let cases = [
        ("", "the server sent an empty models list response"),
        ("  \n", "the server sent an empty models list response"),
        (
            "<!DOCTYPE html><html><head><title>404 Not Found</title></head><body><h1>Not Found</h1><p>The requested URL was not found on this server.</p></body></html>",
            "the models list is not JSON (expected value at line 1 column 1): 404 Not Found Not Found The requested URL was not found on this server.",
        ),
        (
            "Bad Gateway",
            "the models list is not JSON (expected value at line 1 column 1): Bad Gateway",
        ),
        (
            r#"{"data":[{"id":"x"}"#,
            "the models list is not JSON (EOF while parsing a list at line 1 column 19): {\"data\":[{\"id\":\"x\"}",
        ),
        (
            r#"{"object":"list","data":[]}"#,
            "no models in the response: the server lists no models (is a model loaded?)",
        ),
        (
            r#"{"models":[]}"#,
            "no models in the response: the server lists no models (is a model loaded?)",
        ),
        (
            r#"[]"#,
            "no models in the response: the server lists no models (is a model loaded?)",
        ),
        (
            r#"{"object":"list","items":[{"id":"x"}]}"#,
            "no models in the response: expected {\"data\": [{\"id\": …}]} or {\"models\": [{\"name\": …}]}, got an object with fields items, object",
        ),
        (
            r#"{}"#,
            "no models in the response: expected {\"data\": [{\"id\": …}]} or {\"models\": [{\"name\": …}]}, got an object with no fields",
        ),
        (
            r#""gpt-4o""#,
            "no models in the response: expected a list of models, got \"gpt-4o\"",
        ),
        (
            r#"{"error":{"message":"Incorrect API key provided: sk-abc***.","type":"invalid_request_error","code":"invalid_api_key"}}"#,
            "the server answered the models request with an error: Incorrect API key provided: sk-abc***.",
        ),
        (
            r#"{"error":"Unauthorized"}"#,
            "the server answered the models request with an error: Unauthorized",
        ),
        (
            r#"{"error":{"code":401}}"#,
            "the server answered the models request with an error: {\"code\":401}",
        ),
    ];
    for (body, expected) in cases {
        assert_eq!(
            parse_models(body).unwrap_err().to_string(),
            expected,
            "{body:?}"
        );
    }
    assert!(matches!(
        parse_models("<html>"),
        Err(ModelsError::NotJson { .. })
    ));
    // A long HTML page is cut to a short excerpt.
    let page = format!("<html><body>{}</body></html>", "word ".repeat(500));
    let ModelsError::NotJson { excerpt, .. } = parse_models(&page).unwrap_err() else {
        panic!()
    };
    assert!(
        excerpt.chars().count() <= 121 && excerpt.ends_with('…'),
        "{excerpt}"
    );
    assert!(!excerpt.contains('<'));
}

proptest! {
    /// Any body gives models or an error, never a panic; models are unique and non-empty.
    #[test]
    fn parse_models_never_panics(body in any::<String>()) {
        if let Ok(models) = parse_models(&body) {
            let unique: HashSet<&String> = models.iter().collect();
            prop_assert_eq!(unique.len(), models.len());
            prop_assert!(models.iter().all(|m| !m.trim().is_empty()));
        }
    }

    /// Any list of ids comes back deduplicated, in first-seen order.
    #[test]
    fn ids_round_trip(ids in proptest::collection::vec("[a-z0-9/:._-]{1,20}", 1..40)) {
        let body = serde_json::json!({
            "object": "list",
            "data": ids.iter().map(|id| serde_json::json!({"id": id, "object": "model"})).collect::<Vec<_>>()
        }).to_string();
        let mut seen = HashSet::new();
        let expected: Vec<String> = ids.iter().filter(|id| seen.insert(*id)).cloned().collect();
        prop_assert_eq!(parse_models(&body).unwrap(), expected);
    }

    /// Any URL-ish text maps to a preset or to none, without panicking.
    #[test]
    fn preset_for_any_endpoint(endpoint in any::<String>()) {
        let _ = preset_for_endpoint(&endpoint);
        let _ = models_url(&endpoint);
    }
}

#[test]
fn notes_show_backticked_text_as_code() {
    use chat_stream::presets::note_parts;
    assert_eq!(
        note_parts("Pull it first (`ollama pull x`), then `serve`."),
        vec![
            (false, "Pull it first ("),
            (true, "ollama pull x"),
            (false, "), then "),
            (true, "serve"),
            (false, "."),
        ]
    );
    assert_eq!(note_parts("plain"), vec![(false, "plain")]);
    assert_eq!(note_parts("a `b"), vec![(false, "a `b")]);
    assert_eq!(note_parts("`x`"), vec![(true, "x")]);
    // Every preset's notes have matched backticks: no stray one shows.
    for p in chat_stream::presets::PRESETS {
        assert!(
            note_parts(p.notes)
                .iter()
                .all(|(code, t)| *code || !t.contains('`')),
            "{}",
            p.id
        );
    }
}
