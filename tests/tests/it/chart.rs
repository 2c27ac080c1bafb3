//! The Helm chart: lint, schema validation, rendering, and the rendered
//! objects against the real test control plane.

use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::Duration;

use serde::Deserialize;
use serde_json::Value;

/// The Kubernetes version `helm template` renders for (the helm built for
/// the tests carries no version of its own and would assume 1.20).
const KUBE_VERSION: &str = "1.36.3";

fn chart_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../charts/cira-operator")
}

fn helm_bin() -> PathBuf {
    cira_tests::control_plane_bin_dir()
        .expect("the control-plane binaries build")
        .join("helm")
}

fn helm(args: &[&str]) -> Output {
    // Keep helm away from the user's own config and repositories; the folder
    // goes away with the call.
    let home = tempfile::tempdir().expect("temp dir");
    Command::new(helm_bin())
        .args(args)
        .env("HOME", home.path())
        .env("HELM_CONFIG_HOME", home.path().join("config"))
        .env("HELM_CACHE_HOME", home.path().join("cache"))
        .env("HELM_DATA_HOME", home.path().join("data"))
        .output()
        .expect("helm runs")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// `helm template` with `--set` values; Err carries helm's output.
fn template(sets: &[&str]) -> Result<String, String> {
    render(&[], "cira-system", sets)
}

/// `helm template` into `namespace` with more flags and `--set` values; Err
/// carries helm's output.
fn render(flags: &[&str], namespace: &str, sets: &[&str]) -> Result<String, String> {
    let chart = chart_dir();
    let mut args = vec![
        "template",
        "cira",
        chart.to_str().expect("utf-8 path"),
        "--namespace",
        namespace,
        "--kube-version",
        KUBE_VERSION,
    ];
    args.extend(flags);
    for set in sets {
        args.extend(["--set", set]);
    }
    let out = helm(&args);
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(text(&out))
    }
}

/// The rendered objects, parsed.
fn objects(rendered: &str) -> Vec<Value> {
    serde_yaml::Deserializer::from_str(rendered)
        .map(|doc| Value::deserialize(doc).expect("rendered YAML parses"))
        .filter(|v| !v.is_null())
        .collect()
}

fn find<'a>(objects: &'a [Value], kind: &str, name_suffix: &str) -> Option<&'a Value> {
    objects.iter().find(|o| {
        o["kind"] == kind
            && o["metadata"]["name"]
                .as_str()
                .is_some_and(|n| n.ends_with(name_suffix))
    })
}

fn kinds(objects: &[Value]) -> Vec<String> {
    let mut kinds: Vec<String> = objects
        .iter()
        .map(|o| o["kind"].as_str().unwrap_or_default().to_string())
        .collect();
    kinds.sort();
    kinds
}

fn operator_args(objects: &[Value]) -> Vec<String> {
    let deploy = find(objects, "Deployment", "cira-operator").expect("a Deployment");
    deploy["spec"]["template"]["spec"]["containers"][0]["args"]
        .as_array()
        .expect("args")
        .iter()
        .map(|a| a.as_str().expect("string arg").to_string())
        .collect()
}

#[test]
fn chart_lints_clean() {
    let chart = chart_dir();
    let out = helm(&[
        "lint",
        "--strict",
        chart.to_str().expect("utf-8 path"),
        "--kube-version",
        KUBE_VERSION,
    ]);
    let output = text(&out);
    assert!(out.status.success(), "helm lint failed:\n{output}");
    assert!(
        !output.contains("[WARNING]") && !output.contains("[ERROR]"),
        "helm lint is not clean:\n{output}"
    );
}

