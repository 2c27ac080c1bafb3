//! Entity extraction from fetched pages.
//!
//! `Extractor::extract` runs on the crawler's hot path for every page. It
//! works from the streaming `PageScan` (text, links, meta, JSON-LD, script
//! URLs) and parses a DOM only where a page needs one: microdata, and pages
//! that look like team, about, imprint or contact pages (tables of people).
//! Every regex is compiled once.
//!
//! Findings of one page form a `PageEntities`; `Entities` merges them across
//! pages. Merging is commutative (sets and maps, ties broken by ordering, never
//! by arrival), so the merged state, and the report built from it, does not
//! depend on page order or on a checkpoint round trip in between.

mod address;
mod capitals;
mod checksum;
mod digits;
mod email;
mod entities;
mod legal;
mod legal_name;
mod lines;
mod literals;
pub(crate) mod memo;
pub(crate) mod numbering;
mod parties;
mod people;
mod phone;
mod region;
mod registers;
mod schema;
mod social;
mod street_gate;
mod tech;
mod text;
mod word_count;

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use url::Url;

use crate::page::FetchedPage;
use word_count::count_words;

pub use address::Address;
pub use email::on_domain;
pub use entities::{
    AddressEntry, Entities, LegalEntry, MAX_PER_TYPE, PersonEntry, PhoneEntry, ProductEntry, Seen,
    SocialEntry, TechEntry,
};
pub use legal::{LegalId, LegalKind};
pub use registers::scheme_label;
pub use tech::{
    DbStats, body_filter_found as technology_body_filter_found,
    body_filter_literals as technology_body_filter_literals, knows as knows_technology,
    stats as technology_db_stats, warm_up as load_technologies,
};
pub use text::PageKind;

/// Most source URLs kept per finding: the checkpoint stays small, and the
/// kept ones are the smallest URLs so the choice does not depend on order.
pub const MAX_SOURCES: usize = 20;
/// Most page summaries kept for the overview (lowest depth first).
pub const MAX_PAGE_SUMMARIES: usize = 64;

/// Per-scan extraction settings; cheap to share across worker threads.
#[derive(Debug, Clone)]
pub struct Extractor {
    pub seed: Url,
    pub company_name: String,
    /// Country the seed's ccTLD names (alpha-2), the first phone region hint.
    pub site_country: Option<String>,
    /// The seed's registrable domain: the company's own email domain.
    pub own_domain: Option<String>,
}

impl Extractor {
    pub fn new(seed: &Url, company_name: &str) -> Self {
        // The technology database loads from here, once per process, on a
        // core the scan's start leaves idle, rather than inside the first
        // page's time.
        tech::warm_up_in_background();
        Self {
            seed: seed.clone(),
            company_name: company_name.to_string(),
            site_country: seed.host_str().and_then(region::country_from_host),
            own_domain: seed.host_str().map(crate::scope::registrable_domain),
        }
    }

    /// Extracts entities and analysis features from one page. Pure and
    /// thread-safe; called from the crawler's worker threads.
    pub fn extract(&self, page: &FetchedPage) -> PageEntities {
        self.extract_with(page, Threads::One)
    }

    /// [`Self::extract`], with its extractors in two halves on two threads:
    /// for a page that runs while the other cores have nothing to do (a
    /// crawl's seed, whose links every other page waits for), and whose
    /// extraction compiles most of the patterns.
    pub fn extract_on_two_threads(&self, page: &FetchedPage) -> PageEntities {
        self.extract_with(page, Threads::Two)
    }

