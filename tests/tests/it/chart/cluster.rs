//! The rendered chart on the real control plane: server-side dry runs, a
//! real install with least-privilege RBAC, and a working operator.

use std::process::Output;
use std::time::Duration;

use cira_tests::TestEnv;
use serde_json::Value;

use super::common::{chart_dir, objects, render, text};

/// The shared env with the CRDs installed.
async fn env_with_crds() -> &'static TestEnv {
    cira_tests::init_tracing();
    let env = TestEnv::shared().await;
    env.install_crds().await.expect("CRDs install");
    env
}

fn kubectl(env: &TestEnv, args: &[&str]) -> Output {
    env.kubectl().args(args).output().expect("kubectl runs")
}

/// `kubectl <args> <file>`, the file holding `contents` for the call.
fn kubectl_with_file(env: &TestEnv, args: &[&str], contents: impl AsRef<[u8]>) -> Output {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("objects.yaml");
    std::fs::write(&file, contents).expect("write objects");
    env.kubectl()
        .args(args)
        .arg(&file)
        .output()
        .expect("kubectl runs")
}

/// `kubectl apply --dry-run=server` of `helm template --include-crds` output:
/// the API server validates every object (schemas, RBAC, policy fields).
async fn server_dry_run(env: &TestEnv, namespace: &str, sets: &[&str]) -> String {
    let rendered = render(&["--include-crds"], namespace, sets)
        .unwrap_or_else(|e| panic!("helm template failed: {e}"));
    let out = kubectl_with_file(
        env,
        // Server-side apply: the CRD is too big for client-side apply's
        // last-applied annotation. Forcing conflicts is harmless in a dry run.
        &[
            "apply",
            "--server-side",
            "--force-conflicts",
            "--dry-run=server",
            "--field-manager",
            "cira-chart-test",
            "-n",
            namespace,
            "-f",
        ],
        rendered,
    );
    let output = text(&out);
    assert!(
        out.status.success(),
        "server-side dry run failed with {sets:?}:\n{output}"
    );
    output
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rendered_chart_passes_server_side_dry_run() {
    cira_tests::init_tracing();
    let env = TestEnv::shared().await;
    let ns = env.new_namespace("chart-dry-run").await.expect("namespace");
    let output = server_dry_run(env, &ns, &[]).await;
    for object in [
        "customresourcedefinition.apiextensions.k8s.io/companyscans.cira.dev",
        "deployment.apps/cira-cira-operator",
        "clusterrole.rbac.authorization.k8s.io/cira-cira-operator",
        "networkpolicy.networking.k8s.io/cira-cira-operator-crawler",
        "serviceaccount/cira-cira-operator",
        "service/cira-cira-operator-metrics",
        "deployment.apps/cira-cira-operator-console",
        "service/cira-cira-operator-console",
        "networkpolicy.networking.k8s.io/cira-cira-operator-console",
        "clusterrole.rbac.authorization.k8s.io/cira-cira-operator-console-editor",
    ] {
        assert!(
            output.contains(object),
            "{object} missing from the dry run:\n{output}"
        );
    }
    let sets = [
        "replicaCount=2",
        "podDisruptionBudget.enabled=true",
        &format!("operator.watchNamespace={ns}"),
        "networkPolicy.crawler.apiServer.cidrs={127.0.0.1/32}",
        "operator.logFormat=json",
        "console.auth=readOnly",
        "console.ingress.enabled=true",
        "console.ingress.host=cira.example.com",
    ];
    let output = server_dry_run(env, &ns, &sets).await;
    for object in [
        "poddisruptionbudget.policy/cira-cira-operator",
        "role.rbac.authorization.k8s.io/cira-cira-operator",
        "rolebinding.rbac.authorization.k8s.io/cira-cira-operator-leader-election",
        "role.rbac.authorization.k8s.io/cira-cira-operator-console-reader",
        "ingress.networking.k8s.io/cira-cira-operator-console",
    ] {
        assert!(
            output.contains(object),
            "{object} missing from the dry run:\n{output}"
        );
    }
}

/// Uninstalls a release however the test ends.
struct Release<'a> {
    env: &'a TestEnv,
    name: String,
    namespace: String,
}

impl Release<'_> {
    /// `helm install` of the chart (CRDs skipped: the env installs them)
    /// with `--set` values.
    fn install(&self, sets: &[&str]) -> Output {
        let chart = chart_dir();
        let mut helm = self.env.helm();
        helm.args([
            "install",
            &self.name,
            chart.to_str().expect("utf-8 path"),
            "--namespace",
            &self.namespace,
            "--skip-crds",
        ]);
        for set in sets {
            helm.args(["--set", set]);
        }
        helm.output().expect("helm runs")
    }
}

