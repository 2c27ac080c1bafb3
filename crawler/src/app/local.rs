//! Local mode: `cira-crawler scan <url> --state-dir DIR`. Checkpoints go to
//! DIR through the same store as PersistentVolumeClaim storage, and the
//! report lands in DIR as `report.json` and `report.md`.
//!
//! The arguments are declared here, not in the command line module, so this
//! module imports nothing back from it.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use cira_crawler::checkpoint::{DirStore, OnUnusable, ScanIdentity, Store};
use cira_crawler::engine::{Engine, EngineConfig, RunOutcome};
use cira_crawler::error::{Error, Result};
use cira_crawler::report::dir_report_writer;
use cira_crawler::url_norm::parse_seed;
use cira_crds::progress::{CrawlEnd, CrawlerOutcome, CrawlerProgress};
use cira_crds::{CrawlSpec, parse_duration};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

#[derive(Debug, clap::Args)]
pub struct ScanArgs {
    /// The seed URL (http or https).
    pub url: String,
    /// Folder for checkpoints and the report (report.json, report.md).
    #[arg(long)]
    pub state_dir: PathBuf,
    /// The company's name for the report (default: the seed's host).
    #[arg(long)]
    pub company_name: Option<String>,
    #[arg(long)]
    pub max_pages: Option<u32>,
    #[arg(long)]
    pub max_depth: Option<u32>,
    #[arg(long)]
    pub concurrency: Option<u32>,
    /// Requests per second per host; 0 turns pacing off (benchmarks only).
    #[arg(long)]
    pub requests_per_second: Option<f64>,
    /// Ignore robots.txt.
    #[arg(long)]
    pub no_robots: bool,
    /// Allow loopback, private and link-local addresses.
    #[arg(long)]
    pub allow_private_networks: bool,
    /// Only fetch URLs matching one of these regexes (repeatable).
    #[arg(long = "include")]
    pub include: Vec<String>,
    /// Never fetch URLs matching these regexes (repeatable).
    #[arg(long = "exclude")]
    pub exclude: Vec<String>,
    /// Extra hosts in scope; `*.example.com` for subdomains (repeatable).
    #[arg(long = "allowed-domain")]
    pub allowed_domains: Vec<String>,
    /// Also fetch linked pages outside the scope (one hop).
    #[arg(long)]
    pub follow_external_links: bool,
    #[arg(long)]
    pub user_agent: Option<String>,
    /// Per-request timeout, e.g. 30s.
    #[arg(long)]
    pub request_timeout: Option<String>,
    #[arg(long)]
    pub max_page_bytes: Option<u64>,
    /// Save a checkpoint after this many pages.
    #[arg(long)]
    pub checkpoint_every_pages: Option<u32>,
    /// Save a checkpoint at least this often, e.g. 2m.
    #[arg(long)]
    pub checkpoint_every: Option<String>,
    /// Most URLs of one shape (host, path with numbers folded, query names)
    /// queued; bounds calendars and other traps. Default: maxPages/2, at
    /// least 50.
    #[arg(long)]
    pub pattern_budget: Option<u32>,
    /// Most in-scope links taken from one page (default 2000); the rest are
    /// dropped and counted in the report.
    #[arg(long)]
    pub max_links_per_page: Option<u32>,
    /// Most URLs waiting in the queue (default 10 x max-pages); the
    /// lowest-priority ones past it are dropped and counted.
    #[arg(long)]
    pub max_queued_urls: Option<u32>,
    /// Do not read sitemaps to seed the crawl.
    #[arg(long)]
    pub no_sitemaps: bool,
    /// Plain progress lines even on a terminal.
    #[arg(long)]
    pub plain_progress: bool,
    /// Finish the scan saved in --state-dir now, like `desiredState:
    /// Stopped`: no more pages are fetched; extraction, analysis and the
    /// report cover the pages crawled so far. (While a scan runs, SIGUSR1
    /// does the same; Ctrl-C or SIGTERM pauses it instead.)
    #[arg(long)]
    pub stop: bool,
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
        max_links_per_page: args
            .max_links_per_page
            .unwrap_or(defaults.max_links_per_page)
            .max(1),
        max_queued_urls: args.max_queued_urls.map(|m| m.max(1)),
    };
    let host = seed.host_str().unwrap_or("site").to_string();
    let identity = ScanIdentity {
        namespace: "local".into(),
        name: host.clone(),
        uid: String::new(),
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

/// Runs a local scan to completion or until interrupted.
pub async fn scan(args: ScanArgs) -> Result<ExitCode> {
    let cfg = config_from_args(&args)?;
    let store = DirStore::new(&args.state_dir)?;
    let saved = store.slot_path(0).exists() || store.slot_path(1).exists();
    if args.stop && !saved {
        return Err(Error::NothingToStop {
            location: args.state_dir.display().to_string(),
        });
    }
    if saved {
        eprintln!(
            "Resuming the scan saved in {} (run with another --state-dir to start over).",
            args.state_dir.display()
        );
    }
    let (tx, rx) = watch::channel(CrawlerProgress::default());
    let last = rx.clone();
    let engine = Engine::new(
        cfg,
        Store::Dir(store),
        tx,
        dir_report_writer(args.state_dir.clone()),
    )?;
    let stop = engine.stop_crawl_token();
    if args.stop {
        eprintln!("Stopping: no more pages are fetched; finishing with the pages crawled so far.");
        stop.cancel();
    }
    stop_on_sigusr1(stop);
    let view = tokio::spawn(super::progress::show(rx, args.plain_progress));
    let cancel = CancellationToken::new();
    if let Err(error) =
        cira_runtime::cancel_on_signals(cancel.clone(), "stopping after a checkpoint")
    {
        tracing::warn!(%error, "cannot listen for SIGTERM");
    }
    let outcome = engine.run(cancel).await;
    drop(engine);
    let _ = view.await;
    match outcome? {
        RunOutcome::Completed { location, report } => {
            let ended = match &last.borrow().outcome {
                Some(CrawlerOutcome::Completed { ended, .. }) => *ended,
                _ => CrawlEnd::Finished,
            };
            match ended {
                CrawlEnd::Finished => {
                    eprintln!("Scan complete: report.json and report.md are in {location}");
                }
                // A report of nothing is not a result: say so and fail.
                CrawlEnd::StoppedOnRequest if report.pages_crawled == 0 => {
                    return Err(Error::StoppedBeforeAnyPage { location });
                }
                CrawlEnd::StoppedOnRequest => eprintln!(
                    "Stopped on request: report.json and report.md in {location} cover the {} pages crawled so far.",
                    report.pages_crawled
                ),
            }
            Ok(ExitCode::SUCCESS)
        }
        RunOutcome::Stopped => {
            eprintln!(
                "Stopped after saving a checkpoint; run the same command again to resume from {}, or add --stop to finish with the pages crawled so far.",
                args.state_dir.display()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// SIGUSR1 stops the crawl (like `desiredState: Stopped`); the scan then
/// goes on to its report. Ctrl-C and SIGTERM keep meaning pause.
fn stop_on_sigusr1(stop: CancellationToken) {
    use tokio::signal::unix::{SignalKind, signal};
    match signal(SignalKind::user_defined1()) {
        Ok(mut usr1) => {
            tokio::spawn(async move {
                tokio::select! {
                    _ = usr1.recv() => {
                        tracing::info!(signal = "SIGUSR1", "stop requested: no more pages are fetched");
                        stop.cancel();
                    }
                    _ = stop.cancelled() => {}
                }
            });
        }
        Err(error) => tracing::warn!(%error, "cannot listen for SIGUSR1; --stop still works"),
    }
}
