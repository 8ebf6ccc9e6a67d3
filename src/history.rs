//! Conversation history: the saved format, conversions from and to a [`Transcript`], export and
//! import of history files, and a store over any key-value storage ([`KeyValue`]):
//! `localStorage` in the browser, [`MemoryStore`] in tests. Nothing here touches the browser.
//!
//! Times are milliseconds since the Unix epoch (`Date.now()`), passed in by the caller as `now`.
//! They are not the `performance.now()` marks of a turn.
//!
//! # The history file (format `chat-stream.history`, version 1)
//!
//! [`export`] writes, and [`import`] reads, one JSON document:
//!
//! ```json
//! {
//!   "format": "chat-stream.history",
//!   "version": 1,
//!   "exported_at": 1764000009000,
//!   "conversations": [
//!     {
//!       "id": "c1764000000000-1",
//!       "title": "Count to 20",
//!       "title_set_by_user": false,
//!       "created_at": 1764000000000,
//!       "updated_at": 1764000005000,
//!       "messages": [
//!         {
//!           "role": "user",
//!           "content": "Count to 20"
//!         },
//!         {
//!           "role": "assistant",
//!           "content": "1, 2, 3, 4",
//!           "reasoning": "The user wants numbers.",
//!           "status": "stopped"
//!         },
//!         {
//!           "role": "user",
//!           "content": "Go on"
//!         },
//!         {
//!           "role": "assistant",
//!           "content": "5, 6",
//!           "status": "failed",
//!           "error": "incomplete response: the connection dropped before the server finished the answer (network error)"
//!         }
//!       ]
//!     }
//!   ]
//! }
//! ```
//!
//! - `format` must be `"chat-stream.history"` and `version` must be `1` ([`SUPPORTED_VERSIONS`]).
//! - `exported_at`, `created_at`, `updated_at`: milliseconds since the Unix epoch (numbers).
//! - `id`: any non-empty text without control characters, at most [`MAX_ID_CHARS`] characters.
//! - `title`: text; `title_set_by_user` (default `false`): the user renamed it, so it is no
//!   longer derived from the first user message.
//! - `messages[].role`: `"user"`, `"assistant"` or `"system"`; any other role is an error.
//! - `messages[].content`: text. `reasoning`, `refusal` (text, omitted when empty), `status`
//!   (`"complete"`, `"stopped"` or `"failed"`, omitted when complete) and `error` (text, omitted
//!   when there is none) are optional; `null` reads as absent.
//! - Fields that a reader does not know are ignored, so a later version can add fields without
//!   a version bump. Files are at most [`MAX_IMPORT_BYTES`] bytes and
//!   [`MAX_CONVERSATIONS`] conversations.
//!
//! # Browser storage
//!
//! [`HistoryStore`] keeps, under keys prefixed `chat-stream.v1.`:
//! - [`INDEX_KEY`] (`chat-stream.v1.index`): a JSON list of [`Summary`] (`id`, `title`,
//!   `updated_at`, and `title_set_by_user` when true), newest first;
//! - `chat-stream.v1.conv.<id>` ([`conversation_key`]): one [`Conversation`] as JSON (the same
//!   object as in the file);
//! - [`CURRENT_KEY`] (`chat-stream.v1.current`): the id of the open conversation, as plain text;
//! - `chat-stream.v1.corrupt.<name>` ([`backup_key`]): an unreadable index, moved aside.
//!
//! [`save_settings`] keeps the settings under [`SETTINGS_KEY`]; [`save_key`] keeps the API key
//! under [`API_KEY_KEY`] only when the user asked to remember it (else it stays in memory). The key is
//! never part of any other value.

use std::{
    cell::Cell,
    collections::{HashMap, HashSet},
    fmt,
};

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use crate::{
    openai::Role,
    settings::Settings,
    transcript::{Message, MessageStatus, Transcript},
};

/// The `format` of a history file.
pub const FORMAT: &str = "chat-stream.history";
/// The version [`export`] writes.
pub const VERSION: u64 = 1;
/// The versions [`import`] reads.
pub const SUPPORTED_VERSIONS: &[u64] = &[1];
/// The largest history file [`import`] reads, in bytes (50 MiB).
pub const MAX_IMPORT_BYTES: usize = 50 * 1024 * 1024;
/// The most conversations [`import`] reads from one file.
pub const MAX_CONVERSATIONS: usize = 10_000;
/// The longest conversation id, in characters.
pub const MAX_ID_CHARS: usize = 256;
/// The longest derived title, in characters (including the `…`).
pub const TITLE_MAX_CHARS: usize = 60;
/// The longest title a user may set, in characters (including the `…`).
pub const USER_TITLE_MAX_CHARS: usize = 200;
/// The title of a conversation without a user message yet.
pub const UNTITLED: &str = "New chat";

/// The prefix of every storage key of this app.
pub const KEY_PREFIX: &str = "chat-stream.v1.";
/// The index of saved conversations.
pub const INDEX_KEY: &str = "chat-stream.v1.index";
/// The id of the open conversation.
pub const CURRENT_KEY: &str = "chat-stream.v1.current";
/// The settings (without the API key).
pub const SETTINGS_KEY: &str = "chat-stream.v1.settings";
/// The API key, when the user asked to remember it.
pub const API_KEY_KEY: &str = "chat-stream.v1.api_key";
/// `"true"` in local storage when the user asked to remember the API key.
pub const REMEMBER_KEY_KEY: &str = "chat-stream.v1.api_key.remember";
/// The prefix of the one-key-per-conversation values.
pub const CONVERSATION_KEY_PREFIX: &str = "chat-stream.v1.conv.";
/// The prefix under which unreadable values are moved aside.
pub const CORRUPT_KEY_PREFIX: &str = "chat-stream.v1.corrupt.";

