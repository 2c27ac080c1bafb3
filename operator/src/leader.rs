//! Leader election on a coordination.k8s.io Lease (kube-lease-manager):
//! only the holder runs the controller.

use kube::Client;
use kube_lease_manager::LeaseManagerBuilder;
use tokio::sync::watch;

use crate::error::{Error, Result};

/// Lease timing: a leader that stops renewing loses the Lease after
/// `LEASE_SECONDS`; it renews `GRACE_SECONDS` before that.
pub const LEASE_SECONDS: u64 = 15;
pub const GRACE_SECONDS: u64 = 5;

/// A running election: `leader` turns true while this replica holds the
/// Lease. Dropping `leader` releases it.
pub struct Election {
    pub leader: watch::Receiver<bool>,
    pub task: tokio::task::JoinHandle<
        std::result::Result<
            kube_lease_manager::LeaseManager,
            kube_lease_manager::LeaseManagerError,
        >,
    >,
}

/// Starts competing for `namespace/name` as `identity`.
pub async fn start(
    client: Client,
    namespace: &str,
    name: &str,
    identity: &str,
) -> Result<Election> {
    if namespace.is_empty() {
        return Err(Error::Config(
            "leader election needs --lease-namespace (or POD_NAMESPACE)".to_string(),
        ));
    }
    let manager = LeaseManagerBuilder::new(client, name)
        .with_namespace(namespace)
        .with_identity(identity)
        .with_duration(LEASE_SECONDS)
        .with_grace(GRACE_SECONDS)
        .with_field_manager(format!("cira-operator-lease-{identity}"))
        .build()
        .await?;
    let (leader, task) = manager.watch().await;
    Ok(Election { leader, task })
}
