//! Small local sites built like common company websites (WordPress,
//! Next.js, Java app servers, legacy German pages), each with a pattern the
//! crawl must handle: redirects, session ids, ports, links outside anchors,
//! legacy charsets, compressed bodies, page priorities.

use crate::common;

use std::io::Write as _;

use cira_crawler::engine::RunOutcome;
use cira_crawler::state::CrawlState;
use common::{Reply, Site, config, crawl, spec};

fn html(body: &str) -> Reply {
    Reply::Html(format!(
        "<!doctype html><html lang=en><head><title>Acme</title></head><body>{body}</body></html>"
    ))
}

fn raw(status: u16, headers: Vec<(&'static str, String)>, body: impl Into<Vec<u8>>) -> Reply {
    Reply::Raw {
        status,
        headers,
        body: body.into(),
    }
}

fn redirect(status: u16, to: &str) -> Reply {
    raw(status, vec![("location", to.to_string())], Vec::new())
}

async fn crawl_site(site: &Site, seed: &str, s: cira_crds::CrawlSpec) -> CrawlState {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&site.url(seed), s, &[site.ip()]);
    let (outcome, state) = crawl(cfg, dir.path()).await;
    assert!(
        matches!(outcome, Ok(RunOutcome::Completed { .. })),
        "{outcome:?}"
    );
    state.expect("a final checkpoint")
}