#[test]
fn bad_values_fail_with_the_schema_message() {
    let cases: &[(&str, &str)] = &[
        (
            "operator.logFormat=xml",
            "at '/operator/logFormat': value must be one of 'text', 'json'",
        ),
        (
            "operator.maxConcurrentScans=0",
            "at '/operator/maxConcurrentScans': minimum: got 0, want 1",
        ),
        ("replicaCount=-1", "at '/replicaCount': minimum"),
        ("operator.staleAfter=soon", "at '/operator/staleAfter'"),
        ("image.pullPolicy=Sometimes", "at '/image/pullPolicy'"),
        (
            "networkPolicy.crawler.deniedCIDRs={10.0.0.0}",
            "at '/networkPolicy/crawler/deniedCIDRs/0'",
        ),
        (
            "operator.maxConcurentScans=3",
            "additional properties 'maxConcurentScans' not allowed",
        ),
        ("metrics.port=70000", "at '/metrics/port': maximum"),
        (
            "policy.maxCheckpointVolumeSize=huge",
            "at '/policy/maxCheckpointVolumeSize'",
        ),
        (
            "policy.crawler.allowedImagePrefixes={a,b c}",
            "at '/policy/crawler/allowedImagePrefixes/1'",
        ),
        ("policy.allowPrivateNetwork=true", "additional properties"),
    ];
    for (set, expected) in cases {
        let err = template(&[set]).expect_err(&format!("--set {set} must be refused"));
        assert!(
            err.contains("values don't meet the specifications of the schema")
                && err.contains(expected),
            "--set {set}: expected {expected:?} in:\n{err}"
        );
    }
    // A wrong type, not just a wrong value.
    let err = template(&["replicaCount=two"]).expect_err("a string replica count is refused");
    assert!(err.contains("at '/replicaCount'"), "{err}");
}

#[test]
fn default_render_has_every_piece() {
    let objs = objects(&template(&[]).expect("the defaults render"));
    assert_eq!(
        kinds(&objs),
        [
            // The operator's, and the console's viewer and editor roles for
            // its users.
            "ClusterRole",
            "ClusterRole",
            "ClusterRole",
            "ClusterRoleBinding",
            "ConfigMap",
            "Deployment",
            "Deployment",
            "NetworkPolicy",
            "NetworkPolicy",
            "Role",
            "RoleBinding",
            "Service",
            "Service",
            "ServiceAccount",
            "ServiceAccount",
            "ValidatingAdmissionPolicy",
            "ValidatingAdmissionPolicyBinding",
        ]
    );
    let args = operator_args(&objs);
    for expected in [
        "--crawler-image=ghcr.io/cira-dev/cira-crawler:0.1.0",
        "--max-concurrent-scans=5",
        "--pending-timeout=10m",
        "--log-format=text",
        "--leader-election=false",
        "--metrics-addr=0.0.0.0:8080",
    ] {
        assert!(
            args.iter().any(|a| a == expected),
            "{expected} missing from {args:?}"
        );
    }
    let deploy = find(&objs, "Deployment", "cira-operator").expect("Deployment");
    let pod = &deploy["spec"]["template"]["spec"];
    let container = &pod["containers"][0];
    assert_eq!(container["image"], "ghcr.io/cira-dev/cira-operator:0.1.0");
    assert_eq!(container["livenessProbe"]["httpGet"]["path"], "/healthz");
    assert_eq!(container["readinessProbe"]["httpGet"]["path"], "/readyz");
    assert_eq!(container["securityContext"]["readOnlyRootFilesystem"], true);
    assert_eq!(
        container["securityContext"]["allowPrivilegeEscalation"],
        false
    );
    assert_eq!(
        container["securityContext"]["capabilities"]["drop"][0],
        "ALL"
    );
    assert_eq!(pod["securityContext"]["runAsUser"], 65532);
    assert_eq!(
        pod["securityContext"]["seccompProfile"]["type"],
        "RuntimeDefault"
    );
    let ns_env = container["env"]
        .as_array()
        .expect("env")
        .iter()
        .find(|e| e["name"] == "POD_NAMESPACE")
        .expect("POD_NAMESPACE");
    assert_eq!(
        ns_env["valueFrom"]["fieldRef"]["fieldPath"],
        "metadata.namespace"
    );
    // One replica without leader election must not overlap during a rollout.
    assert_eq!(deploy["spec"]["strategy"]["type"], "Recreate");

    let lease_role = find(&objs, "Role", "-leader-election").expect("lease Role");
    assert_eq!(lease_role["metadata"]["namespace"], "cira-system");
    assert_eq!(lease_role["rules"][0]["resources"][0], "leases");
}

