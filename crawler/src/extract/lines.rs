//! The lines of a page's own text, split once for the line-based
//! extractors (addresses, phones, legal and register numbers) instead of
//! once by each, with whether each holds a digit: those extractors look
//! only at lines with one.

use super::digits::has_digit;

pub(crate) struct Lines<'t> {
    lines: Vec<&'t str>,
    digit: Vec<bool>,
}

impl<'t> Lines<'t> {
    /// The lines `str::lines` gives.
    pub(crate) fn of(text: &'t str) -> Self {
        let lines: Vec<&str> = super::text::lines(text).collect();
        let digit = lines.iter().map(|l| has_digit(l.as_bytes())).collect();
        Self { lines, digit }
    }

    pub(crate) fn all(&self) -> &[&'t str] {
        &self.lines
    }

    /// Whether line `i` holds an ASCII digit.
    pub(crate) fn has_digit(&self, i: usize) -> bool {
        self.digit.get(i).copied().unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_their_digits() {
        let text = "Musterstraße 12\r\n10115 Berlin\n\nno digit here\nTel. 030 123";
        let l = Lines::of(text);
        assert_eq!(l.all(), text.lines().collect::<Vec<_>>().as_slice());
        let digits: Vec<bool> = (0..l.all().len()).map(|i| l.has_digit(i)).collect();
        assert_eq!(digits, [true, true, false, false, true]);
        assert!(!l.has_digit(99));
    }
}
