//! The crawl frontier: queued URLs by depth, always handing out the
//! shallowest first (breadth-first); within one depth, pages that usually
//! hold company facts (imprint, contact, about, team, careers) first, and
//! URLs found by links before URLs only a sitemap lists. Plus compact
//! serialisation of URL lists.

use std::collections::{BTreeMap, VecDeque};
use std::sync::LazyLock;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::wordset::WordSet;

/// A URL waiting to be fetched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueuedUrl {
    pub url: String,
    pub depth: u32,
    /// Only a sitemap lists it (no link to it was followed).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub from_sitemap: bool,
}

impl QueuedUrl {
    pub fn new(url: String, depth: u32) -> Self {
        Self {
            url,
            depth,
            from_sitemap: false,
        }
    }
}

/// Rank of a URL inside its depth, lower first: company-fact pages found by
/// links, company-fact pages from sitemaps, other links, other sitemap URLs.
fn rank(url: &str, from_sitemap: bool) -> u8 {
    let fact = if is_company_fact_page(url) { 0 } else { 2 };
    fact + u8::from(from_sitemap)
}

/// Path words (one token of a segment split at `-`, `_`, `.`) of pages that
/// usually hold company facts, in the languages the extractor reads
/// (English, German, French, Dutch, Italian, Spanish, Portuguese).
const FACT_WORDS: &[&str] = &[
    // Imprint and legal notice.
    "imprint",
    "impressum",
    "legal",
    "legales",
    "legali",
    "colofon",
    "juridique",
    "juridisch",
    // Contact.
    "contact",
    "contacts",
    "kontakt",
    "contacto",
    "contactos",
    "contatti",
    "contatto",
    "contato",
    "contactez",
    "contacter",
    "contacteer",
    // About.
    "about",
    "aboutus",
    "unternehmen",
    "company",
    "firma",
    "entreprise",
    "societe",
    "bedrijf",
    "azienda",
    "empresa",
    "apropos",
    "nosotros",
    "somos",
    // People.
    "team",
    "teams",
    "people",
    "leadership",
    "management",
    "board",
    "executives",
    "founders",
    "vorstand",
    "geschaeftsfuehrung",
    "geschäftsführung",
    "geschaeftsleitung",
    "geschäftsleitung",
    "ansprechpartner",
    "equipe",
    "équipe",
    "direction",
    "directie",
    "direzione",
    "direccion",
    "dirección",
    "equipo",
    "squadra",
    "ledning",
    "ledelse",
    "styrelse",
    "bestyrelse",
    "johto",
    "zarzad",
    // Careers.
    "careers",
    "career",
    "jobs",
    "karriere",
    "stellenangebote",
    "carrieres",
    "carrières",
    "recrutement",
    "emplois",
    "vacatures",
    "carriere",
    "lavora",
    "empleo",
    "carreras",
    "carreiras",
    // Offices.
    "locations",
    "standorte",
    "offices",
    "impresszum",
    "impresum",
    "kunye",
    "künye",
    "kontakty",
    "kapcsolat",
    "iletisim",
    "iletişim",
    "rolunk",
    "rólunk",
    "hakkimizda",
    "hakkımızda",
    "kurumsal",
    "institucional",
    "csapat",
    "csapatunk",
    "echipa",
    "ekip",
    "ekibimiz",
    "yonetim",
    "yönetim",
    "tim",
    "tym",
    "uprava",
    "vodstvo",
    "vedenie",
    "conducere",
    "vezetoseg",
    "vezetőség",
];

/// Whole segments (multi-word names whose words alone say little).
const FACT_SEGMENTS: &[&str] = &[
    "ueber-uns",
    "uber-uns",
    "über-uns",
    "a-propos",
    "à-propos",
    "qui-sommes-nous",
    "over-ons",
    "wie-zijn-wij",
    "over",
    "chi-siamo",
    "quienes-somos",
    "quiénes-somos",
    "sobre-nosotros",
    "sobre-nos",
    "quem-somos",
    "om-oss",
    "om-os",
    "o-nas",
    "who-we-are",
    "get-in-touch",
    "wer-wir-sind",
    "ueber",
    "über",
    "werken-bij",
    "despre-noi",
    "o-nama",
    "o-podjetju",
    "o-spolecnosti",
    "o-spolocnosti",
    "bize-ulasin",
    "fale-conosco",
    "nous-contacter",
    "contactanos",
    "contactenos",
    "a-empresa",
    "la-empresa",
    "firmenprofil",
    "unternehmensprofil",
    "wir-ueber-uns",
    "company-profile",
    "cegunkrol",
];

