use super::*;
use chrono::TimeZone;
use cira_crds::progress::{CheckpointInfo, CrawlEnd, CrawlerOutcome, FailureKind};
use std::collections::BTreeMap;

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

#[test]
fn transition_table() {
    use DesiredState::Paused as WantPaused;
    use ScanPhase::*;
    let rows = vec![
        Row {
            expect_phase: Crawling,
            expect_reason: reason::STARTED,
            expect_job: JobAction::Create,
            ..row("new scan with a free slot starts")
        },
        Row {
            admission: Admission::Waiting { position: 2 },
            expect_phase: Queued,
            expect_reason: reason::QUEUED,
            ..row("new scan without a free slot queues")
        },
        Row {
            phase: Some(Queued),
            expect_phase: Crawling,
            expect_reason: reason::STARTED,
            expect_job: JobAction::Create,
            ..row("queued scan gets a slot")
        },
        Row {
            admission: Admission::NamespaceFull { limit: 2 },
            expect_phase: Queued,
            expect_reason: reason::NAMESPACE_LIMIT,
            ..row("new scan over its namespace's limit queues with the reason")
        },
        Row {
            phase: Some(Queued),
            admission: Admission::NamespaceFull { limit: 1 },
            expect_phase: Queued,
            expect_reason: reason::NAMESPACE_LIMIT,
            ..row("queued scan stays queued while its namespace is full")
        },
        Row {
            phase: Some(Paused),
            started: Some(100),
            paused: Some(500),
            job: JobState::Running { suspended: true },
            admission: Admission::NamespaceFull { limit: 1 },
            expect_phase: Queued,
            expect_reason: reason::NAMESPACE_LIMIT,
            // Already suspended: nothing is patched.
            expect_job: JobAction::Suspend(true),
            ..row("resuming scan waits while its namespace is full; its Job stays suspended")
        },
        Row {
            phase: Some(Pending),
            admission: Admission::BlockedByPreviousJob,
            expect_phase: Queued,
            expect_reason: reason::WAITING_FOR_PREVIOUS_VERSION,
            ..row("rescan waits for the previous Job")
        },
        Row {
            phase: Some(Crawling),
            job: running(),
            pods_active: 1,
            started: Some(0),
            progress: Some(CrawlerProgress {
                phase: Extracting,
                ..progress(NOW - 1, None)
            }),
            expect_phase: Extracting,
            expect_reason: "Extracting",
            expect_job: JobAction::Suspend(false),
            ..row("crawler phase is mirrored")
        },
        Row {
            phase: Some(Generating),
            job: running(),
            pods_active: 1,
            started: Some(0),
            progress: Some(CrawlerProgress {
                phase: Completed,
                ..completed_progress()
            }),
            last_reason: Some("Generating"),
            expect_phase: Generating,
            expect_reason: "Generating",
            expect_job: JobAction::Suspend(false),
            ..row("a finished crawler whose Job is not done yet keeps the phase")
        },
        Row {
            phase: Some(Crawling),
            started: Some(0),
            expect_phase: Crawling,
            expect_reason: reason::ACCEPTED,
            expect_job: JobAction::Create,
            ..row("a deleted Job of an active scan is recreated")
        },
        Row {
            phase: Some(Crawling),
            desired: WantPaused,
            job: running(),
            pods_active: 1,
            started: Some(0),
            progress: Some(progress(NOW, Some(500))),
            expect_phase: Crawling,
            expect_reason: reason::PAUSING,
            expect_job: JobAction::Suspend(true),
            ..row("pause suspends the Job and waits for the pod")
        },
        Row {
            phase: Some(Crawling),
            desired: WantPaused,
            job: JobState::Running { suspended: true },
            started: Some(0),
            paused: Some(950),
            progress: Some(progress(NOW, Some(500))),
            expect_phase: Crawling,
            expect_reason: reason::PAUSING,
            expect_job: JobAction::Suspend(true),
            ..row("pod gone but checkpoint older than the pause request: still pausing")
        },
        Row {
            phase: Some(Crawling),
            desired: WantPaused,
            job: JobState::Running { suspended: true },
            started: Some(0),
            paused: Some(900),
            progress: Some(progress(NOW, Some(950))),
            expect_phase: Paused,
            expect_reason: reason::PAUSED,
            expect_job: JobAction::Suspend(true),
            ..row("pod gone and checkpoint newer: paused")
        },
        Row {
            phase: Some(Crawling),
            desired: WantPaused,
            job: JobState::Running { suspended: true },
            started: Some(0),
            paused: Some(990),
            expect_phase: Paused,
            expect_reason: reason::PAUSED,
            expect_job: JobAction::Suspend(true),
            ..row("crawler never started: paused at once")
        },
        Row {
            phase: Some(Crawling),
            desired: WantPaused,
            job: JobState::Running { suspended: true },
            started: Some(0),
            paused: Some(100),
            progress: Some(progress(NOW, Some(50))),
            expect_phase: Paused,
            expect_reason: reason::PAUSED,
            expect_job: JobAction::Suspend(true),
            ..row("no newer checkpoint after the grace period: paused anyway")
        },
        Row {
            phase: Some(Queued),
            desired: WantPaused,
            expect_phase: Paused,
            expect_reason: reason::PAUSED,
            ..row("queued scan pauses at once")
        },
        Row {
            phase: Some(Paused),
            job: JobState::Running { suspended: true },
            started: Some(0),
            paused: Some(500),
            expect_phase: Crawling,
            expect_reason: reason::RESUMED,
            expect_job: JobAction::Suspend(false),
            ..row("resume unsuspends")
        },
        Row {
            phase: Some(Paused),
            job: JobState::Running { suspended: true },
            started: Some(0),
            paused: Some(500),
            admission: Admission::Waiting { position: 1 },
            expect_phase: Queued,
            expect_reason: reason::QUEUED,
            expect_job: JobAction::Suspend(true),
            ..row("resume without a free slot queues")
        },
        Row {
            phase: Some(Crawling),
            job: running(),
            pods_active: 1,
            started: Some(NOW - 20_000),
            expect_phase: TimedOut,
            expect_reason: reason::TIMED_OUT,
            expect_job: JobAction::Suspend(true),
            ..row("active time beyond the timeout")
        },
        Row {
            phase: Some(TimedOut),
            job: JobState::Running { suspended: true },
            started: Some(0),
            paused: Some(500),
            expect_phase: Crawling,
            expect_reason: reason::TIMEOUT_EXTENDED,
            expect_job: JobAction::Suspend(false),
            ..row("raised timeout resumes")
        },
        Row {
            phase: Some(Generating),
            job: JobState::Complete,
            started: Some(0),
            progress: Some(completed_progress()),
            expect_phase: Completed,
            expect_reason: reason::COMPLETED,
            ..row("job complete with a report")
        },
        Row {
            phase: Some(Crawling),
            job: JobState::Complete,
            started: Some(0),
            progress: Some(progress(NOW, None)),
            expect_phase: Failed,
            expect_reason: reason::NO_REPORT,
            ..row("job complete without an outcome")
        },
        Row {
            phase: Some(Crawling),
            job: JobState::Failed {
                message: "PodFailurePolicy: exit code 3".into(),
            },
            started: Some(0),
            progress: Some(CrawlerProgress {
                outcome: Some(CrawlerOutcome::Failed {
                    reason: "a storage error".into(),
                    kind: FailureKind::CrawlerFailed,
                }),
                ..progress(NOW, None)
            }),
            expect_phase: Failed,
            expect_reason: reason::CRAWLER_FAILED,
            ..row("job failed")
        },
        Row {
            phase: Some(Crawling),
            job: JobState::Failed {
                message: "PodFailurePolicy: exit code 3".into(),
            },
            started: Some(0),
            progress: Some(CrawlerProgress {
                outcome: Some(CrawlerOutcome::Failed {
                    reason: "the seed answered HTTP 403".into(),
                    kind: FailureKind::SeedBlocked,
                }),
                ..progress(NOW, None)
            }),
            expect_phase: Failed,
            expect_reason: "SeedBlocked",
            ..row("seed blocked")
        },
        Row {
            phase: Some(Crawling),
            job: JobState::Complete,
            started: Some(0),
            progress: Some(CrawlerProgress {
                outcome: Some(CrawlerOutcome::Failed {
                    reason: "the seed answered HTTP 503".into(),
                    kind: FailureKind::SeedUnavailable,
                }),
                ..progress(NOW, None)
            }),
            expect_phase: Failed,
            expect_reason: "SeedUnavailable",
            ..row("seed unavailable")
        },
        Row {
            phase: Some(Crawling),
            job: running(),
            pods_active: 1,
            started: Some(0),
            progress: Some(progress(NOW - 500, None)),
            expect_phase: Crawling,
            expect_reason: reason::ACCEPTED,
            expect_job: JobAction::Suspend(false),
            ..row("stale heartbeat with a fresh pod is not stale")
        },
        Row {
            invalid: true,
            phase: Some(Crawling),
            job: running(),
            expect_phase: Failed,
            expect_reason: reason::INVALID_SPEC,
            expect_job: JobAction::Suspend(true),
            ..row("invalid spec fails the scan")
        },
        Row {
            phase: Some(Failed),
            last_reason: Some(reason::INVALID_SPEC),
            expect_phase: Crawling,
            expect_reason: reason::STARTED,
            expect_job: JobAction::Create,
            ..row("fixed spec restarts a scan that failed validation")
        },
        Row {
            forbidden: true,
            expect_phase: Failed,
            expect_reason: reason::POLICY_VIOLATION,
            expect_job: JobAction::None,
            ..row("a spec the policy forbids fails before any Job")
        },
        Row {
            forbidden: true,
            phase: Some(Crawling),
            job: running(),
            expect_phase: Failed,
            expect_reason: reason::POLICY_VIOLATION,
            expect_job: JobAction::Suspend(true),
            ..row("a running scan the policy now forbids is stopped")
        },
        Row {
            phase: Some(Failed),
            last_reason: Some(reason::POLICY_VIOLATION),
            expect_phase: Crawling,
            expect_reason: reason::STARTED,
            expect_job: JobAction::Create,
            ..row("a spec brought within the policy starts over")
        },
        Row {
            conflict: Some(NameConflict {
                kind: "ServiceAccount",
                name: "acme-crawler".into(),
            }),
            expect_phase: Pending,
            expect_reason: reason::NAME_CONFLICT,
            expect_job: JobAction::None,
            ..row("a ServiceAccount of someone else blocks the first Job")
        },
        Row {
            phase: Some(Queued),
            conflict: Some(NameConflict {
                kind: "PersistentVolumeClaim",
                name: "acme-checkpoint".into(),
            }),
            expect_phase: Pending,
            expect_reason: reason::NAME_CONFLICT,
            expect_job: JobAction::None,
            ..row("a queued scan given a slot does not start over a foreign claim")
        },
        Row {
            phase: Some(Crawling),
            started: Some(0),
            conflict: Some(NameConflict {
                kind: "Role",
                name: "acme-crawler".into(),
            }),
            expect_phase: Pending,
            expect_reason: reason::NAME_CONFLICT,
            expect_job: JobAction::None,
            ..row("a Job gone while crawling is not recreated over a foreign Role")
        },
        Row {
            phase: Some(Pending),
            last_reason: Some(reason::NAME_CONFLICT),
            expect_phase: Crawling,
            expect_reason: reason::STARTED,
            expect_job: JobAction::Create,
            ..row("the conflict gone, the scan starts")
        },
        Row {
            phase: Some(Paused),
            job: JobState::Running { suspended: true },
            started: Some(0),
            paused: Some(500),
            conflict: Some(NameConflict {
                kind: "ConfigMap",
                name: "acme-progress".into(),
            }),
            expect_phase: Crawling,
            expect_reason: reason::RESUMED,
            expect_job: JobAction::Suspend(false),
            ..row("a conflict matters only when a Job would be created")
        },
        Row {
            invalid: true,
            conflict: Some(NameConflict {
                kind: "RoleBinding",
                name: "acme-crawler".into(),
            }),
            expect_phase: Failed,
            expect_reason: reason::INVALID_SPEC,
            expect_job: JobAction::None,
            ..row("an invalid spec is reported before a conflict")
        },
        Row {
            phase: Some(Completed),
            last_reason: Some(reason::COMPLETED),
            job: JobState::Complete,
            expect_phase: Completed,
            expect_reason: reason::COMPLETED,
            ..row("completed stays completed")
        },
        Row {
            phase: Some(Failed),
            last_reason: Some(reason::CRAWLER_FAILED),
            job: JobState::Failed {
                message: "x".into(),
            },
            expect_phase: Failed,
            expect_reason: reason::CRAWLER_FAILED,
            ..row("failed stays failed")
        },
    ];
    for r in &rows {
        let d = run(r);
        assert_eq!(d.phase, r.expect_phase, "{}: phase", r.name);
        assert_eq!(d.reason, r.expect_reason, "{}: reason", r.name);
        assert_eq!(d.job, r.expect_job, "{}: job action", r.name);
        if Some(d.phase) != r.phase {
            assert!(
                d.message.ends_with('.'),
                "{}: message {:?}",
                r.name,
                d.message
            );
        }
    }
}

