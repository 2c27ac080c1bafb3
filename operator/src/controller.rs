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
/// `namespaces` are the watched ones; empty means all.
pub async fn check_crd(client: &Client, namespaces: &[String]) -> Result<()> {
    for ns in watched(namespaces) {
        let api: Api<CompanyScan> = api(client, ns);
        match api.list(&ListParams::default().limit(1)).await {
            Ok(_) => {}
            Err(kube::Error::Api(s)) if s.code == 404 => return Err(Error::CrdNotInstalled),
            Err(e) => {
                return Err(Error::kube(
                    "checking that the CompanyScan CRD is installed",
                )(e));
            }
        }
    }
    Ok(())
}

/// The namespaces to watch, `None` standing for all of them.
fn watched(namespaces: &[String]) -> Vec<Option<&str>> {
    if namespaces.is_empty() {
        vec![None]
    } else {
        namespaces.iter().map(|ns| Some(ns.as_str())).collect()
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

/// The reflector stores of one kind: one per watched namespace, or a single
/// one over all namespaces. Reads look like those of one store.
#[derive(Clone)]
pub struct Cache<K>
where
    K: kube::Resource + Clone + 'static,
    K::DynamicType: Eq + std::hash::Hash + Clone,
{
    stores: Vec<Store<K>>,
}

impl<K> Cache<K>
where
    K: kube::Resource + Clone + 'static,
    K::DynamicType: Eq + std::hash::Hash + Clone,
{
    pub fn new(stores: Vec<Store<K>>) -> Self {
        Self { stores }
    }

    /// The object `key` names (with its namespace), if cached.
    pub fn get(&self, key: &ObjectRef<K>) -> Option<Arc<K>> {
        self.stores.iter().find_map(|s| s.get(key))
    }

    /// Every cached object.
    pub fn state(&self) -> Vec<Arc<K>> {
        self.stores.iter().flat_map(|s| s.state()).collect()
    }

    /// Resolves once every store has seen a full list.
    pub async fn wait_until_ready(
        &self,
    ) -> std::result::Result<(), reflector::store::WriterDropped> {
        for store in &self.stores {
            store.wait_until_ready().await?;
        }
        Ok(())
    }
}

/// The controller's caches: the watched scans, the crawler Jobs and their
/// pods, and the crawlers' progress ConfigMaps.
#[derive(Clone)]
pub struct Stores {
    pub scans: Cache<CompanyScan>,
    pub jobs: Cache<Job>,
    pub pods: Cache<Pod>,
    pub progress: Cache<ConfigMap>,
}

/// The scan whose crawler pod cannot start (so its status says why at
/// once); other pod changes trigger nothing, the pod store just keeps them.
fn stuck_pod_owner(jobs: &Store<Job>, pod: &Pod) -> Option<ObjectRef<CompanyScan>> {
    crate::stuck::from_pods([pod], None)?;
    let ns = pod.namespace()?;
    let job = pod.labels().get("batch.kubernetes.io/job-name")?;
    let job = jobs.get(&ObjectRef::new(job).within(&ns))?;
    job.owner_references()
        .iter()
        .find(|o| o.kind == "CompanyScan" && o.api_version.starts_with(names::GROUP))
        .map(|o| ObjectRef::new(&o.name).within(&ns))
}

/// The scan a progress ConfigMap belongs to, from its owner reference.
fn progress_owner(cm: ConfigMap) -> Option<ObjectRef<CompanyScan>> {
    let ns = cm.namespace()?;
    cm.owner_references()
        .iter()
        .find(|o| o.kind == "CompanyScan" && o.api_version.starts_with(names::GROUP))
        .map(|o| ObjectRef::new(&o.name).within(&ns))
}

/// The watches of one namespace (or of all): the scans' controller and the
/// stores of the crawler Jobs, their pods and the progress ConfigMaps.
struct Watch {
    namespace: Option<String>,
    controller: Controller<CompanyScan>,
    scans: Store<CompanyScan>,
    jobs: Store<Job>,
    pods: Store<Pod>,
    progress: Store<ConfigMap>,
}

fn watch(
    client: &Client,
    ns: Option<&str>,
    config: &OperatorConfig,
    trigger: futures::channel::mpsc::UnboundedReceiver<ObjectRef<CompanyScan>>,
) -> Watch {
    let crawler_jobs = format!(
        "{}={},{}={}",
        names::LABEL_APP_NAME,
        names::APP_NAME,
        names::LABEL_COMPONENT,
        names::COMPONENT_CRAWLER
    );
    let progress_cms = format!("{}={}", names::LABEL_COMPONENT, names::COMPONENT_PROGRESS);

    // Jobs, their pods and the progress ConfigMaps are mirrored in reflector
    // stores: a reconcile reads them from there instead of asking the API
    // server on every pass. The Job and ConfigMap watches also trigger
    // reconciles; the pod watch keeps its store current and triggers only
    // for a pod that cannot start.
    let (jobs, jobs_writer) = reflector::store::<Job>();
    let job_events = reflector(
        jobs_writer,
        watcher(
            api::<Job>(client, ns),
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
            api::<Pod>(client, ns),
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
            api::<ConfigMap>(client, ns),
            watcher::Config::default()
                .labels(&progress_cms)
                .any_semantic(),
        )
        .modify(|c| c.managed_fields_mut().clear()),
    )
    .default_backoff()
    .touched_objects();

    let controller = Controller::new(
        api::<CompanyScan>(client, ns),
        watcher::Config::default().any_semantic(),
    )
    .owns_stream(job_events)
    .watches_stream(progress_events, progress_owner)
    .watches_stream(pod_events, {
        let jobs = jobs.clone();
        move |pod| stuck_pod_owner(&jobs, &pod)
    })
    .reconcile_on(trigger)
    .with_config(ControllerConfig::default().concurrency(config.reconcile_concurrency));
    Watch {
        namespace: ns.map(str::to_string),
        scans: controller.store(),
        controller,
        jobs,
        pods,
        progress,
    }
}

/// Runs the controller until `shutdown` is cancelled; then it stops taking
/// new work, lets running reconciles finish and returns. `ready` turns true
/// once the CompanyScan watch has synced. The caller checks the CRD first
/// ([`check_crd`]).
///
/// With watched namespaces, each gets its own namespaced watches and
/// controller (so the operator needs no cluster-wide permission on them);
/// all share one context, so the queue and its limits span them all.
pub async fn run(
    client: Client,
    config: OperatorConfig,
    metrics: Arc<Metrics>,
    ready: Arc<AtomicBool>,
    shutdown: CancellationToken,
) -> Result<()> {
    tracing::info!(
        namespaces = ?config.watch_namespaces,
        max_concurrent_scans = config.max_concurrent_scans,
        max_concurrent_scans_per_namespace = ?config.max_concurrent_scans_per_namespace,
        "starting the controller"
    );

    let (trigger_tx, trigger_rx) = futures::channel::mpsc::unbounded();
    let namespaces = watched(&config.watch_namespaces);
    let mut watches = Vec::new();
    let mut routes = Vec::new();
    for ns in &namespaces {
        let (tx, rx) = futures::channel::mpsc::unbounded();
        routes.push((ns.map(str::to_string), tx));
        watches.push(watch(&client, *ns, &config, rx));
    }
    // Requests to reconcile other scans (queue advancement) go to the
    // controller of the scan's namespace.
    let router = tokio::spawn(async move {
        let mut requests: futures::channel::mpsc::UnboundedReceiver<ObjectRef<CompanyScan>> =
            trigger_rx;
        while let Some(scan) = requests.next().await {
            let to = routes
                .iter()
                .find(|(ns, _)| ns.is_none() || *ns == scan.namespace);
            if let Some((_, tx)) = to {
                let _ = tx.unbounded_send(scan);
            }
        }
    });
    let stores = Stores {
        scans: Cache::new(watches.iter().map(|w| w.scans.clone()).collect()),
        jobs: Cache::new(watches.iter().map(|w| w.jobs.clone()).collect()),
        pods: Cache::new(watches.iter().map(|w| w.pods.clone()).collect()),
        progress: Cache::new(watches.iter().map(|w| w.progress.clone()).collect()),
    };
    metrics.set_store(Some(stores.scans.clone()));

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
        stores.clone(),
        caches_rx,
        metrics.clone(),
        trigger_tx,
    ));

    let readiness = {
        let scans = stores.scans.clone();
        let ready = ready.clone();
        tokio::spawn(async move {
            // A store's readiness signal wakes only its latest waiter (the
            // controller's own), so poll again every second.
            loop {
                match tokio::time::timeout(Duration::from_secs(1), scans.wait_until_ready()).await {
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

    let runs = watches.into_iter().map(|w| {
        let stop = shutdown.clone();
        let namespace = w.namespace;
        w.controller
            .graceful_shutdown_on(async move { stop.cancelled().await })
            .run(reconcile, error_policy, context.clone())
            .for_each(move |result| {
                let namespace = namespace.clone();
                async move {
                    match result {
                        Ok((obj, _)) => tracing::trace!(scan = %obj.name, "reconciled"),
                        Err(kube::runtime::controller::Error::ReconcilerFailed(error, obj)) => {
                            tracing::debug!(scan = %obj.name, %error, "reconcile failed")
                        }
                        Err(error) => {
                            tracing::warn!(namespace = ?namespace, %error, "controller error")
                        }
                    }
                }
            })
    });
    futures::future::join_all(runs).await;
    router.abort();
    readiness.abort();
    caches.abort();
    metrics.set_store(None);
    tracing::info!("controller stopped");
    Ok(())
}
