//! The lab's live SVG charts: each run's TTFT and E2E as dots on one time axis (a strip per
//! target, the medians marked), and each target's inter-token gaps as a histogram. Geometry from
//! [`crate::lab::chart`]; redrawn whenever a run finishes.

use leptos::prelude::*;

use crate::{
    figures::{fixed, trimmed},
    lab::{
        chart::{Axis, Histogram},
        percentile, RunRecord,
    },
};

const LEFT: f64 = 48.0;
const WIDTH: f64 = 680.0;
const LANE: f64 = 18.0;
const GAP: f64 = 10.0;
/// The target's name, on its own line above its lanes.
const TITLE: f64 = 16.0;
const AXIS: f64 = 26.0;
const BINS: usize = 24;
const HIST: f64 = 56.0;

/// Both charts, for every target of the session.
#[component]
pub fn Charts(
    /// Every finished run.
    records: RwSignal<Vec<RunRecord>>,
    /// Each target's label.
    labels: Memo<Vec<String>>,
) -> impl IntoView {
    view! {
        <div class="cs-lab__charts">
            {move || {
                let labels = labels.get();
                records.with(|r| (!r.is_empty()).then(|| view! {
                    {strip(&labels, r)}
                    {itl(&labels, r)}
                }))
            }}
        </div>
    }
}

fn tick_label(ms: f64) -> String {
    if ms >= 1000.0 {
        format!("{} s", trimmed(ms / 1000.0, 2))
    } else {
        format!("{} ms", trimmed(ms, 1))
    }
}

/// A dot per run and metric: TTFT and E2E lanes per target on one axis.
fn strip(labels: &[String], records: &[RunRecord]) -> impl IntoView {
    let ok: Vec<&RunRecord> = records.iter().filter(|r| r.is_ok()).collect();
    let max = ok
        .iter()
        .filter_map(|r| r.e2e_ms.or(r.ttft_ms))
        .fold(0.0, f64::max);
    let axis = Axis::covering(max, 6);
    let row = TITLE + 2.0 * LANE + GAP;
    let height = row * labels.len() as f64 + AXIS;
    let bottom = row * labels.len() as f64;
    let ticks = axis_ticks(&axis, bottom);
    let rows = labels
        .iter()
        .enumerate()
        .map(|(target, label)| {
            let top = row * target as f64 + TITLE;
            let lanes = [("ttft", "TTFT", 0.0), ("e2e", "E2E", LANE)]
                .into_iter()
                .map(|(kind, name, dy)| {
                    let y = top + dy + LANE / 2.0;
                    let values: Vec<(usize, f64)> = ok
                        .iter()
                        .filter(|r| r.target == target)
                        .filter_map(|r| {
                            let v = if kind == "ttft" { r.ttft_ms } else { r.e2e_ms };
                            v.map(|v| (r.run, v))
                        })
                        .collect();
                    let median = percentile(&values.iter().map(|(_, v)| *v).collect::<Vec<_>>(), 50.0);
                    let dots = values
                        .iter()
                        .map(|&(run, v)| {
                            // A small deterministic jitter keeps equal values apart.
                            let jitter = ((run * 7) % 5) as f64 * 2.0 - 4.0;
                            view! {
                                <circle class=format!("cs-lab-chart__dot cs-lab-chart__dot--{kind}") data-testid="lab-dot"
                                    data-kind=kind data-target=target data-ms=fixed(v, 1)
                                    cx=LEFT + axis.x(v, WIDTH) cy=y + jitter r=3.5>
                                    <title>{format!("run {run}: {name} {} ms", fixed(v, 1))}</title>
                                </circle>
                            }
                        })
                        .collect_view();
                    let median = median.map(|m| {
                        let x = LEFT + axis.x(m, WIDTH);
                        view! { <line class="cs-lab-chart__median" x1=x x2=x y1=y - 8.0 y2=y + 8.0 /> }
                    });
                    view! {
                        <text class="cs-lab-chart__lane" x=LEFT - 8.0 y=y + 4.0 text-anchor="end">{name}</text>
                        <line class="cs-lab-chart__row" x1=LEFT x2=LEFT + WIDTH y1=y y2=y />
                        {dots}
                        {median}
                    }
                })
                .collect_view();
            view! {
                <g>
                    <text class="cs-lab-chart__label" x=0 y=top - 4.0>{format!("{}. {label}", target + 1)}</text>
                    {lanes}
                </g>
            }
        })
        .collect_view();
    chart_figure(
        "Each run's time to first token and end to end (a line marks the median)",
        "lab-chart-runs",
        "Time to first token and end-to-end time of every run, per target",
        height,
        view! { {ticks} {rows} },
    )
}

