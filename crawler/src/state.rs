//! The resumable crawl state: everything a checkpoint holds.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono::{DateTime, Utc};
use cira_crds::ScanPhase;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::analysis::SectionResult;
use crate::extract::{Entities, PageEntities};
use crate::frontier::{Frontier, QueuedUrl, SortedKeys, front_decode};
use crate::skip::{Attempt, SkipKind};

/// The layout of [`CrawlState`]; raised when a field changes meaning
/// (2: dedup keys without scheme and `www.`, ranked frontier levels).
pub const STATE_VERSION: u32 = 2;
/// Most distinct external links kept.
pub const MAX_EXTERNAL_LINKS: usize = 20_000;

/// A set of dedup keys, serialised sorted and front-coded. Hashed: the
/// crawl loop looks up every link of every page in the visited set, and in
/// an ordered set of 20k keys those lookups took about 3 % of a crawl's CPU
/// in string compares; a save sorts the keys instead (docs/bench-crawler.md,
/// session 16).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KeySet(HashSet<Box<str>, foldhash::fast::RandomState>);

impl KeySet {
    pub fn contains(&self, key: &str) -> bool {
        self.0.contains(key)
    }

    /// Whether `key` was new.
    pub fn insert(&mut self, key: impl Into<Box<str>>) -> bool {
        self.0.insert(key.into())
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The keys, sorted.
    pub fn sorted(&self) -> Vec<&str> {
        let mut keys: Vec<&str> = self.0.iter().map(|k| &**k).collect();
        keys.sort_unstable();
        keys
    }

    pub fn into_keys(self) -> impl Iterator<Item = String> {
        self.0.into_iter().map(String::from)
    }
}

impl<K: Into<Box<str>>> FromIterator<K> for KeySet {
    fn from_iter<T: IntoIterator<Item = K>>(keys: T) -> Self {
        KeySet(keys.into_iter().map(Into::into).collect())
    }
}

impl<K: Into<Box<str>>> Extend<K> for KeySet {
    fn extend<T: IntoIterator<Item = K>>(&mut self, keys: T) {
        self.0.extend(keys.into_iter().map(Into::into));
    }
}

impl Serialize for KeySet {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&SortedKeys(self.sorted()))
    }
}

impl<'de> Deserialize<'de> for KeySet {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let coded = String::deserialize(d)?;
        let keys = front_decode(&coded).map_err(serde::de::Error::custom)?;
        Ok(keys.into_iter().collect())
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
    /// URLs that gave no page, by the kind of reason (`pages_crawled` and
    /// `pages_failed` include some of them, see [`SkipKind::attempt`]).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub skipped: BTreeMap<SkipKind, u64>,
    /// Dedup keys of every URL done (fetched, failed or refused), plus the
    /// final and canonical URLs of fetched pages.
    pub visited: KeySet,
    pub queue: Frontier,
    /// URLs being fetched when the checkpoint was taken; they go back to the
    /// front of the queue on resume.
    pub in_flight: Vec<QueuedUrl>,
    pub external_links: BTreeSet<String>,
    /// In-scope links to files that are not pages (PDFs, images, archives),
    /// recorded rather than fetched.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub documents: BTreeSet<String>,
    /// HTML pages with no link at all but scripts: app shells whose content
    /// a script renders.
    #[serde(default)]
    pub pages_without_links: u64,
    /// Pages whose links were not followed because they asked so (robots
    /// `nofollow` in a meta tag or `X-Robots-Tag`).
    #[serde(default)]
    pub pages_nofollow: u64,
    /// The port of the adopted domain when it is not the default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adopted_port: Option<u16>,
    /// Hosts whose robots.txt asked for a longer `Crawl-delay` than the
    /// crawler honours, with the delays asked and used (seconds).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub crawl_delays_capped: BTreeMap<String, (f64, f64)>,
    pub current_depth: u32,
    /// URLs queued per URL pattern (trap budgets), at most the pattern
    /// limit given to [`CrawlState::count_pattern`].
    pub pattern_counts: BTreeMap<String, u32>,
    /// In-scope links not taken because their page had more than
    /// `maxLinksPerPage`.
    #[serde(default)]
    pub links_dropped: u64,
    /// URLs dropped because the queue (or the pattern table) was full.
    #[serde(default)]
    pub queue_dropped: u64,
    pub sitemaps_seeded: bool,
    /// The registrable domain the seed redirected to, taken into the scope.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adopted_domain: Option<String>,
    pub entities: Entities,
    /// Analysis sections finished so far.
    pub sections: Vec<SectionResult>,
    /// Where the report went, once written.
    pub report_location: Option<String>,
    /// The country the national phone numbers of pages that named none are
    /// read in, chosen when the crawl ends ([`Self::place_phones`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_country: Option<String>,
    /// What changed since the last save (not saved itself).
    #[serde(skip)]
    pub changes: Changes,
}

