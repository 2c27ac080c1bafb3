//! VAT IDs: the label that must precede one, the country patterns, and
//! the national checksums where they are cheap.

use std::sync::LazyLock;

use regex::Regex;

use super::super::checksum::{digits, luhn, weighted};
use super::{EIN_UNUSED_PREFIXES, LegalId, LegalKind};

/// The labels before a VAT ID, in the languages of the EU: besides the
/// western ones, Czech `DIČ`, Slovak `IČ DPH`, Hungarian `adószám`,
/// Romanian `CUI` / `cod fiscal`, Slovenian `ID za DDV`, Croatian `OIB`,
/// Baltic `PVM` / `PVN` / `KMKR`, Swedish `momsreg.nr`, and in
/// [`LABEL_NON_ASCII_END`] Czech `DIČ`, Bulgarian `ДДС` and Greek `ΑΦΜ` /
/// `ΦΠΑ`.
static LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?-u:\b)(?:vat|ust|ust\.?[\s\-]?id(?:[\s\-]?nr)?|umsatzsteuer|umsatzsteuer-?identifikationsnummer|mwst|mehrwertsteuer|tva|btw|iva|p\.?\s?iva|partita iva|nif|nipc|contribuinte|cif|moms|momsreg[a-z]*|alv|dic|ič dph|uid|tax id|vat reg|adószám|cui|cod fiscal|ddv|oib|pvm|pvn|kmkr)(?-u:\b)",
    )
    .expect("static regex")
});
/// Labels that end in a letter outside ASCII, after which there is no
/// ASCII word boundary: they end at anything but a letter, and the letter
/// before one is tested by [`has_vat_label`]. Apart from [`LABEL`] so that
/// each keeps a literal prefilter: a leading "not a letter" class in the
/// pattern took that away and cost every page a full scan of its text.
static LABEL_NON_ASCII_END: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)(?:dič|ддс|αφμ|φπα)(?:[^\p{L}]|$)").expect("static regex"));

/// Whether `s` holds a VAT label.
pub(super) fn has_vat_label(s: &str) -> bool {
    // The lead bytes of Č/č, Д/д and the Greek capitals and small letters
    // those labels start with: most lines have none, and then no search.
    let may_end_non_ascii = |b: &[u8]| {
        memchr::memchr3(0xC4, 0xCE, 0xD0, b).is_some() || memchr::memchr(0xCF, b).is_some()
    };
    LABEL.is_match(s)
        || may_end_non_ascii(s.as_bytes())
            && LABEL_NON_ASCII_END.find_iter(s).any(|m| {
                !s[..m.start()]
                    .chars()
                    .next_back()
                    .is_some_and(char::is_alphabetic)
            })
}

/// EU and Swiss VAT numbers. Digits are spelled `[0-9]`: `\d` means the
/// digits of every script, and its hundred copies here took about 9 ms to
/// compile on a crawl's first page.
pub(super) static VAT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?-u:\b)(ATU\s?[0-9]{8}|BE\s?[01][0-9]{3}[\s.]?[0-9]{3}[\s.]?[0-9]{3}|DE\s?[0-9]{3}\s?[0-9]{3}\s?[0-9]{3}|FR\s?[0-9A-HJ-NP-Z]{2}\s?[0-9]{3}\s?[0-9]{3}\s?[0-9]{3}|IT\s?[0-9]{11}|NL\s?[0-9]{9}\s?B\s?[0-9]{2}|ES\s?[A-Z0-9][0-9]{7}[A-Z0-9]|GB\s?[0-9]{3}\s?[0-9]{4}\s?[0-9]{2}(?:\s?[0-9]{3})?|XI\s?[0-9]{9}|IE\s?[0-9]{7}[A-W][A-I]?|IE\s?[0-9][A-Z+*][0-9]{5}[A-W]|LU\s?[0-9]{8}|DK\s?[0-9]{2}\s?[0-9]{2}\s?[0-9]{2}\s?[0-9]{2}|SE\s?[0-9]{12}|FI\s?[0-9]{8}|PL\s?[0-9]{10}|PT\s?[0-9]{9}|CZ\s?[0-9]{8,10}|SK\s?[0-9]{10}|SI\s?[0-9]{8}|HU\s?[0-9]{8}|RO\s?[0-9]{2,10}|BG\s?[0-9]{9,10}|HR\s?[0-9]{11}|LT\s?(?:[0-9]{12}|[0-9]{9})|LV\s?[0-9]{11}|EE\s?[0-9]{9}|EL\s?[0-9]{9}|CY\s?[0-9]{8}[A-Z]|MT\s?[0-9]{8}|CHE[\s\-]?[0-9]{3}\.?[0-9]{3}\.?[0-9]{3}(?:\s?(?:MWST|TVA|IVA))?)(?-u:\b)",
    )
    .expect("static regex")
});

