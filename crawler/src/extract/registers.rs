//! Company register and tax numbers of countries beyond the ones `legal/`
//! reads with their own rules: each is a label and a number shape, and the
//! number counts only after its label on the same line and, where the
//! scheme has one, with a valid check digit. A page that names none of the
//! labels (most pages) costs one literal search.

use std::sync::{LazyLock, OnceLock};

use regex::Regex;

use super::checksum::{digits, luhn, weighted};
use super::legal::{LegalId, LegalKind};
use super::lines::Lines;
use super::literals::LiteralSet;

/// One national scheme.
struct Register {
    scheme: &'static str,
    /// The scheme's name for a reader of the report.
    label: &'static str,
    /// The countries whose scheme it is: the site's country when it is one
    /// of them, else the first.
    countries: &'static [&'static str],
    kind: LegalKind,
    /// Literals one of which must occur on the page: acronyms as written
    /// (case-sensitive: "rea" and "cro" are in every page's words), words
    /// in lower case (matched in the ASCII-lowercased text).
    acronyms: &'static [&'static str],
    words: &'static [&'static str],
    /// The label then the number (group 1, or the group named `number`
    /// when the pattern captures more), up to a few characters apart.
    pattern: &'static str,
    /// The registry that keeps the number, from the pattern's groups (the
    /// city of a register kept per city).
    authority: fn(&regex::Captures<'_>) -> Option<String>,
    /// The number's canonical form if it is one.
    normalise: fn(&str) -> Option<String>,
}

