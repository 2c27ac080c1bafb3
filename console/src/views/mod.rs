//! The console's HTML, as compile-time maud templates. maud escapes every
//! interpolated value, so text that came from a crawled website (company
//! names, entities, activity, event messages) can only ever show as text.
//! No inline script or style: the Content-Security-Policy forbids both.

mod report;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use cira_crds::{CheckpointStorage, CompanyScan, ScanPhase};
use k8s_openapi::api::core::v1::Event;
use maud::{DOCTYPE, Markup, html};

use crate::feeds::{ActivityLine, event_time};
use crate::model::{
    self, Action, NewScanForm, Step, human_bytes, human_seconds, linkable, phase_class,
};

pub use report::report;

/// What every page's header needs to know about the viewer.
pub struct Viewer<'a> {
    pub user: &'a str,
    /// The session's CSRF token; `None` in read-only mode (no forms).
    pub csrf: Option<&'a str>,
}

impl Viewer<'_> {
    pub fn can_act(&self) -> bool {
        self.csrf.is_some()
    }
}

/// The common frame. `live` is the Server-Sent-Events URL the page's
/// script follows, if it has one.
pub fn page(title: &str, viewer: Option<&Viewer>, live: Option<&str>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · CIRA" }
                link rel="stylesheet" href="/static/console.css";
                script src="/static/console.js" defer {}
            }
            body data-live=[live] {
                header {
                    a.brand href="/scans" { "CIRA" }
                    nav {
                        a href="/scans" { "Scans" }
                        @if viewer.is_some_and(|v| v.can_act()) {
                            a href="/new" { "New scan" }
                        }
                    }
                    @if let Some(v) = viewer {
                        span.user { (v.user) }
                        @if let Some(csrf) = v.csrf {
                            form.inline method="post" action="/logout" {
                                input type="hidden" name="csrf" value=(csrf);
                                button type="submit" { "Sign out" }
                            }
                        } @else {
                            span.readonly { "read-only" }
                        }
                    }
                    @if live.is_some() {
                        span #live-state .state { "static" }
                    }
                }
                main { (body) }
            }
        }
    }
}

/// The sign-in page.
pub fn login(error: Option<&str>) -> Markup {
    page(
        "Sign in",
        None,
        None,
        html! {
            h1 { "Sign in" }
            p { "Paste a Kubernetes bearer token, for example from "
                code { "kubectl create token <service-account>" }
                ". The console acts with it, so you see and may change what your RBAC allows. The token stays on the server; your browser only gets a session cookie." }
            @if let Some(e) = error {
                p.error #login-error role="alert" { (e) }
            }
            form method="post" action="/login" {
                label for="token" { "Token" }
                input #token type="password" name="token" autocomplete="off" required;
                button type="submit" #sign-in { "Sign in" }
            }
        },
    )
}

/// A page that only says something went wrong (or is not allowed).
pub fn message(title: &str, viewer: Option<&Viewer>, text: &str) -> Markup {
    page(
        title,
        viewer,
        None,
        html! {
            h1 { (title) }
            p.error role="alert" { (text) }
            p { a href="/scans" { "Back to the scans" } }
        },
    )
}

fn phase_name(phase: Option<ScanPhase>) -> &'static str {
    phase.map(ScanPhase::as_str).unwrap_or("Pending")
}

fn badge(phase: Option<ScanPhase>) -> Markup {
    html! { span class={"badge " (phase_class(phase))} data-phase=(phase_name(phase)) { (phase_name(phase)) } }
}

fn ns_name(scan: &CompanyScan) -> (&str, &str) {
    (
        scan.metadata.namespace.as_deref().unwrap_or_default(),
        scan.metadata.name.as_deref().unwrap_or_default(),
    )
}

pub fn scan_path(namespace: &str, name: &str) -> String {
    format!("/scans/{namespace}/{name}")
}

/// The element id of a scan's row in the list.
pub fn row_id(namespace: &str, name: &str) -> String {
    format!("row-{namespace}-{name}")
}

