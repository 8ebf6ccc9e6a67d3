//! Small text helpers shared by the block parser, the inline parser, the segmenter and
//! [`BlockText`](super::BlockText): blank lines, byte runs, and the suffix of a text kept in
//! parts.

/// Only spaces, tabs and carriage returns.
pub(super) fn is_blank(s: &str) -> bool {
    s.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\r'))
}

/// Length of the run of `ch` at the start of `b`.
pub(super) fn run_len(b: &[u8], ch: u8) -> usize {
    b.iter().take_while(|&&x| x == ch).count()
}

/// The text of `parts` (which add up to `len` bytes) from byte `offset` on, found from the end.
pub(super) fn suffix_of<'a>(
    parts: impl DoubleEndedIterator<Item = &'a str>,
    len: usize,
    offset: usize,
) -> String {
    let mut wanted = len.saturating_sub(offset);
    let mut tail = Vec::new();
    for part in parts.rev() {
        if wanted == 0 {
            break;
        }
        let take = wanted.min(part.len());
        tail.push(&part[part.len() - take..]);
        wanted -= take;
    }
    tail.iter().rev().copied().collect()
}
