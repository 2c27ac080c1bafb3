//! Which country a site is in: the region hint for phone numbers and
//! addresses.

use phonenumber::country::Id;

/// ccTLDs that are used as generic TLDs and say nothing about a country.
const GENERIC_CCTLDS: &[&str] = &[
    "io", "ai", "co", "me", "tv", "ly", "fm", "gg", "sh", "so", "to", "cc", "ws", "app", "dev",
];

/// The country a host's ccTLD names, as ISO 3166 alpha-2 (".uk" is GB).
pub fn country_from_host(host: &str) -> Option<String> {
    let tld = host.trim_end_matches('.').rsplit('.').next()?;
    if tld.len() != 2 || !tld.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    let tld = tld.to_ascii_lowercase();
    if GENERIC_CCTLDS.contains(&tld.as_str()) {
        return None;
    }
    let code = match tld.as_str() {
        "uk" => "GB".to_string(),
        "eu" => return None,
        other => other.to_ascii_uppercase(),
    };
    Some(code)
}

/// The country a language tag implies ("de-AT" is AT, "de" is DE).
pub fn country_from_lang(lang: &str) -> Option<String> {
    let lang = lang.trim().replace('_', "-");
    let mut parts = lang.split('-');
    let primary = parts.next()?.to_ascii_lowercase();
    if let Some(region) = parts.find(|p| p.len() == 2 && p.chars().all(|c| c.is_ascii_alphabetic()))
    {
        return Some(region.to_ascii_uppercase());
    }
    let country = match primary.as_str() {
        "de" => "DE",
        "fr" => "FR",
        "nl" => "NL",
        "it" => "IT",
        "es" => "ES",
        "pl" => "PL",
        "da" => "DK",
        "sv" => "SE",
        "nb" | "no" | "nn" => "NO",
        "fi" => "FI",
        "cs" => "CZ",
        "pt" => "PT",
        "en" => "US",
        "ja" => "JP",
        _ => return None,
    };
    Some(country.to_string())
}

/// The phone region hint: the site's ccTLD, else the country of an address on
/// the page, else the page language.
pub fn phone_region(site: Option<&str>, address: Option<&str>, lang: Option<&str>) -> Option<Id> {
    let from_lang = lang.and_then(country_from_lang);
    [
        site.map(str::to_string),
        address.map(str::to_string),
        from_lang,
    ]
    .into_iter()
    .flatten()
    .find_map(|c| c.parse::<Id>().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_and_langs() {
        assert_eq!(country_from_host("www.acme.de").as_deref(), Some("DE"));
        assert_eq!(country_from_host("acme.co.uk").as_deref(), Some("GB"));
        assert_eq!(country_from_host("acme.com"), None);
        assert_eq!(country_from_host("acme.io"), None);
        assert_eq!(country_from_lang("de-AT").as_deref(), Some("AT"));
        assert_eq!(country_from_lang("fr").as_deref(), Some("FR"));
        assert_eq!(phone_region(None, None, Some("en-GB")), Some(Id::GB));
        assert_eq!(
            phone_region(Some("DE"), Some("FR"), Some("en")),
            Some(Id::DE)
        );
    }
}
