//! Lines written in capitals, as American mailing labels and some footers
//! print addresses ("1000 N WEST ST STE 1200" / "WILMINGTON DE 19801"),
//! put into the case the address patterns read: words with a capital and
//! then small letters, codes kept as written ("1000 N West St Ste 1200" /
//! "Wilmington DE 19801").

/// Compass points, which stay single capitals or pairs ("N", "SW").
const DIRECTIONS: &[&str] = &["N", "S", "E", "W", "NE", "NW", "SE", "SW"];

/// Short words before a number that are a unit's or a box's word, not a
/// state's or a province's code ("STE 1200", "APT 4", "BOX 12").
const UNIT_WORDS: &[&str] = &[
    "STE", "APT", "FL", "RM", "BLDG", "NO", "BOX", "UNIT", "HWY", "RTE", "LVL", "DEPT", "SUITE",
];

/// Whether `line` is written in capitals: no small letter, and at least
/// four capitals in words without a digit (so a postcode such as "EC1A
/// 1BB" or "USA" alone is left as it is).
pub fn is_in_capitals(line: &str) -> bool {
    if line.chars().any(char::is_lowercase) {
        return false;
    }
    line.split(' ')
        .filter(|w| !w.bytes().any(|b| b.is_ascii_digit()))
        .map(|w| w.chars().filter(|c| c.is_uppercase()).count())
        .sum::<usize>()
        >= 4
}

/// `line` in the case of ordinary writing when it is written in capitals,
/// else `None`.
pub fn calmed(line: &str) -> Option<String> {
    if !is_in_capitals(line) {
        return None;
    }
    let words: Vec<&str> = line.split(' ').collect();
    let mut out = String::with_capacity(line.len());
    for (k, word) in words.iter().enumerate() {
        if k > 0 {
            out.push(' ');
        }
        let before = k.checked_sub(1).and_then(|p| words.get(p)).copied();
        calm_word(word, before, words.get(k + 1).copied(), &mut out);
    }
    Some(out)
}

fn calm_word(word: &str, before: Option<&str>, after: Option<&str>, out: &mut String) {
    let core = word.trim_end_matches([',', '.', ';', ':', ')']);
    let letters_only = core
        .chars()
        .all(|c| c.is_alphabetic() || matches!(c, '.' | '\'' | '’' | '-' | '('));
    if core.bytes().any(|b| b.is_ascii_digit()) {
        // Postcodes, house numbers and unit numbers stay as written; an
        // ordinal's ending is small ("1ST" -> "1st").
        let digits = core.trim_end_matches(|c: char| c.is_ascii_alphabetic());
        let ending = &core[digits.len()..];
        if !digits.is_empty()
            && digits.bytes().all(|b| b.is_ascii_digit())
            && matches!(ending, "ST" | "ND" | "RD" | "TH")
        {
            out.push_str(digits);
            out.push_str(&ending.to_lowercase());
            out.push_str(&word[core.len()..]);
        } else {
            out.push_str(word);
        }
        return;
    }
    if !letters_only || core.chars().count() <= 1 || keeps_capitals(core, before, after) {
        out.push_str(word);
        return;
    }
    // A capital at the start and after a hyphen ("BADEN-BADEN"), and after
    // an apostrophe that follows one letter ("O'HARE").
    let mut capital_next = true;
    let mut since_start = 0;
    for c in word.chars() {
        if capital_next {
            out.push(c);
        } else {
            out.extend(c.to_lowercase());
        }
        since_start += 1;
        capital_next = c == '-' || c == '(' || (matches!(c, '\'' | '’') && since_start == 2);
    }
}

/// Whether a word of letters is a code that stays in capitals: a compass
/// point, "PO" of a post office box, a state's, province's or country's
/// code before a number or postcode ("DE 19801", "ON M5V 2T6", "VIC
/// 3000"), or the letters of a Dutch postcode after its digits ("1015 CJ").
fn keeps_capitals(core: &str, before: Option<&str>, after: Option<&str>) -> bool {
    let short = core.chars().count() <= 3 && core.chars().all(|c| c.is_ascii_uppercase());
    if !short {
        return false;
    }
    if DIRECTIONS.contains(&core) || matches!(core, "PO" | "P.O") {
        return true;
    }
    if UNIT_WORDS.contains(&core) {
        return false;
    }
    let has_digit = |w: Option<&str>| w.is_some_and(|w| w.bytes().any(|b| b.is_ascii_digit()));
    let four_digits = before.is_some_and(|w| w.len() == 4 && w.bytes().all(|b| b.is_ascii_digit()));
    has_digit(after) || (core.len() == 2 && four_digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_in_capitals_read_as_ordinary_writing() {
        for (line, want) in [
            ("1000 N WEST ST STE 1200", Some("1000 N West St Ste 1200")),
            ("WILMINGTON DE 19801", Some("Wilmington DE 19801")),
            ("500 E MAIN ST, SUITE 300", Some("500 E Main St, Suite 300")),
            ("COLUMBUS, OH 43215", Some("Columbus, OH 43215")),
            ("PO BOX 1234", Some("PO Box 1234")),
            ("200 W 42ND ST FL 10", Some("200 W 42nd St Fl 10")),
            ("TORONTO ON M5V 2T6", Some("Toronto ON M5V 2T6")),
            ("MELBOURNE VIC 3000", Some("Melbourne VIC 3000")),
            ("LONDON EC1A 1BB", Some("London EC1A 1BB")),
            ("1015 CJ AMSTERDAM", Some("1015 CJ Amsterdam")),
            ("MUSTERSTRASSE 12", Some("Musterstrasse 12")),
            ("80331 MÜNCHEN", Some("80331 München")),
            ("BADEN-BADEN", Some("Baden-Baden")),
            ("123 O'HARE DR", Some("123 O'Hare Dr")),
            ("ACME ROBOTICS INC.", Some("Acme Robotics Inc.")),
            // Not in capitals, or too few of them: left alone.
            ("1000 N West St", None),
            ("EC1A 1BB", None),
            ("USA", None),
            ("Wilmington DE 19801", None),
        ] {
            assert_eq!(calmed(line).as_deref(), want, "{line}");
        }
    }
}
