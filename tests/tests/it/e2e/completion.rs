//! Scenarios 1 and 7: a fresh scan and rescans with their history.

use std::collections::BTreeMap;
use std::time::Duration;

use cira_tests::wait_for;
use serde_json::json;

use super::scenario::{
    REACT_TIMEOUT, SCAN, SCAN_TIMEOUT, Scenario, assert_same_as_uninterrupted, site,
};

// ---------------------------------------------------------------------------
// Scenario 1
// ---------------------------------------------------------------------------

/// A fresh scan reaches Completed and its report's entities equal the site's
/// truth.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e2e_01_fresh_scan_completes_with_the_site_truth() {
    let s = Scenario::start("fresh", &[]).await;
    s.apply_scan(json!({}));
    let scan = s.wait_phase(&["Completed"], SCAN_TIMEOUT).await;

    let status = &scan["status"];
    assert_eq!(status["scanVersion"], 1);
    assert_eq!(status["report"]["configMap"], format!("{SCAN}-report-v1"));
    let counts: BTreeMap<String, u64> =
        serde_json::from_value(status["report"]["counts"].clone()).expect("counts");
    assert_eq!(counts, site().truth().counts(), "status.report.counts");
    let ready = status["conditions"]
        .as_array()
        .expect("conditions")
        .iter()
        .find(|c| c["type"] == "Ready")
        .expect("a Ready condition");
    assert_eq!(ready["status"], "True", "{ready}");
    assert!(status["completedAt"].is_string(), "{status}");

    let report = s.assert_report_is_complete(1);
    assert_eq!(
        s.server.refetches(site()),
        0,
        "an uninterrupted scan fetches each page once"
    );
    assert_same_as_uninterrupted(&s, &report).await;

    let reasons = s.event_reasons();
    for expected in ["Started", "Completed"] {
        assert!(
            reasons.iter().any(|r| r == expected),
            "no {expected} Event in {reasons:?}"
        );
    }
    let job = s.get_json(&["job", &format!("{SCAN}-v1")]);
    assert_eq!(job["status"]["succeeded"], 1, "{}", job["status"]);
    assert_eq!(s.live_crawler_processes(), 0);
    wait_for(
        "the operator pod to be Ready",
        Duration::from_secs(30),
        || async { (s.ready_operator_pods() == 1).then_some(()) },
    )
    .await
    .unwrap_or_else(|e| {
        panic!(
            "{e} (`helm install --wait` would hang)\n{}",
            s.diagnostics()
        )
    });
    s.finish().await;
}

// ---------------------------------------------------------------------------
// Scenario 7
// ---------------------------------------------------------------------------

/// Rescan: a version 2 report; version 1 kept per historyLimit (1), and
/// dropped once version 3 is done.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e2e_07_rescan_keeps_history() {
    let s = Scenario::start("rescan", &[]).await;
    s.apply_scan(json!({"report": {"historyLimit": 1}}));
    s.wait_phase(&["Completed"], SCAN_TIMEOUT).await;
    s.assert_report_is_complete(1);

    s.patch_scan(json!({"spec": {"rescan": 1}}));
    let v2 = wait_for("scan version 2 to complete", SCAN_TIMEOUT, || async {
        let scan = s.scan();
        (scan["status"]["scanVersion"] == 2 && scan["status"]["phase"] == "Completed")
            .then_some(scan)
    })
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", s.diagnostics()));
    let report = &v2["status"]["report"];
    assert_eq!(report["scanVersion"], 2, "{report}");
    assert_eq!(report["configMap"], format!("{SCAN}-report-v2"));
    assert_eq!(report["history"][0]["scanVersion"], 1, "{report}");
    let (v2_report, _) = s.report(2);
    assert!(
        site().truth().diff(&v2_report).is_empty(),
        "v2 report matches the truth"
    );
    assert_eq!(v2_report["scanVersion"], 2);
    assert!(
        s.kubectl_try(&["get", "configmap", &format!("{SCAN}-report-v1")])
            .is_ok()
    );
    let reasons = s.event_reasons();
    assert!(reasons.iter().any(|r| r == "RescanStarted"), "{reasons:?}");

    s.patch_scan(json!({"spec": {"rescan": 2}}));
    wait_for("scan version 3 to complete", SCAN_TIMEOUT, || async {
        let scan = s.scan();
        (scan["status"]["scanVersion"] == 3 && scan["status"]["phase"] == "Completed").then_some(())
    })
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", s.diagnostics()));
    wait_for(
        "the version 1 report to be dropped",
        REACT_TIMEOUT,
        || async {
            s.kubectl_try(&["get", "configmap", &format!("{SCAN}-report-v1")])
                .is_err()
                .then_some(())
        },
    )
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", s.diagnostics()));
    assert!(
        s.kubectl_try(&["get", "configmap", &format!("{SCAN}-report-v2")])
            .is_ok()
    );
    assert!(
        s.kubectl_try(&["get", "configmap", &format!("{SCAN}-report-v3")])
            .is_ok()
    );
    let history = &s.scan()["status"]["report"]["history"];
    assert_eq!(history.as_array().map(Vec::len), Some(1), "{history}");
    assert_eq!(history[0]["scanVersion"], 2, "{history}");
    s.finish().await;
}
