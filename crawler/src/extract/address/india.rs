//! Indian addresses. They rarely have a numbered street of a kind the
//! other readers know: the lines name a building, a floor, a road or an
//! area, and the address is told by its last line, the town, the state and
//! the six-digit PIN code ("Bengaluru, Karnataka 560103", "New Delhi -
//! 110044", "Chennai 600002, Tamil Nadu, India"). So the PIN's line is read
//! first, and the street is what comes before it on that line or on the
//! lines above.

use super::{Address, country_named, label_free, line_parts};

/// States and union territories, with their ISO 3166-2:IN codes (as of the
/// 2023 changes: CG, OD, TS, UK).
const STATES: &[(&str, &str)] = &[
    ("Andhra Pradesh", "AP"),
    ("Arunachal Pradesh", "AR"),
    ("Assam", "AS"),
    ("Bihar", "BR"),
    ("Chhattisgarh", "CG"),
    ("Goa", "GA"),
    ("Gujarat", "GJ"),
    ("Haryana", "HR"),
    ("Himachal Pradesh", "HP"),
    ("Jharkhand", "JH"),
    ("Karnataka", "KA"),
    ("Kerala", "KL"),
    ("Madhya Pradesh", "MP"),
    ("Maharashtra", "MH"),
    ("Manipur", "MN"),
    ("Meghalaya", "ML"),
    ("Mizoram", "MZ"),
    ("Nagaland", "NL"),
    ("Odisha", "OD"),
    ("Orissa", "OD"),
    ("Punjab", "PB"),
    ("Rajasthan", "RJ"),
    ("Sikkim", "SK"),
    ("Tamil Nadu", "TN"),
    ("Tamilnadu", "TN"),
    ("Telangana", "TS"),
    ("Tripura", "TR"),
    ("Uttar Pradesh", "UP"),
    ("Uttarakhand", "UK"),
    ("West Bengal", "WB"),
    ("Andaman and Nicobar Islands", "AN"),
    ("Chandigarh", "CH"),
    ("Dadra and Nagar Haveli and Daman and Diu", "DH"),
    ("Delhi", "DL"),
    ("NCT of Delhi", "DL"),
    ("Jammu and Kashmir", "JK"),
    ("Jammu & Kashmir", "JK"),
    ("Ladakh", "LA"),
    ("Lakshadweep", "LD"),
    ("Puducherry", "PY"),
    ("Pondicherry", "PY"),
];

/// Cities whose name alone says India, for a PIN line with neither state
/// nor country ("New Delhi - 110044").
const CITIES: &[&str] = &[
    "mumbai",
    "new delhi",
    "delhi",
    "bengaluru",
    "bangalore",
    "chennai",
    "hyderabad",
    "kolkata",
    "pune",
    "ahmedabad",
    "gurugram",
    "gurgaon",
    "noida",
    "greater noida",
    "jaipur",
    "kochi",
    "cochin",
    "chandigarh",
    "lucknow",
    "indore",
    "coimbatore",
    "thiruvananthapuram",
    "trivandrum",
    "visakhapatnam",
    "nagpur",
    "mysuru",
    "mysore",
    "bhubaneswar",
    "vadodara",
    "surat",
    "navi mumbai",
    "thane",
    "mohali",
    "faridabad",
    "ghaziabad",
];

/// Words of the lines above a PIN line that belong to its address: a
/// road, an area, a building or a floor ("Marathahalli Outer Ring Road",
/// "Prestige Tech Park").
const PLACE_WORDS: &[&str] = &[
    "road", "rd", "marg", "street", "st", "salai", "nagar", "lane", "floor", "sector", "phase",
    "block", "estate", "park", "tower", "towers", "building", "bldg", "plot", "layout", "colony",
    "cross", "main", "avenue", "highway", "chowk", "bagh", "vihar", "enclave", "complex", "plaza",
    "centre", "center", "campus", "sez", "gali", "puram", "area", "near", "opp", "opposite",
];

/// Whether `line` may hold a PIN code where [`address`] looks for one: six
/// digits, or three and three after a space, with no digit before them,
/// at the line's end or before a comma or a bar. A few byte tests at those
/// places only: this runs on every line with a digit and no street.
pub(super) fn may_hold_pin(line: &[u8]) -> bool {
    pin_len(line.trim_ascii_end()).is_some()
        || memchr::memchr2_iter(b',', b'|', line)
            .any(|at| pin_len(line[..at].trim_ascii_end()).is_some())
}

