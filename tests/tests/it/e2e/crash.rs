//! Scenarios 3, 9, 11 and 10: a crawler killed, a corrupt checkpoint, an
//! evicted and a deleted crawler pod, and checkpoints on a PVC.

use std::time::Duration;

use cira_tests::wait_for;
use serde_json::{Value, json};

use super::scenario::{
    CONCURRENCY, EVERY_PAGES, REACT_TIMEOUT, SCAN, SCAN_TIMEOUT, Scenario,
    assert_same_as_uninterrupted, site,
};

// ---------------------------------------------------------------------------
// Scenario 3
// ---------------------------------------------------------------------------

/// SIGKILL the crawler at five random moments: Completed with the same
/// report; pages fetched twice per kill are at most everyPages (unsaved)
/// plus concurrency (in flight).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e2e_03_crawler_killed_five_times() {
    const KILLS: usize = 5;
    let s = Scenario::start("kills", &[]).await;
    s.apply_scan(json!({"crawl": {"requestsPerSecond": 25}}));
    let seed = std::env::var("CIRA_E2E_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| fastrand::u64(..));
    eprintln!("[e2e] kill moments from seed {seed} (set CIRA_E2E_SEED to repeat)");
    let mut rng = fastrand::Rng::with_seed(seed);
    // Random moments spread over the crawl, as page counts.
    let n = site().page_count();
    let mut moments: Vec<usize> = (0..KILLS)
        .map(|i| (n * i / KILLS) + rng.usize(5..n / KILLS - 5))
        .collect();
    moments.sort_unstable();
    let mut killed = Vec::new();
    for moment in &moments {
        s.wait_pages_fetched(*moment, SCAN_TIMEOUT).await;
        let pod = wait_for("a running crawler pod", SCAN_TIMEOUT, || async {
            s.running_crawler()
        })
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", s.diagnostics()));
        s.env
            .node()
            .kill_pod_process(&s.ns, &pod)
            .await
            .expect("kill");
        eprintln!(
            "[e2e] killed {pod} at {} pages ({:.0}s)",
            s.server.pages_fetched(site()),
            s.begin.elapsed().as_secs_f64()
        );
        killed.push(pod);
    }
    s.wait_phase(&["Completed"], Duration::from_secs(600)).await;
    let report = s.assert_report_is_complete(1);
    let refetched = s.server.refetches(site());
    let allowed = (EVERY_PAGES + CONCURRENCY) * KILLS as u64;
    assert!(
        refetched <= allowed,
        "{refetched} pages fetched twice after {KILLS} kills; at most {allowed} allowed"
    );
    eprintln!("[e2e] {refetched} pages refetched after {KILLS} kills");
    assert_same_as_uninterrupted(&s, &report).await;
    for pod in &killed {
        let exits = s.env.node().pod_exits(&s.ns, pod);
        assert_eq!(
            exits.last().map(|e| e.exit_code),
            Some(137),
            "{pod}: {exits:?}"
        );
    }
    let job = s.get_json(&["job", &format!("{SCAN}-v1")]);
    assert_eq!(job["status"]["failed"], KILLS, "{}", job["status"]);
    assert_eq!(job["status"]["succeeded"], 1, "{}", job["status"]);
    s.finish().await;
}

// ---------------------------------------------------------------------------
// Scenario 9
// ---------------------------------------------------------------------------

