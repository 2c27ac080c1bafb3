//! The operator never takes over an object it did not create for the scan:
//! a name clash stops the scan with `NameConflict` and changes nothing.

use crate::common::*;
use cira_crds::{ScanPhase, names};
use k8s_openapi::api::core::v1::ServiceAccount;
use k8s_openapi::api::rbac::v1::Role;
use kube::ResourceExt;
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

/// Someone else's object under one of the names a scan needs.
struct Theirs {
    /// The scan whose name the object takes.
    scan: &'static str,
    resource: kube::discovery::ApiResource,
    name: String,
    body: serde_json::Value,
    /// The scan's spec beyond the defaults (PVC storage for the claim).
    spec: serde_json::Value,
}

/// Every other object a scan needs under a fixed name (the crawler Job, its
/// Role, RoleBinding, egress NetworkPolicy, checkpoint claim and progress
/// ConfigMap; the ServiceAccount and the checkpoint and report ConfigMaps
/// have the tests above): another team's object of that name blocks the
/// scan with `NameConflict`, is left exactly as it was, and once it is gone
/// the scan starts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_object_a_scan_needs_is_taken_over() {
    use k8s_openapi::api::batch::v1::Job;
    use k8s_openapi::api::core::v1::{ConfigMap, PersistentVolumeClaim};
    use k8s_openapi::api::networking::v1::NetworkPolicy;
    use k8s_openapi::api::rbac::v1::RoleBinding;
    use kube::api::DynamicObject;
    use kube::discovery::ApiResource;

    let (env, ns, client) = namespace("op-owner-all").await;
    let mut cfg = config(&ns);
    cfg.egress = Some(cira_operator::network_policy::EgressConfig::default());
    // Every case's scan keeps crawling: a slot each.
    cfg.max_concurrent_scans = 10;
    let _op = Operator::start(env, cfg).await;
    let labels = json!({"team": "billing"});
    let cases = [
        Theirs {
            scan: "job",
            resource: ApiResource::erase::<Job>(&()),
            name: names::job_name("job", 1),
            // Suspended: the Job controller starts no pod for it.
            body: json!({"spec": {"suspend": true, "template": {"spec": {
                "restartPolicy": "Never",
                "containers": [{"name": "main", "image": "billing/report:1"}]
            }}}}),
            spec: json!({}),
        },
        Theirs {
            scan: "role",
            resource: ApiResource::erase::<Role>(&()),
            name: names::crawler_service_account_name("role"),
            body: json!({"rules": [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"]}]}),
            spec: json!({}),
        },
        Theirs {
            scan: "binding",
            resource: ApiResource::erase::<RoleBinding>(&()),
            name: names::crawler_service_account_name("binding"),
            body: json!({
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
                "subjects": [{"kind": "ServiceAccount", "name": "billing", "namespace": ns}]
            }),
            spec: json!({}),
        },
        Theirs {
            scan: "netpol",
            resource: ApiResource::erase::<NetworkPolicy>(&()),
            name: names::crawler_service_account_name("netpol"),
            body: json!({"spec": {"podSelector": {}, "policyTypes": ["Ingress"]}}),
            spec: json!({}),
        },
        Theirs {
            scan: "claim",
            resource: ApiResource::erase::<PersistentVolumeClaim>(&()),
            name: names::checkpoint_pvc_name("claim"),
            body: json!({"spec": {
                "accessModes": ["ReadWriteOnce"],
                "resources": {"requests": {"storage": "1Gi"}}
            }}),
            spec: json!({"checkpoint": {"storage": "PersistentVolumeClaim"}}),
        },
        Theirs {
            scan: "progress",
            resource: ApiResource::erase::<ConfigMap>(&()),
            name: names::progress_configmap_name("progress"),
            body: json!({"data": {"ledger": "do not touch"}}),
            spec: json!({}),
        },
    ];
    let mut attempts = 0;
    for case in cases {
        let api = Api::<DynamicObject>::namespaced_with(client.clone(), &ns, &case.resource);
        let mut object = case.body.clone();
        object["apiVersion"] = json!(case.resource.api_version);
        object["kind"] = json!(case.resource.kind);
        object["metadata"] = json!({"name": case.name, "labels": labels});
        let object: DynamicObject = serde_json::from_value(object).unwrap();
        let before = api.create(&PostParams::default(), &object).await.unwrap();
        create(&client, &ns, &scan(case.scan, case.spec.clone())).await;
        attempts += 1;
        let blocked = wait_scan(&client, &ns, case.scan, "a NameConflict", WAIT, |s| {
            condition(s, "Ready").is_some_and(|c| c.reason == "NameConflict")
        })
        .await;
        let message = condition(&blocked, "Ready").unwrap().message.clone();
        let kind = &case.resource.kind;
        assert!(
            message.contains(&format!("{kind} {} already exists", case.name)),
            "{message}"
        );
        // Unchanged: everything its owner wrote, its labels, no owner, and
        // no field the operator wrote (a controller may still fill in what
        // it owns: the Job controller a status, the volume binder a claim's
        // volumeName).
        let after = api.get(&case.name).await.unwrap();
        let after_json = serde_json::to_value(&after).unwrap();
        assert!(
            holds(&after_json, &case.body),
            "{kind} {}: {} no longer holds {}",
            case.name,
            after_json,
            case.body
        );
        assert_eq!(after.metadata.labels, before.metadata.labels);
        assert!(
            after.metadata.owner_references.is_none(),
            "{kind}: no owner"
        );
        let managers: Vec<_> = after
            .metadata
            .managed_fields
            .iter()
            .flatten()
            .filter_map(|m| m.manager.clone())
            .collect();
        assert!(
            !managers.iter().any(|m| m == names::OPERATOR_FIELD_MANAGER),
            "{kind}: the operator wrote none of it: {managers:?}"
        );
        let job = names::job_name(case.scan, 1);
        if case.resource.kind != "Job" {
            assert!(get_job(&client, &ns, &job).await.is_none(), "no Job");
        }

        api.delete(&case.name, &DeleteParams::default())
            .await
            .unwrap();
        wait_phase(&client, &ns, case.scan, ScanPhase::Crawling).await;
        let ours = get_job(&client, &ns, &job).await.expect("the scan's Job");
        assert!(
            !ours.owner_references().is_empty(),
            "the new {job} is owned by the scan"
        );
    }
    eprintln!("takeover attempts: {attempts}, succeeded: 0");
}

/// Whether `object` still holds every field of `written` with its value:
/// objects key by key, lists item by item (the API server fills in
/// defaults), anything else by equality.
fn holds(object: &serde_json::Value, written: &serde_json::Value) -> bool {
    use serde_json::Value::{Array, Object};
    match (object, written) {
        (Object(o), Object(w)) => w
            .iter()
            .all(|(k, v)| o.get(k).is_some_and(|have| holds(have, v))),
        (Array(o), Array(w)) => o.len() == w.len() && o.iter().zip(w).all(|(a, b)| holds(a, b)),
        _ => object == written,
    }
}
