//! Phone numbers, validated and normalised to E.164 by `phonenumber`.
//!
//! Text is full of digit runs (years, date ranges, order numbers, SKUs,
//! prices, versions, postcodes), so a run from text only counts when it
//! starts with an international prefix (`+49`, `0049`) or follows a phone
//! label (`Tel.`, `Phone`, `Telefon`, `Tél.`, `Fax`, ...), and only if the
//! library says it is a valid number for its region (see `region.rs` for
//! where a national number is read).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::LazyLock;

use phonenumber::country::Id;
use regex::Regex;

use super::PhoneKind;
use super::lines::Lines;
use super::memo::Memo;
use super::numbering;
use super::region::PhoneRegion;
use crate::page::Link;

/// A run of digits with the separators phone numbers use.
static CANDIDATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:\+|(?-u:\b)00)?\(?\d[\d \u{a0}./\-()]{4,22}\d").expect("static regex")
});

/// A phone label close before a number. `fax` is told apart; a label that
/// names both ("Phone/Fax", "Tel. & Fax") is a phone's. Longer words come
/// before shorter ones they start with: the ASCII word boundary (fast, but
/// blind to accented letters) would let "T" end inside "Tél.". Single
/// letters ("T", "M", "P", "F") need a colon, a dot or a space after them,
/// and words that are ordinary words elsewhere ("Main", "Standard",
/// "Office", the desks "Support", "Sales", "Kundenservice") a colon.
static LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i)(?:",
        // Phone and fax in one label.
        r"(?-u:\b)(?:telephone|téléphone|telefon|phone|tél|tel|fon)\.?\s*(?:/|&|\+|and|und|et|or|oder|ou)\s*(?:tele)?fax(?-u:\b)\.?\s*[:.]?",
        r"|(?:(?-u:\b)(?:",
        // Multi-letter words, longest first where one starts another.
        r"telefonzentrale|telefonnummer|telefoonnummer|telefoon|telefono|teléfono|telefon|téléphone|telephone|tél|tel\.?-nr|tel",
        r"|phone|ph|fon|mobile|mobil|mobiel|móvil|cellulare|cell|call|hotline|helpline|whatsapp|ring|switchboard|toll[\s\-]?free|freephone|freefone|direct\s+(?:line|dial)",
        // Portuguese and Brazilian, Nordic ("Tlf.", "Tfn", "Puh."), Belgian
        // and British mobile ("GSM", "Mob").
        r"|telefone|fone|celular|telemóvel|telemovel|tlf|tfn|puhelin|puh|gsm|mob|cel",
        r"|zentrale|rufnummer|durchwahl|festnetz|handy|portable|numéro\s+vert|ligne\s+directe|centralino|numero\s+verde|centralita|centrale",
        r")(?-u:\b)|☎|📞|✆)\.?\s*(?:\([^)]{0,20}\))?\s*[:.]?",
        // Single letters: "T: 030 …", "T. 030 …", "T 030 …"; "M" likewise.
        r"|(?-u:\b)[tm](?:\s*[:.]|\s)\s*",
        // Ordinary words, labels only with a colon.
        r"|(?-u:\b)(?:main(?:\s+(?:line|number|office))?|standard|p|office|direct|dd|accueil|support|sales|service|customer\s+(?:service|support|care)|kundenservice|kundendienst|vertrieb|verkauf|service\s+client|assistance|assistenza|atención\s+al\s+cliente)\.?\s*(?:\([^)]{0,20}\))?\s*:",
        // Fax.
        r"|(?-u:\b)(?:telefax|fax|télécopie)(?-u:\b)\.?\s*[:.]?|(?-u:\b)f\s*[:.]",
        r")",
    ))
    .expect("static regex")
});

/// Shapes that are dates, not phone numbers: 12.03.2024, 2019-2024, 2024/25.
static DATE_LIKE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:\d{1,2}[./\-]\d{1,2}[./\-]\d{2,4}|\d{4}[./\-]\d{1,2}[./\-]\d{1,2}|(?:19|20)\d{2}\s*[\-/–]\s*(?:19|20)?\d{2})$",
    )
    .expect("static regex")
});

