//! One name cleaned: titles, degrees, all-caps and particles handled.

use super::*;

/// Courtesy and academic prefixes beyond the list: abbreviations of two or
/// more letters ending in a dot ("med.", "rer.", "nat.", "Dipl.-Ing.",
/// "Univ.-Prof.", "h.c."), and parenthesised qualifiers ("(FH)", "(TU)").
/// A first name never ends in a dot unless it is an initial ("J.").
pub(super) fn is_prefix_word(w: &str) -> bool {
    if PREFIX.contains_lowercased(w) {
        return true;
    }
    if w.starts_with('(') && w.ends_with(')') {
        return true;
    }
    w.ends_with('.') && w.chars().filter(|c| c.is_alphabetic()).count() >= 2
}

/// Degrees and certifications after a name: the list, dotted abbreviations
/// ("Ph.D.", "Dipl.-Ing."), capitals ("MBA") and parenthesised ones.
pub(super) fn is_suffix_word(w: &str) -> bool {
    SUFFIX.contains_lowercased(w)
        || CAPS_SUFFIX.contains(w)
        || (w.starts_with('(') && w.ends_with(')'))
        || (w.ends_with('.') && w.chars().filter(|c| c.is_alphabetic()).count() >= 2)
}

/// Most words of a line that can still be a name with its prefixes and
/// degrees ("Univ.-Prof. Dr. med. Dr. h.c. Jane Doe, MBA, PhD, FRICS" has
/// 11): at most six words are left of a name once those are stripped.
const MAX_NAME_LINE_WORDS: usize = 23;

/// Whether `s` has more than `n` words, counting only ASCII whitespace
/// between them: a lower bound of `split_whitespace`'s count (other
/// Unicode spaces only join words here), so a `true` is certain.
pub(super) fn more_words_than(s: &str, n: usize) -> bool {
    let mut words = 0;
    let mut in_word = false;
    for &b in s.as_bytes() {
        let space = b.is_ascii_whitespace();
        if !space && !in_word {
            words += 1;
            if words > n {
                return true;
            }
        }
        in_word = !space;
    }
    false
}

/// Whether at least two words of `raw` (as `split_whitespace` splits it)
/// begin with a capital once any leading `,`, `;` or `:` is dropped.
pub(super) fn two_capitalised_words(raw: &str) -> bool {
    if !raw.is_ascii() {
        return two_capitalised_words_by_chars(raw);
    }
    // ASCII, byte by byte: the same words (the ASCII whitespace of
    // `char::is_whitespace`, vertical tab included) and capitals, without
    // decoding characters; most lines given are ASCII.
    let mut capitalised = 0;
    let mut word_start = true;
    for &b in raw.as_bytes() {
        if matches!(b, b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r' | b' ') {
            word_start = true;
        } else if word_start && !matches!(b, b',' | b';' | b':') {
            word_start = false;
            if b.is_ascii_uppercase() {
                capitalised += 1;
                if capitalised == 2 {
                    return true;
                }
            }
        }
    }
    false
}

/// [`two_capitalised_words`] a character at a time: its answer for lines
/// that are not ASCII, and the reference its byte-wise count is tested
/// against.
pub(super) fn two_capitalised_words_by_chars(raw: &str) -> bool {
    raw.split_whitespace()
        .filter(|w| {
            w.trim_start_matches([',', ';', ':'])
                .chars()
                .next()
                .is_some_and(char::is_uppercase)
        })
        .nth(1)
        .is_some()
}

/// "JEAN-PIERRE" as "Jean-Pierre", "O'NEIL" as "O'Neil".
pub(super) fn title_case(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    let mut start = true;
    for c in word.chars() {
        if start {
            out.extend(c.to_uppercase());
        } else {
            out.extend(c.to_lowercase());
        }
        start = matches!(c, '-' | '\'' | '’');
    }
    out
}

/// A word of two or more letters, all of them capitals.
pub(super) fn is_all_caps(w: &str) -> bool {
    let mut letters = 0;
    for c in w.chars() {
        if c.is_alphabetic() {
            if !c.is_uppercase() {
                return false;
            }
            letters += 1;
        }
    }
    letters >= 2
}

