//! HTTP routes: pages, the live streams, actions, sign-in, static files and
//! the security headers every response carries.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::Utc;
use cira_crds::{CompanyScan, ScanPhase};
use futures::{Stream, StreamExt};
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, ApiResource, DeleteParams, DynamicObject, Patch, PatchParams, PostParams};
use kube::{Client, Config};
use maud::Markup;
use serde_json::json;
use tokio::sync::broadcast;

use crate::auth::{self, AuthMode, Sessions};
use crate::feeds::{Change, Feed, FeedKey, Health, Hub};
use crate::model::{self, Action, NewScanForm};
use crate::views::{self, Viewer};

const SCRIPT: &str = include_str!("../static/console.js");
const STYLE: &str = include_str!("../static/console.css");

/// Longest a page waits for a new watch's first list.
const FIRST_LIST: Duration = Duration::from_secs(10);

/// Only this console's own files; nothing inline, nothing from elsewhere.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The console's shared state.
pub struct App {
    pub mode: AuthMode,
    /// The API server's address and CA; user clients are made from it with
    /// only the user's token.
    pub base: Config,
    /// The console's own client, used only in read-only mode.
    pub own_client: Option<Client>,
    pub sessions: Sessions,
    pub hub: Hub,
    pub default_namespace: String,
    pub secure_cookie: bool,
}

/// Who is asking, and with which client.
struct Who {
    client: Client,
    key: String,
    user: String,
    csrf: Option<String>,
    session: Option<String>,
}

impl Who {
    fn viewer(&self) -> Viewer<'_> {
        Viewer {
            user: &self.user,
            csrf: self.csrf.as_deref(),
        }
    }
}

fn html(status: StatusCode, markup: Markup) -> Response {
    (status, Html(markup.into_string())).into_response()
}

fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

impl App {
    // The error is the response to send; handlers return it by value anyway.
    #[allow(clippy::result_large_err)]
    fn who(&self, headers: &HeaderMap) -> Result<Who, Response> {
        match self.mode {
            AuthMode::ReadOnly => match &self.own_client {
                Some(c) => Ok(Who {
                    client: c.clone(),
                    key: "readOnly".into(),
                    user: "read-only".into(),
                    csrf: None,
                    session: None,
                }),
                None => Err(html(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    views::message("Not configured", None, "read-only mode without a client"),
                )),
            },
            AuthMode::Token => match self.sessions.from_headers(headers) {
                Some(s) => Ok(Who {
                    client: s.client.clone(),
                    key: s.identity.key(),
                    user: s.identity.username.clone(),
                    csrf: Some(s.csrf.clone()),
                    session: Some(s.id.clone()),
                }),
                None => Err(see_other("/login")),
            },
        }
    }

    /// `who` plus the checks every state-changing request passes: a
    /// session (not read-only), same origin, and the session's CSRF token.
    #[allow(clippy::result_large_err)]
    fn who_may_change(
        &self,
        headers: &HeaderMap,
        form: &BTreeMap<String, String>,
    ) -> Result<Who, Response> {
        let who = self.who(headers)?;
        let forbidden = |text: &str| {
            html(
                StatusCode::FORBIDDEN,
                views::message("Not allowed", Some(&who.viewer()), text),
            )
        };
        let Some(expected) = who.csrf.as_deref() else {
            return Err(forbidden("This console is read-only."));
        };
        if !auth::same_origin(headers) {
            return Err(forbidden(
                "The request did not come from this console's own pages.",
            ));
        }
        let sent = form.get("csrf").map(String::as_str).unwrap_or_default();
        if !auth::same_secret(sent, expected) {
            return Err(forbidden(
                "The form's CSRF token is missing or wrong. Reload the page and try again.",
            ));
        }
        Ok(who)
    }

    fn feed(&self, who: &Who, namespace: Option<&str>) -> Arc<Feed> {
        self.hub.feed(
            FeedKey {
                identity: who.key.clone(),
                namespace: namespace.map(str::to_string),
            },
            &who.client,
        )
    }
}

