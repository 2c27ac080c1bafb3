//! One reconciliation of a CompanyScan: read -> validate -> decide -> apply
//! -> write status. The decisions are in `state`; this module does the I/O.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cira_crds::names;
use cira_crds::progress::CrawlerProgress;
use cira_crds::{CompanyScan, CompanyScanStatus, ScanPhase};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{ConfigMap, PersistentVolumeClaim, Pod, ServiceAccount};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use k8s_openapi::api::rbac::v1::{Role, RoleBinding};
use kube::api::{
    Api, DeleteParams, ListParams, Patch, PatchParams, Preconditions, PropagationPolicy,
};
use kube::runtime::controller::Action;
use kube::runtime::events::{Event, EventType, Recorder};
use kube::runtime::reflector::ObjectRef;
use kube::{Client, Resource, ResourceExt};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tracing::Instrument;

use crate::config::OperatorConfig;
use crate::controller::Stores;
use crate::error::{Error, Result};
use crate::metrics::Metrics;
use crate::queue::{self, InFlight};
use crate::resources::{self, ScanRef};
use crate::state::{
    self, Admission, Inputs, JobAction, JobState, NameConflict, PodsView, VersionStep, reason,
};
use crate::status;

/// Shared state of all reconciliations.
pub struct Context {
    pub client: Client,
    pub config: OperatorConfig,
    pub recorder: Recorder,
    pub stores: Stores,
    /// Turns true once the Job, pod and progress caches hold a full list.
    caches_ready: tokio::sync::watch::Receiver<bool>,
    pub metrics: Arc<Metrics>,
    in_flight: Mutex<InFlight>,
    /// Serialises admission decisions so two reconciles never both take the
    /// last free slot.
    admission_lock: tokio::sync::Mutex<()>,
    last_write: Mutex<HashMap<String, Instant>>,
    /// Asks the controller to reconcile other scans (queue advancement).
    trigger: futures::channel::mpsc::UnboundedSender<ObjectRef<CompanyScan>>,
}

impl Context {
    pub fn new(
        client: Client,
        config: OperatorConfig,
        recorder: Recorder,
        stores: Stores,
        caches_ready: tokio::sync::watch::Receiver<bool>,
        metrics: Arc<Metrics>,
        trigger: futures::channel::mpsc::UnboundedSender<ObjectRef<CompanyScan>>,
    ) -> Self {
        Self {
            client,
            config,
            recorder,
            stores,
            caches_ready,
            metrics,
            in_flight: Mutex::new(InFlight::default()),
            admission_lock: tokio::sync::Mutex::new(()),
            last_write: Mutex::new(HashMap::new()),
            trigger,
        }
    }

    /// Waits until the child caches have synced.
    async fn caches_synced(&self) -> Result<()> {
        let mut ready = self.caches_ready.clone();
        ready
            .wait_for(|r| *r)
            .await
            .map(|_| ())
            .map_err(|_| Error::WatchEnded("Jobs, pods and progress ConfigMaps"))
    }

    /// The Job `name` in `namespace`, from the cache.
    fn cached_job(&self, namespace: &str, name: &str) -> Option<Arc<Job>> {
        self.stores
            .jobs
            .get(&ObjectRef::new(name).within(namespace))
    }

    fn since_last_write(&self, uid: &str) -> Option<Duration> {
        self.last_write
            .lock()
            .ok()
            .and_then(|m| m.get(uid).map(|t| t.elapsed()))
    }

    fn wrote(&self, uid: &str) {
        if let Ok(mut m) = self.last_write.lock() {
            m.insert(uid.to_string(), Instant::now());
        }
    }
}

/// Apply parameters: one field manager, forced (the operator owns these).
fn apply_params() -> PatchParams {
    PatchParams::apply(names::OPERATOR_FIELD_MANAGER).force()
}

async fn apply<K>(ctx: &Context, api: &Api<K>, name: &str, object: &K, what: &str) -> Result<K>
where
    K: Clone + DeserializeOwned + Serialize + std::fmt::Debug + Resource,
{
    ctx.metrics.wrote(what);
    api.patch(name, &apply_params(), &Patch::Apply(object))
        .await
        .map_err(Error::kube(format!("applying {what} {name}")))
}

fn is_not_found(e: &kube::Error) -> bool {
    matches!(e, kube::Error::Api(s) if s.code == 404)
}

