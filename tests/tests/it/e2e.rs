//! End-to-end scenarios: the Helm chart installed into the test control
//! plane (the operator Deployment's pod and the crawler Job's pods run
//! through the node agent), a CompanyScan applied with kubectl against the
//! generated sample company site, then `kubectl patch`, `get` and `delete`,
//! exactly as a user would. See docs/e2e.md.
//!
//! Each scenario has its own namespace and Helm release (the operator
//! watches only that namespace), is bounded by deadlines, and uninstalls and
//! deletes everything it made, checking that no pod is left.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use cira_tests::sample_site::{COMPANY_NAME, DISALLOWED_PATH, SampleSite, SiteServer};
use cira_tests::{TestEnv, wait_for, workspace_binary};
use serde_json::{Value, json};

const OPERATOR_IMAGE: &str = "ghcr.io/cira-dev/cira-operator";
const CRAWLER_IMAGE: &str = "ghcr.io/cira-dev/cira-crawler";
/// The scan's name in every scenario.
const SCAN: &str = "nordwind";
/// `checkpoint.everyPages` of the scans.
const EVERY_PAGES: u64 = 10;
/// Longest a whole scan of the sample site may take.
const SCAN_TIMEOUT: Duration = Duration::from_secs(240);
/// Longest a phase change after a spec change may take.
const REACT_TIMEOUT: Duration = Duration::from_secs(90);

fn site() -> &'static SampleSite {
    static SITE: OnceLock<SampleSite> = OnceLock::new();
    SITE.get_or_init(SampleSite::generate)
}

fn chart_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../charts/cira-operator")
}

/// Builds the operator and crawler once and maps this env's images to them.
fn register_images(env: &TestEnv) {
    static BINARIES: OnceLock<(PathBuf, PathBuf)> = OnceLock::new();
    let (operator, crawler) = BINARIES.get_or_init(|| {
        let operator = workspace_binary("cira-operator", "cira-operator").expect("operator builds");
        let crawler = workspace_binary("cira-crawler", "cira-crawler").expect("crawler builds");
        (operator, crawler)
    });
    env.node().register_image(OPERATOR_IMAGE, operator.clone());
    env.node().register_image(CRAWLER_IMAGE, crawler.clone());
}

fn text(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// One scenario: a namespace, a Helm release watching it, the sample site.
struct Scenario<'e> {
    name: &'static str,
    env: &'e TestEnv,
    ns: String,
    release: String,
    server: SiteServer,
    begin: Instant,
    /// Every operator pod name seen, for logs.
    operator_pods: Mutex<Vec<String>>,
    finished: bool,
}

impl Scenario<'static> {
    /// A scenario on the shared control plane.
    async fn start(name: &'static str, helm_sets: &[&str]) -> Scenario<'static> {
        Scenario::start_in(TestEnv::shared().await, name, helm_sets).await
    }
}

