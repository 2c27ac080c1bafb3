//! Crawler pods that cannot start: what is wrong (from the pod's container
//! waiting reason, its PodScheduled condition, the checkpoint claim's phase
//! or the API server's answer to the Job), and what a scan holding a slot
//! does about it: `Degraded` at once, and after `--pending-timeout` its slot
//! goes back (Queued for what may heal, Failed for what cannot).
//!
//! Pure functions of what was read; the reconcile does the reading.

use std::time::Duration;

use cira_crds::ScanPhase;
use k8s_openapi::api::core::v1::Pod;

use crate::state::{Decision, JobAction, UtcTime};

/// Why a crawler pod cannot start, by kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cause {
    /// ErrImagePull, ImagePullBackOff, ErrImageNeverPull: the registry or
    /// the node may get the image yet.
    ImagePull,
    /// InvalidImageName: the Job's pod template cannot change, so never.
    InvalidImage,
    /// CreateContainerConfigError: a referenced object may still appear.
    ContainerConfig,
    /// PodScheduled False, reason Unschedulable: capacity or labels may come.
    Unschedulable,
    /// The pod waits for the checkpoint claim, which is Pending (unbound).
    ClaimPending,
    /// The checkpoint claim lost its volume.
    ClaimLost,
    /// The API server refused the Job as invalid (HTTP 422).
    JobRejected,
    /// The Job controller cannot create the pod (a quota, Pod Security or
    /// another admission refusal; its `FailedCreate` Event): the quota may
    /// free up or the policy change.
    PodRefused,
}

impl Cause {
    /// The condition reason.
    pub fn reason(self) -> &'static str {
        match self {
            Cause::ImagePull => "CrawlerImagePullFailed",
            Cause::InvalidImage => "CrawlerImageInvalid",
            Cause::ContainerConfig => "CrawlerContainerConfigError",
            Cause::Unschedulable => "CrawlerUnschedulable",
            Cause::ClaimPending => "CheckpointClaimPending",
            Cause::ClaimLost => "CheckpointClaimLost",
            Cause::JobRejected => "CrawlerJobRejected",
            Cause::PodRefused => "CrawlerPodRefused",
        }
    }

    /// The cause of a reason written earlier.
    pub fn of_reason(reason: &str) -> Option<Cause> {
        [
            Cause::ImagePull,
            Cause::InvalidImage,
            Cause::ContainerConfig,
            Cause::Unschedulable,
            Cause::ClaimPending,
            Cause::ClaimLost,
            Cause::JobRejected,
            Cause::PodRefused,
        ]
        .into_iter()
        .find(|c| c.reason() == reason)
    }

    /// Whether waiting (in the queue) may help.
    pub fn heals(self) -> bool {
        !matches!(
            self,
            Cause::InvalidImage | Cause::ClaimLost | Cause::JobRejected
        )
    }

    /// From a container's waiting reason (a typed field of the pod status).
    fn of_waiting(reason: &str) -> Option<Cause> {
        match reason {
            "ErrImagePull" | "ImagePullBackOff" | "ErrImageNeverPull" => Some(Cause::ImagePull),
            "InvalidImageName" => Some(Cause::InvalidImage),
            "CreateContainerConfigError" => Some(Cause::ContainerConfig),
            _ => None,
        }
    }
}

/// What was seen: the cause and the message of the object that showed it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stuck {
    pub cause: Cause,
    pub message: String,
}

/// The checkpoint claim as read, when a pod waits to be scheduled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Claim<'a> {
    pub name: &'a str,
    /// `status.phase`: Pending, Bound or Lost.
    pub phase: &'a str,
}

fn live_pending(pod: &Pod) -> bool {
    let phase = pod.status.as_ref().and_then(|s| s.phase.as_deref());
    pod.metadata.deletion_timestamp.is_none() && matches!(phase, None | Some("Pending"))
}

/// True when a live pod of the Job cannot be scheduled (then the claim is
/// worth a look).
pub fn unschedulable<'a>(pods: impl IntoIterator<Item = &'a Pod>) -> bool {
    pods.into_iter()
        .filter(|p| live_pending(p))
        .any(|p| scheduling_refused(p).is_some())
}

