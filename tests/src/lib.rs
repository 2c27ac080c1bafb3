//! Test support for CIRA's integration tests: a real Kubernetes control plane
//! (etcd, kube-apiserver, kube-controller-manager built from their Go modules
//! by `controlplane/build.sh`) and a node agent that plays scheduler and
//! kubelet by running pods as local processes.
//!
//! ```no_run
//! # async fn example() -> Result<(), cira_tests::Error> {
//! let env = cira_tests::TestEnv::shared().await;
//! let ns = env.new_namespace("my-test").await?;
//! let client = env.admin_client().await;
//! # let _ = (ns, client); Ok(()) }
//! ```
//!
//! See `NodeAgent` for how pods are run and which parts of a pod spec are
//! honoured.

mod certs;
mod controlplane;
mod env;
mod error;
mod node;
pub mod sample_site;
mod supervisor;
mod wait;
mod workspace;

pub use env::{ControllerManagerStopped, TestEnv};
pub use error::Error;
pub use node::{NODE_NAME, NodeAgent, ProcessExit};
pub use wait::wait_for;
pub use workspace::{control_plane_bin_dir, workspace_binary};

/// Installs a `tracing` subscriber that writes to the test output, filtered by
/// `RUST_LOG` (default `warn`). Safe to call from every test.
pub fn init_tracing() {
    // Fails only when a subscriber is installed already: an earlier test's.
    let _ = cira_runtime::init_logging(
        cira_runtime::LogFormat::Text,
        "warn",
        cira_runtime::LogTarget::Test,
    );
}

/// A CompanyScan named `name` with `spec`, as the JSON a client sends.
pub fn company_scan_json(name: &str, spec: serde_json::Value) -> serde_json::Value {
    serde_json::json!({
        "apiVersion": "cira.dev/v1alpha1",
        "kind": "CompanyScan",
        "metadata": {"name": name},
        "spec": spec,
    })
}

/// [`company_scan_json`] as the typed resource.
///
/// # Panics
/// If `spec` is not a valid CompanyScan spec: a mistake in the test.
pub fn company_scan(name: &str, spec: serde_json::Value) -> cira_crds::CompanyScan {
    serde_json::from_value(company_scan_json(name, spec)).expect("a valid CompanyScan")
}

/// Merges `patch` into `base` as a JSON merge: objects merge key by key,
/// anything else replaces. Tests build specs from a base and a patch.
pub fn merge_json(base: &mut serde_json::Value, patch: serde_json::Value) {
    use serde_json::Value;
    match (base, patch) {
        (Value::Object(b), Value::Object(p)) => {
            for (k, v) in p {
                merge_json(b.entry(k).or_insert(Value::Null), v);
            }
        }
        (b, p) => *b = p,
    }
}
