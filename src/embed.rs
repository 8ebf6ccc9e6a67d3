//! The embed: what the loader `chat-stream.js` calls to put a chat in any element of any page.
//!
//! The loader (source: `src/embed/chat-stream.js`, copied next to the wasm by trunk) registers
//! the `<chat-stream>` custom element and exports `mount(element, options)`. Both end up in
//! [`mount`] here, which renders the compact [`ChatFrame`] (the
//! conversation, the composer and the folded latency panel) into a container inside the
//! element's shadow root and dispatches the turn's events on the element:
//!
//! | event | `detail` |
//! |---|---|
//! | `chat-stream:start` | [`ChatStart`](crate::events::ChatStart): `prompt`, `endpoint`, `model`, `stream` |
//! | `chat-stream:delta` | [`ChatDelta`](crate::events::ChatDelta): `text`, `reasoning` (new text only) |
//! | `chat-stream:done` | [`ChatDone`](crate::events::ChatDone): `text`, `reasoning`, `stopped`, `finishReason`, `timings`, `usage`, `toolCalls` |
//! | `chat-stream:error` | [`ChatFailure`](crate::events::ChatFailure): `message`, `status`, `text`, `timings` |
//!
//! All bubble and are composed (they cross shadow boundaries). No detail ever holds the API key.
//!
//! Dropping the handle's view ([`EmbedHandle::unmount`]) aborts the request in flight, clears
//! every timer, and removes the DOM with its listeners: the reactive owner of the instance is
//! disposed.

use std::{any::Any, cell::RefCell, rc::Rc};

use leptos::{mount::mount_to, prelude::*};
use send_wrapper::SendWrapper;
use serde::Serialize;
use wasm_bindgen::prelude::*;
use web_sys::HtmlElement;

use crate::{
    app::{
        use_chat_stream_with_options, ChatFrame, CompactSide, Theme, UseChatStreamOptions,
        UseChatStreamReturn,
    },
    settings::Settings,
};

/// The live parts of one mounted instance.
struct Embedded {
    /// Leptos' `UnmountHandle`: dropping it unmounts the view and disposes its owner.
    _view: Box<dyn Any>,
    settings: RwSignal<Settings>,
    api_key: RwSignal<String>,
    placeholder: RwSignal<Option<String>>,
    theme: RwSignal<Option<Theme>>,
    chat: UseChatStreamReturn,
}

/// One chat mounted by [`mount`]; JavaScript holds it and calls [`EmbedHandle::unmount`] (the
/// loader does, on `disconnectedCallback` and in its `unmount()`).
#[wasm_bindgen]
pub struct EmbedHandle {
    inner: Option<Embedded>,
}

/// Renders a compact chat into `container` (inside `host`'s shadow root) and dispatches its
/// events on `host`. Configure it afterwards with [`EmbedHandle::set`] and
/// [`EmbedHandle::set_api_key`].
///
/// The loader calls it from JavaScript; from Rust (e.g. a non-Leptos wasm app) it reads:
///
/// ```no_run
/// use wasm_bindgen::JsCast;
///
/// let document = web_sys::window().unwrap().document().unwrap();
/// let host: web_sys::HtmlElement = document.get_element_by_id("help").unwrap().unchecked_into();
/// let container: web_sys::HtmlElement = document.create_element("div").unwrap().unchecked_into();
/// host.append_child(&container).unwrap();
/// let mut chat = chat_stream::embed::mount(host, container);
/// chat.set("endpoint", Some("/llm/v1".into()));
/// chat.set("model", Some("gpt-4o-mini".into()));
/// chat.send("Hello".into());
/// // ... later: abort, remove the view, free the instance.
/// chat.unmount();
/// ```
#[wasm_bindgen]
pub fn mount(host: HtmlElement, container: HtmlElement) -> EmbedHandle {
    let parts: Rc<RefCell<Option<Embedded>>> = Rc::default();
    let out = Rc::clone(&parts);
    let host = SendWrapper::new(host);
    let view = mount_to(container, move || {
        let settings = RwSignal::new(Settings {
            prompt: String::new(),
            ..Settings::default()
        });
        let api_key = RwSignal::new(String::new());
        let placeholder = RwSignal::new(None::<String>);
        let theme = RwSignal::new(None::<Theme>);
        let (a, b, c, d) = (host.clone(), host.clone(), host.clone(), host);
        let options = UseChatStreamOptions::default()
            .api_key(api_key)
            .on_start(move |e| dispatch(&a, "chat-stream:start", &e))
            .on_delta(move |e| dispatch(&b, "chat-stream:delta", &e))
            .on_done(move |e| dispatch(&c, "chat-stream:done", &e))
            .on_error(move |e| dispatch(&d, "chat-stream:error", &e));
        let chat = use_chat_stream_with_options(settings, options);
        *out.borrow_mut() = Some(Embedded {
            _view: Box::new(()),
            settings,
            api_key,
            placeholder,
            theme,
            chat,
        });
        // The compact frame only: the embed's bundle carries none of the full app's panels.
        view! {
            <ChatFrame
                chat=chat
                prompt=RwSignal::new(String::new())
                placeholder=placeholder
                theme=Signal::derive(move || theme.get().unwrap_or(Theme::Auto))
                compact=true
                side=view! { <CompactSide chat=chat /> }.into_any()
            />
        }
    });
    let mut inner = parts.borrow_mut().take();
    if let Some(inner) = inner.as_mut() {
        inner._view = Box::new(view);
    }
    EmbedHandle { inner }
}

