//! Fixed word lists looked up ignoring ASCII case, for checks that run on
//! every link of every page (ranking, traps, file extensions) and every
//! word of people pages (names, titles).

use std::collections::HashSet;

/// Longest name a lookup lower-cases on the stack.
const MAX_NAME: usize = 64;

/// A set of lower-case words built once from a constant list.
///
/// Hashed with Fx, not SipHash (about a third of a lookup's cost): the words
/// are fixed lists built at start, and page input only queries them, so no
/// crawled URL can choose colliding keys that are ever inserted. Sets that
/// hold crawled URLs keep the keyed SipHash.
#[derive(Debug)]
pub(crate) struct WordSet {
    set: HashSet<&'static str, rustc_hash::FxBuildHasher>,
    max_len: usize,
}

impl WordSet {
    /// The set of `words`; for the case-insensitive lookups each must be
    /// lower-case and at most 64 bytes (the tests of each list check that).
    pub(crate) fn new(words: &[&'static str]) -> Self {
        Self {
            set: words.iter().copied().collect(),
            max_len: words.iter().map(|w| w.len()).max().unwrap_or(0),
        }
    }

    /// Whether `name` is in the set ignoring ASCII case, as
    /// `eq_ignore_ascii_case` with each entry would say, without allocating.
    pub(crate) fn contains_ignore_ascii_case(&self, name: &str) -> bool {
        if name.len() > self.max_len {
            return false;
        }
        if !name.bytes().any(|b| b.is_ascii_uppercase()) {
            return self.set.contains(name);
        }
        let mut buf = [0u8; MAX_NAME];
        let Some(lower) = buf.get_mut(..name.len()) else {
            return false;
        };
        lower.copy_from_slice(name.as_bytes());
        lower.make_ascii_lowercase();
        // ASCII lower-casing keeps UTF-8 valid.
        std::str::from_utf8(lower).is_ok_and(|l| self.set.contains(l))
    }

    /// Whether `name` is in the set as written.
    pub(crate) fn contains(&self, name: &str) -> bool {
        self.set.contains(name)
    }

    /// `words.contains(&name.to_lowercase().as_str())`: a non-ASCII name is
    /// lower-cased by Unicode's rules, an ASCII one on the stack.
    pub(crate) fn contains_lowercased(&self, name: &str) -> bool {
        if name.is_ascii() {
            self.contains_ignore_ascii_case(name)
        } else {
            self.set.contains(name.to_lowercase().as_str())
        }
    }

    /// The entry `name` matches ignoring ASCII case.
    pub(crate) fn get_ignore_ascii_case(&self, name: &str) -> Option<&'static str> {
        if name.len() > self.max_len {
            return None;
        }
        let mut buf = [0u8; MAX_NAME];
        let lower = buf.get_mut(..name.len())?;
        lower.copy_from_slice(name.as_bytes());
        lower.make_ascii_lowercase();
        let lower = std::str::from_utf8(lower).ok()?;
        self.set.get(lower).copied()
    }

    /// Whether every word of `words` can be looked up: lower-case, and short
    /// enough for the stack copy.
    #[cfg(test)]
    pub(crate) fn fits(words: &[&str]) -> bool {
        words
            .iter()
            .all(|w| w.len() <= MAX_NAME && *w == w.to_ascii_lowercase())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups_ignore_ascii_case_only() {
        let set = WordSet::new(&["team", "équipe", "wp-login.php"]);
        assert!(set.contains_ignore_ascii_case("team"));
        assert!(set.contains_ignore_ascii_case("TeAm"));
        assert!(set.contains_ignore_ascii_case("WP-Login.PHP"));
        assert!(set.contains_ignore_ascii_case("équipe"));
        // Only ASCII is folded, as eq_ignore_ascii_case does.
        assert!(!set.contains_ignore_ascii_case("ÉQUIPE"));
        assert!(!set.contains_ignore_ascii_case("teams"));
        assert!(!set.contains_ignore_ascii_case(&"a".repeat(200)));
        assert_eq!(set.get_ignore_ascii_case("TEAM"), Some("team"));
        assert!(set.contains("team") && !set.contains("Team"));
        // Unicode lower-casing for a non-ASCII name, as `to_lowercase` does.
        assert!(set.contains_lowercased("ÉQUIPE") && set.contains_lowercased("TEAM"));
        assert!(!set.contains_lowercased("teams"));
        assert_eq!(set.get_ignore_ascii_case("tea"), None);
        assert!(WordSet::fits(&["team", "équipe"]));
        assert!(!WordSet::fits(&["Team"]));
    }
}