/// How many bytes of the end of `b` are a PIN's shape: six digits (6), or
/// three, a space and three (7), with no digit before them.
fn pin_len(b: &[u8]) -> Option<usize> {
    let n = b.len();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    let clear = |k: usize| k == 0 || !b[k - 1].is_ascii_digit();
    if n >= 6 && digits(n - 6..n) && clear(n - 6) {
        Some(6)
    } else if n >= 7 && b[n - 4] == b' ' && digits(n - 7..n - 4) && digits(n - 3..n) && clear(n - 7)
    {
        Some(7)
    } else {
        None
    }
}

/// The PIN code ending `part` and the text before it ("Karnataka 560103"
/// -> ("Karnataka", "560103"); "PIN: 560 103" -> ("", "560103")).
fn pin_at_end(part: &str) -> Option<(&str, String)> {
    let n = part.len();
    let len = pin_len(part.as_bytes())?;
    let code: String = part[n - len..]
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    if code.starts_with('0') {
        return None;
    }
    let before = part[..n - len].trim_end_matches([' ', '-', '–', '—', ',', ':']);
    let lower = before.to_ascii_lowercase();
    let before = ["pin code", "pincode", "pin"]
        .iter()
        .find(|w| lower.ends_with(*w))
        .map_or(before, |w| {
            before[..before.len() - w.len()].trim_end_matches([' ', ','])
        });
    Some((before, code))
}

fn state_code(name: &str) -> Option<&'static str> {
    let name = name.trim();
    STATES
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, code)| *code)
}

/// A town's name: capitalised words of letters, no longer than 40 chars.
fn is_town(s: &str) -> bool {
    s.chars().next().is_some_and(char::is_uppercase)
        && s.chars().count() <= 40
        && s.chars()
            .all(|c| c.is_alphabetic() || matches!(c, ' ' | '.' | '-' | '\''))
}

/// A line above the PIN line that is part of its address: short, not a
/// company's name, a phone or an email, and starting with a number ("3rd
/// Floor, …", "A-25, …", "#12, …") or holding a place's word
/// ("Marathahalli Outer Ring Road"); "Open 9am–6pm" is neither.
fn is_street_line(line: &str) -> bool {
    let lower = line.to_lowercase();
    let digits = line.bytes().filter(u8::is_ascii_digit).count();
    if line.is_empty()
        || line.len() > 100
        || digits > 6
        || line.contains('@')
        || lower.contains("http")
        || lower.contains("pvt")
        || lower.contains("ltd")
        || lower.contains("limited")
        || lower.contains("llp")
    {
        return false;
    }
    let first_word = line.split_whitespace().next().unwrap_or("");
    first_word.bytes().any(|b| b.is_ascii_digit())
        || lower
            .split(|c: char| !c.is_alphanumeric())
            .any(|w| PLACE_WORDS.contains(&w))
}

/// The Indian address whose PIN code is on line `i`, if it has a sign of
/// India (a state, the country's name, a well-known city or `hint`) and a
/// street before it.
pub(super) fn address(lines: &[&str], i: usize, hint: Option<&str>) -> Option<Address> {
    let line = lines.get(i)?;
    let parts: Vec<&str> = line_parts(line)
        .map(label_free)
        .filter(|p| !p.is_empty())
        .collect();
    let (p, (before, code)) = parts
        .iter()
        .enumerate()
        .find_map(|(p, part)| pin_at_end(part).map(|found| (p, found)))?;
    let part = |k: Option<usize>| k.and_then(|k| parts.get(k)).copied();
    // Where the town is, the state's code, and where the street's parts end.
    let (town, mut state, street_end) = if before.is_empty() {
        match part(p.checked_sub(1)) {
            Some(prev) if state_code(prev).is_some() => {
                (part(p.checked_sub(2))?, state_code(prev), p - 2)
            }
            Some(prev) => (prev, None, p - 1),
            None => return None,
        }
    } else if let Some(code) = state_code(before) {
        (part(p.checked_sub(1))?, Some(code), p - 1)
    } else {
        (before, None, p)
    };
    if !is_town(town) {
        return None;
    }
    let mut after = parts.get(p + 1..).unwrap_or_default();
    if state.is_none()
        && let Some(code) = after.first().and_then(|s| state_code(s))
    {
        state = Some(code);
        after = &after[1..];
    }
    let named = country_named(after, lines.get(i + 1));
    let india = state.is_some()
        || named.as_deref() == Some("IN")
        || hint == Some("IN")
        || CITIES.contains(&town.to_lowercase().as_str());
    if !india || named.as_deref().is_some_and(|c| c != "IN") {
        return None;
    }
    let mut street: Vec<&str> = parts[..street_end].to_vec();
    if street.is_empty() {
        // The lines above, up to three, while they read as the address's.
        let above = lines[i.saturating_sub(3)..i]
            .iter()
            .rev()
            .take_while(|l| is_street_line(l))
            .count();
        street = lines[i - above..i].to_vec();
    }
    if street.is_empty() {
        return None;
    }
    Some(Address {
        street: Some(street.join(", ")),
        locality: Some(town.to_string()),
        postal_code: Some(code),
        region: state.map(str::to_string),
        country: Some("IN".into()),
    })
}

