//! Addresses named by a link to a map ("Directions", "Find us", a map
//! icon): Google Maps' `/maps/place/Musterstraße+12,+80331+München/…`,
//! `/maps/search/…`, `?q=`, `?query=`, `?destination=`, `?daddr=`; Apple
//! Maps' `?address=`, `?q=`, `?daddr=`; Bing Maps' `?where1=`, `?q=`;
//! OpenStreetMap's `?query=`. Contact pages often show the address only
//! as an image or in a map, and name it in full in the link. What the
//! link or an embedded map's `src` holds is read as one line by the text readers, so only an address
//! they would take in text counts; a place's name alone ("Acme GmbH") is
//! none.

use url::Url;

use super::{Address, from_lines_of};

/// The word every map link's host or path holds.
static MAP: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
    std::sync::LazyLock::new(|| memchr::memmem::Finder::new("map"));

/// Query keys that hold an address or a search for one, by map service.
const QUERY_KEYS: &[&str] = &["q", "query", "destination", "daddr", "address", "where1"];

/// Whether `host` is a map service's ("www.google.de", "maps.google.com",
/// "maps.apple.com", "www.bing.com", "www.openstreetmap.org"), and the
/// path is its map's for Google and Bing.
fn is_map(url: &Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let host = host.strip_prefix("www.").unwrap_or(host);
    let path = url.path();
    let google = host.starts_with("google.") || host.starts_with("maps.google.");
    (google && (path.starts_with("/maps") || host.starts_with("maps.")))
        || host == "maps.apple.com"
        || (host == "bing.com" && path.starts_with("/maps"))
        || host == "openstreetmap.org"
}

