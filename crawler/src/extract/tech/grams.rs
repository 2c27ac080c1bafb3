//! Finds which of a few thousand literals occur in a page, ASCII
//! case-insensitively, at a cost that does not grow with their number.
//!
//! An Aho-Corasick automaton over Wappalyzer's ~1,600 HTML, CSS and DOM
//! literals has no SIMD prefilter (that needs at most 64 patterns).
//! Measured in a release build (docs/bench-extraction.md, fifth round), on
//! a 20 KB page its overlapping search takes 2.4 times this filter's CPU
//! time as a contiguous NFA, and a little more than it as a DFA
//! that holds 10.9 MB and takes hundreds of milliseconds to build; this
//! filter builds with the database's other indexes.
//!
//! Here a literal of five bytes or more is filed under two consecutive
//! 4-byte windows of it, the pair that would cost least on pages
//! (`AnchorCost`: measured window frequencies): wherever the literal
//! occurs, one of the two starts at an even offset of the haystack. So one
//! pass reads only the windows at even offsets, eight of them from each
//! eighteen bytes read as three words, folds them coarsely (each byte ORed with 0x20:
//! letters to lower case, a few other bytes onto others, which the
//! comparison sorts out), and tests each window's hash in a 256 Kibit
//! bitmap; only where a bit is set are the literals filed there compared.
//! No step waits on a load of the step before (docs/bench-extraction.md,
//! sixth round: a skip search that did was slower for fewer instructions).
//! A three- or four-byte literal has no second window: wherever it occurs,
//! its first three or last three bytes are the first or the last three of
//! an even window, so it is filed under every window that has them there
//! (128 each, one per folded fourth byte). Literals of two bytes are found
//! by `memchr` on their rarer byte.

use std::rc::Rc;

use crate::extract::memo::Memo;

/// Every byte of a word ORed with 0x20: ASCII letters to lower case, and
/// `@[\]^_` and control bytes onto others, which only lets a window through
/// to the comparison, never keeps one from it.
const CASE: u32 = 0x2020_2020;

/// Bits of the anchors' bitmap (64 KiB): the largest filter files about
/// 6,200 windows (two per long literal, 128 per place of a short one), so
/// about one window in 80 that is none of them gets through to the second
/// bitmap.
const HASH_BITS: u32 = 19;
/// Hashes per bucket of the entry index, as a shift: 128 hashes share one
/// range of entries, which the probe tells apart by their window.
const BUCKET_SHIFT: u32 = 7;

fn hash(key: u32) -> usize {
    (key.wrapping_mul(0x9E37_79B1) >> (32 - HASH_BITS)) as usize
}

/// A second hash, of 16 bits, independent of the first.
fn hash2(key: u32) -> usize {
    (key.wrapping_mul(0x85EB_CA77) >> 16) as usize
}

/// The folded key of four bytes as the pass reads them.
fn key(b: &[u8]) -> u32 {
    match b.first_chunk::<4>() {
        Some(&four) => u32::from_le_bytes(four) | CASE,
        None => 0,
    }
}

/// How common a byte is in web pages, roughly (higher = more common): a
/// literal shorter than three bytes is looked for by its rarest byte.
fn commonness(b: u8) -> u32 {
    match b {
        b'e' | b't' | b'a' | b'o' | b'i' | b'n' | b's' | b'r' => 10,
        b' ' | b'"' | b'=' | b'<' | b'>' | b'/' | b'.' | b'-' => 10,
        b'h' | b'l' | b'd' | b'c' | b'u' | b'm' | b'p' => 7,
        b'f' | b'g' | b'w' | b'y' | b'b' | b'v' | b':' | b'_' => 5,
        b'0'..=b'9' => 4,
        b'k' | b'x' | b'j' | b'q' | b'z' => 2,
        _ => 3,
    }
}

pub struct Grams {
    /// Hashes of the anchor windows' keys: most even offsets of a page
    /// stop at this bit.
    bits: Box<[u64; 1 << (HASH_BITS - 6)]>,
    /// The same windows by another hash, 64 Kibit: a window through the
    /// first bitmap is compared only if its bit is set here too (about
    /// half of those through the first are in no literal).
    bits2: Box<[u64; 1 << (16 - 6)]>,
    /// Entries filed under each bucket of hashes (`hash >> BUCKET_SHIFT`),
    /// as ranges of `entries`: an index per hash would take 256 KiB per
    /// filter, for a few hundred to a few thousand entries.
    start: Vec<u32>,
    entries: Vec<Entry>,
    /// Lower-cased literals.
    literals: Vec<Vec<u8>>,
    /// Literals shorter than three bytes, each looked for on its own
    /// (`occurrences`).
    tiny: Vec<u32>,
    /// Literals of three bytes or more that hold a line break: the pass a
    /// line at a time leaves them to a search of their own.
    spanning: Vec<u32>,
}

/// The literals found so far in one haystack, and whom to tell.
struct Found<'f, F> {
    bits: Vec<u64>,
    f: &'f mut F,
}

