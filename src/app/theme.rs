//! The header's colour-theme toggle. The theme itself ([`Theme`]) is plain data, in
//! [`crate::settings`].

use leptos::prelude::*;

pub use crate::settings::Theme;

/// The header's theme button: auto → light → dark → auto.
#[component]
pub fn ThemeToggle(
    /// The theme it changes.
    theme: RwSignal<Theme>,
) -> impl IntoView {
    view! {
        <button
            type="button"
            class="cs-button cs-button--small"
            data-testid="theme-toggle"
            aria-label=move || format!("Colour theme: {} (change)", theme.get().as_str())
            on:click=move |_| theme.update(|t| *t = t.next())
        >
            <span class="cs-theme__word">"Theme: "</span>
            {move || theme.get().as_str()}
        </button>
    }
}
