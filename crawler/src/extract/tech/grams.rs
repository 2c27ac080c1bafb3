//! Finds which of a few thousand literals occur in a page, ASCII
//! case-insensitively, at a cost that does not grow with their number.
//!
//! An Aho-Corasick automaton over Wappalyzer's ~1,600 HTML, CSS and DOM
//! literals has no SIMD prefilter (that needs at most 64 patterns).
//! Measured in a release build (docs/bench-extraction.md, fifth round), on
//! a 20 KB page its overlapping search takes 2.4 times this filter's CPU
//! time as a contiguous NFA, and a little more than it as a DFA
//! that holds 10.9 MB and takes hundreds of milliseconds to build; this
//! filter builds with the database's other indexes. Here each literal is
//! filed under one of its 4-byte windows, the one that would cost least
//! on pages (`AnchorCost`: measured pair and window frequencies, and the
//! pairs other anchors already took); one pass looks up the last two
//! bytes of every window, as written, in a 64 Kibit table of the anchors'
//! last two bytes (about 8 instructions a byte), and where that bit is set,
//! the two bytes before the last in a second such table; only where both
//! are set is the window folded (one 4-byte fold) and hashed into a third
//! bitmap, and only windows whose bit is set there are compared with the
//! literals filed there.

/// ASCII lower-casing table.
const FOLD: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = (i as u8).to_ascii_lowercase();
        i += 1;
    }
    t
};

const HASH_BITS: u32 = 16;
/// Hashes per bucket of the entry index, as a shift: 16 hashes share one
/// range of entries, which the probe tells apart by their window.
const BUCKET_SHIFT: u32 = 4;

fn hash(window: u32) -> usize {
    (window.wrapping_mul(0x9E37_79B1) >> (32 - HASH_BITS)) as usize
}

/// How common a byte is in web pages, roughly (higher = more common): a
/// literal shorter than a window is looked for by its rarest byte.
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
    /// The last two bytes of every anchor window (and of every three-byte
    /// literal), in each ASCII case, as written: most bytes of a page stop
    /// at this bit.
    pairs: Box<[u64; 1 << (16 - 6)]>,
    /// The two bytes before the last of every anchor window (the first
    /// two of a three-byte literal), likewise: a byte whose pair is set
    /// above takes this second test before its window is folded (on a
    /// typical page about one byte in seven gets through both, one in
    /// four through the first alone).
    mids: Box<[u64; 1 << (16 - 6)]>,
    bits: Box<[u64; 1 << (HASH_BITS - 6)]>,
    /// Entries filed under each bucket of hashes (`hash >> BUCKET_SHIFT`),
    /// as ranges of `entries`: an index per hash would take 256 KiB per
    /// filter, for a few hundred to a few thousand entries.
    start: Vec<u32>,
    entries: Vec<Entry>,
    /// Lower-cased literals.
    literals: Vec<Vec<u8>>,
    /// Three-byte literals: a bitmap of their hashes, and (window,
    /// literal) sorted by window, tested in the same pass.
    bits3: Box<[u64; 1 << (HASH_BITS - 6)]>,
    three: Vec<(u32, u32)>,
    /// Literals shorter than three bytes, each looked for on its own
    /// (`occurs`).
    short: Vec<u32>,
}

/// The literals found so far in one haystack, and whom to tell.
struct Found<'f, F> {
    bits: Vec<u64>,
    f: &'f mut F,
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

struct Entry {
    window: u32,
    literal: u32,
    /// Where the window starts in the literal.
    offset: u32,
}

/// Bytes per window.
const W: usize = 4;

/// Instructions the filter spends, roughly (measured with callgrind): a
/// byte whose last two bytes are an anchor's takes the second pair test;
/// one that passes both folds and hashes its window (`window_at`); a
/// window whose hash bit is set is compared with its literals (`probe`).
const COST_PAIR: f64 = 3.0;
const COST_BOTH: f64 = 38.0;
const COST_PROBE: f64 = 250.0;

