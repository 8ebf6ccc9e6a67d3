//! The browser edge: the only module that calls `fetch`.
//!
//! [`post_chat`] sends one request and reports what happens through a callback, in order:
//! `Headers`, then either `Frame`s (streaming) or one `Completion`, then `End` or `Failed`.
//! Every update carries `performance.now()` taken once per network read, so timing marks are
//! those of the read that delivered them. An aborted request (Stop, unmount) ends silently:
//! whoever aborted has already recorded why.

use js_sys::{Array, Promise, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AbortSignal, Headers, ReadableStream, ReadableStreamDefaultReader, Request, RequestInit,
    Response,
};

use crate::{
    error::ChatError,
    openai::{error_from_http, excerpt, frame_from_event, parse_completion, ChatCompletion, Frame},
    sse::SseDecoder,
};

/// What the transport saw.
#[derive(Debug)]
pub enum Update {
    /// Response headers arrived with a 2xx status.
    Headers,
    /// One event of the stream, as a frame.
    Frame(Frame),
    /// Running count of keep-alive comments.
    Comments(u64),
    /// A network read was fully applied: a good moment to render.
    ReadDone,
    /// The whole non-streaming completion (also when a server ignored `stream: true`).
    Completion(ChatCompletion),
    /// The body ended; `cut_mid_event` when an unterminated event was discarded.
    End {
        /// See [`crate::sse::StreamEnd`].
        cut_mid_event: bool,
    },
    /// The request failed.
    Failed(ChatError),
}

/// One chat completion request.
pub struct ChatPost<'a> {
    /// `{endpoint}/chat/completions`.
    pub url: &'a str,
    /// Serialized [`crate::openai::ChatRequest`].
    pub body: String,
    /// Sent as `Authorization: Bearer …` when present; never logged.
    pub api_key: Option<&'a str>,
    /// Whether streaming was asked for.
    pub stream: bool,
    /// Aborts the request (Stop, cleanup).
    pub signal: &'a AbortSignal,
    /// When streaming, ends the turn when no byte arrives for this long (headers included).
    /// Keep-alive comments count as bytes. There is deliberately no total timeout, and no idle
    /// limit without streaming: a long healthy answer is never cut.
    pub idle_timeout_secs: Option<u32>,
}

/// `performance.now()` in ms.
pub fn now() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

fn js_message(err: &JsValue) -> String {
    Reflect::get(err, &JsValue::from_str("message"))
        .ok()
        .and_then(|m| m.as_string())
        .filter(|m| !m.is_empty())
        .or_else(|| err.as_string())
        .unwrap_or_else(|| "unknown error".to_owned())
}

/// Awaits `promise`, or gives up after `secs` seconds with [`ChatError::Idle`].
async fn within(
    promise: Promise,
    secs: Option<u32>,
) -> Result<Result<JsValue, JsValue>, ChatError> {
    let Some(secs) = secs.filter(|&s| s > 0) else {
        return Ok(JsFuture::from(promise).await);
    };
    let window = web_sys::window().ok_or_else(|| ChatError::Setup("no window".into()))?;
    let idle = JsValue::from_str("chat-stream:idle");
    let mut handle = 0;
    let timer = {
        let idle = idle.clone();
        Promise::new(&mut |resolve, _| {
            handle = window
                .set_timeout_with_callback_and_timeout_and_arguments_1(
                    &resolve,
                    i32::try_from(u64::from(secs) * 1000).unwrap_or(i32::MAX),
                    &idle,
                )
                .unwrap_or(0);
        })
    };
    let result = JsFuture::from(Promise::race(&Array::of2(&promise, &timer))).await;
    window.clear_timeout_with_handle(handle);
    match result {
        Ok(v) if v == idle => Err(ChatError::Idle { secs }),
        other => Ok(other),
    }
}

/// Sends the request and reports progress to `on` until the turn ends. Never retries.
pub async fn post_chat(post: ChatPost<'_>, mut on: impl FnMut(Update, f64)) {
    if let Err(error) = run(&post, &mut on).await {
        if !post.signal.aborted() {
            on(Update::Failed(error), now());
        }
    }
}

