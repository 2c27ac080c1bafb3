//! Visible text: whitespace collapsed the way a browser renders it (which
//! elements break lines or hide their content is in [`super::element`]'s
//! table of tags).

/// The whitespace `char::is_whitespace` means, found from byte `from` on:
/// the (start, end) of the next whitespace character. ASCII is decided per
/// byte; only non-ASCII characters are decoded. Runs of bytes that cannot
/// be whitespace (above `' '` and ASCII) are skipped eight at a time: this
/// runs over every word of every page's text.
pub(super) fn next_whitespace(s: &str, from: usize) -> Option<(usize, usize)> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let bytes = s.as_bytes();
    let mut i = from;
    loop {
        while let Some(eight) = bytes.get(i..).and_then(|r| r.first_chunk::<8>()) {
            let x = u64::from_le_bytes(*eight);
            // Bytes below 0x21, or non-ASCII: the lowest one flagged is
            // exact (a borrow only reaches the bytes above it).
            let special = (x.wrapping_sub(ONES * 0x21) & !x & HIGH) | (x & HIGH);
            if special == 0 {
                i += 8;
            } else {
                i += (special.trailing_zeros() / 8) as usize;
                break;
            }
        }
        let &b = bytes.get(i)?;
        if b < 0x80 {
            if matches!(b, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ') {
                return Some((i, i + 1));
            }
            i += 1;
        } else {
            let c = s.get(i..).and_then(|rest| rest.chars().next())?;
            if c.is_whitespace() {
                return Some((i, i + c.len_utf8()));
            }
            i += c.len_utf8();
        }
    }
}

/// Where the whitespace starting at byte `from` ends: the first
/// character from there on that is not whitespace (or the text's end).
pub(super) fn skip_whitespace(s: &str, from: usize) -> usize {
    let bytes = s.as_bytes();
    let mut i = from;
    while let Some(&b) = bytes.get(i) {
        if b < 0x80 {
            if !matches!(b, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ') {
                return i;
            }
            i += 1;
        } else {
            match s.get(i..).and_then(|rest| rest.chars().next()) {
                Some(c) if c.is_whitespace() => i += c.len_utf8(),
                _ => return i,
            }
        }
    }
    i
}

/// Where the phrase starting at byte `from` (a character that is not
/// whitespace) ends: at the first whitespace that is not a single ASCII
/// space before another ASCII word character, or at the text's end. Such
/// a phrase reads the same collapsed, so it is copied whole.
pub(super) fn phrase_end(s: &str, from: usize) -> usize {
    let bytes = s.as_bytes();
    let mut at = from;
    loop {
        let Some((ws, ws_end)) = next_whitespace(s, at) else {
            return s.len();
        };
        if bytes.get(ws) == Some(&b' ') && bytes.get(ws_end).is_some_and(|&b| b > b' ' && b < 0x80)
        {
            at = ws_end + 1;
        } else {
            return ws;
        }
    }
}

/// Whitespace-collapsing text accumulator.
#[derive(Default)]
pub(super) struct Collapser {
    pub(super) out: String,
    pub(super) pending_space: bool,
}

impl Collapser {
    /// Appends `text` with runs of whitespace collapsed; copies whole
    /// phrases (words joined by single spaces, as most text is written)
    /// rather than single words or characters.
    pub(super) fn push_text(&mut self, text: &str) {
        let mut at = 0;
        loop {
            let from = skip_whitespace(text, at);
            if from > at {
                self.pending_space = true;
            }
            if from >= text.len() {
                return;
            }
            let end = phrase_end(text, from);
            if self.pending_space && !self.out.is_empty() && !self.out.ends_with('\n') {
                self.out.push(' ');
            }
            self.pending_space = false;
            self.out.push_str(text.get(from..end).unwrap_or_default());
            at = end;
        }
    }

    pub(super) fn push_space(&mut self) {
        self.pending_space = true;
    }

    pub(super) fn push_break(&mut self) {
        if !self.out.is_empty() && !self.out.ends_with('\n') {
            self.out.push('\n');
        }
        self.pending_space = false;
    }

