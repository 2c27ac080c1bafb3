//! The report page, from a scan's `report.json`: the overview, every
//! analysis section and one table per kind of entity, with sources.

use cira_crds::CompanyScan;
use maud::{Markup, html};
use serde_json::Value;

use super::{Viewer, ns_name, page, scan_path};
use crate::model::linkable;

/// A JSON value of a report as text: strings as they are, lists joined.
pub(super) fn cell(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        Value::Array(items) => items.iter().map(cell).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

fn url_or_text(url: &str) -> Markup {
    html! {
        @if linkable(url) {
            a href=(url) rel="noopener noreferrer nofollow" { (url) }
        } @else { (url) }
    }
}

/// The report page, from `report.json`.
pub fn report(
    viewer: &Viewer,
    scan: &CompanyScan,
    version: i64,
    report: &Value,
    versions: &[i64],
) -> Markup {
    let (ns, name) = ns_name(scan);
    let base = format!("{}/report", scan_path(ns, name));
    let entities = report["entities"].as_object().cloned().unwrap_or_default();
    page(
        "Report",
        Some(viewer),
        None,
        html! {
            h1 { (cell(&report["company"])) }
            p.sub {
                a href=(scan_path(ns, name)) { (ns) "/" (name) }
                " · version " (version) " · " (cell(&report["pagesCrawled"])) " pages · "
                (cell(&report["tokensProcessed"])) " tokens · " (url_or_text(&cell(&report["url"])))
            }
            p.downloads {
                a #download-md href={(base) ".md?version=" (version)} download { "report.md" }
                " "
                a #download-json href={(base) ".json?version=" (version)} download { "report.json" }
            }
            @if versions.len() > 1 {
                nav.versions { "Versions: "
                    @for v in versions {
                        @if *v == version { strong { "v" (v) } } @else { a href={(base) "?version=" (v)} { "v" (v) } }
                        " "
                    }
                }
            }
            @if let Some(counts) = report["entityCounts"].as_object() {
                table.counts #counts {
                    thead { tr { th { "Entities" } th { "Count" } } }
                    tbody { @for (k, v) in counts { tr { td { (k) } td.num { (cell(v)) } } } }
                }
            }
            @for section in report["sections"].as_array().into_iter().flatten() {
                section.report-section id={"section-" (cell(&section["id"]))} {
                    h2 { (cell(&section["title"])) }
                    pre.body { (cell(&section["body"])) }
                }
            }
            @for (kind, items) in &entities {
                @let rows = items.as_array().cloned().unwrap_or_default();
                @let columns = columns(&rows);
                @if !rows.is_empty() {
                    section.entities id={"entities-" (kind)} {
                        h2 { (kind) }
                        table {
                            thead { tr { @for c in &columns { th { (c) } } th { "Sources" } } }
                            tbody {
                                @for row in &rows {
                                    tr {
                                        @for c in &columns { td { (cell(&row[c.as_str()])) } }
                                        td.sources {
                                            @for s in row["sources"].as_array().into_iter().flatten() {
                                                (url_or_text(&cell(s))) " "
                                            }
                                            @if row["sourceCount"].as_u64().unwrap_or(0) > row["sources"].as_array().map_or(0, |a| a.len() as u64) {
                                                "(" (cell(&row["sourceCount"])) " pages)"
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if let Some(links) = report["externalLinks"].as_array().filter(|l| !l.is_empty()) {
                section #external-links {
                    h2 { "External links" }
                    ul { @for l in links { li { (url_or_text(&cell(l))) } } }
                }
            }
        },
    )
}

/// The columns of an entity table: every key any row has, except the
/// sources, in first-seen order.
pub(super) fn columns(rows: &[Value]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for row in rows {
        for k in row.as_object().into_iter().flat_map(|o| o.keys()) {
            if k != "sources" && k != "sourceCount" && !out.contains(k) {
                out.push(k.clone());
            }
        }
    }
    out
}
