//! Key-value storage: the [`KeyValue`] trait that every saved value goes through, the
//! [`MemoryStore`] the host tests use, [`StoreError`], and the name of every storage key this
//! crate uses. Nothing here touches the browser: the `localStorage` implementation lives with the
//! components (`app/storage.rs`).
//!
//! # Keys
//!
//! Every key starts with [`KEY_PREFIX`] (`chat-stream.v1.`). Existing saved data depends on these
//! exact names, so they never change within a version of the prefix:
//!
//! | key | value | written by |
//! | --- | --- | --- |
//! | [`INDEX_KEY`] | JSON list of the saved conversations' summaries, newest first | [`crate::history::HistoryStore`] |
//! | [`conversation_key`]`(id)` (prefix [`CONVERSATION_KEY_PREFIX`]) | one conversation as JSON | [`crate::history::HistoryStore`] |
//! | [`CURRENT_KEY`] | the id of the open conversation, as plain text | [`crate::history::HistoryStore`] |
//! | [`CORRUPT_INDEX_KEY`] (= [`backup_key`]`(INDEX_KEY)`, prefix [`CORRUPT_KEY_PREFIX`]) | an unreadable index, moved aside | [`crate::history::HistoryStore`] |
//! | [`SETTINGS_KEY`] | the settings as JSON, never the API key | [`crate::settings::save_settings`] |
//! | [`API_KEY_KEY`] and [`REMEMBER_KEY_KEY`] | the API key and `"true"`, only when the user asked to remember it | [`crate::settings::save_key`] |
//! | [`THEME_KEY`] | `auto`, `light` or `dark` | [`crate::settings::save_theme`] |

use std::collections::HashMap;

/// The prefix of every storage key of this crate.
pub const KEY_PREFIX: &str = "chat-stream.v1.";
/// The index of saved conversations.
pub const INDEX_KEY: &str = "chat-stream.v1.index";
/// The id of the open conversation.
pub const CURRENT_KEY: &str = "chat-stream.v1.current";
/// The prefix of the one-key-per-conversation values (see [`conversation_key`]).
pub const CONVERSATION_KEY_PREFIX: &str = "chat-stream.v1.conv.";
/// The prefix under which unreadable values are moved aside (see [`backup_key`]).
pub const CORRUPT_KEY_PREFIX: &str = "chat-stream.v1.corrupt.";
/// Where an unreadable index is moved aside: [`backup_key`] of [`INDEX_KEY`].
pub const CORRUPT_INDEX_KEY: &str = "chat-stream.v1.corrupt.index";
/// The settings (without the API key).
pub const SETTINGS_KEY: &str = "chat-stream.v1.settings";
/// The API key, when the user asked to remember it.
pub const API_KEY_KEY: &str = "chat-stream.v1.api_key";
/// `"true"` when the user asked to remember the API key.
pub const REMEMBER_KEY_KEY: &str = "chat-stream.v1.api_key.remember";
/// The colour theme: `auto`, `light` or `dark`.
pub const THEME_KEY: &str = "chat-stream.v1.theme";

/// The storage key of one conversation: `chat-stream.v1.conv.<id>`.
pub fn conversation_key(id: &str) -> String {
    format!("{CONVERSATION_KEY_PREFIX}{id}")
}

/// Where an unreadable value of `key` is moved: `chat-stream.v1.corrupt.<key without the
/// chat-stream.v1. prefix>`, e.g. [`CORRUPT_INDEX_KEY`] for [`INDEX_KEY`].
pub fn backup_key(key: &str) -> String {
    format!(
        "{CORRUPT_KEY_PREFIX}{}",
        key.strip_prefix(KEY_PREFIX).unwrap_or(key)
    )
}

/// A storage operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// Storage is disabled (blocked cookies, some private windows).
    #[error("browser storage is not available (it is disabled, or this is a private window)")]
    Unavailable,
    /// The value did not fit.
    #[error("browser storage is full ({} could not be written)", human_bytes(*.needed_bytes))]
    QuotaExceeded {
        /// The size of the value that could not be written, in bytes.
        needed_bytes: usize,
    },
    /// Anything else the storage reported.
    #[error("browser storage failed: {0}")]
    Other(String),
}

