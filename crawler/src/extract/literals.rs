//! Multi-literal search for the extractors' fingerprint tables and gates.
//!
//! Every pattern of a set has to be found, including one that starts inside
//! another, which takes an overlapping Aho-Corasick search. That search
//! cannot use a SIMD prefilter and steps the automaton over every byte of a
//! page. `LiteralSet` finds the same (pattern, start) pairs far faster: a
//! prefiltered leftmost search jumps to the next position where some pattern
//! starts, and there every pattern with that first byte is compared in place.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, Input, MatchKind};

pub struct LiteralSet {
    /// Unanchored, leftmost-first: the kind that gets a packed (Teddy)
    /// prefilter.
    next: Option<AhoCorasick>,
    patterns: Vec<String>,
    /// Pattern indices by first byte.
    by_first: Vec<Vec<usize>>,
}

impl LiteralSet {
    /// A set over `patterns`; `lower` ASCII-lowercases them, for haystacks
    /// lowercased the same way (ASCII case-insensitive matching).
    pub fn new<P: AsRef<str>>(patterns: &[P], lower: bool) -> Self {
        let patterns: Vec<String> = patterns
            .iter()
            .map(|p| {
                if lower {
                    p.as_ref().to_ascii_lowercase()
                } else {
                    p.as_ref().to_string()
                }
            })
            .collect();
        let next = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostFirst)
            .build(&patterns)
            // Only fails on limits the static tables are far from; an empty
            // set then keeps extraction going.
            .ok();
        let mut by_first = vec![Vec::new(); 256];
        for (i, p) in patterns.iter().enumerate() {
            if let Some(list) = p
                .bytes()
                .next()
                .and_then(|b| by_first.get_mut(usize::from(b)))
            {
                list.push(i);
            }
        }
        Self {
            next,
            patterns,
            by_first,
        }
    }

    /// Calls `f` with the index of each pattern occurring in `haystack`,
    /// once per occurrence: the result of an overlapping search.
    pub fn for_each(&self, haystack: &[u8], mut f: impl FnMut(usize)) {
        self.for_each_at(haystack, |i, _| f(i));
    }

    /// [`LiteralSet::for_each`] with where each occurrence starts.
    pub fn for_each_at(&self, haystack: &[u8], mut f: impl FnMut(usize, usize)) {
        let Some(next) = &self.next else {
            return;
        };
        let mut from = 0;
        while from < haystack.len() {
            // The leftmost match starts at the first position where any
            // pattern starts.
            let Ok(Some(m)) = next.try_find(Input::new(haystack).range(from..)) else {
                return;
            };
            let rest = haystack.get(m.start()..).unwrap_or_default();
            let candidates = rest
                .first()
                .and_then(|b| self.by_first.get(usize::from(*b)))
                .map_or(&[][..], Vec::as_slice);
            for &i in candidates {
                if self
                    .patterns
                    .get(i)
                    .is_some_and(|p| rest.starts_with(p.as_bytes()))
                {
                    f(i, m.start());
                }
            }
            from = m.start() + 1;
        }
    }

    /// True if any pattern occurs in `haystack`.
    pub fn is_match(&self, haystack: &[u8]) -> bool {
        self.next
            .as_ref()
            .is_some_and(|next| matches!(next.try_find(haystack), Ok(Some(_))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every (pattern, start) pair, as an unanchored overlapping search
    /// gives them.
    fn reference(patterns: &[&str], haystack: &str) -> Vec<(usize, usize)> {
        let ac = AhoCorasickBuilder::new()
            .match_kind(MatchKind::Standard)
            .build(patterns)
            .expect("automaton");
        let mut out: Vec<(usize, usize)> = ac
            .find_overlapping_iter(haystack)
            .map(|m| (m.pattern().as_usize(), m.start()))
            .collect();
        out.sort_unstable();
        out
    }

    fn found(patterns: &[&str], haystack: &str) -> Vec<usize> {
        let mut out = Vec::new();
        LiteralSet::new(patterns, false).for_each(haystack.as_bytes(), |p| out.push(p));
        out.sort_unstable();
        out
    }

    #[test]
    fn same_patterns_as_an_overlapping_search() {
        let patterns = [
            "data-v-",
            " data-v-app",
            "/_next/static/",
            "id=\"__NEXT_DATA__\"",
            "abc",
            "abcdef",
            "bcd",
            "c",
            "--tw-",
        ];
        for haystack in [
            "",
            "c",
            "<div data-v-app data-v-123>abcdef</div>",
            "abcabcdef --tw-x /_next/static/x.js id=\"__NEXT_DATA__\"",
            "nothing here at all",
            "aabcdeff bcd ccc",
        ] {
            let want: Vec<usize> = reference(&patterns, haystack)
                .into_iter()
                .map(|(p, _)| p)
                .collect();
            let mut want = want;
            want.sort_unstable();
            assert_eq!(found(&patterns, haystack), want, "{haystack}");
            assert_eq!(
                LiteralSet::new(&patterns, false).is_match(haystack.as_bytes()),
                !want.is_empty()
            );
        }
    }

    #[test]
    fn lowercased_patterns_for_lowercased_text() {
        let set = LiteralSet::new(&["Company No", "KvK"], true);
        let mut hits = Vec::new();
        set.for_each(
            "COMPANY NO 123, kvk 456".to_ascii_lowercase().as_bytes(),
            |p| hits.push(p),
        );
        assert_eq!(hits, vec![0, 1]);
    }
}
