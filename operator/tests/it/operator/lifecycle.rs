//! Pause and resume, the three-at-a-time slots, and garbage collection of
//! a deleted scan.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use crate::common::*;
use cira_crds::names;
use cira_crds::{CompanyScan, ScanPhase};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{ConfigMap, ServiceAccount};
use k8s_openapi::api::rbac::v1::{Role, RoleBinding};
use kube::ResourceExt;
use kube::api::{Api, DeleteParams, Patch, PatchParams};
use serde_json::json;

use super::{events_for, wait_for_running_pod};

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