impl<'e> Scenario<'e> {
    async fn start_in(env: &'e TestEnv, name: &'static str, helm_sets: &[&str]) -> Scenario<'e> {
        cira_tests::init_tracing();
        let begin = Instant::now();
        // The first call builds the binaries: off the async worker.
        tokio::task::block_in_place(|| register_images(env));
        env.install_crds().await.expect("CRDs install");
        let ns = env
            .new_namespace(&format!("e2e-{name}"))
            .await
            .expect("namespace");
        // Cluster-scoped objects (ClusterRoles) are named after the release, so
        // every scenario needs its own release name.
        let release = format!("cira-{name}");
        let server = site().serve().await.expect("the sample site serves");
        let s = Scenario {
            name,
            env,
            ns,
            release,
            server,
            begin,
            operator_pods: Mutex::new(Vec::new()),
            finished: false,
        };
        let chart = chart_dir();
        let watch = format!("operator.watchNamespace={}", s.ns);
        let mut helm = env.helm();
        helm.args(["install", &s.release])
            .arg(&chart)
            .args(["--namespace", &s.ns, "--skip-crds"])
            .args(["--set", &watch, "--set", "operator.progressInterval=1s"])
            // The sample site is served on 127.0.0.1.
            .args(["--set", "policy.allowPrivateNetworks=true"])
            // The console is tested on its own.
            .args(["--set", "console.enabled=false"]);
        for set in helm_sets {
            helm.args(["--set", set]);
        }
        let out = helm.output().expect("helm runs");
        assert!(out.status.success(), "helm install failed:\n{}", text(&out));
        // Not `helm install --wait`: scenario 1 checks readiness on its own,
        // so the others still run when only readiness is broken.
        let replicas = if helm_sets.contains(&"replicaCount=2") {
            2
        } else {
            1
        };
        wait_for(
            "the operator pods to run",
            Duration::from_secs(120),
            || async {
                let running = s
                    .operator_pod_names()
                    .iter()
                    .filter(|p| s.env.node().pod_pid(&s.ns, p).is_some())
                    .count();
                (running >= replicas).then_some(())
            },
        )
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", s.diagnostics()));
        s.note_operator_pods();
        s
    }

    /// Operator pods whose Ready condition is True.
    fn ready_operator_pods(&self) -> usize {
        self.items(&["pods", "-l", "app.kubernetes.io/name=cira-operator"])
            .iter()
            .filter(|p| {
                p["status"]["conditions"].as_array().is_some_and(|cs| {
                    cs.iter()
                        .any(|c| c["type"] == "Ready" && c["status"] == "True")
                })
            })
            .count()
    }

    /// `kubectl` in the scenario's namespace; panics with the output on failure.
    fn kubectl(&self, args: &[&str]) -> String {
        match self.kubectl_try(args) {
            Ok(out) => out,
            Err(e) => panic!("kubectl {args:?} failed:\n{e}"),
        }
    }

    fn kubectl_try(&self, args: &[&str]) -> Result<String, String> {
        let out = self
            .env
            .kubectl()
            .args(args)
            .args(["-n", &self.ns])
            .output()
            .map_err(|e| e.to_string())?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        } else {
            Err(text(&out))
        }
    }

    fn get_json(&self, args: &[&str]) -> Value {
        let mut all = vec!["get"];
        all.extend_from_slice(args);
        all.extend(["-o", "json"]);
        serde_json::from_str(&self.kubectl(&all)).expect("kubectl prints JSON")
    }

    fn items(&self, args: &[&str]) -> Vec<Value> {
        self.get_json(args)["items"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// `kubectl apply` of the CompanyScan with `spec` merged over the defaults.
    fn apply_scan(&self, spec: Value) {
        let mut full = json!({
            "company": {"name": COMPANY_NAME, "url": self.server.url()},
            "crawl": {
                "maxPages": 1000,
                "maxDepth": 10,
                "concurrency": 4,
                "requestsPerSecond": 200,
                "allowPrivateNetworks": true
            },
            "checkpoint": {"everyPages": EVERY_PAGES},
            "timeout": "10m"
        });
        cira_tests::merge_json(&mut full, spec);
        let manifest = cira_tests::company_scan_json(SCAN, full);
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("scan.yaml");
        std::fs::write(&file, serde_yaml::to_string(&manifest).expect("yaml")).expect("write");
        self.kubectl(&["apply", "-f", file.to_str().expect("utf-8 path")]);
    }

    /// `kubectl patch companyscan --type merge`.
    fn patch_scan(&self, patch: Value) {
        self.kubectl(&[
            "patch",
            "companyscan",
            SCAN,
            "--type",
            "merge",
            "-p",
            &patch.to_string(),
        ]);
    }

    fn scan(&self) -> Value {
        self.get_json(&["companyscan", SCAN])
    }

    /// Waits for one of `phases`; the scan as JSON. Fails fast on an
    /// unexpected terminal phase.
    async fn wait_phase(&self, phases: &[&str], timeout: Duration) -> Value {
        let what = format!("scan {}/{SCAN} to reach {phases:?}", self.ns);
        let result = wait_for(&what, timeout, || async {
            let scan = self.get_json(&["companyscan", SCAN]);
            let phase = scan["status"]["phase"].as_str().unwrap_or_default();
            if phases.contains(&phase) {
                return Some(Ok(scan));
            }
            if (phase == "Failed" || phase == "TimedOut") && !phases.contains(&phase) {
                return Some(Err(scan));
            }
            None
        })
        .await;
        match result {
            Ok(Ok(scan)) => scan,
            Ok(Err(scan)) => panic!(
                "{what}: it ended in {}:\n{}\n{}",
                scan["status"]["phase"],
                serde_json::to_string_pretty(&scan["status"]).unwrap_or_default(),
                self.diagnostics()
            ),
            Err(e) => panic!(
                "{e}; status now:\n{}\n{}",
                serde_json::to_string_pretty(&self.scan()["status"]).unwrap_or_default(),
                self.diagnostics()
            ),
        }
    }

    /// Waits until the site served at least `pages` distinct pages.
    async fn wait_pages_fetched(&self, pages: usize, timeout: Duration) {
        let result = wait_for(
            &format!("the crawler to fetch {pages} pages"),
            timeout,
            || async { (self.server.pages_fetched(site()) >= pages).then_some(()) },
        )
        .await;
        if let Err(e) = result {
            panic!(
                "{e} (fetched {}); status:\n{}\n{}",
                self.server.pages_fetched(site()),
                serde_json::to_string_pretty(&self.scan()["status"]).unwrap_or_default(),
                self.diagnostics()
            );
        }
    }

    /// Events about the scan: (type, reason, message).
    fn events(&self) -> Vec<(String, String, String)> {
        let mut events: Vec<Value> = self.items(&["events"]);
        events.retain(|e| e["involvedObject"]["kind"] == "CompanyScan");
        events.sort_by_key(|e| {
            e["eventTime"]
                .as_str()
                .or(e["lastTimestamp"].as_str())
                .or(e["metadata"]["creationTimestamp"].as_str())
                .unwrap_or_default()
                .to_string()
        });
        events
            .iter()
            .map(|e| {
                let s = |k: &str| e[k].as_str().unwrap_or_default().to_string();
                (s("type"), s("reason"), s("message"))
            })
            .collect()
    }

    fn event_reasons(&self) -> Vec<String> {
        self.events().into_iter().map(|(_, r, _)| r).collect()
    }

    /// `report.json` (parsed) and `report.md` of a scan version.
    fn report(&self, version: i64) -> (Value, String) {
        let cm = self.get_json(&["configmap", &format!("{SCAN}-report-v{version}")]);
        let json_text = cm["data"]["report.json"].as_str().expect("report.json");
        let md = cm["data"]["report.md"]
            .as_str()
            .expect("report.md")
            .to_string();
        (
            serde_json::from_str(json_text).expect("report.json parses"),
            md,
        )
    }

    /// Crawler pods of the scan (any phase).
    fn crawler_pods(&self) -> Vec<Value> {
        self.items(&["pods", "-l", "app.kubernetes.io/component=crawler"])
    }

    /// The crawler pod whose process runs right now.
    fn running_crawler(&self) -> Option<String> {
        self.crawler_pods().iter().find_map(|p| {
            let name = p["metadata"]["name"].as_str()?;
            (p["metadata"]["deletionTimestamp"].is_null()
                && self.env.node().pod_pid(&self.ns, name).is_some())
            .then(|| name.to_string())
        })
    }

    /// Crawler pods with a live process.
    fn live_crawler_processes(&self) -> usize {
        self.crawler_pods()
            .iter()
            .filter_map(|p| p["metadata"]["name"].as_str())
            .filter(|n| self.env.node().pod_pid(&self.ns, n).is_some())
            .count()
    }

    fn operator_pod_names(&self) -> Vec<String> {
        self.items(&["pods", "-l", "app.kubernetes.io/name=cira-operator"])
            .iter()
            .filter_map(|p| p["metadata"]["name"].as_str().map(str::to_string))
            .collect()
    }

    fn note_operator_pods(&self) {
        let mut seen = self.operator_pods.lock().unwrap_or_else(|p| p.into_inner());
        for name in self.operator_pod_names() {
            if !seen.contains(&name) {
                seen.push(name);
            }
        }
    }

    /// Logs of every operator pod seen so far.
    fn operator_logs(&self) -> String {
        self.note_operator_pods();
        let pods = self
            .operator_pods
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        pods.iter()
            .map(|p| format!("--- {p}\n{}", self.env.node().pod_logs(&self.ns, p)))
            .collect()
    }

    fn crawler_logs(&self) -> String {
        let mut pods: Vec<String> = self
            .crawler_pods()
            .iter()
            .filter_map(|p| p["metadata"]["name"].as_str().map(str::to_string))
            .collect();
        pods.sort();
        pods.iter()
            .map(|p| format!("--- {p}\n{}", self.env.node().pod_logs(&self.ns, p)))
            .collect()
    }

    /// What a failing assertion should show.
    fn diagnostics(&self) -> String {
        let tail = |s: String, n: usize| {
            let lines: Vec<&str> = s.lines().collect();
            lines[lines.len().saturating_sub(n)..].join("\n")
        };
        format!(
            "events: {:#?}\njobs: {}\noperator log (tail):\n{}\ncrawler log (tail):\n{}",
            self.events(),
            self.kubectl_try(&["get", "jobs,pods", "-o", "wide"])
                .unwrap_or_else(|e| e),
            tail(self.operator_logs(), 40),
            tail(self.crawler_logs(), 40),
        )
    }

    /// The report matches the site's truth, covers every page, and says
    /// what the status says.
    fn assert_report_is_complete(&self, version: i64) -> Value {
        let (report, md) = self.report(version);
        let diff = site().truth().diff(&report);
        assert!(
            diff.is_empty(),
            "the report differs from the site's truth:\n{}",
            diff.join("\n")
        );
        assert_eq!(report["scanVersion"], version);
        assert_eq!(report["company"], COMPANY_NAME);
        // Every page plus the one broken link's 404.
        assert_eq!(
            report["pagesCrawled"].as_u64(),
            Some(site().page_count() as u64 + 1),
            "pagesCrawled"
        );
        assert!(md.starts_with(&format!("# {COMPANY_NAME}")), "{md}");
        assert!(md.contains("| People | 16 |"), "{md}");
        assert_eq!(
            self.server.hits_for(DISALLOWED_PATH),
            0,
            "robots.txt disallows {DISALLOWED_PATH}"
        );
        assert_eq!(
            self.server.pages_fetched(site()),
            site().page_count(),
            "every page fetched"
        );
        report
    }

    /// The parts of a report that must not depend on interruptions: all but
    /// timing, with this server's address replaced.
    fn comparable(&self, report: &Value) -> String {
        let mut r = report.clone();
        r["timing"] = Value::Null;
        r.to_string()
            .replace(&self.server.url(), "http://sample.site/")
    }

    /// Uninstalls the release, deletes the namespace and checks that no pod
    /// and no process is left; prints the scenario's wall time.
    async fn finish(mut self) {
        self.note_operator_pods();
        let known_pods: Vec<String> = self
            .kubectl_try(&["get", "pods", "-o", "name"])
            .unwrap_or_default()
            .lines()
            .map(|l| l.trim_start_matches("pod/").to_string())
            .collect();
        let out = self
            .env
            .helm()
            .args(["uninstall", &self.release, "--namespace", &self.ns])
            .args(["--wait", "--timeout", "90s"])
            .output()
            .expect("helm runs");
        assert!(
            out.status.success(),
            "helm uninstall failed:\n{}",
            text(&out)
        );
        let out = self
            .env
            .kubectl()
            .args(["delete", "namespace", &self.ns, "--wait=false"])
            .output()
            .expect("kubectl runs");
        assert!(out.status.success(), "{}", text(&out));
        let ns = self.ns.clone();
        let env = self.env;
        wait_for(
            "every process of the scenario to end",
            Duration::from_secs(90),
            || {
                let known = known_pods.clone();
                let ns = ns.clone();
                async move {
                    let left: Vec<&String> = known
                        .iter()
                        .filter(|p| env.node().pod_pid(&ns, p).is_some())
                        .collect();
                    left.is_empty().then_some(())
                }
            },
        )
        .await
        .expect("nothing left running");
        self.finished = true;
        eprintln!(
            "[e2e] scenario {} took {:.1}s",
            self.name,
            self.begin.elapsed().as_secs_f64()
        );
    }
}

impl Drop for Scenario<'_> {
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        // A failed scenario: remove what it made, without waiting.
        let _ = self
            .env
            .helm()
            .args(["uninstall", &self.release, "--namespace", &self.ns])
            .output();
        let _ = self
            .env
            .kubectl()
            .args(["delete", "namespace", &self.ns, "--wait=false"])
            .output();
    }
}

