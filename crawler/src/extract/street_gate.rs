//! Cheap necessary conditions for the street patterns of `address`.
//!
//! Each street pattern needs its kind word ("-straat", "rue", "Street") at a
//! fixed place: right before the house number, or as a line's first or
//! second word. A line without one cannot match, so the pattern is not run,
//! and a pattern no line of a process needs is never compiled: the street
//! patterns are large (Unicode letter classes under bounded repeats) and
//! compiling the Dutch and Nordic, Romance, French and English ones cost
//! about 36 M instructions per process, a sixth of a small site's crawl.
//!
//! The kinds are the patterns' own alternatives (the patterns are built
//! from these lists). Case-insensitive kinds are compared by [`fold`], which
//! puts every character the patterns' `(?i)` equates with a kind's letter
//! onto that letter (tested over all of Unicode).

use std::sync::LazyLock;

/// German kinds, as alternatives of the pattern (case-insensitive).
pub(super) const DE_KINDS: &[&str] = &[
    "straße",
    "strasse",
    "str.",
    "weg",
    "allee",
    "platz",
    "gasse",
    "ring",
    "damm",
    "ufer",
    "chaussee",
    "markt",
    "steig",
    "pfad",
    "hof",
    "berg",
    "feld",
    "park",
    "promenade",
    "kai",
    "brücke",
    "graben",
    "tor",
    "wall",
    "anger",
    "stieg",
];
/// German streets named with a preposition first ("Am Markt 3").
pub(super) const DE_PREPOSITIONS: &[&str] = &[
    "Am",
    "An der",
    "Auf der",
    "Im",
    "In der",
    "Zum",
    "Zur",
    "Unter den",
];
/// Parts of an estate after its kind ("Gewerbepark Süd 3").
pub(super) const DE_PARTS: &[&str] = &["Nord", "Süd", "Ost", "West", "Mitte"];
/// French kinds (case-insensitive).
pub(super) const FR_KINDS: &[&str] = &[
    "rue",
    "avenue",
    "av.",
    "boulevard",
    "bd",
    "place",
    "chemin",
    "allée",
    "allee",
    "impasse",
    "quai",
    "route",
    "cours",
    "square",
    "passage",
    "voie",
    "rond-point",
    "esplanade",
    "chaussée",
    "chaussee",
    "drève",
];
/// English kinds (case-sensitive), each with whether a dot may follow it
/// ("St", "St.").
pub(super) const EN_KINDS: &[(&str, bool)] = &[
    ("Street", false),
    ("St", true),
    ("Avenue", false),
    ("Ave", true),
    ("Road", false),
    ("Rd", true),
    ("Boulevard", false),
    ("Blvd", true),
    ("Drive", false),
    ("Dr", true),
    ("Lane", false),
    ("Ln", true),
    ("Way", false),
    ("Place", false),
    ("Pl", true),
    ("Court", false),
    ("Ct", true),
    ("Square", false),
    ("Sq", true),
    ("Terrace", false),
    ("Parkway", false),
    ("Pkwy", true),
    ("Highway", false),
    ("Hwy", true),
    ("Row", false),
    ("Close", false),
    ("Crescent", false),
    ("Gardens", false),
    ("Hill", false),
    ("Wharf", false),
    ("Yard", false),
    ("Mews", false),
];
/// More English kinds (case-sensitive), of American streets above all
/// (the US Postal Service's suffixes that company addresses use most):
/// only after a house number, as a numbered street's kind. A British
/// address without a number takes [`EN_KINDS`] only: "Innovation
/// Centre" or "Science Park" there name a building or an estate.
pub(super) const EN_NUMBERED_KINDS: &[(&str, bool)] = &[
    ("Plaza", false),
    ("Plz", true),
    ("Center", false),
    ("Centre", false),
    ("Ctr", true),
    ("Circle", false),
    ("Cir", true),
    ("Loop", false),
    ("Trail", false),
    ("Trl", true),
    ("Pike", false),
    ("Alley", false),
    ("Walk", false),
    ("Crossing", false),
    ("Commons", false),
    ("Park", false),
    ("Turnpike", false),
    ("Tpke", true),
    ("Expressway", false),
    ("Expy", true),
    ("Freeway", false),
    ("Fwy", true),
    ("Causeway", false),
    ("Cove", false),
    ("Ridge", false),
    ("Harbor", false),
    ("Landing", false),
    ("Heights", false),
    ("Grove", false),
    ("Point", false),
    ("Pass", false),
    ("Trace", false),
    ("Quay", false),
];

