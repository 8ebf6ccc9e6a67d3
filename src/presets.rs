//! Provider presets (endpoint, whether a key is needed, a model to start with, a short note on
//! CORS and keys) and the models list (`GET {endpoint}/models`) in every shape servers send it.
//! No browser types here.

use serde_json::Value;

use crate::{
    openai::{excerpt, strip_markup},
    protocol::Protocol,
};

/// A known provider or server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Preset {
    /// Stable id, e.g. `ollama`.
    pub id: &'static str,
    /// Shown to the user, e.g. `Ollama`.
    pub name: &'static str,
    /// Base URL of the API, without a trailing slash. `YOUR-RESOURCE` is a placeholder.
    pub endpoint: &'static str,
    /// The API it is set to speak (servers that speak several keep the one most use).
    pub protocol: Protocol,
    /// Requests fail without an API key.
    pub needs_key: bool,
    /// A model name to start with; empty when the server decides (pick one from its models list).
    pub model_hint: &'static str,
    /// One or two sentences on keys, model names and CORS.
    pub notes: &'static str,
}

/// Every preset, the local default first.
pub const PRESETS: &[Preset] = &[
    Preset {
        id: "local",
        name: "Local (this project's llama-server)",
        endpoint: "http://127.0.0.1:8081/v1",
        protocol: Protocol::Chat,
        needs_key: false,
        model_hint: "gemma-3-270m",
        notes: "llama.cpp's llama-server with Gemma 3 270M, started by `bash .ci/serve`. \
                No key; it allows any page origin and header, and serves all three APIs.",
    },
    Preset {
        id: "openai",
        name: "OpenAI",
        endpoint: "https://api.openai.com/v1",
        protocol: Protocol::Responses,
        needs_key: true,
        model_hint: "gpt-4o-mini",
        notes: "Needs an API key from platform.openai.com; the API allows calls from web pages. \
                Set to the Responses API (Chat Completions works too).",
    },
    Preset {
        id: "anthropic",
        name: "Anthropic",
        endpoint: "https://api.anthropic.com/v1",
        protocol: Protocol::Anthropic,
        needs_key: true,
        model_hint: "claude-haiku-4-5",
        notes: "Needs an API key from console.anthropic.com, sent as `x-api-key` with the \
                `anthropic-dangerous-direct-browser-access` header Anthropic requires before \
                it answers a web page.",
    },
    Preset {
        id: "azure",
        name: "Azure OpenAI",
        endpoint: "https://YOUR-RESOURCE.openai.azure.com/openai/v1",
        protocol: Protocol::Chat,
        needs_key: true,
        model_hint: "gpt-4o-mini",
        notes: "Replace YOUR-RESOURCE with your resource name. The v1 API takes your deployment \
                name as the model and the key as an `api-key` header or a Bearer token; the \
                resource must allow this page's origin (CORS).",
    },
    Preset {
        id: "openrouter",
        name: "OpenRouter",
        endpoint: "https://openrouter.ai/api/v1",
        protocol: Protocol::Chat,
        needs_key: true,
        model_hint: "openai/gpt-4o-mini",
        notes: "Models are named `vendor/model`. Its `: OPENROUTER PROCESSING` keep-alive \
                comments are handled (shown as waiting).",
    },
    Preset {
        id: "ollama",
        name: "Ollama",
        endpoint: "http://127.0.0.1:11434/v1",
        protocol: Protocol::Chat,
        needs_key: false,
        model_hint: "llama3.2",
        notes: "Pull the model first (`ollama pull llama3.2`). Pages on localhost and 127.0.0.1 \
                are allowed by default; other origins need `OLLAMA_ORIGINS`.",
    },
    Preset {
        id: "llama-cpp",
        name: "llama.cpp (llama-server)",
        endpoint: "http://127.0.0.1:8080/v1",
        protocol: Protocol::Chat,
        needs_key: false,
        model_hint: "",
        notes: "Serves its model in all three APIs; a key only with `--api-key`. It allows \
                any page origin and header. Port 8080 is also where `bash .ci/serve` serves \
                this page: then start llama-server with `--port 8081` (the local preset).",
    },
    Preset {
        id: "vllm",
        name: "vLLM",
        endpoint: "http://127.0.0.1:8000/v1",
        protocol: Protocol::Chat,
        needs_key: false,
        model_hint: "",
        notes: "Use the model name given to `vllm serve`; a key only with `--api-key`. \
                `--allowed-origins` sets which pages may call it (default: any).",
    },
    Preset {
        id: "lm-studio",
        name: "LM Studio",
        endpoint: "http://127.0.0.1:1234/v1",
        protocol: Protocol::Chat,
        needs_key: false,
        model_hint: "",
        notes: "Start the server in LM Studio and enable CORS in its server settings \
                (or `lms server start --cors`).",
    },
];

