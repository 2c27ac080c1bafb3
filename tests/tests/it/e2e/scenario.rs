//! What every scenario shares: the sample site, the chart install in its own
//! namespace, kubectl helpers, the teardown, and the reference report of an
//! uninterrupted scan.

use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use cira_tests::sample_site::{COMPANY_NAME, DISALLOWED_PATH, SampleSite, SiteServer};
use cira_tests::{TestEnv, wait_for, workspace_binary};
use serde_json::{Value, json};

const OPERATOR_IMAGE: &str = "ghcr.io/cira-dev/cira-operator";
const CRAWLER_IMAGE: &str = "ghcr.io/cira-dev/cira-crawler";
/// The scan's name in every scenario.
pub(super) const SCAN: &str = "nordwind";
/// `checkpoint.everyPages` of the scans.
pub(super) const EVERY_PAGES: u64 = 10;
/// `crawl.concurrency` of the scans: a kill also loses the pages in flight.
pub(super) const CONCURRENCY: u64 = 4;
/// Longest a whole scan of the sample site may take.
pub(super) const SCAN_TIMEOUT: Duration = Duration::from_secs(240);
/// Longest a phase change after a spec change may take.
pub(super) const REACT_TIMEOUT: Duration = Duration::from_secs(90);

pub(super) fn site() -> &'static SampleSite {
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
pub(super) struct Scenario<'e> {
    name: &'static str,
    pub(super) env: &'e TestEnv,
    pub(super) ns: String,
    release: String,
    pub(super) server: SiteServer,
    pub(super) begin: Instant,
    /// Every operator pod name seen, for logs.
    operator_pods: Mutex<Vec<String>>,
    finished: bool,
}

impl Scenario<'static> {
    /// A scenario on the shared control plane.
    pub(super) async fn start(name: &'static str, helm_sets: &[&str]) -> Scenario<'static> {
        Scenario::start_in(TestEnv::shared().await, name, helm_sets).await
    }
}

impl<'e> Scenario<'e> {
    pub(super) async fn start_in(
        env: &'e TestEnv,
        name: &'static str,
        helm_sets: &[&str],
    ) -> Scenario<'e> {
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
    pub(super) fn ready_operator_pods(&self) -> usize {
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
    pub(super) fn kubectl(&self, args: &[&str]) -> String {
        match self.kubectl_try(args) {
            Ok(out) => out,
            Err(e) => panic!("kubectl {args:?} failed:\n{e}"),
        }
    }

    pub(super) fn kubectl_try(&self, args: &[&str]) -> Result<String, String> {
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

    pub(super) fn get_json(&self, args: &[&str]) -> Value {
        let mut all = vec!["get"];
        all.extend_from_slice(args);
        all.extend(["-o", "json"]);
        serde_json::from_str(&self.kubectl(&all)).expect("kubectl prints JSON")
    }

    pub(super) fn items(&self, args: &[&str]) -> Vec<Value> {
        self.get_json(args)["items"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// `kubectl apply` of the CompanyScan with `spec` merged over the defaults.
    pub(super) fn apply_scan(&self, spec: Value) {
        let mut full = json!({
            "company": {"name": COMPANY_NAME, "url": self.server.url()},
            "crawl": {
                "maxPages": 1000,
                "maxDepth": 10,
                "concurrency": CONCURRENCY,
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
    pub(super) fn patch_scan(&self, patch: Value) {
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

    pub(super) fn scan(&self) -> Value {
        self.get_json(&["companyscan", SCAN])
    }

    /// Waits for one of `phases`; the scan as JSON. Fails fast on an
    /// unexpected terminal phase.
    pub(super) async fn wait_phase(&self, phases: &[&str], timeout: Duration) -> Value {
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
    pub(super) async fn wait_pages_fetched(&self, pages: usize, timeout: Duration) {
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
    pub(super) fn events(&self) -> Vec<(String, String, String)> {
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

    pub(super) fn event_reasons(&self) -> Vec<String> {
        self.events().into_iter().map(|(_, r, _)| r).collect()
    }

    /// `report.json` (parsed) and `report.md` of a scan version.
    pub(super) fn report(&self, version: i64) -> (Value, String) {
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
    pub(super) fn crawler_pods(&self) -> Vec<Value> {
        self.items(&["pods", "-l", "app.kubernetes.io/component=crawler"])
    }

    /// The crawler pod whose process runs right now.
    pub(super) fn running_crawler(&self) -> Option<String> {
        self.crawler_pods().iter().find_map(|p| {
            let name = p["metadata"]["name"].as_str()?;
            (p["metadata"]["deletionTimestamp"].is_null()
                && self.env.node().pod_pid(&self.ns, name).is_some())
            .then(|| name.to_string())
        })
    }

    /// Crawler pods with a live process.
    pub(super) fn live_crawler_processes(&self) -> usize {
        self.crawler_pods()
            .iter()
            .filter_map(|p| p["metadata"]["name"].as_str())
            .filter(|n| self.env.node().pod_pid(&self.ns, n).is_some())
            .count()
    }

    pub(super) fn operator_pod_names(&self) -> Vec<String> {
        self.items(&["pods", "-l", "app.kubernetes.io/name=cira-operator"])
            .iter()
            .filter_map(|p| p["metadata"]["name"].as_str().map(str::to_string))
            .collect()
    }

    pub(super) fn note_operator_pods(&self) {
        let mut seen = self.operator_pods.lock().unwrap_or_else(|p| p.into_inner());
        for name in self.operator_pod_names() {
            if !seen.contains(&name) {
                seen.push(name);
            }
        }
    }

    /// Logs of every operator pod seen so far.
    pub(super) fn operator_logs(&self) -> String {
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

    pub(super) fn crawler_logs(&self) -> String {
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
    pub(super) fn diagnostics(&self) -> String {
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
    pub(super) fn assert_report_is_complete(&self, version: i64) -> Value {
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
    pub(super) fn comparable(&self, report: &Value) -> String {
        let mut r = report.clone();
        r["timing"] = Value::Null;
        r.to_string()
            .replace(&self.server.url(), "http://sample.site/")
    }

    /// Uninstalls the release, deletes the namespace and checks that no pod
    /// and no process is left; prints the scenario's wall time.
    pub(super) async fn finish(mut self) {
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
pub(super) async fn assert_same_as_uninterrupted(s: &Scenario<'_>, report: &Value) {
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
