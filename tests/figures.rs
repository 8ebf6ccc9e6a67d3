//! Host tests of `figures`: fixed decimals as the standard formatter would print them (on values
//! whose decimal expansion is not a rounding tie), and the edge cases.
#![cfg(not(target_arch = "wasm32"))]

use chat_stream::figures::{fixed, seconds, trimmed};
use proptest::prelude::*;

#[test]
fn fixed_decimals() {
    let cases = [
        (0.4237, 2, "0.42"),
        (0.0, 1, "0.0"),
        (12.0, 0, "12"),
        (1999.96, 1, "2000.0"),
        (-1.26, 1, "-1.3"),
        (-0.04, 1, "0.0"),
        (5.06, 2, "5.06"),
        (0.001, 3, "0.001"),
        (123456.789, 2, "123456.79"),
    ];
    for (v, d, want) in cases {
        assert_eq!(fixed(v, d), want, "fixed({v}, {d})");
    }
    assert_eq!(fixed(f64::NAN, 1), "-");
    assert_eq!(fixed(f64::INFINITY, 1), "-");
}

#[test]
fn trimmed_and_seconds() {
    assert_eq!(trimmed(2.5, 2), "2.5");
    assert_eq!(trimmed(3.0, 2), "3");
    assert_eq!(trimmed(0.25, 2), "0.25");
    assert_eq!(trimmed(40.0, 2), "40");
    assert_eq!(seconds(420.0), "0.42 s");
    assert_eq!(seconds(8123.0), "8.12 s");
}

proptest! {
    /// Away from rounding ties, `fixed` prints what `format!("{:.N}")` prints.
    #[test]
    fn fixed_matches_the_standard_formatter(v in -1.0e7f64..1.0e7, d in 0u8..4) {
        let scaled = v.abs() * 10f64.powi(i32::from(d));
        prop_assume!((scaled.fract() - 0.5).abs() > 1e-6);
        let want = format!("{:.*}", usize::from(d), v);
        let want = if want.trim_start_matches('-').chars().all(|c| c == '0' || c == '.') {
            want.trim_start_matches('-').to_owned()
        } else {
            want
        };
        prop_assert_eq!(fixed(v, d), want);
    }
}
