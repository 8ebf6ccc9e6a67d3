//! Conversation history: the saved format and its conversions from and to a [`Transcript`]
//! (`format`), export and import of history files, merging an import with what is saved (`merge`),
//! and [`HistoryStore`], the saved conversations over any [`KeyValue`] storage (`store`):
//! `localStorage` in the browser, [`MemoryStore`] in tests. Nothing here touches the browser.
//!
//! Times are milliseconds since the Unix epoch (`Date.now()`), passed in by the caller as `now`.
//! They are not the `performance.now()` marks of a turn.
//!
//! # The history file (format `chat-stream.history`, version 2)
//!
//! [`export`] writes, and [`import`] reads, one JSON document:
//!
//! ```json
//! {
//!   "format": "chat-stream.history",
//!   "version": 2,
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
//!           "status": "stopped",
//!           "stats": {
//!             "streaming": true,
//!             "headers_ms": 48.2,
//!             "first_chunk_ms": 61.0,
//!             "first_token_ms": 212.4,
//!             "total_ms": 1180.5,
//!             "chunks": 9,
//!             "tokens_per_second": 7.9,
//!             "rate_source": "counted_chunks",
//!             "log": [
//!               {
//!                 "ms": 61.0,
//!                 "summary": "{\"role\": \"assistant\", \"content\": \"\"}"
//!               }
//!             ]
//!           }
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
//! - `format` must be `"chat-stream.history"` and `version` `1` or `2` ([`SUPPORTED_VERSIONS`]);
//!   version 1 files are read as version 2 files without finish reasons and figures.
//! - `exported_at`, `created_at`, `updated_at`: milliseconds since the Unix epoch (numbers).
//! - `id`: any non-empty text without control characters, at most [`MAX_ID_CHARS`] characters.
//! - `title`: text; `title_set_by_user` (default `false`): the user renamed it, so it is no
//!   longer derived from the first user message.
//! - `messages[].role`: `"user"`, `"assistant"` or `"system"`; any other role is an error.
//! - `messages[].content`: text. `reasoning`, `refusal` (text, omitted when empty), `status`
//!   (`"complete"`, `"stopped"` or `"failed"`, omitted when complete) and `error` (text, omitted
//!   when there is none) are optional; `null` reads as absent.
//! - Version 2 adds, on assistant messages, `tool_calls` (`[{id, name, arguments}]`, the calls
//!   the model asked for, arguments as JSON text; never run), `finish_reason` (text as the server said it,
//!   normalised to `stop`, `length`, `tool_calls`, `content_filter` where known) and `stats`:
//!   the turn's figures ([`MessageStats`](crate::transcript::MessageStats)): `streaming`,
//!   `headers_ms`, `first_chunk_ms`, `first_token_ms`, `total_ms` (ms after the request was
//!   sent), `chunks`, `tokens_per_second` with `rate_source` (`server_timings`, `usage`,
//!   `counted_chunks`), `completion_tokens`, and `log`: the first
//!   [`LOG_ROWS`](crate::transcript::MessageStats::LOG_ROWS) chunks as `{ms, summary}`. Every
//!   field of `stats` is optional.
//! - Fields that a reader does not know are ignored, so a later version can add fields without
//!   a version bump. Files are at most [`MAX_IMPORT_BYTES`] bytes and
//!   [`MAX_CONVERSATIONS`] conversations.
//!
//! # Browser storage
//!
//! [`HistoryStore`] keeps an index of [`Summary`] (`id`, `title`, `updated_at`, and
//! `title_set_by_user` when true; newest first) as a JSON list, each [`Conversation`] under its own
//! key as JSON (the same object as in the file), and the id of the open conversation as plain
//! text; an unreadable index is moved aside, never deleted. The key names are those of
//! [`crate::storage`] ([`INDEX_KEY`], [`conversation_key`], [`CURRENT_KEY`],
//! [`CORRUPT_INDEX_KEY`]).
//!
//! [`Transcript`]: crate::transcript::Transcript

mod error;
mod format;
mod merge;
mod store;

pub use error::HistoryError;
pub use format::{
    derive_title, export, import, Conversation, SavedMessage, SavedStatus, Summary, FORMAT,
    MAX_CONVERSATIONS, MAX_ID_CHARS, MAX_IMPORT_BYTES, SUPPORTED_VERSIONS, TITLE_MAX_CHARS,
    UNTITLED, USER_TITLE_MAX_CHARS, VERSION,
};
pub use merge::{merge, MergeReport};
pub use store::HistoryStore;

// Also reachable here, so `crate::history::X` paths keep working: the storage types of
// `HistoryStore`'s API and the history's key names (all owned by `crate::storage`).
#[doc(no_inline)]
pub use crate::storage::{
    backup_key, conversation_key, KeyValue, MemoryStore, StoreError, CONVERSATION_KEY_PREFIX,
    CORRUPT_INDEX_KEY, CORRUPT_KEY_PREFIX, CURRENT_KEY, INDEX_KEY, KEY_PREFIX,
};
