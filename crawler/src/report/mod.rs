//! The scan report: `report.json` and `report.md`.
//!
//! Everything in the report is sorted, so the report of a resumed scan equals
//! the report of an uninterrupted one byte for byte. The only values that
//! differ between runs (start and finish times) live in `timing`, apart from
//! everything else. The format is documented in docs/report.md.

mod writer;

pub use writer::{ReportWriter, dir_report_writer};

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::analysis::SectionResult;
use crate::extract::{Address, Entities, LegalKind, PhoneKind, Seen};
use crate::skip::SkipKind;

/// The report format this build writes.
pub const REPORT_FORMAT: u32 = 1;
/// Sources listed per item (the checkpoint keeps up to `MAX_SOURCES`).
const REPORT_SOURCES: usize = 10;

/// Facts about the scan the report states.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ReportMeta {
    pub company: String,
    pub url: String,
    pub scan_version: i64,
    pub pages_crawled: u64,
    /// URLs that gave no page, by the kind of reason.
    pub skipped_urls: BTreeMap<SkipKind, u64>,
    /// Distinct external links, sorted.
    pub external_links: Vec<String>,
    /// In-scope links to files that are not pages (PDFs, images), sorted.
    pub documents: Vec<String>,
    /// HTML pages that had no link at all, only scripts.
    pub pages_without_links: u64,
    /// Pages whose links were not followed because they asked so (robots
    /// `nofollow`).
    #[serde(default)]
    pub pages_nofollow: u64,
    /// In-scope links not taken because their page had too many.
    #[serde(default)]
    pub links_dropped: u64,
    /// URLs dropped because the crawl queue was full.
    #[serde(default)]
    pub queue_dropped: u64,
    /// Hosts whose robots.txt `Crawl-delay` was longer than the crawler
    /// honours, with the delays asked and used (seconds).
    #[serde(default)]
    pub crawl_delays_capped: BTreeMap<String, (f64, f64)>,
    /// Set when the crawl was stopped on request (`desiredState: Stopped`,
    /// or `scan --stop` locally): the URLs still queued then, never fetched.
    #[serde(default)]
    pub stopped_with_queued: Option<u64>,
    pub started_at: Option<chrono::DateTime<chrono::Utc>>,
    pub finished_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Where an item was seen.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Sourced {
    /// Up to ten page URLs, sorted.
    pub sources: Vec<String>,
    /// On how many crawled pages the item was seen.
    pub source_count: u64,
}

