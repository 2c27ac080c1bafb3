//! `decide`: the transition table from what was observed to the phase and
//! the Job action. See docs/operator.md for the diagram.

use std::time::Duration;

use cira_crds::progress::{CrawlEnd, CrawlerOutcome};
use cira_crds::{DesiredState, ReportStatus, ScanPhase};

use super::{Admission, Decision, Inputs, JobAction, JobState, NameConflict, Times, reason};

fn job_present(job: &JobState) -> bool {
    !matches!(job, JobState::Absent)
}

fn delete_if_present(job: &JobState) -> JobAction {
    if job_present(job) {
        JobAction::Delete
    } else {
        JobAction::None
    }
}

fn human(d: Duration) -> String {
    let s = d.as_secs();
    match (s / 3600, (s % 3600) / 60, s % 60) {
        (0, 0, s) => format!("{s}s"),
        (0, m, 0) => format!("{m}m"),
        (0, m, s) => format!("{m}m{s}s"),
        (h, 0, 0) => format!("{h}h"),
        (h, m, _) => format!("{h}h{m}m"),
    }
}

/// The phase and actions for the observed state. See docs/operator.md for
/// the transition diagram.
pub fn decide(i: &Inputs<'_>) -> Decision {
    let d = decide_job(i);
    match (&d.job, i.conflict) {
        (JobAction::Create, Some(conflict)) => blocked_by_conflict(i, d, conflict),
        _ => d,
    }
}

/// A Job would be created, but an object it needs belongs to someone else:
/// nothing is created and the scan waits (without a slot) until the object
/// is gone.
fn blocked_by_conflict(i: &Inputs<'_>, mut d: Decision, conflict: &NameConflict) -> Decision {
    let st = i.status;
    d.job = JobAction::None;
    d.phase = ScanPhase::Pending;
    d.reason = reason::NAME_CONFLICT.to_string();
    d.message = conflict.to_string();
    d.times = Times::of(st);
    if st.phase.unwrap_or_default().is_active() {
        // The crawler is not running: the active-time clock stops.
        d.times.paused_at.get_or_insert(i.now);
    }
    d.queue_position = None;
    d.report = None;
    d.requeue = Some(Duration::from_secs(30));
    d
}

