//! Numbers as the views show them: fixed decimals without the standard library's float
//! formatting machinery (which would weigh several KB in every wasm bundle), so every figure,
//! attribute and label of the page goes through one small function.

/// `value` rounded to `decimals` places (half away from zero), e.g. `fixed(0.4237, 2)` is
/// `"0.42"` and `fixed(-1.25, 1)` is `"-1.3"`. Not finite: `"-"`. Beyond about 9·10¹⁵ units of
/// the last place the digits are those of an `i64` (figures here are milliseconds and counts).
pub fn fixed(value: f64, decimals: u8) -> String {
    if !value.is_finite() {
        return "-".to_owned();
    }
    let decimals = decimals.min(9);
    let scale = 10u64.pow(u32::from(decimals));
    let scaled = (value.abs() * scale as f64).round();
    let scaled = if scaled >= 9.2e18 {
        u64::MAX / 2
    } else {
        scaled as u64
    };
    let (whole, frac) = (scaled / scale, scaled % scale);
    let mut out = String::new();
    if value < 0.0 && scaled != 0 {
        out.push('-');
    }
    out.push_str(&whole.to_string());
    if decimals > 0 {
        out.push('.');
        let digits = frac.to_string();
        for _ in digits.len()..usize::from(decimals) {
            out.push('0');
        }
        out.push_str(&digits);
    }
    out
}

/// `fixed`, with trailing zeros (and a trailing point) removed: `trimmed(2.50, 2)` is `"2.5"`,
/// `trimmed(3.0, 2)` is `"3"`.
pub fn trimmed(value: f64, decimals: u8) -> String {
    let s = fixed(value, decimals);
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        s
    }
}

/// Milliseconds as seconds with two decimals, as OpenAI's notebook prints them: `"0.42 s"`.
pub fn seconds(ms: f64) -> String {
    let mut s = fixed(ms / 1000.0, 2);
    s.push_str(" s");
    s
}