#[test]
fn scan_policy_renders_the_values_for_admission() {
    let objs = objects(&template(&[]).expect("the defaults render"));
    let cm = find(&objs, "ConfigMap", "-scan-policy").expect("the policy ConfigMap");
    let data = &cm["data"];
    assert_eq!(data["allowPrivateNetworks"], "false");
    assert_eq!(
        data["allowedImagePrefixes"], "ghcr.io/cira-dev/cira-crawler:0.1.0",
        "only the operator's own crawler image by default"
    );
    for key in [
        "allowedAnnotationPrefixes",
        "allowedNodeSelectorKeys",
        "allowedTolerationKeys",
        "allowedPriorityClasses",
    ] {
        assert_eq!(data[key], "", "{key} is empty by default");
    }
    assert_eq!(data["maxCheckpointVolumeSize"], "10Gi");
    assert_eq!(data["maxResource.cpu"], "2");
    assert_eq!(data["maxResource.memory"], "2Gi");
    let binding = find(&objs, "ValidatingAdmissionPolicyBinding", "-scan-policy").expect("binding");
    assert!(
        binding["spec"]["paramRef"].is_null(),
        "no parameter object: the API server's parameter lookup can refuse every scan"
    );
    assert_eq!(binding["spec"]["validationActions"][0], "Deny");
    assert!(
        binding["spec"]["matchResources"].is_null(),
        "cluster mode: every namespace"
    );
    let vap = find(&objs, "ValidatingAdmissionPolicy", "-scan-policy").expect("policy");
    assert_eq!(vap["spec"]["failurePolicy"], "Fail");
    assert!(vap["spec"]["paramKind"].is_null());
    // The admission policy carries the very values of the ConfigMap, as a
    // CEL map literal (written in JSON syntax, which CEL shares).
    let compiled = vap["spec"]["variables"]
        .as_array()
        .and_then(|vars| vars.iter().find(|v| v["name"] == "policy"))
        .and_then(|v| v["expression"].as_str())
        .expect("the policy variable");
    let compiled: serde_json::Value =
        serde_json::from_str(compiled).expect("the policy variable is a map literal");
    assert_eq!(
        &compiled, data,
        "admission enforces what the ConfigMap says"
    );
    assert_eq!(
        &operator_policy(&objs),
        data,
        "the operator checks what the ConfigMap says"
    );

    let objs = objects(
        &template(&[
            "policy.allowPrivateNetworks=true",
            "policy.crawler.allowedImagePrefixes={registry.example.com/cira/,ghcr.io/x:}",
            "policy.crawler.maxResources.cpu=4",
            "policy.admission=false",
        ])
        .expect("renders"),
    );
    let cm = find(&objs, "ConfigMap", "-scan-policy").expect("the policy ConfigMap");
    assert_eq!(cm["data"]["allowPrivateNetworks"], "true");
    assert_eq!(
        cm["data"]["allowedImagePrefixes"],
        "registry.example.com/cira/,ghcr.io/x:"
    );
    assert_eq!(cm["data"]["maxResource.cpu"], "4");
    assert!(find(&objs, "ValidatingAdmissionPolicy", "-scan-policy").is_none());
    // Without admission the operator's own check is what is left.
    assert_eq!(&operator_policy(&objs), &cm["data"]);
}

/// The operator's `--scan-policy` flag, parsed.
fn operator_policy(objects: &[Value]) -> Value {
    let args = operator_args(objects);
    let flag = args
        .iter()
        .find_map(|a| a.strip_prefix("--scan-policy="))
        .unwrap_or_else(|| panic!("--scan-policy missing from {args:?}"));
    serde_json::from_str(flag).expect("--scan-policy is a JSON object")
}

#[test]
fn more_replicas_switch_leader_election_on() {
    let objs = objects(
        &template(&["replicaCount=2", "podDisruptionBudget.enabled=true"]).expect("renders"),
    );
    let args = operator_args(&objs);
    assert!(
        args.iter().any(|a| a == "--leader-election=true"),
        "{args:?}"
    );
    let deploy = find(&objs, "Deployment", "cira-operator").expect("Deployment");
    assert_eq!(deploy["spec"]["replicas"], 2);
    assert!(
        deploy["spec"]["strategy"].is_null(),
        "rolling update with leader election"
    );
    let pdb = find(&objs, "PodDisruptionBudget", "cira-operator").expect("PDB");
    assert_eq!(pdb["spec"]["minAvailable"], 1);

    let objs = objects(&template(&["operator.leaderElection.enabled=true"]).expect("renders"));
    assert!(
        operator_args(&objs)
            .iter()
            .any(|a| a == "--leader-election=true")
    );
}

