//! Per-target summaries: the side-by-side table's numbers.

use serde::Serialize;

use super::{run::RunRecord, stats::Stats};

/// One target's runs, summed up. Latency figures count successful runs only; ITL pools every gap
/// of every successful run (as vLLM's `bench serve` does), so a long answer weighs more than a
/// short one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetSummary {
    /// Index of the target.
    pub target: usize,
    /// Successful runs.
    pub runs: usize,
    /// Failed runs.
    pub errors: usize,
    /// Each distinct error message with how many runs failed with it, most frequent first.
    pub error_messages: Vec<(String, usize)>,
    /// Time to headers.
    pub headers_ms: Option<Stats>,
    /// Time to the first chunk.
    pub first_chunk_ms: Option<Stats>,
    /// Time to first token.
    pub ttft_ms: Option<Stats>,
    /// Time per output token after the first.
    pub tpot_ms: Option<Stats>,
    /// Inter-token latency, every gap pooled.
    pub itl_ms: Option<Stats>,
    /// End to end.
    pub e2e_ms: Option<Stats>,
    /// Decode speed.
    pub tokens_per_second: Option<Stats>,
    /// Output tokens per run.
    pub output_tokens: Option<Stats>,
    /// The server's own prompt time (llama.cpp `timings.prompt_ms`), when sent.
    pub server_prompt_ms: Option<Stats>,
    /// The server's own generation speed (`timings.predicted_per_second`), when sent.
    pub server_tokens_per_second: Option<Stats>,
}

impl TargetSummary {
    /// The summary of `target`'s records among `records` (the others are skipped).
    pub fn of(target: usize, records: &[RunRecord]) -> TargetSummary {
        let mine: Vec<&RunRecord> = records.iter().filter(|r| r.target == target).collect();
        let ok: Vec<&RunRecord> = mine.iter().copied().filter(|r| r.is_ok()).collect();
        let stat = |f: &dyn Fn(&RunRecord) -> Option<f64>| {
            Stats::of(&ok.iter().filter_map(|r| f(r)).collect::<Vec<_>>())
        };
        let mut error_messages: Vec<(String, usize)> = Vec::new();
        for r in mine.iter().filter(|r| !r.is_ok()) {
            let message = r.error.clone().unwrap_or_else(|| "error".to_owned());
            match error_messages.iter_mut().find(|(m, _)| *m == message) {
                Some((_, n)) => *n += 1,
                None => error_messages.push((message, 1)),
            }
        }
        error_messages.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
        let gaps: Vec<f64> = ok.iter().flat_map(|r| r.itl_ms.iter().copied()).collect();
        TargetSummary {
            target,
            runs: ok.len(),
            errors: mine.len() - ok.len(),
            error_messages,
            headers_ms: stat(&|r| r.headers_ms),
            first_chunk_ms: stat(&|r| r.first_chunk_ms),
            ttft_ms: stat(&|r| r.ttft_ms),
            tpot_ms: stat(&|r| r.tpot_ms),
            itl_ms: Stats::of(&gaps),
            e2e_ms: stat(&|r| r.e2e_ms),
            tokens_per_second: stat(&|r| r.tokens_per_second),
            output_tokens: stat(&|r| Some(r.output_tokens as f64)),
            server_prompt_ms: stat(&|r| r.server.and_then(|s| s.prompt_ms)),
            server_tokens_per_second: stat(&|r| r.server.and_then(|s| s.predicted_per_second)),
        }
    }

    /// The summaries of targets `0..targets`.
    pub fn all(targets: usize, records: &[RunRecord]) -> Vec<TargetSummary> {
        (0..targets).map(|t| Self::of(t, records)).collect()
    }
}
