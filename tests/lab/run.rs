//! Run records made from transcripts driven by frames: every time mark, the token count and its
//! source, TPOT, the gaps, reasoning kept apart, server timings, errors.

use chat_stream::lab::{RateBasis, RunRecord, RunStatus, TokenSource};

use super::{close, paced, record, transcript, Ev};

#[test]
fn a_paced_stream_gives_its_pacing_back() {
    // First token at 300 ms, then a token every 50 ms: 10 tokens, the last at 750 ms.
    let r = record(&paced(300.0, 50.0, 10, true));
    assert_eq!(r.status, RunStatus::Ok);
    assert_eq!(r.headers_ms, Some(5.0));
    assert_eq!(
        r.first_chunk_ms,
        Some(10.0),
        "the role-only chunk is the first chunk"
    );
    assert_eq!(r.ttft_ms, Some(300.0), "the role-only chunk is not a token");
    assert_eq!(r.first_answer_ms, Some(300.0));
    assert_eq!(r.first_reasoning_ms, None);
    assert_eq!(r.second_token_ms, Some(350.0));
    assert_eq!(r.e2e_ms, Some(751.0));
    assert_eq!((r.output_tokens, r.token_source), (10, TokenSource::Usage));
    assert_eq!(r.token_chunks, 10);
    assert_eq!(r.itl_ms, vec![50.0; 9]);
    // (751 − 300) / 9.
    assert!(close(r.tpot_ms.unwrap(), 451.0 / 9.0));
    let (rate, basis) = (r.tokens_per_second.unwrap(), r.rate_basis.unwrap());
    assert_eq!(basis, RateBasis::Output);
    assert!(close(rate, 9.0 / 0.451), "{rate}");
    assert_eq!(r.finish_reason.as_deref(), Some("stop"));
    assert_eq!(r.prompt_tokens, Some(7));
}

#[test]
fn without_usage_the_chunks_are_counted_and_labelled() {
    let r = record(&paced(100.0, 20.0, 6, false));
    assert_eq!((r.output_tokens, r.token_source), (6, TokenSource::Chunks));
    assert_eq!(r.prompt_tokens, None);
    assert!(close(r.tpot_ms.unwrap(), (201.0 - 100.0) / 5.0));
}

#[test]
fn usage_counts_win_over_chunks() {
    // Three chunks of many tokens each (a gateway that batches): usage says 30.
    let r = record(&[
        Ev::Text(100.0, "one two three "),
        Ev::Text(200.0, "four five six "),
        Ev::Text(300.0, "seven "),
        Ev::Finish(300.0),
        Ev::Usage(301.0, 30, None),
        Ev::Done(301.0),
    ]);
    assert_eq!((r.output_tokens, r.token_source), (30, TokenSource::Usage));
    assert_eq!(r.token_chunks, 3);
    assert!(close(r.tpot_ms.unwrap(), 201.0 / 29.0));
    assert_eq!(r.itl_ms, vec![100.0, 100.0]);
}

#[test]
fn a_one_chunk_answer_has_no_tpot_and_no_rate() {
    let r = record(&[
        Ev::Role(40.0),
        Ev::Text(120.0, "The whole answer at once."),
        Ev::Finish(120.0),
        Ev::Done(121.0),
    ]);
    assert_eq!(r.output_tokens, 1);
    assert_eq!(r.tpot_ms, None);
    assert_eq!(r.tokens_per_second, None);
    assert!(r.itl_ms.is_empty());
    assert_eq!(r.second_token_ms, None);
    // Usage says 40 tokens, but they came in one chunk: TPOT is defined, tokens/s is not.
    let r = record(&[
        Ev::Text(120.0, "The whole answer at once."),
        Ev::Finish(120.0),
        Ev::Usage(121.0, 40, None),
        Ev::Done(160.0),
    ]);
    assert!(close(r.tpot_ms.unwrap(), 40.0 / 39.0));
    assert_eq!(r.tokens_per_second, None);
}

fn reasoning_run(reported: Option<u64>) -> RunRecord {
    record(&[
        Ev::Role(10.0),
        Ev::Reasoning(100.0, "First, "),
        Ev::Reasoning(150.0, "think. "),
        Ev::Reasoning(200.0, "Then answer."),
        Ev::Text(400.0, "The "),
        Ev::Text(450.0, "answer "),
        Ev::Text(500.0, "is 42."),
        Ev::Finish(500.0),
        Ev::Usage(501.0, 6, reported),
        Ev::Done(501.0),
    ])
}