/// The storage key of one conversation: `chat-stream.v1.conv.<id>`.
pub fn conversation_key(id: &str) -> String {
    format!("{CONVERSATION_KEY_PREFIX}{id}")
}

/// Where an unreadable value of `key` is moved: `chat-stream.v1.corrupt.<key without the
/// chat-stream.v1. prefix>`, e.g. `chat-stream.v1.corrupt.index`.
pub fn backup_key(key: &str) -> String {
    format!(
        "{CORRUPT_KEY_PREFIX}{}",
        key.strip_prefix(KEY_PREFIX).unwrap_or(key)
    )
}

// ------------------------------------------------------------------------------------------------
// Saved conversations
// ------------------------------------------------------------------------------------------------

/// How a saved message ended (the saved form of [`MessageStatus`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SavedStatus {
    /// The message is complete.
    #[default]
    Complete,
    /// The user stopped the answer: the text is partial.
    Stopped,
    /// The answer failed: the text is what arrived before the error.
    Failed,
}

impl SavedStatus {
    fn is_complete(&self) -> bool {
        *self == SavedStatus::Complete
    }
}

impl From<MessageStatus> for SavedStatus {
    fn from(status: MessageStatus) -> Self {
        match status {
            MessageStatus::Complete => SavedStatus::Complete,
            MessageStatus::Stopped => SavedStatus::Stopped,
            MessageStatus::Failed => SavedStatus::Failed,
        }
    }
}

impl From<SavedStatus> for MessageStatus {
    fn from(status: SavedStatus) -> Self {
        match status {
            SavedStatus::Complete => MessageStatus::Complete,
            SavedStatus::Stopped => MessageStatus::Stopped,
            SavedStatus::Failed => MessageStatus::Failed,
        }
    }
}

/// One message as saved: plain strings instead of block text, and no screen id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedMessage {
    /// Who wrote it.
    pub role: Role,
    /// Prompt or answer text.
    #[serde(deserialize_with = "null_as_default")]
    pub content: String,
    /// Reasoning text (omitted when empty).
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub reasoning: String,
    /// A refusal instead of an answer (omitted when empty).
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub refusal: String,
    /// How it ended (omitted when complete).
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "SavedStatus::is_complete"
    )]
    pub status: SavedStatus,
    /// The error that ended a failed message (omitted when none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl SavedMessage {
    /// A complete message with only text.
    pub fn new(role: Role, content: impl Into<String>) -> Self {
        Self {
            role,
            content: content.into(),
            reasoning: String::new(),
            refusal: String::new(),
            status: SavedStatus::Complete,
            error: None,
        }
    }

    /// The saved form of a message on screen.
    pub fn from_message(role: Role, message: &Message) -> Self {
        Self {
            role,
            content: message.content.text(),
            reasoning: message.reasoning.text(),
            refusal: message.refusal.clone(),
            status: message.status.into(),
            error: message.error.clone(),
        }
    }

    /// The message on screen (its id is set by [`Transcript::restore`]).
    pub fn to_message(&self) -> Message {
        let mut message = Message {
            role: Some(self.role),
            refusal: self.refusal.clone(),
            status: self.status.into(),
            error: self.error.clone(),
            ..Message::default()
        };
        message.content.push_str(&self.content);
        message.reasoning.push_str(&self.reasoning);
        message
    }

    /// No text of any kind and no error.
    pub fn is_empty(&self) -> bool {
        self.content.is_empty()
            && self.reasoning.is_empty()
            && self.refusal.is_empty()
            && self.error.is_none()
    }
}

/// One saved conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conversation {
    /// Unique id, e.g. `c1764000000000-1` (see [`HistoryStore::new_id`]).
    pub id: String,
    /// Shown in the list: derived from the first user message unless the user renamed it.
    pub title: String,
    /// The user renamed the conversation: later saves keep the title.
    #[serde(default, deserialize_with = "null_as_default")]
    pub title_set_by_user: bool,
    /// When it was started, ms since the epoch.
    #[serde(serialize_with = "ser_ms")]
    pub created_at: f64,
    /// When it last changed, ms since the epoch.
    #[serde(serialize_with = "ser_ms")]
    pub updated_at: f64,
    /// Messages in order.
    pub messages: Vec<SavedMessage>,
}

impl Conversation {
    /// The saved form of a transcript. The title is derived from the first user message
    /// ([`derive_title`]). Messages without a role are left out. While a turn is still running,
    /// its answer is saved as stopped (the text so far), or left out when it has no text yet.
    pub fn from_transcript(
        id: impl Into<String>,
        transcript: &Transcript,
        now: f64,
        created_at: f64,
    ) -> Self {
        let messages = saved_messages(transcript);
        Self {
            id: id.into(),
            title: derive_title(&messages),
            title_set_by_user: false,
            created_at,
            updated_at: now,
            messages,
        }
    }

    /// Replaces the messages with the transcript's and sets `updated_at`; keeps the id, the
    /// creation time, and a title the user set (a derived title is derived again).
    pub fn update(&mut self, transcript: &Transcript, now: f64) {
        self.messages = saved_messages(transcript);
        if !self.title_set_by_user {
            self.title = derive_title(&self.messages);
        }
        self.updated_at = now;
    }

    /// A transcript with these messages and no turn (via [`Transcript::restore`]).
    pub fn to_transcript(&self) -> Transcript {
        Transcript::restore(self.messages.iter().map(SavedMessage::to_message).collect())
    }