    fn extract_with(&self, page: &FetchedPage, threads: Threads) -> PageEntities {
        let scan = &page.scan;
        let url = page.url.as_str();
        let mut out = PageEntities {
            url: url.to_string(),
            depth: page.depth,
            tokens: count_words(&scan.text),
            ..PageEntities::default()
        };
        if !(200..300).contains(&page.status) {
            return out;
        }
        let kind = text::classify(page);
        out.kind = kind;

        // Structured data first: it also feeds the phone region hint.
        let mut structured = schema::Structured::default();
        for body in &scan.json_ld {
            schema::from_json_ld(body, &mut structured);
        }
        // Only microdata needs a DOM; people pages' tables are read from
        // the streaming pass's tokens.
        if scan.has_microdata {
            let dom = scraper::Html::parse_document(&page.body);
            schema::from_microdata(&dom, &mut structured);
        }

        // Addresses, phones and legal ids of the host, the site's makers and
        // a privacy policy's processors are not the company's.
        let own_text = parties::own_text(&scan.text, &scan.headings, &scan.heading_at, kind);
        // Split once for every extractor that reads the text line by line.
        let own_lines = lines::Lines::of(&own_text);
        let lower = own_text.to_ascii_lowercase();
        let input = Input {
            page,
            kind,
            structured: &structured,
            own_text: &own_text,
            own_lines: &own_lines,
            lower: &lower,
        };
        let (contacts, rest) = match threads {
            Threads::One => (self.contacts(&input), self.the_rest(&input)),
            Threads::Two => std::thread::scope(|s| {
                let rest = std::thread::Builder::new()
                    .name("extract".into())
                    .spawn_scoped(s, || self.the_rest(&input));
                let contacts = self.contacts(&input);
                let rest = match rest.map(|h| h.join()) {
                    Ok(Ok(rest)) => rest,
                    // No thread to be had: this one does it.
                    Err(_) => self.the_rest(&input),
                    // The same panic the one-thread path would have raised.
                    Ok(Err(panic)) => std::panic::resume_unwind(panic),
                };
                (contacts, rest)
            }),
        };
        out.emails = contacts.emails;
        out.phones = contacts.phones;
        out.unplaced_phones = contacts.unplaced_phones;
        out.social = contacts.social;
        out.addresses = contacts.addresses;
        let mut legal_ids = structured.legal.clone();
        legal_ids.extend(rest.legal_ids);
        legal_ids.extend(contacts.register_ids);
        out.legal = legal::dedupe(legal_ids);
        out.people = rest.people;
        out.products = rest.products;
        out.technologies = rest.technologies;

        let mut facts = structured.facts;
        if let Some(lang) = scan.lang.as_deref() {
            let lang = lang.trim().to_ascii_lowercase();
            let primary = lang.split(['-', '_']).next().unwrap_or("");
            if (2..=3).contains(&primary.len()) && primary.chars().all(|c| c.is_ascii_lowercase()) {
                facts.push(("language".into(), primary.to_string()));
            }
        }
        facts.extend(
            rest.legal_names
                .into_iter()
                .map(|n| ("legalName".into(), n)),
        );
        if kind == PageKind::Home
            && let Some(name) = scan
                .meta
                .iter()
                .find(|(k, _)| k == "og:site_name")
                .map(|(_, v)| v.trim())
                .filter(|v| !v.is_empty() && v.len() < 120)
        {
            facts.push(("siteName".into(), name.to_string()));
        }
        facts.sort();
        facts.dedup();
        out.facts = facts;
        out.summary = rest.summary;
        out
    }

    /// Addresses, then what they tell (the phone region, the register
    /// country): phones, emails, social profiles and register numbers.
    fn contacts(&self, input: &Input<'_>) -> Contacts {
        let (page, structured) = (input.page, input.structured);
        let (own_text, own_lines, lower) = (input.own_text, input.own_lines, input.lower);
        let scan = &page.scan;
        // Addresses (structured and from text) give a country for phones.
        let mut addresses: Vec<Address> = structured.addresses.clone();
        // A site without a country's domain may still say it by the page's
        // language, which tells streets of no kind (Czech, Slovak).
        let address_hint = self
            .site_country
            .as_deref()
            .or_else(|| scan.lang.as_deref().and_then(address::language_country));
        addresses.extend(address::from_lines(own_text, own_lines, address_hint));
        // "Directions" to a map, or a map embedded, that names the
        // address in its link.
        addresses.extend(address::from_map_links(
            scan.links
                .iter()
                .map(|l| l.href.as_str())
                .chain(scan.frame_srcs.iter().map(String::as_str)),
            address_hint,
        ));
        let address_country = addresses.iter().find_map(|a| a.country.clone());
        let region = region::phone_region(
            self.site_country.as_deref(),
            address_country.as_deref(),
            scan.lang.as_deref(),
        );

        // Emails.
        let mut emails = BTreeSet::new();
        let own = self.own_domain.as_deref();
        email::from_text(&scan.text, page.url.host_str(), own, &mut emails);
        for link in &scan.links {
            email::from_href(&link.href, own, &mut emails);
        }
        for hex in &scan.cf_emails {
            if let Some(e) = email::decode_cloudflare(hex) {
                email::push_candidate(&e, own, &mut emails);
            }
        }
        for e in &structured.emails {
            email::push_candidate(e, own, &mut emails);
        }
        for (key, content) in &scan.meta {
            email::from_meta(key, content, own, &mut emails);
        }

        // Phones.
        let mut phones = BTreeMap::new();
        let mut unplaced = BTreeMap::new();
        phone::from_lines(own_lines, region, &mut phones, &mut unplaced);
        for link in &scan.links {
            phone::from_link(link, region, &mut phones, &mut unplaced);
        }
        for (raw, kind) in &structured.phones {
            phone::from_structured(raw, *kind, region, &mut phones, &mut unplaced);
        }

        // Social profiles: links plus schema.org sameAs.
        let base = scan
            .base_href
            .as_deref()
            .and_then(|b| page.url.join(b).ok())
            .unwrap_or_else(|| page.url.clone());
        let mut social = BTreeMap::new();
        for link in &scan.links {
            if let Some(p) = social::from_href(&base, &link.href, link.rel.as_deref()) {
                social.insert(p.url.clone(), p);
            }
        }
        for same in &structured.same_as {
            if let Some(p) = social::from_href(&base, same, Some("me")) {
                social.insert(p.url.clone(), p);
            }
        }

        // The site's country by its domain, else its language or address,
        // picks among the countries that share a scheme (the IČO).
        let register_ids = registers::from_lines(
            own_text,
            lower,
            own_lines,
            address_hint.or(address_country.as_deref()),
        );
        Contacts {
            emails: emails.into_iter().collect(),
            phones: phones
                .into_iter()
                .map(|(value, kind)| Phone { value, kind })
                .collect(),
            unplaced_phones: unplaced
                .into_iter()
                .map(|(value, kind)| Phone { value, kind })
                .collect(),
            social: social.into_values().collect(),
            addresses: address::dedupe(addresses),
            register_ids,
        }
    }

