//! The terminal view of a local scan: an `indicatif` bar on a terminal,
//! plain lines every few seconds otherwise.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use cira_crds::progress::CrawlerProgress;
use indicatif::{ProgressBar, ProgressStyle};
use tokio::sync::watch;

/// One line describing the progress, for logs and the bar's message.
pub fn summary(p: &CrawlerProgress) -> String {
    let eta = p
        .estimated_remaining_seconds()
        .map(|s| format!(", ETA {}", human(Duration::from_secs(s.max(0) as u64))))
        .unwrap_or_default();
    format!(
        "{} | pages {} | queue {} | entities {} | {:.1} pages/s{} | {}",
        p.phase.as_str(),
        p.pages_crawled,
        p.pages_queued,
        p.entities_extracted,
        p.pages_per_second,
        eta,
        p.current_activity.as_deref().unwrap_or("")
    )
}

fn human(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 3600 {
        format!("{}h{:02}m", s / 3600, (s % 3600) / 60)
    } else if s >= 60 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{s}s")
    }
}

/// Shows progress until the sender is dropped.
pub async fn show(mut rx: watch::Receiver<CrawlerProgress>, force_plain: bool) {
    let started = Instant::now();
    if std::io::stderr().is_terminal() && !force_plain {
        let bar = ProgressBar::new(1);
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar.enable_steady_tick(Duration::from_millis(200));
        while rx.changed().await.is_ok() {
            let p = rx.borrow_and_update().clone();
            let total = p.max_pages.min(p.pages_crawled + p.pages_queued).max(1);
            bar.set_length(total);
            bar.set_position(p.pages_crawled.min(total));
            bar.set_message(summary(&p));
        }
        bar.finish_and_clear();
    } else {
        let mut last = Instant::now();
        while rx.changed().await.is_ok() {
            if last.elapsed() >= Duration::from_secs(5) {
                last = Instant::now();
                let p = rx.borrow_and_update().clone();
                eprintln!("[{}] {}", human(started.elapsed()), summary(&p));
            }
        }
    }
}
