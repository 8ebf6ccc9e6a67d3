//! `use_history`: conversation history in `localStorage`: the open conversation is saved when a
//! turn starts and ends (and when the page is hidden), restored on reload, and listed for opening,
//! renaming, deleting, exporting and importing. Storage problems are reported and never touch the
//! conversation on screen. The panel that shows it is [`super::HistoryPanel`].

use leptos::{ev, prelude::*, task::spawn_local};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use super::{storage::WebStorage, use_chat_stream::UseChatStreamReturn};
use crate::history::{self, Conversation, HistoryError, HistoryStore, Summary};

/// What the history panel last has to tell the user.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum HistoryNotice {
    /// Nothing to tell.
    #[default]
    Quiet,
    /// What an export or import did, shown as a status (`data-testid="history-status"`).
    Info(String),
    /// A storage, import or export failure, shown as an alert (`data-testid="storage-error"`)
    /// until the next successful save.
    Error(String),
}

impl HistoryNotice {
    /// A failure is being shown.
    pub fn is_error(&self) -> bool {
        matches!(self, HistoryNotice::Error(_))
    }
}

/// What [`use_history`] gives a component.
#[derive(Clone, Copy)]
pub struct UseHistoryReturn {
    /// Saved conversations, newest first.
    pub summaries: ReadSignal<Vec<Summary>>,
    /// The id of the open conversation once it has been saved.
    pub current: ReadSignal<Option<String>>,
    /// The last storage / import / export outcome worth telling.
    pub status: ReadSignal<HistoryNotice>,
    set_summaries: WriteSignal<Vec<Summary>>,
    set_current: WriteSignal<Option<String>>,
    set_status: WriteSignal<HistoryNotice>,
    store: StoredValue<HistoryStore<WebStorage>, LocalStorage>,
    created_at: StoredValue<f64>,
    pub(crate) chat: UseChatStreamReturn,
}

fn epoch_ms() -> f64 {
    js_sys::Date::now()
}

/// Restores the last open conversation into `chat` and keeps it saved from now on.
pub fn use_history(chat: UseChatStreamReturn) -> UseHistoryReturn {
    let (summaries, set_summaries) = signal(Vec::new());
    let (current, set_current) = signal(None);
    let (status, set_status) = signal(HistoryNotice::Quiet);
    let this = UseHistoryReturn {
        summaries,
        current,
        status,
        set_summaries,
        set_current,
        set_status,
        store: StoredValue::new_local(HistoryStore::new(WebStorage::local())),
        created_at: StoredValue::new(epoch_ms()),
        chat,
    };
    this.refresh();
    let last = this.store.with_value(|s| s.current());
    match last {
        Ok(Some(id)) => this.open(&id),
        Ok(None) => {}
        Err(e) => {
            this.report::<()>(Err(e));
        }
    }
    // Save when a turn starts (the user's message) and when it ends (the answer).
    Effect::new(move |was_busy: Option<bool>| {
        let busy = chat.status.get().is_busy();
        if was_busy.is_some_and(|b| b != busy) {
            this.save();
        }
        busy
    });
    // Leaving the page mid-answer: keep the partial answer as a stopped one.
    let pagehide = window_event_listener(ev::pagehide, move |_| {
        chat.stop();
        this.save();
    });
    on_cleanup(move || pagehide.remove());
    this
}

