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
    assert!(grace.titles.contains("Directors"));
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
