//! Benchmark (not a timed test; run on purpose):
//!
//! ```text
//! cargo test -p cira-operator --release --test it bench -- --ignored --nocapture
//! ```
//!
//! 500 CompanyScans on the test control plane with the `cira-operator`
//! binary (max 20 concurrent, fake crawler pods). Prints the operator's peak
//! RSS, reconcile latency p50/p99 (from its histogram), API writes and reads
//! per scan per minute while crawling and while idle, and the time from a
//! pause patch to the Job being suspended. Results go into
//! docs/bench-operator.md.
//!
//! Reads and writes are counted by the apiserver: the operator runs with the
//! env's audited kubeconfig, and the audit log holds its requests only.

use std::collections::BTreeMap;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::common::*;
use cira_crds::ScanPhase;
use kube::api::{Api, Patch, PatchParams, PostParams};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const SCANS: usize = 500;
const CONCURRENT: usize = 20;

async fn metrics(port: u16) -> String {
    let Ok(mut s) = tokio::net::TcpStream::connect(("127.0.0.1", port)).await else {
        return String::new();
    };
    let _ = s.write_all(b"GET /metrics HTTP/1.0\r\n\r\n").await;
    let mut buf = String::new();
    let _ = s.read_to_string(&mut buf).await;
    buf
}

fn metric_sum(text: &str, prefix: &str) -> f64 {
    text.lines()
        .filter(|l| l.starts_with(prefix))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

/// A quantile from cumulative histogram buckets (upper bound of the bucket).
fn quantile(text: &str, q: f64) -> f64 {
    let mut buckets: Vec<(f64, f64)> = text
        .lines()
        .filter(|l| l.starts_with("cira_operator_reconcile_duration_seconds_bucket"))
        .filter_map(|l| {
            let le = l.split("le=\"").nth(1)?.split('"').next()?;
            let le = if le == "+Inf" {
                f64::INFINITY
            } else {
                le.parse().ok()?
            };
            Some((le, l.rsplit(' ').next()?.parse().ok()?))
        })
        .collect();
    buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total = buckets.last().map_or(0.0, |b| b.1);
    buckets
        .iter()
        .find(|(_, c)| *c >= q * total)
        .map_or(f64::NAN, |b| b.0)
}

/// The operator's requests so far, from the apiserver's audit log.
#[derive(Clone, Debug, Default)]
struct Requests {
    /// get and list (a watch's initial list included when it is one).
    reads: u64,
    /// create, update, patch, delete.
    writes: u64,
    /// watch requests started (their events are not requests).
    watches: u64,
    /// Writes by "verb resource[/subresource]", to set beside the
    /// operator's own count by kind.
    writes_by_kind: BTreeMap<String, u64>,
}

impl std::ops::Sub for Requests {
    type Output = Requests;
    fn sub(self, o: Requests) -> Requests {
        let mut writes_by_kind = self.writes_by_kind;
        for (k, n) in o.writes_by_kind {
            *writes_by_kind.entry(k).or_default() -= n;
        }
        writes_by_kind.retain(|_, n| *n > 0);
        Requests {
            reads: self.reads - o.reads,
            writes: self.writes - o.writes,
            watches: self.watches - o.watches,
            writes_by_kind,
        }
    }
}

/// The operator's own write counter, by its `kind` label.
fn metric_by_kind(text: &str, name: &str) -> BTreeMap<String, f64> {
    text.lines()
        .filter(|l| l.starts_with(name))
        .filter_map(|l| {
            let kind = l.split("kind=\"").nth(1)?.split('"').next()?;
            Some((kind.to_string(), l.rsplit(' ').next()?.parse().ok()?))
        })
        .collect()
}

fn audited_requests(env: &cira_tests::TestEnv) -> Requests {
    let text = std::fs::read_to_string(env.audit_log_path()).unwrap_or_default();
    let mut r = Requests::default();
    for line in text.lines() {
        let Ok(event) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let stage = event["stage"].as_str().unwrap_or_default();
        match (event["verb"].as_str().unwrap_or_default(), stage) {
            ("watch", "ResponseStarted") => r.watches += 1,
            ("get" | "list", "ResponseComplete") => r.reads += 1,
            (
                verb @ ("create" | "update" | "patch" | "delete" | "deletecollection"),
                "ResponseComplete",
            ) => {
                r.writes += 1;
                let object = &event["objectRef"];
                let mut kind =
                    format!("{verb} {}", object["resource"].as_str().unwrap_or_default());
                if let Some(sub) = object["subresource"].as_str() {
                    kind = format!("{kind}/{sub}");
                }
                *r.writes_by_kind.entry(kind).or_default() += 1;
            }
            _ => {}
        }
    }
    r
}

fn rss_peak_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark; run explicitly"]
async fn bench_500_scans() {
    let env = env().await;
    let ns = env.new_namespace("op-bench").await.unwrap();
    let client = env.admin_client().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let binary = cira_tests::workspace_binary("cira-operator", "cira-operator").unwrap();
    let mut child = tokio::process::Command::new(binary)
        .env_clear()
        .env("KUBECONFIG", env.audited_kubeconfig_path())
        .env("RUST_LOG", "warn")
        .args([
            "--watch-namespace",
            &ns,
            "--crawler-image",
            FAKE_CRAWLER_IMAGE,
        ])
        .args(["--max-concurrent-scans", &CONCURRENT.to_string()])
        .args(["--scan-policy", r#"{"allowPrivateNetworks":"true"}"#])
        .args(["--metrics-addr", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let pid = child.id().unwrap();
    let scans = Api::<cira_crds::CompanyScan>::namespaced(client.clone(), &ns);

    let t0 = Instant::now();
    for i in 0..SCANS {
        scans
            .create(
                &PostParams::default(),
                &scan(&format!("s{i:03}"), json!({})),
            )
            .await
            .unwrap();
    }
    let created = t0.elapsed();
    cira_tests::wait_for(
        "every scan to have a phase",
        Duration::from_secs(600),
        || async {
            let all = list_scans(&client, &ns).await;
            let crawling = all
                .iter()
                .filter(|s| phase(s) == Some(ScanPhase::Crawling))
                .count();
            let queued = all
                .iter()
                .filter(|s| phase(s) == Some(ScanPhase::Queued))
                .count();
            (crawling == CONCURRENT && queued == SCANS - CONCURRENT).then_some(())
        },
    )
    .await
    .unwrap();
    let settled = t0.elapsed();
    let m = metrics(port).await;
    let (p50, p99) = (quantile(&m, 0.5), quantile(&m, 0.99));

    // Crawling: the active scans publish progress every 5 s for a minute.
    let active: Vec<cira_crds::CompanyScan> = list_scans(&client, &ns)
        .await
        .into_iter()
        .filter(|s| phase(s) == Some(ScanPhase::Crawling))
        .collect();
    // Let the queue's own periodic work settle into the measurement too.
    let m0 = metrics(port).await;
    let w0 = metric_sum(&m0, "cira_operator_api_writes_total");
    let k0 = metric_by_kind(&m0, "cira_operator_api_writes_total");
    let a0 = audited_requests(env);
    let c0 = Instant::now();
    let mut round = 0u64;
    while c0.elapsed() < Duration::from_secs(60) {
        for s in &active {
            publish_progress(&client, s, &progress(1, 5 + round)).await;
        }
        round += 1;
        tokio::time::sleep(Duration::from_secs(5)).await;
    }
    let m1 = metrics(port).await;
    let w1 = metric_sum(&m1, "cira_operator_api_writes_total");
    let k1 = metric_by_kind(&m1, "cira_operator_api_writes_total");
    let crawling = audited_requests(env) - a0;
    // Where the two write counts come from, side by side.
    println!("writes while crawling, operator metric by kind:");
    for (kind, n) in &k1 {
        let d = n - k0.get(kind).copied().unwrap_or(0.0);
        if d > 0.0 {
            println!("  {kind}: {d}");
        }
    }
    println!("writes while crawling, audit log by verb and resource:");
    for (kind, n) in &crawling.writes_by_kind {
        println!("  {kind}: {n}");
    }
    // The window's length is taken now: the rates are printed minutes later.
    let crawl_minutes = c0.elapsed().as_secs_f64() / 60.0;
    let per_crawling_minute = |n: u64| n as f64 / CONCURRENT as f64 / crawl_minutes;
    let crawling_rate = (w1 - w0) / CONCURRENT as f64 / crawl_minutes;

    // Pause the crawling scans: time from the patch to job.spec.suspend.
    let mut latencies = Vec::new();
    for s in &active {
        let name = kube::ResourceExt::name_any(s);
        let t = Instant::now();
        scans
            .patch(
                &name,
                &PatchParams::default(),
                &Patch::Merge(json!({"spec": {"desiredState": "Paused"}})),
            )
            .await
            .unwrap();
        wait_job(&client, &ns, &format!("{name}-v1"), "suspended", suspended).await;
        latencies.push(t.elapsed());
    }
    latencies.sort();
    let pause_p50 = latencies[latencies.len() / 2];
    let pause_max = latencies[latencies.len() - 1];

    // Idle: every scan paused, nothing changes for a minute.
    for s in list_scans(&client, &ns).await {
        if s.spec.desired_state != cira_crds::DesiredState::Paused {
            scans
                .patch(
                    &kube::ResourceExt::name_any(&s),
                    &PatchParams::default(),
                    &Patch::Merge(json!({"spec": {"desiredState": "Paused"}})),
                )
                .await
                .unwrap();
        }
    }
    cira_tests::wait_for("every scan paused", Duration::from_secs(600), || async {
        let all = list_scans(&client, &ns).await;
        all.iter()
            .all(|s| phase(s) == Some(ScanPhase::Paused))
            .then_some(())
    })
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_secs(10)).await;
    let i0 = metric_sum(&metrics(port).await, "cira_operator_api_writes_total");
    let b0 = audited_requests(env);
    let idle_start = Instant::now();
    tokio::time::sleep(Duration::from_secs(60)).await;
    let i1 = metric_sum(&metrics(port).await, "cira_operator_api_writes_total");
    let idle = audited_requests(env) - b0;
    let idle_minutes = idle_start.elapsed().as_secs_f64() / 60.0;
    let per_idle_minute = |n: u64| n as f64 / SCANS as f64 / idle_minutes;
    let idle_rate = (i1 - i0) / SCANS as f64 / idle_minutes;
    let rss = rss_peak_kib(pid);
    let reconciles = metric_sum(&metrics(port).await, "cira_operator_reconciles_total");

    println!("| metric | value |");
    println!("|---|---|");
    println!("| scans | {SCANS} (max {CONCURRENT} crawling) |");
    println!(
        "| create {SCANS} scans (client side) | {:.1} s |",
        created.as_secs_f64()
    );
    println!(
        "| until all {SCANS} have a phase (20 Crawling, 480 Queued) | {:.1} s |",
        settled.as_secs_f64()
    );
    println!(
        "| reconcile latency p50 / p99 (histogram bucket bound) | {:.3} s / {:.3} s |",
        p50, p99
    );
    println!("| reconciles in total | {reconciles} |");
    println!(
        "| API writes per crawling scan per minute (progress every 5 s) | {crawling_rate:.1} |"
    );
    println!(
        "| API writes per crawling scan per minute, apiserver audit log | {:.1} |",
        per_crawling_minute(crawling.writes)
    );
    println!(
        "| API reads (get, list) per crawling scan per minute, apiserver audit log | {:.2} |",
        per_crawling_minute(crawling.reads)
    );
    println!(
        "| watch requests started while crawling (whole operator, 1 min) | {} |",
        crawling.watches
    );
    println!("| API writes per scan per minute, idle | {idle_rate:.3} |");
    println!(
        "| API reads per scan per minute, idle, apiserver audit log | {:.3} |",
        per_idle_minute(idle.reads)
    );
    println!(
        "| pause patch -> Job suspended, p50 / max of {CONCURRENT} | {:.2} s / {:.2} s |",
        pause_p50.as_secs_f64(),
        pause_max.as_secs_f64()
    );
    println!(
        "| operator peak RSS (VmHWM) | {:.1} MiB |",
        rss as f64 / 1024.0
    );
    child.kill().await.ok();
}