/// Most characters between a label and its number ("Tel. (Zentrale): ").
const LABEL_REACH: usize = 32;

fn digits(s: &str) -> usize {
    s.chars().filter(char::is_ascii_digit).count()
}

/// Validates with the library and formats as E.164. A national number is
/// read in the hint's country; with a language alone, in the first of the
/// language's countries where it is valid (see `LanguageCountries`).
fn normalise(raw: &str, region: PhoneRegion) -> Option<String> {
    let t = raw.trim_start();
    if t.starts_with('+') || t.starts_with("00") {
        return normalise_in(raw, None);
    }
    match region {
        PhoneRegion::Unknown => None,
        PhoneRegion::Country(id) => normalise_in(raw, Some(id)),
        PhoneRegion::Language(language) => {
            if let Some(e164) = language
                .primary
                .iter()
                .find_map(|id| normalise_in(raw, Some(*id)))
            {
                return Some(e164);
            }
            let mut found: Option<String> = None;
            for id in language.others {
                if let Some(e164) = normalise_in(raw, Some(*id)) {
                    // Countries sharing a plan (CA and the US) give the
                    // same number: still one.
                    if found.as_ref().is_some_and(|f| *f != e164) {
                        return None;
                    }
                    found = Some(e164);
                }
            }
            found
        }
    }
}

/// `normalise` in one region (`None`: international numbers only).
fn normalise_in(raw: &str, region: Option<Id>) -> Option<String> {
    let cleaned = raw.trim().replace('\u{a0}', " ");
    let n = digits(&cleaned);
    if !(7..=15).contains(&n) {
        return None;
    }
    let cleaned = if let Some(rest) = cleaned.strip_prefix("00") {
        format!("+{rest}")
    } else {
        cleaned
    };
    // Without a region only international numbers can be understood.
    let region = if cleaned.starts_with('+') {
        None
    } else {
        Some(region?)
    };
    // The same footer number appears on every page of a site; parsing and
    // validating it once per worker thread is enough.
    NUMBER_MEMO.with(|m| {
        let mut m = m.borrow_mut();
        let (memo, key) = &mut *m;
        key.clear();
        push_region(key, region);
        key.push('\n');
        key.push_str(&cleaned);
        memo.get_or(key, || {
            numbering::parse(region, &cleaned)
                .filter(|(db, n)| phonenumber::is_valid_with(db, n))
                .map(|(_, n)| numbering::e164(&n))
        })
    })
}

/// The region hint, as part of a memo key.
fn push_hint(key: &mut String, region: PhoneRegion) {
    match region {
        PhoneRegion::Unknown => key.push_str("--"),
        PhoneRegion::Country(id) => key.push_str(id.as_ref()),
        PhoneRegion::Language(l) => {
            key.push_str("l:");
            key.push_str(l.tag);
        }
    }
}

/// The region a number is read in, as part of a memo key.
fn push_region(key: &mut String, region: Option<Id>) {
    match region {
        Some(r) => key.push_str(r.as_ref()),
        None => key.push_str("--"),
    }
}

thread_local! {
    /// E.164 per raw number (international prefix normalised) and region,
    /// with a reusable key buffer.
    static NUMBER_MEMO: RefCell<(Memo<Option<String>>, String)> =
        RefCell::new((Memo::new(crate::extract::memo::LINES), String::new()));
}

/// Numbers in visible text, next to a label or in international form.
#[cfg(test)]
pub fn from_text(text: &str, region: PhoneRegion, out: &mut BTreeMap<String, PhoneKind>) {
    from_lines(&Lines::of(text), region, out);
}

