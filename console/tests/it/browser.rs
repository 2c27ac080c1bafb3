//! The console driven by a real browser (Debian's chromium through
//! chromedriver, over WebDriver) against the test control plane: the Helm
//! chart installs the operator and the console, crawler Jobs crawl the
//! sample company site and a hostile one, and people sign in with real
//! ServiceAccount tokens. One control plane, one release and one browser
//! serve the whole walk-through. Screenshots go to
//! `target/console-screenshots/`.
//!
//! Needs `chromium` and `chromium-driver` (.ci/run installs them).

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use cira_tests::sample_site::{SampleSite, SiteServer};
use cira_tests::{TestEnv, wait_for, workspace_binary};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::webdriver::Browser;

const OPERATOR_IMAGE: &str = "ghcr.io/cira-dev/cira-operator";
const CRAWLER_IMAGE: &str = "ghcr.io/cira-dev/cira-crawler";
const CONSOLE_IMAGE: &str = "ghcr.io/cira-dev/cira-console";
/// A company name a person could type, that must never run as script.
const HOSTILE_NAME: &str =
    "Nordwind <script>window.pwned=1</script><img src=x onerror=\"window.pwned=2\">";
/// A product name the hostile site publishes in its JSON-LD.
const HOSTILE_PRODUCT: &str = "Widget <img src=x onerror=\"window.pwned=3\">";
/// Its description, which closes and opens script elements.
const HOSTILE_DESCRIPTION: &str = "</script><script>window.pwned=4</script>";
/// Longest wait for the cluster to react to a click.
const REACT: Duration = Duration::from_secs(90);

fn site() -> &'static SampleSite {
    static SITE: OnceLock<SampleSite> = OnceLock::new();
    SITE.get_or_init(SampleSite::generate)
}

fn screenshots_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/console-screenshots");
    let _ = std::fs::create_dir_all(&dir);
    dir
}

