//! The way back from a click that removes something: the last such action is offered for
//! undoing in a bar (`data-testid="undo"`) until the next one, a dismissal, or a timeout.

use std::{sync::Arc, time::Duration};

use leptos::prelude::*;

/// How long an undo is offered.
const OFFER: Duration = Duration::from_secs(20);

/// What can be undone: a label and the action that restores it (a plain closure, not an
/// arena callback: the component that offered it, a history row, may be gone by then).
#[derive(Clone)]
struct Offer {
    label: String,
    restore: Arc<dyn Fn() + Send + Sync>,
    serial: u64,
}

/// The one pending undo of a chat (shared by Clear and the history's Delete).
#[derive(Clone, Copy)]
pub struct UndoSlot {
    offer: RwSignal<Option<Offer>>,
}

impl Default for UndoSlot {
    fn default() -> Self {
        Self::new()
    }
}

impl UndoSlot {
    /// An empty slot.
    pub fn new() -> Self {
        Self {
            offer: RwSignal::new(None),
        }
    }

    /// Offers `restore` as the way back from what `label` says was done (replacing any
    /// earlier offer).
    pub fn offer(&self, label: impl Into<String>, restore: impl Fn() + Send + Sync + 'static) {
        let serial = self
            .offer
            .with_untracked(|o| o.as_ref().map_or(1, |o| o.serial + 1));
        self.offer.set(Some(Offer {
            label: label.into(),
            restore: Arc::new(restore),
            serial,
        }));
        let offer = self.offer;
        set_timeout(
            move || {
                if offer.with_untracked(|o| o.as_ref().is_some_and(|o| o.serial == serial)) {
                    offer.set(None);
                }
            },
            OFFER,
        );
    }

    /// Runs the pending undo, if any.
    pub fn undo(&self) {
        if let Some(offer) = self.offer.try_update(Option::take).flatten() {
            (offer.restore)();
        }
    }

    /// Forgets the pending undo.
    pub fn dismiss(&self) {
        self.offer.set(None);
    }
}

/// The bar that offers the pending undo.
#[component]
pub fn UndoBar(
    /// The pending undo shown.
    undo: UndoSlot,
) -> impl IntoView {
    let slot = undo;
    move || {
        slot.offer.get().map(|offer| {
            view! {
                <div class="cs-undo" role="status" data-testid="undo-bar">
                    <span class="cs-undo__label">{offer.label}</span>
                    <button type="button" class="cs-button cs-button--small" data-testid="undo"
                        on:click=move |_| slot.undo()>
                        "Undo"
                    </button>
                    <button type="button" class="cs-button cs-button--small cs-button--quiet"
                        aria-label="Dismiss" on:click=move |_| slot.dismiss()>
                        "×"
                    </button>
                </div>
            }
        })
    }
}
