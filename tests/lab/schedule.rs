//! The scheduler: warm-up first and alone, k of N per target, concurrency, targets one after
//! another, prompts cycled, Stop.

use chat_stream::lab::{Job, Schedule, MAX_CONCURRENCY};

/// Runs the whole schedule, finishing the oldest job first; returns every job in start order
/// and the most jobs in flight at once.
fn drain(mut s: Schedule) -> (Vec<Job>, usize) {
    let mut started = Vec::new();
    let mut flying: Vec<Job> = Vec::new();
    let mut most = 0;
    loop {
        while let Some(job) = s.next_job() {
            if let Some(other) = flying.first() {
                assert_eq!(other.target, job.target, "targets never share the server");
            }
            flying.push(job);
            started.push(job);
        }
        most = most.max(flying.len());
        if flying.is_empty() {
            break;
        }
        s.finish(flying.remove(0));
    }
    assert!(s.is_finished());
    (started, most)
}

#[test]
fn sequential_runs_with_a_warm_up_per_target() {
    let (jobs, most) = drain(Schedule::new(2, 3, true, 1, 2));
    assert_eq!(most, 1);
    let seen: Vec<(usize, usize, bool, usize)> = jobs
        .iter()
        .map(|j| (j.target, j.run, j.warmup, j.prompt))
        .collect();
    assert_eq!(
        seen,
        vec![
            (0, 0, true, 0),
            (0, 1, false, 0),
            (0, 2, false, 1),
            (0, 3, false, 0),
            (1, 0, true, 0),
            (1, 1, false, 0),
            (1, 2, false, 1),
            (1, 3, false, 0),
        ]
    );
}

#[test]
fn concurrency_limits_the_requests_in_flight() {
    let mut s = Schedule::new(1, 10, true, 4, 1);
    let warm = s.next_job().unwrap();
    assert!(warm.warmup);
    assert_eq!(s.next_job(), None, "the warm-up runs alone");
    s.finish(warm);
    let batch: Vec<Job> = std::iter::from_fn(|| s.next_job()).collect();
    assert_eq!(
        batch.iter().map(|j| j.run).collect::<Vec<_>>(),
        vec![1, 2, 3, 4]
    );
    assert_eq!(s.progress(0).in_flight, 4);
    s.finish(batch[1]);
    assert_eq!(s.next_job().map(|j| j.run), Some(5));
    assert_eq!(s.next_job(), None);
    assert_eq!(s.progress(0).done, 1, "the warm-up is not counted");
    let (_, most) = drain(Schedule::new(2, 20, false, 99, 1));
    assert_eq!(most, MAX_CONCURRENCY, "concurrency is capped");
}

#[test]
fn the_next_target_waits_for_the_last_request_of_the_current_one() {
    let mut s = Schedule::new(2, 2, false, 2, 1);
    let (a, b) = (s.next_job().unwrap(), s.next_job().unwrap());
    assert_eq!(s.next_job(), None);
    s.finish(a);
    assert_eq!(s.next_job(), None, "target 0 still has a request in flight");
    s.finish(b);
    let next = s.next_job().unwrap();
    assert_eq!((next.target, next.run), (1, 1));
    assert_eq!(s.progress(0).done, 2);
    assert_eq!(s.progress(1).done, 0);
}

#[test]
fn stop_ends_the_schedule_and_keeps_the_count() {
    let mut s = Schedule::new(1, 5, false, 2, 1);
    let (a, b) = (s.next_job().unwrap(), s.next_job().unwrap());
    s.finish(a);
    s.stop();
    assert!(s.is_stopped());
    assert_eq!(s.next_job(), None);
    assert!(!s.is_finished(), "one request is still in flight");
    s.finish(b);
    assert!(s.is_finished());
    assert_eq!(s.progress(0).done, 2);
    assert_eq!(s.progress(0).of, 5);
}

#[test]
fn inputs_are_clamped() {
    let s = Schedule::new(1, 0, false, 0, 0);
    assert_eq!((s.runs(), s.concurrency()), (1, 1));
    let (jobs, _) = drain(s);
    assert_eq!(jobs.len(), 1);
    let (jobs, _) = drain(Schedule::new(0, 5, true, 1, 1));
    assert!(jobs.is_empty(), "no target, nothing to run");
}
