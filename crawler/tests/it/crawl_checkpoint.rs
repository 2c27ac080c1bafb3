//! Corrupt, truncated and wrong-version checkpoints: recovered from the
//! other slot, or refused with a clear error; never a panic.

use crate::common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::{Crawler, Site, page_path, tree_site, wait_for};

fn args() -> Vec<String> {
    [
        "--requests-per-second",
        "150",
        "--concurrency",
        "2",
        "--checkpoint-every-pages",
        "5",
        "--max-depth",
        "20",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// The generation written in a checkpoint file's header.
fn generation(path: &Path) -> u64 {
    let blob = std::fs::read(path).unwrap();
    let (header, _) = cira_crawler::checkpoint::format::read_header(&blob).unwrap();
    header.generation
}

/// The slot files, newest first.
fn slots_newest_first(dir: &Path) -> (PathBuf, PathBuf) {
    let a = dir.join("checkpoint-0.bin");
    let b = dir.join("checkpoint-1.bin");
    if generation(&a) > generation(&b) {
        (a, b)
    } else {
        (b, a)
    }
}

async fn interrupted_scan(site: &Site, dir: &Path) {
    let mut c = Crawler::start(site, dir, 1, &args());
    wait_for("some pages", Duration::from_secs(30), || {
        site.total_page_hits() >= 30
    })
    .await;
    c.signal(libc::SIGTERM);
    assert!(
        c.wait(Duration::from_secs(30)).await.success(),
        "{}",
        c.stderr()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corrupt_newest_slot_falls_back_to_the_previous() {
    let site = Site::start(tree_site(100)).await;
    let dir = tempfile::tempdir().unwrap();
    interrupted_scan(&site, dir.path()).await;
    let (newest, older) = slots_newest_first(dir.path());
    let older_generation = generation(&older);
    let mut blob = std::fs::read(&newest).unwrap();
    let n = blob.len();
    blob[n - 10] ^= 0xa5;
    std::fs::write(&newest, blob).unwrap();

    let mut c = Crawler::start(&site, dir.path(), 2, &args());
    let status = c.wait(Duration::from_secs(60)).await;
    let err = c.stderr();
    assert!(status.success(), "{err}");
    assert!(err.contains("newest checkpoint is unreadable"), "{err}");
    assert!(
        err.contains(&format!("generation={older_generation}")),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    for i in 0..100 {
        assert!(site.hits(&page_path(i)) >= 1, "page {i} missing");
    }
    assert!(dir.path().join("report.json").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unusable_checkpoints_are_refused_clearly() {
    let site = Site::start(tree_site(100)).await;
    let dir = tempfile::tempdir().unwrap();
    interrupted_scan(&site, dir.path()).await;
    let (newest, older) = slots_newest_first(dir.path());

    // Truncated newest + garbage older: refused, exit code 3, clear message.
    let blob = std::fs::read(&newest).unwrap();
    std::fs::write(&newest, &blob[..blob.len() / 2]).unwrap();
    std::fs::write(&older, b"not a checkpoint at all").unwrap();
    let mut c = Crawler::start(&site, dir.path(), 2, &args());
    let status = c.wait(Duration::from_secs(30)).await;
    let err = c.stderr();
    assert_eq!(status.code(), Some(3), "{err}");
    assert!(err.contains("no usable checkpoint"), "{err}");
    assert!(err.contains("truncated"), "{err}");
    assert!(err.contains("magic"), "{err}");
    assert!(!err.contains("panicked"), "{err}");

    // A checkpoint from a future format: refused, naming the version.
    let text = String::from_utf8_lossy(&blob).into_owned();
    assert!(text.contains("\"formatVersion\":1"));
    let future = text.replace("\"formatVersion\":1", "\"formatVersion\":7");
    std::fs::write(&newest, future.as_bytes()).unwrap();
    let mut c = Crawler::start(&site, dir.path(), 3, &args());
    let status = c.wait(Duration::from_secs(30)).await;
    let err = c.stderr();
    assert_eq!(status.code(), Some(3), "{err}");
    assert!(err.contains("format version 7"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_sites_state_dir_is_refused() {
    let site = Site::start(tree_site(100)).await;
    let dir = tempfile::tempdir().unwrap();
    interrupted_scan(&site, dir.path()).await;
    let other = Site::start(tree_site(3)).await;
    let mut c = Crawler::start(&other, dir.path(), 2, &args());
    let status = c.wait(Duration::from_secs(30)).await;
    let err = c.stderr();
    assert_eq!(status.code(), Some(3), "{err}");
    assert!(err.contains("use another state directory"), "{err}");
    assert_eq!(other.total_page_hits(), 0);
}

/// A checkpoint written under an older, wider spec: its queue holds a URL
/// the current spec excludes and one on a host outside the scan's domains.
/// Neither is fetched on resume; both are counted as refused by the scope.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queued_urls_are_judged_by_the_current_scope_on_resume() {
    use cira_crawler::checkpoint::{Cursor, DirStore, Store};
    use cira_crawler::engine::RunOutcome;
    use cira_crawler::skip::SkipKind;
    use cira_crawler::state::CrawlState;

    let other = Site::start_on("127.0.0.2", |_: &str| {
        common::Reply::Html("<p>another host</p>".into())
    })
    .await;
    let site = Site::start(|path: &str| match path {
        "/" | "/ok" | "/secret/x" => common::Reply::Html("<p>page</p>".into()),
        _ => common::Reply::NotFound,
    })
    .await;
    let mut spec = common::spec();
    spec.exclude_patterns = vec!["/secret".into()];
    let cfg = common::config(&site.url("/"), spec, &[site.ip(), other.ip()]);

    // The older run had fetched the seed and queued three URLs.
    let mut old = CrawlState::new(cfg.seed.as_str(), cfg.identity.scan_version);
    old.mark_visited(cira_crawler::url_norm::dedup_key(&cfg.seed));
    old.pages_crawled = 1;
    old.pages_extracted = 1;
    old.sitemaps_seeded = true;
    for url in [site.url("/ok"), site.url("/secret/x"), other.url("/x")] {
        old.enqueue(url, 1);
    }
    let dir = tempfile::tempdir().unwrap();
    let store = Store::Dir(DirStore::new(dir.path()).unwrap());
    store
        .save(&mut Cursor::default(), &cfg.identity, 1, &mut old)
        .await
        .unwrap();

    let (outcome, state) = common::crawl(cfg, dir.path()).await;
    assert!(
        matches!(outcome, Ok(RunOutcome::Completed { .. })),
        "{outcome:?}"
    );
    assert_eq!(site.hits("/ok"), 1);
    assert_eq!(site.hits("/secret/x"), 0);
    assert_eq!(other.total_page_hits(), 0, "{:?}", other.all_hits());
    assert_eq!(site.hits("/"), 0, "the seed was done before");
    let state = state.unwrap();
    assert_eq!(
        state.skipped.get(&SkipKind::Scope),
        Some(&2),
        "{:?}",
        state.skipped
    );
    assert_eq!(state.pages_crawled, 2);
}