/// Every English kind a numbered street may end in.
pub(super) fn every_en_kind() -> impl Iterator<Item = &'static (&'static str, bool)> {
    EN_KINDS.iter().chain(EN_NUMBERED_KINDS)
}
/// Italian, Spanish, Portuguese and Polish kinds (case-insensitive), the
/// line's first word.
pub(super) const ROMANCE_KINDS: &[&str] = &[
    "via",
    "viale",
    "piazza",
    "piazzale",
    "corso",
    "largo",
    "vicolo",
    "strada",
    "contrada",
    "calle",
    "avenida",
    "avda.",
    "paseo",
    "plaza",
    "pza.",
    "carrer",
    "camino",
    "carretera",
    "ronda",
    "rambla",
    "travesía",
    "rua",
    "travessa",
    "praça",
    "alameda",
    "ul.",
    "al.",
    "ulica",
    "aleja",
    "plac",
];
/// Dutch and Nordic kinds (case-insensitive), right before the number.
pub(super) const NORTH_KINDS: &[&str] = &[
    "straat", "gracht", "kade", "laan", "plein", "singel", "steeg", "dreef", "dijk", "burgwal",
    "weg", "gatan", "vägen", "väg", "torget", "gata", "gate", "gaten", "veien", "vei", "vegen",
    "gade", "vej", "tie", "katu", "kuja", "tori",
];

/// Czech and Slovak words a street's name may start with in lower case
/// ("náměstí Míru 9", "třída Kpt. Jaroše 7", "nábrežie armádneho generála
/// Ľudovíta Svobodu 1"); other names start with a capital ("Vinohradská",
/// "Na Příkopě", "Karlovo náměstí") or an ordinal ("28. října"). Case
/// matters: a capital first letter passes anyway.
pub(super) const CS_LEADS: &[&str] = &[
    "náměstí",
    "nám.",
    "třída",
    "tř.",
    "ulice",
    "nábřeží",
    "nábř.",
    "sídliště",
    "námestie",
    "trieda",
    "nábrežie",
    "sídlisko",
];

/// Kinds as alternatives of a pattern, each matched literally.
pub(super) fn alternatives(kinds: &[&str]) -> String {
    kinds
        .iter()
        .map(|k| regex::escape(k))
        .collect::<Vec<_>>()
        .join("|")
}

/// English kinds as alternatives of a pattern: `St\.?` for an optional dot.
pub(super) fn en_alternatives() -> String {
    every_en_kind()
        .map(|(k, dot)| format!("{}{}", regex::escape(k), if *dot { r"\.?" } else { "" }))
        .collect::<Vec<_>>()
        .join("|")
}

/// `c` as the patterns' case-insensitive comparison sees it: lower case,
/// and the long s as an s (Unicode's simple case folding joins `ſ`, `s`
/// and `S`; the Kelvin sign lower-cases to `k` already). A character that
/// lower-cases to several (`İ`) is compared by its first: at worst a line
/// passes that the pattern then refuses.
pub(super) fn fold(c: char) -> char {
    if c.is_ascii() {
        c.to_ascii_lowercase()
    } else if c == 'ſ' {
        's'
    } else {
        c.to_lowercase().next().unwrap_or(c)
    }
}

/// Most characters in a kind (the Romance gate folds only that much of a
/// first word).
pub(super) const KIND_CHARS: usize = 10;

/// The first [`KIND_CHARS`] characters of `text`, folded by [`fold`].
fn folded_head(text: &str) -> String {
    text.chars().take(KIND_CHARS).map(fold).collect()
}