#[test]
fn stale_crawler_is_replaced_then_fails() {
    let heartbeat = progress(NOW - 500, None);
    let spec = spec(DesiredState::Running);
    let status = CompanyScanStatus {
        phase: Some(ScanPhase::Crawling),
        scan_version: 1,
        started_at: Some(to_time(t(0))),
        stale_restarts: 1,
        ..Default::default()
    };
    let config = OperatorConfig::default();
    let valid_10000 = valid_with_timeout(&spec, 10_000);
    let mut inputs = Inputs {
        now: t(NOW),
        spec: &spec,
        status: &status,
        last_reason: None,
        valid: Ok(&valid_10000),
        job: running(),
        pods: PodsView {
            active: 1,
            live: 1,
            newest_live_start: Some(t(NOW - 400)),
            starting: 0,
        },
        progress: Some(&heartbeat),
        admission: Admission::Admitted,
        conflict: None,
        config: &config,
    };
    let d = decide(&inputs);
    assert_eq!(d.job, JobAction::Suspend(true), "stale crawler is stopped");
    assert_eq!(d.stale_restarts, 2);
    assert_eq!(d.phase, ScanPhase::Crawling);
    assert_eq!(d.reason, reason::CRAWLER_RESTARTING);

    // While its pod stops, the Job stays suspended; then it runs again.
    let restarting = decide(&Inputs {
        last_reason: Some(reason::CRAWLER_RESTARTING),
        ..inputs.clone()
    });
    assert_eq!(restarting.job, JobAction::Suspend(true));
    let gone = decide(&Inputs {
        last_reason: Some(reason::CRAWLER_RESTARTING),
        job: JobState::Running { suspended: true },
        pods: PodsView::default(),
        ..inputs.clone()
    });
    assert_eq!(gone.job, JobAction::Suspend(false));
    assert_eq!(gone.reason, "Crawling");

    let exhausted = CompanyScanStatus {
        stale_restarts: 3,
        ..status.clone()
    };
    inputs.status = &exhausted;
    let d = decide(&inputs);
    assert_eq!(d.phase, ScanPhase::Failed);
    assert_eq!(d.reason, reason::CRAWLER_STALE);
    assert_eq!(d.job, JobAction::Suspend(true));
    assert!(d.message.contains("3 times"), "{}", d.message);

    // A pod still starting is never stale.
    inputs.pods.starting = 1;
    assert_eq!(decide(&inputs).job, JobAction::Suspend(false));
    inputs.pods.starting = 0;

    // A terminating pod (not live) is never counted as stale again.
    inputs.status = &status;
    inputs.pods.live = 0;
    let d = decide(&inputs);
    assert_eq!(d.job, JobAction::Suspend(false));
}