/// National VAT numbers written without their country prefix after a
/// label that names the country's scheme: Italy's `P.IVA 01234567897`
/// (every Italian site's footer), Spain's `CIF: B-12345674`, Portugal's
/// `NIF 501234560`. The prefix is added and the national checksum must
/// hold, so a phone or order number after the label is not taken.
static NATIONAL_VAT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?-u:\b)(?:(p\.?\s?iva|partita\s+iva)|(c\.?i\.?f\.?|n\.?i\.?f\.?|nipc|contribuinte))(?-u:\b)[^0-9A-Za-z\n]{0,3}(?:[A-Za-z][A-Za-z.]{0,11}[^0-9A-Za-z\n]{1,3}){0,3}([0-9]{11}|[A-HJNPQRSUVW][\s\-]?[0-9]{7}[0-9A-J]|[0-9]{9})(?-u:\b)",
    )
    .expect("static regex")
});

/// VAT numbers of [`NATIONAL_VAT`] in `line`.
pub(super) fn national_vat(line: &str) -> Vec<LegalId> {
    NATIONAL_VAT
        .captures_iter(line)
        .filter_map(|c| {
            let number: String = c[3]
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .collect::<String>()
                .to_ascii_uppercase();
            let italian = c.get(1).is_some();
            let country = match (italian, number.len()) {
                (true, 11) if number.bytes().all(|b| b.is_ascii_digit()) => "IT",
                (false, 9) if number.bytes().all(|b| b.is_ascii_digit()) => "PT",
                (false, 9) => "ES",
                _ => return None,
            };
            vat_id(&format!("{country}{number}"))
        })
        .collect()
}

/// Country checksum where one is cheap; true where none is known.
pub(super) fn vat_checksum_ok(country: &str, number: &str) -> bool {
    let d = digits(number);
    match country {
        "DE" if d.len() == 9 => {
            let mut product = 10;
            for &x in &d[..8] {
                let mut sum = (x + product) % 10;
                if sum == 0 {
                    sum = 10;
                }
                product = (2 * sum) % 11;
            }
            let check = (11 - product) % 10;
            check == d[8]
        }
        "FR" if number.len() == 11 => {
            let key = &number[..2];
            let Ok(key) = key.parse::<u64>() else {
                return true; // alphanumeric keys follow another scheme
            };
            let siren: u64 = number[2..].parse().unwrap_or(0);
            key == (12 + 3 * (siren % 97)) % 97
        }
        "IT" if d.len() == 11 => luhn(&d),
        "BE" if d.len() == 10 => {
            let first: u64 = number[..8].parse().unwrap_or(0);
            let check: u64 = number[8..].parse().unwrap_or(0);
            97 - first % 97 == check
        }
        "AT" if d.len() == 8 => {
            let s: u32 = d[..7]
                .iter()
                .enumerate()
                .map(|(i, &x)| {
                    if i % 2 == 1 {
                        let y = x * 2;
                        y / 10 + y % 10
                    } else {
                        x
                    }
                })
                .sum();
            (10 - (s + 4) % 10) % 10 == d[7]
        }
        "DK" if d.len() == 8 => {
            let w = [2, 7, 6, 5, 4, 3, 2, 1];
            weighted(&d, &w).is_multiple_of(11)
        }
        "PL" if d.len() == 10 => {
            let w = [6, 5, 7, 2, 3, 4, 5, 6, 7];
            weighted(&d[..9], &w) % 11 == d[9]
        }
        "GB" if d.len() == 9 => {
            let w = [8, 7, 6, 5, 4, 3, 2];
            let s: i64 = d[..7]
                .iter()
                .zip(w)
                .map(|(a, b)| i64::from(a * b))
                .sum::<i64>()
                + i64::from(d[7] * 10 + d[8]);
            s % 97 == 0 || (s + 55) % 97 == 0
        }
        // Companies' CIF: a letter, seven digits and a control digit or
        // letter from the doubled odd and the plain even digits.
        "ES" if number.len() == 9 && number.as_bytes()[0].is_ascii_uppercase() => {
            let body = &number.as_bytes()[1..8];
            if !body.iter().all(u8::is_ascii_digit) {
                return true; // a person's NIF or NIE: another scheme
            }
            let sum: u32 = body
                .iter()
                .enumerate()
                .map(|(i, b)| {
                    let x = u32::from(b - b'0');
                    if i % 2 == 0 {
                        let y = x * 2;
                        y / 10 + y % 10
                    } else {
                        x
                    }
                })
                .sum();
            let check = (10 - sum % 10) % 10;
            let control = number.as_bytes()[8];
            control == b'0' + check as u8 || control == b"JABCDEFGHI"[check as usize]
        }
        "PT" if d.len() == 9 => {
            let w = [9, 8, 7, 6, 5, 4, 3, 2];
            let r = weighted(&d[..8], &w) % 11;
            let check = if r < 2 { 0 } else { 11 - r };
            check == d[8]
        }
        "CH" if d.len() == 9 => {
            let w = [5, 4, 3, 2, 7, 6, 5, 4];
            let s = weighted(&d[..8], &w);
            let check = (11 - s % 11) % 11;
            check != 10 && check == d[8]
        }
        _ => true,
    }
}

