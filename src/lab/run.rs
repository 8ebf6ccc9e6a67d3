//! One measured request: [`RunRecord`], made from a finished [`Turn`] and its assistant
//! [`Message`].

use serde::Serialize;

use super::stats::{self, RateBasis, RateInput};
use crate::transcript::{Message, Turn, TurnState};

/// Where a run's output-token count comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenSource {
    /// The server's `usage.completion_tokens`.
    Usage,
    /// No usage arrived: the chunks that carried text, counted (one chunk is about one token on
    /// llama.cpp, vLLM and OpenAI; fewer, bigger chunks on some gateways).
    Chunks,
}

impl TokenSource {
    /// The name used in the export and the table.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenSource::Usage => "usage",
            TokenSource::Chunks => "chunks",
        }
    }
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// The answer arrived in full.
    Ok,
    /// The request failed (HTTP error, error frame, cut stream, network).
    Error,
}

/// llama.cpp's own figures for the run (its `timings` object), next to the client's.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct ServerFigures {
    /// Prompt tokens the server evaluated.
    pub prompt_n: Option<f64>,
    /// Time the server spent on the prompt, ms.
    pub prompt_ms: Option<f64>,
    /// Tokens the server generated.
    pub predicted_n: Option<f64>,
    /// Time the server spent generating, ms.
    pub predicted_ms: Option<f64>,
    /// Generation speed as the server measured it, tokens per second.
    pub predicted_per_second: Option<f64>,
}

/// Everything the lab keeps of one run. Times are milliseconds after the request was sent,
/// from `performance.now()` at the network read that delivered the bytes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunRecord {
    /// Index of the target in the lab's list.
    pub target: usize,
    /// 1-based number of the run within its target (warm-up runs are not recorded).
    pub run: usize,
    /// Index of the prompt in the prompt set.
    pub prompt: usize,
    /// `performance.now()` when the request was sent, ms after the lab's start.
    pub started_ms: f64,
    /// How it ended.
    pub status: RunStatus,
    /// The error message, for a failed run.
    pub error: Option<String>,
    /// HTTP status of a failed response, when there was one.
    pub http_status: Option<u16>,
    /// Response headers arrived.
    pub headers_ms: Option<f64>,
    /// First SSE event of any kind (a role-only chunk counts).
    pub first_chunk_ms: Option<f64>,
    /// Time to first token: the first chunk carrying answer or reasoning text.
    pub ttft_ms: Option<f64>,
    /// The first chunk carrying answer (or refusal) text.
    pub first_answer_ms: Option<f64>,
    /// The first chunk carrying reasoning text.
    pub first_reasoning_ms: Option<f64>,
    /// The second chunk carrying a token.
    pub second_token_ms: Option<f64>,
    /// End to end: the response ended (`[DONE]`, the end of the body, or the error).
    pub e2e_ms: Option<f64>,
    /// Output tokens, from [`Self::token_source`].
    pub output_tokens: u64,
    /// Where [`Self::output_tokens`] comes from.
    pub token_source: TokenSource,
    /// Reasoning tokens, when the server reported them.
    pub reasoning_tokens: Option<u64>,
    /// Prompt tokens, from usage.
    pub prompt_tokens: Option<u64>,
    /// Chunks that carried answer or reasoning text.
    pub token_chunks: u64,
    /// Chunks that carried answer text.
    pub answer_chunks: u64,
    /// Time per output token after the first (vLLM's TPOT), ms.
    pub tpot_ms: Option<f64>,
    /// Every gap between consecutive token-carrying chunks (inter-token latency), ms, in order.
    pub itl_ms: Vec<f64>,
    /// Decode speed, tokens per second, and which tokens it counts.
    pub tokens_per_second: Option<f64>,
    /// What [`Self::tokens_per_second`] counts.
    pub rate_basis: Option<RateBasis>,
    /// llama.cpp's `timings`, when sent.
    pub server: Option<ServerFigures>,
    /// The last `finish_reason`.
    pub finish_reason: Option<String>,
}

