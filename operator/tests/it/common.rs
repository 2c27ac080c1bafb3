//! Shared helpers of the operator's integration tests: an in-process
//! operator, a scripted fake crawler, and a stand-in for what the crawler
//! writes (through the crawler's own ServiceAccount token).

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use cira_crds::names;
use cira_crds::progress::{CheckpointInfo, CrawlerOutcome, CrawlerProgress};
use cira_crds::{CompanyScan, ScanPhase};
use cira_operator::OperatorConfig;
use cira_operator::metrics::Metrics;
use cira_tests::{TestEnv, wait_for};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{ConfigMap, Pod};
use kube::api::{Api, ApiResource, DynamicObject, ListParams, Patch, PatchParams, PostParams};
use kube::{Client, ResourceExt};
use serde_json::json;
use tokio_util::sync::CancellationToken;

pub const FAKE_CRAWLER_IMAGE: &str = "cira.dev/fake-crawler";
pub const WAIT: Duration = Duration::from_secs(60);

/// The shared control plane with the CRD installed and the fake crawler
/// registered.
pub async fn env() -> &'static TestEnv {
    cira_tests::init_tracing();
    let env = TestEnv::shared().await;
    env.install_crds().await.expect("the CRD installs");
    // Tests of one binary share the env; the script is written once, so
    // concurrent tests never race on its file.
    static SCRIPT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    let script = SCRIPT.get_or_init(|| fake_crawler(env));
    env.node()
        .register_image(FAKE_CRAWLER_IMAGE, script.clone());
    env
}

/// A fresh namespace on the shared env and an admin client.
pub async fn namespace(prefix: &str) -> (&'static TestEnv, String, Client) {
    let env = env().await;
    let ns = env.new_namespace(prefix).await.expect("namespace");
    let client = env.admin_client().await;
    (env, ns, client)
}

/// A client with the token of the scan's crawler ServiceAccount, as the
/// crawler has.
pub async fn crawler_client(env: &TestEnv, ns: &str, scan: &str) -> Client {
    env.service_account_client(ns, &names::crawler_service_account_name(scan))
        .await
        .expect("a crawler token")
}

/// Whether the object of kind `K` exists; Err when it could not be read.
pub async fn exists<K: kube::Resource<DynamicType = ()>>(
    client: &Client,
    ns: &str,
    name: &str,
) -> Result<bool, kube::Error> {
    let resource = ApiResource::erase::<K>(&());
    let api = Api::<DynamicObject>::namespaced_with(client.clone(), ns, &resource);
    Ok(api.get_opt(name).await?.is_some())
}

/// The folder through which tests steer the fake crawler: it exits 0 when
/// `<ns>.<scan>.done` exists there, 3 when `<ns>.<scan>.exit3` exists, and 0
/// on SIGTERM. Lives in the env's folder, which the env removes.
pub fn control_dir(env: &TestEnv) -> PathBuf {
    env.dir().join("operator-fake-crawler")
}

fn fake_crawler(env: &TestEnv) -> PathBuf {
    let dir = control_dir(env);
    std::fs::create_dir_all(&dir).expect("control dir");
    let script = dir.join("fake-crawler.sh");
    let text = format!(
        r#"#!/bin/bash
ctl="{dir}/$CIRA_SCAN_NAMESPACE.$CIRA_SCAN_NAME"
echo "fake crawler $CIRA_SCAN_NAMESPACE/$CIRA_SCAN_NAME v$CIRA_SCAN_VERSION pod $CIRA_POD_NAME args $*"
trap 'echo SIGTERM; exit 0' TERM
while true; do
  if [ -e "$ctl.exit3" ]; then exit 3; fi
  if [ -e "$ctl.done" ]; then exit 0; fi
  sleep 0.2 & wait $!
done
"#,
        dir = dir.display()
    );
    // Write to a temp name and rename so a concurrent test never runs a
    // half-written script.
    let tmp = dir.join(format!("fake-crawler.{}.tmp", std::process::id()));
    std::fs::write(&tmp, text).expect("write script");
    let mut perms = std::fs::metadata(&tmp).expect("stat").permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(&tmp, perms).expect("chmod");
    std::fs::rename(&tmp, &script).expect("rename script");
    script
}

