//! Japanese addresses, as English pages write them ("1-1-1 Marunouchi,
//! Chiyoda-ku, Tokyo 100-0005, Japan", the postcode also first: "〒100-0005
//! Tokyo, Chiyoda-ku, Marunouchi 1-1-1") and as Japanese ones do
//! ("〒100-0005 東京都千代田区丸の内1-1-1", the postcode on a line of its
//! own above). The seven-digit postcode (`NNN-NNNN`) is read first; it
//! counts only with a sign of Japan: the `〒` mark, a prefecture, a ward
//! or city written `-ku`/`-shi`, the country's name, or the site's country.

use super::{Address, country_named, line_parts};

/// Prefectures with their ISO 3166-2:JP codes, in English and in Japanese
/// (with the `都`, `道`, `府` or `県` they end in).
const PREFECTURES: &[(&str, &str, &str)] = &[
    ("hokkaido", "北海道", "01"),
    ("aomori", "青森県", "02"),
    ("iwate", "岩手県", "03"),
    ("miyagi", "宮城県", "04"),
    ("akita", "秋田県", "05"),
    ("yamagata", "山形県", "06"),
    ("fukushima", "福島県", "07"),
    ("ibaraki", "茨城県", "08"),
    ("tochigi", "栃木県", "09"),
    ("gunma", "群馬県", "10"),
    ("saitama", "埼玉県", "11"),
    ("chiba", "千葉県", "12"),
    ("tokyo", "東京都", "13"),
    ("kanagawa", "神奈川県", "14"),
    ("niigata", "新潟県", "15"),
    ("toyama", "富山県", "16"),
    ("ishikawa", "石川県", "17"),
    ("fukui", "福井県", "18"),
    ("yamanashi", "山梨県", "19"),
    ("nagano", "長野県", "20"),
    ("gifu", "岐阜県", "21"),
    ("shizuoka", "静岡県", "22"),
    ("aichi", "愛知県", "23"),
    ("mie", "三重県", "24"),
    ("shiga", "滋賀県", "25"),
    ("kyoto", "京都府", "26"),
    ("osaka", "大阪府", "27"),
    ("hyogo", "兵庫県", "28"),
    ("nara", "奈良県", "29"),
    ("wakayama", "和歌山県", "30"),
    ("tottori", "鳥取県", "31"),
    ("shimane", "島根県", "32"),
    ("okayama", "岡山県", "33"),
    ("hiroshima", "広島県", "34"),
    ("yamaguchi", "山口県", "35"),
    ("tokushima", "徳島県", "36"),
    ("kagawa", "香川県", "37"),
    ("ehime", "愛媛県", "38"),
    ("kochi", "高知県", "39"),
    ("fukuoka", "福岡県", "40"),
    ("saga", "佐賀県", "41"),
    ("nagasaki", "長崎県", "42"),
    ("kumamoto", "熊本県", "43"),
    ("oita", "大分県", "44"),
    ("miyazaki", "宮崎県", "45"),
    ("kagoshima", "鹿児島県", "46"),
    ("okinawa", "沖縄県", "47"),
];

/// Whether `line` may hold a Japanese postcode: three digits, a hyphen and
/// four, with no digit on either side. A byte test on the lines with a
/// digit that no other reader took.
pub(super) fn may_hold_postcode(line: &[u8]) -> bool {
    postcode_at(line).is_some()
}

/// Where the first `NNN-NNNN` of `b` starts.
fn postcode_at(b: &[u8]) -> Option<usize> {
    memchr::memchr_iter(b'-', b).find_map(|h| {
        let start = h.checked_sub(3)?;
        let end = h + 5;
        let digits =
            |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
        let clear_before = start == 0 || !b[start - 1].is_ascii_digit() && b[start - 1] != b'-';
        let clear_after = b.get(end).is_none_or(|c| !c.is_ascii_digit() && *c != b'-');
        (digits(start..h) && digits(h + 1..end) && clear_before && clear_after).then_some(start)
    })
}