/// One row of the scans table.
pub fn scan_row(scan: &CompanyScan, now: DateTime<Utc>) -> Markup {
    let (ns, name) = ns_name(scan);
    let status = scan.status.clone().unwrap_or_default();
    let progress = status.progress.clone().unwrap_or_default();
    let age = scan
        .metadata
        .creation_timestamp
        .as_ref()
        .map(|t| human_seconds((now - model::chrono_of(t.0)).num_seconds()))
        .unwrap_or_default();
    html! {
        tr id=(row_id(ns, name)) {
            td { a.company href=(scan_path(ns, name)) { (scan.spec.company.name) } }
            td.ns { (ns) "/" (name) }
            td { (badge(status.phase)) }
            td.progress {
                progress max="100" value=(progress.percent) { (progress.percent) "%" }
                span.pct { (progress.percent) "%" }
            }
            td.num.pages { (progress.pages_crawled) }
            td.num.entities { (progress.entities_extracted) }
            td.age { (age) }
        }
    }
}

/// The rows of the scans table (its tbody content).
pub fn scan_rows(scans: &[std::sync::Arc<CompanyScan>], now: DateTime<Utc>) -> Markup {
    html! {
        tbody #scan-rows {
            @for scan in scans { (scan_row(scan, now)) }
            @if scans.is_empty() {
                tr #no-scans { td colspan="7" { "No scans here yet." } }
            }
        }
    }
}

/// The scans list.
pub fn scans(
    viewer: &Viewer,
    namespace: Option<&str>,
    namespaces: &[String],
    scans: &[std::sync::Arc<CompanyScan>],
    problem: Option<&str>,
    live: &str,
) -> Markup {
    let now = Utc::now();
    let shown = namespace.unwrap_or_default();
    page(
        "Scans",
        Some(viewer),
        Some(live),
        html! {
            h1 { "Scans" }
            form.filters method="get" action="/scans" {
                label for="namespace" { "Namespace" }
                input #namespace name="namespace" value=(shown) list="namespaces" placeholder="all namespaces";
                datalist #namespaces { @for n in namespaces { option value=(n) {} } }
                button type="submit" { "Show" }
            }
            @if let Some(p) = problem {
                p.error #problem role="alert" { (p) }
            }
            table #scans {
                thead { tr {
                    th { "Company" } th { "Scan" } th { "Phase" } th { "Progress" }
                    th { "Pages" } th { "Entities" } th { "Age" }
                } }
                (scan_rows(scans, now))
            }
        },
    )
}

fn time(t: Option<&k8s_openapi::apimachinery::pkg::apis::meta::v1::Time>) -> String {
    t.map(|t| {
        model::chrono_of(t.0)
            .format("%Y-%m-%d %H:%M:%S UTC")
            .to_string()
    })
    .unwrap_or_else(|| "—".to_string())
}

/// Everything on a scan's page that changes while it runs; replaced as a
/// whole by the live stream.
/// Where the checkpoint is, said once: the crawler's location already
/// names the ConfigMaps; for a claim it is the mount path inside the pod,
/// so the claim is named first.
fn checkpoint_storage(storage: CheckpointStorage, location: &str, scan: &str) -> String {
    match storage {
        CheckpointStorage::ConfigMap => location.to_string(),
        CheckpointStorage::PersistentVolumeClaim => format!(
            "PersistentVolumeClaim {} ({location})",
            cira_crds::names::checkpoint_pvc_name(scan)
        ),
    }
}

