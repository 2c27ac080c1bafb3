//! Generated inputs for the differential tests: short strings over a small
//! alphabet of the characters that steer the code under test, from a fixed
//! seed so that a failure names the same input every run.

/// `count` strings of 0 to `max_len` characters of `alphabet`.
pub(crate) fn strings(alphabet: &[char], count: usize, max_len: usize, seed: u64) -> Vec<String> {
    let mut state = seed | 1;
    let mut next = move || {
        // xorshift64
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    (0..count)
        .map(|_| {
            let len = (next() % (max_len as u64 + 1)) as usize;
            (0..len)
                .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                .collect()
        })
        .collect()
}