#[test]
fn reasoning_is_timed_apart_and_left_out_of_the_rate_when_reported() {
    let r = reasoning_run(Some(3));
    assert_eq!(
        r.ttft_ms,
        Some(100.0),
        "TTFT counts the first reasoning token"
    );
    assert_eq!(r.first_reasoning_ms, Some(100.0));
    assert_eq!(r.first_answer_ms, Some(400.0));
    assert_eq!(r.second_token_ms, Some(150.0));
    assert_eq!((r.token_chunks, r.answer_chunks), (6, 3));
    assert_eq!(r.reasoning_tokens, Some(3));
    assert_eq!(r.itl_ms, vec![50.0, 50.0, 200.0, 50.0, 50.0]);
    // 3 answer tokens from 400 ms to 501 ms: 2 / 0.101 s.
    assert_eq!(r.rate_basis, Some(RateBasis::Answer));
    assert!(close(r.tokens_per_second.unwrap(), 2.0 / 0.101));
    // Unreported: every token over the whole span, labelled.
    let r = reasoning_run(None);
    assert_eq!(r.rate_basis, Some(RateBasis::WithReasoning));
    assert!(close(r.tokens_per_second.unwrap(), 5.0 / 0.401));
}

#[test]
fn think_tags_in_the_content_count_as_reasoning() {
    let r = record(&[
        Ev::Text(100.0, "<think>hm"),
        Ev::Text(150.0, "m</think>"),
        Ev::Text(300.0, "Yes."),
        Ev::Finish(300.0),
        Ev::Done(301.0),
    ]);
    assert_eq!(r.first_reasoning_ms, Some(100.0));
    assert_eq!(r.first_answer_ms, Some(300.0));
    assert_eq!(r.answer_chunks, 1);
    // Reasoning and no count: the rate is over everything, 3 chunks counted as 3 tokens.
    assert_eq!(r.rate_basis, Some(RateBasis::WithReasoning));
    assert!(close(r.tokens_per_second.unwrap(), 2.0 / 0.201));
}

#[test]
fn server_timings_sit_next_to_the_clients_figures() {
    let mut events = paced(200.0, 10.0, 3, true);
    events.insert(events.len() - 1, Ev::Timings(221.0, 12.5, 95.0));
    let r = record(&events);
    let server = r.server.expect("timings");
    assert_eq!(server.prompt_ms, Some(12.5));
    assert_eq!(server.predicted_per_second, Some(95.0));
    assert_eq!(server.predicted_n, Some(3.0));
}

#[test]
fn a_failed_run_keeps_its_error_and_status() {
    let r = record(&[Ev::Headers(20.0), Ev::Fail(25.0, 401)]);
    assert_eq!(r.status, RunStatus::Error);
    assert!(!r.is_ok());
    assert_eq!(r.http_status, Some(401));
    let message = r.error.expect("a message");
    assert!(
        message.contains("401") && message.contains("Incorrect API key"),
        "{message}"
    );
    assert_eq!(
        (r.ttft_ms, r.tpot_ms, r.tokens_per_second),
        (None, None, None)
    );
    assert_eq!(r.e2e_ms, Some(25.0));
}

#[test]
fn a_cut_stream_is_an_error_with_its_partial_figures() {
    let r = record(&[Ev::Text(100.0, "a "), Ev::Text(150.0, "b "), Ev::End(160.0)]);
    assert_eq!(r.status, RunStatus::Error);
    assert!(r.error.unwrap().contains("incomplete"));
    assert_eq!(r.ttft_ms, Some(100.0));
    assert_eq!(r.tpot_ms, None, "no TPOT of a run that did not finish");
}

#[test]
fn running_and_stopped_turns_make_no_record() {
    let t = transcript(&[Ev::Text(100.0, "a ")]);
    let turn = t.turn.as_ref().unwrap();
    assert_eq!(RunRecord::from_turn(turn, None, 0.0, 0, 1, 0), None);
    let mut t = transcript(&[Ev::Text(100.0, "a ")]);
    t.stop(super::SENT_AT + 120.0);
    let turn = t.turn.as_ref().unwrap();
    assert_eq!(RunRecord::from_turn(turn, None, 0.0, 0, 1, 0), None);
}

#[test]
fn records_say_what_run_they_are() {
    let t = transcript(&paced(100.0, 10.0, 2, false));
    let turn = t.turn.as_ref().unwrap();
    let r = RunRecord::from_turn(turn, None, 400.0, 2, 7, 3).unwrap();
    assert_eq!((r.target, r.run, r.prompt), (2, 7, 3));
    assert_eq!(r.started_ms, super::SENT_AT - 400.0);
}