pub fn scan_live(scan: &CompanyScan, viewer: &Viewer, notice: Option<&str>) -> Markup {
    let (ns, name) = ns_name(scan);
    let status = scan.status.clone().unwrap_or_default();
    let progress = status.progress.clone().unwrap_or_default();
    let (steps, off) = model::timeline(status.phase, model::reached_phase(scan));
    let actions = if viewer.can_act() {
        model::available_actions(scan.spec.desired_state, status.phase)
    } else {
        Vec::new()
    };
    html! {
        // Outside the live section: the stream replaces that section as a
        // whole, and a refusal must stay on screen.
        @if let Some(n) = notice {
            p.error #notice role="alert" { (n) }
        }
        section #scan-live data-phase=(phase_name(status.phase)) {
            p.phase { "Phase " (badge(status.phase))
                " · desired state " strong #desired { (format!("{:?}", scan.spec.desired_state)) }
                @if let Some(q) = status.queue_position { " · queue position " (q) }
            }
            @if let Some(m) = &status.message { p.message { (m) } }
            ol.timeline {
                @for (p, step) in &steps {
                    li class=(match step { Step::Done => "done", Step::Current => "current", Step::Todo => "todo" }) { (p.as_str()) }
                }
                @if let Some(o) = off { li class={"off " (phase_class(Some(o)))} { (o.as_str()) } }
            }
            p.progress {
                progress #progress max="100" value=(progress.percent) { (progress.percent) "%" }
                span.pct { (progress.percent) "%" }
            }
            @if status.phase == Some(ScanPhase::Completed) && status.report.is_some() {
                p { a.report-link href={(scan_path(ns, name)) "/report"} { "Read the report" } }
            }
            @if !actions.is_empty() {
                div.actions {
                    @for a in &actions {
                        form.inline method="post" action={(scan_path(ns, name)) "/action"} {
                            input type="hidden" name="csrf" value=(viewer.csrf.unwrap_or_default());
                            input type="hidden" name="action" value=(a.as_str());
                            button type="submit" class={"action " (a.as_str())} data-action=(a.as_str()) { (a.label()) }
                        }
                    }
                }
            }
            div.columns {
                dl.numbers {
                    dt { "Pages crawled" } dd #pages { (progress.pages_crawled) }
                    dt { "Pages queued" } dd { (progress.pages_queued) }
                    dt { "Depth" } dd { (progress.current_depth) }
                    dt { "External links" } dd { (progress.external_links_found) }
                    dt { "Entities" } dd #entities { (progress.entities_extracted) }
                    dt { "Tokens" } dd { (progress.tokens_processed) }
                }
                dl.times {
                    dt { "Started" } dd { (time(status.started_at.as_ref())) }
                    dt { "Active" } dd { (human_seconds(status.active_seconds)) }
                    dt { "Paused in total" } dd { (human_seconds(status.total_paused_seconds)) }
                    dt { "Estimated remaining" } dd { (status.estimated_remaining_seconds.map(human_seconds).unwrap_or_else(|| "—".into())) }
                    dt { "Completed" } dd { (time(status.completed_at.as_ref())) }
                    dt { "Scan version" } dd { (status.scan_version) }
                }
                @if let Some(c) = &status.checkpoint {
                    dl.checkpoint {
                        dt { "Checkpoint saved" } dd { (time(c.saved_at.as_ref())) }
                        dt { "Pages in it" } dd { (c.pages_visited) }
                        dt { "Size" } dd { (human_bytes(c.bytes)) }
                        dt { "Generation" } dd { (c.generation) }
                        dt { "Storage" } dd { (checkpoint_storage(c.storage, &c.location, name)) }
                        @if let Some(r) = &c.recovered_from_corruption { dt { "Recovered" } dd { (r) } }
                    }
                }
            }
            @if !status.conditions.is_empty() {
                h2 { "Conditions" }
                table.conditions {
                    thead { tr { th { "Type" } th { "Status" } th { "Reason" } th { "Message" } th { "Since" } } }
                    tbody {
                        @for c in &status.conditions {
                            tr { td { (c.type_) } td { (c.status) } td { (c.reason) } td { (c.message) } td { (time(Some(&c.last_transition_time))) } }
                        }
                    }
                }
            }
        }
    }
}

/// The activity log: the crawler's activity changes and the scan's Events,
/// newest first.
pub fn activity(
    scan: &CompanyScan,
    lines: &[ActivityLine],
    events: &[std::sync::Arc<Event>],
    events_problem: Option<&str>,
) -> Markup {
    let current = scan
        .status
        .as_ref()
        .and_then(|s| s.progress.as_ref())
        .and_then(|p| p.current_activity.as_deref());
    // One list, newest first: events and activity lines merged by time.
    let mut entries: Vec<(Option<DateTime<Utc>>, &str, String, String)> = events
        .iter()
        .map(|e| {
            (
                event_time(e),
                if e.type_.as_deref() == Some("Warning") {
                    "warning"
                } else {
                    "event"
                },
                e.reason.clone().unwrap_or_default(),
                e.message.clone().unwrap_or_default(),
            )
        })
        .collect();
    entries.extend(lines.iter().map(|l| {
        (
            Some(l.at),
            "activity",
            "Activity".to_string(),
            l.text.clone(),
        )
    }));
    entries.sort_by_key(|e| std::cmp::Reverse(e.0));
    html! {
        section #activity {
            h2 { "Activity" }
            p.current { "Now: " span #current-activity { (current.unwrap_or("—")) } }
            @if let Some(p) = events_problem { p.error { (p) } }
            ol.log {
                @for (at, kind, reason, text) in &entries {
                    li class=(kind) {
                        time { (at.map(|t| t.format("%H:%M:%S").to_string()).unwrap_or_default()) }
                        " " strong { (reason) } " " span { (text) }
                    }
                }
            }
        }
    }
}

