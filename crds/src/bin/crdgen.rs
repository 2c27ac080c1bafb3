//! Writes the CompanyScan CRD YAML generated from the Rust types.
//!
//! `crdgen` writes `crds/companyscan.yaml` and the Helm chart's copy;
//! `crdgen -` prints to stdout.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let yaml = match cira_crds::crd_yaml() {
        Ok(yaml) => yaml,
        Err(e) => {
            eprintln!("crdgen: {e}");
            return ExitCode::FAILURE;
        }
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("-") {
        print!("{yaml}");
        return ExitCode::SUCCESS;
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let targets = if args.is_empty() {
        vec![
            root.join("companyscan.yaml"),
            root.join("../charts/cira-operator/crds/companyscan.yaml"),
        ]
    } else {
        args.iter().map(PathBuf::from).collect()
    };
    for target in targets {
        if let Some(parent) = target.parent()
            && let Err(e) = std::fs::create_dir_all(parent)
        {
            eprintln!("crdgen: cannot create {}: {e}", parent.display());
            return ExitCode::FAILURE;
        }
        if let Err(e) = std::fs::write(&target, &yaml) {
            eprintln!("crdgen: cannot write {}: {e}", target.display());
            return ExitCode::FAILURE;
        }
        eprintln!("wrote {}", target.display());
    }
    ExitCode::SUCCESS
}
