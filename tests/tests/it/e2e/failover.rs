//! Scenarios 4 and 5: the operator pod killed, and two replicas with leader
//! election.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use cira_tests::wait_for;
use serde_json::{Value, json};

use super::scenario::{REACT_TIMEOUT, SCAN, SCAN_TIMEOUT, Scenario, site};

// ---------------------------------------------------------------------------
// Scenario 4
// ---------------------------------------------------------------------------

/// Counts crawler Jobs and live crawler processes of the scan until stopped;
/// the largest numbers seen at any one time.
fn watch_for_doubles(
    s: &Scenario<'static>,
) -> (Arc<Mutex<(usize, usize)>>, tokio::sync::oneshot::Sender<()>) {
    let max = Arc::new(Mutex::new((0usize, 0usize)));
    let (stop_tx, mut stop_rx) = tokio::sync::oneshot::channel::<()>();
    let env = s.env;
    let ns = s.ns.clone();
    let seen = max.clone();
    tokio::spawn(async move {
        loop {
            let jobs = env
                .kubectl()
                .args([
                    "get",
                    "jobs",
                    "-n",
                    &ns,
                    "-l",
                    &format!("cira.dev/scan={SCAN}"),
                ])
                .args(["-o", "name"])
                .output()
                .map(|o| String::from_utf8_lossy(&o.stdout).lines().count())
                .unwrap_or(0);
            let pods = env
                .kubectl()
                .args([
                    "get",
                    "pods",
                    "-n",
                    &ns,
                    "-l",
                    "app.kubernetes.io/component=crawler",
                ])
                .args(["-o", "name"])
                .output()
                .map(|o| {
                    String::from_utf8_lossy(&o.stdout)
                        .lines()
                        .filter(|l| {
                            env.node()
                                .pod_pid(&ns, l.trim_start_matches("pod/"))
                                .is_some()
                        })
                        .count()
                })
                .unwrap_or(0);
            {
                let mut m = seen.lock().unwrap_or_else(|p| p.into_inner());
                m.0 = m.0.max(jobs);
                m.1 = m.1.max(pods);
            }
            tokio::select! {
                _ = &mut stop_rx => break,
                _ = tokio::time::sleep(Duration::from_millis(200)) => {}
            }
        }
    });
    (max, stop_tx)
}

/// Kill the operator pod mid-scan: its replacement carries on; never two
/// crawler Jobs (or crawler processes) for the scan.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e2e_04_operator_pod_killed_mid_scan() {
    let s = Scenario::start("operator-kill", &[]).await;
    let (max, stop) = watch_for_doubles(&s);
    s.apply_scan(json!({"crawl": {"requestsPerSecond": 30}}));
    s.wait_pages_fetched(site().page_count() / 4, SCAN_TIMEOUT)
        .await;
    let old = s.operator_pod_names();
    assert_eq!(old.len(), 1, "{old:?}");
    // A crash first (restarted in place), then the pod deleted outright
    // (replaced by the ReplicaSet).
    s.env
        .node()
        .kill_pod_process(&s.ns, &old[0])
        .await
        .expect("kill the operator");
    s.kubectl(&["delete", "pod", &old[0], "--grace-period=1", "--wait=false"]);
    let replacement = wait_for("a replacement operator pod", REACT_TIMEOUT, || async {
        s.note_operator_pods();
        s.operator_pod_names()
            .into_iter()
            .find(|p| p != &old[0] && s.env.node().pod_pid(&s.ns, p).is_some())
    })
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", s.diagnostics()));
    eprintln!("[e2e] operator {} replaced by {replacement}", old[0]);
    s.wait_phase(&["Completed"], SCAN_TIMEOUT).await;
    let _ = stop.send(());
    let (jobs, pods) = *max.lock().unwrap_or_else(|p| p.into_inner());
    assert_eq!(jobs, 1, "at most one crawler Job at any time");
    assert_eq!(pods, 1, "at most one crawler process at any time");
    s.assert_report_is_complete(1);
    let logs = s.env.node().pod_logs(&s.ns, &replacement);
    assert!(
        logs.contains(SCAN),
        "the replacement reconciled the scan:\n{logs}"
    );
    s.finish().await;
}

// ---------------------------------------------------------------------------
// Scenario 5
// ---------------------------------------------------------------------------

fn lease_holder(s: &Scenario) -> Option<String> {
    let lease = s
        .kubectl_try(&["get", "lease", "cira-operator", "-o", "json"])
        .ok()?;
    let lease: Value = serde_json::from_str(&lease).ok()?;
    lease["spec"]["holderIdentity"]
        .as_str()
        .filter(|h| !h.is_empty())
        .map(str::to_string)
}

/// Two operator replicas: only the leader acts; killing it hands over.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e2e_05_two_replicas_leader_election() {
    let s = Scenario::start("leader", &["replicaCount=2"]).await;
    let pods = s.operator_pod_names();
    assert_eq!(pods.len(), 2, "{pods:?}");
    let leader = wait_for("a Lease holder", REACT_TIMEOUT, || async {
        lease_holder(&s)
    })
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", s.diagnostics()));
    assert!(pods.contains(&leader), "{leader} is one of {pods:?}");
    let follower = pods
        .iter()
        .find(|p| **p != leader)
        .expect("a follower")
        .clone();
    let (max, stop) = watch_for_doubles(&s);
    s.apply_scan(json!({"crawl": {"requestsPerSecond": 30}}));
    s.wait_pages_fetched(site().page_count() / 4, SCAN_TIMEOUT)
        .await;
    let follower_logs = s.env.node().pod_logs(&s.ns, &follower);
    assert!(
        !follower_logs.contains("phase changed"),
        "only the leader acts; the follower logged:\n{follower_logs}"
    );
    let leader_logs = s.env.node().pod_logs(&s.ns, &leader);
    assert!(
        leader_logs.contains("phase changed"),
        "the leader acts:\n{leader_logs}"
    );

    s.kubectl(&["delete", "pod", &leader, "--grace-period=1", "--wait=false"]);
    let new_leader = wait_for("the Lease to move", Duration::from_secs(120), || async {
        s.note_operator_pods();
        lease_holder(&s).filter(|h| *h != leader)
    })
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", s.diagnostics()));
    eprintln!("[e2e] leadership moved from {leader} to {new_leader}");
    s.wait_phase(&["Completed"], SCAN_TIMEOUT).await;
    let _ = stop.send(());
    let (jobs, procs) = *max.lock().unwrap_or_else(|p| p.into_inner());
    assert_eq!(jobs, 1, "at most one crawler Job at any time");
    assert_eq!(procs, 1, "at most one crawler process at any time");
    s.assert_report_is_complete(1);
    let new_logs = s.env.node().pod_logs(&s.ns, &new_leader);
    assert!(
        new_logs.contains("phase changed"),
        "the new leader finished the scan:\n{new_logs}"
    );
    s.finish().await;
}
