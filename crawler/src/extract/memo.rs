//! Per-thread memo of results for text that repeats across a site's pages
//! (extraction lines; link URLs, in `engine::worker`).
//!
//! Headers, navigation and footers (address, phone, legal lines) come back
//! on every page of a site, so each worker thread keeps what a line yielded
//! and a repeat costs a hash and a compare instead of regex scans. The key
//! is the exact text the result depends on (the line plus whatever context
//! the caller folds in), compared in full on a hit, so a cached result is
//! always the one computing it would give. Findings are stored without the
//! page URL, which callers add themselves.
//!
//! A line enters the memo only the second time it is seen: most lines of a
//! page are unique to it and would only churn the memo. Results live in two
//! generations: when the young one is full it becomes the old one (the
//! previous old one is dropped), and a hit in the old one moves the entry
//! back to the young one. A footer line, hit on every page, so stays put
//! while lines seen on a few pages (link texts, numbered items) come and
//! go; clearing everything when full dropped the footer along with them.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// Results kept per generation (so at most twice this per memo) by the
/// memos of text: the navigation, footer and card lines of a page that
/// reach one extractor are a few dozen. On the realistic bench site, 64
/// instead of 256 cost the extractors no instructions
/// (docs/bench-crawler.md, session 15).
pub const LINES: usize = 64;
/// Results kept per generation by the memos of links: a site's menus and
/// footers repeat a hundred links on every page. On the bench site 128
/// instead of 256 cost the worker under 1 % more instructions, 64 about 8 %.
pub const LINKS: usize = 128;
/// Results kept per generation by the memo of a page's raw lines (the
/// technology filter's): a site's head, menu and footer come back as
/// dozens to a few hundred lines on every page.
pub const PAGE_LINES: usize = 256;
/// The longest raw line that memo keeps: a mega-menu's column or a
/// JSON-LD block is often a line of one to a few KB.
pub const PAGE_LINE_BYTES: usize = 4096;
/// Hashes of keys seen once, waiting for a second sighting, per entry: a
/// key that comes back on every page is seen again long before the set is
/// full and cleared. Together with the sizes above, these memos' share of
/// a 20k crawl's peak fell by about 2 MiB.
const SEEN_PER_ENTRY: usize = 4;
/// Longer keys are computed every time: a site repeating large blocks on
/// every page must not make each memo hold hundreds of them per thread.
const MAX_KEY_BYTES: usize = 2048;

/// Keys are already hashes: pass them through.
#[derive(Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u64` is used; fold anything else in to stay correct.
        self.0 = hash(bytes) ^ self.0.rotate_left(5);
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

type IdBuild = BuildHasherDefault<IdHasher>;

/// A fast non-cryptographic hash (Fx-style, 8 bytes at a time). Collisions
/// only cost a miss: hits compare the whole key.
fn hash(bytes: &[u8]) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mut h = bytes.len() as u64;
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(K);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut w = [0u8; 8];
        if let Some(dst) = w.get_mut(..rest.len()) {
            dst.copy_from_slice(rest);
        }
        h = (h.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(K);
    }
    // Spread the high bits down: the table indexes by the low ones.
    h ^ (h >> 29)
}

type Table<V> = HashMap<u64, (Box<str>, V), IdBuild>;

pub struct Memo<V> {
    young: Table<V>,
    old: Table<V>,
    seen: HashSet<u64, IdBuild>,
    /// Results kept per generation.
    entries: usize,
    /// Longer keys are computed every time.
    max_key: usize,
}

impl<V> Memo<V> {
    /// A memo keeping `entries` results per generation ([`LINES`] or
    /// [`LINKS`]).
    pub fn new(entries: usize) -> Self {
        Self {
            young: HashMap::default(),
            old: HashMap::default(),
            seen: HashSet::default(),
            entries: entries.max(1),
            max_key: MAX_KEY_BYTES,
        }
    }

    /// A memo of keys up to `max_key` bytes long instead of
    /// [`MAX_KEY_BYTES`].
    pub fn with_max_key(entries: usize, max_key: usize) -> Self {
        Self {
            max_key,
            ..Self::new(entries)
        }
    }
}

impl<V: Clone> Memo<V> {
    /// The result for `key`: from the memo when this exact key was stored,
    /// else `compute()` (stored if the key was seen before).
    pub fn get_or(&mut self, key: &str, compute: impl FnOnce() -> V) -> V {
        if key.len() > self.max_key {
            return compute();
        }
        let h = hash(key.as_bytes());
        if let Some((k, v)) = self.young.get(&h)
            && **k == *key
        {
            return v.clone();
        }
        if let Some((k, v)) = self.old.remove(&h) {
            if *k == *key {
                let out = v.clone();
                self.store(h, (k, v));
                return out;
            }
            // Another key with the same hash: put it back untouched.
            self.old.insert(h, (k, v));
        }
        let v = compute();
        if self.seen.insert(h) {
            if self.seen.len() > self.entries * SEEN_PER_ENTRY {
                self.seen.clear();
            }
        } else {
            self.store(h, (key.into(), v.clone()));
        }
        v
    }

    fn store(&mut self, h: u64, entry: (Box<str>, V)) {
        if self.young.len() >= self.entries {
            self.old = std::mem::take(&mut self.young);
        }
        self.young.insert(h, entry);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_on_second_sighting_and_compares_keys() {
        let mut m: Memo<u32> = Memo::new(LINES);
        let mut calls = 0;
        for _ in 0..3 {
            let v = m.get_or("Tel. 030 1234567", || {
                calls += 1;
                7
            });
            assert_eq!(v, 7);
        }
        // Computed on the first two sightings, served from the memo after.
        assert_eq!(calls, 2);
        assert_eq!(m.get_or("other", || 9), 9);
    }

    #[test]
    fn a_line_hit_on_every_page_survives_churn() {
        let mut m: Memo<usize> = Memo::new(LINES);
        let mut footer_computed = 0;
        for page in 0..10 * LINES {
            m.get_or("footer", || {
                footer_computed += 1;
                0
            });
            // Two link texts per page, each seen on a few pages.
            for k in 0..2 {
                let text = format!("Article {}", (page * 2 + k) / 3);
                assert_eq!(m.get_or(&text, || 1), 1);
            }
        }
        assert_eq!(footer_computed, 2);
    }

    #[test]
    fn bounded() {
        let mut m: Memo<usize> = Memo::new(LINES);
        for round in 0..2 {
            for i in 0..3 * LINES {
                assert_eq!(m.get_or(&format!("line {i}"), || i), i, "round {round}");
            }
        }
        assert!(m.young.len() <= LINES && m.old.len() <= LINES);
        assert!(m.seen.len() <= LINES * SEEN_PER_ENTRY);
        // A long block is computed every time and never held.
        let long = "x".repeat(MAX_KEY_BYTES + 1);
        let mut calls = 0;
        for _ in 0..3 {
            m.get_or(&long, || {
                calls += 1;
                0
            });
        }
        assert_eq!(calls, 3);
        assert!(
            !m.young
                .values()
                .chain(m.old.values())
                .any(|(k, _)| k.len() > MAX_KEY_BYTES)
        );
    }
}
