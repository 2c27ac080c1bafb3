//! Fairness between teams: the per-namespace slot limit across two watched
//! namespaces.

use cira_crds::ScanPhase;
use serde_json::json;

use crate::common::*;

/// One operator watching two namespaces, three slots in all and one per
/// namespace: team a's second scan waits with the reason while team b's
/// scan, created after it, crawls; once a's first scan is cancelled, a's
/// second gets the slot.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_namespace_cannot_hold_every_slot() {
    let (env, ns_a, client) = namespace("fair-a").await;
    let ns_b = env.new_namespace("fair-b").await.expect("namespace");
    let mut cfg = config(&ns_a);
    cfg.watch_namespaces = vec![ns_a.clone(), ns_b.clone()];
    cfg.max_concurrent_scans = 3;
    cfg.max_concurrent_scans_per_namespace = Some(1);
    let _op = Operator::start(env, cfg).await;

    create(&client, &ns_a, &scan("a1", json!({}))).await;
    wait_phase(&client, &ns_a, "a1", ScanPhase::Crawling).await;
    create(&client, &ns_a, &scan("a2", json!({}))).await;
    create(&client, &ns_b, &scan("b1", json!({}))).await;

    let queued = wait_scan(
        &client,
        &ns_a,
        "a2",
        "a2 to wait for its namespace's slot",
        WAIT,
        |s| {
            phase(s) == Some(ScanPhase::Queued)
                && condition(s, "Ready").is_some_and(|c| c.reason == "NamespaceLimit")
        },
    )
    .await;
    let message = queued
        .status
        .as_ref()
        .and_then(|s| s.message.clone())
        .unwrap_or_default();
    assert!(
        message.contains("at most 1 scans of this namespace"),
        "{message}"
    );
    // b1 came after a2 but another namespace's limit does not hold it up.
    wait_phase(&client, &ns_b, "b1", ScanPhase::Crawling).await;
    assert!(
        get_job(&client, &ns_a, &cira_crds::names::job_name("a2", 1))
            .await
            .is_none(),
        "no crawler for the scan over its namespace's limit"
    );
    // Still queued while a1 crawls: the free third slot is not a's.
    let a2 = wait_scan(&client, &ns_a, "a2", "a2 still queued", WAIT, |s| {
        phase(s) == Some(ScanPhase::Queued)
    })
    .await;
    assert_eq!(
        condition(&a2, "Ready").map(|c| c.reason.as_str()),
        Some("NamespaceLimit")
    );

    patch_spec(&client, &ns_a, "a1", json!({"desiredState": "Cancelled"})).await;
    wait_phase(&client, &ns_a, "a1", ScanPhase::Cancelled).await;
    wait_phase(&client, &ns_a, "a2", ScanPhase::Crawling).await;
    let b1 = wait_phase(&client, &ns_b, "b1", ScanPhase::Crawling).await;
    assert_eq!(phase(&b1), Some(ScanPhase::Crawling));
}
