//! Legal identifiers: EU VAT IDs (country patterns, checksums where they
//! are cheap), Swiss UIDs, German/Austrian register numbers (HRB 12345,
//! FN 123456a), UK Companies House numbers, French SIREN/SIRET, Dutch KvK,
//! US EINs.
//!
//! A VAT-shaped token counts only next to a VAT label (`USt-IdNr.`, `VAT`,
//! `TVA`, `BTW`, `IVA`, ...), so product codes that happen to start with two
//! letters do not.

mod vat;

use std::cell::RefCell;
use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

use super::lines::Lines;
use super::literals::LiteralSet;
use super::memo::Memo;

use super::checksum::{digits, luhn};
pub use vat::vat_from_structured;
use vat::{VAT, has_vat_label, national_vat, vat_id};

/// What an identifier identifies. Serialised as the lower-case word
/// (`"registration"`, `"tax"`, `"vat"`), in report.json and in checkpoints;
/// variants are in the order of those words, so sorting is unchanged.
#[derive(
    Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash,
)]
#[serde(rename_all = "lowercase")]
pub enum LegalKind {
    /// A company register number (Handelsregister, Companies House, SIREN…).
    #[default]
    Registration,
    /// A tax number that is not a VAT ID (US EIN).
    Tax,
    /// A VAT ID.
    Vat,
}

impl LegalKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LegalKind::Registration => "registration",
            LegalKind::Tax => "tax",
            LegalKind::Vat => "vat",
        }
    }
}

impl std::fmt::Display for LegalKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One legal identifier.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct LegalId {
    #[serde(rename = "type")]
    pub kind: LegalKind,
    /// Register or scheme: handelsregister, firmenbuch, companies-house,
    /// siren, siret, kvk, uid, ein.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheme: Option<String>,
    /// Normalised value: "DE123456789", "HRB 12345 B", "12345678".
    pub value: String,
    /// ISO 3166 alpha-2 of the issuing country.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Register court or registry, when stated ("Amtsgericht München").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authority: Option<String>,
}

impl LegalId {
    /// A company register number.
    fn registration(scheme: &str, value: String, country: &str, authority: Option<String>) -> Self {
        Self {
            kind: LegalKind::Registration,
            scheme: Some(scheme.into()),
            value,
            country: Some(country.into()),
            authority,
        }
    }
}