/// What the pass does with the literals it finds.
trait Report {
    /// Whether literal `l` needs no more comparing.
    fn done(&self, l: usize) -> bool;
    /// Literal `l` occurs at `at`.
    fn found(&mut self, l: usize, at: usize);
}

impl<F: FnMut(usize)> Report for Found<'_, F> {
    fn done(&self, l: usize) -> bool {
        self.has(l)
    }

    fn found(&mut self, l: usize, _: usize) {
        self.report(l);
    }
}

/// Every occurrence of every literal, up to a limit; past it, as
/// [`Found`], the first of each ([`Grams::for_each_occurrence`]).
struct Every<F> {
    f: F,
    seen: Vec<u64>,
    left: usize,
    full: bool,
}

impl<F> Every<F> {
    fn seen(&self, l: usize) -> bool {
        self.seen
            .get(l / 64)
            .is_some_and(|w| w & (1 << (l % 64)) != 0)
    }
}

impl<F: FnMut(usize, usize, bool)> Report for Every<F> {
    fn done(&self, l: usize) -> bool {
        self.full && self.seen(l)
    }

    fn found(&mut self, l: usize, at: usize) {
        if self.left == 0 {
            self.full = true;
        }
        let first = !self.seen(l);
        if self.full && !first {
            return;
        }
        self.left = self.left.saturating_sub(1);
        if first && let Some(w) = self.seen.get_mut(l / 64) {
            *w |= 1 << (l % 64);
        }
        (self.f)(l, at, first);
    }
}

impl<F: FnMut(usize)> Found<'_, F> {
    fn has(&self, l: usize) -> bool {
        self.bits
            .get(l / 64)
            .is_some_and(|w| w & (1 << (l % 64)) != 0)
    }

    fn report(&mut self, l: usize) {
        if let Some(word) = self.bits.get_mut(l / 64)
            && *word & (1 << (l % 64)) == 0
        {
            *word |= 1 << (l % 64);
            (self.f)(l);
        }
    }
}

/// The occurrences of the literals of three bytes or more in one line,
/// `(literal, start in the line)`, as the pass found them; `None` for none.
pub type LineHits = Option<Rc<[(u32, u32)]>>;

/// Every occurrence in a line but of the literals in `skip`, for the line
/// memo.
struct Collect<'s> {
    all: Vec<(u32, u32)>,
    skip: &'s [u32],
}

impl Report for Collect<'_> {
    fn done(&self, l: usize) -> bool {
        self.skip.contains(&(l as u32))
    }

    fn found(&mut self, l: usize, at: usize) {
        // Lines memoised are at most `memo::PAGE_LINE_BYTES` long.
        self.all.push((l as u32, at as u32));
    }
}

/// Reports to `inner` with starts moved by `base` (a line's pass reports
/// where in the page), but not the literals in `skip`.
struct Shifted<'r, 's, R> {
    inner: &'r mut R,
    base: usize,
    skip: &'s [u32],
}

impl<R: Report> Report for Shifted<'_, '_, R> {
    fn done(&self, l: usize) -> bool {
        self.skip.contains(&(l as u32)) || self.inner.done(l)
    }

    fn found(&mut self, l: usize, at: usize) {
        self.inner.found(l, self.base + at);
    }
}

struct Entry {
    key: u32,
    literal: u32,
    /// Where the window starts in the literal (-1: a byte before it).
    offset: i32,
}

/// Bytes per window.
const W: usize = 4;

/// Picks each literal's pair of anchor windows by how often they occur in
/// pages: byte pairs and 4-byte windows as frequent as in the crawler's
/// HTML fixtures (`freq.rs`). Every occurrence of an anchor window at an
/// even offset costs a comparison; any other window costs the same
/// whatever the anchors (its hash bit is set or not by chance).
struct AnchorCost {
    /// Pair counts, `[a * 129 + b]`, plus a half for pairs never seen.
    pairs: Vec<f64>,
    /// Byte counts, as the first byte of a pair.
    bytes: [f64; 129],
    /// The count of the rarest of `freq::QUADS`: a window not among them
    /// is at most that frequent.
    quad_floor: f64,
    /// Hashes of `freq::QUADS`: most windows are not among them, and skip
    /// the search.
    quad_bits: Box<[u64; 1 << (QUAD_BITS - 6)]>,
}

const QUAD_BITS: u32 = 16;

fn quad_hash(key: u32) -> usize {
    (key.wrapping_mul(0x9E37_79B1) >> (32 - QUAD_BITS)) as usize
}

/// Bytes from 0x80 up count as one.
fn class(b: u8) -> usize {
    usize::from(b.min(0x80))
}

