//! The report: its documented shape, and that it does not depend on page
//! order or on a checkpoint round trip of the extraction state.

use crate::support;

use cira_crawler::analysis::{SectionResult, analyze_section};
use cira_crawler::checkpoint::format::{ScanIdentity, decode, encode};
use cira_crawler::extract::{Entities, PageEntities};
use cira_crawler::report::{Report, ReportMeta};
use cira_crawler::skip::SkipKind;
use cira_crds::AnalysisSection;
use serde_json::Value;
use support::*;

fn all_pages() -> Vec<PageEntities> {
    // Three sites merged into one state is an unusual scan, but it exercises
    // every entity type at once.
    let mut v = extract_site(EN_SEED, EN_SITE);
    v.extend(extract_site(DE_SEED, DE_SITE));
    v.extend(extract_site(FR_SEED, FR_SITE));
    v
}

fn meta() -> ReportMeta {
    ReportMeta {
        company: "Northwind Robotics".into(),
        url: EN_SEED.into(),
        scan_version: 2,
        pages_crawled: 10,
        skipped_urls: [(SkipKind::HttpStatus, 2), (SkipKind::RobotsDisallowed, 1)].into(),
        external_links: vec![
            "https://www.linkedin.com/company/northwind-robotics".into(),
            "https://github.com/northwind-robotics".into(),
            "https://fonts.googleapis.com/css2?family=Inter".into(),
        ],
        documents: vec!["https://northwind.example/files/brochure.pdf".into()],
        pages_without_links: 0,
        pages_nofollow: 0,
        links_dropped: 0,
        queue_dropped: 0,
        crawl_delays_capped: Default::default(),
        stopped_with_queued: None,
        started_at: None,
        finished_at: None,
    }
}

fn report_of(e: &Entities) -> Report {
    let sections: Vec<SectionResult> = AnalysisSection::ALL
        .iter()
        .map(|s| analyze_section(*s, e))
        .collect();
    Report::build(&meta(), e, &sections)
}

fn merge(pages: impl IntoIterator<Item = PageEntities>) -> Entities {
    let mut e = Entities::default();
    for p in pages {
        e.merge_page(p);
    }
    e
}

#[test]
fn page_order_does_not_change_the_report() {
    let pages = all_pages();
    let forward = merge(pages.clone());
    let backward = merge(pages.iter().rev().cloned());
    // A fixed interleaving: odd positions first, then even ones.
    let interleaved = merge(
        pages
            .iter()
            .skip(1)
            .step_by(2)
            .chain(pages.iter().step_by(2))
            .cloned(),
    );
    assert_eq!(forward, backward);
    assert_eq!(forward, interleaved);
    let a = report_of(&forward);
    let b = report_of(&backward);
    assert_eq!(a.to_json(), b.to_json());
    assert_eq!(a.to_markdown(), b.to_markdown());
}

#[test]
fn checkpoint_round_trip_mid_scan_gives_the_same_report() {
    let pages = all_pages();
    let uninterrupted = report_of(&merge(pages.clone()));

    // Merge half, checkpoint through the real envelope, resume, merge the rest.
    let (first, rest) = pages.split_at(pages.len() / 2);
    let half = merge(first.to_vec());
    let scan = ScanIdentity {
        namespace: "default".into(),
        name: "northwind".into(),
        uid: String::new(),
        scan_version: 2,
    };
    let (_, blob) =
        encode(&scan, 1, first.len() as u64, chrono::Utc::now(), &half).expect("encode");
    let (_, mut resumed): (_, Entities) = decode(&blob).expect("decode");
    assert_eq!(resumed, half);
    for p in rest {
        resumed.merge_page(p.clone());
    }
    let mut resumed_report = report_of(&resumed);
    // Timestamps differ between runs and live apart from everything else.
    resumed_report.timing.started_at = Some(chrono::Utc::now());
    assert_eq!(
        uninterrupted.to_comparable_json(),
        resumed_report.to_comparable_json()
    );
    assert_ne!(uninterrupted.to_json(), resumed_report.to_json());
}