/// Normalises a VAT-shaped token and checks it; Swiss UIDs without a
/// MWST/TVA/IVA suffix are registrations, not VAT numbers.
pub(super) fn vat_id(token: &str) -> Option<LegalId> {
    let compact: String = token
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '+' || *c == '*')
        .collect();
    if let Some(rest) = compact.strip_prefix("CHE") {
        let number: String = rest.chars().take(9).collect();
        if !vat_checksum_ok("CH", &number) {
            return None;
        }
        let is_vat = rest.len() > 9;
        let pretty = format!("CHE-{}.{}.{}", &number[..3], &number[3..6], &number[6..9]);
        return Some(LegalId {
            kind: if is_vat {
                LegalKind::Vat
            } else {
                LegalKind::Registration
            },
            scheme: (!is_vat).then(|| "uid".to_string()),
            value: if is_vat {
                format!("{pretty} MWST")
            } else {
                pretty
            },
            country: Some("CH".into()),
            authority: None,
        });
    }
    let prefix = compact.get(..2)?;
    let number = &compact[2..];
    let (country, number) = match prefix {
        "EL" => ("GR", number),
        "XI" => ("GB", number),
        "AT" => ("AT", number.strip_prefix('U')?),
        p => (p, number),
    };
    if !vat_checksum_ok(country, number) {
        return None;
    }
    Some(LegalId {
        kind: LegalKind::Vat,
        scheme: None,
        value: compact.clone(),
        country: Some(country.to_string()),
        authority: None,
    })
}

/// schema.org `vatID`/`taxID`: trusted as a label, still format-checked.
/// A `taxID` written as an EIN (`12-3456789`) is one.
pub fn vat_from_structured(raw: &str) -> Option<LegalId> {
    let upper = raw.trim().to_uppercase();
    if let Some(m) = VAT.find(&upper) {
        return vat_id(m.as_str());
    }
    let (prefix, serial) = upper.split_once('-')?;
    (prefix.len() == 2
        && serial.len() == 7
        && prefix
            .bytes()
            .chain(serial.bytes())
            .all(|b| b.is_ascii_digit())
        && !EIN_UNUSED_PREFIXES.contains(&prefix))
    .then(|| LegalId {
        kind: LegalKind::Tax,
        scheme: Some("ein".into()),
        value: upper.clone(),
        country: Some("US".into()),
        authority: None,
    })
}
