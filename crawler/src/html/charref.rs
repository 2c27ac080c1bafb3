//! Character references decoded as the HTML standard's tokenizer does
//! (§13.2.5.72-80): the longest named reference from the standard's table,
//! legacy names without `;` ("&copy 2024", "&notit"), numeric references
//! with the windows-1252 replacements for 0x80-0x9F, and U+FFFD for zero,
//! surrogates and values past U+10FFFF. In an attribute value a legacy name
//! followed by `=` or an alphanumeric stays as written, so query strings
//! such as `?a=1&copy=2` survive. The table is html5ever's (`web_atoms`),
//! the one the differential test's parser uses.

use std::borrow::Cow;

use web_atoms::{C1_REPLACEMENTS, NAMED_ENTITIES};

use super::tokenizer::find_byte;

/// Text content (data and RCDATA states).
pub fn decode_text(raw: &str) -> Cow<'_, str> {
    decode(raw, false)
}

/// An attribute value.
pub fn decode_attribute(raw: &str) -> Cow<'_, str> {
    decode(raw, true)
}

fn decode(raw: &str, attribute: bool) -> Cow<'_, str> {
    let Some(first) = find_byte(b'&', raw.as_bytes()) else {
        return Cow::Borrowed(raw);
    };
    let mut out = String::with_capacity(raw.len());
    out.push_str(&raw[..first]);
    let mut rest = &raw[first..];
    while let Some(at) = find_byte(b'&', rest.as_bytes()) {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let used = reference(after, attribute, &mut out);
        if used == 0 {
            // Not a reference: the ampersand stands for itself.
            out.push('&');
        }
        rest = &after[used..];
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// Decodes the reference at the start of `s` (the text after `&`) into
/// `out`; returns how many bytes of `s` it used, 0 when there is none.
fn reference(s: &str, attribute: bool, out: &mut String) -> usize {
    let bytes = s.as_bytes();
    match bytes.first() {
        Some(b'#') => numeric(s, out),
        Some(b) if b.is_ascii_alphanumeric() => named(s, attribute, out),
        _ => 0,
    }
}

fn named(s: &str, attribute: bool, out: &mut String) -> usize {
    // The table holds every prefix of every name (mapped to zeros), so the
    // walk stops at the first prefix that no name has.
    let mut best: Option<(usize, (u32, u32))> = None;
    let bytes = s.as_bytes();
    let mut end = 0;
    while end < bytes.len() {
        let b = bytes[end];
        if !(b.is_ascii_alphanumeric() || b == b';') {
            break;
        }
        end += 1;
        match NAMED_ENTITIES.get(&s[..end]) {
            Some(&(0, _)) => {}
            Some(&cps) => best = Some((end, cps)),
            None => break,
        }
        if b == b';' {
            break;
        }
    }
    let Some((len, (c1, c2))) = best else {
        return 0;
    };
    if attribute && bytes[len - 1] != b';' {
        // "&copy=" and "&notit" in a URL are not references (historical
        // reasons, the standard says).
        if bytes
            .get(len)
            .is_some_and(|b| *b == b'=' || b.is_ascii_alphanumeric())
        {
            return 0;
        }
    }
    out.extend(char::from_u32(c1));
    if c2 != 0 {
        out.extend(char::from_u32(c2));
    }
    len
}

fn numeric(s: &str, out: &mut String) -> usize {
    let bytes = s.as_bytes();
    let (radix, start) = match bytes.get(1) {
        Some(b'x' | b'X') => (16, 2),
        _ => (10, 1),
    };
    let digits = bytes
        .get(start..)
        .unwrap_or_default()
        .iter()
        .take_while(|b| {
            if radix == 16 {
                b.is_ascii_hexdigit()
            } else {
                b.is_ascii_digit()
            }
        })
        .count();
    if digits == 0 {
        // "&#" or "&#x" with no digits: nothing is consumed.
        return 0;
    }
    let mut value: u32 = 0;
    for b in &bytes[start..start + digits] {
        let d = char::from(*b).to_digit(radix).unwrap_or(0);
        // Saturates past the largest code point; only "too large" matters.
        value = value.saturating_mul(radix).saturating_add(d).min(0x11_0000);
    }
    let mut used = start + digits;
    if bytes.get(used) == Some(&b';') {
        used += 1;
    }
    let c = match value {
        0 | 0x11_0000.. | 0xD800..=0xDFFF => '\u{FFFD}',
        0x80..=0x9F => C1_REPLACEMENTS
            .get((value - 0x80) as usize)
            .copied()
            .flatten()
            .or_else(|| char::from_u32(value))
            .unwrap_or('\u{FFFD}'),
        v => char::from_u32(v).unwrap_or('\u{FFFD}'),
    };
    out.push(c);
    used
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_as_the_standard_reads_them() {
        for (raw, text, attr) in [
            ("a &amp; b", "a & b", "a & b"),
            ("&copy 2024", "© 2024", "© 2024"),
            ("I'm &notit;", "I'm ¬it;", "I'm &notit;"),
            ("I'm &notin;", "I'm ∉", "I'm ∉"),
            ("?a=1&copy=2", "?a=1©=2", "?a=1&copy=2"),
            ("&#128;&#x80;", "€€", "€€"),
            (
                "&#0;&#xD800;&#x110000;",
                "\u{FFFD}\u{FFFD}\u{FFFD}",
                "\u{FFFD}\u{FFFD}\u{FFFD}",
            ),
            ("&#;&#x;&;&", "&#;&#x;&;&", "&#;&#x;&;&"),
            ("&unknown;", "&unknown;", "&unknown;"),
            ("&#65&#x42x", "ABx", "ABx"),
            ("&NotEqualTilde;", "\u{2242}\u{338}", "\u{2242}\u{338}"),
            ("Jürgen &amp Müller", "Jürgen & Müller", "Jürgen & Müller"),
        ] {
            assert_eq!(decode_text(raw), text, "{raw}");
            assert_eq!(decode_attribute(raw), attr, "{raw} in an attribute");
        }
        assert!(matches!(decode_text("no references"), Cow::Borrowed(_)));
    }
}
