//! Why a turn failed. One enum for the chat layer; the SSE layer has its own [`SseError`].

use crate::{openai::ApiError, sse::SseError};

/// Everything that can end a turn early. Every variant keeps what the user needs to act on it:
/// the HTTP status and body, the server's own message, or what the network layer said.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ChatError {
    /// The server answered with a non-2xx status.
    #[error("HTTP {status}: {}{}", http_message(*status, api), retry_hint(*status, *retry_after_secs))]
    Http {
        /// HTTP status code.
        status: u16,
        /// `Retry-After` in seconds, when the server sent it (and CORS lets the page read it).
        retry_after_secs: Option<u64>,
        /// The error envelope, or an excerpt of the body.
        api: ApiError,
        /// The start of the raw body (plain text; never rendered as HTML).
        body: String,
    },
    /// The server reported an error inside a 200 stream or response.
    #[error("the server reported an error: {0}")]
    Server(ApiError),
    /// `fetch` rejected or the body stream failed (server down, CORS refusal, connection reset).
    #[error("{0}")]
    Network(String),
    /// The event stream broke one of the decoder's size limits (a line or an event too large).
    #[error(transparent)]
    Decode(#[from] SseError),
    /// The stream ended without `[DONE]` and without a `finish_reason`.
    #[error("incomplete response: the stream ended before the server finished the answer (no [DONE] and no finish_reason){}", if *.cut_mid_event { "; the last event was cut off" } else { "" })]
    Incomplete {
        /// The decoder held an unterminated event at the end.
        cut_mid_event: bool,
    },
    /// A Responses or Anthropic stream ended without its terminal event (`response.completed`,
    /// `message_stop`, …): whatever came before it, the answer is incomplete.
    #[error("incomplete response: the stream ended before the server finished the answer (no {missing}){}", if *.cut_mid_event { "; the last event was cut off" } else { "" })]
    Unterminated {
        /// The event that should have ended the stream.
        missing: &'static str,
        /// The decoder held an unterminated event at the end.
        cut_mid_event: bool,
    },
    /// The connection dropped while the answer was streaming.
    #[error(
        "incomplete response: the connection dropped before the server finished the answer ({0})"
    )]
    ConnectionLost(String),
    /// No byte arrived for too long.
    #[error("the server sent nothing for {secs} s; the stream was ended")]
    Idle {
        /// The idle limit that was reached.
        secs: u32,
    },
    /// The request could not even be built (bad endpoint URL, ...).
    #[error("{0}")]
    Setup(String),
}

/// The server's message for an HTTP error, said once: without a leading copy of the status
/// (`502 Bad Gateway` after `HTTP 502:`), without a phrase repeated back to back (an HTML error
/// page's title and heading), and without a `code` that only repeats the status.
fn http_message(status: u16, api: &crate::openai::ApiError) -> String {
    let words: Vec<&str> = api.message.split_whitespace().collect();
    let mut kept: Vec<&str> = Vec::with_capacity(words.len());
    let mut i = 0;
    while i < words.len() {
        // The longest run starting here that the next words repeat exactly.
        let run = (1..=(words.len() - i) / 2)
            .rev()
            .find(|&k| words[i..i + k] == words[i + k..i + 2 * k]);
        if let Some(k) = run {
            i += k;
            continue;
        }
        kept.push(words[i]);
        i += 1;
    }
    let status_text = status.to_string();
    if kept.len() > 1 && kept[0] == status_text {
        kept.remove(0);
    }
    let mut out = kept.join(" ");
    let code = api.code.as_deref().filter(|c| *c != status_text);
    match (api.kind.as_deref(), code) {
        (Some(k), Some(c)) => out.push_str(&format!(" ({k}, {c})")),
        (Some(x), None) | (None, Some(x)) => out.push_str(&format!(" ({x})")),
        (None, None) => {}
    }
    out
}

/// What to tell the user about retrying a rate-limited or unavailable request.
fn retry_hint(status: u16, retry_after_secs: Option<u64>) -> String {
    match (status, retry_after_secs) {
        (429 | 503, Some(secs)) => format!(". Retry after {secs} s"),
        (429, None) => ". Wait a little before you retry".to_owned(),
        _ => String::new(),
    }
}

/// Reads a `Retry-After` value in seconds; the HTTP-date form is not converted.
pub fn parse_retry_after(value: &str) -> Option<u64> {
    value.trim().parse().ok()
}

impl ChatError {
    /// The HTTP status, when the server sent one.
    pub fn status(&self) -> Option<u16> {
        match self {
            ChatError::Http { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The message for a failed `fetch()`: browsers give no detail (a CORS refusal and a server
    /// that is down look the same), so say what the usual causes and fixes are.
    pub fn unreachable(endpoint: &str, detail: &str) -> Self {
        ChatError::Network(format!(
            "could not reach {endpoint} ({detail}). Either the server is not running, or it does \
             not allow requests from this page (CORS). Fixes: Ollama: set OLLAMA_ORIGINS to this \
             page's origin; vLLM: --allowed-origins; LM Studio: enable CORS in the server \
             settings; llama.cpp's llama-server allows any origin."
        ))
    }
}