fn console_container(objects: &[Value]) -> &Value {
    &find(objects, "Deployment", "-console").expect("the console Deployment")["spec"]["template"]["spec"]
        ["containers"][0]
}

fn console_args(objects: &[Value]) -> Vec<String> {
    console_container(objects)["args"]
        .as_array()
        .expect("args")
        .iter()
        .map(|a| a.as_str().expect("string arg").to_string())
        .collect()
}

#[test]
fn console_renders_for_each_auth_mode() {
    // token (default): a restricted pod, a ClusterIP Service, no RBAC of its
    // own; people get the viewer/editor roles bound.
    let objs = objects(&template(&[]).expect("renders"));
    let container = console_container(&objs);
    assert_eq!(container["image"], "ghcr.io/cira-dev/cira-console:0.1.0");
    assert_eq!(container["readinessProbe"]["httpGet"]["path"], "/readyz");
    assert_eq!(container["livenessProbe"]["httpGet"]["path"], "/healthz");
    assert_eq!(container["securityContext"]["readOnlyRootFilesystem"], true);
    assert_eq!(
        container["securityContext"]["capabilities"]["drop"][0],
        "ALL"
    );
    let args = console_args(&objs);
    for expected in [
        "--auth=token",
        "--listen=0.0.0.0:8080",
        "--default-namespace=cira-system",
    ] {
        assert!(
            args.iter().any(|a| a == expected),
            "{expected} missing from {args:?}"
        );
    }
    assert!(!args.iter().any(|a| a == "--secure-cookie"), "{args:?}");
    let service = find(&objs, "Service", "-console").expect("console Service");
    assert_eq!(service["spec"]["type"], "ClusterIP");
    assert_eq!(
        service["spec"]["selector"]["app.kubernetes.io/component"],
        "console"
    );
    assert!(
        find(&objs, "ClusterRole", "-console-reader").is_none(),
        "no own RBAC in token mode"
    );
    let editor = find(&objs, "ClusterRole", "-console-editor").expect("editor role");
    let verbs: Vec<&Value> = editor["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .flat_map(|r| r["verbs"].as_array().expect("verbs").iter())
        .collect();
    assert!(verbs.contains(&&Value::from("patch")));
    let viewer = find(&objs, "ClusterRole", "-console-viewer").expect("viewer role");
    for rule in viewer["rules"].as_array().expect("rules") {
        for verb in rule["verbs"].as_array().expect("verbs") {
            assert!(
                ["get", "list", "watch"].contains(&verb.as_str().unwrap_or_default()),
                "{rule}"
            );
        }
    }
    let policy = find(&objs, "NetworkPolicy", "-console").expect("console policy");
    assert_eq!(policy["spec"]["ingress"][0]["ports"][0]["port"], 8080);
    assert!(find(&objs, "Ingress", "-console").is_none());

    // readOnly in one namespace: a Role there with read verbs only, bound to
    // the console's ServiceAccount; an Ingress with TLS makes the cookie Secure.
    let objs = objects(
        &template(&[
            "console.auth=readOnly",
            "operator.watchNamespace=scans",
            "console.ingress.enabled=true",
            "console.ingress.host=cira.example.com",
            "console.ingress.tls[0].secretName=cira-tls",
            "console.ingress.tls[0].hosts[0]=cira.example.com",
        ])
        .expect("renders"),
    );
    let args = console_args(&objs);
    assert!(args.iter().any(|a| a == "--auth=readOnly"), "{args:?}");
    assert!(
        args.iter().any(|a| a == "--default-namespace=scans"),
        "{args:?}"
    );
    assert!(args.iter().any(|a| a == "--secure-cookie"), "{args:?}");
    let reader = find(&objs, "Role", "-console-reader").expect("reader Role");
    assert_eq!(reader["metadata"]["namespace"], "scans");
    for rule in reader["rules"].as_array().expect("rules") {
        for verb in rule["verbs"].as_array().expect("verbs") {
            assert!(
                ["get", "list", "watch"].contains(&verb.as_str().unwrap_or_default()),
                "{rule}"
            );
        }
    }
    let binding = find(&objs, "RoleBinding", "-console-reader").expect("reader binding");
    assert!(
        binding["subjects"][0]["name"]
            .as_str()
            .is_some_and(|n| n.ends_with("-console"))
    );
    let ingress = find(&objs, "Ingress", "-console").expect("Ingress");
    assert_eq!(ingress["spec"]["rules"][0]["host"], "cira.example.com");
    assert_eq!(ingress["spec"]["tls"][0]["secretName"], "cira-tls");

    // Switched off: nothing of the console is rendered.
    let objs = objects(&template(&["console.enabled=false"]).expect("renders"));
    assert!(
        objs.iter()
            .all(|o| o["metadata"]["labels"]["app.kubernetes.io/component"] != "console"),
        "console objects rendered although disabled"
    );
    let err = template(&["console.auth=admin"]).expect_err("an unknown auth mode fails");
    assert!(
        err.contains("console.auth") || err.contains("/console/auth"),
        "{err}"
    );
}

/// The operator's rules in the namespaces it manages scans in, as
/// (apiGroup, resource, verb): exactly what the code uses (docs/security.md
/// says why each is there). The same in both install modes.
const OPERATOR_RULES: &[(&str, &[&str], &[&str])] = &[
    ("cira.dev", &["companyscans"], &["get", "list", "watch"]),
    ("cira.dev", &["companyscans/status"], &["patch"]),
    ("cira.dev", &["companyscans/finalizers"], &["update"]),
    (
        "batch",
        &["jobs"],
        &["get", "list", "watch", "create", "patch", "delete"],
    ),
    ("", &["pods"], &["list", "watch"]),
    (
        "",
        &["configmaps"],
        &["get", "list", "watch", "create", "patch", "delete"],
    ),
    (
        "",
        &["serviceaccounts", "persistentvolumeclaims"],
        &["get", "create", "patch"],
    ),
    (
        "rbac.authorization.k8s.io",
        &["roles", "rolebindings"],
        &["get", "create", "patch"],
    ),
    (
        "networking.k8s.io",
        &["networkpolicies"],
        &["get", "create", "patch"],
    ),
    ("events.k8s.io", &["events"], &["create", "patch"]),
    ("", &["events"], &["list"]),
];

/// The leader-election Role's rules, in the release namespace only.
const LEASE_RULES: &[(&str, &[&str], &[&str])] = &[(
    "coordination.k8s.io",
    &["leases"],
    &["get", "create", "patch"],
)];

type Grant = (String, String, String);

/// Every (apiGroup, resource, verb) a rule table grants.
fn grants(rules: &[(&str, &[&str], &[&str])]) -> std::collections::BTreeSet<Grant> {
    let mut out = std::collections::BTreeSet::new();
    for (group, resources, verbs) in rules {
        for resource in *resources {
            for verb in *verbs {
                out.insert((group.to_string(), resource.to_string(), verb.to_string()));
            }
        }
    }
    out
}

/// Every (apiGroup, resource, verb) a rendered Role or ClusterRole grants;
/// fails on anything that would widen a grant beyond a triple (wildcards,
/// resource names, non-resource URLs, several groups in one rule).
fn rendered_grants(role: &Value) -> std::collections::BTreeSet<Grant> {
    let mut out = std::collections::BTreeSet::new();
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .expect("a list")
            .iter()
            .map(|s| s.as_str().expect("a string").to_string())
            .collect()
    };
    for rule in role["rules"].as_array().expect("rules") {
        assert!(rule["nonResourceURLs"].is_null(), "{rule}");
        let groups = strings(&rule["apiGroups"]);
        assert_eq!(groups.len(), 1, "{rule}");
        for resource in strings(&rule["resources"]) {
            for verb in strings(&rule["verbs"]) {
                assert!(resource != "*" && verb != "*", "{rule}");
                out.insert((groups[0].clone(), resource.clone(), verb));
            }
        }
    }
    out
}