fn decide_job(i: &Inputs<'_>) -> Decision {
    let st = i.status;
    let now = i.now;
    let mut phase_now = st.phase.unwrap_or_default();
    let mut d = Decision {
        phase: phase_now,
        reason: i.last_reason.unwrap_or(reason::ACCEPTED).to_string(),
        message: st.message.clone().unwrap_or_default(),
        job: JobAction::None,
        times: Times::of(st),
        stale_restarts: st.stale_restarts,
        queue_position: None,
        report: None,
        requeue: None,
        degraded: None,
    };
    let suspend_if_present = |job: &JobState| match job {
        JobState::Running { .. } => JobAction::Suspend(true),
        _ => JobAction::None,
    };

    // The spec is checked first: an invalid spec stops everything.
    let valid = match i.valid {
        Ok(valid) => valid,
        Err(why) => {
            d.phase = ScanPhase::Failed;
            d.reason = why.reason().to_string();
            d.message = why.to_string();
            d.job = suspend_if_present(&i.job);
            d.times.completed_at.get_or_insert(now);
            return d;
        }
    };
    // A scan that failed only because of its spec starts over once fixed.
    if phase_now == ScanPhase::Failed
        && matches!(
            i.last_reason,
            Some(reason::INVALID_SPEC | reason::POLICY_VIOLATION)
        )
    {
        phase_now = ScanPhase::Pending;
        d.times.completed_at = None;
    }

    if phase_now.is_terminal() {
        // Completed, Failed and Cancelled are only left through a rescan.
        match phase_now {
            ScanPhase::Failed => d.job = suspend_if_present(&i.job),
            ScanPhase::Cancelled => d.job = delete_if_present(&i.job),
            _ => {}
        }
        return d;
    }

    let outcome = i.progress.and_then(|p| p.outcome.as_ref());
    match &i.job {
        JobState::Failed { message } => {
            d.phase = ScanPhase::Failed;
            (d.reason, d.message) = match outcome {
                Some(CrawlerOutcome::Failed { reason, kind }) => (
                    kind.reason().to_string(),
                    sentence("The crawler failed", reason),
                ),
                _ => (
                    reason::CRAWLER_FAILED.to_string(),
                    sentence("The crawler Job failed", message),
                ),
            };
            d.times.completed_at = Some(now);
            d.queue_position = None;
            return d;
        }
        JobState::Complete => {
            d.times.completed_at = Some(now);
            match outcome {
                Some(CrawlerOutcome::Completed {
                    report_config_map,
                    counts,
                    ended,
                }) => {
                    d.phase = ScanPhase::Completed;
                    (d.reason, d.message) = match ended {
                        CrawlEnd::Finished => (
                            reason::COMPLETED.to_string(),
                            format!(
                                "The scan finished; the report is in ConfigMap {report_config_map}."
                            ),
                        ),
                        CrawlEnd::StoppedOnRequest => (
                            reason::STOPPED.to_string(),
                            format!(
                                "The scan was stopped on request after {} pages; the report of those pages is in ConfigMap {report_config_map}.",
                                i.progress.map_or(0, |p| p.pages_crawled)
                            ),
                        ),
                    };
                    d.report = Some(ReportStatus {
                        config_map: report_config_map.clone(),
                        scan_version: st.scan_version,
                        counts: counts.clone(),
                        history: Vec::new(),
                    });
                }
                Some(CrawlerOutcome::Failed { reason, kind }) => {
                    d.phase = ScanPhase::Failed;
                    d.reason = kind.reason().to_string();
                    d.message = sentence("The crawler failed", reason);
                }
                None => {
                    d.phase = ScanPhase::Failed;
                    d.reason = reason::NO_REPORT.to_string();
                    d.message =
                        "The crawler exited successfully but published no result.".to_string();
                }
            }
            return d;
        }
        JobState::Absent | JobState::Running { .. } => {}
    }

    match i.spec.desired_state {
        DesiredState::Paused => return decide_paused(i, d, phase_now),
        DesiredState::Cancelled => return decide_cancelled(i, d, phase_now),
        DesiredState::Stopped if d.times.started_at.is_none() => {
            return stopped_before_start(i, d);
        }
        DesiredState::Stopped | DesiredState::Running => {}
    }

    // Desired Running, or Stopped after crawling began, from here on: a
    // stopped scan runs its crawler once more to write the report from its
    // checkpoint, without fetching; the timeout no longer applies (the work
    // left is bounded by the pages already fetched; the heartbeat check
    // still catches a stuck crawler).
    let stopping = i.spec.desired_state == DesiredState::Stopped;
    let active = d.times.active_seconds(now);
    let timeout_secs = valid.timeout.as_secs() as i64;
    if !stopping && d.times.started_at.is_some() && active >= timeout_secs {
        d.job = suspend_if_present(&i.job);
        if phase_now != ScanPhase::TimedOut {
            d.phase = ScanPhase::TimedOut;
            d.reason = reason::TIMED_OUT.to_string();
            d.message = format!(
                "The scan used up its active time of {}; raise spec.timeout to resume it from its checkpoint.",
                human(valid.timeout)
            );
            d.times.paused_at.get_or_insert(now);
            d.times.completed_at = Some(now);
        }
        return d;
    }

    let crawler_phase = match i.progress.map(|p| p.phase) {
        Some(p) if p.is_active() => p,
        // The crawler has finished but its Job has not yet: keep the phase
        // shown rather than flicking back to Crawling.
        _ if phase_now.is_active() => phase_now,
        _ => ScanPhase::Crawling,
    };

    if phase_now.is_active() {
        // Holding a crawler slot.
        if i.last_reason == Some(reason::CRAWLER_RESTARTING)
            && matches!(i.job, JobState::Running { .. })
            && i.pods.active > 0
        {
            // A stale crawler is being stopped (suspend); the Job runs again
            // once its pod is gone.
            d.job = JobAction::Suspend(true);
            d.requeue = Some(Duration::from_secs(2));
            return d;
        }
        d.job = if job_present(&i.job) {
            JobAction::Suspend(false)
        } else {
            JobAction::Create
        };
        d.phase = crawler_phase;
        if stopping {
            d.reason = reason::STOPPING.to_string();
            d.message = stopping_message(i);
        } else {
            if d.phase != phase_now || i.last_reason == Some(reason::CRAWLER_RESTARTING) {
                d.reason = d.phase.as_str().to_string();
            }
            d.message = activity_message(d.phase);
        }
        let mut requeue = if stopping {
            Duration::from_secs(60)
        } else {
            Duration::from_secs((timeout_secs - active).max(1) as u64)
        };
        let check_stale = i.pods.live > 0 && i.pods.starting == 0;
        if let (JobState::Running { .. }, true) = (&i.job, check_stale) {
            let heartbeat = i.progress.and_then(|p| p.heartbeat);
            let reference = match (heartbeat, i.pods.newest_live_start) {
                (Some(h), Some(p)) => Some(h.max(p)),
                (h, p) => h.or(p),
            };
            if let Some(reference) = reference {
                let age = (now - reference).to_std().unwrap_or_default();
                if age > i.config.stale_after {
                    if st.stale_restarts >= i.config.max_stale_restarts {
                        d.phase = ScanPhase::Failed;
                        d.reason = reason::CRAWLER_STALE.to_string();
                        d.message = format!(
                            "The crawler sent no heartbeat for {}; its pod was replaced {} times already, so the scan gave up.",
                            human(age),
                            st.stale_restarts
                        );
                        d.job = JobAction::Suspend(true);
                        d.times.completed_at = Some(now);
                        return d;
                    }
                    // Suspending stops the pod the way a pause does: the
                    // restart does not use up the backoff limit and no
                    // second pod starts before this one is gone; the next
                    // reconcile resumes it.
                    d.job = JobAction::Suspend(true);
                    d.stale_restarts += 1;
                    d.reason = reason::CRAWLER_RESTARTING.to_string();
                    d.message = format!(
                        "The crawler sent no heartbeat for {}; it is restarted from its last checkpoint (restart {} of at most {}).",
                        human(age),
                        d.stale_restarts,
                        i.config.max_stale_restarts
                    );
                    d.requeue = Some(Duration::from_secs(2));
                    return d;
                } else {
                    requeue = requeue.min(i.config.stale_after - age + Duration::from_secs(1));
                }
            }
        }
        d.requeue = Some(requeue.min(Duration::from_secs(60)));
        return d;
    }

    // Not holding a slot: Pending, Queued, Paused (resuming) or TimedOut
    // (timeout raised).
    match i.admission {
        Admission::Admitted => {
            d.job = if job_present(&i.job) {
                JobAction::Suspend(false)
            } else {
                JobAction::Create
            };
            d.reason = match phase_now {
                _ if stopping => reason::STOPPING,
                ScanPhase::Paused => reason::RESUMED,
                ScanPhase::TimedOut => reason::TIMEOUT_EXTENDED,
                ScanPhase::Queued if d.times.started_at.is_some() => reason::RESUMED,
                _ => reason::STARTED,
            }
            .to_string();
            d.times.resume(now);
            d.times.started_at.get_or_insert(now);
            d.times.completed_at = None;
            d.phase = crawler_phase;
            d.message = if stopping {
                stopping_message(i)
            } else {
                activity_message(d.phase)
            };
            d.requeue = Some(Duration::from_secs(if stopping {
                60
            } else {
                (timeout_secs - d.times.active_seconds(now)).clamp(1, 60) as u64
            }));
        }
        Admission::Waiting { position } => {
            d.job = suspend_if_present(&i.job);
            d.phase = ScanPhase::Queued;
            d.reason = reason::QUEUED.to_string();
            d.queue_position = Some(position);
            d.message = format!(
                "Waiting for a free crawler slot (position {position}; at most {} scans crawl at once).",
                i.config.max_concurrent_scans
            );
            d.requeue = Some(Duration::from_secs(30));
        }
        Admission::NamespaceFull { limit } => {
            d.job = suspend_if_present(&i.job);
            d.phase = ScanPhase::Queued;
            d.reason = reason::NAMESPACE_LIMIT.to_string();
            d.message = format!(
                "Waiting for a crawler slot: at most {limit} scans of this namespace crawl at once, and that many are crawling or ahead in the queue."
            );
            d.requeue = Some(Duration::from_secs(30));
        }
        Admission::BlockedByPreviousJob => {
            d.job = suspend_if_present(&i.job);
            d.phase = ScanPhase::Queued;
            d.reason = reason::WAITING_FOR_PREVIOUS_VERSION.to_string();
            d.message = format!(
                "Waiting for the crawler of scan version {} to stop.",
                st.scan_version - 1
            );
            d.requeue = Some(Duration::from_secs(2));
        }
    }
    d
}