async fn delete_ignoring_absent<K>(
    ctx: &Context,
    api: &Api<K>,
    name: &str,
    dp: &DeleteParams,
    what: &str,
) -> Result<()>
where
    K: Clone + DeserializeOwned + std::fmt::Debug + Resource,
{
    ctx.metrics.wrote(what);
    match api.delete(name, dp).await {
        Ok(_) => Ok(()),
        Err(e) if is_not_found(&e) => Ok(()),
        Err(e) => Err(Error::kube(format!("deleting {what} {name}"))(e)),
    }
}

/// The observable state of a Job.
pub fn job_state(job: Option<&Job>) -> JobState {
    let Some(job) = job else {
        return JobState::Absent;
    };
    let conditions = job
        .status
        .as_ref()
        .and_then(|s| s.conditions.clone())
        .unwrap_or_default();
    let is_true = |t: &str| {
        conditions
            .iter()
            .find(|c| c.type_ == t && c.status == "True")
    };
    if is_true("Complete").is_some() {
        return JobState::Complete;
    }
    if let Some(failed) = is_true("Failed") {
        let reason = failed.reason.clone().unwrap_or_default();
        let message = failed.message.clone().unwrap_or_default();
        return JobState::Failed {
            message: format!("{reason}: {message}")
                .trim_matches([' ', ':'])
                .to_string(),
        };
    }
    JobState::Running {
        suspended: job.spec.as_ref().and_then(|s| s.suspend).unwrap_or(false),
    }
}

/// The label the Job controller puts on the pods of a Job.
const JOB_NAME_LABEL: &str = "batch.kubernetes.io/job-name";

fn pods_view<'a>(pods: impl IntoIterator<Item = &'a Pod>) -> PodsView {
    let mut view = PodsView::default();
    for pod in pods {
        let phase = pod
            .status
            .as_ref()
            .and_then(|s| s.phase.as_deref())
            .unwrap_or("Pending");
        if matches!(phase, "Succeeded" | "Failed") {
            continue;
        }
        view.active += 1;
        if pod.metadata.deletion_timestamp.is_none() {
            view.live += 1;
            // Staleness counts from when the crawler process started; a pod
            // still starting up is never stale.
            let running_since = pod
                .status
                .as_ref()
                .and_then(|s| s.container_statuses.as_ref())
                .and_then(|cs| cs.iter().find(|c| c.name == resources::CRAWLER_CONTAINER))
                .and_then(|c| c.state.as_ref())
                .and_then(|s| s.running.as_ref())
                .and_then(|r| r.started_at.as_ref())
                .map(state::from_time);
            match running_since {
                Some(t) => view.newest_live_start = view.newest_live_start.max(Some(t)),
                None => view.starting += 1,
            }
        }
    }
    view
}

fn parse_progress(cm: &ConfigMap, version: i64) -> Option<CrawlerProgress> {
    let text = cm.data.as_ref()?.get(names::KEY_PROGRESS)?;
    match serde_json::from_str::<CrawlerProgress>(text) {
        Ok(p) if p.scan_version == version => Some(p),
        Ok(_) => None,
        Err(error) => {
            tracing::warn!(configmap = %cm.name_any(), %error, "ignoring unreadable progress.json");
            None
        }
    }
}

fn event_type_for(phase: ScanPhase, why: &str) -> EventType {
    match phase {
        ScanPhase::Failed | ScanPhase::TimedOut => EventType::Warning,
        _ if why == reason::CRAWLER_RESTARTING => EventType::Warning,
        _ => EventType::Normal,
    }
}

async fn publish(ctx: &Context, scan: &CompanyScan, type_: EventType, reason: &str, note: &str) {
    let event = Event {
        type_,
        reason: reason.to_string(),
        note: Some(note.chars().take(1000).collect()),
        action: "Reconcile".to_string(),
        secondary: None,
    };
    if let Err(error) = ctx.recorder.publish(&event, &scan.object_ref(&())).await {
        tracing::warn!(%error, scan = %scan.name_any(), "could not publish an Event");
    }
}