pub fn touch(env: &TestEnv, ns: &str, scan: &str, what: &str) {
    std::fs::write(control_dir(env).join(format!("{ns}.{scan}.{what}")), "").expect("touch");
}

pub fn untouch(env: &TestEnv, ns: &str, scan: &str, what: &str) {
    let _ = std::fs::remove_file(control_dir(env).join(format!("{ns}.{scan}.{what}")));
}

/// An operator running on the test's runtime, stopped when dropped.
pub struct Operator {
    pub token: CancellationToken,
    pub handle: Option<tokio::task::JoinHandle<cira_operator::Result<()>>>,
    pub metrics: Arc<Metrics>,
    pub ready: Arc<AtomicBool>,
}

impl Operator {
    pub async fn start(env: &TestEnv, config: OperatorConfig) -> Operator {
        let client = env.admin_client().await;
        Self::start_with(client, config)
    }

    pub fn start_with(client: Client, config: OperatorConfig) -> Operator {
        let token = CancellationToken::new();
        let metrics = Metrics::new();
        let ready = Arc::new(AtomicBool::new(false));
        let handle = tokio::spawn(cira_operator::controller::run(
            client,
            config,
            metrics.clone(),
            ready.clone(),
            token.clone(),
        ));
        Operator {
            token,
            handle: Some(handle),
            metrics,
            ready,
        }
    }

    /// Stops the operator and waits for it to finish.
    pub async fn stop(mut self) -> cira_operator::Result<()> {
        self.token.cancel();
        match self.handle.take() {
            Some(h) => h.await.expect("operator task"),
            None => Ok(()),
        }
    }
}

impl Drop for Operator {
    fn drop(&mut self) {
        self.token.cancel();
        if let Some(h) = self.handle.take() {
            h.abort();
        }
    }
}

/// Operator settings for a test confined to one namespace.
pub fn config(ns: &str) -> OperatorConfig {
    OperatorConfig {
        crawler_image: FAKE_CRAWLER_IMAGE.to_string(),
        watch_namespaces: vec![ns.to_string()],
        max_concurrent_scans: 5,
        progress_interval: Duration::from_secs(1),
        pause_grace: Duration::from_secs(30),
        // The test sites listen on loopback.
        policy: cira_policy::ScanPolicy {
            allow_private_networks: true,
            ..cira_policy::ScanPolicy::restrictive(FAKE_CRAWLER_IMAGE)
        },
        ..OperatorConfig::default()
    }
}

pub fn scan(name: &str, extra: serde_json::Value) -> CompanyScan {
    let mut spec = json!({
        "company": {"name": "Acme", "url": "http://127.0.0.1:9/"},
        "crawl": {"allowPrivateNetworks": true}
    });
    if let (Some(base), serde_json::Value::Object(more)) = (spec.as_object_mut(), extra) {
        for (k, v) in more {
            base.insert(k, v);
        }
    }
    cira_tests::company_scan(name, spec)
}

pub async fn create(client: &Client, ns: &str, scan: &CompanyScan) -> CompanyScan {
    Api::<CompanyScan>::namespaced(client.clone(), ns)
        .create(&PostParams::default(), scan)
        .await
        .expect("create scan")
}

pub async fn patch_spec(client: &Client, ns: &str, name: &str, spec: serde_json::Value) {
    Api::<CompanyScan>::namespaced(client.clone(), ns)
        .patch(
            name,
            &PatchParams::default(),
            &Patch::Merge(json!({ "spec": spec })),
        )
        .await
        .expect("patch spec");
}

pub fn phase(scan: &CompanyScan) -> Option<ScanPhase> {
    scan.status.as_ref().and_then(|s| s.phase)
}

pub fn condition<'a>(
    scan: &'a CompanyScan,
    type_: &str,
) -> Option<&'a k8s_openapi::apimachinery::pkg::apis::meta::v1::Condition> {
    scan.status
        .as_ref()?
        .conditions
        .iter()
        .find(|c| c.type_ == type_)
}

