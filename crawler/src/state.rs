//! The resumable crawl state: everything a checkpoint holds.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use chrono::{DateTime, Utc};
use cira_crds::ScanPhase;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::analysis::SectionResult;
use crate::extract::Entities;
use crate::frontier::{Frontier, QueuedUrl, front_code, front_decode};

/// The layout of [`CrawlState`]; raised when a field changes meaning.
pub const STATE_VERSION: u32 = 1;
/// Most distinct external links kept.
pub const MAX_EXTERNAL_LINKS: usize = 20_000;

/// A set of dedup keys, serialised front-coded. Ordered, so a save walks it
/// in order instead of sorting the whole visited set every time.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KeySet(pub BTreeSet<String>);

impl Serialize for KeySet {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        front_code(self.0.iter().map(String::as_str)).serialize(s)
    }
}

impl<'de> Deserialize<'de> for KeySet {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let coded = String::deserialize(d)?;
        let keys = front_decode(&coded).map_err(serde::de::Error::custom)?;
        Ok(KeySet(keys.into_iter().collect()))
    }
}

/// The state of one scan.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CrawlState {
    pub state_version: u32,
    pub scan_version: i64,
    pub seed: String,
    pub phase: ScanPhase,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    /// Time spent working, summed over all runs.
    pub active_seconds: f64,
    /// Page requests made (the page budget counts these).
    pub pages_crawled: u64,
    /// HTML pages whose entities were extracted.
    pub pages_extracted: u64,
    pub pages_failed: u64,
    /// Dedup keys of every URL done (fetched, failed or refused), plus the
    /// final and canonical URLs of fetched pages.
    pub visited: KeySet,
    pub queue: Frontier,
    /// URLs being fetched when the checkpoint was taken; they go back to the
    /// front of the queue on resume.
    pub in_flight: Vec<QueuedUrl>,
    pub external_links: BTreeSet<String>,
    pub current_depth: u32,
    /// URLs queued per URL pattern (trap budgets).
    pub pattern_counts: BTreeMap<String, u32>,
    pub sitemaps_seeded: bool,
    /// The registrable domain the seed redirected to, taken into the scope.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adopted_domain: Option<String>,
    pub entities: Entities,
    /// Analysis sections finished so far.
    pub sections: Vec<SectionResult>,
    /// Where the report went, once written.
    pub report_location: Option<String>,
}

impl CrawlState {
    pub fn new(seed: &str, scan_version: i64) -> Self {
        Self {
            state_version: STATE_VERSION,
            scan_version,
            seed: seed.to_string(),
            phase: ScanPhase::Crawling,
            started_at: Utc::now(),
            finished_at: None,
            active_seconds: 0.0,
            pages_crawled: 0,
            pages_extracted: 0,
            pages_failed: 0,
            visited: KeySet::default(),
            queue: Frontier::default(),
            in_flight: Vec::new(),
            external_links: BTreeSet::new(),
            current_depth: 0,
            pattern_counts: BTreeMap::new(),
            sitemaps_seeded: false,
            adopted_domain: None,
            entities: Entities::default(),
            sections: Vec::new(),
            report_location: None,
        }
    }

    /// Moves URLs that were in flight at the checkpoint back into the queue.
    pub fn requeue_in_flight(&mut self) {
        for q in std::mem::take(&mut self.in_flight).into_iter().rev() {
            self.queue.push_front(q.url, q.depth);
        }
    }

    /// Keys of everything already known: done, queued or in flight.
    pub fn seen_keys(&self) -> HashSet<String> {
        let mut seen: HashSet<String> = self.visited.0.iter().cloned().collect();
        for (url, _) in self.queue.iter() {
            if let Ok(u) = url::Url::parse(url) {
                seen.insert(crate::url_norm::dedup_key(&u));
            }
        }
        for q in &self.in_flight {
            if let Ok(u) = url::Url::parse(&q.url) {
                seen.insert(crate::url_norm::dedup_key(&u));
            }
        }
        seen
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_with_in_flight() {
        let mut s = CrawlState::new("https://acme.test/", 3);
        s.visited.0.insert("https://acme.test/".into());
        s.visited.0.insert("https://acme.test/about".into());
        s.queue.push("https://acme.test/b".into(), 1);
        s.in_flight.push(QueuedUrl {
            url: "https://acme.test/a".into(),
            depth: 1,
        });
        s.external_links.insert("https://other.test/".into());
        let json = serde_json::to_vec(&s).unwrap();
        let mut back: CrawlState = serde_json::from_slice(&json).unwrap();
        assert_eq!(back.visited, s.visited);
        assert_eq!(back.seen_keys().len(), 4);
        back.requeue_in_flight();
        assert_eq!(back.queue.pop().unwrap().url, "https://acme.test/a");
        assert_eq!(back.queue.pop().unwrap().url, "https://acme.test/b");
    }
}
