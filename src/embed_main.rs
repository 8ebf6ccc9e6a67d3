//! The embed's bundle. Its whole API is [`chat_stream::embed`] (`mount`, `EmbedHandle`), which
//! the loader `chat-stream.js` calls; this entry point only installs the panic hook.

// Link the library, whose wasm-bindgen exports are the embed's API (nothing here names them).
extern crate chat_stream;

#[cfg(target_arch = "wasm32")]
fn main() {
    console_error_panic_hook::set_once();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("chat-stream's embed runs in the browser: see README.md (Embed it).");
}
