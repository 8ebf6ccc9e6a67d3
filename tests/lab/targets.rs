//! Targets (settings in, settings out, labels) and the prompt set.

use chat_stream::{
    lab::{cycled, prompt_set, Target},
    protocol::Protocol,
    Settings,
};

#[test]
fn a_target_takes_the_chats_settings_and_gives_streaming_ones_back() {
    let base = Settings {
        stream: false,
        system: "Be brief.".into(),
        temperature: Some(0.2),
        max_tokens: Some(256),
        ..Settings::default()
    };
    let mut target = Target::of(&base);
    assert_eq!(target.max_tokens, Some(256));
    target.max_tokens = Some(64);
    target.protocol = Protocol::Anthropic;
    target.endpoint = "  http://h/v1 ".into();
    let s = target.settings(&base);
    assert!(s.stream, "the lab always streams");
    assert_eq!(s.max_tokens, Some(64));
    assert_eq!(s.protocol, Protocol::Anthropic);
    assert_eq!(s.endpoint, "http://h/v1");
    assert_eq!((s.system.as_str(), s.temperature), ("Be brief.", Some(0.2)));
    assert_eq!(target.label(), "gemma-3-270m · max 64 · anthropic");
    target.model.clear();
    target.max_tokens = None;
    target.protocol = Protocol::Chat;
    assert_eq!(target.label(), "http://h/v1");
}

#[test]
fn the_prompt_set_is_the_list_else_the_current_prompt() {
    assert_eq!(
        prompt_set("one\n\n  two  \r\nthree\n", "current"),
        vec!["one", "two", "three"]
    );
    assert_eq!(prompt_set(" \n ", "current"), vec!["current"]);
    assert_eq!(prompt_set("", "  "), vec![Settings::DEFAULT_PROMPT]);
    let set = prompt_set("a\nb", "");
    let order: Vec<&str> = (0..5).map(|i| cycled(&set, i).unwrap()).collect();
    assert_eq!(order, vec!["a", "b", "a", "b", "a"]);
    assert_eq!(cycled(&[], 3), None);
}

#[test]
fn runs_come_from_the_query_string() {
    use chat_stream::lab::{runs_from_query, MAX_RUNS};
    assert_eq!(runs_from_query("?runs=20"), Some(20));
    assert_eq!(runs_from_query("model=x&runs=%203&stream=true"), Some(3));
    assert_eq!(runs_from_query("?runs=0"), None);
    assert_eq!(runs_from_query("?runs=many"), None);
    assert_eq!(runs_from_query(&format!("?runs={}", MAX_RUNS + 1)), None);
    assert_eq!(runs_from_query("?model=x"), None);
    assert_eq!(runs_from_query(""), None);
}