fn decide_paused(i: &Inputs<'_>, mut d: Decision, phase_now: ScanPhase) -> Decision {
    let now = i.now;
    d.queue_position = None;
    let paused_at = *d.times.paused_at.get_or_insert(now);
    if !job_present(&i.job) {
        if phase_now != ScanPhase::Paused {
            d.phase = ScanPhase::Paused;
            d.reason = reason::PAUSED.to_string();
            d.message = "The scan is paused; it had not started crawling yet.".to_string();
        }
        return d;
    }
    d.job = JobAction::Suspend(true);
    if matches!(phase_now, ScanPhase::Paused | ScanPhase::TimedOut) {
        return d;
    }
    let checkpoint_saved = i
        .progress
        .and_then(|p| p.checkpoint.as_ref())
        .and_then(|c| c.saved_at);
    let checkpoint_newer = checkpoint_saved.is_some_and(|saved| saved >= paused_at);
    let never_started = i.progress.is_none();
    let waited = (now - paused_at).to_std().unwrap_or_default();
    let grace_over = waited >= i.config.pause_grace;
    if i.pods.active == 0 && (checkpoint_newer || never_started || grace_over) {
        d.phase = ScanPhase::Paused;
        d.reason = reason::PAUSED.to_string();
        d.message = if checkpoint_newer {
            let generation = i
                .progress
                .and_then(|p| p.checkpoint.as_ref())
                .map_or(0, |c| c.generation);
            format!(
                "The scan is paused; it resumes from checkpoint generation {generation} when desiredState is Running again."
            )
        } else if never_started {
            "The scan is paused; its crawler had not published progress yet.".to_string()
        } else {
            format!(
                "The scan is paused, but no checkpoint newer than the pause request was saved within {}; resuming repeats the work since the last checkpoint.",
                human(i.config.pause_grace)
            )
        };
    } else {
        if phase_now.is_active() {
            d.phase = phase_now;
        }
        d.reason = reason::PAUSING.to_string();
        d.message = "Pausing: waiting for the crawler to save a checkpoint and stop.".to_string();
        d.requeue = Some(Duration::from_secs(5));
    }
    d
}

