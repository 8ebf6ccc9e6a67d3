//! The latency lab: N streamed runs of a prompt set against one or more targets, measured like a
//! benchmark and summed up per target, side by side, with live charts and CSV / JSON export.
//! The statistics, records, scheduler and exports are the pure [`crate::lab`]; this view wires
//! signals: a pool of [`MAX_CONCURRENCY`] chat hooks runs the scheduler's jobs (so every
//! protocol, the key rule and the decoder are the chat's own), and each finished turn becomes a
//! [`RunRecord`].

mod charts;

use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};

use super::use_chat_stream::{
    use_chat_stream_with_options, UseChatStreamOptions, UseChatStreamReturn,
};
use crate::{
    figures::fixed,
    lab::{
        cycled, export, prompt_set, Job, RunRecord, Schedule, Stats, Target, TargetSummary,
        MAX_CONCURRENCY, MAX_RUNS, MAX_TARGETS,
    },
    protocol::Protocol,
    settings::Settings,
    transcript::TurnState,
    transport::now,
};

/// N when the page does not say.
pub const DEFAULT_RUNS: usize = 10;

/// What the page's query asked of the lab: `?runs=N` opens it with N prefilled. The app provides
/// it as a context; without one the lab starts closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LabQuery(pub Option<usize>);

/// A target added in the lab (the first target is the chat's settings). Its key lives in this
/// signal only: never stored, logged, exported or put in a URL.
#[derive(Clone, Copy)]
struct Extra {
    id: u64,
    endpoint: RwSignal<String>,
    model: RwSignal<String>,
    protocol: RwSignal<Protocol>,
    max_tokens: RwSignal<String>,
    key: RwSignal<String>,
}

impl Extra {
    fn target(&self) -> Target {
        Target {
            endpoint: self.endpoint.get_untracked().trim().to_owned(),
            model: self.model.get_untracked().trim().to_owned(),
            protocol: self.protocol.get_untracked(),
            max_tokens: parse_max_tokens(&self.max_tokens.get_untracked()),
        }
    }
}

fn parse_max_tokens(text: &str) -> Option<u32> {
    text.trim().parse().ok().filter(|&n| n > 0)
}

/// One concurrent request: a chat hook, the settings and key of the job it runs, and the job.
#[derive(Clone, Copy)]
struct Slot {
    chat: UseChatStreamReturn,
    settings: RwSignal<Settings>,
    key: RwSignal<String>,
    job: StoredValue<Option<Job>>,
}

impl Slot {
    fn new() -> Self {
        let settings = RwSignal::new(Settings::default());
        let key = RwSignal::new(String::new());
        let chat =
            use_chat_stream_with_options(settings, UseChatStreamOptions::default().api_key(key));
        Slot {
            chat,
            settings,
            key,
            job: StoredValue::new(None),
        }
    }
}

/// What a started session measures (the targets as they were when Run was pressed).
#[derive(Debug, Clone, PartialEq)]
struct Session {
    targets: Vec<Target>,
    prompts: Vec<String>,
    runs: usize,
    concurrency: usize,
    warmup: bool,
    /// `performance.now()` at Run.
    started: f64,
}

