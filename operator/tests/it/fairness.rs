//! Fairness between teams and stuck scans: the per-namespace slot limit
//! across two watched namespaces, and crawlers that cannot start (an image
//! the node cannot pull, a nodeSelector no node matches).

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

/// An image the test node has no program for: its pods wait in
/// ErrImagePull, as with an image no registry has.
const MISSING_IMAGE: &str = "cira.dev/missing-crawler:1";

fn degraded_reason(s: &cira_crds::CompanyScan) -> Option<String> {
    condition(s, "Degraded")
        .filter(|c| c.status == "True")
        .map(|c| c.reason.clone())
}

/// A scan whose crawler image cannot be pulled holds the only slot: it shows
/// Degraded with the reason while it waits, and after the pending timeout
/// gives its slot to the scan queued behind it and waits in the queue with
/// its Job suspended.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crawler_that_cannot_start_shows_why_and_gives_its_slot_back() {
    let (env, ns, client) = namespace("stuck").await;
    let mut cfg = config(&ns);
    cfg.max_concurrent_scans = 1;
    cfg.pending_timeout = std::time::Duration::from_secs(8);
    cfg.policy
        .allowed_image_prefixes
        .push(MISSING_IMAGE.to_string());
    let _op = Operator::start(env, cfg).await;

    create(
        &client,
        &ns,
        &scan("stuck", json!({"crawler": {"image": MISSING_IMAGE}})),
    )
    .await;
    let stuck = wait_scan(
        &client,
        &ns,
        "stuck",
        "the stuck scan to say why its crawler does not start",
        WAIT,
        |s| {
            phase(s) == Some(ScanPhase::Crawling)
                && degraded_reason(s).as_deref() == Some("CrawlerImagePullFailed")
        },
    )
    .await;
    let degraded = condition(&stuck, "Degraded").expect("Degraded");
    assert!(
        degraded.message.starts_with("ErrImagePull") && degraded.message.contains(MISSING_IMAGE),
        "the message is the pod's: {}",
        degraded.message
    );
    create(&client, &ns, &scan("next", json!({}))).await;
    wait_scan(&client, &ns, "next", "next to queue", WAIT, |s| {
        phase(s) == Some(ScanPhase::Queued)
    })
    .await;

    // After the timeout the slot goes to `next`.
    wait_phase(&client, &ns, "next", ScanPhase::Crawling).await;
    let stuck = wait_scan(
        &client,
        &ns,
        "stuck",
        "the stuck scan to wait in the queue, still Degraded",
        WAIT,
        |s| {
            phase(s) == Some(ScanPhase::Queued)
                && degraded_reason(s).as_deref() == Some("CrawlerImagePullFailed")
                && s.status.as_ref().and_then(|st| st.queue_position) == Some(1)
        },
    )
    .await;
    let job = cira_crds::names::job_name("stuck", 1);
    wait_job_suspended(&client, &ns, &job).await;
    wait_active_pods(&client, &ns, &job, 0).await;
    // The time it could not start does not count as crawling time.
    assert!(
        stuck
            .status
            .as_ref()
            .and_then(|s| s.paused_at.as_ref())
            .is_some(),
        "{:?}",
        stuck.status
    );
    // `next` keeps the slot: the scan that gave it back waits behind.
    let next = wait_phase(&client, &ns, "next", ScanPhase::Crawling).await;
    assert_eq!(degraded_reason(&next), None);
}

/// A nodeSelector no node has: the pod stays unscheduled, and the scan says
/// so with the scheduler's message.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unschedulable_crawler_shows_degraded_with_the_schedulers_message() {
    let (env, ns, client) = namespace("unsched").await;
    let mut cfg = config(&ns);
    cfg.policy
        .allowed_node_selector_keys
        .push("cira.dev/pool".to_string());
    let _op = Operator::start(env, cfg).await;
    create(
        &client,
        &ns,
        &scan(
            "acme",
            json!({"crawler": {"nodeSelector": {"cira.dev/pool": "nowhere"}}}),
        ),
    )
    .await;
    let s = wait_scan(
        &client,
        &ns,
        "acme",
        "the scan to show its crawler is unschedulable",
        WAIT,
        |s| degraded_reason(s).as_deref() == Some("CrawlerUnschedulable"),
    )
    .await;
    assert_eq!(
        phase(&s),
        Some(ScanPhase::Crawling),
        "it keeps its slot for now"
    );
    let degraded = condition(&s, "Degraded").expect("Degraded");
    assert!(
        degraded
            .message
            .starts_with("Unschedulable: 0/1 nodes are available"),
        "{}",
        degraded.message
    );
    let message = s
        .status
        .as_ref()
        .and_then(|st| st.message.clone())
        .unwrap_or_default();
    assert!(message.contains("Unless it starts within"), "{message}");
}

/// A namespace whose quota allows no pod: the Job controller cannot create
/// the crawler pod, which shows only in the Job's `FailedCreate` Events.
/// The scan says so with the API server's refusal; once the quota is gone
/// the pod starts and Degraded clears.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crawler_pod_the_quota_refuses_shows_degraded_with_the_refusal() {
    use k8s_openapi::api::core::v1::ResourceQuota;
    use kube::api::{Api, DeleteParams, Patch, PatchParams, PostParams};

    let (env, ns, client) = namespace("quota").await;
    let quotas: Api<ResourceQuota> = Api::namespaced(client.clone(), &ns);
    let quota: ResourceQuota = serde_json::from_value(json!({
        "metadata": {"name": "no-pods"},
        "spec": {"hard": {"pods": "0"}}
    }))
    .unwrap();
    quotas.create(&PostParams::default(), &quota).await.unwrap();
    // No resource-quota controller runs here: write the usage it would.
    quotas
        .patch_status(
            "no-pods",
            &PatchParams::default(),
            &Patch::Merge(json!({"status": {"hard": {"pods": "0"}, "used": {"pods": "0"}}})),
        )
        .await
        .unwrap();
    let _op = Operator::start(env, config(&ns)).await;
    create(&client, &ns, &scan("acme", json!({}))).await;
    let s = wait_scan(
        &client,
        &ns,
        "acme",
        "the scan to show its crawler pod is refused",
        WAIT,
        |s| degraded_reason(s).as_deref() == Some("CrawlerPodRefused"),
    )
    .await;
    assert_eq!(phase(&s), Some(ScanPhase::Crawling));
    let degraded = condition(&s, "Degraded").expect("Degraded");
    assert!(
        degraded.message.starts_with("FailedCreate: ")
            && degraded.message.contains("exceeded quota: no-pods"),
        "the message is the API server's: {}",
        degraded.message
    );

    quotas
        .delete("no-pods", &DeleteParams::default())
        .await
        .unwrap();
    wait_active_pods(&client, &ns, &cira_crds::names::job_name("acme", 1), 1).await;
    wait_scan(&client, &ns, "acme", "Degraded to clear", WAIT, |s| {
        degraded_reason(s).is_none()
    })
    .await;
}
