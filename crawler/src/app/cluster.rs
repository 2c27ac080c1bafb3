//! In-cluster mode (`cira-crawler run`): identity and spec from the
//! environment the operator sets, checkpoints in ConfigMaps or on the PVC,
//! progress in the progress ConfigMap (at most one write per 5 s, plus phase
//! changes and the end), the report in the report ConfigMap.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use cira_crawler::checkpoint::{
    ConfigMapStore, DirStore, OnUnusable, ScanIdentity, ScanObject, Store,
};
use cira_crawler::engine::{Engine, EngineConfig, RunOutcome};
use cira_crawler::error::{Error, Result};
use cira_crawler::report::{ReportWriter, dir_report_writer};
use cira_crawler::url_norm::parse_seed;
use cira_crds::names;
use cira_crds::progress::{CrawlerOutcome, CrawlerProgress};
use cira_crds::{CheckpointStorage, CompanyScan, CompanyScanSpec, DesiredState, parse_duration};
use futures::StreamExt;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::runtime::{WatchStreamExt, watcher};
use kube::{Api, ResourceExt};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

/// Ends a background task when the run it serves ends.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Least time between two progress writes while working.
const PROGRESS_INTERVAL: Duration = Duration::from_secs(5);
/// Largest report put into the ConfigMap as is.
const MAX_REPORT_CONFIGMAP_BYTES: usize = 900 * 1024;

fn env(name: &'static str) -> Result<String> {
    std::env::var(name).map_err(|_| Error::Env {
        name,
        reason: "not set".into(),
    })
}

/// Everything the pod's environment says.
#[derive(Debug, Clone)]
pub struct PodEnv {
    pub scan: ScanObject,
    pub spec: CompanyScanSpec,
    pub checkpoint_dir: Option<PathBuf>,
    /// The cluster's DNS domain; the guard refuses names under it.
    pub cluster_domain: String,
}

impl PodEnv {
    pub fn from_env() -> Result<Self> {
        let version = env(names::ENV_SCAN_VERSION)?;
        let version: i64 = version.trim().parse().map_err(|_| Error::Env {
            name: names::ENV_SCAN_VERSION,
            reason: format!("{version:?} is not a number"),
        })?;
        let spec_json = env(names::ENV_SCAN_SPEC)?;
        let spec: CompanyScanSpec = serde_json::from_str(&spec_json).map_err(|e| Error::Env {
            name: names::ENV_SCAN_SPEC,
            reason: format!("not a valid CompanyScan spec: {e}"),
        })?;
        Ok(Self {
            scan: ScanObject {
                namespace: env(names::ENV_SCAN_NAMESPACE)?,
                name: env(names::ENV_SCAN_NAME)?,
                uid: env(names::ENV_SCAN_UID)?,
                version,
            },
            spec,
            checkpoint_dir: std::env::var_os(names::ENV_CHECKPOINT_DIR)
                .filter(|d| !d.is_empty())
                .map(PathBuf::from),
            cluster_domain: cluster_domain(std::env::var(names::ENV_CLUSTER_DOMAIN).ok())?,
        })
    }

    /// The ConfigMaps this crawler writes, which the operator created.
    pub fn configmap_names(&self) -> Vec<String> {
        let storage = if self.checkpoint_dir.is_some() {
            CheckpointStorage::PersistentVolumeClaim
        } else {
            CheckpointStorage::ConfigMap
        };
        names::crawler_configmap_names(&self.scan.name, self.scan.version, storage)
    }

    pub fn engine_config(&self) -> Result<EngineConfig> {
        let seed = parse_seed(&self.spec.company.url)?;
        let identity = ScanIdentity {
            namespace: self.scan.namespace.clone(),
            name: self.scan.name.clone(),
            uid: self.scan.uid.clone(),
            scan_version: self.scan.version,
        };
        let mut cfg = EngineConfig::new(
            seed,
            self.spec.company.name.clone(),
            identity,
            self.spec.crawl.clone(),
        )?;
        cfg.every_pages = self.spec.checkpoint.every_pages.max(1);
        cfg.every = parse_duration(&self.spec.checkpoint.every)
            .map_err(|e| Error::InvalidSetting {
                name: "checkpoint.every",
                reason: e.to_string(),
            })?
            .max(Duration::from_secs(1));
        cfg.sections = self.spec.analysis.sections.clone();
        cfg.on_unusable = OnUnusable::StartFresh;
        cfg.guard = cfg.guard.with_cluster_domain(&self.cluster_domain);
        Ok(cfg)
    }
}

