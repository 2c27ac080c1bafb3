//! A stale crawler, active-time timeouts, rescans, the report history and
//! name conflicts.

use super::*;

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