/// Writes the status with server-side apply; the resourceVersion makes it
/// fail with a conflict when the scan changed since it was read.
async fn write_status(
    ctx: &Context,
    api: &Api<CompanyScan>,
    scan: &CompanyScan,
    status: &CompanyScanStatus,
) -> Result<CompanyScan> {
    let name = scan.name_any();
    let patch = serde_json::json!({
        "apiVersion": CompanyScan::api_version(&()),
        "kind": CompanyScan::kind(&()),
        "metadata": { "resourceVersion": scan.resource_version() },
        "status": status,
    });
    let updated = api
        .patch_status(&name, &apply_params(), &Patch::Apply(&patch))
        .await
        .map_err(Error::kube(format!(
            "writing the status of CompanyScan {name}"
        )))?;
    ctx.metrics.status_writes.inc();
    ctx.metrics.wrote("CompanyScan/status");
    if let Some(uid) = scan.uid() {
        ctx.wrote(&uid);
    }
    Ok(updated)
}

/// The reconcile entry point for the controller: one span per reconcile
/// carries the scan's namespace and name for everything logged inside.
pub async fn reconcile(scan: Arc<CompanyScan>, ctx: Arc<Context>) -> Result<Action> {
    let span = tracing::info_span!(
        "reconcile",
        namespace = scan.namespace().as_deref().unwrap_or_default(),
        name = %scan.name_any(),
        version = tracing::field::Empty,
    );
    let started = Instant::now();
    let result = reconcile_scan(&scan, &ctx).instrument(span).await;
    ctx.metrics.observe_reconcile(
        started.elapsed(),
        result.as_ref().err().map(Error::metric_label),
    );
    result
}

/// What the controller does after a failed reconcile.
pub fn error_policy(scan: Arc<CompanyScan>, error: &Error, _ctx: Arc<Context>) -> Action {
    if error.is_conflict() {
        tracing::debug!(scan = %scan.name_any(), "conflict; retrying with fresh data");
        Action::requeue(Duration::from_millis(500))
    } else {
        tracing::warn!(scan = %scan.name_any(), namespace = ?scan.namespace(), %error, "reconcile failed");
        Action::requeue(Duration::from_secs(5))
    }
}

/// What one reconcile observed: the scan as read (or as its version step
/// wrote it), its Job and the crawler's progress.
struct Observed {
    scan: CompanyScan,
    scan_ref: ScanRef,
    status: CompanyScanStatus,
    job: Option<Job>,
    progress: Option<CrawlerProgress>,
    now: state::UtcTime,
    generation: i64,
}