    /// The index entry of this conversation.
    pub fn summary(&self) -> Summary {
        Summary {
            id: self.id.clone(),
            title: self.title.clone(),
            updated_at: self.updated_at,
            title_set_by_user: self.title_set_by_user,
        }
    }
}

fn saved_messages(transcript: &Transcript) -> Vec<SavedMessage> {
    let live = transcript
        .turn
        .as_ref()
        .filter(|t| t.state.is_busy())
        .map(|t| t.message);
    transcript
        .messages
        .iter()
        .enumerate()
        .filter_map(|(i, m)| {
            let mut saved = SavedMessage::from_message(m.role?, m);
            if live == Some(i) {
                if saved.is_empty() {
                    return None;
                }
                saved.status = SavedStatus::Stopped;
            }
            Some(saved)
        })
        .collect()
}

/// The title of a conversation: the first non-blank line of the first user message that has
/// text, trimmed, white space collapsed, cut at a character boundary to [`TITLE_MAX_CHARS`]
/// characters ending with `…`; [`UNTITLED`] without such a message.
pub fn derive_title(messages: &[SavedMessage]) -> String {
    messages
        .iter()
        .filter(|m| m.role == Role::User)
        .find_map(|m| title_from_text(&m.content, TITLE_MAX_CHARS))
        .unwrap_or_else(|| UNTITLED.to_owned())
}

/// First non-blank line, white space collapsed, cut to `max` characters (with `…`).
fn title_from_text(text: &str, max: usize) -> Option<String> {
    let line = text.lines().find(|l| !l.trim().is_empty())?;
    let collapsed = line.split_whitespace().collect::<Vec<_>>().join(" ");
    Some(cut_chars(&collapsed, max))
}

/// `text` when it has at most `max` characters; else its first `max - 1` characters (trailing
/// white space trimmed) and `…`.
fn cut_chars(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let end = text
        .char_indices()
        .nth(max.saturating_sub(1))
        .map_or(text.len(), |(i, _)| i);
    format!("{}…", text[..end].trim_end())
}

/// One entry of the index: what the conversation list shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Conversation id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// When it last changed, ms since the epoch.
    #[serde(serialize_with = "ser_ms")]
    pub updated_at: f64,
    /// The user set the title.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "is_false"
    )]
    pub title_set_by_user: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// Writes a time as an integer when it is one (as `Date.now()` gives), else as a number;
/// a non-finite time (which JSON cannot hold) as 0.
fn ser_ms<S: Serializer>(ms: &f64, s: S) -> Result<S::Ok, S::Error> {
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
    let ms = if ms.is_finite() { *ms } else { 0.0 };
    if ms.fract() == 0.0 && ms.abs() < EXACT {
        s.serialize_i64(ms as i64)
    } else {
        s.serialize_f64(ms)
    }
}

fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

// ------------------------------------------------------------------------------------------------
// Errors
// ------------------------------------------------------------------------------------------------

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

/// Why history could not be read, written, imported or exported. Every message says what
/// happened and, where there is one, what the user can do.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum HistoryError {
    /// The file is not JSON.
    #[error("this file is not valid JSON (line {line}, column {column}: {detail}); choose a file exported by chat-stream")]
    NotJson {
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error (0 at the very start of an empty file).
        column: usize,
        /// What the JSON parser said.
        detail: String,
    },
    /// The file is JSON but not a chat-stream history.
    #[error("this is not a chat-stream history file: {reason}")]
    NotHistory {
        /// What is wrong with `format`.
        reason: String,
    },
    /// The file's version is not one this build reads.
    #[error("this history file has version {found}, which this version of chat-stream cannot read (it reads version {supported}){}", if .found.parse::<u64>().is_ok_and(|v| v > VERSION) { "; it was written by a newer chat-stream" } else { "" })]
    UnsupportedVersion {
        /// The version found, as written in the file (`missing` when absent).
        found: String,
        /// The supported versions, e.g. `1`.
        supported: String,
    },
    /// The file's top level is malformed (e.g. no `conversations` list).
    #[error("the history file is malformed: {reason}")]
    Malformed {
        /// What is wrong.
        reason: String,
    },
    /// One conversation of the file is malformed.
    #[error("the history file is malformed at conversations[{index}]: {reason}")]
    BadConversation {
        /// 0-based index in `conversations`.
        index: usize,
        /// What is wrong.
        reason: String,
    },
    /// One message of the file is malformed.
    #[error("the history file is malformed at conversations[{conversation}].messages[{message}]: {reason}")]
    BadMessage {
        /// 0-based index in `conversations`.
        conversation: usize,
        /// 0-based index in that conversation's `messages`.
        message: usize,
        /// What is wrong.
        reason: String,
    },
    /// The file is larger than [`MAX_IMPORT_BYTES`].
    #[error("this file is too large to import ({}; the limit is {})", human_bytes(*.bytes), human_bytes(*.max_bytes))]
    TooLarge {
        /// Its size in bytes.
        bytes: usize,
        /// The limit in bytes.
        max_bytes: usize,
    },
    /// The file has more than [`MAX_CONVERSATIONS`] conversations.
    #[error(
        "this file has {count} conversations, more than the {max} that can be imported at once"
    )]
    TooManyConversations {
        /// How many the file has.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// No conversation has this id.
    #[error("there is no saved conversation with id {id}")]
    NotFound {
        /// The id asked for.
        id: String,
    },
    /// A stored value (the index, the settings) cannot be read.
    #[error("the saved data under {key} cannot be read ({reason})")]
    Corrupt {
        /// Its storage key.
        key: String,
        /// What is wrong, and what was done with the value.
        reason: String,
    },
    /// A stored conversation cannot be read. It is left in storage untouched.
    #[error("the saved conversation \"{title}\" ({id}) cannot be read ({reason}); it was left in storage as it is, and can be deleted")]
    CorruptConversation {
        /// Its id.
        id: String,
        /// Its title from the index (or the id when the index does not know it).
        title: String,
        /// What is wrong.
        reason: String,
    },
    /// Storage is full; nothing stored before was changed.
    #[error("browser storage is full: {} could not be saved. Delete old conversations, or export your history to a file and then delete some, to make room; what was saved before is unchanged", human_bytes(*.needed_bytes))]
    StorageFull {
        /// The size of the value that did not fit, in bytes.
        needed_bytes: usize,
    },
    /// Storage is unavailable or failed otherwise.
    #[error("history could not be saved or read: {0}")]
    Storage(StoreError),
    /// A conversation id that cannot be stored.
    #[error("the conversation id {id:?} cannot be used: {reason}")]
    InvalidId {
        /// The id.
        id: String,
        /// What is wrong with it.
        reason: String,
    },
    /// An import stopped part way: some conversations were saved, the rest were not.
    #[error("only {saved} of {total} imported conversations were saved: {source}")]
    PartialImport {
        /// Conversations saved.
        saved: usize,
        /// Conversations that were to be saved.
        total: usize,
        /// Why the rest were not.
        source: Box<HistoryError>,
    },
}

