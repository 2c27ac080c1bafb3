//! Runs the Argo CD health check (`charts/argocd/companyscan-health.lua`)
//! against every case in `charts/argocd/testdata`, the way Argo CD does: the
//! object as a Lua table in the global `obj`, the script's returned table read
//! for `status` and `message`.

use std::path::{Path, PathBuf};

use mlua::serde::SerializeOptions;
use mlua::{Lua, LuaSerdeExt, Table};
use serde::Deserialize;

fn argocd_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../charts/argocd")
}

#[derive(Deserialize)]
struct Case {
    expected: Expected,
    object: serde_json::Value,
}

#[derive(Deserialize, Debug, PartialEq)]
struct Expected {
    status: String,
    message: String,
}

/// Evaluates the health script for one object.
fn health(script: &str, object: &serde_json::Value) -> mlua::Result<Expected> {
    let lua = Lua::new();
    // JSON null becomes nil, as in Argo CD, not mlua's null sentinel.
    let options = SerializeOptions::new()
        .serialize_none_to_null(false)
        .serialize_unit_to_null(false);
    let obj = lua.to_value_with(object, options)?;
    lua.globals().set("obj", obj)?;
    let hs: Table = lua.load(script).set_name("companyscan-health.lua").eval()?;
    Ok(Expected {
        status: hs.get("status")?,
        message: hs.get("message")?,
    })
}

fn cases() -> Vec<(PathBuf, Case)> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(argocd_dir().join("testdata"))
        .expect("testdata exists")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("readable case");
            let case: Case =
                serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            (path, case)
        })
        .collect()
}

fn name(path: &Path) -> String {
    path.file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned()
}

#[test]
fn health_check_matches_every_case() {
    let script = std::fs::read_to_string(argocd_dir().join("companyscan-health.lua"))
        .expect("the health script exists");
    let cases = cases();
    assert!(
        cases.len() >= 10,
        "expected the full case set, found {}",
        cases.len()
    );
    let mut failures = Vec::new();
    for (path, case) in &cases {
        match health(&script, &case.object) {
            Ok(got) if got == case.expected => {}
            Ok(got) => failures.push(format!(
                "{}: expected {:?}, got {got:?}",
                name(path),
                case.expected
            )),
            Err(e) => failures.push(format!("{}: the script failed: {e}", name(path))),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_status_argo_cd_knows_is_covered() {
    let statuses: std::collections::BTreeSet<String> = cases()
        .into_iter()
        .map(|(_, c)| c.expected.status)
        .collect();
    for status in ["Healthy", "Progressing", "Suspended", "Degraded", "Unknown"] {
        assert!(statuses.contains(status), "no case expects {status}");
    }
}

/// The cases are real CompanyScans: field names in the status match the API
/// types, so the script reads the fields the operator writes.
#[test]
fn case_objects_are_valid_company_scans() {
    for (path, case) in cases() {
        if case.expected.status == "Unknown" {
            continue; // deliberately carries a phase the API does not have
        }
        let scan: cira_crds::CompanyScan = serde_json::from_value(case.object.clone())
            .unwrap_or_else(|e| panic!("{}: not a CompanyScan: {e}", name(&path)));
        // Round-trip: every field in the case survives, so none is misspelt.
        let back = serde_json::to_value(&scan).expect("serialises");
        let status_in = &case.object["status"];
        if let Some(fields) = status_in.as_object() {
            for key in fields.keys() {
                assert!(
                    !back["status"][key].is_null(),
                    "{}: status.{key} is not a CompanyScanStatus field",
                    name(&path)
                );
            }
        }
    }
}
