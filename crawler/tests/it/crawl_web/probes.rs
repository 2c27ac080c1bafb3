//! Patterns found by crawling small local sites built like real company
//! sites: home pages that send the visitor on by script or refresh,
//! canonical links that name other pages, and HTML sent as a download.

use super::{crawl_site, html, raw};
use crate::common::{Reply, Site, config, crawl, spec};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_home_page_that_redirects_by_script_is_followed_not_an_app_shell() {
    let site = Site::start(|path: &str| match path {
        "/" => Reply::Html(
            r#"<!doctype html><html><head><title>Acme</title>
            <script>var l = (navigator.language || "en").slice(0, 2);
            if (l == "de") { window.location.href = "/de/"; } else { location.replace('/en/'); }</script>
            </head><body></body></html>"#
                .into(),
        ),
        "/de/" => html(r#"<a href="/de/impressum">Impressum</a>"#),
        // A site builder's navigation: buttons that navigate by script.
        "/en/" => html(
            r#"<button onclick="window.location.href='/en/imprint'">Imprint</button>
            <div class="card" onclick="location.assign(&quot;/en/team&quot;)">Team</div>"#,
        ),
        "/de/impressum" | "/en/imprint" | "/en/team" => html("<p>Acme GmbH</p>"),
        _ => Reply::NotFound,
    })
    .await;
    let state = crawl_site(&site, "/", spec()).await;
    for path in ["/de/", "/en/", "/de/impressum", "/en/imprint", "/en/team"] {
        assert_eq!(site.hits(path), 1, "{path}: {:?}", site.page_hits());
    }
    assert_eq!(
        state.pages_without_links, 0,
        "a redirect or script navigation is no app shell"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_seed_that_sends_visitors_to_another_domain_by_refresh_or_script_is_crawled_there() {
    // A brand domain's page that sends the visitor to the group's site,
    // as parked domains do without an HTTP redirect; two loopback
    // addresses stand for two domains.
    let group = Site::start_on("127.0.0.2", |path: &str| match path {
        "/de/" => html(r#"<a href="/de/impressum">Impressum</a>"#),
        "/de/impressum" => html("<p>Acme Group AG</p>"),
        _ => Reply::NotFound,
    })
    .await;
    let target = group.url("/de/");
    let pages = [
        format!(
            r#"<html><head><meta http-equiv="refresh" content="0; url={target}"></head><body></body></html>"#
        ),
        format!(r#"<html><body><script>window.location.href = "{target}";</script></body></html>"#),
    ];
    for page in pages {
        let brand = Site::start(move |path: &str| match path {
            "/" => Reply::Html(page.clone()),
            _ => Reply::NotFound,
        })
        .await;
        let dir = tempfile::tempdir().unwrap();
        let cfg = config(&brand.url("/"), spec(), &[brand.ip(), group.ip()]);
        let (outcome, state) = crawl(cfg, dir.path()).await;
        assert!(outcome.is_ok(), "{outcome:?}");
        let state = state.unwrap();
        assert_eq!(state.adopted_domain.as_deref(), Some("127.0.0.2"));
        assert!(
            state.external_links.is_empty(),
            "{:?}",
            state.external_links
        );
        assert_eq!(state.pages_without_links, 0);
    }
    assert_eq!(group.hits("/de/impressum"), 2, "{:?}", group.page_hits());
    // A script on a page with links of its own is no redirect stub: its
    // addresses elsewhere are neither adopted nor links.
    let brand = Site::start(move |path: &str| match path {
        "/" => html(&format!(
            r#"<a href="/kontakt">Kontakt</a><script>function login() {{ location.href = "{}"; }}</script>"#,
            "http://127.0.0.2:9/login"
        )),
        "/kontakt" => html("<p>Kontakt</p>"),
        _ => Reply::NotFound,
    })
    .await;
    let state = crawl_site(&brand, "/", spec()).await;
    assert_eq!(state.adopted_domain, None);
    assert!(
        state.external_links.is_empty(),
        "{:?}",
        state.external_links
    );
    assert_eq!(brand.hits("/kontakt"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_canonical_link_to_another_page_does_not_hide_that_page() {
    // Template canonicals: the home page names the German start page, the
    // team page names the about page. Both are pages of their own.
    let site = Site::start(|path: &str| match path {
        "/" => Reply::Html(
            r#"<html><head><link rel="canonical" href="/de/"></head><body>
            <a href="/team">Team</a> <a href="/de/">Deutsch</a></body></html>"#
                .into(),
        ),
        "/team" => Reply::Html(
            r#"<html><head><link rel="canonical" href="/about"></head><body>
            <a href="/about">About</a> <a href="/jobs?ref=team">Jobs</a></body></html>"#
                .into(),
        ),
        "/de/" => html(r#"<a href="/de/impressum">Impressum</a>"#),
        "/de/impressum" | "/about" => html("<p>page</p>"),
        // A query variant names its page as canonical: that one is the
        // same page, not fetched again.
        "/jobs?ref=team" => Reply::Html(
            r#"<html><head><link rel="canonical" href="/jobs"></head><body>
            <a href="/jobs">Jobs</a></body></html>"#
                .into(),
        ),
        _ => Reply::NotFound,
    })
    .await;
    let mut s = spec();
    s.concurrency = 1;
    crawl_site(&site, "/", s).await;
    for path in ["/de/", "/de/impressum", "/about", "/jobs?ref=team"] {
        assert_eq!(site.hits(path), 1, "{path}: {:?}", site.page_hits());
    }
    assert_eq!(site.hits("/jobs"), 0, "{:?}", site.page_hits());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn html_sent_as_a_download_is_a_document_not_a_page() {
    let site = Site::start(|path: &str| match path {
        "/" => html(r#"<a href="/brochure">Brochure</a> <a href="/impressum">Impressum</a>"#),
        "/brochure" => raw(
            200,
            vec![
                ("content-type", "text/html; charset=utf-8".into()),
                (
                    "content-disposition",
                    r#"attachment; filename="brochure.html""#.into(),
                ),
            ],
            b"<p>Brochure <a href=\"/hidden\">x</a></p>".to_vec(),
        ),
        "/impressum" => raw(
            200,
            vec![
                ("content-type", "text/html".into()),
                ("content-disposition", "inline".into()),
            ],
            b"<p>Acme GmbH</p>".to_vec(),
        ),
        _ => Reply::NotFound,
    })
    .await;
    let state = crawl_site(&site, "/", spec()).await;
    assert_eq!(state.pages_crawled, 2, "the home page and the imprint");
    assert_eq!(
        state.skipped.get(&cira_crawler::skip::SkipKind::Download),
        Some(&1)
    );
    assert!(
        state.documents.contains(&site.url("/brochure")),
        "{:?}",
        state.documents
    );
    assert_eq!(site.hits("/hidden"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn query_variants_of_one_page_count_once() {
    // Navigation, footer and language switcher link one page with
    // different queries; the page names its canonical URL.
    let site = Site::start_with_headers("127.0.0.1", |path, _| {
        match path.split_once('?').map_or(path, |(p, _)| p) {
            "/" => html(
                r#"<a href="/team?ref=nav">Team</a> <a href="/team?ref=footer">Team</a>
                <a href="/team?lang=de">Team</a> <a href="/team">Team</a>"#,
            ),
            "/team" => Reply::Html(
                r#"<html><head><link rel="canonical" href="/team"></head><body>
                <p>Write to info@acme.example</p><a href="/jobs">Jobs</a></body></html>"#
                    .into(),
            ),
            "/jobs" => html("<p>Jobs</p>"),
            _ => Reply::NotFound,
        }
    })
    .await;
    let mut s = spec();
    s.concurrency = 1;
    let state = crawl_site(&site, "/", s).await;
    // The bare URL is the page the first variant named: not fetched again.
    assert_eq!(site.hits("/team"), 0, "{:?}", site.page_hits());
    assert_eq!(site.hits("/jobs"), 1);
    let seen = &state.entities.emails["info@acme.example"];
    assert_eq!(seen.pages, 1, "{:?}", seen.sources);
    assert_eq!(state.pages_extracted, 3, "home, one team page, jobs");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_language_splash_home_page_is_a_redirect_at_the_seeds_depth() {
    // `/` only refreshes to `/de/` (or picks a language by script): `/de/`
    // is the seed's page, so with `maxDepth: 1` the pages it links to are
    // crawled, as after an HTTP redirect.
    let splashes = [
        r#"<html><head><meta http-equiv="refresh" content="0; url=/de/"></head><body></body></html>"#,
        r#"<html><body><script>location.replace("/de/");</script></body></html>"#,
        r#"<html><body onLoad="window.location.href='/de/'"><p>Bitte warten ...</p></body></html>"#,
        // With the usual way out for browsers that do not move on.
        r#"<html><head><meta http-equiv="refresh" content="3;URL=/de/"></head><body>
        <p>Nicht weitergeleitet? <a href="/de/">Hier klicken</a> oder
        <a href="mailto:info@acme.example">schreiben</a>.</p></body></html>"#,
    ];
    for splash in splashes {
        let site = Site::start(move |path: &str| match path {
            "/" => Reply::Html(splash.into()),
            "/de/" => html(r#"<a href="/de/impressum">Impressum</a>"#),
            "/de/impressum" => html(r#"<p>Acme GmbH</p><a href="/de/deeper">x</a>"#),
            "/de/deeper" => html("<p>deeper</p>"),
            _ => Reply::NotFound,
        })
        .await;
        let mut s = spec();
        s.max_depth = 1;
        crawl_site(&site, "/", s).await;
        assert_eq!(
            site.hits("/de/impressum"),
            1,
            "{splash}: {:?}",
            site.page_hits()
        );
        assert_eq!(site.hits("/de/deeper"), 0, "{splash}: depth 2");
    }
}