/// The lab view.
#[component]
pub fn Lab(
    /// The chat's settings: the first target (read when Run is pressed), and the temperature,
    /// system prompt and idle timeout of every run.
    settings: RwSignal<Settings>,
    /// The chat's API key, for the first target.
    api_key: ReadSignal<String>,
    /// The chat's prompt, used when no prompt list is pasted.
    #[prop(into)]
    prompt: Signal<String>,
    /// N to start with.
    #[prop(default = DEFAULT_RUNS)]
    runs: usize,
) -> impl IntoView {
    let runs_text = RwSignal::new(runs.clamp(1, MAX_RUNS).to_string());
    let concurrency_text = RwSignal::new("1".to_owned());
    let warmup = RwSignal::new(true);
    let prompt_list = RwSignal::new(String::new());
    let extras = RwSignal::new(Vec::<Extra>::new());
    let next_id = StoredValue::new(1u64);

    let session = RwSignal::new(None::<Session>);
    let schedule = RwSignal::new(None::<Schedule>);
    let records = RwSignal::new(Vec::<RunRecord>::new());
    // Each target's settings and key for the running session (memory only).
    let session_settings = StoredValue::new(Vec::<Settings>::new());
    let session_keys = StoredValue::new(Vec::<String>::new());
    let slots: [Slot; MAX_CONCURRENCY] = std::array::from_fn(|_| Slot::new());

    let running =
        Memo::new(move |_| schedule.with(|s| s.as_ref().is_some_and(|s| !s.is_finished())));
    let state =
        move || match schedule.with(|s| s.as_ref().map(|s| (s.is_finished(), s.is_stopped()))) {
            None => "idle",
            Some((false, _)) => "running",
            Some((true, true)) => "stopped",
            Some((true, false)) => "done",
        };

    // Starts jobs while the schedule has some and a slot is free.
    let pump = move || {
        while let Some(slot) = slots.iter().find(|s| s.job.get_value().is_none()).copied() {
            let Some(job) = schedule
                .try_update(|s| s.as_mut().and_then(Schedule::next_job))
                .flatten()
            else {
                break;
            };
            let text = session.with_untracked(|s| {
                s.as_ref()
                    .and_then(|s| cycled(&s.prompts, job.prompt).map(str::to_owned))
            });
            let (Some(text), Some(target_settings), Some(key)) = (
                text,
                session_settings.with_value(|v| v.get(job.target).cloned()),
                session_keys.with_value(|v| v.get(job.target).cloned()),
            ) else {
                schedule.update(|s| {
                    if let Some(s) = s {
                        s.finish(job);
                    }
                });
                continue;
            };
            slot.settings.set(target_settings);
            slot.key.set(key);
            slot.job.set_value(Some(job));
            slot.chat.reset();
            slot.chat.send(text);
        }
    };

    // A slot's turn ended: record it (unless it was the warm-up or stopped), free the slot, go on.
    for slot in slots {
        Effect::new(move |_| {
            slot.chat.track_structure();
            let ended = slot.chat.read(|t| t.state());
            if !ended.is_terminal() {
                return;
            }
            let Some(job) = slot.job.get_value() else {
                return;
            };
            slot.job.set_value(None);
            if !job.warmup && ended != TurnState::Stopped {
                let started = session.with_untracked(|s| s.as_ref().map_or(0.0, |s| s.started));
                let record = slot.chat.read(|t| {
                    let turn = t.turn.as_ref()?;
                    RunRecord::from_turn(
                        turn,
                        t.messages.get(turn.message),
                        started,
                        job.target,
                        job.run,
                        job.prompt,
                    )
                });
                if let Some(record) = record {
                    records.update(|r| r.push(record));
                }
            }
            schedule.update(|s| {
                if let Some(s) = s {
                    s.finish(job);
                }
            });
            pump();
        });
    }

    let run = move |_| {
        if running.get_untracked() {
            return;
        }
        let base = settings.get_untracked();
        let mut targets = vec![Target::of(&base)];
        let mut keys = vec![api_key.get_untracked()];
        for extra in extras.get_untracked() {
            targets.push(extra.target());
            keys.push(extra.key.get_untracked());
        }
        let n = runs_text
            .get_untracked()
            .trim()
            .parse()
            .unwrap_or(DEFAULT_RUNS)
            .clamp(1, MAX_RUNS);
        runs_text.set(n.to_string());
        let c = concurrency_text
            .get_untracked()
            .trim()
            .parse()
            .unwrap_or(1)
            .clamp(1, MAX_CONCURRENCY);
        concurrency_text.set(c.to_string());
        let prompts = prompt_set(&prompt_list.get_untracked(), &prompt.get_untracked());
        let warm = warmup.get_untracked();
        session_settings.set_value(targets.iter().map(|t| t.settings(&base)).collect());
        session_keys.set_value(keys);
        let plan = Schedule::new(targets.len(), n, warm, c, prompts.len());
        session.set(Some(Session {
            targets,
            prompts,
            runs: n,
            concurrency: c,
            warmup: warm,
            started: now(),
        }));
        records.set(Vec::new());
        schedule.set(Some(plan));
        pump();
    };
    let stop = move |_| {
        schedule.update(|s| {
            if let Some(s) = s {
                s.stop();
            }
        });
        for slot in slots {
            slot.chat.stop();
        }
    };
    let add_target = move |_| {
        if extras.with_untracked(Vec::len) + 1 >= MAX_TARGETS {
            return;
        }
        let id = next_id.get_value();
        next_id.set_value(id + 1);
        let base = settings.get_untracked();
        extras.update(|list| {
            list.push(Extra {
                id,
                endpoint: RwSignal::new(base.endpoint.clone()),
                model: RwSignal::new(base.model.clone()),
                protocol: RwSignal::new(base.protocol),
                max_tokens: RwSignal::new(
                    base.max_tokens.map(|n| n.to_string()).unwrap_or_default(),
                ),
                key: RwSignal::new(String::new()),
            })
        });
    };

    let summaries = Memo::new(move |_| {
        let n = session.with(|s| s.as_ref().map_or(0, |s| s.targets.len()));
        records.with(|r| TargetSummary::all(n, r))
    });
    let labels = Memo::new(move |_| {
        session.with(|s| {
            s.as_ref()
                .map(|s| s.targets.iter().map(Target::label).collect::<Vec<_>>())
                .unwrap_or_default()
        })
    });
    let export_csv = move |_| {
        let text = session.with_untracked(|s| {
            records.with_untracked(|r| export::csv(s.as_ref().map_or(&[][..], |s| &s.targets), r))
        });
        download("chat-stream-lab.csv", "text/csv", &text);
    };
    let export_json = move |_| {
        let text = session.with_untracked(|s| {
            let Some(s) = s.as_ref() else {
                return String::new();
            };
            records.with_untracked(|r| {
                export::json(&s.targets, r, &s.prompts, s.runs, s.concurrency, s.warmup)
            })
        });
        download("chat-stream-lab.json", "application/json", &text);
    };
    let has_records = move || records.with(|r| !r.is_empty());
    let extra_rows = move || extras.get().into_iter().enumerate().collect::<Vec<_>>();
    let extra_row = move |(i, extra): (usize, Extra)| {
        let remove = move || extras.update(|l| l.retain(|e| e.id != extra.id));
        view! { <ExtraRow index=i + 1 extra=extra on_remove=remove /> }
    };
    let add_disabled = move || running.get() || extras.with(Vec::len) + 1 >= MAX_TARGETS;
    let live_target = move || settings.with(|s| Target::of(s).label());
    let live_endpoint = move || settings.with(|s| s.endpoint.clone());

    view! {
        <section class="cs-lab" data-testid="lab" data-state=state aria-label="Latency lab">
            <div class="cs-lab__head">
                <h2 class="cs-side__title">"Latency lab"</h2>
                <p class="cs-lab__hint">
                    "Streams the prompt N times to each target, one target after another, and sums the runs up as a benchmark would: time to first token (TTFT), time per output token (TPOT), the gaps between tokens (ITL), end to end (E2E), tokens per second. Times come from the browser's clock at the read that delivered the bytes, from the moment the request was sent."
                </p>
            </div>
            <div class="cs-lab__controls">
                <label class="cs-field cs-lab__field">
                    <span>"Runs per target (N)"</span>
                    <input type="number" min="1" max=MAX_RUNS.to_string() data-testid="lab-runs"
                        prop:value=move || runs_text.get() on:input=move |ev| runs_text.set(event_target_value(&ev)) />
                </label>
                <label class="cs-field cs-lab__field">
                    <span>"Concurrent requests (1–8)"</span>
                    <input type="number" min="1" max=MAX_CONCURRENCY.to_string() data-testid="lab-concurrency"
                        prop:value=move || concurrency_text.get() on:input=move |ev| concurrency_text.set(event_target_value(&ev)) />
                </label>
                <label class="cs-lab__check">
                    <input type="checkbox" data-testid="lab-warmup" prop:checked=move || warmup.get()
                        on:change=move |ev| warmup.set(event_target_checked(&ev)) />
                    <span>"Warm-up run first (not counted)"</span>
                </label>
                <div class="cs-lab__actions">
                    <button type="button" class="cs-button cs-button--primary" data-testid="lab-run" disabled=move || running.get() on:click=run>
                        "Run"
                    </button>
                    <button type="button" class="cs-button" data-testid="lab-stop" disabled=move || !running.get() on:click=stop>
                        "Stop"
                    </button>
                    <button type="button" class="cs-button" data-testid="lab-export-csv" disabled=move || !has_records() on:click=export_csv>
                        "Export CSV"
                    </button>
                    <button type="button" class="cs-button" data-testid="lab-export-json" disabled=move || !has_records() on:click=export_json>
                        "Export JSON"
                    </button>
                </div>
            </div>
            <label class="cs-field cs-lab__prompts">
                <span>"Prompts, one per line, cycled over the runs (empty: the chat's prompt)"</span>
                <textarea rows="3" data-testid="lab-prompts" prop:value=move || prompt_list.get()
                    on:input=move |ev| prompt_list.set(event_target_value(&ev))></textarea>
            </label>
            <div class="cs-lab__targets">
                <div class="cs-lab-target" data-testid="lab-target" data-index="0">
                    <span class="cs-lab-target__name">"1. Chat settings: " {live_target}</span>
                    <span class="cs-lab-target__endpoint">{live_endpoint}</span>
                </div>
                <For each=extra_rows key=|(i, e)| (*i, e.id) children=extra_row />
                <button type="button" class="cs-button" data-testid="lab-add-target"
                    disabled=add_disabled on:click=add_target>
                    "Add target"
                </button>
            </div>
            <div class="cs-lab__progress">
                {move || {
                    let s = schedule.get()?;
                    let labels = labels.get();
                    Some(
                        labels
                            .iter()
                            .enumerate()
                            .map(|(i, label)| {
                                let p = s.progress(i);
                                view! {
                                    <div class="cs-lab-progress" data-testid="lab-progress" data-target=i data-done=p.done data-of=p.of>
                                        <span>{format!("{}. {label}: run {} of {}", i + 1, p.done, p.of)}</span>
                                        {(!p.warmed).then(|| view! { <span class="cs-lab-progress__warm">" (warming up)"</span> })}
                                        <progress max=p.of value=p.done></progress>
                                    </div>
                                }
                            })
                            .collect_view(),
                    )
                }}
            </div>
            <div class="cs-lab__results">
                {move || {
                    let labels = labels.get();
                    summaries
                        .get()
                        .into_iter()
                        .map(|s| {
                            let label = labels.get(s.target).cloned().unwrap_or_default();
                            view! { <ResultCard summary=s label=label /> }
                        })
                        .collect_view()
                }}
            </div>
            <charts::Charts records=records labels=labels />
        </section>
    }
}

