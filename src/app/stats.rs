//! The latency figures of the latest turn, as OpenAI's "How to stream completions" notebook
//! reports them, and the chunk log ("received 0.42 s after request: {...}").

use leptos::prelude::*;

use super::use_chat_stream::UseChatStreamReturn;
use crate::transcript::{RateSource, Turn};

use crate::figures::fixed;
pub use crate::figures::seconds;

/// A figure of the latest turn of `chat`, `None` while unknown; recomputed when the figures
/// are redrawn (about 4 times a second while tokens arrive, and at every state change).
pub fn turn_figure<T: PartialEq + Send + Sync + 'static>(
    chat: UseChatStreamReturn,
    read: impl Fn(&Turn) -> Option<T> + Send + Sync + 'static,
) -> Memo<Option<T>> {
    Memo::new(move |_| {
        chat.track_figures();
        chat.read(|t| t.turn.as_ref().and_then(&read))
    })
}

/// A number per tooltip, for `aria-describedby` ids unique in the page.
fn next_tip() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// A figure's label with its explanation, shown on hover and on keyboard focus.
fn tip_label(label: &'static str, tip: Option<&'static str>) -> AnyView {
    match tip {
        None => label.into_any(),
        Some(tip) => {
            let id = format!("cs-tip-{}", next_tip());
            view! {
                <span class="cs-tip" tabindex="0" aria-describedby=id.clone()>{label}</span>
                <span class="cs-tip__text" role="tooltip" id=id>{tip}</span>
            }
            .into_any()
        }
    }
}

/// What each figure means, as its tooltip says.
pub mod tips {
    /// Headers.
    pub const HEADERS: &str =
        "Until the response headers arrived (fetch resolved): the server took the request.";
    /// First chunk.
    pub const FIRST_CHUNK: &str = "Until the first event of the stream arrived. It is often an empty chunk that only says the role: not yet a word.";
    /// First token.
    pub const FIRST_TOKEN: &str =
        "Until the first text (answer, reasoning or refusal) arrived: what the reader waits for.";
    /// Total.
    pub const TOTAL: &str = "Until the answer ended (the last byte, Stop, or the error).";
    /// Elapsed.
    pub const ELAPSED: &str = "Time since the request was sent; the total once the answer ends.";
    /// Chunks.
    pub const CHUNKS: &str = "Events of the stream that carried a chunk (the whole body counts as one without streaming).";
    /// Speed.
    pub const SPEED: &str = "Tokens per second after the first token: from the server's own timings when it sends them (llama.cpp), else usage.completion_tokens over the time since the first token, else chunks counted (about one token each).";
}

/// One labelled figure: the formatted value, and the raw number in `data-value` for tests.
#[component]
pub fn Figure(
    /// What the figure is.
    label: &'static str,
    /// What it means (a tooltip on hover and focus).
    #[prop(optional)]
    tip: Option<&'static str>,
    /// Its `data-testid`.
    #[prop(into)]
    testid: String,
    /// The number (ms, or a count), `None` while unknown.
    value: Memo<Option<f64>>,
    /// How the number is shown.
    format: fn(f64) -> String,
) -> impl IntoView {
    let figure = testid.clone();
    view! {
        <div class="cs-stat" data-figure=figure>
            <dt>{tip_label(label, tip)}</dt>
            <dd data-testid=testid data-value=move || value.get().map(|v| fixed(v, 1))>
                {move || value.get().map_or_else(|| "–".to_owned(), format)}
            </dd>
        </div>
    }
}

/// First chunk, first token, total, chunk count, tokens per second.
#[component]
pub fn TurnStats(
    /// The chat whose latest turn is reported.
    chat: UseChatStreamReturn,
) -> impl IntoView {
    let read = move |f: fn(&Turn) -> Option<f64>| turn_figure(chat, f);
    let headers = read(|t| t.times.headers);
    let first_chunk = read(|t| t.times.first_chunk);
    let first_token = read(|t| t.times.first_token);
    let total = read(|t| t.times.total);
    let chunks = read(|t| Some(t.chunks.len() as f64));
    let rate = turn_figure(chat, Turn::tokens_per_second);
    let elapsed = use_elapsed(chat);
    let mode = turn_figure(chat, |turn| {
        Some(if turn.streaming {
            "streaming"
        } else {
            "not streaming"
        })
    });
    view! {
        <section class="cs-stats" aria-label="Latency of the latest turn">
            <h2 class="cs-side__title">
                "Latency" {move || mode.get().map(|m| format!(" ({m})"))}
            </h2>
            <dl class="cs-stats__list">
                <Figure label="Headers" tip=tips::HEADERS testid="stat-headers-ms" value=headers format=seconds />
                <Figure label="First chunk" tip=tips::FIRST_CHUNK testid="stat-first-chunk-ms" value=first_chunk format=seconds />
                <Figure label="First token" tip=tips::FIRST_TOKEN testid="stat-first-token-ms" value=first_token format=seconds />
                <Figure label="Elapsed" tip=tips::ELAPSED testid="stat-elapsed-ms" value=elapsed format=seconds />
                <Figure label="Total" tip=tips::TOTAL testid="stat-total-ms" value=total format=seconds />
                <Figure label="Chunks" tip=tips::CHUNKS testid="stat-chunks" value=chunks format=|n| fixed(n, 0) />
                <div class="cs-stat" data-figure="stat-tokens-per-second">
                    <dt>{tip_label("Speed", Some(tips::SPEED))}</dt>
                    <dd data-testid="stat-tokens-per-second" data-value=move || rate.get().map(|(v, _)| fixed(v, 1))>
                        {move || {
                            rate.get()
                                .map_or_else(
                                    || "–".to_owned(),
                                    |(v, source)| {
                                        let how = match source {
                                            RateSource::ServerTimings => "tokens/s, server timings",
                                            RateSource::Usage => "tokens/s, from usage",
                                            RateSource::CountedChunks => "chunks/s, counted",
                                        };
                                        fixed(v, 1) + " " + how
                                    },
                                )
                        }}
                    </dd>
                </div>
            </dl>
            <Sparkline chat=chat />
        </section>
    }
}

