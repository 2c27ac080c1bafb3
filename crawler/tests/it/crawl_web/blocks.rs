//! Sites that slow the crawler down, block it or refuse pages: paused hosts,
//! a failed seed with its status, bot challenges, refused pages in the
//! report.

use cira_crawler::engine::RunOutcome;

use super::{crawl_site, html, raw};
use crate::common::{self, Reply, Site, config, crawl, crawl_completed, spec};

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

/// Crawls `site` from `/` to completion and checks that one URL was a bot
/// challenge; the state, and the folder with the report.
async fn one_challenge_skipped(
    site: &Site,
) -> (cira_crawler::state::CrawlState, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&site.url("/"), spec(), &[site.ip()]);
    let state = crawl_completed(cfg, dir.path()).await;
    assert_eq!(
        state
            .skipped
            .get(&cira_crawler::skip::SkipKind::BotChallenge),
        Some(&1)
    );
    (state, dir)
}

/// Checks that the scan failed because `by`'s challenge, answered with
/// `status`, blocked the seed.
fn assert_challenged(e: &cira_crawler::error::Error, status: u16, by: &str) {
    use cira_crawler::error::Error;
    use cira_crawler::skip::SkipReason;
    assert!(
        matches!(
            e,
            Error::SeedBlocked {
                reason: SkipReason::BotChallenge { status: s, by: b },
                ..
            } if *s == status && *b == by
        ),
        "{e:?}"
    );
    assert_eq!(
        e.failure_kind(),
        cira_crds::progress::FailureKind::SeedBlocked
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
    // Nor is `/sitemap.xml` asked for: everything is disallowed.
    assert_eq!(site.hits("/sitemap.xml"), 0);
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
        // An app shell whose structured data still says something.
        "/" => Reply::Html(
            r#"<!doctype html><html><head><title>App</title><script src="/app.js"></script>
            <script type="application/ld+json">{"@context":"https://schema.org","@type":"Organization",
              "name":"Acme","email":"info@acme.test"}</script></head>
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
async fn a_site_of_script_shells_that_says_nothing_fails_the_scan() {
    use cira_crawler::error::Error;
    use cira_crds::progress::FailureKind;
    // A JavaScript app, or a bot defence's challenge served with 200: the
    // page is scripts only, and the server's headers name a technology.
    let shell = r#"<!doctype html><html><head><title>Just a moment...</title>
        <script src="/challenge.js"></script></head><body><noscript>Enable JavaScript</noscript>
        <div id="app"></div></body></html>"#;
    let site = Site::start(move |path: &str| match path {
        "/robots.txt" => Reply::NotFound,
        _ => Reply::Html(shell.into()),
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&site.url("/"), spec(), &[site.ip()]);
    let (outcome, _) = crawl(cfg, dir.path()).await;
    let e = outcome.expect_err("no report of nothing");
    assert!(
        matches!(&e, Error::SiteNeedsJavaScript { pages: 1, .. }),
        "{e:?}"
    );
    assert_eq!(e.failure_kind(), FailureKind::SiteNeedsJavaScript);
    assert!(e.is_permanent());
    assert!(e.to_string().contains("needs JavaScript"), "{e}");
    assert!(!dir.path().join("report.json").exists());
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
async fn a_challenge_page_served_with_200_is_a_block_not_a_page() {
    // Sucuri's firewall answers 200 with a script that sets a cookie and
    // reloads; a link out to the defence's site does not make it a page.
    let sucuri = r#"<html><head><title>You are being redirected...</title></head><body>
        <noscript>Javascript is required. Please enable javascript before you are allowed to see this page.</noscript>
        <script>var s={},u,c,U,r,i,l=0,a,e=eval,w=String.fromCharCode,sucuri_cloudproxy_js='',S='cz0iMSIuc3Vic3RyKDAsMSk';</script>
        <a href="https://sucuri.net/">Sucuri</a></body></html>"#;
    let site = Site::start(move |path: &str| match path {
        "/robots.txt" => Reply::NotFound,
        _ => Reply::Html(sucuri.into()),
    })
    .await;
    let e = seed_error(&site).await;
    assert_challenged(&e, 200, "Sucuri");
    assert!(e.is_permanent());
    // An Anubis challenge on one page of a readable site: that page is
    // skipped as a bot challenge and the others are read.
    let anubis = r#"<html><head><title>Making sure you're not a bot!</title>
        <script id="anubis_challenge" type="application/json">{"challenge":"x"}</script>
        <script type="module" src="/.within.website/x/cmd/anubis/static/js/main.mjs"></script></head>
        <body><h1>Making sure you're not a bot!</h1><p>Loading...</p>
        <a href="https://github.com/TecharoHQ/anubis">Anubis</a></body></html>"#;
    let site = Site::start(move |path: &str| match path {
        "/" => html(r#"<a href="/team">Team</a> <a href="/kontakt">Kontakt</a>"#),
        "/team" => Reply::Html(anubis.into()),
        "/kontakt" => html("<p>Acme GmbH, info@acme.example</p>"),
        _ => Reply::NotFound,
    })
    .await;
    let (state, _dir) = one_challenge_skipped(&site).await;
    assert_eq!(state.pages_extracted, 2, "the challenge is not a page");
    assert_eq!(site.hits("/team"), 1, "asking again would not help");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bot_challenge_is_a_block_not_a_slow_down() {
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
    assert_challenged(&e, 503, "Cloudflare");
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
    let (state, dir) = one_challenge_skipped(&site).await;
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
    let state = crawl_completed(cfg, dir.path()).await;
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirects_do_not_lead_past_robots_txt() {
    // A shop's `/account` sends visitors to `/login?next=...`, a short link
    // to a disallowed folder: the targets are judged by robots.txt as
    // links to them would be.
    let site = Site::start(|path: &str| match path {
        "/robots.txt" => raw(
            200,
            vec![("content-type", "text/plain".into())],
            b"User-agent: *\nDisallow: /private\nDisallow: /login\n".to_vec(),
        ),
        "/" => {
            html(r#"<a href="/go">Go</a> <a href="/account">Account</a> <a href="/old">Old</a>"#)
        }
        "/go" => super::redirect(302, "/private/report"),
        "/account" => super::redirect(302, "/login?next=/account"),
        "/old" => super::redirect(301, "/new"),
        _ => html("<p>page</p>"),
    })
    .await;
    let state = crawl_site(&site, "/", spec()).await;
    assert_eq!(site.hits("/private/report"), 0, "{:?}", site.page_hits());
    assert_eq!(
        site.hits("/login?next=/account"),
        0,
        "{:?}",
        site.page_hits()
    );
    assert_eq!(site.hits("/new"), 1, "{:?}", site.page_hits());
    assert_eq!(
        state
            .skipped
            .get(&cira_crawler::skip::SkipKind::RobotsDisallowed),
        Some(&2),
        "{:?}",
        state.skipped
    );
}
