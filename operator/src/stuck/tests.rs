use super::*;
use chrono::TimeZone;
use k8s_openapi::api::core::v1::{
    ContainerState, ContainerStateRunning, ContainerStateWaiting, ContainerStatus, PodCondition,
    PodStatus,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::state::Times;

fn t(sec: i64) -> UtcTime {
    chrono::Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap() + chrono::Duration::seconds(sec)
}

fn waiting(reason: &str, message: &str) -> Pod {
    Pod {
        status: Some(PodStatus {
            phase: Some("Pending".into()),
            container_statuses: Some(vec![ContainerStatus {
                name: "crawler".into(),
                state: Some(ContainerState {
                    waiting: Some(ContainerStateWaiting {
                        reason: Some(reason.into()),
                        message: Some(message.into()),
                    }),
                    ..ContainerState::default()
                }),
                ..ContainerStatus::default()
            }]),
            ..PodStatus::default()
        }),
        ..Pod::default()
    }
}

fn unscheduled(reason: &str, message: &str) -> Pod {
    Pod {
        status: Some(PodStatus {
            phase: Some("Pending".into()),
            conditions: Some(vec![PodCondition {
                type_: "PodScheduled".into(),
                status: "False".into(),
                reason: Some(reason.into()),
                message: Some(message.into()),
                ..PodCondition::default()
            }]),
            ..PodStatus::default()
        }),
        ..Pod::default()
    }
}

fn running() -> Pod {
    Pod {
        status: Some(PodStatus {
            phase: Some("Running".into()),
            container_statuses: Some(vec![ContainerStatus {
                name: "crawler".into(),
                state: Some(ContainerState {
                    running: Some(ContainerStateRunning::default()),
                    ..ContainerState::default()
                }),
                ..ContainerStatus::default()
            }]),
            ..PodStatus::default()
        }),
        ..Pod::default()
    }
}

fn terminating(mut pod: Pod) -> Pod {
    pod.metadata = ObjectMeta {
        deletion_timestamp: Some(crate::state::to_time(t(0))),
        ..ObjectMeta::default()
    };
    pod
}

#[test]
fn causes_come_from_typed_fields_not_messages() {
    let claim = |phase| {
        Some(Claim {
            name: "acme-checkpoint",
            phase,
        })
    };
    let msg = "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector.";
    // (name, pods, claim, expected cause)
    type Row<'a> = (&'a str, Vec<Pod>, Option<Claim<'a>>, Option<Cause>);
    let rows: Vec<Row<'_>> = vec![
        (
            "pull error",
            vec![waiting("ErrImagePull", "not found")],
            None,
            Some(Cause::ImagePull),
        ),
        (
            "pull back-off",
            vec![waiting("ImagePullBackOff", "Back-off pulling image")],
            None,
            Some(Cause::ImagePull),
        ),
        (
            "never pull",
            vec![waiting("ErrImageNeverPull", "")],
            None,
            Some(Cause::ImagePull),
        ),
        (
            "invalid image name",
            vec![waiting(
                "InvalidImageName",
                "couldn't parse image reference",
            )],
            None,
            Some(Cause::InvalidImage),
        ),
        (
            "config error",
            vec![waiting("CreateContainerConfigError", "configmap not found")],
            None,
            Some(Cause::ContainerConfig),
        ),
        // The message names an image pull, the reason says starting up:
        // the reason decides.
        (
            "starting up",
            vec![waiting(
                "ContainerCreating",
                "ImagePullBackOff InvalidImageName",
            )],
            None,
            None,
        ),
        (
            "unschedulable",
            vec![unscheduled("Unschedulable", msg)],
            None,
            Some(Cause::Unschedulable),
        ),
        (
            "scheduling gated",
            vec![unscheduled("SchedulingGated", "Unschedulable")],
            None,
            None,
        ),
        (
            "claim pending",
            vec![unscheduled("Unschedulable", "unbound claims")],
            claim("Pending"),
            Some(Cause::ClaimPending),
        ),
        (
            "claim lost",
            vec![unscheduled("Unschedulable", "")],
            claim("Lost"),
            Some(Cause::ClaimLost),
        ),
        (
            "claim bound: the selector",
            vec![unscheduled("Unschedulable", msg)],
            claim("Bound"),
            Some(Cause::Unschedulable),
        ),
        ("running", vec![running()], None, None),
        (
            "a terminating pod does not count",
            vec![terminating(waiting("ErrImagePull", ""))],
            None,
            None,
        ),
        (
            "the new pod next to a terminating one",
            vec![terminating(running()), waiting("InvalidImageName", "")],
            None,
            Some(Cause::InvalidImage),
        ),
        ("no pods yet", vec![], None, None),
    ];
    for (name, pods, claim, expected) in rows {
        let got = from_pods(pods.iter(), claim);
        assert_eq!(got.as_ref().map(|s| s.cause), expected, "{name}: {got:?}");
        if let Some(s) = got {
            assert!(!s.message.is_empty(), "{name}");
        }
    }
    let s = from_pods(
        [waiting("ErrImagePull", "pull access denied.")].iter(),
        None,
    )
    .unwrap();
    assert_eq!(s.message, "ErrImagePull: pull access denied");
    let s = from_pods([unscheduled("Unschedulable", "x")].iter(), claim("Pending")).unwrap();
    assert_eq!(
        s.message,
        "PersistentVolumeClaim acme-checkpoint is Pending (Unschedulable: x)"
    );
    assert!(unschedulable([unscheduled("Unschedulable", "")].iter()));
    assert!(!unschedulable([waiting("ErrImagePull", "")].iter()));
}

