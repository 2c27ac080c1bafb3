//! The generated CRD: drift against the committed YAML, defaults, bounds and
//! CEL rules.

use cira_crds::*;
use kube::CustomResourceExt;
use serde_json::{Value, json};

fn schema() -> Value {
    let crd = serde_json::to_value(CompanyScan::crd()).unwrap();
    crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"].clone()
}

fn spec_props() -> Value {
    schema()["properties"]["spec"]["properties"].clone()
}

#[test]
fn committed_crd_matches_the_types() {
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/companyscan.yaml"))
            .expect("crds/companyscan.yaml is committed");
    assert!(
        committed == crd_yaml().unwrap(),
        "crds/companyscan.yaml is stale: run `cargo run -p cira-crds --bin crdgen`"
    );
}

#[test]
fn chart_crd_matches_the_types() {
    let chart = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../charts/cira-operator/crds/companyscan.yaml"
    ))
    .expect("the chart carries the CRD");
    assert!(
        chart == crd_yaml().unwrap(),
        "charts/cira-operator/crds/companyscan.yaml is stale: run `cargo run -p cira-crds --bin crdgen`"
    );
}

#[test]
fn crd_identity() {
    let crd = CompanyScan::crd();
    assert_eq!(crd.spec.group, "cira.dev");
    assert_eq!(crd.spec.scope, "Namespaced");
    assert_eq!(crd.spec.names.short_names, Some(vec!["cscan".to_string()]));
    assert_eq!(crd.spec.names.categories, Some(vec!["cira".to_string()]));
    let version = &crd.spec.versions[0];
    assert_eq!(version.name, "v1alpha1");
    assert!(version.subresources.as_ref().unwrap().status.is_some());
    let columns: Vec<_> = version
        .additional_printer_columns
        .as_ref()
        .unwrap()
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(
        columns,
        ["Phase", "Progress", "Pages", "Entities", "Desired", "Age"]
    );
}

#[test]
fn defaults_are_in_the_schema() {
    let spec = spec_props();
    assert_eq!(spec["desiredState"]["default"], "Running");
    assert_eq!(spec["timeout"]["default"], "1h");
    assert_eq!(spec["checkpoint"]["default"]["everyPages"], 10);
    assert_eq!(spec["checkpoint"]["default"]["every"], "2m");
    assert_eq!(spec["checkpoint"]["default"]["storage"], "ConfigMap");
    assert_eq!(spec["crawl"]["default"]["allowPrivateNetworks"], false);
    assert_eq!(spec["crawl"]["default"]["respectRobotsTxt"], true);
}

#[test]
fn bounds_are_in_the_schema() {
    let crawl = &spec_props()["crawl"]["properties"];
    let num = |v: &Value| v.as_f64().unwrap_or(f64::NAN);
    assert_eq!(num(&crawl["maxPages"]["minimum"]), 1.0);
    assert_eq!(num(&crawl["maxPages"]["maximum"]), 1_000_000.0);
    assert_eq!(num(&crawl["maxDepth"]["maximum"]), 50.0);
    assert_eq!(num(&crawl["concurrency"]["minimum"]), 1.0);
    assert_eq!(num(&crawl["concurrency"]["maximum"]), 64.0);
    assert!(crawl["requestsPerSecond"]["minimum"].as_f64().unwrap() > 0.0);
    assert_eq!(crawl["includePatterns"]["maxItems"], 32);
    assert_eq!(crawl["includePatterns"]["items"]["maxLength"], 256);
    assert_eq!(crawl["requestTimeout"]["pattern"], DURATION_PATTERN);
    assert_eq!(
        num(&spec_props()["checkpoint"]["properties"]["everyPages"]["minimum"]),
        1.0
    );
    assert_eq!(
        spec_props()["desiredState"]["enum"],
        json!(["Running", "Paused", "Stopped", "Cancelled"])
    );
}