async fn reconcile_scan(scan: &CompanyScan, ctx: &Context) -> Result<Action> {
    if scan.metadata.deletion_timestamp.is_some() {
        // Owner references let the garbage collector remove the rest.
        return Ok(Action::await_change());
    }
    let namespace = scan
        .namespace()
        .ok_or(Error::MissingObjectKey("metadata.namespace"))?;
    let name = scan.name_any();
    let uid = scan.uid().ok_or(Error::MissingObjectKey("metadata.uid"))?;
    let generation = scan.metadata.generation.unwrap_or(0);
    // Nothing is decided on caches that have not seen a full list yet.
    ctx.caches_synced().await?;
    let client = ctx.client.clone();
    let scans: Api<CompanyScan> = Api::namespaced(client.clone(), &namespace);
    let jobs: Api<Job> = Api::namespaced(client.clone(), &namespace);

    let mut scan = scan.clone();
    let mut status = scan.status.clone().unwrap_or_default();

    // 1. A new scan version (first run or rescan) starts from a fresh status.
    let step = state::version_step(&scan.spec, &status);
    if step != VersionStep::Keep {
        let (fresh, why) = status::new_version(&scan.spec, &status, step, state::now(), generation);
        if step == VersionStep::Rescan {
            // The old version's Job goes first; the new one waits for it.
            let old = names::job_name(&name, status.scan_version);
            let dp = DeleteParams {
                propagation_policy: Some(PropagationPolicy::Foreground),
                ..DeleteParams::default()
            };
            delete_ignoring_absent(ctx, &jobs, &old, &dp, "Job").await?;
        }
        scan = write_status(ctx, &scans, &scan, &fresh).await?;
        let message = fresh.message.clone().unwrap_or_default();
        publish(ctx, &scan, EventType::Normal, why, &message).await;
        tracing::info!(version = fresh.scan_version, "scan version started");
        status = scan.status.clone().unwrap_or(fresh);
    }
    let version = status.scan_version;
    tracing::Span::current().record("version", version);
    let scan_ref = ScanRef::of(&scan, version)?;

    // 2. Validate what the schema cannot.
    let valid = crate::validate::validate(&scan.spec, &ctx.config.policy);

    // 3. The Job, its pods and the crawler's progress, from the caches.
    let job_name = names::job_name(&name, version);
    let mut job = ctx.cached_job(&namespace, &job_name).map(|j| (*j).clone());
    if job.is_none() && status.job.as_deref() == Some(job_name.as_str()) {
        // This operator created the Job, but its watch event has not come
        // in yet: ask the API server rather than deciding on a missing Job.
        ctx.metrics.read("Job");
        job = jobs
            .get_opt(&job_name)
            .await
            .map_err(Error::kube(format!("reading Job {job_name}")))?;
    }
    if let Some(j) = &job
        && !j.owner_references().iter().any(|o| o.uid == uid)
    {
        // A Job left from an earlier scan of the same name is still being
        // garbage-collected; never adopt it.
        tracing::info!(job = %job_name, "waiting for a Job of an earlier scan with this name to go");
        return Ok(Action::requeue(Duration::from_secs(3)));
    }
    let job_state = job_state(job.as_ref());
    let pods_view = if matches!(job_state, JobState::Running { .. }) {
        let pods: Vec<Arc<Pod>> = ctx
            .stores
            .pods
            .state()
            .into_iter()
            .filter(|p| {
                p.namespace().as_deref() == Some(namespace.as_str())
                    && p.labels().get(JOB_NAME_LABEL) == Some(&job_name)
            })
            .collect();
        pods_view(pods.iter().map(|p| p.as_ref()))
    } else {
        PodsView::default()
    };
    let phase_now = status.phase.unwrap_or_default();
    let progress = if job.is_some() || status.started_at.is_some() || phase_now.is_active() {
        let cm_name = names::progress_configmap_name(&name);
        ctx.stores
            .progress
            .get(&ObjectRef::new(&cm_name).within(&namespace))
            .and_then(|cm| parse_progress(&cm, version))
    } else {
        None
    };

    // 4. Queue admission, only for scans that want a slot.
    let key = (namespace.clone(), name.clone());
    let needs_slot = valid.is_ok()
        && state::wants_crawler(&scan.spec, &status)
        && !phase_now.is_active()
        && !phase_now.is_terminal()
        && !matches!(job_state, JobState::Complete | JobState::Failed { .. });
    let mut admitted_now = false;
    let admission = if needs_slot {
        let _guard = ctx.admission_lock.lock().await;
        let entries: Vec<queue::Entry> = ctx
            .stores
            .scans
            .state()
            .iter()
            .map(|s| queue::entry(s))
            .collect();
        let mut me = queue::entry(&scan);
        me.wants = true;
        me.holds = false;
        let in_flight = match ctx.in_flight.lock() {
            Ok(mut f) => f.current(&entries),
            Err(_) => Default::default(),
        };
        let mut admission =
            queue::admission(&entries, &me, &in_flight, ctx.config.max_concurrent_scans);
        if admission == Admission::Admitted && version > 1 && job.is_none() {
            let previous = names::job_name(&name, version - 1);
            if ctx.cached_job(&namespace, &previous).is_some() {
                let dp = DeleteParams {
                    propagation_policy: Some(PropagationPolicy::Foreground),
                    ..DeleteParams::default()
                };
                delete_ignoring_absent(ctx, &jobs, &previous, &dp, "Job").await?;
                admission = Admission::BlockedByPreviousJob;
            }
        }
        if admission == Admission::Admitted
            && let Ok(mut f) = ctx.in_flight.lock()
        {
            f.insert(key.clone());
            admitted_now = true;
        }
        admission
    } else {
        Admission::Waiting { position: 0 }
    };

    // 5. Before a Job may be created: does an object the crawler needs
    // already exist without this scan as its owner?
    let may_create = job.is_none()
        && valid.is_ok()
        && state::wants_crawler(&scan.spec, &status)
        && (admission == Admission::Admitted || phase_now.is_active());
    let conflict = if may_create {
        match find_conflict(ctx, &scan, &scan_ref).await {
            Ok(Found::Free) => None,
            Ok(Found::Conflict(c)) => Some(c),
            Ok(Found::Leftover(what)) => {
                release_slot(ctx, admitted_now, &key);
                tracing::info!(object = %what, "waiting for an object of an earlier scan with this name to go");
                return Ok(Action::requeue(Duration::from_secs(3)));
            }
            Err(e) => {
                release_slot(ctx, admitted_now, &key);
                return Err(e);
            }
        }
    } else {
        None
    };

    // 6. Decide.
    let now = state::now();
    let decision = state::decide(&Inputs {
        now,
        spec: &scan.spec,
        status: &status,
        last_reason: status::last_reason(&status),
        valid: valid.as_ref(),
        job: job_state,
        pods: pods_view,
        progress: progress.as_ref(),
        admission,
        conflict: conflict.as_ref(),
        config: &ctx.config,
    });
    if conflict.is_some() && decision.job == JobAction::None {
        // Blocked by the conflict: the slot goes to the next scan.
        release_slot(ctx, admitted_now, &key);
        admitted_now = false;
    }

    let observed = Observed {
        scan,
        scan_ref,
        status,
        job,
        progress,
        now,
        generation,
    };
    let outcome = apply_decision(ctx, &observed, &decision).await;
    if outcome.is_err() {
        release_slot(ctx, admitted_now, &key);
    }
    outcome
}