/// The operator's own RBAC objects (not the console's).
fn operator_rbac<'a>(objs: &'a [Value], kind: &str) -> Vec<&'a Value> {
    objs.iter()
        .filter(|o| {
            o["kind"] == kind
                && o["metadata"]["labels"]["app.kubernetes.io/component"] == "operator"
        })
        .collect()
}

/// `helm template` in each install mode: the operator's rules are exactly
/// the ones the code uses, as a ClusterRole (cluster-wide) or as a Role in
/// each watched namespace and no ClusterRole at all (namespaced); leases
/// only in the release namespace.
#[test]
fn operator_rbac_is_exactly_what_the_code_uses_in_each_mode() {
    let expected = grants(OPERATOR_RULES);
    let leases = grants(LEASE_RULES);
    let check_lease_role = |objs: &[Value]| {
        let roles = operator_rbac(objs, "Role");
        let lease_role = roles
            .iter()
            .find(|r| r["metadata"]["name"] == "cira-cira-operator-leader-election")
            .expect("the leader-election Role");
        assert_eq!(lease_role["metadata"]["namespace"], "cira-system");
        assert_eq!(rendered_grants(lease_role), leases);
    };

    // Cluster-wide: one ClusterRole, bound once, to the operator's account.
    let objs = objects(&template(&[]).expect("renders"));
    let cluster_roles = operator_rbac(&objs, "ClusterRole");
    assert_eq!(cluster_roles.len(), 1, "{cluster_roles:#?}");
    assert_eq!(rendered_grants(cluster_roles[0]), expected);
    let bindings = operator_rbac(&objs, "ClusterRoleBinding");
    assert_eq!(bindings.len(), 1);
    assert_eq!(bindings[0]["roleRef"]["name"], "cira-cira-operator");
    assert_eq!(bindings[0]["subjects"][0]["name"], "cira-cira-operator");
    assert_eq!(bindings[0]["subjects"][0]["namespace"], "cira-system");
    let roles = operator_rbac(&objs, "Role");
    assert_eq!(roles.len(), 1, "only the leader-election Role");
    check_lease_role(&objs);
    assert!(
        !operator_args(&objs)
            .iter()
            .any(|a| a.starts_with("--watch-namespace"))
    );

    // Namespaced: a Role and RoleBinding in each watched namespace, no
    // ClusterRole or ClusterRoleBinding of the operator at all. The single
    // namespace of earlier releases joins the list.
    for sets in [
        &["operator.watchNamespaces={team-a,team-b}"][..],
        &[
            "operator.watchNamespace=team-a",
            "operator.watchNamespaces={team-b,team-a}",
        ][..],
    ] {
        let objs = objects(&template(sets).expect("renders"));
        assert!(operator_rbac(&objs, "ClusterRole").is_empty(), "{sets:?}");
        assert!(operator_rbac(&objs, "ClusterRoleBinding").is_empty());
        let roles = operator_rbac(&objs, "Role");
        let mut namespaces = Vec::new();
        for role in roles
            .iter()
            .filter(|r| r["metadata"]["name"] == "cira-cira-operator")
        {
            namespaces.push(role["metadata"]["namespace"].as_str().expect("ns"));
            assert_eq!(rendered_grants(role), expected, "{sets:?}");
        }
        namespaces.sort();
        assert_eq!(namespaces, ["team-a", "team-b"], "{sets:?}");
        assert_eq!(roles.len(), 3, "two namespaces and the Lease");
        check_lease_role(&objs);
        let bindings = operator_rbac(&objs, "RoleBinding");
        let mut bound = Vec::new();
        for b in bindings
            .iter()
            .filter(|b| b["roleRef"]["name"] == "cira-cira-operator")
        {
            assert_eq!(b["roleRef"]["kind"], "Role");
            assert_eq!(b["subjects"][0]["name"], "cira-cira-operator");
            assert_eq!(b["subjects"][0]["namespace"], "cira-system");
            bound.push(b["metadata"]["namespace"].as_str().expect("ns"));
        }
        bound.sort();
        assert_eq!(bound, ["team-a", "team-b"]);
        let args = operator_args(&objs);
        assert!(
            args.iter().any(|a| a == "--watch-namespaces=team-a,team-b")
                || args.iter().any(|a| a == "--watch-namespaces=team-b,team-a"),
            "{args:?}"
        );
        // The admission policy and the crawler NetworkPolicies follow.
        let binding = find(&objs, "ValidatingAdmissionPolicyBinding", "-scan-policy")
            .expect("the admission binding");
        let mut admitted: Vec<&str> =
            binding["spec"]["matchResources"]["namespaceSelector"]["matchExpressions"][0]["values"]
                .as_array()
                .expect("values")
                .iter()
                .map(|v| v.as_str().expect("ns"))
                .collect();
        admitted.sort();
        assert_eq!(admitted, ["team-a", "team-b"]);
        let mut policies: Vec<&str> = objs
            .iter()
            .filter(|o| {
                o["kind"] == "NetworkPolicy"
                    && o["metadata"]["name"]
                        .as_str()
                        .is_some_and(|n| n.ends_with("-crawler"))
            })
            .map(|o| o["metadata"]["namespace"].as_str().expect("ns"))
            .collect();
        policies.sort();
        assert_eq!(policies, ["team-a", "team-b"]);
    }
}