/// The preset with this id.
pub fn preset_by_id(id: &str) -> Option<&'static Preset> {
    PRESETS.iter().find(|p| p.id == id)
}

/// Splits notes into plain text and `code` spans (text between backticks), for display:
/// `(is_code, text)` pairs; an unmatched backtick is kept as text.
pub fn note_parts(notes: &str) -> Vec<(bool, &str)> {
    let mut out = Vec::new();
    let mut rest = notes;
    while let Some(start) = rest.find('`') {
        let Some(len) = rest[start + 1..].find('`') else {
            break;
        };
        if start > 0 {
            out.push((false, &rest[..start]));
        }
        out.push((true, &rest[start + 1..start + 1 + len]));
        rest = &rest[start + 2 + len..];
    }
    if !rest.is_empty() {
        out.push((false, rest));
    }
    out
}

/// The preset an endpoint belongs to: same host (`localhost`, `127.0.0.1` and `[::1]` are the
/// same; any `*.openai.azure.com` is Azure) and port (the scheme's default when absent), and a
/// path that starts with the preset's path, whole segments, trailing slashes ignored.
pub fn preset_for_endpoint(endpoint: &str) -> Option<&'static Preset> {
    let target = UrlParts::parse(endpoint)?;
    PRESETS.iter().find(|p| {
        UrlParts::parse(p.endpoint).is_some_and(|preset| {
            preset.host_matches(&target.host)
                && preset.port == target.port
                && path_starts_with(&target.path, &preset.path)
        })
    })
}

/// Host, port and path of a URL, normalised for comparison.
struct UrlParts {
    host: String,
    port: Option<u16>,
    path: String,
}

impl UrlParts {
    fn parse(url: &str) -> Option<Self> {
        let (scheme, rest) = url.trim().split_once("://")?;
        let scheme = scheme.to_ascii_lowercase();
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(end);
        let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        let (host, port) = match authority.strip_prefix('[') {
            Some(v6) => {
                let (host, after) = v6.split_once(']')?;
                (format!("[{host}]"), after.strip_prefix(':'))
            }
            None => match authority.rsplit_once(':') {
                Some((host, port)) => (host.to_owned(), Some(port)),
                None => (authority.to_owned(), None),
            },
        };
        let port = match port.filter(|p| !p.is_empty()) {
            Some(p) => Some(p.parse().ok()?),
            None => match scheme.as_str() {
                "http" => Some(80),
                "https" => Some(443),
                _ => None,
            },
        };
        let mut host = host.to_ascii_lowercase();
        if matches!(host.as_str(), "localhost" | "127.0.0.1" | "[::1]") {
            host = "localhost".to_owned();
        }
        let path = tail.split(['?', '#']).next().unwrap_or("");
        Some(Self {
            host,
            port,
            path: path.trim_end_matches('/').to_owned(),
        })
    }

    /// `your-resource.` stands for any resource name.
    fn host_matches(&self, host: &str) -> bool {
        match self.host.strip_prefix("your-resource") {
            Some(domain) => host.len() > domain.len() && host.ends_with(domain),
            None => self.host == host,
        }
    }
}

