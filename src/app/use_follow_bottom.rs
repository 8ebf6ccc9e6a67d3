//! `use_follow_bottom`: keep a scroll container at its bottom while content grows, but only while
//! the reader is there: a reader who scrolled up to read must not be dragged down by every
//! token.
//!
//! The reader's intent is read from the direction of scrolling, not from a distance-to-bottom
//! latch: growing content never moves `scrollTop` up, so any upward move is the reader's, and
//! stops following at once; reaching the bottom again (by scrolling, or "jump to latest")
//! resumes it. Layout jumps cannot fool it.

use leptos::{html, prelude::*};
use wasm_bindgen::{closure::Closure, JsCast};
use web_sys::ResizeObserver;

/// How close to the bottom (px) counts as "at the bottom" (sub-pixel rounding, zoom).
const SLACK: f64 = 4.0;

/// What [`use_follow_bottom`] gives a component.
#[derive(Clone, Copy)]
pub struct UseFollowBottomReturn {
    /// The container is being kept at its bottom.
    pub following: ReadSignal<bool>,
    set_following: WriteSignal<bool>,
    target: NodeRef<html::Div>,
    last_top: StoredValue<f64>,
}

/// Keeps the scroll container `target` at its bottom while it is following, whenever its
/// `content` (or the container itself) changes size.
///
/// The sizes come from a `ResizeObserver`, whose callback runs after layout and before paint:
/// reading `scrollHeight` there forces no extra layout, and the scroll lands in the same frame
/// as the text that caused it. Nothing is read per token.
pub fn use_follow_bottom(
    target: NodeRef<html::Div>,
    content: NodeRef<html::Div>,
) -> UseFollowBottomReturn {
    let (following, set_following) = signal(true);
    let this = UseFollowBottomReturn {
        following,
        set_following,
        target,
        last_top: StoredValue::new(0.0),
    };
    let observer = StoredValue::new_local(None::<(ResizeObserver, Closure<dyn FnMut()>)>);
    Effect::new(move |_| {
        let (Some(scroller), Some(inner)) = (target.get(), content.get()) else {
            return;
        };
        let on_resize = Closure::<dyn FnMut()>::new(move || {
            if this.following.try_get_untracked() == Some(true) && !this.reader_moved_up() {
                this.scroll_to_bottom();
            }
        });
        let Ok(ro) = ResizeObserver::new(on_resize.as_ref().unchecked_ref()) else {
            return;
        };
        ro.observe(&inner);
        ro.observe(&scroller);
        if let Some(Some((old, _))) = observer.try_update_value(|o| o.replace((ro, on_resize))) {
            old.disconnect();
        }
    });
    on_cleanup(move || {
        if let Some(Some((ro, _))) = observer.try_update_value(Option::take) {
            ro.disconnect();
        }
    });
    this
}

impl UseFollowBottomReturn {
    /// Also runs from the observer, possibly after the component is gone: `try_` reads.
    fn scroll_to_bottom(&self) {
        if let Some(Some(el)) = self.target.try_get_untracked() {
            el.set_scroll_top(el.scroll_height());
            let _ = self.last_top.try_set_value(f64::from(el.scroll_top()));
        }
    }

    /// The reader scrolled up since the last look, and the `scroll` event has not told us yet
    /// (it is dispatched after this frame's observers when the reader scrolled during an
    /// animation frame): stop following now instead of undoing the reader's scroll. A top
    /// that went down to the new bottom (the container grew, the content shrank) is not the
    /// reader's doing.
    fn reader_moved_up(&self) -> bool {
        let Some(Some(el)) = self.target.try_get_untracked() else {
            return false;
        };
        let top = f64::from(el.scroll_top());
        let bottom = f64::from(el.scroll_height() - el.client_height());
        let last = self.last_top.try_get_value().unwrap_or(top);
        if top < last - 1.0 && top < bottom - SLACK {
            let _ = self.last_top.try_set_value(top);
            self.set_following.set(false);
            return true;
        }
        false
    }

    /// Follow again and go to the bottom now.
    pub fn jump(&self) {
        self.set_following.set(true);
        self.scroll_to_bottom();
    }

    /// The container's `scroll` handler.
    pub fn on_scroll(&self) {
        let Some(el) = self.target.get_untracked() else {
            return;
        };
        let top = f64::from(el.scroll_top());
        let bottom = f64::from(el.scroll_height() - el.client_height());
        let went_up = top < self.last_top.get_value() - 1.0;
        self.last_top.set_value(top);
        if top >= bottom - SLACK {
            if !self.following.get_untracked() {
                self.set_following.set(true);
            }
        } else if went_up && self.following.get_untracked() {
            self.set_following.set(false);
        }
    }
}
