//! Stop and cancel from every phase, and which scans want a crawler.

use super::*;

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
