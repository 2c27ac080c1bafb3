//! People with job titles (cards, tables, heading + title lines, imprint
//! "Geschäftsführer:" lines, schema.org) and products/services.

use crate::support;

use support::*;

fn people_of(e: &cira_crawler::extract::Entities) -> Vec<(String, String)> {
    e.people
        .values()
        .map(|p| (p.name.clone(), p.best_title().to_string()))
        .collect()
}

#[test]
fn english_cards_tables_and_json_ld() {
    let e = merged(EN_SEED, EN_SITE);
    let got = people_of(&e);
    let want = [
        ("Amelia Hart", "Advisor, Supply Chain"),
        ("Grace Okafor", "Chief Executive Officer & Co-Founder"),
        ("Henrik Larsen", "Board Member"),
        ("Priya Raman", "Head of Operations"),
        ("Tomasz Nowak", "CTO"),
    ];
    assert_eq!(
        got,
        want.iter()
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .collect::<Vec<_>>()
    );
    // Grace is a JSON-LD founder, on the team page and on the legal page.
    let grace = &e.people["grace okafor"];
    assert!(grace.titles.contains("Founder"));
    // "Directors: Grace Okafor, Tomasz Nowak" names each a Director.
    assert!(grace.titles.contains("Director"));
    assert_eq!(grace.seen.pages, 3);
}

#[test]
fn english_bait_is_not_a_person() {
    let e = merged(EN_SEED, EN_SITE);
    for bad in [
        "our mission",
        "name role",
        "supply chain",
        "jonathan blake",
        "release 2024",
        "meet the team",
    ] {
        assert!(
            !e.people.contains_key(bad),
            "{bad} is not a person: {:?}",
            people_of(&e)
        );
    }
}

#[test]
fn german_imprint_and_team_table() {
    let e = merged(DE_SEED, DE_SITE);
    let got = people_of(&e);
    assert_eq!(
        got,
        vec![
            ("Anna Schmidt".to_string(), "Leiterin Vertrieb".to_string()),
            ("Erika Beispiel".to_string(), "Geschäftsführer".to_string()),
            ("Jonas Weber".to_string(), "CTO".to_string()),
            ("Lena Vogel".to_string(), "Prokuristin".to_string()),
            ("Max Mustermann".to_string(), "Geschäftsführer".to_string()),
        ],
        "Dr. is stripped; the 'Bestellung 2024' row is not a person"
    );
}

#[test]
fn french_list_and_publication_director() {
    let e = merged(FR_SEED, FR_SITE);
    let claire = &e.people["claire dubois"];
    assert!(claire.titles.contains("Fondatrice et présidente"));
    assert!(claire.titles.contains("Directeur de la publication"));
    let got = people_of(&e);
    assert!(
        got.contains(&("Julien Moreau".into(), "Directeur technique".into())),
        "{got:?}"
    );
    assert!(
        got.contains(&("Sophie Laurent".into(), "Responsable commerciale".into())),
        "{got:?}"
    );
    assert_eq!(got.len(), 3, "{got:?}");
}

#[test]
fn people_only_from_people_pages() {
    // The same card on an ordinary blog page is not read as a team listing.
    let html = "<html><body><h3>Jane Doe</h3><p>Chief Executive Officer</p></body></html>";
    let ex = extractor("https://acme.com/", "Acme");
    let blog = page_from_html("https://acme.com/blog/post-1", 2, html, &[]);
    assert!(ex.extract(&blog).people.is_empty());
    let team = page_from_html("https://acme.com/about/team", 1, html, &[]);
    assert_eq!(ex.extract(&team).people.len(), 1);
}

#[test]
fn products_from_headings_microdata_and_not_boilerplate() {
    let e = merged(EN_SEED, EN_SITE);
    let names: Vec<&str> = e.products.values().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        vec!["Dock Station", "Fleet Manager", "Navigator AMR"]
    );
    assert_eq!(
        e.products["dock station"]
            .descriptions
            .first()
            .map(String::as_str),
        Some("Automatic charging dock for Navigator robots.")
    );
    // "Why us?" and "Contact us" headings are not products; nor are pages
    // outside products/services.
    assert!(!e.products.contains_key("contact us"));
    assert!(!e.products.contains_key("why us?"));
    assert!(!e.products.contains_key("meet the team"));
}