/// `HRB 12345 B`, also labelled `HRB-Nr. 12345`, `HRB Nr.: 12345`.
static HANDELSREGISTER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?-u:\b)(HR[AB])(?:\s?-?\s?(?:Nr|No|Nummer)\.?)?\s?:?\s?([0-9]{1,6})(?:\s?([A-Z]{1,2})(?-u:\b))?",
    )
    .expect("static regex")
});
/// A register court after its label; `AG` is the usual abbreviation of
/// Amtsgericht ("Registergericht: AG München"), and the genitive names it
/// too ("im Handelsregister des Amtsgerichts Frankfurt am Main"); Berlin's
/// court is often written with its district ("Amtsgericht Berlin
/// (Charlottenburg)").
static COURT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?-u:\b)(Amtsgericht|Registergericht|Landesgericht|Handelsgericht)s?\s*:?\s*((?:(?:Amtsgericht|AG)\s+)?[\p{Lu}][\p{L}\-]+(?:\s(?:am|an der|im|i\.)\s?[\p{Lu}][\p{L}\-]+)?(?:\s?\([\p{Lu}][\p{L}\-]+\))?)")
        .expect("static regex")
});
/// `AG <city>` without a court label, only where it cannot be a company
/// form: right after or right before a register number, or at the start of
/// a line or list item ("HRB 12345, AG Charlottenburg", "AG München HRB 1").
static COURT_ABBREVIATED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:(?-u:\b)HR[AB][^0-9]{0,12}[0-9]{1,6}(?:\s?[A-Z]{1,2}(?-u:\b))?\s*[,;]?\s*\(?|^\s*|[,;(]\s*)AG\s+([\p{Lu}][\p{L}\-]+(?:\s(?:am|an der|im|i\.)\s?[\p{Lu}][\p{L}\-]+)?)(?:\s*[,;)]|\s+HR[AB]|\s*$)")
        .expect("static regex")
});
/// The German registers of cooperatives (GnR), associations (VR) and
/// partnerships (PR), kept by the same courts as the Handelsregister.
static OTHER_GERMAN_REGISTER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?-u:\b)(GnR|VR|PR)(?:\s?-?\s?(?:Nr|Nummer)\.?)?\s?:?\s?([0-9]{1,6})(?:\s?([A-Z]{1,2})(?-u:\b))?",
    )
    .expect("static regex")
});
/// Each of those registers: its number's prefix, and its name, which is
/// also its scheme and must be near a `VR` or `PR` (common words in
/// English).
const OTHER_GERMAN_REGISTERS: [(&str, &str); 3] = [
    ("GnR", "genossenschaftsregister"),
    ("VR", "vereinsregister"),
    ("PR", "partnerschaftsregister"),
];
static FIRMENBUCH: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?-u:\b)FN\s?(\d{4,6}\s?[a-z])(?-u:\b)").expect("static regex"));
static COMPANIES_HOUSE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?:company\s+(?:registration\s+)?(?:number|no\.?|nr\.?)|registered\s+in\s+(?:england(?:\s+(?:and|&)\s+wales)?|scotland|northern\s+ireland|wales)(?:\s+(?:under|with))?(?:\s+(?:company\s+)?(?:number|no\.?))?|companies\s+house\s+(?:number|no\.?)|(?-u:\b)CRN)\s*[:#]?\s*((?:SC|NI|OC|SO|NC|FC|R0)?[0-9]{6,8})(?-u:\b)",
    )
    .expect("static regex")
});
/// Wording that names a register number without naming the register:
/// "Registered number", "Company Reg. No.", "Registration number". Read as
/// Companies House only in the exact form of one (eight characters) and on
/// a line that names no other register or tax number.
static REGISTERED_NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?-u:\b)(?:registered\s+(?:company\s+)?(?:number|no\.?)|company\s+reg(?:istration|\.)?\s*(?:number|no\.?)|registration\s+(?:number|no\.?))\s*[:#]?\s*((?:SC|NI|OC|SO|NC|FC|R0)[0-9]{6}|[0-9]{8})(?-u:\b)",
    )
    .expect("static regex")
});
/// Other schemes whose wording can share a line with "registration number".
static OTHER_SCHEME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?-u:\b)(?:vat|tva|btw|iva|ust|mwst|kvk|koophandel|chamber|siren|siret|rcs|handelsregister|hr[ab]|firmenbuch|ein|tax|abn|acn|gst|cif|nif|uid|charity|fca|frn)(?-u:\b)",
    )
    .expect("static regex")
});
/// SIREN and SIRET, labelled by themselves or by the trade register:
/// `RCS Paris B 812 345 676`, `R.C.S. Lyon 812 345 676`, `immatriculée au
/// RCS de Paris sous le numéro 812 345 676`, `immatriculée au Registre du
/// Commerce et des Sociétés de Paris sous le numéro 812 345 676`.
static SIREN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?-u:\b)(SIRET|SIREN|(?:R\.?\s?C\.?\s?S\.?|Registre\s+du\s+commerce\s+et\s+des\s+soci[ée]t[ée]s)(?:\s+(?:de\s+|d['’]\s?)?[\p{Lu}][\p{L}\-]+){0,2})(?:\s+sous\s+le)?(?:\s*(?:n°|no\.?|nr\.?|number|numéro))?\s*:?\s*(?:[AB]\s+)?((?:[0-9][\s.]?){8,13}[0-9])(?-u:\b)",
    )
    .expect("static regex")
});
/// US Employer Identification Number: `EIN: 12-3456789`; with a wording
/// that can only mean an EIN also written without the hyphen.
static EIN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?:(?-u:\b)(?:(?-i:F?EIN)|employer\s+identification\s+(?:number|no\.?))(?:\s*(?:#|no\.?|number))?\s*[:#]?\s*([0-9]{2})-?([0-9]{7})|(?-u:\b)(?:federal\s+)?tax\s+(?:id|identification)(?:\s*(?:#|no\.?|number))?\s*[:#]?\s*([0-9]{2})-([0-9]{7}))(?-u:\b)",
    )
    .expect("static regex")
});
/// EIN prefixes the IRS has never assigned.
const EIN_UNUSED_PREFIXES: &[&str] = &[
    "00", "07", "08", "09", "17", "18", "19", "28", "29", "49", "69", "70", "78", "79", "89", "96",
    "97",
];
/// The Dutch trade register's number: `KvK-nummer: 12345678`, `Kamer van
/// Koophandel (KvK): 12345678`, `ingeschreven bij de Kamer van Koophandel
/// onder nummer 12345678`, `registered with the Dutch Chamber of Commerce
/// (KvK) under number 12345678`, `KvK registration number 12345678`.
static KVK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?-u:\b)(?:KvK|K\.v\.K\.|Kamer\s+van\s+Koophandel|Chamber\s+of\s+Commerce|Handelsregister)(?:\s*\((?:KvK|K\.v\.K\.)\))?(?:(?:[\s\-]?|\s+(?:under|onder)(?:\s+(?:het|the))?\s+)(?:dossier|registration\s+|inschrijf)?(?:nummer|nr\.?|number|no\.?))?\s*[:#]?\s*(\d{8})(?-u:\b)",
    )
    .expect("static regex")
});