#[test]
fn timeout_counts_active_time_only() {
    let times = Times {
        started_at: Some(t(0)),
        completed_at: None,
        paused_at: None,
        total_paused_seconds: 300,
    };
    assert_eq!(times.active_seconds(t(1000)), 700);
    // While stopped, the clock stands still.
    let mut stopped = Times {
        paused_at: Some(t(800)),
        ..times.clone()
    };
    assert_eq!(stopped.active_seconds(t(5000)), 500);
    stopped.resume(t(5000));
    assert_eq!(stopped.paused_at, None);
    assert_eq!(stopped.total_paused_seconds, 300 + 4200);
    assert_eq!(stopped.active_seconds(t(5100)), 600);
    // Never started: nothing counts, and a resume adds nothing.
    let mut fresh = Times {
        paused_at: Some(t(10)),
        ..Times::default()
    };
    assert_eq!(fresh.active_seconds(t(100)), 0);
    fresh.resume(t(100));
    assert_eq!(fresh.total_paused_seconds, 0);
}

#[test]
fn paused_time_is_not_counted_towards_the_timeout() {
    // 100s timeout; started at 0, paused 10..990: 20s active at NOW=1000.
    let spec = spec(DesiredState::Running);
    let status = CompanyScanStatus {
        phase: Some(ScanPhase::Crawling),
        scan_version: 1,
        started_at: Some(to_time(t(0))),
        total_paused_seconds: 980,
        ..Default::default()
    };
    let config = OperatorConfig::default();
    let valid_100 = valid_with_timeout(&spec, 100);
    let inputs = Inputs {
        now: t(NOW),
        spec: &spec,
        status: &status,
        last_reason: None,
        valid: Ok(&valid_100),
        job: running(),
        pods: PodsView::default(),
        progress: None,
        admission: Admission::Admitted,
        conflict: None,
        config: &config,
    };
    let d = decide(&inputs);
    assert_eq!(d.phase, ScanPhase::Crawling);
    assert_eq!(d.times.active_seconds(t(NOW)), 20);
    assert_eq!(d.requeue, Some(Duration::from_secs(60)));
    let late = Inputs {
        now: t(NOW + 80),
        ..inputs.clone()
    };
    let d = decide(&late);
    assert_eq!(d.phase, ScanPhase::TimedOut);
    assert_eq!(d.times.paused_at, Some(t(NOW + 80)));
    assert!(d.message.contains("1m40s"), "{}", d.message);
}

