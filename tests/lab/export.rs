//! The exports: the CSV's header is the documented column list, one row per run, RFC 4180
//! quoting that a reader parses back; the JSON holds every gap and the summaries.

use chat_stream::{
    lab::{
        export::{csv, json, push_field, CSV_COLUMNS, JSON_FORMAT},
        Target,
    },
    protocol::Protocol,
};

use super::{paced, record_for, Ev};

/// A strict RFC 4180 reader: CRLF line ends, quoted fields with doubled quotes.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let (mut row, mut field) = (Vec::new(), String::new());
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                c => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() => quoted = true,
            ',' => row.push(std::mem::take(&mut field)),
            '\r' => {
                assert_eq!(chars.next(), Some('\n'), "CR without LF");
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            '\n' => panic!("LF without CR"),
            c => field.push(c),
        }
    }
    assert!(
        field.is_empty() && row.is_empty(),
        "the last line ends with CRLF"
    );
    rows
}

fn targets() -> Vec<Target> {
    vec![
        Target {
            endpoint: "http://127.0.0.1:8081/v1".into(),
            model: "gemma".into(),
            protocol: Protocol::Chat,
            max_tokens: Some(64),
        },
        Target {
            endpoint: "https://api.example.com/v1".into(),
            model: "a \"quoted\", model".into(),
            protocol: Protocol::Responses,
            max_tokens: None,
        },
    ]
}

#[test]
fn fields_are_quoted_as_rfc_4180_says() {
    let mut out = String::new();
    for f in ["plain", "a,b", "say \"hi\"", "two\nlines", "cr\r", ""] {
        push_field(&mut out, f);
        out.push('|');
    }
    assert_eq!(
        out,
        "plain|\"a,b\"|\"say \"\"hi\"\"\"|\"two\nlines\"|\"cr\r\"||"
    );
}

#[test]
fn the_csv_has_the_documented_columns_and_one_row_per_run() {
    let mut timed = paced(300.0, 50.0, 4, true);
    timed.insert(timed.len() - 1, Ev::Timings(451.0, 12.5, 88.0));
    let records = vec![
        record_for(&timed, 0, 1),
        record_for(&paced(320.0, 50.0, 4, false), 0, 2),
        record_for(&[Ev::Fail(30.0, 401)], 1, 1),
    ];
    let rows = parse_csv(&csv(&targets(), &records));
    let header: Vec<&str> = CSV_COLUMNS.iter().map(|(n, _)| *n).collect();
    assert_eq!(rows[0], header);
    assert_eq!(rows.len(), 1 + records.len());
    for row in &rows {
        assert_eq!(row.len(), CSV_COLUMNS.len());
    }
    let col = |row: usize, name: &str| -> &str {
        let i = header.iter().position(|h| *h == name).unwrap();
        &rows[row][i]
    };
    assert_eq!(col(1, "target"), "1");
    assert_eq!(col(1, "target_label"), "gemma · max 64");
    assert_eq!(col(1, "max_tokens"), "64");
    assert_eq!(col(1, "status"), "ok");
    assert_eq!(col(1, "ttft_ms"), "300.0");
    assert_eq!(col(1, "second_token_ms"), "350.0");
    assert_eq!(col(1, "e2e_ms"), "451.0");
    assert_eq!(col(1, "output_tokens"), "4");
    assert_eq!(col(1, "output_tokens_source"), "usage");
    assert_eq!(col(1, "tpot_ms"), "50.33");
    assert_eq!(col(1, "itl_mean_ms"), "50.00");
    assert_eq!(col(1, "itl_max_ms"), "50.0");
    assert_eq!(col(1, "rate_basis"), "output");
    assert_eq!(col(1, "server_prompt_ms"), "12.5");
    assert_eq!(col(1, "server_tokens_per_second"), "88.00");
    assert_eq!(col(1, "finish_reason"), "stop");
    assert_eq!(col(2, "run"), "2");
    assert_eq!(col(2, "output_tokens_source"), "chunks");
    assert_eq!(col(2, "server_prompt_ms"), "");
    // The failed run of the second target: the quoted model name comes back intact.
    assert_eq!(col(3, "model"), "a \"quoted\", model");
    assert_eq!(col(3, "protocol"), "responses");
    assert_eq!(col(3, "max_tokens"), "");
    assert_eq!(col(3, "status"), "error");
    assert_eq!(col(3, "http_status"), "401");
    assert!(col(3, "error").contains("Incorrect API key"));
    assert_eq!(col(3, "ttft_ms"), "");
    assert_eq!(col(3, "tpot_ms"), "");
}

#[test]
fn an_empty_session_is_just_the_header() {
    let rows = parse_csv(&csv(&targets(), &[]));
    assert_eq!(rows.len(), 1);
}

#[test]
fn the_json_holds_every_gap_and_the_summaries() {
    let records = vec![
        record_for(&paced(300.0, 50.0, 4, true), 0, 1),
        record_for(&[Ev::Fail(30.0, 401)], 1, 1),
    ];
    let prompts = vec!["Count to 5".to_owned()];
    let text = json(&targets(), &records, &prompts, 1, 1, true);
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["format"], JSON_FORMAT);
    assert_eq!(v["warmup"], true);
    assert_eq!(v["prompts"][0], "Count to 5");
    assert_eq!(v["targets"][1]["protocol"], "responses");
    assert_eq!(
        v["records"][0]["itl_ms"],
        serde_json::json!([50.0, 50.0, 50.0])
    );
    assert_eq!(v["records"][0]["token_source"], "usage");
    assert_eq!(v["records"][1]["status"], "error");
    assert_eq!(v["summaries"][0]["runs"], 1);
    assert_eq!(v["summaries"][0]["ttft_ms"]["p50"], 300.0);
    assert_eq!(v["summaries"][1]["errors"], 1);
    assert!(!text.contains("api_key") && !text.contains("Bearer"));
}