/// [`from_text`] over a text's `lines`.
pub(crate) fn from_lines(
    lines: &Lines<'_>,
    region: PhoneRegion,
    out: &mut BTreeMap<String, PhoneKind>,
) {
    let mut prev_line = "";
    for (i, &line) in lines.all().iter().enumerate() {
        let has_digits = lines.has_digit(i) && super::digits::at_least(line.as_bytes(), 7);
        if has_digits {
            // Only asked where a number may follow: most short lines are
            // not followed by one.
            let prev_line_label = label_line(prev_line);
            // A line's numbers depend on the line, the label the line before
            // left open and the region; footers repeat them on every page.
            let found = LINE_MEMO.with(|m| {
                let mut m = m.borrow_mut();
                let (memo, key) = &mut *m;
                key.clear();
                key.push(match prev_line_label {
                    None => '-',
                    Some(PhoneKind::Phone) => 'p',
                    Some(PhoneKind::Fax) => 'f',
                });
                push_hint(key, region);
                key.push('\n');
                key.push_str(line);
                memo.get_or(key, || line_numbers(line, prev_line_label, region))
            });
            for (e164, kind) in found {
                insert(out, e164, kind);
            }
        }
        prev_line = line;
    }
}

/// The kind a label on a line of its own names ("Telefon" / "+49 ..."):
/// it covers the next line.
fn label_line(line: &str) -> Option<PhoneKind> {
    let t = line.trim();
    if t.len() > 24 {
        return None;
    }
    LABEL
        .find(t)
        .filter(|m| m.start() == 0 && m.end() >= t.len().saturating_sub(1))
        .map(|m| kind_of(m.as_str()))
}

/// A line's numbers: E.164 and kind, in order.
type LineNumbers = Vec<(String, PhoneKind)>;

thread_local! {
    /// Numbers per text line (see `from_text`), with a reusable key buffer.
    static LINE_MEMO: RefCell<(Memo<LineNumbers>, String)> =
        RefCell::new((Memo::new(crate::extract::memo::LINES), String::new()));
}

/// The numbers on one line, in order, with their kinds.
fn line_numbers(
    line: &str,
    prev_line_label: Option<PhoneKind>,
    region: PhoneRegion,
) -> LineNumbers {
    let mut out = Vec::new();
    // The last number written with an extension ("089 123456-0"): its base
    // and where it ends, for a later "Fax -99".
    let mut base: Option<(&str, usize)> = None;
    for m in CANDIDATE.find_iter(line) {
        let raw = m.as_str().trim_end_matches([')', '(', '-', '.', '/', ' ']);
        let international = raw.starts_with('+') || raw.starts_with("00");
        // Glued to letters or more digits: an SKU or an ID.
        let before = line[..m.start()].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '#' || c == '-' || c == '_') {
            continue;
        }
        let after = line[m.end()..].chars().next();
        if after.is_some_and(|c| c.is_alphabetic() || c == '%' || c == '€' || c == '$') {
            continue;
        }
        let window_start = floor_char_boundary(line, m.start().saturating_sub(LABEL_REACH));
        let window = &line[window_start..m.start()];
        let label = LABEL
            .find_iter(window)
            .last()
            .filter(|l| label_reaches(&window[l.end()..]))
            .filter(|l| !ends_abbreviation(&window[..l.start()], l.as_str()));
        let kind = match label {
            Some(l) => Some(kind_of(l.as_str())),
            None if window.trim().is_empty() => prev_line_label,
            None => None,
        };
        if kind.is_none() && !international {
            continue;
        }
        if DATE_LIKE.is_match(raw.trim()) {
            continue;
        }
        if let Some(e164) = normalise(raw, region) {
            out.push((e164, kind.unwrap_or(PhoneKind::Phone)));
            base = raw
                .rsplit_once('-')
                .filter(|(_, ext)| (1..=4).contains(&ext.len()))
                .filter(|(_, ext)| ext.bytes().all(|b| b.is_ascii_digit()))
                .map(|(head, _)| (head, m.end()));
        }
    }
    // "Tel. 089 123456-0, Fax -99": an extension alone after a label is
    // dialled on the base of the number before it.
    if let Some((head, end)) = base {
        for c in EXTENSION.captures_iter(&line[end..]) {
            let kind = kind_of(&c[1]);
            if let Some(e164) = normalise(&format!("{head}-{}", &c[2]), region) {
                out.push((e164, kind));
            }
        }
    }
    out
}

/// A label and an extension alone: "Fax -99", "Durchwahl: -12".
static EXTENSION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?-u:\b)(telefax|fax|telefon|tel|durchwahl|phone)\.?\s*:?\s*[-–]\s?([0-9]{1,4})(?-u:\b)",
    )
    .expect("static regex")
});