impl From<StoreError> for HistoryError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::QuotaExceeded { needed_bytes } => {
                HistoryError::StorageFull { needed_bytes }
            }
            other => HistoryError::Storage(other),
        }
    }
}

/// `512 bytes`, `12.3 KB`, `4.5 MB` (1 KB = 1000 bytes, as browsers report quotas).
fn human_bytes(bytes: usize) -> String {
    match bytes {
        0..1_000 => format!("{bytes} bytes"),
        1_000..1_000_000 => format!("{:.1} KB", bytes as f64 / 1e3),
        _ => format!("{:.1} MB", bytes as f64 / 1e6),
    }
}

// ------------------------------------------------------------------------------------------------
// Export, import, merge
// ------------------------------------------------------------------------------------------------

#[derive(Serialize)]
struct ExportFile<'a> {
    format: &'static str,
    version: u64,
    #[serde(serialize_with = "ser_ms")]
    exported_at: f64,
    conversations: &'a [Conversation],
}

/// The history file of these conversations (pretty JSON; see the module docs for the format).
pub fn export(conversations: &[Conversation], now: f64) -> String {
    let file = ExportFile {
        format: FORMAT,
        version: VERSION,
        exported_at: now,
        conversations,
    };
    // Strings, numbers and lists only: serialization cannot fail.
    serde_json::to_string_pretty(&file).unwrap_or_default()
}

/// Reads a history file. Everything is checked before anything is returned: the first problem
/// is reported with where it is (`conversations[2].messages[4]`) and what is wrong. Unknown
/// fields are ignored. Ids are not made unique here: [`merge`] does that.
pub fn import(json: &str) -> Result<Vec<Conversation>, HistoryError> {
    if json.len() > MAX_IMPORT_BYTES {
        return Err(HistoryError::TooLarge {
            bytes: json.len(),
            max_bytes: MAX_IMPORT_BYTES,
        });
    }
    let json = json.strip_prefix('\u{feff}').unwrap_or(json);
    if json.trim().is_empty() {
        return Err(HistoryError::NotJson {
            line: 1,
            column: 0,
            detail: "the file is empty".to_owned(),
        });
    }
    let value: Value = serde_json::from_str(json).map_err(|e| {
        let text = e.to_string();
        let position = format!(" at line {} column {}", e.line(), e.column());
        HistoryError::NotJson {
            line: e.line(),
            column: e.column(),
            detail: text.strip_suffix(&position).unwrap_or(&text).to_owned(),
        }
    })?;
    let Value::Object(mut root) = value else {
        return Err(HistoryError::NotHistory {
            reason: format!(
                "it holds {}, not an object with \"format\": \"{FORMAT}\"",
                kind(&value)
            ),
        });
    };
    match root.get("format") {
        Some(Value::String(f)) if f == FORMAT => {}
        Some(Value::String(f)) => {
            return Err(HistoryError::NotHistory {
                reason: format!(
                    "its \"format\" is \"{}\" (expected \"{FORMAT}\")",
                    crate::openai::excerpt(f, 60)
                ),
            })
        }
        Some(other) => {
            return Err(HistoryError::NotHistory {
                reason: format!("its \"format\" is {} (expected \"{FORMAT}\")", kind(other)),
            })
        }
        None => {
            return Err(HistoryError::NotHistory {
                reason: format!("it has no \"format\" field (expected \"{FORMAT}\")"),
            })
        }
    }
    let supported = SUPPORTED_VERSIONS
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    match root.get("version") {
        Some(Value::Number(n)) if n.as_u64().is_some_and(|v| SUPPORTED_VERSIONS.contains(&v)) => {}
        found => {
            return Err(HistoryError::UnsupportedVersion {
                found: match found {
                    None => "missing".to_owned(),
                    Some(v) => crate::openai::excerpt(&v.to_string(), 40),
                },
                supported,
            })
        }
    }
    let conversations = match root.remove("conversations") {
        Some(Value::Array(list)) => list,
        Some(other) => {
            return Err(HistoryError::Malformed {
                reason: format!("\"conversations\" is {}, not a list", kind(&other)),
            })
        }
        None => {
            return Err(HistoryError::Malformed {
                reason: "it has no \"conversations\" list".to_owned(),
            })
        }
    };
    if conversations.len() > MAX_CONVERSATIONS {
        return Err(HistoryError::TooManyConversations {
            count: conversations.len(),
            max: MAX_CONVERSATIONS,
        });
    }
    conversations
        .into_iter()
        .enumerate()
        .map(|(i, v)| conversation_from_value(i, v))
        .collect()
}

