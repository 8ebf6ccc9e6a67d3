//! `use_follow_bottom`: keep a scroll container at its bottom while content grows, but only while
//! the reader is there (field guide pain point 3).
//!
//! The reader's intent is read from the direction of scrolling, not from a distance-to-bottom
//! latch: growing content never moves `scrollTop` up, so any upward move is the reader's, and
//! stops following at once; reaching the bottom again (by scrolling, or "jump to latest")
//! resumes it. Layout jumps cannot fool it.

use leptos::{html, prelude::*};

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

/// Follows the bottom of `target` whenever the signals that `track` reads change (at most once
/// per animation frame).
pub fn use_follow_bottom(
    target: NodeRef<html::Div>,
    track: impl Fn() + 'static,
) -> UseFollowBottomReturn {
    let (following, set_following) = signal(true);
    let this = UseFollowBottomReturn {
        following,
        set_following,
        target,
        last_top: StoredValue::new(0.0),
    };
    Effect::new(move |_| {
        track();
        if following.get_untracked() {
            // After the DOM update and before paint; the reader may have scrolled up meanwhile.
            request_animation_frame(move || {
                if this.following.try_get_untracked() == Some(true) {
                    this.scroll_to_bottom();
                }
            });
        }
    });
    this
}

impl UseFollowBottomReturn {
    /// Also runs from an animation frame, possibly after the component is gone: `try_` reads.
    fn scroll_to_bottom(&self) {
        if let Some(Some(el)) = self.target.try_get_untracked() {
            el.set_scroll_top(el.scroll_height());
            let _ = self.last_top.try_set_value(f64::from(el.scroll_top()));
        }
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
