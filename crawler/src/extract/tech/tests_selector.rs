//! `dom` attribute selectors with a case flag (`[alt*='postnl' i]`).

use super::compile::parse_selector;
use super::model::{AttrOp, Signal};
use super::*;
use crate::html::scan_html;

fn page(html: &str) -> FetchedPage {
    FetchedPage {
        url: url::Url::parse("https://acme.test/").expect("url"),
        depth: 0,
        status: 200,
        content_type: "text/html".into(),
        headers: Vec::new(),
        body: html.to_string(),
        scan: scan_html(html),
    }
}

#[test]
fn an_attribute_selector_with_a_case_flag_compares_as_it_says() {
    let sel = parse_selector("img[alt*='PostNL' i]").expect("parses");
    let t = sel.attrs.first().expect("one test");
    assert_eq!(
        (t.op, t.value.as_str(), t.fold),
        (AttrOp::Contains, "postnl", true)
    );
    let sel = parse_selector("img[alt*=\"PostNL\" s]").expect("parses");
    let t = sel.attrs.first().expect("one test");
    assert_eq!((t.value.as_str(), t.fold), ("PostNL", false));
    // Without a flag the value stays as written.
    let sel = parse_selector("a[href^='https://x.test/a i']").expect("parses");
    let t = sel.attrs.first().expect("one test");
    assert_eq!((t.value.as_str(), t.fold), ("https://x.test/a i", false));

    // The database's selectors with the flag find their element in any
    // case, and their literal is the value, not the attribute's name
    // (which every page with an image has).
    let e = &*ENGINE;
    for name in ["PostNL", "DHL", "PayPal"] {
        let tech =
            e.db.techs
                .iter()
                .position(|t| t.name == name)
                .expect("in the database");
        let doms: Vec<_> =
            e.db.patterns
                .iter()
                .filter(|p| p.tech as usize == tech && p.signal == Signal::Dom)
                .collect();
        assert!(!doms.is_empty(), "{name}");
        for p in &doms {
            assert!(
                p.literals.iter().all(|l| l != "alt" && l != "src"),
                "{name}: {:?}",
                p.literals
            );
        }
    }
    let found = detect(&page(
        "<html><body><img alt=\"Pay with PAYPAL\" src=\"/p.png\"></body></html>",
    ));
    assert!(found.iter().any(|t| t.name == "PayPal"), "{found:?}");
    // Attribute names fold case, and values are read with their
    // references decoded.
    let found = detect(&page(
        "<html><body><IMG ALT=\"Tap&amp;go with PAYPAL\" SRC=\"/p.png\"></body></html>",
    ));
    assert!(found.iter().any(|t| t.name == "PayPal"), "{found:?}");
    let found = detect(&page(
        "<html><body><img alt=\"A photo\" src=\"/s.png\"></body></html>",
    ));
    assert!(!found.iter().any(|t| t.name == "PayPal"), "{found:?}");
}
