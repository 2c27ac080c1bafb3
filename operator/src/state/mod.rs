//! The scan's phase state machine: a pure function from what the operator
//! observed to the phase, the times, and what should happen to the Job.
//!
//! Keeping this free of I/O lets a table-driven test cover every transition.

mod decide;
mod version;

use std::time::Duration;

use chrono::{DateTime, Utc};
use cira_crds::progress::CrawlerProgress;
use cira_crds::{CompanyScanSpec, CompanyScanStatus, DesiredState, ReportStatus, ScanPhase};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

use crate::config::OperatorConfig;
use crate::validate::{InvalidSpec, ValidSpec};

pub use decide::decide;
pub use version::{VersionStep, report_with_history, start_version, version_step};

/// Points in time are handled as chrono values and stored as API `Time`.
pub type UtcTime = DateTime<Utc>;

/// Stable reasons, used in conditions and Events (CamelCase by convention).
pub mod reason {
    pub const ACCEPTED: &str = "Accepted";
    pub const QUEUED: &str = "Queued";
    /// Queued because the namespace holds its share of the slots.
    pub const NAMESPACE_LIMIT: &str = "NamespaceLimit";
    pub const WAITING_FOR_PREVIOUS_VERSION: &str = "WaitingForPreviousVersion";
    pub const STARTED: &str = "Started";
    pub const RESUMED: &str = "Resumed";
    pub const TIMEOUT_EXTENDED: &str = "TimeoutExtended";
    pub const PAUSING: &str = "Pausing";
    pub const PAUSED: &str = "Paused";
    pub const TIMED_OUT: &str = "TimedOut";
    pub const COMPLETED: &str = "Completed";
    pub const CRAWLER_FAILED: &str = "CrawlerFailed";
    pub const NO_REPORT: &str = "CrawlerExitedWithoutReport";
    pub const CRAWLER_STALE: &str = "CrawlerStale";
    pub const CRAWLER_RESTARTING: &str = "CrawlerRestarting";
    /// Event only: the crawler fell back to an older checkpoint.
    pub const CHECKPOINT_RECOVERED: &str = "CheckpointRecovered";
    pub const INVALID_SPEC: &str = "InvalidSpec";
    /// The spec breaks the installer's scan policy.
    pub const POLICY_VIOLATION: &str = "PolicyViolation";
    /// An object the scan needs exists and was not created for this scan.
    pub const NAME_CONFLICT: &str = "NameConflict";
    pub const RESCAN: &str = "RescanStarted";
    /// `desiredState: Stopped` arrived; the crawler finishes from what it has.
    pub const STOPPING: &str = "Stopping";
    /// Completed after a stop on request: the report covers the pages
    /// crawled until the stop.
    pub const STOPPED: &str = "Stopped";
    /// Stopped before a page was crawled: nothing to report, so Cancelled.
    pub const STOPPED_BEFORE_START: &str = "StoppedBeforeStart";
    pub const CANCELLED: &str = "Cancelled";
    pub const AS_EXPECTED: &str = "AsExpected";
}

/// Converts to the API's `Time` (second precision, as the API stores it).
pub fn to_time(t: UtcTime) -> Time {
    Time(k8s_openapi::jiff::Timestamp::from_second(t.timestamp()).unwrap_or_default())
}

/// Converts from the API's `Time`.
pub fn from_time(t: &Time) -> UtcTime {
    DateTime::from_timestamp(t.0.as_second(), t.0.subsec_nanosecond().max(0) as u32)
        .unwrap_or_default()
}

/// The current time, truncated to what the API can store.
pub fn now() -> UtcTime {
    DateTime::from_timestamp(Utc::now().timestamp(), 0).unwrap_or_default()
}

fn seconds_between(from: UtcTime, to: UtcTime) -> i64 {
    (to - from).num_seconds().max(0)
}

/// What the crawler Job looks like.
#[derive(Clone, Debug, PartialEq)]
pub enum JobState {
    /// No Job of the current version exists.
    Absent,
    /// The Job exists and has not finished.
    Running { suspended: bool },
    /// The Job finished successfully.
    Complete,
    /// The Job failed; the message is the Job's own explanation.
    Failed { message: String },
}

/// The crawler pods of the current Job.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct PodsView {
    /// Pods not yet Succeeded or Failed, including terminating ones.
    pub active: u32,
    /// Active pods that are not being deleted.
    pub live: u32,
    /// When the crawler of the newest live pod started running.
    pub newest_live_start: Option<UtcTime>,
    /// Live pods whose crawler is not running yet.
    pub starting: u32,
}