/// Dispatches `CustomEvent(name, { detail, bubbles, composed })` on `host`.
fn dispatch<T: Serialize>(host: &HtmlElement, name: &str, detail: &T) {
    let detail = detail
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .unwrap_or(JsValue::NULL);
    let init = web_sys::CustomEventInit::new();
    init.set_bubbles(true);
    init.set_composed(true);
    init.set_detail(&detail);
    if let Ok(event) = web_sys::CustomEvent::new_with_event_init_dict(name, &init) {
        let _ = host.dispatch_event(&event);
    }
}

#[wasm_bindgen]
impl EmbedHandle {
    /// Sends `text` as the next user message (ignored while an answer streams or if blank).
    pub fn send(&self, text: String) {
        if let Some(e) = &self.inner {
            e.chat.send(text);
        }
    }

    /// Stops the answer; the partial text stays.
    pub fn stop(&self) {
        if let Some(e) = &self.inner {
            e.chat.stop();
        }
    }

    /// Stops any answer and forgets the conversation.
    pub fn reset(&self) {
        if let Some(e) = &self.inner {
            e.chat.reset();
        }
    }

    /// The latest turn's state: `idle`, `waiting`, `streaming`, `done`, `stopped` or `error`
    /// (`unmounted` after [`EmbedHandle::unmount`]).
    pub fn state(&self) -> String {
        self.inner
            .as_ref()
            .and_then(|e| e.chat.status.try_get_untracked())
            .map_or("unmounted", |s| s.as_str())
            .to_owned()
    }

    /// Applies an attribute (`None`: removed): the settings ones (see
    /// [`Settings::apply_attribute`]), `placeholder` and `theme`. Takes effect for the next
    /// request. Returns `false` for unknown names.
    pub fn set(&self, name: &str, value: Option<String>) -> bool {
        let Some(e) = &self.inner else {
            return false;
        };
        match name {
            "placeholder" => {
                e.placeholder.try_set(value);
                true
            }
            "theme" => {
                e.theme
                    .try_set(Some(Theme::parse(value.as_deref().unwrap_or("auto"))));
                true
            }
            _ => e
                .settings
                .try_update(|s| s.apply_attribute(name, value.as_deref()))
                .unwrap_or(false),
        }
    }

    /// Sets the API key (empty: none). Only ever sent in the protocol's one key header:
    /// `Authorization: Bearer` (chat, responses) or `x-api-key` (anthropic).
    #[wasm_bindgen(js_name = setApiKey)]
    pub fn set_api_key(&self, key: String) {
        if let Some(e) = &self.inner {
            e.api_key.try_set(key);
        }
    }

    /// Aborts any request, removes the view with its listeners and timers, and frees the
    /// instance. Calling it again does nothing.
    pub fn unmount(&mut self) {
        // Disposing the owner runs the hook's cleanup, which aborts the request without
        // reporting a turn ending (the host asked for the instance to go away).
        drop(self.inner.take());
    }
}
