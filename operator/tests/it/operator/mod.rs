//! The operator against the real control plane (etcd, kube-apiserver and
//! kube-controller-manager) with the test node agent running a scripted
//! fake crawler. The test plays the crawler's API side through the crawler's
//! own ServiceAccount token, so its RBAC is exercised too.

use std::collections::BTreeMap;

use crate::common::*;
use cira_crds::names;
use cira_crds::{CompanyScan, ScanPhase};
use k8s_openapi::api::authorization::v1::{SelfSubjectRulesReview, SelfSubjectRulesReviewSpec};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{ConfigMap, PersistentVolumeClaim, Pod, Secret, ServiceAccount};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use k8s_openapi::api::rbac::v1::{Role, RoleBinding};
use kube::ResourceExt;
use kube::api::{
    Api, ApiResource, DeleteParams, DynamicObject, ListParams, Patch, PatchParams, PostParams,
};
use serde_json::json;

/// One rule of a rules review: api groups, resources, verbs and resource
/// names, each sorted.
type GrantedRule = (Vec<String>, Vec<String>, Vec<String>, Vec<String>);

mod lifecycle;
mod outcomes;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn job_has_the_protocol_shape_and_the_crawler_token_is_scoped() {
    let (env, ns, client) = namespace("op-shape").await;
    let _op = Operator::start(env, config(&ns)).await;

    create(&client, &ns, &scan("acme", json!({}))).await;
    let other = create(&client, &ns, &scan("other", json!({}))).await;
    let acme = wait_phase(&client, &ns, "acme", ScanPhase::Crawling).await;
    let status = acme.status.clone().unwrap();
    assert_eq!(status.scan_version, 1);
    assert_eq!(status.job.as_deref(), Some("acme-v1"));
    assert_eq!(status.observed_generation, acme.metadata.generation);
    assert!(status.started_at.is_some());
    let progressing = condition(&acme, "Progressing").unwrap();
    assert_eq!(progressing.status, "True");
    assert_eq!(progressing.reason, "Started");
    assert_eq!(condition(&acme, "Ready").unwrap().status, "False");

    let job = get_job(&client, &ns, "acme-v1").await.expect("job");
    let spec = job.spec.as_ref().unwrap();
    assert_eq!(spec.backoff_limit, Some(6));
    assert_eq!(spec.suspend, Some(false));
    let pfp = spec.pod_failure_policy.as_ref().unwrap();
    assert_eq!(pfp.rules[0].action, "Ignore");
    assert_eq!(pfp.rules[1].action, "Ignore");
    assert_eq!(pfp.rules[2].action, "FailJob");
    let owner = &job.owner_references()[0];
    assert_eq!(owner.uid, acme.uid().unwrap());
    assert_eq!(owner.controller, Some(true));
    let pod = spec.template.spec.as_ref().unwrap();
    assert_eq!(pod.service_account_name.as_deref(), Some("acme-crawler"));
    let sc = pod.containers[0].security_context.as_ref().unwrap();
    assert_eq!(sc.read_only_root_filesystem, Some(true));
    assert_eq!(sc.allow_privilege_escalation, Some(false));
    assert!(
        job.metadata
            .managed_fields
            .as_ref()
            .unwrap()
            .iter()
            .any(|m| m.manager.as_deref() == Some("cira-operator"))
    );

    // The pod runs (the node agent started the fake crawler).
    wait_for_running_pod(&client, &ns, "acme-v1").await;
    let pods = running_pods(&client, &ns, "acme-v1").await;
    let logs = env.node().pod_logs(&ns, &pods[0].name_any());
    assert!(
        logs.contains(&format!("fake crawler {ns}/acme v1")),
        "{logs}"
    );
    assert!(logs.contains("args run"), "{logs}");

    // The crawler's own token: its ConfigMaps yes, anything else no.
    let sa = "acme-crawler";
    assert!(
        exists::<ServiceAccount>(&client, &ns, sa).await.unwrap(),
        "ServiceAccount {sa} exists"
    );
    assert!(
        exists::<Role>(&client, &ns, sa).await.unwrap(),
        "Role {sa} exists"
    );
    assert!(
        exists::<RoleBinding>(&client, &ns, sa).await.unwrap(),
        "RoleBinding {sa} exists"
    );
    let crawler = crawler_client(env, &ns, "acme").await;
    publish_progress(&crawler, &acme, &progress(1, 5)).await;
    crawler_patch(
        &crawler,
        &acme,
        &names::checkpoint_configmap_name("acme", 0, 0),
        BTreeMap::from([("note".to_string(), "a checkpoint".to_string())]),
    )
    .await
    .expect("own checkpoint ConfigMap");
    let cms = Api::<ConfigMap>::namespaced(crawler.clone(), &ns);
    assert!(
        cms.get(&names::progress_configmap_name("acme"))
            .await
            .is_ok()
    );

