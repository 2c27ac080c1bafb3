//! The console in `readOnly` mode, in-process, with the exact RBAC the chart
//! gives its ServiceAccount (installed by `helm install`), against the test
//! control plane: pages render from the shared watch, the live stream sends
//! a changed row, and nothing can be changed.

use std::sync::Arc;
use std::time::Duration;

use cira_console::AuthMode;
use cira_console::auth::Sessions;
use cira_console::feeds::Hub;
use cira_console::server::{App, router};
use cira_crds::CompanyScan;
use cira_tests::TestEnv;
use kube::api::{Api, Patch, PatchParams, PostParams};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

const HOSTILE: &str = "Acme <script>alert(1)</script>";

async fn get(port: u16, path: &str) -> (u16, String) {
    request(
        port,
        format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"),
    )
    .await
}

async fn request(port: u16, raw: String) -> (u16, String) {
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect");
    s.write_all(raw.as_bytes()).await.expect("write");
    let mut out = Vec::new();
    s.read_to_end(&mut out).await.expect("read");
    let text = String::from_utf8_lossy(&out).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, text)
}

struct Release {
    env: &'static TestEnv,
    name: String,
    ns: String,
}

impl Drop for Release {
    fn drop(&mut self) {
        let _ = self
            .env
            .helm()
            .args(["uninstall", &self.name, "-n", &self.ns, "--wait"])
            .output();
        let _ = self
            .env
            .kubectl()
            .args(["delete", "namespace", &self.ns, "--wait=false"])
            .output();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_console_shows_live_scans_and_changes_nothing() {
    cira_tests::init_tracing();
    let env = TestEnv::shared().await;
    env.install_crds().await.expect("CRDs");
    let ns = env.new_namespace("console-ro").await.expect("namespace");
    let release = Release {
        env,
        name: format!("ro-{ns}"),
        ns: ns.clone(),
    };
    let chart =
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../charts/cira-operator");
    let out = env
        .helm()
        .args(["install", &release.name])
        .arg(&chart)
        .args([
            "-n",
            &ns,
            "--skip-crds",
            "--set",
            "replicaCount=0",
            "--set",
            "console.auth=readOnly",
        ])
        .args(["--set", &format!("operator.watchNamespace={ns}")])
        .output()
        .expect("helm runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let admin = env.admin_client().await;
    let scans: Api<CompanyScan> = Api::namespaced(admin.clone(), &ns);
    let scan: CompanyScan = serde_json::from_value(serde_json::json!({
        "apiVersion": "cira.dev/v1alpha1", "kind": "CompanyScan",
        "metadata": {"name": "acme"},
        "spec": {"company": {"name": HOSTILE, "url": "https://acme.example"}}
    }))
    .expect("scan");
    scans
        .create(&PostParams::default(), &scan)
        .await
        .expect("created");

    // The console's own identity, with the chart's reader Role only.
    let sa = format!("{}-cira-operator-console", release.name);
    let client = env
        .service_account_client(&ns, &sa)
        .await
        .expect("sa client");
    let app = Arc::new(App {
        mode: AuthMode::ReadOnly,
        base: kube::Config::new("https://127.0.0.1:1".parse().expect("uri")),
        own_client: Some(client),
        sessions: Sessions::new(Duration::from_secs(60)),
        hub: Hub::default(),
        default_namespace: ns.clone(),
        secure_cookie: false,
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let served = router(app.clone());
    let server = tokio::spawn(async move { axum::serve(listener, served).await });

    let (status, page) = get(port, "/scans").await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("Acme &lt;script&gt;alert(1)&lt;/script&gt;"),
        "{page}"
    );
    assert!(!page.contains("<script>alert"), "{page}");
    assert!(
        !page.contains("method=\"post\""),
        "no forms in read-only mode:\n{page}"
    );
    let (status, page) = get(port, &format!("/scans/{ns}/acme")).await;
    assert_eq!(status, 200, "{page}");
    assert!(!page.contains("data-action="), "no buttons:\n{page}");
    assert_eq!(
        app.hub.watches(),
        2,
        "both pages share one watch of scans and one of Events"
    );

    // Nothing can be changed.
    let body = "action=pause&csrf=x";
    let (status, page) = request(port, format!(
        "POST /scans/{ns}/acme/action HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )).await;
    assert_eq!(status, 403, "{page}");
    assert!(page.contains("read-only"), "{page}");
    assert_eq!(
        scans.get("acme").await.expect("scan").spec.desired_state,
        cira_crds::DesiredState::Running
    );

    // The live stream sends the changed row when the scan changes.
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect");
    stream
        .write_all(format!("GET /scans/live?namespace={ns} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: text/event-stream\r\n\r\n").as_bytes())
        .await
        .expect("write");
    let mut lines = BufReader::new(stream).lines();
    let first = lines.next_line().await.expect("read").unwrap_or_default();
    assert!(first.contains("200"), "{first}");
    scans
        .patch(
            "acme",
            &PatchParams::default(),
            &Patch::Merge(serde_json::json!({"spec": {"company": {"name": "Acme Renamed"}}})),
        )
        .await
        .expect("patched");
    let row = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(line) = lines.next_line().await.expect("read the stream") {
            if line.starts_with("data:") && line.contains("Acme Renamed") {
                return line;
            }
        }
        panic!("the live stream ended without the changed row");
    })
    .await
    .expect("the changed row on the live stream within 30 s");
    assert!(row.contains(&format!("row-{ns}-acme")), "{row}");
    server.abort();
}
