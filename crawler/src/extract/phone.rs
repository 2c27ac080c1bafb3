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

/// A run of digits with the separators phone numbers use, Unicode
/// hyphens and dashes among them ("089 123456–0"), long enough for two
/// numbers ("089 1234567 / 089 1234568", see `numbers_in_run`). Page text
/// arrives with all whitespace collapsed to spaces; `\u{a0}` is for the
/// tests' sake.
static CANDIDATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:\+[ \u{a0}]?|(?-u:\b)00)?\(?\d[\d \u{a0}./\-()\u{2010}-\u{2013}]{4,40}\d")
        .expect("static regex")
});

/// A phone label close before a number. `fax` is told apart; a label that
/// names both ("Phone/Fax", "Tel. & Fax") is a phone's. Longer words come
/// before shorter ones they start with: the ASCII word boundary (fast, but
/// blind to accented letters) would let "T" end inside "Tél.". Single
/// letters ("T", "M", "P", "F") need a colon, a dot or a space after them,
/// and words that are ordinary words elsewhere ("Main", "Standard",
/// "Office", the desks "Support", "Sales", "Kundenservice") a colon.
/// A word may end in "number" ("Tel.-Nr.", "Faxnummer", "Phone No.",
/// "Telefonszám"), and "telefon", "puhelin" and "fax" may end a compound
/// ("Mobiltelefon", "Servicetelefon", "Matkapuhelin", "Zentralfax").
/// Labels in scripts without ASCII word boundaries (Cyrillic, Greek, CJK)
/// have none: `label_reaches` still wants only separators or filler words
/// between label and number, so "телевизор" is no label.
static LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i)(?:",
        // Phone and fax in one label.
        r"(?-u:\b)(?:telephone|téléphone|telefon|phone|tél|tel|fon)\.?\s*(?:/|&|\+|and|und|et|or|oder|ou|e|y|i|og|och|ja)\s*(?:tele)?fa(?:x|ks)(?-u:\b)\.?\s*[:.：]?",
        r"|(?:(?-u:\b)(?:",
        // Multi-letter words, longest first where one starts another.
        r"telefonzentrale|[a-zäöüå]{0,12}telefon(?:[uy]|o|e)?|telefoon|teléfono|telefón|téléphone|telephone|tél|tel",
        r"|phone|ph|fon|mobile|mobil|mobiel|móvil|movil|cellulare|cell|call|hotline|helpline|whatsapp|ring|switchboard|toll[\s\-]?free|freephone|freefone|direct\s+(?:line|dial)",
        // Portuguese and Brazilian, Spanish abbreviations ("Tfno.",
        // "Telf."), Nordic ("Tlf.", "Tfn", "Puh.", "Växel"), Belgian and
        // British mobile ("GSM", "Mob").
        r"|fone|celular|telemóvel|telemovel|tlfno|tlfn|tfno|telf|tlf|tfn|[a-z]{0,8}puhelin|puh|växel|vaxel|sentralbord|gsm|mob|cel",
        r"|zentrale|rufnummer|durchwahl|festnetz|handy|portable|numéro\s+vert|ligne\s+directe|centralino|numero\s+verde|centralita|centrale",
        // Verbs that ask for a call ("Bel ons op", "Appelez-nous au").
        r"|bel|appelez|chiamaci|chiamateci|llámanos|llamanos",
        r")(?:\.?[\s\-]?(?:nr|nummer|number|no|szám))?(?-u:\b)",
        r"|тел(?:ефон)?|τηλ(?:έφωνο)?|電話(?:番号)?|电话|手机|携帯|☎|📞|✆)\.?\s*(?:\([^)]{0,20}\))?\s*[:.：]?",
        // Single letters: "T: 030 …", "T. 030 …", "T 030 …"; "M", "P"
        // likewise.
        r"|(?-u:\b)[tmp](?:\s*[:.]|\s)\s*",
        // Ordinary words, labels only with a colon ("TF" for toll-free).
        r"|(?-u:\b)(?:main(?:\s+(?:line|number|office))?|standard|tf|office|direct|dd|accueil|support|sales|service|customer\s+(?:service|support|care)|kundenservice|kundendienst|vertrieb|verkauf|service\s+client|assistance|assistenza|atención\s+al\s+cliente)(?:\s+(?:line|number|desk))?\.?\s*(?:\([^)]{0,20}\))?\s*[:：]",
        // Fax.
        r"|(?-u:\b)(?:[a-z]{0,12}fax|faks|télécopie)(?:\.?[\s\-]?(?:nr|nummer|number|no))?(?-u:\b)\.?\s*[:.：]?|факс|φαξ|ファックス|传真|傳真|(?-u:\b)f(?:\s*[:.]|\s)\s*",
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
    let cleaned = if raw.is_ascii() {
        raw.trim().to_string()
    } else {
        // Links and structured data keep their no-break and thin spaces
        // and Unicode dashes.
        raw.trim()
            .chars()
            .map(|c| match c {
                c if c.is_whitespace() => ' ',
                c if DASHES.contains(&c) => '-',
                c => c,
            })
            .collect()
    };
    let n = digits(&cleaned);
    if !(7..=15).contains(&n) {
        return None;
    }
    let cleaned = if let Some(rest) = cleaned.strip_prefix("00") {
        format!("+{rest}")
    } else {
        cleaned
    };
    let cleaned = without_mexican_mobile_one(cleaned);
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

/// "+52 1 81 2345 6789": the `1` Mexico's mobile numbers took after the
/// country code until 2019 is still on many pages; the numbering plan has
/// none now, so the number is read without it.
fn without_mexican_mobile_one(cleaned: String) -> String {
    let Some(rest) = cleaned.strip_prefix("+52") else {
        return cleaned;
    };
    let rest = rest.trim_start_matches([' ', '-', '.']);
    match rest.strip_prefix('1') {
        Some(after) if digits(after) == 10 && after.starts_with([' ', '-', '.', '(']) => {
            format!("+52 {}", after.trim_start())
        }
        _ => cleaned,
    }
}

/// "(206) 555-0142": the North American plan's area code in parentheses,
/// then three digits and four after a hyphen or a dot. Footers write it
/// with no label, and no order, part or reference number is written so,
/// so it counts without one (read in the page's region like a labelled
/// number: outside North America it is seldom valid).
fn north_american_shape(raw: &str) -> bool {
    let b = raw.trim().as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    let rest = match b.get(5) {
        Some(b' ') => 6,
        _ => 5,
    };
    b.len() == rest + 8
        && b[0] == b'('
        && matches!(b[1], b'2'..=b'9')
        && digits(1..4)
        && b[4] == b')'
        && digits(rest..rest + 3)
        && matches!(b[rest + 3], b'-' | b'.')
        && digits(rest + 4..rest + 8)
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
    from_lines(&Lines::of(text), region, out, &mut BTreeMap::new());
}

/// [`from_text`] over a text's `lines`. With no region, the labelled
/// numbers written in a national form go to `unplaced` as written, for
/// [`place`] to read once the site's country is known.
pub(crate) fn from_lines(
    lines: &Lines<'_>,
    region: PhoneRegion,
    out: &mut BTreeMap<String, PhoneKind>,
    unplaced: &mut BTreeMap<String, PhoneKind>,
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
            for (number, kind) in found {
                match number {
                    Number::Placed(e164) => insert(out, e164, kind),
                    Number::Unplaced(raw) => insert(unplaced, raw, kind),
                }
            }
        }
        prev_line = line;
    }
}