/// Words that must occur somewhere on a page before the per-line search
/// for a scheme runs; indices are used by `from_text`.
const GATE_WORDS: [&str; 26] = [
    "company number",
    "company no",
    "company registration",
    "registered in",
    "companies house",
    "siren",
    "siret",
    "rcs",
    "kvk",
    "k.v.k",
    "koophandel",
    "chamber of commerce",
    "handelsregister",
    // 13..18: a register number named without its register.
    "registered number",
    "registered no",
    "registered company",
    "registration number",
    "registration no",
    "company reg",
    // 19: the French trade register with dots.
    "r.c.s",
    // 20, 21: the US EIN's long labels.
    "employer identification",
    "tax id",
    // 22: the French trade register written out.
    "registre du commerce",
    // 23..26: the other German registers.
    "genossenschaftsregister",
    "vereinsregister",
    "partnerschaftsregister",
];
/// Markers of the gates written in capitals, searched in the text as it
/// is: a Swiss UID (`CHE`), German register parts (`HRA`, `HRB`), the
/// Austrian Firmenbuch (`FN`), a UK `CRN`, a US `EIN`, a German
/// cooperative's `GnR`.
const CASED_WORDS: [&str; 7] = ["CHE", "HRA", "HRB", "FN", "CRN", "EIN", "GnR"];
static CASED_GATES: LazyLock<LiteralSet> = LazyLock::new(|| LiteralSet::new(&CASED_WORDS, false));

/// Searched in the ASCII-lowercased text: a case-sensitive set gets a SIMD
/// prefilter, a case-insensitive one walks every byte.
static GATES: LazyLock<LiteralSet> = LazyLock::new(|| LiteralSet::new(&GATE_WORDS, true));

/// The register court named on the lines around line `i`: a labelled one
/// first ("Registergericht: AG München"), else `AG <city>` next to a register
/// number. "AG" is the abbreviation of Amtsgericht.
fn court_near(lines: &[&str], i: usize) -> Option<String> {
    let lo = i.saturating_sub(2);
    let hi = (i + 3).min(lines.len());
    let window = lines.get(lo..hi).unwrap_or_default();
    for line in window {
        for c in COURT.captures_iter(line) {
            let name = c[2].trim();
            let name = if let Some(city) = name.strip_prefix("AG ") {
                format!("Amtsgericht {}", city.trim())
            } else if name.starts_with("Amtsgericht") {
                name.to_string()
            } else if name == "AG" {
                // "Registergericht: AG" and nothing more.
                continue;
            } else if &c[1] == "Registergericht" {
                format!("Amtsgericht {name}")
            } else {
                format!("{} {name}", &c[1])
            };
            return Some(name);
        }
    }
    window.iter().find_map(|line| {
        let c = COURT_ABBREVIATED.captures(line)?;
        Some(format!("Amtsgericht {}", c.get(1)?.as_str().trim()))
    })
}