/// On an overview page, a product card's blurb (the line after its
/// heading) is its description; a link's label or the next heading is not.
#[test]
fn product_cards_blurbs_are_descriptions() {
    let html = r#"<html><body><h1>Our products</h1>
        <div class="card"><h3>ArmPro 500</h3><p>A six-axis collaborative robot arm for assembly lines.</p><a href="/armpro">Learn more</a></div>
        <div class="card"><h3>VisionKit</h3><a href="/vision">Learn more</a></div>
        <div class="card"><h3>FleetManager</h3><h3>Cloud Suite</h3><p>Fleet software.</p></div>
        </body></html>"#;
    let page = page_from_html("https://acme.com/products", 1, html, &[]);
    let got = extractor("https://acme.com/", "Acme")
        .extract(&page)
        .products;
    let described: Vec<(&str, Option<&str>)> = got
        .iter()
        .map(|p| (p.name.as_str(), p.description.as_deref()))
        .collect();
    assert_eq!(
        described,
        vec![
            (
                "ArmPro 500",
                Some("A six-axis collaborative robot arm for assembly lines.")
            ),
            ("Cloud Suite", None),
            ("FleetManager", None),
            ("VisionKit", None),
        ]
    );
}

#[test]
fn json_ld_product_on_any_page() {
    let html = r#"<html><head><script type="application/ld+json">
        [{"@context":"https://schema.org","@type":"Product","name":"Widget Pro","description":"A better widget.","sku":"WP-1","offers":{"@type":"Offer","price":"19.99"}},
         {"@context":"https://schema.org","@type":"Service","name":"Widget Repair"}]
        </script></head><body></body></html>"#;
    let page = page_from_html("https://acme.com/shop/widget-pro", 2, html, &[]);
    let got = extractor("https://acme.com/", "Acme")
        .extract(&page)
        .products;
    let names: Vec<&str> = got.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, vec!["Widget Pro", "Widget Repair"]);
}

fn people_on(url: &str, html: &str) -> Vec<(String, String)> {
    let page = page_from_html(url, 1, html, &[]);
    let mut got: Vec<(String, String)> = extractor("https://acme.com/", "Acme")
        .extract(&page)
        .people
        .into_iter()
        .map(|p| (p.name, p.title))
        .collect();
    got.sort();
    got
}

fn pairs(want: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = want
        .iter()
        .map(|(n, t)| (n.to_string(), t.to_string()))
        .collect();
    v.sort();
    v
}

#[test]
fn cards_never_borrow_another_cards_title_or_a_bio_sentence() {
    // Title above the name, one card without a title: "CTO" belongs to the
    // card below, not to Ben above it.
    let html = r#"<section><h2>Team</h2>
        <div class="card"><p>CEO</p><h3>Ada Brandt</h3></div>
        <div class="card"><h3>Ben Carter</h3></div>
        <div class="card"><p>CTO</p><h3>Cleo Diaz</h3></div></section>"#;
    assert_eq!(
        people_on("https://acme.com/team", html),
        pairs(&[("Ada Brandt", "CEO"), ("Cleo Diaz", "CTO")])
    );
    // Name, then a bio: a sentence with a title word is not a title.
    let html = r#"<h2>Our team</h2>
        <div><h3>Dana Evans</h3><p>Chief Operating Officer</p></div>
        <div><h3>Eli Fischer</h3><p>Eli leads our engineering team.</p></div>
        <div><h3>Fay Gomez</h3><p>She is an engineer at heart</p></div>"#;
    assert_eq!(
        people_on("https://acme.com/team", html),
        pairs(&[("Dana Evans", "Chief Operating Officer")])
    );
}

