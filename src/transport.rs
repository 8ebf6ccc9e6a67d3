//! The browser edge: the only module that calls `fetch`. It moves bytes and time stamps, and
//! knows nothing of what they mean (that is [`crate::pipeline`]).
//!
//! [`send`] posts one request and resolves when the response headers arrive, with the time of
//! that moment; the body is then read whole ([`WholeBody::text`]) or read by read
//! ([`ByteStream::read`]), each read stamped with `performance.now()` taken as soon as the read
//! resolved, before anything is done with its bytes: processing time never shows up in a
//! latency figure. An aborted request (Stop, unmount) fails with whatever the browser says;
//! whoever aborted has already recorded why.

use js_sys::{Array, Promise, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AbortSignal, Headers, ReadableStream, ReadableStreamDefaultReader, Request, RequestInit,
    Response,
};

use crate::{error::ChatError, openai::excerpt, protocol::Protocol};

/// One chat request, in the protocol the endpoint speaks.
pub struct ChatPost<'a> {
    /// `{endpoint}/{protocol path}` ([`Protocol::url`]).
    pub url: &'a str,
    /// The protocol's JSON body ([`Protocol::body`]).
    pub body: String,
    /// Which API: decides the key header and how an error body is read.
    pub protocol: Protocol,
    /// Sent in the protocol's one key header when present (`Authorization: Bearer …`, or
    /// Anthropic's `x-api-key`); never logged.
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

/// What a JavaScript error says: its `message`, or the value itself when it is a string (the one
/// reader of JS errors in the crate).
pub(crate) fn js_message(err: &JsValue) -> String {
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

/// Request headers: the protocol's ([`Protocol::headers`]: `Authorization: Bearer …` when a
/// key is given for chat and responses; `anthropic-version`, and with a key `x-api-key` and
/// `anthropic-dangerous-direct-browser-access`, for anthropic), and `Content-Type` for a JSON
/// body. Nothing else: for chat and responses only these two, which every server's CORS set-up
/// allows.
fn request_headers(
    protocol: Protocol,
    api_key: Option<&str>,
    json_body: bool,
) -> Result<Headers, ChatError> {
    let headers = Headers::new().map_err(|e| ChatError::Setup(js_message(&e)))?;
    let set = |k: &str, v: &str| {
        headers
            .set(k, v)
            .map_err(|e| ChatError::Setup(js_message(&e)))
    };
    if json_body {
        set("Content-Type", "application/json")?;
    }
    for (name, value) in protocol.headers(api_key) {
        set(name, &value)?;
    }
    Ok(headers)
}

/// The error for a non-2xx response, with its status and (the start of) its body read by the
/// protocol's error envelope.
async fn http_error(protocol: Protocol, response: &Response) -> ChatError {
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
        api: protocol.error_from_http(status, &body),
        body: excerpt(&body, 2000),
    }
}

/// `GET url` (the models list) with the key in the protocol's key header; the body on a 2xx
/// status.
pub async fn get_text(
    url: &str,
    protocol: Protocol,
    api_key: Option<&str>,
    signal: &AbortSignal,
) -> Result<String, ChatError> {
    let headers = request_headers(protocol, api_key, false)?;
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
        return Err(http_error(protocol, &response).await);
    }
    read_text(&response).await
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

/// A 2xx response whose headers arrived.
pub struct Reply {
    /// `performance.now()` when the headers arrived.
    pub headers_at: f64,
    /// How to read the body.
    pub body: ReplyBody,
}

/// The body of a [`Reply`].
pub enum ReplyBody {
    /// An event stream (or a body of unknown type), read as it arrives.
    Stream(ByteStream),
    /// A body read at once: JSON (also when a server ignored `stream: true`), or anything when
    /// streaming was not asked for.
    Whole(WholeBody),
}

/// A body to be read at once.
pub struct WholeBody {
    response: Response,
    /// The response's `Content-Type`, lower-cased (empty when absent).
    pub content_type: String,
}

impl WholeBody {
    /// The whole body, and `performance.now()` when it had arrived.
    pub async fn text(self) -> Result<(String, f64), ChatError> {
        let text = read_text(&self.response).await?;
        Ok((text, now()))
    }
}

/// A body read by read, with a `ReadableStream` reader.
pub struct ByteStream {
    reader: ReadableStreamDefaultReader,
    idle_timeout_secs: Option<u32>,
    done_key: JsValue,
    value_key: JsValue,
}

impl ByteStream {
    fn new(body: &ReadableStream, idle_timeout_secs: Option<u32>) -> Self {
        Self {
            reader: body.get_reader().unchecked_into(),
            idle_timeout_secs,
            done_key: JsValue::from_str("done"),
            value_key: JsValue::from_str("value"),
        }
    }

    /// The next read into `buf` (replacing its contents), and `performance.now()` as soon as
    /// the read resolved. `Ok((false, t))` at the end of the body. An idle timeout cancels the
    /// body and fails with [`ChatError::Idle`].
    pub async fn read(&mut self, buf: &mut Vec<u8>) -> Result<(bool, f64), ChatError> {
        let result = match within(self.reader.read(), self.idle_timeout_secs).await {
            Ok(Ok(r)) => r,
            Err(idle) => {
                self.cancel();
                return Err(idle);
            }
            // The stream has already failed: nothing to cancel.
            Ok(Err(e)) => return Err(ChatError::ConnectionLost(js_message(&e))),
        };
        let t = now();
        let done = Reflect::get(&result, &self.done_key)
            .ok()
            .and_then(|d| d.as_bool())
            .unwrap_or(false);
        if done {
            buf.clear();
            return Ok((false, t));
        }
        let chunk: Uint8Array = Reflect::get(&result, &self.value_key)
            .map_err(|e| ChatError::Network(js_message(&e)))?
            .unchecked_into();
        buf.resize(chunk.length() as usize, 0);
        chunk.copy_to(buf);
        Ok((true, t))
    }

    /// Cancels the body so the server can stop generating (after `[DONE]`, an error frame, or
    /// an idle timeout). The promise's outcome is irrelevant but must be handled, or a rejection
    /// would surface as an unhandled page error.
    pub fn cancel(&self) {
        let promise = self.reader.cancel();
        wasm_bindgen_futures::spawn_local(async move {
            let _ = JsFuture::from(promise).await;
        });
    }
}

/// Posts the request; resolves when the response headers arrive. Never retries.
pub async fn send(post: &ChatPost<'_>) -> Result<Reply, ChatError> {
    let headers = request_headers(post.protocol, post.api_key, true)?;
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
    let headers_at = now();
    if !response.ok() {
        return Err(http_error(post.protocol, &response).await);
    }
    let content_type = response
        .headers()
        .get("content-type")
        .ok()
        .flatten()
        .unwrap_or_default()
        .to_ascii_lowercase();
    // Some servers ignore `stream: true` and answer with one JSON document; some send SSE with no
    // content type at all. JSON is recognised by its type; anything else is decoded as SSE.
    let body = if !post.stream || content_type.contains("json") {
        ReplyBody::Whole(WholeBody {
            response,
            content_type,
        })
    } else {
        let stream = response
            .body()
            .ok_or_else(|| ChatError::Network("the response has no body".into()))?;
        ReplyBody::Stream(ByteStream::new(&stream, post.idle_timeout_secs))
    };
    Ok(Reply { headers_at, body })
}