/// True when a one-letter label ("F.", "T:") is the last letter of an
/// abbreviation written with dots, as `before` (the text up to the label)
/// shows: the "F." of the Italian tax code's "C.F." is no fax.
fn ends_abbreviation(before: &str, label: &str) -> bool {
    let letter = label.trim_end_matches(|c: char| c.is_whitespace() || c == ':' || c == '.');
    if letter.chars().count() != 1 {
        return false;
    }
    let mut back = before.chars().rev();
    back.next() == Some('.') && back.next().is_some_and(char::is_alphabetic)
}

/// Words that may stand between a label and its number ("Call us on …",
/// "phone us at …", "Hotline: gerne unter …").
const LABEL_FILLER: &[&str] = &[
    "us", "me", "now", "on", "at", "today", "free", "directly", "unter", "uns", "gerne", "direkt",
];

/// True when only separators and at most three filler words lie between a
/// label and the number after it.
fn label_reaches(between: &str) -> bool {
    let mut words = 0;
    for word in between
        .split(|c: char| c.is_whitespace() || ":.-–()".contains(c))
        .filter(|w| !w.is_empty())
    {
        words += 1;
        if words > 3 || !LABEL_FILLER.iter().any(|f| f.eq_ignore_ascii_case(word)) {
            return false;
        }
    }
    true
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn kind_of(label: &str) -> PhoneKind {
    let l = label.to_lowercase();
    // "F:" next to "T:" is the fax.
    let short_fax = l.trim_end_matches([':', '.', ' ']) == "f";
    let fax = l.contains("fax") || l.contains("télécopie") || short_fax;
    // "Phone/Fax", "Tel. & Fax": the number answers calls too.
    let phone = ["tel", "tél", "phone", "fon"]
        .iter()
        .any(|w| l.replace("telefax", "").contains(w));
    if fax && !phone {
        PhoneKind::Fax
    } else {
        PhoneKind::Phone
    }
}

fn insert(out: &mut BTreeMap<String, PhoneKind>, e164: String, kind: PhoneKind) {
    let entry = out.entry(e164).or_insert(kind);
    // A number labelled both ways is a phone.
    if kind == PhoneKind::Phone {
        *entry = PhoneKind::Phone;
    }
}

/// A `tel:` / `callto:` / `fax:` link.
pub fn from_link(link: &Link, region: PhoneRegion, out: &mut BTreeMap<String, PhoneKind>) {
    let href = link.href.trim();
    // Every link of a page comes here: the scheme is compared in place.
    let after = |scheme: &str| {
        href.get(..scheme.len())
            .filter(|p| p.eq_ignore_ascii_case(scheme))
            .map(|_| &href[scheme.len()..])
    };
    let (rest, mut kind) = if let Some(rest) = after("tel:") {
        (rest, PhoneKind::Phone)
    } else if let Some(rest) = after("callto:") {
        (rest, PhoneKind::Phone)
    } else if let Some(rest) = after("fax:") {
        (rest, PhoneKind::Fax)
    } else {
        return;
    };
    if link.text.to_lowercase().contains("fax") {
        kind = PhoneKind::Fax;
    }
    let decoded = rest
        .replace("%20", " ")
        .replace("%2B", "+")
        .replace("%2b", "+");
    let number = decoded.split([';', '?']).next().unwrap_or("");
    if let Some(e164) = normalise(number, region) {
        insert(out, e164, kind);
    }
}

/// schema.org `telephone` / `faxNumber`.
pub fn from_structured(
    raw: &str,
    kind: PhoneKind,
    region: PhoneRegion,
    out: &mut BTreeMap<String, PhoneKind>,
) {
    let raw = raw.trim().trim_start_matches("tel:");
    if let Some(e164) = normalise(raw, region) {
        insert(out, e164, kind);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str, region: Option<Id>) -> Vec<(String, PhoneKind)> {
        let mut out = BTreeMap::new();
        let region = region.map_or(PhoneRegion::Unknown, PhoneRegion::Country);
        from_text(text, region, &mut out);
        out.into_iter().collect()
    }

    #[test]
    fn labelled_and_international() {
        let got = found(
            "Tel.: 030 12345678\nFax: +49 30 12345679\nCall us +44 20 7946 0958",
            Some(Id::DE),
        );
        assert_eq!(
            got,
            vec![
                ("+44207946095".to_string() + "8", PhoneKind::Phone),
                ("+493012345678".to_string(), PhoneKind::Phone),
                ("+493012345679".to_string(), PhoneKind::Fax),
            ]
        );
    }

    #[test]
    fn label_then_filler_words() {
        let got = found(
            "Call us on 020 7946 0958 or email us. Customer since 1998? Call 0800 123 4567 (free).",
            Some(Id::GB),
        );
        assert_eq!(
            got,
            vec![
                ("+442079460958".to_string(), PhoneKind::Phone),
                ("+448001234567".to_string(), PhoneKind::Phone),
            ]
        );
        // Other words in between: no label, so no national number.
        assert_eq!(
            found(
                "Call our sales team about order 020 7946 0958",
                Some(Id::GB)
            ),
            vec![]
        );
    }

    #[test]
    fn labels_of_more_languages() {
        assert_eq!(
            found(
                "Telefone: (11) 3456-7890 | WhatsApp: (11) 98765-4321",
                Some(Id::BR)
            ),
            vec![
                ("+551134567890".to_string(), PhoneKind::Phone),
                ("+5511987654321".to_string(), PhoneKind::Phone),
            ]
        );
        assert_eq!(
            found("Tlf. 33 12 34 56 · CVR 12345678", Some(Id::DK)),
            vec![("+4533123456".to_string(), PhoneKind::Phone)]
        );
        assert_eq!(
            found("Tfn 08-123 456 78", Some(Id::SE)),
            vec![("+46812345678".to_string(), PhoneKind::Phone)]
        );
        assert_eq!(
            found("Puh. 09 1234 5678", Some(Id::FI)),
            vec![("+35891234567".to_string() + "8", PhoneKind::Phone)]
        );
        assert_eq!(
            found("GSM: 0475 12 34 56", Some(Id::BE)),
            vec![("+32475123456".to_string(), PhoneKind::Phone)]
        );
        assert_eq!(
            found("Mob: 07911 123456", Some(Id::GB)),
            vec![("+447911123456".to_string(), PhoneKind::Phone)]
        );
    }

    #[test]
    fn label_on_previous_line() {
        let got = found("Telefon\n089 2345 6789", Some(Id::DE));
        assert_eq!(got, vec![("+498923456789".to_string(), PhoneKind::Phone)]);
    }

    #[test]
    fn abbreviations_ending_in_a_label_letter_are_no_labels() {
        // "C.F." (codice fiscale) after a fax line: neither its "F." nor
        // the line before makes the tax code a fax number.
        assert_eq!(
            found(
                "Tel. +39 030 258 1234 – Fax +39 030 258 1235\nP.IVA e C.F. 01234560983",
                Some(Id::IT)
            ),
            vec![
                ("+390302581234".to_string(), PhoneKind::Phone),
                ("+390302581235".to_string(), PhoneKind::Fax),
            ]
        );
        assert_eq!(found("C.F. 01234560983", Some(Id::IT)), vec![]);
        // A letter label on its own still is one.
        assert_eq!(
            found("T. 030 2581234 F. 030 2581235", Some(Id::IT)),
            vec![
                ("+390302581234".to_string(), PhoneKind::Phone),
                ("+390302581235".to_string(), PhoneKind::Fax),
            ]
        );
    }

    #[test]
    fn bait_is_not_a_phone() {
        let text = "Order no. 4711-0815-2024\nSKU 123-456-7890\n© 2009–2024\n\
                    Price: 1.299,00 €\nVersion 10.4.2.1234\n10115 Berlin\n\
                    Opening hours 08:00-18:00\nInvoice 2024/0012345\n\
                    Phone hours: 12.03.2024 - 15.03.2024";
        assert_eq!(found(text, Some(Id::DE)), vec![]);
    }
}
