//! Social profiles: canonical URLs, platforms, and no share buttons,
//! intent links or tracking pixels.

#[path = "fixtures/support.rs"]
mod support;

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
