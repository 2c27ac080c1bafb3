//! The installer's scan policy at admission, on the real control plane: the
//! chart's ValidatingAdmissionPolicy refuses every abusive CompanyScan at
//! `kubectl create` with a readable reason, and lets the same scans through
//! where the installer's policy allows them.
//!
//! The list of abusive specs here is the one docs/security.md shows.

use std::path::PathBuf;
use std::process::Output;
use std::time::Duration;

use cira_tests::TestEnv;
use serde_json::{Value, json};

fn chart_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../charts/cira-operator")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// A chart release (no operator pod) uninstalled however the test ends.
struct Release<'a> {
    env: &'a TestEnv,
    name: String,
    namespace: String,
}

impl<'a> Release<'a> {
    fn install(env: &'a TestEnv, name: String, namespace: &str, sets: &[&str]) -> Release<'a> {
        let release = Release {
            env,
            name,
            namespace: namespace.to_string(),
        };
        let chart = chart_dir();
        let mut helm = env.helm();
        helm.args(["install", &release.name])
            .arg(&chart)
            .args(["--namespace", namespace, "--skip-crds"])
            .args(["--set", "replicaCount=0"])
            .args(["--set", &format!("operator.watchNamespace={namespace}")]);
        for set in sets {
            helm.args(["--set", set]);
        }
        let out = helm.output().expect("helm runs");
        assert!(out.status.success(), "helm install failed:\n{}", text(&out));
        release
    }
}

impl Drop for Release<'_> {
    fn drop(&mut self) {
        let _ = self
            .env
            .helm()
            .args(["uninstall", &self.name, "--namespace", &self.namespace])
            .arg("--wait")
            .output();
    }
}

fn scan(name: &str, extra: Value) -> Value {
    let mut spec = json!({"company": {"name": "Acme", "url": "https://acme.example.com/"}});
    cira_tests::merge_json(&mut spec, extra);
    json!({
        "apiVersion": "cira.dev/v1alpha1",
        "kind": "CompanyScan",
        "metadata": {"name": name},
        "spec": spec
    })
}

/// `kubectl create` of the object in `namespace` (a real create, not a dry run).
fn create(env: &TestEnv, namespace: &str, object: &Value) -> Output {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("scan.json");
    std::fs::write(&file, object.to_string()).expect("write the scan");
    env.kubectl()
        .args(["create", "-n", namespace, "-f"])
        .arg(&file)
        .output()
        .expect("kubectl runs")
}

fn exists(env: &TestEnv, namespace: &str, name: &str) -> bool {
    env.kubectl()
        .args(["get", "companyscan", name, "-n", namespace, "-o", "name"])
        .output()
        .expect("kubectl runs")
        .status
        .success()
}