/// The cluster domain from `CIRA_CLUSTER_DOMAIN`: unset or empty is
/// `cluster.local`; anything but a DNS name is refused, since a guard
/// judging names against garbage would refuse nothing extra.
fn cluster_domain(value: Option<String>) -> Result<String> {
    let Some(raw) = value.filter(|v| !v.trim().is_empty()) else {
        return Ok(cira_crawler::guard::DEFAULT_CLUSTER_DOMAIN.to_string());
    };
    let domain = raw.trim().trim_end_matches('.').to_ascii_lowercase();
    if cira_policy::net::is_dns_domain(&domain) {
        Ok(domain)
    } else {
        Err(Error::Env {
            name: names::ENV_CLUSTER_DOMAIN,
            reason: format!("{raw:?} is not a DNS domain"),
        })
    }
}

/// Writes the progress ConfigMap from the engine's progress channel.
async fn publish_progress(
    mut rx: watch::Receiver<CrawlerProgress>,
    api: Api<ConfigMap>,
    scan: ScanObject,
    final_rx: tokio::sync::oneshot::Receiver<CrawlerProgress>,
) {
    let name = names::progress_configmap_name(&scan.name);
    let write = |p: CrawlerProgress| {
        let api = api.clone();
        let scan = scan.clone();
        let name = name.clone();
        async move {
            let mut p = p;
            p.heartbeat = Some(chrono::Utc::now());
            let json = match serde_json::to_string(&p) {
                Ok(j) => j,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot serialise progress");
                    return;
                }
            };
            let patch = serde_json::json!({"data": {names::KEY_PROGRESS: json}});
            if let Err(e) = scan.patch(&api, &name, "writing progress", &patch).await {
                tracing::warn!(error = %e, "cannot write progress");
            }
        }
    };
    let mut last_write: Option<Instant> = None;
    let mut last_phase = None;
    let mut pending = false;
    let mut final_rx = final_rx;
    loop {
        let wait = match (pending, last_write) {
            (true, Some(t)) => PROGRESS_INTERVAL.saturating_sub(t.elapsed()),
            _ => Duration::from_secs(3600),
        };
        tokio::select! {
            changed = rx.changed() => {
                if changed.is_err() {
                    break;
                }
                let p = rx.borrow_and_update().clone();
                let phase_changed = last_phase != Some(p.phase);
                if phase_changed || last_write.is_none_or(|t| t.elapsed() >= PROGRESS_INTERVAL) {
                    last_phase = Some(p.phase);
                    write(p).await;
                    last_write = Some(Instant::now());
                    pending = false;
                } else {
                    pending = true;
                }
            }
            _ = tokio::time::sleep(wait) => {
                if pending {
                    let p = rx.borrow().clone();
                    write(p).await;
                    last_write = Some(Instant::now());
                    pending = false;
                }
            }
            fin = &mut final_rx => {
                if let Ok(p) = fin {
                    write(p).await;
                }
                return;
            }
        }
    }
    if let Ok(p) = final_rx.await {
        write(p).await;
    }
}

fn report_writer(api: Api<ConfigMap>, env: PodEnv) -> ReportWriter {
    Box::new(move |json: String, md: String| {
        let api = api.clone();
        let env = env.clone();
        Box::pin(async move {
            let version = env.scan.version;
            if let Some(dir) = &env.checkpoint_dir {
                let reports = dir.join("reports").join(format!("v{version}"));
                dir_report_writer(reports)(json.clone(), md.clone()).await?;
            }
            let name = names::report_configmap_name(&env.scan.name, version);
            let (json, md) = fit_report(json, md);
            let patch = serde_json::json!({"data": {
                names::KEY_REPORT_JSON: json,
                names::KEY_REPORT_MD: md,
            }});
            env.scan
                .patch(&api, &name, "writing the report", &patch)
                .await?;
            Ok(name)
        })
    })
}

/// Keeps the report under the ConfigMap limit: without per-item sources in
/// the JSON, and a cut markdown with a note.
pub fn fit_report(json: String, md: String) -> (String, String) {
    if json.len() + md.len() <= MAX_REPORT_CONFIGMAP_BYTES {
        return (json, md);
    }
    let json = match serde_json::from_str::<serde_json::Value>(&json) {
        Ok(mut v) => {
            strip_sources(&mut v);
            serde_json::to_string(&v).unwrap_or(json)
        }
        Err(_) => json,
    };
    let room = MAX_REPORT_CONFIGMAP_BYTES.saturating_sub(json.len() + 200);
    let md = if md.len() > room {
        let mut cut = room;
        while cut > 0 && !md.is_char_boundary(cut) {
            cut -= 1;
        }
        format!(
            "{}\n\n> The report was cut to fit a ConfigMap; the full report is in the crawler's logs or PVC.\n",
            &md[..cut]
        )
    } else {
        md
    };
    (json, md)
}

