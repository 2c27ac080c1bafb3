//! The company's legal name as its site writes it: the copyright line of a
//! footer ("© 2024 Acme Widgets Ltd. All rights reserved.") and, on an
//! imprint, the line that is a name with a legal form ("Muster GmbH").
//! Only a name that ends in a legal form counts: a bare "© 2024 Acme" or a
//! heading could be anything.

use std::cell::RefCell;
use std::sync::LazyLock;

use regex::Regex;

use super::memo::Memo;
use super::text::contains_any;

/// Legal forms, longest first where one is a prefix of another; the
/// English ones and GmbH also in capitals, as footers set in capitals
/// write them ("© 2024 ACME WIDGETS LTD").
const FORMS: &str = r"GmbH\s&\sCo\.\sKG|GmbH\s&\sCo\.\sKGaA|gGmbH|GmbH|AG\s&\sCo\.\sKG|AG|UG\s\(haftungsbeschränkt\)|UG|KGaA|KG|OHG|GbR|PartG\smbB|e\.\s?K\.|e\.\s?V\.|SE|Ltd\.?|Limited|LLP|LLC|L\.L\.C\.|Inc\.?|Incorporated|Corp\.?|Corporation|plc|PLC|S\.A\.S\.|SAS|S\.A\.|SA|SARL|S\.à\sr\.l\.|S\.r\.l\.|Srl|S\.p\.A\.|SpA|B\.V\.|BV|N\.V\.|NV|S\.L\.|SL|Lda\.?|AB|A/S|ApS|AS|Oy|Sp\.\sz\so\.o\.|s\.r\.o\.|Pty\sLtd\.?|GesmbH|Ges\.m\.b\.H\.|PTY\sLTD\.?|LTD\.?|LIMITED|INC\.?|INCORPORATED|CORP\.?|CORPORATION|GMBH";

/// A whole line that is a name ending in a legal form.
static NAME_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"^(?:(?:Firma|Company|Anbieter|Betreiber|Unternehmen|Raison sociale|Société|Ragione sociale)\s*:\s*)?([\p{{Lu}}0-9][\p{{L}}0-9&.,'’+\-]*(?:\s+[\p{{L}}0-9&.,'’+\-]+)*?,?\s(?:{FORMS}))$"
    ))
    .expect("static regex")
});

/// The name with a legal form after a copyright sign or word and an
/// optional year or range of years.
static COPYRIGHT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?:©|\([cC]\)|Copyright|COPYRIGHT)\s*(?:©\s*)?(?:[0-9]{{4}}(?:\s*[\-–—]\s*(?:[0-9]{{4}}|heute|today))?\s*,?\s*)?(?:by\s+)?([\p{{Lu}}0-9][\p{{L}}0-9&.'’+\-]*(?:\s+[\p{{L}}0-9&.'’+\-]+){{0,6}}?,?\s(?:{FORMS}))(?:[\s.,|·–—\-]|$)"
    ))
    .expect("static regex")
});

/// Most words in a legal name, the form included.
const MAX_WORDS: usize = 9;

/// An article right before the legal form: "die Geschäftsführung der AG"
/// is prose about a company, not its name ("La Poste SA" is a name).
static ARTICLE_BEFORE_FORM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?:^|\s)(?i:der|die|das|des|dem|den|the|a|an|la|le|les|un|une|il|lo|el|los|het|de)\s(?:{FORMS})"
    ))
    .expect("static regex")
});

fn clean(name: &str) -> Option<String> {
    let name = name.trim().trim_end_matches(',');
    let words = name.split_whitespace().count();
    ((2..=MAX_WORDS).contains(&words)
        && name.chars().count() <= 100
        && !ARTICLE_BEFORE_FORM.is_match(name))
    .then(|| name.to_string())
}

/// Legal names in `text`: from copyright lines on any page, and from name
/// lines when `imprint` (only the first, the provider the imprint is for).
pub fn from_text(text: &str, imprint: bool) -> Vec<String> {
    let mut out = Vec::new();
    if contains_any(text, &["©", "opyright", "OPYRIGHT", "(c)", "(C)"]) {
        copyright_names(text, &mut out);
    }
    if imprint
        && let Some(n) = text
            .lines()
            .map(str::trim)
            .filter(|l| l.len() <= 120)
            .find_map(|l| NAME_LINE.captures(l).and_then(|c| clean(&c[1])))
    {
        out.push(n);
    }
    out.sort();
    out.dedup();
    out
}