fn digit_string(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

/// Belgian enterprise number (KBO/BCE): ten digits starting 0 or 1 (nine
/// in older writing), the last two 97 minus the first eight modulo 97.
fn belgium(s: &str) -> Option<String> {
    let mut d = digit_string(s);
    if d.len() == 9 {
        d.insert(0, '0');
    }
    if d.len() != 10 || !d.starts_with(['0', '1']) {
        return None;
    }
    let first: u64 = d[..8].parse().ok()?;
    let check: u64 = d[8..].parse().ok()?;
    (97 - first % 97 == check).then(|| format!("{}.{}.{}", &d[..4], &d[4..7], &d[7..]))
}

/// Danish CVR: eight digits, weights 2 7 6 5 4 3 2 1, sum divisible by 11.
fn denmark(s: &str) -> Option<String> {
    let d = digits(s);
    (d.len() == 8 && d[0] != 0 && weighted(&d, &[2, 7, 6, 5, 4, 3, 2, 1]).is_multiple_of(11))
        .then(|| digit_string(s))
}

/// Swedish organisation number: ten digits, Luhn, third digit 2 or more
/// (a personal identity number has a month there).
fn sweden(s: &str) -> Option<String> {
    let d = digits(s);
    (d.len() == 10 && d[2] >= 2 && luhn(&d)).then(|| {
        let t = digit_string(s);
        format!("{}-{}", &t[..6], &t[6..])
    })
}

/// Norwegian organisation number: nine digits, mod 11 with weights
/// 3 2 7 6 5 4 3 2.
fn norway(s: &str) -> Option<String> {
    let d = digits(s);
    if d.len() != 9 {
        return None;
    }
    let r = 11 - weighted(&d[..8], &[3, 2, 7, 6, 5, 4, 3, 2]) % 11;
    let check = if r == 11 { 0 } else { r };
    (check != 10 && check == d[8]).then(|| {
        let t = digit_string(s);
        format!("{} {} {}", &t[..3], &t[3..6], &t[6..])
    })
}

/// Finnish business ID (Y-tunnus): seven digits and a check digit.
fn finland(s: &str) -> Option<String> {
    let d = digits(s);
    if d.len() != 8 {
        return None;
    }
    let r = weighted(&d[..7], &[7, 9, 10, 5, 8, 4, 2]) % 11;
    let check = match r {
        0 => 0,
        1 => return None,
        r => 11 - r,
    };
    (check == d[7]).then(|| {
        let t = digit_string(s);
        format!("{}-{}", &t[..7], &t[7..])
    })
}

/// Polish KRS: ten digits, no check digit.
fn poland_krs(s: &str) -> Option<String> {
    let d = digit_string(s);
    (d.len() == 10).then_some(d)
}

/// Polish NIP (tax number): ten digits, weights 6 5 7 2 3 4 5 6 7 mod 11.
fn poland_nip(s: &str) -> Option<String> {
    let d = digits(s);
    if d.len() != 10 {
        return None;
    }
    let r = weighted(&d[..9], &[6, 5, 7, 2, 3, 4, 5, 6, 7]) % 11;
    (r != 10 && r == d[9]).then(|| digit_string(s))
}

/// Czech IČO: eight digits, weights 8 to 2 mod 11.
fn czechia(s: &str) -> Option<String> {
    let d = digits(s);
    if d.len() != 8 {
        return None;
    }
    let r = weighted(&d[..7], &[8, 7, 6, 5, 4, 3, 2]) % 11;
    let check = match 11 - r {
        10 => 0,
        11 => 1,
        c => c,
    };
    (check == d[7]).then(|| digit_string(s))
}

/// A province's letters (as many as `letters` allows) and up to seven
/// digits, written `XX-1234567`.
fn province_number(s: &str, letters: std::ops::RangeInclusive<usize>) -> Option<String> {
    let found: String = s
        .chars()
        .filter(char::is_ascii_alphabetic)
        .collect::<String>()
        .to_ascii_uppercase();
    let d = digit_string(s);
    (letters.contains(&found.len()) && (1..=7).contains(&d.len())).then(|| format!("{found}-{d}"))
}

/// Italian REA: the province's two letters and up to seven digits.
fn italy_rea(s: &str) -> Option<String> {
    province_number(s, 2..=2)
}

/// No registry named beside the number.
fn no_authority(_: &regex::Captures<'_>) -> Option<String> {
    None
}

/// Spain's Registro Mercantil is kept per province, named after its city.
/// The city ends before the entry's own words when no comma does
/// ("Registro Mercantil de Madrid Tomo 1234").
fn registro_mercantil(c: &regex::Captures<'_>) -> Option<String> {
    const ENTRY_WORDS: &[&str] = &[
        "tomo",
        "folio",
        "hoja",
        "libro",
        "sección",
        "seccion",
        "inscripción",
        "inscripcion",
        "general",
    ];
    let city: Vec<&str> = c
        .name("city")?
        .as_str()
        .split_whitespace()
        .take_while(|w| !ENTRY_WORDS.contains(&w.to_lowercase().as_str()))
        .collect();
    let city = city.join(" ");
    let city = city.trim_end_matches(" de").trim_end_matches(" de la");
    (!city.is_empty()).then(|| format!("Registro Mercantil de {city}"))
}

/// A sheet (`hoja`) of a Spanish Registro Mercantil: the province's one or
/// two letters and the sheet's number, `M-123456`.
fn spain_hoja(s: &str) -> Option<String> {
    province_number(s, 1..=2)
}

/// Irish CRO number: five or six digits.
fn ireland(s: &str) -> Option<String> {
    let d = digit_string(s);
    (5..=6).contains(&d.len()).then_some(d)
}

/// Australian Business Number: eleven digits, weighted mod 89 after one
/// is taken from the first digit.
fn australia_abn(s: &str) -> Option<String> {
    let mut d = digits(s);
    if d.len() != 11 || d[0] == 0 {
        return None;
    }
    d[0] -= 1;
    weighted(&d, &[10, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19])
        .is_multiple_of(89)
        .then(|| {
            let t = digit_string(s);
            format!("{} {} {} {}", &t[..2], &t[2..5], &t[5..8], &t[8..])
        })
}

/// Australian Company Number: nine digits, weights 8 to 1, complement
/// to ten.
fn australia_acn(s: &str) -> Option<String> {
    let d = digits(s);
    if d.len() != 9 {
        return None;
    }
    let check = (10 - weighted(&d[..8], &[8, 7, 6, 5, 4, 3, 2, 1]) % 10) % 10;
    (check == d[8]).then(|| {
        let t = digit_string(s);
        format!("{} {} {}", &t[..3], &t[3..6], &t[6..])
    })
}

/// Indian Corporate Identity Number: its shape is specific enough.
fn india_cin(s: &str) -> Option<String> {
    Some(s.trim().to_ascii_uppercase())
}

/// Indian GSTIN: the state's two digits, the holder's PAN (five letters,
/// four digits, a letter), the registration's number, `Z`, and a check
/// character: Luhn modulo 36 over the first fourteen.
fn india_gstin(s: &str) -> Option<String> {
    const CHARS: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let g = s.trim().to_ascii_uppercase();
    let b = g.as_bytes();
    if b.len() != 15 {
        return None;
    }
    let index = |c: u8| CHARS.iter().position(|&x| x == c);
    let mut sum = 0;
    for (i, &c) in b[..14].iter().enumerate() {
        let v = index(c)? * if i % 2 == 0 { 1 } else { 2 };
        sum += v / 36 + v % 36;
    }
    (CHARS[(36 - sum % 36) % 36] == b[14]).then_some(g)
}

/// Singapore UEN: a business's eight digits and a letter, a company's
/// year, five digits and a letter, or another entity's `T`/`S`/`R`, two
/// digits, two letters, four digits and a letter.
fn singapore_uen(s: &str) -> Option<String> {
    Some(s.trim().to_ascii_uppercase())
}

/// New Zealand Business Number: thirteen digits starting 94 (a GS1 number),
/// with the GS1 check digit.
fn new_zealand_nzbn(s: &str) -> Option<String> {
    let d = digits(s);
    if d.len() != 13 || d[..2] != [9, 4] {
        return None;
    }
    let sum: u32 = d[..12]
        .iter()
        .enumerate()
        .map(|(i, x)| x * if i % 2 == 0 { 1 } else { 3 })
        .sum();
    ((10 - sum % 10) % 10 == d[12]).then(|| digit_string(s))
}

/// Brazilian CNPJ: fourteen digits with two check digits.
fn brazil(s: &str) -> Option<String> {
    let d = digits(s);
    if d.len() != 14 || d.iter().all(|x| *x == d[0]) {
        return None;
    }
    let w1 = [5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2];
    let w2 = [6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2];
    let check = |sum: u32| {
        let r = sum % 11;
        if r < 2 { 0 } else { 11 - r }
    };
    let c1 = check(weighted(&d[..12], &w1));
    let c2 = check(weighted(&d[..13], &w2));
    (c1 == d[12] && c2 == d[13]).then(|| {
        let t = digit_string(s);
        format!(
            "{}.{}.{}/{}-{}",
            &t[..2],
            &t[2..5],
            &t[5..8],
            &t[8..12],
            &t[12..]
        )
    })
}

/// Mexican RFC of a company (three letters, the founding date, a
/// three-character homoclave) or a person (four letters): the last
/// character checks the others, modulo 11 over the SAT's alphabet.
fn mexico_rfc(s: &str) -> Option<String> {
    const ALPHABET: &str = "0123456789ABCDEFGHIJKLMN&OPQRSTUVWXYZ Ñ";
    let r = s.trim().to_uppercase();
    let chars: Vec<char> = r.chars().collect();
    let letters = match chars.len() {
        12 => 3,
        13 => 4,
        _ => return None,
    };
    let date: String = chars[letters..letters + 6].iter().collect();
    let (month, day) = (date.get(2..4)?, date.get(4..6)?);
    if !("01"..="12").contains(&month) || !("01"..="31").contains(&day) {
        return None;
    }
    // A company's RFC is checked as a person's with a space in front.
    let padded = std::iter::repeat_n(' ', 13 - chars.len()).chain(chars.iter().copied());
    let mut sum = 0;
    for (i, c) in padded.take(12).enumerate() {
        sum += ALPHABET.chars().position(|a| a == c)? * (13 - i);
    }
    let check = match 11 - sum % 11 {
        11 => '0',
        10 => 'A',
        d => char::from_digit(u32::try_from(d).ok()?, 10)?,
    };
    (chars.last() == Some(&check)).then_some(r)
}

/// Argentine CUIT: a type (20, 23, 24, 27 for people, 30, 33, 34 for
/// companies), eight digits and a check digit, modulo 11.
fn argentina_cuit(s: &str) -> Option<String> {
    let d = digits(s);
    if d.len() != 11 || ![20, 23, 24, 27, 30, 33, 34].contains(&(d[0] * 10 + d[1])) {
        return None;
    }
    let check = match 11 - weighted(&d[..10], &[5, 4, 3, 2, 7, 6, 5, 4, 3, 2]) % 11 {
        11 => 0,
        10 => return None,
        c => c,
    };
    (check == d[10]).then(|| {
        let t = digit_string(s);
        format!("{}-{}-{}", &t[..2], &t[2..10], &t[10..])
    })
}

/// Chilean RUT: the number and a check character (`K` for ten), modulo 11
/// with the weights 2 to 7 from the right.
fn chile_rut(s: &str) -> Option<String> {
    let t = s.trim().to_ascii_uppercase();
    let (body, check) = t.rsplit_once('-')?;
    let d = digits(body);
    if !(7..=8).contains(&d.len()) {
        return None;
    }
    let sum: u32 = d
        .iter()
        .rev()
        .zip([2, 3, 4, 5, 6, 7].iter().cycle())
        .map(|(a, w)| a * w)
        .sum();
    let expected = match 11 - sum % 11 {
        11 => "0".to_string(),
        10 => "K".to_string(),
        c => c.to_string(),
    };
    (check.trim() == expected).then(|| {
        let b = digit_string(body);
        let (head, tail) = b.split_at(b.len() - 6);
        format!("{head}.{}.{}-{expected}", &tail[..3], &tail[3..])
    })
}

/// Colombian NIT: nine digits and a check digit, modulo 11 with the
/// DIAN's prime weights from the right.
fn colombia_nit(s: &str) -> Option<String> {
    let (body, check) = s.trim().rsplit_once('-')?;
    let d = digits(body);
    let check = digits(check);
    if d.len() != 9 || check.len() != 1 {
        return None;
    }
    let weights = [3, 7, 13, 17, 19, 23, 29, 37, 41];
    let sum: u32 = d.iter().rev().zip(weights.iter()).map(|(a, w)| a * w).sum();
    let expected = match sum % 11 {
        r @ (0 | 1) => r,
        r => 11 - r,
    };
    (check[0] == expected).then(|| {
        let b = digit_string(body);
        format!("{}.{}.{}-{expected}", &b[..3], &b[3..6], &b[6..])
    })
}

/// Peruvian RUC: eleven digits (10 a person, 20 a company, 15 and 17
/// others), the last a check digit modulo 11.
fn peru_ruc(s: &str) -> Option<String> {
    let d = digits(s);
    if d.len() != 11 || ![10, 15, 17, 20].contains(&(d[0] * 10 + d[1])) {
        return None;
    }
    let check = (11 - weighted(&d[..10], &[5, 4, 3, 2, 7, 6, 5, 4, 3, 2]) % 11) % 10;
    (check == d[10]).then(|| digit_string(s))
}

/// South African company registration (CIPC): the year, six digits and
/// the entity's type ("2019/123456/07", a private company).
fn south_africa_cipc(s: &str) -> Option<String> {
    let t = s.trim();
    let year: u32 = t.get(..4)?.parse().ok()?;
    (1900..=2100).contains(&year).then(|| t.to_string())
}

/// Luxembourg's trade register: "B" and up to six digits.
fn luxembourg(s: &str) -> Option<String> {
    let d = digit_string(s);
    (1..=6).contains(&d.len()).then(|| format!("B{d}"))
}

/// Between a label and its number: a colon, "No.", "nr", "n°" and spaces.
macro_rules! after_label {
    () => {
        r"\.?\s*(?:(?i:-?nr\.?|no\.?|n\.|n°|n[º°]|number|nummer|numéro|numer)\s*)?[:.]?\s*"
    };
}

static REGISTERS: &[Register] = &[
    Register {
        scheme: "kbo",
        label: "Enterprise number (KBO/BCE)",
        countries: &["BE"],
        kind: LegalKind::Registration,
        acronyms: &["KBO", "BCE", "RPR", "RPM"],
        words: &["ondernemingsnummer", "entreprise", "enterprise number"],
        pattern: concat!(
            r"(?:(?-u:\b)(?:KBO|BCE|RPR|RPM|(?i:ondernemingsnummer|num[ée]ro d['’]entreprise|enterprise number))",
            after_label!(),
            r")(?:BE\s*)?([01]?[0-9]{3}[.\s]?[0-9]{3}[.\s]?[0-9]{3})(?-u:\b)"
        ),
        authority: no_authority,
        normalise: belgium,
    },
    Register {
        scheme: "cvr",
        label: "CVR",
        countries: &["DK"],
        kind: LegalKind::Registration,
        acronyms: &["CVR"],
        words: &[],
        pattern: concat!(
            r"(?-u:\b)CVR",
            after_label!(),
            r"(?:DK\s*)?([0-9]{2}\s?[0-9]{2}\s?[0-9]{2}\s?[0-9]{2})(?-u:\b)"
        ),
        authority: no_authority,
        normalise: denmark,
    },
    Register {
        scheme: "orgnr",
        label: "Organisation number",
        countries: &["SE"],
        kind: LegalKind::Registration,
        acronyms: &[],
        words: &[
            "org.nr",
            "org. nr",
            "org nr",
            "organisationsnummer",
            "org.-nr",
        ],
        pattern: r"(?i)(?-u:\b)(?:org\.?\s?-?nr|organisationsnummer)\.?\s*:?\s*([0-9]{6}-?[0-9]{4})(?-u:\b)",
        authority: no_authority,
        normalise: sweden,
    },
    Register {
        scheme: "orgnr",
        label: "Organisation number",
        countries: &["NO"],
        kind: LegalKind::Registration,
        acronyms: &[],
        words: &[
            "org.nr",
            "org. nr",
            "org nr",
            "organisasjonsnummer",
            "foretaksregisteret",
        ],
        pattern: r"(?i)(?-u:\b)(?:org\.?\s?-?nr|organisasjonsnummer|foretaksregisteret)\.?\s*:?\s*(?:NO\s*)?([0-9]{3}\s?[0-9]{3}\s?[0-9]{3})(?:\s*MVA)?(?-u:\b)",
        authority: no_authority,
        normalise: norway,
    },
    Register {
        scheme: "y-tunnus",
        label: "Y-tunnus",
        countries: &["FI"],
        kind: LegalKind::Registration,
        acronyms: &[],
        words: &["y-tunnus", "business id", "fo-nummer"],
        pattern: r"(?i)(?-u:\b)(?:y-tunnus|business\s+id|fo-nummer)\s*:?\s*([0-9]{7}-[0-9])(?-u:\b)",
        authority: no_authority,
        normalise: finland,
    },
    Register {
        scheme: "krs",
        label: "KRS",
        countries: &["PL"],
        kind: LegalKind::Registration,
        acronyms: &["KRS"],
        words: &[],
        pattern: concat!(r"(?-u:\b)KRS", after_label!(), r"([0-9]{10})(?-u:\b)"),
        authority: no_authority,
        normalise: poland_krs,
    },
    Register {
        scheme: "nip",
        label: "NIP",
        countries: &["PL"],
        kind: LegalKind::Tax,
        acronyms: &["NIP"],
        words: &[],
        pattern: concat!(
            r"(?-u:\b)NIP",
            after_label!(),
            r"(?:PL\s*)?([0-9]{3}-?[0-9]{3}-?[0-9]{2}-?[0-9]{2}|[0-9]{3}-?[0-9]{2}-?[0-9]{2}-?[0-9]{3})(?-u:\b)"
        ),
        authority: no_authority,
        normalise: poland_nip,
    },
    Register {
        scheme: "ico",
        label: "IČO",
        // Czechia and Slovakia kept one scheme when they split.
        countries: &["CZ", "SK"],
        kind: LegalKind::Registration,
        acronyms: &["IČ"],
        words: &[],
        // Not the end of "DIČ", the VAT number's label.
        pattern: r"(?:^|[^\p{L}])IČO?\s*:?\s*([0-9]{2}\s?[0-9]{3}\s?[0-9]{3})(?-u:\b)",
        authority: no_authority,
        normalise: czechia,
    },
    Register {
        scheme: "rea",
        label: "REA",
        countries: &["IT"],
        kind: LegalKind::Registration,
        acronyms: &["REA", "R.E.A"],
        words: &[],
        pattern: concat!(
            r"(?-u:\b)(?:REA|R\.E\.A\.?)",
            after_label!(),
            r"([A-Z]{2}\s?[-–]?\s?[0-9]{1,7})(?-u:\b)"
        ),
        authority: no_authority,
        normalise: italy_rea,
    },
    Register {
        scheme: "cro",
        label: "CRO",
        countries: &["IE"],
        kind: LegalKind::Registration,
        acronyms: &["CRO"],
        words: &[
            "registered in ireland",
            "registered in the republic of ireland",
        ],
        pattern: concat!(
            r"(?:(?-u:\b)CRO|(?i:registered\s+in\s+(?:the\s+)?(?:republic\s+of\s+)?ireland(?:\s+(?:under|with))?(?:\s+company)?))",
            after_label!(),
            r"([0-9]{5,6})(?-u:\b)"
        ),
        authority: no_authority,
        normalise: ireland,
    },
    Register {
        scheme: "abn",
        label: "ABN",
        countries: &["AU"],
        kind: LegalKind::Registration,
        acronyms: &["ABN"],
        words: &["australian business number"],
        pattern: r"(?:(?-u:\b)ABN|(?i:australian business number))\s*:?\s*([0-9]{2}\s?[0-9]{3}\s?[0-9]{3}\s?[0-9]{3})(?-u:\b)",
        authority: no_authority,
        normalise: australia_abn,
    },
    Register {
        scheme: "acn",
        label: "ACN",
        countries: &["AU"],
        kind: LegalKind::Registration,
        acronyms: &["ACN"],
        words: &["australian company number"],
        pattern: r"(?:(?-u:\b)ACN|(?i:australian company number))\s*:?\s*([0-9]{3}\s?[0-9]{3}\s?[0-9]{3})(?-u:\b)",
        authority: no_authority,
        normalise: australia_acn,
    },
    Register {
        scheme: "cin",
        label: "CIN",
        countries: &["IN"],
        kind: LegalKind::Registration,
        acronyms: &["CIN"],
        words: &[
            "corporate identity number",
            "corporate identification number",
        ],
        pattern: r"(?:(?-u:\b)CIN|(?i:corporate identi(?:ty|fication) number))\s*(?:No\.?)?\s*:?\s*([LU][0-9]{5}[A-Z]{2}[0-9]{4}[A-Z]{3}[0-9]{6})(?-u:\b)",
        authority: no_authority,
        normalise: india_cin,
    },
    Register {
        scheme: "gstin",
        label: "GSTIN",
        countries: &["IN"],
        kind: LegalKind::Tax,
        acronyms: &["GST"],
        words: &["goods and services tax"],
        pattern: r"(?:(?-u:\b)GST(?:IN)?(?:/UIN)?(?:\s*(?:No\.?|Number|Reg(?:istration)?\.?\s*No\.?))?|(?i:goods and services tax (?:identification )?number))\s*[:.\-]?\s*([0-3][0-9][A-Z]{5}[0-9]{4}[A-Z][1-9A-Z]Z[0-9A-Z])(?-u:\b)",
        authority: no_authority,
        normalise: india_gstin,
    },
    Register {
        scheme: "uen",
        label: "UEN",
        countries: &["SG"],
        kind: LegalKind::Registration,
        acronyms: &["UEN"],
        words: &["unique entity number"],
        pattern: r"(?:(?-u:\b)UEN|(?i:unique entity number))\s*(?:No\.?)?\s*:?\s*([0-9]{8}[A-Z]|(?:19|20)[0-9]{7}[A-Z]|[TSR][0-9]{2}[A-Z]{2}[0-9]{4}[A-Z])(?-u:\b)",
        authority: no_authority,
        normalise: singapore_uen,
    },
    Register {
        scheme: "nzbn",
        label: "NZBN",
        countries: &["NZ"],
        kind: LegalKind::Registration,
        acronyms: &["NZBN"],
        words: &["new zealand business number"],
        pattern: r"(?:(?-u:\b)NZBN|(?i:new zealand business number))\s*:?\s*(94[0-9]{11})(?-u:\b)",
        authority: no_authority,
        normalise: new_zealand_nzbn,
    },
    Register {
        scheme: "cnpj",
        label: "CNPJ",
        countries: &["BR"],
        kind: LegalKind::Registration,
        acronyms: &["CNPJ"],
        words: &[],
        pattern: r"(?-u:\b)CNPJ\s*(?:/MF)?\s*(?:n[º°o]\.?)?\s*:?\s*([0-9]{2}\.?[0-9]{3}\.?[0-9]{3}/?[0-9]{4}-?[0-9]{2})(?-u:\b)",
        authority: no_authority,
        normalise: brazil,
    },
    Register {
        scheme: "rfc",
        label: "RFC",
        countries: &["MX"],
        kind: LegalKind::Tax,
        acronyms: &["RFC"],
        words: &["registro federal de contribuyentes"],
        pattern: r"(?:(?-u:\b)RFC|(?i:registro federal de contribuyentes))\s*(?:\(RFC\))?\s*[:.]?\s*([A-ZÑ&]{3,4}-?[0-9]{6}-?[A-Z0-9]{3})(?-u:\b)",
        authority: no_authority,
        normalise: |s| mexico_rfc(&s.replace('-', "")),
    },
    Register {
        scheme: "cuit",
        label: "CUIT",
        countries: &["AR"],
        kind: LegalKind::Tax,
        acronyms: &["CUIT", "C.U.I.T"],
        words: &[],
        pattern: r"(?-u:\b)C\.?U\.?I\.?T\.?\s*(?:(?i:n[º°o]\.?)\s*)?[:.]?\s*((?:20|23|24|27|30|33|34)-?[0-9]{8}-?[0-9])(?-u:\b)",
        authority: no_authority,
        normalise: argentina_cuit,
    },
    Register {
        scheme: "rut",
        label: "RUT",
        countries: &["CL"],
        kind: LegalKind::Tax,
        acronyms: &["RUT", "R.U.T"],
        words: &["rol único tributario"],
        pattern: r"(?:(?-u:\b)R\.?U\.?T\.?|(?i:rol único tributario))\s*(?:(?i:n[º°o]\.?)\s*)?[:.]?\s*([0-9]{1,2}\.?[0-9]{3}\.?[0-9]{3}-[0-9Kk])(?-u:\b)",
        authority: no_authority,
        normalise: chile_rut,
    },
    Register {
        scheme: "nit",
        label: "NIT",
        countries: &["CO"],
        kind: LegalKind::Tax,
        acronyms: &["NIT"],
        words: &[],
        pattern: r"(?-u:\b)NIT\.?\s*(?:(?i:n[º°o]\.?)\s*)?[:.]?\s*([0-9]{3}\.?[0-9]{3}\.?[0-9]{3}\s?-\s?[0-9])(?-u:\b)",
        authority: no_authority,
        normalise: colombia_nit,
    },
    Register {
        scheme: "ruc",
        label: "RUC",
        countries: &["PE"],
        kind: LegalKind::Tax,
        acronyms: &["RUC", "R.U.C"],
        words: &[],
        pattern: r"(?-u:\b)R\.?U\.?C\.?\s*(?:(?i:n[º°o]\.?)\s*)?[:.]?\s*((?:10|15|17|20)[0-9]{9})(?-u:\b)",
        authority: no_authority,
        normalise: peru_ruc,
    },
    Register {
        scheme: "cipc",
        label: "CIPC registration number",
        countries: &["ZA"],
        kind: LegalKind::Registration,
        acronyms: &["CIPC", "CK"],
        words: &["registration n", "reg. n", "reg n", "reg.n", "company reg"],
        // "Registration number: 2019/123456/07", "Reg. No. 2019/…", "CK
        // 2001/123456/23" (a close corporation): the shape is South
        // Africa's alone.
        pattern: r"(?:(?-u:\b)(?:CIPC|CK)|(?i:(?:company\s+)?reg(?:istration)?\.?\s*(?:n(?:o|r|umber)\.?|#)))\s*[:.]?\s*((?:19|20)[0-9]{2}/[0-9]{6}/[0-9]{2})(?-u:\b)",
        authority: no_authority,
        normalise: south_africa_cipc,
    },
    Register {
        scheme: "rcs",
        label: "RCS Luxembourg",
        countries: &["LU"],
        kind: LegalKind::Registration,
        acronyms: &[],
        words: &["luxembourg"],
        pattern: r"(?:(?-u:\b)R\.?C\.?S\.?|(?i:registre de commerce et des sociétés|trade and companies register))\s*(?:de\s+|of\s+)?Luxembourg\s*[,:]?\s*(?:(?i:n[°o]\.?|no\.?|number)\s*)?(B\s?[0-9]{1,6})(?-u:\b)",
        authority: no_authority,
        normalise: luxembourg,
    },
    Register {
        scheme: "registro-mercantil",
        label: "Registro Mercantil",
        countries: &["ES"],
        kind: LegalKind::Registration,
        acronyms: &["R.M.", "R. M."],
        words: &["registro mercantil"],
        // "Inscrita en el Registro Mercantil de Madrid, Tomo 12.345, Folio
        // 67, Sección 8ª, Hoja M-123456": the sheet is the company's number,
        // after the volume, book, folio and section of the entry.
        pattern: r"(?:(?i:registro\s+mercantil)|(?-u:\b)R\.\s?M\.)(?:\s+(?:de\s+)?(?P<city>\p{Lu}\p{L}+(?:\s+(?:de\s+(?:la\s+|las\s+|los\s+)?)?\p{Lu}\p{L}+){0,3}))?[^\n]{0,120}?(?-u:\b)(?i:hoja|h\.)\s*(?:(?i:n[º°o]\.?|número|num\.)\s*)?:?\s*(?P<number>[A-Z]{1,2}\s?[-–]?\s?[0-9]{1,7})(?-u:\b)",
        authority: registro_mercantil,
        normalise: spain_hoja,
    },
];

impl Register {
    /// The scheme's country for a site of `site_country`.
    fn country(&self, site_country: Option<&str>) -> &'static str {
        site_country
            .and_then(|c| self.countries.iter().find(|own| **own == c))
            .or(self.countries.first())
            .copied()
            .unwrap_or_default()
    }
}