/// The header of a conversation: every field but the messages.
#[derive(Deserialize)]
struct Header {
    id: String,
    title: String,
    #[serde(default, deserialize_with = "null_as_default")]
    title_set_by_user: bool,
    created_at: f64,
    updated_at: f64,
}

fn conversation_from_value(index: usize, value: Value) -> Result<Conversation, HistoryError> {
    let bad = |reason: String| HistoryError::BadConversation { index, reason };
    let Value::Object(mut object) = value else {
        return Err(bad(format!("it is {}, not an object", kind(&value))));
    };
    let messages = match object.remove("messages") {
        Some(Value::Array(list)) => list,
        Some(other) => return Err(bad(format!("\"messages\" is {}, not a list", kind(&other)))),
        None => return Err(bad("it has no \"messages\" list".to_owned())),
    };
    let header: Header =
        serde_json::from_value(Value::Object(object)).map_err(|e| bad(e.to_string()))?;
    check_id(&header.id).map_err(bad)?;
    let messages = messages
        .into_iter()
        .enumerate()
        .map(|(j, v)| {
            message_from_value(v).map_err(|reason| HistoryError::BadMessage {
                conversation: index,
                message: j,
                reason,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Conversation {
        id: header.id,
        title: header.title,
        title_set_by_user: header.title_set_by_user,
        created_at: header.created_at,
        updated_at: header.updated_at,
        messages,
    })
}

fn message_from_value(value: Value) -> Result<SavedMessage, String> {
    let Value::Object(object) = &value else {
        return Err(format!("it is {}, not an object", kind(&value)));
    };
    match object.get("role") {
        Some(Value::String(r)) if matches!(r.as_str(), "user" | "assistant" | "system") => {}
        Some(Value::String(r)) => {
            return Err(format!(
                "role \"{}\" is not supported (expected \"user\", \"assistant\" or \"system\")",
                crate::openai::excerpt(r, 40)
            ))
        }
        Some(other) => {
            return Err(format!(
                "\"role\" is {} (expected \"user\", \"assistant\" or \"system\")",
                kind(other)
            ))
        }
        None => return Err("it has no \"role\"".to_owned()),
    }
    serde_json::from_value(value).map_err(|e| e.to_string())
}

fn check_id(id: &str) -> Result<(), String> {
    if id.trim().is_empty() {
        Err("its \"id\" is empty".to_owned())
    } else if id.chars().count() > MAX_ID_CHARS {
        Err(format!(
            "its \"id\" is longer than {MAX_ID_CHARS} characters"
        ))
    } else if id.chars().any(char::is_control) {
        Err("its \"id\" contains control characters".to_owned())
    } else {
        Ok(())
    }
}

/// `a list`, `a string`, ... for error messages.
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// What [`merge`] and [`HistoryStore::merge_import`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MergeReport {
    /// Added under their own id.
    pub added: usize,
    /// Already there (same id, same messages): not added again.
    pub skipped: usize,
    /// Same id as a different conversation: added under a new id.
    pub renamed: usize,
    /// The ids of every conversation added (`added + renamed` of them), in import order.
    pub new_ids: Vec<String>,
}

impl MergeReport {
    /// Counts one imported conversation, added under `id` (`renamed`: a new id).
    fn record(&mut self, id: &str, renamed: bool) {
        if renamed {
            self.renamed += 1;
        } else {
            self.added += 1;
        }
        self.new_ids.push(id.to_owned());
    }
}

impl fmt::Display for MergeReport {
    /// `Imported 3 conversations (1 under a new id, because its id was taken); 2 were already
    /// there.`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plural = |n: usize| if n == 1 { "" } else { "s" };
        let imported = self.added + self.renamed;
        write!(f, "Imported {imported} conversation{}", plural(imported))?;
        if self.renamed > 0 {
            write!(
                f,
                " ({} under a new id, because {} taken)",
                self.renamed,
                if self.renamed == 1 {
                    "its id was"
                } else {
                    "their ids were"
                }
            )?;
        }
        if self.skipped > 0 {
            write!(
                f,
                "; {} {} already there",
                self.skipped,
                if self.skipped == 1 { "was" } else { "were" }
            )?;
        }
        f.write_str(".")
    }
}

/// Adds imported conversations to `existing`. A conversation whose id is already there is
/// skipped when its messages are the same (the title and times do not count), and otherwise
/// added under a new id: the first free of `<id>-2`, `<id>-3`, ..., unless one of those already
/// holds the same messages (then it is skipped: importing a file twice adds nothing the second
/// time). The same applies between conversations of the import itself.
pub fn merge(existing: &mut Vec<Conversation>, imported: Vec<Conversation>) -> MergeReport {
    let mut by_id: HashMap<String, usize> = existing
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.clone(), i))
        .collect();
    let mut report = MergeReport::default();
    for mut conversation in imported {
        let placed = place(&conversation, |id| {
            by_id
                .get(id)
                .map(|&i| existing[i].messages == conversation.messages)
        });
        let Some((id, renamed)) = placed else {
            report.skipped += 1;
            continue;
        };
        report.record(&id, renamed);
        conversation.id = id;
        by_id.insert(conversation.id.clone(), existing.len());
        existing.push(conversation);
    }
    report
}

