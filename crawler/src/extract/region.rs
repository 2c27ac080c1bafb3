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

/// The countries where a language is the site's likely language, for
/// reading national phone numbers when nothing else names the country.
#[derive(Debug, PartialEq, Eq)]
pub struct LanguageCountries {
    /// The primary language subtag ("de").
    pub tag: &'static str,
    /// The countries most of the language's sites are from, in order. A
    /// national number is read in the first of them where it is valid, so
    /// its own trunk prefix decides before the order does: "020 7946 0958"
    /// on an English page is no US number (US numbers never start with 0)
    /// and is read in GB, "(415) 555-2671" in the US.
    pub primary: &'static [Id],
    /// The language's other countries: a number valid in none of `primary`
    /// must be valid in exactly one of these, else it is dropped rather than
    /// guessed ("0412 345 678" is valid in IE, AU and ZA).
    pub others: &'static [Id],
}

static LANGUAGES: &[LanguageCountries] = &[
    LanguageCountries {
        tag: "en",
        primary: &[Id::US, Id::GB],
        others: &[Id::IE, Id::AU, Id::CA, Id::NZ, Id::ZA, Id::IN, Id::SG],
    },
    LanguageCountries {
        tag: "de",
        primary: &[Id::DE],
        others: &[Id::AT, Id::CH, Id::LI, Id::LU],
    },
    LanguageCountries {
        tag: "fr",
        primary: &[Id::FR],
        others: &[Id::BE, Id::CH, Id::LU, Id::MC, Id::CA],
    },
    LanguageCountries {
        tag: "nl",
        primary: &[Id::NL],
        others: &[Id::BE],
    },
    LanguageCountries {
        tag: "it",
        primary: &[Id::IT],
        others: &[Id::CH, Id::SM],
    },
    LanguageCountries {
        tag: "es",
        primary: &[Id::ES],
        others: &[Id::MX, Id::AR, Id::CO, Id::CL, Id::PE],
    },
    LanguageCountries {
        tag: "pt",
        primary: &[Id::PT],
        others: &[Id::BR],
    },
    LanguageCountries {
        tag: "pl",
        primary: &[Id::PL],
        others: &[],
    },
    LanguageCountries {
        tag: "da",
        primary: &[Id::DK],
        others: &[],
    },
    LanguageCountries {
        tag: "sv",
        primary: &[Id::SE],
        others: &[Id::FI],
    },
    LanguageCountries {
        tag: "nb",
        primary: &[Id::NO],
        others: &[],
    },
    LanguageCountries {
        tag: "no",
        primary: &[Id::NO],
        others: &[],
    },
    LanguageCountries {
        tag: "nn",
        primary: &[Id::NO],
        others: &[],
    },
    LanguageCountries {
        tag: "fi",
        primary: &[Id::FI],
        others: &[],
    },
    LanguageCountries {
        tag: "cs",
        primary: &[Id::CZ],
        others: &[],
    },
    LanguageCountries {
        tag: "ja",
        primary: &[Id::JP],
        others: &[],
    },
];

/// Where national phone numbers of a page are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhoneRegion {
    /// Nothing names a country: international numbers only.
    Unknown,
    /// The ccTLD, an address on the page or a language tag with a region.
    Country(Id),
    /// A language tag without a region.
    Language(&'static LanguageCountries),
}

/// What a language tag says: a country for "de-AT" (AT), the language's
/// countries for "de" or "en".
pub fn region_from_lang(lang: &str) -> Option<PhoneRegion> {
    let lang = lang.trim().replace('_', "-");
    let mut parts = lang.split('-');
    let primary = parts.next()?.to_ascii_lowercase();
    if let Some(region) = parts.find(|p| p.len() == 2 && p.chars().all(|c| c.is_ascii_alphabetic()))
    {
        return region
            .to_ascii_uppercase()
            .parse::<Id>()
            .ok()
            .map(PhoneRegion::Country);
    }
    LANGUAGES
        .iter()
        .find(|l| l.tag == primary)
        .map(PhoneRegion::Language)
}

/// The phone region hint: the site's ccTLD, else the country of an address
/// on the page, else the page language (see `PhoneRegion::Language`).
pub fn phone_region(site: Option<&str>, address: Option<&str>, lang: Option<&str>) -> PhoneRegion {
    [site, address]
        .into_iter()
        .flatten()
        .find_map(|c| c.parse::<Id>().ok())
        .map(PhoneRegion::Country)
        .or_else(|| lang.and_then(region_from_lang))
        .unwrap_or(PhoneRegion::Unknown)
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
        assert_eq!(
            region_from_lang("de-AT"),
            Some(PhoneRegion::Country(Id::AT))
        );
        assert_eq!(
            phone_region(None, None, Some("en-GB")),
            PhoneRegion::Country(Id::GB)
        );
        assert_eq!(
            phone_region(Some("DE"), Some("FR"), Some("en")),
            PhoneRegion::Country(Id::DE)
        );
        assert_eq!(
            phone_region(None, Some("FR"), Some("en")),
            PhoneRegion::Country(Id::FR)
        );
        // A language alone names its countries, not a single one.
        let PhoneRegion::Language(en) = phone_region(None, None, Some("en")) else {
            panic!("en is a language hint");
        };
        assert_eq!(en.primary, [Id::US, Id::GB]);
        let PhoneRegion::Language(fr) = phone_region(None, None, Some("fr")) else {
            panic!("fr is a language hint");
        };
        assert_eq!(fr.primary, [Id::FR]);
        assert_eq!(phone_region(None, None, Some("xx")), PhoneRegion::Unknown);
        assert_eq!(phone_region(None, None, None), PhoneRegion::Unknown);
    }
}