/// A checkpoint ConfigMap corrupted by hand: the crawler falls back to the
/// previous generation, a Warning Event says so, and the scan completes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e2e_09_corrupt_checkpoint_falls_back() {
    let s = Scenario::start("corrupt", &[]).await;
    s.apply_scan(json!({"crawl": {"requestsPerSecond": 25}}));
    // Both slots hold a snapshot (journal ConfigMaps carry no chunk number).
    wait_for("two checkpoint snapshots", SCAN_TIMEOUT, || async {
        let slots: Vec<Value> =
            s.items(&["configmaps", "-l", "app.kubernetes.io/component=checkpoint"]);
        let snapshots = slots
            .iter()
            .filter(|cm| cm["metadata"]["annotations"]["cira.dev/checkpoint-chunk"] == "0")
            .count();
        (snapshots >= 2).then_some(())
    })
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", s.diagnostics()));
    s.wait_pages_fetched(site().page_count() / 3, SCAN_TIMEOUT)
        .await;
    s.patch_scan(json!({"spec": {"desiredState": "Paused"}}));
    s.wait_phase(&["Paused"], REACT_TIMEOUT).await;
    wait_for("the crawler process to end", REACT_TIMEOUT, || async {
        (s.live_crawler_processes() == 0).then_some(())
    })
    .await
    .expect("no crawler while paused");

    // Corrupt chunk 0 of the newest generation; keep its annotations, so
    // only the checksum can tell.
    let slots = s.items(&["configmaps", "-l", "app.kubernetes.io/component=checkpoint"]);
    let generation = |cm: &Value| {
        cm["metadata"]["annotations"]["cira.dev/checkpoint-generation"]
            .as_str()
            .and_then(|g| g.parse::<u64>().ok())
            .unwrap_or(0)
    };
    let newest = slots
        .iter()
        .filter(|cm| cm["metadata"]["annotations"]["cira.dev/checkpoint-chunk"] == "0")
        .max_by_key(|cm| generation(cm))
        .expect("a checkpoint chunk 0");
    let newest_name = newest["metadata"]["name"].as_str().expect("name");
    let newest_generation = generation(newest);
    s.kubectl(&[
        "patch",
        "configmap",
        newest_name,
        "--type",
        "merge",
        "-p",
        &json!({"binaryData": {"checkpoint.bin": "VGhpcyBpcyBub3QgYSBjaGVja3BvaW50Lg=="}})
            .to_string(),
    ]);
    eprintln!("[e2e] corrupted {newest_name} (generation {newest_generation})");

    s.patch_scan(json!({"spec": {"desiredState": "Running"}}));
    s.wait_phase(&["Completed"], SCAN_TIMEOUT).await;
    s.assert_report_is_complete(1);
    let logs = s.crawler_logs();
    assert!(
        logs.to_lowercase().contains("corrupt"),
        "the crawler says it fell back:\n{logs}"
    );
    let events = s.events();
    assert!(
        events.iter().any(|(t, r, m)| t == "Warning"
            && r == "CheckpointRecovered"
            && m.contains("unreadable")),
        "a Warning Event about the corrupt checkpoint: {events:#?}"
    );
    let status = s.scan()["status"]["checkpoint"].clone();
    assert!(
        status["recoveredFromCorruption"].is_string(),
        "status.checkpoint says the scan fell back: {status}"
    );
    s.finish().await;
}

// ---------------------------------------------------------------------------
// Scenario 11
// ---------------------------------------------------------------------------

/// Evict the crawler pod (the DisruptionTarget condition, then SIGTERM), then
/// delete its replacement with kubectl (SIGTERM only): each crawler saves a
/// checkpoint and exits 4, the Job's pod failure policy ignores both, and the
/// next pod resumes. Exit 0 here would complete the Job without a report.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e2e_11_crawler_evicted_then_deleted() {
    let s = Scenario::start("evict", &[]).await;
    s.apply_scan(json!({"crawl": {"requestsPerSecond": 25}}));
    let n = site().page_count();
    let mut stopped = Vec::new();
    for (at, how) in [(n / 4, "evict"), (n / 2, "delete")] {
        s.wait_pages_fetched(at, SCAN_TIMEOUT).await;
        let pod = wait_for("a running crawler pod", SCAN_TIMEOUT, || async {
            s.running_crawler().filter(|p| !stopped.contains(p))
        })
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", s.diagnostics()));
        if how == "evict" {
            s.env
                .node()
                .disrupt_pod(&s.ns, &pod)
                .await
                .expect("evict the crawler pod");
        } else {
            s.kubectl(&["delete", "pod", &pod, "--wait=false"]);
        }
        eprintln!(
            "[e2e] {how}: {pod} at {} pages",
            s.server.pages_fetched(site())
        );
        stopped.push(pod);
    }
    s.wait_phase(&["Completed"], SCAN_TIMEOUT).await;
    let report = s.assert_report_is_complete(1);
    for pod in &stopped {
        let exits = s.env.node().pod_exits(&s.ns, pod);
        assert_eq!(
            exits.last().map(|e| e.exit_code),
            Some(4),
            "{pod} saved and exited 4: {exits:?}"
        );
    }
    let job = s.get_json(&["job", &format!("{SCAN}-v1")]);
    assert_eq!(
        job["status"]["failed"].as_u64().unwrap_or(0),
        0,
        "interruptions do not count as failures: {}",
        job["status"]
    );
    assert_eq!(job["status"]["succeeded"], 1, "{}", job["status"]);
    let refetched = s.server.refetches(site());
    // Each graceful stop saves what is done: only the pages in flight are
    // fetched again.
    assert!(
        refetched <= 2 * CONCURRENCY,
        "{refetched} pages fetched twice after two graceful stops"
    );
    assert_same_as_uninterrupted(&s, &report).await;
    s.finish().await;
}

