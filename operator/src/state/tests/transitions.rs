//! The transition table: one row per situation the reconcile decides.

use super::*;

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