/// Abusive specs: a name, the spec fields, and words the refusal must show.
/// The first group depends on the installer's policy; the last five are
/// refused under any policy.
fn abusive_specs() -> Vec<(&'static str, Value, &'static str)> {
    let url = |u: &str| json!({"company": {"url": u}});
    let private = "which this cluster's scan policy does not allow";
    vec![
        (
            "private-networks",
            json!({"crawl": {"allowPrivateNetworks": true}}),
            "does not allow private networks",
        ),
        ("loopback", url("http://127.0.0.1:8080/"), private),
        ("private-10", url("http://10.0.0.5/"), private),
        ("private-192", url("https://192.168.1.1/admin"), private),
        (
            "metadata",
            url("http://169.254.169.254/latest/meta-data/"),
            private,
        ),
        ("azure-wireserver", url("http://168.63.129.16/"), private),
        ("cgnat", url("http://100.64.0.1/"), private),
        (
            "decimal-ipv4",
            url("http://2130706433/"),
            "non-canonical spelling",
        ),
        (
            "hex-ipv4",
            url("http://0x7f.0.0.1/"),
            "non-canonical spelling",
        ),
        ("short-ipv4", url("http://127.1/"), "non-canonical spelling"),
        ("ipv6-loopback", url("http://[::1]/"), private),
        ("ipv6-metadata", url("http://[fd00:ec2::254]/"), private),
        (
            "ipv4-mapped",
            url("http://[::ffff:127.0.0.1]/"),
            "non-canonical spelling",
        ),
        ("nat64", url("http://[64:ff9b::a00:1]/"), private),
        ("6to4", url("http://[2002:7f00:1::1]/"), private),
        (
            "cluster-service",
            url("https://kubernetes.default.svc/"),
            "cluster-internal",
        ),
        (
            "cluster-fqdn",
            url("https://api.default.svc.cluster.local/"),
            "cluster-internal",
        ),
        ("dotless-name", url("http://kubernetes/"), "search domains"),
        (
            "metadata-name",
            url("http://metadata.google.internal/"),
            "cluster-internal or local",
        ),
        (
            "localhost",
            url("http://localhost:9090/"),
            "cluster-internal or local",
        ),
        (
            "foreign-image",
            json!({"crawler": {"image": "evil.example.com/miner:latest"}}),
            "spec.crawler.image evil.example.com/miner:latest is not allowed",
        ),
        (
            "look-alike-image",
            json!({"crawler": {"image": "ghcr.io/cira-dev/cira-crawler:0.1.0-evil"}}),
            "is not allowed by this cluster's scan policy",
        ),
        (
            "annotation",
            json!({"crawler": {"annotations": {"container.apparmor.security.beta.kubernetes.io/crawler": "unconfined"}}}),
            "container.apparmor.security.beta.kubernetes.io/crawler not allowed",
        ),
        (
            "node-selector",
            json!({"crawler": {"nodeSelector": {"node-role.kubernetes.io/control-plane": ""}}}),
            "node-role.kubernetes.io/control-plane not allowed",
        ),
        (
            "tolerate-everything",
            json!({"crawler": {"tolerations": [{"operator": "Exists"}]}}),
            "a toleration without a key tolerates every taint",
        ),
        (
            "priority-class",
            json!({"crawler": {"priorityClassName": "system-node-critical"}}),
            "system-node-critical is not allowed",
        ),
        (
            "cpu-ceiling",
            json!({"crawler": {"resources": {"limits": {"cpu": "64"}}}}),
            "exceed this cluster's ceilings",
        ),
        (
            "gpu",
            json!({"crawler": {"resources": {"requests": {"nvidia.com/gpu": 1}}}}),
            "exceed this cluster's ceilings",
        ),
        (
            "resource-claims",
            json!({"crawler": {"resources": {"claims": [{"name": "gpu"}]}}}),
            "no claims",
        ),
        (
            "huge-checkpoint-volume",
            json!({"checkpoint": {"storage": "PersistentVolumeClaim", "volumeClaim": {"size": "1Ti"}}}),
            "larger than this cluster's ceiling of 10Gi",
        ),
        // Under any policy.
        (
            "credentials",
            url("https://user:secret@acme.example.com/"),
            "must not carry credentials",
        ),
        (
            "tld-domain",
            json!({"crawl": {"allowedDomains": ["com"]}}),
            "must not be public suffixes",
        ),
        (
            "wildcard-tld-domain",
            json!({"crawl": {"allowedDomains": ["*.com"]}}),
            "must not be public suffixes",
        ),
        (
            "cc-sld-domain",
            json!({"crawl": {"allowedDomains": ["co.uk"]}}),
            "must not be public suffixes",
        ),
        (
            "platform-domain",
            json!({"crawl": {"allowedDomains": ["acme.com", "*.github.io"]}}),
            "must not be public suffixes",
        ),
    ]
}

/// `kubectl create --dry-run=server`: admission runs, nothing is stored.
fn dry_run_create(env: &TestEnv, namespace: &str, object: &Value) -> Output {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("scan.json");
    std::fs::write(&file, object.to_string()).expect("write the scan");
    env.kubectl()
        .args(["create", "--dry-run=server", "-n", namespace, "-f"])
        .arg(&file)
        .output()
        .expect("kubectl runs")
}

