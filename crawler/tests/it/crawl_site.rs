//! A generated 300-page site is crawled completely, each page once.

use crate::common;

use std::collections::HashSet;
use std::sync::Arc;

use cira_crawler::engine::RunOutcome;
use common::{Site, config, crawl, page_path, spec, tree_site};

/// `Engine` is public: a caller's runtime may have a single thread. The
/// crawl runs there too, snapshots and analysis included.
#[tokio::test(flavor = "current_thread")]
async fn a_crawl_completes_on_a_current_thread_runtime() {
    let site = Site::start(tree_site(40)).await;
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(&site.url("/"), spec(), &[site.ip()]);
    cfg.every_pages = 5;
    let (outcome, state) = crawl(cfg, dir.path()).await;
    assert!(
        matches!(outcome, Ok(RunOutcome::Completed { .. })),
        "{outcome:?}"
    );
    let state = state.expect("a final checkpoint");
    assert_eq!(state.pages_crawled, 40);
    assert!(!state.sections.is_empty(), "the analysis ran");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_crawl_visits_every_in_scope_page_once() {
    let site = Site::start(tree_site(300)).await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&site.url("/"), spec(), &[site.ip()]);
    let (outcome, state) = crawl(cfg, dir.path()).await;
    assert!(
        matches!(outcome, Ok(RunOutcome::Completed { .. })),
        "{outcome:?}"
    );

    let hits = site.page_hits();
    let expected: HashSet<String> = (0..300).map(page_path).collect();
    let got: HashSet<String> = hits.keys().cloned().collect();
    assert_eq!(got, expected, "exactly the in-scope pages are fetched");
    for (path, n) in &hits {
        assert_eq!(*n, 1, "{path} fetched {n} times");
    }
    assert!(site.hits("/robots.txt") <= 1);

    let state = state.expect("a final checkpoint");
    assert_eq!(state.pages_crawled, 300);
    assert_eq!(state.phase, cira_crds::ScanPhase::Completed);
    let external: Vec<&String> = state.external_links.iter().collect();
    assert_eq!(external.len(), 7, "{external:?}");
    assert!(
        state
            .external_links
            .contains("https://partner3.example.org/ref"),
        "tracking parameters are stripped: {external:?}"
    );
    assert!(state.queue.is_empty());

    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("report.json")).unwrap()).unwrap();
    assert_eq!(report["pagesCrawled"], 300);
    assert!(dir.path().join("report.md").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn budget_and_depth_bound_the_crawl() {
    let site = Site::start(tree_site(300)).await;
    let dir = tempfile::tempdir().unwrap();
    let mut s = spec();
    s.max_pages = 40;
    let cfg = config(&site.url("/"), s, &[site.ip()]);
    let (outcome, _) = crawl(cfg, dir.path()).await;
    assert!(outcome.is_ok(), "{outcome:?}");
    assert_eq!(site.total_page_hits(), 40);

    let site = Site::start(tree_site(300)).await;
    let dir = tempfile::tempdir().unwrap();
    let mut s = spec();
    s.max_depth = 2;
    let cfg = config(&site.url("/"), s, &[site.ip()]);
    let (outcome, _) = crawl(cfg, dir.path()).await;
    assert!(outcome.is_ok(), "{outcome:?}");
    // Depth 0, 1, 2 of a binary tree: 1 + 2 + 4 pages.
    assert_eq!(site.total_page_hits(), 7);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sitemap_seeds_pages_without_links() {
    let site = Site::start(|path: &str| match path {
        "/" => common::Reply::Html("<p>no links here</p>".into()),
        "/sitemap.xml" => common::Reply::Raw {
            status: 200,
            headers: vec![("content-type", "application/xml".into())],
            body: br#"<urlset><url><loc>/orphan-a</loc></url><url><loc>/orphan-b</loc></url></urlset>"#.to_vec(),
        },
        "/orphan-a" | "/orphan-b" => common::Reply::Html("<p>orphan</p>".into()),
        _ => common::Reply::NotFound,
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let (outcome, _) = crawl(config(&site.url("/"), spec(), &[site.ip()]), dir.path()).await;
    assert!(outcome.is_ok());
    assert_eq!(site.hits("/orphan-a"), 1);
    assert_eq!(site.hits("/orphan-b"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn meta_refresh_splash_pages_and_gzipped_sitemaps_are_followed() {
    use std::io::Write as _;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(br#"<urlset><url><loc>/from-gz-sitemap</loc></url></urlset>"#)
        .unwrap();
    let sitemap_gz = gz.finish().unwrap();
    let site = Site::start(move |path: &str| match path {
        // A language splash page: no links, only a refresh.
        "/" => common::Reply::Html(
            r#"<html><head><meta http-equiv="Refresh" content="0; URL='/en/'"></head><body></body></html>"#.into(),
        ),
        "/en/" => common::Reply::Html(r#"<a href="/en/about">About</a>"#.into()),
        "/en/about" => common::Reply::Html("<p>about</p>".into()),
        "/robots.txt" => common::Reply::Raw {
            status: 200,
            headers: vec![("content-type", "text/plain".into())],
            body: b"User-agent: *\nAllow: /\nSitemap: /sitemap.xml.gz\n".to_vec(),
        },
        "/sitemap.xml.gz" => common::Reply::Raw {
            status: 200,
            headers: vec![("content-type", "application/gzip".into())],
            body: sitemap_gz.clone(),
        },
        "/from-gz-sitemap" => common::Reply::Html("<p>listed only in the gzipped sitemap</p>".into()),
        _ => common::Reply::NotFound,
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let (outcome, _) = crawl(config(&site.url("/"), spec(), &[site.ip()]), dir.path()).await;
    assert!(outcome.is_ok(), "{outcome:?}");
    assert_eq!(site.hits("/en/"), 1, "the refresh target is crawled");
    assert_eq!(site.hits("/en/about"), 1, "and what it links to");
    assert_eq!(
        site.hits("/from-gz-sitemap"),
        1,
        "the gzipped sitemap seeds the crawl"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_seed_that_redirects_to_another_domain_is_crawled_there() {
    // The brand's server sends everything to the group's server, as
    // company sites often do; two loopback addresses stand for two domains.
    let group = Site::start_on("127.0.0.2", |path: &str| match path {
        "/en/" => common::Reply::Html(
            r#"<a href="/en/team">Team</a> <a href="https://partner.example/">Partner</a>"#.into(),
        ),
        "/en/team" | "/en/imprint" | "/en/history" => common::Reply::Html("<p>page</p>".into()),
        // The group's sitemaps list pages no link reaches.
        "/robots.txt" => common::Reply::Raw {
            status: 200,
            headers: vec![("content-type", "text/plain".into())],
            body: b"User-agent: *\nAllow: /\nSitemap: /group-map.xml\n".to_vec(),
        },
        "/group-map.xml" => common::Reply::Raw {
            status: 200,
            headers: vec![("content-type", "application/xml".into())],
            body: br#"<urlset><url><loc>/en/imprint</loc></url></urlset>"#.to_vec(),
        },
        "/sitemap.xml" => common::Reply::Raw {
            status: 200,
            headers: vec![("content-type", "application/xml".into())],
            body: br#"<urlset><url><loc>/en/history</loc></url></urlset>"#.to_vec(),
        },
        _ => common::Reply::NotFound,
    })
    .await;
    let target = group.url("/en/");
    let brand = Site::start(move |path: &str| match path {
        "/" => common::Reply::Redirect(target.clone()),
        _ => common::Reply::NotFound,
    })
    .await;
    let cfg = config(&brand.url("/"), spec(), &[brand.ip(), group.ip()]);
    let dir = tempfile::tempdir().unwrap();
    let (outcome, state) = crawl(cfg, dir.path()).await;
    assert!(outcome.is_ok(), "{outcome:?}");
    let state = state.expect("final state");
    assert_eq!(state.adopted_domain.as_deref(), Some("127.0.0.2"));
    assert_eq!(group.hits("/en/"), 1);
    assert_eq!(
        group.hits("/en/team"),
        1,
        "pages of the adopted domain are crawled"
    );
    // So are its sitemaps, out of scope when the brand's were read.
    assert_eq!(group.hits("/en/imprint"), 1, "{:?}", group.page_hits());
    assert_eq!(group.hits("/en/history"), 1, "{:?}", group.page_hits());
    assert!(
        state
            .external_links
            .iter()
            .any(|l| l.starts_with("https://partner.example")),
        "other domains stay external: {:?}",
        state.external_links
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cdata_text_and_sloppy_sitemaps_seed_the_crawl() {
    // robots.txt names a text sitemap (one URL a line, as the sitemaps
    // protocol allows and some shop systems write) and an XML one whose
    // `<loc>`s are CDATA or hold an unescaped `&`.
    let site = Site::start_with_headers("127.0.0.1", |path, headers| {
        let host = headers
            .get("host")
            .and_then(|h| h.to_str().ok())
            .unwrap_or("")
            .to_string();
        let text = |body: String| common::Reply::Raw {
            status: 200,
            headers: vec![("content-type", "text/plain".into())],
            body: body.into_bytes(),
        };
        match path {
            "/" => common::Reply::Html("<p>no links here</p>".into()),
            "/robots.txt" => text(format!(
                "User-agent: *\nAllow: /\nSitemap: http://{host}/sitemap.txt\nSitemap: http://{host}/pages.xml\n"
            )),
            "/sitemap.txt" => text(format!(
                "\u{feff}http://{host}/from-text-a\r\nhttp://{host}/from-text-b\n\n"
            )),
            "/pages.xml" => common::Reply::Raw {
                status: 200,
                headers: vec![("content-type", "application/xml".into())],
                body: format!(
                    r#"<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>http://{host}/from-bare?a=1&b=2</loc></url><url><loc><![CDATA[http://{host}/from-cdata?a=1&b=2]]></loc></url></urlset>"#
                )
                .into_bytes(),
            },
            "/from-text-a" | "/from-text-b" | "/from-cdata?a=1&b=2" | "/from-bare?a=1&b=2" => {
                common::Reply::Html("<p>listed only in a sitemap</p>".into())
            }
            _ => common::Reply::NotFound,
        }
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let (outcome, _) = crawl(config(&site.url("/"), spec(), &[site.ip()]), dir.path()).await;
    assert!(outcome.is_ok(), "{outcome:?}");
    // A bare `&` (unescaped, as hand-made sitemaps have) loses nothing.
    for path in [
        "/from-text-a",
        "/from-text-b",
        "/from-bare?a=1&b=2",
        "/from-cdata?a=1&b=2",
    ] {
        assert_eq!(site.hits(path), 1, "{path}: {:?}", site.page_hits());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sitemap_robots_txt_names_on_another_host_is_read() {
    // The site keeps its sitemaps on a CDN (another host: here another
    // port), and names them in robots.txt; a sitemap index there points to
    // a second file. The pages they list are the site's own.
    let site_host: Arc<std::sync::OnceLock<String>> = Arc::default();
    let for_cdn = Arc::clone(&site_host);
    let cdn = Site::start_with_headers("127.0.0.1", move |path, headers| {
        let cdn_host = headers
            .get("host")
            .and_then(|h| h.to_str().ok())
            .unwrap_or("")
            .to_string();
        let site = for_cdn.get().cloned().unwrap_or_default();
        let xml = |body: String| common::Reply::Raw {
            status: 200,
            headers: vec![("content-type", "application/xml".into())],
            body: body.into_bytes(),
        };
        match path {
            "/acme/sitemap_index.xml" => xml(format!(
                r#"<sitemapindex><sitemap><loc>http://{cdn_host}/acme/pages.xml</loc></sitemap></sitemapindex>"#
            )),
            "/acme/pages.xml" => xml(format!(
                r#"<urlset><url><loc>http://{site}/only-in-the-cdn-sitemap</loc></url><url><loc>http://{cdn_host}/not-the-sites-page</loc></url></urlset>"#
            )),
            _ => common::Reply::NotFound,
        }
    })
    .await;
    let cdn_base = cdn.url("");
    let site = Site::start(move |path: &str| match path {
        "/" => common::Reply::Html("<p>no links here</p>".into()),
        "/robots.txt" => common::Reply::Raw {
            status: 200,
            headers: vec![("content-type", "text/plain".into())],
            body: format!("User-agent: *\nAllow: /\nSitemap: {cdn_base}/acme/sitemap_index.xml\n")
                .into_bytes(),
        },
        "/only-in-the-cdn-sitemap" => common::Reply::Html("<p>listed on the CDN</p>".into()),
        _ => common::Reply::NotFound,
    })
    .await;
    site_host
        .set(
            site.url("")
                .trim_start_matches("http://")
                .trim_end_matches('/')
                .to_string(),
        )
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (outcome, _) = crawl(config(&site.url("/"), spec(), &[site.ip()]), dir.path()).await;
    assert!(outcome.is_ok(), "{outcome:?}");
    assert_eq!(
        site.hits("/only-in-the-cdn-sitemap"),
        1,
        "{:?}",
        site.page_hits()
    );
    assert_eq!(cdn.hits("/acme/sitemap_index.xml"), 1);
    assert_eq!(cdn.hits("/acme/pages.xml"), 1);
    // The CDN's own pages are not the site's, and a sitemap at the CDN's
    // root that robots.txt does not name is not read.
    assert_eq!(cdn.hits("/not-the-sites-page"), 0);
    assert_eq!(cdn.hits("/sitemap.xml"), 0);
}