#[test]
fn a_card_without_a_title_never_takes_the_next_cards() {
    // Page builders' grids (Elementor, Divi, Bootstrap columns): one
    // element per card, the same tag and class each time. Tom's card has no
    // title; "VP Sales" is the only line of the card after his. The order
    // of the page (name, then title) would pair them if the card's
    // boundary were not seen.
    let grid = r#"<h1>Leadership</h1>
        <div class="member"><h3>Jane Doe</h3><p class="role">Chief Executive Officer</p></div>
        <div class="member"><h3>Tom Baker</h3></div>
        <div class="member"><p class="role">VP Sales</p></div>
        <div class="member"><h3>Rosa Diaz</h3><p class="role">Chief Financial Officer</p></div>"#;
    let want = pairs(&[
        ("Jane Doe", "Chief Executive Officer"),
        ("Rosa Diaz", "Chief Financial Officer"),
    ]);
    assert_eq!(people_on("https://acme.com/leadership", grid), want);
    // Cards nested in columns, and a team section of a home page.
    let columns = grid
        .replace(
            r#"<div class="member">"#,
            r#"<div class="col-md-4"><div class="member">"#,
        )
        .replace("</p></div>", "</p></div></div>")
        .replace("</h3></div>", "</h3></div></div>");
    assert_eq!(people_on("https://acme.com/leadership", &columns), want);
    let home = grid.replace("<h1>Leadership</h1>", "<h1>Acme</h1><h2>Our team</h2>");
    assert_eq!(people_on("https://acme.com/", &home), want);
    // Flat layouts have no card elements: the order still pairs them.
    let flat = "<h2>Team</h2><h3>Jane Doe</h3><p>Chief Executive Officer</p>\
        <h3>Rosa Diaz</h3><p>Chief Financial Officer</p>";
    assert_eq!(people_on("https://acme.com/team", flat), want);
    let paragraphs = "<h2>Board</h2><p><b>Jane Doe</b><br>Chief Executive Officer</p>\
        <p><b>Rosa Diaz</b><br>Chief Financial Officer</p>";
    assert_eq!(people_on("https://acme.com/team", paragraphs), want);
}

#[test]
fn italian_spanish_dutch_and_portuguese_titles() {
    let html = r#"<h2>Il nostro team</h2>
        <div class="membro"><h3>Marco Rossi</h3><p>Amministratore Delegato</p></div>
        <div class="membro"><h3>Giulia Bianchi</h3><p>Direttrice Commerciale</p></div>
        <div class="membro"><h3>Luca Verdi</h3><p>Responsabile Marketing</p></div>
        <div class="membro"><h3>Paola Neri</h3><p>Lei è la nostra esperta di logistica</p></div>"#;
    assert_eq!(
        people_on("https://rossi.it/chi-siamo", html),
        pairs(&[
            ("Giulia Bianchi", "Direttrice Commerciale"),
            ("Luca Verdi", "Responsabile Marketing"),
            ("Marco Rossi", "Amministratore Delegato"),
        ])
    );
    let html = "<h2>Equipo directivo</h2><h3>Ana García</h3><p>Consejera Delegada</p>\
        <h3>Jordi Puig</h3><p>Director Financiero</p>\
        <h2>Directie</h2><h3>Sanne de Vries</h3><p>Algemeen directeur</p>";
    assert_eq!(
        people_on("https://acme.es/equipo", html),
        pairs(&[
            ("Ana García", "Consejera Delegada"),
            ("Jordi Puig", "Director Financiero"),
            ("Sanne de Vries", "Algemeen directeur"),
        ])
    );
}

