//! Scan versions: when a new one starts (first run or rescan), the status
//! it starts from, and the report history it carries.

use cira_crds::{CompanyScanSpec, CompanyScanStatus, ReportStatus, ScanPhase};

/// What a reconcile has to do with the scan version first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VersionStep {
    /// Nothing; go on with the current version.
    Keep,
    /// A new scan: start version 1.
    Initialize,
    /// `spec.rescan` was raised after the scan finished: start the next version.
    Rescan,
}

/// Decides whether a new scan version starts.
pub fn version_step(spec: &CompanyScanSpec, status: &CompanyScanStatus) -> VersionStep {
    let finished = matches!(
        status.phase,
        Some(ScanPhase::Completed | ScanPhase::Failed | ScanPhase::TimedOut | ScanPhase::Cancelled)
    );
    if status.scan_version < 1 {
        VersionStep::Initialize
    } else if spec.rescan > status.observed_rescan && finished {
        VersionStep::Rescan
    } else {
        VersionStep::Keep
    }
}

/// The status a new scan version starts from; the report and its history
/// carry over.
pub fn start_version(
    spec: &CompanyScanSpec,
    status: &CompanyScanStatus,
    step: VersionStep,
) -> CompanyScanStatus {
    let version = status.scan_version.max(0) + 1;
    CompanyScanStatus {
        phase: Some(ScanPhase::Pending),
        observed_generation: status.observed_generation,
        conditions: status.conditions.clone(),
        scan_version: version,
        observed_rescan: spec.rescan,
        report: status.report.clone(),
        message: Some(match step {
            VersionStep::Rescan => {
                format!("Rescan requested; scan version {version} starts with a fresh checkpoint.")
            }
            _ => "The scan was accepted.".to_string(),
        }),
        ..CompanyScanStatus::default()
    }
}

/// The report status after version `report.scan_version` completed: the
/// previous newest report moves into the history, which keeps at most
/// `history_limit` earlier versions.
pub fn report_with_history(
    previous: Option<&ReportStatus>,
    mut report: ReportStatus,
    history_limit: u32,
) -> ReportStatus {
    let mut history = Vec::new();
    if let Some(prev) = previous {
        if prev.scan_version < report.scan_version && !prev.config_map.is_empty() {
            history.push(cira_crds::ReportRef {
                scan_version: prev.scan_version,
                config_map: prev.config_map.clone(),
            });
        }
        history.extend(
            prev.history
                .iter()
                .filter(|h| h.scan_version < report.scan_version)
                .cloned(),
        );
    }
    history.sort_by_key(|h| std::cmp::Reverse(h.scan_version));
    history.dedup_by_key(|h| h.scan_version);
    history.truncate(history_limit as usize);
    report.history = history;
    report
}
