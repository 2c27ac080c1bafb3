//! What a person sees of a scan: derived numbers (elapsed, ETA, pages of
//! the budget), the one-line summary, the `status` page and `list` rows.

use chrono::{DateTime, Utc};
use cira_crds::{CompanyScan, ScanPhase};

use crate::format;

/// The numbers a view of a scan is made of, computed once.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    pub name: String,
    pub phase: Option<ScanPhase>,
    pub percent: u32,
    pub pages: u64,
    pub max_pages: u32,
    pub entities: u64,
    pub elapsed_seconds: Option<i64>,
    pub eta_seconds: Option<i64>,
    pub queue_position: Option<u32>,
    pub scan_version: i64,
    pub message: Option<String>,
    pub activity: Option<String>,
    /// The status reflects the current spec (pause, resume, rescan and
    /// timeout changes have been picked up).
    pub current: bool,
}

impl Snapshot {
    pub fn of(scan: &CompanyScan, now: DateTime<Utc>) -> Self {
        let status = scan.status.clone().unwrap_or_default();
        let phase = status.phase;
        let progress = status.progress.clone().unwrap_or_default();
        let active = phase.is_some_and(ScanPhase::is_active);
        let elapsed_seconds = status.started_at.as_ref().map(format::time).map(|started| {
            // activeSeconds is written at a bounded rate; between writes
            // count on from the start time, pauses excluded.
            let end = match (active, &status.completed_at) {
                (true, _) => now,
                (false, Some(done)) => format::time(done),
                (false, None) => started + chrono::Duration::seconds(status.active_seconds),
            };
            let wall = (end - started).num_seconds() - status.total_paused_seconds;
            if active || status.active_seconds == 0 {
                wall.max(status.active_seconds)
            } else {
                status.active_seconds
            }
        });
        let generation = scan.metadata.generation.unwrap_or_default();
        let current = status.observed_generation.is_none_or(|g| g >= generation)
            && status.observed_rescan >= scan.spec.rescan;
        Self {
            name: scan.metadata.name.clone().unwrap_or_default(),
            phase,
            percent: progress.percent.min(100),
            pages: progress.pages_crawled,
            max_pages: scan.spec.crawl.max_pages,
            entities: progress.entities_extracted,
            elapsed_seconds,
            eta_seconds: if active {
                status.estimated_remaining_seconds
            } else {
                None
            },
            queue_position: status.queue_position,
            scan_version: status.scan_version,
            message: status.message.clone(),
            activity: progress.current_activity.clone(),
            current,
        }
    }

    pub fn phase_name(&self) -> &'static str {
        self.phase.map(ScanPhase::as_str).unwrap_or("Pending")
    }

    /// The scan has reached an end it only leaves through a spec change.
    pub fn finished(&self) -> bool {
        self.current
            && matches!(
                self.phase,
                Some(
                    ScanPhase::Completed
                        | ScanPhase::Failed
                        | ScanPhase::TimedOut
                        | ScanPhase::Cancelled
                )
            )
    }

    /// Phase, pages, entities, elapsed time and ETA on one line.
    pub fn progress_line(&self) -> String {
        let mut parts = vec![self.phase_name().to_string()];
        if self.phase == Some(ScanPhase::Queued)
            && let Some(pos) = self.queue_position
        {
            parts[0] = format!("Queued (position {pos})");
        }
        parts.push(format!("{}/{} pages", self.pages, self.max_pages));
        parts.push(format!("{} entities", self.entities));
        if let Some(elapsed) = self.elapsed_seconds {
            parts.push(format!("elapsed {}", format::duration(elapsed)));
        }
        if let Some(eta) = self.eta_seconds {
            parts.push(format!("ETA {}", format::duration(eta)));
        }
        parts.join(" | ")
    }

    /// The line printed when a watched scan ends.
    pub fn final_line(&self) -> String {
        let mut line = format!(
            "{} {} (scan version {}): {} pages, {} entities",
            self.name,
            self.phase_name(),
            self.scan_version,
            self.pages,
            self.entities
        );
        if let Some(elapsed) = self.elapsed_seconds {
            line.push_str(&format!(" in {}", format::duration(elapsed)));
        }
        if let Some(message) = &self.message {
            line.push_str(&format!(": {message}"));
        }
        line
    }
}