/// Where an imported conversation goes: `None` to skip it (a conversation with the same messages
/// is there under its id or one of its renamed ids), else the id to use and whether it is a new
/// one. `same(id)` is `None` when `id` is free, else whether that conversation has the same
/// messages.
fn place(
    conversation: &Conversation,
    mut same: impl FnMut(&str) -> Option<bool>,
) -> Option<(String, bool)> {
    match same(&conversation.id) {
        None => return Some((conversation.id.clone(), false)),
        Some(true) => return None,
        Some(false) => {}
    }
    for n in 2u64.. {
        let candidate = format!("{}-{n}", conversation.id);
        match same(&candidate) {
            None => return Some((candidate, true)),
            Some(true) => return None,
            Some(false) => {}
        }
    }
    unreachable!("u64 ids do not run out")
}

// ------------------------------------------------------------------------------------------------
// Storage
// ------------------------------------------------------------------------------------------------

/// A string key-value storage: `localStorage` / `sessionStorage` in the browser,
/// [`MemoryStore`] in tests.
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

// ------------------------------------------------------------------------------------------------
// The store
// ------------------------------------------------------------------------------------------------

/// Saved conversations over a [`KeyValue`] storage (see the module docs for the keys).
///
/// Writes never leave a broken state behind: a conversation is written before the index, and a
/// failed write changes nothing that was stored before.
#[derive(Debug, Clone)]
pub struct HistoryStore<K: KeyValue> {
    storage: K,
    counter: Cell<u64>,
}

/// The outcome of recovering a corrupt index.
enum Recovered {
    /// Rebuilt from the conversation keys.
    Rebuilt(Vec<Summary>),
    /// Moved to its backup key; history starts empty. The error says so.
    MovedAside(HistoryError),
}

impl<K: KeyValue> HistoryStore<K> {
    /// A store over `storage`.
    pub fn new(storage: K) -> Self {
        Self {
            storage,
            counter: Cell::new(0),
        }
    }

    /// The storage.
    pub fn storage(&self) -> &K {
        &self.storage
    }

    /// The storage, to change it (tests plant values this way).
    pub fn storage_mut(&mut self) -> &mut K {
        &mut self.storage
    }

    /// Gives the storage back.
    pub fn into_inner(self) -> K {
        self.storage
    }

    /// A new conversation id, `c<ms>-<n>` (e.g. `c1764000000000-1`), not used by any stored
    /// conversation. `now`: ms since the epoch.
    pub fn new_id(&self, now: f64) -> String {
        let ms = if now.is_finite() && now > 0.0 {
            now.floor() as u64
        } else {
            0
        };
        loop {
            self.counter.set(self.counter.get() + 1);
            let id = format!("c{ms}-{}", self.counter.get());
            if !matches!(self.storage.get(&conversation_key(&id)), Ok(Some(_))) {
                return id;
            }
        }
    }

    /// The saved conversations, newest first.
    ///
    /// A corrupt index is rebuilt from the stored conversations when the storage can list its
    /// keys; otherwise it is moved to `chat-stream.v1.corrupt.index` (never deleted) and
    /// [`HistoryError::Corrupt`] is returned: the caller shows it and starts with an empty list
    /// (the next call returns `Ok`). If even the move fails, the value is left where it is.
    pub fn load_index(&mut self) -> Result<Vec<Summary>, HistoryError> {
        self.recover_index()?
    }

    /// Reads the index; on corruption recovers it. The outer error is fatal (the index could
    /// not even be moved aside); the inner one means "moved aside, start empty".
    fn recover_index(&mut self) -> Result<Result<Vec<Summary>, HistoryError>, HistoryError> {
        let raw = match self.storage.get(INDEX_KEY)? {
            Some(raw) => raw,
            None => return Ok(Ok(self.rebuild()?.unwrap_or_default())),
        };
        match serde_json::from_str::<Vec<Summary>>(&raw) {
            Ok(mut index) => {
                sort_newest_first(&mut index);
                Ok(Ok(index))
            }
            Err(e) => match self.move_corrupt_index(&raw, &e.to_string())? {
                Recovered::Rebuilt(index) => Ok(Ok(index)),
                Recovered::MovedAside(error) => Ok(Err(error)),
            },
        }
    }

    /// The index from the conversation keys, when the storage can list keys. Unreadable
    /// conversations are left out (and left in storage).
    fn rebuild(&self) -> Result<Option<Vec<Summary>>, HistoryError> {
        let Some(keys) = self.storage.keys()? else {
            return Ok(None);
        };
        let mut index = Vec::new();
        for key in keys {
            let Some(id) = key.strip_prefix(CONVERSATION_KEY_PREFIX) else {
                continue;
            };
            if let Some(raw) = self.storage.get(&key)? {
                if let Ok(mut conversation) = serde_json::from_str::<Conversation>(&raw) {
                    conversation.id = id.to_owned();
                    index.push(conversation.summary());
                }
            }
        }
        sort_newest_first(&mut index);
        Ok(Some(index))
    }

    fn move_corrupt_index(
        &mut self,
        raw: &str,
        parse_error: &str,
    ) -> Result<Recovered, HistoryError> {
        let backup = backup_key(INDEX_KEY);
        if let Err(e) = self.storage.set(&backup, raw) {
            return Err(HistoryError::Corrupt {
                key: INDEX_KEY.to_owned(),
                reason: format!(
                    "{parse_error}; it could not be moved to {backup} ({e}), so it was left as it is"
                ),
            });
        }
        if let Some(index) = self.rebuild()? {
            // The backup holds the old value; a failed write leaves the corrupt index, which
            // the next load recovers again.
            let _ = self.write_index(&index);
            return Ok(Recovered::Rebuilt(index));
        }
        self.storage.remove(INDEX_KEY)?;
        Ok(Recovered::MovedAside(HistoryError::Corrupt {
            key: INDEX_KEY.to_owned(),
            reason: format!(
                "{parse_error}; it was moved to {backup} and a new, empty history was started"
            ),
        }))
    }

