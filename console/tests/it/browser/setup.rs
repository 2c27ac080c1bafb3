//! What the walk-through runs on: chromedriver, the hostile site, and the
//! Helm release with the console and its users.

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use cira_tests::sample_site::{SampleSite, SiteServer};
use cira_tests::{TestEnv, wait_for, workspace_binary};
use serde_json::{Value, json};

use crate::webdriver::Browser;

const OPERATOR_IMAGE: &str = "ghcr.io/cira-dev/cira-operator";
const CRAWLER_IMAGE: &str = "ghcr.io/cira-dev/cira-crawler";
const CONSOLE_IMAGE: &str = "ghcr.io/cira-dev/cira-console";
/// A company name a person could type, that must never run as script.
pub(super) const HOSTILE_NAME: &str =
    "Nordwind <script>window.pwned=1</script><img src=x onerror=\"window.pwned=2\">";
/// A product name the hostile site publishes in its JSON-LD.
pub(super) const HOSTILE_PRODUCT: &str = "Widget <img src=x onerror=\"window.pwned=3\">";
/// Its description, which closes and opens script elements.
pub(super) const HOSTILE_DESCRIPTION: &str = "</script><script>window.pwned=4</script>";
/// Longest wait for the cluster to react to a click.
pub(super) const REACT: Duration = Duration::from_secs(90);

pub(super) fn site() -> &'static SampleSite {
    static SITE: OnceLock<SampleSite> = OnceLock::new();
    SITE.get_or_init(SampleSite::generate)
}

pub(super) fn screenshots_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/console-screenshots");
    let _ = std::fs::create_dir_all(&dir);
    dir
}

pub(super) fn text(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// chromedriver in a process group of its own, so the browser it starts
/// goes with it however the test ends; the browser profile is a temp dir.
/// So is the browser's TMPDIR: killed, chromium leaves the scoped folders
/// it made there, which go with that dir.
pub(super) struct Driver {
    child: Child,
    port: u16,
    profile: tempfile::TempDir,
    _tmp: tempfile::TempDir,
}

impl Driver {
    pub(super) fn start() -> Driver {
        let port = free_port();
        let profile = tempfile::Builder::new()
            .prefix("cira-console-chromium-")
            .tempdir()
            .expect("profile dir");
        let tmp = tempfile::Builder::new()
            .prefix("cira-console-chromium-tmp-")
            .tempdir()
            .expect("browser temp dir");
        let child = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .env("TMPDIR", tmp.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("chromedriver starts (apt-get install chromium-driver)");
        Driver {
            child,
            port,
            profile,
            _tmp: tmp,
        }
    }

    pub(super) async fn browser(&self) -> Browser {
        let url = format!("http://127.0.0.1:{}", self.port);
        wait_for(
            "chromedriver to listen",
            Duration::from_secs(30),
            || async {
                tokio::net::TcpStream::connect(("127.0.0.1", self.port))
                    .await
                    .ok()
                    .map(|_| ())
            },
        )
        .await
        .expect("chromedriver listens");
        let caps = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--disable-dev-shm-usage", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--disable-breakpad", "--disable-crash-reporter",
                    "--window-size=1280,900",
                    format!("--user-data-dir={}", self.profile.path().display()),
                ]
            }
        });
        Browser::start(&url, caps).await.expect("a browser session")
    }
}

impl Drop for Driver {
    #[allow(unsafe_code)]
    fn drop(&mut self) {
        // SAFETY: kill(2) on the process group of our own, not yet reaped,
        // child: chromedriver and the browser it started.
        unsafe {
            libc::kill(-(self.child.id() as i32), libc::SIGKILL);
        }
        let _ = self.child.wait();
    }
}

/// A small company site whose structured data is hostile: a product name
/// and description that are HTML and script. Served on 127.0.0.1 until
/// dropped.
pub(super) struct HostileSite {
    pub(super) url: String,
    task: tokio::task::JoinHandle<()>,
}