/// The prefecture `name` is, in English ("Tokyo", "Osaka-fu", "Kanagawa
/// Prefecture"), as its code.
fn prefecture_en(name: &str) -> Option<&'static str> {
    let lower = name.trim().to_lowercase();
    let lower = lower
        .trim_end_matches(" prefecture")
        .trim_end_matches("-to")
        .trim_end_matches("-fu")
        .trim_end_matches("-ken")
        .trim_end_matches(" metropolis");
    let lower = lower.strip_suffix("-do").unwrap_or(lower);
    PREFECTURES
        .iter()
        .find(|(en, _, _)| *en == lower || (*en == "hokkaido" && lower == "hokkai"))
        .map(|(_, _, code)| *code)
}

/// A ward, city, town or village written the English way ("Chiyoda-ku",
/// "Yokohama-shi", "Minato City", "Shibuya Ward").
fn is_municipality(part: &str) -> bool {
    let lower = part.to_lowercase();
    [
        "-ku", "-shi", "-cho", "-machi", "-mura", "-gun", " city", " ward",
    ]
    .iter()
    .any(|s| lower.ends_with(s))
        && part.chars().next().is_some_and(char::is_uppercase)
        && part.chars().count() <= 30
}

/// The Japanese address whose postcode is on line `i`, if any; `hint` is
/// the site's country.
pub(super) fn address(lines: &[&str], i: usize, hint: Option<&str>) -> Option<Address> {
    let line = lines.get(i)?.trim();
    let at = postcode_at(line.as_bytes())?;
    let code = line[at..at + 8].to_string();
    let marked = line[..at].trim_end().ends_with('〒');
    let rest = line[at + 8..].trim_start_matches([' ', ',', '\u{3000}']);
    // Japanese script after the postcode, or on the next line.
    let native = if rest.is_empty() && marked {
        lines
            .get(i + 1)
            .map(|l| l.trim())
            .filter(|l| native_prefecture(l).is_some())
    } else {
        Some(rest).filter(|r| native_prefecture(r).is_some())
    };
    if let Some(text) = native {
        return native_address(text, code);
    }
    english_address(line, at, marked, lines.get(i + 1), hint, code)
}

/// The prefecture a Japanese-script address starts with, and its code.
fn native_prefecture(text: &str) -> Option<(&'static str, &'static str)> {
    PREFECTURES
        .iter()
        .find(|(_, ja, _)| text.starts_with(ja))
        .map(|(_, ja, code)| (*ja, *code))
}

/// "東京都千代田区丸の内1-1-1 丸の内ビル10F": the prefecture, the ward
/// or city (up to its `区`, `市`, `町` or `村`), then the street.
fn native_address(text: &str, code: String) -> Option<Address> {
    let (prefecture, region) = native_prefecture(text)?;
    let after = &text[prefecture.len()..];
    // A city's wards ("横浜市西区") belong to the city: the locality runs
    // to the last municipality sign before the block's number.
    let first_digit = after
        .char_indices()
        .find(|(_, c)| c.is_ascii_digit() || ('０'..='９').contains(c))
        .map_or(after.len(), |(k, _)| k);
    let head = &after[..first_digit];
    let end = head
        .char_indices()
        .filter(|(_, c)| matches!(c, '区' | '市' | '町' | '村' | '郡'))
        .map(|(k, c)| k + c.len_utf8())
        .next_back()?;
    let locality = after[..end].trim();
    let street = after[end..].trim();
    if locality.is_empty() || street.is_empty() {
        return None;
    }
    Some(Address {
        street: Some(street.to_string()),
        locality: Some(locality.to_string()),
        postal_code: Some(code),
        region: Some(region.to_string()),
        country: Some("JP".into()),
    })
}

