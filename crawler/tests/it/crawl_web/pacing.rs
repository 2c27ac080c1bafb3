//! Every request to a host waits its turn: each hop of a redirect chain,
//! robots.txt and sitemaps; a robots.txt `Crawl-delay` paces the host, and
//! one long enough to stall the scan is capped and named in the report.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cira_crawler::engine::{EngineConfig, RunOutcome};

use super::{html, raw, redirect};
use crate::common::{Reply, Site, config, crawl, spec};

/// A site that notes when each request came, in order.
async fn timed_site(
    handler: impl Fn(&str) -> Reply + Send + Sync + 'static,
) -> (Site, Arc<Mutex<Vec<(String, Instant)>>>) {
    let times = Arc::new(Mutex::new(Vec::new()));
    let t = Arc::clone(&times);
    let site = Site::start(move |path: &str| {
        t.lock().unwrap().push((path.to_string(), Instant::now()));
        handler(path)
    })
    .await;
    (site, times)
}

/// Runs the crawl to its end; returns the report.
async fn run(cfg: EngineConfig) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    let (outcome, _) = crawl(cfg, dir.path()).await;
    assert!(
        matches!(outcome, Ok(RunOutcome::Completed { .. })),
        "{outcome:?}"
    );
    serde_json::from_slice(&std::fs::read(dir.path().join("report.json")).unwrap()).unwrap()
}

/// The paths asked for, and the shortest time between two requests.
fn requests(times: &Mutex<Vec<(String, Instant)>>) -> (Vec<String>, Duration) {
    let times = times.lock().unwrap();
    let gap = times
        .windows(2)
        .map(|w| w[1].1 - w[0].1)
        .min()
        .unwrap_or(Duration::MAX);
    (times.iter().map(|(p, _)| p.clone()).collect(), gap)
}

fn warnings(report: &serde_json::Value) -> Vec<String> {
    report["warnings"]
        .as_array()
        .map(|w| w.iter().map(|s| s.as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_hop_of_a_redirect_chain_waits_its_turn() {
    let (site, times) = timed_site(|path: &str| match path {
        "/" => redirect(301, "/de"),
        "/de" => redirect(302, "/de/"),
        "/de/" => redirect(307, "/de/start"),
        "/de/start" => html("<p>Willkommen</p>"),
        _ => Reply::NotFound,
    })
    .await;
    let mut cfg = config(&site.url("/"), spec(), &[site.ip()]);
    cfg.requests_per_second = Some(10.0);
    run(cfg).await;
    let (paths, gap) = requests(&times);
    assert_eq!(
        paths,
        [
            "/robots.txt",
            "/sitemap.xml",
            "/",
            "/de",
            "/de/",
            "/de/start"
        ]
    );
    // 10 requests a second: 100 ms apart, less a little for the clocks.
    assert!(gap >= Duration::from_millis(90), "{gap:?}");
}

fn robots(delay: &str) -> Reply {
    raw(
        200,
        vec![("content-type", "text/plain".into())],
        format!("User-agent: *\nCrawl-delay: {delay}\nDisallow: /private\n"),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crawl_delay_is_honoured_and_one_that_would_stall_the_scan_is_capped() {
    // A usual Crawl-delay paces the host as asked, with no warning.
    let (site, times) = timed_site(|path: &str| match path {
        "/robots.txt" => robots("0.2"),
        "/" => html(r#"<a href="/team">Team</a>"#),
        "/team" => html("<p>Team</p>"),
        _ => Reply::NotFound,
    })
    .await;
    let report = run(config(&site.url("/"), spec(), &[site.ip()])).await;
    let (paths, gap) = requests(&times);
    assert_eq!(paths, ["/robots.txt", "/sitemap.xml", "/", "/team"]);
    assert!(gap >= Duration::from_millis(180), "{gap:?}");
    assert!(
        !warnings(&report).iter().any(|w| w.contains("Crawl-delay")),
        "{report}"
    );
    // `Crawl-delay: 3600` would take hours a page: the host is paced at
    // the cap (made short here), and the report says so.
    let (site, times) = timed_site(|path: &str| match path {
        "/robots.txt" => robots("3600"),
        "/" => html(r#"<a href="/team">Team</a>"#),
        "/team" => html("<p>Team</p>"),
        _ => Reply::NotFound,
    })
    .await;
    let mut cfg = config(&site.url("/"), spec(), &[site.ip()]);
    cfg.max_crawl_delay = Duration::from_millis(150);
    let report = run(cfg).await;
    let (paths, gap) = requests(&times);
    assert_eq!(paths, ["/robots.txt", "/sitemap.xml", "/", "/team"]);
    assert!(gap >= Duration::from_millis(135), "{gap:?}");
    let warnings = warnings(&report);
    assert!(
        warnings.iter().any(|w| w.contains(
            "robots.txt of 127.0.0.1 asks for a Crawl-delay of 3600 s, which would stall the scan; the crawler waits at most 0.15 s"
        )),
        "{warnings:?}"
    );
}
