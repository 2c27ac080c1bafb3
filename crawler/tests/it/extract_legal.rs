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
                l.id.kind.to_string(),
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
        .map(|l| (l.scheme.unwrap_or_else(|| l.kind.to_string()), l.value))
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

/// Identifiers of one page as (type, scheme, value, authority).
fn page_ids(url: &str, html: &str) -> Vec<(String, String, String, Option<String>)> {
    let page = page_from_html(url, 1, html, &[]);
    let seed = format!("{}/", url.split('/').take(3).collect::<Vec<_>>().join("/"));
    extractor(&seed, "Acme")
        .extract(&page)
        .legal
        .into_iter()
        .map(|l| {
            (
                l.kind.to_string(),
                l.scheme.unwrap_or_default(),
                l.value,
                l.authority,
            )
        })
        .collect()
}

#[test]
fn german_register_court_abbreviated_and_numbered_label() {
    // The shapes of WordPress Impressum plugins and hand-written imprints.
    for (html, want_value, want_court) in [
        (
            "<p>Registergericht: AG München<br>Registernummer: HRB 123456</p>",
            "HRB 123456",
            "Amtsgericht München",
        ),
        (
            "<p>HRB-Nr.: 98765<br>Registergericht: AG Charlottenburg</p>",
            "HRB 98765",
            "Amtsgericht Charlottenburg",
        ),
        (
            "<p>Eingetragen im Handelsregister, HRB 4711 B, AG Charlottenburg</p>",
            "HRB 4711 B",
            "Amtsgericht Charlottenburg",
        ),
        (
            "<ul><li>AG Frankfurt am Main HRA 3344</li></ul>",
            "HRA 3344",
            "Amtsgericht Frankfurt am Main",
        ),
        (
            "<p>HRB Nr. 2233 (Amtsgericht Köln)</p>",
            "HRB 2233",
            "Amtsgericht Köln",
        ),
    ] {
        let got = page_ids("https://acme.de/impressum", html);
        assert_eq!(
            got,
            vec![(
                "registration".to_string(),
                "handelsregister".to_string(),
                want_value.to_string(),
                Some(want_court.to_string())
            )],
            "{html}"
        );
    }
    // A company form "AG" before a city is not a court; "HRB-Adapter" no number.
    let got = page_ids(
        "https://acme.de/impressum",
        "<p>Muster AG München</p><p>Artikel HRB-Adapter 2000</p><p>HRB 5566</p>",
    );
    assert_eq!(
        got,
        vec![(s("registration"), s("handelsregister"), s("HRB 5566"), None)]
    );
}

#[test]
fn dutch_trade_register_wordings() {
    for line in [
        "KvK-nummer: 87654321",
        "KvK 87654321",
        "Kamer van Koophandel (KvK): 87654321",
        "Acme B.V., ingeschreven bij de Kamer van Koophandel onder nummer 87654321.",
        "Acme B.V. is registered with the Dutch Chamber of Commerce (KvK) under number 87654321.",
        "KvK registration number 87654321",
        "K.v.K. nr. 87654321",
    ] {
        let got = page_ids(
            "https://acme.nl/colofon",
            &format!("<p>Acme B.V. {line}</p>"),
        );
        let kvk: Vec<_> = got
            .iter()
            .filter(|(_, scheme, ..)| scheme == "kvk")
            .map(|(_, _, v, _)| v.as_str())
            .collect();
        assert_eq!(kvk, vec!["87654321"], "{line}: {got:?}");
    }
    // Eight digits after other words are no register number.
    for line in [
        "KvK: zie onze website, telefoon 87654321",
        "Chamber of Commerce of Milan, number 87654321",
    ] {
        let got = page_ids("https://acme.nl/colofon", &format!("<p>{line}</p>"));
        assert!(
            got.iter().all(|(_, scheme, ..)| scheme != "kvk"),
            "{line}: {got:?}"
        );
    }
}

#[test]
fn uk_register_number_wordings() {
    for (line, want) in [
        ("Registered number: 08123456", "08123456"),
        ("Company Reg. No. 08123456", "08123456"),
        ("Company Reg No: SC123456", "SC123456"),
        ("Registration number 08123456", "08123456"),
        (
            "Registered in England and Wales. Registered number: 01234567. VAT No. GB123456782",
            "01234567",
        ),
        ("Registered Company No. 07654321", "07654321"),
    ] {
        let got = page_ids(
            "https://acme.co.uk/legal",
            &format!("<footer><p>Acme Ltd. {line}</p></footer>"),
        );
        let regs: Vec<_> = got
            .iter()
            .filter(|(k, ..)| k == "registration")
            .map(|(_, scheme, v, _)| (scheme.as_str(), v.as_str()))
            .collect();
        assert_eq!(regs, vec![("companies-house", want)], "{line}");
    }
    // Another register's number, or not the shape of a Companies House number.
    for line in [
        "VAT registration number 12345678",
        "Charity registration no. 12345678",
        "KvK registration number 12345678",
        "Registration number 1234567",
        "Registration number 123456789",
    ] {
        let got = page_ids(
            "https://acme.co.uk/legal",
            &format!("<p>Acme Ltd. {line}</p>"),
        );
        assert!(
            got.iter()
                .all(|(_, scheme, ..)| scheme != "companies-house"),
            "{line}: {got:?}"
        );
    }
}