/// The text a map link names as its place, decoded: the segment after
/// `place` or `search` in a Google Maps path, else the first query value
/// under one of [`QUERY_KEYS`], else the place of an embedded map.
pub(super) fn place_text(href: &str) -> Option<String> {
    // Most links are relative or no map's: byte tests before any parse.
    if !href.starts_with("http") {
        return None;
    }
    MAP.find(href.as_bytes())?;
    let url = Url::parse(href).ok()?;
    if !is_map(&url) {
        return None;
    }
    let mut segments = url.path_segments()?;
    let in_path = segments
        .by_ref()
        .find(|s| *s == "place" || *s == "search")
        .and_then(|_| segments.next())
        .filter(|s| !s.is_empty() && !s.starts_with('@'));
    let text = match in_path {
        // A path segment writes spaces as `+` as the query does.
        Some(segment) => url::form_urlencoded::parse(format!("q={segment}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned()),
        None => url
            .query_pairs()
            .find(|(k, _)| QUERY_KEYS.contains(&k.as_ref()))
            .map(|(_, v)| v.into_owned())
            .or_else(|| embedded_place(&url)),
    }?;
    let text = text.trim();
    // Coordinates ("48.137,11.575") are no address.
    (text.chars().any(char::is_alphabetic) && text.len() <= 240).then(|| text.to_string())
}

/// The place an embedded Google map shows (`/maps/embed?pb=…`): its
/// parameter chains fields as `!<n><type><value>`, the place's name or
/// address a string field, `!2s` and the percent-encoded text. The
/// longest such text with a digit and a comma or a space is taken (the
/// others are language codes and identifiers: `!2sde`, `!1s0x47…`).
fn embedded_place(url: &Url) -> Option<String> {
    let (_, pb) = url.query_pairs().find(|(k, _)| k == "pb")?;
    pb.split('!')
        .filter_map(|field| field.strip_prefix("2s"))
        .filter_map(|v| percent_encoding::percent_decode_str(v).decode_utf8().ok())
        .map(|v| v.replace('+', " "))
        .filter(|v| v.bytes().any(|b| b.is_ascii_digit()) && v.contains([',', ' ']))
        .max_by_key(String::len)
}

/// The addresses the map links among `hrefs` name.
pub(crate) fn from_map_links<'h>(
    hrefs: impl Iterator<Item = &'h str>,
    hint: Option<&str>,
) -> Vec<Address> {
    let mut out = Vec::new();
    for text in hrefs.filter_map(place_text) {
        out.extend(from_lines_of(&text, hint));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The (street, postcode, locality, country) of the one address
    /// `href` names, if any.
    fn one(href: &str) -> Option<[String; 4]> {
        let found = from_map_links(std::iter::once(href), None);
        assert!(found.len() <= 1, "{href}: {found:?}");
        found.into_iter().next().map(|a| {
            [a.street, a.postal_code, a.locality, a.country].map(Option::unwrap_or_default)
        })
    }

    #[test]
    fn addresses_in_map_links() {
        for (href, want) in [
            (
                "https://www.google.com/maps/place/Musterstra%C3%9Fe+12,+80331+M%C3%BCnchen/@48.1,11.5,17z/data=!3m1",
                ["Musterstraße 12", "80331", "München", "DE"],
            ),
            (
                "https://www.google.de/maps/search/?api=1&query=Leopoldstra%C3%9Fe%2028a%2C%2080802%20M%C3%BCnchen",
                ["Leopoldstraße 28a", "80802", "München", "DE"],
            ),
            (
                "https://maps.google.com/?q=500+Harbor+Boulevard,+Belmont,+CA+94002",
                ["500 Harbor Boulevard", "94002", "Belmont", "US"],
            ),
            (
                "https://maps.apple.com/?address=12%20rue%20de%20la%20Paix,%2075002%20Paris,%20France",
                ["12 rue de la Paix", "75002", "Paris", "FR"],
            ),
            // Embedded maps, from an iframe's `src`.
            (
                "https://www.google.com/maps/embed?pb=!1m18!1m12!1m3!1d2661.9!2d11.58!3d48.16!2m3!1f0!2f0!3f0!3m2!1i1024!2i768!4f13.1!3m3!1m2!1s0x479e75f9a38c5fd9%3A0x10cb84a7db1987d!2sLeopoldstra%C3%9Fe%2028a%2C%2080802%20M%C3%BCnchen!5e0!3m2!1sde!2sde!4v1700000000000",
                ["Leopoldstraße 28a", "80802", "München", "DE"],
            ),
            (
                "https://maps.google.com/maps?q=Musterstra%C3%9Fe+12,+80331+M%C3%BCnchen&t=&z=15&ie=UTF8&iwloc=&output=embed",
                ["Musterstraße 12", "80331", "München", "DE"],
            ),
            (
                "https://www.google.com/maps/dir/?api=1&destination=20-22+Wenlock+Road,+London+N1+7GU",
                ["20-22 Wenlock Road", "N1 7GU", "London", "GB"],
            ),
        ] {
            assert_eq!(one(href), Some(want.map(str::to_string)), "{href}");
        }
    }

    #[test]
    fn other_links_and_places_without_an_address_name_none() {
        for href in [
            "https://www.google.com/maps/place/Acme+GmbH/@48.1,11.5,17z",
            "https://www.google.com/maps/@48.137,11.575,15z",
            "https://www.google.com/maps/embed?pb=!1m14!1m8!1m3!1d10!2d11.5!3d48.1!3m2!1i1024!2i768!4f13.1!3m3!1m2!1s0x0%3A0x0!2sAcme%20GmbH!5e0!3m2!1sde!2sde!4v1",
            "https://maps.google.com/?q=48.137,11.575",
            "https://goo.gl/maps/AbCdEf123",
            "https://www.example.com/?q=Musterstra%C3%9Fe+12,+80331+M%C3%BCnchen",
            "https://www.google.com/search?q=Musterstra%C3%9Fe+12,+80331+M%C3%BCnchen",
            "/sitemap.xml",
        ] {
            assert_eq!(one(href), None, "{href}");
        }
    }
}