impl HostileSite {
    async fn serve() -> HostileSite {
        let product = json!({
            "@context": "https://schema.org",
            "@type": "Product",
            "name": HOSTILE_PRODUCT,
            "description": HOSTILE_DESCRIPTION,
        });
        // `<` escaped so the JSON cannot end its own script element; the
        // crawler reads the decoded string.
        let ld = product.to_string().replace('<', "\\u003c");
        let home = format!(
            "<!doctype html><html><head><title>Hostile Widgets</title>\
             <script type=\"application/ld+json\">{ld}</script></head>\
             <body><h1>Hostile Widgets</h1><p>We make widgets.</p>\
             <a href=\"/products\">Products</a></body></html>"
        );
        let products = format!(
            "<!doctype html><html><head><title>Products</title>\
             <script type=\"application/ld+json\">{ld}</script></head>\
             <body><h1>Products</h1><p>Our widget.</p><a href=\"/\">Home</a></body></html>"
        );
        let app = axum::Router::new()
            .route(
                "/",
                axum::routing::get(move || async move { axum::response::Html(home) }),
            )
            .route(
                "/products",
                axum::routing::get(move || async move { axum::response::Html(products) }),
            );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}/", listener.local_addr().expect("addr"));
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        HostileSite { url, task }
    }
}

impl Drop for HostileSite {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The Helm release with the console, its namespace and users.
pub(super) struct Setup {
    pub(super) env: &'static TestEnv,
    pub(super) ns: String,
    release: String,
    pub(super) server: SiteServer,
    pub(super) hostile: HostileSite,
    pub(super) console_port: u16,
}

impl Setup {
    pub(super) async fn start() -> Setup {
        cira_tests::init_tracing();
        let env = TestEnv::shared().await;
        eprintln!(
            "[console] control plane started in {:.1}s",
            env.startup_time().as_secs_f64()
        );
        tokio::task::spawn_blocking(move || {
            for (image, package, bin) in [
                (OPERATOR_IMAGE, "cira-operator", "cira-operator"),
                (CRAWLER_IMAGE, "cira-crawler", "cira-crawler"),
                (CONSOLE_IMAGE, "cira-console", "cira-console"),
            ] {
                let path = workspace_binary(package, bin).expect("binary builds");
                env.node().register_image(image, path);
            }
        })
        .await
        .expect("images");
        let begin = Instant::now();
        env.install_crds().await.expect("CRDs");
        let ns = env.new_namespace("console").await.expect("namespace");
        let release = format!("cira-{ns}");
        let server = site().serve().await.expect("sample site");
        let hostile = HostileSite::serve().await;
        let mut s = Setup {
            env,
            ns,
            release,
            server,
            hostile,
            console_port: 0,
        };
        let chart = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../charts/cira-operator");
        let out = env
            .helm()
            .args(["install", &s.release])
            .arg(&chart)
            .args(["--namespace", &s.ns, "--skip-crds"])
            .args(["--set", &format!("operator.watchNamespace={}", s.ns)])
            .args(["--set", "operator.progressInterval=1s"])
            // The sites are served on 127.0.0.1.
            .args(["--set", "policy.allowPrivateNetworks=true"])
            .output()
            .expect("helm runs");
        assert!(out.status.success(), "helm install:\n{}", text(&out));
        assert!(
            text(&out).contains("port-forward service/"),
            "NOTES.txt prints the port-forward line:\n{}",
            text(&out)
        );
        // People: alice may change scans, bob may only look.
        for (user, role) in [("alice", "editor"), ("bob", "viewer")] {
            s.kubectl(&["create", "serviceaccount", user]);
            s.kubectl(&[
                "create",
                "rolebinding",
                user,
                &format!("--clusterrole={}-console-{role}", s.fullname()),
                &format!("--serviceaccount={}:{user}", s.ns),
            ]);
        }
        let pod = wait_for("the console pod to be Ready", REACT, || async {
            let pods = s.pods("app.kubernetes.io/component=console");
            let ready = pods.iter().find(|p| {
                p["status"]["conditions"].as_array().is_some_and(|cs| {
                    cs.iter()
                        .any(|c| c["type"] == "Ready" && c["status"] == "True")
                })
            })?;
            Some(ready["metadata"]["name"].as_str()?.to_string())
        })
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", s.diagnostics()));
        eprintln!(
            "[console] console pod Ready {:.1}s after helm install began",
            begin.elapsed().as_secs_f64()
        );
        s.console_port = env
            .node()
            .pod_port(&s.ns, &pod, 8080)
            .expect("the console's port");
        wait_for("the operator to run", REACT, || async {
            s.pods("app.kubernetes.io/component=operator")
                .iter()
                .filter_map(|p| p["metadata"]["name"].as_str())
                .any(|p| env.node().pod_pid(&s.ns, p).is_some())
                .then_some(())
        })
        .await
        .expect("operator runs");
        s
    }

