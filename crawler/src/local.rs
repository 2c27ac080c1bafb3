//! Local mode: `cira-crawler scan <url> --state-dir DIR`. Checkpoints go to
//! DIR through the same store as PersistentVolumeClaim storage, and the
//! report lands in DIR as `report.json` and `report.md`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use cira_crds::checkpoint::ScanIdentity;
use cira_crds::progress::CrawlerProgress;
use cira_crds::{CrawlSpec, parse_duration};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use url::Url;

use crate::checkpoint::{DirStore, OnUnusable, Store};
use crate::cli::ScanArgs;
use crate::engine::{Engine, EngineConfig, ReportWriter, RunOutcome};
use crate::error::{Error, Result};

/// Parses and checks a seed URL.
pub fn parse_seed(raw: &str) -> Result<Url> {
    let url = Url::parse(raw.trim()).map_err(|e| Error::InvalidSeed {
        url: raw.to_string(),
        reason: e.to_string(),
    })?;
    crate::url_norm::normalize(url).ok_or_else(|| Error::InvalidSeed {
        url: raw.to_string(),
        reason: "it must be an http:// or https:// URL with a host".into(),
    })
}

/// The engine configuration a `scan` command line asks for.
pub fn config_from_args(args: &ScanArgs) -> Result<EngineConfig> {
    let seed = parse_seed(&args.url)?;
    let defaults = CrawlSpec::default();
    let crawl = CrawlSpec {
        max_pages: args.max_pages.unwrap_or(defaults.max_pages).max(1),
        max_depth: args.max_depth.unwrap_or(defaults.max_depth),
        allowed_domains: args.allowed_domains.clone(),
        include_patterns: args.include.clone(),
        exclude_patterns: args.exclude.clone(),
        follow_external_links: args.follow_external_links,
        concurrency: args
            .concurrency
            .unwrap_or(defaults.concurrency)
            .clamp(1, 256),
        requests_per_second: args
            .requests_per_second
            .unwrap_or(defaults.requests_per_second),
        respect_robots_txt: !args.no_robots,
        user_agent: args.user_agent.clone().unwrap_or(defaults.user_agent),
        request_timeout: args
            .request_timeout
            .clone()
            .unwrap_or(defaults.request_timeout),
        max_page_bytes: args.max_page_bytes.unwrap_or(defaults.max_page_bytes),
        allow_private_networks: args.allow_private_networks,
    };
    let host = seed.host_str().unwrap_or("site").to_string();
    let identity = ScanIdentity {
        namespace: "local".into(),
        name: host.clone(),
        scan_version: 1,
    };
    let company = args.company_name.clone().unwrap_or(host);
    let mut cfg = EngineConfig::new(seed, company, identity, crawl)?;
    if args.requests_per_second == Some(0.0) {
        cfg.requests_per_second = None;
    }
    cfg.every_pages = args
        .checkpoint_every_pages
        .unwrap_or(cira_crds::CheckpointSpec::default().every_pages)
        .max(1);
    if let Some(every) = &args.checkpoint_every {
        cfg.every = parse_duration(every).map_err(|e| Error::InvalidSetting {
            name: "checkpoint-every",
            reason: e.to_string(),
        })?;
    }
    cfg.every = cfg.every.max(Duration::from_secs(1));
    cfg.seed_sitemaps = !args.no_sitemaps;
    if let Some(budget) = args.pattern_budget {
        cfg.pattern_budget = budget.max(1);
    }
    cfg.on_unusable = OnUnusable::Refuse;
    Ok(cfg)
}

/// A report writer that puts `report.json` and `report.md` into `dir`.
pub fn dir_report_writer(dir: PathBuf) -> ReportWriter {
    Box::new(move |json: String, md: String| {
        let dir = dir.clone();
        Box::pin(async move {
            let d = dir.clone();
            tokio::task::spawn_blocking(move || {
                std::fs::create_dir_all(&d).map_err(|source| Error::Io {
                    action: "creating",
                    path: d.clone(),
                    source,
                })?;
                crate::checkpoint::write_atomically(&d, &d.join("report.json"), json.as_bytes())?;
                crate::checkpoint::write_atomically(&d, &d.join("report.md"), md.as_bytes())
            })
            .await
            .map_err(|e| Error::Task(e.to_string()))??;
            Ok(dir.display().to_string())
        })
    })
}

/// Runs a local scan to completion or until interrupted.
pub async fn scan(args: ScanArgs) -> Result<ExitCode> {
    let cfg = config_from_args(&args)?;
    let store = DirStore::new(&args.state_dir)?;
    if store.slot_path(0).exists() || store.slot_path(1).exists() {
        eprintln!(
            "Resuming the scan saved in {} (run with another --state-dir to start over).",
            args.state_dir.display()
        );
    }
    let (tx, rx) = watch::channel(CrawlerProgress::default());
    let engine = Engine::new(
        cfg,
        Store::Dir(store),
        tx,
        dir_report_writer(args.state_dir.clone()),
    )?;
    let view = tokio::spawn(crate::progress::show(rx, args.plain_progress));
    let cancel = CancellationToken::new();
    crate::cli::cancel_on_signals(cancel.clone());
    let outcome = engine.run(cancel).await;
    drop(engine);
    let _ = view.await;
    match outcome? {
        RunOutcome::Completed { location, .. } => {
            eprintln!("Scan complete: report.json and report.md are in {location}");
            Ok(ExitCode::SUCCESS)
        }
        RunOutcome::Stopped => {
            eprintln!(
                "Stopped after saving a checkpoint; run the same command again to resume from {}.",
                args.state_dir.display()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}
