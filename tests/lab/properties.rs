//! Property tests: percentiles grow with p, ignore the order of the runs, stay within
//! [min, max]; summaries do not depend on the order of the records.

use chat_stream::lab::{percentile, Stats, TargetSummary};
use proptest::prelude::*;

use super::{paced, record_for};

fn values() -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec(-1.0e6f64..1.0e6, 1..60)
}

proptest! {
    #[test]
    fn percentiles_are_monotone_in_p(v in values(), a in 0.0f64..100.0, b in 0.0f64..100.0) {
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        prop_assert!(percentile(&v, lo).unwrap() <= percentile(&v, hi).unwrap());
    }

    #[test]
    fn percentiles_ignore_the_order_of_the_runs(v in values(), p in 0.0f64..=100.0, seed in any::<u64>()) {
        let mut shuffled = v.clone();
        // A deterministic shuffle from the seed (Fisher–Yates with an LCG).
        let mut state = seed | 1;
        for i in (1..shuffled.len()).rev() {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            shuffled.swap(i, (state >> 33) as usize % (i + 1));
        }
        prop_assert_eq!(percentile(&v, p), percentile(&shuffled, p));
        let mut reversed = v.clone();
        reversed.reverse();
        prop_assert_eq!(Stats::of(&v), Stats::of(&reversed));
    }

    #[test]
    fn percentiles_stay_within_min_and_max(v in values(), p in 0.0f64..=100.0) {
        let min = v.iter().copied().fold(f64::INFINITY, f64::min);
        let max = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let x = percentile(&v, p).unwrap();
        prop_assert!(min <= x && x <= max, "{} not in [{}, {}]", x, min, max);
        prop_assert_eq!(percentile(&v, 0.0), Some(min));
        prop_assert_eq!(percentile(&v, 100.0), Some(max));
        let s = Stats::of(&v).unwrap();
        prop_assert!(s.min <= s.p50 && s.p50 <= s.p90 && s.p90 <= s.p99 && s.p99 <= s.max);
        prop_assert!(s.min <= s.mean + 1e-6 && s.mean <= s.max + 1e-6);
    }

    #[test]
    fn summaries_ignore_the_order_of_the_records(
        firsts in prop::collection::vec((50u32..2000, 1u32..200, 1usize..12), 1..12),
    ) {
        let records: Vec<_> = firsts
            .iter()
            .enumerate()
            .map(|(i, &(first, gap, n))| record_for(&paced(first as f64, gap as f64, n, i % 2 == 0), 0, i + 1))
            .collect();
        let mut reversed = records.clone();
        reversed.reverse();
        let (a, b) = (TargetSummary::of(0, &records), TargetSummary::of(0, &reversed));
        prop_assert_eq!(a.ttft_ms.map(|s| (s.p50, s.p90, s.p99)), b.ttft_ms.map(|s| (s.p50, s.p90, s.p99)));
        prop_assert_eq!(a.itl_ms.map(|s| (s.p50, s.p99)), b.itl_ms.map(|s| (s.p50, s.p99)));
        prop_assert_eq!(a.e2e_ms.map(|s| s.p50), b.e2e_ms.map(|s| s.p50));
        prop_assert_eq!(a.runs, records.len());
    }
}
