//! What the crawler publishes for the operator to mirror into status.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::scan::ScanPhase;

/// How a crawler run ended, when it has.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase", tag = "result")]
pub enum CrawlerOutcome {
    /// The scan finished and its report is written.
    Completed {
        /// The ConfigMap the report is in.
        report_config_map: String,
        /// Entity counts by type.
        counts: std::collections::BTreeMap<String, u64>,
        /// Why the crawl ended: its own end, or a stop on request.
        #[serde(default)]
        ended: CrawlEnd,
    },
    /// The crawler gave up; `reason` says why, for a person, and `kind`
    /// what kind of failure it is, for the scan's status reason.
    Failed {
        reason: String,
        #[serde(default)]
        kind: FailureKind,
    },
}

/// Why the crawl of a completed scan ended.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum CrawlEnd {
    /// The page budget, the depth limit or the site ran out.
    #[default]
    Finished,
    /// `spec.desiredState` was set to `Stopped`: no more pages were fetched
    /// and the report covers the pages crawled until then.
    StoppedOnRequest,
}

/// What kind of failure ended a scan: the status reason the operator sets.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum FailureKind {
    /// Anything else the crawler could not get past (a bad setting, storage).
    #[default]
    CrawlerFailed,
    /// The site refuses the crawler: the seed answered 401, 403 or 451.
    SeedBlocked,
    /// The site is not there to crawl: the seed (or its robots.txt) answered
    /// 5xx or 429 after every retry, or could not be reached.
    SeedUnavailable,
    /// Every page the site gave held only scripts and nothing about the
    /// company: a JavaScript app, or a bot defence's script challenge.
    SiteNeedsJavaScript,
}

impl FailureKind {
    /// The scan status reason (a CamelCase word, as Kubernetes conditions use).
    pub fn reason(self) -> &'static str {
        match self {
            FailureKind::CrawlerFailed => "CrawlerFailed",
            FailureKind::SeedBlocked => "SeedBlocked",
            FailureKind::SeedUnavailable => "SeedUnavailable",
            FailureKind::SiteNeedsJavaScript => "SiteNeedsJavaScript",
        }
    }
}

/// The newest checkpoint, as the crawler saw it written.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct CheckpointInfo {
    pub location: String,
    pub generation: u64,
    pub saved_at: Option<DateTime<Utc>>,
    pub pages_visited: u64,
    pub bytes: u64,
    /// Set when the newest checkpoint was unreadable and an older one was used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovered_from_corruption: Option<String>,
}

/// The `progress.json` document in the scan's progress ConfigMap.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct CrawlerProgress {
    pub scan_version: i64,
    /// The crawler's own phase (Crawling, Extracting, Analyzing, Generating).
    pub phase: ScanPhase,
    pub pages_crawled: u64,
    pub pages_queued: u64,
    pub max_pages: u64,
    pub current_depth: u32,
    pub external_links_found: u64,
    pub entities_extracted: u64,
    pub tokens_processed: u64,
    pub current_activity: Option<String>,
    /// Pages per second over the recent past, for the remaining-time estimate.
    pub pages_per_second: f64,
    pub heartbeat: Option<DateTime<Utc>>,
    pub checkpoint: Option<CheckpointInfo>,
    pub outcome: Option<CrawlerOutcome>,
    /// In-scope links not taken because their page had more than
    /// `maxLinksPerPage`.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub links_dropped: u64,
    /// Queued URLs dropped because the queue was full (`maxQueuedUrls`).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub queue_dropped: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl CrawlerProgress {
    /// Percent done, from the page budget and what is still queued: the crawl
    /// ends at whichever comes first, the budget or an empty queue.
    pub fn percent(&self) -> u32 {
        if matches!(self.outcome, Some(CrawlerOutcome::Completed { .. })) {
            return 100;
        }
        let expected_total = self
            .max_pages
            .min(self.pages_crawled + self.pages_queued)
            .max(1);
        let crawl = (self.pages_crawled.min(expected_total) * 100 / expected_total) as u32;
        // Leave the last few percent for extraction, analysis and the report.
        match self.phase {
            ScanPhase::Analyzing => 97,
            ScanPhase::Generating => 99,
            _ => crawl.min(95),
        }
    }

    /// Seconds left at the recent page rate, if there is one.
    pub fn estimated_remaining_seconds(&self) -> Option<i64> {
        if self.pages_per_second <= 0.0 {
            return None;
        }
        let left = self
            .max_pages
            .min(self.pages_crawled + self.pages_queued)
            .saturating_sub(self.pages_crawled);
        Some((left as f64 / self.pages_per_second).ceil() as i64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_follows_budget_and_queue() {
        let mut p = CrawlerProgress {
            phase: ScanPhase::Crawling,
            pages_crawled: 50,
            pages_queued: 1000,
            max_pages: 100,
            ..Default::default()
        };
        assert_eq!(p.percent(), 50);
        p.pages_queued = 50;
        p.max_pages = 1000;
        assert_eq!(p.percent(), 50);
        p.pages_crawled = 100;
        p.pages_queued = 0;
        assert_eq!(p.percent(), 95, "reserve for analysis");
        p.outcome = Some(CrawlerOutcome::Failed {
            reason: "x".into(),
            kind: FailureKind::SeedBlocked,
        });
        assert_eq!(p.percent(), 95);
    }

    #[test]
    fn remaining_time_from_rate() {
        let p = CrawlerProgress {
            pages_crawled: 10,
            pages_queued: 30,
            max_pages: 100,
            pages_per_second: 4.0,
            ..Default::default()
        };
        assert_eq!(p.estimated_remaining_seconds(), Some(8));
        assert_eq!(
            CrawlerProgress::default().estimated_remaining_seconds(),
            None
        );
    }

    #[test]
    fn failures_carry_their_kind_and_older_documents_read() {
        let old: CrawlerOutcome =
            serde_json::from_str(r#"{"result":"failed","reason":"disk full"}"#).unwrap();
        assert_eq!(
            old,
            CrawlerOutcome::Failed {
                reason: "disk full".into(),
                kind: FailureKind::CrawlerFailed
            }
        );
        let blocked = CrawlerOutcome::Failed {
            reason: "HTTP 403".into(),
            kind: FailureKind::SeedBlocked,
        };
        let json = serde_json::to_string(&blocked).unwrap();
        assert_eq!(
            json,
            r#"{"result":"failed","reason":"HTTP 403","kind":"SeedBlocked"}"#
        );
        assert_eq!(
            serde_json::from_str::<CrawlerOutcome>(&json).unwrap(),
            blocked
        );
        assert_eq!(FailureKind::SeedUnavailable.reason(), "SeedUnavailable");
        assert_eq!(
            FailureKind::SiteNeedsJavaScript.reason(),
            "SiteNeedsJavaScript"
        );
    }
}