#[test]
fn french_rcs_with_dots_and_prose() {
    for (html, want_authority) in [
        ("<p>R.C.S. Lyon 812 345 676</p>", "RCS Lyon"),
        ("<p>R.C.S. Paris B 812 345 676</p>", "RCS Paris"),
        (
            "<p>Société immatriculée au RCS de Paris sous le numéro 812 345 676</p>",
            "RCS Paris",
        ),
        (
            "<p>Nuvalis SAS, immatriculée au Registre du Commerce et des Sociétés de Paris sous le numéro 812 345 676.</p>",
            "RCS Paris",
        ),
        (
            "<p>Registre du commerce et des sociétés de Lyon n° 812 345 676</p>",
            "RCS Lyon",
        ),
    ] {
        let got = page_ids("https://acme.fr/mentions-legales", html);
        assert_eq!(
            got,
            vec![(
                s("registration"),
                s("siren"),
                s("812345676"),
                Some(s(want_authority))
            )],
            "{html}"
        );
    }
}

#[test]
fn us_employer_identification_number_is_a_tax_id() {
    for html in [
        "<p>Acme Inc. · EIN: 12-3456789</p>",
        "<p>Federal Tax ID: 12-3456789</p>",
        "<p>Employer Identification Number 123456789</p>",
        "<p>FEIN #12-3456789</p>",
    ] {
        let got = page_ids("https://acme.com/legal", html);
        assert_eq!(
            got,
            vec![(s("tax"), s("ein"), s("12-3456789"), None)],
            "{html}"
        );
    }
    for html in [
        // A prefix the IRS never assigns, a German "ein", a bare number.
        "<p>EIN: 07-1234567</p>",
        "<p>Das ist ein 12-3456789 Artikel</p>",
        "<p>Tax ID 123456789</p>",
    ] {
        assert!(
            page_ids("https://acme.com/legal", html).is_empty(),
            "{html}"
        );
    }
    // schema.org taxID in the EIN form.
    let html = r#"<script type="application/ld+json">{"@type":"Organization","name":"Acme","taxID":"12-3456789"}</script>"#;
    assert_eq!(
        page_ids("https://acme.com/", html),
        vec![(s("tax"), s("ein"), s("12-3456789"), None)]
    );
}

#[test]
fn legal_type_serialises_as_a_stable_word() {
    use cira_crawler::extract::{LegalId, LegalKind};
    for (kind, word) in [
        (LegalKind::Registration, "registration"),
        (LegalKind::Tax, "tax"),
        (LegalKind::Vat, "vat"),
    ] {
        let id = LegalId {
            kind,
            value: "x".into(),
            ..LegalId::default()
        };
        let json = serde_json::to_value(&id).unwrap();
        assert_eq!(json["type"], word);
        let back: LegalId = serde_json::from_value(json).unwrap();
        assert_eq!(back.kind, kind);
    }
}

/// (scheme, value) of the registrations and tax numbers on a page.
fn schemes(url: &str, html: &str) -> Vec<(String, String)> {
    let mut got: Vec<(String, String)> = page_ids(url, html)
        .into_iter()
        .filter(|(kind, ..)| kind != "vat")
        .map(|(_, scheme, value, _)| (scheme, value))
        .collect();
    got.sort();
    got
}

