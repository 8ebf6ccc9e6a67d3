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

/// The timeline's plot width in view-box units (it is stretched to the width it is given; its
/// labels are HTML, so they keep their size on any screen).
const WIDTH: f64 = 600.0;

/// Runs the prompt twice (not streaming, then streaming) and shows the two latency stories.
#[component]
pub fn Compare(
    /// Endpoint, model and sampling for both runs (the streaming switch is ignored).
    settings: RwSignal<Settings>,
    /// API key for both runs.
    api_key: ReadSignal<String>,
    /// The prompt to compare with (the chat's prompt box: shown and editable here too).
    prompt: RwSignal<String>,
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
    let (refused, set_refused) = signal(false);

    let run = move |_| {
        let text = prompt.get_untracked();
        if text.trim().is_empty() {
            set_refused.set(true);
            return;
        }
        set_refused.set(false);
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
                <label class="cs-field cs-compare__prompt">
                    <span>"Prompt (the same as the chat's)"</span>
                    <textarea rows="2" data-testid="compare-prompt" prop:value=move || prompt.get()
                        aria-invalid=move || refused.get().then_some("true")
                        on:input=move |ev| {
                            prompt.set(event_target_value(&ev));
                            set_refused.set(false);
                        }></textarea>
                </label>
                <Show when=move || refused.get()>
                    <p class="cs-field__error" data-testid="compare-prompt-empty" role="alert">
                        "Type a prompt to compare: there is nothing to send."
                    </p>
                </Show>
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

/// Both runs' chunk arrivals on one axis: x = ms since the request, one mark per chunk, a dot
/// where the answer was complete. The labels, ticks and legend are HTML (legible at any width);
/// each row's marks are an SVG stretched to the row.
#[component]
fn Timeline(
    /// The non-streaming run.
    plain: RwSignal<Transcript>,
    /// The streaming run.
    streamed: RwSignal<Transcript>,
) -> impl IntoView {
    use crate::figures::fixed;
    let marks = |t: &Transcript| -> (Vec<f64>, Option<f64>) {
        t.turn.as_ref().map_or((Vec::new(), None), |turn| {
            let mut marks: Vec<f64> = turn.chunks.iter().map(|c| c.ms).collect();
            if !turn.streaming && marks.is_empty() {
                marks.extend(turn.times.first_chunk);
            }
            (marks, turn.times.total)
        })
    };
    let plot = move || {
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
        let pct = |x: f64| fixed(x / WIDTH * 100.0, 2) + "%";
        let rows = runs
            .iter()
            .zip(&l.rows)
            .enumerate()
            .map(|(i, (run, (xs, end)))| {
                let kind = if i == 0 { "plain" } else { "stream" };
                let lines = xs
                    .iter()
                    .zip(run.marks)
                    .map(|(x, ms)| {
                        view! {
                            <line class=format!("cs-timeline__mark cs-timeline__mark--{kind}") data-testid="timeline-mark"
                                data-run=kind data-ms=fixed(*ms, 1) x1=*x x2=*x y1=2 y2=22
                                vector-effect="non-scaling-stroke" />
                        }
                    })
                    .collect_view();
                let end = end.map(|x| {
                    view! { <span class="cs-timeline__end" style:left=pct(x) title="the answer was complete"></span> }
                });
                view! {
                    <div class="cs-timeline__label">{run.label.to_owned()}</div>
                    <div class="cs-timeline__track">
                        <svg class="cs-timeline__svg" viewBox=format!("0 0 {WIDTH} 24") preserveAspectRatio="none" aria-hidden="true">
                            <line class="cs-timeline__row" x1=0 x2=WIDTH y1=12 y2=12 vector-effect="non-scaling-stroke" />
                            {lines}
                        </svg>
                        {end}
                    </div>
                }
            })
            .collect_view();
        let ticks = l
            .ticks
            .iter()
            .map(|tick| view! { <span class="cs-timeline__tick" style:left=pct(tick.x)>{tick.label.clone()}</span> })
            .collect_view();
        view! {
            {rows}
            <div class="cs-timeline__axis" aria-hidden="true">{ticks}</div>
        }
    };
    view! {
        <figure class="cs-timeline" data-testid="compare-timeline" role="img"
            aria-label="Chunk arrival times of both runs, in seconds since the request">
            <figcaption class="cs-timeline__legend">
                <span><span class="cs-timeline__key cs-timeline__key--stream"></span>" a chunk of the streaming run"</span>
                <span><span class="cs-timeline__key cs-timeline__key--plain"></span>" the whole answer, not streaming"</span>
                <span><span class="cs-timeline__key cs-timeline__key--end"></span>" the answer was complete"</span>
                <span>"x: time since the request was sent"</span>
            </figcaption>
            {plot}
        </figure>
    }
}
