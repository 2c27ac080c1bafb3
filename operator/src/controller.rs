//! Wiring the reconciler into a kube-runtime Controller: what is watched,
//! how watch events map to scans, and the readiness signal.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use cira_crds::CompanyScan;
use cira_crds::names;
use futures::StreamExt;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, ListParams};
use kube::runtime::controller::{Config as ControllerConfig, Controller};
use kube::runtime::events::{Recorder, Reporter};
use kube::runtime::reflector::ObjectRef;
use kube::runtime::watcher;
use kube::{Client, ResourceExt};
use tokio_util::sync::CancellationToken;

use crate::config::OperatorConfig;
use crate::error::{Error, Result};
use crate::metrics::Metrics;
use crate::reconcile::{Context, error_policy, reconcile};

/// Fails with a clear message when the CompanyScan CRD is not installed.
pub async fn check_crd(client: &Client, namespace: Option<&str>) -> Result<()> {
    let api: Api<CompanyScan> = match namespace {
        Some(ns) => Api::namespaced(client.clone(), ns),
        None => Api::all(client.clone()),
    };
    match api.list(&ListParams::default().limit(1)).await {
        Ok(_) => Ok(()),
        Err(kube::Error::Api(s)) if s.code == 404 => Err(Error::CrdNotInstalled),
        Err(e) => Err(Error::kube(
            "checking that the CompanyScan CRD is installed",
        )(e)),
    }
}

fn api<K>(client: &Client, namespace: Option<&str>) -> Api<K>
where
    K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope>,
    <K as kube::Resource>::DynamicType: Default,
{
    match namespace {
        Some(ns) => Api::namespaced(client.clone(), ns),
        None => Api::all(client.clone()),
    }
}

/// The scan a progress ConfigMap belongs to, from its owner reference.
fn progress_owner(cm: ConfigMap) -> Option<ObjectRef<CompanyScan>> {
    let ns = cm.namespace()?;
    cm.owner_references()
        .iter()
        .find(|o| o.kind == "CompanyScan" && o.api_version.starts_with(names::GROUP))
        .map(|o| ObjectRef::new(&o.name).within(&ns))
}

/// Runs the controller until `shutdown` is cancelled; then it stops taking
/// new work, lets running reconciles finish and returns. `ready` turns true
/// once the CompanyScan watch has synced. The caller checks the CRD first
/// ([`check_crd`]).
pub async fn run(
    client: Client,
    config: OperatorConfig,
    metrics: Arc<Metrics>,
    ready: Arc<AtomicBool>,
    shutdown: CancellationToken,
) -> Result<()> {
    let ns = config.watch_namespace.clone();
    let ns = ns.as_deref();
    tracing::info!(namespace = ?ns, max_concurrent_scans = config.max_concurrent_scans, "starting the controller");

    let crawler_jobs = format!(
        "{}={},{}={}",
        names::LABEL_APP_NAME,
        names::APP_NAME,
        names::LABEL_COMPONENT,
        names::COMPONENT_CRAWLER
    );
    let progress_cms = format!("{}={}", names::LABEL_COMPONENT, names::COMPONENT_PROGRESS);
    let (trigger_tx, trigger_rx) = futures::channel::mpsc::unbounded();

    let controller = Controller::new(
        api::<CompanyScan>(&client, ns),
        watcher::Config::default().any_semantic(),
    )
    .owns(
        api::<Job>(&client, ns),
        watcher::Config::default()
            .labels(&crawler_jobs)
            .any_semantic(),
    )
    .watches(
        api::<ConfigMap>(&client, ns),
        watcher::Config::default()
            .labels(&progress_cms)
            .any_semantic(),
        progress_owner,
    )
    .reconcile_on(trigger_rx)
    .with_config(ControllerConfig::default().concurrency(config.reconcile_concurrency));
    let store = controller.store();
    metrics.set_store(Some(store.clone()));

    let reporter = Reporter {
        controller: names::OPERATOR_FIELD_MANAGER.to_string(),
        instance: std::env::var("POD_NAME").ok(),
    };
    let recorder = Recorder::new(client.clone(), reporter);
    let context = Arc::new(Context::new(
        client,
        config,
        recorder,
        store.clone(),
        metrics.clone(),
        trigger_tx,
    ));

    let readiness = {
        let store = store.clone();
        let ready = ready.clone();
        tokio::spawn(async move {
            // The store's readiness signal wakes only its latest waiter (the
            // controller's own), so poll it again every second.
            loop {
                match tokio::time::timeout(Duration::from_secs(1), store.wait_until_ready()).await {
                    Ok(Ok(())) => {
                        tracing::info!("CompanyScan watch synced; ready");
                        ready.store(true, Ordering::Relaxed);
                        break;
                    }
                    Ok(Err(_)) => break,
                    Err(_) => continue,
                }
            }
        })
    };

    let stop = shutdown.clone();
    controller
        .graceful_shutdown_on(async move { stop.cancelled().await })
        .run(reconcile, error_policy, context)
        .for_each(|result| async move {
            match result {
                Ok((obj, _)) => tracing::trace!(scan = %obj.name, "reconciled"),
                Err(kube::runtime::controller::Error::ReconcilerFailed(error, obj)) => {
                    tracing::debug!(scan = %obj.name, %error, "reconcile failed")
                }
                Err(error) => tracing::warn!(%error, "controller error"),
            }
        })
        .await;
    readiness.abort();
    metrics.set_store(None);
    tracing::info!("controller stopped");
    Ok(())
}