/// Waits until the scan satisfies `check`, returning it.
pub async fn wait_scan(
    client: &Client,
    ns: &str,
    name: &str,
    what: &str,
    timeout: Duration,
    check: impl Fn(&CompanyScan) -> bool,
) -> CompanyScan {
    let api = Api::<CompanyScan>::namespaced(client.clone(), ns);
    let check = &check;
    let api = &api;
    match wait_for(what, timeout, || async move {
        let s = api.get(name).await.ok()?;
        check(&s).then_some(s)
    })
    .await
    {
        Ok(s) => s,
        Err(e) => {
            let current = api.get(name).await.ok().and_then(|s| s.status);
            panic!("{e}; scan {ns}/{name} status now: {current:#?}")
        }
    }
}

pub async fn wait_phase(client: &Client, ns: &str, name: &str, want: ScanPhase) -> CompanyScan {
    wait_scan(
        client,
        ns,
        name,
        &format!("{ns}/{name} to be {want}"),
        WAIT,
        |s| phase(s) == Some(want),
    )
    .await
}

/// Waits until the scan is Crawling again with Progressing for `reason`.
pub async fn wait_progressing(client: &Client, ns: &str, name: &str, reason: &str) -> CompanyScan {
    wait_scan(
        client,
        ns,
        name,
        &format!("{ns}/{name} to be Crawling again ({reason})"),
        WAIT,
        |s| {
            phase(s) == Some(ScanPhase::Crawling)
                && condition(s, "Progressing").is_some_and(|c| c.reason == reason)
        },
    )
    .await
}

pub async fn get_job(client: &Client, ns: &str, name: &str) -> Option<Job> {
    Api::<Job>::namespaced(client.clone(), ns)
        .get_opt(name)
        .await
        .ok()
        .flatten()
}