/// Waits until the policy is in force: the API server loads a new
/// ValidatingAdmissionPolicy and its binding asynchronously. In force means
/// a plain scan is admitted and a forbidden one refused with the policy's
/// own message.
async fn wait_until_enforced(env: &TestEnv, namespace: &str, forbidden: Value, refusal: &str) {
    let allowed = scan("probe", json!({}));
    let forbidden = scan("probe", forbidden);
    cira_tests::wait_for(
        "the ValidatingAdmissionPolicy to admit a plain scan and refuse a forbidden one",
        Duration::from_secs(60),
        || {
            let admitted = dry_run_create(env, namespace, &allowed).status.success();
            let out = dry_run_create(env, namespace, &forbidden);
            let refused_by_policy = !out.status.success() && text(&out).contains(refusal);
            async move { (admitted && refused_by_policy).then_some(()) }
        },
    )
    .await
    .expect("the policy comes into force");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn abusive_scans_are_refused_at_admission_with_the_reason() {
    cira_tests::init_tracing();
    let env = TestEnv::shared().await;
    env.install_crds().await.expect("CRDs install");
    let ns = env.new_namespace("admission").await.expect("namespace");
    let _release = Release::install(env, format!("adm-{ns}"), &ns, &[]);
    wait_until_enforced(
        env,
        &ns,
        json!({"crawl": {"allowPrivateNetworks": true}}),
        "allowPrivateNetworks",
    )
    .await;

    let cases = abusive_specs();
    assert!(cases.len() >= 20, "at least 20 abusive specs");
    let mut failures = Vec::new();
    for (name, extra, expected) in &cases {
        let out = create(env, &ns, &scan(name, extra.clone()));
        let output = text(&out);
        if out.status.success() {
            failures.push(format!("{name}: accepted"));
        } else if !output.contains(expected) {
            failures.push(format!("{name}: refused without {expected:?}:\n{output}"));
        }
        assert!(!exists(env, &ns, name), "{name} was stored");
    }
    assert!(
        failures.is_empty(),
        "{} of {} abusive scans were not refused as expected:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    println!("abusive specs refused at admission: {}", cases.len());

    // A plain scan, and overrides within the defaults, pass.
    let fine = scan(
        "fine",
        json!({
            "crawler": {
                "image": "ghcr.io/cira-dev/cira-crawler:0.1.0",
                "resources": {"requests": {"cpu": "500m", "memory": "256Mi"}, "limits": {"memory": "2Gi"}}
            },
            "checkpoint": {"storage": "PersistentVolumeClaim", "volumeClaim": {"size": "10Gi"}},
            "crawl": {"allowedDomains": ["acme.co.uk", "*.acme-cdn.net"]}
        }),
    );
    let out = create(env, &ns, &fine);
    assert!(out.status.success(), "{}", text(&out));

    // Changing the spec of a stored scan is checked too; changing only its
    // metadata is not.
    let patch = |body: Value| {
        env.kubectl()
            .args([
                "patch",
                "companyscan",
                "fine",
                "-n",
                &ns,
                "--type",
                "merge",
                "-p",
            ])
            .arg(body.to_string())
            .output()
            .expect("kubectl runs")
    };
    let out = patch(json!({"spec": {"company": {"url": "http://10.1.2.3/"}}}));
    assert!(
        !out.status.success(),
        "a spec change to a private seed passed"
    );
    assert!(text(&out).contains("does not allow"), "{}", text(&out));
    let out = patch(json!({"metadata": {"labels": {"team": "a"}}}));
    assert!(out.status.success(), "{}", text(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_installer_policy_allows_what_it_lists() {
    cira_tests::init_tracing();
    let env = TestEnv::shared().await;
    env.install_crds().await.expect("CRDs install");
    let ns = env
        .new_namespace("admission-open")
        .await
        .expect("namespace");
    let _release = Release::install(
        env,
        format!("adm-{ns}"),
        &ns,
        &[
            "policy.allowPrivateNetworks=true",
            "policy.maxCheckpointVolumeSize=50Gi",
            "policy.crawler.allowedImagePrefixes={registry.example.com/cira/}",
            "policy.crawler.allowedAnnotationPrefixes={example.com/}",
            "policy.crawler.allowedNodeSelectorKeys={pool}",
            "policy.crawler.allowedTolerationKeys={dedicated}",
            "policy.crawler.allowedPriorityClasses={batch-low}",
            "policy.crawler.maxResources.cpu=8",
        ],
    );
    wait_until_enforced(
        env,
        &ns,
        json!({"crawler": {"image": "evil.example.com/x:1"}}),
        "spec.crawler.image",
    )
    .await;

    let allowed = scan(
        "allowed",
        json!({
            "company": {"url": "http://127.0.0.1:8080/"},
            "crawl": {"allowPrivateNetworks": true},
            "crawler": {
                "image": "registry.example.com/cira/crawler:2",
                "annotations": {"example.com/team": "a"},
                "nodeSelector": {"pool": "crawl"},
                "tolerations": [{"key": "dedicated", "operator": "Exists"}],
                "priorityClassName": "batch-low",
                "resources": {"limits": {"cpu": "8", "memory": "2Gi"}}
            },
            "checkpoint": {"storage": "PersistentVolumeClaim", "volumeClaim": {"size": "50Gi"}}
        }),
    );
    let out = create(env, &ns, &allowed);
    assert!(out.status.success(), "{}", text(&out));

    // Still refused: a look-alike registry, and what no policy allows.
    for (name, extra) in [
        (
            "look-alike",
            json!({"crawler": {"image": "registry.example.com.evil.io/cira/crawler:2"}}),
        ),
        (
            "suffix",
            json!({"crawl": {"allowedDomains": ["*.github.io"]}}),
        ),
        (
            "credentials",
            json!({"company": {"url": "http://a:b@127.0.0.1/"}}),
        ),
    ] {
        let out = create(env, &ns, &scan(name, extra));
        assert!(!out.status.success(), "{name} passed");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_policy_configmap_is_no_lever_at_admission() {
    cira_tests::init_tracing();
    let env = TestEnv::shared().await;
    env.install_crds().await.expect("CRDs install");
    let ns = env.new_namespace("admission-cm").await.expect("namespace");
    let release = Release::install(env, format!("adm-{ns}"), &ns, &[]);
    wait_until_enforced(
        env,
        &ns,
        json!({"crawl": {"allowPrivateNetworks": true}}),
        "allowPrivateNetworks",
    )
    .await;
    // Whoever may edit the release namespace loosens the ConfigMap, then
    // deletes it: admission enforces the installed values all the same, and
    // plain scans are still admitted (a policy that read its parameters
    // from this object would refuse them all once it is gone).
    let configmap = format!("{}-cira-operator-scan-policy", release.name);
    for change in [
        vec![
            "patch".to_string(),
            "configmap".into(),
            configmap.clone(),
            "-n".into(),
            ns.clone(),
            "--type".into(),
            "merge".into(),
            "-p".into(),
            r#"{"data":{"allowPrivateNetworks":"true"}}"#.into(),
        ],
        vec![
            "delete".to_string(),
            "configmap".into(),
            configmap.clone(),
            "-n".into(),
            ns.clone(),
        ],
    ] {
        let out = env.kubectl().args(&change).output().expect("kubectl runs");
        assert!(out.status.success(), "{}", text(&out));
        let out = dry_run_create(env, &ns, &scan("plain", json!({})));
        assert!(out.status.success(), "after {}: {}", change[0], text(&out));
        let out = dry_run_create(
            env,
            &ns,
            &scan("private", json!({"crawl": {"allowPrivateNetworks": true}})),
        );
        assert!(
            !out.status.success() && text(&out).contains("allowPrivateNetworks"),
            "after {}: {}",
            change[0],
            text(&out)
        );
    }
}
