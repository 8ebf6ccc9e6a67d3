//! The latency lab's pure core: many runs of one prompt set against one or more targets, measured
//! like a benchmark (TTFT, TPOT, inter-token latency, end to end, tokens per second), summed up
//! per target as percentiles, and exported as CSV and JSON. The view (`app::lab`) only wires
//! signals to these types.
//!
//! - [`stats`]: percentiles (linear interpolation between closest ranks), means, TPOT as vLLM
//!   defines it, inter-token gaps, and the tokens-per-second guards;
//! - [`run`]: [`RunRecord`], one run's figures, made from a finished turn;
//! - [`summary`]: [`TargetSummary`], one target's runs as p50 / p90 / p99 / mean;
//! - [`export`]: the CSV (one row per run, columns in [`export::CSV_COLUMNS`]) and the JSON;
//! - [`schedule`]: [`Schedule`], which run of which target goes next (warm-up, concurrency, Stop);
//! - [`chart`]: the charts' axes and the ITL histogram's bins.

pub mod chart;
pub mod export;
pub mod run;
pub mod schedule;
pub mod stats;
pub mod summary;

pub use run::{RunRecord, RunStatus, ServerFigures, TokenSource};
pub use schedule::{Job, Progress, Schedule, MAX_CONCURRENCY, MAX_RUNS};
pub use stats::{percentile, RateBasis, Stats};
pub use summary::TargetSummary;

use serde::Serialize;

use crate::{protocol::Protocol, settings::Settings};

/// The most targets side by side.
pub const MAX_TARGETS: usize = 4;

/// What a run is sent to: endpoint, model, protocol and max tokens. The API key is not part of
/// it (the view keeps each target's key in memory only, never in storage, the URL or the export).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Target {
    /// Base URL of the API, e.g. `http://127.0.0.1:8081/v1`.
    pub endpoint: String,
    /// Model name.
    pub model: String,
    /// Which API the endpoint speaks.
    pub protocol: Protocol,
    /// Max tokens to generate (`None`: the server's default).
    pub max_tokens: Option<u32>,
}

impl Target {
    /// The target of the chat's settings.
    pub fn of(settings: &Settings) -> Target {
        Target {
            endpoint: settings.endpoint.clone(),
            model: settings.model.clone(),
            protocol: settings.protocol,
            max_tokens: settings.max_tokens,
        }
    }

    /// The settings a run of this target is sent with: `base` (temperature, system prompt,
    /// idle timeout) with this target's endpoint, model, protocol and max tokens, streaming on.
    pub fn settings(&self, base: &Settings) -> Settings {
        Settings {
            endpoint: self.endpoint.trim().to_owned(),
            model: self.model.trim().to_owned(),
            protocol: self.protocol,
            max_tokens: self.max_tokens,
            stream: true,
            ..base.clone()
        }
    }

    /// A short name for tables and charts: `model · max N · protocol` (the protocol only when it
    /// is not Chat Completions).
    pub fn label(&self) -> String {
        let mut label = if self.model.trim().is_empty() {
            self.endpoint.trim().to_owned()
        } else {
            self.model.trim().to_owned()
        };
        if let Some(n) = self.max_tokens {
            label.push_str(&format!(" · max {n}"));
        }
        if self.protocol != Protocol::Chat {
            label.push_str(" · ");
            label.push_str(self.protocol.as_str());
        }
        label
    }
}

/// The prompts of a session: the pasted list, one per non-blank line, or (when the list is blank)
/// the chat's prompt, or (when that is blank too) the default prompt. Runs cycle over them.
pub fn prompt_set(list: &str, current: &str) -> Vec<String> {
    let lines: Vec<String> = list
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    if !lines.is_empty() {
        lines
    } else if !current.trim().is_empty() {
        vec![current.to_owned()]
    } else {
        vec![Settings::DEFAULT_PROMPT.to_owned()]
    }
}

/// The prompt of run `index` (0-based) over `prompts`, cycled.
pub fn cycled(prompts: &[String], index: usize) -> Option<&str> {
    (!prompts.is_empty()).then(|| prompts[index % prompts.len()].as_str())
}

/// The `runs` parameter of a page's query string (`?runs=20`): the N the lab opens with, in
/// 1..=[`MAX_RUNS`]. `None` when absent or not a number in that range. Like the API key, it is
/// not a setting: it only opens the lab.
pub fn runs_from_query(query: &str) -> Option<usize> {
    crate::settings::parse_query(query)
        .into_iter()
        .rev()
        .find(|(k, _)| k == "runs")
        .and_then(|(_, v)| v.trim().parse().ok())
        .filter(|n| (1..=MAX_RUNS).contains(n))
}
