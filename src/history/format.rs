//! The saved form of a conversation ([`Conversation`], [`SavedMessage`], [`Summary`]), its
//! conversions from and to a [`Transcript`], titles, and the history file: [`export`] writes it,
//! [`import`] reads and checks it (the format is documented on [`crate::history`]).

use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;

use crate::{
    openai::{excerpt, Role},
    transcript::{Message, MessageStats, MessageStatus, ToolCall, Transcript},
};

use super::HistoryError;

/// The `format` of a history file.
pub const FORMAT: &str = "chat-stream.history";
/// The version [`export`] writes.
pub const VERSION: u64 = 2;
/// The versions [`import`] reads (version 1 files have no finish reasons or figures).
pub const SUPPORTED_VERSIONS: &[u64] = &[1, 2];
/// The largest history file [`import`] reads, in bytes (50 MiB).
pub const MAX_IMPORT_BYTES: usize = 50 * 1024 * 1024;
/// The most conversations [`import`] reads from one file.
pub const MAX_CONVERSATIONS: usize = 10_000;
/// The longest conversation id, in characters.
pub const MAX_ID_CHARS: usize = 256;
/// The longest derived title, in characters (including the `…`).
pub const TITLE_MAX_CHARS: usize = 200;
/// The longest title a user may set, in characters (including the `…`).
pub const USER_TITLE_MAX_CHARS: usize = 200;
/// The title of a conversation without a user message yet.
pub const UNTITLED: &str = "New chat";

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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedMessage {
    /// Who wrote it.
    pub role: Role,
    /// Prompt or answer text.
    #[serde(deserialize_with = "crate::openai::null_as_default")]
    pub content: String,
    /// Reasoning text (omitted when empty).
    #[serde(
        default,
        deserialize_with = "crate::openai::null_as_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub reasoning: String,
    /// A refusal instead of an answer (omitted when empty).
    #[serde(
        default,
        deserialize_with = "crate::openai::null_as_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub refusal: String,
    /// How it ended (omitted when complete).
    #[serde(
        default,
        deserialize_with = "crate::openai::null_as_default",
        skip_serializing_if = "SavedStatus::is_complete"
    )]
    pub status: SavedStatus,
    /// The error that ended a failed message (omitted when none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The tool calls the model asked for (shown, never run; omitted when none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tool_calls: Vec<ToolCall>,
    /// Why the answer ended, as the server said (`stop`, `length`, ...; omitted when unknown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finish_reason: Option<String>,
    /// The figures of the turn that wrote the answer (omitted for prompts and old files).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stats: Option<MessageStats>,
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
            tool_calls: Vec::new(),
            finish_reason: None,
            stats: None,
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
            tool_calls: message.tool_calls.clone(),
            finish_reason: message.finish_reason.clone(),
            stats: message.stats.clone(),
        }
    }

    /// The message on screen (its id is set by [`Transcript::restore`]).
    pub fn to_message(&self) -> Message {
        let mut message = Message {
            role: self.role,
            refusal: self.refusal.clone(),
            status: self.status.into(),
            error: self.error.clone(),
            tool_calls: self.tool_calls.clone(),
            finish_reason: self.finish_reason.clone(),
            stats: self.stats.clone(),
            ..Message::default()
        };
        message.content.push_str(&self.content);
        message.reasoning.push_str(&self.reasoning);
        message
    }

    /// No text of any kind, no tool call and no error.
    pub fn is_empty(&self) -> bool {
        self.content.is_empty()
            && self.reasoning.is_empty()
            && self.refusal.is_empty()
            && self.tool_calls.is_empty()
            && self.error.is_none()
    }
}

/// One saved conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conversation {
    /// Unique id, e.g. `c1764000000000-1` (see [`HistoryStore::new_id`](super::HistoryStore::new_id)).
    pub id: String,
    /// Shown in the list: derived from the first user message unless the user renamed it.
    pub title: String,
    /// The user renamed the conversation: later saves keep the title.
    #[serde(default, deserialize_with = "crate::openai::null_as_default")]
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
            let mut saved = SavedMessage::from_message(m.role, m);
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
    Some(excerpt(&collapsed, max))
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
        deserialize_with = "crate::openai::null_as_default",
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
/// fields are ignored. Ids are not made unique here: [`merge`](super::merge) does that.
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
                    excerpt(f, 60)
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
    let supported = match SUPPORTED_VERSIONS {
        [one] => format!("version {one}"),
        [first @ .., last] => format!(
            "versions {} and {last}",
            first
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        [] => "no version".to_owned(),
    };
    match root.get("version") {
        Some(Value::Number(n)) if n.as_u64().is_some_and(|v| SUPPORTED_VERSIONS.contains(&v)) => {}
        found => {
            return Err(HistoryError::UnsupportedVersion {
                found: match found {
                    None => "missing".to_owned(),
                    Some(v) => excerpt(&v.to_string(), 40),
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
    #[serde(default, deserialize_with = "crate::openai::null_as_default")]
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
                excerpt(r, 40)
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

pub(super) fn check_id(id: &str) -> Result<(), String> {
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