/// True when the URL's path names a page that usually holds company facts:
/// `/impressum`, `/de/ueber-uns/team`, `/en/legal-notice.html`. A long slug
/// (a blog post title such as `/blog/meet-the-new-team-lead`) only counts as
/// a whole-segment match.
pub fn is_company_fact_page(url: &str) -> bool {
    is_company_fact_path(path_of(url))
}

/// The path of a URL string, without query and fragment. Queued URLs are
/// absolute `http(s)://`; this runs for every URL queued, so the scheme is
/// stripped by prefix rather than by a substring search.
fn path_of(url: &str) -> &str {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .or_else(|| url.split_once("://").map(|(_, rest)| rest));
    let path = match rest {
        Some(rest) => memchr::memchr(b'/', rest.as_bytes()).map_or("", |i| &rest[i..]),
        None => url,
    };
    memchr::memchr2(b'?', b'#', path.as_bytes()).map_or(path, |i| &path[..i])
}

/// [`is_company_fact_page`] for a parsed URL's path (`Url::path`, without
/// query and fragment): what the workers call with the link they resolved.
pub fn is_company_fact_path(path: &str) -> bool {
    path.split('/')
        .filter(|s| !s.is_empty())
        .take(4)
        .any(|segment| {
            // Plain ASCII segments (nearly all) are compared in place,
            // without a lower-cased copy.
            if segment.is_ascii() && !segment.contains('%') {
                segment_is_fact(segment)
            } else {
                segment_is_fact(&percent_decoded_lower(segment))
            }
        })
}

/// Whether one path segment (ASCII in any case, or lower-cased) names a
/// company-fact page: a whole segment of [`FACT_SEGMENTS`], or at most
/// three words one of which is in [`FACT_WORDS`].
fn segment_is_fact(segment: &str) -> bool {
    let stem = segment
        .rsplit_once('.')
        .filter(|(_, ext)| {
            ["html", "htm", "php", "aspx", "asp", "jsp"]
                .iter()
                .any(|e| e.eq_ignore_ascii_case(ext))
        })
        .map_or(segment, |(stem, _)| stem);
    if FACT_SEGMENT_SET.contains_ignore_ascii_case(stem) {
        return true;
    }
    let mut words = 0;
    let mut hit = false;
    for token in stem.split(['-', '_', '.']).filter(|t| !t.is_empty()) {
        words += 1;
        if words > 3 {
            return false;
        }
        hit |= FACT_WORD_SET.contains_ignore_ascii_case(token);
    }
    hit
}

/// [`FACT_WORDS`] and [`FACT_SEGMENTS`] as sets: every link of every page
/// is ranked, and comparing each token with every word in turn was about
/// 2.5 % of a crawl's CPU (docs/bench-crawler.md).
static FACT_WORD_SET: LazyLock<WordSet> = LazyLock::new(|| WordSet::new(FACT_WORDS));
static FACT_SEGMENT_SET: LazyLock<WordSet> = LazyLock::new(|| WordSet::new(FACT_SEGMENTS));

/// A path segment percent-decoded (invalid UTF-8 replaced) and lower-cased.
fn percent_decoded_lower(segment: &str) -> String {
    if !segment.contains('%') {
        return segment.to_lowercase();
    }
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(h), Some(l)) = (
                bytes.get(i + 1).and_then(|b| hex(*b)),
                bytes.get(i + 2).and_then(|b| hex(*b)),
            )
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).to_lowercase()
}

/// One level of the frontier: a depth and a rank inside it.
type Level = (u32, u8);

/// Queued URLs by depth and rank.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Frontier {
    /// Boxed: a queue of a large site holds tens of thousands of URLs,
    /// and a `String`'s capacity word is 8 bytes more a URL.
    levels: BTreeMap<Level, VecDeque<Box<str>>>,
    len: usize,
}