    // Another scan's objects are off limits.
    let forbidden =
        |r: Result<ConfigMap, kube::Error>| matches!(r, Err(kube::Error::Api(s)) if s.code == 403);
    let other_progress = names::progress_configmap_name("other");
    let admin_cms = Api::<ConfigMap>::namespaced(client.clone(), &ns);
    // It exists (the operator may have made it for the other scan already).
    match admin_cms
        .create(
            &PostParams::default(),
            &serde_json::from_value(json!({"metadata": {"name": other_progress}})).unwrap(),
        )
        .await
    {
        Ok(_) => {}
        Err(kube::Error::Api(s)) if s.code == 409 => {}
        Err(e) => panic!("{e}"),
    }
    assert!(
        forbidden(cms.get(&other_progress).await),
        "get another scan's progress"
    );
    for (name, what) in [
        (other_progress.clone(), "write another scan's progress"),
        (
            names::checkpoint_configmap_name("other", 0, 0),
            "write another scan's checkpoint",
        ),
        (
            names::report_configmap_name("acme", 2),
            "write a report of a version not running",
        ),
    ] {
        let data = BTreeMap::from([("x".to_string(), "y".to_string())]);
        let written = crawler_patch(&crawler, &acme, &name, data).await;
        assert!(forbidden(written), "{what}");
    }
    // The operator created every ConfigMap the crawler writes, empty and
    // owned by the scan; the crawler's Role names exactly those, grants no
    // `create` and nothing but its own Job and scan besides.
    let acme_uid = acme.uid().unwrap();
    let own_cms =
        names::crawler_configmap_names("acme", 1, cira_crds::CheckpointStorage::ConfigMap);
    assert_eq!(own_cms.len(), 20);
    for name in &own_cms {
        let cm = admin_cms
            .get(name)
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let owners = cm.owner_references();
        assert!(
            owners.len() == 1 && owners[0].uid == acme_uid && owners[0].controller == Some(true),
            "{name}: {owners:?}"
        );
        let component = cm.labels()[names::LABEL_COMPONENT].clone();
        let want = if name.contains("-ckpt-") {
            names::COMPONENT_CHECKPOINT
        } else if name.contains("-report-") {
            names::COMPONENT_REPORT
        } else {
            names::COMPONENT_PROGRESS
        };
        assert_eq!(component, want, "{name}");
        assert_eq!(cm.labels()[names::LABEL_SCAN_VERSION], "1", "{name}");
        assert!(
            cm.managed_fields().iter().any(|m| m.manager.as_deref()
                == Some(names::OPERATOR_FIELD_MANAGER)
                && m.operation.as_deref() == Some("Apply")),
            "{name}"
        );
    }
    let review = Api::<SelfSubjectRulesReview>::all(crawler.clone())
        .create(
            &PostParams::default(),
            &SelfSubjectRulesReview {
                spec: SelfSubjectRulesReviewSpec {
                    namespace: Some(ns.clone()),
                },
                ..Default::default()
            },
        )
        .await
        .expect("a rules review")
        .status
        .expect("its status");
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    let mut granted: Vec<GrantedRule> = review
        .resource_rules
        .into_iter()
        // Every authenticated user may review its own access.
        .filter(|r| {
            !r.api_groups
                .iter()
                .flatten()
                .any(|g| g == "authorization.k8s.io" || g == "authentication.k8s.io")
        })
        .map(|r| {
            (
                sorted(r.api_groups.unwrap_or_default()),
                sorted(r.resources.unwrap_or_default()),
                sorted(r.verbs),
                sorted(r.resource_names.unwrap_or_default()),
            )
        })
        .collect();
    granted.sort();
    let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let mut expected = vec![
        (
            strings(&[""]),
            strings(&["configmaps"]),
            strings(&["get", "patch"]),
            sorted(own_cms.clone()),
        ),
        (
            strings(&["batch"]),
            strings(&["jobs"]),
            strings(&["get"]),
            strings(&["acme-v1"]),
        ),
        (
            strings(&["cira.dev"]),
            strings(&["companyscans"]),
            strings(&["get", "list", "watch"]),
            strings(&["acme"]),
        ),
    ];
    expected.sort();
    assert_eq!(granted, expected, "the crawler's rules in {ns}");
    // Create is refused for every kind, its own ConfigMap names included;
    // so are deleting and listing its own ConfigMaps.
    let status_of = |r: Result<DynamicObject, kube::Error>| match r {
        Ok(_) => 200,
        Err(kube::Error::Api(s)) => s.code,
        Err(e) => panic!("{e}"),
    };
    let kinds: Vec<(ApiResource, &str)> = vec![
        (ApiResource::erase::<ConfigMap>(&()), "acme-report-v2"),
        (ApiResource::erase::<ConfigMap>(&()), "acme-progress"),
        (ApiResource::erase::<ConfigMap>(&()), "acme-ckpt-2-0"),
        (ApiResource::erase::<ConfigMap>(&()), "anything"),
        (ApiResource::erase::<Secret>(&()), "acme-crawler"),
        (ApiResource::erase::<Pod>(&()), "acme-v1-extra"),
        (ApiResource::erase::<Job>(&()), "acme-v2"),
        (ApiResource::erase::<ServiceAccount>(&()), "acme-crawler2"),
        (ApiResource::erase::<Role>(&()), "acme-crawler2"),
        (ApiResource::erase::<RoleBinding>(&()), "acme-crawler2"),
        (
            ApiResource::erase::<PersistentVolumeClaim>(&()),
            "acme-checkpoint",
        ),
        (ApiResource::erase::<NetworkPolicy>(&()), "acme-crawler2"),
        (ApiResource::erase::<CompanyScan>(&()), "acme2"),
    ];
    for (resource, name) in &kinds {
        let api = Api::<DynamicObject>::namespaced_with(crawler.clone(), &ns, resource);
        let created = api
            .create(
                &PostParams::default(),
                &DynamicObject::new(name, resource).within(&ns),
            )
            .await;
        assert_eq!(status_of(created), 403, "create {} {name}", resource.kind);
    }
    let cm_resource = ApiResource::erase::<ConfigMap>(&());
    let cms_dyn = Api::<DynamicObject>::namespaced_with(crawler.clone(), &ns, &cm_resource);
    assert!(matches!(
        cms_dyn.delete("acme-progress", &DeleteParams::default()).await,
        Err(kube::Error::Api(s)) if s.code == 403
    ));
    assert!(matches!(
        cms.list(&ListParams::default()).await,
        Err(kube::Error::Api(s)) if s.code == 403
    ));
    for name in ["kube-root-ca.crt", "other-report-v1", "acme-report-v2"] {
        assert!(forbidden(cms.get(name).await), "get {name}");
    }
    let secrets = Api::<Secret>::namespaced(crawler.clone(), &ns);
    assert!(
        matches!(secrets.list(&ListParams::default()).await, Err(kube::Error::Api(s)) if s.code == 403)
    );
    assert!(matches!(secrets.get("anything").await, Err(kube::Error::Api(s)) if s.code == 403));
    // The crawler reads and watches its own scan (a Stop reaches it that
    // way), and nothing else of any scan: not another scan, not a write.
    let scans_as_crawler = Api::<CompanyScan>::namespaced(crawler.clone(), &ns);
    let own = scans_as_crawler.get("acme").await.expect("its own scan");
    assert_eq!(own.name_any(), "acme");
    assert!(matches!(
        scans_as_crawler.get("other").await,
        Err(kube::Error::Api(s)) if s.code == 403
    ));
    let stop = json!({"spec": {"desiredState": "Stopped"}});
    assert!(matches!(
        scans_as_crawler
            .patch("acme", &PatchParams::default(), &Patch::Merge(&stop))
            .await,
        Err(kube::Error::Api(s)) if s.code == 403
    ));