#[test]
fn register_numbers_of_other_countries_in_imprint_footers() {
    // Each country's footer on a full company page, with its usual wording.
    for (site, lang, footer, want) in [
        (
            "https://acme.be/",
            "nl",
            "<p>Acme NV · Ondernemingsnummer: 0403.717.562 · RPR Gent</p>",
            ("kbo", "0403.717.562"),
        ),
        (
            "https://acme.be/",
            "fr",
            "<p>Acme SA – BCE 0403 717 562</p>",
            ("kbo", "0403.717.562"),
        ),
        (
            "https://acme.dk/",
            "da",
            "<p>Acme ApS · CVR-nr.: 13 58 58 30 · København</p>",
            ("cvr", "13585830"),
        ),
        (
            "https://acme.se/",
            "sv",
            "<p>Acme AB | Org.nr 556123-4567 | Stockholm</p>",
            ("orgnr", "556123-4567"),
        ),
        (
            "https://acme.no/",
            "nb",
            "<p>Acme AS, Org. nr. 923 609 016 MVA</p>",
            ("orgnr", "923 609 016"),
        ),
        (
            "https://acme.fi/",
            "fi",
            "<p>Acme Oy, Y-tunnus: 1123456-6</p>",
            ("y-tunnus", "1123456-6"),
        ),
        (
            "https://acme.pl/",
            "pl",
            "<p>Acme Sp. z o.o., KRS: 0000123456, Sąd Rejonowy</p>",
            ("krs", "0000123456"),
        ),
        (
            "https://acme.pl/",
            "pl",
            "<p>NIP: 526-025-02-74</p>",
            ("nip", "5260250274"),
        ),
        (
            "https://acme.cz/",
            "cs",
            "<p>Acme s.r.o., IČO: 27082440, DIČ: CZ27082440</p>",
            ("ico", "27082440"),
        ),
        (
            "https://acme.it/",
            "it",
            "<p>Acme S.r.l. – P.IVA 00743110157 – REA MI-1234567</p>",
            ("rea", "MI-1234567"),
        ),
        (
            "https://acme.ie/",
            "en",
            "<p>Acme Ltd. Registered in Ireland No. 123456.</p>",
            ("cro", "123456"),
        ),
        (
            "https://acme.com.au/",
            "en",
            "<p>Acme Pty Ltd ABN 51 824 753 556</p>",
            ("abn", "51 824 753 556"),
        ),
        (
            "https://acme.com.au/",
            "en",
            "<p>Acme Pty Ltd (ACN 004 085 616)</p>",
            ("acn", "004 085 616"),
        ),
        (
            "https://acme.in/",
            "en",
            "<p>CIN: L17110MH1973PLC019786</p>",
            ("cin", "L17110MH1973PLC019786"),
        ),
        (
            "https://acme.in/",
            "en",
            "<p>GSTIN: 27AAPFU0939F1ZV</p>",
            ("gstin", "27AAPFU0939F1ZV"),
        ),
        (
            "https://acme.com/",
            "en",
            "<p>Acme India Pvt. Ltd. · GST No. 24AAACC1206D1ZM · All rights reserved</p>",
            ("gstin", "24AAACC1206D1ZM"),
        ),
        (
            "https://acme.sg/",
            "en",
            "<p>Acme Pte. Ltd. (UEN: 201912345K)</p>",
            ("uen", "201912345K"),
        ),
        (
            "https://acme.co.nz/",
            "en",
            "<p>Acme Limited, NZBN 9429041234563</p>",
            ("nzbn", "9429041234563"),
        ),
        (
            "https://acme.com.br/",
            "pt",
            "<p>Acme Ltda. CNPJ: 11.222.333/0001-81</p>",
            ("cnpj", "11.222.333/0001-81"),
        ),
        (
            "https://acme.lu/",
            "fr",
            "<p>Acme S.à r.l., R.C.S. Luxembourg B 123456</p>",
            ("rcs", "B123456"),
        ),
    ] {
        let html = crate::page_builder::company_page(lang, "Impressum", footer);
        let got = schemes(&format!("{site}legal"), &html);
        assert_eq!(
            got,
            vec![(want.0.to_string(), want.1.to_string())],
            "{footer}"
        );
    }
}

#[test]
fn register_labels_without_a_valid_number_are_not_ids() {
    // Wrong check digits, no label, or another word ending in the label's
    // letters: nothing.
    let main = "<p>Ondernemingsnummer: 0403.717.563</p><p>CVR 13585831</p>\
        <p>Org.nr 556123-4568</p><p>Y-tunnus: 1123456-7</p><p>NIP: 526-025-02-75</p>\
        <p>DIČ: 27082440</p><p>ABN 51 824 753 557</p><p>CNPJ 11.222.333/0001-82</p>\
        <p>Area 4711-0815, AREA MI-1234567, 0403.717.562 without a label, 13585830.</p>\
        <p>Engine speed 2000 rpm 0403717562</p>\
        <p>GSTIN: 27AAPFU0939F1ZW</p><p>NZBN 9429041234567</p><p>27AAPFU0939F1ZV GST extra</p>";
    let html = crate::page_builder::company_page("en", "Specs", main);
    let got = schemes("https://acme.eu/specs", &html);
    assert_eq!(got, vec![], "rpm is a unit, not the Belgian RPM");
}