/// The kind a label on a line of its own names ("Telefon" / "+49 ...",
/// "Call us" / "(415) ..."): it covers the next line.
fn label_line(line: &str) -> Option<PhoneKind> {
    let t = line.trim();
    if t.len() > 24 {
        return None;
    }
    LABEL
        .find(t)
        .filter(|m| {
            m.start() == 0 && (m.end() >= t.len().saturating_sub(1) || label_reaches(&t[m.end()..]))
        })
        .map(|m| kind_of(m.as_str()))
}

/// A number found on a line.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Number {
    /// In E.164.
    Placed(String),
    /// Written in a national form on a page that names no country: the
    /// digit run as written ("(415) 555-0199").
    Unplaced(String),
}

/// A line's numbers and their kinds, in order.
type LineNumbers = Vec<(Number, PhoneKind)>;

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
    let mut base: Option<(String, usize)> = None;
    // Where the last number taken ends, and its kind: an unlabelled number
    // after it and a connector ("Tel. 089 1234567 oder 089 1234568") is
    // of the same kind.
    let mut last: Option<(usize, PhoneKind)> = None;
    // Where a label glued to the number before it starts ("…4567Fax: …"),
    // which the label pattern's word boundary does not find.
    let mut glued_label_at: Option<usize> = None;
    for m in CANDIDATE.find_iter(line) {
        let mut raw = m.as_str().trim_end_matches(RUN_END);
        // Glued to letters or more digits: an SKU or an ID.
        let before = line[..m.start()].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '#' || c == '-' || c == '_') {
            continue;
        }
        // Only the last group is glued to letters ("(24h)"): the number
        // is what comes before it. Behind a hyphen, the letters may be a
        // word ("089 1234567-Zentrale") or the rest of a vanity number
        // ("(1-800-FLOWERS)"): the whole run is tried first.
        let mut after = line[m.end()..].chars();
        let mut shorter = None;
        match after.next() {
            Some('%' | '€' | '$') => continue,
            // Elements written side by side ("089 1234567Fax: …",
            // "…4567E-Mail: …"): the next field's label starts there.
            Some(c) if c.is_alphabetic() && starts_field(&line[m.end()..]) => {
                glued_label_at = Some(m.end());
            }
            Some(c) if c.is_alphabetic() => match last_group_dropped(raw) {
                Some(head) => raw = head,
                None => continue,
            },
            Some('-') if after.next().is_some_and(char::is_alphabetic) => {
                shorter = last_group_dropped(raw);
            }
            _ => {}
        }
        if let Some(head) = floor_dropped(raw, &line[m.end()..]) {
            raw = head;
        }
        let international = raw.starts_with('+') || raw.starts_with("00");
        let window_start = floor_char_boundary(line, m.start().saturating_sub(LABEL_REACH));
        let window = &line[window_start..m.start()];
        let label = LABEL
            .find_iter(window)
            .last()
            .filter(|l| label_reaches(&window[l.end()..]))
            .filter(|l| {
                let before = &line[..window_start + l.start()];
                !ends_abbreviation(before, l.as_str()) && !letter_after_words(before, l.as_str())
            });
        let kind = match label {
            Some(l) => Some(kind_of(l.as_str())),
            None if window.trim().is_empty() => prev_line_label,
            None => glued_label_at
                .filter(|&at| at < m.start())
                .and_then(|at| glued_label(&line[at..m.start()]))
                .or_else(|| {
                    last.filter(|(end, _)| is_connector(&line[*end..m.start()]))
                        .map(|(_, kind)| kind)
                }),
        };
        if kind.is_none() && !international && !north_american_shape(raw) {
            continue;
        }
        let kind = kind.unwrap_or(PhoneKind::Phone);
        let mut numbers = numbers_in_run(raw, region);
        if numbers.is_empty()
            && let Some(head) = shorter
        {
            numbers = numbers_in_run(head, region);
        }
        if numbers.is_empty() && region == PhoneRegion::Unknown && !international {
            if may_be_national(raw) {
                out.push((Number::Unplaced(raw.trim().to_string()), kind));
                // A number after it and a connector is of its kind.
                last = Some((m.start() + raw.len(), kind));
            }
            continue;
        }
        for (offset, number) in numbers {
            out.push((Number::Placed(number.e164), kind));
            let end = m.start() + offset;
            last = Some((end, kind));
            base = number.base.map(|head| (head, end));
        }
    }
    // "Tel. 089 123456-0, Fax -99": an extension alone after a label is
    // dialled on the base of the number before it.
    if let Some((head, end)) = base {
        for c in EXTENSION.captures_iter(&line[end..]) {
            let kind = kind_of(&c[1]);
            if let Some(e164) = normalise(&format!("{head}-{}", &c[2]), region) {
                out.push((Number::Placed(e164), kind));
            }
        }
    }
    out
}

