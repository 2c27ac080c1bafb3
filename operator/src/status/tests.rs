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

fn at(sec: i64) -> UtcTime {
    use chrono::TimeZone;
    chrono::Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap() + chrono::Duration::seconds(sec)
}

fn report(version: i64) -> cira_crds::ReportStatus {
    cira_crds::ReportStatus {
        config_map: format!("acme-report-v{version}"),
        scan_version: version,
        ..Default::default()
    }
}

/// One row of the next-status table: the stored status, the decision
/// and what the crawler published, and what must come out.
struct Row {
    name: &'static str,
    old: CompanyScanStatus,
    decision: Decision,
    progress: Option<CrawlerProgress>,
    job: Option<&'static str>,
    history_limit: u32,
    expect_job: Option<&'static str>,
    expect_pages: Option<u64>,
    expect_estimate: Option<i64>,
    expect_active: i64,
    expect_report: Option<&'static str>,
    expect_history: Vec<i64>,
    expect_queue: Option<u32>,
}

fn decision(phase: ScanPhase, reason: &str) -> Decision {
    Decision {
        phase,
        reason: reason.to_string(),
        message: format!("{phase} now."),
        job: state::JobAction::None,
        times: state::Times {
            started_at: Some(at(0)),
            ..Default::default()
        },
        stale_restarts: 0,
        queue_position: None,
        report: None,
        requeue: None,
        degraded: None,
    }
}

fn crawling(pages: u64) -> CrawlerProgress {
    CrawlerProgress {
        scan_version: 1,
        phase: ScanPhase::Crawling,
        pages_crawled: pages,
        pages_queued: 40,
        max_pages: 100,
        pages_per_second: 2.0,
        ..Default::default()
    }
}

fn row(name: &'static str, decision: Decision) -> Row {
    Row {
        name,
        old: CompanyScanStatus {
            scan_version: 1,
            ..Default::default()
        },
        decision,
        progress: None,
        job: None,
        history_limit: 3,
        expect_job: None,
        expect_pages: None,
        expect_estimate: None,
        expect_active: 100,
        expect_report: None,
        expect_history: Vec::new(),
        expect_queue: None,
    }
}