fn title_of(state: &CrawlState, path_end: &str) -> Option<String> {
    state
        .entities
        .pages
        .iter()
        .find(|p| p.url.ends_with(path_end))
        .and_then(|p| p.title.clone())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trailing_slash_redirects_are_followed_not_loops() {
    // WordPress adds the slash (301), Next.js/Vercel remove it (308); the
    // seed itself redirects so. A moved page is recorded where it is now.
    let site = Site::start(|path: &str| match path {
        "/en" => redirect(301, "/en/"),
        "/en/" => html(
            r#"<a href="/kontakt">Kontakt</a> <a href="/about/">About</a> <a href="/old-team">Team</a>"#,
        ),
        "/kontakt" => redirect(301, "/kontakt/"),
        "/kontakt/" => html("<p>Kontakt</p>"),
        "/about/" => redirect(308, "/about"),
        "/about" => html(r#"<p>About</p><a href="/about/">self</a> <a href="/team">Team</a>"#),
        "/old-team" => redirect(301, "/team"),
        "/team" => html(r#"<p>Team</p><a href="/old-team">again</a>"#),
        _ => Reply::NotFound,
    })
    .await;
    let mut s = spec();
    // One at a time: `/team` is queued (linked from `/about`) before
    // `/old-team` turns out to be it.
    s.concurrency = 1;
    let state = crawl_site(&site, "/en", s).await;
    assert_eq!(state.pages_failed, 0);
    assert!(state.skipped.is_empty(), "{:?}", state.skipped);
    for path in [
        "/en",
        "/en/",
        "/kontakt",
        "/kontakt/",
        "/about/",
        "/about",
        "/old-team",
        "/team",
    ] {
        assert_eq!(site.hits(path), 1, "{path}: {:?}", site.page_hits());
    }
    assert_eq!(site.total_page_hits(), 8);
    // Pages are recorded under their final URLs.
    let mut pages: Vec<String> = state
        .entities
        .pages
        .iter()
        .map(|p| p.url.trim_start_matches(&site.url("")).to_string())
        .collect();
    pages.sort();
    assert_eq!(pages, ["/about", "/en/", "/kontakt/", "/team"]);
    // The URL that redirected is visited too: linking it again fetches
    // nothing.
    let old = url::Url::parse(&site.url("/old-team")).unwrap();
    assert!(
        state
            .visited
            .0
            .contains(&cira_crawler::url_norm::dedup_key(&old)),
        "{:?}",
        state.visited
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_ids_cookie_checks_and_spellings_are_one_page() {
    let hex = "9f8e7d6c5b4a39281706f5e4d3c2b1a0";
    let home = format!(
        r#"<a href="/shop;jsessionid=0AF3B2C1D9">Shop</a> <a href="/shop;jsessionid=77EE01">Shop</a>
        <a href="/team?PHPSESSID={hex}">Team</a> <a href="/team?srsltid=AfmB&amp;_kx=a.b&amp;hsa_cam=7">Team</a>
        <a href="/index.html">Home</a> <a href="/about/index.php">About</a> <a href="/about/">About</a>
        <a href="/%7Ejane">Jane</a> <a href="/~jane">Jane</a> <a href="/p?sid={hex}">P</a>"#
    );
    // The home page first sets a cookie and sends the client back to itself
    // to see that cookies work, as load balancers and consent walls do.
    let site = Site::start_with_headers("127.0.0.1", move |path, headers| {
        let has_cookie = headers
            .get_all("cookie")
            .iter()
            .any(|v| v.to_str().unwrap_or("").contains("check=1"));
        match path {
            "/" if !has_cookie => raw(
                302,
                vec![
                    ("location", "/".into()),
                    ("set-cookie", "check=1; Path=/".into()),
                ],
                Vec::new(),
            ),
            "/" => html(&home),
            "/shop" | "/team" | "/about/" | "/about/index.php" | "/~jane" | "/p" => {
                html("<p>page</p>")
            }
            _ => Reply::NotFound,
        }
    })
    .await;
    let state = crawl_site(&site, "/", spec()).await;
    assert_eq!(state.pages_failed, 0, "the cookie check is no loop");
    let hits = site.page_hits();
    assert_eq!(hits.get("/"), Some(&2), "{hits:?}");
    for path in ["/shop", "/team", "/~jane", "/p"] {
        assert_eq!(hits.get(path), Some(&1), "{path}: {hits:?}");
    }
    // `/about/index.php` and `/about/` are one page: the first spelling
    // linked is fetched, once.
    let about = hits.get("/about/index.php").unwrap_or(&0) + hits.get("/about/").unwrap_or(&0);
    assert_eq!(about, 1, "{hits:?}");
    assert_eq!(hits.len(), 6, "{hits:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_port_is_another_site() {
    let admin = Site::start(|_: &str| html("<p>admin console</p>")).await;
    let admin_url = admin.url("/admin");
    let site = Site::start(move |path: &str| match path {
        "/" => html(&format!(
            r#"<a href="{admin_url}">Admin</a> <a href="/ok">OK</a>"#
        )),
        "/ok" => html("<p>ok</p>"),
        _ => Reply::NotFound,
    })
    .await;
    let state = crawl_site(&site, "/", spec()).await;
    assert_eq!(admin.total_page_hits(), 0, "{:?}", admin.all_hits());
    assert_eq!(site.hits("/ok"), 1);
    assert!(
        state.external_links.contains(&admin.url("/admin")),
        "{:?}",
        state.external_links
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn links_outside_anchors_are_followed() {
    // A Next.js-style app shell: navigation is rendered by script, so the
    // pages are linked from `<noscript>`, hreflang alternates, an image map,
    // `__NEXT_DATA__` and JSON-LD only.
    let site = Site::start(|path: &str| match path {
        "/" => Reply::Html(
            r##"<!doctype html><html><head><title>Acme</title>
            <link rel="alternate" hreflang="de" href="/de/">
            <script type="application/ld+json">{"@context":"https://schema.org","@type":"Organization",
              "url":"/kontakt","logo":"/logo.png","sameAs":["https://www.linkedin.com/company/acme"]}</script>
            </head><body><div id="__next"></div>
            <noscript><a href="/impressum">Impressum</a></noscript>
            <img usemap="#m"><map name="m"><area href="/standorte" alt="Map"></map>
            <script id="__NEXT_DATA__" type="application/json">{"props":{"pageProps":{"nav":[{"href":"/team"}]}},"page":"/[slug]"}</script>
            </body></html>"##
                .into(),
        ),
        "/de/" | "/kontakt" | "/impressum" | "/standorte" | "/team" => html("<p>page</p>"),
        _ => Reply::NotFound,
    })
    .await;
    crawl_site(&site, "/", spec()).await;
    for path in ["/de/", "/kontakt", "/impressum", "/standorte", "/team"] {
        assert_eq!(site.hits(path), 1, "{path}: {:?}", site.page_hits());
    }
    assert_eq!(site.hits("/[slug]"), 0);
}

fn deflate_raw(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn legacy_charsets_and_raw_deflate_decode_as_in_a_browser() {
    let site = Site::start(|path: &str| match path {
        // No charset anywhere, windows-1252 bytes.
        "/" => raw(
            200,
            vec![("content-type", "text/html".into())],
            b"<html><head><title>J\xfcrgen M\xfcller GmbH</title></head><body>\
              <a href=\"/late\">late</a> <a href=\"/deflated\">deflated</a></body></html>"
                .to_vec(),
        ),
        // The declaration comes after 4 KiB of inline style.
        "/late" => {
            let mut body = b"<html><head><style>".to_vec();
            body.extend(std::iter::repeat_n(b' ', 4096));
            body.extend(b"</style><meta charset=\"iso-8859-15\"><title>\xa4 J\xfcrgen</title></head></html>");
            raw(200, vec![("content-type", "text/html".into())], body)
        }
        // Raw deflate without the zlib header, as some servers send it.
        "/deflated" => raw(
            200,
            vec![
                ("content-type", "text/html; charset=utf-8".into()),
                ("content-encoding", "deflate".into()),
            ],
            deflate_raw(
                "<html><head><title>Müller deflated</title></head><body><a href=\"/after\">x</a></body></html>"
                    .as_bytes(),
            ),
        ),
        "/after" => html("<p>after</p>"),
        _ => Reply::NotFound,
    })
    .await;
    let state = crawl_site(&site, "/", spec()).await;
    assert_eq!(title_of(&state, "/").as_deref(), Some("Jürgen Müller GmbH"));
    assert_eq!(title_of(&state, "/late").as_deref(), Some("€ Jürgen"));
    assert_eq!(
        title_of(&state, "/deflated").as_deref(),
        Some("Müller deflated")
    );
    assert_eq!(site.hits("/after"), 1, "the inflated page's links are read");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn company_fact_pages_come_before_bulk_pages() {
    // A blog-heavy site: with a budget of 10 pages, the imprint and team
    // page linked (last) from the home page are fetched, not blog posts.
    let site = Site::start(|path: &str| {
        let blog: String = (0..30)
            .map(|i| format!("<url><loc>/blog/post-{i}</loc></url>"))
            .collect();
        match path {
            "/" => {
                let posts: String = (0..3)
                    .map(|i| format!(r#"<a href="/blog/post-{i}">Post {i}</a> "#))
                    .collect();
                html(&format!(
                    r#"{posts}<a href="/impressum">Impressum</a> <a href="/ueber-uns/team">Team</a> <a href="/ueber-uns">Über uns</a>"#
                ))
            }
            "/sitemap.xml" => raw(
                200,
                vec![("content-type", "application/xml".into())],
                format!("<urlset>{blog}</urlset>"),
            ),
            "/impressum" | "/ueber-uns/team" => html("<p>facts</p>"),
            // Linked from the home page: its own links (depth 2) come
            // before sitemap-only posts.
            "/ueber-uns" => html(r#"<a href="/ueber-uns/vorstand">Vorstand</a>"#),
            "/ueber-uns/vorstand" => html("<p>board</p>"),
            p if p.starts_with("/blog/post-") => html("<p>post</p>"),
            _ => Reply::NotFound,
        }
    })
    .await;
    let mut s = spec();
    s.max_pages = 10;
    s.concurrency = 1;
    crawl_site(&site, "/", s).await;
    assert_eq!(site.hits("/impressum"), 1, "{:?}", site.page_hits());
    assert_eq!(site.hits("/ueber-uns/team"), 1, "{:?}", site.page_hits());
    assert_eq!(
        site.hits("/ueber-uns/vorstand"),
        1,
        "{:?}",
        site.page_hits()
    );
    assert_eq!(site.total_page_hits(), 10);
    // Home, three fact pages, three linked posts and the board page (a
    // link at depth 2) leave two for posts only the sitemap lists.
    let posts = (0..30)
        .filter(|i| site.hits(&format!("/blog/post-{i}")) == 1)
        .count();
    assert_eq!(posts, 5, "{:?}", site.page_hits());
    for i in 0..3 {
        assert_eq!(
            site.hits(&format!("/blog/post-{i}")),
            1,
            "{:?}",
            site.page_hits()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_are_documents_not_pages() {
    let site = Site::start(|path: &str| match path {
        "/" => html(
            r#"<a href="/files/Brochure.PDF">Brochure</a> <img src="/logo.png"><a href="/logo.png">Logo</a>
            <a href="/download?id=7">Price list</a> <a href="/about">About</a>
            <a href="/catalog.ZIP">Catalog</a> <a href="/products">Products</a>"#,
        ),
        // A file behind a URL without an extension: fetched, not a page.
        "/download?id=7" => raw(
            200,
            vec![("content-type", "application/pdf".into())],
            b"%PDF-1.4".to_vec(),
        ),
        "/about" | "/products" => html("<p>page</p>"),
        _ => Reply::NotFound,
    })
    .await;
    let mut s = spec();
    // Room for the three pages only: files must not use it up.
    s.max_pages = 3;
    let state = crawl_site(&site, "/", s).await;
    for file in ["/files/Brochure.PDF", "/logo.png", "/catalog.ZIP"] {
        assert_eq!(site.hits(file), 0, "{file}");
    }
    assert_eq!(site.hits("/download?id=7"), 1, "{:?}", site.page_hits());
    assert_eq!(site.hits("/about"), 1, "{:?}", site.page_hits());
    assert_eq!(site.hits("/products"), 1, "{:?}", site.page_hits());
    assert_eq!(state.pages_crawled, 3);
    assert_eq!(state.pages_failed, 0);
    let documents: Vec<&str> = state.documents.iter().map(String::as_str).collect();
    assert_eq!(
        documents,
        [
            site.url("/catalog.ZIP"),
            site.url("/download?id=7"),
            site.url("/files/Brochure.PDF"),
            site.url("/logo.png")
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn servers_asking_to_slow_down_get_a_paused_host_and_more_attempts() {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicU32, Ordering};
    let busy = std::sync::Arc::new(AtomicU32::new(0));
    let unavailable = std::sync::Arc::new(AtomicU32::new(0));
    let when = std::sync::Arc::new(Mutex::new(Vec::new()));
    let (b, u, w) = (busy.clone(), unavailable.clone(), when.clone());
    let site = Site::start(move |path: &str| match path {
        "/" => html(r#"<a href="/busy">Busy</a> <a href="/down">Down</a> <a href="/ok">OK</a>"#),
        // Rate-limited four times, with Retry-After, then fine.
        "/busy" if b.fetch_add(1, Ordering::SeqCst) < 4 => {
            w.lock().unwrap().push(std::time::Instant::now());
            raw(429, vec![("retry-after", "0".into())], Vec::new())
        }
        // Unavailable twice without Retry-After, then fine.
        "/down" if u.fetch_add(1, Ordering::SeqCst) < 2 => raw(503, vec![], Vec::new()),
        "/busy" | "/down" | "/ok" => html("<p>page</p>"),
        _ => Reply::NotFound,
    })
    .await;
    let state = crawl_site(&site, "/", spec()).await;
    assert_eq!(site.hits("/busy"), 5);
    assert_eq!(site.hits("/down"), 3);
    assert_eq!(state.pages_failed, 0);
    assert_eq!(state.pages_crawled, 4, "each URL counts once");
    assert!(state.skipped.is_empty(), "{:?}", state.skipped);
    // A URL that never stops asking is given up after ten attempts.
    let site = Site::start(|path: &str| match path {
        "/" => html(r#"<a href="/never">Never</a>"#),
        "/never" => raw(503, vec![("retry-after", "0".into())], Vec::new()),
        _ => Reply::NotFound,
    })
    .await;
    let state = crawl_site(&site, "/", spec()).await;
    assert_eq!(site.hits("/never"), 10);
    assert_eq!(
        state.skipped.get(&cira_crawler::skip::SkipKind::Throttled),
        Some(&1)
    );
}

async fn seed_error(site: &Site) -> cira_crawler::error::Error {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&site.url("/"), spec(), &[site.ip()]);
    let (outcome, _) = crawl(cfg, dir.path()).await;
    match outcome {
        Err(e) => e,
        other => panic!("the scan should fail: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocked_or_unavailable_seed_fails_the_scan_with_the_status() {
    use cira_crawler::error::Error;
    use cira_crawler::skip::SkipReason;
    use cira_crds::progress::FailureKind;
    for status in [401u16, 403, 451] {
        let site = Site::start(move |path: &str| match path {
            "/robots.txt" => Reply::NotFound,
            _ => raw(status, vec![], b"blocked".to_vec()),
        })
        .await;
        let e = seed_error(&site).await;
        assert!(
            matches!(&e, Error::SeedBlocked { reason: SkipReason::HttpStatus(s), .. } if *s == status),
            "{e:?}"
        );
        assert_eq!(e.failure_kind(), FailureKind::SeedBlocked);
        assert!(e.to_string().contains(&status.to_string()), "{e}");
    }
    let site = Site::start(|path: &str| match path {
        "/robots.txt" => Reply::NotFound,
        _ => raw(500, vec![], Vec::new()),
    })
    .await;
    let e = seed_error(&site).await;
    assert!(
        matches!(
            &e,
            Error::SeedUnavailable {
                reason: SkipReason::HttpStatus(500),
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(e.failure_kind(), FailureKind::SeedUnavailable);
    // 503 on every attempt: ten attempts, then unavailable.
    let site = Site::start(|path: &str| match path {
        "/robots.txt" => Reply::NotFound,
        _ => raw(503, vec![("retry-after", "0".into())], Vec::new()),
    })
    .await;
    let e = seed_error(&site).await;
    assert!(
        matches!(
            &e,
            Error::SeedUnavailable {
                reason: SkipReason::Throttled { status: 503, .. },
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.to_string().contains("503"), "{e}");
    assert_eq!(site.hits("/"), 10);
    // robots.txt answering 503: tried again, then the host is disallowed
    // and the scan says why.
    let site = Site::start(|path: &str| match path {
        "/robots.txt" => raw(503, vec![], Vec::new()),
        _ => html("<p>home</p>"),
    })
    .await;
    let e = seed_error(&site).await;
    assert!(
        matches!(
            &e,
            Error::SeedUnavailable {
                reason: SkipReason::RobotsUnavailable { .. },
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.to_string().contains("503"), "{e}");
    assert_eq!(site.hits("/robots.txt"), 3);
    assert_eq!(site.hits("/"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_robots_txt_that_recovers_is_read_and_a_js_shell_is_reported() {
    use std::sync::atomic::{AtomicU32, Ordering};
    let tries = std::sync::Arc::new(AtomicU32::new(0));
    let t = tries.clone();
    let site = Site::start(move |path: &str| match path {
        "/robots.txt" if t.fetch_add(1, Ordering::SeqCst) == 0 => raw(502, vec![], Vec::new()),
        "/robots.txt" => raw(
            200,
            vec![("content-type", "text/plain".into())],
            b"User-agent: *\nDisallow: /private\n".to_vec(),
        ),
        "/" => Reply::Html(
            r#"<!doctype html><html><head><title>App</title><script src="/app.js"></script></head>
            <body><div id="root"></div></body></html>"#
                .into(),
        ),
        _ => Reply::NotFound,
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&site.url("/"), spec(), &[site.ip()]);
    let (outcome, state) = crawl(cfg, dir.path()).await;
    assert!(
        matches!(outcome, Ok(RunOutcome::Completed { .. })),
        "{outcome:?}"
    );
    assert_eq!(state.unwrap().pages_without_links, 1);
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("report.json")).unwrap()).unwrap();
    let warnings = report["warnings"].as_array().expect("warnings");
    assert!(
        warnings.iter().any(|w| w
            .as_str()
            .unwrap()
            .contains("renders its content with JavaScript; 1 page had no links")),
        "{warnings:?}"
    );
    let md = std::fs::read_to_string(dir.path().join("report.md")).unwrap();
    assert!(md.contains("Warning: The site renders its content with JavaScript"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_scan_of_a_blocked_site_exits_non_zero_with_the_reason() {
    let site = Site::start(|_: &str| raw(403, vec![], b"Forbidden".to_vec())).await;
    let dir = tempfile::tempdir().unwrap();
    let mut c = common::Crawler::start(&site, dir.path(), 0, &[]);
    let status = c.wait(std::time::Duration::from_secs(60)).await;
    assert!(!status.success(), "{}", c.stderr());
    let stderr = c.stderr();
    assert!(
        stderr.contains("blocks the crawler") && stderr.contains("HTTP 403"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bot_challenge_is_a_block_not_a_slow_down() {
    use cira_crawler::error::Error;
    use cira_crawler::skip::{SkipKind, SkipReason};
    use cira_crds::progress::FailureKind;
    // Cloudflare's challenge answers 503 with `cf-mitigated: challenge`:
    // asking again does not help, so the seed is blocked at once.
    let site = Site::start(|path: &str| match path {
        "/robots.txt" => Reply::NotFound,
        _ => raw(
            503,
            vec![
                ("cf-mitigated", "challenge".into()),
                ("content-type", "text/html".into()),
            ],
            b"<html><title>Just a moment...</title></html>".to_vec(),
        ),
    })
    .await;
    let e = seed_error(&site).await;
    assert!(
        matches!(
            &e,
            Error::SeedBlocked {
                reason: SkipReason::BotChallenge {
                    status: 503,
                    by: "Cloudflare"
                },
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(e.failure_kind(), FailureKind::SeedBlocked);
    assert!(e.to_string().contains("503"), "{e}");
    assert_eq!(site.hits("/"), 1);
    // An AWS WAF challenge (202, an HTML page) on one page is no page; the
    // report says so.
    let site = Site::start(|path: &str| match path {
        "/" => html(r#"<a href="/kontakt">Kontakt</a> <a href="/team">Team</a>"#),
        "/kontakt" => raw(
            202,
            vec![
                ("x-amzn-waf-action", "challenge".into()),
                ("content-type", "text/html".into()),
            ],
            b"<html><title>Human verification</title><a href=\"/trap\">x</a></html>".to_vec(),
        ),
        "/team" => html("<p>team</p>"),
        _ => Reply::NotFound,
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&site.url("/"), spec(), &[site.ip()]);
    let (outcome, state) = crawl(cfg, dir.path()).await;
    assert!(
        matches!(outcome, Ok(RunOutcome::Completed { .. })),
        "{outcome:?}"
    );
    let state = state.unwrap();
    assert_eq!(state.skipped.get(&SkipKind::BotChallenge), Some(&1));
    assert_eq!(state.pages_extracted, 2, "the challenge page is not a page");
    assert_eq!(site.hits("/trap"), 0);
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("report.json")).unwrap()).unwrap();
    assert!(
        report["warnings"]
            .as_array()
            .expect("warnings")
            .iter()
            .any(|w| w.as_str().unwrap().contains("bot defence")),
        "{}",
        report["warnings"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_and_link_headers_are_followed_like_their_elements() {
    // A language splash answering 200 with `Refresh: 0; url=/de/` and an
    // empty page, as some server configurations do.
    let site = Site::start(|path: &str| match path {
        "/" => raw(
            200,
            vec![
                ("content-type", "text/html".into()),
                ("refresh", "0; URL='/de/'".into()),
            ],
            b"<html><head><title>Acme</title></head><body></body></html>".to_vec(),
        ),
        // Its language versions only in `Link` headers (RFC 8288).
        "/de/" => raw(
            200,
            vec![
                ("content-type", "text/html".into()),
                (
                    "link",
                    r#"</en/>; rel="alternate"; hreflang="en", </s.css>; rel=preload; as=style"#
                        .into(),
                ),
            ],
            br#"<a href="/de/impressum">Impressum</a>"#.to_vec(),
        ),
        "/de/impressum" | "/en/" => html("<p>page</p>"),
        _ => Reply::NotFound,
    })
    .await;
    crawl_site(&site, "/", spec()).await;
    assert_eq!(site.hits("/de/"), 1, "{:?}", site.page_hits());
    assert_eq!(site.hits("/de/impressum"), 1, "{:?}", site.page_hits());
    assert_eq!(site.hits("/en/"), 1, "{:?}", site.page_hits());
    assert_eq!(site.hits("/s.css"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_the_site_refuses_are_counted_and_named_in_the_report() {
    use cira_crawler::skip::SkipKind;
    // A WAF rule or a members' area: the home page answers, some pages do
    // not. The scan completes, and says what is missing.
    let site = Site::start(|path: &str| match path {
        "/" => html(
            r#"<a href="/team">Team</a> <a href="/intern">Intern</a> <a href="/blocked-in-de">DE</a> <a href="/gone">Gone</a>"#,
        ),
        "/team" => raw(403, vec![], b"Forbidden".to_vec()),
        "/intern" => raw(401, vec![("www-authenticate", "Basic".into())], Vec::new()),
        "/blocked-in-de" => raw(451, vec![], Vec::new()),
        _ => Reply::NotFound,
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&site.url("/"), spec(), &[site.ip()]);
    let (outcome, state) = crawl(cfg, dir.path()).await;
    assert!(
        matches!(outcome, Ok(RunOutcome::Completed { .. })),
        "{outcome:?}"
    );
    let state = state.unwrap();
    assert_eq!(
        state.skipped.get(&SkipKind::AccessDenied),
        Some(&3),
        "{:?}",
        state.skipped
    );
    assert_eq!(
        state.skipped.get(&SkipKind::HttpStatus),
        Some(&1),
        "{:?}",
        state.skipped
    );
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("report.json")).unwrap()).unwrap();
    assert_eq!(report["skippedUrls"]["accessDenied"], 3);
    assert!(
        report["warnings"]
            .as_array()
            .expect("warnings")
            .iter()
            .any(|w| w
                .as_str()
                .unwrap()
                .contains("refused 3 URLs with 401, 403 or 451")),
        "{}",
        report["warnings"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_host_shows_in_the_progress() {
    use cira_crawler::checkpoint::{DirStore, Store};
    use cira_crawler::engine::Engine;
    use cira_crds::progress::CrawlerProgress;
    use std::sync::atomic::{AtomicU32, Ordering};
    let tries = std::sync::Arc::new(AtomicU32::new(0));
    let t = tries.clone();
    let site = Site::start(move |path: &str| match path {
        "/" => html(r#"<a href="/busy">Busy</a>"#),
        "/busy" if t.fetch_add(1, Ordering::SeqCst) == 0 => {
            raw(429, vec![("retry-after", "1".into())], Vec::new())
        }
        "/busy" => html("<p>fine</p>"),
        _ => Reply::NotFound,
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&site.url("/"), spec(), &[site.ip()]);
    let (tx, mut rx) = tokio::sync::watch::channel(CrawlerProgress::default());
    let seen = tokio::spawn(async move {
        let mut activities = Vec::new();
        while rx.changed().await.is_ok() {
            if let Some(a) = rx.borrow_and_update().current_activity.clone()
                && activities.last() != Some(&a)
            {
                activities.push(a);
            }
        }
        activities
    });
    let engine = Engine::new(
        cfg,
        Store::Dir(DirStore::new(dir.path()).unwrap()),
        tx,
        cira_crawler::report::dir_report_writer(dir.path().to_path_buf()),
    )
    .unwrap();
    let outcome = engine.run(tokio_util::sync::CancellationToken::new()).await;
    assert!(
        matches!(outcome, Ok(RunOutcome::Completed { .. })),
        "{outcome:?}"
    );
    drop(engine);
    let activities = seen.await.unwrap();
    let host = site.addr.ip().to_string();
    let paused = activities
        .iter()
        .position(|a| a.contains(&host) && a.contains("slow down (HTTP 429)"));
    assert!(paused.is_some(), "{activities:?}");
    assert_eq!(site.hits("/busy"), 2);
}