/// The report of an uninterrupted scan, made once by the crawler's local
/// mode with the same crawl settings, in comparable form.
async fn reference_report() -> &'static String {
    static REFERENCE: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    REFERENCE
        .get_or_init(|| async {
            let crawler = tokio::task::spawn_blocking(|| {
                workspace_binary("cira-crawler", "cira-crawler").expect("crawler builds")
            })
            .await
            .expect("build task");
            let server = site().serve().await.expect("serves");
            let dir = tempfile::tempdir().expect("temp dir");
            let out = tokio::process::Command::new(crawler)
                .args(["scan", &server.url(), "--state-dir"])
                .arg(dir.path())
                .args(["--company-name", COMPANY_NAME, "--allow-private-networks"])
                .args([
                    "--max-pages",
                    "1000",
                    "--max-depth",
                    "10",
                    "--concurrency",
                    "4",
                ])
                .args(["--requests-per-second", "200", "--plain-progress"])
                .kill_on_drop(true)
                .output()
                .await
                .expect("the local crawler runs");
            assert!(out.status.success(), "local reference scan: {}", text(&out));
            let report: Value = serde_json::from_str(
                &std::fs::read_to_string(dir.path().join("report.json")).expect("report.json"),
            )
            .expect("parses");
            let mut r = report;
            r["timing"] = Value::Null;
            r.to_string().replace(&server.url(), "http://sample.site/")
        })
        .await
}

/// The cluster report equals the uninterrupted local one (all but timing).
async fn assert_same_as_uninterrupted(s: &Scenario<'_>, report: &Value) {
    let reference = reference_report().await;
    let got = s.comparable(report);
    if &got != reference {
        let a: Value = serde_json::from_str(reference).expect("json");
        let b: Value = serde_json::from_str(&got).expect("json");
        let mut differing = Vec::new();
        if let (Some(a), Some(b)) = (a.as_object(), b.as_object()) {
            for (k, v) in a {
                if b.get(k) != Some(v) {
                    differing.push(k.clone());
                }
            }
        }
        panic!("the report differs from an uninterrupted scan's in {differing:?}");
    }
}

// ---------------------------------------------------------------------------
// Scenario 1
// ---------------------------------------------------------------------------

/// A fresh scan reaches Completed and its report's entities equal the site's
/// truth.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e2e_01_fresh_scan_completes_with_the_site_truth() {
    let s = Scenario::start("fresh", &[]).await;
    s.apply_scan(json!({}));
    let scan = s.wait_phase(&["Completed"], SCAN_TIMEOUT).await;

    let status = &scan["status"];
    assert_eq!(status["scanVersion"], 1);
    assert_eq!(status["report"]["configMap"], format!("{SCAN}-report-v1"));
    let counts: BTreeMap<String, u64> =
        serde_json::from_value(status["report"]["counts"].clone()).expect("counts");
    assert_eq!(counts, site().truth().counts(), "status.report.counts");
    let ready = status["conditions"]
        .as_array()
        .expect("conditions")
        .iter()
        .find(|c| c["type"] == "Ready")
        .expect("a Ready condition");
    assert_eq!(ready["status"], "True", "{ready}");
    assert!(status["completedAt"].is_string(), "{status}");

    let report = s.assert_report_is_complete(1);
    assert_eq!(
        s.server.refetches(site()),
        0,
        "an uninterrupted scan fetches each page once"
    );
    assert_same_as_uninterrupted(&s, &report).await;

    let reasons = s.event_reasons();
    for expected in ["Started", "Completed"] {
        assert!(
            reasons.iter().any(|r| r == expected),
            "no {expected} Event in {reasons:?}"
        );
    }
    let job = s.get_json(&["job", &format!("{SCAN}-v1")]);
    assert_eq!(job["status"]["succeeded"], 1, "{}", job["status"]);
    assert_eq!(s.live_crawler_processes(), 0);
    wait_for(
        "the operator pod to be Ready",
        Duration::from_secs(30),
        || async { (s.ready_operator_pods() == 1).then_some(()) },
    )
    .await
    .unwrap_or_else(|e| {
        panic!(
            "{e} (`helm install --wait` would hang)\n{}",
            s.diagnostics()
        )
    });
    s.finish().await;
}

// ---------------------------------------------------------------------------
// Scenario 2
// ---------------------------------------------------------------------------

