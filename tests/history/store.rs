//! The conversation store over a `MemoryStore`: save / load / list, titles, delete, ids, a full or
//! unavailable storage, corrupt index and conversations, imports; the storage key names and the
//! memory store's quota.

use crate::{assistant, conv, entries, options, store, user};
use chat_stream::{
    history::{self, export, import, Conversation, HistoryError, HistoryStore, MergeReport},
    storage::{
        self, backup_key, conversation_key, KeyValue, MemoryStore, StoreError, CURRENT_KEY,
        INDEX_KEY,
    },
    transcript::Transcript,
};

#[test]
fn save_load_list_newest_first() {
    let mut s = store();
    assert_eq!(s.load_index().unwrap(), vec![]);
    let a = conv("a", 100.0, vec![user("Alpha")]);
    let b = conv("b", 300.0, vec![user("Beta")]);
    let c = conv("c", 200.0, vec![user("Gamma")]);
    for x in [&a, &b, &c] {
        s.save(x).unwrap();
    }
    let index = s.load_index().unwrap();
    let ids: Vec<&str> = index.iter().map(|x| x.id.as_str()).collect();
    assert_eq!(ids, ["b", "c", "a"]);
    assert_eq!(index[1].title, "Gamma");
    assert_eq!(index[1].updated_at, 200.0);
    assert_eq!(s.load("c").unwrap(), c);
    // Saving again updates in place and moves it to the top.
    let mut a2 = a.clone();
    a2.messages.push(assistant("reply"));
    a2.updated_at = 400.0;
    s.save(&a2).unwrap();
    let ids: Vec<String> = s.load_index().unwrap().into_iter().map(|x| x.id).collect();
    assert_eq!(ids, ["a", "b", "c"]);
    assert_eq!(s.load("a").unwrap(), a2);
    assert_eq!(
        s.load("zzz").unwrap_err().to_string(),
        "there is no saved conversation with id zzz"
    );
    let (all, errors) = s.load_all();
    assert!(errors.is_empty());
    assert_eq!(all, vec![a2, b, c]);
    // The stored values are where the docs say.
    let raw = s.storage().get(&conversation_key("a")).unwrap().unwrap();
    assert!(raw.starts_with(r#"{"id":"a","title":"Alpha""#), "{raw}");
    assert!(s
        .storage()
        .get(INDEX_KEY)
        .unwrap()
        .unwrap()
        .starts_with(r#"[{"id":"a","title":"Alpha","updated_at":400}"#));
}

#[test]
fn a_user_title_survives_later_saves_until_cleared() {
    let mut s = store();
    let mut t = Transcript::new();
    t.begin("What is Rust?", &options(), 0.0);
    t.stop(1.0);
    s.save(&Conversation::from_transcript("c", &t, 10.0, 0.0))
        .unwrap();
    s.rename("c", "  My   Rust notes ").unwrap();
    assert_eq!(s.load("c").unwrap().title, "My Rust notes");
    // The app saves again from the transcript, with a derived title: the user's stays.
    t.begin("And Go?", &options(), 2.0);
    t.stop(3.0);
    s.save(&Conversation::from_transcript("c", &t, 20.0, 0.0))
        .unwrap();
    let loaded = s.load("c").unwrap();
    assert_eq!(loaded.title, "My Rust notes");
    assert!(loaded.title_set_by_user);
    assert_eq!(loaded.messages.len(), 4);
    let index = s.load_index().unwrap();
    assert_eq!(index[0].title, "My Rust notes");
    assert!(index[0].title_set_by_user);
    // An empty name goes back to the derived title.
    s.rename("c", "   ").unwrap();
    assert_eq!(s.load("c").unwrap().title, "What is Rust?");
    assert!(!s.load("c").unwrap().title_set_by_user);
    assert_eq!(s.load_index().unwrap()[0].title, "What is Rust?");
    // A very long name is cut.
    s.rename("c", &"n".repeat(500)).unwrap();
    let long = s.load("c").unwrap().title;
    assert_eq!(long.chars().count(), history::USER_TITLE_MAX_CHARS);
    assert!(long.ends_with('…'));
    assert!(matches!(
        s.rename("missing", "x"),
        Err(HistoryError::NotFound { .. })
    ));
}

#[test]
fn delete_and_the_current_conversation() {
    let mut s = store();
    assert_eq!(s.current().unwrap(), None);
    s.save(&conv("a", 1.0, vec![user("A")])).unwrap();
    s.save(&conv("b", 2.0, vec![user("B")])).unwrap();
    s.set_current(Some("a")).unwrap();
    assert_eq!(s.current().unwrap().as_deref(), Some("a"));
    assert_eq!(s.storage().get(CURRENT_KEY).unwrap().as_deref(), Some("a"));
    s.delete("b").unwrap();
    assert_eq!(s.current().unwrap().as_deref(), Some("a"));
    s.delete("a").unwrap();
    assert_eq!(
        s.current().unwrap(),
        None,
        "deleting the open one closes it"
    );
    assert_eq!(s.load_index().unwrap(), vec![]);
    assert!(s.storage().get(&conversation_key("a")).unwrap().is_none());
    s.delete("a").unwrap();
    s.set_current(Some("x")).unwrap();
    s.set_current(None).unwrap();
    assert_eq!(s.current().unwrap(), None);
}

#[test]
fn new_ids_are_unique_and_skip_stored_ones() {
    let mut s = store();
    assert_eq!(s.new_id(1764000000000.0), "c1764000000000-1");
    assert_eq!(s.new_id(1764000000000.0), "c1764000000000-2");
    // A conversation stored by another tab with the next id is not reused.
    s.save(&conv("c1764000000001-3", 1.0, vec![])).unwrap();
    assert_eq!(s.new_id(1764000000001.9), "c1764000000001-4");
    assert_eq!(s.new_id(f64::NAN), "c0-5");
    let mut ids: Vec<String> = (0..1000).map(|_| s.new_id(5.0)).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 1000);
}

#[test]
fn invalid_ids_are_not_saved() {
    let mut s = store();
    let error = s.save(&conv("", 1.0, vec![])).unwrap_err();
    assert_eq!(
        error.to_string(),
        "the conversation id \"\" cannot be used: its \"id\" is empty"
    );
    assert!(s.storage().entries.is_empty());
}

#[test]
fn storage_full_keeps_what_was_stored_before() {
    let mut s = HistoryStore::new(MemoryStore::with_quota(4_000));
    let small = conv("small", 1.0, vec![user("hello")]);
    s.save(&small).unwrap();
    s.set_current(Some("small")).unwrap();
    let before = entries(&s);

    // A new conversation that does not fit.
    let big = conv("big", 2.0, vec![user(&"x".repeat(5_000))]);
    let error = s.save(&big).unwrap_err();
    assert!(
        matches!(error, HistoryError::StorageFull { .. }),
        "{error:?}"
    );
    let message = error.to_string();
    // 5,000 characters of text plus its title (the first 200 of them) and the JSON around it.
    assert!(message.starts_with("browser storage is full: 5.3 KB could not be saved. Delete old conversations, or export your history to a file"), "{message}");
    assert_eq!(entries(&s), before);

    // An update of a stored conversation that no longer fits: the previous version stays.
    let mut grown = small.clone();
    grown.messages.push(assistant(&"y".repeat(5_000)));
    grown.updated_at = 3.0;
    assert!(matches!(
        s.save(&grown),
        Err(HistoryError::StorageFull { .. })
    ));
    assert_eq!(entries(&s), before);
    assert_eq!(s.load("small").unwrap(), small);
    assert_eq!(s.load_index().unwrap(), vec![small.summary()]);
}

#[test]
fn a_failed_index_write_removes_the_new_conversation() {
    let mut s = store();
    s.save(&conv("a", 1.0, vec![user("A")])).unwrap();
    let before = entries(&s);
    // The conversation write succeeds, the index write fails.
    s.storage_mut().writes_left = Some(1);
    let error = s.save(&conv("b", 2.0, vec![user("B")])).unwrap_err();
    assert!(matches!(error, HistoryError::StorageFull { .. }));
    assert_eq!(entries(&s), before);
}

#[test]
fn unavailable_storage_is_reported() {
    let mut s = store();
    s.storage_mut().unavailable = true;
    let error = s.save(&conv("a", 1.0, vec![])).unwrap_err();
    assert_eq!(error, HistoryError::Storage(StoreError::Unavailable));
    assert_eq!(
        error.to_string(),
        "history could not be saved or read: browser storage is not available (it is disabled, or this is a private window)"
    );
    assert!(s.load_index().is_err());
    assert!(s.current().is_err());
}

#[test]
fn a_corrupt_index_is_rebuilt_from_the_conversations_when_keys_can_be_listed() {
    let mut s = store();
    s.save(&conv("a", 1.0, vec![user("Alpha")])).unwrap();
    s.save(&conv("b", 2.0, vec![user("Beta")])).unwrap();
    s.rename("a", "Mine").unwrap();
    // A third conversation whose value is unreadable is left out of the rebuilt index.
    s.storage_mut()
        .entries
        .insert(conversation_key("broken"), "{\"id\":".into());
    s.storage_mut()
        .entries
        .insert(INDEX_KEY.into(), "[{\"id\": \"a\", tru".into());

    let index = s.load_index().unwrap();
    let ids: Vec<&str> = index.iter().map(|x| x.id.as_str()).collect();
    assert_eq!(ids, ["b", "a"]);
    assert_eq!(index[1].title, "Mine");
    assert!(index[1].title_set_by_user);
    // The corrupt value was kept aside, and the index rewritten.
    assert_eq!(
        s.storage().get(&backup_key(INDEX_KEY)).unwrap().as_deref(),
        Some("[{\"id\": \"a\", tru")
    );
    assert_eq!(backup_key(INDEX_KEY), "chat-stream.v1.corrupt.index");
    let raw = s.storage().get(INDEX_KEY).unwrap().unwrap();
    assert!(raw.starts_with("[{\"id\":\"b\""), "{raw}");
    // The unreadable conversation is still there, untouched.
    assert_eq!(
        s.storage()
            .get(&conversation_key("broken"))
            .unwrap()
            .as_deref(),
        Some("{\"id\":")
    );
}

#[test]
fn a_corrupt_index_is_moved_aside_when_keys_cannot_be_listed() {
    let mut s = store();
    s.save(&conv("a", 1.0, vec![user("Alpha")])).unwrap();
    s.storage_mut().enumerable = false;
    s.storage_mut()
        .entries
        .insert(INDEX_KEY.into(), "not json".into());

    let error = s.load_index().unwrap_err();
    assert_eq!(
        error,
        HistoryError::Corrupt {
            key: INDEX_KEY.into(),
            reason: "expected ident at line 1 column 2; it was moved to chat-stream.v1.corrupt.index and a new, empty history was started".into(),
        }
    );
    assert_eq!(
        error.to_string(),
        "the saved data under chat-stream.v1.index cannot be read (expected ident at line 1 column 2; it was moved to chat-stream.v1.corrupt.index and a new, empty history was started)"
    );
    assert_eq!(
        s.storage()
            .get("chat-stream.v1.corrupt.index")
            .unwrap()
            .as_deref(),
        Some("not json")
    );
    // The caller starts fresh: the next load is an empty list, and saving works.
    assert_eq!(s.load_index().unwrap(), vec![]);
    s.save(&conv("b", 2.0, vec![user("Beta")])).unwrap();
    assert_eq!(s.load_index().unwrap().len(), 1);
    // The old conversation itself is still stored.
    assert!(s.load("a").is_ok());
}

#[test]
fn a_corrupt_index_is_left_in_place_when_it_cannot_be_moved() {
    let mut s = store();
    s.storage_mut().enumerable = false;
    s.storage_mut()
        .entries
        .insert(INDEX_KEY.into(), "{\"broken\": ".repeat(20));
    let used = s.storage().used_bytes();
    s.storage_mut().quota = Some(used + 10);
    let error = s.load_index().unwrap_err();
    let HistoryError::Corrupt { key, reason } = &error else {
        panic!("{error:?}")
    };
    assert_eq!(key, INDEX_KEY);
    assert!(reason.ends_with("so it was left as it is"), "{reason}");
    assert!(
        reason.contains(
            "could not be moved to chat-stream.v1.corrupt.index (browser storage is full"
        ),
        "{reason}"
    );
    assert_eq!(
        s.storage().get(INDEX_KEY).unwrap(),
        Some("{\"broken\": ".repeat(20))
    );
    // Saving does not overwrite it either.
    assert!(s.save(&conv("a", 1.0, vec![])).is_err());
    assert_eq!(
        s.storage().get(INDEX_KEY).unwrap(),
        Some("{\"broken\": ".repeat(20))
    );
}

#[test]
fn a_missing_index_is_rebuilt_when_conversations_are_there() {
    let mut s = store();
    s.save(&conv("a", 1.0, vec![user("Alpha")])).unwrap();
    s.storage_mut().entries.remove(INDEX_KEY);
    assert_eq!(s.load_index().unwrap()[0].title, "Alpha");
}

#[test]
fn a_corrupt_conversation_is_named_and_left_untouched() {
    let mut s = store();
    s.save(&conv("a", 1.0, vec![user("Alpha")])).unwrap();
    s.save(&conv("b", 2.0, vec![user("Beta")])).unwrap();
    s.storage_mut()
        .entries
        .insert(conversation_key("b"), "{\"id\":\"b\",\"title\":7}".into());
    let error = s.load("b").unwrap_err();
    assert_eq!(
        error.to_string(),
        "the saved conversation \"Beta\" (b) cannot be read (invalid type: integer `7`, expected a string at line 1 column 19); it was left in storage as it is, and can be deleted"
    );
    assert!(matches!(error, HistoryError::CorruptConversation { ref id, .. } if id == "b"));
    assert_eq!(
        s.storage().get(&conversation_key("b")).unwrap().as_deref(),
        Some("{\"id\":\"b\",\"title\":7}")
    );
    // Exporting everything gives the readable ones and says which one was left out.
    let (all, errors) = s.load_all();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].id, "a");
    assert_eq!(errors, vec![error]);
    // It can be deleted.
    s.delete("b").unwrap();
    assert!(s.load_all().1.is_empty());
}

#[test]
fn merge_import_saves_with_one_index_write() {
    let mut s = store();
    let a = conv("a", 1.0, vec![user("A")]);
    s.save(&a).unwrap();
    let file = export(
        &[
            a.clone(),
            conv("a", 2.0, vec![user("A"), assistant("changed")]),
            conv("n", 3.0, vec![user("New")]),
        ],
        0.0,
    );
    let report = s.merge_import(import(&file).unwrap()).unwrap();
    assert_eq!(
        report,
        MergeReport {
            added: 1,
            skipped: 1,
            renamed: 1,
            new_ids: vec!["a-2".into(), "n".into()],
        }
    );
    let ids: Vec<String> = s.load_index().unwrap().into_iter().map(|x| x.id).collect();
    assert_eq!(ids, ["n", "a-2", "a"]);
    assert_eq!(s.load("a").unwrap(), a);
    // Importing the same file again adds nothing: the changed "a" is already there as "a-2".
    let before = entries(&s);
    let again = s.merge_import(import(&file).unwrap()).unwrap();
    assert_eq!(
        again,
        MergeReport {
            skipped: 3,
            ..MergeReport::default()
        }
    );
    assert_eq!(entries(&s), before);
}

#[test]
fn merge_import_that_fills_storage_keeps_the_ones_saved() {
    let mut imported: Vec<Conversation> = (0..5)
        .map(|i| conv(&format!("i{i}"), 10.0 + i as f64, vec![user("x")]))
        .collect();
    imported[2].messages.push(assistant(&"z".repeat(5_000)));

    // Room for two small conversations and the index, not for the big third one.
    let mut s = store();
    s.save(&conv("a", 1.0, vec![user("A")])).unwrap();
    let used = s.storage().used_bytes();
    s.storage_mut().quota = Some(used + 1_500);
    let error = s.merge_import(imported.clone()).unwrap_err();
    let HistoryError::PartialImport { saved, total, .. } = &error else {
        panic!("{error:?}")
    };
    assert_eq!((*saved, *total), (2, 5));
    assert!(
        error.to_string().starts_with(
            "only 2 of 5 imported conversations were saved: browser storage is full: 5.2 KB could not be saved."
        ),
        "{error}"
    );
    let ids: Vec<String> = s.load_index().unwrap().into_iter().map(|x| x.id).collect();
    assert_eq!(ids, ["i1", "i0", "a"]);

    // When the index cannot be written, nothing is added.
    let mut s = store();
    s.save(&conv("a", 1.0, vec![user("A")])).unwrap();
    let before = entries(&s);
    s.storage_mut().writes_left = Some(5); // every conversation, not the index
    assert!(matches!(
        s.merge_import(imported.clone()),
        Err(HistoryError::StorageFull { .. })
    ));
    assert_eq!(entries(&s), before);

    // When not even the first conversation fits, that is the error.
    s.storage_mut().writes_left = Some(0);
    assert!(matches!(
        s.merge_import(imported),
        Err(HistoryError::StorageFull { .. })
    ));
    assert_eq!(entries(&s), before);
}

#[test]
fn memory_store_quota_counts_keys_and_values() {
    let mut m = MemoryStore::with_quota(10);
    m.set("ab", "cdef").unwrap();
    assert_eq!(m.used_bytes(), 6);
    m.set("ab", "cdefghij").unwrap(); // replaces: 10 bytes
    assert_eq!(
        m.set("x", "y").unwrap_err(),
        StoreError::QuotaExceeded { needed_bytes: 2 }
    );
    assert_eq!(
        StoreError::QuotaExceeded { needed_bytes: 2 }.to_string(),
        "browser storage is full (2 bytes could not be written)"
    );
    m.remove("ab").unwrap();
    m.set("x", "y").unwrap();
    assert_eq!(m.keys().unwrap(), Some(vec!["x".to_owned()]));
    m.enumerable = false;
    assert_eq!(m.keys().unwrap(), None);
}

/// Saved data from earlier builds is read under these exact names: they must never change.
#[test]
fn storage_key_names_are_unchanged() {
    let keys = [
        (storage::KEY_PREFIX, "chat-stream.v1."),
        (storage::INDEX_KEY, "chat-stream.v1.index"),
        (storage::CURRENT_KEY, "chat-stream.v1.current"),
        (storage::CONVERSATION_KEY_PREFIX, "chat-stream.v1.conv."),
        (storage::CORRUPT_KEY_PREFIX, "chat-stream.v1.corrupt."),
        (storage::CORRUPT_INDEX_KEY, "chat-stream.v1.corrupt.index"),
        (storage::SETTINGS_KEY, "chat-stream.v1.settings"),
        (storage::API_KEY_KEY, "chat-stream.v1.api_key"),
        (storage::REMEMBER_KEY_KEY, "chat-stream.v1.api_key.remember"),
        (storage::THEME_KEY, "chat-stream.v1.theme"),
    ];
    for (key, expected) in keys {
        assert_eq!(key, expected);
    }
    assert_eq!(
        storage::conversation_key("c1764000000000-1"),
        "chat-stream.v1.conv.c1764000000000-1"
    );
    assert_eq!(
        storage::backup_key(storage::INDEX_KEY),
        storage::CORRUPT_INDEX_KEY
    );
    assert_eq!(
        storage::backup_key("elsewhere"),
        "chat-stream.v1.corrupt.elsewhere"
    );
}
