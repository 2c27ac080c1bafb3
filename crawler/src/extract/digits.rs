//! Whether a line holds ASCII digits, eight bytes at a time.
//!
//! The line-based extractors (addresses, phones, legal and register
//! numbers) skip every line without a digit, and that test runs over every
//! byte of every page; most lines have none. A byte-at-a-time `any` cost
//! about three instructions a byte, once per extractor. The byte-range
//! test and the count of marked bytes are shared with the word count
//! (`word_count.rs`).

const LOW: u64 = 0x0101_0101_0101_0101;
pub(super) const HIGH: u64 = 0x8080_8080_8080_8080;

/// True if some byte of `word` is an ASCII digit. XOR with '0' maps the
/// digits to 0..=9; a byte below 10 borrows into its high bit when 10 is
/// subtracted, and `!x` drops bytes that had the high bit set already
/// (non-ASCII). The test is exact for "any byte": a borrow only runs on
/// from a byte that is itself below 10.
fn word_has_digit(word: u64) -> bool {
    let x = word ^ (LOW * u64::from(b'0'));
    (x.wrapping_sub(LOW * 10) & !x & HIGH) != 0
}

/// True if `bytes` holds an ASCII digit.
pub(super) fn has_digit(bytes: &[u8]) -> bool {
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        if word_has_digit(u64::from_le_bytes(word)) {
            return true;
        }
    }
    chunks.remainder().iter().any(u8::is_ascii_digit)
}

/// The high bit of each byte of `word` that lies in `lo..=hi` (both
/// below 0x80), exactly: on the bytes' low seven bits, adding `0x80 - lo`
/// sets it from `lo` up and adding `0x80 - hi - 1` from above `hi` (no sum
/// carries into the next byte), and bytes with the high bit set are
/// dropped.
pub(super) fn in_range(word: u64, lo: u8, hi: u8) -> u64 {
    let low = word & !HIGH;
    let ge_lo = low.wrapping_add(LOW * u64::from(0x80 - lo));
    let gt_hi = low.wrapping_add(LOW * u64::from(0x80 - hi - 1));
    ge_lo & !gt_hi & !word & HIGH
}

/// How many bytes of `mask` (high bits only, as `in_range` gives) are
/// set: their sum lands in the top byte (`count_ones` is a dozen
/// instructions without a `popcnt` target feature).
pub(super) fn count_marked(mask: u64) -> u64 {
    (mask >> 7).wrapping_mul(LOW) >> 56
}

/// True if `bytes` holds at least `n` ASCII digits: counted eight bytes at
/// a time (a byte-at-a-time count over every line with a digit cost the
/// phone extractor about 48 k instructions a typical page), stopping once
/// there are enough.
pub(super) fn at_least(bytes: &[u8], n: usize) -> bool {
    let mut count = 0usize;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        count += count_marked(in_range(u64::from_le_bytes(word), b'0', b'9')) as usize;
        if count >= n {
            return true;
        }
    }
    count
        + chunks
            .remainder()
            .iter()
            .filter(|b| b.is_ascii_digit())
            .count()
        >= n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_a_byte_at_a_time() {
        // Every byte value at every position of lines of every length up
        // to 17, among letters, spaces and non-ASCII bytes around a digit.
        let fillers: [&[u8]; 4] = [
            b"abcdefghijklmnopq",
            b"                 ",
            "äöüßéèàçñøåæœ€–—".as_bytes(),
            b"/:;@ABCZ[`z{\x7f\x80\xff",
        ];
        for filler in fillers {
            for len in 0..=17.min(filler.len()) {
                for at in 0..len {
                    for b in 0..=255u8 {
                        let mut line = filler[..len].to_vec();
                        line[at] = b;
                        let naive = line.iter().any(u8::is_ascii_digit);
                        assert_eq!(has_digit(&line), naive, "{line:?}");
                    }
                }
            }
        }
        assert!(at_least(b"Tel. 089 1234", 7));
        // The count against a byte-at-a-time count: every byte value at
        // every position of lines up to 17 bytes over a few fillers, and
        // every threshold up to one past the line's digits.
        for filler in [
            &b"0123456789012345678"[..],
            b"a1b2c3d4e5f6g7h8i9j",
            "ü9é8ß7€6".as_bytes(),
        ] {
            for len in 0..=17.min(filler.len()) {
                for at in 0..len {
                    for b in 0..=255u8 {
                        let mut line = filler[..len].to_vec();
                        line[at] = b;
                        let digits = line.iter().filter(|b| b.is_ascii_digit()).count();
                        for n in 0..=digits + 1 {
                            assert_eq!(at_least(&line, n), digits >= n, "{line:?} {n}");
                        }
                    }
                }
            }
        }
        assert!(!at_least(b"Tel. 089 123", 7));
        assert!(!at_least(b"", 1));
    }
}