impl AnchorCost {
    fn new() -> Self {
        let mut pairs = vec![0.5; 129 * 129];
        let mut bytes = [0.5; 129];
        for &(a, b, n) in super::freq::PAIRS {
            if let Some(slot) = pairs.get_mut(class(a) * 129 + class(b)) {
                *slot += f64::from(n);
            }
            if let Some(slot) = bytes.get_mut(class(a)) {
                *slot += f64::from(n);
            }
        }
        let mut quad_bits = Box::new([0u64; 1 << (QUAD_BITS - 6)]);
        for (w, _) in super::freq::QUADS {
            let h = quad_hash(key(w));
            quad_bits[h >> 6] |= 1 << (h & 63);
        }
        let quad_floor = super::freq::QUADS
            .iter()
            .map(|&(_, n)| f64::from(n))
            .fold(f64::INFINITY, f64::min);
        Self {
            pairs,
            bytes,
            quad_floor: if quad_floor.is_finite() {
                quad_floor
            } else {
                0.5
            },
            quad_bits,
        }
    }

    fn pair(&self, a: u8, b: u8) -> f64 {
        self.pairs
            .get(class(a) * 129 + class(b))
            .copied()
            .unwrap_or(0.5)
    }

    fn byte(&self, b: u8) -> f64 {
        self.bytes.get(class(b)).copied().unwrap_or(0.5)
    }

    /// How often the (lower-cased) window occurs in a page's bytes.
    fn quad(&self, w: [u8; 4]) -> f64 {
        let q = super::freq::QUADS;
        let h = quad_hash(key(&w));
        let listed = self.quad_bits[h >> 6] & (1 << (h & 63)) != 0;
        let found = if listed {
            q.binary_search_by_key(&w, |&(x, _)| x).ok()
        } else {
            None
        };
        match found {
            Some(i) => q.get(i).map_or(0.5, |&(_, n)| f64::from(n)),
            // A chain of pairs, capped: it misjudges markup words.
            None => {
                let [a, b, c, d] = w;
                (self.pair(a, b) * self.pair(b, c) * self.pair(c, d)
                    / (self.byte(b) * self.byte(c)))
                .min(self.quad_floor)
            }
        }
    }

    /// The cheapest pair of consecutive anchors of `l` (at least five
    /// bytes): where the first starts.
    fn anchor(&self, l: &[u8]) -> usize {
        let quads: Vec<f64> = l
            .windows(W)
            .map(|w| self.quad([w[0], w[1], w[2], w[3]]))
            .collect();
        let mut best = (f64::INFINITY, 0);
        for (j, two) in quads.windows(2).enumerate() {
            let c = two[0] + two[1];
            if c < best.0 {
                best = (c, j);
            }
        }
        best.1
    }
}

/// Where a literal shorter than three bytes occurs in `hay`: its rarest
/// byte, in either case, found by `memchr`, then the bytes around it.
fn occurrences<'a>(l: &'a [u8], hay: &'a [u8]) -> impl Iterator<Item = usize> + 'a {
    let k = (0..l.len()).min_by_key(|&k| commonness(l[k])).unwrap_or(0);
    let b = l.get(k).copied().unwrap_or(0);
    memchr::memchr2_iter(b, b.to_ascii_uppercase(), hay)
        .filter(move |_| !l.is_empty())
        .filter_map(move |at| {
            let from = at.checked_sub(k)?;
            hay.get(from..from + l.len())
                .is_some_and(|x| x.eq_ignore_ascii_case(l))
                .then_some(from)
        })
}