#[test]
fn rescan_only_after_a_finished_scan() {
    let mut spec = spec(DesiredState::Running);
    let mut status = CompanyScanStatus::default();
    assert_eq!(version_step(&spec, &status), VersionStep::Initialize);
    status.scan_version = 1;
    status.phase = Some(ScanPhase::Crawling);
    spec.rescan = 1;
    assert_eq!(version_step(&spec, &status), VersionStep::Keep);
    for phase in [
        ScanPhase::Completed,
        ScanPhase::Failed,
        ScanPhase::TimedOut,
        ScanPhase::Cancelled,
    ] {
        status.phase = Some(phase);
        assert_eq!(version_step(&spec, &status), VersionStep::Rescan);
    }
    status.report = Some(ReportStatus {
        config_map: "acme-report-v1".into(),
        scan_version: 1,
        ..Default::default()
    });
    status.stale_restarts = 2;
    status.total_paused_seconds = 50;
    let next = start_version(&spec, &status, VersionStep::Rescan);
    assert_eq!(next.scan_version, 2);
    assert_eq!(next.observed_rescan, 1);
    assert_eq!(next.phase, Some(ScanPhase::Pending));
    assert_eq!(next.stale_restarts, 0);
    assert_eq!(next.total_paused_seconds, 0);
    assert_eq!(next.report, status.report, "reports carry over");
}