/// Gives back a slot taken in this reconcile that no Job will use.
fn release_slot(ctx: &Context, admitted_now: bool, key: &(String, String)) {
    if admitted_now && let Ok(mut f) = ctx.in_flight.lock() {
        f.remove(key);
    }
}

/// What a look at the names the crawler needs found.
enum Found {
    /// None exists, or each is owned by this scan.
    Free,
    /// One is owned by an earlier scan of the same name (being
    /// garbage-collected): wait, never adopt.
    Leftover(String),
    /// One exists without this scan as its owner.
    Conflict(NameConflict),
}

/// Looks up every object the operator or the crawler creates under a fixed
/// name for this scan: the egress NetworkPolicy, the crawler's
/// ServiceAccount, Role and RoleBinding,
/// the checkpoint claim (PVC storage) and the progress ConfigMap.
async fn find_conflict(ctx: &Context, scan: &CompanyScan, scan_ref: &ScanRef) -> Result<Found> {
    let client = ctx.client.clone();
    let ns = scan_ref.namespace.as_str();
    let sa_name = names::crawler_service_account_name(&scan_ref.name);
    let found = look::<ServiceAccount>(ctx, &client, scan_ref, &sa_name, "ServiceAccount").await?;
    if !matches!(found, Found::Free) {
        return Ok(found);
    }
    let found = look::<Role>(ctx, &client, scan_ref, &sa_name, "Role").await?;
    if !matches!(found, Found::Free) {
        return Ok(found);
    }
    let found = look::<RoleBinding>(ctx, &client, scan_ref, &sa_name, "RoleBinding").await?;
    if !matches!(found, Found::Free) {
        return Ok(found);
    }
    if ctx.config.egress.is_some() {
        let found =
            look::<NetworkPolicy>(ctx, &client, scan_ref, &sa_name, "NetworkPolicy").await?;
        if !matches!(found, Found::Free) {
            return Ok(found);
        }
    }
    if resources::checkpoint_pvc(scan_ref, &scan.spec).is_some() {
        let claim = names::checkpoint_pvc_name(&scan_ref.name);
        let found =
            look::<PersistentVolumeClaim>(ctx, &client, scan_ref, &claim, "PersistentVolumeClaim")
                .await?;
        if !matches!(found, Found::Free) {
            return Ok(found);
        }
    }
    // The progress cache holds only labelled ConfigMaps: one found there is
    // judged from the cache, anything else is asked for.
    let cm_name = names::progress_configmap_name(&scan_ref.name);
    let found = match ctx
        .stores
        .progress
        .get(&ObjectRef::new(&cm_name).within(ns))
    {
        Some(cm) => judge(cm.as_ref(), scan_ref, &cm_name, "ConfigMap"),
        None => look::<ConfigMap>(ctx, &client, scan_ref, &cm_name, "ConfigMap").await?,
    };
    if !matches!(found, Found::Free) {
        return Ok(found);
    }
    // The crawler writes its report, and with ConfigMap storage its
    // checkpoint chunks and journals, under fixed names: another team's
    // ConfigMap of such a name must not be overwritten either.
    let mut cm_names = vec![names::report_configmap_name(
        &scan_ref.name,
        scan_ref.version,
    )];
    if scan.spec.checkpoint.storage == cira_crds::CheckpointStorage::ConfigMap {
        cm_names.extend(names::all_checkpoint_configmap_names(&scan_ref.name));
    }
    for cm_name in cm_names {
        let found = look::<ConfigMap>(ctx, &client, scan_ref, &cm_name, "ConfigMap").await?;
        if !matches!(found, Found::Free) {
            return Ok(found);
        }
    }
    Ok(Found::Free)
}