/// The router of a console.
pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/", get(|| async { Redirect::to("/scans") }))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(|| async { "ok" }))
        .route(
            "/static/console.js",
            get(|| async { asset("text/javascript; charset=utf-8", SCRIPT) }),
        )
        .route(
            "/static/console.css",
            get(|| async { asset("text/css; charset=utf-8", STYLE) }),
        )
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/scans", get(scans_page))
        .route("/scans/live", get(scans_live))
        .route("/scans/{ns}/{name}", get(scan_page))
        .route("/scans/{ns}/{name}/live", get(scan_live))
        .route("/scans/{ns}/{name}/action", post(scan_action))
        .route("/scans/{ns}/{name}/report", get(report_page))
        .route("/scans/{ns}/{name}/report.md", get(report_md))
        .route("/scans/{ns}/{name}/report.json", get(report_json))
        .route("/new", get(new_page).post(new_scan))
        .layer(axum::middleware::map_response(security_headers))
        .with_state(app)
}

async fn security_headers(mut res: Response) -> Response {
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "cross-origin-resource-policy",
        HeaderValue::from_static("same-origin"),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        body,
    )
        .into_response()
}

fn pairs(bytes: &[u8]) -> BTreeMap<String, String> {
    form_urlencoded::parse(bytes).into_owned().collect()
}

fn query(raw: &Option<String>) -> BTreeMap<String, String> {
    pairs(raw.as_deref().unwrap_or_default().as_bytes())
}

// ---- sign-in ----

async fn login_page(State(app): State<Arc<App>>) -> Response {
    if app.mode == AuthMode::ReadOnly {
        return see_other("/scans");
    }
    html(StatusCode::OK, views::login(None))
}

async fn login(State(app): State<Arc<App>>, headers: HeaderMap, body: Bytes) -> Response {
    if app.mode == AuthMode::ReadOnly {
        return see_other("/scans");
    }
    if !auth::same_origin(&headers) {
        return html(
            StatusCode::FORBIDDEN,
            views::login(Some(
                "The sign-in did not come from this console's own page.",
            )),
        );
    }
    let form = pairs(&body);
    let token = form.get("token").map(|t| t.trim()).unwrap_or_default();
    if token.is_empty() {
        return html(
            StatusCode::UNAUTHORIZED,
            views::login(Some("Paste a token to sign in.")),
        );
    }
    let verified = match auth::client_for_token(&app.base, token) {
        Ok(client) => auth::review(&client).await.map(|id| (client, id)),
        Err(e) => Err(e),
    };
    match verified {
        Ok((client, identity)) => {
            tracing::info!(user = identity.username, "signed in");
            match app.sessions.create(identity, client) {
                Ok(session) => {
                    let cookie =
                        auth::session_cookie(&session.id, app.sessions.ttl(), app.secure_cookie);
                    ([(header::SET_COOKIE, cookie)], Redirect::to("/scans")).into_response()
                }
                Err(e) => html(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    views::login(Some(&e.to_string())),
                ),
            }
        }
        Err(crate::Error::InvalidToken(message)) => html(
            StatusCode::UNAUTHORIZED,
            views::login(Some(&format!(
                "The API server did not accept this token ({message})."
            ))),
        ),
        Err(e) => html(StatusCode::BAD_GATEWAY, views::login(Some(&e.to_string()))),
    }
}

async fn logout(State(app): State<Arc<App>>, headers: HeaderMap, body: Bytes) -> Response {
    let form = pairs(&body);
    let who = match app.who_may_change(&headers, &form) {
        Ok(w) => w,
        Err(r) => return r,
    };
    if let Some(id) = &who.session {
        app.sessions.remove(id);
    }
    (
        [(header::SET_COOKIE, auth::clear_cookie(app.secure_cookie))],
        Redirect::to("/login"),
    )
        .into_response()
}

// ---- the scans list ----

/// The namespace a list request is for: absent means the default, empty
/// means all namespaces.
fn list_namespace(app: &App, q: &BTreeMap<String, String>) -> Option<String> {
    match q.get("namespace").map(|s| s.trim()) {
        None => Some(app.default_namespace.clone()),
        Some("") => None,
        Some(ns) => Some(ns.to_string()),
    }
}