/// Pause at about a third: the pod goes away, the phase is Paused, progress
/// stays frozen, a checkpoint exists. Resume: Completed with the same report
/// as an uninterrupted scan.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e2e_02_pause_and_resume() {
    let s = Scenario::start("pause", &[]).await;
    // Slow enough to pause a third of the way through.
    s.apply_scan(json!({"crawl": {"requestsPerSecond": 30}}));
    s.wait_pages_fetched(site().page_count() / 3, SCAN_TIMEOUT)
        .await;
    let crawler = s.running_crawler().expect("a running crawler pod");
    s.patch_scan(json!({"spec": {"desiredState": "Paused"}}));
    let paused = s.wait_phase(&["Paused"], REACT_TIMEOUT).await;

    // The pod went away, and nothing moves while paused.
    wait_for("the crawler process to end", REACT_TIMEOUT, || async {
        (s.live_crawler_processes() == 0).then_some(())
    })
    .await
    .expect("no crawler runs while paused");
    // A pause suspends the Job: the crawler sees that and exits 0.
    let exit = wait_for("the paused crawler's exit", REACT_TIMEOUT, || async {
        s.env.node().pod_exits(&s.ns, &crawler).last().cloned()
    })
    .await
    .expect("the paused crawler exited");
    assert_eq!(exit.exit_code, 0, "{exit:?}");
    let checkpoint = &paused["status"]["checkpoint"];
    let saved_pages = checkpoint["pagesVisited"].as_u64().unwrap_or(0);
    assert!(saved_pages > 0, "a checkpoint with pages: {checkpoint}");
    assert!(paused["status"]["pausedAt"].is_string());
    let checkpoints = s.items(&["configmaps", "-l", "app.kubernetes.io/component=checkpoint"]);
    assert!(!checkpoints.is_empty(), "checkpoint ConfigMaps exist");
    let fetched = s.server.pages_fetched(site());
    assert!(
        fetched < site().page_count(),
        "paused before the end ({fetched} pages)"
    );
    let hits_before: u64 = s.server.hits().values().sum();
    let progress_before = paused["status"]["progress"].clone();
    // Observe for a few seconds that neither the site nor the status moves.
    let watch_until = Instant::now() + Duration::from_secs(4);
    while Instant::now() < watch_until {
        let scan = s.scan();
        assert_eq!(scan["status"]["phase"], "Paused");
        assert_eq!(
            scan["status"]["progress"]["pagesCrawled"], progress_before["pagesCrawled"],
            "progress frozen"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert_eq!(
        s.server.hits().values().sum::<u64>(),
        hits_before,
        "no request while paused"
    );
    let job = s.get_json(&["job", &format!("{SCAN}-v1")]);
    assert_eq!(job["spec"]["suspend"], true, "the Job is suspended");

    s.patch_scan(json!({"spec": {"desiredState": "Running"}}));
    let done = s.wait_phase(&["Completed"], SCAN_TIMEOUT).await;
    assert!(done["status"]["totalPausedSeconds"].as_i64().unwrap_or(0) >= 4);
    let report = s.assert_report_is_complete(1);
    assert!(
        s.server.refetches(site()) <= EVERY_PAGES,
        "a pause refetches at most everyPages pages, got {}",
        s.server.refetches(site())
    );
    assert_same_as_uninterrupted(&s, &report).await;
    let reasons = s.event_reasons();
    for expected in ["Paused", "Resumed", "Completed"] {
        assert!(
            reasons.iter().any(|r| r == expected),
            "no {expected} Event in {reasons:?}"
        );
    }
    s.finish().await;
}

/// The Job's conditions that are True, by type.
fn true_job_conditions(job: &Value) -> Vec<String> {
    job["status"]["conditions"]
        .as_array()
        .map(|cs| {
            cs.iter()
                .filter(|c| c["status"] == "True")
                .filter_map(|c| c["type"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// A pause can never end as a completed Job or a Failed scan, even when it
/// races with other stops. kube-controller-manager is stopped (SIGSTOP) for
/// 20 s right before the pause, so the Job is suspended but nobody deletes
/// its pod; the pod is then evicted while the Job is suspended (SIGTERM from
/// a disruption, not from the Job controller). The crawler saves and exits;
/// the scan ends Paused, never Failed or Completed, and the Job is neither
/// Complete nor Failed before or after the controller manager is back.
/// Resume finishes with the full report.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e2e_15_pause_races_an_eviction_with_the_controller_manager_stopped() {
    // Its own control plane: a stopped controller manager would stall every
    // other scenario's Jobs on the shared one.
    let env = TestEnv::start().await.expect("a private control plane");
    let s = Scenario::start_in(&env, "pauserace", &[]).await;
    s.apply_scan(json!({"crawl": {"requestsPerSecond": 30}}));
    s.wait_pages_fetched(site().page_count() / 3, SCAN_TIMEOUT)
        .await;
    let crawler = s.running_crawler().expect("a running crawler pod");
    let job_name = format!("{SCAN}-v1");
    // Asserted over and over while the race plays out.
    let never_finished = |when: &str| {
        let scan = s.scan();
        let phase = scan["status"]["phase"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert!(
            !matches!(phase.as_str(), "Failed" | "Completed" | "TimedOut"),
            "{when}: the scan is {phase}\n{}",
            s.diagnostics()
        );
        let conditions = true_job_conditions(&s.get_json(&["job", &job_name]));
        assert!(
            !conditions.iter().any(|c| c == "Complete" || c == "Failed"),
            "{when}: the Job is {conditions:?}\n{}",
            s.diagnostics()
        );
    };

    let stopped = env.stop_controller_manager();
    let stopped_at = Instant::now();
    s.patch_scan(json!({"spec": {"desiredState": "Paused"}}));
    wait_for("the Job to be suspended", REACT_TIMEOUT, || async {
        (s.get_json(&["job", &job_name])["spec"]["suspend"] == true).then_some(())
    })
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", s.diagnostics()));
    assert!(
        env.node().pod_pid(&s.ns, &crawler).is_some(),
        "with no Job controller, the suspended Job's pod still runs"
    );
    never_finished("suspended, pod still running");

    env.node()
        .disrupt_pod(&s.ns, &crawler)
        .await
        .expect("evict the crawler pod");
    let exit = wait_for("the evicted crawler's exit", REACT_TIMEOUT, || async {
        env.node().pod_exits(&s.ns, &crawler).last().cloned()
    })
    .await
    .expect("the evicted crawler exited");
    assert_eq!(
        exit.exit_code, 0,
        "it read the Job as suspended: a pause, not an interruption: {exit:?}"
    );
    // The rest of the 20 s with the controller manager stopped.
    while stopped_at.elapsed() < Duration::from_secs(20) {
        never_finished("controller manager stopped");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    drop(stopped);

    let paused = s.wait_phase(&["Paused"], REACT_TIMEOUT).await;
    assert!(
        paused["status"]["checkpoint"]["pagesVisited"]
            .as_u64()
            .unwrap_or(0)
            > 0,
        "a checkpoint with pages: {}",
        paused["status"]["checkpoint"]
    );
    // The Job controller, back, has seen the evicted pod: it must not
    // complete or fail the suspended Job, nor start a pod for it.
    wait_for(
        "the Job controller to count the evicted pod",
        REACT_TIMEOUT,
        || async {
            let job = s.get_json(&["job", &job_name]);
            (job["status"]["active"].as_u64().unwrap_or(0) == 0
                && true_job_conditions(&job).iter().any(|c| c == "Suspended"))
            .then_some(())
        },
    )
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", s.diagnostics()));
    never_finished("controller manager back");
    assert_eq!(s.live_crawler_processes(), 0, "nothing runs while paused");
    assert_eq!(s.scan()["status"]["phase"], "Paused");

    s.patch_scan(json!({"spec": {"desiredState": "Running"}}));
    s.wait_phase(&["Completed"], SCAN_TIMEOUT).await;
    let report = s.assert_report_is_complete(1);
    assert_same_as_uninterrupted(&s, &report).await;
    s.finish().await;
}

// ---------------------------------------------------------------------------
// Scenario 3
// ---------------------------------------------------------------------------

/// SIGKILL the crawler at five random moments: Completed with the same
/// report; pages fetched twice per kill are at most everyPages.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e2e_03_crawler_killed_five_times() {
    const KILLS: usize = 5;
    let s = Scenario::start("kills", &[]).await;
    s.apply_scan(json!({"crawl": {"requestsPerSecond": 25}}));
    let seed = std::env::var("CIRA_E2E_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| fastrand::u64(..));
    eprintln!("[e2e] kill moments from seed {seed} (set CIRA_E2E_SEED to repeat)");
    let mut rng = fastrand::Rng::with_seed(seed);
    // Random moments spread over the crawl, as page counts.
    let n = site().page_count();
    let mut moments: Vec<usize> = (0..KILLS)
        .map(|i| (n * i / KILLS) + rng.usize(5..n / KILLS - 5))
        .collect();
    moments.sort_unstable();
    let mut killed = Vec::new();
    for moment in &moments {
        s.wait_pages_fetched(*moment, SCAN_TIMEOUT).await;
        let pod = wait_for("a running crawler pod", SCAN_TIMEOUT, || async {
            s.running_crawler()
        })
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", s.diagnostics()));
        s.env
            .node()
            .kill_pod_process(&s.ns, &pod)
            .await
            .expect("kill");
        eprintln!(
            "[e2e] killed {pod} at {} pages ({:.0}s)",
            s.server.pages_fetched(site()),
            s.begin.elapsed().as_secs_f64()
        );
        killed.push(pod);
    }
    s.wait_phase(&["Completed"], Duration::from_secs(600)).await;
    let report = s.assert_report_is_complete(1);
    let refetched = s.server.refetches(site());
    assert!(
        refetched <= EVERY_PAGES * KILLS as u64,
        "{refetched} pages fetched twice after {KILLS} kills; at most {} allowed",
        EVERY_PAGES * KILLS as u64
    );
    eprintln!("[e2e] {refetched} pages refetched after {KILLS} kills");
    assert_same_as_uninterrupted(&s, &report).await;
    for pod in &killed {
        let exits = s.env.node().pod_exits(&s.ns, pod);
        assert_eq!(
            exits.last().map(|e| e.exit_code),
            Some(137),
            "{pod}: {exits:?}"
        );
    }
    let job = s.get_json(&["job", &format!("{SCAN}-v1")]);
    assert_eq!(job["status"]["failed"], KILLS, "{}", job["status"]);
    assert_eq!(job["status"]["succeeded"], 1, "{}", job["status"]);
    s.finish().await;
}

// ---------------------------------------------------------------------------
// Scenario 8
// ---------------------------------------------------------------------------

/// Delete a CompanyScan mid-crawl: its Job, pods, ConfigMaps, PVC and RBAC
/// go away, and the operator logs no errors.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e2e_08_delete_mid_crawl() {
    let s = Scenario::start("delete", &[]).await;
    s.apply_scan(json!({
        "crawl": {"requestsPerSecond": 25},
        "checkpoint": {"storage": "PersistentVolumeClaim", "volumeClaim": {"size": "64Mi"}}
    }));
    s.wait_pages_fetched(60, SCAN_TIMEOUT).await;
    let claim = format!("{SCAN}-checkpoint");
    assert!(
        s.kubectl_try(&["get", "pvc", &claim]).is_ok(),
        "the claim exists"
    );
    s.wait_phase(&["Crawling"], REACT_TIMEOUT).await;
    s.kubectl(&["delete", "companyscan", SCAN, "--timeout=90s"]);

    let label = format!("cira.dev/scan={SCAN}");
    wait_for(
        "everything of the scan to be gone",
        Duration::from_secs(120),
        || async {
            let left = s
                .kubectl_try(&[
                    "get",
                    "jobs,pods,configmaps,pvc,serviceaccounts,roles,rolebindings",
                    "-l",
                    &label,
                    "-o",
                    "name",
                ])
                .ok()?;
            let left: Vec<&str> = left.lines().filter(|l| !l.is_empty()).collect();
            let named = ["pvc", "serviceaccount", "role", "rolebinding"]
                .iter()
                .filter(|kind| {
                    let name = if **kind == "pvc" {
                        claim.clone()
                    } else {
                        format!("{SCAN}-crawler")
                    };
                    s.kubectl_try(&["get", kind, &name]).is_ok()
                })
                .count();
            (left.is_empty() && named == 0 && s.live_crawler_processes() == 0).then_some(())
        },
    )
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", s.diagnostics()));
    wait_for(
        "the claim's folder to be removed",
        Duration::from_secs(30),
        || async { (!s.env.node().claim_dir(&s.ns, &claim).exists()).then_some(()) },
    )
    .await
    .expect("claim folder removed");
    let logs = s.operator_logs();
    let errors: Vec<&str> = logs
        .lines()
        .filter(|l| l.contains("ERROR") || l.contains("\"level\":\"ERROR\""))
        .collect();
    assert!(
        errors.is_empty(),
        "the operator logged errors:\n{}",
        errors.join("\n")
    );
    s.finish().await;
}

// ---------------------------------------------------------------------------
// Scenario 6
// ---------------------------------------------------------------------------

/// A timeout, then a raised timeout: the scan resumes and completes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e2e_06_timeout_then_raised_timeout() {
    let s = Scenario::start("timeout", &[]).await;
    // The time runs out once the crawler has saved a checkpoint, however
    // long its start took on a busy machine: then the timeout is lowered
    // to the minimum, 1s, which the active time has already passed or soon
    // will.
    s.apply_scan(json!({"crawl": {"requestsPerSecond": 10}, "timeout": "10m"}));
    wait_for("a first checkpoint", SCAN_TIMEOUT, || async {
        let scan = s.scan();
        (scan["status"]["checkpoint"]["pagesVisited"]
            .as_u64()
            .unwrap_or(0)
            > 0)
        .then_some(())
    })
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", s.diagnostics()));
    s.patch_scan(json!({"spec": {"timeout": "1s"}}));
    let timed_out = s.wait_phase(&["TimedOut"], REACT_TIMEOUT).await;
    wait_for("the crawler process to end", REACT_TIMEOUT, || async {
        (s.live_crawler_processes() == 0).then_some(())
    })
    .await
    .expect("no crawler runs after the timeout");
    let fetched = s.server.pages_fetched(site());
    assert!(
        fetched < site().page_count(),
        "timed out before the end ({fetched} pages)"
    );
    let events = s.events();
    assert!(
        events
            .iter()
            .any(|(t, r, _)| t == "Warning" && r == "TimedOut"),
        "a TimedOut Warning Event: {events:?}"
    );
    let checkpoint =
        s.wait_phase(&["TimedOut"], REACT_TIMEOUT).await["status"]["checkpoint"].clone();
    assert!(
        checkpoint["pagesVisited"].as_u64().unwrap_or(0) > 0,
        "the checkpoint is kept: {checkpoint} (status {})",
        timed_out["status"]
    );

    s.patch_scan(json!({"spec": {"timeout": "10m"}}));
    s.wait_phase(&["Completed"], SCAN_TIMEOUT).await;
    s.assert_report_is_complete(1);
    assert!(
        s.server.refetches(site()) <= EVERY_PAGES,
        "resuming after the timeout refetches at most everyPages pages, got {}",
        s.server.refetches(site())
    );
    let reasons = s.event_reasons();
    assert!(
        reasons.iter().any(|r| r == "TimeoutExtended"),
        "{reasons:?}"
    );
    s.finish().await;
}

// ---------------------------------------------------------------------------
// Scenario 7
// ---------------------------------------------------------------------------

/// Rescan: a version 2 report; version 1 kept per historyLimit (1), and
/// dropped once version 3 is done.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e2e_07_rescan_keeps_history() {
    let s = Scenario::start("rescan", &[]).await;
    s.apply_scan(json!({"report": {"historyLimit": 1}}));
    s.wait_phase(&["Completed"], SCAN_TIMEOUT).await;
    s.assert_report_is_complete(1);

    s.patch_scan(json!({"spec": {"rescan": 1}}));
    let v2 = wait_for("scan version 2 to complete", SCAN_TIMEOUT, || async {
        let scan = s.scan();
        (scan["status"]["scanVersion"] == 2 && scan["status"]["phase"] == "Completed")
            .then_some(scan)
    })
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", s.diagnostics()));
    let report = &v2["status"]["report"];
    assert_eq!(report["scanVersion"], 2, "{report}");
    assert_eq!(report["configMap"], format!("{SCAN}-report-v2"));
    assert_eq!(report["history"][0]["scanVersion"], 1, "{report}");
    let (v2_report, _) = s.report(2);
    assert!(
        site().truth().diff(&v2_report).is_empty(),
        "v2 report matches the truth"
    );
    assert_eq!(v2_report["scanVersion"], 2);
    assert!(
        s.kubectl_try(&["get", "configmap", &format!("{SCAN}-report-v1")])
            .is_ok()
    );
    let reasons = s.event_reasons();
    assert!(reasons.iter().any(|r| r == "RescanStarted"), "{reasons:?}");

    s.patch_scan(json!({"spec": {"rescan": 2}}));
    wait_for("scan version 3 to complete", SCAN_TIMEOUT, || async {
        let scan = s.scan();
        (scan["status"]["scanVersion"] == 3 && scan["status"]["phase"] == "Completed").then_some(())
    })
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", s.diagnostics()));
    wait_for(
        "the version 1 report to be dropped",
        REACT_TIMEOUT,
        || async {
            s.kubectl_try(&["get", "configmap", &format!("{SCAN}-report-v1")])
                .is_err()
                .then_some(())
        },
    )
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", s.diagnostics()));
    assert!(
        s.kubectl_try(&["get", "configmap", &format!("{SCAN}-report-v2")])
            .is_ok()
    );
    assert!(
        s.kubectl_try(&["get", "configmap", &format!("{SCAN}-report-v3")])
            .is_ok()
    );
    let history = &s.scan()["status"]["report"]["history"];
    assert_eq!(history.as_array().map(Vec::len), Some(1), "{history}");
    assert_eq!(history[0]["scanVersion"], 2, "{history}");
    s.finish().await;
}

// ---------------------------------------------------------------------------
// Scenario 9
// ---------------------------------------------------------------------------

/// A checkpoint ConfigMap corrupted by hand: the crawler falls back to the
/// previous generation, a Warning Event says so, and the scan completes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e2e_09_corrupt_checkpoint_falls_back() {
    let s = Scenario::start("corrupt", &[]).await;
    s.apply_scan(json!({"crawl": {"requestsPerSecond": 25}}));
    // Both slots hold a snapshot (journal ConfigMaps carry no chunk number).
    wait_for("two checkpoint snapshots", SCAN_TIMEOUT, || async {
        let slots: Vec<Value> =
            s.items(&["configmaps", "-l", "app.kubernetes.io/component=checkpoint"]);
        let snapshots = slots
            .iter()
            .filter(|cm| cm["metadata"]["annotations"]["cira.dev/checkpoint-chunk"] == "0")
            .count();
        (snapshots >= 2).then_some(())
    })
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", s.diagnostics()));
    s.wait_pages_fetched(site().page_count() / 3, SCAN_TIMEOUT)
        .await;
    s.patch_scan(json!({"spec": {"desiredState": "Paused"}}));
    s.wait_phase(&["Paused"], REACT_TIMEOUT).await;
    wait_for("the crawler process to end", REACT_TIMEOUT, || async {
        (s.live_crawler_processes() == 0).then_some(())
    })
    .await
    .expect("no crawler while paused");

    // Corrupt chunk 0 of the newest generation; keep its annotations, so
    // only the checksum can tell.
    let slots = s.items(&["configmaps", "-l", "app.kubernetes.io/component=checkpoint"]);
    let generation = |cm: &Value| {
        cm["metadata"]["annotations"]["cira.dev/checkpoint-generation"]
            .as_str()
            .and_then(|g| g.parse::<u64>().ok())
            .unwrap_or(0)
    };
    let newest = slots
        .iter()
        .filter(|cm| cm["metadata"]["annotations"]["cira.dev/checkpoint-chunk"] == "0")
        .max_by_key(|cm| generation(cm))
        .expect("a checkpoint chunk 0");
    let newest_name = newest["metadata"]["name"].as_str().expect("name");
    let newest_generation = generation(newest);
    s.kubectl(&[
        "patch",
        "configmap",
        newest_name,
        "--type",
        "merge",
        "-p",
        &json!({"binaryData": {"checkpoint.bin": "VGhpcyBpcyBub3QgYSBjaGVja3BvaW50Lg=="}})
            .to_string(),
    ]);
    eprintln!("[e2e] corrupted {newest_name} (generation {newest_generation})");

    s.patch_scan(json!({"spec": {"desiredState": "Running"}}));
    s.wait_phase(&["Completed"], SCAN_TIMEOUT).await;
    s.assert_report_is_complete(1);
    let logs = s.crawler_logs();
    assert!(
        logs.to_lowercase().contains("corrupt"),
        "the crawler says it fell back:\n{logs}"
    );
    let events = s.events();
    assert!(
        events.iter().any(|(t, r, m)| t == "Warning"
            && r == "CheckpointRecovered"
            && m.contains("unreadable")),
        "a Warning Event about the corrupt checkpoint: {events:#?}"
    );
    let status = s.scan()["status"]["checkpoint"].clone();
    assert!(
        status["recoveredFromCorruption"].is_string(),
        "status.checkpoint says the scan fell back: {status}"
    );
    s.finish().await;
}

// ---------------------------------------------------------------------------
// Scenario 11
// ---------------------------------------------------------------------------

/// Evict the crawler pod (the DisruptionTarget condition, then SIGTERM), then
/// delete its replacement with kubectl (SIGTERM only): each crawler saves a
/// checkpoint and exits 4, the Job's pod failure policy ignores both, and the
/// next pod resumes. Exit 0 here would complete the Job without a report.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e2e_11_crawler_evicted_then_deleted() {
    let s = Scenario::start("evict", &[]).await;
    s.apply_scan(json!({"crawl": {"requestsPerSecond": 25}}));
    let n = site().page_count();
    let mut stopped = Vec::new();
    for (at, how) in [(n / 4, "evict"), (n / 2, "delete")] {
        s.wait_pages_fetched(at, SCAN_TIMEOUT).await;
        let pod = wait_for("a running crawler pod", SCAN_TIMEOUT, || async {
            s.running_crawler().filter(|p| !stopped.contains(p))
        })
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", s.diagnostics()));
        if how == "evict" {
            s.env
                .node()
                .disrupt_pod(&s.ns, &pod)
                .await
                .expect("evict the crawler pod");
        } else {
            s.kubectl(&["delete", "pod", &pod, "--wait=false"]);
        }
        eprintln!(
            "[e2e] {how}: {pod} at {} pages",
            s.server.pages_fetched(site())
        );
        stopped.push(pod);
    }
    s.wait_phase(&["Completed"], SCAN_TIMEOUT).await;
    let report = s.assert_report_is_complete(1);
    for pod in &stopped {
        let exits = s.env.node().pod_exits(&s.ns, pod);
        assert_eq!(
            exits.last().map(|e| e.exit_code),
            Some(4),
            "{pod} saved and exited 4: {exits:?}"
        );
    }
    let job = s.get_json(&["job", &format!("{SCAN}-v1")]);
    assert_eq!(
        job["status"]["failed"].as_u64().unwrap_or(0),
        0,
        "interruptions do not count as failures: {}",
        job["status"]
    );
    assert_eq!(job["status"]["succeeded"], 1, "{}", job["status"]);
    let refetched = s.server.refetches(site());
    assert!(
        refetched <= 2 * EVERY_PAGES,
        "{refetched} pages fetched twice after two graceful stops"
    );
    assert_same_as_uninterrupted(&s, &report).await;
    s.finish().await;
}

// ---------------------------------------------------------------------------
// Scenario 10
// ---------------------------------------------------------------------------

/// PersistentVolumeClaim checkpoint storage (the node agent maps the claim
/// to a local folder) through a pause and a crash.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e2e_10_pvc_storage_through_pause_and_crash() {
    let s = Scenario::start("pvc", &[]).await;
    s.apply_scan(json!({
        "crawl": {"requestsPerSecond": 30},
        "checkpoint": {"storage": "PersistentVolumeClaim", "volumeClaim": {"size": "64Mi"}}
    }));
    let claim = format!("{SCAN}-checkpoint");
    s.wait_pages_fetched(site().page_count() / 3, SCAN_TIMEOUT)
        .await;
    s.patch_scan(json!({"spec": {"desiredState": "Paused"}}));
    let paused = s.wait_phase(&["Paused"], REACT_TIMEOUT).await;
    assert_eq!(
        paused["status"]["checkpoint"]["storage"], "PersistentVolumeClaim",
        "{}",
        paused["status"]
    );
    let dir = s.env.node().claim_dir(&s.ns, &claim);
    let files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("claim folder {}: {e}", dir.display()))
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        files
            .iter()
            .any(|f| f.starts_with("checkpoint-") && f.ends_with(".bin")),
        "checkpoint files on the claim: {files:?}"
    );
    assert!(
        s.items(&["configmaps", "-l", "app.kubernetes.io/component=checkpoint"])
            .is_empty(),
        "no checkpoint ConfigMaps with PVC storage"
    );

    s.patch_scan(json!({"spec": {"desiredState": "Running"}}));
    s.wait_pages_fetched(site().page_count() * 2 / 3, SCAN_TIMEOUT)
        .await;
    let pod = wait_for("a running crawler pod", SCAN_TIMEOUT, || async {
        s.running_crawler()
    })
    .await
    .expect("crawler runs");
    s.env
        .node()
        .kill_pod_process(&s.ns, &pod)
        .await
        .expect("kill");
    s.wait_phase(&["Completed"], Duration::from_secs(300)).await;
    let report = s.assert_report_is_complete(1);
    assert!(
        s.server.refetches(site()) <= 2 * EVERY_PAGES,
        "a pause and a crash refetch at most 2 x everyPages pages, got {}",
        s.server.refetches(site())
    );
    let on_claim = dir.join("reports/v1/report.json");
    let file: Value = serde_json::from_str(
        &std::fs::read_to_string(&on_claim)
            .unwrap_or_else(|e| panic!("{}: {e}", on_claim.display())),
    )
    .expect("report on the claim parses");
    assert_eq!(
        s.comparable(&file),
        s.comparable(&report),
        "same report on the claim"
    );
    assert_same_as_uninterrupted(&s, &report).await;
    s.finish().await;
}

