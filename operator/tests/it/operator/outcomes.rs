//! How scans end and start again: invalid patterns, a stale crawler, the
//! timeout, a failing crawler, rescans with their history, and restarts
//! without a second Job.

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use crate::common::*;
use cira_crds::ScanPhase;
use cira_crds::names;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::ResourceExt;
use kube::api::{Api, ListParams};
use serde_json::json;

use super::{events_for, wait_for_running_pod};

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
