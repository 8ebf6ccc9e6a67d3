//! Property tests: round trips, tidy titles, no panic on junk, unique ids after a merge, and a
//! failed save changes nothing.

use crate::file_with;
use chat_stream::{
    history::{
        self, derive_title, export, import, merge, Conversation, HistoryError, HistoryStore,
        SavedMessage, SavedStatus,
    },
    openai::Role,
    storage::MemoryStore,
};
use proptest::prelude::*;

fn role() -> impl Strategy<Value = Role> {
    prop_oneof![Just(Role::User), Just(Role::Assistant), Just(Role::System)]
}

fn status() -> impl Strategy<Value = SavedStatus> {
    prop_oneof![
        Just(SavedStatus::Complete),
        Just(SavedStatus::Stopped),
        Just(SavedStatus::Failed)
    ]
}

/// Any text: empty, unicode, control characters, quotes and backslashes.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        any::<String>(),
        "[\"\\\\\n\r\t\u{0}\u{1f}é✓🦀 a-z]{0,40}",
    ]
}

fn message() -> impl Strategy<Value = SavedMessage> {
    (
        role(),
        text(),
        text(),
        text(),
        status(),
        proptest::option::of(text()),
    )
        .prop_map(
            |(role, content, reasoning, refusal, status, error)| SavedMessage {
                role,
                content,
                reasoning,
                refusal,
                status,
                error,
                tool_calls: Vec::new(),
                finish_reason: None,
                stats: None,
            },
        )
}

/// Times as `Date.now()` gives them: whole milliseconds.
fn ms() -> impl Strategy<Value = f64> {
    (0u64..(1 << 53)).prop_map(|n| n as f64)
}

fn conversation() -> impl Strategy<Value = Conversation> {
    (
        "[a-zA-Z0-9._~-]{1,24}|[^\\p{Cc}]{1,12}",
        text(),
        any::<bool>(),
        ms(),
        ms(),
        proptest::collection::vec(message(), 0..6),
    )
        .prop_filter("ids are not blank", |(id, ..)| !id.trim().is_empty())
        .prop_map(
            |(id, title, title_set_by_user, created_at, updated_at, messages)| Conversation {
                id,
                title,
                title_set_by_user,
                created_at,
                updated_at,
                messages,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Export then import gives back exactly the conversations.
    #[test]
    fn export_import_round_trip(conversations in proptest::collection::vec(conversation(), 0..5), now in ms()) {
        let file = export(&conversations, now);
        prop_assert_eq!(import(&file).unwrap(), conversations);
    }

    /// A transcript restored from a conversation saves back to the same conversation.
    #[test]
    fn transcript_round_trip(c in conversation()) {
        let again = Conversation::from_transcript(&c.id, &c.to_transcript(), c.updated_at, c.created_at);
        prop_assert_eq!(&again.messages, &c.messages);
        prop_assert_eq!(again.title, derive_title(&c.messages));
    }

    /// Titles are short, one line, trimmed, with single spaces.
    #[test]
    fn titles_are_tidy(messages in proptest::collection::vec(message(), 0..4)) {
        let title = derive_title(&messages);
        prop_assert!(!title.is_empty());
        prop_assert!(title.chars().count() <= history::TITLE_MAX_CHARS);
        prop_assert!(!title.contains(['\n', '\r', '\t']));
        prop_assert!(!title.contains("  "));
        prop_assert_eq!(title.trim(), title.as_str());
    }

    /// Import never panics, whatever the bytes.
    #[test]
    fn import_never_panics(junk in any::<String>(), wrap in any::<bool>()) {
        let json = if wrap { file_with(&junk) } else { junk };
        let _ = import(&json);
    }

    /// Merge: every imported conversation is either skipped (an equal one is there) or added
    /// under an id that is unique, and the counts add up.
    #[test]
    fn merge_keeps_ids_unique(
        existing in proptest::collection::vec(conversation(), 0..4),
        imported in proptest::collection::vec(conversation(), 0..6),
    ) {
        let mut existing = existing;
        existing.sort_by(|a, b| a.id.cmp(&b.id));
        existing.dedup_by(|a, b| a.id == b.id);
        let before = existing.clone();
        let report = merge(&mut existing, imported.clone());
        prop_assert_eq!(report.added + report.skipped + report.renamed, imported.len());
        prop_assert_eq!(existing.len(), before.len() + report.new_ids.len());
        prop_assert_eq!(&existing[..before.len()], &before[..]);
        let mut ids: Vec<&str> = existing.iter().map(|c| c.id.as_str()).collect();
        ids.sort_unstable();
        let unique = ids.len();
        ids.dedup();
        prop_assert_eq!(ids.len(), unique);
        for c in &imported {
            prop_assert!(existing.iter().any(|e| e.messages == c.messages));
        }
    }

    /// Under any quota, a save either succeeds or changes nothing that was stored.
    #[test]
    fn a_failed_save_changes_nothing(
        conversations in proptest::collection::vec(conversation(), 1..6),
        quota in 0usize..6_000,
    ) {
        let mut s = HistoryStore::new(MemoryStore::with_quota(quota));
        for c in &conversations {
            let before = s.storage().entries.clone();
            match s.save(c) {
                Ok(()) => prop_assert_eq!(s.load(&c.id).unwrap().messages, c.messages.clone()),
                Err(e) => {
                    prop_assert!(matches!(e, HistoryError::StorageFull { .. }), "{:?}", e);
                    prop_assert_eq!(&s.storage().entries, &before);
                }
            }
        }
        // The index lists exactly the stored conversations, newest first.
        let index = s.load_index().unwrap();
        for pair in index.windows(2) {
            prop_assert!(pair[0].updated_at >= pair[1].updated_at);
        }
        for summary in &index {
            prop_assert!(s.load(&summary.id).is_ok());
        }
    }
}
