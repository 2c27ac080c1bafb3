//! The operator against the real control plane (etcd, kube-apiserver and
//! kube-controller-manager) with the test node agent running a scripted
//! fake crawler. The test plays the crawler's API side through the crawler's
//! own ServiceAccount token, so its RBAC is exercised too.

use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, Instant};

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pause_suspends_the_job_and_resume_continues() {
    let (env, ns, client) = namespace("op-pause").await;
    let _op = Operator::start(env, config(&ns)).await;

    let s = create(&client, &ns, &scan("acme", json!({}))).await;
    wait_phase(&client, &ns, "acme", ScanPhase::Crawling).await;
    let first_pod = wait_for_running_pod(&client, &ns, "acme-v1").await;
    let crawler = crawler_client(env, &ns, "acme").await;
    publish_progress(&crawler, &s, &with_checkpoint(progress(1, 10), "acme", 1)).await;
    // Times in status have second precision: keep this checkpoint clearly
    // older than the pause request.
    tokio::time::sleep(Duration::from_millis(1100)).await;

    // What a stale writer (an operator that lost its Lease) last saw.
    let jobs: Api<Job> = Api::namespaced(client.clone(), &ns);
    let seen_before_pause = jobs.get("acme-v1").await.unwrap();

    let asked = Instant::now();
    patch_spec(&client, &ns, "acme", json!({"desiredState": "Paused"})).await;
    wait_job_suspended(&client, &ns, "acme-v1").await;
    let pause_to_suspend = asked.elapsed();

    // Its resume patch carries the resourceVersion it decided on: refused
    // with a conflict, and the Job stays suspended.
    let stale = cira_operator::resources::job_suspend_patch(&seen_before_pause, false);
    let refused = jobs
        .patch("acme-v1", &PatchParams::default(), &Patch::Merge(&stale))
        .await
        .expect_err("a stale unsuspend must conflict");
    assert!(
        matches!(&refused, kube::Error::Api(status) if status.code == 409),
        "{refused}"
    );
    let job = jobs.get("acme-v1").await.unwrap();
    assert_eq!(job.spec.and_then(|s| s.suspend), Some(true));
    // The pod gets SIGTERM and exits 0 (what a crawler does after saving).
    wait_active_pods(&client, &ns, "acme-v1", 0).await;
    let logs = env.node().pod_logs(&ns, &first_pod);
    assert!(logs.contains("SIGTERM"), "{logs}");
    // Not Paused yet: the only checkpoint is older than the pause request.
    let pausing = wait_scan(&client, &ns, "acme", "Pausing", WAIT, |s| {
        condition(s, "Ready").is_some_and(|c| c.reason == "Pausing")
    })
    .await;
    assert_eq!(phase(&pausing), Some(ScanPhase::Crawling));
    assert!(pausing.status.as_ref().unwrap().paused_at.is_some());
    // The crawler's SIGTERM checkpoint arrives: now it is Paused.
    tokio::time::sleep(Duration::from_millis(1100)).await; // savedAt has second precision
    publish_progress(&crawler, &s, &with_checkpoint(progress(1, 12), "acme", 2)).await;
    let paused = wait_phase(&client, &ns, "acme", ScanPhase::Paused).await;
    let pst = paused.status.clone().unwrap();
    assert_eq!(condition(&paused, "Paused").unwrap().status, "True");
    assert_eq!(pst.checkpoint.as_ref().unwrap().generation, 2);
    let active_at_pause = pst.active_seconds;

    // While paused, no pod runs and the active clock stands still.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(active_pods(&client, &ns, "acme-v1").await, 0);

    patch_spec(&client, &ns, "acme", json!({"desiredState": "Running"})).await;
    let resumed = wait_progressing(&client, &ns, "acme", "Resumed").await;
    let rst = resumed.status.unwrap();
    assert!(rst.paused_at.is_none());
    assert!(
        rst.total_paused_seconds >= 2,
        "paused time counted: {}",
        rst.total_paused_seconds
    );
    assert!(rst.active_seconds <= active_at_pause + 1);
    wait_job_resumed(&client, &ns, "acme-v1").await;
    let second_pod = wait_for_running_pod(&client, &ns, "acme-v1").await;
    assert_ne!(first_pod, second_pod);

    // Events record the transitions.
    let events = events_for(&client, &ns, "acme").await;
    for reason in ["Started", "Paused", "Resumed"] {
        assert!(
            events.contains(&reason.to_string()),
            "event {reason} in {events:?}"
        );
    }
    eprintln!("pause-to-suspend latency: {pause_to_suspend:?}");
    assert!(pause_to_suspend < Duration::from_secs(10));
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_scans_run_at_most_three_at_a_time_oldest_first() {
    let (env, ns, client) = namespace("op-queue").await;
    let mut cfg = config(&ns);
    cfg.max_concurrent_scans = 3;
    let _op = Operator::start(env, cfg).await;

    let names: Vec<String> = (0..20).map(|i| format!("scan-{i:02}")).collect();
    let mut scans = Vec::new();
    for n in &names {
        scans.push(create(&client, &ns, &scan(n, json!({}))).await);
    }
    let mut started_order: Vec<String> = Vec::new();
    let mut max_active = 0usize;
    let mut checked_positions = false;
    let deadline = Instant::now() + Duration::from_secs(240);
    let mut finished: HashSet<String> = HashSet::new();
    loop {
        assert!(
            Instant::now() < deadline,
            "queue did not drain; started {started_order:?}"
        );
        let all = list_scans(&client, &ns).await;
        let active: Vec<&CompanyScan> = all
            .iter()
            .filter(|s| phase(s).is_some_and(|p| p.is_active()))
            .collect();
        let running_jobs = list_jobs(&client, &ns)
            .await
            .into_iter()
            .filter(|j| !suspended(j) && j.status.as_ref().and_then(|s| s.active).unwrap_or(0) > 0)
            .count();
        max_active = max_active.max(active.len()).max(running_jobs);
        assert!(active.len() <= 3, "{} scans active at once", active.len());
        assert!(
            running_jobs <= 3,
            "{running_jobs} crawler Jobs active at once"
        );
        if !checked_positions && active.len() == 3 {
            let queued: Vec<&CompanyScan> = all
                .iter()
                .filter(|s| phase(s) == Some(ScanPhase::Queued))
                .collect();
            if queued.len() == 17
                && queued
                    .iter()
                    .all(|s| s.status.as_ref().unwrap().queue_position.is_some())
            {
                let mut positions: Vec<(String, u32)> = queued
                    .iter()
                    .map(|s| {
                        (
                            s.name_any(),
                            s.status.as_ref().unwrap().queue_position.unwrap(),
                        )
                    })
                    .collect();
                positions.sort();
                let expect: Vec<(String, u32)> = names[3..].iter().cloned().zip(1..).collect();
                if positions == expect {
                    checked_positions = true;
                }
            }
        }
        for s in &active {
            let n = s.name_any();
            if !started_order.contains(&n) {
                started_order.push(n.clone());
            }
            if !finished.contains(&n)
                && !running_pods(&client, &ns, &names::job_name(&n, 1))
                    .await
                    .is_empty()
            {
                finished.insert(n.clone());
                finish_as_crawler(&client, s, 1).await;
                touch(env, &ns, &n, "done");
            }
        }
        let completed = all
            .iter()
            .filter(|s| phase(s) == Some(ScanPhase::Completed))
            .count();
        if completed == 20 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(max_active, 3, "the slots were used");
    assert!(
        checked_positions,
        "queue positions 1..17 were shown in creation order"
    );
    // Oldest first: a scan may only overtake older ones that were admitted
    // in the same round of free slots (at most 3 - 1 places).
    let mut sorted = started_order.clone();
    sorted.sort();
    assert_eq!(sorted, names, "every scan ran once");
    for (i, n) in started_order.iter().enumerate() {
        let created = names.iter().position(|x| x == n).unwrap();
        assert!(
            created <= i + 2,
            "{n} started {i}th, ahead of older scans: {started_order:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_a_scan_garbage_collects_everything_it_owns() {
    let (env, ns, client) = namespace("op-delete").await;
    let _op = Operator::start(env, config(&ns)).await;
    let s = create(&client, &ns, &scan("acme", json!({}))).await;
    wait_phase(&client, &ns, "acme", ScanPhase::Crawling).await;
    wait_for_running_pod(&client, &ns, "acme-v1").await;
    let crawler = crawler_client(env, &ns, "acme").await;
    publish_progress(&crawler, &s, &progress(1, 3)).await;

    Api::<CompanyScan>::namespaced(client.clone(), &ns)
        .delete("acme", &DeleteParams::default())
        .await
        .unwrap();
    cira_tests::wait_for(
        "the scan's objects to be garbage-collected",
        WAIT,
        || async {
            let job = get_job(&client, &ns, "acme-v1").await;
            let sa = exists::<ServiceAccount>(&client, &ns, "acme-crawler")
                .await
                .ok()?;
            let role = exists::<Role>(&client, &ns, "acme-crawler").await.ok()?;
            let rb = exists::<RoleBinding>(&client, &ns, "acme-crawler")
                .await
                .ok()?;
            let progress = names::progress_configmap_name("acme");
            let cm = exists::<ConfigMap>(&client, &ns, &progress).await.ok()?;
            let pods = active_pods(&client, &ns, "acme-v1").await;
            (job.is_none() && !sa && !role && !rb && !cm && pods == 0).then_some(())
        },
    )
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_patterns_fail_the_scan_until_fixed() {
    let (env, ns, client) = namespace("op-invalid").await;
    let _op = Operator::start(env, config(&ns)).await;
    create(&client, &ns, &scan("acme", json!({"crawl": {"allowPrivateNetworks": true, "includePatterns": ["/ok", "(unclosed"]}}))).await;
    let failed = wait_phase(&client, &ns, "acme", ScanPhase::Failed).await;
    let ready = condition(&failed, "Ready").unwrap();
    assert_eq!(ready.reason, "InvalidSpec");
    assert!(
        ready.message.contains("spec.crawl.includePatterns[1]"),
        "{}",
        ready.message
    );
    assert!(ready.message.contains("(unclosed"), "{}", ready.message);
    assert_eq!(condition(&failed, "Degraded").unwrap().status, "True");
    assert!(
        get_job(&client, &ns, "acme-v1").await.is_none(),
        "no Job for an invalid spec"
    );

    patch_spec(
        &client,
        &ns,
        "acme",
        json!({"crawl": {"includePatterns": ["/ok"]}}),
    )
    .await;
    let fixed = wait_phase(&client, &ns, "acme", ScanPhase::Crawling).await;
    assert_eq!(
        fixed.status.unwrap().observed_generation,
        fixed.metadata.generation
    );
    assert!(get_job(&client, &ns, "acme-v1").await.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_crawler_is_replaced_then_the_scan_fails() {
    let (env, ns, client) = namespace("op-stale").await;
    let mut cfg = config(&ns);
    cfg.stale_after = Duration::from_secs(4);
    cfg.max_stale_restarts = 1;
    let _op = Operator::start(env, cfg).await;
    create(&client, &ns, &scan("acme", json!({}))).await;
    let first = wait_for_running_pod(&client, &ns, "acme-v1").await;
    // The fake crawler never sends a heartbeat.
    let restarted = wait_scan(&client, &ns, "acme", "a stale restart", WAIT, |s| {
        s.status.as_ref().is_some_and(|st| st.stale_restarts == 1)
    })
    .await;
    assert_eq!(phase(&restarted), Some(ScanPhase::Crawling));
    // The old pod may still be running while the suspend takes effect; the
    // Job must then make a new one.
    cira_tests::wait_for("the Job to run a new pod", WAIT, || async {
        running_pods(&client, &ns, "acme-v1")
            .await
            .into_iter()
            .map(|p| p.name_any())
            .find(|name| *name != first)
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let failed = wait_phase(&client, &ns, "acme", ScanPhase::Failed).await;
    let ready = condition(&failed, "Ready").unwrap();
    assert_eq!(ready.reason, "CrawlerStale");
    assert!(ready.message.contains("no heartbeat"), "{}", ready.message);
    wait_job_suspended(&client, &ns, "acme-v1").await;
    let events = events_for(&client, &ns, "acme").await;
    assert!(
        events.contains(&"CrawlerRestarting".to_string()),
        "{events:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeout_stops_the_scan_and_raising_it_resumes() {
    let (env, ns, client) = namespace("op-timeout").await;
    let _op = Operator::start(env, config(&ns)).await;
    let s = create(&client, &ns, &scan("acme", json!({"timeout": "4s"}))).await;
    wait_for_running_pod(&client, &ns, "acme-v1").await;
    let crawler = crawler_client(env, &ns, "acme").await;
    publish_progress(&crawler, &s, &with_checkpoint(progress(1, 7), "acme", 3)).await;

    let timed_out = wait_phase(&client, &ns, "acme", ScanPhase::TimedOut).await;
    let st = timed_out.status.clone().unwrap();
    assert!(
        st.active_seconds >= 4 && st.active_seconds <= 7,
        "active {}",
        st.active_seconds
    );
    assert_eq!(
        st.checkpoint.as_ref().unwrap().generation,
        3,
        "checkpoint kept"
    );
    assert_eq!(
        condition(&timed_out, "Degraded").unwrap().reason,
        "TimedOut"
    );
    assert!(
        condition(&timed_out, "Ready")
            .unwrap()
            .message
            .contains("raise spec.timeout")
    );
    wait_job_suspended(&client, &ns, "acme-v1").await;
    wait_active_pods(&client, &ns, "acme-v1", 0).await;
    // Time while timed out does not count.
    tokio::time::sleep(Duration::from_secs(2)).await;

    patch_spec(&client, &ns, "acme", json!({"timeout": "1h"})).await;
    let resumed = wait_progressing(&client, &ns, "acme", "TimeoutExtended").await;
    let rst = resumed.status.unwrap();
    assert!(
        rst.active_seconds <= st.active_seconds + 1,
        "{} vs {}",
        rst.active_seconds,
        st.active_seconds
    );
    assert!(rst.total_paused_seconds >= 2);
    wait_job_resumed(&client, &ns, "acme-v1").await;
    wait_for_running_pod(&client, &ns, "acme-v1").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exit_code_3_fails_the_scan_with_the_crawlers_reason() {
    let (env, ns, client) = namespace("op-exit3").await;
    let _op = Operator::start(env, config(&ns)).await;
    let s = create(&client, &ns, &scan("acme", json!({}))).await;
    wait_for_running_pod(&client, &ns, "acme-v1").await;
    let crawler = crawler_client(env, &ns, "acme").await;
    let mut p = progress(1, 0);
    // The crawler says what kind of failure it was; that kind is the
    // scan's reason.
    p.outcome = Some(cira_crds::progress::CrawlerOutcome::Failed {
        reason: "the site blocks the crawler: the seed page gave no page: HTTP 403".into(),
        kind: cira_crds::progress::FailureKind::SeedBlocked,
    });
    publish_progress(&crawler, &s, &p).await;
    touch(env, &ns, "acme", "exit3");
    let failed = wait_phase(&client, &ns, "acme", ScanPhase::Failed).await;
    let ready = condition(&failed, "Ready").unwrap();
    assert_eq!(ready.reason, "SeedBlocked");
    assert!(ready.message.contains("HTTP 403"), "{}", ready.message);
    let degraded = condition(&failed, "Degraded").unwrap();
    assert_eq!(degraded.reason, "SeedBlocked");
    let job = get_job(&client, &ns, "acme-v1").await.unwrap();
    let conds = job.status.unwrap().conditions.unwrap();
    let failed_cond = conds
        .iter()
        .find(|c| c.type_ == "Failed" && c.status == "True")
        .unwrap();
    assert_eq!(
        failed_cond.reason.as_deref(),
        Some("PodFailurePolicy"),
        "no retries for exit code 3"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rescans_keep_the_report_history_within_its_limit() {
    let (env, ns, client) = namespace("op-rescan").await;
    let _op = Operator::start(env, config(&ns)).await;
    let s = create(
        &client,
        &ns,
        &scan("acme", json!({"report": {"historyLimit": 1}})),
    )
    .await;
    for version in 1..=3i64 {
        let job = names::job_name("acme", version);
        wait_for_running_pod(&client, &ns, &job).await;
        let crawler = crawler_client(env, &ns, "acme").await;
        // A checkpoint of this version, which the next version must not see.
        crawler_patch(
            &crawler,
            &s,
            &names::checkpoint_configmap_name("acme", version as u64 % 2, 0),
            BTreeMap::from([("note".to_string(), format!("v{version}"))]),
        )
        .await
        .expect("checkpoint");
        finish_as_crawler(&crawler, &s, version).await;
        touch(env, &ns, "acme", "done");
        let done = wait_scan(
            &client,
            &ns,
            "acme",
            &format!("version {version} completed"),
            WAIT,
            |s| {
                phase(s) == Some(ScanPhase::Completed)
                    && s.status.as_ref().unwrap().scan_version == version
            },
        )
        .await;
        let report = done.status.unwrap().report.unwrap();
        assert_eq!(report.scan_version, version);
        assert_eq!(
            report.config_map,
            names::report_configmap_name("acme", version)
        );
        assert_eq!(report.counts.get("emails"), Some(&2));
        let history: Vec<i64> = report.history.iter().map(|h| h.scan_version).collect();
        let expect: Vec<i64> = if version == 1 {
            vec![]
        } else {
            vec![version - 1]
        };
        assert_eq!(history, expect);
        untouch(env, &ns, "acme", "done");
        if version < 3 {
            patch_spec(&client, &ns, "acme", json!({"rescan": version})).await;
        }
    }
    // Reports beyond the history are deleted; old checkpoints are gone.
    let report = |version| names::report_configmap_name("acme", version);
    cira_tests::wait_for("report v1 to be deleted", WAIT, || async {
        let kept = exists::<ConfigMap>(&client, &ns, &report(1)).await.ok()?;
        (!kept).then_some(())
    })
    .await
    .unwrap();
    for version in [2, 3] {
        assert!(
            exists::<ConfigMap>(&client, &ns, &report(version))
                .await
                .unwrap(),
            "report v{version} is kept"
        );
    }
    let cms = Api::<ConfigMap>::namespaced(client.clone(), &ns);
    let checkpoints = cms
        .list(&ListParams::default().labels(&format!(
            "{}={}",
            names::LABEL_COMPONENT,
            names::COMPONENT_CHECKPOINT
        )))
        .await
        .unwrap()
        .items;
    let versions: HashSet<String> = checkpoints
        .iter()
        .filter_map(|c| c.labels().get(names::LABEL_SCAN_VERSION).cloned())
        .collect();
    assert_eq!(
        versions,
        HashSet::from(["3".to_string()]),
        "only the current version's checkpoint is left"
    );
    // The operator created every checkpoint name of version 3 for its
    // crawler; the one the crawler wrote holds its data.
    assert_eq!(
        checkpoints.len(),
        names::all_checkpoint_configmap_names("acme").len()
    );
    // Old Jobs are gone; only the newest remains.
    let jobs: Vec<String> = list_jobs(&client, &ns)
        .await
        .iter()
        .filter(|j| j.metadata.deletion_timestamp.is_none())
        .map(|j| j.name_any())
        .collect();
    assert_eq!(jobs, vec!["acme-v3".to_string()]);
    let events = events_for(&client, &ns, "acme").await;
    assert!(events.contains(&"RescanStarted".to_string()), "{events:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restarts_and_racing_operators_never_make_two_jobs() {
    let (env, ns, client) = namespace("op-race").await;
    // Two operators at once (as if leader election failed) plus restarts.
    let a = Operator::start(env, config(&ns)).await;
    let b = Operator::start(env, config(&ns)).await;
    for i in 0..4 {
        create(&client, &ns, &scan(&format!("s{i}"), json!({}))).await;
    }
    // Stop one mid-flight and start another, while users flip desiredState.
    cira_tests::wait_for("the first Job", WAIT, || async {
        get_job(&client, &ns, "s0-v1").await.map(|_| ())
    })
    .await
    .unwrap();
    a.stop().await.unwrap();
    let c = Operator::start(env, config(&ns)).await;
    for round in 0..6 {
        let desired = if round % 2 == 0 { "Paused" } else { "Running" };
        for i in 0..4 {
            patch_spec(
                &client,
                &ns,
                &format!("s{i}"),
                json!({"desiredState": desired}),
            )
            .await;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    drop(b);
    for i in 0..4 {
        let name = format!("s{i}");
        let s = wait_scan(&client, &ns, &name, "settled on Running", WAIT, |s| {
            phase(s) == Some(ScanPhase::Crawling)
                && s.status.as_ref().unwrap().observed_generation == s.metadata.generation
        })
        .await;
        assert_eq!(s.status.unwrap().scan_version, 1);
        wait_job_resumed(&client, &ns, &format!("{name}-v1")).await;
    }
    let jobs = list_jobs(&client, &ns).await;
    assert_eq!(
        jobs.len(),
        4,
        "one Job per scan: {:?}",
        jobs.iter().map(|j| j.name_any()).collect::<Vec<_>>()
    );
    for i in 0..4 {
        wait_active_pods(&client, &ns, &format!("s{i}-v1"), 1).await;
    }
    let conflicts_or_ok = c.metrics.render();
    assert!(conflicts_or_ok.contains("cira_operator_reconciles_total"));
    drop(c);
}
