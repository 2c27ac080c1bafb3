//! The CompanyScan CRD on the real apiserver: printer columns, explain,
//! defaults, admission validation and the status subresource.

use std::time::Duration;

use cira_crds::CompanyScan;
use cira_tests::TestEnv;
use kube::api::{Api, ApiResource, DynamicObject, Patch, PatchParams, PostParams};
use kube::core::GroupVersionKind;
use serde_json::{Value, json};

async fn env_with_crds() -> &'static TestEnv {
    cira_tests::init_tracing();
    let env = TestEnv::shared().await;
    env.install_crds().await.expect("CRD installs");
    env
}

fn scans(client: kube::Client, ns: &str) -> Api<DynamicObject> {
    let gvk = GroupVersionKind::gvk("cira.dev", "v1alpha1", "CompanyScan");
    let resource = ApiResource::from_gvk_with_plural(&gvk, "companyscans");
    Api::namespaced_with(client, ns, &resource)
}

fn scan(name: &str, spec: Value) -> DynamicObject {
    serde_json::from_value(cira_tests::company_scan_json(name, spec)).expect("valid object")
}

fn minimal_spec() -> Value {
    json!({"company": {"name": "Acme", "url": "https://acme.example"}})
}

/// `minimal_spec()` with `patch` merged in (objects merge, the rest replaces).
fn spec_with(patch: Value) -> Value {
    let mut spec = minimal_spec();
    cira_tests::merge_json(&mut spec, patch);
    spec
}

