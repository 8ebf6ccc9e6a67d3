//! Merging imported conversations with the saved ones: identical conversations are skipped, an
//! id that is taken by a different conversation gets a new one ([`merge`], [`MergeReport`]).

use std::{collections::HashMap, fmt};

use super::Conversation;

/// What [`merge`] and [`HistoryStore::merge_import`](super::HistoryStore::merge_import) did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MergeReport {
    /// Added under their own id.
    pub added: usize,
    /// Already there (same id, same messages): not added again.
    pub skipped: usize,
    /// Same id as a different conversation: added under a new id.
    pub renamed: usize,
    /// The ids of every conversation added (`added + renamed` of them), in import order.
    pub new_ids: Vec<String>,
}

impl MergeReport {
    /// Counts one imported conversation, added under `id` (`renamed`: a new id).
    pub(super) fn record(&mut self, id: &str, renamed: bool) {
        if renamed {
            self.renamed += 1;
        } else {
            self.added += 1;
        }
        self.new_ids.push(id.to_owned());
    }
}

impl fmt::Display for MergeReport {
    /// `Imported 3 conversations (1 under a new id, because its id was taken); 2 were already
    /// there.`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plural = |n: usize| if n == 1 { "" } else { "s" };
        let imported = self.added + self.renamed;
        write!(f, "Imported {imported} conversation{}", plural(imported))?;
        if self.renamed > 0 {
            write!(
                f,
                " ({} under a new id, because {} taken)",
                self.renamed,
                if self.renamed == 1 {
                    "its id was"
                } else {
                    "their ids were"
                }
            )?;
        }
        if self.skipped > 0 {
            write!(
                f,
                "; {} {} already there",
                self.skipped,
                if self.skipped == 1 { "was" } else { "were" }
            )?;
        }
        f.write_str(".")
    }
}

/// Adds imported conversations to `existing`. A conversation whose id is already there is
/// skipped when its messages are the same (the title and times do not count), and otherwise
/// added under a new id: the first free of `<id>-2`, `<id>-3`, ..., unless one of those already
/// holds the same messages (then it is skipped: importing a file twice adds nothing the second
/// time). The same applies between conversations of the import itself.
pub fn merge(existing: &mut Vec<Conversation>, imported: Vec<Conversation>) -> MergeReport {
    let mut by_id: HashMap<String, usize> = existing
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.clone(), i))
        .collect();
    let mut report = MergeReport::default();
    for mut conversation in imported {
        let placed = place(&conversation, |id| {
            by_id
                .get(id)
                .map(|&i| existing[i].messages == conversation.messages)
        });
        let Some((id, renamed)) = placed else {
            report.skipped += 1;
            continue;
        };
        report.record(&id, renamed);
        conversation.id = id;
        by_id.insert(conversation.id.clone(), existing.len());
        existing.push(conversation);
    }
    report
}

/// Where an imported conversation goes: `None` to skip it (a conversation with the same messages
/// is there under its id or one of its renamed ids), else the id to use and whether it is a new
/// one. `same(id)` is `None` when `id` is free, else whether that conversation has the same
/// messages.
pub(super) fn place(
    conversation: &Conversation,
    mut same: impl FnMut(&str) -> Option<bool>,
) -> Option<(String, bool)> {
    match same(&conversation.id) {
        None => return Some((conversation.id.clone(), false)),
        Some(true) => return None,
        Some(false) => {}
    }
    for n in 2u64.. {
        let candidate = format!("{}-{n}", conversation.id);
        match same(&candidate) {
            None => return Some((candidate, true)),
            Some(true) => return None,
            Some(false) => {}
        }
    }
    unreachable!("u64 ids do not run out")
}
