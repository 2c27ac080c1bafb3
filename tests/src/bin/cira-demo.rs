//! `cira-demo`: the one-command demo (`make demo`).
//!
//! Builds the operator, crawler and `kubectl-cira`, starts a local control
//! plane (etcd, kube-apiserver, kube-controller-manager and the test node
//! agent, all as local processes), installs the Helm chart, serves the
//! bundled sample company website on 127.0.0.1, applies a CompanyScan for it,
//! shows progress live, prints the report and tears everything down on exit
//! or Ctrl-C.
//!
//! `cira-demo --site-only` only serves the sample site (for `make scan`).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{ExitCode, Stdio};
use std::time::{Duration, Instant};

use cira_tests::sample_site::{COMPANY_NAME, SampleSite, SiteServer};
use cira_tests::{TestEnv, wait_for};

const NAMESPACE: &str = "cira-demo";
const RELEASE: &str = "cira";
const SCAN: &str = "nordwind";

#[derive(Debug, thiserror::Error)]
enum DemoError {
    #[error("{0}")]
    Env(#[from] cira_tests::Error),
    #[error("{what} failed: {detail}")]
    Command { what: String, detail: String },
    #[error("could not {what}: {source}")]
    Io {
        what: String,
        source: std::io::Error,
    },
    #[error("the scan ended in phase {phase}: {message}")]
    ScanFailed { phase: String, message: String },
}

fn io(what: &str) -> impl FnOnce(std::io::Error) -> DemoError + '_ {
    move |source| DemoError::Io {
        what: what.to_string(),
        source,
    }
}

fn main() -> ExitCode {
    let _ = cira_runtime::init_logging(
        cira_runtime::LogFormat::Text,
        "warn",
        cira_runtime::LogTarget::Stderr,
    );
    let site_only = std::env::args().skip(1).any(|a| a == "--site-only");
    if std::env::args().skip(1).any(|a| a == "--help" || a == "-h") {
        println!(
            "cira-demo: scans a bundled sample company website with the CIRA operator on a local control plane.\n\n\
             Usage: cira-demo [--site-only]\n\n  --site-only  only serve the sample site until Ctrl-C"
        );
        return ExitCode::SUCCESS;
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cira-demo: could not start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let code = runtime.block_on(async {
        let work = async {
            if site_only {
                serve_site_only().await
            } else {
                demo().await
            }
        };
        tokio::select! {
            result = work => match result {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("\ncira-demo: {e}");
                    ExitCode::FAILURE
                }
            },
            _ = tokio::signal::ctrl_c() => {
                eprintln!("\ncira-demo: interrupted; tearing everything down");
                ExitCode::from(130)
            }
        }
    });
    // Dropping the runtime drops the env (if the select dropped `demo`
    // mid-way) and with it every process the demo started.
    runtime.shutdown_timeout(Duration::from_secs(15));
    code
}

async fn serve_site_only() -> Result<(), DemoError> {
    let site = SampleSite::generate();
    let server = site.serve().await?;
    println!(
        "Serving the sample site ({} pages) at {}\nScan it locally with:\n  make scan URL={} \n(add --allow-private-networks: cargo run -p cira-crawler -- scan {} --state-dir ./cira-scan --allow-private-networks)\nCtrl-C stops.",
        site.page_count(),
        server.url(),
        server.url(),
        server.url()
    );
    std::future::pending::<()>().await;
    drop(server);
    Ok(())
}

fn step(text: &str) {
    println!("==> {text}");
    let _ = std::io::stdout().flush();
}

async fn demo() -> Result<(), DemoError> {
    let begin = Instant::now();
    step("building the operator, the crawler and kubectl-cira");
    let operator = build("cira-operator", "cira-operator")?;
    let crawler = build("cira-crawler", "cira-crawler")?;
    let plugin = build("cira-operator", "kubectl-cira")?;

    step("serving the sample company website");
    let site = SampleSite::generate();
    let server = site.serve().await?;
    println!("    {} pages at {}", site.page_count(), server.url());

    step("starting the local control plane (first run builds it from source; that takes a while)");
    let env = TestEnv::start().await?;
    println!(
        "    up in {:.1}s; kubeconfig: {}",
        env.startup_time().as_secs_f64(),
        env.kubeconfig_path().display()
    );
    env.node()
        .register_image("ghcr.io/cira-dev/cira-operator", operator);
    env.node()
        .register_image("ghcr.io/cira-dev/cira-crawler", crawler);

    let result = run_scan(&env, &site, &server, &plugin).await;
    step("tearing down");
    drop(server);
    drop(env);
    println!("    done in {:.0}s", begin.elapsed().as_secs_f64().ceil());
    result
}

