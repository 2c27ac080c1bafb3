//! `cira-console`: see the library crate.

use std::process::ExitCode;

use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    let settings = cira_console::Settings::parse();
    if let Err(e) = cira_console::init_tracing(settings.log_format) {
        eprintln!("error: {e}");
        return ExitCode::FAILURE;
    }
    match cira_console::run(settings).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