#[test]
fn report_history_is_newest_first_and_limited() {
    let report = |v: i64| ReportStatus {
        config_map: format!("acme-report-v{v}"),
        scan_version: v,
        ..Default::default()
    };
    let mut current: Option<ReportStatus> = None;
    for v in 1..=5 {
        current = Some(report_with_history(current.as_ref(), report(v), 2));
    }
    let r = current.unwrap();
    assert_eq!(r.scan_version, 5);
    let versions: Vec<i64> = r.history.iter().map(|h| h.scan_version).collect();
    assert_eq!(versions, vec![4, 3]);
    // Re-applying the same version does not duplicate it.
    let again = report_with_history(Some(&r), report(5), 2);
    assert_eq!(again.history, r.history);
}

#[test]
fn name_conflict_names_the_object_and_keeps_the_clock_stopped() {
    let config = OperatorConfig::default();
    let spec = spec(DesiredState::Running);
    let valid = valid_with_timeout(&spec, 10_000);
    let status = CompanyScanStatus {
        phase: Some(ScanPhase::Crawling),
        scan_version: 1,
        started_at: Some(to_time(t(0))),
        ..Default::default()
    };
    let conflict = NameConflict {
        kind: "ServiceAccount",
        name: "acme-crawler".into(),
    };
    let d = decide(&Inputs {
        now: t(NOW),
        spec: &spec,
        status: &status,
        last_reason: Some(reason::STARTED),
        valid: Ok(&valid),
        job: JobState::Absent,
        pods: PodsView::default(),
        progress: None,
        admission: Admission::Admitted,
        conflict: Some(&conflict),
        config: &config,
    });
    assert_eq!(d.job, JobAction::None);
    assert!(
        d.message
            .starts_with("ServiceAccount acme-crawler already exists"),
        "{}",
        d.message
    );
    assert_eq!(d.times.started_at, Some(t(0)));
    assert_eq!(
        d.times.paused_at,
        Some(t(NOW)),
        "active time stops counting"
    );
    assert_eq!(d.queue_position, None);
    assert_eq!(d.requeue, Some(Duration::from_secs(30)));
}