fn scheduling_refused(pod: &Pod) -> Option<String> {
    pod.status
        .as_ref()?
        .conditions
        .as_ref()?
        .iter()
        .find(|c| {
            c.type_ == "PodScheduled"
                && c.status == "False"
                && c.reason.as_deref() == Some("Unschedulable")
        })
        .map(|c| c.message.clone().unwrap_or_default())
}

fn detail(reason: &str, message: &str) -> String {
    let message = message.trim().trim_end_matches('.');
    if message.is_empty() {
        reason.to_string()
    } else {
        format!("{reason}: {message}")
    }
}

/// Why the Job's pods cannot start, if they cannot: a container waiting for
/// an image or its configuration first, then scheduling (with the claim's
/// phase when it was read).
pub fn from_pods<'a>(
    pods: impl IntoIterator<Item = &'a Pod>,
    claim: Option<Claim<'_>>,
) -> Option<Stuck> {
    let pods: Vec<&Pod> = pods.into_iter().filter(|p| live_pending(p)).collect();
    for pod in &pods {
        let Some(status) = pod.status.as_ref() else {
            continue;
        };
        let containers = status
            .init_container_statuses
            .iter()
            .flatten()
            .chain(status.container_statuses.iter().flatten());
        for c in containers {
            let Some(waiting) = c.state.as_ref().and_then(|s| s.waiting.as_ref()) else {
                continue;
            };
            let reason = waiting.reason.as_deref().unwrap_or_default();
            if let Some(cause) = Cause::of_waiting(reason) {
                return Some(Stuck {
                    cause,
                    message: detail(reason, waiting.message.as_deref().unwrap_or_default()),
                });
            }
        }
    }
    let refused = pods.iter().find_map(|p| scheduling_refused(p))?;
    let pod = detail("Unschedulable", &refused);
    Some(match claim {
        Some(Claim { name, phase }) if phase == "Pending" || phase == "Lost" => Stuck {
            cause: if phase == "Lost" {
                Cause::ClaimLost
            } else {
                Cause::ClaimPending
            },
            message: format!("PersistentVolumeClaim {name} is {phase} ({pod})"),
        },
        _ => Stuck {
            cause: Cause::Unschedulable,
            message: pod,
        },
    })
}

/// The Job controller's latest refusal to create the crawler pod, from the
/// Job's Events (their `reason`, a typed field, is `FailedCreate`), when
/// the Job has no pod at all.
pub fn from_job_events<'a>(
    events: impl IntoIterator<Item = &'a k8s_openapi::api::core::v1::Event>,
) -> Option<Stuck> {
    events
        .into_iter()
        .filter(|e| e.reason.as_deref() == Some(FAILED_CREATE))
        .max_by_key(|e| {
            e.last_timestamp
                .as_ref()
                .map(|t| t.0)
                .or_else(|| e.event_time.as_ref().map(|t| t.0))
        })
        .map(|e| Stuck {
            cause: Cause::PodRefused,
            message: detail(FAILED_CREATE, e.message.as_deref().unwrap_or_default()),
        })
}

/// The Job controller's Event reason for a pod it could not create.
pub const FAILED_CREATE: &str = "FailedCreate";

/// The API server's refusal of the Job, if it is one that says the Job
/// itself is invalid (HTTP 422).
pub fn from_rejected_job(code: u16, message: &str) -> Option<Stuck> {
    (code == 422).then(|| Stuck {
        cause: Cause::JobRejected,
        message: detail("the API server refused the crawler Job", message),
    })
}

/// A `Degraded` condition to show while the scan is not finished.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Degraded {
    pub reason: String,
    pub message: String,
}

/// The stored Degraded condition of an unfinished scan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Previous {
    pub reason: String,
    pub message: String,
    /// When Degraded turned True.
    pub since: UtcTime,
}

