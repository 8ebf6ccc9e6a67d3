//! Merging an import with what is there: added, skipped, renamed, and the report's text.

use crate::{assistant, conv, user};
use chat_stream::history::{merge, MergeReport};

#[test]
fn merge_adds_skips_and_renames() {
    let a = conv("a", 1.0, vec![user("A")]);
    let b = conv("b", 2.0, vec![user("B")]);
    let mut existing = vec![a.clone(), b.clone()];

    // Same id, same messages (title and times differ): skipped.
    let mut a_again = a.clone();
    a_again.title = "renamed elsewhere".into();
    a_again.updated_at = 99.0;
    // Same id, other messages: added as b-2.
    let b_other = conv("b", 3.0, vec![user("B"), assistant("more")]);
    // New id: added as it is.
    let c = conv("c", 4.0, vec![user("C")]);
    // The same new one twice in the import: the second is skipped.
    let report = merge(
        &mut existing,
        vec![a_again, b_other.clone(), c.clone(), c.clone()],
    );
    assert_eq!(
        report,
        MergeReport {
            added: 1,
            skipped: 2,
            renamed: 1,
            new_ids: vec!["b-2".into(), "c".into()],
        }
    );
    assert_eq!(existing.len(), 4);
    assert_eq!(existing[0], a, "the existing copy is kept");
    assert_eq!(existing[2].id, "b-2");
    assert_eq!(existing[2].messages, b_other.messages);
    assert_eq!(existing[3], c);

    // Another different "b" gets b-3; a different "c" within one import gets c-2.
    let report = merge(
        &mut existing,
        vec![
            conv("b", 5.0, vec![user("yet another")]),
            conv("c", 6.0, vec![user("C1")]),
            conv("c", 6.0, vec![user("C2")]),
        ],
    );
    assert_eq!(report.new_ids, vec!["b-3", "c-2", "c-3"]);
    assert_eq!((report.added, report.skipped, report.renamed), (0, 0, 3));

    // Merging the same conversations again adds nothing: each is found under its new id.
    let again = merge(
        &mut existing,
        vec![
            conv("b", 5.0, vec![user("yet another")]),
            conv("c", 6.0, vec![user("C2")]),
            b_other,
        ],
    );
    assert_eq!((again.added, again.skipped, again.renamed), (0, 3, 0));
    assert_eq!(existing.len(), 7);
    assert_eq!(
        again.to_string(),
        "Imported 0 conversations; 3 were already there."
    );
}

#[test]
fn merge_reports_read_well() {
    let report = |added, skipped, renamed| {
        MergeReport {
            added,
            skipped,
            renamed,
            new_ids: vec![],
        }
        .to_string()
    };
    assert_eq!(report(1, 0, 0), "Imported 1 conversation.");
    assert_eq!(
        report(3, 1, 0),
        "Imported 3 conversations; 1 was already there."
    );
    assert_eq!(
        report(2, 2, 1),
        "Imported 3 conversations (1 under a new id, because its id was taken); 2 were already there."
    );
    assert_eq!(
        report(0, 0, 2),
        "Imported 2 conversations (2 under a new id, because their ids were taken)."
    );
}

#[test]
fn merge_into_nothing_adds_everything() {
    let mut existing = Vec::new();
    let imported = vec![conv("x", 1.0, vec![]), conv("y", 2.0, vec![user("y")])];
    let report = merge(&mut existing, imported.clone());
    assert_eq!(report.added, 2);
    assert_eq!(existing, imported);
}
