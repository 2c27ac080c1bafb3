//! Locating the cached control-plane binaries and building workspace binaries.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};

use crate::Error;

/// The workspace root (the parent of this crate's folder).
pub(crate) fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// Runs `controlplane/build.sh` once per process (a no-op on a warm cache)
/// and returns the folder holding etcd, kube-apiserver,
/// kube-controller-manager, kubectl and helm.
pub fn control_plane_bin_dir() -> Result<PathBuf, Error> {
    static BIN_DIR: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("controlplane/build.sh");
    BIN_DIR
        .get_or_init(|| run_build_script(&script).map_err(|e| e.to_string()))
        .clone()
        .map_err(|reason| Error::ControlPlaneBuild { script, reason })
}

fn run_build_script(script: &Path) -> Result<PathBuf, Error> {
    tracing::info!(script = %script.display(), "building or locating the test control plane");
    let output = Command::new("bash")
        .arg(script)
        .output()
        .map_err(Error::io(format!("could not run {}", script.display())))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(Error::ControlPlaneBuild {
            script: script.to_path_buf(),
            reason: format!("{}; stderr:\n{}", output.status, tail(&stderr, 30)),
        });
    }
    let dir = stdout.lines().last().map(str::trim).unwrap_or_default();
    let dir = PathBuf::from(dir);
    if !dir.join("kube-apiserver").is_file() {
        return Err(Error::ControlPlaneBuild {
            script: script.to_path_buf(),
            reason: format!(
                "its last line {:?} is not a folder with kube-apiserver",
                dir
            ),
        });
    }
    Ok(dir)
}

/// The last `n` lines of `text`.
pub(crate) fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// Builds a binary of this workspace once per process and returns its path:
/// `cargo build --workspace --bins`, in the same profile and target folder as
/// the running test, which `make binaries` already did (so it is fresh
/// there). Every binary of the workspace rather than one package: cargo
/// unifies dependency features over what it builds, and a `-p` build per
/// package compiled the dependencies again for each. Binaries only: a build
/// of test targets could relink the very test executable that is running.
pub fn workspace_binary(package: &str, bin: &str) -> Result<PathBuf, Error> {
    static BUILT: OnceLock<Mutex<HashMap<(String, String), PathBuf>>> = OnceLock::new();
    let built = BUILT.get_or_init(Default::default);
    // Holding the lock while building serialises builds, which cargo would do anyway.
    let mut built = built.lock().unwrap_or_else(|poison| poison.into_inner());
    let key = (package.to_string(), bin.to_string());
    if let Some(path) = built.get(&key) {
        return Ok(path.clone());
    }
    let err = |reason: String| Error::CargoBuild {
        package: package.to_string(),
        bin: bin.to_string(),
        reason,
    };
    let (target_dir, profile_dir) = current_profile_dir().map_err(&err)?;
    let profile = match profile_dir.file_name().and_then(|n| n.to_str()) {
        Some("debug") => "dev".to_string(),
        Some(other) => other.to_string(),
        None => "dev".to_string(),
    };
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    tracing::info!(package, bin, profile, "building workspace binary");
    let output = Command::new(cargo)
        .current_dir(workspace_root())
        .args([
            "build",
            "--quiet",
            "--workspace",
            "--bins",
            "--profile",
            &profile,
        ])
        .arg("--target-dir")
        .arg(&target_dir)
        .output()
        .map_err(|e| err(format!("could not run cargo: {e}")))?;
    if !output.status.success() {
        return Err(err(format!(
            "{}:\n{}",
            output.status,
            tail(&String::from_utf8_lossy(&output.stderr), 40)
        )));
    }
    let path = profile_dir.join(format!("{bin}{}", std::env::consts::EXE_SUFFIX));
    if !path.is_file() {
        return Err(err(format!(
            "cargo succeeded but {} does not exist",
            path.display()
        )));
    }
    built.insert(key, path.clone());
    Ok(path)
}

/// The target folder and profile folder of the running executable
/// (`<target>/<profile>/deps/<test>-<hash>`).
fn current_profile_dir() -> Result<(PathBuf, PathBuf), String> {
    let exe =
        std::env::current_exe().map_err(|e| format!("cannot find the test executable: {e}"))?;
    let mut dir = exe.parent().ok_or("the test executable has no folder")?;
    if dir.file_name().is_some_and(|n| n == "deps") {
        dir = dir.parent().ok_or("deps has no parent")?;
    }
    let profile_dir = dir.to_path_buf();
    let target_dir = profile_dir
        .parent()
        .ok_or("the profile folder has no parent")?
        .to_path_buf();
    Ok((target_dir, profile_dir))
}
