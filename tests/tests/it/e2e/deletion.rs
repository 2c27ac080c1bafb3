//! Scenarios 8 and 16: a scan deleted mid-crawl, and deleted and created
//! again under the same name.

use std::time::Duration;

use cira_tests::wait_for;
use serde_json::{Value, json};

use super::scenario::{REACT_TIMEOUT, SCAN, SCAN_TIMEOUT, Scenario, site};

// ---------------------------------------------------------------------------
// Scenario 8
// ---------------------------------------------------------------------------

/// Delete a CompanyScan mid-crawl: its Job, pods, ConfigMaps, PVC and RBAC
/// go away, and the operator logs no errors.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e2e_08_delete_mid_crawl() {
    let s = Scenario::start("delete", &[]).await;
    s.apply_scan(json!({
        "crawl": {"requestsPerSecond": 25},
        "checkpoint": {"storage": "PersistentVolumeClaim", "volumeClaim": {"size": "64Mi"}}
    }));
    s.wait_pages_fetched(60, SCAN_TIMEOUT).await;
    let claim = format!("{SCAN}-checkpoint");
    assert!(
        s.kubectl_try(&["get", "pvc", &claim]).is_ok(),
        "the claim exists"
    );
    s.wait_phase(&["Crawling"], REACT_TIMEOUT).await;
    s.kubectl(&["delete", "companyscan", SCAN, "--timeout=90s"]);

    let label = format!("cira.dev/scan={SCAN}");
    wait_for(
        "everything of the scan to be gone",
        Duration::from_secs(120),
        || async {
            let left = s
                .kubectl_try(&[
                    "get",
                    "jobs,pods,configmaps,pvc,serviceaccounts,roles,rolebindings",
                    "-l",
                    &label,
                    "-o",
                    "name",
                ])
                .ok()?;
            let left: Vec<&str> = left.lines().filter(|l| !l.is_empty()).collect();
            let named = ["pvc", "serviceaccount", "role", "rolebinding"]
                .iter()
                .filter(|kind| {
                    let name = if **kind == "pvc" {
                        claim.clone()
                    } else {
                        format!("{SCAN}-crawler")
                    };
                    s.kubectl_try(&["get", kind, &name]).is_ok()
                })
                .count();
            (left.is_empty() && named == 0 && s.live_crawler_processes() == 0).then_some(())
        },
    )
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", s.diagnostics()));
    wait_for(
        "the claim's folder to be removed",
        Duration::from_secs(30),
        || async { (!s.env.node().claim_dir(&s.ns, &claim).exists()).then_some(()) },
    )
    .await
    .expect("claim folder removed");
    let logs = s.operator_logs();
    let errors: Vec<&str> = logs
        .lines()
        .filter(|l| l.contains("ERROR") || l.contains("\"level\":\"ERROR\""))
        .collect();
    assert!(
        errors.is_empty(),
        "the operator logged errors:\n{}",
        errors.join("\n")
    );
    s.finish().await;
}

// ---------------------------------------------------------------------------
// Scenario 16
// ---------------------------------------------------------------------------

/// A finalizer that keeps one ConfigMap of a deleted scan alive; removed
/// again when dropped, so a failing scenario can still delete its namespace.
struct Hold<'a, 'e> {
    s: &'a Scenario<'e>,
    configmap: String,
}

const HOLD_FINALIZER: &str = "e2e.cira.dev/hold";

impl Hold<'_, '_> {
    fn release(&self) -> Result<String, String> {
        self.s.kubectl_try(&[
            "patch",
            "configmap",
            &self.configmap,
            "--type",
            "merge",
            "-p",
            r#"{"metadata":{"finalizers":null}}"#,
        ])
    }
}

impl Drop for Hold<'_, '_> {
    fn drop(&mut self) {
        let _ = self.release();
    }
}