#[cfg(test)]
mod tests {
    use super::super::from_text;

    fn one_line(text: &str, hint: Option<&str>) -> Vec<String> {
        from_text(text, hint).iter().map(|a| a.one_line()).collect()
    }

    #[test]
    fn indian_addresses_are_read_from_their_pin_line() {
        for (text, hint, want) in [
            (
                "Acme Robotics India Pvt. Ltd.\n3rd Floor, Prestige Tech Park\nMarathahalli Outer Ring Road\nBengaluru, Karnataka 560103\nIndia",
                None,
                "3rd Floor, Prestige Tech Park, Marathahalli Outer Ring Road, Bengaluru, KA 560103, IN",
            ),
            (
                "Mumbai: Unit 402, 4th Floor, Peninsula Business Park, Lower Parel, Mumbai, Maharashtra 400013",
                None,
                "Unit 402, 4th Floor, Peninsula Business Park, Lower Parel, Mumbai, MH 400013, IN",
            ),
            (
                "Delhi office: A-25, Mohan Co-operative Industrial Estate, Mathura Road, New Delhi - 110044",
                None,
                "A-25, Mohan Co-operative Industrial Estate, Mathura Road, New Delhi, 110044, IN",
            ),
            (
                "Chennai: No. 12, Anna Salai, Chennai 600002, Tamil Nadu, India",
                None,
                "No. 12, Anna Salai, Chennai, TN 600002, IN",
            ),
            (
                "Plot No. 5, Sector 62\nNoida, Uttar Pradesh 201 309",
                None,
                "Plot No. 5, Sector 62, Noida, UP 201309, IN",
            ),
            (
                "12 Residency Road\nShanthala Nagar, Ashok Nagar\nBengaluru - 560025",
                None,
                "12 Residency Road, Shanthala Nagar, Ashok Nagar, Bengaluru, 560025, IN",
            ),
            // A town no list knows, on a page that says India by its
            // language or domain.
            (
                "Survey No. 45, Hinjewadi Phase 1\nMaan - 411057",
                Some("IN"),
                "Survey No. 45, Hinjewadi Phase 1, Maan, 411057, IN",
            ),
        ] {
            assert_eq!(one_line(text, hint), vec![want.to_string()], "{text}");
        }
    }

    #[test]
    fn pin_lines_are_told_by_their_bytes() {
        for (line, want) in [
            ("Bengaluru, Karnataka 560103", true),
            ("Noida, Uttar Pradesh 201 309", true),
            ("Chennai 600002, Tamil Nadu, India", true),
            ("New Delhi - 110044 | India", true),
            ("Order 12345678", false),
            ("Tel. 080 4567 8900", false),
            ("10115 Berlin", false),
            ("560103 and more", false),
        ] {
            assert_eq!(super::may_hold_pin(line.as_bytes()), want, "{line}");
        }
    }

    #[test]
    fn six_digits_without_a_sign_of_india_are_no_indian_address() {
        for text in [
            // Other countries with six-digit postcodes.
            "Room 1201, Tower A\nBeijing 100020\nChina",
            "ул. Тверская, 7\nМосква 125009",
            // A town no list knows, and nothing else says India.
            "12 Station Road\nSpringfield 560103",
            // A phone, opening hours or an order number is no street.
            "Tel: +91 80 4567 8900\nBengaluru 560103",
            "Open Monday to Friday, 9 to 18\nBengaluru 560103",
            "Order 4711\nTotal 560103",
        ] {
            let got = from_text(text, None);
            assert!(
                got.iter().all(|a| a.country.as_deref() != Some("IN")),
                "{text}: {got:?}"
            );
        }
    }
}