impl Frontier {
    /// Queues a URL found by a link.
    pub fn push(&mut self, url: String, depth: u32) {
        self.push_item(QueuedUrl::new(url, depth));
    }

    pub fn push_item(&mut self, item: QueuedUrl) {
        let level = (item.depth, rank(&item.url, item.from_sitemap));
        self.levels
            .entry(level)
            .or_default()
            .push_back(item.url.into_boxed_str());
        self.len += 1;
    }

    /// Puts a URL back at the front of its level (an interrupted fetch).
    pub fn push_front(&mut self, item: QueuedUrl) {
        let level = (item.depth, rank(&item.url, item.from_sitemap));
        self.levels
            .entry(level)
            .or_default()
            .push_front(item.url.into_boxed_str());
        self.len += 1;
    }

    /// The next URL: shallowest depth first, then by rank.
    pub fn pop(&mut self) -> Option<QueuedUrl> {
        self.take(End::First)
    }

    /// Takes out the URL handed out last: the newest of the deepest,
    /// lowest-ranked level (the one a full queue drops).
    pub fn pop_lowest(&mut self) -> Option<QueuedUrl> {
        self.take(End::Last)
    }

    /// The first URL of the first level, or the last URL of the last one.
    fn take(&mut self, end: End) -> Option<QueuedUrl> {
        let (&(depth, rank), level) = match end {
            End::First => self.levels.iter_mut().next()?,
            End::Last => self.levels.iter_mut().next_back()?,
        };
        let url = match end {
            End::First => level.pop_front(),
            End::Last => level.pop_back(),
        };
        if level.is_empty() {
            self.levels.remove(&(depth, rank));
        }
        let url = url?;
        self.len -= 1;
        Some(QueuedUrl {
            url: url.into_string(),
            depth,
            from_sitemap: rank % 2 == 1,
        })
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The shallowest queued depth.
    pub fn min_depth(&self) -> Option<u32> {
        self.levels.keys().next().map(|(d, _)| *d)
    }

    /// Drops every queued URL in `urls` (replaying a journal record).
    pub fn remove_all(&mut self, urls: &std::collections::HashSet<String>) {
        if urls.is_empty() {
            return;
        }
        for level in self.levels.values_mut() {
            level.retain(|u| !urls.contains(&**u));
        }
        self.levels.retain(|_, level| !level.is_empty());
        self.len = self.levels.values().map(VecDeque::len).sum();
    }

    /// (URL, depth) pairs in the order they would be handed out.
    pub fn iter(&self) -> impl Iterator<Item = (&str, u32)> {
        self.levels
            .iter()
            .flat_map(|((d, _), urls)| urls.iter().map(move |u| (&**u, *d)))
    }

    /// The queued URLs in the order they would be handed out.
    pub fn items(&self) -> impl Iterator<Item = QueuedUrl> + '_ {
        self.levels.iter().flat_map(|((depth, rank), urls)| {
            urls.iter().map(move |u| QueuedUrl {
                url: u.to_string(),
                depth: *depth,
                from_sitemap: rank % 2 == 1,
            })
        })
    }
}

/// Ranks per depth in the serialised level key (`depth * 4 + rank`).
const RANKS: u32 = 4;

impl Serialize for Frontier {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // Order inside one level is not significant for a breadth-first
        // crawl, so each level is stored sorted and front-coded, under a
        // key holding its depth and rank. The levels are in key order
        // already, and each is coded as it is written, one at a time.
        let key = |(d, r): &Level| d.saturating_mul(RANKS) + u32::from(*r);
        if self.levels.keys().any(|(d, _)| *d >= u32::MAX / RANKS) {
            // Depths this deep share saturated keys, of which a map keeps
            // the last.
            let levels: BTreeMap<u32, String> = self
                .levels
                .iter()
                .map(|(level, urls)| (key(level), front_code(urls.iter().map(|u| &**u))))
                .collect();
            return levels.serialize(s);
        }
        s.collect_map(self.levels.iter().map(|(level, urls)| {
            (
                key(level),
                SortedKeys(sorted_unique(urls.iter().map(|u| &**u))),
            )
        }))
    }
}