fn text(out: &std::process::Output) -> String {
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
struct Driver {
    child: Child,
    port: u16,
    profile: tempfile::TempDir,
}

impl Driver {
    fn start() -> Driver {
        let port = free_port();
        let profile = tempfile::Builder::new()
            .prefix("cira-console-chromium-")
            .tempdir()
            .expect("profile dir");
        let child = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("chromedriver starts (apt-get install chromium-driver)");
        Driver {
            child,
            port,
            profile,
        }
    }

    async fn browser(&self) -> Browser {
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
struct HostileSite {
    url: String,
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
struct Setup {
    env: &'static TestEnv,
    ns: String,
    release: String,
    server: SiteServer,
    hostile: HostileSite,
    console_port: u16,
}

impl Setup {
    async fn start() -> Setup {
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

    fn fullname(&self) -> String {
        format!("{}-cira-operator", self.release)
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.console_port)
    }

    fn scan_url(&self, name: &str) -> String {
        self.url(&format!("/scans/{}/{name}", self.ns))
    }

    fn kubectl(&self, args: &[&str]) -> String {
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

    fn token(&self, user: &str) -> String {
        self.kubectl(&["create", "token", user, "--duration=1h"])
            .trim()
            .to_string()
    }

    fn scans(&self) -> Vec<Value> {
        let v: Value = serde_json::from_str(&self.kubectl(&["get", "companyscans", "-o", "json"]))
            .expect("json");
        v["items"].as_array().cloned().unwrap_or_default()
    }

    fn scan(&self, name: &str) -> Value {
        serde_json::from_str(&self.kubectl(&["get", "companyscan", name, "-o", "json"]))
            .expect("json")
    }

    /// Whether a crawler process of scan `name` runs on the test node.
    fn crawler_running(&self, name: &str) -> bool {
        self.pods(&format!(
            "app.kubernetes.io/component=crawler,cira.dev/scan={name}"
        ))
        .iter()
        .filter_map(|p| p["metadata"]["name"].as_str())
        .any(|p| self.env.node().pod_pid(&self.ns, p).is_some())
    }

    /// `kubectl apply` of a scan with `spec`.
    fn apply_scan(&self, name: &str, spec: Value) {
        let manifest = cira_tests::company_scan_json(name, spec);
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("scan.json");
        std::fs::write(&file, manifest.to_string()).expect("write");
        self.kubectl(&["apply", "-f", file.to_str().expect("utf-8 path")]);
    }

    fn diagnostics(&self) -> String {
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

/// One HTTP/1.1 exchange without a browser: (status, headers, body).
async fn http(port: u16, request: String) -> (u16, String, String) {
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect");
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.expect("read");
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, head.to_string(), body.to_string())
}

fn get(port: u16, path: &str, cookie: &str) -> String {
    format!(
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n{}\r\n",
        if cookie.is_empty() {
            String::new()
        } else {
            format!("Cookie: {cookie}\r\n")
        },
    )
}

fn post(port: u16, path: &str, cookie: &str, body: &str, origin: Option<&str>) -> String {
    format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n{}{}Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        if cookie.is_empty() {
            String::new()
        } else {
            format!("Cookie: {cookie}\r\n")
        },
        origin
            .map(|o| format!("Origin: {o}\r\n"))
            .unwrap_or_default(),
        body.len()
    )
}

fn form_encode(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            let enc = |s: &str| {
                s.bytes()
                    .map(|b| match b {
                        b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                            (b as char).to_string()
                        }
                        _ => format!("%{b:02X}"),
                    })
                    .collect::<String>()
            };
            format!("{}={}", enc(k), enc(v))
        })
        .collect::<Vec<_>>()
        .join("&")
}

async fn shot(browser: &Browser, name: &str) {
    let png = browser.screenshot().await.expect("screenshot");
    std::fs::write(screenshots_dir().join(format!("{name}.png")), png).expect("save screenshot");
}

async fn text_of(browser: &Browser, css: &str) -> String {
    browser
        .find(css)
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .text()
        .await
        .expect("text")
}

/// Waits until the element `css` exists with text for which `ok` holds;
/// that text.
async fn wait_text(browser: &Browser, css: &str, what: &str, ok: impl Fn(&str) -> bool) -> String {
    let result = wait_for(what, REACT, || async {
        let el = browser.find(css).await.ok()?;
        let t = el.text().await.ok()?;
        ok(&t).then_some(t)
    })
    .await;
    match result {
        Ok(t) => t,
        Err(e) => panic!(
            "{e}; page now:\n{}",
            browser.source().await.unwrap_or_default()
        ),
    }
}

/// Marks the current document; `still_marked` is false after any reload or
/// navigation.
async fn mark(browser: &Browser) {
    browser
        .execute("window.ciraMark = 'kept'; return null;")
        .await
        .expect("mark");
}

async fn still_marked(browser: &Browser) -> bool {
    browser
        .execute("return window.ciraMark === 'kept';")
        .await
        .expect("read mark")
        == json!(true)
}

async fn sign_in(browser: &Browser, s: &Setup, token: &str) {
    browser.goto(&s.url("/login")).await.expect("login page");
    let field = browser.find("#token").await.expect("token field");
    field.send_keys(token).await.expect("type token");
    browser
        .find("#sign-in")
        .await
        .expect("button")
        .click()
        .await
        .expect("click");
}

async fn sign_out(browser: &Browser) {
    browser
        .find("header form button")
        .await
        .expect("sign-out button")
        .click()
        .await
        .expect("click");
    wait_text(browser, "h1", "the sign-in page", |t| t == "Sign in").await;
}

async fn click_action(browser: &Browser, action: &str) {
    let css = format!("button[data-action='{action}']");
    // The live stream replaces the buttons now and then; find and click
    // again if the element went stale in between.
    let clicked = wait_for(&format!("a {action} button to click"), REACT, || async {
        let el = browser.find(&css).await.ok()?;
        el.click().await.ok()
    })
    .await;
    if let Err(e) = clicked {
        panic!("{e}\n{}", browser.source().await.unwrap_or_default());
    }
}

async fn fill(browser: &Browser, id: &str, value: &str) {
    let el = browser.find(&format!("#{id}")).await.expect(id);
    el.clear().await.expect("clear");
    el.send_keys(value).await.expect("type");
}

/// What the hostile values would have set, had any of them run, and the
/// elements they would have made; `[null, 0]` when they are only text.
async fn injected(browser: &Browser) -> Value {
    browser
        .execute(
            "return [window.pwned === undefined ? null : window.pwned, \
             document.querySelectorAll('main img, main script, h1 img, h1 script').length];",
        )
        .await
        .expect("script")
}

async fn goto_live(browser: &Browser, url: &str) {
    browser.goto(url).await.expect("page");
    wait_text(browser, "#live-state", "the live stream", |t| t == "live").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_in_a_real_browser() {
    let begin = Instant::now();
    let s = Setup::start().await;
    let driver = Driver::start();
    let browser = driver.browser().await;
    let port = s.console_port;
    eprintln!(
        "[console] control plane, chart and browser ready after {:.1}s",
        begin.elapsed().as_secs_f64()
    );

    // Every page carries the strict policy; scripts only from the console.
    let (status, head, _) = http(port, get(port, "/login", "")).await;
    assert_eq!(status, 200);
    assert!(
        head.to_ascii_lowercase()
            .contains("content-security-policy: default-src 'none'; script-src 'self'"),
        "{head}"
    );

    // A token the API server does not know is refused with its reason.
    sign_in(&browser, &s, "not-a-real-token").await;
    let error = wait_text(&browser, "#login-error", "the sign-in error", |t| {
        !t.is_empty()
    })
    .await;
    assert!(error.contains("did not accept this token"), "{error}");
    shot(&browser, "01-sign-in-refused").await;
    let (status, _, _) = http(port, get(port, "/scans", "")).await;
    assert_eq!(status, 303, "no session, no scans");

    // CSRF: a session of alice's over plain HTTP; a form post without the
    // session's token, with a wrong one, or from another origin is refused.
    let alice = s.token("alice");
    let (status, head, _) = http(
        port,
        post(port, "/login", "", &form_encode(&[("token", &alice)]), None),
    )
    .await;
    assert_eq!(status, 303, "{head}");
    let cookie_line = head
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("set-cookie:"))
        .expect("a session cookie");
    assert!(
        cookie_line.contains("HttpOnly") && cookie_line.contains("SameSite=Strict"),
        "{cookie_line}"
    );
    assert!(!cookie_line.contains(&alice), "the cookie is not the token");
    let cookie = cookie_line["set-cookie:".len()..]
        .trim()
        .split(';')
        .next()
        .expect("pair")
        .to_string();
    let (status, _, page) = http(port, get(port, "/new", &cookie)).await;
    assert_eq!(status, 200, "the session works: {page}");
    let new_scan = |csrf: Option<&str>| {
        let mut pairs = vec![
            ("namespace", s.ns.as_str()),
            ("name", "csrf"),
            ("company", "X"),
            ("url", "https://x.example"),
        ];
        if let Some(c) = csrf {
            pairs.push(("csrf", c));
        }
        form_encode(&pairs)
    };
    for csrf in [None, Some("wrong")] {
        let (status, _, body) =
            http(port, post(port, "/new", &cookie, &new_scan(csrf), None)).await;
        assert_eq!(status, 403, "csrf {csrf:?}: {body}");
        assert!(
            body.contains("CSRF token is missing or wrong"),
            "csrf {csrf:?}: {body}"
        );
    }
    let (status, _, body) = http(
        port,
        post(port, "/logout", &cookie, "", Some("http://evil.example")),
    )
    .await;
    assert_eq!(status, 403, "{body}");
    assert!(s.scans().is_empty(), "nothing was created");

    // Alice signs in in the browser and starts a scan from the form.
    sign_in(&browser, &s, &alice).await;
    wait_text(
        &browser,
        "header .user",
        "alice's name in the header",
        |t| t.contains("alice"),
    )
    .await;
    browser.goto(&s.url("/new")).await.expect("new page");
    // An admission error is shown next to the field it names, verbatim.
    fill(&browser, "namespace", &s.ns).await;
    fill(&browser, "company", HOSTILE_NAME).await;
    fill(&browser, "url", "not a url").await;
    browser
        .find("#create")
        .await
        .expect("create")
        .click()
        .await
        .expect("click");
    let url_error = wait_text(&browser, "#error-url", "the URL's admission error", |t| {
        !t.is_empty()
    })
    .await;
    assert!(
        url_error.contains("company.url must be an absolute http:// or https:// URL"),
        "{url_error}"
    );
    shot(&browser, "02-new-scan-admission-error").await;
    assert!(s.scans().is_empty());
    fill(&browser, "name", "nordwind").await;
    fill(&browser, "url", &s.server.url()).await;
    fill(&browser, "maxPages", "1000").await;
    fill(&browser, "maxDepth", "10").await;
    fill(&browser, "concurrency", "1").await;
    fill(&browser, "requestsPerSecond", "8").await;
    fill(&browser, "timeout", "10m").await;
    browser
        .find("#allowPrivateNetworks")
        .await
        .expect("box")
        .click()
        .await
        .expect("check");
    browser
        .find("#create")
        .await
        .expect("create")
        .click()
        .await
        .expect("click");
    wait_text(&browser, "h1", "the new scan's page", |t| {
        t.contains("Nordwind <script>")
    })
    .await;
    assert_eq!(
        injected(&browser).await,
        json!([null, 0]),
        "the hostile name ran as script"
    );
    // The hostile site is crawled alongside, to completion.
    s.apply_scan(
        "hostile",
        json!({
            "company": {"name": "Hostile Widgets", "url": s.hostile.url},
            "crawl": {"maxPages": 10, "allowPrivateNetworks": true},
            "timeout": "5m"
        }),
    );

    // The list follows the crawl without a reload.
    goto_live(&browser, &s.url(&format!("/scans?namespace={}", s.ns))).await;
    mark(&browser).await;
    let row = format!("#row-{}-nordwind", s.ns);
    let first: u64 = wait_text(
        &browser,
        &format!("{row} td.pages"),
        "pages to be crawled",
        |t| t.parse::<u64>().is_ok_and(|n| n >= 2),
    )
    .await
    .parse()
    .expect("number");
    wait_text(&browser, &format!("{row} td.pages"), "more pages", |t| {
        t.parse::<u64>().is_ok_and(|n| n > first)
    })
    .await;
    assert!(
        still_marked(&browser).await,
        "the list updated without a reload"
    );
    let company = text_of(&browser, &format!("{row} a.company")).await;
    assert_eq!(company, HOSTILE_NAME, "shown as text");
    assert_eq!(injected(&browser).await, json!([null, 0]));
    shot(&browser, "03-scans-live").await;

    // Pause: the crawler pod goes away and the page turns Paused by itself.
    goto_live(&browser, &s.scan_url("nordwind")).await;
    shot(&browser, "04-scan-crawling").await;
    click_action(&browser, "pause").await;
    wait_text(&browser, "#desired", "desired Paused", |t| t == "Paused").await;
    wait_text(&browser, "#live-state", "the live stream", |t| t == "live").await;
    mark(&browser).await;
    wait_text(&browser, "#scan-live .phase .badge", "phase Paused", |t| {
        t == "Paused"
    })
    .await;
    assert!(
        still_marked(&browser).await,
        "Paused arrived without a reload"
    );
    assert!(
        !s.crawler_running("nordwind"),
        "no crawler process while paused"
    );
    assert_eq!(s.scan("nordwind")["spec"]["desiredState"], "Paused");
    let paused_pages = s.scan("nordwind")["status"]["progress"]["pagesCrawled"]
        .as_u64()
        .unwrap_or(0);
    assert!(
        paused_pages < site().page_count() as u64,
        "paused mid-crawl: {paused_pages} of {} pages",
        site().page_count()
    );
    shot(&browser, "05-scan-paused").await;

    // Bob may look but not resume: a clear refusal, nothing changes.
    sign_out(&browser).await;
    let bob = s.token("bob");
    sign_in(&browser, &s, &bob).await;
    wait_text(&browser, "header .user", "bob's name", |t| {
        t.contains("bob")
    })
    .await;
    browser
        .goto(&s.scan_url("nordwind"))
        .await
        .expect("scan page");
    click_action(&browser, "resume").await;
    let notice = wait_text(&browser, "#notice", "the refusal", |t| !t.is_empty()).await;
    assert!(
        notice.contains("You are not allowed to resume this scan"),
        "{notice}"
    );
    assert_eq!(
        s.scan("nordwind")["spec"]["desiredState"],
        "Paused",
        "nothing changed"
    );
    assert!(!s.crawler_running("nordwind"));
    shot(&browser, "06-not-allowed").await;
    sign_out(&browser).await;

    // Resume: the crawl goes on to completion and the page moves to the
    // report by itself.
    sign_in(&browser, &s, &alice).await;
    wait_text(&browser, "header .user", "alice's name", |t| {
        t.contains("alice")
    })
    .await;
    goto_live(&browser, &s.scan_url("nordwind")).await;
    click_action(&browser, "resume").await;
    wait_text(&browser, "#desired", "desired Running", |t| t == "Running").await;
    wait_text(
        &browser,
        "#scan-live .phase .badge",
        "phase Crawling",
        |t| t == "Crawling",
    )
    .await;
    let reached = wait_for(
        "the page to move to the report",
        Duration::from_secs(300),
        || async {
            let url = browser.current_url().await.ok()?;
            url.split('?').next()?.ends_with("/report").then_some(())
        },
    )
    .await;
    if let Err(e) = reached {
        panic!("{e}\n{}", s.diagnostics());
    }

    // The report lists the sample site's entities.
    wait_text(&browser, "#counts", "the report's counts", |t| {
        !t.is_empty()
    })
    .await;
    let truth = site().truth();
    let emails = text_of(&browser, "#entities-emails").await;
    for email in &truth.emails {
        assert!(emails.contains(email.as_str()), "the report lists {email}");
    }
    let people = text_of(&browser, "#entities-people").await;
    for (name, _) in &truth.people {
        assert!(people.contains(name.as_str()), "the report lists {name}");
    }
    let products = text_of(&browser, "#entities-products").await;
    for product in &truth.products {
        assert!(
            products.contains(product.as_str()),
            "the report lists {product}"
        );
    }
    assert_eq!(text_of(&browser, "h1").await, HOSTILE_NAME);
    assert_eq!(
        injected(&browser).await,
        json!([null, 0]),
        "the hostile name ran as script"
    );
    shot(&browser, "07-report").await;
    let md = browser
        .find("#download-md")
        .await
        .expect("md link")
        .attr("href")
        .await
        .expect("href")
        .expect("has href");
    assert!(md.ends_with("/report.md?version=1"), "{md}");

    // What the hostile site published is text on its report page.
    let hostile_done = wait_for("the hostile scan to complete", REACT, || async {
        (s.scan("hostile")["status"]["phase"] == "Completed").then_some(())
    })
    .await;
    if let Err(e) = hostile_done {
        panic!("{e}\n{}", s.diagnostics());
    }
    browser
        .goto(&format!("{}/report", s.scan_url("hostile")))
        .await
        .expect("report");
    let products = wait_text(&browser, "#entities-products", "the hostile product", |t| {
        t.contains("Widget")
    })
    .await;
    assert!(products.contains(HOSTILE_PRODUCT), "{products}");
    assert!(products.contains(HOSTILE_DESCRIPTION), "{products}");
    assert_eq!(
        injected(&browser).await,
        json!([null, 0]),
        "a crawled value ran as script or made elements"
    );
    shot(&browser, "08-hostile-report").await;

    // Delete asks first, then the scan is gone from the list.
    browser
        .goto(&s.scan_url("hostile"))
        .await
        .expect("scan page");
    click_action(&browser, "delete").await;
    let consequence = wait_text(&browser, "#consequence", "the confirmation", |t| {
        !t.is_empty()
    })
    .await;
    assert!(consequence.contains("cannot be undone"), "{consequence}");
    assert_eq!(s.scans().len(), 2, "nothing deleted before confirming");
    shot(&browser, "09-confirm-delete").await;
    browser
        .find("#confirm")
        .await
        .expect("confirm")
        .click()
        .await
        .expect("click");
    wait_for("the scan to be deleted", REACT, || async {
        (s.scans().len() == 1).then_some(())
    })
    .await
    .expect("deleted");
    wait_text(&browser, "h1", "the list", |t| t == "Scans").await;

    // Stop asks first, then the crawl ends and the page moves to a report
    // of the pages crawled so far.
    stop_yields_a_report_of_the_pages_so_far(&browser, &s).await;
    // Cancel asks first, then the crawler goes and the scan ends Cancelled,
    // without a report.
    cancel_ends_the_scan_without_a_report(&browser, &s).await;

    // `kubectl cira console` finds the console pod and prints the URL. (The
    // test node has no kubelet API, so the forwarded connection itself is
    // not exercised here.)
    plugin_console_prints_the_url(&s).await;

    browser.close().await.expect("close the browser");
    drop(driver);
    eprintln!(
        "[console] browser walk-through took {:.1}s",
        begin.elapsed().as_secs_f64()
    );
}

/// A scan of the sample site at a slow rate, with at least two pages
/// crawled and its page open on the live stream.
async fn crawling_scan(browser: &Browser, s: &Setup, name: &str) {
    s.apply_scan(
        name,
        json!({
            "company": {"name": "Nordwind Maschinenbau", "url": s.server.url()},
            "crawl": {"maxPages": 1000, "requestsPerSecond": 4, "allowPrivateNetworks": true},
            "timeout": "10m"
        }),
    );
    let crawled = wait_for(&format!("{name} to crawl two pages"), REACT, || async {
        let pages = s.scan(name)["status"]["progress"]["pagesCrawled"].as_u64()?;
        (pages >= 2).then_some(())
    })
    .await;
    if let Err(e) = crawled {
        panic!("{e}\n{}", s.diagnostics());
    }
    goto_live(browser, &s.scan_url(name)).await;
}

/// Clicks `action`, checks its confirmation page changed nothing yet, and
/// confirms.
async fn confirm_action(browser: &Browser, s: &Setup, name: &str, action: &str, says: &str) {
    click_action(browser, action).await;
    let consequence = wait_text(browser, "#consequence", "the confirmation", |t| {
        !t.is_empty()
    })
    .await;
    assert!(consequence.contains(says), "{consequence}");
    assert_eq!(
        s.scan(name)["spec"]["desiredState"],
        "Running",
        "nothing changed before confirming"
    );
    browser
        .find("#confirm")
        .await
        .expect("confirm")
        .click()
        .await
        .expect("click");
}

async fn stop_yields_a_report_of_the_pages_so_far(browser: &Browser, s: &Setup) {
    crawling_scan(browser, s, "stopme").await;
    confirm_action(
        browser,
        s,
        "stopme",
        "stop",
        "from the pages crawled so far",
    )
    .await;
    let reached = wait_for(
        "the stopped scan's page to move to its report",
        Duration::from_secs(300),
        || async {
            let url = browser.current_url().await.ok()?;
            url.split('?').next()?.ends_with("/report").then_some(())
        },
    )
    .await;
    if let Err(e) = reached {
        panic!("{e}\n{}", s.diagnostics());
    }
    let scan = s.scan("stopme");
    assert_eq!(scan["spec"]["desiredState"], "Stopped");
    assert_eq!(scan["status"]["phase"], "Completed", "{}", scan["status"]);
    let reasons: Vec<&str> = scan["status"]["conditions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["reason"].as_str())
        .collect();
    assert!(reasons.contains(&"Stopped"), "{reasons:?}");
    let pages = scan["status"]["progress"]["pagesCrawled"]
        .as_u64()
        .unwrap_or(0);
    assert!(
        pages >= 2 && pages < site().page_count() as u64,
        "a report of the pages crawled so far: {pages} of {}",
        site().page_count()
    );
    wait_text(browser, "#counts", "the report's counts", |t| !t.is_empty()).await;
    assert!(!s.crawler_running("stopme"), "no crawler after the report");
    shot(browser, "10-stopped-report").await;
}

async fn cancel_ends_the_scan_without_a_report(browser: &Browser, s: &Setup) {
    crawling_scan(browser, s, "cancelme").await;
    confirm_action(browser, s, "cancelme", "cancel", "without a report").await;
    goto_live(browser, &s.scan_url("cancelme")).await;
    mark(browser).await;
    wait_text(
        browser,
        "#scan-live .phase .badge",
        "phase Cancelled",
        |t| t == "Cancelled",
    )
    .await;
    assert!(
        still_marked(browser).await,
        "Cancelled arrived without a reload"
    );
    let scan = s.scan("cancelme");
    assert_eq!(scan["spec"]["desiredState"], "Cancelled");
    assert!(scan["status"]["report"].is_null(), "{}", scan["status"]);
    let gone = wait_for("the cancelled crawler to go", REACT, || async {
        (!s.crawler_running("cancelme")).then_some(())
    })
    .await;
    if let Err(e) = gone {
        panic!("{e}\n{}", s.diagnostics());
    }
    shot(browser, "11-cancelled").await;
}

/// `kubectl cira console` in the release's namespace names the pod and the
/// local URL; in a namespace without a console it says where to look.
async fn plugin_console_prints_the_url(s: &Setup) {
    use tokio::io::AsyncBufReadExt;
    let plugin = tokio::task::spawn_blocking(|| workspace_binary("cira-operator", "kubectl-cira"))
        .await
        .expect("join")
        .expect("the plugin builds");
    let mut child = tokio::process::Command::new(&plugin)
        .args(["console", "-n", &s.ns, "--port", "0"])
        .env("KUBECONFIG", s.env.kubeconfig_path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the plugin starts");
    let mut lines = tokio::io::BufReader::new(child.stdout.take().expect("stdout")).lines();
    let printed = tokio::time::timeout(Duration::from_secs(30), async {
        let mut out = Vec::new();
        while let Ok(Some(line)) = lines.next_line().await {
            out.push(line);
            if out.len() == 2 {
                break;
            }
        }
        out
    })
    .await
    .expect("the plugin prints within 30 s");
    let _ = child.kill().await;
    let printed = printed.join("\n");
    assert!(
        printed.contains(&format!("to pod {}/{}-console", s.ns, s.fullname())),
        "{printed}"
    );
    assert!(
        printed.contains("Open the CIRA console at http://127.0.0.1:"),
        "{printed}"
    );

    let empty = s
        .env
        .new_namespace("console-none")
        .await
        .expect("namespace");
    let out = tokio::process::Command::new(&plugin)
        .args(["console", "-n", &empty, "--port", "0"])
        .env("KUBECONFIG", s.env.kubeconfig_path())
        .output()
        .await
        .expect("the plugin runs");
    let _ = s
        .env
        .kubectl()
        .args(["delete", "namespace", &empty, "--wait=false"])
        .output();
    assert!(!out.status.success());
    assert!(
        text(&out).contains(&format!("no running console pod in namespace {empty}")),
        "{}",
        text(&out)
    );
}
