//! Process-level behaviour of the `cira-operator` binary: the HTTP
//! endpoints, graceful shutdown on SIGTERM and leader election between two
//! replicas.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use cira_crds::ScanPhase;
use cira_tests::{TestEnv, wait_for};

use crate::common::*;
use k8s_openapi::api::coordination::v1::Lease;
use kube::api::Api;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::process::{Child, Command};

fn operator_binary() -> PathBuf {
    cira_tests::workspace_binary("cira-operator", "cira-operator").expect("build cira-operator")
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

/// `GET path` over plain HTTP/1.0; returns (status, body).
async fn http_get(port: u16, path: &str) -> Option<(u16, String)> {
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .ok()?;
    s.write_all(format!("GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n").as_bytes())
        .await
        .ok()?;
    let mut buf = String::new();
    s.read_to_string(&mut buf).await.ok()?;
    let status = buf.split_whitespace().nth(1)?.parse().ok()?;
    let body = buf.split("\r\n\r\n").nth(1).unwrap_or_default().to_string();
    Some((status, body))
}

/// A running operator process, killed if the test ends early.
struct Process {
    child: Child,
    port: u16,
    log_path: PathBuf,
}

impl Process {
    fn spawn(env: &TestEnv, args: &[&str], identity: &str) -> Process {
        let port = free_port();
        let log_path = env.dir().join(format!("operator-{identity}-{port}.log"));
        let log = std::fs::File::create(&log_path).expect("log file");
        let child = Command::new(operator_binary())
            .args(args)
            .args(["--metrics-addr", &format!("127.0.0.1:{port}")])
            .env_clear()
            .env("KUBECONFIG", env.kubeconfig_path())
            .env("POD_NAME", identity)
            .env(
                "RUST_LOG",
                "info,kube_runtime=debug,kube_lease_manager=debug",
            )
            .env("CIRA_CRAWLER_IMAGE", FAKE_CRAWLER_IMAGE)
            .stdout(Stdio::from(log.try_clone().expect("dup log")))
            .stderr(Stdio::from(log))
            .kill_on_drop(true)
            .spawn()
            .expect("spawn cira-operator");
        Process {
            child,
            port,
            log_path,
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    /// SIGTERM and the exit status.
    async fn terminate(&mut self) -> std::process::ExitStatus {
        if let Some(pid) = self.child.id() {
            let sent = std::process::Command::new("kill")
                .args(["-TERM", &pid.to_string()])
                .status()
                .expect("run kill");
            assert!(sent.success());
        }
        tokio::time::timeout(Duration::from_secs(30), self.child.wait())
            .await
            .expect("the operator exits within 30s of SIGTERM")
            .expect("wait")
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leader_election_hands_over_and_endpoints_work() {
    let env = env().await;
    let ns = env.new_namespace("op-leader").await.unwrap();
    let client = env.admin_client().await;
    let args = [
        "--leader-election",
        "true",
        "--lease-namespace",
        &ns,
        "--watch-namespace",
        &ns,
        "--max-concurrent-scans",
        "2",
        // The scans crawl sites on loopback addresses.
        "--scan-policy",
        r#"{"allowPrivateNetworks":"true"}"#,
    ];
    let mut a = Process::spawn(env, &args, "replica-a");
    // Replica a becomes the leader and gets ready.
    let leases = Api::<Lease>::namespaced(client.clone(), &ns);
    let holder = |leases: Api<Lease>| async move {
        leases
            .get_opt("cira-operator")
            .await
            .ok()
            .flatten()
            .and_then(|l| l.spec?.holder_identity)
    };
    wait_for("replica a to hold the Lease", WAIT, || async {
        (holder(leases.clone()).await.as_deref() == Some("replica-a")).then_some(())
    })
    .await
    .unwrap();
    wait_for("replica a to be ready", WAIT, || async {
        (http_get(a.port, "/readyz").await?.0 == 200).then_some(())
    })
    .await
    .unwrap_or_else(|e| panic!("{e}; log:\n{}", a.log()));
    assert_eq!(
        http_get(a.port, "/healthz").await.unwrap(),
        (200, "ok".to_string())
    );

    let mut b = Process::spawn(env, &args, "replica-b");
    wait_for("replica b to serve", WAIT, || async {
        (http_get(b.port, "/healthz").await?.0 == 200).then_some(())
    })
    .await
    .unwrap();

    create(&client, &ns, &scan("first", json!({}))).await;
    wait_phase(&client, &ns, "first", ScanPhase::Crawling).await;
    // The status write lands before the reconcile returns and before the
    // leader's cache sees it: wait for the metrics to catch up.
    let metrics = wait_for(
        "the leader's metrics to count the crawling scan",
        WAIT,
        || async {
            let m = http_get(a.port, "/metrics").await?.1;
            m.contains("cira_operator_scans{phase=\"Crawling\"} 1")
                .then_some(m)
        },
    )
    .await
    .unwrap_or_else(|e| panic!("{e}; log:\n{}", a.log()));
    assert!(
        metrics.contains("cira_operator_reconciles_total"),
        "{metrics}"
    );
    assert!(
        metrics.contains("cira_operator_reconcile_duration_seconds_bucket"),
        "{metrics}"
    );
    assert!(
        metrics.contains("cira_operator_scans{phase=\"Crawling\"} 1"),
        "{metrics}"
    );
    let standby = http_get(b.port, "/metrics").await.unwrap().1;
    assert!(
        standby.contains("cira_operator_reconciles_total 0"),
        "the standby does not reconcile: {standby}"
    );

    // The leader shuts down gracefully; the standby takes over.
    let status = a.terminate().await;
    assert!(status.success(), "graceful exit: {status:?}");
    wait_for("replica b to hold the Lease", WAIT, || async {
        (holder(leases.clone()).await.as_deref() == Some("replica-b")).then_some(())
    })
    .await
    .unwrap();
    create(&client, &ns, &scan("second", json!({}))).await;
    wait_phase(&client, &ns, "second", ScanPhase::Crawling).await;
    let status = b.terminate().await;
    assert!(status.success(), "graceful exit: {status:?}");
}
