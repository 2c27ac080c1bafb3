//! What `helm template` renders for each set of values, and the values it
//! refuses.

use std::process::Command;

use serde_json::Value;

use super::common::{
    KUBE_VERSION, chart_dir, find, helm, kinds, objects, operator_args, template, text,
};

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
