//! Command-line interface of `kubectl cira`.

use clap::{Parser, Subcommand, ValueEnum};

/// Manage CIRA CompanyScans: list them, follow their progress, pause,
/// resume, stop, cancel or re-run them and read their reports.
#[derive(Parser, Debug)]
#[command(name = "kubectl-cira", bin_name = "kubectl cira", version)]
pub struct Cli {
    /// Namespace of the scan (default: the kubeconfig context's namespace).
    #[arg(short = 'n', long, global = true)]
    pub namespace: Option<String>,

    /// Path to the kubeconfig file (default: $KUBECONFIG or ~/.kube/config).
    #[arg(long, global = true)]
    pub kubeconfig: Option<String>,

    /// The kubeconfig context to use.
    #[arg(long, global = true)]
    pub context: Option<String>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// List CompanyScans with phase, progress, pages, entities and age.
    #[command(alias = "ls")]
    List {
        /// List scans in all namespaces.
        #[arg(short = 'A', long)]
        all_namespaces: bool,
    },
    /// Show a scan's state; with --watch, a live progress bar until it ends.
    Status {
        /// The CompanyScan.
        name: String,
        /// Follow the scan until it is Completed, Failed, TimedOut or
        /// Cancelled. Exits 0 when it completes and 2 otherwise.
        #[arg(short, long)]
        watch: bool,
    },
    /// Pause a scan: it saves a checkpoint and stops until resumed.
    Pause {
        /// The CompanyScan.
        name: String,
    },
    /// Resume a paused scan from its checkpoint.
    Resume {
        /// The CompanyScan.
        name: String,
    },
    /// Stop a scan: no more pages are fetched, and the report is written
    /// from the pages crawled so far. Final for this scan version.
    Stop {
        /// The CompanyScan.
        name: String,
    },
    /// Cancel a scan: it ends without a report; its checkpoint is kept until
    /// the scan is deleted. Final for this scan version.
    Cancel {
        /// The CompanyScan.
        name: String,
    },
    /// Run a finished scan again as a new scan version (raises spec.rescan).
    Rescan {
        /// The CompanyScan.
        name: String,
    },
    /// Print a scan's report.
    Report {
        /// The CompanyScan.
        name: String,
        /// Markdown for reading, JSON for tools.
        #[arg(short, long, value_enum, default_value_t = ReportFormat::Md)]
        format: ReportFormat,
        /// The scan version whose report to print (default: the newest).
        #[arg(long = "version", value_name = "N")]
        scan_version: Option<i64>,
    },
    /// Open the web console: forwards a local port to the console pod in the
    /// namespace the chart is installed in (-n) and prints the URL.
    Console {
        /// The local port (0 picks a free one).
        #[arg(short, long, default_value_t = 8080)]
        port: u16,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Md,
    Json,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn namespace_flag_works_after_the_subcommand() {
        let cli = Cli::parse_from(["kubectl-cira", "pause", "acme", "-n", "research"]);
        assert_eq!(cli.namespace.as_deref(), Some("research"));
        assert!(matches!(cli.command, Command::Pause { name } if name == "acme"));
    }

    #[test]
    fn report_defaults_to_markdown_of_the_newest_version() {
        let cli = Cli::parse_from(["kubectl-cira", "report", "acme"]);
        match cli.command {
            Command::Report {
                format,
                scan_version,
                ..
            } => {
                assert_eq!(format, ReportFormat::Md);
                assert_eq!(scan_version, None);
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}