impl Drop for Release<'_> {
    fn drop(&mut self) {
        let _ = self
            .env
            .helm()
            .args([
                "uninstall",
                &self.name,
                "--namespace",
                &self.namespace,
                "--wait",
            ])
            .output();
    }
}

/// `resource` may carry extra words, e.g. `"companyscans.cira.dev --subresource=status"`.
fn can_i(env: &TestEnv, user: &str, verb: &str, resource: &str, namespace: &str) -> bool {
    let out = env
        .kubectl()
        .args(["auth", "can-i", verb])
        .args(resource.split_whitespace())
        .args(["--as", user, "-n", namespace])
        .output()
        .expect("kubectl runs");
    String::from_utf8_lossy(&out.stdout).trim() == "yes"
}

/// Asserts that `user` may (`allowed`) or may not do each (verb, resource,
/// namespace).
fn assert_access(env: &TestEnv, user: &str, allowed: bool, cases: &[(&str, &str, &str)]) {
    for (verb, resource, namespace) in cases {
        assert_eq!(
            can_i(env, user, verb, resource, namespace),
            allowed,
            "{user} {} {verb} {resource} in {namespace}",
            if allowed { "cannot" } else { "may" }
        );
    }
}

/// A real `helm install` (no operator pod: replicaCount=0): lookup finds the
/// API server for the crawler policy, and the operator's ServiceAccount gets
/// what it needs and nothing it does not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chart_installs_with_least_privilege_rbac() {
    // `kubectl auth can-i` resolves resource names through discovery.
    let env = env_with_crds().await;
    let ns = env.new_namespace("chart-install").await.expect("namespace");
    let other = env.new_namespace("chart-scans").await.expect("namespace");
    let release = Release {
        env,
        name: format!("r-{ns}"),
        namespace: ns.clone(),
    };
    // The test control plane runs without the endpoint reconciler, so publish
    // the API server the way a real cluster does, for the chart's lookup
    // (a documentation address: EndpointSlices refuse loopback ones).
    let api_port = env
        .api_url()
        .rsplit(':')
        .next()
        .and_then(|p| p.parse::<u16>().ok())
        .expect("the API URL has a port");
    let slice = serde_json::json!({
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": {
            "name": "kubernetes-cira-chart-test",
            "namespace": "default",
            "labels": {"kubernetes.io/service-name": "kubernetes"}
        },
        "addressType": "IPv4",
        "endpoints": [{"addresses": ["192.0.2.10"]}],
        "ports": [{"name": "https", "port": api_port, "protocol": "TCP"}]
    });
    let out = kubectl_with_file(env, &["apply", "-f"], slice.to_string());
    assert!(out.status.success(), "{}", text(&out));

    let out = release.install(&["replicaCount=0"]);
    let output = text(&out);
    assert!(out.status.success(), "helm install failed:\n{output}");
    assert!(
        output.contains("CIRA 0.1.0 is installed"),
        "NOTES.txt shown:\n{output}"
    );
    assert!(
        !output.contains("WARNING: the API server address"),
        "lookup found the API server:\n{output}"
    );

    let policy = kubectl(env, &["get", "networkpolicy", "-n", &ns, "-o", "json"]);
    let policies: Value = serde_json::from_slice(&policy.stdout).expect("json");
    let egress = &policies["items"][0]["spec"]["egress"];
    let api_rule = egress
        .as_array()
        .expect("egress rules")
        .iter()
        .find(|r| {
            r["ports"]
                .as_array()
                .is_some_and(|p| p.iter().any(|p| p["port"] == api_port))
        })
        .expect("an API server rule");
    assert_eq!(
        api_rule["to"][0]["ipBlock"]["cidr"], "192.0.2.10/32",
        "{api_rule}"
    );

    // The release name does not contain the chart name, so fullname is release-chart.
    let sa = format!("system:serviceaccount:{ns}:{}-cira-operator", release.name);
    assert_access(
        env,
        &sa,
        true,
        &[
            ("watch", "companyscans.cira.dev", other.as_str()),
            (
                "patch",
                "companyscans.cira.dev --subresource=status",
                other.as_str(),
            ),
            ("create", "jobs.batch", other.as_str()),
            ("list", "pods", other.as_str()),
            ("watch", "pods", other.as_str()),
            ("watch", "jobs.batch", other.as_str()),
            ("create", "configmaps", other.as_str()),
            ("create", "roles.rbac.authorization.k8s.io", other.as_str()),
            (
                "create",
                "rolebindings.rbac.authorization.k8s.io",
                other.as_str(),
            ),
            ("create", "events.events.k8s.io", other.as_str()),
            ("patch", "leases.coordination.k8s.io", ns.as_str()),
        ],
    );
    assert_access(
        env,
        &sa,
        false,
        &[
            ("get", "secrets", other.as_str()),
            ("create", "pods", other.as_str()),
            ("delete", "pods", other.as_str()),
            ("update", "companyscans.cira.dev", other.as_str()),
            ("patch", "leases.coordination.k8s.io", other.as_str()),
            ("get", "pods", other.as_str()),
            ("update", "configmaps", other.as_str()),
            // The operator never reads CRDs: it learns that the CRD is
            // missing from listing scans.
            (
                "get",
                "customresourcedefinitions.apiextensions.k8s.io/companyscans.cira.dev",
                ns.as_str(),
            ),
            (
                "escalate",
                "roles.rbac.authorization.k8s.io",
                other.as_str(),
            ),
        ],
    );
    drop(release);
    let left = kubectl(
        env,
        &[
            "get",
            "clusterrole",
            "-l",
            "app.kubernetes.io/instance",
            "-o",
            "name",
        ],
    );
    assert!(
        !String::from_utf8_lossy(&left.stdout).contains(&format!("r-{ns}")),
        "uninstall removes the ClusterRoles"
    );
}

