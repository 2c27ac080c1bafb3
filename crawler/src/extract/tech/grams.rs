//! Finds which of a few thousand literals occur in a page, ASCII
//! case-insensitively, at a cost that does not grow with their number.
//!
//! An Aho-Corasick automaton over Wappalyzer's ~1,400 HTML and DOM literals
//! has no SIMD prefilter (that needs at most 64 patterns) and stepped
//! 60-250 instructions per byte in our measurements (overlapping search,
//! NFA or DFA; the DFA also took over 100 ms to build). Here each literal is
//! filed under its rarest 4-byte window; one pass hashes every window of the
//! page into a 64 Kibit bitmap (about 10 instructions a byte) and only
//! windows whose bit is set are compared with the literals filed there.

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

fn hash(window: u32) -> usize {
    (window.wrapping_mul(0x9E37_79B1) >> (32 - HASH_BITS)) as usize
}

/// How common a byte is in web pages, roughly (higher = more common):
/// the window with the lowest sum is the literal's anchor.
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
    bits: Box<[u64; 1 << (HASH_BITS - 6)]>,
    /// Entries filed under each hash, as ranges of `entries`.
    start: Vec<u32>,
    entries: Vec<Entry>,
    /// Lower-cased literals.
    literals: Vec<Vec<u8>>,
    /// Three-byte literals: a bitmap of their hashes, and (window,
    /// literal) sorted by window, tested in the same pass.
    bits3: Box<[u64; 1 << (HASH_BITS - 6)]>,
    three: Vec<(u32, u32)>,
    /// Literals shorter than three bytes, compared at every position
    /// (the callers have none).
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
        for (i, l) in literals.iter().enumerate() {
            if l.len() == W - 1 {
                let w = window(l);
                let h = hash(w);
                bits3[h >> 6] |= 1 << (h & 63);
                three.push((w, i as u32));
                continue;
            }
            if l.len() < W {
                short.push(i as u32);
                continue;
            }
            let offset = (0..=l.len() - W)
                .min_by_key(|&k| l[k..k + W].iter().map(|&b| commonness(b)).sum::<u32>())
                .unwrap_or(0);
            let w = window(&l[offset..]);
            let h = hash(w);
            bits[h >> 6] |= 1 << (h & 63);
            filed.push((
                h,
                Entry {
                    window: w,
                    literal: i as u32,
                    offset: offset as u32,
                },
            ));
        }
        filed.sort_by_key(|(h, _)| *h);
        // start[h]..start[h + 1] are the entries filed under hash h.
        let mut start = Vec::with_capacity((1 << HASH_BITS) + 1);
        let mut entries = Vec::with_capacity(filed.len());
        let mut next = filed.into_iter().peekable();
        for h in 0..1usize << HASH_BITS {
            start.push(entries.len() as u32);
            while let Some((_, e)) = next.next_if(|(x, _)| *x == h) {
                entries.push(e);
            }
        }
        start.push(entries.len() as u32);
        three.sort_unstable();
        Self {
            bits,
            start,
            entries,
            literals,
            bits3,
            three,
            short,
        }
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
        let mut w: u32 = 0;
        for (i, &b) in hay.iter().enumerate() {
            w = (w << 8) | u32::from(FOLD[usize::from(b)]);
            let h = hash(w);
            if self.bits[h >> 6] & (1 << (h & 63)) != 0 && i >= W - 1 {
                self.probe(hay, i + 1 - W, w, h, f);
            }
            let w3 = w & 0x00FF_FFFF;
            let h3 = hash(w3);
            if self.bits3[h3 >> 6] & (1 << (h3 & 63)) != 0 && i >= W - 2 {
                self.probe3(w3, f);
            }
        }
        for &s in &self.short {
            if let Some(l) = self.literals.get(s as usize)
                && hay
                    .windows(l.len().max(1))
                    .any(|x| x.eq_ignore_ascii_case(l))
            {
                f.report(s as usize);
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
        let (Some(&from), Some(&to)) = (self.start.get(h), self.start.get(h + 1)) else {
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
        ] {
            let mut got = Vec::new();
            Grams::new(&lits).for_each(hay.as_bytes(), |i| got.push(i));
            got.sort_unstable();
            got.dedup();
            assert_eq!(got, naive(&lits, hay), "{hay}");
        }
    }
}