/// True when `text` starts with a contact field's label: a phone label or
/// an e-mail or web address's.
fn starts_field(text: &str) -> bool {
    let head = &text[..floor_char_boundary(text, text.len().min(16))];
    let lower = head.to_ascii_lowercase();
    if [
        "e-mail", "email", "mail:", "www.", "web", "http", "internet",
    ]
    .iter()
    .any(|w| lower.starts_with(w))
    {
        return true;
    }
    // The label regex wants a word boundary before the label.
    let spaced = format!(" {head}");
    LABEL.find(&spaced).is_some_and(|l| l.start() == 1)
}

/// The kind a label names that is all of `text` (but for separators and
/// filler words), read as if a space stood before it.
fn glued_label(text: &str) -> Option<PhoneKind> {
    let spaced = format!(" {text}");
    LABEL
        .find(&spaced)
        .filter(|l| l.start() == 1 && label_reaches(&spaced[l.end()..]))
        .map(|l| kind_of(l.as_str()))
}

/// Floors written after a number on its line ("2. OG", "3. Stock",
/// "1. Etage"): abbreviations compared as written (`og` is Norwegian for
/// "and"), words in any case.
const FLOOR_ABBREVIATIONS: &[&str] = &["OG", "EG", "UG", "DG"];
const FLOOR_WORDS: &[&str] = &[
    "etage",
    "stock",
    "stockwerk",
    "obergeschoss",
    "geschoss",
    "étage",
    "verdieping",
    "piso",
    "planta",
    "piano",
];

/// The run without its last group when that group is a floor's number
/// (one or two digits) and `after` (the line after the run) names a floor:
/// "030 1234567 2. OG" is the number "030 1234567" on the second floor.
fn floor_dropped<'r>(raw: &'r str, after: &str) -> Option<&'r str> {
    let (_, last) = raw.rsplit_once(' ')?;
    if !(1..=2).contains(&last.len()) || !last.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let rest = after.trim_start_matches(|c: char| c == '.' || c.is_whitespace());
    let word = rest.split(|c: char| !c.is_alphabetic()).next()?;
    let floor = FLOOR_ABBREVIATIONS.contains(&word) || FLOOR_WORDS.contains(&&*word.to_lowercase());
    floor.then(|| last_group_dropped(raw)).flatten()
}

/// A digit run without its last space-separated group, if it has another.
fn last_group_dropped(raw: &str) -> Option<&str> {
    raw.rfind(' ')
        .map(|space| raw[..space].trim_end_matches(RUN_END))
}

/// What a digit run may end in that belongs to no number.
const RUN_END: [char; 6] = [')', '(', '-', '.', '/', ' '];

/// Dashes other than the ASCII hyphen that numbers are written with.
const DASHES: [char; 4] = ['\u{2010}', '\u{2011}', '\u{2012}', '\u{2013}'];

/// Connectors between two numbers of the same kind: "," "/" ";", "or" and
/// "and" in the languages of the labels.
const CONNECTORS: &[&str] = &[
    "or", "oder", "ou", "o", "of", "eller", "tai", "lub", "albo", "nebo", "vagy", "and", "und",
    "et", "e", "y", "en", "og", "och", "ja", "bzw", "resp", "&",
];

/// True when `between` (the text between two numbers) is separators and at
/// most one connector word, and at least one of them.
fn is_connector(between: &str) -> bool {
    let t = between.trim();
    if t.is_empty() {
        return false;
    }
    let mut words = t
        .split(|c: char| c.is_whitespace() || ",;/.".contains(c))
        .filter(|w| !w.is_empty());
    match (words.next(), words.next()) {
        (None, _) => true,
        (Some(w), None) => CONNECTORS.iter().any(|c| c.eq_ignore_ascii_case(w)),
        _ => false,
    }
}

/// A number found in a digit run.
struct RunNumber {
    e164: String,
    /// The number's text before a short final extension ("089 123456" of
    /// "089 123456-0"), for an extension alone later on the line.
    base: Option<String>,
}

/// The numbers in a digit run, each with where it ends in the run. Most
/// runs are one number; a run that is not may be several separated by a
/// spaced slash or dash ("089 1234567 / 089 1234568"), or a number and a
/// date ("089 1234567 - 12.05.2024"): each longest group of the parts
/// that is a number counts.
fn numbers_in_run(raw: &str, region: PhoneRegion) -> Vec<(usize, RunNumber)> {
    if let Some(number) = run_number(raw, region) {
        return vec![(raw.len(), number)];
    }
    let mut out = Vec::new();
    if !SPACED_SEPARATOR.is_match(raw) {
        return out;
    }
    let mut parts: Vec<(usize, usize)> = Vec::new();
    let mut from = 0;
    for sep in SPACED_SEPARATOR.find_iter(raw) {
        parts.push((from, sep.start()));
        from = sep.end();
    }
    parts.push((from, raw.len()));
    let mut i = 0;
    while i < parts.len() {
        let found = (i + 1..=parts.len()).rev().find_map(|j| {
            let (start, end) = (parts[i].0, parts[j - 1].1);
            run_number(&raw[start..end], region).map(|n| (j, end, n))
        });
        match found {
            Some((j, end, number)) => {
                out.push((end, number));
                i = j;
            }
            None => i += 1,
        }
    }
    out
}