impl UseHistoryReturn {
    fn report<T>(&self, result: Result<T, HistoryError>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(e) => {
                self.fail(e.to_string());
                None
            }
        }
    }

    fn tell(&self, text: String) {
        self.set_status.set(HistoryNotice::Info(text));
    }

    fn fail(&self, text: String) {
        self.set_status.set(HistoryNotice::Error(text));
    }

    fn refresh(&self) {
        let list = self.store.try_update_value(|s| s.load_index());
        if let Some(list) = list.and_then(|l| self.report(l)) {
            self.set_summaries.set(list);
        }
    }

    /// Saves the open conversation (nothing to save while it is empty).
    pub fn save(&self) {
        let conversation = self.chat.transcript.with_untracked(|t| {
            if t.messages.is_empty() {
                return None;
            }
            let now = epoch_ms();
            let id = self
                .current
                .get_untracked()
                .unwrap_or_else(|| self.store.with_value(|s| s.new_id(now)));
            Some(Conversation::from_transcript(
                id,
                t,
                now,
                self.created_at.get_value(),
            ))
        });
        let Some(conversation) = conversation else {
            return;
        };
        let id = conversation.id.clone();
        let saved = self.store.try_update_value(|s| {
            s.save(&conversation)
                .and_then(|()| s.set_current(Some(&id)))
        });
        if let Some(Some(())) = saved.map(|r| self.report(r)) {
            self.set_current.set(Some(id));
            if self.status.with_untracked(HistoryNotice::is_error) {
                self.set_status.set(HistoryNotice::Quiet);
            }
        }
        self.refresh();
    }

    /// Opens a saved conversation (a running turn is stopped and saved first).
    pub fn open(&self, id: &str) {
        if self.chat.status.get_untracked().is_busy() {
            self.chat.stop();
            self.save();
        }
        let loaded = self.store.with_value(|s| s.load(id));
        if let Some(conversation) = self.report(loaded) {
            self.created_at.set_value(conversation.created_at);
            self.chat.load(conversation.to_transcript());
            let _ = self.store.try_update_value(|s| s.set_current(Some(id)));
            self.set_current.set(Some(id.to_owned()));
        }
    }

    /// Starts an empty conversation; the previous one stays in the list.
    pub fn new_chat(&self) {
        self.chat.reset();
        self.created_at.set_value(epoch_ms());
        let _ = self.store.try_update_value(|s| s.set_current(None));
        self.set_current.set(None);
    }

    /// Renames a conversation.
    pub fn rename(&self, id: &str, title: &str) {
        if title.trim().is_empty() {
            return;
        }
        let result = self
            .store
            .try_update_value(|s| s.rename(id, title.trim()))
            .unwrap_or(Ok(()));
        self.report(result);
        self.refresh();
    }

    /// Deletes a conversation; deleting the open one empties the screen. Returns what was
    /// deleted (and whether it was open), for [`restore`](Self::restore).
    pub fn delete(&self, id: &str) -> Option<(Conversation, bool)> {
        let was_open = self.current.get_untracked().as_deref() == Some(id);
        if was_open {
            // What is on screen may be newer than the last save.
            self.save();
        }
        let deleted = self.store.with_value(|s| s.load(id)).ok();
        let result = self
            .store
            .try_update_value(|s| s.delete(id))
            .unwrap_or(Ok(()));
        let ok = self.report(result).is_some();
        if ok && was_open {
            self.new_chat();
        }
        self.refresh();
        deleted.filter(|_| ok).map(|c| (c, was_open))
    }

    /// Puts a deleted conversation back (and reopens it if it was open).
    pub fn restore(&self, conversation: &Conversation, reopen: bool) {
        let saved = self.store.try_update_value(|s| s.save(conversation));
        if saved.and_then(|r| self.report(r)).is_some() {
            self.refresh();
            if reopen && !self.chat.status.get_untracked().is_busy() {
                self.open(&conversation.id);
            }
        }
    }

    /// Starts a new conversation; the open one stays saved in the list. Returns the id of the
    /// conversation that was open (to reopen it), if it had been saved.
    pub fn clear(&self) -> Option<String> {
        let previous = self.current.get_untracked();
        if previous.is_some() {
            self.save();
        }
        self.new_chat();
        previous
    }

    /// Downloads every readable conversation as one JSON file (the documented format); the
    /// ones that could not be read are named in the status.
    pub fn export(&self) {
        self.save();
        let Some((all, errors)) = self.store.try_update_value(|s| s.load_all()) else {
            return;
        };
        let json = history::export(&all, epoch_ms());
        match download("chat-stream-history.json", &json) {
            Ok(()) if errors.is_empty() => {
                self.tell(format!("Exported {} conversation(s).", all.len()));
            }
            Ok(()) => self.fail(format!(
                "Exported {} conversation(s); {} could not be read: {}",
                all.len(),
                errors.len(),
                errors[0]
            )),
            Err(e) => self.fail(format!("export failed: {e}")),
        }
    }

    /// Imports a file chosen in an `<input type="file">`.
    pub fn import_file(&self, input: &web_sys::HtmlInputElement) {
        let Some(file) = input.files().and_then(|f| f.get(0)) else {
            return;
        };
        input.set_value("");
        let this = *self;
        spawn_local(async move {
            let text = JsFuture::from(file.text())
                .await
                .ok()
                .and_then(|t| t.as_string());
            match text {
                Some(text) => this.import(&text),
                None => this.fail("the file could not be read".into()),
            }
        });
    }

    /// Imports an exported history: new conversations are added, identical ones skipped.
    pub fn import(&self, json: &str) {
        let Some(imported) = self.report(history::import(json)) else {
            return;
        };
        let merged = self.store.try_update_value(|s| s.merge_import(imported));
        let report = merged.and_then(|r| self.report(r));
        self.refresh();
        if let Some(report) = report {
            self.tell(report.to_string());
        }
    }
}

/// Offers `text` as a file download.
fn download(name: &str, text: &str) -> Result<(), String> {
    let js = |e: JsValue| crate::transport::js_message(&e);
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("application/json");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).map_err(js)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(js)?;
    let document = document();
    let a: web_sys::HtmlAnchorElement = document.create_element("a").map_err(js)?.unchecked_into();
    a.set_href(&url);
    a.set_download(name);
    a.click();
    web_sys::Url::revoke_object_url(&url).map_err(js)?;
    Ok(())
}