/// A scan's page.
pub fn scan(scan: &CompanyScan, viewer: &Viewer, live: &Markup, activity: &Markup) -> Markup {
    let (ns, name) = ns_name(scan);
    let phase = phase_name(scan.status.as_ref().and_then(|s| s.phase));
    let stream = format!("{}/live?phase={phase}", scan_path(ns, name));
    page(
        &scan.spec.company.name,
        Some(viewer),
        Some(&stream),
        html! {
            h1 { (scan.spec.company.name) }
            p.sub { (ns) "/" (name) " · "
                @if linkable(&scan.spec.company.url) {
                    a href=(scan.spec.company.url) rel="noopener noreferrer nofollow" { (scan.spec.company.url) }
                } @else { (scan.spec.company.url) }
            }
            (live)
            (activity)
        },
    )
}

/// The confirmation asked before a destructive action.
pub fn confirm(
    viewer: &Viewer,
    namespace: &str,
    name: &str,
    company: &str,
    action: Action,
) -> Markup {
    page(
        "Confirm",
        Some(viewer),
        None,
        html! {
            h1 { (action.label()) " " (company) "?" }
            p #consequence { (action.consequence()) }
            form method="post" action={(scan_path(namespace, name)) "/action"} {
                input type="hidden" name="csrf" value=(viewer.csrf.unwrap_or_default());
                input type="hidden" name="action" value=(action.as_str());
                input type="hidden" name="confirm" value="yes";
                button type="submit" #confirm class={"action danger " (action.as_str())} { "Yes, " (action.label().to_lowercase()) }
                " "
                a href=(scan_path(namespace, name)) { "No, go back" }
            }
        },
    )
}