/// Request headers: `Authorization: Bearer …` when a key is given, and `Content-Type` for a
/// JSON body. Only these two: every server's CORS set-up allows them.
fn request_headers(api_key: Option<&str>, json_body: bool) -> Result<Headers, ChatError> {
    let headers = Headers::new().map_err(|e| ChatError::Setup(js_message(&e)))?;
    let set = |k: &str, v: &str| {
        headers
            .set(k, v)
            .map_err(|e| ChatError::Setup(js_message(&e)))
    };
    if json_body {
        set("Content-Type", "application/json")?;
    }
    if let Some(key) = api_key.filter(|k| !k.trim().is_empty()) {
        set("Authorization", &format!("Bearer {}", key.trim()))?;
    }
    Ok(headers)
}

/// The error for a non-2xx response, with its status and (the start of) its body.
async fn http_error(response: &Response) -> ChatError {
    let status = response.status();
    let retry_after_secs = response
        .headers()
        .get("retry-after")
        .ok()
        .flatten()
        .and_then(|v| crate::error::parse_retry_after(&v));
    let body = read_text(response).await.unwrap_or_default();
    ChatError::Http {
        status,
        retry_after_secs,
        api: error_from_http(status, &body),
        body: excerpt(&body, 2000),
    }
}

/// `GET url` (the models list) with the key as a bearer token; the body on a 2xx status.
pub async fn get_text(
    url: &str,
    api_key: Option<&str>,
    signal: &AbortSignal,
) -> Result<String, ChatError> {
    let headers = request_headers(api_key, false)?;
    let init = RequestInit::new();
    init.set_method("GET");
    init.set_headers(&headers);
    init.set_signal(Some(signal));
    let request = Request::new_with_str_and_init(url, &init)
        .map_err(|e| ChatError::Setup(format!("invalid URL {url}: {}", js_message(&e))))?;
    let window = web_sys::window().ok_or_else(|| ChatError::Setup("no window".into()))?;
    let response: Response = JsFuture::from(window.fetch_with_request(&request))
        .await
        .map_err(|e| ChatError::unreachable(url, &js_message(&e)))?
        .unchecked_into();
    if !response.ok() {
        return Err(http_error(&response).await);
    }
    read_text(&response).await
}

async fn run(post: &ChatPost<'_>, on: &mut impl FnMut(Update, f64)) -> Result<(), ChatError> {
    let headers = request_headers(post.api_key, true)?;
    let init = RequestInit::new();
    init.set_method("POST");
    init.set_headers(&headers);
    init.set_body(&JsValue::from_str(&post.body));
    init.set_signal(Some(post.signal));
    let request = Request::new_with_str_and_init(post.url, &init).map_err(|e| {
        ChatError::Setup(format!(
            "invalid endpoint URL {}: {}",
            post.url,
            js_message(&e)
        ))
    })?;
    let window = web_sys::window().ok_or_else(|| ChatError::Setup("no window".into()))?;
    // Without streaming, a healthy server sends nothing until the whole answer is ready: the idle
    // watchdog only guards streams.
    let idle = post.idle_timeout_secs.filter(|_| post.stream);
    let response: Response = within(window.fetch_with_request(&request), idle)
        .await?
        .map_err(|e| ChatError::unreachable(post.url, &js_message(&e)))?
        .unchecked_into();

    if !response.ok() {
        return Err(http_error(&response).await);
    }
    on(Update::Headers, now());

    let content_type = response
        .headers()
        .get("content-type")
        .ok()
        .flatten()
        .unwrap_or_default()
        .to_ascii_lowercase();
    // Some servers ignore `stream: true` and answer with one JSON document; some send SSE with no
    // content type at all. JSON is recognised by its type; anything else is decoded as SSE.
    let is_json = content_type.contains("json");
    if !post.stream || is_json {
        let body = read_text(&response).await?;
        let t = now();
        if !is_json && content_type.contains("event-stream") {
            // Asked not to stream, but the server streamed anyway: decode it as a stream.
            replay_body(body.as_bytes(), on, t);
            return Ok(());
        }
        let completion = parse_completion(&body).map_err(ChatError::Server)?;
        on(Update::Completion(completion), t);
        return Ok(());
    }

    let body = response
        .body()
        .ok_or_else(|| ChatError::Network("the response has no body".into()))?;
    read_stream(&body, post.idle_timeout_secs, on).await
}

