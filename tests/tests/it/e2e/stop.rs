//! Scenarios 12-14: stop and cancel.

use cira_tests::sample_site::COMPANY_NAME;
use cira_tests::wait_for;
use serde_json::{Value, json};

use super::scenario::{REACT_TIMEOUT, SCAN, SCAN_TIMEOUT, Scenario, site};

// ---------------------------------------------------------------------------
// Scenarios 12-14: stop and cancel
// ---------------------------------------------------------------------------

/// The Ready condition of a scan as JSON.
fn ready_condition(scan: &Value) -> Value {
    scan["status"]["conditions"]
        .as_array()
        .expect("conditions")
        .iter()
        .find(|c| c["type"] == "Ready")
        .cloned()
        .expect("a Ready condition")
}

/// A stopped scan: Completed, reason Stopped, with a report of the pages
/// crawled before the stop (fewer than the site has), and no page fetched
/// after the crawler finished.
fn assert_stopped_with_partial_report(s: &Scenario, scan: &Value) -> u64 {
    let ready = ready_condition(scan);
    assert_eq!(ready["status"], "True", "{ready}");
    assert_eq!(ready["reason"], "Stopped", "{ready}");
    let status = &scan["status"];
    assert_eq!(status["report"]["configMap"], format!("{SCAN}-report-v1"));
    let (report, md) = s.report(1);
    let pages = report["pagesCrawled"].as_u64().expect("pagesCrawled");
    assert!(
        pages > 0 && pages < site().page_count() as u64,
        "the report covers the pages crawled before the stop: {pages} of {}",
        site().page_count()
    );
    assert_eq!(
        status["progress"]["pagesCrawled"].as_u64(),
        Some(pages),
        "status and report agree"
    );
    assert!(
        s.server.pages_fetched(site()) < site().page_count(),
        "the crawl ended early"
    );
    assert!(md.starts_with(&format!("# {COMPANY_NAME}")), "{md}");
    let reasons = s.event_reasons();
    for expected in ["Stopping", "Stopped"] {
        assert!(
            reasons.iter().any(|r| r == expected),
            "no {expected} Event in {reasons:?}"
        );
    }
    pages
}

/// Stop while crawling: the crawl ends, the report has the pages so far.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e2e_12_stop_while_crawling() {
    let s = Scenario::start("stop", &[]).await;
    s.apply_scan(json!({"crawl": {"requestsPerSecond": 30}}));
    s.wait_pages_fetched(site().page_count() / 3, SCAN_TIMEOUT)
        .await;
    s.patch_scan(json!({"spec": {"desiredState": "Stopped"}}));
    let done = s.wait_phase(&["Completed"], REACT_TIMEOUT).await;
    let pages = assert_stopped_with_partial_report(&s, &done);
    assert!(pages >= site().page_count() as u64 / 3, "{pages}");
    let hits: u64 = s.server.hits().values().sum();
    assert_eq!(s.live_crawler_processes(), 0);
    // A stopped scan does not run again without a rescan.
    let refused = s
        .kubectl_try(&[
            "patch",
            "companyscan",
            SCAN,
            "--type",
            "merge",
            "-p",
            r#"{"spec":{"desiredState":"Running"}}"#,
        ])
        .expect_err("Stopped -> Running is refused");
    assert!(
        refused.contains("a Stopped scan cannot run or pause again"),
        "{refused}"
    );
    assert_eq!(s.scan()["status"]["phase"], "Completed");
    assert_eq!(s.server.hits().values().sum::<u64>(), hits);
    s.finish().await;
}

/// Stop from Paused: the Job resumes only to finish from the checkpoint,
/// without fetching another page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e2e_13_stop_from_paused() {
    let s = Scenario::start("stop-paused", &[]).await;
    s.apply_scan(json!({"crawl": {"requestsPerSecond": 30}}));
    s.wait_pages_fetched(site().page_count() / 3, SCAN_TIMEOUT)
        .await;
    s.patch_scan(json!({"spec": {"desiredState": "Paused"}}));
    s.wait_phase(&["Paused"], REACT_TIMEOUT).await;
    wait_for("the crawler process to end", REACT_TIMEOUT, || async {
        (s.live_crawler_processes() == 0).then_some(())
    })
    .await
    .expect("no crawler runs while paused");
    let hits_before: u64 = s.server.hits().values().sum();

    s.patch_scan(json!({"spec": {"desiredState": "Stopped"}}));
    let done = s.wait_phase(&["Completed"], REACT_TIMEOUT).await;
    assert_stopped_with_partial_report(&s, &done);
    assert_eq!(
        s.server.hits().values().sum::<u64>(),
        hits_before,
        "finishing a stopped scan fetches nothing"
    );
    let job = s.get_json(&["job", &format!("{SCAN}-v1")]);
    assert_eq!(job["status"]["succeeded"], 1, "{}", job["status"]);
    s.finish().await;
}

