//! Who is asking: the extractors handlers take instead of reading the
//! session themselves. A page gets a [`Who`] (or the sign-in page when there
//! is no session), a live stream a [`StreamWho`] (401 without a session: an
//! EventSource cannot follow a redirect to a sign-in), and a state-changing
//! request a [`Changing`]: a session that may write, from this console's
//! own pages, with the session's CSRF token in its form.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use kube::Client;

use super::{App, html, pairs, see_other};
use crate::auth::{self, AuthMode};
use crate::views::{self, Viewer};

/// Who is asking, and with which client.
pub(super) struct Who {
    pub(super) client: Client,
    pub(super) key: String,
    pub(super) user: String,
    pub(super) csrf: Option<String>,
    pub(super) session: Option<String>,
}

impl Who {
    pub(super) fn viewer(&self) -> Viewer<'_> {
        Viewer {
            user: &self.user,
            csrf: self.csrf.as_deref(),
        }
    }

    /// The page that refuses a request this viewer may not make.
    pub(super) fn forbidden(&self, text: &str) -> Response {
        html(
            StatusCode::FORBIDDEN,
            views::message("Not allowed", Some(&self.viewer()), text),
        )
    }

    /// The refusal of a change in read-only mode (no session, no CSRF token).
    pub(super) fn read_only(&self) -> Response {
        self.forbidden("This console is read-only.")
    }
}

impl FromRequestParts<Arc<App>> for Who {
    /// The response to send instead of the page.
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Self, Response> {
        who(app, &parts.headers)
    }
}

// The error is the response to send; handlers return it by value anyway.
#[allow(clippy::result_large_err)]
fn who(app: &App, headers: &HeaderMap) -> Result<Who, Response> {
    match app.mode {
        AuthMode::ReadOnly => match &app.own_client {
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
        AuthMode::Token => match app.sessions.from_headers(headers) {
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

/// Who is asking for a live stream.
pub(super) struct StreamWho(pub(super) Who);

impl FromRequestParts<Arc<App>> for StreamWho {
    type Rejection = StatusCode;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Self, StatusCode> {
        who(app, &parts.headers)
            .map(StreamWho)
            .map_err(|_| StatusCode::UNAUTHORIZED)
    }
}

/// A state-changing request that passed the checks every one passes: a
/// session (not read-only), same origin, and the session's CSRF token.
pub(super) struct Changing {
    pub(super) who: Who,
    /// The form the request sent (`application/x-www-form-urlencoded`).
    pub(super) form: BTreeMap<String, String>,
}

impl FromRequest<Arc<App>> for Changing {
    type Rejection = Response;

    async fn from_request(req: Request, app: &Arc<App>) -> Result<Self, Response> {
        let headers = req.headers().clone();
        let body = Bytes::from_request(req, app)
            .await
            .map_err(IntoResponse::into_response)?;
        let form = pairs(&body);
        let who = who(app, &headers)?;
        let Some(expected) = who.csrf.as_deref() else {
            return Err(who.read_only());
        };
        if !auth::same_origin(&headers) {
            return Err(who.forbidden("The request did not come from this console's own pages."));
        }
        let sent = form.get("csrf").map(String::as_str).unwrap_or_default();
        if !auth::same_secret(sent, expected) {
            return Err(who.forbidden(
                "The form's CSRF token is missing or wrong. Reload the page and try again.",
            ));
        }
        Ok(Changing { who, form })
    }
}
