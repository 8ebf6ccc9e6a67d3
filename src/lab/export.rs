//! The lab's exports. CSV: one row per run, the columns of [`CSV_COLUMNS`] in that order, quoted
//! as RFC 4180 says (a field holding a comma, a double quote, CR or LF is enclosed in double
//! quotes, its quotes doubled; lines end with CRLF). Empty fields are figures that do not apply
//! (no TPOT for a one-token answer, no server timings from a server that sends none). JSON:
//! everything, including every run's inter-token gaps and each target's summary.

use serde::Serialize;

use super::{run::RunRecord, summary::TargetSummary, Target};

/// The CSV's columns, in order, each with what it holds. Times are ms after the request was
/// sent.
pub const CSV_COLUMNS: [(&str, &str); 32] = [
    ("target", "1-based index of the target"),
    ("target_label", "model · max tokens · protocol"),
    ("endpoint", "base URL"),
    ("model", "model name"),
    ("protocol", "chat, responses or anthropic"),
    ("max_tokens", "max tokens asked for (empty: server default)"),
    ("run", "1-based run number within the target"),
    ("prompt", "1-based index of the prompt in the prompt set"),
    (
        "started_ms",
        "when the request was sent, ms after the lab started",
    ),
    ("status", "ok or error"),
    ("error", "the error message of a failed run"),
    ("http_status", "HTTP status of a failed response"),
    ("headers_ms", "response headers arrived"),
    ("first_chunk_ms", "first SSE event of any kind"),
    ("ttft_ms", "time to first token (answer or reasoning)"),
    ("first_answer_ms", "first answer token"),
    ("first_reasoning_ms", "first reasoning token"),
    ("second_token_ms", "second token-carrying chunk"),
    ("e2e_ms", "end to end: the response ended"),
    ("output_tokens", "output tokens"),
    (
        "output_tokens_source",
        "usage (server's count) or chunks (counted)",
    ),
    (
        "reasoning_tokens",
        "reasoning tokens, when the server reports them",
    ),
    ("token_chunks", "chunks that carried a token"),
    ("tpot_ms", "(e2e − ttft) / (output tokens − 1)"),
    ("itl_mean_ms", "mean gap between token-carrying chunks"),
    ("itl_max_ms", "longest gap between token-carrying chunks"),
    (
        "tokens_per_second",
        "(tokens − 1) / (end − first token), see rate_basis",
    ),
    (
        "rate_basis",
        "output, answer (reasoning excluded) or with_reasoning",
    ),
    (
        "server_prompt_ms",
        "llama.cpp timings.prompt_ms: the server's prompt time",
    ),
    (
        "server_predicted_n",
        "llama.cpp timings.predicted_n: tokens the server generated",
    ),
    (
        "server_tokens_per_second",
        "llama.cpp timings.predicted_per_second",
    ),
    ("finish_reason", "the last finish_reason"),
];

/// Appends `field` to `out`, quoted when RFC 4180 requires it.
pub fn push_field(out: &mut String, field: &str) {
    if field.contains([',', '"', '\r', '\n']) {
        out.push('"');
        out.push_str(&field.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(field);
    }
}

fn ms(v: Option<f64>) -> String {
    v.filter(|v| v.is_finite())
        .map(|v| format!("{v:.1}"))
        .unwrap_or_default()
}

fn num(v: Option<f64>, decimals: usize) -> String {
    v.filter(|v| v.is_finite())
        .map(|v| format!("{v:.decimals$}"))
        .unwrap_or_default()
}

/// The CSV of `records` (any order; written in the order given), with a header line.
pub fn csv(targets: &[Target], records: &[RunRecord]) -> String {
    let mut out = String::new();
    let header: Vec<&str> = CSV_COLUMNS.iter().map(|(name, _)| *name).collect();
    out.push_str(&header.join(","));
    out.push_str("\r\n");
    for r in records {
        let target = targets.get(r.target);
        let server = r.server.unwrap_or_default();
        let itl_mean = super::stats::mean(&r.itl_ms);
        let itl_max = r.itl_ms.iter().copied().reduce(f64::max);
        let fields: [String; CSV_COLUMNS.len()] = [
            (r.target + 1).to_string(),
            target.map(Target::label).unwrap_or_default(),
            target.map(|t| t.endpoint.clone()).unwrap_or_default(),
            target.map(|t| t.model.clone()).unwrap_or_default(),
            target
                .map(|t| t.protocol.as_str().to_owned())
                .unwrap_or_default(),
            target
                .and_then(|t| t.max_tokens)
                .map(|n| n.to_string())
                .unwrap_or_default(),
            r.run.to_string(),
            (r.prompt + 1).to_string(),
            ms(Some(r.started_ms)),
            if r.is_ok() { "ok" } else { "error" }.to_owned(),
            r.error.clone().unwrap_or_default(),
            r.http_status.map(|s| s.to_string()).unwrap_or_default(),
            ms(r.headers_ms),
            ms(r.first_chunk_ms),
            ms(r.ttft_ms),
            ms(r.first_answer_ms),
            ms(r.first_reasoning_ms),
            ms(r.second_token_ms),
            ms(r.e2e_ms),
            r.output_tokens.to_string(),
            r.token_source.as_str().to_owned(),
            r.reasoning_tokens
                .map(|n| n.to_string())
                .unwrap_or_default(),
            r.token_chunks.to_string(),
            num(r.tpot_ms, 2),
            num(itl_mean, 2),
            ms(itl_max),
            num(r.tokens_per_second, 2),
            r.rate_basis
                .map(|b| b.as_str().to_owned())
                .unwrap_or_default(),
            ms(server.prompt_ms),
            num(server.predicted_n, 0),
            num(server.predicted_per_second, 2),
            r.finish_reason.clone().unwrap_or_default(),
        ];
        for (i, field) in fields.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            push_field(&mut out, field);
        }
        out.push_str("\r\n");
    }
    out
}

/// Everything of a session, for the JSON export.
#[derive(Debug, Clone, Serialize)]
pub struct Report<'a> {
    /// The format's name and version.
    pub format: &'static str,
    /// Measured runs per target.
    pub runs_per_target: usize,
    /// Concurrent requests per target.
    pub concurrency: usize,
    /// A warm-up run preceded each target's runs.
    pub warmup: bool,
    /// The prompt set, cycled over the runs.
    pub prompts: &'a [String],
    /// The targets (without their keys).
    pub targets: &'a [Target],
    /// Each target's summary.
    pub summaries: Vec<TargetSummary>,
    /// Every run, with its gaps.
    pub records: &'a [RunRecord],
}

/// The name and version written in [`Report::format`].
pub const JSON_FORMAT: &str = "chat-stream-lab/1";

/// The JSON of a session (pretty-printed).
pub fn json(
    targets: &[Target],
    records: &[RunRecord],
    prompts: &[String],
    runs_per_target: usize,
    concurrency: usize,
    warmup: bool,
) -> String {
    let report = Report {
        format: JSON_FORMAT,
        runs_per_target,
        concurrency,
        warmup,
        prompts,
        targets,
        summaries: TargetSummary::all(targets.len(), records),
        records,
    };
    serde_json::to_string_pretty(&report).unwrap_or_default()
}
