//! Social profiles: canonical URLs, platforms, and no share buttons,
//! intent links or tracking pixels.

use crate::support;

use support::*;

#[test]
fn profiles_from_links_and_same_as_are_canonical() {
    let e = merged(EN_SEED, EN_SITE);
    let got: Vec<(&str, &str)> = e
        .social
        .iter()
        .map(|(url, s)| (s.platform.as_str(), url.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("mastodon", "https://fosstodon.org/@northwind"),
            ("github", "https://github.com/northwind-robotics"),
            ("instagram", "https://www.instagram.com/northwind.robotics"),
            (
                "linkedin",
                "https://www.linkedin.com/company/northwind-robotics"
            ),
            ("linkedin", "https://www.linkedin.com/in/grace-okafor-nw"),
            ("youtube", "https://www.youtube.com/@northwindrobotics"),
            ("x", "https://x.com/northwindbots"),
        ]
    );
    // twitter.com in sameAs and x.com in the footer are one profile.
    let x = &e.social["https://x.com/northwindbots"];
    assert_eq!(x.seen.pages, 1);
}

#[test]
fn share_buttons_and_pixels_are_not_profiles() {
    for (seed, site) in [(EN_SEED, EN_SITE), (DE_SEED, DE_SITE), (FR_SEED, FR_SITE)] {
        let e = merged(seed, site);
        for url in e.social.keys() {
            for bad in [
                "intent",
                "sharer",
                "shareArticle",
                "/tr",
                "spi/shares",
                "share",
            ] {
                assert!(!url.contains(bad), "{url} is a share button or pixel");
            }
        }
    }
    let de = merged(DE_SEED, DE_SITE);
    let got: Vec<&str> = de.social.keys().map(String::as_str).collect();
    assert_eq!(
        got,
        vec![
            "https://www.facebook.com/musterwerk.muenchen",
            "https://www.linkedin.com/company/musterwerk",
            "https://www.xing.com/pages/musterwerk-gmbh",
        ]
    );
    let fr = merged(FR_SEED, FR_SITE);
    assert_eq!(
        fr.social.keys().map(String::as_str).collect::<Vec<_>>(),
        vec!["https://www.instagram.com/atelierlumiere"]
    );
}

#[test]
fn relative_and_odd_links_are_ignored() {
    let html = r##"<html><body>
        <a href="/linkedin">our LinkedIn page</a>
        <a href="#twitter">x</a>
        <a href="javascript:void(0)">fb</a>
        <a href="https://github.com/login">login</a>
        <a href="https://www.youtube.com/watch?v=abc">video</a>
        <a href="https://www.youtube.com/embed/abc">embed</a>
        <a href="https://www.instagram.com/p/Bx12/">post</a>
        <a href="https://twitter.com/acme/status/1234">tweet</a>
        <a href="https://www.tiktok.com/@acme.tok">TikTok</a>
        <a href="https://social.example.org/@acme" rel="me">Fediverse</a>
    </body></html>"##;
    let page = page_from_html("https://acme.com/", 0, html, &[]);
    let got: Vec<String> = extractor("https://acme.com/", "Acme")
        .extract(&page)
        .social
        .into_iter()
        .map(|s| format!("{} {}", s.platform, s.url))
        .collect();
    assert_eq!(
        got,
        vec![
            "mastodon https://social.example.org/@acme",
            "tiktok https://www.tiktok.com/@acme.tok",
        ]
    );
}

fn profiles_of(hrefs: &[&str]) -> Vec<String> {
    let html: String = hrefs
        .iter()
        .map(|h| format!("<a href=\"{h}\">x</a>\n"))
        .collect();
    let page = page_from_html("https://acme.com/", 0, &html, &[]);
    extractor("https://acme.com/", "Acme")
        .extract(&page)
        .social
        .into_iter()
        .map(|s| format!("{} {}", s.platform, s.url))
        .collect()
}

#[test]
fn mobile_web_and_country_hosts_map_to_the_canonical_host() {
    for (href, want) in [
        (
            "https://web.facebook.com/acme.gmbh/?_rdc=1",
            "facebook https://www.facebook.com/acme.gmbh",
        ),
        (
            "https://m.facebook.com/acme.gmbh",
            "facebook https://www.facebook.com/acme.gmbh",
        ),
        (
            "https://de-de.facebook.com/acme.gmbh",
            "facebook https://www.facebook.com/acme.gmbh",
        ),
        (
            "https://mobile.twitter.com/AcmeHQ",
            "x https://x.com/acmehq",
        ),
        ("https://m.twitter.com/AcmeHQ", "x https://x.com/acmehq"),
        (
            "https://de.linkedin.com/company/acme-gmbh",
            "linkedin https://www.linkedin.com/company/acme-gmbh",
        ),
        (
            "https://uk.linkedin.com/in/jane-doe-12ab",
            "linkedin https://www.linkedin.com/in/jane-doe-12ab",
        ),
        (
            "https://m.youtube.com/@AcmeTV",
            "youtube https://www.youtube.com/@acmetv",
        ),
    ] {
        assert_eq!(profiles_of(&[href]), vec![want.to_string()], "{href}");
    }
    // Other subdomains are other services, not profiles.
    for href in [
        "https://developers.facebook.com/docs",
        "https://business.facebook.com/acme",
        "https://careers.linkedin.com/company/x",
        "https://status.twitter.com/acme",
    ] {
        assert!(profiles_of(&[href]).is_empty(), "{href}");
    }
}

#[test]
fn facebook_people_pages_keep_name_and_id() {
    assert_eq!(
        profiles_of(&[
            "https://www.facebook.com/people/Musterwerk-GmbH/100063512345678/",
            "https://web.facebook.com/people/Musterwerk-GmbH/100063512345678",
        ]),
        vec!["facebook https://www.facebook.com/people/Musterwerk-GmbH/100063512345678"]
    );
    // Without the numeric id the link names no page.
    assert!(profiles_of(&["https://www.facebook.com/people/Musterwerk-GmbH/"]).is_empty());
}

#[test]
fn percent_encoded_slugs_are_decoded_and_kept() {
    assert_eq!(
        profiles_of(&[
            "https://www.linkedin.com/in/j%C3%BCrgen-m%C3%BCller-4a1b2c/",
            "https://de.linkedin.com/in/jürgen-müller-4a1b2c",
            "https://www.linkedin.com/company/b%C3%A4ckerei-sch%C3%B6n",
            "https://www.facebook.com/people/J%C3%BCrgen-M%C3%BCller/100012345678901/",
        ]),
        vec![
            "facebook https://www.facebook.com/people/Jürgen-Müller/100012345678901",
            "linkedin https://www.linkedin.com/company/bäckerei-schön",
            "linkedin https://www.linkedin.com/in/jürgen-müller-4a1b2c",
        ]
    );
    // Decoded bytes that are not a slug (a slash, a space) are not one.
    assert!(
        profiles_of(&[
            "https://www.linkedin.com/in/a%2Fb",
            "https://www.linkedin.com/in/a%20b"
        ])
        .is_empty()
    );
}