fn uid_of(item: &Value) -> String {
    item["metadata"]["uid"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn owner_uids(item: &Value) -> Vec<String> {
    item["metadata"]["ownerReferences"]
        .as_array()
        .map(|owners| {
            owners
                .iter()
                .filter_map(|o| o["uid"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Delete a scan that has a checkpoint and create it again under the same
/// name while one of its checkpoint ConfigMaps is still there (held by a
/// finalizer, as a slow garbage collector would leave it): the new scan
/// waits for it instead of adopting it, then starts from zero (every page
/// fetched again, version 1, nothing resumed) and owns only new objects.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e2e_16_deleted_and_recreated_scan_starts_over() {
    let s = Scenario::start("recreate", &[]).await;
    s.apply_scan(json!({"crawl": {"requestsPerSecond": 30}}));
    s.wait_pages_fetched(site().page_count() / 3, SCAN_TIMEOUT)
        .await;
    let old = wait_for("a checkpoint of the first scan", REACT_TIMEOUT, || async {
        let scan = s.scan();
        (scan["status"]["checkpoint"]["pagesVisited"].as_u64() > Some(0)).then_some(scan)
    })
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", s.diagnostics()));
    let old_uid = uid_of(&old);
    let generation = |cm: &Value| {
        cm["metadata"]["annotations"]["cira.dev/checkpoint-generation"]
            .as_str()
            .and_then(|g| g.parse::<u64>().ok())
            .unwrap_or(0)
    };
    let newest = s
        .items(&["configmaps", "-l", "app.kubernetes.io/component=checkpoint"])
        .into_iter()
        .filter(|cm| cm["metadata"]["annotations"]["cira.dev/checkpoint-chunk"] == "0")
        .max_by_key(generation)
        .expect("a checkpoint snapshot of the first scan");
    let hold = Hold {
        s: &s,
        configmap: newest["metadata"]["name"]
            .as_str()
            .expect("name")
            .to_string(),
    };
    s.kubectl(&[
        "patch",
        "configmap",
        &hold.configmap,
        "--type",
        "merge",
        "-p",
        &json!({"metadata": {"finalizers": [HOLD_FINALIZER]}}).to_string(),
    ]);
    let kinds = "jobs,configmaps,serviceaccounts,roles,rolebindings,networkpolicies";
    let label = format!("cira.dev/scan={SCAN}");
    let old_objects: Vec<String> = s.items(&[kinds, "-l", &label]).iter().map(uid_of).collect();
    assert!(old_objects.len() > 5, "{old_objects:?}");

    s.kubectl(&["delete", "companyscan", SCAN]);
    // The garbage collector deletes the first scan's objects; the held one
    // stays, marked for deletion.
    let held = wait_for(
        "the first scan's crawler to end and its ConfigMap to be marked",
        REACT_TIMEOUT,
        || async {
            let held = s.get_json(&["configmap", &hold.configmap]);
            (s.live_crawler_processes() == 0 && held["metadata"]["deletionTimestamp"].is_string())
                .then_some(held)
        },
    )
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", s.diagnostics()));
    s.server.reset_hits();

    s.apply_scan(json!({}));
    let new_uid = uid_of(&s.scan());
    assert_ne!(new_uid, old_uid);
    // The operator waits for the old scan's ConfigMap and leaves it alone.
    wait_for(
        "the operator to wait for the first scan's ConfigMap",
        REACT_TIMEOUT,
        || async {
            s.operator_logs()
                .lines()
                .any(|l| l.contains("earlier scan with this name") && l.contains(&hold.configmap))
                .then_some(())
        },
    )
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", s.diagnostics()));
    let new_jobs: Vec<Value> = s
        .items(&["jobs"])
        .into_iter()
        .filter(|j| owner_uids(j).contains(&new_uid))
        .collect();
    assert!(
        new_jobs.is_empty(),
        "no Job while the old ConfigMap is there"
    );
    assert_eq!(s.server.hits().values().sum::<u64>(), 0, "nothing fetched");
    let still = s.get_json(&["configmap", &hold.configmap]);
    assert_eq!(
        still["metadata"]["resourceVersion"], held["metadata"]["resourceVersion"],
        "the old scan's ConfigMap is not changed"
    );
    assert_eq!(owner_uids(&still), vec![old_uid.clone()]);

    hold.release().expect("the finalizer is removed");
    let done = s.wait_phase(&["Completed"], SCAN_TIMEOUT).await;
    assert_eq!(uid_of(&done), new_uid);
    assert_eq!(done["status"]["scanVersion"], 1);
    // From zero: every page fetched again, each once, nothing resumed.
    s.assert_report_is_complete(1);
    assert_eq!(s.server.refetches(site()), 0);
    let logs = s.crawler_logs();
    assert!(!logs.contains("resuming from checkpoint"), "{logs}");
    // Nothing of the first scan was adopted.
    for item in s.items(&[kinds, "-l", &label]) {
        let what = format!("{} {}", item["kind"], item["metadata"]["name"]);
        assert_eq!(owner_uids(&item), vec![new_uid.clone()], "{what}");
        assert!(!old_objects.contains(&uid_of(&item)), "{what} is adopted");
    }
    drop(hold);
    s.finish().await;
}
