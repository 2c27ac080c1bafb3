//! The site's entities: every page's findings merged into one `Entities`
//! (commutative, so the result does not depend on page order), with the
//! caps that keep a checkpoint small.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::{
    Address, LegalId, MAX_PAGE_SUMMARIES, MAX_SOURCES, PageEntities, PageSummary, PhoneKind,
    people, phone,
};

/// Where a finding was seen.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Seen {
    /// The smallest `MAX_SOURCES` source URLs.
    #[serde(rename = "s")]
    pub sources: BTreeSet<String>,
    /// On how many pages it was seen.
    #[serde(rename = "n")]
    pub pages: u64,
}

impl Seen {
    /// Adds the pages of `other`: its sources, and the pages it counted
    /// beyond them (which may be pages `self` counted too).
    fn add_all(&mut self, other: &Seen) {
        for url in &other.sources {
            self.add(url);
        }
        let unnamed = other.pages.saturating_sub(other.sources.len() as u64);
        self.pages += unnamed;
    }

    fn add(&mut self, url: &str) {
        if self.sources.contains(url) {
            return;
        }
        self.pages += 1;
        if self.sources.len() < MAX_SOURCES {
            self.sources.insert(url.to_string());
        } else if let Some(last) = self.sources.last()
            && url < last.as_str()
        {
            self.sources.pop_last();
            self.sources.insert(url.to_string());
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct PhoneEntry {
    pub kinds: BTreeSet<PhoneKind>,
    pub seen: Seen,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct SocialEntry {
    pub platform: String,
    pub seen: Seen,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct PersonEntry {
    /// Display name; the smallest spelling seen, so order does not matter.
    pub name: String,
    pub titles: BTreeSet<String>,
    pub seen: Seen,
}

impl PersonEntry {
    /// The most informative title: a leadership title over a generic one
    /// ("CTO" over "Director"), then the longest, ties by ordering.
    pub fn best_title(&self) -> &str {
        self.titles
            .iter()
            .max_by(|a, b| {
                (people::is_leadership(a), a.chars().count())
                    .cmp(&(people::is_leadership(b), b.chars().count()))
                    .then(b.cmp(a))
            })
            .map(String::as_str)
            .unwrap_or("")
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct ProductEntry {
    pub name: String,
    /// Descriptions seen (at most a few, the smallest kept).
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub descriptions: BTreeSet<String>,
    pub seen: Seen,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct TechEntry {
    /// Category names, most specific first.
    pub categories: Vec<String>,
    #[serde(skip_serializing_if = "BTreeSet::is_empty")]
    pub versions: BTreeSet<String>,
    /// The highest confidence of any page.
    pub confidence: u8,
    /// Signals that found it on any page.
    #[serde(skip_serializing_if = "BTreeSet::is_empty")]
    pub signals: BTreeSet<String>,
    /// Seen itself on some page (not only implied).
    pub detected: bool,
    /// What implied it, on pages where it was only implied.
    #[serde(skip_serializing_if = "BTreeSet::is_empty")]
    pub implied_by: BTreeSet<String>,
    pub seen: Seen,
}

impl TechEntry {
    /// Only ever implied by other technologies, never seen itself.
    pub fn implied(&self) -> bool {
        !self.detected
    }

    /// The first (most specific) category, for grouping.
    pub fn category(&self) -> &str {
        self.categories.first().map_or("Other", String::as_str)
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct AddressEntry {
    pub address: Address,
    pub seen: Seen,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct LegalEntry {
    pub id: LegalId,
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub authorities: BTreeSet<String>,
    pub seen: Seen,
}

/// Everything extracted so far, merged across pages; part of the checkpoint.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Entities {
    pub tokens_processed: u64,
    pub pages_processed: u64,
    pub emails: BTreeMap<String, Seen>,
    pub phones: BTreeMap<String, PhoneEntry>,
    /// Numbers written in a national form on pages that named no country,
    /// keyed by the number as written; [`Self::place_phones`] reads them
    /// in the site's country once the crawl is over.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub unplaced_phones: BTreeMap<String, PhoneEntry>,
    /// Keyed by canonical URL.
    pub social: BTreeMap<String, SocialEntry>,
    /// Keyed by lower-cased name.
    pub people: BTreeMap<String, PersonEntry>,
    /// Keyed by lower-cased name.
    pub products: BTreeMap<String, ProductEntry>,
    /// Keyed by technology name.
    pub technologies: BTreeMap<String, TechEntry>,
    /// Keyed by a normalised address line.
    pub addresses: BTreeMap<String, AddressEntry>,
    /// Keyed by "type:value".
    pub legal: BTreeMap<String, LegalEntry>,
    /// Organisation facts: key -> value -> where seen.
    pub facts: BTreeMap<String, BTreeMap<String, Seen>>,
    /// Summaries of the shallowest and most telling pages, sorted by
    /// (depth, url).
    pub pages: Vec<PageSummary>,
}

/// Most distinct entities kept per type.
pub const MAX_PER_TYPE: usize = 1000;

fn cap<T>(map: &mut BTreeMap<String, T>, max: usize) {
    while map.len() > max {
        map.pop_last();
    }
}

/// Most descriptions kept per product.
const MAX_PRODUCT_DESCRIPTIONS: usize = 3;
/// Most titles kept per person, versions per technology and authorities per
/// legal identifier: a site repeating one name with ever new words must not
/// grow the checkpoint.
const MAX_VALUES_PER_ENTRY: usize = 16;

/// Adds `value`, keeping the smallest `max` values (a choice that does not
/// depend on page order).
fn insert_capped(set: &mut BTreeSet<String>, value: &str, max: usize) {
    insert_new(set, value);
    while set.len() > max {
        set.pop_last();
    }
}

/// Adds a person's title unless the set has it in another case: an imprint
/// labels a managing director `Jednatel:` where the team list says
/// "Petr Novák – jednatel". Of two spellings the smaller stays, so the
/// result does not depend on the order of the pages.
fn insert_title(set: &mut BTreeSet<String>, title: &str) {
    if set.contains(title) {
        return;
    }
    let folded = |s: &str| s.chars().flat_map(char::to_lowercase).collect::<String>();
    let key = folded(title);
    if let Some(other) = set.iter().find(|t| folded(t) == key).cloned() {
        if title >= other.as_str() {
            return;
        }
        set.remove(&other);
    }
    insert_capped(set, title, MAX_VALUES_PER_ENTRY);
}

/// Adds `value`, copied only when it is new.
fn insert_new(set: &mut BTreeSet<String>, value: &str) {
    if !set.contains(value) {
        set.insert(value.to_owned());
    }
}

/// The entry of `key`, made by `new` (and the key copied) only when absent.
fn entry<'m, V>(map: &'m mut BTreeMap<String, V>, key: &str, new: impl FnOnce() -> V) -> &'m mut V {
    if !map.contains_key(key) {
        map.insert(key.to_owned(), new());
    }
    map.get_mut(key)
        .expect("present: inserted above if it was not")
}
/// Most distinct values kept per organisation fact key.
const MAX_FACT_VALUES: usize = 16;

impl Entities {
    /// Whether nothing about the company was found: no contact, person,
    /// product, address, identifier or fact. Technologies do not count, as
    /// a server's headers name some on any page.
    pub fn nothing_about_the_company(&self) -> bool {
        self.emails.is_empty()
            && self.phones.is_empty()
            && self.social.is_empty()
            && self.people.is_empty()
            && self.products.is_empty()
            && self.addresses.is_empty()
            && self.legal.is_empty()
            && self.facts.is_empty()
    }

    /// Merges one page's findings (duplicates merge, sources accumulate).
    pub fn merge_page(&mut self, page: PageEntities) {
        self.merge_page_ref(&page);
    }

    /// The country national phone numbers are read in when their page
    /// named none: the country of the site's addresses (the one seen on
    /// the most pages; the first by code on a tie). `site_country` (the
    /// seed's country domain) comes first, though with one every page
    /// names a country and nothing is left unplaced.
    pub fn phone_country(&self, site_country: Option<&str>) -> Option<String> {
        if let Some(c) = site_country {
            return Some(c.to_string());
        }
        let mut pages: BTreeMap<&str, u64> = BTreeMap::new();
        for entry in self.addresses.values() {
            if let Some(c) = entry.address.country.as_deref() {
                *pages.entry(c).or_default() += entry.seen.pages;
            }
        }
        pages
            .into_iter()
            .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))
            .map(|(c, _)| c.to_string())
    }

    /// Reads the numbers left unplaced in `country` (alpha-2) and adds
    /// those valid there to the phones, with the pages they were seen on;
    /// the others are dropped. Without a country they stay unplaced, and
    /// are not reported: a national number cannot be told without one.
    pub fn place_phones(&mut self, country: Option<&str>) {
        let Some(country) = country else {
            return;
        };
        for (raw, found) in std::mem::take(&mut self.unplaced_phones) {
            for e164 in phone::place(&raw, country) {
                let entry = self.phones.entry(e164).or_default();
                entry.kinds.extend(found.kinds.iter().copied());
                entry.seen.add_all(&found.seen);
            }
        }
        cap(&mut self.phones, MAX_PER_TYPE);
    }

    /// [`Self::merge_page`] from a borrowed page, which the crawl state
    /// keeps for its next journal record: only what is new here is copied
    /// (most of a site's findings repeat on every page).
    pub fn merge_page_ref(&mut self, page: &PageEntities) {
        let url = page.url.as_str();
        self.tokens_processed += page.tokens;
        self.pages_processed += 1;
        for e in &page.emails {
            entry(&mut self.emails, e, Seen::default).add(url);
        }
        for p in &page.phones {
            let entry = entry(&mut self.phones, &p.value, Default::default);
            entry.kinds.insert(p.kind);
            entry.seen.add(url);
        }
        for p in &page.unplaced_phones {
            let entry = entry(&mut self.unplaced_phones, &p.value, Default::default);
            entry.kinds.insert(p.kind);
            entry.seen.add(url);
        }
        for s in &page.social {
            let entry = entry(&mut self.social, &s.url, || SocialEntry {
                platform: s.platform.clone(),
                seen: Seen::default(),
            });
            entry.seen.add(url);
        }
        for p in &page.people {
            let key = people::key(&p.name);
            let entry = self.people.entry(key).or_insert_with(|| PersonEntry {
                name: p.name.clone(),
                ..PersonEntry::default()
            });
            if p.name < entry.name {
                entry.name.clone_from(&p.name);
            }
            if !p.title.is_empty() {
                insert_title(&mut entry.titles, &p.title);
            }
            entry.seen.add(url);
        }
        for p in &page.products {
            let key = p.name.to_lowercase();
            let entry = self.products.entry(key).or_insert_with(|| ProductEntry {
                name: p.name.clone(),
                ..ProductEntry::default()
            });
            if p.name < entry.name {
                entry.name.clone_from(&p.name);
            }
            if let Some(d) = &p.description {
                insert_capped(&mut entry.descriptions, d, MAX_PRODUCT_DESCRIPTIONS);
            }
            entry.seen.add(url);
        }
        for t in &page.technologies {
            let entry = entry(&mut self.technologies, &t.name, || TechEntry {
                categories: t.categories.clone(),
                ..TechEntry::default()
            });
            if let Some(v) = &t.version {
                insert_capped(&mut entry.versions, v, MAX_VALUES_PER_ENTRY);
            }
            entry.confidence = entry.confidence.max(t.confidence);
            for s in t.signals.iter().filter(|s| *s != "implies") {
                insert_new(&mut entry.signals, s);
            }
            if t.implied {
                for by in &t.implied_by {
                    insert_new(&mut entry.implied_by, by);
                }
            } else {
                entry.detected = true;
            }
            entry.seen.add(url);
        }
        for a in &page.addresses {
            let key = a.key();
            let entry = self.addresses.entry(key).or_insert_with(|| AddressEntry {
                address: a.clone(),
                seen: Seen::default(),
            });
            entry.address.absorb(a);
            entry.seen.add(url);
        }
        for l in &page.legal {
            let key = format!("{}:{}", l.kind, l.value);
            let entry = self.legal.entry(key).or_insert_with(|| LegalEntry {
                id: LegalId {
                    authority: None,
                    ..l.clone()
                },
                ..LegalEntry::default()
            });
            if let Some(a) = &l.authority {
                insert_capped(&mut entry.authorities, a, MAX_VALUES_PER_ENTRY);
            }
            entry.seen.add(url);
        }
        for (k, v) in &page.facts {
            let values = entry(&mut self.facts, k, BTreeMap::new);
            if values.len() < MAX_FACT_VALUES || values.contains_key(v) {
                entry(values, v, Seen::default).add(url);
            } else if let Some(last) = values.last_key_value().map(|(k, _)| k.clone())
                && *v < last
            {
                values.remove(&last);
                entry(values, v, Seen::default).add(url);
            }
        }
        // Bound the checkpoint on huge sites (a shop with thousands of
        // product pages): keep the smallest keys, a choice that does not
        // depend on page order.
        cap(&mut self.emails, MAX_PER_TYPE);
        cap(&mut self.phones, MAX_PER_TYPE);
        cap(&mut self.unplaced_phones, MAX_PER_TYPE);
        cap(&mut self.social, MAX_PER_TYPE);
        cap(&mut self.people, MAX_PER_TYPE);
        cap(&mut self.products, MAX_PER_TYPE);
        cap(&mut self.addresses, MAX_PER_TYPE);
        cap(&mut self.legal, MAX_PER_TYPE);
        if let Some(summary) = &page.summary {
            let pos = self.pages.binary_search_by(|p| {
                (p.depth, p.url.as_str()).cmp(&(summary.depth, &summary.url))
            });
            if let Err(pos) = pos
                && !self.pages.iter().any(|p| p.url == summary.url)
            {
                self.pages.insert(pos, summary.clone());
                self.pages.truncate(MAX_PAGE_SUMMARIES);
            }
        }
    }

    /// Distinct entities found so far.
    pub fn count(&self) -> u64 {
        self.counts().values().sum()
    }

    /// Distinct entities by type (emails, phones, ...).
    pub fn counts(&self) -> BTreeMap<String, u64> {
        BTreeMap::from([
            ("emails".to_string(), self.emails.len() as u64),
            ("phones".to_string(), self.phones.len() as u64),
            ("socialProfiles".to_string(), self.social.len() as u64),
            ("people".to_string(), self.people.len() as u64),
            ("products".to_string(), self.products.len() as u64),
            ("technologies".to_string(), self.technologies.len() as u64),
            ("addresses".to_string(), self.addresses.len() as u64),
            ("legalIdentifiers".to_string(), self.legal.len() as u64),
        ])
    }

    /// The values of an organisation fact, most-seen first.
    pub fn fact_values(&self, key: &str) -> Vec<&str> {
        let mut values: Vec<(&String, &Seen)> = self
            .facts
            .get(key)
            .map(|m| m.iter().collect())
            .unwrap_or_default();
        values.sort_by(|a, b| b.1.pages.cmp(&a.1.pages).then(a.0.cmp(b.0)));
        values.into_iter().map(|(v, _)| v.as_str()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::Phone;

    fn page(url: &str, country: Option<&str>, phones: &[&str], unplaced: &[&str]) -> PageEntities {
        let phone = |value: &&str| Phone {
            value: value.to_string(),
            kind: PhoneKind::Phone,
        };
        PageEntities {
            url: url.into(),
            phones: phones.iter().map(phone).collect(),
            unplaced_phones: unplaced.iter().map(phone).collect(),
            addresses: country
                .map(|c| Address {
                    street: Some(format!("1 Main Street {url}")),
                    country: Some(c.into()),
                    ..Address::default()
                })
                .into_iter()
                .collect(),
            ..PageEntities::default()
        }
    }

    #[test]
    fn unplaced_numbers_take_the_country_of_most_of_the_sites_addresses() {
        let mut e = Entities::default();
        e.merge_page(page("https://a.example/", None, &[], &["(415) 555-0199"]));
        e.merge_page(page(
            "https://a.example/about",
            None,
            &[],
            &["(415) 555-0199"],
        ));
        e.merge_page(page(
            "https://a.example/contact",
            Some("US"),
            &["+14155550199"],
            &[],
        ));
        e.merge_page(page("https://a.example/us", Some("US"), &[], &[]));
        e.merge_page(page(
            "https://a.example/de",
            Some("DE"),
            &[],
            &["030 1234567"],
        ));
        assert_eq!(e.phone_country(None).as_deref(), Some("US"));
        assert_eq!(e.phone_country(Some("CH")).as_deref(), Some("CH"));
        e.place_phones(Some("US"));
        assert!(e.unplaced_phones.is_empty());
        // One entry with the pages of both spellings; the German number is
        // no US number and is dropped.
        let keys: Vec<&str> = e.phones.keys().map(String::as_str).collect();
        assert_eq!(keys, ["+14155550199"]);
        assert_eq!(e.phones["+14155550199"].seen.pages, 3);
        // No country: nothing placed.
        let mut e = Entities::default();
        e.merge_page(page("https://b.example/", None, &[], &["(415) 555-0199"]));
        assert_eq!(e.phone_country(None), None);
        e.place_phones(None);
        assert!(e.phones.is_empty());
        assert_eq!(e.unplaced_phones.len(), 1);
    }
}