fn stopped_progress(pages: u64) -> CrawlerProgress {
    CrawlerProgress {
        pages_crawled: pages,
        outcome: Some(CrawlerOutcome::Completed {
            report_config_map: "acme-report-v1".into(),
            counts: BTreeMap::from([("emails".to_string(), 1)]),
            ended: CrawlEnd::StoppedOnRequest,
        }),
        ..progress(NOW, Some(NOW))
    }
}

/// Every phase a user can stop or cancel from, and the phases where both
/// change nothing.
#[test]
fn stop_and_cancel_table() {
    use DesiredState::{Cancelled as WantCancelled, Stopped as WantStopped};
    use ScanPhase::*;
    let suspended = JobState::Running { suspended: true };
    let rows = vec![
        // Stopped.
        Row {
            phase: Some(Crawling),
            desired: WantStopped,
            job: running(),
            pods_active: 1,
            started: Some(0),
            progress: Some(progress(NOW, Some(500))),
            expect_phase: Crawling,
            expect_reason: reason::STOPPING,
            expect_job: JobAction::Suspend(false),
            ..row("stop while crawling keeps the crawler running to finish")
        },
        Row {
            phase: Some(Crawling),
            desired: WantStopped,
            job: running(),
            pods_active: 1,
            started: Some(0),
            progress: Some(CrawlerProgress {
                phase: Analyzing,
                ..progress(NOW, Some(500))
            }),
            last_reason: Some(reason::STOPPING),
            expect_phase: Analyzing,
            expect_reason: reason::STOPPING,
            expect_job: JobAction::Suspend(false),
            ..row("a stopping crawler's later phases are mirrored")
        },
        Row {
            phase: Some(Crawling),
            desired: WantStopped,
            job: running(),
            pods_active: 1,
            started: Some(NOW - 20_000),
            progress: Some(progress(NOW, Some(500))),
            expect_phase: Crawling,
            expect_reason: reason::STOPPING,
            expect_job: JobAction::Suspend(false),
            ..row("a stopping scan is not timed out")
        },
        Row {
            phase: Some(Extracting),
            desired: WantStopped,
            job: JobState::Complete,
            started: Some(0),
            progress: Some(stopped_progress(7)),
            last_reason: Some(reason::STOPPING),
            expect_phase: Completed,
            expect_reason: reason::STOPPED,
            ..row("a crawler that ended on the stop completes with reason Stopped")
        },
        Row {
            phase: Some(Generating),
            desired: WantStopped,
            job: JobState::Complete,
            started: Some(0),
            progress: Some(completed_progress()),
            expect_phase: Completed,
            expect_reason: reason::COMPLETED,
            ..row("a crawl that finished by itself before the stop is Completed")
        },
        Row {
            phase: Some(Paused),
            desired: WantStopped,
            job: suspended.clone(),
            started: Some(0),
            paused: Some(500),
            progress: Some(progress(500, Some(500))),
            expect_phase: Crawling,
            expect_reason: reason::STOPPING,
            expect_job: JobAction::Suspend(false),
            ..row("stop from Paused resumes the Job only to finish")
        },
        Row {
            phase: Some(Paused),
            desired: WantStopped,
            job: suspended.clone(),
            started: Some(0),
            paused: Some(500),
            admission: Admission::Waiting { position: 1 },
            expect_phase: Queued,
            expect_reason: reason::QUEUED,
            expect_job: JobAction::Suspend(true),
            ..row("stop from Paused without a free slot queues")
        },
        Row {
            phase: Some(Queued),
            desired: WantStopped,
            expect_phase: Cancelled,
            expect_reason: reason::STOPPED_BEFORE_START,
            ..row("stop of a queued scan that never crawled: nothing to report")
        },
        Row {
            phase: Some(Paused),
            desired: WantStopped,
            expect_phase: Cancelled,
            expect_reason: reason::STOPPED_BEFORE_START,
            ..row("stop of a scan paused before it started: nothing to report")
        },
        Row {
            phase: Some(Queued),
            desired: WantStopped,
            job: suspended.clone(),
            started: Some(0),
            paused: Some(500),
            expect_phase: Crawling,
            expect_reason: reason::STOPPING,
            expect_job: JobAction::Suspend(false),
            ..row("stop of a scan queued after a pause finishes with a slot")
        },
        Row {
            phase: Some(TimedOut),
            desired: WantStopped,
            job: suspended.clone(),
            started: Some(0),
            paused: Some(100),
            expect_phase: Crawling,
            expect_reason: reason::STOPPING,
            expect_job: JobAction::Suspend(false),
            ..row("stop of a timed-out scan writes the report of what it crawled")
        },
        Row {
            phase: Some(Failed),
            desired: WantStopped,
            last_reason: Some(reason::CRAWLER_FAILED),
            job: JobState::Failed {
                message: "x".into(),
            },
            started: Some(0),
            expect_phase: Failed,
            expect_reason: reason::CRAWLER_FAILED,
            ..row("stop of a failed scan changes nothing")
        },
        Row {
            phase: Some(Completed),
            desired: WantStopped,
            last_reason: Some(reason::COMPLETED),
            job: JobState::Complete,
            started: Some(0),
            expect_phase: Completed,
            expect_reason: reason::COMPLETED,
            ..row("stop of a completed scan changes nothing")
        },
        // Cancelled.
        Row {
            phase: Some(Crawling),
            desired: WantCancelled,
            job: running(),
            pods_active: 1,
            started: Some(0),
            progress: Some(progress(NOW, Some(500))),
            expect_phase: Cancelled,
            expect_reason: reason::CANCELLED,
            expect_job: JobAction::Delete,
            ..row("cancel while crawling deletes the Job")
        },
        Row {
            phase: Some(Paused),
            desired: WantCancelled,
            job: suspended.clone(),
            started: Some(0),
            paused: Some(500),
            expect_phase: Cancelled,
            expect_reason: reason::CANCELLED,
            expect_job: JobAction::Delete,
            ..row("cancel while paused deletes the suspended Job")
        },
        Row {
            phase: Some(Queued),
            desired: WantCancelled,
            admission: Admission::Waiting { position: 1 },
            expect_phase: Cancelled,
            expect_reason: reason::CANCELLED,
            ..row("cancel while queued leaves the queue")
        },
        Row {
            phase: Some(TimedOut),
            desired: WantCancelled,
            job: suspended.clone(),
            started: Some(0),
            paused: Some(100),
            expect_phase: Cancelled,
            expect_reason: reason::CANCELLED,
            expect_job: JobAction::Delete,
            ..row("cancel of a timed-out scan deletes the Job")
        },
        Row {
            phase: Some(Cancelled),
            desired: WantCancelled,
            last_reason: Some(reason::CANCELLED),
            job: running(),
            started: Some(0),
            expect_phase: Cancelled,
            expect_reason: reason::CANCELLED,
            expect_job: JobAction::Delete,
            ..row("a Job still there after the cancel is deleted again")
        },
        Row {
            phase: Some(Cancelled),
            desired: DesiredState::Running,
            last_reason: Some(reason::CANCELLED),
            started: Some(0),
            expect_phase: Cancelled,
            expect_reason: reason::CANCELLED,
            ..row("a cancelled scan does not run again without a rescan")
        },
        Row {
            phase: Some(Failed),
            desired: WantCancelled,
            last_reason: Some(reason::CRAWLER_FAILED),
            job: JobState::Failed {
                message: "x".into(),
            },
            started: Some(0),
            expect_phase: Failed,
            expect_reason: reason::CRAWLER_FAILED,
            ..row("cancel of a failed scan changes nothing")
        },
        Row {
            phase: Some(Completed),
            desired: WantCancelled,
            last_reason: Some(reason::COMPLETED),
            job: JobState::Complete,
            started: Some(0),
            expect_phase: Completed,
            expect_reason: reason::COMPLETED,
            ..row("cancel of a completed scan keeps its report")
        },
    ];
    for r in &rows {
        let d = run(r);
        assert_eq!(d.phase, r.expect_phase, "{}: phase", r.name);
        assert_eq!(d.reason, r.expect_reason, "{}: reason", r.name);
        assert_eq!(d.job, r.expect_job, "{}: job action", r.name);
        if Some(d.phase) != r.phase {
            assert!(d.message.ends_with('.'), "{}: {:?}", r.name, d.message);
        }
        if d.phase == ScanPhase::Cancelled {
            assert!(d.report.is_none(), "{}: no report", r.name);
            if Some(d.phase) != r.phase {
                assert!(d.times.completed_at.is_some(), "{}: completed_at", r.name);
            }
            assert_eq!(d.queue_position, None, "{}: left the queue", r.name);
        }
    }
}