/// The report's name for one of these schemes.
pub fn scheme_label(scheme: &str) -> Option<&'static str> {
    REGISTERS
        .iter()
        .find(|r| r.scheme == scheme)
        .map(|r| r.label)
}

/// Each scheme's pattern, compiled the first time a page names its label.
static COMPILED: LazyLock<Vec<OnceLock<Option<Regex>>>> =
    LazyLock::new(|| REGISTERS.iter().map(|_| OnceLock::new()).collect());

/// Register `i`'s pattern. One that failed to compile would be a bug
/// caught by the tests; extraction goes on without that scheme.
fn compiled(i: usize) -> Option<&'static Regex> {
    let register = REGISTERS.get(i)?;
    COMPILED
        .get(i)?
        .get_or_init(|| Regex::new(register.pattern).ok())
        .as_ref()
}

/// A gate set and which register each of its literals belongs to.
struct Gates {
    set: LiteralSet,
    owner: Vec<usize>,
    /// Whether a literal counts only at the start of a word (the
    /// acronyms: "NIT" in "UNITED" or "CUIT" in "CIRCUIT" is none, and
    /// their patterns would be compiled and run for nothing; "GST" of
    /// "GSTIN" is one, so the end is not looked at).
    word_start: bool,
}

impl Gates {
    fn new(lower: bool, word_start: bool, pick: fn(&Register) -> &'static [&'static str]) -> Self {
        let mut literals = Vec::new();
        let mut owner = Vec::new();
        for (i, r) in REGISTERS.iter().enumerate() {
            for g in pick(r) {
                literals.push(*g);
                owner.push(i);
            }
        }
        Gates {
            set: LiteralSet::new(&literals, lower),
            owner,
            word_start,
        }
    }

    fn mark(&self, haystack: &[u8], on_page: &mut [bool]) {
        self.set.for_each_at(haystack, |p, at| {
            if self.word_start
                && at
                    .checked_sub(1)
                    .and_then(|k| haystack.get(k))
                    .is_some_and(u8::is_ascii_alphanumeric)
            {
                return;
            }
            if let Some(slot) = self.owner.get(p).and_then(|i| on_page.get_mut(*i)) {
                *slot = true;
            }
        });
    }
}

