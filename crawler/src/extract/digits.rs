//! Whether a line holds ASCII digits, eight bytes at a time.
//!
//! The line-based extractors (addresses, phones, legal and register
//! numbers) skip every line without a digit, and that test runs over every
//! byte of every page; most lines have none. A byte-at-a-time `any` cost
//! about three instructions a byte, once per extractor.

const LOW: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

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

/// True if `bytes` holds at least `n` ASCII digits.
pub(super) fn at_least(bytes: &[u8], n: usize) -> bool {
    has_digit(bytes) && bytes.iter().filter(|b| b.is_ascii_digit()).count() >= n
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
        assert!(!at_least(b"Tel. 089 123", 7));
        assert!(!at_least(b"", 1));
    }
}