fn run(mut cmd: std::process::Command) -> String {
    let out = cmd.output().expect("command runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}\n{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[tokio::test]
async fn crd_installs_with_printer_columns_and_explain_docs() {
    let env = env_with_crds().await;
    let ns = env.new_namespace("crd-columns").await.unwrap();
    let api = scans(env.admin_client().await, &ns);
    api.create(&PostParams::default(), &scan("acme", minimal_spec()))
        .await
        .unwrap();

    let mut get = env.kubectl();
    get.args(["get", "companyscans", "-n", &ns]);
    let table = run(get);
    let header: Vec<&str> = table
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    assert_eq!(
        header,
        [
            "NAME", "PHASE", "PROGRESS", "PAGES", "ENTITIES", "DESIRED", "AGE"
        ],
        "{table}"
    );
    let row: Vec<&str> = table
        .lines()
        .nth(1)
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    assert_eq!(row.first(), Some(&"acme"), "{table}");
    assert!(row.contains(&"Running"), "desired state column: {table}");

    // The short name works too.
    let mut short = env.kubectl();
    short.args(["get", "cscan", "acme", "-n", &ns, "-o", "name"]);
    assert_eq!(run(short).trim(), "companyscan.cira.dev/acme");

    let mut explain = env.kubectl();
    explain.args(["explain", "companyscan.spec.crawl"]);
    let docs = run(explain);
    assert!(
        docs.contains("How the site is crawled: budgets, scope and politeness."),
        "{docs}"
    );
    assert!(docs.contains("maxPages"), "{docs}");
    assert!(
        docs.contains("The most pages fetched in one scan"),
        "{docs}"
    );
    assert!(docs.contains("allowPrivateNetworks"), "{docs}");
}

#[tokio::test]
async fn valid_scan_is_accepted_with_defaults() {
    let env = env_with_crds().await;
    let ns = env.new_namespace("crd-defaults").await.unwrap();
    let client = env.admin_client().await;
    scans(client.clone(), &ns)
        .create(&PostParams::default(), &scan("acme", minimal_spec()))
        .await
        .unwrap();
    // Read it back typed: the defaults came from the server, not from serde.
    let typed: Api<CompanyScan> = Api::namespaced(client.clone(), &ns);
    let stored = scans(client, &ns).get("acme").await.unwrap();
    let spec = &stored.data["spec"];
    assert_eq!(spec["desiredState"], "Running");
    assert_eq!(spec["timeout"], "1h");
    assert_eq!(spec["rescan"], 0);
    assert_eq!(spec["checkpoint"]["storage"], "ConfigMap");
    assert_eq!(spec["checkpoint"]["everyPages"], 10);
    assert_eq!(spec["checkpoint"]["every"], "2m");
    assert_eq!(spec["crawl"]["maxPages"], 500);
    assert_eq!(spec["crawl"]["maxDepth"], 5);
    assert_eq!(spec["crawl"]["concurrency"], 4);
    assert_eq!(spec["crawl"]["requestTimeout"], "30s");
    assert_eq!(spec["crawl"]["respectRobotsTxt"], true);
    assert_eq!(spec["crawl"]["allowPrivateNetworks"], false);
    assert_eq!(spec["report"]["historyLimit"], 3);
    assert_eq!(
        spec["analysis"]["sections"].as_array().map(Vec::len),
        Some(7)
    );
    let scan = typed.get("acme").await.unwrap();
    assert_eq!(scan.spec.crawl, cira_crds::CrawlSpec::default());
    assert!(scan.status.is_none());
}

/// Creates a scan with `spec` and returns the apiserver's refusal message.
async fn refused(api: &Api<DynamicObject>, name: &str, spec: Value) -> String {
    match api
        .create(&PostParams::default(), &scan(name, spec.clone()))
        .await
    {
        Ok(_) => panic!("spec was accepted but must be refused: {spec}"),
        Err(kube::Error::Api(status)) => {
            assert_eq!(status.code, 422, "{status:?}");
            status.message
        }
        Err(other) => panic!("unexpected error for {spec}: {other}"),
    }
}

#[tokio::test]
async fn invalid_scans_are_refused_with_clear_messages() {
    let env = env_with_crds().await;
    let ns = env.new_namespace("crd-invalid").await.unwrap();
    let api = scans(env.admin_client().await, &ns);
    let url_message = "company.url must be an absolute http:// or https:// URL with a host, for example https://example.com";
    let long_pattern = "a".repeat(257);
    let many_patterns: Vec<String> = (0..33).map(|i| format!("/p{i}")).collect();
    let cases: Vec<(&str, Value, Vec<&str>)> = vec![
        (
            "ftp-url",
            json!({"company": {"url": "ftp://acme.example"}}),
            vec!["spec.company.url", url_message],
        ),
        (
            "no-host",
            json!({"company": {"url": "https:///only/a/path"}}),
            vec!["spec.company.url", url_message],
        ),
        (
            "not-a-url",
            json!({"company": {"url": "acme.example"}}),
            vec![url_message],
        ),
        (
            "zero-pages",
            json!({"crawl": {"maxPages": 0}}),
            vec![
                "spec.crawl.maxPages",
                "should be greater than or equal to 1",
            ],
        ),
        (
            "huge-pages",
            json!({"crawl": {"maxPages": 2_000_000}}),
            vec![
                "spec.crawl.maxPages",
                "should be less than or equal to 1000000",
            ],
        ),
        (
            "negative-depth",
            json!({"crawl": {"maxDepth": -1}}),
            vec![
                "spec.crawl.maxDepth",
                "should be greater than or equal to 0",
            ],
        ),
        (
            "bad-state",
            json!({"desiredState": "Halted"}),
            vec![
                "spec.desiredState",
                "Unsupported value: \"Halted\"",
                "\"Running\"",
                "\"Paused\"",
                "\"Stopped\"",
                "\"Cancelled\"",
            ],
        ),
        (
            "claim-with-configmap",
            json!({"checkpoint": {"storage": "ConfigMap", "volumeClaim": {"size": "1Gi"}}}),
            vec![
                "checkpoint.volumeClaim may only be set when checkpoint.storage is PersistentVolumeClaim",
            ],
        ),
        (
            "bad-duration",
            json!({"timeout": "5 minutes"}),
            vec![
                "spec.timeout",
                "timeout must be a duration such as 90s, 30m or 1h30m",
            ],
        ),
        (
            "bad-every",
            json!({"checkpoint": {"every": "two minutes"}}),
            vec![
                "spec.checkpoint.every",
                "checkpoint.every must be a duration such as 30s, 2m or 1h",
            ],
        ),
        (
            "zero-timeout",
            json!({"timeout": "0s"}),
            vec!["spec.timeout", "timeout must be at least 1s"],
        ),
        (
            "bad-request-timeout",
            json!({"crawl": {"requestTimeout": "1h"}}),
            vec!["requestTimeout must be between 100ms and 10m"],
        ),
        (
            "fast-checkpoints",
            json!({"checkpoint": {"every": "500ms"}}),
            vec!["checkpoint.every must be at least 1s"],
        ),
        (
            "too-many-patterns",
            json!({"crawl": {"includePatterns": many_patterns}}),
            vec!["spec.crawl.includePatterns", "must have at most 32 items"],
        ),
        (
            "long-pattern",
            json!({"crawl": {"excludePatterns": [long_pattern]}}),
            vec!["spec.crawl.excludePatterns[0]", "256"],
        ),
        (
            "concurrency",
            json!({"crawl": {"concurrency": 65}}),
            vec![
                "spec.crawl.concurrency",
                "should be less than or equal to 64",
            ],
        ),
        (
            "zero-rate",
            json!({"crawl": {"requestsPerSecond": 0}}),
            vec![
                "spec.crawl.requestsPerSecond",
                "requestsPerSecond must be at least 0.01",
            ],
        ),
        (
            "tiny-rate",
            json!({"crawl": {"requestsPerSecond": 0.001}}),
            vec![
                "spec.crawl.requestsPerSecond",
                "should be greater than or equal to 0.01",
            ],
        ),
        (
            "duplicate-section",
            json!({"analysis": {"sections": ["Overview", "People", "Overview"]}}),
            vec!["spec.analysis.sections[2]", "Duplicate value: \"Overview\""],
        ),
        (
            "bad-domain",
            json!({"crawl": {"allowedDomains": ["not a domain"]}}),
            vec!["spec.crawl.allowedDomains[0]", "should match"],
        ),
        (
            "history",
            json!({"report": {"historyLimit": 0}}),
            vec![
                "spec.report.historyLimit",
                "should be greater than or equal to 1",
            ],
        ),
    ];
    let mut failures = Vec::new();
    for (name, patch, expected) in cases {
        let message = refused(&api, name, spec_with(patch)).await;
        eprintln!("{name}: {message}");
        for part in expected {
            if !message.contains(part) {
                failures.push(format!("{name}: expected {part:?} in {message:?}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn rescan_cannot_be_lowered() {
    let env = env_with_crds().await;
    let ns = env.new_namespace("crd-rescan").await.unwrap();
    let api = scans(env.admin_client().await, &ns);
    api.create(
        &PostParams::default(),
        &scan("acme", spec_with(json!({"rescan": 3}))),
    )
    .await
    .unwrap();
    let raise = json!({"spec": {"rescan": 4}});
    api.patch("acme", &PatchParams::default(), &Patch::Merge(&raise))
        .await
        .unwrap();
    let lower = json!({"spec": {"rescan": 2}});
    let err = api
        .patch("acme", &PatchParams::default(), &Patch::Merge(&lower))
        .await
        .expect_err("lowering rescan is refused");
    let kube::Error::Api(status) = err else {
        panic!("unexpected error {err}")
    };
    assert_eq!(status.code, 422);
    assert!(
        status.message.contains("spec.rescan")
            && status
                .message
                .contains("rescan can only be increased; lowering it is not allowed"),
        "{}",
        status.message
    );
    let stored = api.get("acme").await.unwrap();
    assert_eq!(stored.data["spec"]["rescan"], 4);
}

/// `Cancelled` never goes back to Running or Paused, `Stopped` never back to
/// Running or Paused (Cancelled is allowed), except together with a raised
/// `spec.rescan`, which starts a new scan version.
#[tokio::test]
async fn stopped_and_cancelled_are_left_only_with_a_rescan() {
    let env = env_with_crds().await;
    let ns = env.new_namespace("crd-final-states").await.unwrap();
    let api = scans(env.admin_client().await, &ns);
    let set = |desired: &str, rescan: Option<i64>| {
        let mut spec = json!({"desiredState": desired});
        if let Some(r) = rescan {
            spec["rescan"] = json!(r);
        }
        json!({ "spec": spec })
    };
    async fn patch(api: &Api<DynamicObject>, body: &Value) -> Result<DynamicObject, String> {
        match api
            .patch("acme", &PatchParams::default(), &Patch::Merge(body))
            .await
        {
            Ok(o) => Ok(o),
            Err(kube::Error::Api(status)) => {
                assert_eq!(status.code, 422, "{}", status.message);
                Err(status.message)
            }
            Err(e) => panic!("unexpected error {e}"),
        }
    }
    api.create(&PostParams::default(), &scan("acme", minimal_spec()))
        .await
        .unwrap();

    // Cancelled: neither Running, Paused nor Stopped without a rescan.
    patch(&api, &set("Cancelled", None)).await.unwrap();
    for back in ["Running", "Paused", "Stopped"] {
        let msg = patch(&api, &set(back, None))
            .await
            .expect_err("leaving Cancelled is refused");
        assert!(
            msg.contains("a Cancelled scan stays Cancelled; raise spec.rescan"),
            "{back}: {msg}"
        );
    }
    let stored = api.get("acme").await.unwrap();
    assert_eq!(stored.data["spec"]["desiredState"], "Cancelled");
    // A rescan in the same change is the way out.
    let again = patch(&api, &set("Running", Some(1))).await.unwrap();
    assert_eq!(again.data["spec"]["desiredState"], "Running");

    // Stopped: Running and Paused refused, Cancelled allowed.
    patch(&api, &set("Stopped", None)).await.unwrap();
    for back in ["Running", "Paused"] {
        let msg = patch(&api, &set(back, None))
            .await
            .expect_err("leaving Stopped is refused");
        assert!(
            msg.contains("a Stopped scan cannot run or pause again"),
            "{back}: {msg}"
        );
    }
    patch(&api, &set("Cancelled", None)).await.unwrap();
    patch(&api, &set("Running", Some(2))).await.unwrap();
    // Other spec changes of a cancelled scan stay possible.
    patch(&api, &set("Cancelled", None)).await.unwrap();
    patch(&api, &json!({"spec": {"timeout": "2h"}}))
        .await
        .unwrap();
}

#[tokio::test]
async fn status_is_only_written_through_the_status_subresource() {
    let env = env_with_crds().await;
    let ns = env.new_namespace("crd-status").await.unwrap();
    let api = scans(env.admin_client().await, &ns);
    api.create(&PostParams::default(), &scan("acme", minimal_spec()))
        .await
        .unwrap();

    // A spec update carrying status: spec changes, status is dropped.
    let update = json!({"spec": {"desiredState": "Paused"}, "status": {"phase": "Completed", "message": "forged"}});
    let after = api
        .patch("acme", &PatchParams::default(), &Patch::Merge(&update))
        .await
        .unwrap();
    assert_eq!(after.data["spec"]["desiredState"], "Paused");
    assert!(
        after.data.get("status").is_none_or(Value::is_null),
        "{:?}",
        after.data
    );

    // The status subresource writes status (and ignores spec).
    let status = json!({"status": {"phase": "Crawling", "message": "crawling", "progress": {"percent": 12, "pagesCrawled": 60}},
                        "spec": {"desiredState": "Running"}});
    let after = api
        .patch_status("acme", &PatchParams::default(), &Patch::Merge(&status))
        .await
        .unwrap();
    assert_eq!(after.data["status"]["phase"], "Crawling");
    assert_eq!(after.data["spec"]["desiredState"], "Paused");

    // The printer columns show it.
    let mut get = env.kubectl();
    get.args(["get", "companyscan", "acme", "-n", &ns, "--no-headers"]);
    let row = run(get);
    let cols: Vec<&str> = row.split_whitespace().collect();
    // entitiesExtracted defaults to 0 inside progress.
    assert_eq!(
        &cols[..6],
        ["acme", "Crawling", "12", "60", "0", "Paused"],
        "{row}"
    );

    // And status is validated too.
    let bad = json!({"status": {"phase": "Exploding"}});
    let err = api
        .patch_status("acme", &PatchParams::default(), &Patch::Merge(&bad))
        .await
        .expect_err("an unknown phase is refused");
    assert!(
        err.to_string().contains("Unsupported value: \"Exploding\""),
        "{err}"
    );
    let _ = Duration::ZERO;
}