#[test]
fn the_namespace_limit_is_passed_only_when_set() {
    let objs = objects(&template(&[]).expect("renders"));
    assert!(
        !operator_args(&objs)
            .iter()
            .any(|a| a.starts_with("--max-concurrent-scans-per-namespace"))
    );
    let objs = objects(&template(&["operator.maxConcurrentScansPerNamespace=2"]).expect("renders"));
    assert!(
        operator_args(&objs)
            .iter()
            .any(|a| a == "--max-concurrent-scans-per-namespace=2")
    );
    let err = template(&["operator.maxConcurrentScansPerNamespace=-1"])
        .expect_err("a negative limit is refused");
    assert!(err.contains("maxConcurrentScansPerNamespace"), "{err}");
}

#[test]
fn watch_namespace_uses_a_role_instead_of_a_cluster_role() {
    let objs = objects(&template(&["operator.watchNamespace=scans"]).expect("renders"));
    assert!(
        operator_args(&objs)
            .iter()
            .any(|a| a == "--watch-namespaces=scans")
    );
    let role = find(&objs, "Role", "cira-operator").expect("the operator Role");
    assert_eq!(role["metadata"]["namespace"], "scans");
    let binding = find(&objs, "RoleBinding", "cira-operator").expect("RoleBinding");
    assert_eq!(binding["subjects"][0]["namespace"], "cira-system");
    // Nothing cluster-wide is left for the operator (the console's user
    // roles are ClusterRoles to bind per namespace).
    let cluster_roles: Vec<&Value> = objs
        .iter()
        .filter(|o| {
            o["kind"] == "ClusterRole"
                && o["metadata"]["labels"]["app.kubernetes.io/component"] != "console"
        })
        .collect();
    assert!(cluster_roles.is_empty(), "{cluster_roles:#?}");
    // The crawler policy follows the scans into the watched namespace.
    let policy = find(&objs, "NetworkPolicy", "-crawler").expect("policy");
    assert_eq!(policy["metadata"]["namespace"], "scans");
}