#[test]
fn next_status_table() {
    let now = at(100);
    let old_progress = CompanyScanStatus {
        scan_version: 1,
        job: Some("acme-v1".into()),
        progress: Some(scan_progress(&crawling(7))),
        ..Default::default()
    };
    let mut paused = decision(ScanPhase::Paused, reason::PAUSED);
    paused.times.paused_at = Some(at(60));
    let mut queued = decision(ScanPhase::Queued, reason::QUEUED);
    queued.queue_position = Some(4);
    queued.times.started_at = None;
    let mut completed = decision(ScanPhase::Completed, reason::COMPLETED);
    completed.report = Some(report(3));
    let mut failed_with_report = decision(ScanPhase::Failed, reason::CRAWLER_FAILED);
    failed_with_report.report = Some(report(3));
    let with_reports = CompanyScanStatus {
        scan_version: 3,
        report: Some(cira_crds::ReportStatus {
            history: vec![cira_crds::ReportRef {
                scan_version: 1,
                config_map: "acme-report-v1".into(),
            }],
            ..report(2)
        }),
        ..Default::default()
    };
    let rows = vec![
        Row {
            progress: Some(crawling(20)),
            job: Some("acme-v1"),
            expect_job: Some("acme-v1"),
            expect_pages: Some(20),
            // 40 queued at 2 pages/s.
            expect_estimate: Some(20),
            ..row(
                "crawling mirrors progress and estimates",
                decision(ScanPhase::Crawling, reason::STARTED),
            )
        },
        Row {
            progress: Some(crawling(20)),
            expect_pages: Some(20),
            expect_active: 60,
            ..row(
                "a paused scan keeps progress, drops the estimate, stops the clock",
                paused,
            )
        },
        Row {
            old: old_progress.clone(),
            expect_job: Some("acme-v1"),
            expect_pages: Some(7),
            ..row(
                "without new progress the stored mirror and Job stay",
                decision(ScanPhase::Crawling, reason::STARTED),
            )
        },
        Row {
            old: old_progress,
            job: Some("acme-v2"),
            expect_job: Some("acme-v2"),
            expect_pages: Some(7),
            ..row(
                "an existing Job is named",
                decision(ScanPhase::Crawling, reason::STARTED),
            )
        },
        Row {
            expect_active: 0,
            expect_queue: Some(4),
            ..row("queue position comes from the decision", queued)
        },
        Row {
            old: with_reports.clone(),
            history_limit: 1,
            expect_report: Some("acme-report-v3"),
            expect_history: vec![2],
            ..row(
                "completion moves the old report into a bounded history",
                completed.clone(),
            )
        },
        Row {
            old: with_reports.clone(),
            expect_report: Some("acme-report-v3"),
            expect_history: vec![2, 1],
            ..row("history keeps up to its limit", completed)
        },
        Row {
            old: with_reports,
            expect_report: Some("acme-report-v2"),
            expect_history: vec![1],
            ..row("a report counts only with Completed", failed_with_report)
        },
    ];
    for r in rows {
        let new = next(&Next {
            old: &r.old,
            decision: &r.decision,
            progress: r.progress.as_ref(),
            job: r.job,
            storage: CheckpointStorage::ConfigMap,
            history_limit: r.history_limit,
            now,
            generation: 9,
        });
        let d = &r.decision;
        assert_eq!(new.phase, Some(d.phase), "{}", r.name);
        assert_eq!(
            new.message.as_deref(),
            Some(d.message.as_str()),
            "{}",
            r.name
        );
        assert_eq!(new.observed_generation, Some(9), "{}", r.name);
        assert_eq!(new.scan_version, r.old.scan_version, "{}", r.name);
        assert_eq!(last_reason(&new), Some(d.reason.as_str()), "{}", r.name);
        assert_eq!(
            new.conditions,
            conditions(&r.old.conditions, d.phase, &d.reason, &d.message, 9, now),
            "{}",
            r.name
        );
        assert_eq!(
            new.started_at,
            d.times.started_at.map(to_time),
            "{}",
            r.name
        );
        assert_eq!(new.paused_at, d.times.paused_at.map(to_time), "{}", r.name);
        assert_eq!(new.active_seconds, r.expect_active, "{}", r.name);
        assert_eq!(new.job.as_deref(), r.expect_job, "{}", r.name);
        assert_eq!(
            new.progress.as_ref().map(|p| p.pages_crawled),
            r.expect_pages,
            "{}",
            r.name
        );
        assert_eq!(
            new.estimated_remaining_seconds, r.expect_estimate,
            "{}",
            r.name
        );
        assert_eq!(new.queue_position, r.expect_queue, "{}", r.name);
        assert_eq!(
            new.report.as_ref().map(|p| p.config_map.as_str()),
            r.expect_report,
            "{}",
            r.name
        );
        let history: Vec<i64> = new
            .report
            .iter()
            .flat_map(|p| p.history.iter().map(|h| h.scan_version))
            .collect();
        assert_eq!(history, r.expect_history, "{}", r.name);
    }
}

#[test]
fn a_new_version_starts_pending_with_its_reason() {
    let spec: CompanyScanSpec = serde_json::from_value(serde_json::json!({
        "company": {"name": "Acme", "url": "https://acme.example"}, "rescan": 2
    }))
    .unwrap();
    let (first, why) = new_version(
        &spec,
        &CompanyScanStatus::default(),
        VersionStep::Initialize,
        at(5),
        1,
    );
    assert_eq!(why, reason::ACCEPTED);
    assert_eq!(first.scan_version, 1);
    assert_eq!(first.phase, Some(ScanPhase::Pending));
    assert_eq!(first.observed_generation, Some(1));
    assert_eq!(last_reason(&first), Some(reason::ACCEPTED));

    let done = CompanyScanStatus {
        phase: Some(ScanPhase::Completed),
        report: Some(report(1)),
        ..first
    };
    let (second, why) = new_version(&spec, &done, VersionStep::Rescan, at(9), 2);
    assert_eq!(why, reason::RESCAN);
    assert_eq!(second.scan_version, 2);
    assert_eq!(second.observed_rescan, 2);
    assert_eq!(second.report, done.report, "the report carries over");
    assert_eq!(last_reason(&second), Some(reason::RESCAN));
    assert!(second.message.unwrap().contains("version 2"));
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