/// "1-1-1 Marunouchi, Chiyoda-ku, Tokyo 100-0005, Japan" or "〒100-0005
/// Tokyo, Chiyoda-ku, Marunouchi 1-1-1".
fn english_address(
    line: &str,
    at: usize,
    marked: bool,
    next_line: Option<&&str>,
    hint: Option<&str>,
    code: String,
) -> Option<Address> {
    let before: Vec<&str> = line_parts(&line[..at])
        .map(|p| p.trim_end_matches('〒').trim())
        .filter(|p| !p.is_empty())
        .collect();
    let after: Vec<&str> = line_parts(&line[at + 8..])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    // The prefecture right before the postcode, or right after it when the
    // postcode comes first; the rest, the ward or city and the street.
    let (region, others, tail): (Option<&str>, Vec<&str>, &[&str]) =
        match before.last().and_then(|p| prefecture_en(p)) {
            Some(r) => (Some(r), before[..before.len() - 1].to_vec(), &after[..]),
            None if before.is_empty() => match after.first().and_then(|p| prefecture_en(p)) {
                Some(r) => (Some(r), after[1..].to_vec(), &[]),
                None => (None, after.clone(), &[]),
            },
            None => (None, before.clone(), &after[..]),
        };
    let named = country_named(tail, next_line);
    let municipality = others.iter().position(|p| is_municipality(p));
    let japan = named.as_deref() == Some("JP")
        || marked
        || region.is_some()
        || municipality.is_some()
        || hint == Some("JP");
    if !japan || named.as_deref().is_some_and(|c| c != "JP") {
        return None;
    }
    let locality_at = municipality?;
    let street: Vec<&str> = others
        .iter()
        .enumerate()
        .filter(|&(k, p)| {
            k != locality_at && (p.bytes().any(|b| b.is_ascii_digit()) || is_building(p))
        })
        .map(|(_, p)| *p)
        .collect();
    if street.is_empty() || !street.iter().any(|p| p.bytes().any(|b| b.is_ascii_digit())) {
        return None;
    }
    Some(Address {
        street: Some(street.join(", ")),
        locality: Some(others[locality_at].to_string()),
        postal_code: Some(code),
        region: region.map(str::to_string),
        country: Some("JP".into()),
    })
}

/// A building's part of a Japanese address in English ("Marunouchi
/// Building 10F", "Shiodome Tower").
fn is_building(part: &str) -> bool {
    let lower = part.to_lowercase();
    [
        "building", "bldg", "tower", "hills", "plaza", "center", "centre",
    ]
    .iter()
    .any(|w| lower.contains(w))
}

#[cfg(test)]
mod tests {
    use super::super::from_text;

    fn one(text: &str, hint: Option<&str>) -> (String, String, String, Option<String>) {
        let found = from_text(text, hint);
        assert_eq!(found.len(), 1, "{text}: {found:?}");
        let a = found.into_iter().next().expect("one");
        assert_eq!(a.country.as_deref(), Some("JP"), "{text}");
        (
            a.street.unwrap_or_default(),
            a.locality.unwrap_or_default(),
            a.postal_code.unwrap_or_default(),
            a.region,
        )
    }

    fn want(
        street: &str,
        locality: &str,
        code: &str,
        region: &str,
    ) -> (String, String, String, Option<String>) {
        (
            street.to_string(),
            locality.to_string(),
            code.to_string(),
            Some(region.to_string()),
        )
    }

    #[test]
    fn japanese_addresses_in_english_and_in_japanese() {
        assert_eq!(
            one("1-1-1 Marunouchi, Chiyoda-ku, Tokyo 100-0005, Japan", None),
            want("1-1-1 Marunouchi", "Chiyoda-ku", "100-0005", "13")
        );
        assert_eq!(
            one(
                "Marunouchi Building 10F, 2-4-1 Marunouchi, Chiyoda-ku, Tokyo 100-6310",
                None
            ),
            want(
                "Marunouchi Building 10F, 2-4-1 Marunouchi",
                "Chiyoda-ku",
                "100-6310",
                "13"
            )
        );
        assert_eq!(
            one("〒530-0001 Osaka, Kita-ku, Umeda 2-4-9", None),
            want("Umeda 2-4-9", "Kita-ku", "530-0001", "27")
        );
        assert_eq!(
            one("〒100-0005 東京都千代田区丸の内1-1-1 丸の内ビル10F", None),
            want("丸の内1-1-1 丸の内ビル10F", "千代田区", "100-0005", "13")
        );
        assert_eq!(
            one("〒220-0012\n神奈川県横浜市西区みなとみらい2-2-1", None),
            want("みなとみらい2-2-1", "横浜市西区", "220-0012", "14")
        );
    }

    #[test]
    fn the_shape_alone_is_no_japanese_address() {
        for text in [
            "Order 123-4567 shipped",
            "Call 555-1234 today",
            "Item 100-0005, Size L",
        ] {
            assert!(
                from_text(text, None)
                    .iter()
                    .all(|a| a.country.as_deref() != Some("JP")),
                "{text}"
            );
        }
    }
}