/// Everything `judge` looks at besides the decision.
#[derive(Clone, Debug)]
pub struct Judge<'a> {
    pub now: UtcTime,
    /// What the pods, the claim or the Job's refusal show now.
    pub observed: Option<&'a Stuck>,
    pub previous: Option<&'a Previous>,
    /// When the scan took its crawler slot (now, if it takes it in this
    /// reconcile).
    pub holding_since: UtcTime,
    /// A crawler container of the Job runs.
    pub crawler_running: bool,
    /// The Job should run but has no pod yet: a refused pod create shows
    /// only in its Events, so look again soon.
    pub awaiting_pod: bool,
    pub pending_timeout: Duration,
}

/// How soon a Job without a pod is looked at again.
pub const AWAITING_POD: Duration = Duration::from_secs(5);

fn human(d: Duration) -> String {
    let s = d.as_secs();
    match (s / 60, s % 60) {
        (0, s) => format!("{s}s"),
        (m, 0) => format!("{m}m"),
        (m, s) => format!("{m}m{s}s"),
    }
}

/// Adjusts a decision for a crawler that cannot start.
///
/// A scan holding its slot whose crawler should run shows `Degraded` with
/// the cause at once; once the crawler runs it clears. When the problem has
/// lasted `pending_timeout` since the later of Degraded turning True and
/// the slot being taken, the slot goes back: phase `Queued` (Job suspended)
/// for a cause that may heal, `Failed` for one that cannot. A queued scan
/// keeps the Degraded it gave its slot back with until its crawler runs.
pub fn judge(mut d: Decision, j: &Judge<'_>) -> Decision {
    let crawler_meant_to_run = matches!(
        d.job,
        JobAction::None | JobAction::Create | JobAction::Suspend(false)
    );
    if d.phase == ScanPhase::Queued {
        d.degraded = j.previous.map(|p| Degraded {
            reason: p.reason.clone(),
            message: p.message.clone(),
        });
        return d;
    }
    if !d.phase.is_active() || !crawler_meant_to_run {
        d.degraded = None;
        return d;
    }
    let problem = match (j.observed, j.previous) {
        (Some(seen), _) => Some((seen.cause, seen.message.clone())),
        (None, _) if j.crawler_running => None,
        (None, Some(p)) => Cause::of_reason(&p.reason).map(|c| (c, p.message.clone())),
        (None, None) => None,
    };
    let Some((cause, message)) = problem else {
        d.degraded = None;
        if j.awaiting_pod {
            d.requeue = Some(d.requeue.map_or(AWAITING_POD, |r| r.min(AWAITING_POD)));
        }
        return d;
    };
    d.degraded = Some(Degraded {
        reason: cause.reason().to_string(),
        message: message.clone(),
    });
    let since = j
        .previous
        .map_or(j.now, |p| p.since)
        .max(j.holding_since)
        .min(j.now);
    let waited = (j.now - since).to_std().unwrap_or_default();
    let timeout = j.pending_timeout;
    if waited < timeout {
        let left = timeout - waited;
        d.message = format!(
            "The crawler cannot start: {message}. Unless it starts within {}, the scan {}.",
            human(left),
            if cause.heals() {
                "gives its crawler slot to the next scan and waits in the queue"
            } else {
                "fails"
            }
        );
        let again = left + Duration::from_secs(1);
        d.requeue = Some(d.requeue.map_or(again, |r| r.min(again)));
        return d;
    }
    // The slot goes back: no crawler runs (the suspend deletes the pod).
    d.job = match d.job {
        JobAction::Suspend(false) => JobAction::Suspend(true),
        _ => JobAction::None,
    };
    d.times.paused_at.get_or_insert(j.now);
    d.queue_position = None;
    d.reason = cause.reason().to_string();
    if cause.heals() {
        d.phase = ScanPhase::Queued;
        d.message = format!(
            "The crawler could not start within {}: {message}. Its crawler slot went to the next scan; the scan waits in the queue to try again.",
            human(timeout)
        );
        d.requeue = Some(Duration::from_secs(30));
    } else {
        d.phase = ScanPhase::Failed;
        d.message = format!("The crawler cannot start: {message}.");
        d.times.completed_at = Some(j.now);
        d.requeue = None;
    }
    d
}

#[cfg(test)]
mod tests;
