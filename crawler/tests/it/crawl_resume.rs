//! The real binary is interrupted by SIGTERM and SIGKILL at several points
//! and resumed; the result equals an uninterrupted run's and no more than
//! `everyPages` plus `concurrency` pages are fetched twice per
//! interruption: the unsaved ones and those in flight.

use crate::common;

use std::path::Path;
use std::time::Duration;

use cira_crawler::checkpoint::{format, parse_journal_file};
use common::{Crawler, Site, page_path, tree_site, wait_for};

const EVERY_PAGES: u32 = 10;
const CONCURRENCY: u32 = 4;

/// The crawl's arguments: `EVERY_PAGES`, and this politeness and
/// concurrency.
fn crawl_args(requests_per_second: u32, concurrency: u32) -> Vec<String> {
    [
        "--requests-per-second".to_string(),
        requests_per_second.to_string(),
        "--concurrency".to_string(),
        concurrency.to_string(),
        "--max-depth".to_string(),
        "20".to_string(),
        "--checkpoint-every-pages".to_string(),
        EVERY_PAGES.to_string(),
    ]
    .to_vec()
}

fn resume_args() -> Vec<String> {
    crawl_args(200, CONCURRENCY)
}

/// The report with what legitimately differs between runs removed.
fn comparable_report(dir: &Path, site: &Site) -> serde_json::Value {
    let text = std::fs::read_to_string(dir.join("report.json")).expect("report.json");
    let text = text.replace(&site.addr.to_string(), "SITE");
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    if let Some(o) = v.as_object_mut() {
        o.remove("timing");
    }
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interrupted_runs_resume_to_the_same_result() {
    use std::os::unix::process::ExitStatusExt;

    // Uninterrupted baseline.
    let base_site = Site::start(tree_site(300)).await;
    let base_dir = tempfile::tempdir().unwrap();
    let mut c = Crawler::start(&base_site, base_dir.path(), 0, &resume_args());
    assert!(
        c.wait(Duration::from_secs(60)).await.success(),
        "{}",
        c.stderr()
    );
    drop(c);
    let baseline = comparable_report(base_dir.path(), &base_site);

    let site = Site::start(tree_site(300)).await;
    let dir = tempfile::tempdir().unwrap();
    let interruptions = [
        (40, libc::SIGTERM),
        (110, libc::SIGKILL),
        (180, libc::SIGTERM),
        (240, libc::SIGKILL),
    ];
    for (run, (after_hits, sig)) in interruptions.iter().enumerate() {
        let mut c = Crawler::start(&site, dir.path(), run + 1, &resume_args());
        wait_for("page hits", Duration::from_secs(60), || {
            site.total_page_hits() >= *after_hits
        })
        .await;
        c.signal(*sig);
        let status = c.wait(Duration::from_secs(30)).await;
        if *sig == libc::SIGTERM {
            assert!(
                status.success(),
                "SIGTERM must save and exit 0: {}",
                c.stderr()
            );
            assert!(
                c.stderr().contains("Stopped after saving a checkpoint"),
                "{}",
                c.stderr()
            );
        } else {
            assert_eq!(status.signal(), Some(libc::SIGKILL));
        }
        if run > 0 {
            assert!(c.stderr().contains("Resuming"), "{}", c.stderr());
        }
        assert!(!c.stderr().contains("panicked"), "{}", c.stderr());
    }
    let mut c = Crawler::start(&site, dir.path(), 9, &resume_args());
    let status = c.wait(Duration::from_secs(60)).await;
    assert!(status.success(), "{}", c.stderr());
    assert!(c.stderr().contains("Resuming"), "{}", c.stderr());
    drop(c);

    let hits = site.page_hits();
    for i in 0..300 {
        assert!(
            hits.get(&page_path(i)).copied().unwrap_or(0) >= 1,
            "page {i} never fetched"
        );
    }
    let twice: u32 = hits.values().map(|n| n.saturating_sub(1)).sum();
    let allowed = (EVERY_PAGES + CONCURRENCY) * interruptions.len() as u32;
    eprintln!("repeated fetches: {twice} (allowed {allowed})");
    assert!(
        twice <= allowed,
        "{twice} repeated fetches, at most {allowed} allowed: {hits:?}"
    );
    assert_eq!(comparable_report(dir.path(), &site), baseline);
}

/// Saves a crawl in `dir` wrote: its newest snapshot's generation plus the
/// records journaled after it.
fn saves_written(dir: &Path) -> u64 {
    (0..2)
        .filter_map(|slot| {
            let blob = std::fs::read(dir.join(format!("checkpoint-{slot}.bin"))).ok()?;
            let (header, _) = format::read_header(&blob).ok()?;
            let journal =
                std::fs::read(dir.join(format!("journal-{slot}.log"))).unwrap_or_default();
            Some(header.generation + parse_journal_file(&journal).records.len() as u64)
        })
        .max()
        .unwrap_or(0)
}

/// Without politeness and with many fetches allowed, a crawl saves about
/// once per `everyPages` pages: the pages in flight stay outside the
/// checkpoint window, so it fills with finished pages before each save.
/// (When they counted too, a save followed every page or two.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fast_crawl_saves_about_once_per_every_pages() {
    const FETCHES: u32 = 32;
    let site = Site::start(tree_site(300)).await;
    let dir = tempfile::tempdir().unwrap();
    // No politeness: 0 requests per second means no limit.
    let mut c = Crawler::start(&site, dir.path(), 0, &crawl_args(0, FETCHES));
    assert!(
        c.wait(Duration::from_secs(60)).await.success(),
        "{}",
        c.stderr()
    );
    drop(c);
    let pages = site.total_page_hits() as u64;
    assert!(pages >= 300, "{pages} pages fetched");
    let saves = saves_written(dir.path());
    eprintln!("{saves} saves for {pages} pages");
    // Never more than everyPages pages unsaved: a save at least every
    // everyPages pages, plus those that finished while it was prepared.
    assert!(
        saves >= pages / u64::from(EVERY_PAGES + FETCHES),
        "{saves} saves for {pages} pages"
    );
    assert!(
        saves <= pages / 4,
        "{saves} saves for {pages} pages: about one per page or two"
    );
}