impl<'de> Deserialize<'de> for Frontier {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let levels = BTreeMap::<u32, String>::deserialize(d)?;
        let mut f = Frontier::default();
        for (key, coded) in levels {
            let depth = key / RANKS;
            let from_sitemap = (key % RANKS) % 2 == 1;
            for url in front_decode(&coded).map_err(serde::de::Error::custom)? {
                // The rank is worked out again from the URL.
                f.push_item(QueuedUrl {
                    url,
                    depth,
                    from_sitemap,
                });
            }
        }
        Ok(f)
    }
}

/// Encodes strings without spaces (normalised URLs never contain one) as a
/// sorted, front-coded list: `<shared prefix length> <rest>` pairs, separated
/// by spaces. Sorted URLs share long prefixes, so this is several times
/// smaller than the plain list before compression, and compresses better.
pub fn front_code<'a>(items: impl Iterator<Item = &'a str>) -> String {
    let sorted = sorted_unique(items);
    let mut out = String::with_capacity(sorted.iter().map(|s| s.len() / 3 + 4).sum());
    // Writing into a String cannot fail.
    let _ = write_front_coded(&mut out, sorted.iter().copied());
    out
}

fn sorted_unique<'a>(items: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut sorted: Vec<&str> = items.collect();
    sorted.sort_unstable();
    sorted.dedup();
    sorted
}

/// Writes [`front_code`]'s encoding of `sorted`, which must be sorted and
/// free of duplicates already.
pub fn write_front_coded<'a>(
    out: &mut impl std::fmt::Write,
    sorted: impl Iterator<Item = &'a str>,
) -> std::fmt::Result {
    let mut prev = None;
    for item in sorted {
        let mut shared = prev.map_or(0, |prev: &str| {
            prev.bytes()
                .zip(item.bytes())
                .take_while(|(a, b)| a == b)
                .count()
        });
        while !item.is_char_boundary(shared) {
            shared -= 1;
        }
        if prev.is_some() {
            out.write_char(' ')?;
        }
        write!(out, "{shared} {}", &item[shared..])?;
        prev = Some(item);
    }
    Ok(())
}

/// Keys, sorted and unique, serialised as the string [`front_code`] makes
/// of them, written straight into the serialiser's output: a snapshot of a
/// large crawl holds neither the list nor the coded string. A queue level
/// or a set of dedup keys.
pub struct SortedKeys<'a>(pub Vec<&'a str>);

impl std::fmt::Display for SortedKeys<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write_front_coded(f, self.0.iter().copied())
    }
}

impl Serialize for SortedKeys<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Decodes [`front_code`] output.
pub fn front_decode(coded: &str) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    let mut parts = coded.split(' ');
    while let Some(len) = parts.next() {
        if len.is_empty() && out.is_empty() {
            break;
        }
        let shared: usize = len
            .parse()
            .map_err(|_| format!("bad prefix length {len:?} in URL list"))?;
        let rest = parts
            .next()
            .ok_or_else(|| "URL list ends after a prefix length".to_string())?;
        let prev = out.last().map(String::as_str).unwrap_or("");
        if shared > prev.len() || !prev.is_char_boundary(shared) {
            return Err(format!("prefix length {shared} exceeds the previous URL"));
        }
        let mut s = String::with_capacity(shared + rest.len());
        s.push_str(&prev[..shared]);
        s.push_str(rest);
        out.push(s);
    }
    Ok(out)
}

/// Which end of the queue a URL is taken from.
#[derive(Clone, Copy)]
enum End {
    First,
    Last,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn breadth_first() {
        let mut f = Frontier::default();
        f.push("b1".into(), 1);
        f.push("a0".into(), 0);
        f.push("c2".into(), 2);
        f.push("b2".into(), 1);
        f.push_front(QueuedUrl::new("a1".into(), 0));
        let order: Vec<_> = std::iter::from_fn(|| f.pop()).map(|q| q.url).collect();
        assert_eq!(order, ["a1", "a0", "b1", "b2", "c2"]);
        assert!(f.is_empty());
    }