    pub(super) fn fullname(&self) -> String {
        format!("{}-cira-operator", self.release)
    }

    pub(super) fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.console_port)
    }

    pub(super) fn scan_url(&self, name: &str) -> String {
        self.url(&format!("/scans/{}/{name}", self.ns))
    }

    pub(super) fn kubectl(&self, args: &[&str]) -> String {
        let out = self
            .env
            .kubectl()
            .args(args)
            .args(["-n", &self.ns])
            .output()
            .expect("kubectl runs");
        assert!(out.status.success(), "kubectl {args:?}:\n{}", text(&out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn pods(&self, selector: &str) -> Vec<Value> {
        let v: Value =
            serde_json::from_str(&self.kubectl(&["get", "pods", "-l", selector, "-o", "json"]))
                .expect("json");
        v["items"].as_array().cloned().unwrap_or_default()
    }

    pub(super) fn token(&self, user: &str) -> String {
        self.kubectl(&["create", "token", user, "--duration=1h"])
            .trim()
            .to_string()
    }

    pub(super) fn scans(&self) -> Vec<Value> {
        let v: Value = serde_json::from_str(&self.kubectl(&["get", "companyscans", "-o", "json"]))
            .expect("json");
        v["items"].as_array().cloned().unwrap_or_default()
    }

    pub(super) fn scan(&self, name: &str) -> Value {
        serde_json::from_str(&self.kubectl(&["get", "companyscan", name, "-o", "json"]))
            .expect("json")
    }

    /// Whether a crawler process of scan `name` runs on the test node.
    pub(super) fn crawler_running(&self, name: &str) -> bool {
        self.pods(&format!(
            "app.kubernetes.io/component=crawler,cira.dev/scan={name}"
        ))
        .iter()
        .filter_map(|p| p["metadata"]["name"].as_str())
        .any(|p| self.env.node().pod_pid(&self.ns, p).is_some())
    }

    /// `kubectl apply` of a scan with `spec`.
    pub(super) fn apply_scan(&self, name: &str, spec: Value) {
        let manifest = cira_tests::company_scan_json(name, spec);
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("scan.json");
        std::fs::write(&file, manifest.to_string()).expect("write");
        self.kubectl(&["apply", "-f", file.to_str().expect("utf-8 path")]);
    }

    pub(super) fn diagnostics(&self) -> String {
        let logs = |selector: &str| -> String {
            let all: String = self
                .pods(selector)
                .iter()
                .filter_map(|p| p["metadata"]["name"].as_str())
                .map(|p| self.env.node().pod_logs(&self.ns, p))
                .collect();
            let tail: Vec<&str> = all.lines().rev().take(30).collect();
            tail.join("\n")
        };
        format!(
            "scans: {}\nconsole log (newest first):\n{}\noperator log (newest first):\n{}",
            serde_json::to_string_pretty(&self.scans()).unwrap_or_default(),
            logs("app.kubernetes.io/component=console"),
            logs("app.kubernetes.io/component=operator"),
        )
    }
}

impl Drop for Setup {
    fn drop(&mut self) {
        let _ = self
            .env
            .kubectl()
            .args(["delete", "companyscans", "--all", "-n", &self.ns])
            .args(["--wait=true", "--timeout=60s"])
            .output();
        let _ = self
            .env
            .helm()
            .args([
                "uninstall",
                &self.release,
                "--namespace",
                &self.ns,
                "--wait",
                "--timeout",
                "60s",
            ])
            .output();
        let _ = self
            .env
            .kubectl()
            .args(["delete", "namespace", &self.ns, "--wait=false"])
            .output();
    }
}
