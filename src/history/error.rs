//! [`HistoryError`]: everything that can go wrong reading, writing, importing or exporting
//! history, each with a message for the user.

use crate::storage::{human_bytes, StoreError};

use super::format::VERSION;

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
    #[error("this history file has version {found}, which this version of chat-stream cannot read (it reads {supported}){}", if .found.parse::<u64>().is_ok_and(|v| v > VERSION) { "; it was written by a newer chat-stream" } else { "" })]
    UnsupportedVersion {
        /// The version found, as written in the file (`missing` when absent).
        found: String,
        /// The supported versions, e.g. `versions 1 and 2`.
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
    /// The file is larger than [`MAX_IMPORT_BYTES`](super::MAX_IMPORT_BYTES).
    #[error("this file is too large to import ({}; the limit is {})", human_bytes(*.bytes), human_bytes(*.max_bytes))]
    TooLarge {
        /// Its size in bytes.
        bytes: usize,
        /// The limit in bytes.
        max_bytes: usize,
    },
    /// The file has more than [`MAX_CONVERSATIONS`](super::MAX_CONVERSATIONS) conversations.
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
    /// A stored value (the index) cannot be read.
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