/// One added target's inputs.
#[component]
fn ExtraRow(index: usize, extra: Extra, on_remove: impl Fn() + 'static) -> impl IntoView {
    let input = |signal: RwSignal<String>| move |ev| signal.set(event_target_value(&ev));
    view! {
        <div class="cs-lab-target cs-lab-target--extra" data-testid="lab-target" data-index=index>
            <span class="cs-lab-target__name">{format!("{}.", index + 1)}</span>
            <label class="cs-field">
                <span>"Endpoint"</span>
                <input type="url" data-testid="lab-target-endpoint" prop:value=move || extra.endpoint.get() on:input=input(extra.endpoint) />
            </label>
            <label class="cs-field">
                <span>"Model"</span>
                <input type="text" data-testid="lab-target-model" prop:value=move || extra.model.get() on:input=input(extra.model) />
            </label>
            <label class="cs-field">
                <span>"Protocol"</span>
                <select data-testid="lab-target-protocol"
                    on:change=move |ev| extra.protocol.set(Protocol::parse(&event_target_value(&ev)).unwrap_or_default())>
                    {Protocol::ALL
                        .iter()
                        .map(|p| view! { <option value=p.as_str() selected=move || extra.protocol.get() == *p>{p.as_str()}</option> })
                        .collect_view()}
                </select>
            </label>
            <label class="cs-field">
                <span>"Max tokens"</span>
                <input type="number" min="1" data-testid="lab-target-max-tokens" prop:value=move || extra.max_tokens.get() on:input=input(extra.max_tokens) />
            </label>
            <label class="cs-field">
                <span>"API key (this page only)"</span>
                <input type="password" autocomplete="off" data-testid="lab-target-key" prop:value=move || extra.key.get() on:input=input(extra.key) />
            </label>
            <button type="button" class="cs-button" data-testid="lab-target-remove" on:click=move |_| on_remove()>"Remove"</button>
        </div>
    }
}

