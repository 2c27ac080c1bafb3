//! schema.org JSON-LD (objects, arrays, @graph, nesting) and microdata:
//! Organization, Person, Product, PostalAddress, sameAs.

use crate::support;

use support::*;

#[test]
fn json_ld_graph_organisation() {
    let p = extract_one(EN_SEED, EN_SITE, "en/index.html");
    for (k, v) in [
        ("name", "Northwind Robotics"),
        ("legalName", "Northwind Robotics Ltd"),
        ("foundingDate", "2015"),
        ("siteName", "Northwind Robotics"),
        ("language", "en"),
    ] {
        assert!(
            p.facts.contains(&(k.to_string(), v.to_string())),
            "{k}={v} missing: {:?}",
            p.facts
        );
    }
    // The WebSite node is not an organisation.
    assert_eq!(p.facts.iter().filter(|(k, _)| k == "name").count(), 1);
    assert_eq!(p.addresses.len(), 1);
    assert_eq!(p.addresses[0].street.as_deref(), Some("10 Canal Wharf"));
    assert_eq!(p.people.len(), 1);
    assert_eq!(
        (p.people[0].name.as_str(), p.people[0].title.as_str()),
        ("Grace Okafor", "Founder")
    );
    // sameAs entries became social profiles.
    assert!(
        p.social
            .iter()
            .any(|s| s.url == "https://github.com/northwind-robotics")
    );
}

#[test]
fn microdata_organisation_and_address() {
    let p = extract_one(DE_SEED, DE_SITE, "de/index.html");
    assert!(
        p.facts.contains(&("name".into(), "Musterwerk GmbH".into())),
        "{:?}",
        p.facts
    );
    assert!(
        p.facts
            .iter()
            .any(|(k, v)| k == "description" && v.contains("Präzisionsteile"))
    );
    let a = &p.addresses[0];
    assert_eq!(
        (
            a.street.as_deref(),
            a.postal_code.as_deref(),
            a.locality.as_deref(),
            a.country.as_deref()
        ),
        (
            Some("Leopoldstraße 28a"),
            Some("80802"),
            Some("München"),
            Some("DE")
        )
    );
    assert!(
        p.social
            .iter()
            .any(|s| s.url == "https://www.xing.com/pages/musterwerk-gmbh")
    );
}

#[test]
fn arrays_nesting_and_broken_json() {
    let html = r#"<html><head>
        <script type="application/ld+json">not json at all {</script>
        <script type="application/ld+json">
        [{"@context":"https://schema.org","@type":["Corporation"],"name":"Acme Inc.",
          "numberOfEmployees":{"@type":"QuantitativeValue","value":120},
          "employee":[{"@type":"Person","name":"Ada Lovelace","jobTitle":"Chief Scientist","email":"ada@acme.com"}],
          "contactPoint":{"@type":"ContactPoint","telephone":"+1-202-555-0143","contactType":"sales"},
          "vatID":"DE812345673"},
         {"@type":"NewsArticle","author":{"@type":"Person","name":"Guest Author"}}]
        </script></head><body></body></html>"#;
    let page = page_from_html("https://acme.com/", 0, html, &[]);
    let p = extractor("https://acme.com/", "Acme").extract(&page);
    assert!(
        p.facts
            .contains(&("numberOfEmployees".into(), "120".into())),
        "{:?}",
        p.facts
    );
    let people: Vec<(&str, &str)> = p
        .people
        .iter()
        .map(|x| (x.name.as_str(), x.title.as_str()))
        .collect();
    assert_eq!(
        people,
        vec![("Ada Lovelace", "Chief Scientist")],
        "article authors are not staff"
    );
    assert_eq!(p.emails, vec!["ada@acme.com"]);
    assert_eq!(
        p.phones
            .iter()
            .map(|x| x.value.as_str())
            .collect::<Vec<_>>(),
        vec!["+12025550143"]
    );
    assert_eq!(
        p.legal.iter().map(|x| x.value.as_str()).collect::<Vec<_>>(),
        vec!["DE812345673"]
    );
}
