//! Building the status the operator writes: conditions from the phase, the
//! progress mirror, and the rate limit for progress-only writes.

use std::time::Duration;

use cira_crds::progress::CrawlerProgress;
use cira_crds::{
    CheckpointStatus, CheckpointStorage, CompanyScanSpec, CompanyScanStatus, ScanPhase,
    ScanProgress,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Condition;

use crate::state::{self, Decision, UtcTime, VersionStep, reason, to_time};

pub const CONDITION_READY: &str = "Ready";
pub const CONDITION_PROGRESSING: &str = "Progressing";
pub const CONDITION_PAUSED: &str = "Paused";
pub const CONDITION_DEGRADED: &str = "Degraded";

fn condition(
    existing: &[Condition],
    type_: &str,
    on: bool,
    reason: &str,
    message: &str,
    generation: i64,
    now: UtcTime,
) -> Condition {
    let status = if on { "True" } else { "False" };
    // lastTransitionTime only moves when the status flips.
    let last_transition_time = existing
        .iter()
        .find(|c| c.type_ == type_ && c.status == status)
        .map(|c| c.last_transition_time.clone())
        .unwrap_or_else(|| to_time(now));
    Condition {
        type_: type_.to_string(),
        status: status.to_string(),
        reason: reason.to_string(),
        message: message.to_string(),
        observed_generation: Some(generation),
        last_transition_time,
    }
}

/// The four standard conditions for a phase, reason and message.
pub fn conditions(
    existing: &[Condition],
    phase: ScanPhase,
    reason: &str,
    message: &str,
    generation: i64,
    now: UtcTime,
) -> Vec<Condition> {
    conditions_with(existing, phase, reason, message, None, generation, now)
}

/// The four standard conditions, with Degraded also True for an unfinished
/// scan whose crawler cannot start (`stuck`).
pub fn conditions_with(
    existing: &[Condition],
    phase: ScanPhase,
    reason: &str,
    message: &str,
    stuck: Option<&crate::stuck::Degraded>,
    generation: i64,
    now: UtcTime,
) -> Vec<Condition> {
    let ready = phase == ScanPhase::Completed;
    let progressing = phase.is_active();
    let paused = phase == ScanPhase::Paused;
    let finished_badly = matches!(phase, ScanPhase::Failed | ScanPhase::TimedOut);
    let (degraded, degraded_reason, degraded_message) = match (finished_badly, stuck) {
        (true, _) => (true, reason, message),
        (false, Some(s)) => (true, s.reason.as_str(), s.message.as_str()),
        (false, None) => (false, reason::AS_EXPECTED, "No problems were detected."),
    };
    vec![
        condition(
            existing,
            CONDITION_READY,
            ready,
            reason,
            message,
            generation,
            now,
        ),
        condition(
            existing,
            CONDITION_PROGRESSING,
            progressing,
            reason,
            message,
            generation,
            now,
        ),
        condition(
            existing,
            CONDITION_PAUSED,
            paused,
            if paused { reason } else { "NotPaused" },
            if paused {
                message
            } else {
                "The scan is not paused."
            },
            generation,
            now,
        ),
        condition(
            existing,
            CONDITION_DEGRADED,
            degraded,
            degraded_reason,
            degraded_message,
            generation,
            now,
        ),
    ]
}

/// The reason of the Ready condition, which carries the latest transition's
/// reason.
pub fn last_reason(status: &CompanyScanStatus) -> Option<&str> {
    status
        .conditions
        .iter()
        .find(|c| c.type_ == CONDITION_READY)
        .map(|c| c.reason.as_str())
}

/// The progress mirror of the crawler's document.
pub fn scan_progress(p: &CrawlerProgress) -> ScanProgress {
    ScanProgress {
        percent: p.percent(),
        pages_crawled: p.pages_crawled,
        pages_queued: p.pages_queued,
        current_depth: p.current_depth,
        external_links_found: p.external_links_found,
        entities_extracted: p.entities_extracted,
        tokens_processed: p.tokens_processed,
        current_activity: p.current_activity.clone(),
        last_heartbeat: p.heartbeat.map(to_time),
    }
}

/// The checkpoint status from the crawler's document.
pub fn checkpoint_status(
    p: &CrawlerProgress,
    storage: CheckpointStorage,
) -> Option<CheckpointStatus> {
    p.checkpoint.as_ref().map(|c| CheckpointStatus {
        storage,
        location: c.location.clone(),
        saved_at: c.saved_at.map(to_time),
        pages_visited: c.pages_visited,
        bytes: c.bytes,
        generation: c.generation,
        recovered_from_corruption: c.recovered_from_corruption.clone(),
    })
}

/// The note of a Warning Event when the crawler has just fallen back to an
/// older checkpoint: once per fallback, not on every status write.
pub fn checkpoint_fallback_note(
    old: &CompanyScanStatus,
    new: &CompanyScanStatus,
) -> Option<String> {
    let why = |s: &CompanyScanStatus| {
        s.checkpoint
            .as_ref()
            .and_then(|c| c.recovered_from_corruption.clone())
    };
    let now = why(new)?;
    if why(old).as_ref() == Some(&now) {
        return None;
    }
    Some(format!(
        "The newest checkpoint was unreadable, so the crawler resumed from the previous one and fetches some pages again: {now}"
    ))
}

/// The status a new scan version starts from (first run or rescan), with
/// the reason of its Pending transition.
pub fn new_version(
    spec: &CompanyScanSpec,
    old: &CompanyScanStatus,
    step: VersionStep,
    now: UtcTime,
    generation: i64,
) -> (CompanyScanStatus, &'static str) {
    let why = if step == VersionStep::Rescan {
        reason::RESCAN
    } else {
        reason::ACCEPTED
    };
    let mut fresh = state::start_version(spec, old, step);
    let message = fresh.message.clone().unwrap_or_default();
    fresh.observed_generation = Some(generation);
    fresh.conditions = conditions(
        &old.conditions,
        ScanPhase::Pending,
        why,
        &message,
        generation,
        now,
    );
    (fresh, why)
}

/// Everything the next status is built from.
#[derive(Clone, Debug)]
pub struct Next<'a> {
    /// The status as stored.
    pub old: &'a CompanyScanStatus,
    pub decision: &'a Decision,
    /// The crawler's progress for the current scan version.
    pub progress: Option<&'a CrawlerProgress>,
    /// The name of the current version's Job when it exists (or was just
    /// created); `None` keeps what the status says.
    pub job: Option<&'a str>,
    pub storage: CheckpointStorage,
    /// `spec.report.historyLimit`.
    pub history_limit: u32,
    pub now: UtcTime,
    /// The scan's `metadata.generation`.
    pub generation: i64,
}