/// `ms` with one decimal, for the `data-*` attributes.
fn attr(value: Option<f64>) -> Option<String> {
    value.filter(|v| v.is_finite()).map(|v| fixed(v, 1))
}

/// One target's summary: p50 / p90 / p99 / mean of every metric, errors with their messages.
#[component]
fn ResultCard(summary: TargetSummary, label: String) -> impl IntoView {
    let s = &summary;
    let rows: [(&str, &str, Option<Stats>, u8); 8] = [
        ("TTFT", "ms", s.ttft_ms, 1),
        ("TPOT", "ms", s.tpot_ms, 2),
        ("ITL", "ms", s.itl_ms, 1),
        ("E2E", "ms", s.e2e_ms, 1),
        ("Tokens/s", "", s.tokens_per_second, 1),
        ("First chunk", "ms", s.first_chunk_ms, 1),
        ("Headers", "ms", s.headers_ms, 1),
        ("Output tokens", "", s.output_tokens, 0),
    ];
    let cell = |v: Option<f64>, d: u8| v.map_or_else(|| "–".to_owned(), |v| fixed(v, d));
    let body = rows
        .into_iter()
        .chain(
            [
                ("Server prompt", "ms", s.server_prompt_ms, 1),
                ("Server tokens/s", "", s.server_tokens_per_second, 1),
            ]
            .into_iter()
            .filter(|(_, _, stats, _)| stats.is_some()),
        )
        .map(|(name, unit, stats, d)| {
            view! {
                <tr>
                    <th scope="row">{name} {(!unit.is_empty()).then(|| view! { <span class="cs-lab-result__unit">{format!(" ({unit})")}</span> })}</th>
                    <td>{cell(stats.map(|s| s.p50), d)}</td>
                    <td>{cell(stats.map(|s| s.p90), d)}</td>
                    <td>{cell(stats.map(|s| s.p99), d)}</td>
                    <td>{cell(stats.map(|s| s.mean), d)}</td>
                    <td>{stats.map_or(0, |s| s.n)}</td>
                </tr>
            }
        })
        .collect_view();
    let errors = s
        .error_messages
        .iter()
        .map(|(message, n)| view! { <li><span class="cs-lab-result__count">{format!("{n} × ")}</span>{message.clone()}</li> })
        .collect_view();
    view! {
        <article class="cs-lab-result" data-testid="lab-result" data-target=s.target
            data-runs=s.runs data-errors=s.errors
            data-ttft-p50=attr(s.ttft_ms.map(|x| x.p50)) data-ttft-p90=attr(s.ttft_ms.map(|x| x.p90))
            data-ttft-p99=attr(s.ttft_ms.map(|x| x.p99)) data-tpot-p50=attr(s.tpot_ms.map(|x| x.p50))
            data-itl-p50=attr(s.itl_ms.map(|x| x.p50)) data-itl-p99=attr(s.itl_ms.map(|x| x.p99))
            data-e2e-p50=attr(s.e2e_ms.map(|x| x.p50))>
            <h3 class="cs-lab-result__title">{format!("{}. {label}", s.target + 1)}</h3>
            <p class="cs-lab-result__counts">{format!("{} runs, {} errors", s.runs, s.errors)}</p>
            <table class="cs-lab-result__table">
                <thead>
                    <tr><th></th><th scope="col">"p50"</th><th scope="col">"p90"</th><th scope="col">"p99"</th><th scope="col">"mean"</th><th scope="col">"n"</th></tr>
                </thead>
                <tbody>{body}</tbody>
            </table>
            {(!s.error_messages.is_empty()).then(|| view! { <ul class="cs-lab-result__errors" data-testid="lab-errors">{errors}</ul> })}
        </article>
    }
}

/// Saves `text` as a file named `name` (a Blob behind an object URL, clicked as a download).
fn download(name: &str, mime: &str, text: &str) {
    let js = |_: JsValue| ();
    let _ = (|| -> Result<(), ()> {
        let parts = js_sys::Array::of1(&JsValue::from_str(text));
        let options = web_sys::BlobPropertyBag::new();
        options.set_type(mime);
        let blob =
            web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).map_err(js)?;
        let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(js)?;
        let a: web_sys::HtmlAnchorElement =
            document().create_element("a").map_err(js)?.unchecked_into();
        a.set_href(&url);
        a.set_download(name);
        a.click();
        web_sys::Url::revoke_object_url(&url).map_err(js)
    })();
}