pub async fn wait_job(
    client: &Client,
    ns: &str,
    name: &str,
    what: &str,
    check: impl Fn(&Job) -> bool,
) -> Job {
    let check = &check;
    wait_for(what, WAIT, || async move {
        let j = get_job(client, ns, name).await?;
        check(&j).then_some(j)
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"))
}

pub fn suspended(job: &Job) -> bool {
    job.spec.as_ref().and_then(|s| s.suspend).unwrap_or(false)
}

pub async fn wait_job_suspended(client: &Client, ns: &str, name: &str) -> Job {
    wait_job(
        client,
        ns,
        name,
        &format!("Job {name} to be suspended"),
        suspended,
    )
    .await
}

pub async fn wait_job_resumed(client: &Client, ns: &str, name: &str) -> Job {
    wait_job(client, ns, name, &format!("Job {name} to run again"), |j| {
        !suspended(j)
    })
    .await
}

/// Jobs in the namespace.
pub async fn list_jobs(client: &Client, ns: &str) -> Vec<Job> {
    Api::<Job>::namespaced(client.clone(), ns)
        .list(&ListParams::default())
        .await
        .expect("list jobs")
        .items
}

/// Pods of a Job; none while they cannot be listed, for use in waits.
async fn job_pods(client: &Client, ns: &str, job: &str) -> Vec<Pod> {
    let lp = ListParams::default().labels(&format!("batch.kubernetes.io/job-name={job}"));
    Api::<Pod>::namespaced(client.clone(), ns)
        .list(&lp)
        .await
        .map(|l| l.items)
        .unwrap_or_default()
}

/// Running (not terminating) pods of a Job.
pub async fn running_pods(client: &Client, ns: &str, job: &str) -> Vec<Pod> {
    job_pods(client, ns, job)
        .await
        .into_iter()
        .filter(|p| {
            p.metadata.deletion_timestamp.is_none()
                && p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running")
        })
        .collect()
}

pub async fn active_pods(client: &Client, ns: &str, job: &str) -> usize {
    job_pods(client, ns, job)
        .await
        .iter()
        .filter(|p| {
            !matches!(
                p.status.as_ref().and_then(|s| s.phase.as_deref()),
                Some("Succeeded" | "Failed")
            )
        })
        .count()
}

/// Waits until the Job has exactly `want` pods that have not finished.
pub async fn wait_active_pods(client: &Client, ns: &str, job: &str, want: usize) {
    wait_for(
        &format!("{want} unfinished pods of Job {job}"),
        WAIT,
        || async { (active_pods(client, ns, job).await == want).then_some(()) },
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
}

/// Writes `data` into a ConfigMap the way the crawler does: a JSON merge
/// patch (field manager `cira-crawler`) of a ConfigMap the operator
/// created; the crawler never creates one.
pub async fn crawler_patch(
    client: &Client,
    scan: &CompanyScan,
    name: &str,
    data: BTreeMap<String, String>,
) -> Result<ConfigMap, kube::Error> {
    let ns = scan.namespace().expect("namespace");
    let params = PatchParams {
        field_manager: Some(names::CRAWLER_FIELD_MANAGER.to_string()),
        ..PatchParams::default()
    };
    Api::<ConfigMap>::namespaced(client.clone(), &ns)
        .patch(name, &params, &Patch::Merge(json!({ "data": data })))
        .await
}

/// Publishes a progress document as the crawler would.
pub async fn publish_progress(client: &Client, scan: &CompanyScan, progress: &CrawlerProgress) {
    let data = BTreeMap::from([(
        names::KEY_PROGRESS.to_string(),
        serde_json::to_string(progress).expect("progress json"),
    )]);
    crawler_patch(
        client,
        scan,
        &names::progress_configmap_name(&scan.name_any()),
        data,
    )
    .await
    .expect("publish progress");
}

pub fn progress(version: i64, pages: u64) -> CrawlerProgress {
    CrawlerProgress {
        scan_version: version,
        phase: ScanPhase::Crawling,
        pages_crawled: pages,
        pages_queued: 40,
        max_pages: 100,
        pages_per_second: 2.0,
        heartbeat: Some(chrono::Utc::now()),
        current_activity: Some("fetching pages".into()),
        ..CrawlerProgress::default()
    }
}

pub fn with_checkpoint(mut p: CrawlerProgress, scan: &str, generation: u64) -> CrawlerProgress {
    p.checkpoint = Some(CheckpointInfo {
        location: format!("{}-ckpt", scan),
        generation,
        saved_at: Some(chrono::Utc::now()),
        pages_visited: p.pages_crawled,
        bytes: 1234,
        recovered_from_corruption: None,
    });
    p
}

/// Writes the report ConfigMap and a Completed outcome, as the crawler does
/// at the end of a scan.
pub async fn finish_as_crawler(client: &Client, scan: &CompanyScan, version: i64) {
    let name = scan.name_any();
    let report = names::report_configmap_name(&name, version);
    crawler_patch(
        client,
        scan,
        &report,
        BTreeMap::from([
            (names::KEY_REPORT_JSON.to_string(), "{}".to_string()),
            (
                names::KEY_REPORT_MD.to_string(),
                format!("# report v{version}"),
            ),
        ]),
    )
    .await
    .expect("write report");
    let mut p = progress(version, 60);
    p.pages_queued = 0;
    p.phase = ScanPhase::Generating;
    p.outcome = Some(CrawlerOutcome::Completed {
        report_config_map: report,
        counts: BTreeMap::from([("emails".to_string(), 2)]),
        ended: Default::default(),
    });
    publish_progress(client, scan, &p).await;
}

static PORTS: AtomicU64 = AtomicU64::new(0);

/// Scans in the namespace.
pub async fn list_scans(client: &Client, ns: &str) -> Vec<CompanyScan> {
    Api::<CompanyScan>::namespaced(client.clone(), ns)
        .list(&ListParams::default())
        .await
        .expect("list scans")
        .items
}

pub fn path_exists(p: &Path) -> bool {
    p.exists()
}

pub fn unique() -> u64 {
    PORTS.fetch_add(1, Ordering::Relaxed)
}
