//! The settings form. The API key lives only in memory: never in storage, the URL or logs.

use leptos::prelude::*;

use crate::settings::Settings;

/// Endpoint, key, model, sampling and streaming.
#[component]
pub fn SettingsPanel(
    /// The settings being edited.
    settings: RwSignal<Settings>,
    /// The API key (memory only).
    api_key: ReadSignal<String>,
    /// Sets the API key.
    set_api_key: WriteSignal<String>,
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
    let (temperature, set_temperature) = text(
        |s| s.temperature.map(|t| t.to_string()).unwrap_or_default(),
        |s, v| s.temperature = v.trim().parse().ok(),
    );
    let (max_tokens, set_max_tokens) = text(
        |s| s.max_tokens.map(|t| t.to_string()).unwrap_or_default(),
        |s, v| s.max_tokens = v.trim().parse().ok().filter(|&n| n > 0),
    );
    view! {
        <details class="cs-settings" open>
            <summary>"Settings"</summary>
            <div class="cs-settings__grid">
                <label class="cs-field cs-field--wide">
                    <span>"Endpoint (base URL)"</span>
                    <input type="url" data-testid="endpoint" prop:value=endpoint on:change=set_endpoint
                        placeholder="http://127.0.0.1:8081/v1" />
                </label>
                <label class="cs-field cs-field--wide">
                    <span>"API key (kept in memory only)"</span>
                    <input
                        type="password"
                        data-testid="api-key"
                        autocomplete="off"
                        placeholder="not needed for local servers"
                        prop:value=move || api_key.get()
                        on:input=move |ev| set_api_key.set(event_target_value(&ev))
                    />
                </label>
                <label class="cs-field">
                    <span>"Model"</span>
                    <input type="text" data-testid="model" prop:value=model on:change=set_model />
                </label>
                <label class="cs-field">
                    <span>"Temperature"</span>
                    <input type="number" min="0" max="2" step="0.1" data-testid="temperature"
                        prop:value=temperature on:change=set_temperature />
                </label>
                <label class="cs-field">
                    <span>"Max tokens"</span>
                    <input type="number" min="1" step="1" data-testid="max-tokens"
                        prop:value=max_tokens on:change=set_max_tokens />
                </label>
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
        </details>
    }
}