thread_local! {
    /// Names per copyright line and the line after it (see `copyright_names`).
    static LINE_MEMO: RefCell<Memo<Vec<String>>> = RefCell::new(Memo::new(crate::extract::memo::LINES));
}

/// The names of the copyright notices that start on a line of `text`. A
/// notice is read from its line and the next one (a name may wrap after the
/// year); the footer's notice is the same on every page of a site, so each
/// line's names are computed once per worker thread: capturing them with
/// the pattern's letter classes cost about 20 k instructions a page.
fn copyright_names(text: &str, out: &mut Vec<String>) {
    // The lines where a notice starts, found by the pattern's own search
    // (a literal prefilter and a DFA, cheap); only the captures, the
    // costly part, are memoised. Testing every line for the markers, or
    // searching the text for each marker, cost more than they saved.
    let bytes = text.as_bytes();
    let mut starts: Vec<usize> = COPYRIGHT
        .find_iter(text)
        .map(|m| memchr::memrchr(b'\n', &bytes[..m.start()]).map_or(0, |i| i + 1))
        .collect();
    starts.dedup();
    for start in starts {
        let rest = &text[start..];
        let line_end = memchr::memchr(b'\n', rest.as_bytes()).unwrap_or(rest.len());
        let window_end = match rest.get(line_end + 1..) {
            Some(after) => {
                line_end + 1 + memchr::memchr(b'\n', after.as_bytes()).unwrap_or(after.len())
            }
            None => line_end,
        };
        let window = &rest[..window_end];
        let names = LINE_MEMO.with(|m| {
            m.borrow_mut().get_or(window, || {
                COPYRIGHT
                    .captures_iter(window)
                    // A notice that starts on the next line is that line's.
                    .filter(|c| c.get(0).is_some_and(|m| m.start() < line_end))
                    .filter_map(|c| clean(&c[1]))
                    .collect()
            })
        });
        out.extend(names);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copyright_lines() {
        for (text, want) in [
            (
                "COPYRIGHT © 2024 ACME WIDGETS LTD. ALL RIGHTS RESERVED.",
                "ACME WIDGETS LTD.",
            ),
            (
                "© 2025 NORTHWIND ROBOTICS, INC.",
                "NORTHWIND ROBOTICS, INC.",
            ),
            ("News\n© 2021\nNordlicht GmbH\nImpressum", "Nordlicht GmbH"),
            (
                "© 2024 Acme Widgets Ltd. All rights reserved.",
                "Acme Widgets Ltd.",
            ),
            (
                "Copyright © 2019–2025 Muster GmbH | Impressum | Datenschutz",
                "Muster GmbH",
            ),
            ("(c) 2023 Rossi S.r.l. - P.IVA 01234567897", "Rossi S.r.l."),
            (
                "© Nordwind Robotics GmbH & Co. KG",
                "Nordwind Robotics GmbH & Co. KG",
            ),
            ("Copyright 2025 by Acme, Inc.", "Acme, Inc."),
            ("© 2024 Dupont SAS · Mentions légales", "Dupont SAS"),
            (
                "© 2009–2024 Northwind Robotics Ltd",
                "Northwind Robotics Ltd",
            ),
        ] {
            assert_eq!(from_text(text, false), [want], "{text}");
        }
        // No legal form, or prose that mentions one.
        assert!(from_text("© 2024 Acme. All rights reserved.", false).is_empty());
        assert!(from_text("Photos © Getty Images", false).is_empty());
        assert!(from_text("We founded the GmbH in 2001.", false).is_empty());
    }

    #[test]
    fn the_imprints_name_line() {
        let imprint = "Impressum\nAngaben gemäß § 5 TMG\nMuster GmbH\nMusterstraße 1\n80331 München\n\
                       Webdesign: Pixel Agentur GmbH";
        assert_eq!(from_text(imprint, true), ["Muster GmbH"]);
        assert!(
            from_text(imprint, false).is_empty(),
            "only an imprint's lines"
        );
        assert_eq!(
            from_text(
                "Legal notice\nCompany: Acme Widgets Limited\nRegistered in England",
                true
            ),
            ["Acme Widgets Limited"]
        );
        assert!(from_text("Impressum\nDie Geschäftsführung der AG", true).is_empty());
        assert_eq!(from_text("© 2025 La Poste SA", false), ["La Poste SA"]);
    }
}
