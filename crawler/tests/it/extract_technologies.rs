//! Technology fingerprints from generator meta, script and stylesheet URLs,
//! inline scripts, HTML markers, headers and cookies.

use crate::support;

use std::collections::BTreeSet;

use cira_crawler::extract::FINGERPRINTS;
use support::*;

fn names(seed: &str, site: &[SitePage], file: &str) -> BTreeSet<String> {
    extract_one(seed, site, file)
        .technologies
        .into_iter()
        .map(|t| t.name)
        .collect()
}

#[test]
fn the_table_has_at_least_thirty_distinct_fingerprints() {
    let names: BTreeSet<&str> = FINGERPRINTS.iter().map(|f| f.name).collect();
    assert_eq!(names.len(), FINGERPRINTS.len(), "names are unique");
    assert!(names.len() >= 30, "{}", names.len());
    for required in [
        "WordPress",
        "Drupal",
        "Joomla",
        "Shopify",
        "Wix",
        "Squarespace",
        "Webflow",
        "Magento",
        "WooCommerce",
        "React",
        "Next.js",
        "Vue.js",
        "Nuxt",
        "Angular",
        "Svelte",
        "jQuery",
        "Bootstrap",
        "Tailwind CSS",
        "Google Analytics",
        "Google Tag Manager",
        "HubSpot",
        "Hotjar",
        "Matomo",
        "Segment",
        "Intercom",
        "Stripe",
        "Cloudflare",
        "Fastly",
        "Akamai",
        "nginx",
        "Apache HTTP Server",
        "Vercel",
        "Netlify",
        "PHP",
        "ASP.NET",
    ] {
        assert!(names.contains(required), "{required} missing");
    }
}

#[test]
fn english_home_page_stack() {
    let got = names(EN_SEED, EN_SITE, "en/index.html");
    let want: BTreeSet<String> = [
        "Cloudflare",         // server header, cf-ray, __cf_bm cookie
        "Google Fonts",       // stylesheet
        "Google Tag Manager", // inline gtm.js snippet
        "HubSpot",            // js.hs-scripts.com
        "Next.js",            // /_next/static/, x-powered-by
        "React",              // implied by Next.js
        "jQuery",             // script URL
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(got, want);
}

#[test]
fn german_wordpress_stack_with_versions() {
    let page = extract_one(DE_SEED, DE_SITE, "de/index.html");
    let got: BTreeSet<(String, Option<String>)> = page
        .technologies
        .into_iter()
        .map(|t| (t.name, t.version))
        .collect();
    for want in [
        ("WordPress", Some("6.4.2")),
        ("Elementor", None),
        ("jQuery", None),
        ("Google Analytics", None),
        ("Cookiebot", None),
        ("nginx", Some("1.24.0")),
        ("PHP", None),
    ] {
        let want = (want.0.to_string(), want.1.map(String::from));
        assert!(got.contains(&want), "{want:?} missing from {got:?}");
    }
    assert_eq!(got.len(), 7, "{got:?}");
}

#[test]
fn french_drupal_on_apache() {
    let got = names(FR_SEED, FR_SITE, "fr/mentions-legales.html");
    assert_eq!(
        got,
        ["Apache HTTP Server", "Drupal"]
            .into_iter()
            .map(String::from)
            .collect()
    );
}

#[test]
fn headers_and_cookies_alone() {
    let ex = extractor("https://acme.com/", "Acme");
    let page = page_from_html(
        "https://acme.com/",
        0,
        "<html><body>hello</body></html>",
        &[
            ("server", "Vercel"),
            ("x-vercel-id", "fra1::abc"),
            ("x-served-by", "cache-fra-etou8220051-FRA"),
            ("x-fastly-request-id", "abc"),
            ("akamai-grn", "0.1234"),
            ("x-powered-by", "ASP.NET"),
            ("set-cookie", "ASP.NET_SessionId=xyz; path=/"),
            ("set-cookie", "_shopify_y=1; path=/"),
            ("set-cookie", "hubspotutk=1; path=/"),
        ],
    );
    let got: BTreeSet<String> = ex
        .extract(&page)
        .technologies
        .into_iter()
        .map(|t| t.name)
        .collect();
    let want: BTreeSet<String> = [
        "Akamai", "ASP.NET", "Fastly", "HubSpot", "Shopify", "Vercel",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(got, want);
}

#[test]
fn html_markers_and_inline_scripts() {
    let html = r#"<html><head>
        <script src="https://cdn.shopify.com/s/files/theme.js"></script>
        <script src="https://js.stripe.com/v3/"></script>
        <script>window.intercomSettings = {app_id: "x"}; (function(h,o,t,j,a,r){h._hjSettings={hjid:1};})(window);
        var _paq = window._paq || []; _paq.push(['trackPageView']); analytics.load("key");</script>
        <link rel="stylesheet" href="/assets/tailwind.min.css">
        </head><body><div id="app" ng-version="17.0.1" data-wf-site="abc"><span class="svelte-x1y2">x</span></div>
        <div id="__nuxt"></div></body></html>"#;
    let page = page_from_html("https://acme.com/", 0, html, &[]);
    let got: BTreeSet<String> = extractor("https://acme.com/", "Acme")
        .extract(&page)
        .technologies
        .into_iter()
        .map(|t| t.name)
        .collect();
    for want in [
        "Shopify",
        "Stripe",
        "Intercom",
        "Hotjar",
        "Matomo",
        "Segment",
        "Tailwind CSS",
        "Angular",
        "Webflow",
        "Svelte",
        "Nuxt",
        "Vue.js",
    ] {
        assert!(got.contains(want), "{want} missing from {got:?}");
    }
}

#[test]
fn plain_pages_show_no_technology() {
    let html = "<html><body><p>We use WordPress-like ideas and love React talks.</p></body></html>";
    let page = page_from_html("https://acme.com/blog", 1, html, &[]);
    let got = extractor("https://acme.com/", "Acme")
        .extract(&page)
        .technologies;
    assert!(
        got.is_empty(),
        "mentions in text are not fingerprints: {got:?}"
    );
}
