//! `cira-crawler`: thin entry point; the command line, local mode and
//! cluster mode are in [`app`], the scan itself in the library.

mod app;

use std::process::ExitCode;

use clap::Parser;

// jemalloc: about a tenth less CPU per crawled page than the system
// allocator for a few MiB more memory, where mimalloc took twice the memory
// (figures in docs/bench-crawler.md).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    let cli = app::Cli::parse();
    // Pages are parsed and extracted on the blocking pool. Tokio's default
    // of up to 512 threads lets every in-flight page run at once: on a small
    // pod that is context switches, a malloc arena per thread and regex
    // caches taken on their slow path. One per core keeps both cores busy
    // as two per core did, and every thread that extracts keeps its own
    // regex caches and allocator cache: a 2k-page crawl peaks about 10 MiB
    // lower (figures in docs/bench-crawler.md, "Session 14: memory").
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .max_blocking_threads(cores)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(cira_crds::names::EXIT_RETRIABLE);
        }
    };
    runtime.block_on(app::main(cli))
}
