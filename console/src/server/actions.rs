//! State-changing requests: sign-in and out, actions on a scan, creating
//! a scan. Each takes a [`Changing`], which holds the checks every change
//! passes (the sign-in makes its own same-origin check).

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use cira_crds::{CompanyScan, DesiredState};
use kube::api::{Api, ApiResource, DeleteParams, DynamicObject, Patch, PatchParams, PostParams};
use serde_json::json;

use super::pages::{find_scan, scan_parts};
use super::session::Changing;
use super::{App, api_problem, html, pairs, see_other};
use crate::auth::{self, AuthMode};
use crate::model::{self, Action, NewScanForm};
use crate::views;

pub(super) async fn login(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
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

pub(super) async fn logout(
    State(app): State<Arc<App>>,
    Changing { who, .. }: Changing,
) -> Response {
    if let Some(id) = &who.session {
        app.sessions.remove(id);
    }
    (
        [(header::SET_COOKIE, auth::clear_cookie(app.secure_cookie))],
        Redirect::to("/login"),
    )
        .into_response()
}

pub(super) async fn scan_action(
    State(app): State<Arc<App>>,
    Path((ns, name)): Path<(String, String)>,
    Changing { who, form }: Changing,
) -> Response {
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
/// people rescanning at once raise it twice. A stopped or cancelled scan
/// that has ended is set back to Running in the same change (the only way
/// out of those states the CRD allows).
async fn rescan(api: &Api<CompanyScan>, name: &str) -> Result<(), kube::Error> {
    let mut tries = 0;
    loop {
        let scan = api.get(name).await?;
        let mut spec = json!({"rescan": scan.spec.rescan + 1});
        let ended = scan
            .status
            .as_ref()
            .and_then(|s| s.phase)
            .is_some_and(|p| p.is_terminal());
        if ended
            && matches!(
                scan.spec.desired_state,
                DesiredState::Stopped | DesiredState::Cancelled
            )
        {
            spec["desiredState"] = json!(DesiredState::Running.as_str());
        }
        let patch = json!({
            "metadata": {"resourceVersion": scan.metadata.resource_version},
            "spec": spec,
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

pub(super) async fn new_scan(Changing { who, form: pairs }: Changing) -> Response {
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
