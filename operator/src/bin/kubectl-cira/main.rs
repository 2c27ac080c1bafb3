//! `kubectl cira`: a kubectl plugin for CIRA CompanyScans. Installed as
//! `kubectl-cira` on the PATH, kubectl runs it for `kubectl cira ...`.

mod cli;
mod commands;
mod console;
mod error;
mod format;
mod scans;
mod view;

use std::process::ExitCode;

use cira_crds::DesiredState;
use clap::Parser;

use crate::cli::{Cli, Command};
use crate::error::Error;
use crate::scans::Cluster;

async fn run(cli: Cli) -> Result<u8, Error> {
    let cluster = Cluster::connect(
        cli.kubeconfig.as_deref(),
        cli.context.as_deref(),
        cli.namespace.as_deref(),
    )
    .await?;
    match cli.command {
        Command::List { all_namespaces } => commands::list(&cluster, all_namespaces).await,
        Command::Status { name, watch } => commands::status(&cluster, &name, watch).await,
        Command::Pause { name } => {
            commands::set_desired_state(&cluster, &name, DesiredState::Paused).await
        }
        Command::Resume { name } => {
            commands::set_desired_state(&cluster, &name, DesiredState::Running).await
        }
        Command::Stop { name } => {
            commands::set_desired_state(&cluster, &name, DesiredState::Stopped).await
        }
        Command::Cancel { name } => {
            commands::set_desired_state(&cluster, &name, DesiredState::Cancelled).await
        }
        Command::Rescan { name } => commands::rescan(&cluster, &name).await,
        Command::Report {
            name,
            format,
            scan_version,
        } => commands::report(&cluster, &name, format, scan_version).await,
        Command::Console { port } => console::console(&cluster, port).await,
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: could not start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