/// Identifiers written in visible text.
#[cfg(test)]
pub fn from_text(text: &str) -> Vec<LegalId> {
    from_text_lowered(text, &text.to_ascii_lowercase())
}

/// Identifiers written in visible text; `lower` is the text
/// ASCII-lowercased, which the caller shares with other extractors.
#[cfg(test)]
pub fn from_text_lowered(text: &str, lower: &str) -> Vec<LegalId> {
    from_lines_lowered(text, lower, &Lines::of(text))
}

/// [`from_text_lowered`] with the text's lines split already.
pub(crate) fn from_lines_lowered(text: &str, lower: &str, shared: &Lines<'_>) -> Vec<LegalId> {
    let mut out = Vec::new();
    // Page-level gates: most pages name no identifier at all, and then the
    // per-line work below is skipped entirely.
    let mut seen = [false; GATE_WORDS.len()];
    GATES.for_each(lower.as_bytes(), |p| {
        if let Some(s) = seen.get_mut(p) {
            *s = true;
        }
    });
    let any = |range: std::ops::Range<usize>| seen[range].iter().any(|b| *b);
    // The case-sensitive markers in one pass over the text, not six.
    let mut cased = [false; CASED_WORDS.len()];
    CASED_GATES.for_each(text.as_bytes(), |p| {
        if let Some(c) = cased.get_mut(p) {
            *c = true;
        }
    });
    let [che, hra, hrb, fn_, crn, ein, gnr] = cased;
    let gates = Gates {
        vat: che || has_vat_label(text),
        hr: hra || hrb,
        fn_,
        ch: any(0..5) || crn,
        fr: any(5..8) || seen[19] || seen[22],
        kvk: any(8..13),
        reg: any(13..19),
        ein: ein || any(20..22),
        de_other: gnr || any(23..26),
    };
    if !gates.any() {
        return out;
    }
    let lines = shared.all();
    for (i, line) in lines.iter().enumerate() {
        if !shared.has_digit(i) {
            continue;
        }
        // A line's identifiers depend on the page's gates, the line before
        // (a VAT label) and, for register numbers, the lines around it (the
        // court); footers and imprint lines repeat on every page.
        let found = LINE_MEMO.with(|m| {
            let mut m = m.borrow_mut();
            let (memo, key) = &mut *m;
            key.clear();
            for g in [
                gates.vat,
                gates.hr,
                gates.fn_,
                gates.ch,
                gates.fr,
                gates.kvk,
                gates.reg,
                gates.ein,
                gates.de_other,
            ] {
                key.push(if g { '1' } else { '0' });
            }
            let court = (gates.hr && line.contains("HR"))
                || (gates.fn_ && line.contains("FN"))
                || (gates.de_other && other_german_register_marker(line));
            let context = if court {
                // `court_near`'s window.
                i.saturating_sub(2)..(i + 3).min(lines.len())
            } else {
                i.saturating_sub(1)..i
            };
            // Lines hold no '\n', so the line then '\n'-led context lines
            // read back one way only.
            key.push(if court { 'c' } else { 'p' });
            // Where the line sits in its context (0 to 2).
            key.push(match i - context.start {
                0 => '0',
                1 => '1',
                _ => '2',
            });
            key.push_str(line);
            for l in lines.get(context).unwrap_or_default() {
                key.push('\n');
                key.push_str(l);
            }
            memo.get_or(key, || line_ids(lines, i, gates))
        });
        out.extend(found);
    }
    out
}

/// Which schemes a page names at all (see `from_text`).
#[derive(Clone, Copy)]
struct Gates {
    vat: bool,
    hr: bool,
    fn_: bool,
    ch: bool,
    fr: bool,
    kvk: bool,
    /// "Registered number" and the like (Companies House, see `line_ids`).
    reg: bool,
    ein: bool,
    /// Genossenschafts-, Vereins- or Partnerschaftsregister.
    de_other: bool,
}

