//! The scan report: `report.json` and `report.md`.
//!
//! INTERFACE STUB: replaced by the extraction/analysis work.

use serde::{Deserialize, Serialize};

use crate::analysis::SectionResult;
use crate::extract::Entities;

/// Facts about the scan the report states.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ReportMeta {
    pub company: String,
    pub url: String,
    pub scan_version: i64,
    pub pages_crawled: u64,
    /// Distinct external links, sorted.
    pub external_links: Vec<String>,
    pub started_at: Option<chrono::DateTime<chrono::Utc>>,
    pub finished_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// The finished report.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub company: String,
    pub scan_version: i64,
    pub pages_crawled: u64,
}

impl Report {
    pub fn build(meta: &ReportMeta, _entities: &Entities, _sections: &[SectionResult]) -> Report {
        Report {
            company: meta.company.clone(),
            scan_version: meta.scan_version,
            pages_crawled: meta.pages_crawled,
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    pub fn to_markdown(&self) -> String {
        format!("# {}\n", self.company)
    }
}