fn strip_sources(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(map) => {
            map.remove("sources");
            for (_, child) in map.iter_mut() {
                strip_sources(child);
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(strip_sources),
        _ => {}
    }
}

/// The exit code after SIGTERM, once the checkpoint is saved: 0 when the
/// operator suspended the Job (a pause, a timeout, a stale restart), and
/// `EXIT_INTERRUPTED` otherwise (an eviction, a deleted pod, a node drain),
/// because exit 0 would complete the Job with the scan unfinished. When the
/// Job cannot be read the answer is "interrupted", which is safe both ways:
/// the pod failure policy ignores that code.
async fn stopped_exit_code(client: &kube::Client, scan: &ScanObject) -> u8 {
    let jobs: Api<Job> = Api::namespaced(client.clone(), &scan.namespace);
    let job = names::job_name(&scan.name, scan.version);
    match tokio::time::timeout(Duration::from_secs(5), jobs.get(&job)).await {
        Ok(Ok(j)) if j.spec.as_ref().and_then(|s| s.suspend) == Some(true) => {
            tracing::info!(%job, "stopped after saving a checkpoint; the Job is suspended");
            0
        }
        Ok(Ok(_)) => {
            tracing::info!(%job, "stopped after saving a checkpoint; the Job is not suspended, so another pod resumes");
            names::EXIT_INTERRUPTED
        }
        Ok(Err(error)) => {
            tracing::warn!(%job, %error, "stopped after saving a checkpoint; cannot read the Job, exiting as interrupted");
            names::EXIT_INTERRUPTED
        }
        Err(_) => {
            tracing::warn!(%job, "stopped after saving a checkpoint; reading the Job timed out, exiting as interrupted");
            names::EXIT_INTERRUPTED
        }
    }
}

/// True when this scan (same uid) asks to be stopped.
fn stop_requested(scan: &CompanyScan, own: &ScanObject) -> bool {
    scan.uid().as_deref() == Some(own.uid.as_str())
        && scan.spec.desired_state == DesiredState::Stopped
}

/// Whether the scan is already set to Stopped when the crawler starts (a
/// stop from Paused, or a pod replaced while stopping): then the crawl phase
/// ends before a page is fetched. A failed read is not fatal: the watch
/// below still sees the stop.
async fn stopped_at_start(client: &kube::Client, own: &ScanObject) -> bool {
    let api: Api<CompanyScan> = Api::namespaced(client.clone(), &own.namespace);
    match tokio::time::timeout(Duration::from_secs(10), api.get(&own.name)).await {
        Ok(Ok(scan)) => stop_requested(&scan, own),
        Ok(Err(error)) => {
            tracing::warn!(%error, "cannot read the CompanyScan; a stop is seen by the watch");
            false
        }
        Err(_) => {
            tracing::warn!("reading the CompanyScan timed out; a stop is seen by the watch");
            false
        }
    }
}

/// Fires `stop` once the scan's `spec.desiredState` is `Stopped`. It
/// watches only its own scan (the Role grants get, list and watch on that
/// one name; the field selector makes the list and watch ask for it alone).
async fn watch_for_stop(client: kube::Client, own: ScanObject, stop: CancellationToken) {
    let api: Api<CompanyScan> = Api::namespaced(client, &own.namespace);
    let config = watcher::Config::default().fields(&format!("metadata.name={}", own.name));
    let mut scans = watcher(api, config)
        .default_backoff()
        .applied_objects()
        .boxed();
    while let Some(event) = scans.next().await {
        match event {
            Ok(scan) if stop_requested(&scan, &own) => {
                tracing::info!("stop requested: no more pages are fetched");
                stop.cancel();
                return;
            }
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "watching the CompanyScan for a stop"),
        }
    }
}