/// Kinds by one of their bytes (the last or the first): a word is
/// compared only with the few kinds that end (or begin) with its letter.
struct ByByte(Vec<Vec<&'static str>>);

impl ByByte {
    fn new(kinds: &[&'static str], last: bool) -> Self {
        let mut table = vec![Vec::new(); 256];
        for kind in kinds {
            let byte = if last {
                kind.as_bytes().last()
            } else {
                kind.as_bytes().first()
            };
            if let Some(&b) = byte {
                table[usize::from(b)].push(*kind);
            }
        }
        Self(table)
    }

    fn get(&self, byte: u8) -> &[&'static str] {
        &self.0[usize::from(byte.to_ascii_lowercase())]
    }
}

static DE_BY_LAST: LazyLock<ByByte> = LazyLock::new(|| ByByte::new(DE_KINDS, true));
static NORTH_BY_LAST: LazyLock<ByByte> = LazyLock::new(|| ByByte::new(NORTH_KINDS, true));
static FR_BY_FIRST: LazyLock<ByByte> = LazyLock::new(|| ByByte::new(FR_KINDS, false));
static ROMANCE_BY_FIRST: LazyLock<ByByte> = LazyLock::new(|| ByByte::new(ROMANCE_KINDS, false));

/// Whether `text` ends with one of `kinds`, as the patterns' `(?i)`
/// compares. Only kinds ending in the text's last letter are tried, and an
/// ASCII end is compared byte by byte: it holds neither the long s nor the
/// Kelvin sign, and cannot match a kind with any other letter. Other ends
/// are folded character by character.
fn ends_with_kind(text: &str, kinds: &ByByte, all: &[&str]) -> bool {
    let bytes = text.as_bytes();
    let Some(&last) = bytes.last() else {
        return false;
    };
    if !last.is_ascii() {
        return all.iter().any(|k| ends_with_folded(text, k));
    }
    kinds.get(last).iter().any(
        |k| match bytes.len().checked_sub(k.len()).map(|at| &bytes[at..]) {
            Some(end) if end.is_ascii() => end.eq_ignore_ascii_case(k.as_bytes()),
            _ => ends_with_folded(text, k),
        },
    )
}

/// Whether `text` starts with one of `kinds`, as the patterns' `(?i)`
/// compares (see [`ends_with_kind`]).
fn starts_with_kind(text: &str, kinds: &ByByte, all: &[&str]) -> bool {
    let bytes = text.as_bytes();
    let Some(&first) = bytes.first() else {
        return false;
    };
    if !first.is_ascii() {
        return all.iter().any(|k| starts_with_folded(text, k));
    }
    kinds.get(first).iter().any(|k| match bytes.get(..k.len()) {
        Some(start) if start.is_ascii() => start.eq_ignore_ascii_case(k.as_bytes()),
        _ => starts_with_folded(text, k),
    })
}

/// Whether `text` ends with `kind`, letters compared by [`fold`].
fn ends_with_folded(text: &str, kind: &str) -> bool {
    let mut have = text.chars().rev();
    kind.chars()
        .rev()
        .all(|k| have.next().is_some_and(|c| fold(c) == k))
}

/// Whether `text` starts with `kind`, letters compared by [`fold`].
fn starts_with_folded(text: &str, kind: &str) -> bool {
    let mut have = text.chars();
    kind.chars()
        .all(|k| have.next().is_some_and(|c| fold(c) == k))
}

/// The most bytes of the German pattern's house number, from its first
/// digit to the line's end: `[0-9]{1,4}\s?[a-zA-Z]?` and twice
/// `\s?[\-–/]\s?[0-9]{1,4}[a-zA-Z]?`, a space or dash being up to three
/// bytes.
pub(super) const DE_NUMBER_BYTES: usize = 4 + 3 + 1 + 2 * (3 + 3 + 3 + 4 + 1);

/// The text before each house number that starts within `reach` bytes of
/// the line's end: every place where whitespace is followed by an ASCII
/// digit, with that whitespace cut off.
fn before_numbers(line: &str, reach: usize) -> impl Iterator<Item = &str> {
    let bytes = line.as_bytes();
    (bytes.len().saturating_sub(reach).max(1)..bytes.len())
        .filter(move |&i| bytes[i].is_ascii_digit())
        .filter_map(move |i| {
            let before = &line[..i];
            let trimmed = before.trim_end_matches(char::is_whitespace);
            (trimmed.len() < before.len()).then_some(trimmed)
        })
}

/// Whether `line` may match the German pattern: a kind right before the
/// number (or before an estate's part and the number), or a preposition
/// first.
pub(super) fn de(line: &str) -> bool {
    let kind_at_end = |text: &str| ends_with_kind(text, &DE_BY_LAST, DE_KINDS);
    // Words compared byte-wise after their first or last byte: most lines
    // differ there.
    let first = line.as_bytes().first().copied();
    DE_PREPOSITIONS.iter().any(|p| {
        p.as_bytes().first().copied() == first
            && line
                .strip_prefix(p)
                .and_then(|rest| rest.chars().next())
                .is_some_and(char::is_whitespace)
    }) || before_numbers(line, DE_NUMBER_BYTES).any(|before| {
        kind_at_end(before)
            || DE_PARTS.iter().any(|part| {
                part.as_bytes().last() == before.as_bytes().last()
                    && before.strip_suffix(part).is_some_and(|rest| {
                        let name = rest.trim_end_matches(char::is_whitespace);
                        name.len() < rest.len() && kind_at_end(name)
                    })
            })
    })
}

/// Whether `line` may match the Dutch and Nordic pattern: a kind right
/// before the number.
pub(super) fn north(line: &str) -> bool {
    before_numbers(line, usize::MAX)
        .any(|before| ends_with_kind(before, &NORTH_BY_LAST, NORTH_KINDS))
}

/// Whether `line` may match the Romance pattern: a kind as its first word,
/// or "c/" first.
pub(super) fn romance(line: &str) -> bool {
    let first = line.split(char::is_whitespace).next().unwrap_or("");
    if first.is_ascii() {
        return first
            .as_bytes()
            .get(..2)
            .is_some_and(|s| s.eq_ignore_ascii_case(b"c/"))
            || first.as_bytes().first().is_some_and(|&b| {
                ROMANCE_BY_FIRST
                    .get(b)
                    .iter()
                    .any(|k| first.eq_ignore_ascii_case(k))
            });
    }
    if first.chars().count() > KIND_CHARS {
        return folded_head(first).starts_with("c/");
    }
    let first = folded_head(first);
    first.starts_with("c/") || ROMANCE_KINDS.contains(&first.as_str())
}

/// Whether `line` may match the French pattern: its second or third word
/// begins with a kind (the number, perhaps "bis" or a letter, then the
/// kind).
pub(super) fn fr(line: &str) -> bool {
    line.split(char::is_whitespace)
        .filter(|w| !w.is_empty())
        .skip(1)
        .take(2)
        .any(|w| starts_with_kind(w, &FR_BY_FIRST, FR_KINDS))
}

/// Whether `line` may match the French pattern with the kind first
/// (Belgium, Switzerland, Luxembourg: "Rue de la Loi 16"): its first word
/// is a French kind.
pub(super) fn fr_kind_first(line: &str) -> bool {
    line.split(char::is_whitespace)
        .next()
        .is_some_and(|w| starts_with_kind(w, &FR_BY_FIRST, FR_KINDS))
}

/// Whether `line` may match the English pattern: a word that is a kind,
/// perhaps with a comma after it.
pub(super) fn en(line: &str) -> bool {
    // Every kind begins with an ASCII capital.
    line.split(char::is_whitespace).any(|w| {
        if !w.as_bytes().first().is_some_and(u8::is_ascii_uppercase) {
            return false;
        }
        let w = w.strip_suffix(',').unwrap_or(w);
        every_en_kind().any(|(k, dot)| w == *k || (*dot && w.strip_suffix('.') == Some(k)))
    })
}

/// The most bytes of the Czech pattern's house number, from its first
/// digit to the line's end: `[0-9]{1,4}[a-zA-Z]?`, then `\s?/\s?` and
/// `[0-9]{1,4}[a-zA-Z]?`, a space being up to three bytes.
pub(super) const CS_NUMBER_BYTES: usize = 4 + 1 + 3 + 1 + 3 + 4 + 1;

/// Whether `line` may match the Czech and Slovak pattern, which has no
/// street kind: it ends in a house number, starts with a capital, an
/// ordinal or a lower-case street word, and holds no other digits than
/// ordinals ("28. října 5") before the number. Phone numbers, prices and
/// dates have digits there.
pub(super) fn cs(line: &str) -> bool {
    let bytes = line.as_bytes();
    if !bytes.last().is_some_and(u8::is_ascii_alphanumeric) {
        return false;
    }
    let starts = line
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_digit() || c.is_uppercase())
        || CS_LEADS.iter().any(|l| line.starts_with(l));
    starts
        && before_numbers(line, CS_NUMBER_BYTES)
            .any(|before| !before.is_empty() && only_ordinal_digits(before.as_bytes()))
}

/// Whether every run of digits in `bytes` is an ordinal: one or two
/// digits and a dot.
fn only_ordinal_digits(bytes: &[u8]) -> bool {
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() {
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            if i - start > 2 || bytes.get(i) != Some(&b'.') {
                return false;
            }
        }
        i += 1;
    }
    true
}