impl Grams {
    pub fn new<S: AsRef<str>>(literals: &[S]) -> Self {
        let literals: Vec<Vec<u8>> = literals
            .iter()
            .map(|l| l.as_ref().as_bytes().to_ascii_lowercase())
            .collect();
        let mut bits = Box::new([0u64; 1 << (HASH_BITS - 6)]);
        let mut bits2 = Box::new([0u64; 1 << (16 - 6)]);
        // (hash, entry), sorted by hash below: one allocation, not one
        // per hash value.
        let mut filed: Vec<(usize, Entry)> = Vec::with_capacity(literals.len() * 2);
        let mut file = |k: u32, literal: usize, offset: i32| {
            let h = hash(k);
            bits[h >> 6] |= 1 << (h & 63);
            let h2 = hash2(k);
            bits2[h2 >> 6] |= 1 << (h2 & 63);
            filed.push((
                h,
                Entry {
                    key: k,
                    literal: literal as u32,
                    offset,
                },
            ));
        };
        // The 128 values a byte can have once folded.
        let folded = || (0..=255u8).filter(|b| b & 0x20 != 0).map(u32::from);
        let mut tiny = Vec::new();
        let cost = AnchorCost::new();
        for (i, l) in literals.iter().enumerate() {
            let three = |from: usize| {
                l.get(from..from + 3).map_or(0, |t| {
                    t.iter().rev().fold(0, |k, &b| k << 8 | u32::from(b)) | CASE
                })
            };
            match l.len() {
                // At an even offset: the first three bytes of a window; at
                // an odd one: the last three of the window before.
                3 => {
                    for b in folded() {
                        file(three(0) | b << 24, i, 0);
                        file(three(0) << 8 | b, i, -1);
                    }
                }
                // At an even offset: a window. At an odd one its first
                // three bytes end the window before, and its last three
                // start the window after: the rarer three decide.
                4 => {
                    file(key(l), i, 0);
                    let (a, b, c, d) = (l[0], l[1], l[2], l[3]);
                    let first = cost.pair(a, b) * cost.pair(b, c) / cost.byte(b);
                    let last = cost.pair(b, c) * cost.pair(c, d) / cost.byte(c);
                    for b in folded() {
                        if first <= last {
                            file(three(0) << 8 | b, i, -1);
                        } else {
                            file(three(1) | b << 24, i, 1);
                        }
                    }
                }
                0..3 => tiny.push(i as u32),
                _ => {
                    let j = cost.anchor(l);
                    file(key(&l[j..]), i, j as i32);
                    file(key(&l[j + 1..]), i, j as i32 + 1);
                }
            }
        }
        // A counting sort by bucket: start[b]..start[b + 1] are the
        // entries filed under a hash of bucket b.
        let mut start = vec![0u32; (1 << (HASH_BITS - BUCKET_SHIFT)) + 1];
        for (h, _) in &filed {
            if let Some(c) = start.get_mut(*h >> BUCKET_SHIFT) {
                *c += 1;
            }
        }
        let mut sum = 0;
        for c in &mut start {
            let here = *c;
            *c = sum;
            sum += here;
        }
        let mut next = start.clone();
        let mut slots: Vec<Option<Entry>> = (0..filed.len()).map(|_| None).collect();
        for (h, e) in filed {
            if let Some(at) = next.get_mut(h >> BUCKET_SHIFT) {
                if let Some(slot) = slots.get_mut(*at as usize) {
                    *slot = Some(e);
                }
                *at += 1;
            }
        }
        let entries: Vec<Entry> = slots.into_iter().flatten().collect();
        Self {
            bits,
            bits2,
            start,
            entries,
            spanning: (0..literals.len() as u32)
                .filter(|&i| {
                    literals
                        .get(i as usize)
                        .is_some_and(|l| l.len() >= 3 && l.contains(&b'\n'))
                })
                .collect(),
            literals,
            tiny,
        }
    }

    /// The literals, lower-cased, in the order given.
    pub fn literals(&self) -> &[Vec<u8>] {
        &self.literals
    }

    /// Calls `f` once with the index of every literal occurring in `hay`.
    pub fn for_each(&self, hay: &[u8], mut f: impl FnMut(usize)) {
        // Literals already found: a literal that occurs fifty times on a
        // page is compared and reported once.
        let mut found = Found {
            bits: vec![0u64; self.literals.len().div_ceil(64)],
            f: &mut f,
        };
        self.pass(hay, &mut found);
        for &s in &self.tiny {
            if let Some(l) = self.literals.get(s as usize)
                && occurrences(l, hay).next().is_some()
            {
                found.report(s as usize);
            }
        }
    }

    /// Calls `f(literal, start, first)` for every occurrence of every
    /// literal in `hay`, overlapping ones too, each once, in no particular
    /// order (`first` for the first call with that literal), up to `limit`
    /// calls; past them only for the first occurrence of each literal not
    /// yet reported, which costs no more than [`Self::for_each`] on a page
    /// made of one literal. Whether every occurrence was reported.
    pub fn for_each_occurrence(
        &self,
        hay: &[u8],
        limit: usize,
        f: impl FnMut(usize, usize, bool),
    ) -> bool {
        self.occurrences_with(hay, limit, f, |every| self.pass(hay, every))
    }

    /// [`Self::for_each_occurrence`] over `text`, a line at a time, with
    /// what each line of a few hundred bytes held kept in `memo`: a site's
    /// head, menu and footer lines come back on every page, and a repeat
    /// costs a hash and a compare instead of the pass over its bytes.
    /// An occurrence of a literal without a line break lies within one
    /// line; the few literals with one (a CMS's comment over two lines)
    /// are searched for on their own. So the calls are the same as the
    /// whole-text pass's, in another order.
    pub fn for_each_occurrence_by_line(
        &self,
        text: &str,
        limit: usize,
        memo: &mut Memo<LineHits>,
        f: impl FnMut(usize, usize, bool),
    ) -> bool {
        let hay = text.as_bytes();
        let skip = &self.spanning;
        self.occurrences_with(hay, limit, f, |every| {
            let mut base = 0;
            while base < text.len() {
                // Line by line, each with its line break: a run of text
                // that is a segment of the page.
                let end = memchr::memchr(b'\n', &hay[base..]).map_or(hay.len(), |i| base + i + 1);
                let Some(line) = text.get(base..end) else {
                    break;
                };
                // Longer lines are passed over every time: a page of one
                // long line (minified markup) would fill the memo with a
                // copy of itself.
                if line.len() > crate::extract::memo::PAGE_LINE_BYTES {
                    let mut shifted = Shifted {
                        inner: &mut *every,
                        base,
                        skip,
                    };
                    self.pass(line.as_bytes(), &mut shifted);
                } else {
                    let hits = memo.get_or(line, || {
                        let mut all = Collect {
                            all: Vec::new(),
                            skip,
                        };
                        self.pass(line.as_bytes(), &mut all);
                        (!all.all.is_empty()).then(|| Rc::from(all.all))
                    });
                    for &(l, at) in hits.iter().flat_map(|h| h.iter()) {
                        let l = l as usize;
                        if !every.done(l) {
                            every.found(l, base + at as usize);
                        }
                    }
                }
                base = end;
            }
            self.report_each(skip, hay, every);
        })
    }