/// Each target's inter-token gaps, binned on one axis (up to the largest p99, longer gaps in the
/// last bin).
fn itl(labels: &[String], records: &[RunRecord]) -> impl IntoView {
    let gaps: Vec<Vec<f64>> = (0..labels.len())
        .map(|t| {
            records
                .iter()
                .filter(|r| r.target == t && r.is_ok())
                .flat_map(|r| r.itl_ms.iter().copied())
                .collect()
        })
        .collect();
    let top = gaps
        .iter()
        .filter_map(|g| percentile(g, 99.0))
        .fold(0.0, f64::max);
    let axis = Axis::covering(top, 6);
    let row = TITLE + HIST + GAP;
    let bottom = row * labels.len() as f64;
    let height = bottom + AXIS;
    let bar = WIDTH / BINS as f64;
    let ticks = axis_ticks(&axis, bottom);
    let rows = labels
        .iter()
        .enumerate()
        .map(|(target, label)| {
            let h = Histogram::over(&gaps[target], &axis, BINS);
            let peak = h.peak().max(1) as f64;
            let base = row * target as f64 + TITLE + HIST;
            let bars = h
                .counts
                .iter()
                .enumerate()
                .filter(|(_, n)| **n > 0)
                .map(|(i, &n)| {
                    let height = HIST * n as f64 / peak;
                    let from = h.bin * i as f64;
                    view! {
                        <rect class="cs-lab-chart__bar" data-testid="lab-itl-bar" data-target=target data-count=n
                            x=LEFT + bar * i as f64 + 0.5 y=base - height width=bar - 1.0 height=height>
                            <title>{format!("{n} gaps of {}–{} ms", trimmed(from, 1), trimmed(from + h.bin, 1))}</title>
                        </rect>
                    }
                })
                .collect_view();
            view! {
                <g>
                    <text class="cs-lab-chart__label" x=0 y=base - HIST - 4.0>{format!("{}. {label}", target + 1)}</text>
                    <line class="cs-lab-chart__row" x1=LEFT x2=LEFT + WIDTH y1=base y2=base />
                    {bars}
                </g>
            }
        })
        .collect_view();
    chart_figure(
        "Inter-token latency: every gap between two token chunks (longer than the axis: in the last bar)",
        "lab-chart-itl",
        "Histogram of the gaps between tokens, per target",
        height,
        view! { {ticks} {rows} },
    )
}

/// The vertical grid lines and labels of an x axis whose plot ends at `bottom`.
fn axis_ticks(axis: &Axis, bottom: f64) -> impl IntoView {
    axis.ticks
        .iter()
        .map(|&t| {
            let x = LEFT + axis.x(t, WIDTH);
            view! {
                <g class="cs-lab-chart__tick">
                    <line x1=x x2=x y1=0 y2=bottom />
                    <text x=x y=bottom + 16.0 text-anchor="middle">{tick_label(t)}</text>
                </g>
            }
        })
        .collect_view()
}

/// A chart: its caption, and the SVG (`testid`, described by `label`) holding `plot`.
fn chart_figure(
    caption: &'static str,
    testid: &'static str,
    label: &'static str,
    height: f64,
    plot: impl IntoView,
) -> impl IntoView {
    view! {
        <figure class="cs-lab-chart">
            <figcaption>{caption}</figcaption>
            <svg class="cs-lab-chart__svg" data-testid=testid viewBox=format!("0 0 {} {height}", LEFT + WIDTH + 30.0)
                role="img" aria-label=label>
                {plot}
            </svg>
        </figure>
    }
}