/// Picks each literal's anchor window by what it would cost on pages:
/// byte pairs and 4-byte windows are as frequent as in the crawler's
/// HTML fixtures (`freq.rs`), and a pair that another anchor already put
/// into a pair table costs nothing more.
struct AnchorCost {
    /// Pair counts, `[a * 129 + b]`, plus a half for pairs never seen.
    pairs: Vec<f64>,
    /// Byte counts, as the first byte of a pair.
    bytes: [f64; 129],
    /// The pairs taken so far: as the last two bytes of a window, and as
    /// its middle two.
    last: Vec<bool>,
    mid: Vec<bool>,
    /// By byte `c`: the summed counts of taken last pairs `c?`, and of
    /// taken middle pairs `?c`.
    last_from: [f64; 129],
    mid_to: [f64; 129],
    /// The count of the rarest of `freq::QUADS`: a window not among them
    /// is at most that frequent.
    quad_floor: f64,
    /// Hashes of `freq::QUADS`: most windows are not among them, and skip
    /// the search.
    quad_bits: Box<[u64; 1 << (HASH_BITS - 6)]>,
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
        let mut quad_bits = Box::new([0u64; 1 << (HASH_BITS - 6)]);
        for &(w, _) in super::freq::QUADS {
            let h = hash(u32::from_be_bytes(w));
            quad_bits[h >> 6] |= 1 << (h & 63);
        }
        let quad_floor = super::freq::QUADS
            .iter()
            .map(|&(_, n)| f64::from(n))
            .fold(f64::INFINITY, f64::min);
        Self {
            pairs,
            bytes,
            last: vec![false; 129 * 129],
            mid: vec![false; 129 * 129],
            last_from: [0.0; 129],
            mid_to: [0.0; 129],
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
        let h = hash(u32::from_be_bytes(w));
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

    /// What taking `l[k..k + 4]` as the anchor adds to the filter's cost.
    fn of(&self, w: [u8; 4]) -> f64 {
        let [_, b, c, d] = w;
        let (bc, cd) = (class(b) * 129 + class(c), class(c) * 129 + class(d));
        let mut cost = COST_PROBE * self.quad(w);
        // Bytes a new last pair stops, and the windows it lets through
        // where a taken middle pair comes before it.
        let new_last = !self.last.get(cd).copied().unwrap_or(true);
        let c_on = self.last_from.get(class(c)).copied().unwrap_or(0.0)
            + if new_last { self.pair(c, d) } else { 0.0 };
        if new_last {
            cost += COST_PAIR * self.pair(c, d)
                + COST_BOTH * self.pair(c, d) / self.byte(c)
                    * self.mid_to.get(class(c)).copied().unwrap_or(0.0);
        }
        // Windows a new middle pair lets through before a taken last pair.
        if !self.mid.get(bc).copied().unwrap_or(true) {
            cost += COST_BOTH * self.pair(b, c) / self.byte(c) * c_on;
        }
        cost
    }

    /// The cheapest anchor of `l` (at least four bytes).
    fn anchor(&self, l: &[u8]) -> usize {
        let mut best = (f64::INFINITY, 0);
        for (k, w) in l.windows(W).enumerate() {
            let c = self.of([w[0], w[1], w[2], w[3]]);
            if c < best.0 {
                best = (c, k);
            }
        }
        best.1
    }

    /// Notes the pairs of an anchor window, or of a three-byte literal
    /// (its last two bytes and its first two).
    fn take(&mut self, w: &[u8]) {
        let n = w.len();
        if n < 3 {
            return;
        }
        let (a, b) = (w[n - 2], w[n - 1]);
        let i = class(a) * 129 + class(b);
        if let Some(t) = self.last.get_mut(i)
            && !*t
        {
            *t = true;
            let f = self.pair(a, b);
            if let Some(s) = self.last_from.get_mut(class(a)) {
                *s += f;
            }
        }
        let (a, b) = (w[n - 3], w[n - 2]);
        let i = class(a) * 129 + class(b);
        if let Some(t) = self.mid.get_mut(i)
            && !*t
        {
            *t = true;
            let f = self.pair(a, b);
            if let Some(s) = self.mid_to.get_mut(class(b)) {
                *s += f;
            }
        }
    }
}

/// Sets the bits of `two` bytes in every ASCII case.
fn set_pair(pairs: &mut [u64; 1 << (16 - 6)], two: &[u8]) {
    let (Some(&a), Some(&b)) = (two.first(), two.get(1)) else {
        return;
    };
    for x in [a, a.to_ascii_uppercase()] {
        for y in [b, b.to_ascii_uppercase()] {
            let p = usize::from(u16::from(x) << 8 | u16::from(y));
            pairs[p >> 6] |= 1 << (p & 63);
        }
    }
}

/// ASCII lower-casing of the four bytes of `x` at once: bytes in
/// `A..=Z` get their 0x20 bit, every other byte stays as it is.
fn fold4(x: u32) -> u32 {
    const ONES: u32 = 0x0101_0101;
    // Per byte, with the high bit cleared so the additions cannot carry
    // into the next byte: its high bit is set once the byte is >= 'A',
    // and once it is > 'Z'.
    let low = x & 0x7F7F_7F7F;
    let ge_a = low.wrapping_add((0x80 - u32::from(b'A')) * ONES);
    let gt_z = low.wrapping_add((0x80 - u32::from(b'Z') - 1) * ONES);
    let upper = ge_a & !gt_z & !x & 0x8080_8080;
    x | (upper >> 2)
}

/// Whether a literal shorter than a window occurs in `hay`: its rarest
/// byte, in either case, found by `memchr`, then the bytes around it.
fn occurs(l: &[u8], hay: &[u8]) -> bool {
    let Some(k) = (0..l.len()).min_by_key(|&k| commonness(l[k])) else {
        return false;
    };
    let b = l[k];
    memchr::memchr2_iter(b, b.to_ascii_uppercase(), hay).any(|at| {
        at.checked_sub(k)
            .and_then(|from| hay.get(from..from + l.len()))
            .is_some_and(|x| x.eq_ignore_ascii_case(l))
    })
}

fn window(b: &[u8]) -> u32 {
    b.iter()
        .take(W)
        .fold(0, |w, &c| (w << 8) | u32::from(FOLD[usize::from(c)]))
}

impl Grams {
    pub fn new<S: AsRef<str>>(literals: &[S]) -> Self {
        let literals: Vec<Vec<u8>> = literals
            .iter()
            .map(|l| l.as_ref().as_bytes().to_ascii_lowercase())
            .collect();
        let mut bits = Box::new([0u64; 1 << (HASH_BITS - 6)]);
        // (hash, entry), sorted by hash below: one allocation, not one
        // per hash value.
        let mut filed: Vec<(usize, Entry)> = Vec::with_capacity(literals.len());
        let mut short = Vec::new();
        let mut bits3 = Box::new([0u64; 1 << (HASH_BITS - 6)]);
        let mut three = Vec::new();
        let mut pairs = Box::new([0u64; 1 << (16 - 6)]);
        let mut mids = Box::new([0u64; 1 << (16 - 6)]);
        let mut cost = AnchorCost::new();
        for l in literals.iter().filter(|l| l.len() == W - 1) {
            cost.take(l);
        }
        // Short literals first: they have the fewest windows to choose
        // from, the longer ones then pick around the pairs they took.
        let mut order: Vec<usize> = (0..literals.len()).collect();
        order.sort_by_key(|&i| literals.get(i).map_or(0, Vec::len));
        for i in order {
            let Some(l) = literals.get(i) else { continue };
            if l.len() == W - 1 {
                let w = window(l);
                let h = hash(w);
                bits3[h >> 6] |= 1 << (h & 63);
                three.push((w, i as u32));
                set_pair(&mut pairs, &l[1..]);
                set_pair(&mut mids, l);
                continue;
            }
            if l.len() < W {
                short.push(i as u32);
                continue;
            }
            let offset = cost.anchor(l);
            cost.take(&l[offset..offset + W]);
            let w = window(&l[offset..]);
            let h = hash(w);
            bits[h >> 6] |= 1 << (h & 63);
            set_pair(&mut pairs, &l[offset + W - 2..offset + W]);
            set_pair(&mut mids, &l[offset + 1..offset + W - 1]);
            filed.push((
                h,
                Entry {
                    window: w,
                    literal: i as u32,
                    offset: offset as u32,
                },
            ));
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
        three.sort_unstable();
        Self {
            pairs,
            mids,
            bits,
            start,
            entries,
            literals,
            bits3,
            three,
            short,
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
        let f = &mut found;
        // The last four bytes read, as written (zeros before the start).
        let mut quad: u32 = 0;
        for (i, &b) in hay.iter().enumerate() {
            quad = (quad << 8) | u32::from(b);
            let p = (quad & 0xFFFF) as usize;
            if self.pairs[p >> 6] & (1 << (p & 63)) != 0 {
                let m = ((quad >> 8) & 0xFFFF) as usize;
                if self.mids[m >> 6] & (1 << (m & 63)) != 0 {
                    self.window_at(hay, i, quad, f);
                }
            }
        }
        for &s in &self.short {
            if let Some(l) = self.literals.get(s as usize)
                && occurs(l, hay)
            {
                f.report(s as usize);
            }
        }
    }

    /// The window ending at `hay[i]`, whose last two bytes are an anchor's.
    #[inline(never)]
    fn window_at<F: FnMut(usize)>(&self, hay: &[u8], i: usize, quad: u32, f: &mut Found<'_, F>) {
        // The four bytes folded at once in a register; before the fourth
        // byte the missing ones are zeros, as `window` leaves them.
        let w = fold4(quad);
        if i >= W - 1 {
            let h = hash(w);
            if self.bits[h >> 6] & (1 << (h & 63)) != 0 {
                self.probe(hay, i + 1 - W, w, h, f);
            }
        }
        if i >= W - 2 {
            let w3 = w & 0x00FF_FFFF;
            let h3 = hash(w3);
            if self.bits3[h3 >> 6] & (1 << (h3 & 63)) != 0 {
                self.probe3(w3, f);
            }
        }
    }

    #[cold]
    fn probe3<F: FnMut(usize)>(&self, w: u32, f: &mut Found<'_, F>) {
        let from = self.three.partition_point(|&(x, _)| x < w);
        for &(x, l) in self.three.get(from..).unwrap_or_default() {
            if x != w {
                break;
            }
            f.report(l as usize);
        }
    }

    #[cold]
    fn probe<F: FnMut(usize)>(
        &self,
        hay: &[u8],
        at: usize,
        w: u32,
        h: usize,
        f: &mut Found<'_, F>,
    ) {
        let b = h >> BUCKET_SHIFT;
        let (Some(&from), Some(&to)) = (self.start.get(b), self.start.get(b + 1)) else {
            return;
        };
        for e in self
            .entries
            .get(from as usize..to as usize)
            .unwrap_or_default()
        {
            if e.window != w || f.has(e.literal as usize) {
                continue;
            }
            let Some(l) = self.literals.get(e.literal as usize) else {
                continue;
            };
            let Some(begin) = at.checked_sub(e.offset as usize) else {
                continue;
            };
            if hay
                .get(begin..begin + l.len())
                .is_some_and(|x| x.eq_ignore_ascii_case(l))
            {
                f.report(e.literal as usize);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Grams;

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

    #[test]
    fn fold4_lower_cases_like_the_table() {
        for a in 0..=255u8 {
            for b in [
                0u8, b'@', b'A', b'Z', b'[', b'a', b'z', 0x80, 0xC1, 0xDA, 0xFF,
            ] {
                let bytes = [a, b, a ^ 0x80, b ^ 0x80];
                assert_eq!(
                    super::fold4(u32::from_be_bytes(bytes)),
                    super::window(&bytes),
                    "{bytes:?}"
                );
            }
        }
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
            let mut got = Vec::new();
            Grams::new(&lits).for_each(hay.as_bytes(), |i| got.push(i));
            got.sort_unstable();
            got.dedup();
            assert_eq!(got, naive(&lits, hay), "{hay}");
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