fn not_allowed_to_list(namespace: Option<&str>, health: &Health) -> Option<String> {
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

fn sorted(mut scans: Vec<Arc<CompanyScan>>) -> Vec<Arc<CompanyScan>> {
    scans.sort_by(|a, b| {
        (a.metadata.namespace.as_deref(), a.metadata.name.as_deref())
            .cmp(&(b.metadata.namespace.as_deref(), b.metadata.name.as_deref()))
    });
    scans
}

async fn scans_page(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let who = match app.who(&headers) {
        Ok(w) => w,
        Err(r) => return r,
    };
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

async fn scans_live(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let who = match app.who(&headers) {
        Ok(w) => w,
        Err(_) => return StatusCode::UNAUTHORIZED.into_response(),
    };
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

// ---- one scan ----

/// A scan's page parts, rendered from the feed.
fn scan_parts(
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

async fn find_scan(
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

async fn scan_page(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path((ns, name)): Path<(String, String)>,
) -> Response {
    let who = match app.who(&headers) {
        Ok(w) => w,
        Err(r) => return r,
    };
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

async fn scan_live(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path((ns, name)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Response {
    let who = match app.who(&headers) {
        Ok(w) => w,
        Err(_) => return StatusCode::UNAUTHORIZED.into_response(),
    };
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

/// A failed API call on a scan, for a person: who may not do what, or what
/// the API server said.
fn api_problem(verb: &str, e: &kube::Error) -> (StatusCode, String) {
    match e {
        kube::Error::Api(s) if s.code == 403 => (
            StatusCode::FORBIDDEN,
            format!(
                "You are not allowed to {verb} this scan. The API server said: {}",
                s.message
            ),
        ),
        kube::Error::Api(s) => (
            StatusCode::from_u16(s.code).unwrap_or(StatusCode::BAD_GATEWAY),
            format!("Could not {verb} this scan: {}", s.message),
        ),
        other => (
            StatusCode::BAD_GATEWAY,
            format!("Could not {verb} this scan: {other}"),
        ),
    }
}

async fn scan_action(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path((ns, name)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let form = pairs(&body);
    let who = match app.who_may_change(&headers, &form) {
        Ok(w) => w,
        Err(r) => return r,
    };
    let Some(action) = form.get("action").and_then(|a| Action::parse(a)) else {
        return html(
            StatusCode::BAD_REQUEST,
            views::message(
                "Unknown action",
                Some(&who.viewer()),
                "This action does not exist.",
            ),
        );
    };
    let (feed, scan) = match find_scan(&app, &who, &ns, &name).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    if action.destructive() && form.get("confirm").map(String::as_str) != Some("yes") {
        return html(
            StatusCode::OK,
            views::confirm(&who.viewer(), &ns, &name, &scan.spec.company.name, action),
        );
    }
    let api: Api<CompanyScan> = Api::namespaced(who.client.clone(), &ns);
    let verb = action.as_str();
    let result = match action {
        Action::Delete => api
            .delete(&name, &DeleteParams::default())
            .await
            .map(|_| ()),
        Action::Rescan => rescan(&api, &name).await,
        other => match model::action_patch(other) {
            Some(p) => api
                .patch(&name, &PatchParams::default(), &Patch::Merge(&p))
                .await
                .map(|_| ()),
            None => Ok(()),
        },
    };
    match result {
        Ok(()) if action == Action::Delete => see_other(&format!("/scans?namespace={ns}")),
        Ok(()) => see_other(&views::scan_path(&ns, &name)),
        Err(e) => {
            let (status, text) = api_problem(verb, &e);
            tracing::info!(user = who.user, namespace = ns, scan = name, action = verb, %status, "action refused");
            let viewer = who.viewer();
            let (live, activity) = scan_parts(&feed, &scan, &viewer, Some(&text));
            html(status, views::scan(&scan, &viewer, &live, &activity))
        }
    }
}

/// Raises spec.rescan by one, guarded by the resourceVersion it read, so two
/// people rescanning at once raise it twice.
async fn rescan(api: &Api<CompanyScan>, name: &str) -> Result<(), kube::Error> {
    let mut tries = 0;
    loop {
        let scan = api.get(name).await?;
        let patch = json!({
            "metadata": {"resourceVersion": scan.metadata.resource_version},
            "spec": {"rescan": scan.spec.rescan + 1},
        });
        match api
            .patch(name, &PatchParams::default(), &Patch::Merge(&patch))
            .await
        {
            Err(kube::Error::Api(s)) if s.code == 409 && tries < 5 => tries += 1,
            other => return other.map(|_| ()),
        }
    }
}

// ---- reports ----

/// The report ConfigMap of `version` (default: the newest), from the
/// scan's status only, never a name from the request.
fn report_source(scan: &CompanyScan, version: Option<i64>) -> Option<(i64, String, Vec<i64>)> {
    let report = scan.status.as_ref()?.report.as_ref()?;
    let mut all: Vec<(i64, String)> = vec![(report.scan_version, report.config_map.clone())];
    all.extend(
        report
            .history
            .iter()
            .map(|h| (h.scan_version, h.config_map.clone())),
    );
    all.sort_by_key(|a| std::cmp::Reverse(a.0));
    all.dedup_by_key(|a| a.0);
    let versions = all.iter().map(|a| a.0).collect();
    let want = version.unwrap_or(report.scan_version);
    let (v, cm) = all.into_iter().find(|a| a.0 == want)?;
    Some((v, cm, versions))
}

enum ReportFormat {
    Page,
    Markdown,
    Json,
}

async fn report(
    app: Arc<App>,
    headers: HeaderMap,
    ns: String,
    name: String,
    raw: Option<String>,
    format: ReportFormat,
) -> Response {
    let who = match app.who(&headers) {
        Ok(w) => w,
        Err(r) => return r,
    };
    let (_, scan) = match find_scan(&app, &who, &ns, &name).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let version = query(&raw).get("version").and_then(|v| v.parse().ok());
    let Some((version, config_map, versions)) = report_source(&scan, version) else {
        return html(
            StatusCode::NOT_FOUND,
            views::message(
                "No report",
                Some(&who.viewer()),
                "This scan has no report of that version (yet).",
            ),
        );
    };
    let cms: Api<ConfigMap> = Api::namespaced(who.client.clone(), &ns);
    let cm = match cms.get(&config_map).await {
        Ok(cm) => cm,
        Err(e) => {
            let (status, text) = api_problem("read the report of", &e);
            return html(
                status,
                views::message("Report unavailable", Some(&who.viewer()), &text),
            );
        }
    };
    let data = cm.data.unwrap_or_default();
    let file = |key: &str| data.get(key).cloned().unwrap_or_default();
    let download = |ext: &str, content_type: &'static str, body: String| {
        let disposition = format!("attachment; filename=\"{name}-v{version}.{ext}\"");
        (
            [
                (header::CONTENT_TYPE, content_type.to_string()),
                (header::CONTENT_DISPOSITION, disposition),
            ],
            body,
        )
            .into_response()
    };
    match format {
        ReportFormat::Markdown => download(
            "md",
            "text/markdown; charset=utf-8",
            file(cira_crds::names::KEY_REPORT_MD),
        ),
        ReportFormat::Json => download(
            "json",
            "application/json",
            file(cira_crds::names::KEY_REPORT_JSON),
        ),
        ReportFormat::Page => {
            match serde_json::from_str(&file(cira_crds::names::KEY_REPORT_JSON)) {
                Ok(value) => html(
                    StatusCode::OK,
                    views::report(&who.viewer(), &scan, version, &value, &versions),
                ),
                Err(e) => html(
                    StatusCode::BAD_GATEWAY,
                    views::message(
                        "Report unreadable",
                        Some(&who.viewer()),
                        &format!("report.json in ConfigMap {config_map} is not valid JSON: {e}"),
                    ),
                ),
            }
        }
    }
}

async fn report_page(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path((ns, name)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Response {
    report(app, headers, ns, name, raw, ReportFormat::Page).await
}

async fn report_md(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path((ns, name)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Response {
    report(app, headers, ns, name, raw, ReportFormat::Markdown).await
}

async fn report_json(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path((ns, name)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Response {
    report(app, headers, ns, name, raw, ReportFormat::Json).await
}

// ---- new scan ----

async fn new_page(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let who = match app.who(&headers) {
        Ok(w) => w,
        Err(r) => return r,
    };
    if who.csrf.is_none() {
        return html(
            StatusCode::FORBIDDEN,
            views::message(
                "Not allowed",
                Some(&who.viewer()),
                "This console is read-only.",
            ),
        );
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

/// The admission's answer as messages by form field ("" for the form).
fn admission_errors(e: &kube::Error) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    match e {
        kube::Error::Api(s) => {
            let causes = s
                .details
                .as_ref()
                .map(|d| d.causes.clone())
                .unwrap_or_default();
            if s.code == 403 {
                out.entry(String::new()).or_default().push(format!(
                    "You are not allowed to create scans here. The API server said: {}",
                    s.message
                ));
            } else if causes.is_empty() {
                let field = if s.code == 409 { "name" } else { "" };
                out.entry(field.to_string())
                    .or_default()
                    .push(s.message.clone());
            }
            for c in causes {
                match model::form_field(&c.field) {
                    Some(f) => out.entry(f.to_string()).or_default().push(c.message),
                    None => out
                        .entry(String::new())
                        .or_default()
                        .push(format!("{}: {}", c.field, c.message)),
                }
            }
        }
        other => out
            .entry(String::new())
            .or_default()
            .push(other.to_string()),
    }
    out
}

async fn new_scan(State(app): State<Arc<App>>, headers: HeaderMap, body: Bytes) -> Response {
    let pairs = pairs(&body);
    let who = match app.who_may_change(&headers, &pairs) {
        Ok(w) => w,
        Err(r) => return r,
    };
    let form = NewScanForm::from_pairs(&pairs);
    let invalid = |errors: BTreeMap<String, Vec<String>>| {
        html(
            StatusCode::UNPROCESSABLE_ENTITY,
            views::new_scan(&who.viewer(), &form, &errors),
        )
    };
    let manifest = match form.to_scan() {
        Ok(m) => m,
        Err(errors) => {
            return invalid(
                errors
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), vec![v]))
                    .collect(),
            );
        }
    };
    let object: DynamicObject = match serde_json::from_value(manifest) {
        Ok(o) => o,
        Err(e) => return invalid(BTreeMap::from([(String::new(), vec![e.to_string()])])),
    };
    let resource = ApiResource::erase::<CompanyScan>(&());
    let api: Api<DynamicObject> =
        Api::namespaced_with(who.client.clone(), &form.namespace, &resource);
    match api.create(&PostParams::default(), &object).await {
        Ok(created) => {
            let name = created.metadata.name.unwrap_or_default();
            tracing::info!(
                user = who.user,
                namespace = form.namespace,
                scan = name,
                "scan created"
            );
            see_other(&views::scan_path(&form.namespace, &name))
        }
        Err(e) => invalid(admission_errors(&e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cira_crds::{ReportRef, ReportStatus};

    #[test]
    fn report_versions_come_from_the_status_only() {
        let mut scan = CompanyScan::new(
            "acme",
            serde_json::from_value(json!({"company": {"name": "A", "url": "https://a.example"}}))
                .expect("spec"),
        );
        assert!(report_source(&scan, None).is_none());
        scan.status = Some(cira_crds::CompanyScanStatus {
            report: Some(ReportStatus {
                config_map: "acme-report-v3".into(),
                scan_version: 3,
                history: vec![ReportRef {
                    scan_version: 2,
                    config_map: "acme-report-v2".into(),
                }],
                ..Default::default()
            }),
            ..Default::default()
        });
        let (v, cm, versions) = report_source(&scan, None).expect("newest");
        assert_eq!(
            (v, cm.as_str(), versions),
            (3, "acme-report-v3", vec![3, 2])
        );
        assert_eq!(
            report_source(&scan, Some(2)).expect("older").1,
            "acme-report-v2"
        );
        assert!(report_source(&scan, Some(1)).is_none(), "no version 1 kept");
    }

    #[test]
    fn admission_causes_land_on_their_fields() {
        let status: kube::core::Status = serde_json::from_value(json!({
            "status": "Failure", "code": 422, "reason": "Invalid",
            "message": "CompanyScan.cira.dev \"x\" is invalid: ...",
            "details": {"causes": [
                {"reason": "FieldValueInvalid", "field": "spec.company.url", "message": "company.url must be an absolute http:// or https:// URL"},
                {"reason": "FieldValueInvalid", "field": "spec.checkpoint.every", "message": "bad"}
            ]}
        }))
        .expect("status");
        let errors = admission_errors(&kube::Error::Api(Box::new(status)));
        assert_eq!(
            errors["url"],
            ["company.url must be an absolute http:// or https:// URL"]
        );
        assert_eq!(errors[""], ["spec.checkpoint.every: bad"]);
    }
}