impl Gates {
    fn any(self) -> bool {
        self.vat
            || self.hr
            || self.fn_
            || self.ch
            || self.fr
            || self.kvk
            || self.reg
            || self.ein
            || self.de_other
    }
}

/// Whether `line` may hold a number of [`OTHER_GERMAN_REGISTER`].
fn other_german_register_marker(line: &str) -> bool {
    line.contains("GnR") || line.contains("VR") || line.contains("PR")
}

thread_local! {
    /// Identifiers per text line (see `from_text`), with a reusable key buffer.
    static LINE_MEMO: RefCell<(Memo<Vec<LegalId>>, String)> =
        RefCell::new((Memo::new(crate::extract::memo::LINES), String::new()));
}

/// The identifiers on line `i`, in order.
fn line_ids(lines: &[&str], i: usize, gates: Gates) -> Vec<LegalId> {
    let mut out = Vec::new();
    let Some(line) = lines.get(i) else {
        return out;
    };
    let Gates {
        vat: gate_vat,
        hr: gate_hr,
        fn_: gate_fn,
        ch: gate_ch,
        fr: gate_fr,
        kvk: gate_kvk,
        reg: gate_reg,
        ein: gate_ein,
        de_other: gate_de_other,
    } = gates;
    // Literal gates keep the identifier regexes off ordinary prose.
    let lower = if gate_ch || gate_fr || gate_kvk || gate_reg || gate_ein {
        line.to_lowercase()
    } else {
        String::new()
    };
    let has = |w: &str| lower.contains(w);
    let vat_context = gate_vat
        && (line.contains("CHE") || has_vat_label(line) || (i > 0 && has_vat_label(lines[i - 1])));
    let vat_matches: Vec<regex::Match<'_>> = if vat_context {
        VAT.find_iter(line).collect()
    } else {
        Vec::new()
    };
    for m in vat_matches {
        let before = &line[..m.start()];
        let labelled = has_vat_label(before)
            || (before.trim().is_empty() && i > 0 && has_vat_label(lines[i - 1]));
        // A CHE UID is labelled by its own prefix.
        if labelled || m.as_str().starts_with("CHE") {
            out.extend(vat_id(m.as_str()));
        }
    }
    if vat_context {
        // A number written both ways ("P. IVA IT0123…") is merged by `dedupe`.
        out.extend(national_vat(line));
    }
    let handelsregister: Vec<regex::Captures<'_>> = if gate_hr && line.contains("HR") {
        HANDELSREGISTER.captures_iter(line).collect()
    } else {
        Vec::new()
    };
    for c in handelsregister {
        let mut value = format!("{} {}", &c[1], &c[2]);
        if let Some(suffix) = c.get(3) {
            value.push(' ');
            value.push_str(suffix.as_str());
        }
        out.push(LegalId::registration(
            "handelsregister",
            value,
            "DE",
            court_near(lines, i),
        ));
    }
    let other_registers: Vec<regex::Captures<'_>> =
        if gate_de_other && other_german_register_marker(line) {
            OTHER_GERMAN_REGISTER.captures_iter(line).collect()
        } else {
            Vec::new()
        };
    for c in other_registers {
        let Some(&(prefix, name)) = OTHER_GERMAN_REGISTERS.iter().find(|r| r.0 == &c[1]) else {
            continue;
        };
        // `GnR` says its register; `VR` and `PR` only with its name near.
        let named = prefix == "GnR" || {
            let window = &lines[i.saturating_sub(2)..(i + 3).min(lines.len())];
            window.iter().any(|l| l.to_lowercase().contains(name))
        };
        if !named {
            continue;
        }
        let mut value = format!("{prefix} {}", &c[2]);
        if let Some(suffix) = c.get(3) {
            value.push(' ');
            value.push_str(suffix.as_str());
        }
        out.push(LegalId::registration(
            name,
            value,
            "DE",
            court_near(lines, i),
        ));
    }
    let firmenbuch: Vec<regex::Captures<'_>> = if gate_fn && line.contains("FN") {
        FIRMENBUCH.captures_iter(line).collect()
    } else {
        Vec::new()
    };
    for c in firmenbuch {
        out.push(LegalId::registration(
            "firmenbuch",
            format!("FN {}", c[1].replace(' ', "")),
            "AT",
            court_near(lines, i),
        ));
    }
    let companies_house: Vec<regex::Captures<'_>> =
        if gate_ch && (has("compan") || has("regist") || line.contains("CRN")) {
            COMPANIES_HOUSE.captures_iter(line).collect()
        } else {
            Vec::new()
        };
    for c in companies_house {
        let raw = c[1].to_uppercase();
        let value = if raw.chars().all(|c| c.is_ascii_digit()) {
            format!("{raw:0>8}")
        } else {
            raw
        };
        out.push(LegalId::registration("companies-house", value, "GB", None));
    }
    // "reg", not "regist": "Company Reg. No." abbreviates the word.
    if gate_reg
        && has("reg")
        && out
            .iter()
            .all(|id| id.scheme.as_deref() != Some("companies-house"))
    {
        for c in REGISTERED_NUMBER.captures_iter(line) {
            let (Some(whole), Some(number)) = (c.get(0), c.get(1)) else {
                continue;
            };
            // "VAT registration number", "Charity registration no.": the
            // words of the same clause before the label name the register.
            let before = &line[..whole.start()];
            let clause = before
                .rfind(['.', ';', ',', '|', ':', '·', '–'])
                .map_or(before, |at| &before[at..]);
            if OTHER_SCHEME.is_match(clause) {
                continue;
            }
            out.push(LegalId::registration(
                "companies-house",
                number.as_str().to_uppercase(),
                "GB",
                None,
            ));
        }
    }
    let siren: Vec<regex::Captures<'_>> =
        if gate_fr && (has("sire") || has("rcs") || has("r.c.s") || has("registre du commerce")) {
            SIREN.captures_iter(line).collect()
        } else {
            Vec::new()
        };
    for c in siren {
        let d: String = c[2].chars().filter(char::is_ascii_digit).collect();
        let label = c[1].to_string();
        let scheme = match d.len() {
            9 => "siren",
            14 => "siret",
            _ => continue,
        };
        if !luhn(&digits(&d)) {
            continue;
        }
        let authority = rcs_authority(&label);
        out.push(LegalId::registration(scheme, d, "FR", authority));
    }
    let kvk: Vec<regex::Captures<'_>> = if gate_kvk
        && (has("kvk")
            || has("k.v.k")
            || has("koophandel")
            || has("chamber of commerce")
            || has("handelsregister"))
    {
        KVK.captures_iter(line).collect()
    } else {
        Vec::new()
    };
    for c in kvk {
        out.push(LegalId::registration("kvk", c[1].to_string(), "NL", None));
    }
    let ein: Vec<regex::Captures<'_>> =
        if gate_ein && (line.contains("EIN") || has("employer identification") || has("tax id")) {
            EIN.captures_iter(line).collect()
        } else {
            Vec::new()
        };
    for c in ein {
        let (Some(prefix), Some(serial)) = (c.get(1).or(c.get(3)), c.get(2).or(c.get(4))) else {
            continue;
        };
        if EIN_UNUSED_PREFIXES.contains(&prefix.as_str()) {
            continue;
        }
        out.push(LegalId {
            kind: LegalKind::Tax,
            scheme: Some("ein".into()),
            value: format!("{}-{}", prefix.as_str(), serial.as_str()),
            country: Some("US".into()),
            authority: None,
        });
    }
    out
}

