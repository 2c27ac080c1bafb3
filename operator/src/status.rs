//! Building the status the operator writes: conditions from the phase, the
//! progress mirror, and the rate limit for progress-only writes.

use std::time::Duration;

use cira_crds::progress::CrawlerProgress;
use cira_crds::{CheckpointStatus, CheckpointStorage, CompanyScanStatus, ScanPhase, ScanProgress};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Condition;

use crate::state::{Instant, reason, to_time};

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
    now: Instant,
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
    now: Instant,
) -> Vec<Condition> {
    let ready = phase == ScanPhase::Completed;
    let progressing = phase.is_active();
    let paused = phase == ScanPhase::Paused;
    let degraded = matches!(phase, ScanPhase::Failed | ScanPhase::TimedOut);
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
            if degraded {
                reason
            } else {
                reason::AS_EXPECTED
            },
            if degraded {
                message
            } else {
                "No problems were detected."
            },
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
mod tests {
    use super::*;
    use crate::state::now;

    #[test]
    fn conditions_follow_the_phase() {
        let t = now();
        let c = conditions(&[], ScanPhase::Crawling, "Started", "Crawling.", 4, t);
        let get = |c: &[Condition], ty: &str| c.iter().find(|x| x.type_ == ty).unwrap().clone();
        assert_eq!(get(&c, "Ready").status, "False");
        assert_eq!(get(&c, "Progressing").status, "True");
        assert_eq!(get(&c, "Progressing").reason, "Started");
        assert_eq!(get(&c, "Paused").status, "False");
        assert_eq!(get(&c, "Degraded").status, "False");
        assert!(c.iter().all(|x| x.observed_generation == Some(4)));

        let later = t + chrono::Duration::seconds(30);
        let c2 = conditions(
            &c,
            ScanPhase::Extracting,
            "Extracting",
            "Extracting.",
            4,
            later,
        );
        assert_eq!(
            get(&c2, "Progressing").last_transition_time,
            get(&c, "Progressing").last_transition_time,
            "no flip, no new transition time"
        );
        let c3 = conditions(&c2, ScanPhase::Paused, "Paused", "Paused.", 5, later);
        assert_eq!(get(&c3, "Paused").status, "True");
        assert_eq!(get(&c3, "Paused").last_transition_time, to_time(later));
        assert_eq!(get(&c3, "Progressing").status, "False");
        let c4 = conditions(&c3, ScanPhase::Completed, "Completed", "Done.", 5, later);
        assert_eq!(get(&c4, "Ready").status, "True");
        let c5 = conditions(&c4, ScanPhase::Failed, "CrawlerStale", "Gone.", 5, later);
        assert_eq!(get(&c5, "Degraded").status, "True");
        assert_eq!(get(&c5, "Degraded").reason, "CrawlerStale");
    }

    #[test]
    fn progress_only_writes_are_rate_limited() {
        let base = CompanyScanStatus {
            phase: Some(ScanPhase::Crawling),
            ..Default::default()
        };
        let mut progressed = base.clone();
        progressed.progress = Some(ScanProgress {
            pages_crawled: 3,
            ..Default::default()
        });
        let mut clock = base.clone();
        clock.active_seconds = 9;
        let mut phase = base.clone();
        phase.phase = Some(ScanPhase::Extracting);

        assert_eq!(classify(&base, &base), Change::None);
        assert_eq!(classify(&base, &clock), Change::Clock);
        assert_eq!(classify(&base, &progressed), Change::Progress);
        assert_eq!(classify(&base, &phase), Change::Significant);

        let (p, c) = (Duration::from_secs(5), Duration::from_secs(30));
        let s = Duration::from_secs;
        assert_eq!(write_due(Change::None, None, p, c), Ok(false));
        assert_eq!(write_due(Change::Significant, Some(s(0)), p, c), Ok(true));
        assert_eq!(write_due(Change::Progress, None, p, c), Ok(true));
        assert_eq!(write_due(Change::Progress, Some(s(2)), p, c), Err(s(3)));
        assert_eq!(write_due(Change::Progress, Some(s(5)), p, c), Ok(true));
        assert_eq!(write_due(Change::Clock, Some(s(10)), p, c), Err(s(20)));
        assert_eq!(write_due(Change::Clock, Some(s(31)), p, c), Ok(true));
    }

    #[test]
    fn progress_is_mirrored_with_percent() {
        let p = CrawlerProgress {
            phase: ScanPhase::Crawling,
            pages_crawled: 25,
            pages_queued: 75,
            max_pages: 100,
            entities_extracted: 7,
            current_activity: Some("fetching /about".into()),
            ..Default::default()
        };
        let s = scan_progress(&p);
        assert_eq!(s.percent, 25);
        assert_eq!(s.pages_crawled, 25);
        assert_eq!(s.entities_extracted, 7);
        assert_eq!(s.current_activity.as_deref(), Some("fetching /about"));
        assert!(checkpoint_status(&p, CheckpointStorage::ConfigMap).is_none());
    }

    #[test]
    fn checkpoint_fallback_is_announced_once_per_fallback() {
        let with = |why: Option<&str>| CompanyScanStatus {
            checkpoint: Some(CheckpointStatus {
                generation: 7,
                recovered_from_corruption: why.map(str::to_string),
                ..CheckpointStatus::default()
            }),
            ..CompanyScanStatus::default()
        };
        let none = CompanyScanStatus::default();
        let note = checkpoint_fallback_note(&none, &with(Some("slot 1: checksum mismatch")))
            .expect("a first fallback is announced");
        assert!(note.contains("checksum mismatch"), "{note}");
        assert!(note.contains("previous one"), "{note}");
        // The same fallback on later writes: no second Event.
        let same = with(Some("slot 1: checksum mismatch"));
        assert_eq!(checkpoint_fallback_note(&same, &same), None);
        // A clean checkpoint: nothing to say.
        assert_eq!(checkpoint_fallback_note(&none, &with(None)), None);
        // A later, different fallback is announced again.
        assert!(checkpoint_fallback_note(&same, &with(Some("slot 0: truncated"))).is_some());
    }
}
