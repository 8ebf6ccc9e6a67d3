//! chat-stream: stream OpenAI-compatible chat completions into the browser.
//!
//! Layers, each depending only on the ones before it:
//! - [`sse`]: bytes → events, an I/O-free WHATWG event-stream decoder;
//! - [`openai`]: events → typed frames (chunks, `[DONE]`, in-band errors);
//! - [`transcript`]: frames → conversation state and timing marks;
//! - [`settings`]: the user's settings and how a page URL prefills them;
//! - `transport` (wasm only): the one module that talks to `fetch`;
//! - `app` (wasm only): Leptos components that wire signals to the above.
//!
//! The first four are plain Rust and tested on the host with `cargo test`.

pub mod error;
pub mod history;
pub mod markdown;
pub mod openai;
pub mod presets;
pub mod settings;
pub mod sse;
pub mod timeline;
pub mod transcript;

#[cfg(target_arch = "wasm32")]
pub mod app;
#[cfg(all(target_arch = "wasm32", feature = "wasm-bench"))]
pub mod bench;
#[cfg(target_arch = "wasm32")]
pub mod transport;

pub use error::ChatError;