// ---------------------------------------------------------------------------
// Scenario 4
// ---------------------------------------------------------------------------

/// Counts crawler Jobs and live crawler processes of the scan until stopped;
/// the largest numbers seen at any one time.
fn watch_for_doubles(
    s: &Scenario<'static>,
) -> (Arc<Mutex<(usize, usize)>>, tokio::sync::oneshot::Sender<()>) {
    let max = Arc::new(Mutex::new((0usize, 0usize)));
    let (stop_tx, mut stop_rx) = tokio::sync::oneshot::channel::<()>();
    let env = s.env;
    let ns = s.ns.clone();
    let seen = max.clone();
    tokio::spawn(async move {
        loop {
            let jobs = env
                .kubectl()
                .args([
                    "get",
                    "jobs",
                    "-n",
                    &ns,
                    "-l",
                    &format!("cira.dev/scan={SCAN}"),
                ])
                .args(["-o", "name"])
                .output()
                .map(|o| String::from_utf8_lossy(&o.stdout).lines().count())
                .unwrap_or(0);
            let pods = env
                .kubectl()
                .args([
                    "get",
                    "pods",
                    "-n",
                    &ns,
                    "-l",
                    "app.kubernetes.io/component=crawler",
                ])
                .args(["-o", "name"])
                .output()
                .map(|o| {
                    String::from_utf8_lossy(&o.stdout)
                        .lines()
                        .filter(|l| {
                            env.node()
                                .pod_pid(&ns, l.trim_start_matches("pod/"))
                                .is_some()
                        })
                        .count()
                })
                .unwrap_or(0);
            {
                let mut m = seen.lock().unwrap_or_else(|p| p.into_inner());
                m.0 = m.0.max(jobs);
                m.1 = m.1.max(pods);
            }
            tokio::select! {
                _ = &mut stop_rx => break,
                _ = tokio::time::sleep(Duration::from_millis(200)) => {}
            }
        }
    });
    (max, stop_tx)
}

