//! The settings a request is made with, their defaults, and how a page URL prefills them
//! (`?endpoint=…&model=…&stream=true|false`). The API key is never read from the URL.
//!
//! Saving and restoring them, the remembered API key and the colour theme over any
//! [`KeyValue`](crate::storage::KeyValue) storage: [`save_settings`] / [`load_settings`],
//! [`save_key`] / [`load_key`] / [`forget_key`], [`save_theme`] / [`load_theme`].

use serde::{Deserialize, Serialize};

use crate::{protocol::Protocol, transcript::RequestOptions};

mod persist;
mod theme;
pub mod validate;

pub use persist::{
    forget_key, load_key, load_settings, load_theme, save_key, save_settings, save_theme,
    SettingsError,
};
pub use theme::Theme;

/// Everything the settings panel edits. Serialized (with defaults for missing fields) to persist
/// it; the API key is not part of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Base URL of an OpenAI-compatible API, e.g. `http://127.0.0.1:8081/v1`.
    pub endpoint: String,
    /// Model name.
    pub model: String,
    /// Which API the endpoint speaks (Chat Completions, Responses, Anthropic Messages).
    pub protocol: Protocol,
    /// Sampling temperature.
    pub temperature: Option<f32>,
    /// Max tokens to generate (small local models rarely stop by themselves).
    pub max_tokens: Option<u32>,
    /// System prompt.
    pub system: String,
    /// Ask for a streamed answer.
    pub stream: bool,
    /// Text to prefill the prompt box with.
    pub prompt: String,
    /// End a turn when the server sends nothing for this many seconds (0: never).
    pub idle_timeout_secs: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            endpoint: "http://127.0.0.1:8081/v1".to_owned(),
            model: "gemma-3-270m".to_owned(),
            protocol: Protocol::Chat,
            temperature: Some(0.7),
            max_tokens: Some(256),
            system: String::new(),
            stream: true,
            prompt: Self::DEFAULT_PROMPT.to_owned(),
            idle_timeout_secs: 60,
        }
    }
}

impl Settings {
    /// The prompt of OpenAI's "How to stream completions" notebook.
    pub const DEFAULT_PROMPT: &'static str =
        "Count to 20, with a comma between each number and no newlines. E.g., 1, 2, 3, ...";

    /// Applies the query string of a page URL (with or without the leading `?`). Known keys:
    /// `endpoint`, `model`, `protocol` (`chat`, `responses`, `anthropic`), `stream`, `temperature`, `max_tokens`, `system`, `prompt`,
    /// `idle_timeout` (seconds).
    /// Unknown keys, and values that do not parse, are ignored. `api_key` is deliberately not a
    /// key: a secret in a URL ends up in history, logs and referrers.
    pub fn apply_query(&mut self, query: &str) {
        for (key, value) in parse_query(query) {
            match key.as_str() {
                "endpoint" if !value.trim().is_empty() => self.endpoint = value.trim().to_owned(),
                "model" => self.model = value,
                "protocol" => {
                    if let Some(p) = Protocol::parse(&value) {
                        self.protocol = p;
                    }
                }
                "stream" => match value.as_str() {
                    "true" | "1" | "on" => self.stream = true,
                    "false" | "0" | "off" => self.stream = false,
                    _ => {}
                },
                "temperature" => {
                    if let Ok(t) = value.parse::<f32>() {
                        self.temperature = (0.0..=2.0).contains(&t).then_some(t);
                    }
                }
                "max_tokens" => self.max_tokens = value.parse().ok().filter(|&n| n > 0),
                "system" => self.system = value,
                "prompt" => self.prompt = value,
                "idle_timeout" => {
                    if let Ok(secs) = value.parse() {
                        self.idle_timeout_secs = secs;
                    }
                }
                _ => {}
            }
        }
    }

    /// Applies one attribute of the `<chat-stream>` element: `endpoint`, `model`, `protocol`, `stream`,
    /// `system`, `temperature`, `max-tokens`, `idle-timeout`. `None` (attribute removed) and
    /// values that do not parse restore the default. `stream` is a boolean attribute that also
    /// takes `"false"`, `"0"`, `"off"` or `"no"`. Returns `false` for other names.
    pub fn apply_attribute(&mut self, name: &str, value: Option<&str>) -> bool {
        let d = Self::default();
        let value = value.map(str::trim);
        match name {
            "endpoint" => {
                self.endpoint = value
                    .filter(|v| !v.is_empty())
                    .map_or(d.endpoint, str::to_owned)
            }
            "model" => self.model = value.map_or(d.model, str::to_owned),
            "protocol" => self.protocol = value.and_then(Protocol::parse).unwrap_or(d.protocol),
            "stream" => {
                self.stream = value.is_none_or(|v| {
                    !matches!(
                        v.to_ascii_lowercase().as_str(),
                        "false" | "0" | "off" | "no"
                    )
                })
            }
            "system" => self.system = value.map_or(d.system, str::to_owned),
            "temperature" => {
                self.temperature = value
                    .and_then(|v| v.parse::<f32>().ok())
                    .filter(|t| (0.0..=2.0).contains(t))
                    .or(d.temperature)
            }
            "max-tokens" => {
                self.max_tokens = value
                    .and_then(|v| v.parse().ok())
                    .filter(|&n| n > 0)
                    .or(d.max_tokens)
            }
            "idle-timeout" => {
                self.idle_timeout_secs = value
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(d.idle_timeout_secs)
            }
            _ => return false,
        }
        true
    }

    /// `{endpoint}/chat/completions`, without a doubled slash.
    pub fn completions_url(&self) -> String {
        format!("{}/chat/completions", self.endpoint.trim_end_matches('/'))
    }

    /// The options for the next request.
    pub fn request_options(&self) -> RequestOptions {
        RequestOptions {
            model: self.model.clone(),
            system: self.system.clone(),
            temperature: self.temperature,
            max_tokens: self.max_tokens,
            stream: self.stream,
            include_usage: true,
        }
    }
}

/// Splits `a=1&b=x%20y` into decoded pairs (`+` is a space, as in forms).
pub fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .trim_start_matches('?')
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(hi), Some(lo)) => {
                    out.push(hi << 4 | lo);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}
