//! [`HistoryStore`]: the saved conversations over any [`KeyValue`] storage, under the keys of
//! [`crate::storage`] (an index, one key per conversation, the open conversation's id).

use std::{cell::Cell, collections::HashSet};

use crate::storage::{
    conversation_key, KeyValue, CONVERSATION_KEY_PREFIX, CORRUPT_INDEX_KEY, CURRENT_KEY, INDEX_KEY,
};

use super::{
    derive_title, format::check_id, merge::place, Conversation, HistoryError, MergeReport, Summary,
    USER_TITLE_MAX_CHARS,
};

/// Saved conversations over a [`KeyValue`] storage (the keys are listed in [`crate::storage`]).
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
    /// keys; otherwise it is moved to [`CORRUPT_INDEX_KEY`] (never deleted) and
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
        let backup = CORRUPT_INDEX_KEY;
        if let Err(e) = self.storage.set(backup, raw) {
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
            conversation.title = crate::openai::excerpt(&title, USER_TITLE_MAX_CHARS);
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

    /// Imports conversations as [`merge`](super::merge) does, against the stored ones, and saves them with
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