/// `desiredState: Cancelled`: the Job and its pods go, the checkpoint stays
/// (owned by the scan), the slot is free, no report.
fn decide_cancelled(i: &Inputs<'_>, mut d: Decision, phase_now: ScanPhase) -> Decision {
    d.phase = ScanPhase::Cancelled;
    d.reason = reason::CANCELLED.to_string();
    d.message = if d.times.started_at.is_some() {
        "The scan was cancelled; it has no report. Its checkpoint is kept until the scan is deleted; raise spec.rescan to scan again."
    } else {
        "The scan was cancelled before it crawled a page; it has no report. Raise spec.rescan to scan again."
    }
    .to_string();
    d.job = delete_if_present(&i.job);
    if phase_now.is_active() {
        // The crawler stops now: so does the active-time clock.
        d.times.paused_at.get_or_insert(i.now);
    }
    d.times.completed_at = Some(i.now);
    d.queue_position = None;
    d
}

/// `desiredState: Stopped` before crawling began: no page, so no report;
/// the scan ends Cancelled rather than Completed with nothing in it.
fn stopped_before_start(i: &Inputs<'_>, mut d: Decision) -> Decision {
    d.phase = ScanPhase::Cancelled;
    d.reason = reason::STOPPED_BEFORE_START.to_string();
    d.message = "The scan was stopped before it crawled a page, so it has no report. Raise spec.rescan with desiredState Running to scan again.".to_string();
    d.job = delete_if_present(&i.job);
    d.times.completed_at = Some(i.now);
    d.queue_position = None;
    d
}

fn stopping_message(i: &Inputs<'_>) -> String {
    let pages = i.progress.map_or(0, |p| p.pages_crawled);
    format!(
        "Stopping on request: no more pages are fetched; the report is written from the {pages} pages crawled so far."
    )
}

/// "Prefix: detail." with exactly one final full stop.
fn sentence(prefix: &str, detail: &str) -> String {
    let detail = detail.trim().trim_end_matches('.');
    if detail.is_empty() {
        format!("{prefix}.")
    } else {
        format!("{prefix}: {detail}.")
    }
}

fn activity_message(phase: ScanPhase) -> String {
    match phase {
        ScanPhase::Extracting => "Extracting entities from the fetched pages.",
        ScanPhase::Analyzing => "Analysing the extracted entities.",
        ScanPhase::Generating => "Writing the report.",
        _ => "Crawling the company's website.",
    }
    .to_string()
}
