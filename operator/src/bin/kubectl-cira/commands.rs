//! The subcommands. Each returns the process exit code on success.

use std::io::Write;
use std::time::Duration;

use chrono::Utc;
use cira_crds::names;
use cira_crds::{CompanyScan, DesiredState, ScanPhase};
use futures::StreamExt;
use indicatif::{ProgressBar, ProgressStyle};
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::Api;
use kube::runtime::{WatchStreamExt, watcher};
use serde_json::json;

use crate::cli::ReportFormat;
use crate::error::{Error, is_not_found};
use crate::format;
use crate::scans::Cluster;
use crate::view::{self, Snapshot};

/// Exit code of `status --watch` when the scan failed or timed out.
pub const EXIT_SCAN_FAILED: u8 = 2;

fn out(text: &str) -> Result<(), Error> {
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes()).map_err(Error::Output)?;
    stdout.flush().map_err(Error::Output)
}

pub async fn list(cluster: &Cluster, all_namespaces: bool) -> Result<u8, Error> {
    let mut scans = cluster.list(all_namespaces).await?;
    if scans.is_empty() {
        if all_namespaces {
            eprintln!("No CompanyScans found.");
        } else {
            eprintln!("No CompanyScans found in namespace {}.", cluster.namespace);
        }
        return Ok(0);
    }
    scans.sort_by(|a, b| {
        (&a.metadata.namespace, &a.metadata.name).cmp(&(&b.metadata.namespace, &b.metadata.name))
    });
    let now = Utc::now();
    let mut header: Vec<&str> = view::LIST_HEADER.to_vec();
    let rows: Vec<Vec<String>> = scans
        .iter()
        .map(|scan| {
            let mut row = view::list_row(scan, now);
            if all_namespaces {
                row.insert(0, scan.metadata.namespace.clone().unwrap_or_default());
            }
            row
        })
        .collect();
    if all_namespaces {
        header.insert(0, "NAMESPACE");
    }
    out(&format::table(&header, &rows))?;
    Ok(0)
}

pub async fn set_desired_state(
    cluster: &Cluster,
    name: &str,
    desired: DesiredState,
) -> Result<u8, Error> {
    let (verb, action) = match desired {
        DesiredState::Paused => ("pause", "pausing"),
        DesiredState::Running => ("resume", "resuming"),
        DesiredState::Stopped => ("stop", "stopping"),
        DesiredState::Cancelled => ("cancel", "cancelling"),
    };
    let scan = cluster.get(name).await?;
    if scan.spec.desired_state == desired {
        out(&format!(
            "companyscan/{name} is already set to {} (phase {})\n",
            desired.as_str(),
            Snapshot::of(&scan, Utc::now()).phase_name()
        ))?;
        return Ok(0);
    }
    cluster
        .patch_spec(
            name,
            action,
            json!({"spec": {"desiredState": desired.as_str()}}),
        )
        .await?;
    let follow = match desired {
        DesiredState::Paused => "the crawler saves a checkpoint and stops",
        DesiredState::Running => "the crawler continues from its last checkpoint",
        DesiredState::Stopped => {
            "the crawler fetches no more pages and writes the report from the pages crawled so far"
        }
        DesiredState::Cancelled => {
            "the crawler stops and no report is written; the checkpoint is kept until the scan is deleted"
        }
    };
    out(&format!(
        "companyscan/{name} {verb} requested: {follow}. Follow it with `kubectl cira status {name} --watch`.\n"
    ))?;
    Ok(0)
}

pub async fn rescan(cluster: &Cluster, name: &str) -> Result<u8, Error> {
    let (before, after, was) = cluster.increment_rescan(name).await?;
    let desired = match was {
        Some(was) => format!(", desiredState {} -> Running", was.as_str()),
        None => String::new(),
    };
    out(&format!(
        "companyscan/{name} rescan requested (spec.rescan {before} -> {after}{desired}); a new scan version starts once the current one has ended.\n"
    ))?;
    Ok(0)
}