/// Kill the operator pod mid-scan: its replacement carries on; never two
/// crawler Jobs (or crawler processes) for the scan.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e2e_04_operator_pod_killed_mid_scan() {
    let s = Scenario::start("operator-kill", &[]).await;
    let (max, stop) = watch_for_doubles(&s);
    s.apply_scan(json!({"crawl": {"requestsPerSecond": 30}}));
    s.wait_pages_fetched(site().page_count() / 4, SCAN_TIMEOUT)
        .await;
    let old = s.operator_pod_names();
    assert_eq!(old.len(), 1, "{old:?}");
    // A crash first (restarted in place), then the pod deleted outright
    // (replaced by the ReplicaSet).
    s.env
        .node()
        .kill_pod_process(&s.ns, &old[0])
        .await
        .expect("kill the operator");
    s.kubectl(&["delete", "pod", &old[0], "--grace-period=1", "--wait=false"]);
    let replacement = wait_for("a replacement operator pod", REACT_TIMEOUT, || async {
        s.note_operator_pods();
        s.operator_pod_names()
            .into_iter()
            .find(|p| p != &old[0] && s.env.node().pod_pid(&s.ns, p).is_some())
    })
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", s.diagnostics()));
    eprintln!("[e2e] operator {} replaced by {replacement}", old[0]);
    s.wait_phase(&["Completed"], SCAN_TIMEOUT).await;
    let _ = stop.send(());
    let (jobs, pods) = *max.lock().unwrap_or_else(|p| p.into_inner());
    assert_eq!(jobs, 1, "at most one crawler Job at any time");
    assert_eq!(pods, 1, "at most one crawler process at any time");
    s.assert_report_is_complete(1);
    let logs = s.env.node().pod_logs(&s.ns, &replacement);
    assert!(
        logs.contains(SCAN),
        "the replacement reconciled the scan:\n{logs}"
    );
    s.finish().await;
}

