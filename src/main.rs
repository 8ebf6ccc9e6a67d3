//! Mounts the app (the page served by `trunk serve`); everything else is in the library.

#[cfg(target_arch = "wasm32")]
fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(chat_stream::app::App);
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("chat-stream runs in the browser: see README.md (trunk serve).");
}
