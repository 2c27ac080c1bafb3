//! Generated inputs for the differential tests: short strings over a small
//! alphabet of the characters that steer the code under test, from a fixed
//! seed so that a failure names the same input every run.

/// xorshift64 from a fixed seed.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed | 1)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A number below `n` (which must not be 0).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

/// `count` strings of 0 to `max_len` characters of `alphabet`.
pub(crate) fn strings(alphabet: &[char], count: usize, max_len: usize, seed: u64) -> Vec<String> {
    let mut rng = Rng::new(seed);
    (0..count)
        .map(|_| {
            let len = rng.below(max_len + 1);
            (0..len)
                .map(|_| alphabet[rng.below(alphabet.len())])
                .collect()
        })
        .collect()
}

/// Every fixture page: its path under `tests/fixtures` (`de/impressum.html`)
/// and its HTML.
pub(crate) fn fixture_pages() -> Vec<(String, String)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut pages = Vec::new();
    for lang in ["de", "en", "fr", "tech"] {
        for e in std::fs::read_dir(root.join(lang))
            .into_iter()
            .flatten()
            .flatten()
        {
            if let Ok(html) = std::fs::read_to_string(e.path()) {
                let name = e.file_name().to_string_lossy().into_owned();
                pages.push((format!("{lang}/{name}"), html));
            }
        }
    }
    pages.sort();
    pages
}

/// The visible text of every fixture page, a line at a time.
pub(crate) fn fixture_text_lines() -> Vec<String> {
    let mut lines = Vec::new();
    for (_, html) in fixture_pages() {
        let scan = crate::html::scan_html(&html);
        lines.extend(scan.text.lines().map(str::to_string));
    }
    lines
}