    fn occurrences_with<F: FnMut(usize, usize, bool)>(
        &self,
        hay: &[u8],
        limit: usize,
        f: F,
        pass: impl FnOnce(&mut Every<F>),
    ) -> bool {
        let mut every = Every {
            f,
            seen: vec![0u64; self.literals.len().div_ceil(64)],
            left: limit,
            full: false,
        };
        pass(&mut every);
        self.report_each(&self.tiny, hay, &mut every);
        !every.full
    }

    /// Searches `hay` for each of `literals` on its own.
    fn report_each<R: Report>(&self, literals: &[u32], hay: &[u8], every: &mut R) {
        for &s in literals {
            if let Some(l) = self.literals.get(s as usize) {
                for at in occurrences(l, hay) {
                    if every.done(s as usize) {
                        break;
                    }
                    every.found(s as usize, at);
                }
            }
        }
    }

    /// Every window at an even offset.
    fn pass<R: Report>(&self, hay: &[u8], f: &mut R) {
        let mut at = 0;
        // Eight windows from eighteen bytes, one branch for the eight.
        while let Some(bytes) = hay.get(at..).and_then(|r| r.first_chunk::<18>()) {
            let (Some(&a), Some(&b), Some(&c)) = (
                bytes.first_chunk::<8>(),
                bytes.get(8..).and_then(|r| r.first_chunk::<8>()),
                bytes.last_chunk::<2>(),
            ) else {
                break;
            };
            let fold = u64::from(CASE) << 32 | u64::from(CASE);
            let a = u64::from_le_bytes(a) | fold;
            let b = u64::from_le_bytes(b) | fold;
            let c = u64::from(u16::from_le_bytes(c)) | 0x2020;
            let keys = [
                a as u32,
                (a >> 16) as u32,
                (a >> 32) as u32,
                (a >> 48 | b << 16) as u32,
                b as u32,
                (b >> 16) as u32,
                (b >> 32) as u32,
                (b >> 48 | c << 16) as u32,
            ];
            let mut hit = 0;
            for k in keys {
                let h = hash(k);
                hit |= self.bits[h >> 6] >> (h & 63);
            }
            if hit & 1 != 0 {
                self.windows_at(hay, at, keys, f);
            }
            at += 16;
        }
        // The last windows, the ones past the end zero-padded: every
        // comparison is bounded by the haystack.
        while let Some(rest) = hay.get(at..).filter(|r| !r.is_empty()) {
            let mut four = [0u8; W];
            for (d, s) in four.iter_mut().zip(rest) {
                *d = *s;
            }
            self.windows_at(hay, at, [key(&four)], f);
            at += 2;
        }
    }

    /// The windows at `at`, `at + 2`, ... whose folded keys are `keys`.
    #[cold]
    #[inline(never)]
    fn windows_at<const N: usize, R: Report>(
        &self,
        hay: &[u8],
        at: usize,
        keys: [u32; N],
        f: &mut R,
    ) {
        for (j, k) in keys.into_iter().enumerate() {
            let (h, h2) = (hash(k), hash2(k));
            if self.bits[h >> 6] & (1 << (h & 63)) != 0
                && self.bits2[h2 >> 6] & (1 << (h2 & 63)) != 0
            {
                self.probe(hay, at + 2 * j, k, h, f);
            }
        }
    }