/// A whole event-stream body at once (the server streamed although it was asked not to).
fn replay_body(bytes: &[u8], on: &mut impl FnMut(Update, f64), t: f64) {
    let (events, end) = crate::sse::decode_all(bytes);
    for event in &events {
        on(Update::Frame(frame_from_event(event)), t);
    }
    match end {
        Ok(end) => on(
            Update::End {
                cut_mid_event: end.incomplete_event,
            },
            t,
        ),
        Err(e) => on(Update::Failed(e.into()), t),
    }
}

/// Cancels the body so the server can stop generating; the promise's outcome is irrelevant but
/// must be handled, or a rejection would surface as an unhandled page error.
fn cancel(reader: &ReadableStreamDefaultReader) {
    let promise = reader.cancel();
    wasm_bindgen_futures::spawn_local(async move {
        let _ = JsFuture::from(promise).await;
    });
}

async fn read_text(response: &Response) -> Result<String, ChatError> {
    let promise = response
        .text()
        .map_err(|e| ChatError::Network(js_message(&e)))?;
    let text = JsFuture::from(promise).await.map_err(|e| {
        ChatError::Network(format!("reading the response failed: {}", js_message(&e)))
    })?;
    Ok(text.as_string().unwrap_or_default())
}

/// The longest stretch of event handling before [`read_stream`] yields to the browser.
const SLICE_MS: f64 = 8.0;

/// Resolves in a new task (`setTimeout(0)`), letting the browser paint and run input handlers.
async fn yield_to_browser() {
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 0);
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// Reads a `text/event-stream` body with a `ReadableStream` reader, decoding as bytes arrive.
/// Stops reading after `[DONE]` or an error frame and cancels the reader.
/// Handling a read that holds many events yields to the browser every 8 ms (`SLICE_MS`).
pub async fn read_stream(
    body: &ReadableStream,
    idle_timeout_secs: Option<u32>,
    on: &mut impl FnMut(Update, f64),
) -> Result<(), ChatError> {
    let reader: ReadableStreamDefaultReader = body.get_reader().unchecked_into();
    let mut decoder = SseDecoder::new();
    let mut buf = Vec::new();
    let mut comments = 0;
    let done_key = JsValue::from_str("done");
    let value_key = JsValue::from_str("value");
    loop {
        let result = match within(reader.read(), idle_timeout_secs).await {
            Ok(Ok(r)) => r,
            Err(idle) => {
                cancel(&reader);
                return Err(idle);
            }
            // The stream has already failed: nothing to cancel.
            Ok(Err(e)) => return Err(ChatError::ConnectionLost(js_message(&e))),
        };
        let t = now();
        if Reflect::get(&result, &done_key)
            .ok()
            .and_then(|d| d.as_bool())
            .unwrap_or(false)
        {
            let end = decoder.finish();
            on(
                Update::End {
                    cut_mid_event: end.incomplete_event,
                },
                t,
            );
            return Ok(());
        }
        let chunk: Uint8Array = Reflect::get(&result, &value_key)
            .map_err(|e| ChatError::Network(js_message(&e)))?
            .unchecked_into();
        buf.resize(chunk.length() as usize, 0);
        chunk.copy_to(&mut buf);
        let pushed = decoder.push(&buf);
        let mut finished = false;
        let mut slice_start = t;
        let mut handled = 0u32;
        while let Some(event) = decoder.next_event() {
            let frame = frame_from_event(&event);
            finished = matches!(frame, Frame::Done | Frame::Error(_));
            on(Update::Frame(frame), t);
            if finished {
                break;
            }
            // A read may hold thousands of events (a fast server, a tab in the background):
            // every SLICE_MS, give the browser a task boundary so it can paint and handle input.
            handled += 1;
            if handled.is_multiple_of(32) && now() - slice_start > SLICE_MS {
                yield_to_browser().await;
                slice_start = now();
            }
        }
        if decoder.comments() != comments {
            comments = decoder.comments();
            on(Update::Comments(comments), t);
        }
        on(Update::ReadDone, t);
        if finished {
            // "[DONE]: stop reading and cancel the reader" (field guide c16).
            cancel(&reader);
            return Ok(());
        }
        if let Err(e) = pushed {
            cancel(&reader);
            return Err(e.into());
        }
    }
}