/// "RCS Paris" from the label of a SIREN match ("R.C.S. de Paris"); `None`
/// for a SIREN/SIRET label or a register without its city.
fn rcs_authority(label: &str) -> Option<String> {
    let mut words = label.split_whitespace();
    let first = words.next()?;
    if !first.starts_with(['R', 'r']) {
        return None;
    }
    // The written-out register: its city comes after "Sociétés".
    if first.eq_ignore_ascii_case("registre") {
        for w in words.by_ref() {
            if w.to_lowercase().starts_with("soci") {
                break;
            }
        }
    }
    let mut city = Vec::new();
    for w in words {
        let w = w
            .strip_prefix("d'")
            .or_else(|| w.strip_prefix("d’"))
            .unwrap_or(w);
        // Only capitalised words: "de", "sous" and the like are not the city.
        if w.chars().next().is_some_and(char::is_uppercase) {
            city.push(w);
        }
    }
    // "R.C.S." with its city glued on ("R.C.S.Paris") is rare enough to miss.
    (!city.is_empty()).then(|| format!("RCS {}", city.join(" ")))
}

/// Drops repeats within one page.
pub fn dedupe(mut ids: Vec<LegalId>) -> Vec<LegalId> {
    ids.sort();
    ids.dedup_by(|a, b| a.kind == b.kind && a.value == b.value);
    ids
}