/// A spaced slash or dash, which may part two numbers in one run.
static SPACED_SEPARATOR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r" [/\-\u{2010}-\u{2013}] ").expect("static regex"));

/// The number a whole digit run (or a group of its parts) is, if any.
fn run_number(raw: &str, region: PhoneRegion) -> Option<RunNumber> {
    let raw = raw.trim();
    if DATE_LIKE.is_match(raw) {
        return None;
    }
    let raw = if raw.contains(DASHES) {
        std::borrow::Cow::Owned(raw.replace(DASHES, "-"))
    } else {
        std::borrow::Cow::Borrowed(raw)
    };
    let e164 = normalise(&raw, region)?;
    let base = raw
        .rsplit_once('-')
        .filter(|(_, ext)| (1..=4).contains(&ext.len()))
        .filter(|(_, ext)| ext.bytes().all(|b| b.is_ascii_digit()))
        .map(|(head, _)| head.to_string());
    Some(RunNumber { e164, base })
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

/// True when "P" or "F" without a colon ("P 415.555.0134", "F. 030 …")
/// follows a word on its line: after a reference ("Ref. P 030 1234567")
/// or a name the letter is no label. At the line's start, after a number
/// ("T 415 … F 415 …") or after a separator ("· F 030 …") it is one.
fn letter_after_words(before: &str, label: &str) -> bool {
    let mut letters = label.chars();
    let (Some(letter), rest) = (letters.next(), letters.as_str()) else {
        return false;
    };
    if !"pPfF".contains(letter) || rest.contains([':', '：']) || rest.trim().len() > 1 {
        return false;
    }
    before
        .trim_end()
        .chars()
        .next_back()
        .is_some_and(|c| c.is_alphabetic() || c == '.')
}

/// Words that may stand between a label and its number ("Call us on …",
/// "phone us at …", "Hotline: gerne unter …").
/// Also the words that say which line it is ("Tél. fixe", "Tel. kom.",
/// Polish for mobile) or that it is free ("Hotline: kostenlos unter").
#[rustfmt::skip]
const LABEL_FILLER: &[&str] = &[
    "us", "me", "now", "on", "at", "today", "free", "directly", "unter", "uns", "gerne", "direkt",
    "ons", "op", "nous", "au", "al", "ci", "fixe", "fijo", "fixo", "fisso", "kom", "komórkowy",
    "stacjonarny", "kostenlos", "kostenfrei", "gratuit", "gratuito", "gratis",
];

/// True when only separators and at most three filler words lie between a
/// label and the number after it.
fn label_reaches(between: &str) -> bool {
    let mut words = 0;
    for word in between
        .split(|c: char| c.is_whitespace() || ":.-–()：".contains(c))
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
    let fax = short_fax
        || [
            "fax",
            "faks",
            "télécopie",
            "факс",
            "φαξ",
            "ファックス",
            "传真",
            "傳真",
        ]
        .iter()
        .any(|w| l.contains(w));
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

/// Whether a digit run may be a national number for [`place`]: the digits
/// a number has, and no date.
fn may_be_national(raw: &str) -> bool {
    let raw = raw.trim();
    (7..=15).contains(&digits(raw)) && !DATE_LIKE.is_match(raw)
}

/// The numbers a run that [`from_lines`] or [`from_link`] left unplaced
/// holds, read in `country` (alpha-2) and valid there, in E.164.
pub(crate) fn place(raw: &str, country: &str) -> Vec<String> {
    let Ok(id) = country.parse::<Id>() else {
        return Vec::new();
    };
    numbers_in_run(raw, PhoneRegion::Country(id))
        .into_iter()
        .map(|(_, n)| n.e164)
        .collect()
}

/// A `tel:` / `callto:` / `fax:` link. With no region, a number in a
/// national form goes to `unplaced` (see [`from_lines`]).
pub fn from_link(
    link: &Link,
    region: PhoneRegion,
    out: &mut BTreeMap<String, PhoneKind>,
    unplaced: &mut BTreeMap<String, PhoneKind>,
) {
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
    let decoded = if rest.contains('%') {
        percent_encoding::percent_decode_str(rest).decode_utf8_lossy()
    } else {
        std::borrow::Cow::Borrowed(rest)
    };
    insert_dialled(dialled(&decoded), kind, region, out, unplaced);
}

/// A number from a link or a structured field: placed in `out`, or with
/// no region and in a national form, kept as written in `unplaced`.
fn insert_dialled(
    number: &str,
    kind: PhoneKind,
    region: PhoneRegion,
    out: &mut BTreeMap<String, PhoneKind>,
    unplaced: &mut BTreeMap<String, PhoneKind>,
) {
    if let Some(e164) = normalise(number, region) {
        insert(out, e164, kind);
    } else if region == PhoneRegion::Unknown
        && !number.starts_with('+')
        && !number.starts_with("00")
        && may_be_national(number)
    {
        insert(unplaced, number.to_string(), kind);
    }
}

/// The number in a `tel:` link's or a structured field's text, without
/// what sites write around it: a label or slashes before ("tel://",
/// "Tel.: +49 …"), a comment, parameters or an extension after ("(Zentrale)",
/// ";ext=12", ",12"), a `+` before `00`. Letters end the number: vanity
/// numbers ("+1-800-FLOWERS") are not read.
fn dialled(text: &str) -> &str {
    let Some(start) = text.find(|c: char| c.is_ascii_digit() || c == '+' || c == '(') else {
        return "";
    };
    let rest = &text[start..];
    let end = rest
        .find(|c: char| {
            !(c.is_ascii_digit()
                || c.is_whitespace()
                || "+-./()".contains(c)
                || DASHES.contains(&c))
        })
        .unwrap_or(rest.len());
    let number = rest[..end].trim_end_matches(|c: char| c.is_whitespace() || "(-./".contains(c));
    number
        .strip_prefix('+')
        .filter(|n| n.starts_with("00"))
        .unwrap_or(number)
}

/// schema.org `telephone` / `faxNumber`.
pub fn from_structured(
    raw: &str,
    kind: PhoneKind,
    region: PhoneRegion,
    out: &mut BTreeMap<String, PhoneKind>,
    unplaced: &mut BTreeMap<String, PhoneKind>,
) {
    insert_dialled(dialled(raw), kind, region, out, unplaced);
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
    fn a_floor_after_the_number_is_no_part_of_it() {
        for text in [
            "Tel. 030 1234567 2. OG",
            "Tel. 030 1234567, 2. OG",
            "Telefon: 030 1234567 3. Stock",
            "Tel.: 030 1234567 1. Etage, Raum 12",
            "Tel. 030 1234567 EG",
        ] {
            assert_eq!(
                found(text, Some(Id::DE)),
                vec![("+49301234567".to_string(), PhoneKind::Phone)],
                "{text}"
            );
        }
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

#[cfg(test)]
mod unplaced {
    use super::*;

    fn read(text: &str) -> (Vec<String>, Vec<String>) {
        let (mut placed, mut unplaced) = (BTreeMap::new(), BTreeMap::new());
        from_lines(
            &Lines::of(text),
            PhoneRegion::Unknown,
            &mut placed,
            &mut unplaced,
        );
        (placed.into_keys().collect(), unplaced.into_keys().collect())
    }

    #[test]
    fn with_no_region_labelled_national_numbers_wait_for_the_sites_country() {
        let (placed, unplaced) = read(
            "Call us at (415) 555-0199 or 415.555.0123\nTelefon: 030 1234567\n\
             Phone: +44 20 7946 0018\nOrder 4711 shipped 12.03.2024\nFax: 12.03.2024",
        );
        assert_eq!(placed, ["+442079460018"]);
        assert_eq!(unplaced, ["(415) 555-0199", "030 1234567", "415.555.0123"]);
        // Read in a country once it is known; only numbers valid there.
        assert_eq!(place("(415) 555-0199", "US"), ["+14155550199"]);
        assert_eq!(place("030 1234567", "DE"), ["+49301234567"]);
        assert!(place("030 1234567", "US").is_empty());
        assert!(place("030 1234567", "XX").is_empty());
    }
}

/// Phone numbers as real company sites write them: each table holds the
/// numbers that must be read and the look-alikes that must not.
#[cfg(test)]
mod real_world {
    use super::*;
    use Id::*;
    use PhoneKind::{Fax as X, Phone as P};

    type Case<'a> = (&'a str, Id, &'a [(&'a str, PhoneKind)]);
    /// `href`, link text, country, numbers.
    type LinkCase<'a> = (&'a str, &'a str, Id, &'a [(&'a str, PhoneKind)]);

    fn sorted(want: &[(&str, PhoneKind)]) -> Vec<(String, PhoneKind)> {
        let mut want: Vec<_> = want.iter().map(|(e, k)| (e.to_string(), *k)).collect();
        want.sort();
        want
    }

    /// Every line of `cases` read in its country; all mismatches at once.
    fn check_text(cases: &[Case<'_>]) {
        let mut wrong = Vec::new();
        for (text, region, want) in cases {
            let mut out = BTreeMap::new();
            from_text(text, PhoneRegion::Country(*region), &mut out);
            let got: Vec<_> = out.into_iter().collect();
            if got != sorted(want) {
                wrong.push(format!("{text:?} in {region:?}: got {got:?}"));
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    #[test]
    fn labels_in_many_languages_and_spellings() {
        #[rustfmt::skip]
        check_text(&[
            ("Tel. 089 1234567", DE, &[("+49891234567", P)]),
            ("TEL 089 1234567", DE, &[("+49891234567", P)]),
            ("Tel:089-1234567", DE, &[("+49891234567", P)]),
            ("Telefonnummer: 089 1234567", DE, &[("+49891234567", P)]),
            ("Tel.-Nr.: 089 1234567", DE, &[("+49891234567", P)]),
            ("Tel.Nr. 089 1234567", DE, &[("+49891234567", P)]),
            ("Telefonnr. 089 1234567", DE, &[("+49891234567", P)]),
            ("Mobilnummer: 0171 1234567", DE, &[("+491711234567", P)]),
            ("Servicetelefon: 0800 1234567", DE, &[("+498001234567", P)]),
            ("Fon 089 1234567", DE, &[("+49891234567", P)]),
            ("Handy 0171 1234567", DE, &[("+491711234567", P)]),
            ("Fax-Nr.: 089 1234568", DE, &[("+49891234568", X)]),
            ("Faxnummer: 089 1234568", DE, &[("+49891234568", X)]),
            ("Telefon / Fax: 089 1234567", DE, &[("+49891234567", P)]),
            ("Hotline: kostenlos unter 0800 1234567", DE, &[("+498001234567", P)]),
            ("WhatsApp 0171 1234567", DE, &[("+491711234567", P)]),
            ("Phone number: (415) 555-0134", US, &[("+14155550134", P)]),
            ("Ph. 415-555-0134", US, &[("+14155550134", P)]),
            ("Call us today at (415) 555-0134", US, &[("+14155550134", P)]),
            ("Cell 415-555-0134", US, &[("+14155550134", P)]),
            ("TF: 1-800-555-0199", US, &[("+18005550199", P)]),
            ("Toll Free: 1 (800) 555-0199", US, &[("+18005550199", P)]),
            ("Support line: 0800 123 4567", GB, &[("+448001234567", P)]),
            ("Northpeak Labs Inc. · (206) 555-0142", US, &[("+12065550142", P)]),
            ("Seattle, WA 98101 | (206) 555.0142", US, &[("+12065550142", P)]),
            ("Order (206) 555 0142 shipped", US, &[]),
            ("Part no. 206-555-0142", US, &[]),
            ("WhatsApp: +52 1 81 2345 6789", MX, &[("+528123456789", P)]),
            ("Tel: +52 55 1234 5678", MX, &[("+525512345678", P)]),
            ("Sales number: 020 7946 0959", GB, &[("+442079460959", P)]),
            ("Tel. No.: 020 7946 0321", GB, &[("+442079460321", P)]),
            ("Mob. 07911 123456", GB, &[("+447911123456", P)]),
            ("Tél. fixe : 01 23 45 67 89", FR, &[("+33123456789", P)]),
            ("Tél./Fax : 01 23 45 67 89", FR, &[("+33123456789", P)]),
            ("Portable : 06 12 34 56 78", FR, &[("+33612345678", P)]),
            ("Appelez-nous au 01 23 45 67 89", FR, &[("+33123456789", P)]),
            ("Cellulare: 347 123 4567", IT, &[("+393471234567", P)]),
            ("Tel/Fax 02 1234 5678", IT, &[("+390212345678", P)]),
            ("Tfno.: 912 345 678", ES, &[("+34912345678", P)]),
            ("Telf.: 912 345 678", ES, &[("+34912345678", P)]),
            ("Movil: 612 345 678", ES, &[("+34612345678", P)]),
            ("Telefoonnummer: 020-123 4567", NL, &[("+31201234567", P)]),
            ("Bel ons op 020-123 4567", NL, &[("+31201234567", P)]),
            ("Telemóvel: 912 345 678", PT, &[("+351912345678", P)]),
            ("Celular: (11) 91234-5678", BR, &[("+5511912345678", P)]),
            ("Matkapuhelin: 040 123 4567", FI, &[("+358401234567", P)]),
            ("Växel: 08-123 456 78", SE, &[("+46812345678", P)]),
            ("Mobiltelefon: 070-123 45 67", SE, &[("+46701234567", P)]),
            ("Tlf. 22 12 34 56", NO, &[("+4722123456", P)]),
            ("Tel. kom. 512 345 678", PL, &[("+48512345678", P)]),
            ("Numer telefonu: 22 123 45 67", PL, &[("+48221234567", P)]),
            ("Telefón: 02/212 345 67", SK, &[("+421221234567", P)]),
            ("Telefonszám: +36 1 234 5678", HU, &[("+3612345678", P)]),
            ("Tel/Faks: 0212 123 45 67", TR, &[("+902121234567", P)]),
            ("Faks: 0212 123 45 68", TR, &[("+902121234568", X)]),
            ("Телефон: 8 (495) 123-45-67", RU, &[("+74951234567", P)]),
            ("Тел.: 495 123-45-67", RU, &[("+74951234567", P)]),
            ("Факс: +7 495 123-45-68", RU, &[("+74951234568", X)]),
            ("Τηλ.: 210 123 4567", GR, &[("+302101234567", P)]),
            ("TEL：03-1234-5678", JP, &[("+81312345678", P)]),
            ("電話：03-1234-5678", JP, &[("+81312345678", P)]),
            ("FAX：03-1234-5679", JP, &[("+81312345679", X)]),
            ("电话：010-1234 5678", CN, &[("+861012345678", P)]),
            // Words that hold a label's letters but are no label.
            ("Hotel 089 1234567", DE, &[]),
            ("Telefonie 089 1234567", DE, &[]),
            ("Telefonat am 12.05.2024", DE, &[]),
            ("телевизор 4951234567", RU, &[]),
            ("Bestellnummer: 089 1234567", DE, &[]),
            ("Kundennummer: 0891234567", DE, &[]),
            ("Belgique 1234567", BE, &[]),
            ("Mobile version 2.0.1234567", US, &[]),
            ("Portable 15.6 Zoll 1920x1080", FR, &[]),
        ]);
    }

    #[test]
    fn single_letters_p_and_f_without_a_colon() {
        #[rustfmt::skip]
        check_text(&[
            ("P 415.555.0134", US, &[("+14155550134", P)]),
            ("P. 415.555.0134", US, &[("+14155550134", P)]),
            ("F 089 1234568", DE, &[("+49891234568", X)]),
            ("T 415.555.0134 F 415.555.0135", US, &[("+14155550134", P), ("+14155550135", X)]),
            ("P 415.555.0134 F 415.555.0135", US, &[("+14155550134", P), ("+14155550135", X)]),
            ("T +49 89 123456-0 · F +49 89 123456-99", DE, &[("+49891234560", P), ("+498912345699", X)]),
            ("Acme Inc · P 415.555.0134", US, &[("+14155550134", P)]),
            // After a word the letter is a reference or an initial.
            ("Ref. P 030 1234567", DE, &[]),
            ("Acme Inc. P 415.555.0134", US, &[]),
            ("Halle F 030 1234567", DE, &[]),
            ("C.F. 01234560983", IT, &[]),
        ]);
    }

    #[test]
    fn several_numbers_on_a_line() {
        #[rustfmt::skip]
        check_text(&[
            ("Tel. 089 123 456-0 | Fax 089 123 456-99", DE, &[("+49891234560", P), ("+498912345699", X)]),
            ("Tel.: +49 89 1234567 Fax: +49 89 1234568", DE, &[("+49891234567", P), ("+49891234568", X)]),
            ("Main: 415.555.0134 • Fax: 415.555.0135", US, &[("+14155550134", P), ("+14155550135", X)]),
            // A connector carries the label over; a spaced slash or dash
            // inside one digit run parts two numbers, or a number and a date.
            ("Tel. 089 1234567 oder 089 1234568", DE, &[("+49891234567", P), ("+49891234568", P)]),
            ("Phone: 415-555-0134 or 415-555-0136", US, &[("+14155550134", P), ("+14155550136", P)]),
            ("Fax 089 1234568, 089 1234569", DE, &[("+49891234568", X), ("+49891234569", X)]),
            ("Tel. 089 1234567 / 089 1234568", DE, &[("+49891234567", P), ("+49891234568", P)]),
            ("Tel. 089 1234567 - 12.05.2024", DE, &[("+49891234567", P)]),
            ("Tel. 089 1234567, 12.05.2024", DE, &[("+49891234567", P)]),
            ("+49 (0) 89 / 123 456-0", DE, &[("+49891234560", P)]),
            // No connector: other separators part other things.
            ("Tel. 089 1234567 | 12345678", DE, &[("+49891234567", P)]),
            ("Tel. 089 1234567 · 80331 München", DE, &[("+49891234567", P)]),
            ("Tel. 089 1234567 Kundennr. 0891234568", DE, &[("+49891234567", P)]),
        ]);
    }

    #[test]
    fn letters_glued_to_a_number_s_last_group() {
        #[rustfmt::skip]
        check_text(&[
            ("Tel. 089 1234567 (24h)", DE, &[("+49891234567", P)]),
            ("Tel. 089 1234567-Zentrale", DE, &[("+49891234567", P)]),
            // Vanity numbers are not read; the digits beside them are.
            ("Call 1-800-356-9377 (1-800-FLOWERS)", US, &[("+18003569377", P)]),
            ("Call 1-800-FLOWERS", US, &[]),
            ("Tel. 089 1234567abc", DE, &[]),
            // Side by side with the next field's label.
            ("Tel.: 089 1234567Fax: 089 1234568", DE, &[("+49891234567", P), ("+49891234568", X)]),
            ("Tel.: 089 1234567E-Mail: info@acme.de", DE, &[("+49891234567", P)]),
            ("T 415.555.0134F 415.555.0135", US, &[("+14155550134", P), ("+14155550135", X)]),
            ("Tel. 089 1234567TX", DE, &[]),
            ("Tel. 089 1234567Stk", DE, &[]),
            ("SKU 123-456-7890", US, &[]),
        ]);
    }

    #[test]
    fn unicode_dashes_and_labels_on_their_own_line() {
        #[rustfmt::skip]
        check_text(&[
            ("Tel. 089 123456\u{2013}0", DE, &[("+49891234560", P)]),
            ("+49 89 1234\u{2011}5678", DE, &[("+498912345678", P)]),
            ("1998\u{2013}2024", DE, &[]),
            ("Mo\u{2013}Fr 08:00\u{2013}17:00", DE, &[]),
            ("Call us\n(415) 555-0134", US, &[("+14155550134", P)]),
            ("Phone number\n(415) 555-0134", US, &[("+14155550134", P)]),
            ("Téléphone :\n01 23 45 67 89", FR, &[("+33123456789", P)]),
            ("Call our team\n415 555 0134", US, &[]),
            // The area code in parentheses counts without a label.
            ("Call our team\n(415) 555-0134", US, &[("+14155550134", P)]),
        ]);
    }

    #[test]
    fn formats_of_many_countries() {
        #[rustfmt::skip]
        check_text(&[
            ("+1 (415) 555-0134", US, &[("+14155550134", P)]),
            ("Phone: 1-800-555-0199", US, &[("+18005550199", P)]),
            ("Phone: (415) 555.0134", US, &[("+14155550134", P)]),
            ("Phone: 415-555-0134 ext. 12", US, &[("+14155550134", P)]),
            ("Phone: 415-555-0134 x12", US, &[("+14155550134", P)]),
            ("Phone: 415-555-0134 #12", US, &[("+14155550134", P)]),
            ("Phone: +1.415.555.0134", US, &[("+14155550134", P)]),
            ("+44 (0)20 7946 0321", GB, &[("+442079460321", P)]),
            // A space after the plus, as some German imprints write it.
            ("Tel. + 49 89 1234567", US, &[("+49891234567", P)]),
            ("Tel: 020 7946 0321", GB, &[("+442079460321", P)]),
            ("Telephone: 0044 20 7946 0321", GB, &[("+442079460321", P)]),
            ("Tel. 089 123456-0", DE, &[("+49891234560", P)]),
            ("+49 89 1234 5678", DE, &[("+498912345678", P)]),
            ("+49/89/12345678", DE, &[("+498912345678", P)]),
            ("(+49) 89 1234 5678", DE, &[("+498912345678", P)]),
            ("+49(0)89-12345678", DE, &[("+498912345678", P)]),
            ("0049 (0)89 1234 5678", DE, &[("+498912345678", P)]),
            ("Tel. 089 / 1234 5678", DE, &[("+498912345678", P)]),
            ("+33 (0)1 23 45 67 89", FR, &[("+33123456789", P)]),
            ("Tél. 01.23.45.67.89", FR, &[("+33123456789", P)]),
            ("+39 02 1234 5678", IT, &[("+390212345678", P)]),
            ("+34 912 345 678", ES, &[("+34912345678", P)]),
            ("+31 (0)20-123 4567", NL, &[("+31201234567", P)]),
            ("+41 44 123 45 67", CH, &[("+41441234567", P)]),
            ("+43 1 234 56 78", AT, &[("+4312345678", P)]),
            ("+46 8-123 456 78", SE, &[("+46812345678", P)]),
            ("+47 22 12 34 56", NO, &[("+4722123456", P)]),
            ("+45 33 12 34 56", DK, &[("+4533123456", P)]),
            ("+358 9 1234 5678", FI, &[("+358912345678", P)]),
            ("+48 22 123 45 67", PL, &[("+48221234567", P)]),
            ("+420 267 123 456", CZ, &[("+420267123456", P)]),
            ("+61 2 9123 4567", AU, &[("+61291234567", P)]),
            ("Ph: (02) 9123 4567", AU, &[("+61291234567", P)]),
            ("Phone 1300 123 456", AU, &[("+611300123456", P)]),
            ("+91 98765 43210", IN, &[("+919876543210", P)]),
            ("+55 11 91234-5678", BR, &[("+5511912345678", P)]),
            ("+81 3-1234-5678", JP, &[("+81312345678", P)]),
            ("+86 10 1234 5678", CN, &[("+861012345678", P)]),
        ]);
    }

    #[test]
    fn look_alikes_are_no_phones() {
        #[rustfmt::skip]
        check_text(&[
            ("Tel. Sprechzeiten 12.05.2024", DE, &[]),
            ("Stand: 12/05/2024 10:30", DE, &[]),
            ("Telefonisch erreichbar Mo-Fr 8-17 Uhr", DE, &[]),
            ("Hotline: Mo-Fr 08:00 - 17:00 Uhr", DE, &[]),
            ("Tel. Preis 1.234.567", DE, &[]),
            ("Mobile: 1.299,00 €", DE, &[]),
            ("IBAN: DE89 3704 0044 0532 0130 00", DE, &[]),
            ("IBAN: FR76 3000 6000 0112 3456 7890 189", FR, &[]),
            ("USt-IdNr.: DE 136 695 976", DE, &[]),
            ("Amtsgericht München HRB 1234567", DE, &[]),
            ("SIRET : 812 345 676 00012", FR, &[]),
            ("St.-Nr.: 12/345/67890", DE, &[]),
            ("Postfach 12 34 56, 80331 München", DE, &[]),
            ("Art.-Nr. 0012 3456 789", DE, &[]),
            ("Order #00 1234 5678", US, &[]),
            ("ISBN 978-3-16-148410-0", DE, &[]),
            ("48.137154, 11.576124", DE, &[]),
            ("© 1998-2024 Acme GmbH", DE, &[]),
            ("v10.4.2 build 20240512", DE, &[]),
            ("PO Box 12345, Austin, TX 78701-1234", US, &[]),
            ("Kontonummer 1234567890, BLZ 370 400 44", DE, &[]),
            ("DUNS 00-123-4567", US, &[]),
            ("ABN 51 824 753 556", AU, &[]),
            ("CNPJ 12.345.678/0001-90", BR, &[]),
            ("Org.nr. 556123-4567", SE, &[]),
            ("NIP 123-456-78-90", PL, &[]),
            ("EAN: 4006381333931", DE, &[]),
            ("Call 555-0199", US, &[]),
            ("Tel. 24/7", DE, &[]),
            ("Fax 1234", DE, &[]),
            ("Tel. 089 1234567 (Mo-Fr 9-17 Uhr)", DE, &[("+49891234567", P)]),
            ("Fax: 089 1234568 Stand 12.05.2024", DE, &[("+49891234568", X)]),
        ]);
    }

    fn dialled_link(href: &str, text: &str, region: Id) -> Vec<(String, PhoneKind)> {
        let mut out = BTreeMap::new();
        let link = Link {
            href: href.to_string(),
            text: text.to_string(),
            rel: None,
        };
        from_link(
            &link,
            PhoneRegion::Country(region),
            &mut out,
            &mut BTreeMap::new(),
        );
        out.into_iter().collect()
    }

    #[test]
    fn tel_links_as_sites_write_them() {
        #[rustfmt::skip]
        let cases: &[LinkCase<'_>] = &[
            ("tel:+49-89-1234-5678", "", DE, &[("+498912345678", P)]),
            ("tel:004989 1234 5678", "", FR, &[("+498912345678", P)]),
            ("tel:%2b49%20891234567", "", DE, &[("+49891234567", P)]),
            ("tel:+49%C2%A089%C2%A01234567", "", DE, &[("+49891234567", P)]),
            ("tel:+49%2089%2D1234567", "", DE, &[("+49891234567", P)]),
            ("tel:+49(0)891234567", "", DE, &[("+49891234567", P)]),
            ("tel:Telefon: +49 89 1234567", "", DE, &[("+49891234567", P)]),
            ("tel://+49891234567", "", DE, &[("+49891234567", P)]),
            ("TEL:+49891234567", "", DE, &[("+49891234567", P)]),
            ("tel:+49 89 1234567 (Zentrale)", "", DE, &[("+49891234567", P)]),
            ("tel:+14155550134;ext=12", "", US, &[("+14155550134", P)]),
            ("tel:+14155550134,12", "", US, &[("+14155550134", P)]),
            ("tel:+0049891234567", "", DE, &[("+49891234567", P)]),
            ("tel:089%201234567", "", DE, &[("+49891234567", P)]),
            ("tel:+1-800-356-9377", "Fax", US, &[("+18003569377", X)]),
            ("callto:+49891234567", "", DE, &[("+49891234567", P)]),
            ("tel:+1-800-FLOWERS", "", US, &[]),
            ("tel:", "", DE, &[]),
            ("tel:123", "", DE, &[]),
            ("tel:Telefon", "", DE, &[]),
            ("sms:+491711234567", "", DE, &[]),
            ("https://wa.me/491711234567", "", DE, &[]),
        ];
        let mut wrong = Vec::new();
        for (href, text, region, want) in cases {
            let got = dialled_link(href, text, *region);
            if got != sorted(want) {
                wrong.push(format!("{href:?} in {region:?}: got {got:?}"));
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    #[test]
    fn structured_numbers_with_labels_and_comments() {
        for (raw, want) in [
            ("+49 (0) 89 1234567", Some("+49891234567")),
            ("tel:+49891234567", Some("+49891234567")),
            ("Tel. +49 89 1234567 (Zentrale)", Some("+49891234567")),
            ("+49\u{a0}89\u{a0}1234567", Some("+49891234567")),
            ("089 1234567", Some("+49891234567")),
            ("n/a", None),
        ] {
            let mut out = BTreeMap::new();
            from_structured(
                raw,
                P,
                PhoneRegion::Country(DE),
                &mut out,
                &mut BTreeMap::new(),
            );
            let got: Vec<_> = out.into_keys().collect();
            assert_eq!(
                got,
                want.into_iter().map(String::from).collect::<Vec<_>>(),
                "{raw}"
            );
        }
    }
}
