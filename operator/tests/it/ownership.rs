//! The operator never takes over an object it did not create for the scan:
//! a name clash stops the scan with `NameConflict` and changes nothing.

use crate::common::*;
use cira_crds::{ScanPhase, names};
use k8s_openapi::api::core::v1::ServiceAccount;
use k8s_openapi::api::rbac::v1::Role;
use kube::api::{Api, DeleteParams, PostParams};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_existing_service_account_is_not_adopted_and_blocks_the_scan() {
    let (env, ns, client) = namespace("op-owner").await;
    let sa_name = names::crawler_service_account_name("acme");
    let sas: Api<ServiceAccount> = Api::namespaced(client.clone(), &ns);
    // Someone else's ServiceAccount under the crawler's name.
    let theirs: ServiceAccount = serde_json::from_value(json!({
        "metadata": {
            "name": sa_name,
            "labels": {"team": "billing"},
            "annotations": {"owner": "billing"}
        },
        "automountServiceAccountToken": true
    }))
    .unwrap();
    let before = sas.create(&PostParams::default(), &theirs).await.unwrap();

    let _op = Operator::start(env, config(&ns)).await;
    create(&client, &ns, &scan("acme", json!({}))).await;
    let blocked = wait_scan(&client, &ns, "acme", "a NameConflict", WAIT, |s| {
        condition(s, "Ready").is_some_and(|c| c.reason == "NameConflict")
    })
    .await;
    let ready = condition(&blocked, "Ready").unwrap();
    assert_eq!(ready.status, "False");
    assert!(
        ready
            .message
            .contains(&format!("ServiceAccount {sa_name} already exists")),
        "{}",
        ready.message
    );
    assert_eq!(phase(&blocked), Some(ScanPhase::Pending));
    assert!(get_job(&client, &ns, "acme-v1").await.is_none(), "no Job");
    assert!(
        !exists::<Role>(&client, &ns, &sa_name).await.unwrap(),
        "nothing else created"
    );
    let after = sas.get(&sa_name).await.unwrap();
    assert_eq!(
        after.metadata.resource_version, before.metadata.resource_version,
        "the ServiceAccount is unchanged"
    );
    assert!(after.metadata.owner_references.is_none());
    assert_eq!(after.automount_service_account_token, Some(true));

    // Once the other object is gone, the scan starts on its own.
    sas.delete(&sa_name, &DeleteParams::default())
        .await
        .unwrap();
    wait_phase(&client, &ns, "acme", ScanPhase::Crawling).await;
    assert!(get_job(&client, &ns, "acme-v1").await.is_some());
    let ours = sas.get(&sa_name).await.unwrap();
    let uid = list_scans(&client, &ns).await[0]
        .metadata
        .uid
        .clone()
        .unwrap();
    assert!(
        ours.metadata
            .owner_references
            .unwrap_or_default()
            .iter()
            .any(|o| o.uid == uid),
        "the new ServiceAccount is owned by the scan"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_existing_checkpoint_or_report_configmap_is_not_adopted_and_blocks_the_scan() {
    use k8s_openapi::api::core::v1::ConfigMap;
    let (env, ns, client) = namespace("op-owner-cm").await;
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), &ns);
    let _op = Operator::start(env, config(&ns)).await;
    // A chunk name of the checkpoint's second slot, and the report's name:
    // the crawler would overwrite either.
    for (scan_name, cm_name) in [
        ("acme", names::checkpoint_configmap_name("acme", 1, 3)),
        ("beta", names::report_configmap_name("beta", 1)),
    ] {
        let theirs: ConfigMap = serde_json::from_value(json!({
            "metadata": {"name": cm_name, "labels": {"team": "billing"}},
            "data": {"ledger": "do not touch"}
        }))
        .unwrap();
        let before = cms.create(&PostParams::default(), &theirs).await.unwrap();
        create(&client, &ns, &scan(scan_name, json!({}))).await;
        let blocked = wait_scan(&client, &ns, scan_name, "a NameConflict", WAIT, |s| {
            condition(s, "Ready").is_some_and(|c| c.reason == "NameConflict")
        })
        .await;
        let message = condition(&blocked, "Ready").unwrap().message.clone();
        assert!(
            message.contains(&format!("ConfigMap {cm_name} already exists")),
            "{message}"
        );
        let job = format!("{scan_name}-v1");
        assert!(get_job(&client, &ns, &job).await.is_none(), "no Job");
        let after = cms.get(&cm_name).await.unwrap();
        assert_eq!(
            after.metadata.resource_version, before.metadata.resource_version,
            "the ConfigMap is unchanged"
        );
        assert!(after.metadata.owner_references.is_none());

        cms.delete(&cm_name, &DeleteParams::default())
            .await
            .unwrap();
        wait_phase(&client, &ns, scan_name, ScanPhase::Crawling).await;
        assert!(get_job(&client, &ns, &job).await.is_some());
    }
}