#[test]
fn extraction_state_stays_compact() {
    let e = merge(all_pages());
    let json = serde_json::to_vec(&e).expect("serialise");
    assert!(json.len() < 32 * 1024, "{} bytes for 10 pages", json.len());
}

#[test]
fn report_json_has_the_documented_shape() {
    let report = report_of(&merge(all_pages()));
    let v: Value = serde_json::from_str(&report.to_json()).expect("valid JSON");
    for key in [
        "company",
        "scanVersion",
        "pagesCrawled",
        "tokensProcessed",
        "entities",
        "externalLinks",
        "sections",
        "timing",
    ] {
        assert!(v.get(key).is_some(), "{key} missing");
    }
    assert_eq!(v["company"], "Northwind Robotics");
    assert_eq!(v["scanVersion"], 2);
    assert!(v["tokensProcessed"].as_u64().unwrap_or(0) > 100);
    let ents = &v["entities"];
    for key in [
        "emails",
        "phones",
        "socialProfiles",
        "people",
        "products",
        "technologies",
        "addresses",
        "legalIdentifiers",
    ] {
        let items = ents[key]
            .as_array()
            .unwrap_or_else(|| panic!("{key} is not an array"));
        assert!(!items.is_empty(), "{key} is empty");
        for item in items {
            let sources = item["sources"].as_array().expect("sources");
            assert!(!sources.is_empty(), "{key} item without sources: {item}");
            assert!(
                sources
                    .iter()
                    .all(|s| s.as_str().is_some_and(|s| s.starts_with("https://")))
            );
        }
    }
    for e in ents["emails"].as_array().into_iter().flatten() {
        let value = e["value"].as_str().expect("value");
        assert_eq!(value, value.to_lowercase());
    }
    for p in ents["phones"].as_array().into_iter().flatten() {
        let value = p["value"].as_str().expect("value");
        assert!(
            value.starts_with('+') && value[1..].chars().all(|c| c.is_ascii_digit()),
            "{value}"
        );
    }
    for s in ents["socialProfiles"].as_array().into_iter().flatten() {
        let platform = s["platform"].as_str().expect("platform");
        assert_eq!(platform, platform.to_lowercase());
        assert!(s["url"].as_str().is_some());
    }
    for p in ents["people"].as_array().into_iter().flatten() {
        assert!(p["name"].as_str().is_some() && p["title"].as_str().is_some());
    }
    for a in ents["addresses"].as_array().into_iter().flatten() {
        let country = a["country"].as_str().expect("country");
        assert!(country.len() == 2 && country.chars().all(|c| c.is_ascii_uppercase()));
        for k in ["street", "locality", "postalCode"] {
            assert!(a.get(k).is_some(), "{k} missing in {a}");
        }
    }
    for l in ents["legalIdentifiers"].as_array().into_iter().flatten() {
        assert!(matches!(l["type"].as_str(), Some("vat" | "registration")));
        assert!(l["value"].as_str().is_some());
    }
    let sections: Vec<&str> = v["sections"]
        .as_array()
        .expect("sections")
        .iter()
        .filter_map(|s| s["id"].as_str())
        .collect();
    assert_eq!(
        sections,
        vec![
            "overview",
            "products",
            "people",
            "contact",
            "technology",
            "social",
            "legal"
        ]
    );
    assert_eq!(v["externalLinks"].as_array().map(Vec::len), Some(3));
}

