//! Browser tests (`wasm-pack test --headless --chrome`): the real component and transport, mounted
//! in a fresh container, fed by a scripted `fetch` whose body is a `ReadableStream` (no network).
#![cfg(target_arch = "wasm32")]

use chat_stream::{app::ChatStream, settings::Settings};
use leptos::{mount::mount_to, prelude::*};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen(module = "/tests/js/fake_fetch.js")]
extern "C" {
    #[wasm_bindgen(js_name = installFakeFetch)]
    fn install_fake_fetch(spec: &str);
    #[wasm_bindgen(js_name = fetchLog)]
    fn fetch_log() -> String;
    #[wasm_bindgen(js_name = typeInto)]
    fn type_into(root: &web_sys::HtmlElement, testid: &str, value: &str);
    fn click(root: &web_sys::HtmlElement, testid: &str);
    #[wasm_bindgen(js_name = pressEnter)]
    fn press_enter(root: &web_sys::HtmlElement, testid: &str, shift: bool);
    #[wasm_bindgen(js_name = textOf)]
    fn text_of(root: &web_sys::HtmlElement, testid: &str) -> Option<String>;
    #[wasm_bindgen(js_name = attrOf)]
    fn attr_of(root: &web_sys::HtmlElement, testid: &str, name: &str) -> Option<String>;
    fn count(root: &web_sys::HtmlElement, testid: &str) -> u32;
    #[wasm_bindgen(js_name = countTags)]
    fn count_tags(root: &web_sys::HtmlElement, testid: &str, tag: &str) -> i32;
    fn sleep(ms: u32) -> js_sys::Promise;
}

/// A mounted app in its own container; unmounted and removed on drop.
struct Mounted {
    root: web_sys::HtmlElement,
    _handle: leptos::mount::UnmountHandle<leptos::tachys::view::any_view::AnyViewState>,
}

impl Drop for Mounted {
    fn drop(&mut self) {
        self.root.remove();
    }
}

/// Settings pointing at the fake fetch.
fn fake_settings(stream: bool) -> Settings {
    Settings {
        endpoint: "http://fake.invalid/v1/".into(),
        model: "fake-model".into(),
        stream,
        ..Settings::default()
    }
}

fn mount(stream: bool) -> Mounted {
    mount_with(fake_settings(stream))
}

fn mount_with(settings: Settings) -> Mounted {
    let document = web_sys::window().unwrap().document().unwrap();
    let root: web_sys::HtmlElement = document.create_element("section").unwrap().unchecked_into();
    document.body().unwrap().append_child(&root).unwrap();
    let handle = mount_to(root.clone(), move || {
        view! { <ChatStream settings=settings /> }.into_any()
    });
    Mounted {
        root,
        _handle: handle,
    }
}

/// Types `prompt` and presses Send.
fn send(m: &Mounted, prompt: &str) {
    type_into(&m.root, "prompt", prompt);
    click(&m.root, "send");
}

async fn wait_ms(ms: u32) {
    JsFuture::from(sleep(ms)).await.unwrap();
}

fn state(m: &Mounted) -> String {
    attr_of(&m.root, "chat", "data-state").unwrap_or_default()
}

/// Polls until the turn reaches `wanted` (5 s at most).
async fn wait_state(m: &Mounted, wanted: &str) {
    for _ in 0..500 {
        if state(m) == wanted {
            return;
        }
        wait_ms(10).await;
    }
    panic!(
        "state stayed {:?}, wanted {wanted:?}; error: {:?}",
        state(m),
        text_of(&m.root, "error")
    );
}

fn sse(deltas: &[&str]) -> Vec<serde_json::Value> {
    let mut chunks = vec![serde_json::Value::from(
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}\n\n",
    )];
    for d in deltas {
        let json = serde_json::json!({"choices":[{"index":0,"delta":{"content":d}}]});
        chunks.push(format!("data: {json}\n\n").into());
    }
    chunks
}

fn finish_and_done() -> Vec<serde_json::Value> {
    vec![
        "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n".into(),
        "data: [DONE]\n\n".into(),
    ]
}

fn spec(chunks: Vec<serde_json::Value>, extra: serde_json::Value) -> String {
    let mut s = serde_json::json!({ "chunks": chunks });
    if let serde_json::Value::Object(extra) = extra {
        s.as_object_mut().unwrap().extend(extra);
    }
    s.to_string()
}

fn number(m: &Mounted, testid: &str) -> f64 {
    attr_of(&m.root, testid, "data-value")
        .unwrap_or_else(|| panic!("{testid} has no data-value"))
        .parse()
        .unwrap()
}