#[test]
fn every_team_section_of_a_page_counts() {
    let home = "<h1>Acme</h1><p>We make anvils.</p>\
        <h2>Management</h2><h3>Ivy Jones</h3><p>Managing Director</p>\
        <h2>Supervisory board</h2><h3>Karl Lang</h3><p>Chairman</p>\
        <h2>News</h2><h3>Lea Maier</h3><p>Chief Executive Officer</p>\
        <h2>Our team</h2><h3>Max Roth</h3><p>Head of Sales</p>";
    assert_eq!(
        people_on("https://acme.com/", home),
        pairs(&[
            ("Ivy Jones", "Managing Director"),
            ("Karl Lang", "Chairman"),
            ("Max Roth", "Head of Sales")
        ]),
        "each team section counts, a news teaser between them does not"
    );
}

#[test]
fn title_words_are_whole_words() {
    let html = "<h2>Team</h2><h3>Gina Hall</h3><p>Leads partnerships</p>\
        <h3>Hugo Ito</h3><p>Team Lead</p>";
    assert_eq!(
        people_on("https://acme.com/team", html),
        pairs(&[("Hugo Ito", "Team Lead")])
    );
}

#[test]
fn team_sections_on_any_page() {
    let card = "<h3>Ivy Jones</h3><p>Managing Director</p>";
    // A path that names a management board, and a home page section.
    assert_eq!(
        people_on("https://acme.com/management-board", card),
        pairs(&[("Ivy Jones", "Managing Director")])
    );
    let home = format!(
        "<h1>Acme</h1><p>We make anvils.</p><h2>Our team</h2>{card}\
         <h2>News</h2><h3>Karl Lang</h3><p>Chief Executive Officer</p>"
    );
    assert_eq!(
        people_on("https://acme.com/", &home),
        pairs(&[("Ivy Jones", "Managing Director")]),
        "only the team section counts, not a news teaser after it"
    );
    // Without a team heading an ordinary page still yields nobody.
    assert!(people_on("https://acme.com/blog/post", card).is_empty());
}

#[test]
fn german_titles_prefixes_and_capitals() {
    let html = "<h2>Geschäftsführung</h2>\
        <h3>Dr. med. Anna Becker</h3><p>Geschäftsführende Gesellschafterin</p>\
        <h3>Dipl.-Ing. (FH) Bernd Krause</h3><p>Vorstand</p>\
        <h3>Prof. Dr. Clara Vogt</h3><p>Vorstandsvorsitzende</p>\
        <h3>Mag. Dieter Wolf, MBA</h3><p>Prokurist</p>\
        <h3>ERIKA SCHULZ</h3><p>Aufsichtsrat</p>\
        <h3>Jean DUPONT</h3><p>Gesellschafter(in)</p>";
    assert_eq!(
        people_on("https://acme.de/ueber-uns/team", html),
        pairs(&[
            ("Anna Becker", "Geschäftsführende Gesellschafterin"),
            ("Bernd Krause", "Vorstand"),
            ("Clara Vogt", "Vorstandsvorsitzende"),
            ("Dieter Wolf", "Prokurist"),
            ("Erika Schulz", "Aufsichtsrat"),
            ("Jean Dupont", "Gesellschafter(in)"),
        ])
    );
    // Imprint lines with gendered labels.
    let html = "<p>Geschäftsführer:in: Dr. Lena Roth</p>\
        <p>Geschäftsführende(r) Gesellschafter(in): Max Engel</p>";
    assert_eq!(
        people_on("https://acme.de/impressum", html),
        pairs(&[
            ("Lena Roth", "Geschäftsführer*in"),
            ("Max Engel", "Geschäftsführende(r) Gesellschafter(in)"),
        ])
    );
    // Headings in capitals are still not names.
    assert!(people_on("https://acme.de/team", "<h3>MEET THE TEAM</h3><p>CEO</p>").is_empty());
    assert!(
        people_on(
            "https://acme.de/team",
            "<h3>WHAT WE DO</h3><p>Managing Director</p>"
        )
        .is_empty()
    );
}

#[test]
fn name_and_title_on_one_line() {
    let html = "<h2>Team</h2><p>Jane Doe CEO</p><p>John Roe, CTO</p>\
        <p>Max Mustermann Geschäftsführer</p><p>Lisa Berg Senior Engineer</p>";
    assert_eq!(
        people_on("https://acme.com/team", html),
        pairs(&[
            ("Jane Doe", "CEO"),
            ("John Roe", "CTO"),
            ("Lisa Berg", "Senior Engineer"),
            ("Max Mustermann", "Geschäftsführer"),
        ])
    );
}