#[test]
fn only_an_invalid_job_is_a_rejection() {
    assert_eq!(
        from_rejected_job(
            422,
            "spec.template.spec.containers[0].image: Required value"
        )
        .map(|s| s.cause),
        Some(Cause::JobRejected)
    );
    for code in [400, 403, 404, 409, 429, 500] {
        assert_eq!(from_rejected_job(code, "x"), None, "{code}");
    }
}

fn event(reason: &str, message: &str, at: i64) -> k8s_openapi::api::core::v1::Event {
    k8s_openapi::api::core::v1::Event {
        reason: Some(reason.into()),
        message: Some(message.into()),
        last_timestamp: Some(k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(
            k8s_openapi::jiff::Timestamp::from_second(t(at).timestamp()).unwrap(),
        )),
        ..k8s_openapi::api::core::v1::Event::default()
    }
}

#[test]
fn the_newest_failed_create_is_the_refusal() {
    let events = [
        event(
            "FailedCreate",
            "pods \"a\" is forbidden: exceeded quota: q",
            1,
        ),
        event("SuccessfulCreate", "Created pod: a", 3),
        event(
            "FailedCreate",
            "pods \"b\" is forbidden: violates PodSecurity \"restricted:latest\".",
            2,
        ),
    ];
    let stuck = from_job_events(&events).expect("a refusal");
    assert_eq!(stuck.cause, Cause::PodRefused);
    assert_eq!(
        stuck.message,
        "FailedCreate: pods \"b\" is forbidden: violates PodSecurity \"restricted:latest\""
    );
    assert_eq!(from_job_events(&events[1..2]), None);
    assert_eq!(from_job_events(&[]), None);
}

#[test]
fn reasons_round_trip_and_say_whether_waiting_helps() {
    for (cause, heals) in [
        (Cause::ImagePull, true),
        (Cause::InvalidImage, false),
        (Cause::ContainerConfig, true),
        (Cause::Unschedulable, true),
        (Cause::ClaimPending, true),
        (Cause::ClaimLost, false),
        (Cause::JobRejected, false),
        (Cause::PodRefused, true),
    ] {
        assert_eq!(Cause::of_reason(cause.reason()), Some(cause));
        assert_eq!(cause.heals(), heals, "{cause:?}");
    }
    assert_eq!(Cause::of_reason("CrawlerFailed"), None);
}

