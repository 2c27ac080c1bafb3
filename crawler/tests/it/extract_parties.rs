//! Other companies on the company's own pages: an imprint's web host and
//! agency, a privacy policy's processors. Their addresses, phones, register
//! numbers and legal names are not the company's.

use cira_crawler::extract::{PageEntities, PageKind};

use crate::page_builder::company_page;
use crate::support::*;

fn extract(url: &str, lang: &str, title: &str, main: &str) -> PageEntities {
    let html = company_page(lang, title, main);
    assert!(html.len() > 20_000, "{} bytes", html.len());
    let seed = format!("{}/", url.split('/').take(3).collect::<Vec<_>>().join("/"));
    extractor(&seed, "Acme").extract(&page_from_html(url, 1, &html, &[]))
}

fn streets(e: &PageEntities) -> Vec<String> {
    let mut v: Vec<String> = e
        .addresses
        .iter()
        .filter_map(|a| a.street.clone())
        .collect();
    v.sort();
    v
}

fn phones(e: &PageEntities) -> Vec<String> {
    let mut v: Vec<String> = e.phones.iter().map(|p| p.value.clone()).collect();
    v.sort();
    v
}

fn legal(e: &PageEntities) -> Vec<String> {
    let mut v: Vec<String> = e.legal.iter().map(|l| l.value.clone()).collect();
    v.sort();
    v
}

fn legal_names(e: &PageEntities) -> Vec<String> {
    e.facts
        .iter()
        .filter(|(k, _)| k == "legalName")
        .map(|(_, v)| v.clone())
        .collect()
}

#[test]
fn a_german_imprint_names_its_host_and_agency_apart() {
    let main = r#"<h1>Impressum</h1><h2>Angaben gemäß § 5 TMG</h2>
<p>Brandt &amp; Söhne Maschinenbau GmbH<br>Industriestraße 14<br>73430 Aalen</p>
<p>Handelsregister: HRB 500123<br>Registergericht: Amtsgericht Ulm</p>
<p><strong>Vertreten durch:</strong><br>Thomas Brandt</p>
<h2>Kontakt</h2><p>Telefon: +49 (0) 7361 5560-0<br>E-Mail: info@brandt-maschinenbau.de</p>
<h2>Umsatzsteuer-ID</h2><p>Umsatzsteuer-Identifikationsnummer gemäß § 27 a Umsatzsteuergesetz:<br>DE 812 345 673</p>
<h2>Hosting</h2><p>Dieser Webauftritt wird gehostet bei:<br>Hetzner Online GmbH<br>Industriestr. 25<br>91710 Gunzenhausen<br>Amtsgericht Ansbach, HRB 6089, USt-IdNr. DE 812871812</p>
<h2>Konzept &amp; Design</h2><p>Pixelfabrik Werbeagentur GmbH, Marktplatz 3, 73430 Aalen, Tel. 07361 99887-0</p>
<h2>Bildnachweis</h2><p>Fotos: Studio Lichtblick GmbH, Bahnhofstraße 2, 73430 Aalen</p>"#;
    let e = extract(
        "https://www.brandt-maschinenbau.de/impressum",
        "de",
        "Impressum",
        main,
    );
    assert_eq!(e.kind, PageKind::Imprint);
    assert_eq!(streets(&e), ["Industriestraße 14"]);
    assert_eq!(phones(&e), ["+49736155600"]);
    assert_eq!(legal(&e), ["DE812345673", "HRB 500123"]);
    assert!(
        !legal_names(&e).iter().any(|n| n.contains("Hetzner")),
        "{:?}",
        legal_names(&e)
    );
    // The agency's email stays, marked as not the company's own.
    assert!(e.emails.iter().any(|m| m == "info@brandt-maschinenbau.de"));
}

#[test]
fn a_french_imprint_hosted_by_another_company() {
    let main = r#"<h1>Mentions légales</h1><h2>Éditeur du site</h2>
<p>Le site est édité par la société Nuvalis SAS, société par actions simplifiée au capital de 150 000 €, immatriculée au Registre du Commerce et des Sociétés de Paris sous le numéro 812 345 676, dont le siège social est situé 12 rue de la Paix, 75002 Paris.</p>
<p>Téléphone : 01 42 68 53 00</p>
<p>Le site est hébergé par OVH SAS, 2 rue Kellermann, 59100 Roubaix, France. Téléphone : 09 72 10 10 07. RCS Lille Métropole 424 761 419.</p>"#;
    let e = extract(
        "https://www.nuvalis.fr/mentions-legales/",
        "fr",
        "Mentions légales",
        main,
    );
    assert_eq!(legal(&e), ["812345676"]);
    assert_eq!(phones(&e), ["+33142685300"]);
    assert!(
        !streets(&e).iter().any(|s| s.contains("Kellermann")),
        "{:?}",
        streets(&e)
    );
}

