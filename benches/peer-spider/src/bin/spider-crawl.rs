//! Crawls a URL with the `spider` crate, politeness off, and prints
//! `pages=<n> seconds=<s>`.

use std::time::Instant;

use spider::website::Website;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let url = std::env::args().nth(1).unwrap_or_else(|| {
        eprintln!("usage: spider-crawl <url> [max-pages]");
        std::process::exit(2);
    });
    let limit: u32 = std::env::args()
        .nth(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let mut website = Website::new(&url);
    website
        .with_respect_robots_txt(false)
        .with_delay(0)
        .with_limit(limit)
        .with_depth(50);
    let started = Instant::now();
    website.crawl().await;
    let pages = website.get_links().len();
    println!(
        "pages={pages} seconds={:.3}",
        started.elapsed().as_secs_f64()
    );
}
