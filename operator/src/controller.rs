//! Wiring the reconciler into a kube-runtime Controller: what is watched,
//! how watch events map to scans, and the readiness signal.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use cira_crds::CompanyScan;
use cira_crds::names;
use futures::StreamExt;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{ConfigMap, Pod};
use kube::api::{Api, ListParams};
use kube::runtime::controller::{Config as ControllerConfig, Controller};
use kube::runtime::events::{Recorder, Reporter};
use kube::runtime::reflector::{self, ObjectRef, Store, reflector};
use kube::runtime::{WatchStreamExt, watcher};
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

/// The controller's caches: the watched scans, the crawler Jobs and their
/// pods, and the crawlers' progress ConfigMaps.
#[derive(Clone)]
pub struct Stores {
    pub scans: Store<CompanyScan>,
    pub jobs: Store<Job>,
    pub pods: Store<Pod>,
    pub progress: Store<ConfigMap>,
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

    // Jobs, their pods and the progress ConfigMaps are mirrored in reflector
    // stores: a reconcile reads them from there instead of asking the API
    // server on every pass. The Job and ConfigMap watches also trigger
    // reconciles; the pod watch only keeps its store current.
    let (jobs, jobs_writer) = reflector::store::<Job>();
    let job_events = reflector(
        jobs_writer,
        watcher(
            api::<Job>(&client, ns),
            watcher::Config::default()
                .labels(&crawler_jobs)
                .any_semantic(),
        )
        .modify(|j| j.managed_fields_mut().clear()),
    )
    .default_backoff()
    .touched_objects();
    let (pods, pods_writer) = reflector::store::<Pod>();
    let pod_events = reflector(
        pods_writer,
        watcher(
            api::<Pod>(&client, ns),
            watcher::Config::default()
                .labels(&crawler_jobs)
                .any_semantic(),
        )
        .modify(|p| p.managed_fields_mut().clear()),
    )
    .default_backoff()
    .touched_objects();
    let (progress, progress_writer) = reflector::store::<ConfigMap>();
    let progress_events = reflector(
        progress_writer,
        watcher(
            api::<ConfigMap>(&client, ns),
            watcher::Config::default()
                .labels(&progress_cms)
                .any_semantic(),
        )
        .modify(|c| c.managed_fields_mut().clear()),
    )
    .default_backoff()
    .touched_objects();

    let controller = Controller::new(
        api::<CompanyScan>(&client, ns),
        watcher::Config::default().any_semantic(),
    )
    .owns_stream(job_events)
    .watches_stream(progress_events, progress_owner)
    .watches_stream(pod_events, |_| None::<ObjectRef<CompanyScan>>)
    .reconcile_on(trigger_rx)
    .with_config(ControllerConfig::default().concurrency(config.reconcile_concurrency));
    let store = controller.store();
    metrics.set_store(Some(store.clone()));
    let stores = Stores {
        scans: store.clone(),
        jobs,
        pods,
        progress,
    };

    let reporter = Reporter {
        controller: names::OPERATOR_FIELD_MANAGER.to_string(),
        instance: std::env::var("POD_NAME").ok(),
    };
    let recorder = Recorder::new(client.clone(), reporter);
    // Reconciles wait until the child caches hold a full list: deciding on
    // an empty Job cache would recreate or misjudge running crawlers.
    let (caches_tx, caches_rx) = tokio::sync::watch::channel(false);
    let caches = {
        let stores = stores.clone();
        tokio::spawn(async move {
            let synced = stores.jobs.wait_until_ready().await.is_ok()
                && stores.pods.wait_until_ready().await.is_ok()
                && stores.progress.wait_until_ready().await.is_ok();
            if synced {
                tracing::debug!("Job, pod and progress caches synced");
                let _ = caches_tx.send(true);
            }
        })
    };
    let context = Arc::new(Context::new(
        client,
        config,
        recorder,
        stores,
        caches_rx,
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
    caches.abort();
    metrics.set_store(None);
    tracing::info!("controller stopped");
    Ok(())
}
