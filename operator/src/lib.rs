//! CIRA's operator: turns CompanyScans into crawler Jobs that pause, resume,
//! recover, time out and rescan.
//!
//! The pipeline of one reconcile is read -> validate ([`validate`]) ->
//! decide ([`state`]) -> build ([`resources`]) -> apply and write status
//! ([`reconcile`]). [`run`] is the whole process: logging, the HTTP
//! endpoints, leader election and the controller.

pub mod config;
pub mod controller;
pub mod error;
pub mod http;
pub mod leader;
pub mod metrics;
pub mod network_policy;
pub mod queue;
pub mod rbac;
pub mod reconcile;
pub mod resources;
pub mod state;
pub mod status;
pub mod stuck;
pub mod telemetry;
pub mod validate;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use kube::Client;
use tokio_util::sync::CancellationToken;

pub use config::{Args, OperatorConfig};
pub use error::{Error, Result};
pub use rbac::operator_rbac_rules;

fn identity(args: &Args) -> String {
    args.identity
        .clone()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| format!("cira-operator-{}", std::process::id()))
}

/// Runs the operator process until SIGTERM.
pub async fn run(args: Args) -> Result<()> {
    telemetry::init(args.log_format)?;
    let config = args.operator_config()?;
    let client = Client::try_default().await.map_err(Error::Connect)?;
    // Fail at start-up, with a message that says what to do, when the CRD
    // is missing.
    controller::check_crd(&client, &config.watch_namespaces).await?;

    let shutdown = CancellationToken::new();
    cira_runtime::cancel_on_signals(shutdown.clone(), "shutting down").map_err(|source| {
        Error::Signal {
            signal: "SIGTERM",
            source,
        }
    })?;
    let metrics = metrics::Metrics::new();
    let ready = Arc::new(AtomicBool::new(false));
    let health = http::Health {
        metrics: metrics.clone(),
        ready: ready.clone(),
    };
    let (_, http_task) = http::serve(&args.metrics_addr, health, shutdown.clone()).await?;

    let result = if args.leader_election {
        run_as_elected(&args, client, config, metrics, ready, shutdown.clone()).await
    } else {
        controller::run(client, config, metrics, ready, shutdown.clone()).await
    };
    shutdown.cancel();
    let _ = http_task.await;
    result
}

async fn run_as_elected(
    args: &Args,
    client: Client,
    config: OperatorConfig,
    metrics: Arc<metrics::Metrics>,
    ready: Arc<AtomicBool>,
    shutdown: CancellationToken,
) -> Result<()> {
    let namespace = args.lease_namespace.clone().unwrap_or_default();
    let identity = identity(args);
    let election = leader::start(client.clone(), &namespace, &args.lease_name, &identity).await?;
    let mut leader_rx = election.leader.clone();
    // A standby replica is healthy and ready; it just does not reconcile.
    ready.store(true, Ordering::Relaxed);
    tracing::info!(lease = %args.lease_name, %namespace, %identity, "waiting to become the leader");
    let became_leader = tokio::select! {
        _ = shutdown.cancelled() => false,
        got = leader_rx.wait_for(|leader| *leader) => {
            if got.is_err() {
                return Err(Error::LeaderElectionEnded);
            }
            true
        }
    };
    if !became_leader {
        drop(leader_rx);
        drop(election.leader);
        let _ = tokio::time::timeout(Duration::from_secs(5), election.task).await;
        return Ok(());
    }
    tracing::info!(%identity, "became the leader");
    ready.store(false, Ordering::Relaxed);

    let stop = shutdown.child_token();
    let mut leader = leader_rx;
    let watch_stop = stop.clone();
    let lost = tokio::spawn(async move {
        let lost = tokio::select! {
            _ = leader.wait_for(|l| !*l) => true,
            _ = watch_stop.cancelled() => false,
        };
        if lost {
            tracing::error!("lost the leader Lease; stopping");
            watch_stop.cancel();
        }
        lost
    });
    let result = controller::run(client, config, metrics, ready, stop.clone()).await;
    stop.cancel();
    let lost_leadership = lost.await.unwrap_or(false) && !shutdown.is_cancelled();
    // Dropping the receivers releases the Lease so a standby takes over at once.
    drop(election.leader);
    let _ = tokio::time::timeout(Duration::from_secs(5), election.task).await;
    result?;
    if lost_leadership {
        return Err(Error::LeaderLost);
    }
    Ok(())
}
