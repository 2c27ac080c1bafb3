//! HTTP routes: the router, the console's shared state and the security
//! headers every response carries. Who is asking comes from the extractors
//! in [`session`]. The handlers live by kind: pages ([`pages`]), the live
//! streams ([`live`]), state-changing actions and sign-in ([`actions`]) and
//! report views and downloads ([`reports`]).

mod actions;
mod live;
mod pages;
mod reports;
mod session;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use kube::{Client, Config};
use maud::Markup;

use crate::auth::{AuthMode, Sessions};
use crate::feeds::{Feed, FeedKey, Hub};

use reports::ReportFormat;
use session::Who;

const SCRIPT: &str = include_str!("../../static/console.js");
const STYLE: &str = include_str!("../../static/console.css");

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

fn html(status: StatusCode, markup: Markup) -> Response {
    (status, Html(markup.into_string())).into_response()
}

fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

impl App {
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
        .route("/login", get(pages::login_page).post(actions::login))
        .route("/logout", post(actions::logout))
        .route("/scans", get(pages::scans_page))
        .route("/scans/live", get(live::scans_live))
        .route("/scans/{ns}/{name}", get(pages::scan_page))
        .route("/scans/{ns}/{name}/live", get(live::scan_live))
        .route("/scans/{ns}/{name}/action", post(actions::scan_action))
        .route(
            "/scans/{ns}/{name}/report",
            reports::route(ReportFormat::Page),
        )
        .route(
            "/scans/{ns}/{name}/report.md",
            reports::route(ReportFormat::Markdown),
        )
        .route(
            "/scans/{ns}/{name}/report.json",
            reports::route(ReportFormat::Json),
        )
        .route("/new", get(pages::new_page).post(actions::new_scan))
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
    // Not `no-referrer`: under it browsers send `Origin: null` with form
    // posts, and the origin check refuses every one of them. `same-origin`
    // still tells other sites nothing.
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
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