fn path_starts_with(path: &str, prefix: &str) -> bool {
    path.strip_prefix(prefix)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// `{endpoint}/models`, without a doubled slash.
pub fn models_url(endpoint: &str) -> String {
    format!("{}/models", endpoint.trim().trim_end_matches('/'))
}

/// Why a models list could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModelsError {
    /// The body is empty.
    #[error("the server sent an empty models list response")]
    Empty,
    /// The body is not JSON (an HTML error page, a proxy's text).
    #[error("the models list is not JSON ({detail}): {excerpt}")]
    NotJson {
        /// What the JSON parser said.
        detail: String,
        /// The start of the body, markup removed.
        excerpt: String,
    },
    /// The body is an error envelope (`{"error": …}`).
    #[error("the server answered the models request with an error: {0}")]
    Server(String),
    /// The body is JSON but names no model.
    #[error("no models in the response: {0}")]
    NoModels(String),
}

/// The model ids of a models list response, in the server's order, without duplicates.
///
/// Accepted shapes: OpenAI, vLLM, LM Studio, OpenRouter and llama.cpp
/// `{"object": "list", "data": [{"id": …}]}` (llama.cpp adds `"models": [{"name", "model"}]`
/// with the same models); Ollama's `/api/tags` `{"models": [{"name": …}]}`; a bare list of
/// strings or of objects with `id`, `name` or `model`.
pub fn parse_models(body: &str) -> Result<Vec<String>, ModelsError> {
    let body = body.strip_prefix('\u{feff}').unwrap_or(body);
    if body.trim().is_empty() {
        return Err(ModelsError::Empty);
    }
    let value: Value = serde_json::from_str(body).map_err(|e| ModelsError::NotJson {
        detail: e.to_string(),
        excerpt: excerpt(&strip_markup(body), 120),
    })?;
    let lists: Vec<&Vec<Value>> = match &value {
        Value::Array(items) => vec![items],
        Value::Object(object) => {
            if let Some(error) = object.get("error").filter(|e| !e.is_null()) {
                return Err(ModelsError::Server(error_message(error)));
            }
            let lists: Vec<_> = ["data", "models"]
                .iter()
                .filter_map(|k| object.get(*k).and_then(Value::as_array))
                .collect();
            if lists.is_empty() {
                let mut keys: Vec<&str> = object.keys().map(String::as_str).take(8).collect();
                keys.sort_unstable();
                return Err(ModelsError::NoModels(format!(
                    "expected {{\"data\": [{{\"id\": …}}]}} or {{\"models\": [{{\"name\": …}}]}}, \
                     got an object with {}",
                    if keys.is_empty() {
                        "no fields".to_owned()
                    } else {
                        format!("fields {}", keys.join(", "))
                    }
                )));
            }
            lists
        }
        other => {
            return Err(ModelsError::NoModels(format!(
                "expected a list of models, got {}",
                excerpt(&other.to_string(), 60)
            )))
        }
    };
    let mut seen = std::collections::HashSet::new();
    let models: Vec<String> = lists
        .into_iter()
        .flatten()
        .filter_map(model_name)
        .filter(|name| seen.insert(name.clone()))
        .collect();
    if models.is_empty() {
        return Err(ModelsError::NoModels(
            "the server lists no models (is a model loaded?)".to_owned(),
        ));
    }
    Ok(models)
}

fn model_name(item: &Value) -> Option<String> {
    let name = match item {
        Value::String(s) => s.as_str(),
        Value::Object(o) => ["id", "name", "model"]
            .iter()
            .filter_map(|k| o.get(*k).and_then(Value::as_str))
            .find(|s| !s.trim().is_empty())?,
        _ => return None,
    };
    let name = name.trim();
    (!name.is_empty()).then(|| name.to_owned())
}

/// `{"error": "text"}` or `{"error": {"message": "text", …}}`.
fn error_message(error: &Value) -> String {
    let text = match error {
        Value::String(s) => s.clone(),
        Value::Object(o) => o
            .get("message")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .unwrap_or_else(|| error.to_string()),
        other => other.to_string(),
    };
    excerpt(&text, 300)
}