// ---------------------------------------------------------------------------
// Scenario 5
// ---------------------------------------------------------------------------

fn lease_holder(s: &Scenario) -> Option<String> {
    let lease = s
        .kubectl_try(&["get", "lease", "cira-operator", "-o", "json"])
        .ok()?;
    let lease: Value = serde_json::from_str(&lease).ok()?;
    lease["spec"]["holderIdentity"]
        .as_str()
        .filter(|h| !h.is_empty())
        .map(str::to_string)
}

/// Two operator replicas: only the leader acts; killing it hands over.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e2e_05_two_replicas_leader_election() {
    let s = Scenario::start("leader", &["replicaCount=2"]).await;
    let pods = s.operator_pod_names();
    assert_eq!(pods.len(), 2, "{pods:?}");
    let leader = wait_for("a Lease holder", REACT_TIMEOUT, || async {
        lease_holder(&s)
    })
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", s.diagnostics()));
    assert!(pods.contains(&leader), "{leader} is one of {pods:?}");
    let follower = pods
        .iter()
        .find(|p| **p != leader)
        .expect("a follower")
        .clone();
    let (max, stop) = watch_for_doubles(&s);
    s.apply_scan(json!({"crawl": {"requestsPerSecond": 30}}));
    s.wait_pages_fetched(site().page_count() / 4, SCAN_TIMEOUT)
        .await;
    let follower_logs = s.env.node().pod_logs(&s.ns, &follower);
    assert!(
        !follower_logs.contains("phase changed"),
        "only the leader acts; the follower logged:\n{follower_logs}"
    );
    let leader_logs = s.env.node().pod_logs(&s.ns, &leader);
    assert!(
        leader_logs.contains("phase changed"),
        "the leader acts:\n{leader_logs}"
    );

    s.kubectl(&["delete", "pod", &leader, "--grace-period=1", "--wait=false"]);
    let new_leader = wait_for("the Lease to move", Duration::from_secs(120), || async {
        s.note_operator_pods();
        lease_holder(&s).filter(|h| *h != leader)
    })
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", s.diagnostics()));
    eprintln!("[e2e] leadership moved from {leader} to {new_leader}");
    s.wait_phase(&["Completed"], SCAN_TIMEOUT).await;
    let _ = stop.send(());
    let (jobs, procs) = *max.lock().unwrap_or_else(|p| p.into_inner());
    assert_eq!(jobs, 1, "at most one crawler Job at any time");
    assert_eq!(procs, 1, "at most one crawler process at any time");
    s.assert_report_is_complete(1);
    let new_logs = s.env.node().pod_logs(&s.ns, &new_leader);
    assert!(
        new_logs.contains("phase changed"),
        "the new leader finished the scan:\n{new_logs}"
    );
    s.finish().await;
}

// ---------------------------------------------------------------------------
// Scenarios 12-14: stop and cancel
// ---------------------------------------------------------------------------

/// The Ready condition of a scan as JSON.
fn ready_condition(scan: &Value) -> Value {
    scan["status"]["conditions"]
        .as_array()
        .expect("conditions")
        .iter()
        .find(|c| c["type"] == "Ready")
        .cloned()
        .expect("a Ready condition")
}

/// A stopped scan: Completed, reason Stopped, with a report of the pages
/// crawled before the stop (fewer than the site has), and no page fetched
/// after the crawler finished.
fn assert_stopped_with_partial_report(s: &Scenario, scan: &Value) -> u64 {
    let ready = ready_condition(scan);
    assert_eq!(ready["status"], "True", "{ready}");
    assert_eq!(ready["reason"], "Stopped", "{ready}");
    let status = &scan["status"];
    assert_eq!(status["report"]["configMap"], format!("{SCAN}-report-v1"));
    let (report, md) = s.report(1);
    let pages = report["pagesCrawled"].as_u64().expect("pagesCrawled");
    assert!(
        pages > 0 && pages < site().page_count() as u64,
        "the report covers the pages crawled before the stop: {pages} of {}",
        site().page_count()
    );
    assert_eq!(
        status["progress"]["pagesCrawled"].as_u64(),
        Some(pages),
        "status and report agree"
    );
    assert!(
        s.server.pages_fetched(site()) < site().page_count(),
        "the crawl ended early"
    );
    assert!(md.starts_with(&format!("# {COMPANY_NAME}")), "{md}");
    let reasons = s.event_reasons();
    for expected in ["Stopping", "Stopped"] {
        assert!(
            reasons.iter().any(|r| r == expected),
            "no {expected} Event in {reasons:?}"
        );
    }
    pages
}

/// Stop while crawling: the crawl ends, the report has the pages so far.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e2e_12_stop_while_crawling() {
    let s = Scenario::start("stop", &[]).await;
    s.apply_scan(json!({"crawl": {"requestsPerSecond": 30}}));
    s.wait_pages_fetched(site().page_count() / 3, SCAN_TIMEOUT)
        .await;
    s.patch_scan(json!({"spec": {"desiredState": "Stopped"}}));
    let done = s.wait_phase(&["Completed"], REACT_TIMEOUT).await;
    let pages = assert_stopped_with_partial_report(&s, &done);
    assert!(pages >= site().page_count() as u64 / 3, "{pages}");
    let hits: u64 = s.server.hits().values().sum();
    assert_eq!(s.live_crawler_processes(), 0);
    // A stopped scan does not run again without a rescan.
    let refused = s
        .kubectl_try(&[
            "patch",
            "companyscan",
            SCAN,
            "--type",
            "merge",
            "-p",
            r#"{"spec":{"desiredState":"Running"}}"#,
        ])
        .expect_err("Stopped -> Running is refused");
    assert!(
        refused.contains("a Stopped scan cannot run or pause again"),
        "{refused}"
    );
    assert_eq!(s.scan()["status"]["phase"], "Completed");
    assert_eq!(s.server.hits().values().sum::<u64>(), hits);
    s.finish().await;
}

/// Stop from Paused: the Job resumes only to finish from the checkpoint,
/// without fetching another page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e2e_13_stop_from_paused() {
    let s = Scenario::start("stop-paused", &[]).await;
    s.apply_scan(json!({"crawl": {"requestsPerSecond": 30}}));
    s.wait_pages_fetched(site().page_count() / 3, SCAN_TIMEOUT)
        .await;
    s.patch_scan(json!({"spec": {"desiredState": "Paused"}}));
    s.wait_phase(&["Paused"], REACT_TIMEOUT).await;
    wait_for("the crawler process to end", REACT_TIMEOUT, || async {
        (s.live_crawler_processes() == 0).then_some(())
    })
    .await
    .expect("no crawler runs while paused");
    let hits_before: u64 = s.server.hits().values().sum();

    s.patch_scan(json!({"spec": {"desiredState": "Stopped"}}));
    let done = s.wait_phase(&["Completed"], REACT_TIMEOUT).await;
    assert_stopped_with_partial_report(&s, &done);
    assert_eq!(
        s.server.hits().values().sum::<u64>(),
        hits_before,
        "finishing a stopped scan fetches nothing"
    );
    let job = s.get_json(&["job", &format!("{SCAN}-v1")]);
    assert_eq!(job["status"]["succeeded"], 1, "{}", job["status"]);
    s.finish().await;
}

