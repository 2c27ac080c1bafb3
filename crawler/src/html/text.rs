//! Visible text: which elements break lines or hide their content, and
//! whitespace collapsed the way a browser renders it.

/// Elements whose start and end become line breaks in the visible text.
pub(super) fn is_block(tag: &str) -> bool {
    matches!(
        tag,
        "address"
            | "article"
            | "aside"
            | "blockquote"
            | "body"
            | "br"
            | "caption"
            | "dd"
            | "details"
            | "dialog"
            | "div"
            | "dl"
            | "dt"
            | "fieldset"
            | "figcaption"
            | "figure"
            | "footer"
            | "form"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "header"
            | "hr"
            | "li"
            | "main"
            | "nav"
            | "ol"
            | "p"
            | "pre"
            | "section"
            | "summary"
            | "table"
            | "tbody"
            | "tfoot"
            | "thead"
            | "tr"
            | "ul"
            | "option"
    )
}

/// Elements whose content is never visible text.
pub(super) fn is_hidden_container(tag: &str) -> bool {
    matches!(
        tag,
        "script" | "style" | "noscript" | "template" | "iframe" | "object" | "svg"
    )
}

/// The whitespace `char::is_whitespace` means, found from byte `from` on:
/// the (start, end) of the next whitespace character. ASCII is decided per
/// byte; only non-ASCII characters are decoded.
pub(super) fn next_whitespace(s: &str, from: usize) -> Option<(usize, usize)> {
    let bytes = s.as_bytes();
    let mut i = from;
    while let Some(&b) = bytes.get(i) {
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
    None
}

/// Whitespace-collapsing text accumulator.
#[derive(Default)]
pub(super) struct Collapser {
    pub(super) out: String,
    pub(super) pending_space: bool,
}

impl Collapser {
    /// Appends `text` with runs of whitespace collapsed; copies whole words
    /// rather than single characters.
    pub(super) fn push_text(&mut self, text: &str) {
        let mut at = 0;
        loop {
            let (word_end, next) = match next_whitespace(text, at) {
                Some((ws_start, ws_end)) => (ws_start, Some(ws_end)),
                None => (text.len(), None),
            };
            if let Some(word) = text.get(at..word_end)
                && !word.is_empty()
            {
                if self.pending_space && !self.out.is_empty() && !self.out.ends_with('\n') {
                    self.out.push(' ');
                }
                self.pending_space = false;
                self.out.push_str(word);
            }
            match next {
                Some(n) => {
                    self.pending_space = true;
                    at = n;
                }
                None => return,
            }
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

/// Appends collapsed `text` to `buf`, keeping it under `max` characters.
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