    /// What needs no address: people, products, technologies, legal ids
    /// other than register numbers, the legal name and the summary.
    fn the_rest(&self, input: &Input<'_>) -> Rest {
        let (page, kind, structured) = (input.page, input.kind, input.structured);
        let own_text = input.own_text;
        let scan = &page.scan;
        // People: schema.org, then the page's own layout on team-like pages
        // and in team sections of other pages.
        let mut people_found = structured.people.clone();
        if kind.is_people_page() {
            let text = people::without_testimonials(&scan.text, &scan.headings, &scan.heading_at);
            people_found.extend(people::from_text(&text, &scan.headings, &scan.card_breaks));
            let rows = people::table_rows(&page.body, scan.tokens.as_ref());
            people_found.extend(people::from_tables(&rows));
        } else {
            // Team sections on another page ("Our team" on the home page).
            for (at, section) in people::team_sections(&scan.text, &scan.headings, &scan.heading_at)
            {
                let breaks: Vec<usize> = scan
                    .card_breaks
                    .iter()
                    .filter_map(|b| b.checked_sub(at))
                    .collect();
                people_found.extend(people::from_text(section, &scan.headings, &breaks));
            }
        }
        people_found.extend(people::founders(&scan.text));
        // "Ansprechpartner: …" on a product or news page as on a team page.
        people_found.extend(people::labelled_contacts(&scan.text));
        // "please contact Sarah Lee (Head of Communications)", "the
        // appointment of Rachel Adams as Chief Financial Officer".
        people_found.extend(people::in_sentences(own_text, input.lower));

        // Products and services.
        let mut products = structured.products.clone();
        if kind == PageKind::Products {
            products.extend(text::product_headings(page));
        }
        Rest {
            people: people::dedupe(people_found),
            products: dedupe_products(products),
            technologies: tech::detect(page),
            legal_ids: legal::from_lines_lowered(own_text, input.lower, input.own_lines),
            legal_names: legal_name::from_text(own_text, kind == PageKind::Imprint),
            summary: text::summary(page, kind),
        }
    }
}

/// How many threads one page's extraction runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Threads {
    One,
    Two,
}

/// What both halves of a page's extraction read.
struct Input<'a> {
    page: &'a FetchedPage,
    kind: PageKind,
    structured: &'a schema::Structured,
    own_text: &'a str,
    own_lines: &'a lines::Lines<'a>,
    lower: &'a str,
}

/// [`Extractor::contacts`]' findings.
struct Contacts {
    emails: Vec<String>,
    phones: Vec<Phone>,
    unplaced_phones: Vec<Phone>,
    social: Vec<SocialProfile>,
    addresses: Vec<Address>,
    register_ids: Vec<LegalId>,
}

