//! Settings, API key and theme persistence: settings round trip and fall back when corrupt, the
//! key is stored only when remembered, and never in any other value; the theme under its key.

use crate::{finished_transcript, options};
use chat_stream::{
    history::{export, import, Conversation, HistoryStore},
    settings::Theme,
    settings::{
        forget_key, load_key, load_settings, load_theme, save_key, save_settings, save_theme,
        Settings, SettingsError,
    },
    storage::{MemoryStore, StoreError, API_KEY_KEY, REMEMBER_KEY_KEY, SETTINGS_KEY, THEME_KEY},
};

#[test]
fn settings_round_trip_and_fall_back_when_corrupt() {
    let mut local = MemoryStore::new();
    assert_eq!(load_settings(&local).unwrap(), None);
    let settings = Settings {
        model: "llama3.2".into(),
        temperature: None,
        system: "Be brief ✓".into(),
        ..Settings::default()
    };
    save_settings(&mut local, &settings).unwrap();
    assert_eq!(load_settings(&local).unwrap(), Some(settings));
    // Missing fields take their defaults.
    local
        .entries
        .insert(SETTINGS_KEY.into(), r#"{"model":"x","extra":1}"#.into());
    let loaded = load_settings(&local).unwrap().unwrap();
    assert_eq!(loaded.model, "x");
    assert_eq!(loaded.endpoint, Settings::default().endpoint);
    // Corrupt: an error the caller shows while using the defaults.
    local.entries.insert(SETTINGS_KEY.into(), "{oops".into());
    assert_eq!(
        load_settings(&local).unwrap_err().to_string(),
        "the saved data under chat-stream.v1.settings cannot be read (key must be a string at line 1 column 2; the default settings are used instead)"
    );
    local
        .entries
        .insert(SETTINGS_KEY.into(), r#"{"stream":"yes"}"#.into());
    assert!(matches!(
        load_settings(&local),
        Err(SettingsError::Corrupt { .. })
    ));
}

#[test]
fn a_key_is_stored_only_when_remembered() {
    let mut local = MemoryStore::new();
    // Remembered...
    save_key(&mut local, "sk-old", true).unwrap();
    assert_eq!(
        local.entries.get(API_KEY_KEY).map(String::as_str),
        Some("sk-old")
    );
    assert_eq!(
        local.entries.get(REMEMBER_KEY_KEY).map(String::as_str),
        Some("true")
    );
    assert_eq!(load_key(&local), ("sk-old".to_owned(), true));
    // ...then not: it leaves storage altogether (it lives in the page's memory only).
    save_key(&mut local, "sk-new", false).unwrap();
    assert!(local.entries.is_empty(), "{:?}", local.entries);
    assert_eq!(load_key(&local), (String::new(), false));
    // Remembered again, then forgotten: gone.
    save_key(&mut local, "sk-3", true).unwrap();
    assert_eq!(load_key(&local), ("sk-3".to_owned(), true));
    forget_key(&mut local).unwrap();
    assert!(local.entries.is_empty());
    // An empty key forgets too.
    save_key(&mut local, "sk-4", true).unwrap();
    save_key(&mut local, "", true).unwrap();
    assert!(local.entries.is_empty());
}

#[test]
fn a_key_without_the_remember_flag_is_not_read_from_local_storage() {
    let mut local = MemoryStore::new();
    local.entries.insert(API_KEY_KEY.into(), "sk-stray".into());
    assert_eq!(load_key(&local), (String::new(), false));
}

#[test]
fn key_storage_when_storage_is_unavailable() {
    let mut local = MemoryStore::new();
    local.unavailable = true;
    // Not remembering needs no storage.
    save_key(&mut local, "sk", false).unwrap();
    assert_eq!(load_key(&local), (String::new(), false));
    // Remembering fails, and says why.
    assert_eq!(
        save_key(&mut local, "sk", true).unwrap_err(),
        StoreError::Unavailable
    );
    forget_key(&mut local).unwrap();
}

/// Plants a key, uses every feature that writes, and searches every stored value.
#[test]
fn the_key_is_never_stored_in_settings_index_or_conversations() {
    const KEY: &str = "sk-PLANTED-7f3a9c";
    for remember in [false, true] {
        let mut local = MemoryStore::new();
        save_key(&mut local, KEY, remember).unwrap();
        let settings = Settings {
            endpoint: "https://api.openai.com/v1".into(),
            ..Settings::default()
        };
        save_settings(&mut local, &settings).unwrap();
        let mut s = HistoryStore::new(&mut local);
        let mut t = finished_transcript();
        let id = s.new_id(1764000000000.0);
        s.save(&Conversation::from_transcript(&id, &t, 1.0, 0.0))
            .unwrap();
        s.rename(&id, "Renamed").unwrap();
        s.set_current(Some(&id)).unwrap();
        t.begin("another", &options(), 30.0);
        let second = s.new_id(2.0);
        s.save(&Conversation::from_transcript(&second, &t, 2.0, 0.0))
            .unwrap();
        let file = export(&s.load_all().0, 3.0);
        s.merge_import(import(&file).unwrap()).unwrap();

        let holders: Vec<&String> = local
            .entries
            .iter()
            .filter(|(_, value)| value.contains(KEY))
            .map(|(key, _)| key)
            .collect();
        let expected: Vec<&str> = if remember {
            vec!["chat-stream.v1.api_key"]
        } else {
            vec![]
        };
        assert_eq!(holders, expected, "remember = {remember}");
        assert!(local.entries.len() > 4);
    }
}

#[test]
fn the_theme_is_saved_under_its_key_and_read_back() {
    let mut local = MemoryStore::new();
    assert_eq!(load_theme(&local), None);
    for theme in [Theme::Dark, Theme::Light, Theme::Auto] {
        save_theme(&mut local, theme.as_str()).unwrap();
        assert_eq!(
            local.entries.get(THEME_KEY).map(String::as_str),
            Some(theme.as_str())
        );
        assert_eq!(load_theme(&local).map(|t| Theme::parse(&t)), Some(theme));
    }
    assert_eq!(local.entries.len(), 1, "{:?}", local.entries);
    // A value from elsewhere reads back as it is; `Theme::parse` makes it `auto`.
    local.entries.insert(THEME_KEY.into(), "sepia".into());
    assert_eq!(load_theme(&local).as_deref(), Some("sepia"));
    // Unavailable storage: nothing saved, nothing read, and saving says why.
    local.unavailable = true;
    assert_eq!(load_theme(&local), None);
    assert_eq!(
        save_theme(&mut local, "dark").unwrap_err(),
        StoreError::Unavailable
    );
}
