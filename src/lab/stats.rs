//! The statistics of the lab: percentiles, means, TPOT, inter-token gaps and the tokens-per-second
//! guards. Plain functions of numbers, so every definition is tested on the host.
//!
//! # Percentiles
//!
//! [`percentile`] interpolates linearly between the two closest ranks (the definition of
//! `numpy.percentile`'s default, "type 7" in Hyndman and Fan, which vLLM's `bench serve` uses):
//! with the `n` values sorted as `x[0] ≤ … ≤ x[n-1]` and `h = (n − 1) · p / 100`, the p-th
//! percentile is `x[⌊h⌋] + (h − ⌊h⌋) · (x[⌊h⌋ + 1] − x[⌊h⌋])`. So p0 is the minimum, p100 the
//! maximum, p50 of an even count is the mean of the two middle values, and every percentile lies
//! within `[min, max]` and grows with `p`. Non-finite values are left out.

use serde::Serialize;

/// The p-th percentile (`p` in 0..=100, clamped) of `values`, by linear interpolation between
/// closest ranks (see the module documentation). `None` when there is no finite value.
pub fn percentile(values: &[f64], p: f64) -> Option<f64> {
    let sorted = sorted_finite(values);
    percentile_sorted(&sorted, p)
}

/// [`percentile`] of values already sorted ascending, all finite.
pub fn percentile_sorted(sorted: &[f64], p: f64) -> Option<f64> {
    let (first, last) = (*sorted.first()?, *sorted.last()?);
    let p = if p.is_nan() {
        50.0
    } else {
        p.clamp(0.0, 100.0)
    };
    let h = (sorted.len() - 1) as f64 * p / 100.0;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    let value = sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo]);
    // Rounding must never carry an interpolated value outside its neighbours.
    Some(value.clamp(first, last).clamp(sorted[lo], sorted[hi]))
}

/// The arithmetic mean of the finite values, `None` when there is none.
pub fn mean(values: &[f64]) -> Option<f64> {
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    (!finite.is_empty()).then(|| finite.iter().sum::<f64>() / finite.len() as f64)
}

fn sorted_finite(values: &[f64]) -> Vec<f64> {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    sorted.sort_by(f64::total_cmp);
    sorted
}

/// How a set of values is summed up in the lab's table: count, mean, min, max and the p50, p90
/// and p99 percentiles.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Stats {
    /// How many finite values there were.
    pub n: usize,
    /// Arithmetic mean.
    pub mean: f64,
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
    /// Median (p50).
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 99th percentile.
    pub p99: f64,
}

impl Stats {
    /// The summary of the finite values, `None` when there is none.
    pub fn of(values: &[f64]) -> Option<Stats> {
        let sorted = sorted_finite(values);
        let at = |p| percentile_sorted(&sorted, p);
        Some(Stats {
            n: sorted.len(),
            mean: sorted.iter().sum::<f64>() / sorted.len().max(1) as f64,
            min: *sorted.first()?,
            max: *sorted.last()?,
            p50: at(50.0)?,
            p90: at(90.0)?,
            p99: at(99.0)?,
        })
    }
}

/// Time per output token as vLLM's `bench serve` defines it: `(E2E − TTFT) / (output tokens − 1)`,
/// the mean decode time of every token after the first. `None` with fewer than 2 output tokens
/// (nothing was decoded after the first) or a negative span.
pub fn tpot(e2e_ms: f64, ttft_ms: f64, output_tokens: u64) -> Option<f64> {
    let span = e2e_ms - ttft_ms;
    (output_tokens >= 2 && span.is_finite() && span >= 0.0)
        .then(|| span / (output_tokens - 1) as f64)
}

/// The gaps between consecutive arrival times (ms), in order: the inter-token latencies of the
/// chunks that carried tokens. Fewer than two times give no gap.
pub fn gaps(times: &[f64]) -> Vec<f64> {
    times.windows(2).map(|w| w[1] - w[0]).collect()
}

/// Which tokens a tokens-per-second figure counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RateBasis {
    /// No reasoning arrived: every output token, from the first token to the end.
    Output,
    /// The server reported its reasoning tokens: only the answer's tokens (output minus
    /// reasoning), from the first answer token to the end.
    Answer,
    /// Reasoning arrived but the server did not say how many of its tokens were reasoning: every
    /// output token, from the first token of any kind (so the reasoning time is in the span too).
    WithReasoning,
}

impl RateBasis {
    /// The name used in the export and the table.
    pub fn as_str(self) -> &'static str {
        match self {
            RateBasis::Output => "output",
            RateBasis::Answer => "answer",
            RateBasis::WithReasoning => "with_reasoning",
        }
    }
}

/// What [`tokens_per_second`] needs to know about one run.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct RateInput {
    /// Output tokens (usage's `completion_tokens`, else the chunks counted).
    pub output_tokens: u64,
    /// Reasoning tokens, when the server reported them.
    pub reasoning_tokens: Option<u64>,
    /// Chunks that carried any token.
    pub token_chunks: u64,
    /// Chunks that carried answer text.
    pub answer_chunks: u64,
    /// Some reasoning text arrived.
    pub saw_reasoning: bool,
    /// First token of any kind, ms after the request.
    pub first_token_ms: Option<f64>,
    /// First answer token, ms after the request.
    pub first_answer_ms: Option<f64>,
    /// The end of the response, ms after the request.
    pub e2e_ms: Option<f64>,
}

/// Decode speed in tokens per second: `(tokens − 1) / (end − first token)`, the first token's
/// own latency being TTFT's business. With reasoning reported by the server only the answer is
/// counted ([`RateBasis::Answer`]); reasoning without a count keeps everything
/// ([`RateBasis::WithReasoning`]), so the figure is never the answer's tokens over a span that
/// excludes the reasoning (or reasoning tokens over the answer's span).
///
/// Guards: no figure when the counted text came in fewer than 2 chunks (a one-chunk answer's
/// span is a single read, which gives absurd rates), with fewer than 2 counted tokens, or when
/// the span is not positive.
pub fn tokens_per_second(run: &RateInput) -> Option<(f64, RateBasis)> {
    let end = run.e2e_ms?;
    let (tokens, chunks, start, basis) = match (run.reasoning_tokens, run.saw_reasoning) {
        (Some(reasoning), true) | (Some(reasoning @ 1..), false) => (
            run.output_tokens.saturating_sub(reasoning),
            run.answer_chunks,
            run.first_answer_ms?,
            RateBasis::Answer,
        ),
        (_, true) => (
            run.output_tokens,
            run.token_chunks,
            run.first_token_ms?,
            RateBasis::WithReasoning,
        ),
        (_, false) => (
            run.output_tokens,
            run.token_chunks,
            run.first_token_ms?,
            RateBasis::Output,
        ),
    };
    let span_s = (end - start) / 1000.0;
    (chunks >= 2 && tokens >= 2 && span_s.is_finite() && span_s > 0.0)
        .then(|| ((tokens - 1) as f64 / span_s, basis))
}
