//! Running helm on the chart and reading what it renders.

use std::path::PathBuf;
use std::process::{Command, Output};

use serde::Deserialize;
use serde_json::Value;

/// The Kubernetes version `helm template` renders for (the helm built for
/// the tests carries no version of its own and would assume 1.20).
pub(super) const KUBE_VERSION: &str = "1.36.3";

pub(super) fn chart_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../charts/cira-operator")
}

fn helm_bin() -> PathBuf {
    cira_tests::control_plane_bin_dir()
        .expect("the control-plane binaries build")
        .join("helm")
}

pub(super) fn helm(args: &[&str]) -> Output {
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

pub(super) fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// `helm template` with `--set` values; Err carries helm's output.
pub(super) fn template(sets: &[&str]) -> Result<String, String> {
    render(&[], "cira-system", sets)
}

/// `helm template` into `namespace` with more flags and `--set` values; Err
/// carries helm's output.
pub(super) fn render(flags: &[&str], namespace: &str, sets: &[&str]) -> Result<String, String> {
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
pub(super) fn objects(rendered: &str) -> Vec<Value> {
    serde_yaml::Deserializer::from_str(rendered)
        .map(|doc| Value::deserialize(doc).expect("rendered YAML parses"))
        .filter(|v| !v.is_null())
        .collect()
}

pub(super) fn find<'a>(objects: &'a [Value], kind: &str, name_suffix: &str) -> Option<&'a Value> {
    objects.iter().find(|o| {
        o["kind"] == kind
            && o["metadata"]["name"]
                .as_str()
                .is_some_and(|n| n.ends_with(name_suffix))
    })
}

pub(super) fn kinds(objects: &[Value]) -> Vec<String> {
    let mut kinds: Vec<String> = objects
        .iter()
        .map(|o| o["kind"].as_str().unwrap_or_default().to_string())
        .collect();
    kinds.sort();
    kinds
}

pub(super) fn operator_args(objects: &[Value]) -> Vec<String> {
    let deploy = find(objects, "Deployment", "cira-operator").expect("a Deployment");
    deploy["spec"]["template"]["spec"]["containers"][0]["args"]
        .as_array()
        .expect("args")
        .iter()
        .map(|a| a.as_str().expect("string arg").to_string())
        .collect()
}