#[cfg(test)]
mod tests {
    /// The one-pass markers say what a `contains` of each said.
    #[test]
    fn cased_markers_as_contains_finds_them() {
        for text in [
            "",
            "CHE-123.456.789 MWST",
            "Amtsgericht München HRB 12345",
            "HRA 1 and FN 123456 a",
            "Company CRN: 01234567",
            "EIN 12-3456789",
            "che hrb fn crn ein",
            "HR B, CH E, F N",
            "FNCHEHRAHRBCRNEIN",
        ] {
            let mut found = [false; super::CASED_WORDS.len()];
            super::CASED_GATES.for_each(text.as_bytes(), |p| found[p] = true);
            for (i, w) in super::CASED_WORDS.iter().enumerate() {
                assert_eq!(found[i], text.contains(w), "{text:?} {w}");
            }
        }
    }

    use super::vat::vat_checksum_ok;
    use super::*;

    #[test]
    fn checksums() {
        assert!(vat_checksum_ok("DE", "136695976"));
        assert!(!vat_checksum_ok("DE", "136695977"));
        assert!(vat_checksum_ok("FR", "40303265045"));
        assert!(vat_checksum_ok("IT", "00743110157"));
        assert!(vat_checksum_ok("GB", "980780684"));
        assert!(vat_checksum_ok("ES", "B12345674"));
        assert!(vat_checksum_ok("ES", "Q2826000H"));
        assert!(!vat_checksum_ok("ES", "B12345675"));
        assert!(vat_checksum_ok("PT", "501234560"));
        assert!(!vat_checksum_ok("PT", "501234561"));
    }

    #[test]
    fn national_vat_numbers_without_their_prefix() {
        let values = |text: &str| -> Vec<(String, Option<String>)> {
            from_text(text)
                .into_iter()
                .filter(|i| i.kind == LegalKind::Vat)
                .map(|i| (i.value, i.country))
                .collect()
        };
        let it = |v: &str| vec![(v.to_string(), Some("IT".to_string()))];
        assert_eq!(
            values(
                "Rossi S.r.l. – Via Roma 12, 20121 Milano – P.IVA 01234567897 – Tel. 02 1234 5678"
            ),
            it("IT01234567897")
        );
        assert_eq!(
            values("Codice fiscale e Partita IVA: 01234567897"),
            it("IT01234567897")
        );
        assert_eq!(values("P.IVA/C.F. 01234567897"), it("IT01234567897"));
        assert_eq!(values("P. IVA IT01234567897"), it("IT01234567897"));
        assert_eq!(
            values("Acme Ibérica S.L. · CIF: B-12345674 · Calle Mayor 5"),
            vec![("ESB12345674".to_string(), Some("ES".to_string()))]
        );
        assert_eq!(
            values("NIPC 501234560"),
            vec![("PT501234560".to_string(), Some("PT".to_string()))]
        );
        // A wrong check digit, or a number that is no VAT number.
        assert!(values("P.IVA 01234567890").is_empty());
        assert!(values("CIF: B12345670").is_empty());
        assert!(values("NIF 501234561").is_empty());
        assert!(values("Partita IVA: chiedi al telefono 02123456789").is_empty());
    }

