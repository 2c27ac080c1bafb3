//! `cira-console`: see the library crate.

use std::process::ExitCode;

use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    let settings = cira_console::Settings::parse();
    cira_console::init_tracing(&settings.log_format);
    match cira_console::run(settings).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