/// The status to store after a decision.
pub fn next(n: &Next<'_>) -> CompanyScanStatus {
    let (old, d) = (n.old, n.decision);
    let mut new = old.clone();
    new.phase = Some(d.phase);
    new.message = Some(d.message.clone());
    new.observed_generation = Some(n.generation);
    new.conditions = conditions_with(
        &old.conditions,
        d.phase,
        &d.reason,
        &d.message,
        d.degraded.as_ref(),
        n.generation,
        n.now,
    );
    new.started_at = d.times.started_at.map(to_time);
    new.completed_at = d.times.completed_at.map(to_time);
    new.paused_at = d.times.paused_at.map(to_time);
    new.total_paused_seconds = d.times.total_paused_seconds;
    new.active_seconds = d.times.active_seconds(n.now);
    new.stale_restarts = d.stale_restarts;
    new.queue_position = d.queue_position;
    if let Some(job) = n.job {
        new.job = Some(job.to_string());
    }
    if let Some(p) = n.progress {
        new.progress = Some(scan_progress(p));
        new.checkpoint = checkpoint_status(p, n.storage);
        new.estimated_remaining_seconds = if d.phase.is_active() {
            p.estimated_remaining_seconds()
        } else {
            None
        };
    }
    if d.phase == ScanPhase::Completed
        && let Some(report) = &d.report
    {
        new.report = Some(state::report_with_history(
            old.report.as_ref(),
            report.clone(),
            n.history_limit,
        ));
    }
    new
}

/// How a new status differs from the one stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    None,
    /// Only activeSeconds moved.
    Clock,
    /// Only progress, checkpoint, estimate, queue position (and the clock).
    Progress,
    /// Anything else: phase, conditions, times, report, ...
    Significant,
}

/// Classifies the difference between the stored and the new status.
pub fn classify(old: &CompanyScanStatus, new: &CompanyScanStatus) -> Change {
    if old == new {
        return Change::None;
    }
    let strip = |s: &CompanyScanStatus| CompanyScanStatus {
        progress: None,
        checkpoint: None,
        estimated_remaining_seconds: None,
        queue_position: None,
        active_seconds: 0,
        ..s.clone()
    };
    if strip(old) != strip(new) {
        return Change::Significant;
    }
    let progress_same = old.progress == new.progress
        && old.checkpoint == new.checkpoint
        && old.estimated_remaining_seconds == new.estimated_remaining_seconds
        && old.queue_position == new.queue_position;
    if progress_same {
        Change::Clock
    } else {
        Change::Progress
    }
}

/// Whether to write now; `Err(wait)` says how long until a write is due.
pub fn write_due(
    change: Change,
    since_last_write: Option<Duration>,
    progress_interval: Duration,
    clock_interval: Duration,
) -> Result<bool, Duration> {
    let interval = match change {
        Change::None => return Ok(false),
        Change::Significant => return Ok(true),
        Change::Progress => progress_interval,
        Change::Clock => clock_interval,
    };
    match since_last_write {
        Some(since) if since < interval => Err(interval - since),
        _ => Ok(true),
    }
}

#[cfg(test)]
mod tests;
