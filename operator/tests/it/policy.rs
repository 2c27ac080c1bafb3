//! The operator's own check of the installer's scan policy (defence in
//! depth). No admission policy is installed on the test control plane, so
//! these scans are stored exactly as a cluster with `policy.admission=false`
//! (or an API server without the policy) would store them.

use crate::common::*;
use cira_crds::ScanPhase;
use k8s_openapi::api::core::v1::ServiceAccount;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scan_the_policy_forbids_fails_with_policy_violation_and_no_job() {
    let (env, ns, client) = namespace("op-policy").await;
    let mut cfg = config(&ns);
    // The chart's default policy: no private networks, only the crawler image.
    cfg.policy = cira_policy::ScanPolicy::restrictive(FAKE_CRAWLER_IMAGE);
    let _op = Operator::start(env, cfg).await;

    create(
        &client,
        &ns,
        &scan(
            "acme",
            json!({
                "company": {"name": "Acme", "url": "http://169.254.169.254/latest/meta-data/"},
                "crawl": {"allowPrivateNetworks": true, "allowedDomains": ["co.uk"]},
                "crawler": {"image": "evil.example.com/miner:latest", "priorityClassName": "system-node-critical"}
            }),
        ),
    )
    .await;
    let failed = wait_phase(&client, &ns, "acme", ScanPhase::Failed).await;
    let ready = condition(&failed, "Ready").unwrap();
    assert_eq!(ready.status, "False");
    assert_eq!(ready.reason, "PolicyViolation");
    // Every violation is named by its field, not only the first.
    for field in [
        "spec.crawl.allowPrivateNetworks",
        "spec.company.url: the host 169.254.169.254 is a cloud metadata address",
        "spec.crawl.allowedDomains: co.uk",
        "spec.crawler.image evil.example.com/miner:latest",
        "spec.crawler.priorityClassName system-node-critical",
    ] {
        assert!(ready.message.contains(field), "{field}: {}", ready.message);
    }
    assert!(
        get_job(&client, &ns, "acme-v1").await.is_none(),
        "no Job for a forbidden scan"
    );
    assert!(
        !exists::<ServiceAccount>(&client, &ns, "acme-crawler")
            .await
            .unwrap(),
        "no crawler credentials for a forbidden scan"
    );

    // Brought within the policy, the same scan runs.
    patch_spec(
        &client,
        &ns,
        "acme",
        json!({
            "company": {"url": "https://acme.example.com/"},
            "crawl": {"allowPrivateNetworks": false, "allowedDomains": []},
            "crawler": null
        }),
    )
    .await;
    wait_phase(&client, &ns, "acme", ScanPhase::Crawling).await;
    assert!(get_job(&client, &ns, "acme-v1").await.is_some());
}
