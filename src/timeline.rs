//! Geometry of the chunk-arrival timeline (compare mode) as plain numbers, so the SVG view only
//! draws what this computes and the scale is tested on the host.

/// One row of the timeline: a run and the arrival time of each of its chunks.
#[derive(Debug, Clone, PartialEq)]
pub struct Run<'a> {
    /// Row label, e.g. "streaming".
    pub label: &'a str,
    /// Chunk arrival times, ms after the request was sent.
    pub marks: &'a [f64],
    /// When the run ended (ms), if it has.
    pub total: Option<f64>,
}

/// A tick on the time axis.
#[derive(Debug, Clone, PartialEq)]
pub struct Tick {
    /// x in view-box units.
    pub x: f64,
    /// Label, e.g. "0.5 s".
    pub label: String,
}

/// Everything the SVG needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    /// Width of the plot area in view-box units.
    pub width: f64,
    /// Milliseconds at the right edge.
    pub span_ms: f64,
    /// Axis ticks.
    pub ticks: Vec<Tick>,
    /// Per run: x of every mark, and x of the end.
    pub rows: Vec<(Vec<f64>, Option<f64>)>,
}

/// Lays out `runs` on one shared axis `width` units wide. The axis spans the latest mark or end,
/// rounded up to a "nice" number so ticks fall on round times.
pub fn layout(runs: &[Run<'_>], width: f64) -> Layout {
    let latest = runs
        .iter()
        .flat_map(|r| r.marks.iter().copied().chain(r.total))
        .filter(|v| v.is_finite())
        .fold(0.0_f64, f64::max);
    // Before any run, a one-second axis rather than one of a fraction of a millisecond.
    let latest = if latest > 0.0 { latest } else { 1000.0 };
    let step = nice_step(latest.max(1.0) / 5.0);
    let span_ms = (latest / step).ceil().max(1.0) * step;
    let x = |ms: f64| (ms.clamp(0.0, span_ms) / span_ms) * width;
    let ticks = (0..)
        .map(|i| i as f64 * step)
        .take_while(|&ms| ms <= span_ms + step / 2.0)
        .map(|ms| Tick {
            x: x(ms),
            label: if span_ms >= 1000.0 || ms == 0.0 {
                format!("{} s", trim(ms / 1000.0))
            } else {
                format!("{} ms", trim(ms))
            },
        })
        .collect();
    let rows = runs
        .iter()
        .map(|r| (r.marks.iter().map(|&m| x(m)).collect(), r.total.map(x)))
        .collect();
    Layout {
        width,
        span_ms,
        ticks,
        rows,
    }
}

/// 1, 2 or 5 times a power of ten, at least `raw`.
fn nice_step(raw: f64) -> f64 {
    let magnitude = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|&s| s >= raw)
        .unwrap_or(10.0 * magnitude)
}

fn trim(v: f64) -> String {
    crate::figures::trimmed(v, 2)
}

/// The points of a sparkline of chunk arrivals: chunks received so far (y, up) against time (x),
/// on a `width` × `height` view box, one point per x column at most, so its cost does not grow
/// with the number of chunks drawn. `marks` are arrival times in ascending order (ms); the line
/// runs to `end` (ms) when the turn is over, else to the last mark. A flat stretch is a stall;
/// the slope is the rate.
pub fn sparkline(marks: &[f64], end: Option<f64>, width: f64, height: f64) -> Vec<(f64, f64)> {
    let Some(&last) = marks.last() else {
        return Vec::new();
    };
    let span = end.unwrap_or(last).max(last).max(1.0);
    let n = marks.len() as f64;
    let columns = width.max(1.0).floor() as usize;
    let mut points = vec![(0.0, height)];
    let mut i = 0;
    for column in 1..=columns {
        let x = column as f64 * width / columns as f64;
        let t = x / width * span;
        let before = i;
        while i < marks.len() && marks[i] <= t {
            i += 1;
        }
        if i != before || column == columns {
            points.push((x, height - height * i as f64 / n));
        }
    }
    points
}