impl RunRecord {
    /// The record of a finished turn (`None` while it is still running, or when it was stopped:
    /// a stopped run measures the user, not the server). `lab_start` is the `performance.now()`
    /// of the lab's start; `target`, `run` and `prompt` say what the run was.
    pub fn from_turn(
        turn: &Turn,
        message: Option<&Message>,
        lab_start: f64,
        target: usize,
        run: usize,
        prompt: usize,
    ) -> Option<RunRecord> {
        let status = match turn.state {
            TurnState::Done => RunStatus::Ok,
            TurnState::Error => RunStatus::Error,
            _ => return None,
        };
        let token_times: Vec<f64> = turn
            .chunks
            .iter()
            .filter(|c| c.carries_token())
            .map(|c| c.ms)
            .collect();
        let answer_chunks = turn.chunks.iter().filter(|c| c.carries_answer()).count() as u64;
        let saw_reasoning = turn.chunks.iter().any(|c| c.carries_reasoning())
            || message.is_some_and(|m| !m.reasoning.is_empty());
        let token_chunks = token_times.len() as u64;
        let usage = turn.usage.filter(|u| u.completion_tokens > 0);
        let (output_tokens, token_source) = match usage {
            Some(u) => (u.completion_tokens, TokenSource::Usage),
            None => (token_chunks, TokenSource::Chunks),
        };
        let times = &turn.times;
        let ttft_ms = times.first_token.or(token_times.first().copied());
        let e2e_ms = times.total;
        let tpot_ms = match (status, e2e_ms, ttft_ms) {
            (RunStatus::Ok, Some(e2e), Some(ttft)) => stats::tpot(e2e, ttft, output_tokens),
            _ => None,
        };
        let rate = (status == RunStatus::Ok)
            .then(|| {
                stats::tokens_per_second(&RateInput {
                    output_tokens,
                    reasoning_tokens: turn.usage.and_then(|u| u.reasoning_tokens),
                    token_chunks,
                    answer_chunks,
                    saw_reasoning,
                    first_token_ms: ttft_ms,
                    first_answer_ms: times.first_answer,
                    e2e_ms,
                })
            })
            .flatten();
        let error = turn.error.as_ref().map(ToString::to_string).or_else(|| {
            (status == RunStatus::Error)
                .then(|| message.and_then(|m| m.error.clone()))
                .flatten()
        });
        Some(RunRecord {
            target,
            run,
            prompt,
            started_ms: turn.sent_at - lab_start,
            status,
            error,
            http_status: turn.error.as_ref().and_then(|e| e.status()),
            headers_ms: times.headers,
            first_chunk_ms: times.first_chunk,
            ttft_ms,
            first_answer_ms: times.first_answer,
            first_reasoning_ms: times.first_reasoning,
            second_token_ms: token_times.get(1).copied(),
            e2e_ms,
            output_tokens,
            token_source,
            reasoning_tokens: turn.usage.and_then(|u| u.reasoning_tokens),
            prompt_tokens: turn.usage.map(|u| u.prompt_tokens),
            token_chunks,
            answer_chunks,
            tpot_ms,
            itl_ms: stats::gaps(&token_times),
            tokens_per_second: rate.map(|(r, _)| r),
            rate_basis: rate.map(|(_, b)| b),
            server: turn.server_timings.map(|t| ServerFigures {
                prompt_n: t.prompt_n,
                prompt_ms: t.prompt_ms,
                predicted_n: t.predicted_n,
                predicted_ms: t.predicted_ms,
                predicted_per_second: t.predicted_per_second,
            }),
            finish_reason: turn.finish_reason.clone(),
        })
    }

    /// The run succeeded.
    pub fn is_ok(&self) -> bool {
        self.status == RunStatus::Ok
    }
}