#[test]
fn stop_completion_names_the_pages_and_fills_the_report() {
    let r = Row {
        phase: Some(ScanPhase::Generating),
        desired: DesiredState::Stopped,
        job: JobState::Complete,
        started: Some(0),
        progress: Some(stopped_progress(7)),
        ..row("stopped")
    };
    let d = run(&r);
    assert_eq!(d.reason, reason::STOPPED);
    assert!(d.message.contains("after 7 pages"), "{}", d.message);
    let report = d.report.expect("a stopped scan has a report");
    assert_eq!(report.config_map, "acme-report-v1");
    assert_eq!(report.counts.get("emails"), Some(&1));
}

#[test]
fn cancel_stops_the_active_clock() {
    let r = Row {
        phase: Some(ScanPhase::Crawling),
        desired: DesiredState::Cancelled,
        job: running(),
        pods_active: 1,
        started: Some(0),
        ..row("cancel")
    };
    let d = run(&r);
    assert_eq!(d.times.paused_at, Some(t(NOW)));
    assert_eq!(d.times.active_seconds(t(NOW + 500)), NOW);
}

#[test]
fn only_running_or_begun_stopped_scans_want_a_crawler() {
    let mut status = CompanyScanStatus::default();
    assert!(wants_crawler(&spec(DesiredState::Running), &status));
    assert!(!wants_crawler(&spec(DesiredState::Stopped), &status));
    assert!(!wants_crawler(&spec(DesiredState::Paused), &status));
    assert!(!wants_crawler(&spec(DesiredState::Cancelled), &status));
    status.started_at = Some(to_time(t(0)));
    assert!(wants_crawler(&spec(DesiredState::Stopped), &status));
    assert!(!wants_crawler(&spec(DesiredState::Cancelled), &status));
}