fn decision(phase: ScanPhase, job: JobAction) -> Decision {
    Decision {
        phase,
        reason: "Started".into(),
        message: "Crawling the company's website.".into(),
        job,
        times: Times {
            started_at: Some(t(0)),
            ..Times::default()
        },
        stale_restarts: 0,
        queue_position: None,
        report: None,
        requeue: Some(Duration::from_secs(60)),
        degraded: None,
    }
}

/// One row: the decision `decide` made, what is seen, and what must come out.
struct Row {
    name: &'static str,
    phase: ScanPhase,
    job: JobAction,
    observed: Option<Cause>,
    /// Degraded stored, since this second.
    previous: Option<(Cause, i64)>,
    holding_since: i64,
    crawler_running: bool,
    expect_phase: ScanPhase,
    expect_job: JobAction,
    expect_degraded: Option<Cause>,
}

const NOW: i64 = 1000;

fn row(name: &'static str) -> Row {
    Row {
        name,
        phase: ScanPhase::Crawling,
        job: JobAction::Suspend(false),
        observed: None,
        previous: None,
        holding_since: 900,
        crawler_running: false,
        expect_phase: ScanPhase::Crawling,
        expect_job: JobAction::Suspend(false),
        expect_degraded: None,
    }
}

#[test]
fn judge_table() {
    use Cause::*;
    use ScanPhase::*;
    let rows = vec![
        Row {
            observed: Some(ImagePull),
            expect_degraded: Some(ImagePull),
            ..row("a pull error shows at once and the slot is kept")
        },
        Row {
            observed: Some(ImagePull),
            previous: Some((ImagePull, 300)),
            holding_since: 200,
            expect_phase: Queued,
            expect_job: JobAction::Suspend(true),
            expect_degraded: Some(ImagePull),
            ..row("after the timeout a pull error gives the slot back")
        },
        Row {
            observed: Some(Unschedulable),
            previous: Some((Unschedulable, 401)),
            holding_since: 0,
            expect_degraded: Some(Unschedulable),
            ..row("one second before the timeout it still holds")
        },
        Row {
            observed: Some(InvalidImage),
            previous: Some((InvalidImage, 100)),
            holding_since: 100,
            expect_phase: Failed,
            expect_job: JobAction::Suspend(true),
            expect_degraded: Some(InvalidImage),
            ..row("an invalid image name fails after the timeout")
        },
        Row {
            observed: Some(ClaimLost),
            previous: Some((ClaimPending, 100)),
            holding_since: 100,
            expect_phase: Failed,
            expect_job: JobAction::Suspend(true),
            expect_degraded: Some(ClaimLost),
            ..row("a lost claim fails after the timeout")
        },
        Row {
            job: JobAction::Create,
            observed: Some(JobRejected),
            previous: Some((JobRejected, 100)),
            holding_since: 100,
            expect_phase: Failed,
            expect_job: JobAction::None,
            expect_degraded: Some(JobRejected),
            ..row("a Job the API server refuses fails after the timeout")
        },
        Row {
            job: JobAction::Create,
            observed: Some(JobRejected),
            expect_job: JobAction::Create,
            expect_degraded: Some(JobRejected),
            ..row("a refused Job shows at once")
        },
        Row {
            observed: Some(ImagePull),
            previous: Some((ImagePull, 0)),
            holding_since: 990,
            expect_degraded: Some(ImagePull),
            ..row("given a slot again, the timeout counts from then")
        },
        Row {
            previous: Some((ImagePull, 0)),
            holding_since: 990,
            expect_degraded: Some(ImagePull),
            ..row("the new pod is still being created: Degraded stays")
        },
        Row {
            previous: Some((ImagePull, 500)),
            crawler_running: true,
            ..row("the crawler runs: Degraded clears")
        },
        Row {
            phase: Queued,
            job: JobAction::Suspend(true),
            previous: Some((Unschedulable, 100)),
            expect_phase: Queued,
            expect_job: JobAction::Suspend(true),
            expect_degraded: Some(Unschedulable),
            ..row("queued after giving the slot back: Degraded stays")
        },
        Row {
            phase: Queued,
            job: JobAction::None,
            expect_phase: Queued,
            expect_job: JobAction::None,
            ..row("queued for a slot: nothing degraded")
        },
        Row {
            job: JobAction::Suspend(true),
            observed: Some(ImagePull),
            previous: Some((ImagePull, 0)),
            holding_since: 0,
            expect_job: JobAction::Suspend(true),
            ..row("pausing: the crawler is meant to stop, nothing to judge")
        },
        Row {
            phase: Paused,
            job: JobAction::Suspend(true),
            previous: Some((ImagePull, 0)),
            expect_phase: Paused,
            expect_job: JobAction::Suspend(true),
            ..row("paused: Degraded clears")
        },
    ];
    for r in rows {
        let observed = r.observed.map(|cause| Stuck {
            cause,
            message: format!("{} seen", cause.reason()),
        });
        let previous = r.previous.map(|(cause, since)| Previous {
            reason: cause.reason().to_string(),
            message: format!("{} before", cause.reason()),
            since: t(since),
        });
        let d = judge(
            decision(r.phase, r.job.clone()),
            &Judge {
                now: t(NOW),
                observed: observed.as_ref(),
                previous: previous.as_ref(),
                holding_since: t(r.holding_since),
                crawler_running: r.crawler_running,
                awaiting_pod: false,
                pending_timeout: Duration::from_secs(600),
            },
        );
        assert_eq!(d.phase, r.expect_phase, "{}: phase", r.name);
        assert_eq!(d.job, r.expect_job, "{}: job", r.name);
        assert_eq!(
            d.degraded.as_ref().map(|g| g.reason.as_str()),
            r.expect_degraded.map(Cause::reason),
            "{}: degraded",
            r.name
        );
        assert!(d.message.ends_with('.'), "{}: {}", r.name, d.message);
        if d.phase != r.phase {
            // The slot went back: the reason names the cause, the clock stops.
            let cause = r.expect_degraded.expect("a cause");
            assert_eq!(d.reason, cause.reason(), "{}", r.name);
            assert!(
                d.message.contains(&format!("{} seen", cause.reason())),
                "{}",
                r.name
            );
            assert_eq!(d.times.paused_at, Some(t(NOW)), "{}", r.name);
            assert_eq!(d.queue_position, None);
            assert_eq!(
                d.times.completed_at.is_some(),
                d.phase == Failed,
                "{}",
                r.name
            );
        } else if r.expect_degraded.is_some() && r.phase.is_active() {
            assert!(
                d.message.starts_with("The crawler cannot start"),
                "{}",
                r.name
            );
            assert!(d.requeue.is_some_and(|q| q <= Duration::from_secs(60)));
        }
    }
}

#[test]
fn a_job_without_a_pod_is_looked_at_again_soon() {
    for (awaiting_pod, requeue) in [(true, AWAITING_POD), (false, Duration::from_secs(60))] {
        let mut d = decision(ScanPhase::Crawling, JobAction::None);
        d.requeue = Some(Duration::from_secs(60));
        let d = judge(
            d,
            &Judge {
                now: t(10),
                observed: None,
                previous: None,
                holding_since: t(0),
                crawler_running: false,
                awaiting_pod,
                pending_timeout: Duration::from_secs(600),
            },
        );
        assert_eq!(d.degraded, None);
        assert_eq!(d.requeue, Some(requeue), "awaiting_pod {awaiting_pod}");
    }
}
