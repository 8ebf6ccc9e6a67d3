//! Host tests of the settings checks: what the form accepts, and the messages for what it
//! refuses.

use chat_stream::settings::{
    validate::{parse_max_tokens, parse_temperature, Field, MAX_TOKENS_LIMIT},
    Settings,
};

#[test]
fn temperatures_in_range_or_empty_are_accepted() {
    assert_eq!(parse_temperature(""), Ok(None));
    assert_eq!(parse_temperature("  "), Ok(None));
    assert_eq!(parse_temperature("0"), Ok(Some(0.0)));
    assert_eq!(parse_temperature(" 0.7 "), Ok(Some(0.7)));
    assert_eq!(parse_temperature("2"), Ok(Some(2.0)));
}

#[test]
fn temperatures_out_of_range_or_not_numbers_are_refused_with_what_was_typed() {
    for typed in ["-3", "\u{2212}3", "2.01", "abc", "NaN", "inf", "1,5"] {
        let problem = parse_temperature(typed).expect_err(typed);
        assert_eq!(problem.field, Field::Temperature);
        assert!(
            problem.message.contains(typed) && problem.message.contains("from 0 to 2"),
            "{typed}: {}",
            problem.message
        );
    }
}

#[test]
fn max_tokens_must_be_a_sensible_positive_integer() {
    assert_eq!(parse_max_tokens(""), Ok(None));
    assert_eq!(parse_max_tokens("1"), Ok(Some(1)));
    assert_eq!(parse_max_tokens(" 256 "), Ok(Some(256)));
    assert_eq!(
        parse_max_tokens(&MAX_TOKENS_LIMIT.to_string()),
        Ok(Some(MAX_TOKENS_LIMIT))
    );
    let too_big = (MAX_TOKENS_LIMIT + 1).to_string();
    for typed in [
        "0",
        "-5",
        "12.5",
        "1e3",
        "lots",
        "99999999999999",
        too_big.as_str(),
    ] {
        let problem = parse_max_tokens(typed).expect_err(typed);
        assert_eq!(problem.field, Field::MaxTokens);
        assert!(
            problem.message.contains(typed) && problem.message.contains("whole number"),
            "{typed}: {}",
            problem.message
        );
    }
}

#[test]
fn settings_built_in_code_are_checked_by_the_same_rules() {
    assert!(Settings::default().problems().is_empty());
    let bad = Settings {
        temperature: Some(-3.0),
        max_tokens: Some(0),
        ..Settings::default()
    };
    let fields: Vec<Field> = bad.problems().iter().map(|p| p.field).collect();
    assert_eq!(fields, vec![Field::Temperature, Field::MaxTokens]);
    let unset = Settings {
        temperature: None,
        max_tokens: None,
        ..Settings::default()
    };
    assert!(
        unset.problems().is_empty(),
        "unset means the server's default"
    );
}