/// Cancel while crawling: phase Cancelled, no report, the Job and its pod
/// gone, the checkpoint kept; Running is refused until a rescan, which
/// starts a new version that completes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e2e_14_cancel_while_crawling() {
    let s = Scenario::start("cancel", &[]).await;
    s.apply_scan(json!({"crawl": {"requestsPerSecond": 30}}));
    s.wait_pages_fetched(site().page_count() / 3, SCAN_TIMEOUT)
        .await;
    s.patch_scan(json!({"spec": {"desiredState": "Cancelled"}}));
    let cancelled = s.wait_phase(&["Cancelled"], REACT_TIMEOUT).await;
    let ready = ready_condition(&cancelled);
    assert_eq!(ready["status"], "False", "{ready}");
    assert_eq!(ready["reason"], "Cancelled", "{ready}");
    assert!(cancelled["status"]["report"].is_null(), "no report");
    assert!(cancelled["status"]["completedAt"].is_string());

    wait_for("the crawler pod and Job to go", REACT_TIMEOUT, || async {
        let job_gone = s
            .kubectl_try(&["get", "job", &format!("{SCAN}-v1")])
            .is_err_and(|e| e.contains("NotFound") || e.contains("not found"));
        (job_gone && s.crawler_pods().is_empty() && s.live_crawler_processes() == 0).then_some(())
    })
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", s.diagnostics()));
    let checkpoints = s.items(&["configmaps", "-l", "app.kubernetes.io/component=checkpoint"]);
    assert!(!checkpoints.is_empty(), "the checkpoint is kept");
    assert!(
        s.kubectl_try(&["get", "configmap", &format!("{SCAN}-report-v1")])
            .is_err(),
        "no report ConfigMap"
    );
    assert!(
        s.event_reasons().iter().any(|r| r == "Cancelled"),
        "{:?}",
        s.event_reasons()
    );

    // Cancelled -> Running is refused by the CRD, with kubectl patch and
    // with kubectl apply.
    let refused = s
        .kubectl_try(&[
            "patch",
            "companyscan",
            SCAN,
            "--type",
            "merge",
            "-p",
            r#"{"spec":{"desiredState":"Running"}}"#,
        ])
        .expect_err("Cancelled -> Running is refused");
    assert!(
        refused.contains("a Cancelled scan stays Cancelled; raise spec.rescan"),
        "{refused}"
    );
    let mut applied = s.scan();
    applied["spec"]["desiredState"] = json!("Running");
    for key in ["status", "metadata"] {
        applied.as_object_mut().unwrap().remove(key);
    }
    applied["metadata"] = json!({"name": SCAN});
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), applied.to_string()).unwrap();
    let refused = s
        .kubectl_try(&["apply", "-f", &file.path().to_string_lossy()])
        .expect_err("apply of Running over Cancelled is refused");
    assert!(
        refused.contains("a Cancelled scan stays Cancelled"),
        "{refused}"
    );
    assert_eq!(s.scan()["status"]["phase"], "Cancelled");

    // A rescan (with desiredState Running in the same change) starts
    // version 2 as usual.
    s.patch_scan(json!({"spec": {"desiredState": "Running", "rescan": 1}}));
    let done = wait_for("scan version 2 to complete", SCAN_TIMEOUT, || async {
        let scan = s.scan();
        (scan["status"]["scanVersion"] == 2 && scan["status"]["phase"] == "Completed")
            .then_some(scan)
    })
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", s.diagnostics()));
    assert_eq!(
        done["status"]["report"]["configMap"],
        format!("{SCAN}-report-v2")
    );
    s.finish().await;
}