fn rules_of(v: &Value) -> Vec<String> {
    v["x-kubernetes-validations"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|r| r["rule"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn cel_rules_carry_messages() {
    let spec = spec_props();
    assert!(rules_of(&spec["company"]["properties"]["url"])[0].contains("getScheme()"));
    assert_eq!(rules_of(&spec["rescan"]), ["self >= oldSelf"]);
    assert!(rules_of(&spec["checkpoint"])[0].contains("volumeClaim"));
    // Stopped and Cancelled are left only through a rescan.
    let spec_rules = rules_of(&schema()["properties"]["spec"]);
    assert!(
        spec_rules
            .iter()
            .any(|r| r.contains("oldSelf.desiredState != 'Cancelled'")),
        "{spec_rules:?}"
    );
    assert!(
        spec_rules
            .iter()
            .any(|r| r.contains("oldSelf.desiredState != 'Stopped'")),
        "{spec_rules:?}"
    );
    // Every rule has a message a person understands.
    fn walk(v: &Value, found: &mut usize) {
        if let Some(rules) = v.get("x-kubernetes-validations").and_then(Value::as_array) {
            for r in rules {
                assert!(r["message"].as_str().is_some_and(|m| m.len() > 10), "{r}");
                *found += 1;
            }
        }
        match v {
            Value::Object(m) => m.values().for_each(|c| walk(c, found)),
            Value::Array(a) => a.iter().for_each(|c| walk(c, found)),
            _ => {}
        }
    }
    let mut found = 0;
    walk(&schema(), &mut found);
    assert!(found >= 6, "{found} rules");
}

#[test]
fn conditions_are_a_list_map() {
    let conditions = &schema()["properties"]["status"]["properties"]["conditions"];
    assert_eq!(conditions["x-kubernetes-list-type"], "map");
    assert_eq!(conditions["x-kubernetes-list-map-keys"], json!(["type"]));
    assert!(conditions["items"]["properties"]["observedGeneration"].is_object());
}

#[test]
fn every_spec_and_status_field_is_documented() {
    fn walk(path: &str, v: &Value) {
        if let Some(props) = v.get("properties").and_then(Value::as_object) {
            for (name, child) in props {
                let here = format!("{path}.{name}");
                // metadata and apiVersion/kind come from Kubernetes itself.
                if path.is_empty() && ["metadata", "apiVersion", "kind"].contains(&name.as_str()) {
                    continue;
                }
                assert!(
                    child
                        .get("description")
                        .and_then(Value::as_str)
                        .is_some_and(|d| !d.is_empty()),
                    "{here} has no description"
                );
                walk(&here, child);
                if let Some(items) = child.get("items") {
                    walk(&format!("{here}[]"), items);
                }
            }
        }
    }
    walk("", &schema());
}

#[test]
fn spec_round_trips_with_defaults() {
    let scan: CompanyScanSpec = serde_json::from_value(json!({
        "company": {"name": "Acme", "url": "https://acme.test"}
    }))
    .unwrap();
    assert_eq!(scan.desired_state, DesiredState::Running);
    assert_eq!(scan.timeout, "1h");
    assert_eq!(scan.crawl.max_pages, 500);
    assert_eq!(scan.checkpoint.every_pages, 10);
    assert_eq!(scan.checkpoint.storage, CheckpointStorage::ConfigMap);
    assert_eq!(scan.analysis.sections.len(), 7);
    let text = serde_json::to_value(&scan).unwrap();
    assert_eq!(text["crawl"]["maxPages"], 500, "camelCase on the wire");
    let back: CompanyScanSpec = serde_json::from_value(text).unwrap();
    assert_eq!(back, scan);
    parse_duration(&scan.timeout).unwrap();
    parse_duration(&scan.crawl.request_timeout).unwrap();
    parse_duration(&scan.checkpoint.every).unwrap();
}

#[test]
fn status_round_trips() {
    let status = CompanyScanStatus {
        phase: Some(ScanPhase::Crawling),
        scan_version: 2,
        progress: Some(ScanProgress {
            percent: 40,
            pages_crawled: 4,
            ..Default::default()
        }),
        ..Default::default()
    };
    let text = serde_json::to_value(&status).unwrap();
    assert_eq!(text["phase"], "Crawling");
    assert_eq!(text["progress"]["pagesCrawled"], 4);
    assert_eq!(
        serde_json::from_value::<CompanyScanStatus>(text).unwrap(),
        status
    );
}