/// `512 bytes`, `12.3 KB`, `4.5 MB` (1 KB = 1000 bytes, as browsers report quotas).
pub(crate) fn human_bytes(bytes: usize) -> String {
    match bytes {
        0..1_000 => format!("{bytes} bytes"),
        1_000..1_000_000 => crate::figures::fixed(bytes as f64 / 1e3, 1) + " KB",
        _ => crate::figures::fixed(bytes as f64 / 1e6, 1) + " MB",
    }
}

/// A string key-value storage: `localStorage` in the browser, [`MemoryStore`] in tests.
pub trait KeyValue {
    /// The value of `key`, if any.
    fn get(&self, key: &str) -> Result<Option<String>, StoreError>;
    /// Sets `key` to `value`. On failure the previous value must be unchanged.
    fn set(&mut self, key: &str, value: &str) -> Result<(), StoreError>;
    /// Removes `key` (no error when it is absent).
    fn remove(&mut self, key: &str) -> Result<(), StoreError>;
    /// Every key, when the storage can list them (web storage can, with `length` and `key(i)`);
    /// `None` when it cannot. Used to rebuild a corrupt index from the conversations.
    fn keys(&self) -> Result<Option<Vec<String>>, StoreError> {
        Ok(None)
    }
}

impl<K: KeyValue + ?Sized> KeyValue for &mut K {
    fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        (**self).get(key)
    }
    fn set(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        (**self).set(key, value)
    }
    fn remove(&mut self, key: &str) -> Result<(), StoreError> {
        (**self).remove(key)
    }
    fn keys(&self) -> Result<Option<Vec<String>>, StoreError> {
        (**self).keys()
    }
}

/// A [`KeyValue`] in memory, for tests: with a byte quota to simulate a full storage, a switch
/// to simulate disabled storage, and public entries to plant corrupt values.
#[derive(Debug, Clone, PartialEq)]
pub struct MemoryStore {
    /// Every value by key; tests may change them directly.
    pub entries: HashMap<String, String>,
    /// The most bytes (keys plus values, UTF-8) the storage holds; `None`: no limit.
    pub quota: Option<usize>,
    /// How many more `set` calls succeed before every `set` fails with
    /// [`StoreError::QuotaExceeded`]; `None`: no such limit.
    pub writes_left: Option<usize>,
    /// Every call fails with [`StoreError::Unavailable`].
    pub unavailable: bool,
    /// [`KeyValue::keys`] lists the keys (as web storage can); `false` simulates a storage
    /// that cannot.
    pub enumerable: bool,
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self {
            entries: HashMap::new(),
            quota: None,
            writes_left: None,
            unavailable: false,
            enumerable: true,
        }
    }
}

impl MemoryStore {
    /// An empty storage without limits.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty storage that holds at most `bytes` bytes.
    pub fn with_quota(bytes: usize) -> Self {
        Self {
            quota: Some(bytes),
            ..Self::default()
        }
    }

    /// Bytes in use: keys plus values.
    pub fn used_bytes(&self) -> usize {
        self.entries.iter().map(|(k, v)| k.len() + v.len()).sum()
    }

    fn check(&self) -> Result<(), StoreError> {
        if self.unavailable {
            Err(StoreError::Unavailable)
        } else {
            Ok(())
        }
    }
}

impl KeyValue for MemoryStore {
    fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.check()?;
        Ok(self.entries.get(key).cloned())
    }

    fn set(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        self.check()?;
        let needed_bytes = key.len() + value.len();
        if let Some(left) = self.writes_left.as_mut() {
            if *left == 0 {
                return Err(StoreError::QuotaExceeded { needed_bytes });
            }
            *left -= 1;
        }
        if let Some(quota) = self.quota {
            let old = self.entries.get(key).map_or(0, |v| key.len() + v.len());
            if self.used_bytes() - old + needed_bytes > quota {
                return Err(StoreError::QuotaExceeded { needed_bytes });
            }
        }
        self.entries.insert(key.to_owned(), value.to_owned());
        Ok(())
    }

    fn remove(&mut self, key: &str) -> Result<(), StoreError> {
        self.check()?;
        self.entries.remove(key);
        Ok(())
    }

    fn keys(&self) -> Result<Option<Vec<String>>, StoreError> {
        self.check()?;
        Ok(self.enumerable.then(|| {
            let mut keys: Vec<String> = self.entries.keys().cloned().collect();
            keys.sort();
            keys
        }))
    }
}
