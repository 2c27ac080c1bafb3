//! One name cleaned: titles, degrees, all-caps and particles handled.

use super::*;

/// Courtesy and academic prefixes beyond the list: abbreviations of two or
/// more letters ending in a dot ("med.", "rer.", "nat.", "Dipl.-Ing.",
/// "Univ.-Prof.", "h.c."), and parenthesised qualifiers ("(FH)", "(TU)").
/// A first name never ends in a dot unless it is an initial ("J.").
pub(super) fn is_prefix_word(w: &str) -> bool {
    let lower = w.to_lowercase();
    if NAME_PREFIXES.contains(&lower.as_str()) {
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
    let lower = w.to_lowercase();
    NAME_SUFFIXES.contains(&lower.as_str())
        || CAPS_SUFFIXES.contains(&w)
        || (w.starts_with('(') && w.ends_with(')'))
        || (w.ends_with('.') && w.chars().filter(|c| c.is_alphabetic()).count() >= 2)
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

/// Strips courtesy and academic prefixes; returns the bare name if it looks
/// like a person's name (2-4 capitalised words, particles allowed). Names
/// written in capitals ("JANE DOE", "Jean DUPONT") come back title-cased.
pub fn clean_name(raw: &str) -> Option<String> {
    // "Label: value" is a labelled line, never a bare name.
    if raw.trim_end().trim_end_matches(':').contains(':') {
        return None;
    }
    let mut words: Vec<&str> = raw
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| c == ',' || c == ';' || c == ':'))
        .filter(|w| !w.is_empty())
        .collect();
    while words.first().is_some_and(|w| is_prefix_word(w)) {
        words.remove(0);
    }
    while words.len() > 2 && words.last().is_some_and(|w| is_suffix_word(w)) {
        words.pop();
    }
    // The word count first: most lines are longer than a name, and the
    // suffix test lower-cases every word.
    let capitalised = words.iter().filter(|w| !PARTICLES.contains(w)).count();
    if !(2..=4).contains(&capitalised) || words.len() > 6 {
        return None;
    }
    if words
        .iter()
        .any(|w| NAME_SUFFIXES.contains(&w.to_lowercase().as_str()) || CAPS_SUFFIXES.contains(w))
    {
        return None;
    }
    let caps = words.iter().filter(|w| is_all_caps(w)).count();
    let all_caps = caps == words.len();
    let mut out: Vec<String> = Vec::with_capacity(words.len());
    for w in &words {
        if PARTICLES.contains(w) {
            out.push((*w).to_string());
            continue;
        }
        let lower = w.to_lowercase();
        if NOT_NAME_WORDS.contains(&lower.as_str()) {
            return None;
        }
        let word = if is_all_caps(w) {
            // Capitals: the whole name ("JANE DOE"), or a surname in the
            // French way ("Jean DUPONT"); anything else is a heading or an
            // acronym. Particles in capitals ("VON") are particles.
            if all_caps && COMMON_CAPS_WORDS.contains(&lower.as_str()) {
                return None;
            }
            if !all_caps && (caps > 1 || ACRONYMS.is_match(w)) {
                return None;
            }
            if PARTICLES.contains(&lower.as_str()) {
                out.push(lower);
                continue;
            }
            title_case(w)
        } else {
            (*w).to_string()
        };
        let mut chars = word.chars();
        let first = chars.next()?;
        if !first.is_uppercase() {
            return None;
        }
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