/// Cancel while crawling: phase Cancelled, no report, the Job and its pod
/// gone, the checkpoint kept; Running is refused until a rescan, which
/// starts a new version that completes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e2e_14_cancel_while_crawling() {
    let s = Scenario::start("cancel", &[]).await;
    s.apply_scan(json!({"crawl": {"requestsPerSecond": 30}}));
    s.wait_pages_fetched(site().page_count() / 3, SCAN_TIMEOUT)
        .await;
    s.patch_scan(json!({"spec": {"desiredState": "Cancelled"}}));
    let cancelled = s.wait_phase(&["Cancelled"], REACT_TIMEOUT).await;
    let ready = ready_condition(&cancelled);
    assert_eq!(ready["status"], "False", "{ready}");
    assert_eq!(ready["reason"], "Cancelled", "{ready}");
    assert!(cancelled["status"]["report"].is_null(), "no report");
    assert!(cancelled["status"]["completedAt"].is_string());

    wait_for("the crawler pod and Job to go", REACT_TIMEOUT, || async {
        let job_gone = s
            .kubectl_try(&["get", "job", &format!("{SCAN}-v1")])
            .is_err_and(|e| e.contains("NotFound") || e.contains("not found"));
        (job_gone && s.crawler_pods().is_empty() && s.live_crawler_processes() == 0).then_some(())
    })
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", s.diagnostics()));
    let checkpoints = s.items(&["configmaps", "-l", "app.kubernetes.io/component=checkpoint"]);
    assert!(!checkpoints.is_empty(), "the checkpoint is kept");
    assert!(
        s.kubectl_try(&["get", "configmap", &format!("{SCAN}-report-v1")])
            .is_err(),
        "no report ConfigMap"
    );
    assert!(
        s.event_reasons().iter().any(|r| r == "Cancelled"),
        "{:?}",
        s.event_reasons()
    );

    // Cancelled -> Running is refused by the CRD, with kubectl patch and
    // with kubectl apply.
    let refused = s
        .kubectl_try(&[
            "patch",
            "companyscan",
            SCAN,
            "--type",
            "merge",
            "-p",
            r#"{"spec":{"desiredState":"Running"}}"#,
        ])
        .expect_err("Cancelled -> Running is refused");
    assert!(
        refused.contains("a Cancelled scan stays Cancelled; raise spec.rescan"),
        "{refused}"
    );
    let mut applied = s.scan();
    applied["spec"]["desiredState"] = json!("Running");
    for key in ["status", "metadata"] {
        applied.as_object_mut().unwrap().remove(key);
    }
    applied["metadata"] = json!({"name": SCAN});
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), applied.to_string()).unwrap();
    let refused = s
        .kubectl_try(&["apply", "-f", &file.path().to_string_lossy()])
        .expect_err("apply of Running over Cancelled is refused");
    assert!(
        refused.contains("a Cancelled scan stays Cancelled"),
        "{refused}"
    );
    assert_eq!(s.scan()["status"]["phase"], "Cancelled");

    // A rescan (with desiredState Running in the same change) starts
    // version 2 as usual.
    s.patch_scan(json!({"spec": {"desiredState": "Running", "rescan": 1}}));
    let done = wait_for("scan version 2 to complete", SCAN_TIMEOUT, || async {
        let scan = s.scan();
        (scan["status"]["scanVersion"] == 2 && scan["status"]["phase"] == "Completed")
            .then_some(scan)
    })
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", s.diagnostics()));
    assert_eq!(
        done["status"]["report"]["configMap"],
        format!("{SCAN}-report-v2")
    );
    s.finish().await;
}

// ---------------------------------------------------------------------------
// Scenario 16
// ---------------------------------------------------------------------------

/// A finalizer that keeps one ConfigMap of a deleted scan alive; removed
/// again when dropped, so a failing scenario can still delete its namespace.
struct Hold<'a, 'e> {
    s: &'a Scenario<'e>,
    configmap: String,
}

const HOLD_FINALIZER: &str = "e2e.cira.dev/hold";

impl Hold<'_, '_> {
    fn release(&self) -> Result<String, String> {
        self.s.kubectl_try(&[
            "patch",
            "configmap",
            &self.configmap,
            "--type",
            "merge",
            "-p",
            r#"{"metadata":{"finalizers":null}}"#,
        ])
    }
}

impl Drop for Hold<'_, '_> {
    fn drop(&mut self) {
        let _ = self.release();
    }
}

fn uid_of(item: &Value) -> String {
    item["metadata"]["uid"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn owner_uids(item: &Value) -> Vec<String> {
    item["metadata"]["ownerReferences"]
        .as_array()
        .map(|owners| {
            owners
                .iter()
                .filter_map(|o| o["uid"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Delete a scan that has a checkpoint and create it again under the same
/// name while one of its checkpoint ConfigMaps is still there (held by a
/// finalizer, as a slow garbage collector would leave it): the new scan
/// waits for it instead of adopting it, then starts from zero (every page
/// fetched again, version 1, nothing resumed) and owns only new objects.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e2e_16_deleted_and_recreated_scan_starts_over() {
    let s = Scenario::start("recreate", &[]).await;
    s.apply_scan(json!({"crawl": {"requestsPerSecond": 30}}));
    s.wait_pages_fetched(site().page_count() / 3, SCAN_TIMEOUT)
        .await;
    let old = wait_for("a checkpoint of the first scan", REACT_TIMEOUT, || async {
        let scan = s.scan();
        (scan["status"]["checkpoint"]["pagesVisited"].as_u64() > Some(0)).then_some(scan)
    })
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", s.diagnostics()));
    let old_uid = uid_of(&old);
    let generation = |cm: &Value| {
        cm["metadata"]["annotations"]["cira.dev/checkpoint-generation"]
            .as_str()
            .and_then(|g| g.parse::<u64>().ok())
            .unwrap_or(0)
    };
    let newest = s
        .items(&["configmaps", "-l", "app.kubernetes.io/component=checkpoint"])
        .into_iter()
        .filter(|cm| cm["metadata"]["annotations"]["cira.dev/checkpoint-chunk"] == "0")
        .max_by_key(generation)
        .expect("a checkpoint snapshot of the first scan");
    let hold = Hold {
        s: &s,
        configmap: newest["metadata"]["name"]
            .as_str()
            .expect("name")
            .to_string(),
    };
    s.kubectl(&[
        "patch",
        "configmap",
        &hold.configmap,
        "--type",
        "merge",
        "-p",
        &json!({"metadata": {"finalizers": [HOLD_FINALIZER]}}).to_string(),
    ]);
    let kinds = "jobs,configmaps,serviceaccounts,roles,rolebindings,networkpolicies";
    let label = format!("cira.dev/scan={SCAN}");
    let old_objects: Vec<String> = s.items(&[kinds, "-l", &label]).iter().map(uid_of).collect();
    assert!(old_objects.len() > 5, "{old_objects:?}");

    s.kubectl(&["delete", "companyscan", SCAN]);
    // The garbage collector deletes the first scan's objects; the held one
    // stays, marked for deletion.
    let held = wait_for(
        "the first scan's crawler to end and its ConfigMap to be marked",
        REACT_TIMEOUT,
        || async {
            let held = s.get_json(&["configmap", &hold.configmap]);
            (s.live_crawler_processes() == 0 && held["metadata"]["deletionTimestamp"].is_string())
                .then_some(held)
        },
    )
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", s.diagnostics()));
    s.server.reset_hits();

    s.apply_scan(json!({}));
    let new_uid = uid_of(&s.scan());
    assert_ne!(new_uid, old_uid);
    // The operator waits for the old scan's ConfigMap and leaves it alone.
    wait_for(
        "the operator to wait for the first scan's ConfigMap",
        REACT_TIMEOUT,
        || async {
            s.operator_logs()
                .lines()
                .any(|l| l.contains("earlier scan with this name") && l.contains(&hold.configmap))
                .then_some(())
        },
    )
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", s.diagnostics()));
    let new_jobs: Vec<Value> = s
        .items(&["jobs"])
        .into_iter()
        .filter(|j| owner_uids(j).contains(&new_uid))
        .collect();
    assert!(
        new_jobs.is_empty(),
        "no Job while the old ConfigMap is there"
    );
    assert_eq!(s.server.hits().values().sum::<u64>(), 0, "nothing fetched");
    let still = s.get_json(&["configmap", &hold.configmap]);
    assert_eq!(
        still["metadata"]["resourceVersion"], held["metadata"]["resourceVersion"],
        "the old scan's ConfigMap is not changed"
    );
    assert_eq!(owner_uids(&still), vec![old_uid.clone()]);

    hold.release().expect("the finalizer is removed");
    let done = s.wait_phase(&["Completed"], SCAN_TIMEOUT).await;
    assert_eq!(uid_of(&done), new_uid);
    assert_eq!(done["status"]["scanVersion"], 1);
    // From zero: every page fetched again, each once, nothing resumed.
    s.assert_report_is_complete(1);
    assert_eq!(s.server.refetches(site()), 0);
    let logs = s.crawler_logs();
    assert!(!logs.contains("resuming from checkpoint"), "{logs}");
    // Nothing of the first scan was adopted.
    for item in s.items(&[kinds, "-l", &label]) {
        let what = format!("{} {}", item["kind"], item["metadata"]["name"]);
        assert_eq!(owner_uids(&item), vec![new_uid.clone()], "{what}");
        assert!(!old_objects.contains(&uid_of(&item)), "{what} is adopted");
    }
    drop(hold);
    s.finish().await;
}