#[test]
fn crawler_network_policy_keeps_crawlers_off_internal_ranges() {
    let objs = objects(
        &template(&["networkPolicy.crawler.apiServer.cidrs={192.0.2.10/32}"]).expect("renders"),
    );
    let policy = find(&objs, "NetworkPolicy", "-crawler").expect("policy");
    let spec = &policy["spec"];
    assert_eq!(
        spec["podSelector"]["matchLabels"]["app.kubernetes.io/component"],
        "crawler"
    );
    assert_eq!(spec["ingress"], Value::Array(vec![]), "no ingress at all");
    let egress = spec["egress"].as_array().expect("egress");
    let v4 = &egress[0]["to"][0]["ipBlock"];
    assert_eq!(v4["cidr"], "0.0.0.0/0");
    let except: Vec<&str> = v4["except"]
        .as_array()
        .expect("except")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for range in [
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "100.64.0.0/10",
        "169.254.0.0/16",
    ] {
        assert!(except.contains(&range), "{range} not excluded: {except:?}");
    }
    let v6 = &egress[1]["to"][0]["ipBlock"];
    assert_eq!(v6["cidr"], "::/0");
    assert!(
        v6["except"]
            .as_array()
            .expect("v6 except")
            .iter()
            .any(|c| c == "fe80::/10")
    );
    let dns = &egress[2];
    assert_eq!(dns["ports"][0]["port"], 53);
    let api = &egress[3];
    assert_eq!(api["to"][0]["ipBlock"]["cidr"], "192.0.2.10/32");
    assert_eq!(egress.len(), 4, "nothing else is open: {egress:#?}");

    // Unknown API server: only its ports open to the private ranges, never to
    // link-local (cloud metadata).
    let objs = objects(&template(&[]).expect("renders"));
    let policy = find(&objs, "NetworkPolicy", "-crawler").expect("policy");
    let fallback = &policy["spec"]["egress"][3];
    let ranges: Vec<&str> = fallback["to"]
        .as_array()
        .expect("to")
        .iter()
        .filter_map(|t| t["ipBlock"]["cidr"].as_str())
        .collect();
    assert!(ranges.contains(&"10.0.0.0/8"), "{ranges:?}");
    assert!(
        !ranges
            .iter()
            .any(|r| r.starts_with("169.254.") || r.starts_with("fe80:")),
        "{ranges:?}"
    );
    let ports: Vec<i64> = fallback["ports"]
        .as_array()
        .expect("ports")
        .iter()
        .filter_map(|p| p["port"].as_i64())
        .collect();
    assert_eq!(ports, [443, 6443]);

    let objs = objects(&template(&["networkPolicy.crawler.enabled=false"]).expect("renders"));
    assert!(find(&objs, "NetworkPolicy", "-crawler").is_none());
}

