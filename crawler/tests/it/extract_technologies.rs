//! Technology detection with Wappalyzer's fingerprint database: meta tags,
//! script URLs, inline scripts, HTML, DOM selectors, headers and cookies.
//! Names and categories are Wappalyzer's.

use crate::support;

use std::collections::BTreeSet;

use cira_crawler::extract::{Technology, knows_technology, technology_db_stats};
use support::*;

fn names(seed: &str, site: &[SitePage], file: &str) -> BTreeSet<String> {
    extract_one(seed, site, file)
        .technologies
        .into_iter()
        .map(|t| t.name)
        .collect()
}

#[test]
fn the_database_is_wappalyzer_s() {
    let stats = technology_db_stats();
    assert_eq!(stats.source, "wappalyzer@6.10.47");
    assert!(stats.technologies >= 3425, "{stats:?}");
    // Everything the hand-written table knew, under Wappalyzer's names.
    for required in [
        "WordPress",
        "Drupal",
        "Joomla",
        "TYPO3 CMS",
        "Ghost",
        "Shopify",
        "Wix",
        "Squarespace",
        "Webflow",
        "Magento",
        "PrestaShop",
        "WooCommerce",
        "Elementor",
        "React",
        "Next.js",
        "Gatsby",
        "Vue.js",
        "Nuxt.js",
        "Angular",
        "AngularJS",
        "Svelte",
        "Alpine.js",
        "jQuery",
        "Bootstrap",
        "Tailwind CSS",
        "Font Awesome",
        "Google Font API",
        "Google Analytics",
        "Google Tag Manager",
        "HubSpot",
        "Hotjar",
        "Matomo Analytics",
        "Plausible",
        "Segment",
        "Facebook Pixel",
        "Linkedin Insight Tag",
        "Intercom",
        "Zendesk",
        "Stripe",
        "PayPal",
        "reCAPTCHA",
        "Cookiebot",
        "OneTrust",
        "Google Maps",
        "Sentry",
        "MailChimp",
        "Cloudflare",
        "Fastly",
        "Akamai",
        "Amazon Cloudfront",
        "Amazon S3",
        "Varnish",
        "Nginx",
        "Apache",
        "IIS",
        "LiteSpeed",
        "Caddy",
        "Vercel",
        "Netlify",
        "GitHub Pages",
        "PHP",
        "Microsoft ASP.NET",
        "Express",
        "Laravel",
        "Django",
        "Java",
        "Hugo",
        "Jekyll",
    ] {
        assert!(knows_technology(required), "{required} missing");
    }
}

fn find<'a>(got: &'a [Technology], name: &str) -> &'a Technology {
    got.iter()
        .find(|t| t.name == name)
        .unwrap_or_else(|| panic!("{name} missing from {got:#?}"))
}

#[test]
fn english_home_page_stack() {
    let page = extract_one(EN_SEED, EN_SITE, "en/index.html");
    let jquery = find(&page.technologies, "jQuery");
    assert_eq!(jquery.version.as_deref(), Some("3.7.1"));
    assert_eq!(jquery.signals, vec!["scriptSrc".to_string()]);
    assert!(!jquery.implied);
    let react = find(&page.technologies, "React");
    assert!(react.implied, "{react:?}");
    assert_eq!(react.implied_by, vec!["Next.js".to_string()]);
    let next = find(&page.technologies, "Next.js");
    assert!(
        next.signals.contains(&"headers".to_string()),
        "{:?}",
        next.signals
    );
    assert_eq!(next.categories, vec!["Web frameworks", "Web servers"]);
    let got: BTreeSet<String> = page.technologies.into_iter().map(|t| t.name).collect();
    // Wappalyzer's names; what the hand-written table missed: the Bot
    // Management cookie, the Facebook pixel image, Open Graph tags, the
    // jQuery CDN, and what Next.js implies (Node.js, webpack).
    let want: BTreeSet<String> = [
        "Cloudflare",                // server header, cf-ray
        "Cloudflare Bot Management", // __cf_bm cookie
        "Facebook Pixel",            // facebook.com/tr image
        "Google Font API",           // fonts.googleapis.com stylesheet
        "Google Tag Manager",        // inline gtm.js snippet (overlay)
        "HubSpot",                   // js.hs-scripts.com
        "Next.js",                   // /_next/static/, x-powered-by
        "Node.js",                   // implied by Next.js
        "Open Graph",                // og: meta
        "React",                     // implied by Next.js
        "jQuery",                    // script URL
        "jQuery CDN",                // code.jquery.com
        "webpack",                   // implied by Next.js
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
        // Wappalyzer tells GA4 (a `G-` measurement id) from Universal.
        ("Google Analytics", Some("GA4")),
        ("Cookiebot", None),
        ("Nginx", Some("1.24.0")),
        // From `x-powered-by: PHP/8.2.12`.
        ("PHP", Some("8.2.12")),
        // Implied by WordPress.
        ("MySQL", None),
    ] {
        let want = (want.0.to_string(), want.1.map(String::from));
        assert!(got.contains(&want), "{want:?} missing from {got:?}");
    }
    assert_eq!(got.len(), 8, "{got:?}");
}

#[test]
fn french_drupal_on_apache() {
    let got = names(FR_SEED, FR_SITE, "fr/mentions-legales.html");
    assert_eq!(
        got,
        // `server: Apache/2.4.57 (Debian)` names the distribution too;
        // Drupal implies PHP.
        ["Apache", "Debian", "Drupal", "PHP"]
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
        "Akamai",
        "Fastly",
        "HubSpot",
        "Microsoft ASP.NET",
        "Shopify",
        "Vercel",
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
        "Matomo Analytics",
        "Segment",
        "Tailwind CSS",
        "Angular",
        "Webflow",
        "Svelte",
        "Nuxt.js",
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