/// What changed in a [`CrawlState`] since the last save, so that a save can
/// append a small journal record instead of re-encoding the whole state.
/// Only the mutators of `CrawlState` keep it; it never takes part in
/// comparisons.
#[derive(Debug, Clone, Default)]
pub struct Changes {
    visited: Vec<String>,
    external: Vec<String>,
    documents: Vec<String>,
    /// Queued since the last save (URL -> depth, from a sitemap).
    queued: HashMap<String, (u32, bool)>,
    /// Taken off the queue since the last save, of URLs queued before it.
    dequeued: HashSet<String>,
    patterns: HashSet<String>,
    pages: Vec<PageEntities>,
    /// The pattern table is full of patterns seen more than once: new
    /// patterns are refused until the next run.
    patterns_saturated: bool,
}

impl PartialEq for Changes {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// One journal record: the effects of the pages handled between two saves.
/// Applied in order on top of the full snapshot it follows, it rebuilds the
/// state exactly.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct StateDelta {
    /// The generation of the full snapshot this record continues.
    pub base_generation: u64,
    pub phase: ScanPhase,
    pub finished_at: Option<DateTime<Utc>>,
    pub active_seconds: f64,
    pub pages_crawled: u64,
    pub pages_extracted: u64,
    pub pages_failed: u64,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub skipped: BTreeMap<SkipKind, u64>,
    #[serde(default)]
    pub pages_without_links: u64,
    #[serde(default)]
    pub pages_nofollow: u64,
    #[serde(default)]
    pub links_dropped: u64,
    #[serde(default)]
    pub queue_dropped: u64,
    pub current_depth: u32,
    pub sitemaps_seeded: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adopted_domain: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adopted_port: Option<u16>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub crawl_delays_capped: BTreeMap<String, (f64, f64)>,
    pub report_location: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_country: Option<String>,
    pub sections: Vec<SectionResult>,
    pub in_flight: Vec<QueuedUrl>,
    pub visited: KeySet,
    pub external_links: KeySet,
    #[serde(default)]
    pub documents: KeySet,
    pub queued: Frontier,
    pub dequeued: KeySet,
    /// New values of the pattern counters that changed; 0 for a pattern
    /// forgotten to bound the table.
    pub pattern_counts: BTreeMap<String, u32>,
    /// Findings of the pages merged, in merge order.
    pub pages: Vec<PageEntities>,
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
            skipped: BTreeMap::new(),
            visited: KeySet::default(),
            queue: Frontier::default(),
            in_flight: Vec::new(),
            external_links: BTreeSet::new(),
            documents: BTreeSet::new(),
            pages_without_links: 0,
            pages_nofollow: 0,
            adopted_port: None,
            crawl_delays_capped: BTreeMap::new(),
            current_depth: 0,
            pattern_counts: BTreeMap::new(),
            links_dropped: 0,
            queue_dropped: 0,
            sitemaps_seeded: false,
            adopted_domain: None,
            entities: Entities::default(),
            sections: Vec::new(),
            report_location: None,
            phone_country: None,
            changes: Changes::default(),
        }
    }

    /// Counts a URL that gave no page, in the counters its reason says.
    pub fn count_skipped(&mut self, kind: SkipKind) {
        *self.skipped.entry(kind).or_default() += 1;
        match kind.attempt() {
            Attempt::Answered => self.pages_crawled += 1,
            Attempt::Failed => self.pages_failed += 1,
            Attempt::NotAPage | Attempt::NotRequested => {}
        }
    }

    /// Records a URL as done; false when it already was.
    pub fn mark_visited(&mut self, key: String) -> bool {
        if self.visited.contains(&key) {
            return false;
        }
        self.changes.visited.push(key.clone());
        self.visited.insert(key);
        true
    }

    /// Queues a URL found by a link at the back of its level.
    pub fn enqueue(&mut self, url: String, depth: u32) {
        self.enqueue_item(QueuedUrl::new(url, depth));
    }

    /// Queues a URL at the back of its level.
    pub fn enqueue_item(&mut self, item: QueuedUrl) {
        self.note_queued(&item);
        self.queue.push_item(item);
    }

    /// Puts a URL back at the front of its level (an interrupted fetch).
    pub fn requeue(&mut self, url: String, depth: u32) {
        self.requeue_item(QueuedUrl::new(url, depth));
    }

    /// Puts a URL back at the front of its level (an interrupted fetch).
    pub fn requeue_item(&mut self, item: QueuedUrl) {
        self.note_queued(&item);
        self.queue.push_front(item);
    }

    fn note_queued(&mut self, item: &QueuedUrl) {
        // Back where it was at the last save: nothing changed.
        if !self.changes.dequeued.remove(&item.url) {
            self.changes
                .queued
                .insert(item.url.clone(), (item.depth, item.from_sitemap));
        }
    }

    /// Takes the next URL off the queue, shallowest first.
    pub fn dequeue(&mut self) -> Option<QueuedUrl> {
        let item = self.queue.pop()?;
        self.note_dequeued(&item);
        Some(item)
    }

    fn note_dequeued(&mut self, item: &QueuedUrl) {
        // Queued and taken since the last save: nothing to journal.
        if self.changes.queued.remove(&item.url).is_none() {
            self.changes.dequeued.insert(item.url.clone());
        }
    }

    /// Drops the lowest-priority URLs while more than `cap` are queued,
    /// counting them; returns them (their dedup keys may be forgotten).
    pub fn drop_overflow(&mut self, cap: usize) -> Vec<QueuedUrl> {
        let mut dropped = Vec::new();
        while self.queue.len() > cap.max(1) {
            let Some(item) = self.queue.pop_lowest() else {
                break;
            };
            self.note_dequeued(&item);
            self.queue_dropped += 1;
            dropped.push(item);
        }
        dropped
    }

    /// Keeps a link to an in-scope file that is not a page (up to
    /// [`MAX_EXTERNAL_LINKS`]).
    pub fn add_document(&mut self, link: String) {
        if self.documents.len() < MAX_EXTERNAL_LINKS && !self.documents.contains(&link) {
            self.changes.documents.push(link.clone());
            self.documents.insert(link);
        }
    }

    /// Keeps an external link (up to [`MAX_EXTERNAL_LINKS`]).
    pub fn add_external_link(&mut self, link: String) {
        if self.external_links.len() < MAX_EXTERNAL_LINKS && !self.external_links.contains(&link) {
            self.changes.external.push(link.clone());
            self.external_links.insert(link);
        }
    }

    /// Counts one more URL queued for `pattern`; false when its budget is
    /// spent, or when the table already holds `max_patterns` patterns
    /// (then counted in `queue_dropped`).
    ///
    /// A full table first forgets the patterns seen only once: the budget
    /// is there for patterns that repeat. When that frees less than a
    /// quarter of it, new patterns are refused for the rest of the run.
    pub fn count_pattern(&mut self, pattern: String, budget: u32, max_patterns: usize) -> bool {
        match self.pattern_counts.get_mut(&pattern) {
            Some(count) if *count >= budget => return false,
            Some(count) => *count += 1,
            None if budget == 0 => return false,
            None => {
                let max_patterns = max_patterns.max(1);
                if self.pattern_counts.len() >= max_patterns && !self.changes.patterns_saturated {
                    let before = self.pattern_counts.len();
                    let mut forgotten = Vec::new();
                    self.pattern_counts.retain(|p, c| {
                        let keep = *c > 1;
                        if !keep {
                            forgotten.push(p.clone());
                        }
                        keep
                    });
                    self.changes.patterns.extend(forgotten);
                    if before - self.pattern_counts.len() < max_patterns / 4 {
                        self.changes.patterns_saturated = true;
                    }
                }
                if self.pattern_counts.len() >= max_patterns {
                    self.queue_dropped += 1;
                    return false;
                }
                self.pattern_counts.insert(pattern.clone(), 1);
            }
        }
        self.changes.patterns.insert(pattern);
        true
    }

    /// Merges one page's findings.
    pub fn merge_page(&mut self, page: PageEntities) {
        self.entities.merge_page_ref(&page);
        self.changes.pages.push(page);
    }

    /// Forgets the changes (a full snapshot was just taken).
    pub fn clear_changes(&mut self) {
        self.changes = Changes {
            patterns_saturated: self.changes.patterns_saturated,
            ..Changes::default()
        };
    }

    /// The changes since the last save as a journal record continuing the
    /// snapshot `base_generation`; the changes start over.
    pub fn take_delta(&mut self, base_generation: u64) -> StateDelta {
        let changes = std::mem::take(&mut self.changes);
        self.changes.patterns_saturated = changes.patterns_saturated;
        let mut queued = Frontier::default();
        for (url, (depth, from_sitemap)) in changes.queued {
            queued.push_item(QueuedUrl {
                url,
                depth,
                from_sitemap,
            });
        }
        StateDelta {
            base_generation,
            phase: self.phase,
            finished_at: self.finished_at,
            active_seconds: self.active_seconds,
            pages_crawled: self.pages_crawled,
            pages_extracted: self.pages_extracted,
            pages_failed: self.pages_failed,
            skipped: self.skipped.clone(),
            pages_without_links: self.pages_without_links,
            pages_nofollow: self.pages_nofollow,
            links_dropped: self.links_dropped,
            queue_dropped: self.queue_dropped,
            adopted_port: self.adopted_port,
            crawl_delays_capped: self.crawl_delays_capped.clone(),
            current_depth: self.current_depth,
            sitemaps_seeded: self.sitemaps_seeded,
            adopted_domain: self.adopted_domain.clone(),
            report_location: self.report_location.clone(),
            phone_country: self.phone_country.clone(),
            sections: self.sections.clone(),
            in_flight: self.in_flight.clone(),
            visited: changes.visited.into_iter().collect(),
            external_links: changes.external.into_iter().collect(),
            documents: changes.documents.into_iter().collect(),
            queued,
            dequeued: changes.dequeued.into_iter().collect(),
            pattern_counts: changes
                .patterns
                .into_iter()
                .map(|p| {
                    let count = self.pattern_counts.get(&p).copied().unwrap_or(0);
                    (p, count)
                })
                .collect(),
            pages: changes.pages,
        }
    }

    /// Replays a journal record on top of the state it was taken from.
    pub fn apply_delta(&mut self, delta: StateDelta) {
        self.phase = delta.phase;
        self.finished_at = delta.finished_at;
        self.active_seconds = delta.active_seconds;
        self.pages_crawled = delta.pages_crawled;
        self.pages_extracted = delta.pages_extracted;
        self.pages_failed = delta.pages_failed;
        self.skipped = delta.skipped;
        self.pages_without_links = delta.pages_without_links;
        self.pages_nofollow = delta.pages_nofollow;
        self.links_dropped = delta.links_dropped;
        self.queue_dropped = delta.queue_dropped;
        self.adopted_port = delta.adopted_port;
        self.crawl_delays_capped = delta.crawl_delays_capped;
        self.current_depth = delta.current_depth;
        self.sitemaps_seeded = delta.sitemaps_seeded;
        self.adopted_domain = delta.adopted_domain;
        self.report_location = delta.report_location;
        self.sections = delta.sections;
        self.in_flight = delta.in_flight;
        self.visited.extend(delta.visited.into_keys());
        self.external_links.extend(delta.external_links.into_keys());
        self.documents.extend(delta.documents.into_keys());
        let dequeued: HashSet<String> = delta.dequeued.into_keys().collect();
        self.queue.remove_all(&dequeued);
        for item in delta.queued.items() {
            self.queue.push_item(item);
        }
        for (pattern, count) in delta.pattern_counts {
            if count == 0 {
                self.pattern_counts.remove(&pattern);
            } else {
                self.pattern_counts.insert(pattern, count);
            }
        }
        for page in delta.pages {
            self.entities.merge_page(page);
        }
        self.phone_country = delta.phone_country;
        self.entities.place_phones(self.phone_country.as_deref());
    }

    /// Chooses the country for the national phone numbers of pages that
    /// named none (`site_country`, else the site's addresses') and reads
    /// them in it. Kept in the state, so a checkpoint's replay places them
    /// as this did.
    pub fn place_phones(&mut self, site_country: Option<&str>) {
        self.phone_country = self.entities.phone_country(site_country);
        self.entities.place_phones(self.phone_country.as_deref());
    }

    /// Moves URLs that were in flight at the checkpoint back into the queue.
    pub fn requeue_in_flight(&mut self) {
        for q in std::mem::take(&mut self.in_flight).into_iter().rev() {
            self.requeue_item(q);
        }
    }

    /// Keys of the URLs queued or in flight that are not done: with
    /// `visited`, everything already known.
    pub fn queued_keys(&self) -> HashSet<Box<str>> {
        let queued = self.queue.iter().map(|(url, _)| url);
        let in_flight = self.in_flight.iter().map(|q| q.url.as_str());
        queued
            .chain(in_flight)
            .filter_map(|url| url::Url::parse(url).ok())
            .map(|u| crate::url_norm::dedup_key(&u))
            .filter(|key| !self.visited.contains(key))
            .map(String::into_boxed_str)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frontier::front_code;

    #[test]
    fn key_set_json_is_its_front_coded_string() {
        let keys = [
            "acme.test/b",
            "acme.test/a",
            "acme.test/\"x\"\\",
            "acme.test/ü",
            "",
        ];
        let set = keys.iter().map(|k| k.to_string()).collect::<KeySet>();
        let coded = front_code(keys.iter().copied());
        assert_eq!(
            serde_json::to_string(&set).unwrap(),
            serde_json::to_string(&coded).unwrap()
        );
        let back: KeySet = serde_json::from_str(&serde_json::to_string(&set).unwrap()).unwrap();
        assert_eq!(back, set);
        assert_eq!(serde_json::to_string(&KeySet::default()).unwrap(), "\"\"");
    }

    #[test]
    fn round_trip_with_in_flight() {
        let mut s = CrawlState::new("https://acme.test/", 3);
        s.visited.insert("https://acme.test/");
        s.visited.insert("https://acme.test/about");
        s.queue.push("https://acme.test/b".into(), 1);
        s.in_flight
            .push(QueuedUrl::new("https://acme.test/a".into(), 1));
        s.external_links.insert("https://other.test/".into());
        let json = serde_json::to_vec(&s).unwrap();
        let mut back: CrawlState = serde_json::from_slice(&json).unwrap();
        assert_eq!(back.visited, s.visited);
        let queued = back.queued_keys();
        assert_eq!(queued.len(), 2, "{queued:?}");
        assert!(queued.iter().all(|k| !back.visited.contains(k)));
        back.requeue_in_flight();
        assert_eq!(back.queue.pop().unwrap().url, "https://acme.test/a");
        assert_eq!(back.queue.pop().unwrap().url, "https://acme.test/b");
    }
}
