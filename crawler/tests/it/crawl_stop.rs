//! A stop request ends the crawl phase like a used-up page budget: no page
//! is fetched after it, the pages in flight finish, and extraction, analysis
//! and the report follow from the pages crawled so far.

use std::time::Duration;

use crate::common::{Crawler, Site, config, spec, tree_site, wait_for};

use cira_crawler::checkpoint::{DirStore, Store};
use cira_crawler::engine::{Engine, RunOutcome};
use cira_crds::progress::{CrawlEnd, CrawlerOutcome, CrawlerProgress};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

const PAGES: usize = 400;

fn engine(site: &Site, dir: &std::path::Path) -> (Engine, watch::Receiver<CrawlerProgress>) {
    let mut cfg = config(&site.url("/"), spec(), &[site.ip()]);
    // Paced, so the whole site takes far longer than the stop needs.
    cfg.requests_per_second = Some(40.0);
    cfg.every_pages = 5;
    let (tx, rx) = watch::channel(CrawlerProgress::default());
    let engine = Engine::new(
        cfg,
        Store::Dir(DirStore::new(dir).unwrap()),
        tx,
        cira_crawler::report::dir_report_writer(dir.to_path_buf()),
    )
    .unwrap();
    (engine, rx)
}

fn report_pages(dir: &std::path::Path) -> u64 {
    let report = report_json(dir);
    report["pagesCrawled"]
        .as_u64()
        .or_else(|| report["meta"]["pagesCrawled"].as_u64())
        .unwrap_or_else(|| panic!("no pagesCrawled in {report}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_mid_crawl_reports_the_pages_crawled_so_far() {
    let site = Site::start(tree_site(PAGES)).await;
    let dir = tempfile::tempdir().unwrap();
    let (engine, mut rx) = engine(&site, dir.path());
    let stop = engine.stop_crawl_token();
    let stopper = tokio::spawn(async move {
        while rx.changed().await.is_ok() {
            if rx.borrow_and_update().pages_crawled >= 10 {
                stop.cancel();
                break;
            }
        }
        rx
    });
    let outcome = engine.run(CancellationToken::new()).await;
    let Ok(RunOutcome::Completed { report, .. }) = outcome else {
        panic!("expected a completed run, got {outcome:?}");
    };
    let rx = stopper.await.unwrap();
    let last = rx.borrow().clone();
    let fetched = site.total_page_hits() as u64;
    assert!(
        report.pages_crawled >= 10 && report.pages_crawled < PAGES as u64 / 2,
        "the report covers the pages crawled before the stop: {}",
        report.pages_crawled
    );
    assert_eq!(report_pages(dir.path()), report.pages_crawled);
    assert_eq!(
        fetched, report.pages_crawled,
        "every page fetched is in the report, none fetched after the stop"
    );
    match last.outcome {
        Some(CrawlerOutcome::Completed { ended, .. }) => {
            assert_eq!(ended, CrawlEnd::StoppedOnRequest)
        }
        other => panic!("expected a completed outcome, got {other:?}"),
    }
    assert!(last.pages_queued > 0, "unfetched pages stay queued");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_before_the_run_finishes_from_the_checkpoint_without_fetching() {
    let site = Site::start(tree_site(PAGES)).await;
    let dir = tempfile::tempdir().unwrap();
    // A first run is paused (cancelled) after some pages.
    let (first, mut rx) = engine(&site, dir.path());
    let cancel = CancellationToken::new();
    let pause = cancel.clone();
    let pauser = tokio::spawn(async move {
        while rx.changed().await.is_ok() {
            if rx.borrow_and_update().pages_crawled >= 10 {
                pause.cancel();
                break;
            }
        }
    });
    let outcome = first.run(cancel).await;
    assert!(matches!(outcome, Ok(RunOutcome::Stopped)), "{outcome:?}");
    pauser.await.unwrap();
    drop(first);
    let before = site.total_page_hits();

    // The next run starts with the stop already requested.
    let (second, rx) = engine(&site, dir.path());
    second.stop_crawl_token().cancel();
    let outcome = second.run(CancellationToken::new()).await;
    let Ok(RunOutcome::Completed { report, .. }) = outcome else {
        panic!("expected a completed run, got {outcome:?}");
    };
    assert_eq!(site.total_page_hits(), before, "nothing fetched again");
    assert!(report.pages_crawled >= 10, "{}", report.pages_crawled);
    assert!(report.pages_crawled < PAGES as u64 / 2);
    match &rx.borrow().outcome {
        Some(CrawlerOutcome::Completed { ended, .. }) => {
            assert_eq!(*ended, CrawlEnd::StoppedOnRequest)
        }
        other => panic!("expected a completed outcome, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crawl_that_runs_out_by_itself_is_finished_not_stopped() {
    let site = Site::start(tree_site(20)).await;
    let dir = tempfile::tempdir().unwrap();
    let (engine, rx) = engine(&site, dir.path());
    let outcome = engine.run(CancellationToken::new()).await;
    assert!(
        matches!(outcome, Ok(RunOutcome::Completed { .. })),
        "{outcome:?}"
    );
    match &rx.borrow().outcome {
        Some(CrawlerOutcome::Completed { ended, .. }) => assert_eq!(*ended, CrawlEnd::Finished),
        other => panic!("expected a completed outcome, got {other:?}"),
    };
}

/// Local mode's arguments: paced, so the site takes far longer than a stop.
fn local_args(extra: &[&str]) -> Vec<String> {
    [
        "--requests-per-second",
        "40",
        "--checkpoint-every-pages",
        "5",
        "--max-depth",
        "20",
    ]
    .iter()
    .chain(extra)
    .map(|s| s.to_string())
    .collect()
}

fn report_json(dir: &std::path::Path) -> serde_json::Value {
    let json = std::fs::read_to_string(dir.join("report.json")).expect("report.json written");
    serde_json::from_str(&json).unwrap()
}

fn stop_warning(report: &serde_json::Value) -> Option<String> {
    report["warnings"]
        .as_array()?
        .iter()
        .filter_map(|w| w.as_str())
        .find(|w| w.contains("stopped on request"))
        .map(str::to_string)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigusr1_stops_a_local_scan_which_reports_the_pages_so_far() {
    let site = Site::start(tree_site(PAGES)).await;
    let dir = tempfile::tempdir().unwrap();
    let mut c = Crawler::start(&site, dir.path(), 1, &local_args(&[]));
    wait_for("some pages", Duration::from_secs(30), || {
        site.total_page_hits() >= 10
    })
    .await;
    c.signal(libc::SIGUSR1);
    let status = c.wait(Duration::from_secs(60)).await;
    assert!(status.success(), "{}", c.stderr());
    assert!(c.stderr().contains("Stopped on request"), "{}", c.stderr());
    let report = report_json(dir.path());
    let pages = report_pages(dir.path());
    assert!(
        pages >= 10 && pages < PAGES as u64 / 2,
        "the report covers the pages before the stop: {pages}"
    );
    assert_eq!(
        u64::from(site.total_page_hits()),
        pages,
        "none fetched after"
    );
    let warning = stop_warning(&report).unwrap_or_else(|| panic!("no stop warning: {report}"));
    assert!(
        warning.contains(&format!("after {pages} pages")),
        "{warning}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_local_scan_finishes_with_stop_without_fetching() {
    let site = Site::start(tree_site(PAGES)).await;
    let dir = tempfile::tempdir().unwrap();
    let mut c = Crawler::start(&site, dir.path(), 1, &local_args(&[]));
    wait_for("some pages", Duration::from_secs(30), || {
        site.total_page_hits() >= 15
    })
    .await;
    c.signal(libc::SIGINT);
    assert!(
        c.wait(Duration::from_secs(30)).await.success(),
        "{}",
        c.stderr()
    );
    assert!(c.stderr().contains("add --stop"), "{}", c.stderr());
    assert!(
        !dir.path().join("report.json").exists(),
        "a pause writes no report"
    );
    drop(c);
    let hits = site.total_page_hits();

    let mut c = Crawler::start(&site, dir.path(), 2, &local_args(&["--stop"]));
    let status = c.wait(Duration::from_secs(60)).await;
    assert!(status.success(), "{}", c.stderr());
    assert_eq!(
        site.total_page_hits(),
        hits,
        "nothing fetched after the stop"
    );
    let pages = report_pages(dir.path());
    assert!(
        pages >= 10 && pages <= u64::from(hits),
        "the report covers the saved pages: {pages} of {hits} fetched"
    );
    assert!(stop_warning(&report_json(dir.path())).is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_without_a_saved_scan_is_refused_and_fetches_nothing() {
    let site = Site::start(tree_site(20)).await;
    let dir = tempfile::tempdir().unwrap();
    let mut c = Crawler::start(&site, dir.path(), 1, &local_args(&["--stop"]));
    let status = c.wait(Duration::from_secs(30)).await;
    assert_eq!(
        status.code(),
        Some(i32::from(cira_crds::names::EXIT_PERMANENT)),
        "{}",
        c.stderr()
    );
    assert!(c.stderr().contains("nothing to stop"), "{}", c.stderr());
    assert_eq!(site.total_page_hits(), 0);
    assert!(!dir.path().join("report.json").exists());
}
