//! Legal identifiers: VAT IDs (labelled, checksummed), register numbers.

use crate::support;

use support::*;

fn ids(
    e: &cira_crawler::extract::Entities,
) -> Vec<(String, Option<String>, String, Option<String>)> {
    e.legal
        .values()
        .map(|l| {
            (
                l.id.kind.clone(),
                l.id.scheme.clone(),
                l.id.value.clone(),
                l.id.country.clone(),
            )
        })
        .collect()
}

fn s(v: &str) -> String {
    v.to_string()
}

#[test]
fn german_imprint() {
    let e = merged(DE_SEED, DE_SITE);
    assert_eq!(
        ids(&e),
        vec![
            (
                s("registration"),
                Some(s("handelsregister")),
                s("HRB 123456"),
                Some(s("DE"))
            ),
            (s("vat"), None, s("DE812345673"), Some(s("DE"))),
        ],
        "the labelled VAT ID with a wrong check digit (DE 812 345 674) is dropped"
    );
    let hrb = &e.legal["registration:HRB 123456"];
    assert_eq!(
        hrb.authorities.iter().collect::<Vec<_>>(),
        vec!["Amtsgericht München"]
    );
}

#[test]
fn uk_legal_notice() {
    let e = merged(EN_SEED, EN_SITE);
    assert_eq!(
        ids(&e),
        vec![
            (
                s("registration"),
                Some(s("companies-house")),
                s("08123456"),
                Some(s("GB"))
            ),
            (s("vat"), None, s("GB123456782"), Some(s("GB"))),
        ],
        "the unlabelled part number GB 999 9999 99 is not a VAT ID"
    );
}

#[test]
fn french_mentions_legales() {
    let e = merged(FR_SEED, FR_SITE);
    assert_eq!(
        ids(&e),
        vec![
            (
                s("registration"),
                Some(s("siren")),
                s("812345676"),
                Some(s("FR"))
            ),
            (
                s("registration"),
                Some(s("siret")),
                s("81234567600017"),
                Some(s("FR"))
            ),
            (s("vat"), None, s("FR19812345676"), Some(s("FR"))),
        ],
        "order n° 2024-000123 and the share capital are not identifiers"
    );
    assert!(
        e.legal["registration:812345676"]
            .authorities
            .contains("RCS Paris")
    );
}

#[test]
fn other_schemes_and_structured_vat() {
    let html = r#"<html><head><script type="application/ld+json">
        {"@type":"Organization","name":"Acme AG","vatID":"CHE-111.222.333 MWST"}
        </script></head><body>
        <p>UID: CHE-123.456.788</p>
        <p>KvK-nummer: 12345678</p>
        <p>Firmenbuch: FN 123456a, Handelsgericht Wien</p>
        <p>BTW: NL123456789B01</p>
        <p>SIREN 123 456 789 (invalid Luhn)</p>
        <p>Artikel HRB-Adapter 2000</p>
        </body></html>"#;
    let page = page_from_html("https://acme.com/legal", 1, html, &[]);
    let got: Vec<(String, String)> = extractor("https://acme.com/", "Acme")
        .extract(&page)
        .legal
        .into_iter()
        .map(|l| (l.scheme.unwrap_or_else(|| l.kind.clone()), l.value))
        .collect();
    assert_eq!(
        got,
        vec![
            (s("firmenbuch"), s("FN 123456a")),
            (s("kvk"), s("12345678")),
            (s("uid"), s("CHE-123.456.788")),
            (s("vat"), s("NL123456789B01")),
        ],
        "CHE-111.222.333 fails the UID checksum; the SIREN fails Luhn"
    );
}
