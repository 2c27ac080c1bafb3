//! The live streams: Server-Sent Events that patch a page's parts as the
//! shared watches report changes.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, RawQuery, State};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use cira_crds::ScanPhase;
use futures::{Stream, StreamExt};
use maud::Markup;
use serde_json::json;
use tokio::sync::broadcast;

use super::App;
use super::pages::{list_namespace, scan_parts, sorted};
use super::query;
use super::session::StreamWho;
use crate::feeds::{Change, Feed};
use crate::views;

/// One DOM patch for the page script: replace (or append to `parent`) the
/// element `id` with `html`, or remove it.
fn patch(id: &str, html: Option<Markup>, parent: Option<&str>) -> SseEvent {
    let data = match html {
        Some(h) => json!({"id": id, "op": "replace", "html": h.into_string(), "parent": parent}),
        None => json!({"id": id, "op": "remove"}),
    };
    SseEvent::default().event("patch").data(data.to_string())
}

fn sse(stream: impl Stream<Item = Vec<SseEvent>> + Send + 'static) -> Response {
    let events =
        stream.flat_map(|batch| futures::stream::iter(batch.into_iter().map(Ok::<_, Infallible>)));
    Sse::new(events)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response()
}

/// The changes of a feed as batches of SSE events, rendered by `render`;
/// a receiver that fell behind gets a `Resync`.
fn changes<F>(feed: Arc<Feed>, render: F) -> impl Stream<Item = Vec<SseEvent>> + Send + 'static
where
    F: Fn(&Feed, Change) -> Vec<SseEvent> + Send + 'static,
{
    let rx = feed.subscribe();
    // The first batch redraws everything: a change between the page's render
    // and this subscription would otherwise be lost.
    let state = (feed, rx, render, true);
    futures::stream::unfold(state, |(feed, mut rx, render, first)| async move {
        let mut first = first;
        loop {
            let change = if first {
                first = false;
                Change::Resync
            } else {
                match rx.recv().await {
                    Ok(c) => c,
                    Err(broadcast::error::RecvError::Lagged(_)) => Change::Resync,
                    Err(broadcast::error::RecvError::Closed) => return None,
                }
            };
            let events = render(&feed, change);
            if !events.is_empty() {
                return Some((events, (feed, rx, render, first)));
            }
        }
    })
}

pub(super) async fn scans_live(
    State(app): State<Arc<App>>,
    StreamWho(who): StreamWho,
    RawQuery(raw): RawQuery,
) -> Response {
    let namespace = list_namespace(&app, &query(&raw));
    let feed = app.feed(&who, namespace.as_deref());
    sse(changes(feed, move |feed, change| match change {
        Change::Scan { namespace, name } => match feed.scan(&namespace, &name) {
            Some(scan) => vec![
                patch("no-scans", None, None),
                patch(
                    &views::row_id(&namespace, &name),
                    Some(views::scan_row(&scan, Utc::now())),
                    Some("scan-rows"),
                ),
            ],
            None => Vec::new(),
        },
        Change::Removed { namespace, name } => {
            vec![patch(&views::row_id(&namespace, &name), None, None)]
        }
        Change::Resync => vec![patch(
            "scan-rows",
            Some(views::scan_rows(&sorted(feed.scans.state()), Utc::now())),
            None,
        )],
        Change::Event { .. } => Vec::new(),
    }))
}

pub(super) async fn scan_live(
    State(app): State<Arc<App>>,
    StreamWho(who): StreamWho,
    Path((ns, name)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Response {
    // The phase the page showed: the move to the report happens only when
    // the scan completes while the page is open, not on opening a finished one.
    let shown: Option<ScanPhase> = query(&raw)
        .get("phase")
        .and_then(|p| serde_json::from_value(json!(p)).ok());
    let last_phase = std::sync::Mutex::new(shown);
    let feed = app.feed(&who, Some(&ns));
    let report = format!("{}/report", views::scan_path(&ns, &name));
    sse(changes(feed, move |feed, change| {
        let viewer = who.viewer();
        let mine = |n: &str, m: &str| n == ns && m == name;
        let (scan_changed, events_changed) = match &change {
            Change::Scan { namespace, name } => (mine(namespace, name), false),
            Change::Event { namespace, name } => (false, mine(namespace, name)),
            Change::Resync => (true, true),
            Change::Removed { namespace, name } if mine(namespace, name) => {
                return vec![SseEvent::default().event("navigate").data("/scans")];
            }
            Change::Removed { .. } => (false, false),
        };
        if !scan_changed && !events_changed {
            return Vec::new();
        }
        let Some(scan) = feed.scan(&ns, &name) else {
            return Vec::new();
        };
        let (live, activity) = scan_parts(feed, &scan, &viewer, None);
        let mut out = Vec::new();
        if scan_changed {
            out.push(patch("scan-live", Some(live), None));
        }
        out.push(patch("activity", Some(activity), None));
        let status = scan.status.as_ref();
        let phase = status.and_then(|s| s.phase);
        let before = std::mem::replace(
            &mut *last_phase.lock().unwrap_or_else(|p| p.into_inner()),
            phase,
        );
        if scan_changed
            && phase == Some(ScanPhase::Completed)
            && before != Some(ScanPhase::Completed)
            && status.is_some_and(|s| s.report.is_some())
        {
            out.push(SseEvent::default().event("navigate").data(report.clone()));
        }
        out
    }))
}