/// The GitOps example: the kustomization renders, and its CompanyScans are
/// accepted by the API server (schema and CEL rules of the real CRD).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gitops_example_scans_pass_server_side_dry_run() {
    let env = env_with_crds().await;
    let ns = env.new_namespace("chart-gitops").await.expect("namespace");
    let example = chart_dir().join("../examples/gitops/scans");
    let rendered = kubectl(env, &["kustomize", example.to_str().expect("utf-8 path")]);
    assert!(rendered.status.success(), "{}", text(&rendered));
    let mut scans: Vec<Value> = objects(&String::from_utf8_lossy(&rendered.stdout))
        .into_iter()
        .filter(|o| o["kind"] == "CompanyScan")
        .collect();
    assert_eq!(scans.len(), 2, "two scans in the example");
    for scan in &mut scans {
        assert_eq!(scan["metadata"]["namespace"], "research");
        // The dry run cannot create `research`, so aim at a real namespace.
        scan["metadata"]["namespace"] = Value::String(ns.clone());
    }
    let list = serde_json::json!({"apiVersion": "v1", "kind": "List", "items": scans});
    let out = kubectl_with_file(
        env,
        &["create", "--dry-run=server", "-o", "name", "-f"],
        list.to_string(),
    );
    let output = text(&out);
    assert!(
        out.status.success(),
        "the example scans are refused:\n{output}"
    );
    assert!(
        output.contains("companyscan.cira.dev/acme")
            && output.contains("companyscan.cira.dev/globex"),
        "{output}"
    );

    // The Argo CD Applications are well-formed and point at the example.
    for file in ["application-scans.yaml", "application-operator.yaml"] {
        let path = chart_dir().join("../examples/gitops").join(file);
        let app: Value = serde_yaml::from_str(&std::fs::read_to_string(&path).expect("readable"))
            .expect("valid YAML");
        assert_eq!(app["kind"], "Application", "{file}");
        let source = app["spec"]["source"]["path"].as_str().expect("source path");
        assert!(
            chart_dir().join("../..").join(source).is_dir(),
            "{file}: source path {source} exists in the repository"
        );
    }
}