/// Whether a word is a company's legal form ("GmbH", "S.r.l.", "Inc.",
/// "B.V.", "AB", "Oy"): a line holding one names a company, not a person.
/// Two-letter forms count only in capitals or with dots, as companies
/// write them ("AG", "S.A."), so that no part of a person's name is taken
/// for one.
pub(super) fn is_legal_form(word: &str) -> bool {
    let w = word.trim_end_matches([',', ';']);
    if w.len() > 14 || !w.is_ascii() || !w.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return false;
    }
    let dotted = w.contains('.');
    let mut buf = [0u8; 14];
    let mut n = 0;
    let mut caps = true;
    for b in w.bytes().filter(|&b| b != b'.') {
        if !b.is_ascii_alphabetic() {
            // "A/S" is the only form with another character.
            return w == "A/S";
        }
        caps &= b.is_ascii_uppercase();
        buf[n] = b.to_ascii_lowercase();
        n += 1;
    }
    let Ok(form) = std::str::from_utf8(&buf[..n]) else {
        return false;
    };
    match form {
        "gmbh" | "ggmbh" | "gesmbh" | "mbh" | "kgaa" | "ohg" | "gbr" | "inc" | "ltd" | "llc"
        | "llp" | "corp" | "plc" | "sarl" | "sas" | "sasu" | "eurl" | "srl" | "srls" | "spa"
        | "sapa" | "slu" | "sau" | "snc" | "oyj" | "aps" | "sro" | "lda" | "ltda" | "pty"
        | "kft" | "zrt" | "nyrt" | "doo" | "limited" | "incorporated" | "corporation" => true,
        "ag" | "ug" | "kg" | "se" | "sa" | "sl" | "bv" | "nv" | "ab" | "as" | "ek" | "ev"
        | "co" => dotted || caps,
        "oy" => w == "Oy" || caps,
        _ => false,
    }
}

/// Strips courtesy and academic prefixes; returns the bare name if it looks
/// like a person's name (2-4 capitalised words, particles allowed). Names
/// written in capitals ("JANE DOE", "Jean DUPONT") come back title-cased.
pub fn clean_name(raw: &str) -> Option<String> {
    // "Label: value" is a labelled line, never a bare name.
    if raw.trim_end().trim_end_matches(':').contains(':') {
        return None;
    }
    // Most lines given are sentences: refused by a byte count of their
    // words before any word is split out, lower-cased or copied.
    if more_words_than(raw, MAX_NAME_LINE_WORDS) {
        return None;
    }
    // A name keeps at least two words that begin with a capital (the tests
    // below): most short lines (menu items, table cells) have fewer, and
    // are refused before their words are collected.
    if !two_capitalised_words(raw) {
        return None;
    }
    let mut words: Vec<&str> = raw
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| c == ',' || c == ';' || c == ':'))
        .filter(|w| !w.is_empty())
        .collect();
    // "Owner: Acme Widgets Inc.", "Inhaber: Meier Handel e.K.": a company,
    // whose dotted legal form would otherwise be stripped as a degree (the
    // words kept are tested in the loop below).
    while let Some(w) = words.first().filter(|w| is_prefix_word(w)) {
        if is_legal_form(w) {
            return None;
        }
        words.remove(0);
    }
    while let Some(w) = words
        .last()
        .filter(|w| words.len() > 2 && is_suffix_word(w))
    {
        if is_legal_form(w) {
            return None;
        }
        words.pop();
    }
    // The word count first: most lines are longer than a name, and the
    // suffix test lower-cases every word.
    let capitalised = words.iter().filter(|w| !PARTICLE.contains(w)).count();
    if !(2..=4).contains(&capitalised) || words.len() > 6 {
        return None;
    }
    // Every word but a particle must begin with a capital (the loop below
    // refuses it otherwise): most short lines fail here, before any word
    // is looked up or copied.
    if !words
        .iter()
        .all(|w| PARTICLE.contains(w) || w.chars().next().is_some_and(char::is_uppercase))
    {
        return None;
    }
    if words
        .iter()
        .any(|w| SUFFIX.contains_lowercased(w) || CAPS_SUFFIX.contains(w))
    {
        return None;
    }
    let caps = words.iter().filter(|w| is_all_caps(w)).count();
    let all_caps = caps == words.len();
    let mut out: Vec<String> = Vec::with_capacity(words.len());
    for w in &words {
        if PARTICLE.contains(w) {
            out.push((*w).to_string());
            continue;
        }
        if NOT_NAME.contains_lowercased(w) || is_legal_form(w) {
            return None;
        }
        let word = if is_all_caps(w) {
            // Capitals: the whole name ("JANE DOE"), or a surname in the
            // French way ("Jean DUPONT"); anything else is a heading or an
            // acronym. Particles in capitals ("VON") are particles.
            if all_caps && COMMON_CAPS.contains_lowercased(w) {
                return None;
            }
            if !all_caps && (caps > 1 || ACRONYMS.is_match(w)) {
                return None;
            }
            if PARTICLE.contains_lowercased(w) {
                out.push(w.to_lowercase());
                continue;
            }
            title_case(w)
        } else {
            (*w).to_string()
        };
        // Its first letter is a capital (checked before the loop).
        let mut chars = word.chars();
        chars.next()?;
        // "J." initials are fine; otherwise letters, apostrophes, hyphens.
        let rest: Vec<char> = chars.collect();
        let initial = rest == ['.'];
        if !initial
            && (rest.is_empty()
                || !rest
                    .iter()
                    .all(|c| c.is_alphabetic() || *c == '\'' || *c == '-' || *c == '’'))
        {
            return None;
        }
        out.push(word);
    }
    let name = out.join(" ");
    if is_title(&name) || (all_caps && ACRONYMS.is_match(&words.join(" "))) {
        return None;
    }
    Some(name)
}