async fn run_scan(
    env: &TestEnv,
    site: &SampleSite,
    server: &SiteServer,
    plugin: &Path,
) -> Result<(), DemoError> {
    step("installing the cira-operator Helm chart");
    run(
        env.kubectl().args(["create", "namespace", NAMESPACE]),
        "kubectl create namespace",
    )?;
    let chart = workspace_root().join("charts/cira-operator");
    run(
        env.helm().args(["install", RELEASE]).arg(&chart).args([
            "--namespace",
            NAMESPACE,
            // The sample site is served on 127.0.0.1, which the chart's
            // scan policy refuses by default.
            "--set",
            "policy.allowPrivateNetworks=true",
            "--wait",
            "--timeout",
            "3m",
        ]),
        "helm install",
    )?;

    step("applying a CompanyScan for the sample site");
    let manifest = scan_manifest(&server.url());
    println!("{}", indent(&manifest));
    let dir = tempfile::tempdir().map_err(io("create a temporary folder"))?;
    let file = dir.path().join("scan.yaml");
    std::fs::write(&file, &manifest).map_err(io("write the scan manifest"))?;
    run(
        env.kubectl()
            .args(["apply", "-n", NAMESPACE, "-f"])
            .arg(&file),
        "kubectl apply",
    )?;

    step("following the scan (kubectl cira status --watch)");
    let status = tokio::process::Command::new(plugin)
        .args(["status", SCAN, "--watch", "-n", NAMESPACE])
        .env("KUBECONFIG", env.kubeconfig_path())
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .status()
        .await
        .map_err(io("run kubectl-cira"))?;
    if !status.success() {
        // The plugin exits non-zero when the scan failed; say why.
        let phase = jsonpath(env, "{.status.phase}")?;
        let message = jsonpath(env, "{.status.message}")?;
        return Err(DemoError::ScanFailed { phase, message });
    }

    let report_cm = wait_for(
        "the report ConfigMap name in the scan status",
        Duration::from_secs(60),
        || async {
            jsonpath(env, "{.status.report.configMap}")
                .ok()
                .filter(|s| !s.is_empty())
        },
    )
    .await?;
    let out = run(
        env.kubectl()
            .args(["get", "configmap", &report_cm, "-n", NAMESPACE])
            .args(["-o", "jsonpath={.data.report\\.md}"]),
        "kubectl get the report",
    )?;
    step(&format!("the report (ConfigMap {NAMESPACE}/{report_cm})"));
    println!("\n{out}");
    let counts: Vec<String> = site
        .truth()
        .counts()
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect();
    println!("(The sample site holds: {}.)", counts.join(", "));
    Ok(())
}

fn scan_manifest(url: &str) -> String {
    format!(
        r#"apiVersion: cira.dev/v1alpha1
kind: CompanyScan
metadata:
  name: {SCAN}
spec:
  company:
    name: {COMPANY_NAME}
    url: {url}
  crawl:
    maxPages: 1000
    concurrency: 4
    requestsPerSecond: 50
    # The sample site runs on 127.0.0.1, which scans refuse by default.
    allowPrivateNetworks: true
  checkpoint:
    everyPages: 25
  timeout: 10m
"#
    )
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("    {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn jsonpath(env: &TestEnv, path: &str) -> Result<String, DemoError> {
    run(
        env.kubectl()
            .args(["get", "companyscan", SCAN, "-n", NAMESPACE])
            .arg(format!("-o=jsonpath={path}")),
        "kubectl get companyscan",
    )
}

/// Runs a command to completion; its stdout on success.
fn run(cmd: &mut std::process::Command, what: &str) -> Result<String, DemoError> {
    let out = cmd.output().map_err(|e| DemoError::Command {
        what: what.to_string(),
        detail: e.to_string(),
    })?;
    if !out.status.success() {
        return Err(DemoError::Command {
            what: what.to_string(),
            detail: format!(
                "{}\n{}{}",
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        });
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn build(package: &str, bin: &str) -> Result<PathBuf, DemoError> {
    let path = cira_tests::workspace_binary(package, bin)?;
    println!("    {bin}: {}", path.display());
    Ok(path)
}

fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}
