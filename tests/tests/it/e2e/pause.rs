//! Scenarios 2, 15 and 6: pause and resume, a pause racing an eviction, and a
//! timeout raised again.

use std::time::{Duration, Instant};

use cira_tests::{TestEnv, wait_for};
use serde_json::{Value, json};

use super::scenario::{
    EVERY_PAGES, REACT_TIMEOUT, SCAN, SCAN_TIMEOUT, Scenario, assert_same_as_uninterrupted, site,
};

// ---------------------------------------------------------------------------
// Scenario 2
// ---------------------------------------------------------------------------

/// Pause at about a third: the pod goes away, the phase is Paused, progress
/// stays frozen, a checkpoint exists. Resume: Completed with the same report
/// as an uninterrupted scan.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e2e_02_pause_and_resume() {
    let s = Scenario::start("pause", &[]).await;
    // Slow enough to pause a third of the way through.
    s.apply_scan(json!({"crawl": {"requestsPerSecond": 30}}));
    s.wait_pages_fetched(site().page_count() / 3, SCAN_TIMEOUT)
        .await;
    let crawler = s.running_crawler().expect("a running crawler pod");
    s.patch_scan(json!({"spec": {"desiredState": "Paused"}}));
    let paused = s.wait_phase(&["Paused"], REACT_TIMEOUT).await;

    // The pod went away, and nothing moves while paused.
    wait_for("the crawler process to end", REACT_TIMEOUT, || async {
        (s.live_crawler_processes() == 0).then_some(())
    })
    .await
    .expect("no crawler runs while paused");
    // A pause suspends the Job: the crawler sees that and exits 0.
    let exit = wait_for("the paused crawler's exit", REACT_TIMEOUT, || async {
        s.env.node().pod_exits(&s.ns, &crawler).last().cloned()
    })
    .await
    .expect("the paused crawler exited");
    assert_eq!(exit.exit_code, 0, "{exit:?}");
    let checkpoint = &paused["status"]["checkpoint"];
    let saved_pages = checkpoint["pagesVisited"].as_u64().unwrap_or(0);
    assert!(saved_pages > 0, "a checkpoint with pages: {checkpoint}");
    assert!(paused["status"]["pausedAt"].is_string());
    let checkpoints = s.items(&["configmaps", "-l", "app.kubernetes.io/component=checkpoint"]);
    assert!(!checkpoints.is_empty(), "checkpoint ConfigMaps exist");
    let fetched = s.server.pages_fetched(site());
    assert!(
        fetched < site().page_count(),
        "paused before the end ({fetched} pages)"
    );
    let hits_before: u64 = s.server.hits().values().sum();
    let progress_before = paused["status"]["progress"].clone();
    // Observe for a few seconds that neither the site nor the status moves.
    let watch_until = Instant::now() + Duration::from_secs(4);
    while Instant::now() < watch_until {
        let scan = s.scan();
        assert_eq!(scan["status"]["phase"], "Paused");
        assert_eq!(
            scan["status"]["progress"]["pagesCrawled"], progress_before["pagesCrawled"],
            "progress frozen"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert_eq!(
        s.server.hits().values().sum::<u64>(),
        hits_before,
        "no request while paused"
    );
    let job = s.get_json(&["job", &format!("{SCAN}-v1")]);
    assert_eq!(job["spec"]["suspend"], true, "the Job is suspended");

    s.patch_scan(json!({"spec": {"desiredState": "Running"}}));
    let done = s.wait_phase(&["Completed"], SCAN_TIMEOUT).await;
    assert!(done["status"]["totalPausedSeconds"].as_i64().unwrap_or(0) >= 4);
    let report = s.assert_report_is_complete(1);
    assert!(
        s.server.refetches(site()) <= EVERY_PAGES,
        "a pause refetches at most everyPages pages, got {}",
        s.server.refetches(site())
    );
    assert_same_as_uninterrupted(&s, &report).await;
    let reasons = s.event_reasons();
    for expected in ["Paused", "Resumed", "Completed"] {
        assert!(
            reasons.iter().any(|r| r == expected),
            "no {expected} Event in {reasons:?}"
        );
    }
    s.finish().await;
}

/// The Job's conditions that are True, by type.
fn true_job_conditions(job: &Value) -> Vec<String> {
    job["status"]["conditions"]
        .as_array()
        .map(|cs| {
            cs.iter()
                .filter(|c| c["status"] == "True")
                .filter_map(|c| c["type"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// A pause can never end as a completed Job or a Failed scan, even when it
/// races with other stops. kube-controller-manager is stopped (SIGSTOP) for
/// 20 s right before the pause, so the Job is suspended but nobody deletes
/// its pod; the pod is then evicted while the Job is suspended (SIGTERM from
/// a disruption, not from the Job controller). The crawler saves and exits;
/// the scan ends Paused, never Failed or Completed, and the Job is neither
/// Complete nor Failed before or after the controller manager is back.
/// Resume finishes with the full report.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e2e_15_pause_races_an_eviction_with_the_controller_manager_stopped() {
    // Its own control plane: a stopped controller manager would stall every
    // other scenario's Jobs on the shared one.
    let env = TestEnv::start().await.expect("a private control plane");
    let s = Scenario::start_in(&env, "pauserace", &[]).await;
    s.apply_scan(json!({"crawl": {"requestsPerSecond": 30}}));
    s.wait_pages_fetched(site().page_count() / 3, SCAN_TIMEOUT)
        .await;
    let crawler = s.running_crawler().expect("a running crawler pod");
    let job_name = format!("{SCAN}-v1");
    // Asserted over and over while the race plays out.
    let never_finished = |when: &str| {
        let scan = s.scan();
        let phase = scan["status"]["phase"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert!(
            !matches!(phase.as_str(), "Failed" | "Completed" | "TimedOut"),
            "{when}: the scan is {phase}\n{}",
            s.diagnostics()
        );
        let conditions = true_job_conditions(&s.get_json(&["job", &job_name]));
        assert!(
            !conditions.iter().any(|c| c == "Complete" || c == "Failed"),
            "{when}: the Job is {conditions:?}\n{}",
            s.diagnostics()
        );
    };

    let stopped = env.stop_controller_manager();
    let stopped_at = Instant::now();
    s.patch_scan(json!({"spec": {"desiredState": "Paused"}}));
    wait_for("the Job to be suspended", REACT_TIMEOUT, || async {
        (s.get_json(&["job", &job_name])["spec"]["suspend"] == true).then_some(())
    })
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", s.diagnostics()));
    assert!(
        env.node().pod_pid(&s.ns, &crawler).is_some(),
        "with no Job controller, the suspended Job's pod still runs"
    );
    never_finished("suspended, pod still running");

    env.node()
        .disrupt_pod(&s.ns, &crawler)
        .await
        .expect("evict the crawler pod");
    let exit = wait_for("the evicted crawler's exit", REACT_TIMEOUT, || async {
        env.node().pod_exits(&s.ns, &crawler).last().cloned()
    })
    .await
    .expect("the evicted crawler exited");
    assert_eq!(
        exit.exit_code, 0,
        "it read the Job as suspended: a pause, not an interruption: {exit:?}"
    );
    // The rest of the 20 s with the controller manager stopped.
    while stopped_at.elapsed() < Duration::from_secs(20) {
        never_finished("controller manager stopped");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    drop(stopped);

    let paused = s.wait_phase(&["Paused"], REACT_TIMEOUT).await;
    assert!(
        paused["status"]["checkpoint"]["pagesVisited"]
            .as_u64()
            .unwrap_or(0)
            > 0,
        "a checkpoint with pages: {}",
        paused["status"]["checkpoint"]
    );
    // The Job controller, back, has seen the evicted pod: it must not
    // complete or fail the suspended Job, nor start a pod for it.
    wait_for(
        "the Job controller to count the evicted pod",
        REACT_TIMEOUT,
        || async {
            let job = s.get_json(&["job", &job_name]);
            (job["status"]["active"].as_u64().unwrap_or(0) == 0
                && true_job_conditions(&job).iter().any(|c| c == "Suspended"))
            .then_some(())
        },
    )
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", s.diagnostics()));
    never_finished("controller manager back");
    assert_eq!(s.live_crawler_processes(), 0, "nothing runs while paused");
    assert_eq!(s.scan()["status"]["phase"], "Paused");

    s.patch_scan(json!({"spec": {"desiredState": "Running"}}));
    s.wait_phase(&["Completed"], SCAN_TIMEOUT).await;
    let report = s.assert_report_is_complete(1);
    assert_same_as_uninterrupted(&s, &report).await;
    s.finish().await;
}

// ---------------------------------------------------------------------------
// Scenario 6
// ---------------------------------------------------------------------------

/// A timeout, then a raised timeout: the scan resumes and completes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e2e_06_timeout_then_raised_timeout() {
    let s = Scenario::start("timeout", &[]).await;
    // The time runs out once the crawler has saved a checkpoint, however
    // long its start took on a busy machine: then the timeout is lowered
    // to the minimum, 1s, which the active time has already passed or soon
    // will.
    s.apply_scan(json!({"crawl": {"requestsPerSecond": 10}, "timeout": "10m"}));
    wait_for("a first checkpoint", SCAN_TIMEOUT, || async {
        let scan = s.scan();
        (scan["status"]["checkpoint"]["pagesVisited"]
            .as_u64()
            .unwrap_or(0)
            > 0)
        .then_some(())
    })
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", s.diagnostics()));
    s.patch_scan(json!({"spec": {"timeout": "1s"}}));
    let timed_out = s.wait_phase(&["TimedOut"], REACT_TIMEOUT).await;
    wait_for("the crawler process to end", REACT_TIMEOUT, || async {
        (s.live_crawler_processes() == 0).then_some(())
    })
    .await
    .expect("no crawler runs after the timeout");
    let fetched = s.server.pages_fetched(site());
    assert!(
        fetched < site().page_count(),
        "timed out before the end ({fetched} pages)"
    );
    let events = s.events();
    assert!(
        events
            .iter()
            .any(|(t, r, _)| t == "Warning" && r == "TimedOut"),
        "a TimedOut Warning Event: {events:?}"
    );
    let checkpoint =
        s.wait_phase(&["TimedOut"], REACT_TIMEOUT).await["status"]["checkpoint"].clone();
    assert!(
        checkpoint["pagesVisited"].as_u64().unwrap_or(0) > 0,
        "the checkpoint is kept: {checkpoint} (status {})",
        timed_out["status"]
    );

    s.patch_scan(json!({"spec": {"timeout": "10m"}}));
    s.wait_phase(&["Completed"], SCAN_TIMEOUT).await;
    s.assert_report_is_complete(1);
    assert!(
        s.server.refetches(site()) <= EVERY_PAGES,
        "resuming after the timeout refetches at most everyPages pages, got {}",
        s.server.refetches(site())
    );
    let reasons = s.event_reasons();
    assert!(
        reasons.iter().any(|r| r == "TimeoutExtended"),
        "{reasons:?}"
    );
    s.finish().await;
}