/// Runs the scan in a crawler pod.
pub async fn run() -> Result<ExitCode> {
    let env = PodEnv::from_env()?;
    let client = kube::Client::try_default()
        .await
        .map_err(Error::KubeClient)?;
    let api: Api<ConfigMap> = Api::namespaced(client.clone(), &env.scan.namespace);
    let (tx, rx) = watch::channel(CrawlerProgress {
        scan_version: env.scan.version,
        current_activity: Some("starting".into()),
        ..CrawlerProgress::default()
    });
    let (final_tx, final_rx) = tokio::sync::oneshot::channel();
    let publisher = tokio::spawn(publish_progress(
        rx.clone(),
        api.clone(),
        env.scan.clone(),
        final_rx,
    ));

    let result = async {
        let cfg = env.engine_config()?;
        // The operator created every ConfigMap this crawler writes; without
        // them no progress, checkpoint or report could be saved.
        env.scan
            .require_configmaps(&api, &env.configmap_names())
            .await?;
        let store = match &env.checkpoint_dir {
            Some(dir) => Store::Dir(DirStore::new(dir)?),
            None => Store::ConfigMap(Box::new(ConfigMapStore::new(
                client.clone(),
                env.scan.clone(),
            ))),
        };
        let engine = Engine::new(cfg, store, tx, report_writer(api.clone(), env.clone()))?;
        let stop = engine.stop_crawl_token();
        if stopped_at_start(&client, &env.scan).await {
            tracing::info!("the scan is stopped: finishing from the checkpoint without fetching");
            stop.cancel();
        }
        let watch = tokio::spawn(watch_for_stop(
            client.clone(),
            env.scan.clone(),
            stop.clone(),
        ));
        let _watch = AbortOnDrop(watch);
        let cancel = CancellationToken::new();
        if let Err(error) =
            cira_runtime::cancel_on_signals(cancel.clone(), "stopping after a checkpoint")
        {
            tracing::warn!(%error, "cannot listen for SIGTERM");
        }
        engine.run(cancel).await
    }
    .await;

    let mut last = rx.borrow().clone();
    last.heartbeat = Some(chrono::Utc::now());
    // An error's exit code is picked by the caller, from the error; here
    // the last progress says what happened.
    let result = match result {
        Ok(RunOutcome::Completed { location, .. }) => {
            tracing::info!(report = %location, "scan complete");
            if let Some(CrawlerOutcome::Completed {
                report_config_map, ..
            }) = &mut last.outcome
            {
                *report_config_map = location;
            }
            Ok(ExitCode::SUCCESS)
        }
        Ok(RunOutcome::Stopped) => Ok(ExitCode::from(stopped_exit_code(&client, &env.scan).await)),
        Err(e) => {
            if e.is_permanent() {
                last.outcome = Some(CrawlerOutcome::Failed {
                    reason: e.to_string(),
                    kind: e.failure_kind(),
                });
            } else {
                last.current_activity = Some(format!("failed, will retry: {e}"));
            }
            Err(e)
        }
    };
    let _ = final_tx.send(last);
    let _ = tokio::time::timeout(Duration::from_secs(10), publisher).await;
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod_env(cluster_domain: &str) -> PodEnv {
        PodEnv {
            scan: ScanObject {
                namespace: "team-a".into(),
                name: "acme".into(),
                uid: "u-1".into(),
                version: 2,
            },
            spec: serde_json::from_value(serde_json::json!({
                "company": {"name": "Acme", "url": "https://acme.example.com/"}
            }))
            .unwrap(),
            checkpoint_dir: None,
            cluster_domain: cluster_domain.into(),
        }
    }

    #[test]
    fn the_cluster_domain_is_read_and_checked() {
        let cases: &[(Option<&str>, Result<&str, ()>)] = &[
            (None, Ok("cluster.local")),
            (Some(""), Ok("cluster.local")),
            (Some("corp.example"), Ok("corp.example")),
            (Some(" Corp.Example. "), Ok("corp.example")),
            (Some("k8s-1.internal"), Ok("k8s-1.internal")),
            (Some("corp..example"), Err(())),
            (Some("corp example"), Err(())),
            (Some("-corp.example"), Err(())),
            (Some("*.corp.example"), Err(())),
        ];
        for (input, want) in cases {
            let got = cluster_domain(input.map(str::to_string));
            match (want, got) {
                (Ok(w), Ok(g)) => assert_eq!(&g, w, "{input:?}"),
                (Err(()), Err(Error::Env { name, reason })) => {
                    assert_eq!(name, names::ENV_CLUSTER_DOMAIN);
                    assert!(reason.contains("not a DNS domain"), "{reason}");
                }
                (w, g) => panic!("{input:?}: want {w:?}, got {g:?}"),
            }
        }
    }

    /// The guard of a crawler pod refuses names under the configured
    /// cluster domain, and still those under `cluster.local` and `svc`.
    #[test]
    fn the_pod_guard_refuses_names_under_the_configured_domain() {
        let guard = pod_env("corp.example").engine_config().unwrap().guard;
        for refused in [
            "api.team-a.svc.corp.example",
            "db.corp.example",
            "kubernetes.default.svc.cluster.local",
            "kubernetes.default.svc",
        ] {
            assert!(guard.check_name(refused).is_err(), "{refused}");
        }
        for allowed in ["corp.example.com", "acme.example.com", "notcorp.example"] {
            assert!(guard.check_name(allowed).is_ok(), "{allowed}");
        }
        let default = pod_env("cluster.local").engine_config().unwrap().guard;
        assert!(default.check_name("db.corp.example").is_ok());
    }

    #[test]
    fn the_crawler_needs_exactly_the_configmaps_of_its_storage() {
        let mut env = pod_env("cluster.local");
        let cm = env.configmap_names();
        assert_eq!(cm.len(), 20);
        assert!(cm.contains(&"acme-report-v2".to_string()));
        assert!(cm.contains(&"acme-ckpt-1-journal".to_string()));
        env.checkpoint_dir = Some("/var/lib/cira".into());
        assert_eq!(env.configmap_names(), ["acme-progress", "acme-report-v2"]);
    }
}
