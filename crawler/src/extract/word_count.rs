//! `split_whitespace().count()` of a page's visible text, eight ASCII
//! bytes at a time: it runs over every byte of every page, and a byte at a
//! time cost about fifteen instructions a byte (185 k a typical 20 KB
//! page, measured in a release build; docs/bench-extraction.md).

use super::digits::{HIGH, count_marked, in_range};

/// The high bit of each whitespace byte of `word` (all ASCII): tab, line
/// feed, vertical tab, form feed, carriage return and space, as
/// `char::is_whitespace` says for ASCII.
fn spaces(word: u64) -> u64 {
    in_range(word, b'\t', b'\r') | in_range(word, b' ', b' ')
}

/// `text.split_whitespace().count()`.
pub(super) fn count_words(text: &str) -> u64 {
    let bytes = text.as_bytes();
    let mut words = 0u64;
    // Whether the last byte read was whitespace (the start counts as such).
    let mut after_space = true;
    let mut i = 0;
    while i < bytes.len() {
        if let Some(chunk) = bytes.get(i..i + 8) {
            let mut raw = [0u8; 8];
            raw.copy_from_slice(chunk);
            let word = u64::from_le_bytes(raw);
            if word & HIGH == 0 {
                let space = spaces(word);
                // A word starts at a byte that is not a space after one
                // that is (bytes in memory order: the lowest byte first).
                let before = (space << 8) | (HIGH & (u64::from(after_space) << 7));
                words += count_marked(!space & before & HIGH);
                after_space = space >> 63 != 0;
                i += 8;
                continue;
            }
        }
        let b = bytes[i];
        let (space, len) = if b < 0x80 {
            ((b == b' ') | (b.wrapping_sub(b'\t') < 5), 1)
        } else {
            match text.get(i..).and_then(|rest| rest.chars().next()) {
                Some(c) => (c.is_whitespace(), c.len_utf8()),
                None => (false, 1),
            }
        };
        words += u64::from(!space & after_space);
        after_space = space;
        i += len;
    }
    words
}

#[cfg(test)]
mod tests {
    use super::count_words;

    #[test]
    fn words_counted_like_split_whitespace() {
        for text in [
            "",
            " ",
            "one",
            "  two  words ",
            "a\nb\tc\r\nd\u{0b}e\u{0c}f",
            "First\u{a0}para\u{2003}wide\u{3000}gap",
            "Zürich · © 2026 — naïve",
            "\u{85}x\u{1680}y\u{2028}z\u{202f}w",
            "eight by eight words in chunks of eight bytes and more",
            "\x1c\x1d\x1e\x1f are not spaces; \x7f neither",
        ] {
            assert_eq!(
                count_words(text),
                text.split_whitespace().count() as u64,
                "{text:?}"
            );
        }
    }

    /// Every ASCII byte, and characters around the chunk boundaries, at
    /// every position of texts up to 19 bytes long, over fillers of
    /// letters, spaces and non-ASCII text.
    #[test]
    fn agrees_with_split_whitespace_everywhere() {
        let fillers = [
            "abcdefghijklmnopqrs",
            "                   ",
            "a b c d e f g h i j",
            "ab  cd\tef\ngh ij kl ",
        ];
        let mut inserts: Vec<String> = (0..=0x7fu8).map(|b| char::from(b).to_string()).collect();
        inserts.extend(
            ["\u{a0}", "\u{85}", "\u{2003}", "\u{3000}", "ü", "€", "😀"]
                .iter()
                .map(|s| s.to_string()),
        );
        for filler in fillers {
            for len in 0..=filler.len() {
                for at in 0..=len {
                    for ins in &inserts {
                        let text = format!("{}{ins}{}", &filler[..at], &filler[at..len]);
                        assert_eq!(
                            count_words(&text),
                            text.split_whitespace().count() as u64,
                            "{text:?}"
                        );
                    }
                }
            }
        }
    }
}
