//! The `kubectl-cira` plugin binary against the real test control plane.
//! No operator runs here: the tests write scan status themselves through the
//! status subresource, the way the operator would.

use std::path::Path;
use std::process::Output;
use std::time::Duration;

use cira_crds::CompanyScan;
use cira_tests::TestEnv;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, Patch, PatchParams, PostParams};
use serde_json::{Value, json};

/// Longest a plugin call may take before the test fails.
const CALL_TIMEOUT: Duration = Duration::from_secs(60);

fn plugin_bin() -> std::path::PathBuf {
    cira_tests::workspace_binary("cira-operator", "kubectl-cira").expect("the plugin builds")
}

/// Starts the plugin with the env's kubeconfig. The child is killed if the
/// test drops it.
fn spawn(kubeconfig: &Path, args: &[&str]) -> tokio::process::Child {
    tokio::process::Command::new(plugin_bin())
        .args(args)
        .env("KUBECONFIG", kubeconfig)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the plugin starts")
}

async fn run(kubeconfig: &Path, args: &[&str]) -> Output {
    let child = spawn(kubeconfig, args);
    tokio::time::timeout(CALL_TIMEOUT, child.wait_with_output())
        .await
        .unwrap_or_else(|_| panic!("kubectl-cira {args:?} did not finish in {CALL_TIMEOUT:?}"))
        .expect("the plugin runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn describe(o: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        stdout(o),
        stderr(o)
    )
}

struct Fixture {
    env: &'static TestEnv,
    ns: String,
    scans: Api<CompanyScan>,
    config_maps: Api<ConfigMap>,
}

impl Fixture {
    async fn new(prefix: &str) -> Self {
        cira_tests::init_tracing();
        let env = TestEnv::shared().await;
        env.install_crds().await.expect("CRDs install");
        let ns = env.new_namespace(prefix).await.expect("namespace");
        let client = env.admin_client().await;
        Self {
            env,
            scans: Api::namespaced(client.clone(), &ns),
            config_maps: Api::namespaced(client, &ns),
            ns,
        }
    }

    async fn plugin(&self, args: &[&str]) -> Output {
        let mut all: Vec<&str> = args.to_vec();
        all.extend(["-n", &self.ns]);
        run(self.env.kubeconfig_path(), &all).await
    }

    async fn create_scan(&self, name: &str) -> CompanyScan {
        let scan = cira_tests::company_scan(
            name,
            json!({
                "company": {"name": format!("{name} Inc."), "url": format!("https://{name}.example")},
                "crawl": {"maxPages": 200}
            }),
        );
        self.scans
            .create(&PostParams::default(), &scan)
            .await
            .expect("scan created")
    }

    /// Writes status the way the operator does (status subresource).
    async fn set_status(&self, name: &str, status: Value) {
        self.scans
            .patch_status(
                name,
                &PatchParams::default(),
                &Patch::Merge(&json!({ "status": status })),
            )
            .await
            .expect("status patched");
    }