async fn look<K>(
    ctx: &Context,
    client: &Client,
    scan_ref: &ScanRef,
    name: &str,
    kind: &'static str,
) -> Result<Found>
where
    K: Clone
        + DeserializeOwned
        + std::fmt::Debug
        + Resource<Scope = kube::core::NamespaceResourceScope>,
    <K as Resource>::DynamicType: Default,
{
    let api: Api<K> = Api::namespaced(client.clone(), &scan_ref.namespace);
    ctx.metrics.read(kind);
    let object = api
        .get_opt(name)
        .await
        .map_err(Error::kube(format!("reading {kind} {name}")))?;
    Ok(match object {
        None => Found::Free,
        Some(o) => judge(&o, scan_ref, name, kind),
    })
}

/// Owned by this scan (by UID) is ours; owned by another CompanyScan of the
/// same name is a leftover; anything else is a conflict.
fn judge<K: Resource>(object: &K, scan_ref: &ScanRef, name: &str, kind: &'static str) -> Found {
    let owners = object.owner_references();
    if owners.iter().any(|o| o.uid == scan_ref.uid) {
        Found::Free
    } else if owners.iter().any(|o| {
        o.kind == "CompanyScan"
            && o.api_version.starts_with(names::GROUP)
            && o.name == scan_ref.name
    }) {
        Found::Leftover(format!("{kind} {name}"))
    } else {
        Found::Conflict(NameConflict {
            kind,
            name: name.to_string(),
        })
    }
}

/// Carries out a decision: the Job, then the status (rate-limited for
/// progress-only changes), Events and queue advancement.
async fn apply_decision(
    ctx: &Context,
    observed: &Observed,
    decision: &state::Decision,
) -> Result<Action> {
    let Observed {
        scan,
        scan_ref,
        status,
        job,
        progress,
        now,
        generation,
    } = observed;
    let ns = scan_ref.namespace.as_str();
    let jobs: Api<Job> = Api::namespaced(ctx.client.clone(), ns);
    let job_name = names::job_name(&scan_ref.name, scan_ref.version);

    // 6. Apply: the crawler's credentials and the Job.
    let mut job_exists = job.is_some();
    match decision.job {
        JobAction::Create => {
            ensure_crawler_access(ctx, scan, scan_ref).await?;
            if scan_ref.version > 1 {
                delete_stale_checkpoints(ctx, scan_ref).await?;
            }
            let desired = resources::crawler_job(scan_ref, &scan.spec, &ctx.config)?;
            apply(ctx, &jobs, &job_name, &desired, "Job").await?;
            job_exists = true;
            tracing::info!(job = %job_name, "crawler Job created");
        }
        JobAction::Suspend(suspend) => {
            let current = job
                .as_ref()
                .and_then(|j| j.spec.as_ref())
                .and_then(|s| s.suspend)
                .unwrap_or(false);
            if let Some(existing) = job.as_ref().filter(|_| current != suspend) {
                let patch = resources::job_suspend_patch(existing, suspend);
                let pp = PatchParams {
                    field_manager: Some(names::OPERATOR_FIELD_MANAGER.to_string()),
                    ..PatchParams::default()
                };
                ctx.metrics.wrote("Job");
                jobs.patch(&job_name, &pp, &Patch::Merge(&patch))
                    .await
                    .map_err(Error::kube(format!(
                        "setting suspend={suspend} on Job {job_name}"
                    )))?;
                tracing::info!(job = %job_name, suspend, "crawler Job suspend changed");
            }
        }
        JobAction::Delete => {
            // Foreground: the Job stays (being deleted) until its pods are
            // gone, so nothing reads a missing Job as "never started".
            if job
                .as_ref()
                .is_some_and(|j| j.metadata.deletion_timestamp.is_none())
            {
                let dp = DeleteParams {
                    propagation_policy: Some(PropagationPolicy::Foreground),
                    ..DeleteParams::default()
                };
                delete_ignoring_absent(ctx, &jobs, &job_name, &dp, "Job").await?;
                tracing::info!(job = %job_name, "crawler Job deleted");
            }
        }
        JobAction::None => {}
    }

    // 7. The new status.
    let new = status::next(&status::Next {
        old: status,
        decision,
        progress: progress.as_ref(),
        job: job_exists.then_some(job_name.as_str()),
        storage: scan.spec.checkpoint.storage,
        history_limit: scan.spec.report.history_limit,
        now: *now,
        generation: *generation,
    });
    // A completion brings a new report: drop those beyond the history.
    if decision.phase == ScanPhase::Completed
        && decision.report.is_some()
        && let Some(report) = &new.report
    {
        prune_reports(ctx, scan_ref, report).await?;
    }

    // 8. Write it, at a bounded rate for progress-only changes.
    let change = status::classify(status, &new);
    let mut requeue = decision.requeue;
    match status::write_due(
        change,
        ctx.since_last_write(&scan_ref.uid),
        ctx.config.progress_interval,
        ctx.config.clock_interval,
    ) {
        Ok(true) => {
            let scans: Api<CompanyScan> = Api::namespaced(ctx.client.clone(), ns);
            let updated = write_status(ctx, &scans, scan, &new).await?;
            let old_phase = status.phase.unwrap_or_default();
            let old_reason = status::last_reason(status).unwrap_or_default();
            if old_phase != decision.phase || old_reason != decision.reason {
                publish(
                    ctx,
                    &updated,
                    event_type_for(decision.phase, &decision.reason),
                    &decision.reason,
                    &decision.message,
                )
                .await;
                tracing::info!(
                    from = %old_phase, to = %decision.phase, reason = %decision.reason,
                    "phase changed"
                );
            }
            if let Some(note) = status::checkpoint_fallback_note(status, &new) {
                publish(
                    ctx,
                    &updated,
                    EventType::Warning,
                    reason::CHECKPOINT_RECOVERED,
                    &note,
                )
                .await;
                tracing::warn!("crawler fell back to an older checkpoint");
            }
            if old_phase.is_active() && !decision.phase.is_active() {
                advance_queue(ctx, scan_ref);
            }
        }
        Ok(false) => {}
        Err(wait) => requeue = Some(requeue.map_or(wait, |r| r.min(wait))),
    }
    Ok(match requeue {
        Some(after) => Action::requeue(after),
        None => Action::await_change(),
    })
}

