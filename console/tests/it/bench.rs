//! The console's benchmark (docs/bench-console.md), not run by `cargo test`:
//!
//! ```sh
//! make binaries
//! cargo test -p cira-console --test it -- --ignored bench --nocapture
//! ```
//!
//! The `cira-console` binary runs as its own process (readOnly mode, admin
//! kubeconfig) against the test control plane with `SCANS` CompanyScans and
//! `CLIENTS` open Server-Sent-Events streams. It measures the list page's
//! render time, the time from a status write to every stream seeing it, the
//! console's peak RSS, and the API server's open watches on CompanyScans.

use std::collections::BTreeMap;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cira_crds::CompanyScan;
use cira_tests::{TestEnv, wait_for, workspace_binary};
use kube::api::{Api, Patch, PatchParams, PostParams};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

const SCANS: usize = 500;
const CLIENTS: usize = 50;
const RENDERS: usize = 200;
const CHANGES: usize = 20;

struct Proc(Child);
impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn rss_peak_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        .unwrap_or(0)
}

async fn get(port: u16, path: &str) -> (u16, usize) {
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect");
    s.write_all(
        format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").as_bytes(),
    )
    .await
    .expect("write");
    let mut out = Vec::new();
    s.read_to_end(&mut out).await.expect("read");
    let status = String::from_utf8_lossy(&out[..out.len().min(20)])
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, out.len())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: run explicitly, see docs/bench-console.md"]
async fn bench_console() {
    cira_tests::init_tracing();
    let env = TestEnv::shared().await;
    env.install_crds().await.expect("CRDs");
    let ns = env.new_namespace("console-bench").await.expect("namespace");
    let admin = env.admin_client().await;
    let scans: Api<CompanyScan> = Api::namespaced(admin.clone(), &ns);
    for i in 0..SCANS {
        let scan: CompanyScan = serde_json::from_value(serde_json::json!({
            "apiVersion": "cira.dev/v1alpha1", "kind": "CompanyScan",
            "metadata": {"name": format!("scan-{i:03}")},
            "spec": {"company": {"name": format!("Company {i} GmbH & Co. KG"), "url": format!("https://c{i}.example")}}
        }))
        .expect("scan");
        scans
            .create(&PostParams::default(), &scan)
            .await
            .expect("create");
        let status = serde_json::json!({"status": {
            "phase": "Crawling", "scanVersion": 1,
            "progress": {"percent": i % 100, "pagesCrawled": i * 3, "pagesQueued": 40, "entitiesExtracted": i * 2,
                         "currentActivity": format!("Fetching https://c{i}.example/page/{i}")}
        }});
        scans
            .patch_status(
                &format!("scan-{i:03}"),
                &PatchParams::default(),
                &Patch::Merge(&status),
            )
            .await
            .expect("status");
    }

    let binary = tokio::task::spawn_blocking(|| workspace_binary("cira-console", "cira-console"))
        .await
        .expect("join")
        .expect("console builds");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("port")
        .local_addr()
        .expect("addr")
        .port();
    let child = Command::new(binary)
        .args([
            "--auth",
            "readOnly",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--default-namespace",
            &ns,
        ])
        .env("KUBECONFIG", env.kubeconfig_path())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("console starts");
    let console = Proc(child);
    let pid = console.0.id();
    wait_for("the console to listen", Duration::from_secs(30), || async {
        tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .ok()
            .map(|_| ())
    })
    .await
    .expect("listens");

    // The first render starts the watch; the rest read its store.
    let (status, bytes) = get(port, "/scans").await;
    assert_eq!(status, 200);
    let mut renders = Vec::new();
    for _ in 0..RENDERS {
        let t = Instant::now();
        let (status, _) = get(port, "/scans").await;
        renders.push(t.elapsed());
        assert_eq!(status, 200);
    }
    renders.sort();

    // CLIENTS streams; each records when it saw each marker.
    let seen: Arc<std::sync::Mutex<BTreeMap<(usize, usize), Instant>>> = Arc::default();
    let connected = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for c in 0..CLIENTS {
        let seen = seen.clone();
        let connected = connected.clone();
        let ns = ns.clone();
        let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .expect("connect");
        s.write_all(
            format!("GET /scans/live?namespace={ns} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                .as_bytes(),
        )
        .await
        .expect("write");
        tasks.push(tokio::spawn(async move {
            let mut lines = BufReader::new(s).lines();
            let mut first = true;
            while let Ok(Some(line)) = lines.next_line().await {
                // The first event is the initial list: the stream is open.
                if first && line.starts_with("event:") {
                    first = false;
                    connected.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                }
                if let Some(i) = line.find(">9000") {
                    let n: usize = line[i + 5..]
                        .chars()
                        .take_while(char::is_ascii_digit)
                        .collect::<String>()
                        .parse()
                        .unwrap_or(usize::MAX);
                    seen.lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .entry((c, n))
                        .or_insert_with(Instant::now);
                }
            }
        }));
    }
    wait_for("every stream to open", Duration::from_secs(60), || async {
        (connected.load(std::sync::atomic::Ordering::SeqCst) == CLIENTS).then_some(())
    })
    .await
    .expect("streams open");
    let mut latencies = Vec::new();
    for n in 0..CHANGES {
        // The list row shows pages, not the activity line: the marker is a
        // page count no scan has.
        let status = serde_json::json!({"status": {"progress": {"pagesCrawled": 900_000 + n, "percent": 50}}});
        let t = Instant::now();
        scans
            .patch_status(
                &format!("scan-{:03}", n * 7),
                &PatchParams::default(),
                &Patch::Merge(&status),
            )
            .await
            .expect("status");
        wait_for(
            "every stream to see the change",
            Duration::from_secs(30),
            || async {
                let seen = seen.lock().unwrap_or_else(|p| p.into_inner());
                ((0..CLIENTS).all(|c| seen.contains_key(&(c, n)))).then_some(())
            },
        )
        .await
        .expect("delivered");
        let seen = seen.lock().unwrap_or_else(|p| p.into_inner());
        latencies.extend((0..CLIENTS).map(|c| seen[&(c, n)] - t));
    }
    latencies.sort();
    let metrics = env
        .kubectl()
        .args(["get", "--raw", "/metrics"])
        .output()
        .expect("kubectl");
    let watches: Vec<String> = String::from_utf8_lossy(&metrics.stdout)
        .lines()
        .filter(|l| {
            l.starts_with("apiserver_longrunning_requests")
                && l.contains("WATCH")
                && (l.contains("resource=\"companyscans\"") || l.contains("resource=\"events\""))
        })
        .map(str::to_string)
        .collect();
    let rss = rss_peak_kib(pid);
    for t in tasks {
        t.abort();
    }
    println!("scans {SCANS}, SSE clients {CLIENTS}, list page {bytes} bytes");
    println!(
        "list render ({RENDERS} GETs): p50 {:?} p99 {:?} max {:?}",
        percentile(&renders, 0.5),
        percentile(&renders, 0.99),
        renders[renders.len() - 1]
    );
    println!(
        "status write -> all {CLIENTS} streams ({} samples): p50 {:?} p99 {:?} max {:?}",
        latencies.len(),
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        latencies[latencies.len() - 1]
    );
    println!("console peak RSS: {:.1} MiB", rss as f64 / 1024.0);
    println!(
        "API server watches (all clients of the control plane):\n{}",
        watches.join("\n")
    );
    drop(console);
    let _ = env
        .kubectl()
        .args(["delete", "namespace", &ns, "--wait=false"])
        .output();
}