    #[test]
    fn the_lowest_priority_url_goes_first_when_dropping() {
        let mut f = Frontier::default();
        f.push("https://a.test/x1".into(), 1);
        f.push("https://a.test/kontakt".into(), 2);
        f.push_item(QueuedUrl {
            url: "https://a.test/s".into(),
            depth: 2,
            from_sitemap: true,
        });
        f.push("https://a.test/y2".into(), 2);
        f.push("https://a.test/z2".into(), 2);
        let dropped: Vec<_> = std::iter::from_fn(|| f.pop_lowest())
            .map(|q| q.url)
            .collect();
        assert_eq!(
            dropped,
            [
                "https://a.test/s",
                "https://a.test/z2",
                "https://a.test/y2",
                "https://a.test/kontakt",
                "https://a.test/x1"
            ]
        );
        assert!(f.is_empty());
    }

    #[test]
    fn front_coding_round_trips() {
        let urls = [
            "https://acme.test/products/anvil",
            "https://acme.test/products/anvil-2",
            "https://acme.test/",
            "https://acme.test/über",
            "https://acme.test/überall",
            "https://other.test/x",
        ];
        let coded = front_code(urls.iter().copied());
        let mut expected: Vec<String> = urls.iter().map(|s| s.to_string()).collect();
        expected.sort();
        assert_eq!(front_decode(&coded).unwrap(), expected);
        assert!(coded.len() < urls.iter().map(|u| u.len()).sum::<usize>());
        assert_eq!(front_decode("").unwrap(), Vec::<String>::new());
        assert!(front_decode("99 x").is_err());
        assert!(front_decode("0").is_err());
    }

    #[test]
    fn frontier_serialises() {
        let mut f = Frontier::default();
        for i in 0..50 {
            f.push(format!("https://acme.test/p/{i}"), i % 3);
        }
        let json = serde_json::to_string(&f).unwrap();
        let back: Frontier = serde_json::from_str(&json).unwrap();
        assert_eq!(back.len(), 50);
        assert_eq!(back.min_depth(), Some(0));
    }

    /// The levels coded as they are written give the JSON the map of
    /// coded strings gave (checkpoints of either kind load alike).
    #[test]
    fn frontier_json_is_the_map_of_front_coded_levels() {
        let mut f = Frontier::default();
        let odd = [
            "https://acme.test/\"q\"",
            "https://acme.test/a\\b\u{1}",
            "https://acme.test/über",
        ];
        for (i, url) in odd.iter().enumerate() {
            f.push((*url).to_string(), i as u32);
        }
        for i in 0..300u32 {
            let url = format!(
                "https://acme.test/{}/p{}",
                ["team", "blog", "contact"][i as usize % 3],
                i % 170
            );
            f.push_item(QueuedUrl {
                url,
                depth: i % 4,
                from_sitemap: i % 5 == 0,
            });
        }
        let expected = |f: &Frontier| {
            let levels: BTreeMap<u32, String> = f
                .levels
                .iter()
                .map(|((d, r), urls)| {
                    (
                        d.saturating_mul(RANKS) + u32::from(*r),
                        front_code(urls.iter().map(|u| &**u)),
                    )
                })
                .collect();
            serde_json::to_string(&levels).unwrap()
        };
        assert_eq!(serde_json::to_string(&f).unwrap(), expected(&f));
        // The deepest keys, and one past them (the map of strings again).
        f.push("https://acme.test/deep".into(), u32::MAX / RANKS - 1);
        assert_eq!(serde_json::to_string(&f).unwrap(), expected(&f));
        f.push("https://acme.test/deeper".into(), u32::MAX / RANKS);
        assert_eq!(serde_json::to_string(&f).unwrap(), expected(&f));
    }

    fn sitemap(url: &str, depth: u32) -> QueuedUrl {
        QueuedUrl {
            url: url.into(),
            depth,
            from_sitemap: true,
        }
    }

