//! The report of a scan: shown as a page or downloaded as Markdown or JSON,
//! all three through one handler that differs only in the final rendering.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get};
use cira_crds::CompanyScan;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::Api;

use super::pages::find_scan;
use super::session::Who;
use super::{App, api_problem, html, query};
use crate::views;

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

#[derive(Clone, Copy)]
pub(super) enum ReportFormat {
    Page,
    Markdown,
    Json,
}

/// The GET route of one report format; the path holds the scan's
/// namespace and name, the query an optional `version`.
pub(super) fn route(format: ReportFormat) -> MethodRouter<Arc<App>> {
    get(
        move |State(app): State<Arc<App>>,
              who: Who,
              Path((ns, name)): Path<(String, String)>,
              RawQuery(raw): RawQuery| async move {
            report(app, who, ns, name, raw, format).await
        },
    )
}

async fn report(
    app: Arc<App>,
    who: Who,
    ns: String,
    name: String,
    raw: Option<String>,
    format: ReportFormat,
) -> Response {
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

#[cfg(test)]
mod tests {
    use super::*;
    use cira_crds::{ReportRef, ReportStatus};
    use serde_json::json;

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
}