    // Progress is mirrored into status with percent and estimate.
    let mirrored = wait_scan(&client, &ns, "acme", "progress mirrored", WAIT, |s| {
        s.status
            .as_ref()
            .and_then(|st| st.progress.as_ref())
            .is_some_and(|p| p.pages_crawled == 5)
    })
    .await;
    let st = mirrored.status.unwrap();
    assert_eq!(
        st.progress.as_ref().unwrap().percent,
        11,
        "5 of min(100, 5+40)"
    );
    assert_eq!(st.estimated_remaining_seconds, Some(20));
    let _ = other;
}

async fn wait_for_running_pod(client: &kube::Client, ns: &str, job: &str) -> String {
    cira_tests::wait_for(&format!("a running pod of Job {job}"), WAIT, || async {
        running_pods(client, ns, job)
            .await
            .first()
            .map(|p| p.name_any())
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"))
}

async fn events_for(client: &kube::Client, ns: &str, name: &str) -> Vec<String> {
    use k8s_openapi::api::events::v1::Event;
    Api::<Event>::namespaced(client.clone(), ns)
        .list(&ListParams::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .filter(|e| e.regarding.as_ref().and_then(|r| r.name.as_deref()) == Some(name))
        .filter_map(|e| e.reason)
        .collect()
}