    #[test]
    fn company_fact_pages_and_links_before_sitemap_urls() {
        let mut f = Frontier::default();
        for i in 0..5 {
            f.push_item(sitemap(&format!("https://a.test/blog/post-{i}"), 1));
        }
        f.push_item(sitemap("https://a.test/de/ueber-uns", 1));
        f.push("https://a.test/products".into(), 1);
        f.push("https://a.test/impressum".into(), 1);
        f.push("https://a.test/deep/team".into(), 2);
        f.push("https://a.test/".into(), 0);
        f.push("https://a.test/en/team.html".into(), 1);
        let order: Vec<_> = std::iter::from_fn(|| f.pop()).collect();
        let urls: Vec<_> = order.iter().map(|q| q.url.as_str()).collect();
        assert_eq!(
            urls[..5],
            [
                "https://a.test/",
                "https://a.test/impressum",
                "https://a.test/en/team.html",
                "https://a.test/de/ueber-uns",
                "https://a.test/products",
            ]
        );
        assert!(urls[5].contains("/blog/post-"));
        assert_eq!(urls.last(), Some(&"https://a.test/deep/team"));
        assert!(order[3].from_sitemap && !order[4].from_sitemap);
    }

    #[test]
    fn fact_page_paths() {
        for yes in [
            "https://a.test/impressum",
            "https://a.test/de/kontakt/",
            "https://a.test/%C3%BCber-uns",
            "https://a.test/en/about-us.html",
            "https://a.test/company/management-board",
            "https://a.test/fr/mentions-legales",
            "https://a.test/nl/over-ons",
            "https://a.test/it/chi-siamo?x=1",
            "https://a.test/es/aviso-legal",
            "https://a.test/karriere",
            "https://a.test/legal-notice",
            "https://a.test/get-in-touch",
            "https://a.test/fr/nous-contacter",
            "https://a.test/de/wer-wir-sind/",
            "https://a.test/IMPRESSUM.HTML",
            "https://a.test/%C3%9Cber-uns",
            "https://a.test/%c3%a9quipe",
            "https://a.test/hu/kapcsolat",
            "https://a.test/tr/hakkimizda",
            "https://a.test/ro/despre-noi",
            "https://a.test/hr/o-nama",
            "https://a.test/br/fale-conosco",
        ] {
            assert!(is_company_fact_page(yes), "{yes}");
            // Workers rank the parsed URL's path: the same answer.
            let parsed = url::Url::parse(yes).unwrap();
            assert!(is_company_fact_path(parsed.path()), "{yes}");
        }
        for no in [
            "https://a.test/",
            "https://a.test/blog/meet-the-new-team-lead-in-sales",
            "https://a.test/products/anvil",
            "https://a.test/steam",
            "https://a.test/p?page=contact",
            "https://a.test/p#contact",
            "http://a.test/x/y/z/w/contact",
        ] {
            assert!(!is_company_fact_page(no), "{no}");
            let parsed = url::Url::parse(no).unwrap();
            assert!(!is_company_fact_path(parsed.path()), "{no}");
        }
        // Scheme, host and query are never read as path segments.
        assert_eq!(path_of("HTTPS://a.test/Team?x=/kontakt"), "/Team");
        assert_eq!(path_of("http://a.test"), "");
        assert_eq!(path_of("ftp://a.test/impressum#x"), "/impressum");
        assert!(is_company_fact_page("http://a.test/team"));
    }

    #[test]
    fn fact_lists_fit_the_set_lookup() {
        // The sets fold ASCII case only: every entry must be lower-case.
        for w in FACT_WORDS.iter().chain(FACT_SEGMENTS) {
            assert_eq!(*w, w.to_lowercase(), "{w}");
        }
        assert!(WordSet::fits(FACT_WORDS) && WordSet::fits(FACT_SEGMENTS));
        assert!(segment_is_fact("Contact-US"));
        assert!(segment_is_fact("Geschaeftsfuehrung.HTML"));
        assert!(!segment_is_fact("Contacts-and-more-words"));
    }

    #[test]
    fn ranks_survive_serialisation() {
        let mut f = Frontier::default();
        f.push("https://a.test/x".into(), 1);
        f.push_item(sitemap("https://a.test/y", 1));
        f.push("https://a.test/kontakt".into(), 1);
        let back: Frontier = serde_json::from_str(&serde_json::to_string(&f).unwrap()).unwrap();
        assert_eq!(back, f);
        let items: Vec<_> = back.items().collect();
        assert_eq!(items[0].url, "https://a.test/kontakt");
        assert_eq!(items[2], sitemap("https://a.test/y", 1));
    }
}
