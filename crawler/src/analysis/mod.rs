//! Analysis sections built from the extracted entities.
//!
//! Each section is Markdown built only from `Entities`, so a section is a
//! pure function of the merged state: recomputing it after a resume gives
//! the same text. Sources are cited as footnotes whose labels carry the
//! section name (`[^contact-2]`), so sections stay independent and can be
//! concatenated in any selection.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use cira_crds::AnalysisSection;
use serde::{Deserialize, Serialize};

use crate::extract::{Entities, LegalKind, PageKind, PhoneKind, Seen};

/// One finished analysis section; recorded in the checkpoint when done so a
/// resumed scan does not redo it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SectionResult {
    pub section: AnalysisSection,
    pub title: String,
    /// Markdown body.
    pub body: String,
}

/// Most items listed per table; the JSON report has them all.
const MAX_ROWS: usize = 50;

/// Footnote numbering within one section.
struct Notes {
    prefix: &'static str,
    urls: Vec<String>,
}

impl Notes {
    fn new(section: AnalysisSection) -> Self {
        Notes {
            prefix: section.as_str(),
            urls: Vec::new(),
        }
    }

    /// Footnote references for the first two sources of a finding.
    fn cite(&mut self, seen: &Seen) -> String {
        let mut out = String::new();
        for url in seen.sources.iter().take(2) {
            let n = match self.urls.iter().position(|u| u == url) {
                Some(i) => i + 1,
                None => {
                    self.urls.push(url.clone());
                    self.urls.len()
                }
            };
            let _ = write!(out, "[^{}-{}]", self.prefix, n);
        }
        out
    }

    fn finish(self, body: &mut String) {
        if self.urls.is_empty() {
            return;
        }
        body.push('\n');
        for (i, url) in self.urls.iter().enumerate() {
            let _ = writeln!(body, "[^{}-{}]: <{}>", self.prefix, i + 1, url);
        }
    }
}