// ---------------------------------------------------------------------------
// Scenario 10
// ---------------------------------------------------------------------------

/// PersistentVolumeClaim checkpoint storage (the node agent maps the claim
/// to a local folder) through a pause and a crash.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e2e_10_pvc_storage_through_pause_and_crash() {
    let s = Scenario::start("pvc", &[]).await;
    s.apply_scan(json!({
        "crawl": {"requestsPerSecond": 30},
        "checkpoint": {"storage": "PersistentVolumeClaim", "volumeClaim": {"size": "64Mi"}}
    }));
    let claim = format!("{SCAN}-checkpoint");
    s.wait_pages_fetched(site().page_count() / 3, SCAN_TIMEOUT)
        .await;
    s.patch_scan(json!({"spec": {"desiredState": "Paused"}}));
    let paused = s.wait_phase(&["Paused"], REACT_TIMEOUT).await;
    assert_eq!(
        paused["status"]["checkpoint"]["storage"], "PersistentVolumeClaim",
        "{}",
        paused["status"]
    );
    let dir = s.env.node().claim_dir(&s.ns, &claim);
    let files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("claim folder {}: {e}", dir.display()))
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        files
            .iter()
            .any(|f| f.starts_with("checkpoint-") && f.ends_with(".bin")),
        "checkpoint files on the claim: {files:?}"
    );
    assert!(
        s.items(&["configmaps", "-l", "app.kubernetes.io/component=checkpoint"])
            .is_empty(),
        "no checkpoint ConfigMaps with PVC storage"
    );

    s.patch_scan(json!({"spec": {"desiredState": "Running"}}));
    s.wait_pages_fetched(site().page_count() * 2 / 3, SCAN_TIMEOUT)
        .await;
    let pod = wait_for("a running crawler pod", SCAN_TIMEOUT, || async {
        s.running_crawler()
    })
    .await
    .expect("crawler runs");
    s.env
        .node()
        .kill_pod_process(&s.ns, &pod)
        .await
        .expect("kill");
    s.wait_phase(&["Completed"], Duration::from_secs(300)).await;
    let report = s.assert_report_is_complete(1);
    // A pause saves what is done and loses the pages in flight; a crash
    // loses at most everyPages more.
    assert!(
        s.server.refetches(site()) <= EVERY_PAGES + 2 * CONCURRENCY,
        "a pause and a crash refetch at most everyPages + 2 x concurrency pages, got {}",
        s.server.refetches(site())
    );
    let on_claim = dir.join("reports/v1/report.json");
    let file: Value = serde_json::from_str(
        &std::fs::read_to_string(&on_claim)
            .unwrap_or_else(|e| panic!("{}: {e}", on_claim.display())),
    )
    .expect("report on the claim parses");
    assert_eq!(
        s.comparable(&file),
        s.comparable(&report),
        "same report on the claim"
    );
    assert_same_as_uninterrupted(&s, &report).await;
    s.finish().await;
}
