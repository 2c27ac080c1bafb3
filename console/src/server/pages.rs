//! Pages: sign-in, the scans list, one scan, the new-scan form.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use cira_crds::CompanyScan;
use kube::api::Api;
use maud::Markup;

use super::session::Who;
use super::{App, FIRST_LIST, api_problem, html, query, see_other};
use crate::auth::AuthMode;
use crate::feeds::{Feed, Health};
use crate::model::NewScanForm;
use crate::views::{self, Viewer};

pub(super) async fn login_page(State(app): State<Arc<App>>) -> Response {
    if app.mode == AuthMode::ReadOnly {
        return see_other("/scans");
    }
    html(StatusCode::OK, views::login(None))
}

// ---- the scans list ----

/// The namespace a list request is for: absent means the default, empty
/// means all namespaces.
pub(super) fn list_namespace(app: &App, q: &BTreeMap<String, String>) -> Option<String> {
    match q.get("namespace").map(|s| s.trim()) {
        None => Some(app.default_namespace.clone()),
        Some("") => None,
        Some(ns) => Some(ns.to_string()),
    }
}

pub(super) fn not_allowed_to_list(namespace: Option<&str>, health: &Health) -> Option<String> {
    match health {
        Health::Failed { code, message } => Some(match code {
            403 => format!(
                "You are not allowed to list CompanyScans in {}. The API server said: {message}",
                namespace.map_or("all namespaces".to_string(), |n| format!("namespace {n}"))
            ),
            _ => format!("The scans could not be read: {message}"),
        }),
        Health::Starting => {
            Some("The scans are still loading; this page updates when they are.".into())
        }
        Health::Ready => None,
    }
}

pub(super) fn sorted(mut scans: Vec<Arc<CompanyScan>>) -> Vec<Arc<CompanyScan>> {
    scans.sort_by(|a, b| {
        (a.metadata.namespace.as_deref(), a.metadata.name.as_deref())
            .cmp(&(b.metadata.namespace.as_deref(), b.metadata.name.as_deref()))
    });
    scans
}

pub(super) async fn scans_page(
    State(app): State<Arc<App>>,
    who: Who,
    RawQuery(raw): RawQuery,
) -> Response {
    let namespace = list_namespace(&app, &query(&raw));
    let feed = app.feed(&who, namespace.as_deref());
    let health = feed.scans_ready(FIRST_LIST).await;
    let problem = not_allowed_to_list(namespace.as_deref(), &health);
    let scans = sorted(feed.scans.state());
    let mut namespaces: Vec<String> = scans
        .iter()
        .filter_map(|s| s.metadata.namespace.clone())
        .chain([app.default_namespace.clone()])
        .collect();
    namespaces.sort();
    namespaces.dedup();
    let live = format!(
        "/scans/live?{}",
        form_urlencoded::Serializer::new(String::new())
            .append_pair("namespace", namespace.as_deref().unwrap_or_default())
            .finish()
    );
    html(
        StatusCode::OK,
        views::scans(
            &who.viewer(),
            namespace.as_deref(),
            &namespaces,
            &scans,
            problem.as_deref(),
            &live,
        ),
    )
}

// ---- one scan ----

/// A scan's page parts, rendered from the feed.
pub(super) fn scan_parts(
    feed: &Feed,
    scan: &CompanyScan,
    viewer: &Viewer,
    notice: Option<&str>,
) -> (Markup, Markup) {
    let ns = scan.metadata.namespace.as_deref().unwrap_or_default();
    let name = scan.metadata.name.as_deref().unwrap_or_default();
    let events_problem = match feed.events_health() {
        Health::Failed { message, .. } => {
            Some(format!("The scan's Events could not be read: {message}"))
        }
        _ => None,
    };
    (
        views::scan_live(scan, viewer, notice),
        views::activity(
            scan,
            &feed.activity_of(ns, name),
            &feed.events_of(ns, name),
            events_problem.as_deref(),
        ),
    )
}

pub(super) async fn find_scan(
    app: &App,
    who: &Who,
    ns: &str,
    name: &str,
) -> Result<(Arc<Feed>, Arc<CompanyScan>), Response> {
    let feed = app.feed(who, Some(ns));
    let health = feed.scans_ready(FIRST_LIST).await;
    let _ = feed.events_ready(Duration::from_secs(2)).await;
    if let Some(scan) = feed.scan(ns, name) {
        return Ok((feed, scan));
    }
    // Not (yet) in the watch's store: just created, or not listable. One
    // direct read says which.
    let api: Api<CompanyScan> = Api::namespaced(who.client.clone(), ns);
    let (status, text) = match api.get_opt(name).await {
        Ok(Some(scan)) => return Ok((feed, Arc::new(scan))),
        Ok(None) => (
            StatusCode::NOT_FOUND,
            format!("There is no scan {name} in namespace {ns}."),
        ),
        Err(e) => match not_allowed_to_list(Some(ns), &health) {
            Some(problem) => (StatusCode::FORBIDDEN, problem),
            None => api_problem("read", &e),
        },
    };
    Err(html(
        status,
        views::message("Not found", Some(&who.viewer()), &text),
    ))
}

pub(super) async fn scan_page(
    State(app): State<Arc<App>>,
    who: Who,
    Path((ns, name)): Path<(String, String)>,
) -> Response {
    let (feed, scan) = match find_scan(&app, &who, &ns, &name).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let viewer = who.viewer();
    let (live, activity) = scan_parts(&feed, &scan, &viewer, None);
    html(
        StatusCode::OK,
        views::scan(&scan, &viewer, &live, &activity),
    )
}
// ---- new scan ----

pub(super) async fn new_page(
    State(app): State<Arc<App>>,
    who: Who,
    RawQuery(raw): RawQuery,
) -> Response {
    if who.csrf.is_none() {
        return who.read_only();
    }
    let ns = query(&raw)
        .get("namespace")
        .cloned()
        .unwrap_or_else(|| app.default_namespace.clone());
    html(
        StatusCode::OK,
        views::new_scan(
            &who.viewer(),
            &NewScanForm::with_defaults(&ns),
            &BTreeMap::new(),
        ),
    )
}