/// Milliseconds since the latest turn's request while it runs (ticking 4 times a second), then
/// its total.
fn use_elapsed(chat: UseChatStreamReturn) -> Memo<Option<f64>> {
    let clock = super::use_clock::use_clock(
        move || chat.status.get().is_busy(),
        std::time::Duration::from_millis(250),
    );
    Memo::new(move |_| {
        let now = clock.get();
        chat.track_figures();
        chat.read(|t| {
            let turn = t.turn.as_ref()?;
            turn.times
                .total
                .or_else(|| turn.state.is_busy().then(|| (now - turn.sent_at).max(0.0)))
        })
    })
}

/// The latest turn's chunk arrivals as a small SVG line (chunks so far against time), updated
/// live.
#[component]
pub fn Sparkline(
    /// The chat whose latest turn is drawn.
    chat: UseChatStreamReturn,
) -> impl IntoView {
    // The view box below is "0 0 240 36".
    const W: f64 = 240.0;
    const H: f64 = 36.0;
    let points = Memo::new(move |_| {
        chat.track_figures();
        chat.read(|t| {
            t.turn.as_ref().map_or_else(Vec::new, |turn| {
                let marks: Vec<f64> = turn.chunks.iter().map(|c| c.ms).collect();
                crate::timeline::sparkline(&marks, turn.times.total, W, H)
            })
        })
    });
    let attr = move || {
        points.with(|p| {
            p.iter()
                .map(|(x, y)| fixed(*x, 1) + "," + &fixed(*y, 1))
                .collect::<Vec<_>>()
                .join(" ")
        })
    };
    let label = move || {
        chat.track_figures();
        chat.read(|t| match t.turn.as_ref() {
            Some(turn) if !turn.chunks.is_empty() => format!(
                "{} chunks over {}",
                turn.chunks.len(),
                seconds(
                    turn.times
                        .total
                        .unwrap_or_else(|| turn.chunks.last().map_or(0.0, |c| c.ms))
                )
            ),
            _ => "no chunks yet".to_owned(),
        })
    };
    view! {
        <figure class="cs-spark">
            <svg
                class="cs-spark__svg"
                data-testid="sparkline"
                data-points=move || points.with(Vec::len).to_string()
                viewBox="0 0 240 36"
                preserveAspectRatio="none"
                role="img"
                aria-label=label
            >
                <polyline class="cs-spark__line" points=attr fill="none" vector-effect="non-scaling-stroke" />
            </svg>
            <figcaption class="cs-spark__caption">"Chunks over time: " {label}</figcaption>
        </figure>
    }
}

/// Rows per frozen page of the log: finished pages are rendered once.
const PAGE: usize = 100;

/// Every chunk of the latest turn with its arrival time.
#[component]
pub fn ChunkLog(
    /// The chat whose latest turn is logged.
    chat: UseChatStreamReturn,
) -> impl IntoView {
    let count = Memo::new(move |_| {
        chat.track_figures();
        chat.read(|t| t.turn.as_ref().map_or(0, |turn| turn.chunks.len()))
    });
    // A new turn restarts the log: key pages by the turn's start time as well.
    let turn_key = Memo::new(move |_| {
        chat.track_structure();
        chat.read(|t| t.turn.as_ref().map_or(0, |turn| turn.sent_at.to_bits()))
    });
    let full_pages = Memo::new(move |_| count.get() / PAGE);
    let row = move |i: usize| {
        chat.read(|t| {
            t.turn
                .as_ref()
                .and_then(|turn| turn.chunks.get(i).map(|c| (c.ms, c.summary())))
        })
        .map(|(ms, summary)| {
                view! {
                    <li class="cs-log__row" data-testid="chunk-row" data-ms=fixed(ms, 1)>
                        <span class="cs-log__time">{"received ".to_owned() + &seconds(ms) + " after request: "}</span>
                        <code>{summary}</code>
                    </li>
                }
            })
    };
    // Rows exist only while the log is open: a closed log costs nothing per chunk (a 20k-chunk
    // turn would otherwise build 100k DOM nodes nobody sees).
    let (open, set_open) = signal(false);
    let on_toggle = move |ev: leptos::ev::Event| {
        use wasm_bindgen::JsCast;
        let is_open = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .is_some_and(|el| el.has_attribute("open"));
        set_open.set(is_open);
    };
    view! {
        <details class="cs-log" data-testid="chunk-log" on:toggle=on_toggle>
            <summary data-testid="chunk-log-toggle">"Chunk log (" {move || count.get()} " chunks)"</summary>
            {move || {
                open.get()
                    .then(|| {
                        view! {
                            <ol class="cs-log__list">
                                <For
                                    each=move || { let k = turn_key.get(); (0..full_pages.get()).map(move |p| (k, p)) }
                                    key=|k| *k
                                    children=move |(_, p)| (p * PAGE..(p + 1) * PAGE).map(row).collect_view()
                                />
                                <For
                                    each=move || { let k = turn_key.get(); (full_pages.get() * PAGE..count.get()).map(move |i| (k, i)) }
                                    key=|k| *k
                                    children=move |(_, i)| row(i)
                                />
                            </ol>
                        }
                    })
            }}
        </details>
    }
}