    fn probe<R: Report>(&self, hay: &[u8], at: usize, k: u32, h: usize, f: &mut R) {
        let b = h >> BUCKET_SHIFT;
        let (Some(&from), Some(&to)) = (self.start.get(b), self.start.get(b + 1)) else {
            return;
        };
        for e in self
            .entries
            .get(from as usize..to as usize)
            .unwrap_or_default()
        {
            if e.key != k || f.done(e.literal as usize) {
                continue;
            }
            let Some(l) = self.literals.get(e.literal as usize) else {
                continue;
            };
            let Some(begin) = at.checked_add_signed(-(e.offset as isize)) else {
                continue;
            };
            // The last byte first: a window that occurs in the page
            // without its literal mostly differs there, and a long
            // literal's comparison runs to its end.
            if hay.get(begin..begin + l.len()).is_some_and(|x| {
                x.last().map(u8::to_ascii_lowercase) == l.last().copied()
                    && x.eq_ignore_ascii_case(l)
            }) {
                f.found(e.literal as usize, begin);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Grams;

    /// (literal, start) of every occurrence, sorted.
    fn naive_every(lits: &[&str], hay: &str) -> Vec<(usize, usize)> {
        let hay = hay.as_bytes();
        let mut out = Vec::new();
        for (i, l) in lits.iter().enumerate() {
            for at in 0..hay.len() {
                if hay
                    .get(at..at + l.len())
                    .is_some_and(|x| x.eq_ignore_ascii_case(l.as_bytes()))
                {
                    out.push((i, at));
                }
            }
        }
        out.sort_unstable();
        out
    }

    fn naive(lits: &[&str], hay: &str) -> Vec<usize> {
        let hay = hay.to_ascii_lowercase();
        let mut out: Vec<usize> = lits
            .iter()
            .enumerate()
            .filter(|(_, l)| hay.contains(&l.to_ascii_lowercase()))
            .map(|(i, _)| i)
            .collect();
        out.sort_unstable();
        out
    }

    /// Writes `freq.rs` from the crawler's HTML fixtures (run it after
    /// they change much):
    /// `cargo test -p cira-crawler --lib tech::grams::tests::write_frequency_table -- --ignored`.
    #[test]
    #[ignore = "writes src/extract/tech/freq.rs"]
    fn write_frequency_table() {
        use std::collections::HashMap;
        use std::fmt::Write;
        let pages = crate::extract::tech::tests::fixture_pages();
        let mut pairs: HashMap<(u8, u8), u32> = HashMap::new();
        let mut quads: HashMap<[u8; 4], u32> = HashMap::new();
        let mut total = 0;
        for page in &pages {
            let b = page.as_bytes().to_ascii_lowercase();
            total += b.len();
            for w in b.windows(2) {
                *pairs.entry((w[0].min(0x80), w[1].min(0x80))).or_default() += 1;
            }
            for w in b.windows(4) {
                *quads.entry([w[0], w[1], w[2], w[3]]).or_default() += 1;
            }
        }
        let mut pairs: Vec<_> = pairs.into_iter().collect();
        pairs.sort_unstable();
        let mut quads: Vec<_> = quads.into_iter().collect();
        quads.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        quads.truncate(QUADS_KEPT);
        quads.sort_unstable();
        let esc = |b: &[u8]| -> String {
            b.iter()
                .flat_map(|&c| std::ascii::escape_default(c))
                .map(char::from)
                .collect()
        };
        let mut out = format!(
            "//! How often byte pairs and 4-byte windows occur in web pages, counted\n\
             //! over the crawler's HTML fixtures ({} pages, {total} bytes, ASCII\n\
             //! lower-cased): the technology filter picks its anchors by them\n\
             //! (`grams.rs`). Written by\n\
             //! `cargo test -p cira-crawler --lib tech::grams::tests::write_frequency_table -- --ignored`;\n\
             //! not edited by hand.\n\n\
             /// (first byte, second byte, count); bytes from 0x80 up count as 0x80.\n\
             #[rustfmt::skip]\n\
             pub(super) const PAIRS: &[(u8, u8, u32)] = &[\n",
            pages.len()
        );
        for row in pairs.chunks(6) {
            out.push_str("   ");
            for ((a, b), n) in row {
                let _ = write!(out, " (b'{}', b'{}', {n}),", esc(&[*a]), esc(&[*b]));
            }
            out.push('\n');
        }
        let _ = write!(
            out,
            "];\n\n/// The {QUADS_KEPT} commonest windows, sorted: (window, count).\n\
             #[rustfmt::skip]\n\
             pub(super) const QUADS: &[([u8; 4], u32)] = &[\n"
        );
        for row in quads.chunks(5) {
            out.push_str("   ");
            for (w, n) in row {
                let _ = write!(out, " (*b\"{}\", {n}),", esc(w));
            }
            out.push('\n');
        }
        out.push_str("];\n");
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/extract/tech/freq.rs");
        std::fs::write(path, out).expect("freq.rs written");
    }

    /// Windows kept in `freq::QUADS`.
    const QUADS_KEPT: usize = 1024;

    #[test]
    fn the_window_table_is_sorted() {
        assert!(
            super::super::freq::QUADS
                .windows(2)
                .all(|w| w[0].0 < w[1].0)
        );
        assert!(super::super::freq::PAIRS.len() > 500);
    }

    /// Every literal length the filter treats apart (two, three, four,
    /// five and more bytes; a four-byte literal filed by its first three
    /// bytes, `zing`, and by its last three, `ingz`), at every offset, odd
    /// and even, at the start and at the very end of haystacks of odd and
    /// even length (the pass reads eighteen bytes at a time, then the last
    /// windows on their own), in either case; and bytes that the pass's
    /// coarse fold puts onto a literal's (`_` and DEL, `@` and a backtick,
    /// `[` and `{`, a tab and `)`), which must not be reported.
    #[test]
    fn finds_literals_at_every_offset() {
        let lits = [
            "qx", "jqz", "zq_x", "vkq@z", "k[jq]w", "wq\tzjk", "_q`zx^vk", "xq", "ingz", "zing",
            "ent",
        ];
        let grams = Grams::new(&lits);
        let offsets = |li: usize| -> Vec<i32> {
            grams
                .entries
                .iter()
                .filter(|e| e.literal as usize == li)
                .map(|e| e.offset)
                .collect()
        };
        assert!(offsets(8).contains(&1) && !offsets(8).contains(&-1));
        assert!(offsets(9).contains(&-1) && !offsets(9).contains(&1));
        let mut checked = 0;
        for (li, l) in lits.iter().enumerate() {
            let near: String = l
                .bytes()
                .map(|b| match b {
                    b'_' => '\x7f',
                    b'@' => '`',
                    b'`' => '@',
                    b'[' => '{',
                    b']' => '}',
                    b'^' => '~',
                    b'\t' => ')',
                    c => char::from(c),
                })
                .collect();
            for before in 0..21 {
                for after in 0..4 {
                    for upper in [false, true] {
                        let lit = if upper {
                            l.to_ascii_uppercase()
                        } else {
                            (*l).to_string()
                        };
                        for word in [lit.as_str(), near.as_str()] {
                            let hay = format!("{}{word}{}", "a".repeat(before), "b".repeat(after));
                            let mut got = Vec::new();
                            grams.for_each(hay.as_bytes(), |i| got.push(i));
                            got.sort_unstable();
                            assert_eq!(got, naive(&lits, &hay), "{hay:?}");
                            if word == lit {
                                assert!(got.contains(&li), "{hay:?}");
                            }
                            // Every occurrence, each once.
                            let mut every = Vec::new();
                            assert!(grams.for_each_occurrence(
                                hay.as_bytes(),
                                usize::MAX,
                                |i, at, _| every.push((i, at))
                            ));
                            every.sort_unstable();
                            assert_eq!(every, naive_every(&lits, &hay), "{hay:?}");
                            checked += 1;
                        }
                    }
                }
            }
        }
        assert_eq!(checked, lits.len() * 21 * 4 * 2 * 2);
    }

    /// Past its limit the search reports each literal once more at most,
    /// and says it stopped recording.
    #[test]
    fn occurrences_past_the_limit_are_literals_once() {
        let lits = ["wp-content", "jquery", "xy"];
        let grams = Grams::new(&lits);
        let hay = "wp-content ".repeat(50) + "jQuery xy xy";
        let mut got = Vec::new();
        assert!(!grams.for_each_occurrence(hay.as_bytes(), 10, |l, at, _| got.push((l, at))));
        assert_eq!(got.iter().filter(|&&(l, _)| l == 0).count(), 10);
        assert_eq!(got.iter().filter(|&&(l, _)| l == 1).count(), 1);
        assert_eq!(got.iter().filter(|&&(l, _)| l == 2).count(), 1);
        // 50, 1 and 2 occurrences: all within a limit of 53, not of 52.
        let mut all = Vec::new();
        assert!(grams.for_each_occurrence(hay.as_bytes(), 53, |l, at, _| all.push((l, at))));
        assert_eq!(all.len(), 53);
        assert!(!grams.for_each_occurrence(hay.as_bytes(), 52, |_, _, _| {}));
    }

    #[test]
    fn finds_what_a_plain_search_finds() {
        let lits = [
            "/wp-content/",
            "wp-content",
            "cdn.shopify.com",
            "data-wf-site",
            "__NEXT_DATA__",
            "ab",
            "abc",
            "zz!",
            "<a ",
            "bcd",
            "zzz",
            "é-x",
            "<script",
            "dx",
            "x",
        ];
        for hay in [
            "",
            "a",
            "ab",
            "<SCRIPT src=\"/WP-CONTENT/x.js\"></script>",
            "https://CDN.Shopify.com/s/x.js data-wf-site=1 __next_data__",
            "abcd zz zzzz é-X",
            "zz! <A href",
            "zz",
            "bc",
            "a DX b",
            "dX",
            "xd",
            "d",
        ] {
            let grams = Grams::new(&lits);
            let mut got = Vec::new();
            grams.for_each(hay.as_bytes(), |i| got.push(i));
            got.sort_unstable();
            got.dedup();
            assert_eq!(got, naive(&lits, hay), "{hay}");
            let mut every = Vec::new();
            assert!(
                grams.for_each_occurrence(hay.as_bytes(), usize::MAX, |i, at, _| every
                    .push((i, at)))
            );
            every.sort_unstable();
            assert_eq!(every, naive_every(&lits, hay), "{hay}");
        }
    }
}

/// The database's own filters find, on the fixtures and on pages made of
/// the literals themselves (cut, joined, in other cases), exactly the
/// literals an Aho-Corasick automaton over the same literals finds.
#[cfg(test)]
#[test]
fn the_filters_find_what_aho_corasick_finds() {
    use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
    let e = &*super::ENGINE;
    let hays: Vec<Vec<u8>> = crate::extract::tech::tests::fixture_pages()
        .into_iter()
        .map(String::into_bytes)
        .collect();
    let mut found_any = 0;
    for pre in [&e.url, &e.body, &e.text, &e.scripts, &e.script_src] {
        let lits = pre.grams.literals();
        let ac = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .kind(Some(AhoCorasickKind::ContiguousNFA))
            .build(lits)
            .expect("automaton");
        // Literals whole, cut short, run together, upper-cased, and with a
        // byte changed: near misses and overlaps.
        let mut made: Vec<Vec<u8>> = Vec::new();
        for (i, chunk) in lits.chunks(50).enumerate() {
            let mut page = Vec::new();
            for (j, l) in chunk.iter().enumerate() {
                match (i + j) % 5 {
                    0 => page.extend_from_slice(l),
                    1 => page.extend_from_slice(&l[..l.len() - 1]),
                    2 => page.extend(l.iter().map(u8::to_ascii_uppercase)),
                    3 => {
                        let mut m = l.clone();
                        if let Some(b) = m.get_mut(l.len() / 2) {
                            *b ^= 1;
                        }
                        page.extend_from_slice(&m);
                    }
                    _ => {
                        page.extend_from_slice(l);
                        page.extend_from_slice(l);
                        continue;
                    }
                }
                page.push(if j % 2 == 0 { b' ' } else { b'x' });
            }
            made.push(page);
        }
        for hay in hays.iter().chain(&made) {
            let mut want: Vec<usize> = ac
                .find_overlapping_iter(hay.as_slice())
                .map(|m| m.pattern().as_usize())
                .collect();
            want.sort_unstable();
            want.dedup();
            let mut got = Vec::new();
            pre.grams.for_each(hay, |l| got.push(l));
            got.sort_unstable();
            got.dedup();
            assert_eq!(got, want, "{}", String::from_utf8_lossy(hay));
            found_any += got.len();
        }
    }
    assert!(found_any > 2000, "{found_any}");
}

/// The pass a line at a time, with its memo, makes the same calls as the
/// pass over the whole text: on the fixtures as they are, with CRLF line
/// ends, as one long line, upper-cased, joined (lines seen before, so the
/// memo answers), with lines longer than the memo keeps, and past the limit.
#[cfg(test)]
#[test]
fn by_line_reports_what_the_whole_pass_reports() {
    type Calls = (bool, Vec<(usize, usize)>, Vec<usize>);
    fn calls(run: impl FnOnce(&mut dyn FnMut(usize, usize, bool)) -> bool) -> Calls {
        let (mut all, mut firsts) = (Vec::new(), Vec::new());
        let complete = run(&mut |l, at, first| {
            all.push((l, at));
            if first {
                firsts.push(l);
            }
        });
        all.sort_unstable();
        firsts.sort_unstable();
        (complete, all, firsts)
    }
    let grams = &super::ENGINE.body.grams;
    // TYPO3's comment spans two lines.
    assert_eq!(grams.spanning.len(), 1);
    let pages = crate::extract::tech::tests::fixture_pages();
    let mut hays: Vec<String> = Vec::new();
    for p in &pages {
        hays.push(p.clone());
        hays.push(p.replace('\n', "\r\n"));
        hays.push(p.replace('\n', " "));
        hays.push(p.to_ascii_uppercase());
        hays.push(format!("{p}\n{p}"));
        hays.push(p.replace("\n<", "<"));
    }
    let mut memo = Memo::with_max_key(
        crate::extract::memo::PAGE_LINES,
        crate::extract::memo::PAGE_LINE_BYTES,
    );
    let mut hits = 0;
    for round in 0..3 {
        for hay in &hays {
            for limit in [usize::MAX, super::MAX_RECORDED, 40] {
                let whole = calls(|f| grams.for_each_occurrence(hay.as_bytes(), limit, f));
                let by_line =
                    calls(|f| grams.for_each_occurrence_by_line(hay, limit, &mut memo, f));
                assert_eq!(whole.0, by_line.0, "round {round}, limit {limit}");
                assert_eq!(whole.2, by_line.2, "round {round}, limit {limit}");
                if whole.0 {
                    assert_eq!(whole.1, by_line.1, "round {round}, limit {limit}");
                    hits += whole.1.len();
                }
            }
        }
    }
    assert!(hits > 1000, "{hits}");
    // A literal across a line break: the whole-text pass finds it.
    // Literals across a line break, or ending with one (which a line's
    // own pass would find too), found once each.
    let grams = Grams::new(&["foo\nbar", "abc", "arc\n"]);
    assert_eq!(grams.spanning, [0, 2]);
    let hay = "x FOO\nbar abc\nabc\nfoo\nbarc\n";
    let mut memo = Memo::with_max_key(
        crate::extract::memo::PAGE_LINES,
        crate::extract::memo::PAGE_LINE_BYTES,
    );
    for _ in 0..3 {
        let whole = calls(|f| grams.for_each_occurrence(hay.as_bytes(), usize::MAX, f));
        let by_line = calls(|f| grams.for_each_occurrence_by_line(hay, usize::MAX, &mut memo, f));
        assert_eq!(whole, by_line);
        assert_eq!(by_line.1, [(0, 2), (0, 18), (1, 10), (1, 14), (2, 23)]);
    }
}
