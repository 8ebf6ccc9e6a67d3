//! What the app keeps in storage besides the history: the settings, the API key (only when the
//! user asked to remember it) and the colour theme, each under its key of [`crate::storage`].

use crate::storage::{
    KeyValue, StoreError, API_KEY_KEY, REMEMBER_KEY_KEY, SETTINGS_KEY, THEME_KEY,
};

use super::Settings;

/// Why the saved settings could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingsError {
    /// The storage failed (unavailable, or anything else it reported).
    #[error(transparent)]
    Storage(#[from] StoreError),
    /// The stored value is not readable settings.
    #[error("the saved data under {key} cannot be read ({reason})")]
    Corrupt {
        /// Its storage key.
        key: String,
        /// What is wrong, and what is done instead.
        reason: String,
    },
}

/// Saves the settings under [`SETTINGS_KEY`]. [`Settings`] has no API key field, so the key is
/// never part of this value.
pub fn save_settings<K: KeyValue>(storage: &mut K, settings: &Settings) -> Result<(), StoreError> {
    let json = serde_json::to_string(settings).unwrap_or_default();
    storage.set(SETTINGS_KEY, &json)
}

/// The saved settings, `None` when there are none. Missing fields take their defaults; an
/// unreadable value is [`SettingsError::Corrupt`] (the caller falls back to the defaults, and
/// the next save replaces it).
pub fn load_settings<K: KeyValue>(storage: &K) -> Result<Option<Settings>, SettingsError> {
    let Some(raw) = storage.get(SETTINGS_KEY)? else {
        return Ok(None);
    };
    serde_json::from_str(&raw)
        .map(Some)
        .map_err(|e| SettingsError::Corrupt {
            key: SETTINGS_KEY.to_owned(),
            reason: format!("{e}; the default settings are used instead"),
        })
}

/// Keeps the API key on this device when the user asked for it (`remember`): in `local` with
/// the [`REMEMBER_KEY_KEY`] flag. Without `remember` the key lives only in the page's memory, so
/// it is removed from `local`; no storage ever holds a key the user did not ask to keep. An empty
/// key forgets it ([`forget_key`]).
pub fn save_key<L: KeyValue>(local: &mut L, key: &str, remember: bool) -> Result<(), StoreError> {
    if key.is_empty() || !remember {
        return forget_key(local);
    }
    local.set(API_KEY_KEY, key)?;
    local.set(REMEMBER_KEY_KEY, "true")
}

/// The remembered API key, `("", false)` when there is none (or it was stored without the
/// remember flag) or storage is unavailable.
pub fn load_key<L: KeyValue>(local: &L) -> (String, bool) {
    let remembered = matches!(local.get(REMEMBER_KEY_KEY), Ok(Some(flag)) if flag == "true");
    match local.get(API_KEY_KEY) {
        Ok(Some(key)) if remembered && !key.is_empty() => (key, true),
        _ => (String::new(), false),
    }
}

/// Removes the API key and the remember flag.
pub fn forget_key<L: KeyValue>(local: &mut L) -> Result<(), StoreError> {
    ignore_unavailable(local.remove(API_KEY_KEY))
        .and(ignore_unavailable(local.remove(REMEMBER_KEY_KEY)))
}

/// Removing from a storage that is unavailable is done: nothing can be in it.
fn ignore_unavailable(result: Result<(), StoreError>) -> Result<(), StoreError> {
    match result {
        Err(StoreError::Unavailable) => Ok(()),
        other => other,
    }
}

/// Saves the colour theme's name (`auto`, `light` or `dark`, as [`Theme::as_str`](crate::Theme::as_str) gives it) under
/// [`THEME_KEY`].
pub fn save_theme<K: KeyValue>(storage: &mut K, theme: &str) -> Result<(), StoreError> {
    storage.set(THEME_KEY, theme)
}

/// The saved theme name, `None` when there is none or storage is unavailable (the caller parses
/// it with [`Theme::parse`](crate::Theme::parse), which reads anything unknown as `auto`).
pub fn load_theme<K: KeyValue>(storage: &K) -> Option<String> {
    storage.get(THEME_KEY).ok().flatten()
}
