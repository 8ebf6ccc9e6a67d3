//! `localStorage` behind [`crate::storage::KeyValue`], so the store logic
//! (tested on the host) runs unchanged in the browser.

use wasm_bindgen::JsValue;

use crate::storage::{KeyValue, StoreError};

/// The page's `localStorage`; `None` when the browser refuses it (disabled, sandboxed).
pub struct WebStorage(Option<web_sys::Storage>);

impl WebStorage {
    /// `localStorage`: survives reloads and restarts.
    pub fn local() -> Self {
        Self(web_sys::window().and_then(|w| w.local_storage().ok().flatten()))
    }

    fn storage(&self) -> Result<&web_sys::Storage, StoreError> {
        self.0.as_ref().ok_or(StoreError::Unavailable)
    }
}

fn other(e: &JsValue) -> StoreError {
    StoreError::Other(crate::transport::js_message(e))
}

impl KeyValue for WebStorage {
    fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.storage()?.get_item(key).map_err(|e| other(&e))
    }

    fn set(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        self.storage()?.set_item(key, value).map_err(|e| {
            let name = js_sys::Reflect::get(&e, &"name".into())
                .ok()
                .and_then(|n| n.as_string());
            if name.as_deref() == Some("QuotaExceededError") {
                StoreError::QuotaExceeded {
                    needed_bytes: key.len() + value.len(),
                }
            } else {
                other(&e)
            }
        })
    }

    fn remove(&mut self, key: &str) -> Result<(), StoreError> {
        self.storage()?.remove_item(key).map_err(|e| other(&e))
    }

    fn keys(&self) -> Result<Option<Vec<String>>, StoreError> {
        let s = self.storage()?;
        let n = s.length().map_err(|e| other(&e))?;
        Ok(Some(
            (0..n).filter_map(|i| s.key(i).ok().flatten()).collect(),
        ))
    }
}
