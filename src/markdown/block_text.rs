//! [`BlockText`], plain text (reasoning, answers shown without markdown) kept in blocks of about a
//! kilobyte so a view renders finished blocks once and re-renders only the last one.

use super::text::suffix_of;

/// Text that grows at the end, kept as a list of blocks so a view can render finished blocks once
/// and re-render only the last one. Appending is amortised O(delta); no block exceeds
/// about [`BlockText::TARGET`] bytes unless the text has no white space to split at.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BlockText {
    blocks: Vec<String>,
    len: usize,
}

impl BlockText {
    /// A block is closed at the last line break (else space) once it reaches this many bytes.
    pub const TARGET: usize = 1024;
    /// A block with no white space is cut at a character boundary beyond this many bytes.
    pub const HARD_MAX: usize = 4 * Self::TARGET;

    /// Appends text at the end.
    pub fn push_str(&mut self, s: &str) {
        if s.is_empty() {
            return;
        }
        self.len += s.len();
        let mut tail = self.blocks.pop().unwrap_or_default();
        tail.push_str(s);
        // Close blocks from the front of the tail. Breaks are looked for only near the front,
        // so one huge delta still becomes blocks of about TARGET bytes (a giant text node lays
        // out very slowly), in one pass.
        let mut start = 0;
        while tail.len() - start >= Self::TARGET {
            let rest = &tail[start..];
            let mut end = rest.len().min(2 * Self::TARGET);
            while !rest.is_char_boundary(end) {
                end -= 1;
            }
            let window = &rest[..end];
            let cut = window
                .rfind('\n')
                .or_else(|| window.rfind(' '))
                .map(|i| i + 1)
                .filter(|&i| i < rest.len())
                .or_else(|| {
                    (rest.len() > Self::HARD_MAX).then(|| {
                        let mut i = Self::TARGET;
                        while !rest.is_char_boundary(i) {
                            i += 1;
                        }
                        i
                    })
                });
            match cut {
                Some(i) if i > 0 => {
                    self.blocks.push(rest[..i].to_owned());
                    start += i;
                }
                _ => break,
            }
        }
        if start > 0 {
            tail.drain(..start);
        }
        self.blocks.push(tail);
    }

    /// Finished blocks followed by the live tail (the last element).
    pub fn blocks(&self) -> &[String] {
        &self.blocks
    }

    /// Total length in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// No text yet.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The whole text as one string.
    pub fn text(&self) -> String {
        self.blocks.concat()
    }

    /// The text from byte `offset` to the end (empty past the end); cost proportional to the
    /// result, not to the whole text.
    pub fn text_from(&self, offset: usize) -> String {
        suffix_of(self.blocks.iter().map(String::as_str), self.len, offset)
    }
}