    pub(super) fn finish(mut self) -> String {
        while self.out.ends_with('\n') {
            self.out.pop();
        }
        self.out
    }
}

/// Appends collapsed `text` to `buf`, keeping it under `max` characters
/// (a character past them may follow a space that fits).
pub(super) fn push_collapsed(buf: &mut String, text: &str, max: usize) {
    let mut count = buf.chars().count();
    let mut pending_space = buf.ends_with(' ');
    if pending_space {
        buf.pop();
    }
    // The output is at most the text and a space: one allocation instead of
    // growing a character at a time (this runs for every text run of every
    // link and heading).
    buf.reserve(text.len().min(max.saturating_sub(count).saturating_mul(4)) + 1);
    // A phrase at a time while phrases are ASCII and fit: most link and
    // heading text is. Past that, a word at a time.
    let mut at = 0;
    loop {
        let from = skip_whitespace(text, at);
        if from > at {
            if count >= max {
                return;
            }
            pending_space = true;
        }
        if from >= text.len() {
            break;
        }
        let end = phrase_end(text, from);
        let phrase = text.get(from..end).unwrap_or_default();
        let space = pending_space && !buf.is_empty();
        if !(phrase.is_ascii() && count + usize::from(space) + phrase.len() <= max) {
            push_words(buf, text, from, count, pending_space, max);
            return;
        }
        if space {
            buf.push(' ');
        }
        buf.push_str(phrase);
        count += usize::from(space) + phrase.len();
        pending_space = false;
        at = end;
    }
    if pending_space && !buf.is_empty() {
        buf.push(' ');
    }
}

/// [`push_collapsed`] a word at a time from byte `at` on, with `count`
/// characters in `buf` and a space pending or not.
fn push_words(
    buf: &mut String,
    text: &str,
    mut at: usize,
    mut count: usize,
    mut pending_space: bool,
    max: usize,
) {
    // An ASCII word copied whole: most link and heading text is ASCII words.
    loop {
        let (word_end, next) = match next_whitespace(text, at) {
            Some((ws_start, ws_end)) => (ws_start, Some(ws_end)),
            None => (text.len(), None),
        };
        let mut chars = text.get(at..word_end).unwrap_or_default().chars();
        if let Some(first) = chars.next() {
            if count >= max {
                return;
            }
            if pending_space && !buf.is_empty() {
                buf.push(' ');
                count += 1;
            }
            pending_space = false;
            buf.push(first);
            count += 1;
            let rest = chars.as_str();
            if rest.is_ascii() {
                let room = max.saturating_sub(count);
                buf.push_str(rest.get(..room.min(rest.len())).unwrap_or_default());
                if rest.len() > room {
                    return;
                }
                count += rest.len();
            } else {
                for c in rest.chars() {
                    if count >= max {
                        return;
                    }
                    buf.push(c);
                    count += 1;
                }
            }
        }
        match next {
            Some(n) => {
                if count >= max {
                    return;
                }
                pending_space = true;
                at = n;
            }
            None => break,
        }
    }
    if pending_space && !buf.is_empty() {
        buf.push(' ');
    }
}

