//! Percentiles, means, TPOT, gaps and the tokens-per-second guards, on known numbers.

use chat_stream::lab::stats::{
    gaps, mean, percentile, tokens_per_second, tpot, RateBasis, RateInput, Stats,
};

use super::close;

#[test]
fn percentiles_interpolate_linearly_between_closest_ranks() {
    let v = [15.0, 20.0, 35.0, 40.0, 50.0];
    assert_eq!(percentile(&v, 0.0), Some(15.0));
    assert_eq!(percentile(&v, 100.0), Some(50.0));
    assert_eq!(percentile(&v, 50.0), Some(35.0));
    // h = 4 · 0.4 = 1.6: 20 + 0.6 · (35 − 20) = 29 (numpy.percentile gives 29.0 too).
    assert!(close(percentile(&v, 40.0).unwrap(), 29.0));
    // h = 3.6: 40 + 0.6 · 10.
    assert!(close(percentile(&v, 90.0).unwrap(), 46.0));
    assert!(close(percentile(&v, 99.0).unwrap(), 49.6));
    // An even count: the median is the mean of the middle two; order does not matter.
    assert_eq!(percentile(&[4.0, 1.0, 3.0, 2.0], 50.0), Some(2.5));
}

#[test]
fn percentiles_of_edge_inputs() {
    assert_eq!(percentile(&[], 50.0), None);
    assert_eq!(percentile(&[f64::NAN, f64::INFINITY], 50.0), None);
    assert_eq!(percentile(&[7.0], 99.0), Some(7.0));
    // Non-finite values are left out; p outside 0..=100 is clamped.
    assert_eq!(percentile(&[1.0, f64::NAN, 3.0], 50.0), Some(2.0));
    assert_eq!(percentile(&[1.0, 3.0], 250.0), Some(3.0));
    assert_eq!(percentile(&[1.0, 3.0], -5.0), Some(1.0));
}

#[test]
fn stats_sum_up_a_set() {
    let s = Stats::of(&[10.0, 30.0, 20.0, f64::NAN]).unwrap();
    assert_eq!((s.n, s.min, s.max), (3, 10.0, 30.0));
    assert!(close(s.mean, 20.0));
    assert_eq!(s.p50, 20.0);
    assert!(close(s.p90, 28.0));
    assert!(close(s.p99, 29.8));
    assert_eq!(Stats::of(&[]), None);
    assert_eq!(mean(&[1.0, 2.0, f64::NAN]), Some(1.5));
    assert_eq!(mean(&[]), None);
}

#[test]
fn tpot_is_vllms_formula_and_needs_two_tokens() {
    // 10 tokens, first at 200 ms, end at 650 ms: 450 ms over the 9 after the first.
    assert!(close(tpot(650.0, 200.0, 10).unwrap(), 50.0));
    assert_eq!(tpot(650.0, 200.0, 1), None);
    assert_eq!(tpot(650.0, 200.0, 0), None);
    assert_eq!(tpot(100.0, 200.0, 5), None, "an end before the first token");
    assert_eq!(tpot(200.0, 200.0, 2), Some(0.0));
}

#[test]
fn gaps_are_consecutive_differences() {
    assert_eq!(gaps(&[100.0, 150.0, 210.0, 210.0]), vec![50.0, 60.0, 0.0]);
    assert!(gaps(&[100.0]).is_empty());
    assert!(gaps(&[]).is_empty());
}

fn input(tokens: u64, chunks: u64) -> RateInput {
    RateInput {
        output_tokens: tokens,
        token_chunks: chunks,
        answer_chunks: chunks,
        first_token_ms: Some(200.0),
        first_answer_ms: Some(200.0),
        e2e_ms: Some(1200.0),
        ..RateInput::default()
    }
}

#[test]
fn tokens_per_second_counts_the_tokens_after_the_first() {
    let (rate, basis) = tokens_per_second(&input(11, 11)).unwrap();
    assert_eq!(basis, RateBasis::Output);
    assert!(close(rate, 10.0), "{rate}");
}

#[test]
fn no_tokens_per_second_for_a_one_chunk_answer() {
    // 40 tokens in one chunk: the span is one read, the rate would be absurd.
    assert_eq!(tokens_per_second(&input(40, 1)), None);
    assert_eq!(tokens_per_second(&input(1, 1)), None);
    assert_eq!(tokens_per_second(&input(5, 0)), None);
    // A zero span (both chunks in one read) gives no rate either.
    let mut same_read = input(5, 2);
    same_read.e2e_ms = Some(200.0);
    assert_eq!(tokens_per_second(&same_read), None);
}

#[test]
fn reported_reasoning_tokens_are_left_out() {
    // 60 tokens, 40 of them reasoning (first token at 200 ms); the 20 answer tokens run from
    // 700 ms to 1200 ms: the 19 after the first over 0.5 s.
    let run = RateInput {
        output_tokens: 60,
        reasoning_tokens: Some(40),
        token_chunks: 60,
        answer_chunks: 20,
        saw_reasoning: true,
        first_token_ms: Some(200.0),
        first_answer_ms: Some(700.0),
        e2e_ms: Some(1200.0),
    };
    let (rate, basis) = tokens_per_second(&run).unwrap();
    assert_eq!(basis, RateBasis::Answer);
    assert!(close(rate, 38.0), "{rate}");
    // Without the count, every token over the whole span (reasoning time included): 59 / 1 s.
    let unreported = RateInput {
        reasoning_tokens: None,
        ..run
    };
    let (rate, basis) = tokens_per_second(&unreported).unwrap();
    assert_eq!(basis, RateBasis::WithReasoning);
    assert!(close(rate, 59.0), "{rate}");
    // A reasoning-only answer with a count: no answer tokens, no rate.
    let only = RateInput {
        output_tokens: 40,
        answer_chunks: 0,
        first_answer_ms: None,
        ..run
    };
    assert_eq!(tokens_per_second(&only), None);
    // A server that says 0 reasoning tokens and streamed none: the plain output rate.
    let zero = RateInput {
        reasoning_tokens: Some(0),
        ..input(11, 11)
    };
    assert_eq!(tokens_per_second(&zero).unwrap().1, RateBasis::Output);
}