    #[test]
    fn vat_labels_of_every_eu_language() {
        let vat = |text: &str| -> Vec<String> {
            from_text(text)
                .into_iter()
                .filter(|i| i.kind == LegalKind::Vat)
                .map(|i| i.value)
                .collect()
        };
        for (text, want) in [
            ("IČO: 27074358, DIČ: CZ27074358", "CZ27074358"),
            ("DIČ CZ27074358", "CZ27074358"),
            ("IČ DPH: SK2021234567", "SK2021234567"),
            ("Közösségi adószám: HU12345678", "HU12345678"),
            ("CUI: RO12345678", "RO12345678"),
            ("Cod fiscal RO12345678", "RO12345678"),
            ("ID za DDV: SI12345678", "SI12345678"),
            ("OIB: HR12345678901", "HR12345678901"),
            ("PVM mokėtojo kodas LT123456789", "LT123456789"),
            ("PVN reģ. nr. LV12345678901", "LV12345678901"),
            ("KMKR nr EE123456789", "EE123456789"),
            ("Momsreg.nr SE556677889901", "SE556677889901"),
            ("ИН по ДДС: BG123456789", "BG123456789"),
            ("ΑΦΜ: EL123456789", "EL123456789"),
        ] {
            assert_eq!(vat(text), vec![want.to_string()], "{text}");
        }
        // Words that only contain a label are none ("Dičlaw", "cuisine").
        assert!(vat("Cuisine CZ27074358").is_empty());
        assert!(vat("Benedič CZ27074358").is_empty());
    }

    #[test]
    fn the_other_german_registers_and_a_court_in_the_genitive() {
        let ids = |text: &str| -> Vec<(String, String, Option<String>)> {
            from_text(text)
                .into_iter()
                .map(|i| (i.scheme.unwrap_or_default(), i.value, i.authority))
                .collect()
        };
        let one = |scheme: &str, value: &str, court: &str| {
            vec![(
                scheme.to_string(),
                value.to_string(),
                Some(court.to_string()),
            )]
        };
        assert_eq!(
            ids(
                "eingetragen im Handelsregister des Amtsgerichts Frankfurt am Main unter HRB 12345"
            ),
            one(
                "handelsregister",
                "HRB 12345",
                "Amtsgericht Frankfurt am Main"
            )
        );
        assert_eq!(
            ids("Amtsgericht Berlin (Charlottenburg), HRB 12345 B"),
            one(
                "handelsregister",
                "HRB 12345 B",
                "Amtsgericht Berlin (Charlottenburg)"
            )
        );
        assert_eq!(
            ids("Genossenschaftsregister: Amtsgericht Stuttgart, GnR 123"),
            one(
                "genossenschaftsregister",
                "GnR 123",
                "Amtsgericht Stuttgart"
            )
        );
        assert_eq!(
            ids("Amtsgericht Stuttgart GnR 456"),
            one(
                "genossenschaftsregister",
                "GnR 456",
                "Amtsgericht Stuttgart"
            )
        );
        assert_eq!(
            ids("Vereinsregister: VR 1234 B\nRegistergericht: Amtsgericht Charlottenburg"),
            one("vereinsregister", "VR 1234 B", "Amtsgericht Charlottenburg")
        );
        assert_eq!(
            ids("Partnerschaftsregister: Amtsgericht Essen, PR 4711"),
            one("partnerschaftsregister", "PR 4711", "Amtsgericht Essen")
        );
        // VR and PR without their register's name are other words.
        assert!(ids("VR 360 headset, PR 2024 campaign\nAmtsgericht Essen").is_empty());
    }

    #[test]
    fn labelled_ids() {
        let ids = from_text(
            "USt-IdNr.: DE 136 695 976\nHandelsregister: Amtsgericht München HRB 123456\nArticle DE136695976 in stock",
        );
        let values: Vec<&str> = ids.iter().map(|i| i.value.as_str()).collect();
        assert_eq!(values, vec!["DE136695976", "HRB 123456"]);
        assert_eq!(ids[1].authority.as_deref(), Some("Amtsgericht München"));
    }
}
