//! Kubernetes Events about a scan.

use cira_crds::{CompanyScan, ScanPhase};
use kube::runtime::events::{Event, EventType};
use kube::{Resource, ResourceExt};

use super::Context;
use crate::state::reason;

pub(super) fn event_type_for(phase: ScanPhase, why: &str) -> EventType {
    match phase {
        ScanPhase::Failed | ScanPhase::TimedOut => EventType::Warning,
        _ if why == reason::CRAWLER_RESTARTING => EventType::Warning,
        _ if crate::stuck::Cause::of_reason(why).is_some() => EventType::Warning,
        _ => EventType::Normal,
    }
}

pub(super) async fn publish(
    ctx: &Context,
    scan: &CompanyScan,
    type_: EventType,
    reason: &str,
    note: &str,
) {
    let event = Event {
        type_,
        reason: reason.to_string(),
        note: Some(note.chars().take(1000).collect()),
        action: "Reconcile".to_string(),
        secondary: None,
    };
    if let Err(error) = ctx.recorder.publish(&event, &scan.object_ref(&())).await {
        tracing::warn!(%error, scan = %scan.name_any(), "could not publish an Event");
    }
}
