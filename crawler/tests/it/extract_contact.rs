//! Emails, phone numbers and postal addresses: what must be found on the
//! fixture sites, and the bait that must not be.

use crate::page_builder;
use crate::support;

use cira_crawler::extract::PhoneKind;
use support::*;

type AddressParts<'a> = (
    Option<&'a str>,
    Option<&'a str>,
    Option<&'a str>,
    Option<&'a str>,
);

fn emails(seed: &str, site: &[SitePage], file: &str) -> Vec<String> {
    extract_one(seed, site, file).emails
}

#[test]
fn emails_plain_mailto_obfuscated_and_structured() {
    assert_eq!(
        emails(EN_SEED, EN_SITE, "en/contact.html"),
        vec![
            "press@northwind-robotics.com",
            "sales@northwind-robotics.com"
        ],
        "mailto (lower-cased, query dropped) and `[at] … [dot]` obfuscation"
    );
    assert_eq!(
        emails(EN_SEED, EN_SITE, "en/index.html"),
        vec!["hello@northwind-robotics.com"],
        "JSON-LD email only"
    );
    assert_eq!(
        emails(DE_SEED, DE_SITE, "de/impressum.html"),
        vec!["info@musterwerk.de"],
        "`(at) … (punkt)` obfuscation"
    );
    assert_eq!(
        emails(FR_SEED, FR_SITE, "fr/mentions-legales.html"),
        vec!["contact@atelier-lumiere.fr"]
    );
}