#[test]
fn a_privacy_policy_gives_only_its_controller() {
    let main = r#"<h1>Datenschutzerklärung</h1><h2>1. Verantwortliche Stelle</h2>
<p>Brandt &amp; Söhne Maschinenbau GmbH<br>Industriestraße 14<br>73430 Aalen<br>Telefon: 07361 5560-0</p>
<h2>2. Datenschutzbeauftragter</h2><p>Dr. Klaus Meier, DataSafe Consulting GmbH, Königstraße 1, 70173 Stuttgart</p>
<h2>3. Google Analytics</h2><p>Anbieter ist die Google Ireland Limited, Gordon House, Barrow Street, Dublin 4, Irland. Die Daten werden auch an Google LLC, 1600 Amphitheatre Parkway, Mountain View, CA 94043, USA übertragen.</p>
<h2>4. Newsletter</h2><p>Wir nutzen Brevo (Sendinblue GmbH, Köpenicker Straße 126, 10179 Berlin, Tel. +49 30 120 86 00).</p>
<h2>5. LinkedIn</h2><p>LinkedIn Ireland Unlimited Company, Wilton Place, Dublin 2, Irland; Tel. +353 1 555 1234</p>"#;
    for url in [
        "https://www.brandt-maschinenbau.de/datenschutz/",
        "https://www.brandt-maschinenbau.de/datenschutzerklaerung",
        "https://www.brandt-maschinenbau.de/privacy-policy",
        "https://www.brandt-maschinenbau.de/legal/cookie-richtlinie",
    ] {
        let e = extract(url, "de", "Datenschutzerklärung", main);
        assert_eq!(e.kind, PageKind::Privacy, "{url}");
        assert_eq!(streets(&e), ["Industriestraße 14"], "{url}");
        assert_eq!(phones(&e), ["+49736155600"], "{url}");
        // Not a page of people: the officer is not on the company's team.
        assert!(e.people.is_empty(), "{url}: {:?}", e.people);
    }
    // Found by its title when the path says nothing.
    let e = extract(
        "https://www.brandt-maschinenbau.de/seite-7",
        "de",
        "Datenschutz",
        main,
    );
    assert_eq!(e.kind, PageKind::Privacy);
    // A shop's cookies are not a cookie policy.
    let e = extract(
        "https://www.baeckerei.de/produkte/cookies",
        "de",
        "Unsere Cookies",
        "<h1>Cookies</h1><p>Hafer, Schoko, Nuss.</p>",
    );
    assert_ne!(e.kind, PageKind::Privacy);
}

#[test]
fn team_contact_and_imprint_pages_of_more_languages() {
    for (url, lang, title, kind) in [
        (
            "https://www.kovacs.hu/csapatunk",
            "hu",
            "Csapatunk",
            PageKind::Team,
        ),
        (
            "https://www.kovacs.hu/kapcsolat",
            "hu",
            "Kapcsolat",
            PageKind::Contact,
        ),
        (
            "https://www.kovacs.hu/impresszum",
            "hu",
            "Impresszum",
            PageKind::Imprint,
        ),
        (
            "https://www.popescu.ro/despre-noi",
            "ro",
            "Despre noi",
            PageKind::About,
        ),
        (
            "https://www.popescu.ro/echipa",
            "ro",
            "Echipa",
            PageKind::Team,
        ),
        (
            "https://www.yilmaz.com.tr/hakkimizda",
            "tr",
            "Hakkımızda",
            PageKind::About,
        ),
        (
            "https://www.yilmaz.com.tr/iletisim",
            "tr",
            "İletişim",
            PageKind::Contact,
        ),
        (
            "https://www.yilmaz.com.tr/kunye",
            "tr",
            "Künye",
            PageKind::Imprint,
        ),
        (
            "https://www.horvat.hr/o-nama",
            "hr",
            "O nama",
            PageKind::About,
        ),
        (
            "https://www.horvat.hr/uprava",
            "hr",
            "Uprava",
            PageKind::Team,
        ),
        (
            "https://www.acme.com.br/fale-conosco",
            "pt",
            "Fale conosco",
            PageKind::Contact,
        ),
        // By title when the path says nothing.
        (
            "https://www.acme.es/p/7",
            "es",
            "Aviso legal",
            PageKind::Imprint,
        ),
        (
            "https://www.acme.it/p/7",
            "it",
            "Contatti",
            PageKind::Contact,
        ),
    ] {
        let e = extract(url, lang, title, "<h1>x</h1><p>y</p>");
        assert_eq!(e.kind, kind, "{url}");
    }
    let e = extract(
        "https://www.yilmaz.com.tr/ekibimiz",
        "tr",
        "Ekibimiz",
        "<h1>Ekibimiz</h1><div><h3>Mehmet Yılmaz</h3><p>Genel Müdür</p></div>\
         <div><h3>Ayşe Demir</h3><p>Kurucu Ortak</p></div>",
    );
    let mut people: Vec<(String, String)> = e
        .people
        .iter()
        .map(|p| (p.name.clone(), p.title.clone()))
        .collect();
    people.sort();
    assert_eq!(
        people,
        [
            ("Ayşe Demir".to_string(), "Kurucu Ortak".to_string()),
            ("Mehmet Yılmaz".to_string(), "Genel Müdür".to_string()),
        ]
    );
}

#[test]
fn an_ico_is_slovak_on_a_slovak_site() {
    let country = |url: &str, lang: &str| -> Vec<Option<String>> {
        extract(url, lang, "Kontakt", "<h1>Kontakt</h1><p>IČO: 27074358</p>")
            .legal
            .iter()
            .filter(|l| l.scheme.as_deref() == Some("ico"))
            .map(|l| l.country.clone())
            .collect()
    };
    assert_eq!(
        country("https://www.novak.sk/kontakt", "sk"),
        [Some("SK".into())]
    );
    assert_eq!(
        country("https://www.novak.com/kontakt", "sk"),
        [Some("SK".into())]
    );
    assert_eq!(
        country("https://www.novak.cz/kontakt", "cs"),
        [Some("CZ".into())]
    );
}
