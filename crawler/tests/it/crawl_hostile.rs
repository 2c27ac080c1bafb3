//! Hostile sites: each trap is bounded and the crawl ends.

use crate::common;

use std::collections::BTreeMap;
use std::io::Write;
use std::time::{Duration, Instant};

use cira_crawler::engine::RunOutcome;
use cira_crawler::error::Error;
use cira_crawler::skip::SkipKind;
use common::{Reply, Site, config, crawl, spec};

fn completed(outcome: &cira_crawler::Result<RunOutcome>) -> bool {
    matches!(outcome, Ok(RunOutcome::Completed { .. }))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirect_loops_and_endless_redirect_chains_end() {
    let site = Site::start(|path: &str| match path {
        "/" => Reply::Html(
            r#"<a href="/loop-a">a</a><a href="/chain/0">c</a><a href="/ok">ok</a>"#.into(),
        ),
        "/loop-a" => Reply::Redirect("/loop-b".into()),
        "/loop-b" => Reply::Redirect("/loop-a".into()),
        "/ok" => Reply::Html("fine".into()),
        p if p.starts_with("/chain/") => {
            let n: u32 = p[7..].parse().unwrap_or(0);
            Reply::Redirect(format!("/chain/{}", n + 1))
        }
        _ => Reply::NotFound,
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let (outcome, state) = crawl(config(&site.url("/"), spec(), &[site.ip()]), dir.path()).await;
    assert!(completed(&outcome), "{outcome:?}");
    assert_eq!(site.hits("/ok"), 1);
    assert!(
        site.hits("/loop-a") <= 2 && site.hits("/loop-b") <= 1,
        "{:?}",
        site.all_hits()
    );
    let chain: u32 = site
        .all_hits()
        .iter()
        .filter(|(p, _)| p.starts_with("/chain/"))
        .map(|(_, n)| n)
        .sum();
    assert!(chain <= 11, "redirect chain followed {chain} times");
    let state = state.unwrap();
    assert_eq!(state.pages_failed, 2);
    assert_eq!(
        state.skipped,
        BTreeMap::from([(SkipKind::RedirectLoop, 1), (SkipKind::TooManyRedirects, 1),])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endless_calendar_and_growing_queries_are_bounded() {
    let site = Site::start(|path: &str| {
        if let Some(rest) = path.strip_prefix("/calendar/") {
            let n: i64 = rest.parse().unwrap_or(0);
            return Reply::Html(format!(
                r#"<a href="/calendar/{}">next</a> <a href="/calendar/{}">prev</a>"#,
                n + 1,
                n - 1
            ));
        }
        if let Some(q) = path.strip_prefix("/search?") {
            return Reply::Html(format!(
                r#"<a href="/search?{q}&amp;f={}">more</a> <a href="/search?{q}x">longer</a>"#,
                q.len()
            ));
        }
        match path {
            "/" => {
                Reply::Html(r#"<a href="/calendar/2024">cal</a><a href="/search?q=a">s</a>"#.into())
            }
            _ => Reply::NotFound,
        }
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let mut s = spec();
    s.max_pages = 400;
    s.max_depth = 50;
    let mut cfg = config(&site.url("/"), s, &[site.ip()]);
    cfg.pattern_budget = 60;
    let started = Instant::now();
    let (outcome, state) = crawl(cfg, dir.path()).await;
    assert!(completed(&outcome), "{outcome:?}");
    let hits = site.page_hits();
    let calendar = hits.keys().filter(|p| p.starts_with("/calendar/")).count();
    let search = hits.keys().filter(|p| p.starts_with("/search")).count();
    assert!(calendar <= 60, "calendar pages fetched: {calendar}");
    assert!(search <= 200, "search pages fetched: {search}");
    assert!(state.unwrap().pages_crawled <= 400);
    assert!(started.elapsed() < Duration::from_secs(60));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn huge_pages_and_gzip_bombs_stop_at_max_page_bytes() {
    // 1 GiB of zeros compresses to about 1 MiB.
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![b' '; 1 << 20];
    enc.write_all(b"<html><body><a href=\"/after-bomb\">x</a>")
        .unwrap();
    for _ in 0..1024 {
        enc.write_all(&zeros).unwrap();
    }
    enc.write_all(b"<a href=\"/never\">never</a></body></html>")
        .unwrap();
    let bomb = enc.finish().unwrap();
    let site = Site::start(move |path: &str| match path {
        "/" => Reply::Html(r#"<a href="/huge">h</a><a href="/bomb">b</a>"#.into()),
        "/huge" => Reply::Huge {
            total: 200 * 1024 * 1024,
        },
        "/bomb" => Reply::Raw {
            status: 200,
            headers: vec![
                ("content-type", "text/html".into()),
                ("content-encoding", "gzip".into()),
            ],
            body: bomb.clone(),
        },
        "/after-bomb" | "/deep-in-huge" => Reply::Html("ok".into()),
        _ => Reply::NotFound,
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let mut s = spec();
    s.max_page_bytes = 256 * 1024;
    let started = Instant::now();
    let (outcome, _) = crawl(config(&site.url("/"), s, &[site.ip()]), dir.path()).await;
    assert!(completed(&outcome), "{outcome:?}");
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "took {:?}",
        started.elapsed()
    );
    // The cut prefix of each is still read: their early links are followed.
    assert_eq!(site.hits("/after-bomb"), 1);
    assert_eq!(site.hits("/deep-in-huge"), 1);
    assert_eq!(site.hits("/never"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_drip_responses_time_out() {
    let site = Site::start(|path: &str| match path {
        "/" => Reply::Html(r#"<a href="/drip">d</a><a href="/ok">ok</a>"#.into()),
        "/drip" => Reply::Drip {
            chunk: b"<p>",
            every: Duration::from_millis(100),
            times: 100_000,
        },
        "/ok" => Reply::Html("fine".into()),
        _ => Reply::NotFound,
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let mut s = spec();
    s.request_timeout = "1s".into();
    let started = Instant::now();
    let (outcome, state) = crawl(config(&site.url("/"), s, &[site.ip()]), dir.path()).await;
    assert!(completed(&outcome), "{outcome:?}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(site.hits("/ok"), 1);
    assert_eq!(state.unwrap().pages_failed, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_utf8_non_html_and_robots() {
    let site = Site::start(|path: &str| match path {
        "/" => Reply::Raw {
            status: 200,
            headers: vec![("content-type", "text/html".into())],
            body: b"<p>caf\xe9 \xff\xfe</p><a href=\"/doc.pdf\">pdf</a><a href=\"/get?doc=1\">pdf</a><a href=\"/private/x\">p</a><a href=\"/public\">ok</a>".to_vec(),
        },
        "/get?doc=1" => Reply::Raw {
            status: 200,
            headers: vec![("content-type", "application/pdf".into())],
            body: b"%PDF <a href=\"/from-pdf\">x</a>".to_vec(),
        },
        "/robots.txt" => Reply::Raw {
            status: 200,
            headers: vec![("content-type", "text/plain".into())],
            body: b"User-agent: *\nDisallow: /private\n".to_vec(),
        },
        "/public" => Reply::Html("public".into()),
        _ => Reply::NotFound,
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let (outcome, state) = crawl(config(&site.url("/"), spec(), &[site.ip()]), dir.path()).await;
    assert!(completed(&outcome), "{outcome:?}");
    let state = state.unwrap();
    let skipped = state.skipped.clone();
    assert_eq!(skipped.get(&SkipKind::NotHtml), Some(&1), "{skipped:?}");
    assert_eq!(
        skipped.get(&SkipKind::RobotsDisallowed),
        Some(&1),
        "{skipped:?}"
    );
    assert_eq!(
        site.hits("/public"),
        1,
        "links of an invalid UTF-8 page are followed"
    );
    // A link to a file is recorded, not fetched; a URL that turns out to
    // be a file is fetched once and not parsed.
    assert_eq!(site.hits("/doc.pdf"), 0);
    assert_eq!(site.hits("/get?doc=1"), 1);
    assert_eq!(site.hits("/from-pdf"), 0, "non-HTML is not parsed");
    assert_eq!(
        state
            .documents
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
        [site.url("/doc.pdf"), site.url("/get?doc=1")]
    );
    assert_eq!(site.hits("/private/x"), 0, "robots.txt is obeyed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_and_metadata_addresses_are_refused() {
    // A second server on another loopback address stands in for a private
    // service; only the site's own address is allowed through the guard.
    let private = Site::start_on("127.0.0.2", |_: &str| Reply::Html("secret".into())).await;
    let p = private.url("");
    let site = Site::start(move |path: &str| match path {
        "/" => Reply::Html(format!(
            r#"<a href="{p}/linked">l</a><a href="http://169.254.169.254/latest/meta-data/">m</a>
               <a href="http://[::1]:1/">v6</a><a href="http://[fd00:ec2::254]/">v6m</a>
               <a href="/to-private">r</a><a href="/to-metadata">r2</a>"#
        )),
        "/to-private" => Reply::Redirect(format!("{p}/redirected")),
        "/to-metadata" => Reply::Redirect("http://169.254.169.254/latest/".into()),
        _ => Reply::NotFound,
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let mut s = spec();
    // Even when external links are followed, the guard stands.
    s.follow_external_links = true;
    let (outcome, _) = crawl(config(&site.url("/"), s, &[site.ip()]), dir.path()).await;
    assert!(completed(&outcome), "{outcome:?}");
    assert_eq!(private.total_page_hits(), 0, "{:?}", private.all_hits());
    assert_eq!(site.hits("/to-private"), 1);
    assert_eq!(site.hits("/to-metadata"), 1);

    // Without the allowance the seed itself is refused, with a clear error.
    let dir = tempfile::tempdir().unwrap();
    let (outcome, _) = crawl(config(&site.url("/"), spec(), &[]), dir.path()).await;
    match outcome {
        Err(Error::SeedUnreachable { reason, .. }) => {
            assert_eq!(reason.kind(), SkipKind::Guard, "{reason}");
            assert!(reason.to_string().contains("loopback"), "{reason}")
        }
        other => panic!("expected the seed to be refused, got {other:?}"),
    }
}

/// Base-26 letters, so no two links share a trap pattern (digits fold).
fn letters(mut n: usize) -> String {
    let mut out = String::from("q");
    loop {
        out.push((b'a' + (n % 26) as u8) as char);
        n /= 26;
        if n == 0 {
            return out;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_of_350k_links_is_cut_to_the_link_and_queue_caps() {
    const LINKS: usize = 350_000;
    const EXTERNAL: usize = 2_500;
    let mut page = String::with_capacity(5 << 20);
    page.push_str("<html><body>");
    for i in 0..LINKS {
        page.push_str("<a href=");
        page.push_str(&letters(i));
        page.push('>');
    }
    for i in 0..EXTERNAL {
        page.push_str(&format!("<a href=http://e{i}.example/>"));
    }
    // Past the cap, a company-fact link still gets in.
    page.push_str("<a href=/impressum>Imprint</a></body></html>");
    assert!(
        page.len() > 4 << 20 && page.len() <= 5 << 20,
        "{}",
        page.len()
    );
    let site = Site::start(move |path: &str| match path {
        "/" => Reply::Html(page.clone()),
        "/impressum" => Reply::Html("<p>ACME GmbH</p>".into()),
        p if p.starts_with("/q") => Reply::Html("<p>a page</p>".into()),
        _ => Reply::NotFound,
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let mut s = spec();
    s.max_pages = 20;
    s.max_page_bytes = 6 << 20;
    assert_eq!(s.max_links_per_page, 2_000, "the default");
    assert_eq!(s.queue_cap(), 200, "10 x maxPages");
    let mut cfg = config(&site.url("/"), s, &[site.ip()]);
    cfg.every_pages = 5;
    let (outcome, state) = crawl(cfg, dir.path()).await;
    let Ok(RunOutcome::Completed { report, .. }) = outcome else {
        panic!("{outcome:?}");
    };
    let state = state.unwrap();
    // 2,000 in-scope links are taken: the first 1,999 and the imprint,
    // which took the place of the 2,000th; the other 348,001 are dropped,
    // and so are the 500 external links past 2,000.
    assert_eq!(
        state.links_dropped,
        (LINKS + 1 - 2_000 + EXTERNAL - 2_000) as u64
    );
    // The queue holds 200: of the 2,000 queued, the 1,800 newest ordinary
    // links were dropped as it overflowed; the imprint ranks first.
    assert_eq!(state.queue_dropped, 1_800);
    assert_eq!(site.hits("/impressum"), 1);
    assert_eq!(state.pages_crawled, 20);
    assert_eq!(state.queue.len(), 200 - 19);
    assert!(
        state.pattern_counts.len() <= 220,
        "{}",
        state.pattern_counts.len()
    );
    assert_eq!(state.external_links.len(), 2_000);
    assert_eq!(report.links_dropped, state.links_dropped);
    assert_eq!(report.queue_dropped, 1_800);
    assert!(
        report.warnings.iter().any(|w| w.contains("348501 links")),
        "{:?}",
        report.warnings
    );
    // The checkpoint stays far below what one ConfigMap holds.
    let checkpoint: u64 = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| {
            let name = e.file_name().to_string_lossy().to_string();
            name.starts_with("checkpoint-") || name.starts_with("journal-")
        })
        .map(|e| e.metadata().unwrap().len())
        .sum();
    assert!(
        checkpoint > 0 && checkpoint < cira_crds::names::CHECKPOINT_CHUNK_BYTES as u64,
        "checkpoint files take {checkpoint} bytes"
    );
}
