//! The colour theme: follow the system, or force light or dark.

/// Colour theme: follow the system, or force one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Theme {
    /// `prefers-color-scheme`.
    Auto,
    /// Light.
    Light,
    /// Dark.
    Dark,
}

impl Theme {
    /// `auto`, `light` or `dark`.
    pub fn as_str(self) -> &'static str {
        match self {
            Theme::Auto => "auto",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }

    /// Parses `light` / `dark`; anything else is `Auto`.
    pub fn parse(s: &str) -> Self {
        match s {
            "light" => Theme::Light,
            "dark" => Theme::Dark,
            _ => Theme::Auto,
        }
    }

    /// The next one of the toggle: auto → light → dark → auto.
    pub fn next(self) -> Self {
        match self {
            Theme::Auto => Theme::Light,
            Theme::Light => Theme::Dark,
            Theme::Dark => Theme::Auto,
        }
    }
}