#[wasm_bindgen_test]
async fn streams_deltas_into_the_page_with_timings_and_a_chunk_log() {
    let mut chunks = sse(&["Hello", ", ", "world", "!"]);
    chunks.extend(finish_and_done());
    install_fake_fetch(&spec(chunks, serde_json::json!({"delayMs": 20})));
    let m = mount(true);
    assert_eq!(state(&m), "idle");
    send(&m, "Say hello");
    wait_state(&m, "done").await;
    assert_eq!(
        text_of(&m.root, "message-user").as_deref(),
        Some("Say hello")
    );
    assert_eq!(
        text_of(&m.root, "message-assistant").as_deref(),
        Some("Hello, world!")
    );
    assert_eq!(count(&m.root, "error"), 0);
    let (first_chunk, first_token, total) = (
        number(&m, "stat-first-chunk-ms"),
        number(&m, "stat-first-token-ms"),
        number(&m, "stat-total-ms"),
    );
    assert!(0.0 < first_chunk && first_chunk < first_token && first_token < total);
    assert_eq!(number(&m, "stat-chunks"), 6.0);
    click(&m.root, "chunk-log-toggle");
    wait_count(&m, "chunk-row", 6).await;
    assert_eq!(count(&m.root, "chunk-row"), 6);
    // The request: POST, JSON, the conversation, streaming with usage, no Authorization.
    let log: serde_json::Value = serde_json::from_str(&fetch_log()).unwrap();
    let req = &log[0];
    assert_eq!(req["url"], "http://fake.invalid/v1/chat/completions");
    assert_eq!(req["method"], "POST");
    assert_eq!(req["headers"]["content-type"], "application/json");
    assert!(req["headers"].get("authorization").is_none());
    let body: serde_json::Value = serde_json::from_str(req["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["stream"], true);
    assert_eq!(body["stream_options"]["include_usage"], true);
    assert_eq!(body["messages"][0]["content"], "Say hello");
}

#[wasm_bindgen_test]
async fn split_multibyte_characters_and_crlf_survive_the_browser_path() {
    // "你" = E4 BD A0, "👍" = F0 9F 91 8D, cut inside both; CRLF line endings, a comment first.
    let chunks = vec![
        serde_json::json!(": keep-alive\r\n\r\n"),
        serde_json::json!([0x64, 0x61, 0x74, 0x61, 0x3a, 0x20]), // "data: "
        serde_json::json!(r#"{"choices":[{"index":0,"delta":{"content":"#.to_owned() + "\""),
        serde_json::json!([0xE4, 0xBD]),
        serde_json::json!([0xA0, 0x20, 0xF0, 0x9F]),
        serde_json::json!([0x91, 0x8D]),
        serde_json::json!("\"},\"finish_reason\":\"stop\"}]}\r"),
        serde_json::json!("\n\r\ndata: [DONE]\r\n\r\n"),
    ];
    install_fake_fetch(&spec(chunks, serde_json::json!({})));
    let m = mount(true);
    send(&m, "emoji");
    wait_state(&m, "done").await;
    assert_eq!(
        text_of(&m.root, "message-assistant").as_deref(),
        Some("你 👍")
    );
}

#[wasm_bindgen_test]
async fn a_mid_stream_error_keeps_the_text_and_shows_the_server_message() {
    let mut chunks = sse(&["Partial ", "answer"]);
    chunks.push(
        r#"data: {"error":{"message":"The server had an error while processing your request.","type":"server_error"}}

"#
        .into(),
    );
    install_fake_fetch(&spec(chunks, serde_json::json!({})));
    let m = mount(true);
    send(&m, "q");
    wait_state(&m, "error").await;
    assert_eq!(
        text_of(&m.root, "message-assistant").as_deref(),
        Some("Partial answer")
    );
    let error = text_of(&m.root, "error").unwrap();
    assert!(error.contains("The server had an error"), "{error}");
}

#[wasm_bindgen_test]
async fn a_dropped_connection_is_an_error_that_keeps_the_text() {
    let chunks = sse(&["Some text ", "before the drop"]);
    install_fake_fetch(&spec(chunks, serde_json::json!({"error": true})));
    let m = mount(true);
    send(&m, "q");
    wait_state(&m, "error").await;
    assert_eq!(
        text_of(&m.root, "message-assistant").as_deref(),
        Some("Some text before the drop")
    );
    let error = text_of(&m.root, "error").unwrap();
    assert!(
        error.contains("incomplete response") && error.contains("connection dropped"),
        "{error}"
    );
    // And a clean close without [DONE] or finish_reason is "incomplete".
    install_fake_fetch(&spec(sse(&["cut"]), serde_json::json!({})));
    send(&m, "again");
    // The DOM updates asynchronously: wait for the second turn's message before its state.
    for _ in 0..300 {
        if count(&m.root, "message-assistant") == 2 && state(&m) == "error" {
            break;
        }
        wait_ms(10).await;
    }
    wait_state(&m, "error").await;
    let error = text_of(&m.root, "error").unwrap();
    assert!(error.contains("incomplete response"), "{error}");
    assert_eq!(
        text_of(&m.root, "message-assistant").as_deref(),
        Some("cut")
    );
    assert_eq!(count(&m.root, "message-assistant"), 2);
}

#[wasm_bindgen_test]
async fn http_401_shows_the_api_message_and_a_key_goes_only_in_the_header() {
    let body = r#"{"error":{"message":"Incorrect API key provided.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}"#;
    install_fake_fetch(&spec(
        vec![body.into()],
        serde_json::json!({"status": 401, "contentType": "application/json"}),
    ));
    let m = mount(true);
    send(&m, "q");
    wait_state(&m, "error").await;
    let error = text_of(&m.root, "error").unwrap();
    assert!(
        error.contains("HTTP 401") && error.contains("Incorrect API key provided."),
        "{error}"
    );

    let mut chunks = sse(&["ok"]);
    chunks.extend(finish_and_done());
    install_fake_fetch(&spec(chunks, serde_json::json!({})));
    type_into(&m.root, "api-key", "sk-test-123");
    send(&m, "q2");
    wait_state(&m, "done").await;
    let log: serde_json::Value = serde_json::from_str(&fetch_log()).unwrap();
    assert_eq!(log[0]["headers"]["authorization"], "Bearer sk-test-123");
    assert!(!log[0]["url"].as_str().unwrap().contains("sk-test"));
    assert!(!log[0]["body"].as_str().unwrap().contains("sk-test"));
    let storage = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    for i in 0..storage.length().unwrap() {
        let key = storage.key(i).unwrap().unwrap();
        assert!(!storage
            .get_item(&key)
            .unwrap()
            .unwrap_or_default()
            .contains("sk-test"));
    }
}

#[wasm_bindgen_test]
async fn stop_keeps_the_partial_answer_and_aborts_the_request() {
    let chunks = sse(&["tick 0 ", "tick 1 "]);
    install_fake_fetch(&spec(
        chunks,
        serde_json::json!({"hang": true, "delayMs": 10}),
    ));
    let m = mount(true);
    send(&m, "q");
    for _ in 0..300 {
        if text_of(&m.root, "message-assistant").is_some_and(|t| t.contains("tick 1")) {
            break;
        }
        wait_ms(10).await;
    }
    assert_eq!(state(&m), "streaming");
    click(&m.root, "stop");
    wait_state(&m, "stopped").await;
    wait_ms(50).await;
    // The rendered paragraph drops its trailing space; every character before it is kept.
    assert_eq!(
        text_of(&m.root, "message-assistant").as_deref(),
        Some("tick 0 tick 1")
    );
    let log: serde_json::Value = serde_json::from_str(&fetch_log()).unwrap();
    assert_eq!(log[0]["aborted"], true);
    assert_eq!(count(&m.root, "error"), 0);
    assert_eq!(count(&m.root, "stopped"), 1);
}

#[wasm_bindgen_test]
async fn a_server_that_ignores_stream_true_is_read_as_a_full_completion() {
    let body = r#"{"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"All at once."},"finish_reason":"stop"}]}"#;
    install_fake_fetch(&spec(
        vec![body.into()],
        serde_json::json!({"contentType": "application/json"}),
    ));
    let m = mount(true);
    send(&m, "q");
    wait_state(&m, "done").await;
    assert_eq!(
        text_of(&m.root, "message-assistant").as_deref(),
        Some("All at once.")
    );
    assert!(number(&m, "stat-total-ms") > 0.0);
}

#[wasm_bindgen_test]
async fn non_streaming_mode_asks_for_no_stream() {
    let body = r#"{"choices":[{"index":0,"message":{"role":"assistant","content":"Whole."},"finish_reason":"stop"}]}"#;
    install_fake_fetch(&spec(
        vec![body.into()],
        serde_json::json!({"contentType": "application/json"}),
    ));
    let m = mount(false);
    type_into(&m.root, "prompt", "q");
    press_enter(&m.root, "prompt", false);
    wait_state(&m, "done").await;
    assert_eq!(
        text_of(&m.root, "message-assistant").as_deref(),
        Some("Whole.")
    );
    let log: serde_json::Value = serde_json::from_str(&fetch_log()).unwrap();
    let body: serde_json::Value = serde_json::from_str(log[0]["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["stream"], false);
    assert!(body.get("stream_options").is_none());
}

#[wasm_bindgen_test]
async fn model_output_is_text_never_html() {
    let payload =
        r#"<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script><b>bold</b>"#;
    let mut chunks = sse(&[payload]);
    chunks.extend(finish_and_done());
    install_fake_fetch(&spec(chunks, serde_json::json!({})));
    let m = mount(true);
    send(&m, "q");
    wait_state(&m, "done").await;
    assert_eq!(
        text_of(&m.root, "message-assistant").as_deref(),
        Some(payload)
    );
    for tag in ["img", "script", "b"] {
        assert_eq!(count_tags(&m.root, "message-assistant", tag), 0, "{tag}");
    }
    wait_ms(50).await;
    let pwned = js_sys::Reflect::get(&js_sys::global(), &"__pwned".into()).unwrap();
    assert!(pwned.is_undefined());
}

#[wasm_bindgen_test]
async fn shift_enter_does_not_send() {
    install_fake_fetch(&spec(vec![], serde_json::json!({})));
    let m = mount(true);
    type_into(&m.root, "prompt", "line one");
    press_enter(&m.root, "prompt", true);
    wait_ms(30).await;
    assert_eq!(state(&m), "idle");
    assert_eq!(fetch_log(), "[]");
}

#[wasm_bindgen_test]
async fn a_silent_server_is_ended_by_the_idle_watchdog_keeping_the_text() {
    let chunks = sse(&["before ", "silence"]);
    install_fake_fetch(&spec(chunks, serde_json::json!({"hang": true})));
    let m = mount_with(Settings {
        idle_timeout_secs: 1,
        ..fake_settings(true)
    });
    send(&m, "q");
    wait_state(&m, "error").await;
    let error = text_of(&m.root, "error").unwrap();
    assert!(error.contains("sent nothing for 1 s"), "{error}");
    assert_eq!(
        text_of(&m.root, "message-assistant").as_deref(),
        Some("before silence")
    );
    let log: serde_json::Value = serde_json::from_str(&fetch_log()).unwrap();
    assert_eq!(log[0]["aborted"], true, "the connection is closed");
}

#[wasm_bindgen_test]
async fn the_idle_watchdog_covers_slow_headers_when_streaming_but_never_a_plain_answer() {
    let body = r#"{"choices":[{"index":0,"message":{"role":"assistant","content":"Worth the wait."},"finish_reason":"stop"}]}"#;
    install_fake_fetch(&spec(
        vec![body.into()],
        serde_json::json!({"contentType": "application/json", "headersDelayMs": 1600}),
    ));
    let m = mount_with(Settings {
        idle_timeout_secs: 1,
        ..fake_settings(false)
    });
    send(&m, "q");
    wait_state(&m, "done").await;
    assert_eq!(
        text_of(&m.root, "message-assistant").as_deref(),
        Some("Worth the wait.")
    );

    install_fake_fetch(&spec(
        sse(&["late"]),
        serde_json::json!({"headersDelayMs": 3000}),
    ));
    let m = mount_with(Settings {
        idle_timeout_secs: 1,
        ..fake_settings(true)
    });
    send(&m, "q");
    wait_state(&m, "error").await;
    assert!(text_of(&m.root, "error")
        .unwrap()
        .contains("sent nothing for 1 s"));
    let log: serde_json::Value = serde_json::from_str(&fetch_log()).unwrap();
    assert_eq!(log[0]["aborted"], true, "the request is aborted");
}

#[wasm_bindgen_test]
async fn a_silent_server_shows_how_long_it_has_been_waiting() {
    let mut chunks = sse(&["at last"]);
    chunks.extend(finish_and_done());
    install_fake_fetch(&spec(chunks, serde_json::json!({"headersDelayMs": 900})));
    let m = mount(true);
    send(&m, "q");
    let seconds = |m: &Mounted| -> Option<f64> {
        let text = text_of(&m.root, "waiting")?;
        let rest = text.strip_prefix("Waiting for the first token… ")?;
        rest.strip_suffix(" s.")?.parse().ok()
    };
    let mut seen = Vec::new();
    for _ in 0..80 {
        if let Some(s) = seconds(&m) {
            if seen.last() != Some(&s) {
                seen.push(s);
            }
        }
        wait_ms(10).await;
    }
    assert!(seen.len() >= 3, "the waiting time ticks: {seen:?}");
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "and grows: {seen:?}");
    wait_state(&m, "done").await;
    assert_eq!(count(&m.root, "waiting"), 0, "gone once the answer arrives");
    assert_eq!(
        text_of(&m.root, "message-assistant").as_deref(),
        Some("at last")
    );
}

/// Polls until `n` elements carry `testid` (5 s at most).
async fn wait_count(m: &Mounted, testid: &str, n: u32) {
    for _ in 0..500 {
        if count(&m.root, testid) == n {
            return;
        }
        wait_ms(10).await;
    }
    panic!("{testid}: {} elements, wanted {n}", count(&m.root, testid));
}

/// Polls until the fake fetch has seen `n` requests since it was installed (5 s at most).
async fn wait_requests(n: usize) {
    for _ in 0..500 {
        let log: serde_json::Value = serde_json::from_str(&fetch_log()).unwrap();
        if log.as_array().map_or(0, Vec::len) >= n {
            return;
        }
        wait_ms(10).await;
    }
    panic!("fewer than {n} requests were sent");
}

fn bodies() -> Vec<serde_json::Value> {
    let log: serde_json::Value = serde_json::from_str(&fetch_log()).unwrap();
    log.as_array()
        .unwrap()
        .iter()
        .map(|r| serde_json::from_str(r["body"].as_str().unwrap()).unwrap())
        .collect()
}

fn contents(body: &serde_json::Value) -> Vec<(String, String)> {
    body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["role"].as_str().unwrap().to_owned(),
                m["content"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn pair(role: &str, text: &str) -> (String, String) {
    (role.to_owned(), text.to_owned())
}

#[wasm_bindgen_test]
async fn regenerate_and_edit_resend_the_right_conversation() {
    let mut chunks = sse(&["answer"]);
    chunks.extend(finish_and_done());
    let answer = spec(chunks, serde_json::json!({}));
    install_fake_fetch(&answer);
    let m = mount(true);
    send(&m, "one");
    wait_state(&m, "done").await;
    install_fake_fetch(&answer);
    send(&m, "two");
    wait_count(&m, "message-assistant", 2).await;
    wait_state(&m, "done").await;

    // Regenerate: the same conversation minus the last answer, which is replaced.
    install_fake_fetch(&answer);
    click(&m.root, "regenerate");
    wait_requests(1).await;
    wait_state(&m, "done").await;
    let sent = bodies();
    assert_eq!(sent.len(), 1, "exactly one request");
    assert_eq!(
        contents(&sent[0]),
        [
            pair("user", "one"),
            pair("assistant", "answer"),
            pair("user", "two")
        ]
    );
    assert_eq!(count(&m.root, "message-assistant"), 2);
    assert_eq!(count(&m.root, "regenerate"), 1, "only on the last answer");

    // Edit the first message: everything after it goes, the conversation restarts from it.
    install_fake_fetch(&answer);
    click(&m.root, "edit");
    for _ in 0..100 {
        if count(&m.root, "edit-input") == 1 {
            break;
        }
        wait_ms(10).await;
    }
    type_into(&m.root, "edit-input", "uno");
    click(&m.root, "edit-save");
    wait_requests(1).await;
    wait_state(&m, "done").await;
    assert_eq!(contents(&bodies()[0]), [pair("user", "uno")]);
    assert_eq!(count(&m.root, "message-user"), 1);
    assert_eq!(text_of(&m.root, "message-user").as_deref(), Some("uno"));
    assert_eq!(count(&m.root, "message-assistant"), 1);
}

#[wasm_bindgen_test]
async fn stop_then_regenerate_replaces_the_partial_answer() {
    install_fake_fetch(&spec(
        sse(&["partial "]),
        serde_json::json!({"hang": true, "delayMs": 10}),
    ));
    let m = mount(true);
    send(&m, "q");
    wait_state(&m, "streaming").await;
    click(&m.root, "stop");
    wait_state(&m, "stopped").await;
    assert_eq!(
        text_of(&m.root, "message-assistant").as_deref(),
        Some("partial")
    );
    let mut chunks = sse(&["complete answer"]);
    chunks.extend(finish_and_done());
    install_fake_fetch(&spec(chunks, serde_json::json!({})));
    click(&m.root, "regenerate");
    wait_requests(1).await;
    wait_state(&m, "done").await;
    assert_eq!(contents(&bodies()[0]), [pair("user", "q")]);
    assert_eq!(count(&m.root, "message-assistant"), 1);
    assert_eq!(
        text_of(&m.root, "message-assistant").as_deref(),
        Some("complete answer")
    );
}

#[wasm_bindgen_test]
async fn markdown_answers_render_safe_elements_incrementally() {
    let answer = "# Title\n\nSome **bold** and a [link](https://example.com) and [bad](javascript:alert(1)).\n\n```rust\nfn main() {}\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n";
    // Cut the answer into 3-byte deltas: segments freeze while it streams.
    let pieces: Vec<String> = answer
        .as_bytes()
        .chunks(3)
        .map(|c| String::from_utf8(c.to_vec()).unwrap())
        .collect();
    let refs: Vec<&str> = pieces.iter().map(String::as_str).collect();
    let mut chunks = sse(&refs);
    chunks.extend(finish_and_done());
    install_fake_fetch(&spec(chunks, serde_json::json!({"delayMs": 1})));
    let m = mount(true);
    send(&m, "q");
    wait_state(&m, "done").await;
    for (tag, n) in [
        ("h3", 1),
        ("strong", 1),
        ("a", 1),
        ("pre", 1),
        ("table", 1),
        ("td", 2),
    ] {
        assert_eq!(count_tags(&m.root, "message-assistant", tag), n, "{tag}");
    }
    assert_eq!(
        attr_of(&m.root, "code-block", "data-lang").as_deref(),
        Some("rust")
    );
    let text = text_of(&m.root, "message-assistant").unwrap();
    assert!(
        text.contains("bad"),
        "an unsafe link keeps its label: {text}"
    );
    let link = web_sys::window()
        .unwrap()
        .document()
        .unwrap()
        .query_selector("[data-testid=message-assistant] a")
        .unwrap()
        .unwrap();
    assert_eq!(
        link.get_attribute("href").as_deref(),
        Some("https://example.com")
    );
    assert_eq!(
        link.get_attribute("rel").as_deref(),
        Some("noopener noreferrer")
    );
}

// ---------------------------------------------------------------------------------------------
// The public hook and the embed.

/// What a hook test's callbacks saw.
#[derive(Clone, Copy)]
struct Heard {
    starts: RwSignal<Vec<chat_stream::events::ChatStart>>,
    deltas: RwSignal<Vec<String>>,
    done: RwSignal<Vec<chat_stream::events::ChatDone>>,
    errors: RwSignal<Vec<chat_stream::events::ChatFailure>>,
}

/// A bare view on `use_chat_stream_with_options`, mounted like an app would; returns the hook.
fn mount_hook(
    settings: Settings,
) -> (
    web_sys::HtmlElement,
    leptos::mount::UnmountHandle<leptos::tachys::view::any_view::AnyViewState>,
    chat_stream::UseChatStreamReturn,
    Heard,
) {
    use chat_stream::{use_chat_stream_with_options, UseChatStreamOptions};
    use std::{cell::RefCell, rc::Rc};
    let document = web_sys::window().unwrap().document().unwrap();
    let root: web_sys::HtmlElement = document.create_element("section").unwrap().unchecked_into();
    document.body().unwrap().append_child(&root).unwrap();
    let out = Rc::new(RefCell::new(None));
    let out2 = Rc::clone(&out);
    let handle = mount_to(root.clone(), move || {
        let heard = Heard {
            starts: RwSignal::new(vec![]),
            deltas: RwSignal::new(vec![]),
            done: RwSignal::new(vec![]),
            errors: RwSignal::new(vec![]),
        };
        let chat = use_chat_stream_with_options(
            settings,
            UseChatStreamOptions::default()
                .api_key("sk-hook-test".to_owned())
                .on_start(move |s| heard.starts.update(|v| v.push(s)))
                .on_delta(move |d| heard.deltas.update(|v| v.push(d.text)))
                .on_done(move |d| heard.done.update(|v| v.push(d)))
                .on_error(move |e| heard.errors.update(|v| v.push(e))),
        );
        *out2.borrow_mut() = Some((chat, heard));
        view! { <p data-testid="status">{move || chat.status.get().as_str()}</p> }.into_any()
    });
    let (chat, heard) = out.borrow_mut().take().unwrap();
    (root, handle, chat, heard)
}

async fn wait_status(chat: &chat_stream::UseChatStreamReturn, wanted: &str) {
    for _ in 0..500 {
        if chat.status.get_untracked().as_str() == wanted {
            return;
        }
        wait_ms(10).await;
    }
    panic!(
        "status stayed {:?}, wanted {wanted:?}",
        chat.status.get_untracked()
    );
}

#[wasm_bindgen_test]
async fn the_hook_exposes_status_messages_timings_and_calls_back_each_delta_then_done_once() {
    let mut chunks = sse(&["Hel", "lo ", "hook"]);
    chunks.extend(finish_and_done());
    install_fake_fetch(&spec(chunks, serde_json::json!({})));
    let (root, handle, chat, heard) = mount_hook(fake_settings(true));
    assert_eq!(chat.status.get_untracked().as_str(), "idle");
    assert!(chat.timings.get_untracked().is_none());
    chat.send("hi hook".into());
    assert_eq!(chat.status.get_untracked().as_str(), "waiting");
    wait_status(&chat, "done").await;
    wait_ms(30).await;
    let starts = heard.starts.get_untracked();
    assert_eq!(starts.len(), 1);
    assert_eq!(starts[0].prompt, "hi hook");
    assert_eq!(starts[0].model, "fake-model");
    // Deltas are reported once per frame (chunks that arrive within one frame come together):
    // none is empty, and in order they add up to the answer.
    let deltas = heard.deltas.get_untracked();
    assert!(
        !deltas.is_empty() && deltas.iter().all(|d| !d.is_empty()),
        "{deltas:?}"
    );
    assert_eq!(deltas.concat(), "Hello hook");
    let done = heard.done.get_untracked();
    assert_eq!(done.len(), 1, "done exactly once");
    assert_eq!(done[0].text, "Hello hook");
    assert!(!done[0].stopped);
    assert!(heard.errors.get_untracked().is_empty());
    let (count, answer) = chat
        .transcript
        .with_untracked(|t| (t.messages.len(), t.messages[1].content.text()));
    assert_eq!(count, 2);
    assert_eq!(answer, "Hello hook");
    let t = chat.timings.get_untracked().expect("timings");
    assert!(t.first_token_ms.unwrap() <= t.total_ms.unwrap());
    assert_eq!(
        t.chunks, 5,
        "role chunk, 3 deltas, finish_reason ([DONE] is no chunk)"
    );
    // The view follows the status signal.
    assert_eq!(text_of(&root, "status").as_deref(), Some("done"));
    // The key went in the header only.
    let log: serde_json::Value = serde_json::from_str(&fetch_log()).unwrap();
    assert_eq!(log[0]["headers"]["authorization"], "Bearer sk-hook-test");
    // reset forgets the conversation.
    chat.reset();
    assert!(chat.transcript.with_untracked(|t| t.messages.is_empty()));
    assert_eq!(chat.status.get_untracked().as_str(), "idle");
    drop(handle);
    root.remove();
}

#[wasm_bindgen_test]
async fn the_hook_reports_http_errors_with_status_and_stop_as_a_stopped_done() {
    install_fake_fetch(&spec(
        vec![r#"{"error":{"message":"Invalid API Key","type":"invalid_request_error"}}"#.into()],
        serde_json::json!({"status": 401, "contentType": "application/json"}),
    ));
    let (root, handle, chat, heard) = mount_hook(fake_settings(true));
    chat.send("q".into());
    wait_status(&chat, "error").await;
    let errors = heard.errors.get_untracked();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].status, Some(401));
    assert!(errors[0].message.contains("Invalid API Key"));
    assert!(heard.done.get_untracked().is_empty());

    install_fake_fetch(&spec(
        sse(&["part ", "ial"]),
        serde_json::json!({"hang": true, "delayMs": 10}),
    ));
    chat.send("again".into());
    for _ in 0..300 {
        if heard.deltas.with_untracked(|d| d.concat() == "part ial") {
            break;
        }
        wait_ms(10).await;
    }
    chat.stop();
    assert_eq!(chat.status.get_untracked().as_str(), "stopped");
    let done = heard.done.get_untracked();
    assert_eq!(done.len(), 1);
    assert!(done[0].stopped);
    assert_eq!(done[0].text, "part ial");
    wait_ms(30).await;
    let log: serde_json::Value = serde_json::from_str(&fetch_log()).unwrap();
    assert_eq!(log[0]["aborted"], true);
    assert_eq!(heard.starts.get_untracked().len(), 2);
    drop(handle);
    root.remove();
}

#[wasm_bindgen_test]
async fn unmounting_the_hook_aborts_the_request_without_reporting_an_ending() {
    install_fake_fetch(&spec(
        sse(&["tick "]),
        serde_json::json!({"hang": true, "delayMs": 10}),
    ));
    let (root, handle, chat, heard) = mount_hook(fake_settings(true));
    chat.send("q".into());
    wait_status(&chat, "streaming").await;
    let done = heard.done;
    drop(handle);
    wait_ms(50).await;
    let log: serde_json::Value = serde_json::from_str(&fetch_log()).unwrap();
    assert_eq!(log[0]["aborted"], true, "the request was aborted");
    assert!(done.try_get_untracked().is_none_or(|d| d.is_empty()));
    root.remove();
}

#[wasm_bindgen_test]
async fn the_embed_dispatches_composed_events_on_its_host_and_unmount_aborts() {
    use wasm_bindgen::closure::Closure;
    let mut chunks = sse(&["em", "bed"]);
    chunks.extend(finish_and_done());
    install_fake_fetch(&spec(chunks, serde_json::json!({"delayMs": 10})));
    let document = web_sys::window().unwrap().document().unwrap();
    let host: web_sys::HtmlElement = document.create_element("div").unwrap().unchecked_into();
    document.body().unwrap().append_child(&host).unwrap();
    let container: web_sys::HtmlElement = document.create_element("div").unwrap().unchecked_into();
    host.append_child(&container).unwrap();
    let seen = std::rc::Rc::new(std::cell::RefCell::new(Vec::<(String, String)>::new()));
    let seen2 = std::rc::Rc::clone(&seen);
    let listener = Closure::<dyn Fn(web_sys::CustomEvent)>::new(move |e: web_sys::CustomEvent| {
        let detail = js_sys::JSON::stringify(&e.detail()).unwrap();
        assert!(e.bubbles() && e.composed());
        seen2.borrow_mut().push((e.type_(), String::from(detail)));
    });
    for name in ["start", "delta", "done", "error"] {
        document
            .add_event_listener_with_callback(
                &format!("chat-stream:{name}"),
                listener.as_ref().unchecked_ref(),
            )
            .unwrap();
    }
    let mut handle = chat_stream::embed::mount(host.clone(), container.clone());
    assert!(handle.set("endpoint", Some("http://fake.invalid/v1".into())));
    assert!(handle.set("model", Some("embed-model".into())));
    assert!(!handle.set("api-key", Some("sk-nope".into())));
    handle.send("hello".into());
    for _ in 0..300 {
        if handle.state() == "done" {
            break;
        }
        wait_ms(10).await;
    }
    assert_eq!(handle.state(), "done");
    let seen_now = seen.borrow().clone();
    let types: Vec<_> = seen_now.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(
        types,
        [
            "chat-stream:start",
            "chat-stream:delta",
            "chat-stream:delta",
            "chat-stream:done"
        ]
    );
    let done: serde_json::Value = serde_json::from_str(&seen_now[3].1).unwrap();
    assert_eq!(done["text"], "embed");
    assert_eq!(done["finishReason"], "stop");
    let start: serde_json::Value = serde_json::from_str(&seen_now[0].1).unwrap();
    assert_eq!(start["model"], "embed-model");
    let log: serde_json::Value = serde_json::from_str(&fetch_log()).unwrap();
    assert!(log[0]["headers"].get("authorization").is_none());

    // A second turn that hangs, then unmount: aborted, DOM gone, nothing more reported.
    install_fake_fetch(&spec(
        sse(&["x"]),
        serde_json::json!({"hang": true, "delayMs": 10}),
    ));
    handle.send("hang".into());
    wait_ms(100).await;
    let n = seen.borrow().len();
    handle.unmount();
    assert_eq!(handle.state(), "unmounted");
    wait_ms(50).await;
    let log: serde_json::Value = serde_json::from_str(&fetch_log()).unwrap();
    assert_eq!(log[0]["aborted"], true);
    assert_eq!(container.child_element_count(), 0);
    assert!(!seen.borrow()[n..]
        .iter()
        .any(|(t, _)| t == "chat-stream:done"));
    for name in ["start", "delta", "done", "error"] {
        document
            .remove_event_listener_with_callback(
                &format!("chat-stream:{name}"),
                listener.as_ref().unchecked_ref(),
            )
            .unwrap();
    }
    host.remove();
}
