//! chat-stream: stream OpenAI-compatible chat completions into the browser.
//!
//! Layers, each depending only on the ones before it:
//! - [`sse`]: bytes → events, an I/O-free WHATWG event-stream decoder;
//! - [`openai`]: events → typed frames (chunks, `[DONE]`, in-band errors);
//! - [`protocol`]: the same frames from the OpenAI Responses and Anthropic Messages APIs, and
//!   each protocol's request body, path and headers;
//! - [`pipeline`]: bytes → updates, the SSE decoder and the frame mapping as one push/pop path;
//! - [`transcript`]: frames → conversation state and timing marks;
//! - [`events`]: transcript → what the host hears (start, delta, done, error);
//! - [`storage`]: the key-value storage trait, an in-memory store, and every storage key name;
//! - [`history`]: saved conversations: the history file format, import / merge, the store;
//! - [`settings`]: the user's settings, how a page URL or element attributes set them, and
//!   saving them (with the remembered API key and the theme);
//! - [`transport`]: the one module that talks to `fetch`;
//! - [`app`]: Leptos components and the [`use_chat_stream`] hook, which wire signals to the above;
//! - [`embed`]: the `<chat-stream>` custom element and the JS `mount()` API (with `chat-stream.js`).
//!
//! The pure layers are tested on the host with `cargo test`; the browser layers compile
//! everywhere (so their examples are checked) and run in a browser (`wasm-pack test`).
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
pub mod history;
pub mod markdown;
pub mod openai;
pub mod pipeline;
pub mod presets;
pub mod protocol;
pub mod settings;
pub mod sse;
pub mod storage;
pub mod timeline;
pub mod transcript;

pub mod app;
#[cfg(all(target_arch = "wasm32", feature = "wasm-bench"))]
pub mod bench;
pub mod embed;
pub mod transport;

pub use app::{
    use_chat_stream, use_chat_stream_with_options, App, ChatStream, Theme, UseChatStreamOptions,
    UseChatStreamReturn,
};
pub use error::ChatError;
pub use settings::Settings;
