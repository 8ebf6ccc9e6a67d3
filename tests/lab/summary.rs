//! Per-target summaries: successful runs only for the latencies, ITL pooled, errors counted with
//! their messages.

use chat_stream::lab::TargetSummary;

use super::{close, paced, record_for, Ev};

#[test]
fn each_target_is_summed_up_apart() {
    let mut records = Vec::new();
    for (i, first) in [100.0, 200.0, 300.0, 400.0].into_iter().enumerate() {
        records.push(record_for(&paced(first, 20.0, 5, true), 0, i + 1));
    }
    records.push(record_for(&paced(900.0, 40.0, 3, true), 1, 1));
    records.push(record_for(&[Ev::Fail(30.0, 401)], 1, 2));
    records.push(record_for(&[Ev::Fail(35.0, 401)], 1, 3));
    let all = TargetSummary::all(2, &records);
    let (a, b) = (&all[0], &all[1]);
    assert_eq!((a.runs, a.errors), (4, 0));
    let ttft = a.ttft_ms.unwrap();
    assert_eq!((ttft.min, ttft.max, ttft.p50), (100.0, 400.0, 250.0));
    assert!(close(ttft.p90, 370.0));
    assert!(close(ttft.mean, 250.0));
    // 4 gaps of 20 ms per run, pooled.
    let itl = a.itl_ms.unwrap();
    assert_eq!((itl.n, itl.p50, itl.p99), (16, 20.0, 20.0));
    let e2e = a.e2e_ms.unwrap();
    assert_eq!(e2e.p50, 250.0 + 81.0);
    assert!(close(a.tpot_ms.unwrap().p50, 81.0 / 4.0));
    assert_eq!(a.output_tokens.unwrap().mean, 5.0);

    assert_eq!((b.runs, b.errors), (1, 2));
    assert_eq!(
        b.ttft_ms.unwrap().p50,
        900.0,
        "failed runs stay out of the latencies"
    );
    assert_eq!(b.error_messages.len(), 1);
    let (message, n) = &b.error_messages[0];
    assert_eq!(*n, 2);
    assert!(message.contains("Incorrect API key"), "{message}");
}

#[test]
fn a_target_without_runs_has_no_figures() {
    let s = TargetSummary::of(3, &[record_for(&paced(100.0, 20.0, 5, true), 0, 1)]);
    assert_eq!((s.target, s.runs, s.errors), (3, 0, 0));
    assert_eq!(s.ttft_ms, None);
    assert_eq!(s.itl_ms, None);
}

#[test]
fn server_figures_are_summed_up_when_sent() {
    let mut events = paced(200.0, 10.0, 3, true);
    events.insert(events.len() - 1, Ev::Timings(221.0, 12.0, 90.0));
    let mut other = paced(200.0, 10.0, 3, true);
    other.insert(other.len() - 1, Ev::Timings(221.0, 14.0, 110.0));
    let s = TargetSummary::of(0, &[record_for(&events, 0, 1), record_for(&other, 0, 2)]);
    assert_eq!(s.server_prompt_ms.unwrap().p50, 13.0);
    assert_eq!(s.server_tokens_per_second.unwrap().mean, 100.0);
}