pub async fn report(
    cluster: &Cluster,
    name: &str,
    format: ReportFormat,
    version: Option<i64>,
) -> Result<u8, Error> {
    let scan = cluster.get(name).await?;
    let phase = Snapshot::of(&scan, Utc::now()).phase_name().to_string();
    let Some(report) = scan.status.as_ref().and_then(|s| s.report.clone()) else {
        return Err(Error::NoReport {
            name: name.to_string(),
            phase,
        });
    };
    let config_map = match version {
        None => report.config_map.clone(),
        Some(v) if v == report.scan_version => report.config_map.clone(),
        Some(v) => match report.history.iter().find(|r| r.scan_version == v) {
            Some(r) => r.config_map.clone(),
            None => {
                let mut kept: Vec<i64> = std::iter::once(report.scan_version)
                    .chain(report.history.iter().map(|r| r.scan_version))
                    .collect();
                kept.sort_unstable();
                let available = kept
                    .iter()
                    .map(i64::to_string)
                    .collect::<Vec<_>>()
                    .join(", ");
                return Err(Error::NoReportVersion {
                    name: name.to_string(),
                    version: v,
                    available,
                });
            }
        },
    };
    let config_map = if config_map.is_empty() {
        names::report_configmap_name(name, version.unwrap_or(report.scan_version))
    } else {
        config_map
    };
    let api: Api<ConfigMap> = Api::namespaced(cluster.client.clone(), &cluster.namespace);
    let cm = match api.get(&config_map).await {
        Ok(cm) => cm,
        Err(e) if is_not_found(&e) => {
            return Err(Error::ReportConfigMapMissing {
                config_map,
                namespace: cluster.namespace.clone(),
            });
        }
        Err(e) => {
            return Err(Error::Api {
                action: "reading the report ConfigMap of",
                name: name.to_string(),
                namespace: cluster.namespace.clone(),
                source: Box::new(e),
            });
        }
    };
    let key = match format {
        ReportFormat::Md => names::KEY_REPORT_MD,
        ReportFormat::Json => names::KEY_REPORT_JSON,
    };
    let Some(text) = cm.data.as_ref().and_then(|d| d.get(key)) else {
        return Err(Error::ReportKeyMissing {
            config_map,
            key: key.to_string(),
        });
    };
    out(text)?;
    if !text.ends_with('\n') {
        out("\n")?;
    }
    Ok(0)
}

pub async fn status(cluster: &Cluster, name: &str, watch: bool) -> Result<u8, Error> {
    // A plain read first: it gives the clear missing-scan/missing-CRD errors
    // before any watch starts.
    let scan = cluster.get(name).await?;
    if !watch {
        out(&view::describe(&scan, Utc::now()))?;
        return Ok(0);
    }
    watch_scan(cluster, name, scan).await
}

fn exit_code(snap: &Snapshot) -> u8 {
    if snap.phase == Some(ScanPhase::Completed) {
        0
    } else {
        EXIT_SCAN_FAILED
    }
}

/// A live progress bar until the scan is Completed, Failed or TimedOut.
/// Without a terminal the bar is hidden and phase changes are printed as
/// lines instead.
async fn watch_scan(cluster: &Cluster, name: &str, first: CompanyScan) -> Result<u8, Error> {
    let snap = Snapshot::of(&first, Utc::now());
    if snap.finished() {
        out(&format!("{}\n", snap.final_line()))?;
        return Ok(exit_code(&snap));
    }
    let bar = ProgressBar::new(100);
    let style = ProgressStyle::with_template(
        "{spinner:.green} {prefix:.bold} [{bar:30.cyan/blue}] {pos:>3}% {msg}",
    )
    .map_err(|e| Error::Template(e.to_string()))?
    .progress_chars("=> ");
    bar.set_style(style);
    bar.set_prefix(name.to_string());
    bar.enable_steady_tick(Duration::from_millis(200));
    let plain = bar.is_hidden();

    let mut latest = first;
    let mut last_phase = None;
    let mut show = |scan: &CompanyScan| {
        let snap = Snapshot::of(scan, Utc::now());
        bar.set_position(u64::from(snap.percent));
        bar.set_message(snap.progress_line());
        if plain && last_phase != Some(snap.phase_name()) {
            eprintln!("{name}: {}", snap.progress_line());
            last_phase = Some(snap.phase_name());
        }
        snap
    };
    show(&latest);

    let config = watcher::Config::default().fields(&format!("metadata.name={name}"));
    let mut events = watcher(cluster.scans(), config).default_backoff().boxed();
    // Elapsed time moves between status writes, so redraw every second.
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let snap = loop {
        tokio::select! {
            _ = tick.tick() => {
                show(&latest);
            }
            event = events.next() => {
                match event {
                    Some(Ok(watcher::Event::Apply(scan) | watcher::Event::InitApply(scan))) => {
                        latest = scan;
                        let snap = show(&latest);
                        if snap.finished() {
                            break snap;
                        }
                    }
                    Some(Ok(watcher::Event::Delete(_))) => {
                        bar.abandon();
                        return Err(Error::ScanDeleted {
                            name: name.to_string(),
                            namespace: cluster.namespace.clone(),
                        });
                    }
                    Some(Ok(watcher::Event::Init | watcher::Event::InitDone)) => {}
                    // The backoff retries transient failures; a persistent
                    // one (e.g. RBAC) is reported once, and the watch goes on.
                    Some(Err(e)) => {
                        bar.suspend(|| eprintln!("warning: watching companyscan/{name}: {e}"));
                    }
                    None => {
                        bar.abandon();
                        return Err(Error::Watch {
                            name: name.to_string(),
                            reason: "the watch stream ended".to_string(),
                        });
                    }
                }
            }
        }
    };
    bar.finish_and_clear();
    out(&format!("{}\n", snap.final_line()))?;
    Ok(exit_code(&snap))
}
