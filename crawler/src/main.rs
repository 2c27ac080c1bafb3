use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cira_crawler::cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(cira_crawler::cli::EXIT_RETRIABLE);
        }
    };
    runtime.block_on(cira_crawler::cli::main(cli))
}