/// Creates (or re-asserts) the scan's egress NetworkPolicy (unless switched
/// off) and the crawler's ServiceAccount, Role, RoleBinding
/// and, for PVC storage, the checkpoint claim.
async fn ensure_crawler_access(
    ctx: &Context,
    scan: &CompanyScan,
    scan_ref: &ScanRef,
) -> Result<()> {
    let client = ctx.client.clone();
    let ns = scan_ref.namespace.as_str();
    let sa_name = names::crawler_service_account_name(&scan_ref.name);
    // The egress policy goes first, so no crawler pod runs without it.
    if let Some(egress) = &ctx.config.egress {
        let policies: Api<NetworkPolicy> = Api::namespaced(client.clone(), ns);
        let desired = crate::network_policy::crawler_network_policy(
            &scan_ref.name,
            ns,
            scan_ref.owner_reference(),
            egress,
        );
        apply(ctx, &policies, &sa_name, &desired, "NetworkPolicy").await?;
    }
    let sas: Api<ServiceAccount> = Api::namespaced(client.clone(), ns);
    apply(
        ctx,
        &sas,
        &sa_name,
        &resources::service_account(scan_ref),
        "ServiceAccount",
    )
    .await?;
    let roles: Api<Role> = Api::namespaced(client.clone(), ns);
    apply(ctx, &roles, &sa_name, &resources::role(scan_ref), "Role").await?;
    let bindings: Api<RoleBinding> = Api::namespaced(client.clone(), ns);
    apply(
        ctx,
        &bindings,
        &sa_name,
        &resources::role_binding(scan_ref),
        "RoleBinding",
    )
    .await?;
    if let Some(pvc) = resources::checkpoint_pvc(scan_ref, &scan.spec) {
        let claims: Api<PersistentVolumeClaim> = Api::namespaced(client, ns);
        let claim_name = names::checkpoint_pvc_name(&scan_ref.name);
        // A claim's spec is mostly immutable: create it once, never update.
        ctx.metrics.read("PersistentVolumeClaim");
        if claims
            .get_opt(&claim_name)
            .await
            .map_err(Error::kube(format!(
                "reading PersistentVolumeClaim {claim_name}"
            )))?
            .is_none()
        {
            apply(ctx, &claims, &claim_name, &pvc, "PersistentVolumeClaim").await?;
        }
    }
    Ok(())
}

