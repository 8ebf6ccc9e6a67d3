//! Chart geometry: round axes that cover the data, histogram bins that count every value once.

use chat_stream::lab::chart::{nice_step, Axis, Histogram};

#[test]
fn steps_are_one_two_or_five_times_a_power_of_ten() {
    assert_eq!(nice_step(0.7), 1.0);
    assert_eq!(nice_step(1.3), 2.0);
    assert_eq!(nice_step(32.0), 50.0);
    assert_eq!(nice_step(120.0), 200.0);
    assert_eq!(nice_step(0.0), 1.0);
}

#[test]
fn an_axis_covers_the_maximum_with_round_ticks() {
    let a = Axis::covering(730.0, 5);
    assert_eq!(a.ticks, vec![0.0, 200.0, 400.0, 600.0, 800.0]);
    assert_eq!(a.max, 800.0);
    assert_eq!(a.x(400.0, 600.0), 300.0);
    assert_eq!(a.x(5000.0, 600.0), 600.0, "clamped");
    assert_eq!(Axis::covering(f64::NAN, 5).max, 1.0);
}

#[test]
fn a_histogram_counts_every_value_once() {
    let axis = Axis::covering(100.0, 5);
    let h = Histogram::over(
        &[0.0, 10.0, 19.9, 20.0, 55.0, 99.0, 400.0, -1.0, f64::NAN],
        &axis,
        5,
    );
    assert_eq!(h.bin, 20.0);
    assert_eq!(h.counts, vec![3, 1, 1, 0, 2]);
    assert_eq!(h.peak(), 3);
    assert_eq!(Histogram::over(&[], &axis, 4).peak(), 0);
}
