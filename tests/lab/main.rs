//! Host tests of the latency lab's pure core: the statistics and their guards (`stats`), run
//! records made from transcripts driven by frames (`run`), per-target summaries (`summary`), the
//! CSV and JSON exports (`export`), the scheduler (`schedule`), targets and the prompt set
//! (`targets`), and property tests of the percentiles (`properties`).
#![cfg(not(target_arch = "wasm32"))]

#[path = "../common/mod.rs"]
mod common;

mod chart;
mod export;
mod properties;
mod run;
mod schedule;
mod stats;
mod summary;
mod targets;

use chat_stream::{
    lab::RunRecord,
    openai::Frame,
    transcript::{RequestOptions, Transcript},
};
use common::{content, frame};

/// A scripted stream: what arrives, and when (ms after the request was sent at t = 1000).
pub enum Ev {
    Headers(f64),
    Role(f64),
    Text(f64, &'static str),
    Reasoning(f64, &'static str),
    Finish(f64),
    Usage(f64, u64, Option<u64>),
    Timings(f64, f64, f64),
    Done(f64),
    Fail(f64, u16),
    End(f64),
}

pub const SENT_AT: f64 = 1000.0;
const BAD_KEY: &str = r#"{"error":{"message":"Incorrect API key provided."}}"#;

/// The transcript after `events`.
pub fn transcript(events: &[Ev]) -> Transcript {
    let mut t = Transcript::new();
    let options = RequestOptions {
        model: "m".into(),
        stream: true,
        include_usage: true,
        ..RequestOptions::default()
    };
    t.begin("hi", &options, SENT_AT);
    for e in events {
        let at = |ms: &f64| SENT_AT + ms;
        match e {
            Ev::Headers(ms) => t.on_headers(at(ms)),
            Ev::Role(ms) => t.apply(
                frame(serde_json::json!({"choices":[{"index":0,"delta":{"role":"assistant","content":""}}]})),
                at(ms),
            ),
            Ev::Text(ms, text) => t.apply(content(text), at(ms)),
            Ev::Reasoning(ms, text) => t.apply(
                frame(serde_json::json!({"choices":[{"index":0,"delta":{"reasoning_content":text}}]})),
                at(ms),
            ),
            Ev::Finish(ms) => t.apply(
                frame(serde_json::json!({"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]})),
                at(ms),
            ),
            Ev::Usage(ms, completion, reasoning) => {
                let mut usage = serde_json::json!({"prompt_tokens":7,"completion_tokens":completion,"total_tokens":7 + completion});
                if let Some(r) = reasoning {
                    usage["completion_tokens_details"] = serde_json::json!({"reasoning_tokens": r});
                }
                t.apply(frame(serde_json::json!({"choices":[],"usage":usage})), at(ms))
            }
            Ev::Timings(ms, prompt_ms, per_second) => t.apply(
                frame(serde_json::json!({"choices":[],"timings":{"prompt_n":7,"prompt_ms":prompt_ms,"predicted_n":3,"predicted_ms":30.0,"predicted_per_second":per_second}})),
                at(ms),
            ),
            Ev::Done(ms) => t.apply(Frame::Done, at(ms)),
            Ev::Fail(ms, status) => t.fail(
                chat_stream::ChatError::Http {
                    status: *status,
                    retry_after_secs: None,
                    api: chat_stream::openai::error_from_http(*status, BAD_KEY),
                    body: BAD_KEY.to_owned(),
                },
                at(ms),
            ),
            Ev::End(ms) => t.end_of_stream(false, at(ms)),
        }
    }
    t
}

/// The record of the run scripted by `events` (target 0, run 1, prompt 0, lab started at 0).
pub fn record(events: &[Ev]) -> RunRecord {
    record_for(events, 0, 1)
}

/// The same for `target` and `run`.
pub fn record_for(events: &[Ev], target: usize, run: usize) -> RunRecord {
    let t = transcript(events);
    let turn = t.turn.as_ref().expect("a turn");
    RunRecord::from_turn(turn, t.messages.get(turn.message), 0.0, target, run, 0)
        .expect("a finished turn")
}

/// A paced answer: headers at 5, role chunk at 10, `n` tokens from `first` every `gap` ms, the
/// finish chunk and `[DONE]` 1 ms after the last, with usage when `usage`.
pub fn paced(first: f64, gap: f64, n: usize, usage: bool) -> Vec<Ev> {
    const WORDS: [&str; 4] = ["a ", "b ", "c ", "d "];
    let mut events = vec![Ev::Headers(5.0), Ev::Role(10.0)];
    for i in 0..n {
        events.push(Ev::Text(first + gap * i as f64, WORDS[i % 4]));
    }
    let last = first + gap * n.saturating_sub(1) as f64;
    events.push(Ev::Finish(last + 1.0));
    if usage {
        events.push(Ev::Usage(last + 1.0, n as u64, None));
    }
    events.push(Ev::Done(last + 1.0));
    events
}

pub fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}
