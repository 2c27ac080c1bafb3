//! A stop request ends the crawl phase like a used-up page budget: no page
//! is fetched after it, the pages in flight finish, and extraction, analysis
//! and the report follow from the pages crawled so far.

use crate::common::{Site, config, spec, tree_site};

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
    let json = std::fs::read_to_string(dir.join("report.json")).expect("report.json written");
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
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
