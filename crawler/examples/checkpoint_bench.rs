//! Checkpoint cost by crawl size: at 1k, 10k and 50k visited URLs, the time
//! and bytes of a full snapshot (folder store: encode + fsync + rename) and
//! of a journal record holding five pages' changes (encode + append +
//! fsync), and the process's peak memory once the 50k-URL state is built.
//!
//! `cargo run --release -p cira-crawler --example checkpoint_bench`

use std::time::Instant;

use cira_crawler::checkpoint::format::ScanIdentity;
use cira_crawler::checkpoint::{Cursor, DirStore, Store};
use cira_crawler::extract::Extractor;
use cira_crawler::page::FetchedPage;
use cira_crawler::state::CrawlState;

const SECTIONS: [&str; 8] = [
    "products", "news", "blog", "docs", "team", "careers", "events", "support",
];

fn url(i: usize) -> String {
    let section = SECTIONS[i % SECTIONS.len()];
    format!(
        "https://www.acme-industries.example/{section}/{}/article-{i}-{}",
        2015 + i % 11,
        ["overview", "details", "specs", "pricing"][i % 4]
    )
}

fn state(visited: usize) -> CrawlState {
    let mut s = CrawlState::new("https://www.acme-industries.example/", 1);
    let extractor = Extractor::new(
        &url::Url::parse("https://www.acme-industries.example/").expect("seed"),
        "Acme",
    );
    for i in 0..visited {
        s.visited.insert(url(i));
        // Entities from a sample of pages, as a crawl would merge them.
        if i % 10 == 0 {
            let html = format!(
                "<html><body><p>Mail sales{}@acme-industries.example or call +41 44 668 {:02} {:02}.</p>\
                 <a href=\"https://www.linkedin.com/company/acme-{}\">in</a></body></html>",
                i % 97,
                i % 89,
                i % 83,
                i % 31
            );
            let page = FetchedPage {
                url: url::Url::parse(&url(i)).expect("url"),
                depth: 2,
                status: 200,
                content_type: "text/html".into(),
                headers: vec![],
                scan: cira_crawler::html::scan_html(&html),
                body: html,
            };
            s.entities.merge_page(extractor.extract(&page));
        }
    }
    for i in visited..visited + visited / 10 {
        s.queue.push(url(i), 3);
    }
    s.pages_crawled = visited as u64;
    s
}

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::Dir(DirStore::new(dir.path()).expect("store"));
    let identity = ScanIdentity {
        namespace: "bench".into(),
        name: "acme".into(),
        uid: String::new(),
        scan_version: 1,
    };
    println!(
        "| visited URLs | queued | snapshot ms (median of 5) | snapshot bytes | bytes/URL | ConfigMap chunks | journal record ms (5 pages, median of 20) | record bytes |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|");
    let mut generation = 0u64;
    for n in [1_000usize, 10_000, 50_000] {
        let mut s = state(n);
        let mut times = Vec::new();
        let mut bytes = 0;
        for _ in 0..5 {
            generation += 1;
            let t = Instant::now();
            let saved = store
                .save(&mut Cursor::default(), &identity, generation, &mut s)
                .await
                .expect("save");
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            bytes = saved.bytes;
        }
        // Journal records on top of one snapshot: five pages each.
        let mut cursor = Cursor::default();
        generation += 1;
        let snapshot_bytes = store
            .save(&mut cursor, &identity, generation, &mut s)
            .await
            .expect("snapshot")
            .bytes;
        let mut record_times = Vec::new();
        let mut record_bytes = 0;
        let mut next = n + n / 10;
        for _ in 0..20 {
            for _ in 0..5 {
                if let Some(item) = s.dequeue() {
                    s.mark_visited(item.url);
                }
                for _ in 0..10 {
                    s.enqueue(url(next), 4);
                    next += 1;
                }
                s.pages_crawled += 1;
            }
            generation += 1;
            let t = Instant::now();
            let saved = store
                .save(&mut cursor, &identity, generation, &mut s)
                .await
                .expect("journal record");
            record_times.push(t.elapsed().as_secs_f64() * 1000.0);
            assert!(!saved.full, "a journal record, not a snapshot");
            record_bytes = saved.bytes;
        }
        let record_bytes = record_bytes.saturating_sub(snapshot_bytes) / 20;
        times.sort_by(f64::total_cmp);
        record_times.sort_by(f64::total_cmp);
        let chunks = (bytes as usize).div_ceil(cira_crds::names::CHECKPOINT_CHUNK_BYTES);
        println!(
            "| {n} | {} | {:.1} | {bytes} | {:.1} | {chunks} | {:.2} | {record_bytes} |",
            n / 10,
            times[2],
            bytes as f64 / n as f64,
            record_times[10],
        );
    }
    if let Some(kib) = peak_rss_kib() {
        println!(
            "\npeak RSS with the 50k-URL state built and saved: {:.1} MiB",
            kib as f64 / 1024.0
        );
    }
}