    async fn get(&self, name: &str) -> CompanyScan {
        self.scans.get(name).await.expect("scan exists")
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_shows_phase_progress_and_pages() {
    let f = Fixture::new("plugin-list").await;
    let empty = f.plugin(&["list"]).await;
    assert!(empty.status.success(), "{}", describe(&empty));
    assert!(
        stderr(&empty).contains(&format!("No CompanyScans found in namespace {}", f.ns)),
        "{}",
        describe(&empty)
    );

    f.create_scan("acme").await;
    f.create_scan("globex").await;
    f.set_status(
        "acme",
        json!({
            "phase": "Crawling",
            "observedGeneration": 1,
            "scanVersion": 1,
            "progress": {"percent": 42, "pagesCrawled": 84, "entitiesExtracted": 17}
        }),
    )
    .await;
    let out = f.plugin(&["list"]).await;
    assert!(out.status.success(), "{}", describe(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(
        lines[0].starts_with("NAME") && lines[0].contains("PHASE"),
        "{text}"
    );
    let acme: Vec<&str> = lines[1].split_whitespace().collect();
    assert_eq!(
        &acme[..7],
        ["acme", "Crawling", "42%", "84", "17", "Running", "1"],
        "{text}"
    );
    assert!(lines[2].starts_with("globex"), "{text}");

    let all = run(f.env.kubeconfig_path(), &["list", "-A"]).await;
    assert!(all.status.success(), "{}", describe(&all));
    assert!(
        stdout(&all)
            .lines()
            .any(|l| l.starts_with(&f.ns) && l.contains("acme")),
        "{}",
        describe(&all)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pause_and_resume_change_the_desired_state() {
    let f = Fixture::new("plugin-pause").await;
    f.create_scan("acme").await;

    let out = f.plugin(&["pause", "acme"]).await;
    assert!(out.status.success(), "{}", describe(&out));
    assert!(
        stdout(&out).contains("pause requested"),
        "{}",
        describe(&out)
    );
    let scan = f.get("acme").await;
    assert_eq!(scan.spec.desired_state, cira_crds::DesiredState::Paused);
    assert_eq!(scan.metadata.generation, Some(2), "the spec changed");

    let again = f.plugin(&["pause", "acme"]).await;
    assert!(again.status.success(), "{}", describe(&again));
    assert!(
        stdout(&again).contains("already set to Paused"),
        "{}",
        describe(&again)
    );
    assert_eq!(
        f.get("acme").await.metadata.generation,
        Some(2),
        "no second write"
    );

    let out = f.plugin(&["resume", "acme"]).await;
    assert!(out.status.success(), "{}", describe(&out));
    assert!(
        stdout(&out).contains("resume requested"),
        "{}",
        describe(&out)
    );
    assert_eq!(
        f.get("acme").await.spec.desired_state,
        cira_crds::DesiredState::Running
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_and_cancel_change_the_desired_state_and_are_final() {
    let f = Fixture::new("plugin-stop").await;
    f.create_scan("acme").await;
    f.create_scan("beta").await;

    let out = f.plugin(&["stop", "acme"]).await;
    assert!(out.status.success(), "{}", describe(&out));
    assert!(
        stdout(&out).contains("companyscan/acme stop requested: the crawler fetches no more pages and writes the report from the pages crawled so far."),
        "{}",
        describe(&out)
    );
    let scan = f.get("acme").await;
    assert_eq!(scan.spec.desired_state, cira_crds::DesiredState::Stopped);
    assert_eq!(scan.metadata.generation, Some(2), "the spec changed");
    let again = f.plugin(&["stop", "acme"]).await;
    assert!(
        stdout(&again).contains("already set to Stopped"),
        "{}",
        describe(&again)
    );
    assert_eq!(f.get("acme").await.metadata.generation, Some(2));

    // A stopped scan cannot be resumed: the API server's refusal is shown.
    let resume = f.plugin(&["resume", "acme"]).await;
    assert_eq!(resume.status.code(), Some(1), "{}", describe(&resume));
    assert!(
        stderr(&resume).contains("a Stopped scan cannot run or pause again"),
        "{}",
        describe(&resume)
    );
    assert_eq!(
        f.get("acme").await.spec.desired_state,
        cira_crds::DesiredState::Stopped
    );

    let out = f.plugin(&["cancel", "beta"]).await;
    assert!(out.status.success(), "{}", describe(&out));
    assert!(
        stdout(&out).contains("companyscan/beta cancel requested: the crawler stops and no report is written; the checkpoint is kept until the scan is deleted."),
        "{}",
        describe(&out)
    );
    assert_eq!(
        f.get("beta").await.spec.desired_state,
        cira_crds::DesiredState::Cancelled
    );
    let pause = f.plugin(&["pause", "beta"]).await;
    assert_eq!(pause.status.code(), Some(1), "{}", describe(&pause));
    assert!(
        stderr(&pause).contains("a Cancelled scan stays Cancelled"),
        "{}",
        describe(&pause)
    );

    // Once the cancelled version has ended, a rescan sets it running again.
    f.set_status(
        "beta",
        json!({"phase": "Cancelled", "scanVersion": 1, "observedGeneration": 2}),
    )
    .await;
    let out = f.plugin(&["rescan", "beta"]).await;
    assert!(out.status.success(), "{}", describe(&out));
    assert!(
        stdout(&out).contains("spec.rescan 0 -> 1, desiredState Cancelled -> Running"),
        "{}",
        describe(&out)
    );
    let beta = f.get("beta").await;
    assert_eq!(beta.spec.rescan, 1);
    assert_eq!(beta.spec.desired_state, cira_crds::DesiredState::Running);

    let missing = f.plugin(&["cancel", "nope"]).await;
    assert_eq!(missing.status.code(), Some(1), "{}", describe(&missing));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rescan_raises_spec_rescan_by_one() {
    let f = Fixture::new("plugin-rescan").await;
    f.create_scan("acme").await;
    let out = f.plugin(&["rescan", "acme"]).await;
    assert!(out.status.success(), "{}", describe(&out));
    assert!(
        stdout(&out).contains("spec.rescan 0 -> 1"),
        "{}",
        describe(&out)
    );
    assert_eq!(f.get("acme").await.spec.rescan, 1);
    let out = f.plugin(&["rescan", "acme"]).await;
    assert!(
        stdout(&out).contains("spec.rescan 1 -> 2"),
        "{}",
        describe(&out)
    );
    assert_eq!(f.get("acme").await.spec.rescan, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn report_prints_the_report_config_map() {
    let f = Fixture::new("plugin-report").await;
    f.create_scan("acme").await;

    let none = f.plugin(&["report", "acme"]).await;
    assert_eq!(none.status.code(), Some(1), "{}", describe(&none));
    assert!(
        stderr(&none).contains("CompanyScan acme has no report yet"),
        "{}",
        describe(&none)
    );

    let markdown = "# Acme Inc.\n\n## Contact\n\n- info@acme.example\n";
    let report_json = r#"{"company":"Acme Inc.","entities":{"email":["info@acme.example"]}}"#;
    for (version, md) in [(1, "# Acme Inc. (version 1)\n"), (2, markdown)] {
        let cm: ConfigMap = serde_json::from_value(json!({
            "metadata": {"name": cira_crds::names::report_configmap_name("acme", version)},
            "data": {"report.md": md, "report.json": report_json}
        }))
        .expect("config map");
        f.config_maps
            .create(&PostParams::default(), &cm)
            .await
            .expect("report ConfigMap created");
    }
    f.set_status(
        "acme",
        json!({
            "phase": "Completed",
            "observedGeneration": 1,
            "scanVersion": 2,
            "report": {
                "configMap": "acme-report-v2",
                "scanVersion": 2,
                "counts": {"email": 1},
                "history": [{"scanVersion": 1, "configMap": "acme-report-v1"}]
            }
        }),
    )
    .await;

    let md = f.plugin(&["report", "acme"]).await;
    assert!(md.status.success(), "{}", describe(&md));
    assert_eq!(stdout(&md), markdown);

    let js = f.plugin(&["report", "acme", "--format", "json"]).await;
    assert!(js.status.success(), "{}", describe(&js));
    let parsed: Value = serde_json::from_str(&stdout(&js)).expect("report is JSON");
    assert_eq!(parsed["entities"]["email"][0], "info@acme.example");

    let old = f.plugin(&["report", "acme", "--version", "1"]).await;
    assert!(old.status.success(), "{}", describe(&old));
    assert_eq!(stdout(&old), "# Acme Inc. (version 1)\n");

    let missing = f.plugin(&["report", "acme", "--version", "7"]).await;
    assert_eq!(missing.status.code(), Some(1), "{}", describe(&missing));
    assert!(
        stderr(&missing).contains("no report of scan version 7; kept versions: 1, 2"),
        "{}",
        describe(&missing)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_of_a_finished_scan() {
    let f = Fixture::new("plugin-status").await;
    f.create_scan("acme").await;
    f.set_status(
        "acme",
        json!({
            "phase": "Completed",
            "observedGeneration": 1,
            "scanVersion": 1,
            "activeSeconds": 123,
            "startedAt": "2026-01-01T10:00:00Z",
            "completedAt": "2026-01-01T10:02:03Z",
            "progress": {"percent": 100, "pagesCrawled": 120, "entitiesExtracted": 57},
            "report": {"configMap": "acme-report-v1", "scanVersion": 1, "counts": {"email": 4}},
            "message": "Report written"
        }),
    )
    .await;
    let out = f.plugin(&["status", "acme"]).await;
    assert!(out.status.success(), "{}", describe(&out));
    let text = stdout(&out);
    for expected in [
        "Phase:",
        "Completed",
        "120/200 pages",
        "57 entities",
        "elapsed 2m03s",
        "ConfigMap acme-report-v1 (scan version 1): email 4",
        "acme Inc. (https://acme.example)",
    ] {
        assert!(text.contains(expected), "{expected:?} missing:\n{text}");
    }

    // --watch on a finished scan prints the summary and exits at once.
    let watched = f.plugin(&["status", "acme", "--watch"]).await;
    assert_eq!(watched.status.code(), Some(0), "{}", describe(&watched));
    assert_eq!(
        stdout(&watched).trim(),
        "acme Completed (scan version 1): 120 pages, 57 entities in 2m03s: Report written"
    );

    f.create_scan("failing").await;
    f.set_status(
        "failing",
        json!({"phase": "Failed", "observedGeneration": 1, "scanVersion": 1,
               "message": "seed unreachable"}),
    )
    .await;
    let failed = f.plugin(&["status", "failing", "--watch"]).await;
    assert_eq!(failed.status.code(), Some(2), "{}", describe(&failed));
    assert!(stdout(&failed).contains("Failed"), "{}", describe(&failed));
}

/// `status --watch` follows a running scan and exits when it completes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_watch_follows_the_scan_to_its_end() {
    let f = Fixture::new("plugin-watch").await;
    f.create_scan("acme").await;
    f.set_status(
        "acme",
        json!({"phase": "Crawling", "observedGeneration": 1, "scanVersion": 1,
               "progress": {"percent": 10, "pagesCrawled": 20, "entitiesExtracted": 3}}),
    )
    .await;
    let kubeconfig = f.env.kubeconfig_path();
    let args = ["status", "acme", "--watch", "-n", &f.ns];
    let mut child = spawn(kubeconfig, &args);

    // Without a terminal the plugin prints a line per phase; wait for the
    // first so the watch is known to run before the scan moves on.
    let mut err = tokio::io::BufReader::new(child.stderr.take().expect("stderr piped"));
    let mut first = String::new();
    tokio::time::timeout(
        CALL_TIMEOUT,
        tokio::io::AsyncBufReadExt::read_line(&mut err, &mut first),
    )
    .await
    .expect("the plugin reports the phase")
    .expect("stderr readable");
    assert!(
        first.contains("acme: Crawling | 20/200 pages | 3 entities"),
        "{first:?}"
    );
    assert!(
        tokio::time::timeout(Duration::from_millis(300), child.wait())
            .await
            .is_err(),
        "the plugin keeps watching a crawling scan"
    );

    f.set_status(
        "acme",
        json!({"phase": "Analyzing", "progress": {"percent": 97, "pagesCrawled": 200, "entitiesExtracted": 80}}),
    )
    .await;
    f.set_status(
        "acme",
        json!({"phase": "Completed", "progress": {"percent": 100, "pagesCrawled": 200, "entitiesExtracted": 81}}),
    )
    .await;
    let out = tokio::time::timeout(CALL_TIMEOUT, child.wait_with_output())
        .await
        .expect("the plugin exits when the scan completes")
        .expect("the plugin runs");
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    assert!(
        stdout(&out).starts_with("acme Completed (scan version 1): 200 pages, 81 entities"),
        "{}",
        describe(&out)
    );
    let mut rest = String::new();
    tokio::io::AsyncReadExt::read_to_string(&mut err, &mut rest)
        .await
        .expect("stderr readable");
    // Progress while the watch ran: it saw at least the final phase.
    assert!(!rest.contains("error"), "{rest}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_scan_is_named_clearly() {
    let f = Fixture::new("plugin-missing").await;
    for args in [
        vec!["status", "nope"],
        vec!["pause", "nope"],
        vec!["rescan", "nope"],
        vec!["report", "nope"],
    ] {
        let out = f.plugin(&args).await;
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", describe(&out));
        assert_eq!(
            stderr(&out).trim(),
            format!("error: no CompanyScan named nope in namespace {}", f.ns),
            "{args:?}"
        );
    }
}

/// A private control plane without the CRD.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_crd_says_to_install_the_chart() {
    cira_tests::init_tracing();
    let env = TestEnv::start().await.expect("a private control plane");
    for args in [vec!["list"], vec!["status", "acme"], vec!["pause", "acme"]] {
        let out = run(env.kubeconfig_path(), &args).await;
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", describe(&out));
        let err = stderr(&out);
        assert!(
            err.contains("the CompanyScan CRD (companyscans.cira.dev) is not installed")
                && err.contains("install the chart"),
            "{args:?}: {err}"
        );
    }
}