/// The `status` page of a scan.
pub fn describe(scan: &CompanyScan, now: DateTime<Utc>) -> String {
    let snap = Snapshot::of(scan, now);
    let status = scan.status.clone().unwrap_or_default();
    let mut rows: Vec<(&str, String)> = vec![
        ("Name", snap.name.clone()),
        (
            "Namespace",
            scan.metadata.namespace.clone().unwrap_or_default(),
        ),
        (
            "Company",
            format!("{} ({})", scan.spec.company.name, scan.spec.company.url),
        ),
        ("Desired", format!("{:?}", scan.spec.desired_state)),
        ("Phase", snap.phase_name().to_string()),
        (
            "Version",
            format!("{} (spec.rescan {})", snap.scan_version, scan.spec.rescan),
        ),
        (
            "Progress",
            format!("{}%  {}", snap.percent, snap.progress_line()),
        ),
    ];
    if let Some(activity) = &snap.activity {
        rows.push(("Activity", activity.clone()));
    }
    if status.total_paused_seconds > 0 {
        rows.push(("Paused for", format::duration(status.total_paused_seconds)));
    }
    rows.push(("Timeout", scan.spec.timeout.clone()));
    if let Some(job) = &status.job {
        rows.push(("Job", job.clone()));
    }
    if let Some(cp) = &status.checkpoint {
        let saved = cp
            .saved_at
            .as_ref()
            .map(|t| format!(", saved {} ago", format::age(Some(format::time(t)), now)))
            .unwrap_or_default();
        rows.push((
            "Checkpoint",
            format!(
                "{:?} {} (generation {}, {} pages, {}{saved})",
                cp.storage,
                cp.location,
                cp.generation,
                cp.pages_visited,
                format::bytes(cp.bytes)
            ),
        ));
    }
    if let Some(report) = &status.report {
        let counts: Vec<String> = report
            .counts
            .iter()
            .map(|(kind, n)| format!("{kind} {n}"))
            .collect();
        let mut text = format!(
            "ConfigMap {} (scan version {})",
            report.config_map, report.scan_version
        );
        if !counts.is_empty() {
            text.push_str(&format!(": {}", counts.join(", ")));
        }
        rows.push(("Report", text));
        for older in &report.history {
            rows.push((
                "",
                format!(
                    "ConfigMap {} (scan version {})",
                    older.config_map, older.scan_version
                ),
            ));
        }
    }
    if let Some(message) = &status.message {
        rows.push(("Message", message.clone()));
    }
    for c in &status.conditions {
        let detail = if c.message.is_empty() {
            c.reason.clone()
        } else {
            format!("{}: {}", c.reason, c.message)
        };
        rows.push(("Condition", format!("{}={} ({detail})", c.type_, c.status)));
    }
    if !snap.current {
        rows.push((
            "Note",
            "the operator has not yet acted on the latest spec change".to_string(),
        ));
    }
    let width = rows.iter().map(|(k, _)| k.len()).max().unwrap_or(0) + 2;
    rows.into_iter()
        .map(|(k, v)| {
            let key = if k.is_empty() {
                String::new()
            } else {
                format!("{k}:")
            };
            format!("{key:width$}{v}\n")
        })
        .collect()
}

/// `list` columns.
pub const LIST_HEADER: [&str; 8] = [
    "NAME", "PHASE", "PROGRESS", "PAGES", "ENTITIES", "DESIRED", "VERSION", "AGE",
];

/// One `list` row, matching `LIST_HEADER`.
pub fn list_row(scan: &CompanyScan, now: DateTime<Utc>) -> Vec<String> {
    let snap = Snapshot::of(scan, now);
    vec![
        snap.name.clone(),
        snap.phase_name().to_string(),
        format!("{}%", snap.percent),
        snap.pages.to_string(),
        snap.entities.to_string(),
        format!("{:?}", scan.spec.desired_state),
        snap.scan_version.to_string(),
        format::age(
            scan.metadata.creation_timestamp.as_ref().map(format::time),
            now,
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use cira_crds::{CompanyScanStatus, ScanProgress};
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

    fn at(t: DateTime<Utc>) -> Option<Time> {
        Some(Time(
            k8s_openapi::jiff::Timestamp::from_second(t.timestamp()).unwrap(),
        ))
    }

    fn scan(status: CompanyScanStatus) -> CompanyScan {
        let mut scan: CompanyScan = serde_json::from_value(serde_json::json!({
            "apiVersion": "cira.dev/v1alpha1",
            "kind": "CompanyScan",
            "metadata": {"name": "acme", "namespace": "research", "generation": 1},
            "spec": {"company": {"name": "Acme", "url": "https://acme.example"},
                     "crawl": {"maxPages": 200}}
        }))
        .unwrap();
        scan.status = Some(status);
        scan
    }

    #[test]
    fn crawling_scan_counts_elapsed_time_without_pauses() {
        let now = Utc::now();
        let s = scan(CompanyScanStatus {
            phase: Some(ScanPhase::Crawling),
            observed_generation: Some(1),
            started_at: at(now - chrono::Duration::seconds(300)),
            total_paused_seconds: 60,
            active_seconds: 200,
            estimated_remaining_seconds: Some(90),
            scan_version: 1,
            progress: Some(ScanProgress {
                percent: 40,
                pages_crawled: 80,
                entities_extracted: 12,
                ..ScanProgress::default()
            }),
            ..CompanyScanStatus::default()
        });
        let snap = Snapshot::of(&s, now);
        assert_eq!(snap.elapsed_seconds, Some(240));
        assert_eq!(snap.eta_seconds, Some(90));
        assert!(!snap.finished());
        assert_eq!(
            snap.progress_line(),
            "Crawling | 80/200 pages | 12 entities | elapsed 4m00s | ETA 1m30s"
        );
    }

    #[test]
    fn completed_scan_is_finished_unless_a_rescan_is_pending() {
        let now = Utc::now();
        let mut s = scan(CompanyScanStatus {
            phase: Some(ScanPhase::Completed),
            observed_generation: Some(1),
            active_seconds: 125,
            started_at: at(now - chrono::Duration::seconds(600)),
            completed_at: at(now - chrono::Duration::seconds(400)),
            scan_version: 1,
            ..CompanyScanStatus::default()
        });
        let snap = Snapshot::of(&s, now);
        assert!(snap.finished());
        assert_eq!(snap.elapsed_seconds, Some(125));
        assert_eq!(snap.eta_seconds, None);
        s.spec.rescan = 1;
        assert!(!Snapshot::of(&s, now).finished());
    }

    #[test]
    fn describe_shows_the_essentials() {
        let now = Utc::now();
        let s = scan(CompanyScanStatus {
            phase: Some(ScanPhase::Queued),
            observed_generation: Some(1),
            queue_position: Some(2),
            scan_version: 1,
            message: Some("waiting for a free slot".into()),
            ..CompanyScanStatus::default()
        });
        let text = describe(&s, now);
        assert!(text.contains("Phase:"), "{text}");
        assert!(text.contains("Queued (position 2)"), "{text}");
        assert!(text.contains("waiting for a free slot"), "{text}");
        assert!(text.contains("Acme (https://acme.example)"), "{text}");
    }
}
