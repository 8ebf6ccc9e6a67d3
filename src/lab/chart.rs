//! The lab's chart geometry as numbers: a value axis with round ticks, and the ITL histogram's
//! bins. The SVG view only places what these functions return.

/// A "nice" step (1, 2 or 5 times a power of ten) close to `raw`.
pub fn nice_step(raw: f64) -> f64 {
    if !raw.is_finite() || raw <= 0.0 {
        return 1.0;
    }
    let power = 10f64.powf(raw.log10().floor());
    let fraction = raw / power;
    let nice = if fraction <= 1.0 {
        1.0
    } else if fraction <= 2.0 {
        2.0
    } else if fraction <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * power
}

/// An axis from 0 that covers `max` with about `count` round ticks.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    /// The axis end (the last tick, ≥ `max`).
    pub max: f64,
    /// Tick values, from 0 to `max`.
    pub ticks: Vec<f64>,
}

impl Axis {
    /// The axis covering `0..=max` with about `count` (at least 1) steps.
    pub fn covering(max: f64, count: usize) -> Axis {
        let max = if max.is_finite() && max > 0.0 {
            max
        } else {
            1.0
        };
        let step = nice_step(max / count.max(1) as f64);
        let steps = (max / step).ceil().max(1.0) as usize;
        Axis {
            max: step * steps as f64,
            ticks: (0..=steps).map(|i| step * i as f64).collect(),
        }
    }

    /// Where `value` sits on an axis `width` long (clamped to the axis).
    pub fn x(&self, value: f64, width: f64) -> f64 {
        (value / self.max).clamp(0.0, 1.0) * width
    }
}

/// The counts of a histogram with equal bins from 0.
#[derive(Debug, Clone, PartialEq)]
pub struct Histogram {
    /// Width of a bin.
    pub bin: f64,
    /// How many values fell in each bin; values past the last bin count in the last one.
    pub counts: Vec<usize>,
}

impl Histogram {
    /// Bins of width `axis.max / bins` over `axis`, counting the finite, non-negative `values`.
    pub fn over(values: &[f64], axis: &Axis, bins: usize) -> Histogram {
        let bins = bins.max(1);
        let bin = axis.max / bins as f64;
        let mut counts = vec![0; bins];
        for v in values
            .iter()
            .copied()
            .filter(|v| v.is_finite() && *v >= 0.0)
        {
            let i = ((v / bin).floor() as usize).min(bins - 1);
            counts[i] += 1;
        }
        Histogram { bin, counts }
    }

    /// The largest count (0 for no values).
    pub fn peak(&self) -> usize {
        self.counts.iter().copied().max().unwrap_or(0)
    }
}