/// Cloudflare's email obfuscation: hex bytes, the first XOR-ed into the rest.
fn cloudflare_hex(email: &str, key: u8) -> String {
    std::iter::once(key)
        .chain(email.bytes().map(|b| b ^ key))
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn emails_behind_cloudflare_obfuscation() {
    let html = format!(
        r#"<html><body>
        <p>Sales: <a href="/cdn-cgi/l/email-protection" class="__cf_email__" data-cfemail="{}">[email&#160;protected]</a></p>
        <p>Jobs: <a href="/cdn-cgi/l/email-protection#{}">write to us</a></p>
        <p>Broken: <span class="__cf_email__" data-cfemail="zz">[email&#160;protected]</span></p>
        </body></html>"#,
        cloudflare_hex("sales@acme-industries.example", 0x5a),
        cloudflare_hex("jobs@acme-industries.example", 0x17),
    );
    let page = page_from_html("https://acme-industries.example/contact", 1, &html, &[]);
    let found = extractor("https://acme-industries.example/", "Acme").extract(&page);
    assert_eq!(
        found.emails,
        vec![
            "jobs@acme-industries.example",
            "sales@acme-industries.example"
        ],
        "both Cloudflare forms decode; the placeholder text and broken hex give nothing"
    );
}

#[test]
fn emails_spelled_out_in_words() {
    let html = r#"<html><body>
        <p>Fragen? Schreiben Sie an kontakt at acme-werk dot de oder an
        anna.becker at acme-werk dot de.</p>
        <p>Our parent: info AT acme-holding DOT co DOT uk</p>
        <p>Find us at acme-werk dot de. Those were the days of the dot com boom,
        when money at the dot com companies flowed.</p>
        <p>Partner: sales at other-firm dot com</p>
        </body></html>"#;
    let page = page_from_html("https://www.acme-werk.de/kontakt", 1, html, &[]);
    let found = extractor("https://www.acme-werk.de/", "Acme Werk").extract(&page);
    assert_eq!(
        found.emails,
        vec![
            "anna.becker@acme-werk.de",
            "info@acme-holding.co.uk",
            "kontakt@acme-werk.de",
        ],
        "the site's own domain with a mailbox name, or AT/DOT in capitals; \
         never prose or a lower-case address on another domain"
    );
}

#[test]
fn emails_never_from_comments_scripts_images_or_placeholders() {
    let all: Vec<String> = [(EN_SEED, EN_SITE), (DE_SEED, DE_SITE), (FR_SEED, FR_SITE)]
        .into_iter()
        .flat_map(|(seed, site)| extract_site(seed, site))
        .flat_map(|p| p.emails)
        .collect();
    for bad in [
        "legacy-sales@northwind-robotics.com", // HTML comment
        "vertrieb-alt@musterwerk.de",          // HTML comment
        "help@northwind-robotics.com",         // inside a <script>
        "logo@2x.png",                         // retina image name
        "name@example.com",                    // placeholder
    ] {
        assert!(
            !all.iter().any(|e| e == bad),
            "{bad} must not be found: {all:?}"
        );
    }
    assert!(all.iter().all(|e| e == &e.to_lowercase()));
}

#[test]
fn emails_on_the_companys_own_domain_count_even_when_it_looks_like_a_placeholder() {
    // company.com, test.com and sentry.io are real companies' domains.
    for (seed, address) in [
        ("https://www.company.com/", "info@company.com"),
        ("https://test.com/", "sales@test.com"),
        ("https://sentry.io/", "privacy@sentry.io"),
        ("https://www.email.com/", "press@eu.email.com"),
    ] {
        let html = format!(
            "<html><body><p>Contact: {address}</p><p>Template: name@example.com</p></body></html>"
        );
        let url = format!("{seed}imprint");
        let page = page_from_html(&url, 1, &html, &[]);
        let got = extractor(seed, "Acme").extract(&page).emails;
        assert_eq!(got, vec![address.to_string()], "{seed}");
    }
    // On another site the same addresses are placeholders.
    let html = "<p>Contact: info@company.com or ops@sentry.io</p>";
    let page = page_from_html("https://acme.de/kontakt", 1, html, &[]);
    assert!(
        extractor("https://acme.de/", "Acme")
            .extract(&page)
            .emails
            .is_empty()
    );
}

#[test]
fn emails_glued_to_their_label() {
    let html = "<html><body><p>E-Mail:info@musterwerk.de</p><p>Mail:presse@musterwerk.de \
        Courriel:contact@musterwerk.de</p>\
        <p>https://user:secret@ftp.musterwerk.de/files</p></body></html>";
    let page = page_from_html("https://www.musterwerk.de/impressum", 1, html, &[]);
    let got = extractor(DE_SEED, "Musterwerk").extract(&page).emails;
    assert_eq!(
        got,
        vec![
            "contact@musterwerk.de",
            "info@musterwerk.de",
            "presse@musterwerk.de"
        ],
        "a URL's user part is not an address"
    );
}

#[test]
fn report_says_which_emails_are_on_the_companys_own_domain() {
    use cira_crawler::extract::Entities;
    use cira_crawler::report::{Report, ReportMeta};
    let html = "<p>E-Mail: info@musterwerk.de, jobs@karriere.musterwerk.de</p>\
        <p>Webdesign: hallo@agentur-pixel.de</p>";
    let page = page_from_html("https://www.musterwerk.de/impressum", 1, html, &[]);
    let mut e = Entities::default();
    e.merge_page(extractor(DE_SEED, "Musterwerk").extract(&page));
    let meta = ReportMeta {
        company: "Musterwerk".into(),
        url: DE_SEED.into(),
        scan_version: 1,
        pages_crawled: 1,
        skipped_urls: Default::default(),
        external_links: vec![],
        documents: vec![],
        pages_without_links: 0,
        pages_nofollow: 0,
        links_dropped: 0,
        queue_dropped: 0,
        crawl_delays_capped: Default::default(),
        stopped_with_queued: None,
        started_at: None,
        finished_at: None,
    };
    let json: serde_json::Value =
        serde_json::from_str(&Report::build(&meta, &e, &[]).to_json()).unwrap();
    let got: Vec<(String, bool)> = json["entities"]["emails"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["value"].as_str().unwrap().to_string(),
                e["ownDomain"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("hallo@agentur-pixel.de".to_string(), false),
            ("info@musterwerk.de".to_string(), true),
            ("jobs@karriere.musterwerk.de".to_string(), true),
        ]
    );
}

#[test]
fn phones_normalised_to_e164_with_fax_told_apart() {
    let en = extract_one(EN_SEED, EN_SITE, "en/contact.html").phones;
    let got: Vec<(&str, PhoneKind)> = en.iter().map(|p| (p.value.as_str(), p.kind)).collect();
    assert_eq!(
        got,
        vec![
            ("+14155550132", PhoneKind::Phone),
            ("+442079460958", PhoneKind::Phone),
            ("+442079460959", PhoneKind::Fax),
        ]
    );
    // National numbers need the region: .de ccTLD, lang=fr.
    let de = extract_one(DE_SEED, DE_SITE, "de/impressum.html").phones;
    let got: Vec<(&str, PhoneKind)> = de.iter().map(|p| (p.value.as_str(), p.kind)).collect();
    assert_eq!(
        got,
        vec![
            ("+498921543300", PhoneKind::Phone),
            ("+498921543301", PhoneKind::Fax)
        ],
        "+49 (0)89 … and Telefax"
    );
    let fr = extract_one(FR_SEED, FR_SITE, "fr/mentions-legales.html").phones;
    let got: Vec<&str> = fr.iter().map(|p| p.value.as_str()).collect();
    assert_eq!(got, vec!["+33142685300", "+33142685301"]);
    // Microdata telephone on the German home page, national format.
    let home = extract_one(DE_SEED, DE_SITE, "de/index.html").phones;
    assert_eq!(
        home.iter().map(|p| p.value.as_str()).collect::<Vec<_>>(),
        vec!["+498921543300"]
    );
}

#[test]
fn phones_are_not_years_dates_orders_skus_prices_or_versions() {
    // Every fixture is full of digit runs; only the labelled numbers above
    // may come out.
    let allowed = [
        "+14155550132",
        "+442079460958",
        "+442079460959",
        "+498921543300",
        "+498921543301",
        "+33142685300",
        "+33142685301",
        // "Durchwahl: 089 2154 3310" in the German team table: a labelled
        // direct line, a phone and no bait.
        "+498921543310",
    ];
    for (seed, site) in [(EN_SEED, EN_SITE), (DE_SEED, DE_SITE), (FR_SEED, FR_SITE)] {
        for p in extract_site(seed, site) {
            for phone in &p.phones {
                assert!(
                    allowed.contains(&phone.value.as_str()),
                    "{} found on {} is bait",
                    phone.value,
                    p.url
                );
            }
        }
    }
    // Direct bait on one page with a German region hint.
    let html = "<html lang=de><body><p>Bestellnummer: 4711-0815-2024</p><p>SKU 123-456-7890</p>\
                <p>© 2009–2024</p><p>Preis: 1.299,00 €</p><p>Version 10.4.2.1234</p>\
                <p>80802 München</p><p>Datum 12.03.2024</p><p>Rechnung 2024/0012345</p>\
                <p>Öffnungszeiten 08:00-18:00</p><p>Tel.: 12.03.2024 - 15.03.2024</p></body></html>";
    let page = page_from_html("https://www.musterwerk.de/bait", 1, html, &[]);
    let got = extractor(DE_SEED, "Musterwerk").extract(&page).phones;
    assert!(got.is_empty(), "{got:?}");
}

#[test]
fn phone_without_region_hint_needs_international_form() {
    // A .com site without lang: "030 1234567" cannot be placed, so it is
    // dropped rather than guessed.
    let html = "<html><body><p>Phone: 030 12345678</p><p>Phone: +49 30 12345678</p></body></html>";
    let page = page_from_html("https://acme.com/contact", 1, html, &[]);
    let got = extractor("https://acme.com/", "Acme").extract(&page);
    assert_eq!(
        got.phones
            .iter()
            .map(|p| p.value.as_str())
            .collect::<Vec<_>>(),
        vec!["+493012345678"]
    );
    // Kept as written, for the site's country to place after the crawl.
    assert_eq!(
        got.unplaced_phones
            .iter()
            .map(|p| p.value.as_str())
            .collect::<Vec<_>>(),
        vec!["030 12345678"]
    );
}

fn phones_on(seed: &str, url: &str, html: &str) -> Vec<(String, PhoneKind)> {
    let page = page_from_html(url, 1, html, &[]);
    let mut got: Vec<(String, PhoneKind)> = extractor(seed, "Acme")
        .extract(&page)
        .phones
        .into_iter()
        .map(|p| (p.value, p.kind))
        .collect();
    got.sort();
    got
}

fn want(list: &[(&str, PhoneKind)]) -> Vec<(String, PhoneKind)> {
    let mut v: Vec<(String, PhoneKind)> = list.iter().map(|(n, k)| (n.to_string(), *k)).collect();
    v.sort();
    v
}

#[test]
fn phone_labels_of_switchboards_hotlines_and_short_forms() {
    use PhoneKind::{Fax, Phone};
    for (line, expected) in [
        ("Main: 030 1234567", vec![("+49301234567", Phone)]),
        ("Main line: 030 1234567", vec![("+49301234567", Phone)]),
        ("Zentrale 030 1234567", vec![("+49301234567", Phone)]),
        ("Zentrale: 030 1234567", vec![("+49301234567", Phone)]),
        (
            "Telefonzentrale: 030 1234567",
            vec![("+49301234567", Phone)],
        ),
        ("Switchboard 030 1234567", vec![("+49301234567", Phone)]),
        ("Switchboard: +49 30 1234567", vec![("+49301234567", Phone)]),
        ("Toll-free: 0800 1234567", vec![("+498001234567", Phone)]),
        ("Toll free 0800 1234567", vec![("+498001234567", Phone)]),
        ("Freephone 0800 1234567", vec![("+498001234567", Phone)]),
        ("Standard : 030 1234567", vec![("+49301234567", Phone)]),
        ("P: 030 1234567", vec![("+49301234567", Phone)]),
        ("Ph. 030 1234567", vec![("+49301234567", Phone)]),
        ("T: 030 1234567", vec![("+49301234567", Phone)]),
        ("T. 030 1234567", vec![("+49301234567", Phone)]),
        ("T 030 1234567", vec![("+49301234567", Phone)]),
        ("M: 0151 23456789", vec![("+4915123456789", Phone)]),
        (
            "T: 030 1234567 F: 030 1234568",
            vec![("+49301234567", Phone), ("+49301234568", Fax)],
        ),
        (
            "T 030 1234567 | Fax 030 1234568",
            vec![("+49301234567", Phone), ("+49301234568", Fax)],
        ),
        ("Phone/Fax: 030 1234567", vec![("+49301234567", Phone)]),
        ("Tel. & Fax 030 1234567", vec![("+49301234567", Phone)]),
        (
            "Telefon/Telefax: 030 1234567",
            vec![("+49301234567", Phone)],
        ),
        ("Telefax: 030 1234568", vec![("+49301234568", Fax)]),
        ("Durchwahl: 030 1234567", vec![("+49301234567", Phone)]),
        ("Rufnummer 030 1234567", vec![("+49301234567", Phone)]),
        ("Tél. : 030 1234567", vec![("+49301234567", Phone)]),
        (
            "Tel. 089 123456-0, Fax -99",
            vec![("+49891234560", Phone), ("+498912345699", Fax)],
        ),
        (
            "Telefon: +49 (0)711 / 12 34 56-0 · Telefax: -99 · Durchwahl -12",
            vec![
                ("+497111234560", Phone),
                ("+4971112345699", Fax),
                ("+4971112345612", Phone),
            ],
        ),
        ("Support: 030 1234567", vec![("+49301234567", Phone)]),
        ("Sales: 030 1234567", vec![("+49301234567", Phone)]),
        ("Kundenservice: 030 1234567", vec![("+49301234567", Phone)]),
        (
            "Customer service: 030 1234567",
            vec![("+49301234567", Phone)],
        ),
    ] {
        let html = format!("<p>{line}</p>");
        assert_eq!(
            phones_on("https://acme.de/", "https://acme.de/kontakt", &html),
            want(&expected),
            "{line}"
        );
    }
    // Ordinary words without a colon are no label, and a national number
    // without a label is not taken.
    for line in [
        "Standard 030 1234567 pieces",
        "Frankfurt am Main 030 1234567",
        "Main Street 030 1234567",
        "Step 030 1234567",
        "Office hours 030 1234567",
        "Item 030 1234567",
        "Ref. P 030 1234567",
        "Support 030 1234567 tickets",
        "Sales 2024 1234567",
    ] {
        let html = format!("<p>{line}</p>");
        assert_eq!(
            phones_on("https://acme.de/", "https://acme.de/kontakt", &html),
            vec![],
            "{line}"
        );
    }
}

#[test]
fn labelled_french_numbers_on_french_and_generic_domains() {
    use PhoneKind::{Fax, Phone};
    let main = r#"<h1>Nous contacter</h1>
        <p>Atelier Lumière SAS</p><p>12 rue de la Paix</p>
        <p>Tél. : 01 42 68 53 00 – Fax : 01 42 68 53 01</p>
        <p>Téléphone : 01 42 68 53 02</p>
        <p>Standard : 01 42 68 53 03</p>
        <p>Numéro vert 0 800 123 456</p>
        <p>Portable : 06 12 34 56 78</p>
        <p>Commande n° 2024-0012345 du 12/03/2024, total 1 299,00 €</p>"#;
    let expected = want(&[
        ("+33142685300", Phone),
        ("+33142685301", Fax),
        ("+33142685302", Phone),
        ("+33142685303", Phone),
        ("+33612345678", Phone),
        ("+33800123456", Phone),
    ]);
    let html = page_builder::company_page("fr", "Contact – Atelier Lumière", main);
    assert!(html.len() > 20_000, "{} bytes", html.len());
    // A .fr site: the ccTLD places national numbers.
    assert_eq!(
        phones_on(
            "https://www.atelier-lumiere.fr/",
            "https://www.atelier-lumiere.fr/contact",
            &html
        ),
        expected
    );
    // A .com site in French: the language's main country.
    assert_eq!(
        phones_on(
            "https://www.atelier-lumiere.com/",
            "https://www.atelier-lumiere.com/contact",
            &html
        ),
        expected
    );
}

#[test]
fn english_without_a_region_is_not_the_us() {
    use PhoneKind::Phone;
    let page = |main: &str| page_builder::company_page("en", "Contact", main);
    // A .com site in English with a London number and no address: a trunk
    // prefix 0 rules out the US, and of the English-speaking countries only
    // GB has the number.
    assert_eq!(
        phones_on(
            "https://acme.com/",
            "https://acme.com/contact",
            &page("<p>Phone: 020 7946 0958</p>")
        ),
        want(&[("+442079460958", Phone)])
    );
    // A US-shaped number is read in the US (and Canada, the same plan).
    assert_eq!(
        phones_on(
            "https://acme.com/",
            "https://acme.com/contact",
            &page("<p>Phone: (415) 555-2671</p>")
        ),
        want(&[("+14155552671", Phone)])
    );
    // The ccTLD comes first ...
    assert_eq!(
        phones_on(
            "https://acme.de/",
            "https://acme.de/en/contact",
            &page("<p>Phone: 030 12345678</p>")
        ),
        want(&[("+493012345678", Phone)])
    );
    // ... then the country of an address on the page.
    assert_eq!(
        phones_on(
            "https://acme.com/",
            "https://acme.com/contact",
            &page(
                "<p>Acme GmbH</p><p>Leopoldstraße 28a</p><p>80802 München</p>\
                 <p>Germany</p><p>Phone: 089 2345 6789</p>"
            )
        ),
        want(&[("+498923456789", Phone)])
    );
    // A Dublin number: not valid in the US or GB, and in Ireland alone of
    // the other English-speaking countries.
    assert_eq!(
        phones_on(
            "https://acme.com/",
            "https://acme.com/contact",
            &page("<p>Phone: 01 234 5678</p>")
        ),
        want(&[("+35312345678", Phone)])
    );
    // Valid in several of them as different numbers (IE, AU, ZA): dropped
    // rather than guessed.
    assert_eq!(
        phones_on(
            "https://acme.com/",
            "https://acme.com/contact",
            &page("<p>Mobile: 0412 345 678</p>")
        ),
        vec![]
    );
}

#[test]
fn bait_on_a_full_company_page_is_not_a_phone() {
    // A 20+ KB product page: prices, SKUs, EANs, order and ticket numbers,
    // dates and date ranges, versions, a phone in a script, a comment and a
    // JSON blob; one real number in the footer.
    let html = page_builder::company_page(
        "de",
        "Produkte – Musterwerk",
        "<h1>Produkte</h1><p>Bestellnummer: 4711-0815-2024</p>\
         <p>Tel.: 12.03.2024 - 15.03.2024</p><p>Hotline: Mo-Fr 08:00-18:00</p>\
         <p>Version 10.4.2.1234, Build 2024.03.12</p><p>80802 München</p>\
         <p>Kontakt: Telefon +49 89 2154 3300</p>",
    );
    assert!(html.len() > 20_000);
    assert_eq!(
        phones_on(DE_SEED, "https://www.musterwerk.de/produkte", &html),
        want(&[("+498921543300", PhoneKind::Phone)])
    );
}

#[test]
fn addresses_from_text_and_structured_data() {
    let contact = extract_one(EN_SEED, EN_SITE, "en/contact.html").addresses;
    let lines: Vec<AddressParts> = contact
        .iter()
        .map(|a| {
            (
                a.street.as_deref(),
                a.postal_code.as_deref(),
                a.locality.as_deref(),
                a.country.as_deref(),
            )
        })
        .collect();
    assert!(
        lines.contains(&(
            Some("10 Canal Wharf"),
            Some("EC1A 1BB"),
            Some("London"),
            Some("GB")
        )),
        "{lines:?}"
    );
    assert!(
        lines.contains(&(
            // The suite between street and city stays with the street.
            Some("500 Harbor Boulevard, Suite 210"),
            Some("94107"),
            Some("San Francisco"),
            Some("US")
        )),
        "{lines:?}"
    );
    assert_eq!(contact.len(), 2);

    let de = merged(DE_SEED, DE_SITE);
    // "Leopoldstraße 28a" (microdata) and "Leopoldstr. 28a" (imprint) merge.
    assert_eq!(de.addresses.len(), 1, "{:?}", de.addresses);
    let a = &de.addresses.values().next().expect("one address").address;
    assert_eq!(a.postal_code.as_deref(), Some("80802"));
    assert_eq!(a.locality.as_deref(), Some("München"));
    assert_eq!(a.country.as_deref(), Some("DE"));

    let fr = extract_one(FR_SEED, FR_SITE, "fr/mentions-legales.html").addresses;
    assert_eq!(fr.len(), 1);
    assert_eq!(fr[0].street.as_deref(), Some("12 rue de la Paix"));
    assert_eq!(fr[0].country.as_deref(), Some("FR"));
}

#[test]
fn addresses_are_not_years_prices_or_order_lines() {
    let html = "<html lang=de><body><p>Seit 1987</p><p>2019 Annual Report</p>\
                <p>Katalog 2023</p><p>1299 Euro Paket</p><p>Bestellung 4711</p>\
                <p>10115 Berlin</p></body></html>";
    let page = page_from_html("https://www.musterwerk.de/news", 1, html, &[]);
    let got = extractor(DE_SEED, "Musterwerk").extract(&page).addresses;
    assert!(
        got.is_empty(),
        "a postcode line without a street is not an address: {got:?}"
    );
}

#[test]
fn czech_and_slovak_addresses_with_no_street_kind() {
    let parts = |seed: &str, url: &str, html: &str| -> Vec<(String, String, String, String)> {
        let page = page_from_html(url, 1, html, &[]);
        let mut got: Vec<_> = extractor(seed, "Strojírny Novák")
            .extract(&page)
            .addresses
            .into_iter()
            .map(|a| {
                let s = |v: Option<String>| v.unwrap_or_default();
                (s(a.street), s(a.postal_code), s(a.locality), s(a.country))
            })
            .collect();
        got.sort();
        got
    };
    let owned = |v: [&str; 4]| v.map(str::to_string).into();
    // A .com site in Czech: the language tells a town no list knows; the
    // footer repeats the seat; prices and phone numbers are no addresses.
    let html = "<html lang=cs><body><h1>Kontakt</h1>\
        <p>Sídlo společnosti:</p><p>Vinohradská 1511/230</p><p>100 00 Praha 10</p>\
        <p>Provozovna: Husova 5, 530 02 Lhotka</p>\
        <p>Tel. 267 123 456</p><p>Model 300, 120 00 Kč</p>\
        <footer><p>Strojírny Novák s.r.o., Vinohradská 1511/230, 100 00 Praha 10</p></footer>\
        </body></html>";
    assert_eq!(
        parts(
            "https://www.strojirny-novak.com/",
            "https://www.strojirny-novak.com/kontakt",
            html
        ),
        vec![
            owned(["Husova 5", "530 02", "Lhotka", "CZ"]),
            owned(["Vinohradská 1511/230", "100 00", "Praha 10", "CZ"]),
        ]
    );
    // The same page in English on a .com site: only what the address says.
    let html = html.replace("lang=cs", "lang=en");
    assert_eq!(
        parts(
            "https://www.strojirny-novak.com/",
            "https://www.strojirny-novak.com/contact",
            &html
        ),
        vec![owned(["Vinohradská 1511/230", "100 00", "Praha 10", "CZ"])]
    );
    // A Slovak site.
    let html = "<html lang=sk><body><p>Novák Slovakia s.r.o.</p>\
        <p>Mlynské nivy 5, 821 09 Bratislava</p><p>Pobočka: Hlavná 25, 040 01 Košice</p>\
        </body></html>";
    assert_eq!(
        parts(
            "https://www.novak.sk/",
            "https://www.novak.sk/kontakt",
            html
        ),
        vec![
            owned(["Hlavná 25", "040 01", "Košice", "SK"]),
            owned(["Mlynské nivy 5", "821 09", "Bratislava", "SK"]),
        ]
    );
}

#[test]
fn obfuscated_emails_on_a_full_company_page() {
    let main = r#"<h1>Contact</h1>
        <p>General: info [at] acme-robotics [dot] com</p>
        <p>Sales: vertrieb(at)acme-robotics(punkt)com</p>
        <p>Support: support&#64;acme-robotics.com</p>
        <p>Press: press＠acme-robotics.com</p>
        <p>Jobs: jobs [at] acme-robotics [.] com</p>
        <p>Billing: billing [at] acme-robotics.com</p>
        <p>Privacy: privacy<span>@</span>acme-robotics<span>.</span>com</p>
        <p>UK office: london (at) acme-robotics (dot) co (dot) uk</p>
        <p>Write to HELLO AT ACME-ROBOTICS DOT COM</p>
        <p><a href="mailto:%6F%66%66%69%63%65@acme-robotics.com?subject=Hi&amp;body=x">Office</a></p>
        <p>Follow @acmerobotics. Logo: logo@2x.png. Template: name@example.com.
           Look at acme dot com for the dot com era. Meet us at booth 4 dot 1.</p>"#;
    let html = page_builder::company_page("en", "Contact – Acme Robotics", main);
    assert!(html.len() > 20_000);
    let page = page_from_html("https://acme-robotics.com/contact", 1, &html, &[]);
    let got = extractor("https://acme-robotics.com/", "Acme Robotics")
        .extract(&page)
        .emails;
    assert_eq!(
        got,
        vec![
            "billing@acme-robotics.com",
            "hello@acme-robotics.com",
            "info@acme-robotics.com",
            "jobs@acme-robotics.com",
            "london@acme-robotics.co.uk",
            "office@acme-robotics.com",
            "press@acme-robotics.com",
            "privacy@acme-robotics.com",
            "support@acme-robotics.com",
            "vertrieb@acme-robotics.com",
        ],
        "scripts, comments and JSON blobs of the page builder hold addresses too; none may come out"
    );
}
