//! The settings form: provider presets, the models list, and the API key. The key lives in the
//! page's memory only unless the user ticks "remember key on this device" (then it is kept in
//! `localStorage`); it is never put in the URL or logs.

use leptos::{prelude::*, task::spawn_local};
use web_sys::AbortController;

use crate::{
    presets::{self, PRESETS},
    protocol::Protocol,
    settings::{
        validate::{parse_max_tokens, parse_temperature, Field, Problem},
        Settings,
    },
};

/// Endpoint, key, model, sampling and streaming.
#[component]
pub fn SettingsPanel(
    /// The settings being edited.
    settings: RwSignal<Settings>,
    /// The API key.
    api_key: ReadSignal<String>,
    /// Sets the API key.
    set_api_key: WriteSignal<String>,
    /// The user asked to keep the key in `localStorage`.
    remember_key: ReadSignal<bool>,
    /// Sets `remember_key`.
    set_remember_key: WriteSignal<bool>,
    /// Offer the "remember key" box (only where settings persist).
    can_remember: bool,
    /// What the user typed that cannot be sent (the field keeps the typed text; the settings
    /// keep the last good value; Send refuses until it is fixed).
    problems: RwSignal<Vec<Problem>>,
) -> impl IntoView {
    let text = move |get: fn(&Settings) -> String, put: fn(&mut Settings, String)| {
        (
            move || settings.with(get),
            move |ev| settings.update(|s| put(s, event_target_value(&ev))),
        )
    };
    let (endpoint, set_endpoint) = text(
        |s| s.endpoint.clone(),
        |s, v| s.endpoint = v.trim().to_owned(),
    );
    let (model, set_model) = text(|s| s.model.clone(), |s, v| s.model = v);
    let (system, set_system) = text(|s| s.system.clone(), |s, v| s.system = v);
    // A checked field: a good value goes into the settings and clears the field's problem; a
    // bad one is recorded as the field's problem (shown under it, and by Send).
    let checked = move |field: Field, v: String| {
        let result = match field {
            Field::Temperature => {
                parse_temperature(&v).map(|t| settings.update(|s| s.temperature = t))
            }
            Field::MaxTokens => parse_max_tokens(&v).map(|n| settings.update(|s| s.max_tokens = n)),
        };
        problems.update(|list| {
            list.retain(|p| p.field != field);
            if let Err(p) = result {
                list.push(p);
            }
        });
    };
    let problem = move |field: Field| {
        move || {
            problems.with(|list| {
                list.iter()
                    .find(|p| p.field == field)
                    .map(|p| p.message.clone())
            })
        }
    };
    // A checked field (`testid`, its problem under it as `{testid}-error`); it shows the value
    // the settings hold until a change is typed.
    let checked_field = move |field: Field,
                              label: &'static str,
                              inputmode: &'static str,
                              testid: &'static str,
                              value: fn(&Settings) -> String| {
        let error_testid = format!("{testid}-error");
        view! {
            <label class="cs-field">
                <span>{label}</span>
                <input type="text" inputmode=inputmode data-testid=testid
                    aria-invalid=move || problem(field)().is_some().then_some("true")
                    prop:value=move || settings.with(value)
                    on:change=move |ev| checked(field, event_target_value(&ev)) />
                {move || problem(field)().map(|m| view! {
                    <span class="cs-field__error" data-testid=error_testid.clone() role="alert">{m}</span>
                })}
            </label>
        }
    };
    let preset = Memo::new(move |_| settings.with(|s| presets::preset_for_endpoint(&s.endpoint)));
    let apply_preset = move |ev| {
        let id = event_target_value(&ev);
        if let Some(p) = presets::preset_by_id(&id) {
            settings.update(|s| {
                s.endpoint = p.endpoint.to_owned();
                s.model = p.model_hint.to_owned();
                s.protocol = p.protocol;
            });
        }
    };
    let (models, set_models) = signal(Vec::<String>::new());
    let (models_error, set_models_error) = signal(None::<String>);
    let (listing, set_listing) = signal(false);
    let list_models = move |_| {
        let (endpoint, protocol) = settings.with_untracked(|s| (s.endpoint.clone(), s.protocol));
        let url = presets::models_url(&endpoint);
        let key = api_key.get_untracked();
        let Ok(controller) = AbortController::new() else {
            return;
        };
        set_listing.set(true);
        set_models_error.set(None);
        spawn_local(async move {
            let result =
                crate::transport::get_text(&url, protocol, Some(&key), &controller.signal()).await;
            let parsed = result
                .map_err(|e| e.to_string())
                .and_then(|body| presets::parse_models(&body).map_err(|e| e.to_string()));
            let _ = set_listing.try_set(false);
            match parsed {
                Ok(list) => {
                    let _ = set_models.try_set(list);
                }
                Err(e) => {
                    let _ = set_models_error.try_set(Some(format!("Could not list models: {e}")));
                }
            }
        });
    };
    view! {
        <section class="cs-settings" aria-label="Settings">
            <div class="cs-settings__grid">
                <label class="cs-field">
                    <span>"Provider"</span>
                    <select data-testid="preset" on:change=apply_preset>
                        <option value="" selected=move || preset.get().is_none()>"Custom"</option>
                        {PRESETS
                            .iter()
                            .map(|p| {
                                view! {
                                    <option value=p.id selected=move || preset.get().is_some_and(|q| q.id == p.id)>
                                        {p.name}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </label>
                <label class="cs-field cs-field--wide">
                    <span>"Endpoint (base URL)"</span>
                    <input type="url" data-testid="endpoint" prop:value=endpoint on:change=set_endpoint
                        placeholder="http://127.0.0.1:8081/v1" />
                </label>
                {move || {
                    preset.get().map(|p| {
                        let parts = presets::note_parts(p.notes)
                            .into_iter()
                            .map(|(code, text)| if code {
                                view! { <code>{text}</code> }.into_any()
                            } else {
                                text.into_any()
                            })
                            .collect_view();
                        view! { <p class="cs-hint" data-testid="preset-notes">{parts}</p> }
                    })
                }}
                <label class="cs-field">
                    <span>"API"</span>
                    <select
                        data-testid="protocol"
                        on:change=move |ev| {
                            if let Some(p) = Protocol::parse(&event_target_value(&ev)) {
                                settings.update(|s| s.protocol = p);
                            }
                        }
                    >
                        {Protocol::ALL
                            .iter()
                            .map(|&p| {
                                view! {
                                    <option value=p.as_str() prop:selected=move || settings.with(|s| s.protocol == p)>
                                        {protocol_label(p)}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </label>
                <label class="cs-field cs-field--wide">
                    <span>
                        {move || if remember_key.get() { "API key (remembered on this device)" } else { "API key (kept in this page only, not stored)" }}
                    </span>
                    <input
                        type="password"
                        data-testid="api-key"
                        autocomplete="off"
                        placeholder=move || if preset.get().is_some_and(|p| !p.needs_key) { "not needed for this server" } else { "sk-…" }
                        prop:value=move || api_key.get()
                        on:input=move |ev| set_api_key.set(event_target_value(&ev))
                    />
                </label>
                {can_remember.then(|| view! {
                    <label class="cs-field cs-field--check">
                        <input
                            type="checkbox"
                            data-testid="remember-key"
                            prop:checked=move || remember_key.get()
                            on:change=move |ev| set_remember_key.set(event_target_checked(&ev))
                        />
                        <span>"Remember key on this device"</span>
                    </label>
                })}
                <label class="cs-field">
                    <span>"Model"</span>
                    <input type="text" data-testid="model" prop:value=model on:change=set_model />
                </label>
                <div class="cs-field">
                    <span>"Models on the server"</span>
                    <button type="button" class="cs-button cs-button--small" data-testid="list-models"
                        disabled=move || listing.get() on:click=list_models>
                        {move || if listing.get() { "Listing…" } else { "List models" }}
                    </button>
                </div>
                <Show when=move || !models.with(Vec::is_empty)>
                    <label class="cs-field">
                        <span>{move || format!("Pick a model ({})", models.with(Vec::len))}</span>
                        <select
                            data-testid="model-picker"
                            on:change=move |ev| {
                                let m = event_target_value(&ev);
                                if !m.is_empty() {
                                    settings.update(|s| s.model = m);
                                }
                            }
                        >
                            <option value="">"Choose…"</option>
                            {move || {
                                models
                                    .get()
                                    .into_iter()
                                    .map(|m| {
                                        let selected = settings.with_untracked(|s| s.model == m);
                                        view! { <option value=m.clone() selected=selected>{m.clone()}</option> }
                                    })
                                    .collect_view()
                            }}
                        </select>
                    </label>
                </Show>
                {move || {
                    models_error.get().map(|e| view! { <p class="cs-hint cs-notice--error" data-testid="models-error" role="alert">{e}</p> })
                }}
                {checked_field(Field::Temperature, "Temperature (0 to 2)", "decimal", "temperature",
                    |s| s.temperature.map(|t| t.to_string()).unwrap_or_default())}
                {checked_field(Field::MaxTokens, "Max tokens", "numeric", "max-tokens",
                    |s| s.max_tokens.map(|t| t.to_string()).unwrap_or_default())}
                <label class="cs-field cs-field--check">
                    <input
                        type="checkbox"
                        data-testid="stream"
                        prop:checked=move || settings.with(|s| s.stream)
                        on:change=move |ev| settings.update(|s| s.stream = event_target_checked(&ev))
                    />
                    <span>"Stream the answer"</span>
                </label>
                <label class="cs-field cs-field--wide">
                    <span>"System prompt"</span>
                    <textarea rows="2" data-testid="system" prop:value=system on:change=set_system></textarea>
                </label>
            </div>
        </section>
    }
}

/// The settings menu's name for a protocol.
fn protocol_label(protocol: Protocol) -> &'static str {
    match protocol {
        Protocol::Chat => "Chat Completions",
        Protocol::Responses => "Responses",
        Protocol::Anthropic => "Anthropic Messages",
    }
}