/// Whether the scan may use a crawler slot now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admission {
    Admitted,
    Waiting {
        position: u32,
    },
    /// The Job of the previous scan version still has pods or has not finished.
    BlockedByPreviousJob,
    /// The scan's namespace already holds `limit` slots (counting its scans
    /// ahead in the queue): it waits without a place in the line.
    NamespaceFull {
        limit: u32,
    },
}

/// Everything `decide` looks at.
#[derive(Clone, Debug)]
pub struct Inputs<'a> {
    pub now: UtcTime,
    pub spec: &'a CompanyScanSpec,
    pub status: &'a CompanyScanStatus,
    /// Reason of the current Ready condition, if any.
    pub last_reason: Option<&'a str>,
    /// The validated spec, or why it is invalid.
    pub valid: Result<&'a ValidSpec, &'a InvalidSpec>,
    pub job: JobState,
    pub pods: PodsView,
    /// The crawler's progress for the current scan version only.
    pub progress: Option<&'a CrawlerProgress>,
    pub admission: Admission,
    /// An object the crawler needs that exists without this scan as its
    /// owner (looked up only when a Job may be created).
    pub conflict: Option<&'a NameConflict>,
    pub config: &'a OperatorConfig,
}

/// An object with a name the scan needs that this scan did not create: the
/// operator never takes it over.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NameConflict {
    /// The object's kind, e.g. `ServiceAccount`.
    pub kind: &'static str,
    pub name: String,
}

impl std::fmt::Display for NameConflict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {} already exists and was not created for this scan; the operator does not take it over. Delete or rename it and the scan starts.",
            self.kind, self.name
        )
    }
}

/// What to do with the Job.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JobAction {
    /// Leave it as it is (or absent).
    None,
    /// Create it (running).
    Create,
    /// Set `spec.suspend` to this value if it differs.
    Suspend(bool),
    /// Delete it (and its pods); the checkpoint stays with the scan.
    Delete,
}

/// The times kept in status.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Times {
    pub started_at: Option<UtcTime>,
    pub completed_at: Option<UtcTime>,
    pub paused_at: Option<UtcTime>,
    pub total_paused_seconds: i64,
}

impl Times {
    pub fn of(status: &CompanyScanStatus) -> Self {
        Self {
            started_at: status.started_at.as_ref().map(from_time),
            completed_at: status.completed_at.as_ref().map(from_time),
            paused_at: status.paused_at.as_ref().map(from_time),
            total_paused_seconds: status.total_paused_seconds,
        }
    }

    /// Active scan time: from the start, less every stretch the crawler was
    /// stopped (paused, queued again after a pause, timed out). While a stop
    /// is in force (`paused_at` set) the clock stands still.
    pub fn active_seconds(&self, now: UtcTime) -> i64 {
        match self.started_at {
            None => 0,
            Some(start) => {
                let until = self.paused_at.map_or(now, |p| p.max(start)).min(now);
                (seconds_between(start, until) - self.total_paused_seconds).max(0)
            }
        }
    }

    /// Ends a stop: the time since `paused_at` is added to the paused total.
    pub fn resume(&mut self, now: UtcTime) {
        if let Some(paused) = self.paused_at.take()
            && let Some(start) = self.started_at
        {
            self.total_paused_seconds += seconds_between(paused.max(start), now);
        }
    }
}

/// The outcome of `decide`.
#[derive(Clone, Debug, PartialEq)]
pub struct Decision {
    pub phase: ScanPhase,
    pub reason: String,
    pub message: String,
    pub job: JobAction,
    pub times: Times,
    pub stale_restarts: u32,
    pub queue_position: Option<u32>,
    /// Set when the scan completed with a report.
    pub report: Option<ReportStatus>,
    /// When to look again even if nothing changes.
    pub requeue: Option<Duration>,
    /// A crawler that cannot start (set by `stuck::judge`), shown as the
    /// Degraded condition of an unfinished scan.
    pub degraded: Option<crate::stuck::Degraded>,
}

/// True when the scan needs a crawler: it should run, or it was stopped
/// after crawling had begun and the crawler has to write the report from
/// its checkpoint.
pub fn wants_crawler(spec: &CompanyScanSpec, status: &CompanyScanStatus) -> bool {
    match spec.desired_state {
        DesiredState::Running => true,
        DesiredState::Stopped => status.started_at.is_some(),
        DesiredState::Paused | DesiredState::Cancelled => false,
    }
}

#[cfg(test)]
mod tests;
