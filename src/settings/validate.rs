//! Checking what the user typed in the settings before anything is sent: a temperature out of
//! range or a max-tokens value that is not a sensible positive integer gets a clear message
//! instead of a request the server rejects (or, worse, accepts as typed).

use super::Settings;

/// The lowest and highest temperature accepted (OpenAI's range; others are narrower).
pub const TEMPERATURE_RANGE: (f32, f32) = (0.0, 2.0);
/// [`TEMPERATURE_RANGE`] in words (spelled out: formatting a float would pull the float
/// printer into the wasm bundles).
const TEMPERATURE_WORDS: &str = "from 0 to 2";
/// The largest max-tokens value accepted (2^20: above any model's output limit).
pub const MAX_TOKENS_LIMIT: u32 = 1 << 20;

/// A field of [`Settings`] that has a problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// `temperature`.
    Temperature,
    /// `max_tokens`.
    MaxTokens,
}

impl Field {
    /// The field's label in the settings form.
    pub fn label(self) -> &'static str {
        match self {
            Field::Temperature => "Temperature",
            Field::MaxTokens => "Max tokens",
        }
    }
}

/// A value that cannot be sent, and why, in words for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The field.
    pub field: Field,
    /// What is wrong and what is accepted.
    pub message: String,
}

/// Reads the temperature field: empty is "the server's default" (`None`).
pub fn parse_temperature(text: &str) -> Result<Option<f32>, Problem> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.replace('\u{2212}', "-")
        .parse::<f32>()
        .ok()
        .filter(|t| in_range(*t))
        .map(Some)
        .ok_or_else(|| temperature_problem(text))
}

fn in_range(t: f32) -> bool {
    let (lo, hi) = TEMPERATURE_RANGE;
    (lo..=hi).contains(&t)
}

fn temperature_problem(typed: &str) -> Problem {
    Problem {
        field: Field::Temperature,
        message: format!(
            "Temperature must be a number {TEMPERATURE_WORDS} (it is “{typed}”), or empty for the server's default."
        ),
    }
}

/// Reads the max-tokens field: empty is "no limit sent" (`None`).
pub fn parse_max_tokens(text: &str) -> Result<Option<u32>, Problem> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse::<u32>()
        .ok()
        .filter(|n| (1..=MAX_TOKENS_LIMIT).contains(n))
        .map(Some)
        .ok_or_else(|| Problem {
            field: Field::MaxTokens,
            message: format!(
                "Max tokens must be a whole number from 1 to {MAX_TOKENS_LIMIT} (it is “{text}”), or empty to send no limit."
            ),
        })
}

impl Settings {
    /// What in these settings cannot be sent (empty when all is well). Settings built in code
    /// (a Leptos app) are checked with the same rules as the form.
    pub fn problems(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        if let Some(t) = self.temperature.filter(|t| !in_range(*t)) {
            let typed = if t.is_nan() {
                "not a number".to_owned()
            } else if t < 0.0 {
                "below 0".to_owned()
            } else {
                "above 2".to_owned()
            };
            out.push(temperature_problem(&typed));
        }
        if let Some(n) = self.max_tokens {
            if let Err(p) = parse_max_tokens(&n.to_string()) {
                out.push(p);
            }
        }
        out
    }
}