#[test]
fn markdown_reads_well_and_every_footnote_is_defined() {
    let report = report_of(&merge(all_pages()));
    let md = report.to_markdown();
    assert!(md.starts_with("# Northwind Robotics\n"));
    for heading in [
        "## Overview",
        "## Products and services",
        "## People",
        "## Contact",
        "## Technology",
        "## Social media",
        "## Legal",
        "## External links",
    ] {
        assert!(md.contains(heading), "{heading} missing");
    }
    assert!(md.contains("| Email addresses |"));
    assert!(md.contains("Grace Okafor"));
    assert!(md.contains("Chief Executive Officer & Co-Founder"));
    // Three sites' pages in one report: the name and legal name are the
    // ones most pages attest (the German site's, from its JSON-LD and the
    // copyright line of every page); the English site heads the report.
    assert!(md.contains("**Musterwerk GmbH**"));
    assert!(md.contains("Northwind Robotics"));
    // Every footnote reference has a definition, and vice versa.
    let refs: std::collections::BTreeSet<&str> = md
        .match_indices("[^")
        .map(|(i, _)| {
            let end = md[i..].find(']').map(|e| i + e).unwrap_or(i);
            &md[i + 2..end]
        })
        .collect();
    assert!(!refs.is_empty());
    for r in &refs {
        assert!(
            md.contains(&format!("[^{r}]: <https://")),
            "footnote {r} undefined"
        );
    }
}

#[test]
fn sections_for_an_empty_scan_say_so() {
    let e = Entities::default();
    let people = analyze_section(AnalysisSection::People, &e);
    assert!(people.body.contains("No people"));
    let legal = analyze_section(AnalysisSection::Legal, &e);
    assert!(legal.body.contains("No VAT"));
    let md = Report::build(&meta(), &e, &[people, legal]).to_markdown();
    assert!(md.contains("| People | 0 |"));
}

/// A team page whose text is written to break out of the report's
/// Markdown: the people are still there, as text, and nothing renders as
/// a link, an image or HTML; a mailto smuggling a header names nobody.
#[test]
fn hostile_page_text_is_inert_in_the_markdown() {
    let html = crate::page_builder::company_page(
        "en",
        "Team",
        r#"<h2>Our team</h2>
        <div><h3>Jane Doe</h3><p>CEO [click](javascript:alert(1)) &lt;img src=x onerror=alert(1)&gt;</p></div>
        <div><h3>John Roe</h3><p>Head of *Sales* | `rm -rf`</p></div>
        <p><a href="mailto:a%0d%0aBcc:x@evil.example">mail</a></p>"#,
    );
    let page = extractor("https://acme.example/", "Acme").extract(&page_from_html(
        "https://acme.example/team/",
        1,
        &html,
        &[],
    ));
    let e = merge([page]);
    let md = report_of(&e).to_markdown();
    assert!(
        md.contains("| Jane Doe | CEO \\[click\\](javascript:alert(1)) \\<img"),
        "{md}"
    );
    assert!(md.contains("Head of \\*Sales\\* \\| \\`rm -rf\\`"), "{md}");
    // Each such character of the page's text is escaped where it stands.
    for raw in ["<img", "[click", "](javascript", "*Sales", "Sales*", "`rm"] {
        for (at, _) in md.match_indices(raw) {
            assert!(md[..at].ends_with('\\'), "{raw} unescaped in {md}");
        }
    }
    assert!(!md.contains("evil.example"), "{md}");
}

#[test]
fn a_title_in_two_cases_is_one_title_whichever_page_comes_first() {
    let page = |url: &str, title: &str| PageEntities {
        url: url.to_string(),
        people: vec![cira_crawler::extract::Person {
            name: "Petr Novák".to_string(),
            title: title.to_string(),
        }],
        ..PageEntities::default()
    };
    let imprint = page("https://novak.example/kontakt", "Jednatel");
    let team = page("https://novak.example/o-nas", "jednatel");
    let other = page("https://novak.example/", "Vedoucí výroby");
    for order in [
        vec![imprint.clone(), team.clone(), other.clone()],
        vec![team.clone(), other.clone(), imprint.clone()],
    ] {
        let e = merge(order);
        let person = e.people.values().next().expect("one person");
        let titles: Vec<&str> = person.titles.iter().map(String::as_str).collect();
        assert_eq!(titles, ["Jednatel", "Vedoucí výroby"]);
    }
}