/// The chart end to end: the node agent runs the operator image (mapped to
/// the freshly built binary) with nothing but the chart's RBAC, and that
/// operator takes a scan up to a crawler Job. No crawler image is
/// registered, so no crawler process runs and nothing leaves the machine.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chart_deploys_a_working_operator() {
    use cira_crds::{CompanyScan, names};
    use k8s_openapi::api::batch::v1::Job;
    use k8s_openapi::api::core::v1::{Pod, ServiceAccount};
    use k8s_openapi::api::rbac::v1::{Role, RoleBinding};
    use kube::api::{Api, ApiResource, DynamicObject, ListParams, PostParams};

    let env = env_with_crds().await;
    let operator = cira_tests::workspace_binary("cira-operator", "cira-operator")
        .expect("the operator builds");
    env.node()
        .register_image("ghcr.io/cira-dev/cira-operator", operator);
    let ns = env.new_namespace("chart-e2e").await.expect("namespace");
    let scans_ns = env
        .new_namespace("chart-e2e-scans")
        .await
        .expect("namespace");
    let scans_ns2 = env
        .new_namespace("chart-e2e-more")
        .await
        .expect("namespace");
    let release = Release {
        env,
        name: format!("e2e-{ns}"),
        namespace: ns.clone(),
    };
    // No --wait: the test waits for what the operator does instead.
    // Namespaced mode with two namespaces (Roles there, no ClusterRole)
    // and leader election, so the Lease rules are used too.
    let out = release.install(&[
        &format!("operator.watchNamespaces={{{scans_ns},{scans_ns2}}}"),
        "operator.leaderElection.enabled=true",
        "networkPolicy.crawler.apiServer.cidrs={192.0.2.10/32}",
    ]);
    let client = env.admin_client().await;
    let pods: Api<Pod> = Api::namespaced(client.clone(), &ns);
    let operator_logs = || async {
        let list = pods
            .list(&ListParams::default().labels("app.kubernetes.io/component=operator"))
            .await
            .map(|l| l.items)
            .unwrap_or_default();
        list.iter()
            .filter_map(|p| p.metadata.name.as_deref())
            .map(|name| format!("--- {name}\n{}", env.node().pod_logs(&ns, name)))
            .collect::<String>()
    };
    assert!(
        out.status.success(),
        "helm install failed:\n{}\noperator logs:\n{}",
        text(&out),
        operator_logs().await
    );

    for scans_ns in [&scans_ns, &scans_ns2] {
        let scans: Api<CompanyScan> = Api::namespaced(client.clone(), scans_ns);
        let scan = cira_tests::company_scan(
            "acme",
            serde_json::json!({"company": {"name": "Acme Inc.", "url": "https://acme.example"}}),
        );
        // The API server loads the chart's ValidatingAdmissionPolicy and binding
        // asynchronously. A server-side dry run shows when admission is ready.
        let dry_run = PostParams {
            dry_run: true,
            ..PostParams::default()
        };
        cira_tests::wait_for(
            "admission to accept a plain scan",
            Duration::from_secs(60),
            || {
                let (scans, scan, dry_run) = (scans.clone(), scan.clone(), dry_run.clone());
                async move { scans.create(&dry_run, &scan).await.ok().map(|_| ()) }
            },
        )
        .await
        .expect("admission ready");
        scans
            .create(&PostParams::default(), &scan)
            .await
            .expect("scan created");

        let jobs: Api<Job> = Api::namespaced(client.clone(), scans_ns);
        let job_name = names::job_name("acme", 1);
        let found = cira_tests::wait_for(
            "the operator to create the crawler Job and write status",
            Duration::from_secs(90),
            || {
                let (jobs, scans, job_name) = (jobs.clone(), scans.clone(), job_name.clone());
                async move {
                    let job = jobs.get_opt(&job_name).await.ok()??;
                    let scan = scans.get("acme").await.ok()?;
                    scan.status.as_ref()?.phase?;
                    Some((job, scan))
                }
            },
        )
        .await;
        let logs = operator_logs().await;
        let (job, scan) = found.unwrap_or_else(|e| panic!("{e}\noperator logs:\n{logs}"));
        assert_eq!(scan.status.as_ref().map(|s| s.scan_version), Some(1));
        assert_eq!(
            job.metadata
                .labels
                .as_ref()
                .and_then(|l| l.get("app.kubernetes.io/component")),
            Some(&"crawler".to_string()),
            "the crawler NetworkPolicy selects this Job's pods"
        );
        let crawler = names::crawler_service_account_name("acme");
        for resource in [
            ApiResource::erase::<ServiceAccount>(&()),
            ApiResource::erase::<Role>(&()),
            ApiResource::erase::<RoleBinding>(&()),
        ] {
            let object = Api::<DynamicObject>::namespaced_with(client.clone(), scans_ns, &resource)
                .get_opt(&crawler)
                .await
                .expect("read");
            assert!(object.is_some(), "{} {crawler}: {logs}", resource.kind);
        }
    }
    let logs = operator_logs().await;
    assert!(
        !logs.to_lowercase().contains("forbidden"),
        "the chart's RBAC refused the operator something:\n{logs}"
    );
}