#[test]
fn service_monitor_and_image_digests_render() {
    let digest = format!("sha256:{}", "a".repeat(64));
    let objs = objects(
        &template(&[
            "metrics.serviceMonitor.enabled=true",
            &format!("crawler.image.digest={digest}"),
            "image.tag=0.2.0",
        ])
        .expect("renders"),
    );
    let monitor = find(&objs, "ServiceMonitor", "cira-operator").expect("ServiceMonitor");
    assert_eq!(monitor["spec"]["endpoints"][0]["port"], "metrics");
    let args = operator_args(&objs);
    assert!(
        args.contains(&format!(
            "--crawler-image=ghcr.io/cira-dev/cira-crawler@{digest}"
        )),
        "{args:?}"
    );
    let deploy = find(&objs, "Deployment", "cira-operator").expect("Deployment");
    assert_eq!(
        deploy["spec"]["template"]["spec"]["containers"][0]["image"],
        "ghcr.io/cira-dev/cira-operator:0.2.0"
    );
}

/// Every flag the chart passes must be one the operator binary accepts, or
/// the Deployment would crash-loop on a renamed flag.
#[test]
fn operator_accepts_every_rendered_flag() {
    let objs = objects(
        &template(&[
            "replicaCount=2",
            "operator.watchNamespace=scans",
            "operator.maxConcurrentScansPerNamespace=2",
        ])
        .expect("renders"),
    );
    let operator = cira_tests::workspace_binary("cira-operator", "cira-operator")
        .expect("the operator builds");
    let help = Command::new(&operator)
        .arg("--help")
        .output()
        .expect("operator runs");
    let help = text(&help);
    for arg in operator_args(&objs) {
        let flag = arg.split('=').next().expect("flag");
        assert!(
            help.contains(&format!("{flag} "))
                || help.contains(&format!("{flag}\n"))
                || help.contains(&format!("{flag} <")),
            "the chart passes {flag}, which `cira-operator --help` does not list:\n{help}"
        );
    }
    let deploy = find(&objs, "Deployment", "cira-operator").expect("Deployment");
    for env in deploy["spec"]["template"]["spec"]["containers"][0]["env"]
        .as_array()
        .expect("env")
    {
        let name = env["name"].as_str().expect("env name");
        if name != "RUST_LOG" {
            assert!(
                help.contains(name),
                "the chart sets {name}, unknown to the operator:\n{help}"
            );
        }
    }
}

// ---- On the real control plane ----

use cira_tests::TestEnv;

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