static ACRONYM_GATES: LazyLock<Gates> = LazyLock::new(|| Gates::new(false, true, |r| r.acronyms));
static WORD_GATES: LazyLock<Gates> = LazyLock::new(|| Gates::new(true, false, |r| r.words));

/// Register and tax numbers of the schemes above in visible text; `lower`
/// is the text ASCII-lowercased and `shared` its lines.
pub(crate) fn from_lines(
    text: &str,
    lower: &str,
    shared: &Lines<'_>,
    site_country: Option<&str>,
) -> Vec<LegalId> {
    let mut on_page = vec![false; REGISTERS.len()];
    ACRONYM_GATES.mark(text.as_bytes(), &mut on_page);
    WORD_GATES.mark(lower.as_bytes(), &mut on_page);
    let mut out = Vec::new();
    if !on_page.contains(&true) {
        return out;
    }
    for (i, line) in shared.all().iter().enumerate() {
        if !shared.has_digit(i) {
            continue;
        }
        for (i, register) in REGISTERS.iter().enumerate() {
            if !on_page[i] {
                continue;
            }
            let Some(re) = compiled(i) else {
                continue;
            };
            for c in re.captures_iter(line) {
                let number = c.name("number").or_else(|| c.get(1));
                let Some(value) = number.and_then(|m| (register.normalise)(m.as_str())) else {
                    continue;
                };
                out.push(LegalId {
                    kind: register.kind,
                    scheme: Some(register.scheme.to_string()),
                    value,
                    country: Some(register.country(site_country).to_string()),
                    authority: (register.authority)(&c),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pattern_compiles() {
        for (i, r) in REGISTERS.iter().enumerate() {
            assert!(
                compiled(i).is_some(),
                "{} ({}) does not compile",
                r.scheme,
                r.country(None)
            );
        }
    }

    #[test]
    fn check_digits() {
        assert_eq!(belgium("0403.717.562").as_deref(), Some("0403.717.562"));
        assert_eq!(belgium("403717562").as_deref(), Some("0403.717.562"));
        assert_eq!(belgium("0403.717.563"), None);
        assert_eq!(denmark("13585830").as_deref(), Some("13585830"));
        assert_eq!(denmark("13585831"), None);
        assert_eq!(sweden("556123-4567").as_deref(), Some("556123-4567"));
        assert_eq!(sweden("556123-4568"), None);
        assert_eq!(norway("923 609 016").as_deref(), Some("923 609 016"));
        assert_eq!(norway("923 609 017"), None);
        assert_eq!(finland("1123456-6").as_deref(), Some("1123456-6"));
        assert_eq!(finland("1123456-7"), None);
        assert_eq!(poland_nip("526-025-02-74").as_deref(), Some("5260250274"));
        assert_eq!(poland_nip("5260250275"), None);
        assert_eq!(czechia("27082440").as_deref(), Some("27082440"));
        assert_eq!(czechia("27082441"), None);
        assert_eq!(
            australia_abn("51 824 753 556").as_deref(),
            Some("51 824 753 556")
        );
        assert_eq!(australia_abn("51 824 753 557"), None);
        assert_eq!(australia_acn("004085616").as_deref(), Some("004 085 616"));
        assert_eq!(australia_acn("004085617"), None);
        assert_eq!(
            brazil("11.222.333/0001-81").as_deref(),
            Some("11.222.333/0001-81")
        );
        assert_eq!(brazil("11.222.333/0001-82"), None);
        assert_eq!(brazil("11111111111111"), None);
        assert_eq!(
            india_gstin("27AAPFU0939F1ZV").as_deref(),
            Some("27AAPFU0939F1ZV")
        );
        assert_eq!(india_gstin("27AAPFU0939F1ZW"), None);
        assert_eq!(
            new_zealand_nzbn("9429041234563").as_deref(),
            Some("9429041234563")
        );
        assert_eq!(new_zealand_nzbn("9429041234567"), None);
        assert_eq!(mexico_rfc("WMT970714R10").as_deref(), Some("WMT970714R10"));
        assert_eq!(
            mexico_rfc("GODE561231GR8").as_deref(),
            Some("GODE561231GR8")
        );
        assert_eq!(mexico_rfc("WMT970714R11"), None);
        assert_eq!(mexico_rfc("WMT971314R10"), None);
        assert_eq!(
            argentina_cuit("30500010912").as_deref(),
            Some("30-50001091-2")
        );
        assert_eq!(argentina_cuit("30-50001091-3"), None);
        assert_eq!(argentina_cuit("40-50001091-2"), None);
        assert_eq!(chile_rut("76.086.428-5").as_deref(), Some("76.086.428-5"));
        assert_eq!(chile_rut("76086428-5").as_deref(), Some("76.086.428-5"));
        assert_eq!(chile_rut("76.086.428-6"), None);
        assert_eq!(
            colombia_nit("890.903.938-8").as_deref(),
            Some("890.903.938-8")
        );
        assert_eq!(colombia_nit("890903938-7"), None);
        assert_eq!(peru_ruc("20100070970").as_deref(), Some("20100070970"));
        assert_eq!(peru_ruc("20100070971"), None);
    }

    #[test]
    fn acronym_gates_open_at_a_word_start_only() {
        let marked = |text: &str| -> Vec<&str> {
            let mut on_page = vec![false; REGISTERS.len()];
            ACRONYM_GATES.mark(text.as_bytes(), &mut on_page);
            REGISTERS
                .iter()
                .zip(on_page)
                .filter(|(_, on)| *on)
                .map(|(r, _)| r.scheme)
                .collect()
        };
        assert_eq!(marked("UNITED CIRCUIT TRUTH STRUCTURE"), Vec::<&str>::new());
        assert_eq!(marked("NIT 890.903.938-8"), vec!["nit"]);
        assert_eq!(marked("(CUIT) 30-50001091-2"), vec!["cuit"]);
        assert_eq!(marked("GSTIN: 27AAPFU0939F1ZV"), vec!["gstin"]);
    }

    #[test]
    fn latin_american_tax_numbers_after_their_labels() {
        let ids = |text: &str| -> Vec<(String, String, String)> {
            let lower = text.to_ascii_lowercase();
            from_lines(text, &lower, &Lines::of(text), None)
                .into_iter()
                .map(|i| {
                    (
                        i.scheme.unwrap_or_default(),
                        i.value,
                        i.country.unwrap_or_default(),
                    )
                })
                .collect()
        };
        let one = |scheme: &str, value: &str, country: &str| {
            vec![(scheme.to_string(), value.to_string(), country.to_string())]
        };
        assert_eq!(ids("RFC: WMT970714R10"), one("rfc", "WMT970714R10", "MX"));
        assert_eq!(
            ids("Registro Federal de Contribuyentes (RFC): WMT-970714-R10"),
            one("rfc", "WMT970714R10", "MX")
        );
        assert_eq!(
            ids("C.U.I.T.: 30-50001091-2"),
            one("cuit", "30-50001091-2", "AR")
        );
        assert_eq!(ids("RUT: 76.086.428-5"), one("rut", "76.086.428-5", "CL"));
        assert_eq!(ids("NIT 890.903.938-8"), one("nit", "890.903.938-8", "CO"));
        assert_eq!(ids("RUC: 20100070970"), one("ruc", "20100070970", "PE"));
        assert_eq!(
            ids("Registration number: 2019/123456/07"),
            one("cipc", "2019/123456/07", "ZA")
        );
        assert_eq!(
            ids("Acme (Pty) Ltd, Reg. No. 2001/012345/07"),
            one("cipc", "2001/012345/07", "ZA")
        );
        assert_eq!(
            ids("CK 1998/123456/23"),
            one("cipc", "1998/123456/23", "ZA")
        );
        // A wrong check digit, or the shape without its label, is none.
        for text in [
            "RFC: WMT970714R11",
            "CUIT 30-50001091-3",
            "RUT: 76.086.428-6",
            "Order 890.903.938-8",
            "RUC: 20100070971",
            "Invoice 2019/123456/07",
        ] {
            assert_eq!(ids(text), vec![], "{text}");
        }
    }

    #[test]
    fn spanish_mercantile_register_sheets() {
        let ids = |text: &str| -> Vec<(String, Option<String>)> {
            let lower = text.to_ascii_lowercase();
            from_lines(text, &lower, &Lines::of(text), None)
                .into_iter()
                .map(|i| (i.value, i.authority))
                .collect()
        };
        let madrid = |v: &str| {
            vec![(
                v.to_string(),
                Some("Registro Mercantil de Madrid".to_string()),
            )]
        };
        assert_eq!(
            ids(
                "Inscrita en el Registro Mercantil de Madrid, Tomo 12.345, Folio 67, Sección 8ª, Hoja M-123456, Inscripción 1ª."
            ),
            madrid("M-123456")
        );
        assert_eq!(
            ids("R.M. Madrid, T. 12345, F. 67, H. M 123456"),
            madrid("M-123456")
        );
        assert_eq!(
            ids("Registro Mercantil de Madrid Tomo 1234 Hoja nº M-98765"),
            madrid("M-98765")
        );
        assert_eq!(
            ids("Registro Mercantil de Santa Cruz de Tenerife, tomo 3012, folio 1, hoja TF-45678"),
            vec![(
                "TF-45678".to_string(),
                Some("Registro Mercantil de Santa Cruz de Tenerife".to_string())
            )]
        );
        assert_eq!(
            ids("Inscrita en el Registro Mercantil, tomo 40.123, folio 1, hoja B-123456"),
            vec![("B-123456".to_string(), None)]
        );
        // No sheet, or words that only look like one.
        assert!(
            ids("Inscrita en el Registro Mercantil de Madrid, Tomo 12.345, Folio 67").is_empty()
        );
        assert!(ids("Registro Mercantil: consulte la hoja informativa 2024").is_empty());
    }
}