/// The new-scan form with the admission's messages next to their fields.
pub fn new_scan(
    viewer: &Viewer,
    form: &NewScanForm,
    errors: &BTreeMap<String, Vec<String>>,
) -> Markup {
    let field_errors = |field: &str| -> Markup {
        html! {
            @for e in errors.get(field).into_iter().flatten() {
                span.field-error id={"error-" (field)} role="alert" { (e) }
            }
        }
    };
    let text = |id: &'static str, label: &'static str, value: &str, help: &'static str| -> Markup {
        html! {
            div.field {
                label for=(id) { (label) }
                input id=(id) name=(id) value=(value);
                @if !help.is_empty() { small { (help) } }
                (field_errors(id))
            }
        }
    };
    let check = |id: &'static str, label: &'static str, on: bool| -> Markup {
        html! {
            div.field.check {
                input id=(id) type="checkbox" name=(id) checked[on];
                label for=(id) { (label) }
                (field_errors(id))
            }
        }
    };
    page(
        "New scan",
        Some(viewer),
        None,
        html! {
            h1 { "New scan" }
            @for e in errors.get("").into_iter().flatten() {
                p.error #form-error role="alert" { (e) }
            }
            form.new-scan method="post" action="/new" {
                input type="hidden" name="csrf" value=(viewer.csrf.unwrap_or_default());
                (text("namespace", "Namespace", &form.namespace, ""))
                (text("name", "Scan name", &form.name, "Optional; made from the company name when empty."))
                (text("company", "Company", &form.company, ""))
                (text("url", "Website", &form.url, "The seed URL, e.g. https://example.com"))
                (text("maxPages", "Most pages", &form.max_pages, ""))
                (text("maxDepth", "Deepest link level", &form.max_depth, ""))
                (text("concurrency", "Requests at once", &form.concurrency, ""))
                (text("requestsPerSecond", "Requests per second per host", &form.requests_per_second, ""))
                (text("timeout", "Timeout", &form.timeout, "Active scan time, e.g. 30m or 1h"))
                (check("respectRobotsTxt", "Obey robots.txt", form.respect_robots_txt))
                (check("followExternalLinks", "Follow external links (one hop)", form.follow_external_links))
                (check("allowPrivateNetworks", "Allow private network addresses", form.allow_private_networks))
                button type="submit" #create { "Start scan" }
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::report::{cell, columns};
    use super::*;
    use cira_crds::CompanyScanSpec;

    fn hostile_scan() -> CompanyScan {
        let mut spec: CompanyScanSpec = serde_json::from_value(serde_json::json!({
            "company": {"name": "<script>alert(1)</script>", "url": "javascript:alert(2)"}
        }))
        .expect("spec");
        spec.crawl.max_pages = 5;
        let mut scan = CompanyScan::new("evil", spec);
        scan.metadata.namespace = Some("ns".into());
        scan
    }

    #[test]
    fn checkpoint_storage_is_named_once() {
        assert_eq!(
            checkpoint_storage(
                CheckpointStorage::ConfigMap,
                "ConfigMaps ns/acme-ckpt-0-0",
                "acme"
            ),
            "ConfigMaps ns/acme-ckpt-0-0"
        );
        assert_eq!(
            checkpoint_storage(
                CheckpointStorage::PersistentVolumeClaim,
                "/var/lib/cira",
                "acme"
            ),
            format!(
                "PersistentVolumeClaim {} (/var/lib/cira)",
                cira_crds::names::checkpoint_pvc_name("acme")
            )
        );
    }

    #[test]
    fn hostile_text_is_escaped_everywhere() {
        let scan = hostile_scan();
        let viewer = Viewer {
            user: "<b>me</b>",
            csrf: Some("c"),
        };
        let row = scan_row(&scan, Utc::now()).into_string();
        assert!(
            row.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{row}"
        );
        assert!(!row.contains("<script>"));
        let live = scan_live(&scan, &viewer, None);
        let act = activity(
            &scan,
            &[ActivityLine {
                at: Utc::now(),
                text: "<img src=x onerror=alert(3)>".into(),
            }],
            &[],
            None,
        );
        let page = super::scan(&scan, &viewer, &live, &act).into_string();
        assert!(!page.contains("<script>alert"), "{page}");
        assert!(!page.contains("<img src=x"), "{page}");
        assert!(!page.contains("<b>me"), "{page}");
        assert!(
            !page.contains("href=\"javascript:"),
            "a javascript: URL is never a link"
        );
        let report = serde_json::json!({
            "company": "<script>x</script>",
            "url": "javascript:alert(1)",
            "entities": {"people": [{"name": "<i>Eve</i>", "sources": ["javascript:alert(4)", "https://ok.example/a\"b"], "sourceCount": 2}]},
            "sections": [{"id": "overview\"><script>", "title": "<h1>", "body": "</pre><script>"}],
            "externalLinks": ["data:text/html,<script>alert(5)</script>"]
        });
        let html = super::report(&viewer, &scan, 1, &report, &[1]).into_string();
        assert!(!html.contains("<script>"), "{html}");
        assert!(!html.contains("<i>Eve"), "{html}");
        assert!(html.contains("&lt;i&gt;Eve&lt;/i&gt;"));
        assert!(!html.contains("href=\"javascript:") && !html.contains("href=\"data:"));
        assert!(
            html.contains("href=\"https://ok.example/a&quot;b\""),
            "{html}"
        );
    }

    #[test]
    fn read_only_viewers_get_no_buttons() {
        let scan = hostile_scan();
        let ro = Viewer {
            user: "console",
            csrf: None,
        };
        let html = scan_live(&scan, &ro, None).into_string();
        assert!(!html.contains("<form"), "{html}");
        let rw = Viewer {
            user: "me",
            csrf: Some("tok"),
        };
        let html = scan_live(&scan, &rw, None).into_string();
        assert!(html.contains("data-action=\"pause\""), "{html}");
        assert!(html.contains("name=\"csrf\" value=\"tok\""), "{html}");
        assert!(!html.contains("data-action=\"resume\""));
    }

    #[test]
    fn a_refusal_stays_outside_the_part_the_live_stream_replaces() {
        let scan = hostile_scan();
        let rw = Viewer {
            user: "me",
            csrf: Some("tok"),
        };
        let html = scan_live(&scan, &rw, Some("You are not allowed")).into_string();
        let notice = html.find("id=\"notice\"").expect("the notice");
        let section = html.find("id=\"scan-live\"").expect("the live section");
        assert!(notice < section, "{html}");
        assert!(
            html[section..].find("You are not allowed").is_none(),
            "{html}"
        );
    }

    #[test]
    fn report_tables_have_every_column_and_sources() {
        let rows = vec![
            serde_json::json!({"name": "A", "title": "CEO", "sources": [], "sourceCount": 1}),
            serde_json::json!({"name": "B", "titles": ["x", "y"], "sources": []}),
        ];
        assert_eq!(columns(&rows), ["name", "title", "titles"]);
        assert_eq!(cell(&rows[1]["titles"]), "x, y");
    }
}
