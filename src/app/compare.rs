//! Compare mode: the same prompt without and with streaming, side by side, with both runs'
//! chunk arrivals on one time axis. OpenAI's cookbook argument, as a picture.

use leptos::prelude::*;

use super::{
    stats::{seconds, turn_figure, Figure},
    use_chat_stream::{use_chat_stream_with_options, UseChatStreamOptions, UseChatStreamReturn},
};
use crate::{
    settings::Settings,
    timeline::{layout, Run},
    transcript::{Transcript, TurnState},
};

const WIDTH: f64 = 600.0;
const LEFT: f64 = 110.0;
const ROW: f64 = 34.0;

/// Runs the prompt twice (not streaming, then streaming) and shows the two latency stories.
#[component]
pub fn Compare(
    /// Endpoint, model and sampling for both runs (the streaming switch is ignored).
    settings: RwSignal<Settings>,
    /// API key for both runs.
    api_key: ReadSignal<String>,
    /// The prompt to compare with (the prompt box).
    #[prop(into)]
    prompt: Signal<String>,
) -> impl IntoView {
    let with_stream = move |stream: bool| {
        Signal::derive(move || Settings {
            stream,
            ..settings.get()
        })
    };
    let options = UseChatStreamOptions::default().api_key(api_key);
    let plain = use_chat_stream_with_options(with_stream(false), options);
    let streamed = use_chat_stream_with_options(with_stream(true), options);
    let (queued, set_queued) = signal(None::<String>);

    let run = move |_| {
        let text = prompt.get_untracked();
        let text = if text.trim().is_empty() {
            Settings::DEFAULT_PROMPT.to_owned()
        } else {
            text
        };
        plain.reset();
        streamed.reset();
        set_queued.set(Some(text.clone()));
        streamed.send(text);
    };
    // The plain run starts when the streaming one has ended, so they never share the server.
    // Streaming goes first: servers that cache prompts (llama.cpp) then favour the plain run,
    // so the comparison never flatters streaming.
    Effect::new(move |_| {
        if streamed.status.get().is_terminal() {
            if let Some(text) = queued.get_untracked() {
                set_queued.set(None);
                plain.send(text);
            }
        }
    });
    let stop = move |_| {
        set_queued.set(None);
        plain.stop();
        streamed.stop();
    };
    let busy = move || {
        plain.status.get().is_busy()
            || streamed.status.get().is_busy()
            || queued.with(Option::is_some)
    };
    let state = move || {
        let (a, b) = (plain.status.get(), streamed.status.get());
        if busy() {
            "running"
        } else if a == TurnState::Idle && b == TurnState::Idle {
            "idle"
        } else if a == TurnState::Error || b == TurnState::Error {
            "error"
        } else {
            "done"
        }
    };

    view! {
        <section class="cs-compare" data-testid="compare" data-state=state aria-label="Streaming compared with not streaming">
            <div class="cs-compare__head">
                <h2 class="cs-side__title">"Streaming vs. not streaming"</h2>
                <p class="cs-compare__hint">
                    "Sends the prompt twice to the same endpoint: with streaming (the first words arrive almost at once), then without (the reader waits for the whole answer). The streaming run goes first, so a server's prompt cache can only favour the other run."
                </p>
                <div class="cs-compare__actions">
                    <button type="button" class="cs-button cs-button--primary" data-testid="compare-run" disabled=busy on:click=run>
                        "Compare"
                    </button>
                    <button type="button" class="cs-button" data-testid="compare-stop" disabled=move || !busy() on:click=stop>
                        "Stop"
                    </button>
                </div>
            </div>
            <div class="cs-compare__grid">
                <RunCard title="Not streaming" id="plain" chat=plain />
                <RunCard title="Streaming" id="stream" chat=streamed />
            </div>
            <Timeline plain=plain.transcript streamed=streamed.transcript />
        </section>
    }
}