impl From<&Seen> for Sourced {
    fn from(s: &Seen) -> Self {
        Sourced {
            sources: s.sources.iter().take(REPORT_SOURCES).cloned().collect(),
            source_count: s.pages,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct EmailItem {
    pub value: String,
    /// On the company's own registrable domain (the seed's) or a subdomain
    /// of it; false for a web agency or a freemail address.
    pub own_domain: bool,
    #[serde(flatten)]
    pub seen: Sourced,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct PhoneItem {
    /// E.164.
    pub value: String,
    /// "phone" or "fax".
    pub kind: PhoneKind,
    #[serde(flatten)]
    pub seen: Sourced,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct SocialItem {
    pub platform: String,
    pub url: String,
    #[serde(flatten)]
    pub seen: Sourced,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct PersonItem {
    pub name: String,
    /// The most informative title ("" when only the organisation ties them).
    pub title: String,
    /// Every title seen, sorted.
    pub titles: Vec<String>,
    #[serde(flatten)]
    pub seen: Sourced,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ProductItem {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(flatten)]
    pub seen: Sourced,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct TechnologyItem {
    pub name: String,
    /// Wappalyzer category names, most specific first.
    pub categories: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<String>,
    /// 0-100: the highest of any page.
    pub confidence: u8,
    /// The signals that found it (`scriptSrc`, `headers`, `meta`, ...);
    /// empty when only implied.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub signals: Vec<String>,
    /// Never seen itself; inferred from `implied_by`.
    pub implied: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub implied_by: Vec<String>,
    #[serde(flatten)]
    pub seen: Sourced,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct AddressItem {
    pub street: Option<String>,
    pub locality: Option<String>,
    pub postal_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub country: Option<String>,
    #[serde(flatten)]
    pub seen: Sourced,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct LegalItem {
    /// "registration", "tax" or "vat".
    #[serde(rename = "type")]
    pub kind: LegalKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheme: Option<String>,
    pub value: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub authorities: Vec<String>,
    #[serde(flatten)]
    pub seen: Sourced,
}

/// The entity lists, each sorted by its identifying value.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ReportEntities {
    pub emails: Vec<EmailItem>,
    pub phones: Vec<PhoneItem>,
    pub social_profiles: Vec<SocialItem>,
    pub people: Vec<PersonItem>,
    pub products: Vec<ProductItem>,
    pub technologies: Vec<TechnologyItem>,
    pub addresses: Vec<AddressItem>,
    pub legal_identifiers: Vec<LegalItem>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ReportSection {
    /// overview, products, people, contact, technology, social, legal.
    pub id: String,
    pub title: String,
    /// Markdown.
    pub body: String,
}

/// The only run-dependent values, kept apart so reports compare equal.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Timing {
    pub started_at: Option<chrono::DateTime<chrono::Utc>>,
    pub finished_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// The finished report.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub report_format: u32,
    pub company: String,
    pub url: String,
    pub scan_version: i64,
    pub pages_crawled: u64,
    /// URLs that gave no page, by the kind of reason; absent when none.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub skipped_urls: BTreeMap<SkipKind, u64>,
    pub tokens_processed: u64,
    pub entity_counts: BTreeMap<String, u64>,
    pub entities: ReportEntities,
    pub external_links: Vec<String>,
    /// In-scope links to files that are not pages (PDFs, images, archives):
    /// recorded, not fetched; absent when none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub documents: Vec<String>,
    /// What a reader should know about how complete the crawl is; absent
    /// when nothing.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// In-scope links not taken because their page had more than
    /// `maxLinksPerPage`; absent when none.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub links_dropped: u64,
    /// URLs dropped because the crawl queue was full (`maxQueuedUrls`);
    /// absent when none.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub queue_dropped: u64,
    pub sections: Vec<ReportSection>,
    pub timing: Timing,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// Sentences about gaps in the crawl, from its counts.
pub fn crawl_warnings(meta: &ReportMeta) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(queued) = meta.stopped_with_queued {
        out.push(format!(
            "The crawl was stopped on request after {} page{}; {queued} queued URL{} were not fetched.",
            meta.pages_crawled,
            if meta.pages_crawled == 1 { "" } else { "s" },
            if queued == 1 { "" } else { "s" }
        ));
    }
    if meta.links_dropped > 0 {
        out.push(format!(
            "Some pages had more links than the crawler takes from one page; {} link{} were not followed.",
            meta.links_dropped,
            if meta.links_dropped == 1 { "" } else { "s" }
        ));
    }
    if meta.queue_dropped > 0 {
        out.push(format!(
            "The crawl queue was full; {} URL{} of the lowest priority were dropped without being fetched.",
            meta.queue_dropped,
            if meta.queue_dropped == 1 { "" } else { "s" }
        ));
    }
    if meta.pages_without_links > 0 {
        out.push(format!(
            "The site renders its content with JavaScript; {} page{} had no links, so the crawl may have missed pages a browser would show.",
            meta.pages_without_links,
            if meta.pages_without_links == 1 { "" } else { "s" }
        ));
    }
    if meta.pages_nofollow > 0 {
        out.push(format!(
            "{} page{} asked crawlers not to follow {} links (robots nofollow in a meta tag or X-Robots-Tag header); they were not followed, so the crawl may have missed pages.",
            meta.pages_nofollow,
            if meta.pages_nofollow == 1 { "" } else { "s" },
            if meta.pages_nofollow == 1 { "its" } else { "their" }
        ));
    }
    for (host, (asked, used)) in &meta.crawl_delays_capped {
        out.push(format!(
            "robots.txt of {host} asks for a Crawl-delay of {asked} s, which would stall the scan; the crawler waits at most {used} s between requests to one host and paced {host} at that."
        ));
    }
    if let Some(n) = meta.skipped_urls.get(&SkipKind::RobotsUnavailable) {
        out.push(format!(
            "robots.txt answered with a server error or could not be read after several attempts, so its host was treated as disallowed (RFC 9309); {n} URL{} were not fetched.",
            if *n == 1 { "" } else { "s" }
        ));
    }
    if let Some(n) = meta.skipped_urls.get(&SkipKind::AccessDenied) {
        out.push(format!(
            "The site refused {n} URL{} with 401, 403 or 451 (a login, a bot block or a legal block), so their content is missing.",
            if *n == 1 { "" } else { "s" }
        ));
    }
    if let Some(n) = meta.skipped_urls.get(&SkipKind::BotChallenge) {
        out.push(format!(
            "A bot defence answered with a challenge instead of the page at {n} URL{}, so their content is missing.",
            if *n == 1 { "" } else { "s" }
        ));
    }
    if let Some(n) = meta.skipped_urls.get(&SkipKind::Tls) {
        out.push(format!(
            "{n} URL{} could not be fetched: the TLS certificate of {} server was refused (self-signed, expired, for another host) or the TLS handshake failed; the log names each.",
            if *n == 1 { "" } else { "s" },
            if *n == 1 { "its" } else { "their" }
        ));
    }
    if let Some(n) = meta.skipped_urls.get(&SkipKind::Throttled) {
        out.push(format!(
            "The server asked the crawler to slow down (HTTP 429/503) on every attempt at {n} URL{}.",
            if *n == 1 { "" } else { "s" }
        ));
    }
    out
}

impl Report {
    pub fn build(meta: &ReportMeta, entities: &Entities, sections: &[SectionResult]) -> Report {
        let e = entities;
        let own = url::Url::parse(&meta.url)
            .ok()
            .and_then(|u| u.host_str().map(crate::scope::registrable_domain));
        let mut external_links = meta.external_links.clone();
        external_links.sort();
        external_links.dedup();
        let people = e
            .people
            .values()
            .map(|p| PersonItem {
                name: p.name.clone(),
                title: p.best_title().to_string(),
                titles: p.titles.iter().cloned().collect(),
                seen: (&p.seen).into(),
            })
            .collect();
        let addresses = e
            .addresses
            .values()
            .map(|a| {
                let Address {
                    street,
                    locality,
                    postal_code,
                    region,
                    country,
                } = a.address.clone();
                AddressItem {
                    street,
                    locality,
                    postal_code,
                    region,
                    country,
                    seen: (&a.seen).into(),
                }
            })
            .collect();
        Report {
            report_format: REPORT_FORMAT,
            company: meta.company.clone(),
            url: meta.url.clone(),
            scan_version: meta.scan_version,
            pages_crawled: meta.pages_crawled,
            skipped_urls: meta.skipped_urls.clone(),
            documents: {
                let mut d = meta.documents.clone();
                d.sort();
                d.dedup();
                d
            },
            warnings: crawl_warnings(meta),
            links_dropped: meta.links_dropped,
            queue_dropped: meta.queue_dropped,
            tokens_processed: e.tokens_processed,
            entity_counts: e.counts(),
            entities: ReportEntities {
                emails: e
                    .emails
                    .iter()
                    .map(|(v, s)| EmailItem {
                        value: v.clone(),
                        own_domain: own.as_deref().is_some_and(|own| {
                            v.rsplit_once('@')
                                .is_some_and(|(_, domain)| crate::extract::on_domain(domain, own))
                        }),
                        seen: s.into(),
                    })
                    .collect(),
                phones: e
                    .phones
                    .iter()
                    .map(|(v, p)| PhoneItem {
                        value: v.clone(),
                        kind: if p.kinds.contains(&PhoneKind::Phone) || p.kinds.is_empty() {
                            PhoneKind::Phone
                        } else {
                            PhoneKind::Fax
                        },
                        seen: (&p.seen).into(),
                    })
                    .collect(),
                social_profiles: e
                    .social
                    .iter()
                    .map(|(url, s)| SocialItem {
                        platform: s.platform.clone(),
                        url: url.clone(),
                        seen: (&s.seen).into(),
                    })
                    .collect(),
                people,
                products: e
                    .products
                    .values()
                    .map(|p| ProductItem {
                        name: p.name.clone(),
                        description: p.descriptions.first().cloned(),
                        seen: (&p.seen).into(),
                    })
                    .collect(),
                technologies: e
                    .technologies
                    .iter()
                    .map(|(name, t)| TechnologyItem {
                        name: name.clone(),
                        categories: t.categories.clone(),
                        versions: t.versions.iter().cloned().collect(),
                        confidence: t.confidence,
                        signals: t.signals.iter().cloned().collect(),
                        implied: t.implied(),
                        implied_by: if t.implied() {
                            t.implied_by.iter().cloned().collect()
                        } else {
                            Vec::new()
                        },
                        seen: (&t.seen).into(),
                    })
                    .collect(),
                addresses,
                legal_identifiers: e
                    .legal
                    .values()
                    .map(|l| LegalItem {
                        kind: l.id.kind,
                        scheme: l.id.scheme.clone(),
                        value: l.id.value.clone(),
                        country: l.id.country.clone(),
                        authorities: l.authorities.iter().cloned().collect(),
                        seen: (&l.seen).into(),
                    })
                    .collect(),
            },
            external_links,
            sections: sections
                .iter()
                .map(|s| ReportSection {
                    id: s.section.as_str().to_string(),
                    title: s.title.clone(),
                    body: s.body.clone(),
                })
                .collect(),
            timing: Timing {
                started_at: meta.started_at,
                finished_at: meta.finished_at,
            },
        }
    }

    pub fn to_json(&self) -> String {
        // Sized by a first pass that only counts: the report of a large
        // crawl is hundreds of KB of JSON, written when the crawl's memory
        // peaks, and a buffer grown by doubling would hold up to twice that
        // (plus the copies it outgrew).
        let mut counted = ByteCount(0);
        // Serialising plain data (strings, numbers, maps with string keys)
        // into memory cannot fail.
        if serde_json::to_writer_pretty(&mut counted, self).is_err() {
            return String::new();
        }
        let mut json = Vec::with_capacity(counted.0);
        if serde_json::to_writer_pretty(&mut json, self).is_err() {
            return String::new();
        }
        // serde_json writes UTF-8 only.
        String::from_utf8(json).unwrap_or_default()
    }

    /// The report without `timing`: equal for a resumed and an
    /// uninterrupted scan of the same site.
    pub fn to_comparable_json(&self) -> String {
        let mut copy = self.clone();
        copy.timing = Timing::default();
        copy.to_json()
    }

    pub fn to_markdown(&self) -> String {
        let mut md = String::new();
        let _ = writeln!(md, "# {}\n", crate::analysis::cell(&self.company));
        let _ = writeln!(
            md,
            "Company research report for <{}> · scan {} · {} pages crawled · {} words read\n",
            self.url, self.scan_version, self.pages_crawled, self.tokens_processed
        );
        if !self.skipped_urls.is_empty() {
            let parts: Vec<String> = self
                .skipped_urls
                .iter()
                .map(|(kind, n)| format!("{n} {}", kind.describe()))
                .collect();
            let total: u64 = self.skipped_urls.values().sum();
            let _ = writeln!(md, "{total} URLs gave no page: {}.\n", parts.join(", "));
        }
        for warning in &self.warnings {
            let _ = writeln!(md, "> Warning: {warning}\n");
        }
        md.push_str("| Finding | Count |\n|---|---:|\n");
        for (key, label) in [
            ("emails", "Email addresses"),
            ("phones", "Phone numbers"),
            ("addresses", "Postal addresses"),
            ("people", "People"),
            ("products", "Products and services"),
            ("technologies", "Technologies"),
            ("socialProfiles", "Social profiles"),
            ("legalIdentifiers", "Legal identifiers"),
        ] {
            let n = self.entity_counts.get(key).copied().unwrap_or(0);
            let _ = writeln!(md, "| {label} | {n} |");
        }
        let _ = writeln!(md, "| External links | {} |", self.external_links.len());
        if !self.documents.is_empty() {
            let _ = writeln!(md, "| Documents (not fetched) | {} |", self.documents.len());
        }
        md.push('\n');
        if !self.sections.is_empty() {
            md.push_str("Contents: ");
            let toc: Vec<String> = self
                .sections
                .iter()
                .map(|s| format!("[{}](#{})", s.title, anchor(&s.title)))
                .collect();
            md.push_str(&toc.join(" · "));
            md.push_str("\n\n");
        }
        for s in &self.sections {
            let _ = writeln!(md, "## {}\n", s.title);
            md.push_str(s.body.trim_end());
            md.push_str("\n\n");
        }
        if !self.external_links.is_empty() {
            md.push_str("## External links\n\n");
            let mut by_host: BTreeMap<String, usize> = BTreeMap::new();
            for l in &self.external_links {
                let host = url::Url::parse(l)
                    .ok()
                    .and_then(|u| {
                        u.host_str()
                            .map(|h| h.trim_start_matches("www.").to_string())
                    })
                    .unwrap_or_else(|| l.clone());
                *by_host.entry(host).or_default() += 1;
            }
            let mut hosts: Vec<(String, usize)> = by_host.into_iter().collect();
            hosts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            let links = self.external_links.len();
            let _ = writeln!(
                md,
                "{links} distinct external {} to {} {}. Most linked:\n",
                if links == 1 { "link" } else { "links" },
                hosts.len(),
                if hosts.len() == 1 { "site" } else { "sites" },
            );
            md.push_str("| Site | Links |\n|---|---:|\n");
            for (host, n) in hosts.iter().take(20) {
                let _ = writeln!(md, "| {} | {n} |", crate::analysis::cell(host));
            }
            md.push('\n');
        }
        md.push_str("---\n\n");
        let time = |t: Option<chrono::DateTime<chrono::Utc>>| {
            t.map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
                .unwrap_or_else(|| "unknown".into())
        };
        let _ = writeln!(
            md,
            "Scan started {}, finished {}.",
            time(self.timing.started_at),
            time(self.timing.finished_at)
        );
        md
    }
}

/// GitHub-style heading anchor.
fn anchor(title: &str) -> String {
    title
        .to_lowercase()
        .chars()
        .filter_map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                Some(c)
            } else if c == ' ' {
                Some('-')
            } else {
                None
            }
        })
        .collect()
}

/// A writer that only counts the bytes written to it.
struct ByteCount(usize);

impl std::io::Write for ByteCount {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
