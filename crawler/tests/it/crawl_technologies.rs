//! Technology detection end to end: a WordPress site of two realistic
//! pages (about 24 KB each, `tests/fixtures/tech/`) is served by a local
//! HTTP server with the response headers and cookies such a site sends,
//! crawled by the engine, and the report lists what Wappalyzer's database
//! finds: names, categories, versions, confidence, the signals, the pages,
//! and what is only implied apart from what was seen.

use crate::common;
use crate::support;

use common::{Reply, Site, config, crawl, spec};
use serde_json::Value;

fn page(file: &str, headers: Vec<(&'static str, String)>) -> Reply {
    let mut all = vec![("content-type", "text/html; charset=UTF-8".to_string())];
    all.extend(headers);
    Reply::Raw {
        status: 200,
        headers: all,
        body: support::fixture(file).into_bytes(),
    }
}

fn wordpress_site(path: &str) -> Reply {
    match path {
        "/" => page(
            "tech/home.html",
            vec![
                ("server", "nginx/1.24.0".into()),
                ("x-powered-by", "PHP/8.2.12".into()),
                (
                    "link",
                    "</wp-json/>; rel=\"https://api.w.org/\", </>; rel=shortlink".into(),
                ),
                ("set-cookie", "PHPSESSID=9f1c2e7a; path=/; HttpOnly".into()),
                (
                    "set-cookie",
                    "_ga_7Q2XK4B1ZP=GS1.1.1702391174.1.0.1702391174.0.0.0; path=/".into(),
                ),
            ],
        ),
        "/about/" => page("tech/about.html", vec![("server", "nginx/1.24.0".into())]),
        _ => Reply::NotFound,
    }
}

/// The report's entry for a technology.
fn tech<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["entities"]["technologies"]
        .as_array()
        .expect("technologies")
        .iter()
        .find(|t| t["name"] == name)
        .unwrap_or_else(|| {
            panic!(
                "{name} missing from {:#}",
                report["entities"]["technologies"]
            )
        })
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crawled_wordpress_site_reports_its_stack() {
    let site = Site::start(wordpress_site).await;
    let dir = tempfile::tempdir().unwrap();
    let (outcome, _) = crawl(config(&site.url("/"), spec(), &[site.ip()]), dir.path()).await;
    assert!(outcome.is_ok(), "{outcome:?}");
    assert_eq!(site.hits("/"), 1);
    assert_eq!(site.hits("/about/"), 1);
    let report: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("report.json")).unwrap()).unwrap();
    let home = site.url("/");
    let about = site.url("/about/");

    // Seen on both pages through several signals, with the generator's
    // version; Wappalyzer's categories, most specific first.
    let wp = tech(&report, "WordPress");
    assert_eq!(strings(&wp["versions"]), ["6.4.2"]);
    assert_eq!(strings(&wp["categories"]), ["CMS", "Blogs"]);
    assert_eq!(wp["implied"], false);
    assert_eq!(wp["confidence"], 100);
    let signals = strings(&wp["signals"]);
    for s in ["meta", "scriptSrc", "html", "headers"] {
        assert!(signals.contains(&s.to_string()), "{s} not in {signals:?}");
    }
    assert_eq!(strings(&wp["sources"]), [home.clone(), about.clone()]);

    // Response headers and cookies reach detection.
    let php = tech(&report, "PHP");
    assert_eq!(strings(&php["versions"]), ["8.2.12"]);
    assert_eq!(php["implied"], false, "seen in x-powered-by: {php:#}");
    let signals = strings(&php["signals"]);
    assert!(signals.contains(&"headers".to_string()), "{signals:?}");
    assert!(signals.contains(&"cookies".to_string()), "{signals:?}");
    let nginx = tech(&report, "Nginx");
    assert_eq!(strings(&nginx["versions"]), ["1.24.0"]);
    assert_eq!(strings(&nginx["sources"]), [home.clone(), about.clone()]);
    let ga = tech(&report, "Google Analytics");
    assert_eq!(strings(&ga["versions"]), ["GA4"]);

    // Only inferred: MySQL from WordPress.
    let mysql = tech(&report, "MySQL");
    assert_eq!(mysql["implied"], true);
    assert_eq!(strings(&mysql["impliedBy"]), ["WordPress"]);
    assert!(strings(&mysql["signals"]).is_empty(), "{mysql:#}");

    // Versions from script URLs and HTML comments; plugins that Wappalyzer
    // reports only where WordPress is (`requires`) are there.
    for (name, version) in [
        ("Elementor", "3.18.3"),
        ("Contact Form 7", "5.8.4"),
        ("jQuery Migrate", "3.4.1"),
        ("Yoast SEO", "21.7"),
    ] {
        assert_eq!(
            strings(&tech(&report, name)["versions"]),
            [version],
            "{name}"
        );
    }
    for name in ["jQuery", "Cookiebot", "Open Graph"] {
        assert_eq!(tech(&report, name)["implied"], false, "{name}");
    }
    // Hotjar's inline snippet is on the about page only.
    assert_eq!(
        strings(&tech(&report, "Hotjar")["sources"]),
        std::slice::from_ref(&about)
    );

    // Products named in prose are not detections.
    let names: Vec<String> = report["entities"]["technologies"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["name"].as_str().map(String::from))
        .collect();
    for prose in [
        "Shopify",
        "Drupal",
        "Magento",
        "Joomla",
        "React",
        "Vue.js",
        "HubSpot",
        "Mailchimp",
    ] {
        assert!(!names.contains(&prose.to_string()), "{prose} in {names:?}");
    }

    // The Markdown report: a table by category of what was seen, and the
    // implied ones apart.
    let md = std::fs::read_to_string(dir.path().join("report.md")).unwrap();
    let section = md
        .split("## Technology")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("a Technology section");
    let row = |category: &str| {
        section
            .lines()
            .find(|l| l.starts_with(&format!("| {category} |")))
            .unwrap_or_else(|| panic!("no {category} row in {section}"))
            .to_string()
    };
    assert!(row("CMS").contains("WordPress 6.4.2"), "{section}");
    assert!(
        row("Programming languages").contains("PHP 8.2.12"),
        "{section}"
    );
    let implied = section
        .lines()
        .find(|l| l.starts_with("Implied by"))
        .unwrap_or_else(|| panic!("no implied line in {section}"));
    assert!(
        implied.contains("MySQL (implied by WordPress)"),
        "{implied}"
    );
    assert!(
        !section
            .lines()
            .filter(|l| l.starts_with('|'))
            .any(|l| l.contains("MySQL")),
        "implied ones are not in the table: {section}"
    );
}