/// Site text made inert in Markdown, for a table cell or inside a line:
/// every character that could open a link, an image, raw HTML, code or
/// emphasis is escaped, and line breaks and other control characters
/// become spaces. A page's "CEO [x](javascript:…) <img onerror=…>" reads
/// as that text in every renderer. (An entity such as `&lt;` only ever
/// makes a character, so `&` stays as written: "Research & Development".)
pub(crate) fn cell(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// [`cell`] for text that starts a line: also a leading list, quote or
/// heading marker ("- ", "+ ", "1. ") is escaped.
fn line_text(s: &str) -> String {
    let text = cell(s.trim_start());
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    let numbered = digits > 0 && matches!(text.as_bytes().get(digits), Some(b'.' | b')'));
    if text.starts_with(['-', '+', '=', '#']) {
        format!("\\{text}")
    } else if numbered {
        format!("{}\\{}", &text[..digits], &text[digits..])
    } else {
        text
    }
}

/// Items most-seen first, then by key.
fn ranked<T>(map: &BTreeMap<String, T>, seen: impl Fn(&T) -> &Seen) -> Vec<(&String, &T)> {
    let mut v: Vec<(&String, &T)> = map.iter().collect();
    v.sort_by(|a, b| seen(b.1).pages.cmp(&seen(a.1).pages).then(a.0.cmp(b.0)));
    v
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// Builds one section.
pub fn analyze_section(section: AnalysisSection, entities: &Entities) -> SectionResult {
    let (title, body) = match section {
        AnalysisSection::Overview => ("Overview", overview(entities)),
        AnalysisSection::Products => ("Products and services", products(entities)),
        AnalysisSection::People => ("People", people(entities)),
        AnalysisSection::Contact => ("Contact", contact(entities)),
        AnalysisSection::Technology => ("Technology", technology(entities)),
        AnalysisSection::Social => ("Social media", social(entities)),
        AnalysisSection::Legal => ("Legal", legal(entities)),
    };
    SectionResult {
        section,
        title: title.to_string(),
        body,
    }
}

fn overview(e: &Entities) -> String {
    let mut notes = Notes::new(AnalysisSection::Overview);
    let mut body = String::new();
    let fact = |k: &str| e.fact_values(k).first().map(|s| s.to_string());
    let name = fact("name")
        .or_else(|| fact("siteName"))
        .or_else(|| fact("legalName"));
    let home = e
        .pages
        .iter()
        .find(|p| p.kind == PageKind::Home)
        .or_else(|| e.pages.first());
    let description = fact("description")
        .or_else(|| home.and_then(|h| h.description.clone()))
        .or_else(|| home.and_then(|h| h.lead.clone()))
        .or_else(|| {
            e.pages
                .iter()
                .find(|p| p.kind == PageKind::About)
                .and_then(|p| p.description.clone().or_else(|| p.lead.clone()))
        });

    match (&name, &description) {
        (Some(n), Some(d)) => {
            let _ = writeln!(body, "**{}**: {}\n", cell(n), cell(d));
        }
        (None, Some(d)) => {
            let _ = writeln!(body, "{}\n", line_text(d));
        }
        (Some(n), None) => {
            let _ = writeln!(body, "**{}**\n", cell(n));
        }
        (None, None) => body
            .push_str("The site does not describe the company in a way the scan could read.\n\n"),
    }

    // Values as Markdown: site text escaped, the citation not.
    let mut facts: Vec<(String, String)> = Vec::new();
    if let Some(n) = fact("legalName").filter(|l| Some(l) != name.as_ref()) {
        facts.push(("Legal name".into(), cell(&n)));
    }
    if let Some(v) = fact("alternateName") {
        facts.push(("Also known as".into(), cell(&v)));
    }
    if let Some(v) = fact("slogan") {
        facts.push(("Slogan".into(), cell(&v)));
    }
    if let Some(v) = fact("foundingDate") {
        facts.push(("Founded".into(), cell(&v)));
    }
    if let Some(v) = fact("numberOfEmployees") {
        facts.push(("Employees".into(), cell(&v)));
    }
    if let Some((_, a)) = ranked(&e.addresses, |a| &a.seen).first() {
        let place = [a.address.locality.as_deref(), a.address.country.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", ");
        if !place.is_empty() {
            let cite = notes.cite(&a.seen);
            facts.push(("Located in".into(), format!("{}{cite}", cell(&place))));
        }
    }
    let langs = e.fact_values("language");
    if !langs.is_empty() {
        facts.push(("Site languages".into(), cell(&langs.join(", "))));
    }
    if !facts.is_empty() {
        body.push_str("| | |\n|---|---|\n");
        for (k, v) in facts {
            let _ = writeln!(body, "| {k} | {v} |");
        }
        body.push('\n');
    }

    let c = e.counts();
    let count = |k: &str| c.get(k).copied().unwrap_or(0) as usize;
    let _ = writeln!(
        body,
        "The scan read {} ({} words) and found {}, {}, {}, {}, {}, {}, {} and {}.",
        plural(e.pages_processed as usize, "page", "pages"),
        e.tokens_processed,
        plural(count("emails"), "email address", "email addresses"),
        plural(count("phones"), "phone number", "phone numbers"),
        plural(count("addresses"), "postal address", "postal addresses"),
        plural(count("people"), "person", "people"),
        plural(
            count("products"),
            "product or service",
            "products and services"
        ),
        plural(count("technologies"), "technology", "technologies"),
        plural(count("socialProfiles"), "social profile", "social profiles"),
        plural(
            count("legalIdentifiers"),
            "legal identifier",
            "legal identifiers"
        ),
    );

    let key_pages: Vec<_> = e
        .pages
        .iter()
        .filter(|p| p.kind != PageKind::Other)
        .take(12)
        .collect();
    if !key_pages.is_empty() {
        body.push_str("\nKey pages:\n\n");
        for p in key_pages {
            let title = p.title.as_deref().unwrap_or(p.url.as_str());
            let _ = writeln!(body, "- {} ({}): <{}>", cell(title), p.kind.as_str(), p.url);
        }
    }
    notes.finish(&mut body);
    body
}

fn products(e: &Entities) -> String {
    let mut notes = Notes::new(AnalysisSection::Products);
    let mut body = String::new();
    if e.products.is_empty() {
        body.push_str("No products or services were identified.\n");
        return body;
    }
    let _ = writeln!(
        body,
        "{} identified:\n",
        plural(
            e.products.len(),
            "product or service",
            "products and services"
        )
    );
    for (_, p) in ranked(&e.products, |p| &p.seen).into_iter().take(MAX_ROWS) {
        let cite = notes.cite(&p.seen);
        match p.descriptions.first() {
            Some(d) => {
                let _ = writeln!(body, "- **{}**: {}{cite}", cell(&p.name), cell(d));
            }
            None => {
                let _ = writeln!(body, "- **{}**{cite}", cell(&p.name));
            }
        }
    }
    notes.finish(&mut body);
    body
}

fn people(e: &Entities) -> String {
    let mut notes = Notes::new(AnalysisSection::People);
    let mut body = String::new();
    if e.people.is_empty() {
        body.push_str("No people with roles were named on the pages crawled.\n");
        return body;
    }
    // Leaders first: a title that names a leading role ranks higher.
    let mut list: Vec<_> = e.people.iter().collect();
    let rank = |t: &str| {
        let t = t.to_lowercase();
        const TOP: &[&str] = &[
            "ceo",
            "founder",
            "gründer",
            "geschäftsführer",
            "managing director",
            "president",
            "président",
            "directeur général",
            "owner",
            "inhaber",
            "chief",
        ];
        if TOP.iter().any(|w| t.contains(w)) {
            0
        } else {
            1
        }
    };
    list.sort_by(|a, b| {
        rank(a.1.best_title())
            .cmp(&rank(b.1.best_title()))
            .then(b.1.seen.pages.cmp(&a.1.seen.pages))
            .then(a.0.cmp(b.0))
    });
    let _ = writeln!(
        body,
        "{} named with a role:\n",
        plural(list.len(), "person", "people")
    );
    body.push_str("| Name | Title | Source |\n|---|---|---|\n");
    for (_, p) in list.into_iter().take(MAX_ROWS) {
        let cite = notes.cite(&p.seen);
        let _ = writeln!(
            body,
            "| {} | {} | {cite} |",
            cell(&p.name),
            cell(p.best_title())
        );
    }
    notes.finish(&mut body);
    body
}

fn contact(e: &Entities) -> String {
    let mut notes = Notes::new(AnalysisSection::Contact);
    let mut body = String::new();
    if e.emails.is_empty() && e.phones.is_empty() && e.addresses.is_empty() {
        body.push_str("No contact details were found.\n");
        return body;
    }
    if !e.emails.is_empty() {
        body.push_str("**Email**\n\n");
        for (email, seen) in ranked(&e.emails, |s| s).into_iter().take(MAX_ROWS) {
            let cite = notes.cite(seen);
            let _ = writeln!(body, "- <{email}>{cite}");
        }
        body.push('\n');
    }
    if !e.phones.is_empty() {
        body.push_str("**Phone**\n\n");
        for (number, p) in ranked(&e.phones, |p| &p.seen).into_iter().take(MAX_ROWS) {
            let cite = notes.cite(&p.seen);
            let fax = if p.kinds.contains(&PhoneKind::Phone) {
                ""
            } else {
                " (fax)"
            };
            let _ = writeln!(
                body,
                "- [{}](tel:{number}){fax}{cite}",
                readable_phone(number)
            );
        }
        body.push('\n');
    }
    if !e.addresses.is_empty() {
        body.push_str("**Address**\n\n");
        for (_, a) in ranked(&e.addresses, |a| &a.seen).into_iter().take(MAX_ROWS) {
            let cite = notes.cite(&a.seen);
            let _ = writeln!(body, "- {}{cite}", cell(&a.address.one_line()));
        }
    }
    notes.finish(&mut body);
    body
}

fn technology(e: &Entities) -> String {
    let mut notes = Notes::new(AnalysisSection::Technology);
    let mut body = String::new();
    if e.technologies.is_empty() {
        body.push_str("No known technologies were recognised.\n");
        return body;
    }
    // What was seen, by category; what is only inferred from it, apart.
    let mut by_category: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let mut implied: Vec<String> = Vec::new();
    for (name, t) in &e.technologies {
        let version = t
            .versions
            .last()
            .map(|v| format!(" {}", cell(v)))
            .unwrap_or_default();
        let confidence = if t.confidence < 100 {
            format!(" ({}% confidence)", t.confidence)
        } else {
            String::new()
        };
        let cite = notes.cite(&t.seen);
        if t.implied() {
            let by: Vec<&str> = t.implied_by.iter().map(String::as_str).collect();
            implied.push(format!(
                "{name}{version} (implied by {}){confidence}{cite}",
                by.join(", ")
            ));
        } else {
            by_category
                .entry(t.category())
                .or_default()
                .push(format!("{name}{version}{confidence}{cite}"));
        }
    }
    if !by_category.is_empty() {
        body.push_str("| Category | Technologies |\n|---|---|\n");
        for (category, names) in by_category {
            let _ = writeln!(body, "| {category} | {} |", names.join(", "));
        }
    }
    if !implied.is_empty() {
        body.push_str("\nImplied by the technologies above, not seen themselves: ");
        body.push_str(&implied.join(", "));
        body.push_str(".\n");
    }
    notes.finish(&mut body);
    body
}

fn social(e: &Entities) -> String {
    let mut notes = Notes::new(AnalysisSection::Social);
    let mut body = String::new();
    if e.social.is_empty() {
        body.push_str("No social media profiles were linked.\n");
        return body;
    }
    body.push_str("| Platform | Profile | Linked from |\n|---|---|---|\n");
    for (url, s) in ranked(&e.social, |s| &s.seen).into_iter().take(MAX_ROWS) {
        let cite = notes.cite(&s.seen);
        let _ = writeln!(
            body,
            "| {} | <{url}> | {}{cite} |",
            platform_label(&s.platform),
            plural(s.seen.pages as usize, "page", "pages")
        );
    }
    notes.finish(&mut body);
    body
}

/// "+44 20 7946 0958" for a person to read; the E.164 form stays in links.
fn readable_phone(e164: &str) -> String {
    crate::extract::numbering::parse(None, e164)
        .map(|(db, n)| crate::extract::numbering::international(db, &n))
        .unwrap_or_else(|| e164.to_string())
}

fn platform_label(p: &str) -> &str {
    match p {
        "linkedin" => "LinkedIn",
        "x" => "X (Twitter)",
        "github" => "GitHub",
        "facebook" => "Facebook",
        "instagram" => "Instagram",
        "youtube" => "YouTube",
        "xing" => "XING",
        "tiktok" => "TikTok",
        "mastodon" => "Mastodon",
        "bluesky" => "Bluesky",
        "threads" => "Threads",
        "pinterest" => "Pinterest",
        "telegram" => "Telegram",
        "vimeo" => "Vimeo",
        "crunchbase" => "Crunchbase",
        "kununu" => "kununu",
        other => other,
    }
}

fn legal(e: &Entities) -> String {
    let mut notes = Notes::new(AnalysisSection::Legal);
    let mut body = String::new();
    if e.legal.is_empty() {
        body.push_str("No VAT or company registration numbers were found.\n");
        return body;
    }
    body.push_str("| Identifier | Value | Country | Registry | Source |\n|---|---|---|---|---|\n");
    for (_, l) in ranked(&e.legal, |l| &l.seen) {
        let kind = match (l.id.kind, l.id.scheme.as_deref()) {
            (LegalKind::Vat, _) => "VAT ID".to_string(),
            (_, Some("ein")) => "EIN".to_string(),
            (_, Some("handelsregister")) => "Commercial register".to_string(),
            (_, Some("firmenbuch")) => "Firmenbuch".to_string(),
            (_, Some("companies-house")) => "Companies House".to_string(),
            (_, Some("siren")) => "SIREN".to_string(),
            (_, Some("siret")) => "SIRET".to_string(),
            (_, Some("kvk")) => "KvK".to_string(),
            (_, Some("uid")) => "UID".to_string(),
            (_, Some(s)) if let Some(label) = crate::extract::scheme_label(s) => label.to_string(),
            (k, s) => format!("{k} {}", s.unwrap_or("")).trim().to_string(),
        };
        let registry = l.authorities.iter().cloned().collect::<Vec<_>>().join("; ");
        let cite = notes.cite(&l.seen);
        let _ = writeln!(
            body,
            "| {kind} | `{}` | {} | {} | {cite} |",
            l.id.value,
            l.id.country.as_deref().unwrap_or(""),
            cell(&registry)
        );
    }
    notes.finish(&mut body);
    body
}

#[cfg(test)]
mod tests {
    #[test]
    fn site_text_is_inert_in_markdown() {
        let table: &[(&str, &str)] = &[
            ("Jane Doe", "Jane Doe"),
            ("Research & Development", "Research & Development"),
            (
                "CEO [x](javascript:alert(1)) <img src=x onerror=alert(1)>",
                "CEO \\[x\\](javascript:alert(1)) \\<img src=x onerror=alert(1)\\>",
            ),
            ("Head of *Sales* | `rm`", "Head of \\*Sales\\* \\| \\`rm\\`"),
            ("a\\b_c~d", "a\\\\b\\_c\\~d"),
            ("two\nlines\r\tand\u{7}bell", "two lines  and bell"),
        ];
        for (site, md) in table {
            assert_eq!(cell(site), *md, "{site:?}");
        }
        // At a line's start, list, heading and quote markers too.
        let table: &[(&str, &str)] = &[
            ("- not a list", "\\- not a list"),
            ("# not a heading", "\\# not a heading"),
            ("> not a quote", "\\> not a quote"),
            ("1. not numbered", "1\\. not numbered"),
            ("2024 was good", "2024 was good"),
            ("  Plain text", "Plain text"),
        ];
        for (site, md) in table {
            assert_eq!(line_text(site), *md, "{site:?}");
        }
    }

    use super::*;
    use crate::extract::{LegalEntry, LegalId};

    #[test]
    fn every_register_has_a_readable_name() {
        let mut e = Entities::default();
        for (scheme, value, country) in [
            ("abn", "51 824 753 556", "AU"),
            ("cnpj", "11.222.333/0001-81", "BR"),
            ("handelsregister", "HRB 1", "DE"),
        ] {
            let mut seen = Seen::default();
            seen.sources.insert("https://acme.example/".to_string());
            seen.pages = 1;
            e.legal.insert(
                format!("{scheme}{value}"),
                LegalEntry {
                    id: LegalId {
                        kind: LegalKind::Registration,
                        scheme: Some(scheme.to_string()),
                        value: value.to_string(),
                        country: Some(country.to_string()),
                        authority: None,
                    },
                    authorities: Default::default(),
                    seen,
                },
            );
        }
        let table = legal(&e);
        for label in ["| ABN |", "| CNPJ |", "| Commercial register |"] {
            assert!(table.contains(label), "{label} in {table}");
        }
        assert!(!table.contains("registration"), "{table}");
    }
}
