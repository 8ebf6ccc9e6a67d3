//! The lab's scheduler as plain state: which run of which target goes next. The view asks it for
//! jobs when a slot is free and tells it when a job ended; it never touches the network itself.
//!
//! Targets are measured one after another, never at the same time (two targets are often the
//! same server, and sharing it would slow both). Each target first gets its warm-up run when one
//! is asked for (alone, not recorded: it pays for the connection, the CORS preflight and a cold
//! prompt cache), then its `runs` measured runs with at most `concurrency` requests in flight.
//! The next target starts when every request of the current one has ended. Stop ends the
//! schedule at once: no more jobs, and what finished stays.

/// The most concurrent requests per target.
pub const MAX_CONCURRENCY: usize = 8;
/// The most runs per target.
pub const MAX_RUNS: usize = 1000;

/// One request to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Job {
    /// Index of the target.
    pub target: usize,
    /// 1-based run number within the target; 0 for the warm-up run.
    pub run: usize,
    /// The warm-up run (not recorded).
    pub warmup: bool,
    /// Index of the prompt to send (the prompt set is cycled over the runs).
    pub prompt: usize,
}

/// How far one target is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Progress {
    /// Measured runs ended (successful or failed).
    pub done: usize,
    /// Measured runs to make.
    pub of: usize,
    /// Requests in flight.
    pub in_flight: usize,
    /// The warm-up run has ended (or none was asked for).
    pub warmed: bool,
}

/// The schedule of one lab session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    runs: usize,
    warmup: bool,
    concurrency: usize,
    prompts: usize,
    targets: Vec<TargetState>,
    current: usize,
    stopped: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct TargetState {
    issued: usize,
    done: usize,
    in_flight: usize,
    warmup_issued: bool,
    warmed: bool,
}

impl Schedule {
    /// `runs` measured runs (clamped to 1..=[`MAX_RUNS`]) for each of `targets` targets, with a
    /// warm-up run each when `warmup`, at most `concurrency` (clamped to
    /// 1..=[`MAX_CONCURRENCY`]) in flight, cycling over `prompts` prompts (at least 1).
    pub fn new(
        targets: usize,
        runs: usize,
        warmup: bool,
        concurrency: usize,
        prompts: usize,
    ) -> Self {
        Self {
            runs: runs.clamp(1, MAX_RUNS),
            warmup,
            concurrency: concurrency.clamp(1, MAX_CONCURRENCY),
            prompts: prompts.max(1),
            targets: vec![
                TargetState {
                    warmed: !warmup,
                    ..TargetState::default()
                };
                targets
            ],
            current: 0,
            stopped: false,
        }
    }

    /// Measured runs per target.
    pub fn runs(&self) -> usize {
        self.runs
    }

    /// Concurrent requests per target.
    pub fn concurrency(&self) -> usize {
        self.concurrency
    }

    /// The next job to start now, if any: `None` when the current target has as many requests
    /// in flight as allowed (or its warm-up is running), when every run is issued, or after
    /// [`Self::stop`].
    pub fn next_job(&mut self) -> Option<Job> {
        if self.stopped {
            return None;
        }
        loop {
            let (runs, concurrency, prompts) = (self.runs, self.concurrency, self.prompts);
            let target = self.current;
            let t = self.targets.get_mut(target)?;
            if !t.warmed {
                if t.warmup_issued {
                    return None;
                }
                t.warmup_issued = true;
                t.in_flight += 1;
                return Some(Job {
                    target,
                    run: 0,
                    warmup: true,
                    prompt: 0,
                });
            }
            if t.issued < runs {
                if t.in_flight >= concurrency {
                    return None;
                }
                t.issued += 1;
                t.in_flight += 1;
                return Some(Job {
                    target,
                    run: t.issued,
                    warmup: false,
                    prompt: (t.issued - 1) % prompts,
                });
            }
            if t.in_flight > 0 {
                return None;
            }
            self.current += 1;
        }
    }

    /// `job` ended (whatever its outcome).
    pub fn finish(&mut self, job: Job) {
        let Some(t) = self.targets.get_mut(job.target) else {
            return;
        };
        t.in_flight = t.in_flight.saturating_sub(1);
        if job.warmup {
            t.warmed = true;
        } else {
            t.done += 1;
        }
    }

    /// No more jobs: the requests in flight are the caller's to abort; what finished stays.
    pub fn stop(&mut self) {
        self.stopped = true;
    }

    /// Stopped by the user.
    pub fn is_stopped(&self) -> bool {
        self.stopped
    }

    /// Nothing in flight and nothing left to start (every run ended, or stopped).
    pub fn is_finished(&self) -> bool {
        let idle = self.targets.iter().all(|t| t.in_flight == 0);
        idle && (self.stopped || self.targets.iter().all(|t| t.done >= self.runs))
    }

    /// Progress of `target`.
    pub fn progress(&self, target: usize) -> Progress {
        self.targets
            .get(target)
            .map_or(Progress::default(), |t| Progress {
                done: t.done,
                of: self.runs,
                in_flight: t.in_flight,
                warmed: t.warmed,
            })
    }

    /// Requests in flight, every target.
    pub fn in_flight(&self) -> usize {
        self.targets.iter().map(|t| t.in_flight).sum()
    }
}
