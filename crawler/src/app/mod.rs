//! The `cira-crawler` binary's own modules: the command line, local mode
//! (`cira-crawler scan <url> --state-dir DIR`) and cluster mode
//! (`cira-crawler run`, in a crawler pod). The library does the scan; this
//! wires it to arguments, the environment, signals and exit codes.

pub mod cluster;
pub mod local;
pub mod progress;

use std::process::ExitCode;

use cira_runtime::{LogFormat, LogTarget};
use clap::{Parser, Subcommand};

use local::ScanArgs;

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

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan a website locally, checkpointing to --state-dir. Run the same
    /// command again to resume an interrupted scan.
    Scan(Box<ScanArgs>),
    /// Run inside a crawler pod, configured by the environment the operator
    /// sets (CIRA_SCAN_*).
    Run,
}

/// Runs the parsed command line.
pub async fn main(cli: Cli) -> ExitCode {
    // Only fails when a subscriber is installed already.
    let _ = cira_runtime::init_logging(cli.log_format, "info", LogTarget::Stderr);
    let result = match cli.command {
        Command::Scan(args) => local::scan(*args).await,
        Command::Run => cluster::run().await,
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            tracing::error!(error = %e, "scan failed");
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}
