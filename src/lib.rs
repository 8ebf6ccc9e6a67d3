//! chat-stream: stream OpenAI-compatible chat completions into the browser.
//!
//! Layers, each depending only on the ones before it. The pure core, with no browser
//! dependency (it builds without the default `web` feature):
//! - [`sse`]: bytes → events, an I/O-free WHATWG event-stream decoder;
//! - [`openai`]: events → typed frames (chunks, `[DONE]`, in-band errors) for Chat Completions,
//!   and the request, completion and error types every protocol maps to;
//! - [`protocol`]: the same frames from the OpenAI Responses and Anthropic Messages APIs, and
//!   each protocol's request body, path and headers;
//! - [`pipeline`]: bytes → updates, the SSE decoder and the frame mapping as one push/pop path;
//! - [`error`]: [`ChatError`], the chat layer's one error enum (HTTP status and body kept);
//! - [`markdown`]: incremental, safe markdown: segments frozen at block boundaries, a block tree;
//! - [`transcript`]: updates → conversation state and timing marks;
//! - [`events`]: transcript → what the host hears (start, delta, done, error);
//! - [`timeline`]: the compare timeline's and the sparkline's geometry, as numbers;
//! - [`figures`]: numbers as the views show them (fixed decimals, seconds);
//! - [`storage`]: the key-value storage trait, an in-memory store, and every storage key name;
//! - [`history`]: saved conversations: the history file format, import / merge, the store;
//! - [`settings`]: the user's settings, how a page URL or element attributes set them, and
//!   saving them (with the remembered API key and the theme);
//! - [`presets`]: provider presets and the models-list parser;
//! - [`lab`]: the latency lab's statistics, run records, per-target summaries, exports and
//!   scheduler.
//!
//! The browser layers (feature `web`, on by default):
//! - [`transport`]: the one module that talks to `fetch`: bytes and time stamps;
//! - [`app`]: Leptos components and the [`use_chat_stream`] hook, which wire signals to the above;
//! - [`embed`]: the `<chat-stream>` custom element and the JS `mount()` API (with `chat-stream.js`).
//!
//! The pure core is tested on the host (`cargo test --no-default-features`, no Leptos built);
//! the browser layers compile everywhere (so their examples are checked) and run in a browser
//! (`wasm-pack test`).
//!
//! # Use it from Leptos
//!
//! The ready-made component, streaming from a local server:
//!
//! ```no_run
//! use chat_stream::ChatStream;
//! use leptos::prelude::*;
//!
//! fn main() {
//!     leptos::mount::mount_to_body(|| {
//!         view! {
//!             <ChatStream
//!                 endpoint="http://127.0.0.1:8081/v1"
//!                 model="gemma-3-270m"
//!                 compact=true
//!                 on_done=Callback::new(|done: chat_stream::events::ChatDone| {
//!                     leptos::logging::log!("{} characters", done.text.len())
//!                 })
//!             />
//!         }
//!     });
//! }
//! ```
//!
//! Or your own view on the streaming core, with [`use_chat_stream`] (see its example).

pub mod error;
pub mod events;
pub mod figures;
pub mod history;
pub mod lab;
pub mod markdown;
pub mod message_stats;
pub mod openai;
pub mod pipeline;
pub mod presets;
pub mod protocol;
pub mod settings;
pub mod sse;
pub mod storage;
pub mod timeline;
pub mod transcript;

#[cfg(feature = "web")]
pub mod app;
#[cfg(all(target_arch = "wasm32", feature = "wasm-bench"))]
pub mod bench;
#[cfg(feature = "web")]
pub mod embed;
#[cfg(feature = "web")]
pub mod transport;

#[cfg(feature = "web")]
pub use app::{
    use_chat_stream, use_chat_stream_with_options, App, ChatStream, Theme, UseChatStreamOptions,
    UseChatStreamReturn,
};
pub use error::ChatError;
pub use settings::Settings;
