//! One reconciliation of a CompanyScan: read -> validate -> decide -> apply
//! -> write status. The decisions are in `state`; this module does the I/O.

mod apply;
mod cleanup;
mod events;
mod observe;
mod ownership;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cira_crds::names;
use cira_crds::progress::CrawlerProgress;
use cira_crds::{CompanyScan, CompanyScanStatus};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{Event, PersistentVolumeClaim, Pod};
use kube::api::{Api, DeleteParams, ListParams, PropagationPolicy};
use kube::runtime::controller::Action;
use kube::runtime::events::{EventType, Recorder};
use kube::runtime::reflector::ObjectRef;
use kube::{Client, ResourceExt};
use tracing::Instrument;

use crate::config::OperatorConfig;
use crate::controller::Stores;
use crate::error::{Error, Result};
use crate::metrics::Metrics;
use crate::queue::{self, InFlight};
use crate::resources::{self, ScanRef};
use crate::state::{self, Admission, Inputs, JobAction, JobState, PodsView, VersionStep};
use crate::status;
use crate::stuck;
use apply::{apply_decision, delete_ignoring_absent, write_status};
use events::publish;
use observe::{JOB_NAME_LABEL, parse_progress, pods_view};
use ownership::{Found, find_conflict};

pub use observe::job_state;

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
    /// What `stuck::judge` needs again when the Job is refused.
    stuck: StuckContext,
}

/// The stored Degraded condition and slot time of the scan, and whether its
/// crawler runs.
struct StuckContext {
    previous: Option<stuck::Previous>,
    holding_since: state::UtcTime,
    crawler_running: bool,
    awaiting_pod: bool,
}

impl StuckContext {
    fn judge<'a>(
        &'a self,
        now: state::UtcTime,
        seen: Option<&'a stuck::Stuck>,
        timeout: Duration,
    ) -> stuck::Judge<'a> {
        stuck::Judge {
            now,
            observed: seen,
            previous: self.previous.as_ref(),
            holding_since: self.holding_since,
            crawler_running: self.crawler_running,
            awaiting_pod: self.awaiting_pod,
            pending_timeout: timeout,
        }
    }
}

/// The condition `type_` when it is True, with when it turned True.
fn true_since<'a>(
    status: &'a CompanyScanStatus,
    type_: &str,
) -> Option<(
    &'a k8s_openapi::apimachinery::pkg::apis::meta::v1::Condition,
    state::UtcTime,
)> {
    status
        .conditions
        .iter()
        .find(|c| c.type_ == type_ && c.status == "True")
        .map(|c| (c, state::from_time(&c.last_transition_time)))
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
    let pods: Vec<Arc<Pod>> = if matches!(job_state, JobState::Running { .. }) {
        ctx.stores
            .pods
            .state()
            .into_iter()
            .filter(|p| {
                p.namespace().as_deref() == Some(namespace.as_str())
                    && p.labels().get(JOB_NAME_LABEL) == Some(&job_name)
            })
            .collect()
    } else {
        Vec::new()
    };
    let pods_view = if pods.is_empty() {
        PodsView::default()
    } else {
        pods_view(pods.iter().map(|p| p.as_ref()))
    };
    let phase_now = status.phase.unwrap_or_default();
    // A crawler that should run but cannot start: from the cached pods; the
    // checkpoint claim is read only when a pod waits to be scheduled.
    let crawler_should_run = job_state == (JobState::Running { suspended: false });
    // The Job should run and has no pod: its Events may say why.
    let awaiting_pod = crawler_should_run && pods.is_empty();
    let stuck_seen = if crawler_should_run {
        let claim = if stuck::unschedulable(pods.iter().map(|p| p.as_ref()))
            && resources::checkpoint_pvc(&scan_ref, &scan.spec).is_some()
        {
            let claim_name = names::checkpoint_pvc_name(&name);
            ctx.metrics.read("PersistentVolumeClaim");
            Api::<PersistentVolumeClaim>::namespaced(client.clone(), &namespace)
                .get_opt(&claim_name)
                .await
                .map_err(Error::kube(format!(
                    "reading PersistentVolumeClaim {claim_name}"
                )))?
                .and_then(|c| c.status.and_then(|s| s.phase))
                .map(|phase| (claim_name, phase))
        } else {
            None
        };
        let from_pods = stuck::from_pods(
            pods.iter().map(|p| p.as_ref()),
            claim
                .as_ref()
                .map(|(name, phase)| stuck::Claim { name, phase }),
        );
        match (&from_pods, job.as_ref().and_then(|j| j.uid())) {
            // No pod at all: the Job controller may be refused its create
            // (quota, Pod Security); only its Events say so.
            (None, Some(job_uid)) if awaiting_pod => {
                let lp = ListParams::default().fields(&format!(
                    "involvedObject.uid={job_uid},reason={}",
                    stuck::FAILED_CREATE
                ));
                ctx.metrics.read("Event");
                let events = Api::<Event>::namespaced(client.clone(), &namespace)
                    .list(&lp)
                    .await
                    .map_err(Error::kube(format!("listing the Events of Job {job_name}")))?;
                stuck::from_job_events(&events.items)
            }
            _ => from_pods,
        }
    } else {
        None
    };
    let stuck_context = StuckContext {
        previous: true_since(&status, status::CONDITION_DEGRADED)
            .filter(|_| !phase_now.is_terminal())
            .map(|(c, since)| stuck::Previous {
                reason: c.reason.clone(),
                message: c.message.clone(),
                since,
            }),
        holding_since: true_since(&status, status::CONDITION_PROGRESSING)
            .filter(|_| phase_now.is_active())
            .map_or_else(state::now, |(_, since)| since),
        crawler_running: pods_view.live > pods_view.starting,
        awaiting_pod,
    };
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
        let limits = queue::Limits {
            max_concurrent: ctx.config.max_concurrent_scans,
            per_namespace: ctx.config.max_concurrent_scans_per_namespace,
        };
        let mut admission = queue::admission(&entries, &me, &in_flight, limits);
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
    let decision = stuck::judge(
        decision,
        &stuck_context.judge(now, stuck_seen.as_ref(), ctx.config.pending_timeout),
    );
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
        stuck: stuck_context,
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