    /// The index to update before a write: a corrupt one is recovered first.
    fn index_for_write(&mut self) -> Result<Vec<Summary>, HistoryError> {
        Ok(self.recover_index()?.unwrap_or_default())
    }

    fn write_index(&mut self, index: &[Summary]) -> Result<(), HistoryError> {
        let json = serde_json::to_string(index).unwrap_or_else(|_| "[]".to_owned());
        self.storage.set(INDEX_KEY, &json)?;
        Ok(())
    }

    /// One conversation. A missing one is [`HistoryError::NotFound`]; an unreadable one is
    /// [`HistoryError::CorruptConversation`], named by its title, and left in storage.
    pub fn load(&self, id: &str) -> Result<Conversation, HistoryError> {
        let raw = self
            .storage
            .get(&conversation_key(id))?
            .ok_or_else(|| HistoryError::NotFound { id: id.to_owned() })?;
        let mut conversation = serde_json::from_str::<Conversation>(&raw).map_err(|e| {
            HistoryError::CorruptConversation {
                id: id.to_owned(),
                title: self.indexed_title(id).unwrap_or_else(|| id.to_owned()),
                reason: e.to_string(),
            }
        })?;
        conversation.id = id.to_owned();
        Ok(conversation)
    }

    fn indexed_title(&self, id: &str) -> Option<String> {
        let raw = self.storage.get(INDEX_KEY).ok()??;
        let index: Vec<Summary> = serde_json::from_str(&raw).ok()?;
        index.into_iter().find(|s| s.id == id).map(|s| s.title)
    }

    /// Every readable conversation, newest first, and the errors of the unreadable ones (for
    /// an export that says what it left out).
    pub fn load_all(&mut self) -> (Vec<Conversation>, Vec<HistoryError>) {
        let index = match self.load_index() {
            Ok(index) => index,
            Err(e) => return (Vec::new(), vec![e]),
        };
        let mut errors = Vec::new();
        let conversations = index
            .iter()
            .filter_map(|s| self.load(&s.id).map_err(|e| errors.push(e)).ok())
            .collect();
        (conversations, errors)
    }

    /// Saves a conversation: its value first, then the index. A title the user set (see
    /// [`HistoryStore::rename`]) is kept even when `conversation` carries a derived one.
    ///
    /// When storage is full this returns [`HistoryError::StorageFull`] and what was stored
    /// before is unchanged: the conversation's previous value stays, and a new conversation
    /// leaves nothing behind.
    pub fn save(&mut self, conversation: &Conversation) -> Result<(), HistoryError> {
        check_id(&conversation.id).map_err(|reason| HistoryError::InvalidId {
            id: conversation.id.clone(),
            reason,
        })?;
        let mut index = self.index_for_write()?;
        let existed = self.write_conversation(conversation, &mut index)?;
        if let Err(e) = self.write_index(&index) {
            if !existed {
                let _ = self.storage.remove(&conversation_key(&conversation.id));
            }
            return Err(e);
        }
        Ok(())
    }

    /// Writes the conversation value and updates `index` in memory. Returns whether it was in
    /// the index before.
    fn write_conversation(
        &mut self,
        conversation: &Conversation,
        index: &mut Vec<Summary>,
    ) -> Result<bool, HistoryError> {
        let position = index.iter().position(|s| s.id == conversation.id);
        let user_title = position
            .map(|i| &index[i])
            .filter(|s| s.title_set_by_user && !conversation.title_set_by_user)
            .map(|s| s.title.clone());
        let json = match user_title {
            Some(title) => {
                let mut kept = conversation.clone();
                kept.title = title;
                kept.title_set_by_user = true;
                serde_json::to_string(&kept)
            }
            None => serde_json::to_string(conversation),
        }
        .unwrap_or_default();
        self.storage
            .set(&conversation_key(&conversation.id), &json)?;
        let mut summary = conversation.summary();
        if let Some(i) = position {
            if index[i].title_set_by_user && !summary.title_set_by_user {
                summary.title = index[i].title.clone();
                summary.title_set_by_user = true;
            }
            index.remove(i);
        }
        index.push(summary);
        sort_newest_first(index);
        Ok(position.is_some())
    }

    /// Renames a conversation; the title is kept by later saves. An empty (blank) title goes
    /// back to the derived one. White space is collapsed, and a title longer than
    /// [`USER_TITLE_MAX_CHARS`] characters is cut.
    pub fn rename(&mut self, id: &str, title: &str) -> Result<(), HistoryError> {
        let mut conversation = self.load(id)?;
        let title = title.split_whitespace().collect::<Vec<_>>().join(" ");
        if title.is_empty() {
            conversation.title = derive_title(&conversation.messages);
            conversation.title_set_by_user = false;
        } else {
            conversation.title = cut_chars(&title, USER_TITLE_MAX_CHARS);
            conversation.title_set_by_user = true;
        }
        let mut index = self.index_for_write()?;
        index.retain(|s| s.id != id);
        self.write_conversation(&conversation, &mut index)?;
        self.write_index(&index)
    }

