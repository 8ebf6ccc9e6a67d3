//! The figures of the turn that wrote an assistant message, kept with the message (and saved in
//! history) so every answer carries its own speed line after the turn is over, a reload or a
//! reopen: first token, total, tokens per second (and where that figure came from), chunks, and
//! the start of its chunk log.

use serde::{Deserialize, Serialize};

use crate::transcript::{RateSource, Turn};

/// One row of a message's chunk log: when the chunk arrived and what it carried.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoggedChunk {
    /// Milliseconds after the request was sent.
    pub ms: f64,
    /// The chunk's delta as the cookbook prints it (cut to [`MessageStats::SUMMARY_CHARS`]).
    pub summary: String,
}

/// A message's figures. Times are milliseconds after the request was sent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MessageStats {
    /// The answer was streamed.
    pub streaming: bool,
    /// Response headers arrived.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub headers_ms: Option<f64>,
    /// The first event (or the whole body, without streaming).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_chunk_ms: Option<f64>,
    /// The first answer, reasoning or refusal text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_token_ms: Option<f64>,
    /// The turn ended.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_ms: Option<f64>,
    /// Events that carried a chunk.
    pub chunks: u64,
    /// Tokens (or chunks) per second, when there is enough to say.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tokens_per_second: Option<f64>,
    /// Where [`tokens_per_second`](Self::tokens_per_second) comes from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate_source: Option<RateSource>,
    /// `usage.completion_tokens`, when the server sent it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completion_tokens: Option<u64>,
    /// The first [`MessageStats::LOG_ROWS`] chunks of the log.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub log: Vec<LoggedChunk>,
}

impl MessageStats {
    /// Rows of the chunk log kept with a message (the whole log of the latest turn is in the
    /// turn itself); enough to read the start of a stream without filling web storage.
    pub const LOG_ROWS: usize = 120;
    /// The longest summary kept per row, in characters.
    pub const SUMMARY_CHARS: usize = 80;

    /// The figures of a turn (finished or not).
    pub fn from_turn(turn: &Turn) -> Self {
        let rate = turn.tokens_per_second();
        Self {
            streaming: turn.streaming,
            headers_ms: turn.times.headers,
            first_chunk_ms: turn.times.first_chunk,
            first_token_ms: turn.times.first_token,
            total_ms: turn.times.total,
            chunks: turn.chunks.len() as u64,
            tokens_per_second: rate.map(|(v, _)| v),
            rate_source: rate.map(|(_, s)| s),
            completion_tokens: turn.usage.map(|u| u.completion_tokens),
            log: turn
                .chunks
                .iter()
                .take(Self::LOG_ROWS)
                .map(|c| LoggedChunk {
                    ms: c.ms,
                    summary: crate::openai::excerpt(&c.summary(), Self::SUMMARY_CHARS),
                })
                .collect(),
        }
    }

    /// How [`tokens_per_second`](Self::tokens_per_second) was obtained, for its label:
    /// `"server timings"`, `"usage"`, `"counted"`.
    pub fn rate_label(&self) -> Option<&'static str> {
        self.rate_source.map(RateSource::label)
    }

    /// The compact line shown under an answer, e.g.
    /// `first token 0.41 s · total 2.10 s · 38.2 tok/s (server timings) · 52 chunks`.
    pub fn line(&self) -> String {
        use crate::figures::{fixed, seconds};
        let mut parts = Vec::with_capacity(4);
        if let Some(ms) = self.first_token_ms {
            parts.push(format!("first token {}", seconds(ms)));
        }
        if let Some(ms) = self.total_ms {
            parts.push(format!("total {}", seconds(ms)));
        }
        if let (Some(v), Some(source)) = (self.tokens_per_second, self.rate_source) {
            let unit = if source == RateSource::CountedChunks {
                "chunks/s"
            } else {
                "tok/s"
            };
            parts.push(format!("{} {unit} ({})", fixed(v, 1), source.label()));
        }
        parts.push(match self.chunks {
            1 => "1 chunk".to_owned(),
            n => format!("{n} chunks"),
        });
        if !self.streaming {
            parts.push("not streamed".to_owned());
        }
        parts.join(" · ")
    }
}
