//! One request, driven: the transport's bytes and time stamps through the pure
//! [`StreamDecoder`] into whoever applies the updates (the hook, into its transcript).

use wasm_bindgen_futures::JsFuture;

use crate::{
    pipeline::{decode_body_as, StreamDecoder, Update},
    transport::{self, now, ChatPost, ReplyBody},
};

/// The longest stretch of update handling before [`run`] yields to the browser, in ms.
const SLICE_MS: f64 = 8.0;

/// Sends `post` and hands every update to `apply` with the time of the read that delivered it,
/// until the turn ends. An aborted request ends silently. Never retries.
pub async fn run(post: ChatPost<'_>, mut apply: impl FnMut(Update, f64)) {
    let reply = match transport::send(&post).await {
        Ok(reply) => reply,
        Err(error) => {
            if !post.signal.aborted() {
                apply(Update::Failed(error), now());
            }
            return;
        }
    };
    apply(Update::Headers, reply.headers_at);
    let stream = match reply.body {
        ReplyBody::Whole(body) => {
            let content_type = body.content_type.clone();
            match body.text().await {
                Ok((text, t)) => {
                    for update in decode_body_as(post.protocol, &text, &content_type) {
                        apply(update, t);
                    }
                }
                Err(error) if !post.signal.aborted() => apply(Update::Failed(error), now()),
                Err(_) => {}
            }
            return;
        }
        ReplyBody::Stream(stream) => stream,
    };
    let mut stream = stream;
    let mut decoder = StreamDecoder::for_protocol(post.protocol);
    let mut buf = Vec::new();
    loop {
        let t = match stream.read(&mut buf).await {
            Ok((true, t)) => t,
            Ok((false, t)) => {
                if let Some(end) = decoder.finish() {
                    apply(end, t);
                }
                return;
            }
            Err(error) => {
                if !post.signal.aborted() {
                    apply(Update::Failed(error), now());
                }
                return;
            }
        };
        decoder.push(&buf);
        let mut slice_start = now();
        let mut handled = 0u32;
        while let Some(update) = decoder.next_update() {
            apply(update, t);
            // A read may hold thousands of events (a fast server, a tab in the background):
            // every SLICE_MS, give the browser a task boundary so it can paint and handle input.
            handled += 1;
            if handled.is_multiple_of(32) && now() - slice_start > SLICE_MS {
                yield_to_browser().await;
                if post.signal.aborted() {
                    return;
                }
                slice_start = now();
            }
        }
        if decoder.is_finished() {
            // After the terminal event or an error frame nothing more is read: cancel the body, so the
            // server sees the connection close.
            stream.cancel();
            return;
        }
    }
}

/// Resolves in a new task (`setTimeout(0)`), letting the browser paint and run input handlers.
async fn yield_to_browser() {
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 0);
        }
    });
    let _ = JsFuture::from(promise).await;
}