/// The longest prefix of `s` of at most `max` bytes ending on a char boundary.
pub(super) fn truncate_at_char(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while end > 0 && !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A seeded xorshift: `pick(n)` is below `n`.
    fn picker(mut state: u64) -> impl FnMut(usize) -> usize {
        move |n| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        }
    }

    /// The character-at-a-time version `push_collapsed` replaced.
    fn push_collapsed_by_char(buf: &mut String, text: &str, max: usize) {
        let mut count = buf.chars().count();
        let mut pending_space = buf.ends_with(' ');
        if pending_space {
            buf.pop();
        }
        for c in text.chars() {
            if count >= max {
                return;
            }
            if c.is_whitespace() {
                pending_space = true;
                continue;
            }
            if pending_space && !buf.is_empty() {
                buf.push(' ');
                count += 1;
            }
            pending_space = false;
            buf.push(c);
            count += 1;
        }
        if pending_space && !buf.is_empty() {
            buf.push(' ');
        }
    }

    /// The character-at-a-time version of `Collapser::push_text`.
    fn push_text_by_char(c: &mut Collapser, text: &str) {
        for ch in text.chars() {
            if ch.is_whitespace() {
                c.pending_space = true;
                continue;
            }
            if c.pending_space && !c.out.is_empty() && !c.out.ends_with('\n') {
                c.out.push(' ');
            }
            c.pending_space = false;
            c.out.push(ch);
        }
    }

    #[test]
    fn push_text_matches_the_character_at_a_time_version() {
        let pieces = [
            "", " ", "  ", " a", "\n", "\t", "\r\n", "\u{a0}", "\u{2003}", "a", "ab", "Team",
            "über", " ü", "日本", "x\u{301}", "&", "-", "Products", "\u{1}", "\u{7f}", "a b", "ß",
        ];
        let mut next = picker(0x5851_f42d);
        for _ in 0..20_000 {
            let mut start = String::new();
            for _ in 0..next(3) {
                start.push_str(pieces[next(pieces.len())]);
            }
            if next(3) == 0 {
                start.push('\n');
            }
            let pending_space = next(2) == 0;
            let mut a = Collapser {
                out: start.clone(),
                pending_space,
            };
            let mut b = Collapser {
                out: start.clone(),
                pending_space,
            };
            // Text arrives one run at a time.
            for _ in 0..next(3) + 1 {
                let mut text = String::new();
                for _ in 0..next(10) {
                    text.push_str(pieces[next(pieces.len())]);
                }
                a.push_text(&text);
                push_text_by_char(&mut b, &text);
                assert_eq!(
                    (&a.out, a.pending_space),
                    (&b.out, b.pending_space),
                    "start {start:?} ({pending_space}), text {text:?}"
                );
            }
        }
    }

    #[test]
    fn next_whitespace_finds_what_a_character_search_finds() {
        let pieces = [
            " ",
            "\n",
            "\t",
            "\r",
            "\u{b}",
            "\u{c}",
            "\u{a0}",
            "\u{2003}",
            "\u{3000}",
            "\u{1}",
            "!",
            "a",
            "abcdefgh",
            "ü",
            "日本語",
            "\u{85}",
            "x\u{301}",
            "\u{7f}",
            "0123456789",
        ];
        let mut next = picker(0x9e37_79b9);
        for _ in 0..5_000 {
            let mut s = String::new();
            for _ in 0..next(12) {
                s.push_str(pieces[next(pieces.len())]);
            }
            for (from, _) in s.char_indices().chain([(s.len(), ' ')]) {
                let want = s[from..]
                    .char_indices()
                    .find(|(_, c)| c.is_whitespace())
                    .map(|(i, c)| (from + i, from + i + c.len_utf8()));
                assert_eq!(next_whitespace(&s, from), want, "{s:?} from {from}");
            }
        }
    }

    #[test]
    fn push_collapsed_matches_the_character_at_a_time_version() {
        let pieces = [
            "", " ", "  ", "\n", "\t", "\u{a0}", "\u{2003}", "a", "ab", "Team", "über", "Müller",
            "日本", "x\u{301}", "&", "-", "Products", "A", "ß", "a b", " Team", "\u{1}",
        ];
        let mut next = picker(0x2545_f491);
        for _ in 0..20_000 {
            let mut text = String::new();
            for _ in 0..next(8) {
                text.push_str(pieces[next(pieces.len())]);
            }
            let mut start = String::new();
            for _ in 0..next(4) {
                start.push_str(pieces[next(pieces.len())]);
            }
            let max = next(40);
            let (mut a, mut b) = (start.clone(), start.clone());
            push_collapsed(&mut a, &text, max);
            push_collapsed_by_char(&mut b, &text, max);
            assert_eq!(a, b, "start {start:?}, text {text:?}, max {max}");
            // Pieces of a link's text arrive one text run at a time.
            let (mut a, mut b) = (a, b);
            push_collapsed(&mut a, &text, max + 8);
            push_collapsed_by_char(&mut b, &text, max + 8);
            assert_eq!(a, b, "again: start {start:?}, text {text:?}, max {max}");
        }
    }
}