#[test]
fn a_card_title_that_starts_like_a_name_stays_the_cards_title() {
    // "Embedded Software Developer" reads as "Embedded Software" + a title
    // on its own; under a bare name it is that name's title line.
    let html = "<h2>Team</h2>\
        <div><h3>Jakob Peters</h3><p>Embedded Software Developer</p><p>Joined in 2023.</p></div>\
        <div><h3>Emma Schulz</h3><p>Data Scientist</p><p>Joined in 2021.</p></div>\
        <div><h3>Paul Fischer</h3><p>Field Service Engineer</p><p>Joined in 2019.</p></div>";
    assert_eq!(
        people_on("https://acme.com/team", html),
        pairs(&[
            ("Emma Schulz", "Data Scientist"),
            ("Jakob Peters", "Embedded Software Developer"),
            ("Paul Fischer", "Field Service Engineer"),
        ])
    );
}

/// A 20+ KB team page in the markups themes and page builders write: a
/// definition list, figures with captions, name and title in one heading
/// with a span, cards with contact links and "Read bio" buttons, a table,
/// bios that use title words as verbs, and the usual chrome.
#[test]
fn team_page_markups_on_a_full_company_page() {
    let main = r#"
<h1>Leadership</h1>
<p>Our leadership team leads Acme's 400 people across 12 offices.</p>
<dl class="board">
  <dt>Dr. med. Karin Vogt</dt><dd>Chief Medical Officer</dd>
  <dt>Prof. Dr. Lukas Brenner</dt><dd>Chairman of the Supervisory Board</dd>
</dl>
<div class="grid">
  <figure><img src="/img/nora.jpg" alt=""><figcaption><strong>Nora Quinn</strong><br>Chief Financial Officer</figcaption></figure>
  <figure><img src="/img/omar.jpg" alt=""><figcaption><strong>OMAR SAYED</strong><br>VP Engineering</figcaption></figure>
</div>
<div class="wp-block-columns">
  <div class="wp-block-column"><h3>Paula Reyes <span class="role">Head of Sales</span></h3>
    <p><a href="mailto:p.reyes@acme.com">E-Mail</a> · <a href="https://www.linkedin.com/in/paulareyes/">LinkedIn</a></p>
    <p><a href="/team/paula-reyes">Read bio</a></p></div>
  <div class="wp-block-column"><h3>Quentin Stone, General Counsel</h3>
    <p>Quentin heads our legal team and advises the board.</p>
    <p><a href="/team/quentin-stone">Read bio</a></p></div>
  <div class="wp-block-column"><h3>Rita Tanaka</h3>
    <p>Rita leads design and manages our studio in Lisbon.</p></div>
</div>
<table class="contacts"><tr><th>Name</th><th>Role</th><th>Contact</th></tr>
  <tr><td>Sven Ulrich</td><td>Dipl.-Ing. (FH), Technical Director</td><td><a href="tel:+4930123456">Call</a></td></tr>
</table>
"#;
    let html = crate::page_builder::company_page("en", "Leadership – Acme", main);
    assert!(html.len() > 20_000);
    let got = people_on("https://acme.com/company/leadership", &html);
    assert_eq!(
        got,
        pairs(&[
            ("Karin Vogt", "Chief Medical Officer"),
            ("Lukas Brenner", "Chairman of the Supervisory Board"),
            ("Nora Quinn", "Chief Financial Officer"),
            ("Omar Sayed", "VP Engineering"),
            ("Paula Reyes", "Head of Sales"),
            ("Quentin Stone", "General Counsel"),
            ("Sven Ulrich", "Technical Director"),
        ]),
        "Rita's only line is a bio; Dr. med. and Prof. Dr. are not names"
    );
}
