//! The page app's bundle (`trunk serve`): mounts [`chat_stream::App`] into the page's
//! `#chat-stream-app` element; everything else is in the library. The embed has its own, smaller
//! bundle (`src/embed_main.rs`).

#[cfg(target_arch = "wasm32")]
fn main() {
    use wasm_bindgen::JsCast;
    console_error_panic_hook::set_once();
    let root = leptos::prelude::document()
        .get_element_by_id("chat-stream-app")
        .and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok());
    if let Some(root) = root {
        leptos::mount::mount_to(root, chat_stream::App).forget();
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("chat-stream runs in the browser: see README.md (bash .ci/serve, or trunk serve).");
}