fn scan_selector(scan_ref: &ScanRef, component: &str) -> String {
    format!(
        "{}={},{}={}",
        names::LABEL_SCAN,
        names::scan_label_value(&scan_ref.name),
        names::LABEL_COMPONENT,
        component
    )
}

fn owned_by(cm: &ConfigMap, uid: &str) -> bool {
    cm.owner_references().iter().any(|o| o.uid == uid)
}

fn version_label(cm: &ConfigMap) -> Option<i64> {
    cm.labels().get(names::LABEL_SCAN_VERSION)?.parse().ok()
}

/// Deletes checkpoint ConfigMaps of earlier scan versions, so a rescan starts
/// fresh. The uid and resourceVersion preconditions make sure a checkpoint
/// the new crawler just wrote is never deleted.
async fn delete_stale_checkpoints(ctx: &Context, scan_ref: &ScanRef) -> Result<()> {
    let cms: Api<ConfigMap> = Api::namespaced(ctx.client.clone(), &scan_ref.namespace);
    let lp = ListParams::default().labels(&scan_selector(scan_ref, names::COMPONENT_CHECKPOINT));
    ctx.metrics.read("ConfigMap");
    let list = cms
        .list(&lp)
        .await
        .map_err(Error::kube("listing checkpoint ConfigMaps"))?;
    for cm in list.items {
        if !owned_by(&cm, &scan_ref.uid) || version_label(&cm) == Some(scan_ref.version) {
            continue;
        }
        let dp = DeleteParams {
            preconditions: Some(Preconditions {
                uid: cm.uid(),
                resource_version: cm.resource_version(),
            }),
            ..DeleteParams::default()
        };
        ctx.metrics.wrote("ConfigMap");
        match cms.delete(&cm.name_any(), &dp).await {
            Ok(_) => {}
            Err(e) if is_not_found(&e) => {}
            Err(kube::Error::Api(s)) if s.code == 409 => {}
            Err(e) => return Err(Error::kube(format!("deleting ConfigMap {}", cm.name_any()))(e)),
        }
    }
    Ok(())
}

/// Deletes report ConfigMaps that are neither the newest report nor in its
/// history.
async fn prune_reports(
    ctx: &Context,
    scan_ref: &ScanRef,
    report: &cira_crds::ReportStatus,
) -> Result<()> {
    let cms: Api<ConfigMap> = Api::namespaced(ctx.client.clone(), &scan_ref.namespace);
    let lp = ListParams::default().labels(&scan_selector(scan_ref, names::COMPONENT_REPORT));
    ctx.metrics.read("ConfigMap");
    let list = cms
        .list(&lp)
        .await
        .map_err(Error::kube("listing report ConfigMaps"))?;
    let keep: BTreeMap<&str, ()> = std::iter::once(report.config_map.as_str())
        .chain(report.history.iter().map(|h| h.config_map.as_str()))
        .map(|n| (n, ()))
        .collect();
    for cm in list.items {
        let cm_name = cm.name_any();
        if !owned_by(&cm, &scan_ref.uid) || keep.contains_key(cm_name.as_str()) {
            continue;
        }
        // Never touch a report of the version being written right now.
        if version_label(&cm).is_some_and(|v| v >= scan_ref.version) {
            continue;
        }
        delete_ignoring_absent(ctx, &cms, &cm_name, &DeleteParams::default(), "ConfigMap").await?;
        tracing::info!(scan = %scan_ref.name, configmap = %cm_name, "deleted a report beyond the history limit");
    }
    Ok(())
}

/// A slot became free: once the cache shows it, reconcile the waiting scans.
fn advance_queue(ctx: &Context, freed: &ScanRef) {
    let store = ctx.stores.scans.clone();
    let trigger = ctx.trigger.clone();
    let key = (freed.namespace.clone(), freed.name.clone());
    tokio::spawn(async move {
        let deadline = Instant::now() + Duration::from_secs(10);
        // Wait (briefly) until the watch shows the freed slot, so the waiting
        // scans do not decide on a stale cache.
        loop {
            let still_holding = store
                .state()
                .iter()
                .any(|s| queue::entry(s).key == key && queue::holds_slot(s));
            if !still_holding || Instant::now() > deadline {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        for scan in store.state() {
            if queue::wants_slot(&scan) {
                let _ = trigger.unbounded_send(ObjectRef::from_obj(scan.as_ref()));
            }
        }
    });
}