    /// Deletes a conversation (no error when it is not there). The index is updated first, so
    /// a failure leaves at worst an unlisted value, never a listed conversation that is gone.
    /// If it was the open conversation, no conversation is open any more.
    pub fn delete(&mut self, id: &str) -> Result<(), HistoryError> {
        let mut index = self.index_for_write()?;
        let before = index.len();
        index.retain(|s| s.id != id);
        if index.len() != before {
            self.write_index(&index)?;
        }
        self.storage.remove(&conversation_key(id))?;
        if self.current()?.as_deref() == Some(id) {
            self.set_current(None)?;
        }
        Ok(())
    }

    /// The id of the open conversation, if any.
    pub fn current(&self) -> Result<Option<String>, HistoryError> {
        Ok(self.storage.get(CURRENT_KEY)?.filter(|id| !id.is_empty()))
    }

    /// Sets (or with `None` clears) the open conversation.
    pub fn set_current(&mut self, id: Option<&str>) -> Result<(), HistoryError> {
        match id {
            Some(id) => self.storage.set(CURRENT_KEY, id)?,
            None => self.storage.remove(CURRENT_KEY)?,
        }
        Ok(())
    }

    /// Imports conversations as [`merge`] does, against the stored ones, and saves them with
    /// one index write at the end. If storage fills up part way, the conversations saved so far
    /// are kept and listed, and [`HistoryError::PartialImport`] says how many; if even the index
    /// cannot be written, nothing is added.
    pub fn merge_import(
        &mut self,
        imported: Vec<Conversation>,
    ) -> Result<MergeReport, HistoryError> {
        let mut index = self.index_for_write()?;
        let mut taken: HashSet<String> = index.iter().map(|s| s.id.clone()).collect();
        let mut report = MergeReport::default();
        let mut to_save: Vec<Conversation> = Vec::new();
        for mut conversation in imported {
            let placed = place(&conversation, |id| {
                if let Some(pending) = to_save.iter().find(|c| c.id == id) {
                    return Some(pending.messages == conversation.messages);
                }
                let stored = taken.contains(id)
                    || matches!(self.storage.get(&conversation_key(id)), Ok(Some(_)));
                stored.then(|| {
                    self.load(id)
                        .is_ok_and(|c| c.messages == conversation.messages)
                })
            });
            let Some((id, renamed)) = placed else {
                report.skipped += 1;
                continue;
            };
            report.record(&id, renamed);
            conversation.id = id;
            taken.insert(conversation.id.clone());
            to_save.push(conversation);
        }
        let total = to_save.len();
        let mut written = Vec::new();
        let mut failure = None;
        for conversation in &to_save {
            match self.write_conversation(conversation, &mut index) {
                Ok(_) => written.push(conversation.id.clone()),
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            }
        }
        if let Err(e) = self.write_index(&index) {
            for id in &written {
                let _ = self.storage.remove(&conversation_key(id));
            }
            return Err(e);
        }
        match failure {
            None => Ok(report),
            Some(source) if written.is_empty() => Err(source),
            Some(source) => Err(HistoryError::PartialImport {
                saved: written.len(),
                total,
                source: Box::new(source),
            }),
        }
    }
}

fn sort_newest_first(index: &mut Vec<Summary>) {
    let mut seen = HashSet::new();
    index.sort_by(|a, b| {
        b.updated_at
            .total_cmp(&a.updated_at)
            .then_with(|| a.id.cmp(&b.id))
    });
    index.retain(|s| seen.insert(s.id.clone()));
}

// ------------------------------------------------------------------------------------------------
// Settings and the API key
// ------------------------------------------------------------------------------------------------

/// Saves the settings under [`SETTINGS_KEY`]. [`Settings`] has no API key field, so the key is
/// never part of this value.
pub fn save_settings<K: KeyValue>(
    storage: &mut K,
    settings: &Settings,
) -> Result<(), HistoryError> {
    let json = serde_json::to_string(settings).unwrap_or_default();
    storage.set(SETTINGS_KEY, &json)?;
    Ok(())
}

/// The saved settings, `None` when there are none. Missing fields take their defaults; an
/// unreadable value is [`HistoryError::Corrupt`] (the caller falls back to the defaults, and
/// the next save replaces it).
pub fn load_settings<K: KeyValue>(storage: &K) -> Result<Option<Settings>, HistoryError> {
    let Some(raw) = storage.get(SETTINGS_KEY)? else {
        return Ok(None);
    };
    serde_json::from_str(&raw)
        .map(Some)
        .map_err(|e| HistoryError::Corrupt {
            key: SETTINGS_KEY.to_owned(),
            reason: format!("{e}; the default settings are used instead"),
        })
}

/// Keeps the API key on this device when the user asked for it (`remember`): in `local` with
/// the [`REMEMBER_KEY_KEY`] flag. Without `remember` the key lives only in the page's memory, so
/// it is removed from `local`; no storage ever holds a key the user did not ask to keep. An empty
/// key forgets it ([`forget_key`]).
pub fn save_key<L: KeyValue>(local: &mut L, key: &str, remember: bool) -> Result<(), HistoryError> {
    if key.is_empty() || !remember {
        return forget_key(local);
    }
    local.set(API_KEY_KEY, key)?;
    local.set(REMEMBER_KEY_KEY, "true")?;
    Ok(())
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
pub fn forget_key<L: KeyValue>(local: &mut L) -> Result<(), HistoryError> {
    ignore_unavailable(local.remove(API_KEY_KEY))
        .and(ignore_unavailable(local.remove(REMEMBER_KEY_KEY)))?;
    Ok(())
}

/// Removing from a storage that is unavailable is done: nothing can be in it.
fn ignore_unavailable(result: Result<(), StoreError>) -> Result<(), StoreError> {
    match result {
        Err(StoreError::Unavailable) => Ok(()),
        other => other,
    }
}
