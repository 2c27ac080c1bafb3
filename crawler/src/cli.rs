//! Command line: `cira-crawler scan <url> --state-dir DIR` (local) and
//! `cira-crawler run` (in a crawler pod).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use tokio_util::sync::CancellationToken;

use crate::error::Error;

pub use cira_crds::names::{EXIT_INTERRUPTED, EXIT_PERMANENT, EXIT_RETRIABLE};

#[derive(Debug, Parser)]
#[command(
    name = "cira-crawler",
    version,
    about = "Crawls a company website, extracts entities and writes a report"
)]
pub struct Cli {
    /// Log format.
    #[arg(
        long,
        global = true,
        value_enum,
        env = "CIRA_LOG_FORMAT",
        default_value = "text"
    )]
    pub log_format: LogFormat,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan a website locally, checkpointing to --state-dir. Run the same
    /// command again to resume an interrupted scan.
    Scan(Box<ScanArgs>),
    /// Run inside a crawler pod, configured by the environment the operator
    /// sets (CIRA_SCAN_*).
    Run,
}

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
    /// Do not read sitemaps to seed the crawl.
    #[arg(long)]
    pub no_sitemaps: bool,
    /// Plain progress lines even on a terminal.
    #[arg(long)]
    pub plain_progress: bool,
}

/// Sets up tracing: RUST_LOG filters (default `info`), text or JSON.
pub fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

/// Cancels `token` on Ctrl-C or SIGTERM.
pub fn cancel_on_signals(token: CancellationToken) {
    tokio::spawn(async move {
        let term = async {
            #[cfg(unix)]
            {
                match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                    Ok(mut s) => {
                        s.recv().await;
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot listen for SIGTERM");
                        std::future::pending::<()>().await;
                    }
                }
            }
            #[cfg(not(unix))]
            std::future::pending::<()>().await;
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => tracing::info!("interrupted; saving a checkpoint"),
            _ = term => tracing::info!("SIGTERM; saving a checkpoint"),
        }
        token.cancel();
    });
}

/// True for errors retrying cannot fix.
pub fn is_permanent(e: &Error) -> bool {
    matches!(
        e,
        Error::InvalidSeed { .. }
            | Error::InvalidPattern { .. }
            | Error::InvalidSetting { .. }
            | Error::SeedUnreachable { .. }
            | Error::NoUsableCheckpoint { .. }
            | Error::OtherScan { .. }
            | Error::Env { .. }
            | Error::CheckpointTooLarge { .. }
    )
}

/// Runs the parsed command line.
pub async fn main(cli: Cli) -> ExitCode {
    init_logging(cli.log_format);
    let result = match cli.command {
        Command::Scan(args) => crate::local::scan(*args).await,
        Command::Run => crate::cluster::run().await,
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            tracing::error!(error = %e, "scan failed");
            eprintln!("error: {e}");
            ExitCode::from(if is_permanent(&e) {
                EXIT_PERMANENT
            } else {
                EXIT_RETRIABLE
            })
        }
    }
}
