//! `use_clock`: `performance.now()` as a signal that ticks only while `running` says so (a
//! waiting note's seconds, the elapsed figure), so an idle page runs no timer.

use std::time::Duration;

use leptos::{leptos_dom::helpers::IntervalHandle, prelude::*};

/// `performance.now()`, refreshed every `period` while `running()` is true (and once when it
/// becomes true).
pub fn use_clock(
    running: impl Fn() -> bool + Send + Sync + 'static,
    period: Duration,
) -> ReadSignal<f64> {
    let (clock, set_clock) = signal(crate::transport::now());
    let ticker = StoredValue::new_local(None::<IntervalHandle>);
    let stop_ticker = move || {
        if let Some(Some(handle)) = ticker.try_update_value(Option::take) {
            handle.clear();
        }
    };
    Effect::new(move |_| {
        let on = running();
        stop_ticker();
        if on {
            set_clock.set(crate::transport::now());
            let tick = move || set_clock.set(crate::transport::now());
            if let Ok(handle) = set_interval_with_handle(tick, period) {
                ticker.set_value(Some(handle));
            }
        }
    });
    on_cleanup(stop_ticker);
    clock
}