/// One run's figures and answer.
#[component]
fn RunCard(
    /// Heading.
    title: &'static str,
    /// `plain` or `stream`, used in test ids.
    id: &'static str,
    /// The run.
    chat: UseChatStreamReturn,
) -> impl IntoView {
    let t = chat.transcript;
    let first_chunk = turn_figure(chat, |turn| turn.times.first_chunk);
    let first_token = turn_figure(chat, |turn| turn.times.first_token);
    let total = turn_figure(chat, |turn| turn.times.total);
    let chunks =
        Memo::new(move |_| t.with(|t| t.turn.as_ref().map_or(0, |turn| turn.chunks.len())));
    let answer = move || {
        t.with(|t| {
            t.messages
                .last()
                .map(|m| m.content.text())
                .unwrap_or_default()
        })
    };
    let error = move || {
        t.with(|t| {
            t.turn
                .as_ref()
                .and_then(|turn| turn.error.as_ref().map(ToString::to_string))
        })
    };
    let testid = move |key: &str| format!("compare-{id}-{key}-ms");
    view! {
        <article class="cs-run" data-testid=format!("compare-{id}") data-state=move || chat.status.get().as_str()>
            <h3 class="cs-run__title">{title}</h3>
            <dl class="cs-stats__list">
                <Figure label="First chunk" testid=testid("first-chunk") value=first_chunk format=seconds />
                <Figure label="First token" testid=testid("first-token") value=first_token format=seconds />
                <Figure label="Total" testid=testid("total") value=total format=seconds />
                <div class="cs-stat">
                    <dt>"Chunks"</dt>
                    <dd>{move || chunks.get()}</dd>
                </div>
            </dl>
            <p class="cs-run__answer cs-msg__text" data-testid=format!("compare-{id}-answer")>{answer}</p>
            {move || error().map(|e| view! { <p class="cs-notice cs-notice--error">{e}</p> })}
        </article>
    }
}

/// Both runs' chunk arrivals on one axis: x = ms since the request, one mark per chunk.
#[component]
fn Timeline(
    /// The non-streaming run.
    plain: RwSignal<Transcript>,
    /// The streaming run.
    streamed: RwSignal<Transcript>,
) -> impl IntoView {
    let marks = |t: &Transcript| -> (Vec<f64>, Option<f64>) {
        t.turn.as_ref().map_or((Vec::new(), None), |turn| {
            let mut marks: Vec<f64> = turn.chunks.iter().map(|c| c.ms).collect();
            if !turn.streaming && marks.is_empty() {
                marks.extend(turn.times.first_chunk);
            }
            (marks, turn.times.total)
        })
    };
    let svg = move || {
        let (a, a_total) = plain.with(marks);
        let (b, b_total) = streamed.with(marks);
        let runs = [
            Run {
                label: "not streaming",
                marks: &a,
                total: a_total,
            },
            Run {
                label: "streaming",
                marks: &b,
                total: b_total,
            },
        ];
        let l = layout(&runs, WIDTH);
        let height = ROW * 2.0 + 30.0;
        let ticks = l
            .ticks
            .iter()
            .map(|tick| {
                let x = LEFT + tick.x;
                view! {
                    <g class="cs-timeline__tick">
                        <line x1=x x2=x y1=0 y2=ROW * 2.0 />
                        <text x=x y=ROW * 2.0 + 16.0 text-anchor="middle">{tick.label.clone()}</text>
                    </g>
                }
            })
            .collect_view();
        let rows = runs
            .iter()
            .zip(&l.rows)
            .enumerate()
            .map(|(i, (run, (xs, end)))| {
                let y = ROW * i as f64 + ROW / 2.0;
                let kind = if i == 0 { "plain" } else { "stream" };
                let marks = xs
                    .iter()
                    .zip(run.marks)
                    .map(|(x, ms)| {
                        let x = LEFT + x;
                        view! {
                            <line class=format!("cs-timeline__mark cs-timeline__mark--{kind}") data-testid="timeline-mark"
                                data-run=kind data-ms=crate::figures::fixed(*ms, 1) x1=x x2=x y1=y - 10.0 y2=y + 10.0 />
                        }
                    })
                    .collect_view();
                let end = end.map(|x| {
                    let x = LEFT + x;
                    view! { <circle class="cs-timeline__end" cx=x cy=y r=4 /> }
                });
                view! {
                    <g>
                        <text class="cs-timeline__label" x=0 y=y + 4.0>{run.label.to_owned()}</text>
                        <line class="cs-timeline__row" x1=LEFT x2=LEFT + WIDTH y1=y y2=y />
                        {marks}
                        {end}
                    </g>
                }
            })
            .collect_view();
        view! {
            <svg class="cs-timeline" data-testid="compare-timeline" viewBox=format!("0 0 {} {height}", LEFT + WIDTH + 20.0)
                role="img" aria-label="Chunk arrival times of both runs, in milliseconds since the request">
                {ticks}
                {rows}
            </svg>
        }
    };
    view! { <div class="cs-timeline__wrap">{svg}</div> }
}
