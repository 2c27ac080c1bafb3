//! Table tests of the state machine, and the inputs they share.

use super::*;
use chrono::TimeZone;
use cira_crds::progress::{CheckpointInfo, CrawlEnd, CrawlerOutcome, FailureKind};
use std::collections::BTreeMap;

mod lifecycle;
mod stop_cancel;
mod transitions;

fn t(sec: i64) -> UtcTime {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap() + chrono::Duration::seconds(sec)
}

fn spec(desired: DesiredState) -> CompanyScanSpec {
    let mut s: CompanyScanSpec = serde_json::from_value(serde_json::json!({
        "company": {"name": "Acme", "url": "https://acme.example"},
        "timeout": "100s"
    }))
    .unwrap();
    s.desired_state = desired;
    s
}

/// One row of the transition table.
struct Row {
    name: &'static str,
    phase: Option<ScanPhase>,
    last_reason: Option<&'static str>,
    desired: DesiredState,
    invalid: bool,
    /// The spec breaks the installer's scan policy.
    forbidden: bool,
    job: JobState,
    pods_active: u32,
    progress: Option<CrawlerProgress>,
    admission: Admission,
    started: Option<i64>,
    paused: Option<i64>,
    stale_restarts: u32,
    /// An object the crawler needs belongs to someone else.
    conflict: Option<NameConflict>,
    expect_phase: ScanPhase,
    expect_reason: &'static str,
    expect_job: JobAction,
}

const NOW: i64 = 1000;

fn row(name: &'static str) -> Row {
    Row {
        name,
        phase: None,
        last_reason: None,
        desired: DesiredState::Running,
        invalid: false,
        forbidden: false,
        job: JobState::Absent,
        pods_active: 0,
        progress: None,
        admission: Admission::Admitted,
        started: None,
        paused: None,
        stale_restarts: 0,
        conflict: None,
        expect_phase: ScanPhase::Pending,
        expect_reason: "",
        expect_job: JobAction::None,
    }
}

fn running() -> JobState {
    JobState::Running { suspended: false }
}

fn progress(heartbeat: i64, checkpoint_saved: Option<i64>) -> CrawlerProgress {
    CrawlerProgress {
        scan_version: 1,
        phase: ScanPhase::Crawling,
        pages_crawled: 10,
        pages_queued: 10,
        max_pages: 100,
        heartbeat: Some(t(heartbeat)),
        checkpoint: checkpoint_saved.map(|s| CheckpointInfo {
            location: "acme-ckpt".into(),
            generation: 4,
            saved_at: Some(t(s)),
            pages_visited: 10,
            bytes: 100,
            recovered_from_corruption: None,
        }),
        ..Default::default()
    }
}

fn completed_progress() -> CrawlerProgress {
    CrawlerProgress {
        outcome: Some(CrawlerOutcome::Completed {
            report_config_map: "acme-report-v1".into(),
            counts: BTreeMap::from([("emails".to_string(), 3)]),
            ended: Default::default(),
        }),
        ..progress(NOW, Some(NOW))
    }
}

/// The spec validated, with `timeout` seconds of active time.
fn valid_with_timeout(spec: &CompanyScanSpec, timeout: u64) -> ValidSpec {
    ValidSpec {
        timeout: Duration::from_secs(timeout),
        ..crate::validate::validate(
            spec,
            &cira_policy::ScanPolicy {
                allow_private_networks: true,
                ..cira_policy::ScanPolicy::restrictive(crate::config::DEFAULT_CRAWLER_IMAGE)
            },
        )
        .expect("the test spec is valid")
    }
}

fn run(r: &Row) -> Decision {
    let config = OperatorConfig {
        max_concurrent_scans: 3,
        ..OperatorConfig::default()
    };
    let spec = spec(r.desired);
    let valid = valid_with_timeout(&spec, 10_000);
    let invalid = InvalidSpec::Pattern {
        field: "spec.crawl.includePatterns",
        index: 0,
        pattern: "(".into(),
        detail: "unclosed group".into(),
    };
    let forbidden = InvalidSpec::Policy(vec![cira_policy::Violation::Image {
        image: "evil.example.com/miner".into(),
    }]);
    let status = CompanyScanStatus {
        phase: r.phase,
        scan_version: 1,
        started_at: r.started.map(|s| to_time(t(s))),
        paused_at: r.paused.map(|s| to_time(t(s))),
        stale_restarts: r.stale_restarts,
        ..Default::default()
    };
    let inputs = Inputs {
        now: t(NOW),
        spec: &spec,
        status: &status,
        last_reason: r.last_reason,
        valid: if r.forbidden {
            Err(&forbidden)
        } else if r.invalid {
            Err(&invalid)
        } else {
            Ok(&valid)
        },
        job: r.job.clone(),
        pods: PodsView {
            active: r.pods_active,
            live: r.pods_active,
            newest_live_start: (r.pods_active > 0).then(|| t(NOW - 10)),
            starting: 0,
        },
        progress: r.progress.as_ref(),
        admission: r.admission,
        conflict: r.conflict.as_ref(),
        config: &config,
    };
    decide(&inputs)
}