/// [`Extractor::the_rest`]'s findings.
struct Rest {
    people: Vec<Person>,
    products: Vec<Product>,
    technologies: Vec<Technology>,
    legal_ids: Vec<LegalId>,
    legal_names: Vec<String>,
    summary: Option<PageSummary>,
}

fn dedupe_products(mut products: Vec<Product>) -> Vec<Product> {
    products.retain(|p| {
        let n = p.name.trim();
        (2..=100).contains(&n.chars().count())
    });
    products.sort_by(|a, b| {
        a.name
            .to_lowercase()
            .cmp(&b.name.to_lowercase())
            .then(b.description.cmp(&a.description))
    });
    products.dedup_by(|a, b| a.name.to_lowercase() == b.name.to_lowercase());
    products
}

/// A phone number in E.164 and whether it was labelled as a fax.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Phone {
    pub value: String,
    pub kind: PhoneKind,
}

#[derive(
    Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash,
)]
#[serde(rename_all = "lowercase")]
pub enum PhoneKind {
    #[default]
    Phone,
    Fax,
}

/// A canonical social profile.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct SocialProfile {
    /// Lower-case platform name: linkedin, x, github, facebook, ...
    pub platform: String,
    /// Canonical profile URL.
    pub url: String,
}

/// A person and a job title.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Person {
    pub name: String,
    pub title: String,
}

/// A product or service.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Product {
    pub name: String,
    pub description: Option<String>,
}

/// A technology one page shows (or implies).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Technology {
    pub name: String,
    /// Wappalyzer category names, most specific first.
    pub categories: Vec<String>,
    pub version: Option<String>,
    /// 0-100, as Wappalyzer adds up its patterns' confidences.
    pub confidence: u8,
    /// The signals that found it (Wappalyzer's names: `scriptSrc`,
    /// `headers`, `meta`, ...; `implies` when only implied).
    pub signals: Vec<String>,
    /// Not seen itself: another technology on the page implies it.
    pub implied: bool,
    /// The technologies that imply it, when `implied`.
    pub implied_by: Vec<String>,
}

/// What the overview needs to know about one page.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct PageSummary {
    pub url: String,
    pub depth: u32,
    pub kind: PageKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The first substantial paragraph of visible text, shortened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead: Option<String>,
}

/// What one page yielded.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct PageEntities {
    pub url: String,
    pub depth: u32,
    pub kind: PageKind,
    /// Words of text processed.
    pub tokens: u64,
    pub emails: Vec<String>,
    pub phones: Vec<Phone>,
    /// Numbers written in a national form on a page that names no country
    /// (no country domain, language region or address): `value` is the
    /// number as written, placed in the site's country after the crawl
    /// ([`Entities::place_phones`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unplaced_phones: Vec<Phone>,
    pub social: Vec<SocialProfile>,
    pub people: Vec<Person>,
    pub products: Vec<Product>,
    pub technologies: Vec<Technology>,
    pub addresses: Vec<Address>,
    pub legal: Vec<LegalId>,
    /// Organisation facts: (key, value), e.g. ("name", "ACME GmbH").
    pub facts: Vec<(String, String)>,
    pub summary: Option<PageSummary>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two threads find what one does, on every fixture page read as the
    /// page its file name says (an imprint, a team page, a home page …) on
    /// a site of its language's country.
    #[test]
    fn two_threads_find_what_one_does() {
        let pages = crate::testgen::fixture_pages();
        assert!(pages.len() >= 10, "{}", pages.len());
        // What the pages held, so the comparison is not of empty results.
        let mut found = [0usize; 6];
        for (path, html) in pages {
            let (lang, name) = path.split_once('/').expect("lang/name");
            let tld = match lang {
                "en" | "tech" => "com",
                other => other,
            };
            let seed = Url::parse(&format!("https://www.example.{tld}/")).expect("seed");
            let page = FetchedPage {
                url: seed.join(name.trim_end_matches(".html")).expect("url"),
                depth: 0,
                status: 200,
                content_type: "text/html".into(),
                headers: Vec::new(),
                scan: crate::html::scan_html(&html),
                body: html,
            };
            let extractor = Extractor::new(&seed, "Example");
            let one = extractor.extract(&page);
            assert_eq!(extractor.extract_on_two_threads(&page), one, "{path}");
            for (n, len) in found.iter_mut().zip([
                one.people.len(),
                one.emails.len(),
                one.phones.len(),
                one.addresses.len(),
                one.legal.len(),
                one.technologies.len(),
            ]) {
                *n += len;
            }
        }
        assert!(found.iter().all(|&n| n > 0), "{found:?}");
    }
}
