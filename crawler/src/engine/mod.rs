//! The crawl pipeline: workers fetch with bounded concurrency, the streaming
//! pass and extraction run on the blocking pool (both cores), and one
//! coordinator owns the state, merges results, checkpoints and walks the
//! phases Crawling -> Extracting -> Analyzing -> Generating -> Completed.
//!
//! Checkpoint rule: a fetched page is unsaved from its result until a
//! checkpoint records it. No new URL is dispatched while `everyPages` pages
//! are unsaved, and the coordinator saves by the time that limit is
//! reached, so a crash fetches again at most `everyPages` pages plus the
//! pages in flight (`concurrency`): those unsaved, those in flight, and
//! those that finished while dispatch waited for a slow save. Pages in
//! flight are not held back by the checkpoint: counting them too would
//! leave a fast crawl a few pages in flight and a save after every page or
//! two (docs/bench-crawler.md, session 19).

mod coordinator;
mod pacing;
mod worker;

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cira_crds::progress::{CheckpointInfo, CrawlEnd, CrawlerOutcome, CrawlerProgress};
use cira_crds::{AnalysisSection, CrawlSpec, ScanPhase};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use url::Url;

use crate::analysis::{SectionResult, analyze_section};
use crate::checkpoint::{
    Cursor, Durability, OnUnusable, PendingSave, ScanIdentity, Store, Written,
};
use crate::error::{Error, Result};
use crate::extract::Extractor;
use crate::fetch::{FetchConfig, Fetcher};
use crate::frontier::QueuedUrl;
use crate::guard::NetworkGuard;
use crate::politeness::Politeness;
use crate::report::{Report, ReportMeta, ReportWriter};
use crate::scope::Scope;
use crate::state::CrawlState;
use pacing::SavePacing;
use worker::Shared;

/// Everything a crawl run needs to know.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    pub seed: Url,
    pub company_name: String,
    pub identity: ScanIdentity,
    pub crawl: CrawlSpec,
    /// Requests per second per host; `None` = unpaced (benchmarks).
    pub requests_per_second: Option<f64>,
    pub every_pages: u32,
    pub every: Duration,
    pub sections: Vec<AnalysisSection>,
    pub fetch: FetchConfig,
    pub guard: NetworkGuard,
    /// URLs of one pattern that may be queued.
    pub pattern_budget: u32,
    pub seed_sitemaps: bool,
    pub on_unusable: OnUnusable,
    /// The longest robots.txt `Crawl-delay` honoured (see
    /// [`crate::politeness::MAX_CRAWL_DELAY`]).
    pub max_crawl_delay: Duration,
}

impl EngineConfig {
    /// Builds a config from a crawl spec with the usual defaults.
    pub fn new(
        seed: Url,
        company_name: String,
        identity: ScanIdentity,
        crawl: CrawlSpec,
    ) -> Result<Self> {
        let request_timeout = cira_crds::parse_duration(&crawl.request_timeout).map_err(|e| {
            Error::InvalidSetting {
                name: "requestTimeout",
                reason: e.to_string(),
            }
        })?;
        let fetch = FetchConfig {
            user_agent: crawl.user_agent.clone(),
            request_timeout,
            max_page_bytes: crawl.max_page_bytes,
            ..FetchConfig::default()
        };
        Ok(Self {
            requests_per_second: Some(crawl.requests_per_second),
            guard: NetworkGuard::new(crawl.allow_private_networks),
            pattern_budget: (crawl.max_pages / 2).max(50),
            seed,
            company_name,
            identity,
            crawl,
            every_pages: 10,
            every: Duration::from_secs(120),
            sections: AnalysisSection::ALL.to_vec(),
            fetch,
            seed_sitemaps: true,
            on_unusable: OnUnusable::Refuse,
            max_crawl_delay: crate::politeness::MAX_CRAWL_DELAY,
        })
    }
}

/// How a run ended.
#[derive(Debug)]
pub enum RunOutcome {
    /// The report is written.
    Completed {
        report: Box<Report>,
        location: String,
    },
    /// Stopped on request after saving a checkpoint.
    Stopped,
}

/// One crawl run over a [`CrawlState`].
pub struct Engine {
    shared: Arc<Shared>,
    store: Store,
    progress: watch::Sender<CrawlerProgress>,
    report_writer: ReportWriter,
    /// Fired on a stop request: the crawl ends as if its page budget were
    /// used up, and the report covers the pages crawled until then.
    stop_crawl: CancellationToken,
}

struct Run {
    state: CrawlState,
    /// Dedup keys of the URLs queued or in flight and not done yet. With
    /// the done ones in `state.visited`, every URL known; each key is held
    /// once, in one of the two (a large crawl's keys were in both).
    queued_keys: HashSet<Box<str>>,
    generation: u64,
    cursor: Cursor,
    /// Pages being fetched and processed, with when each was dispatched.
    in_flight: HashMap<tokio::task::Id, (QueuedUrl, Instant)>,
    /// Pages recorded since the last save was prepared.
    unsaved: usize,
    /// Pages held by the save being written.
    writing: usize,
    pacing: SavePacing,
    last_save: Instant,
    run_started: Instant,
    active_base: f64,
    rate: VecDeque<(Instant, u64)>,
    checkpoint: Option<CheckpointInfo>,
    activity: String,
    /// Attempts so far at URLs whose server asked to slow down.
    throttled: HashMap<String, u32>,
    /// Sitemap URLs read before the seed's page; they are queued once the
    /// seed's own links are, so those come first.
    pending_sitemap: Vec<Url>,
    /// Where the seed redirected to another domain, whose sitemaps are
    /// still to be read.
    adopted_sitemaps: Option<Url>,
    /// The crawl phase ran to its own end in this run (budget, depth or
    /// site exhausted), not cut short by a stop request.
    crawl_ran_out: bool,
}

impl Run {
    /// Pages finished but not yet on storage: a kill now loses them (and
    /// the pages in flight, which are fetched again anyway).
    fn unsaved_pages(&self) -> usize {
        self.unsaved + self.writing
    }

    /// Whether a URL with this dedup key is done, queued or in flight.
    fn is_known(&self, key: &str) -> bool {
        self.state.visited.contains(key) || self.queued_keys.contains(key)
    }

    /// Records a URL as done: its key moves from the queued keys (if there)
    /// to the visited set.
    fn mark_done(&mut self, key: String) {
        if self.queued_keys.remove(key.as_str()) {
            // The queue drains toward the end of a crawl: give back the
            // table's room once it is under a quarter full (each shrink
            // follows at least as many removals as keys are left).
            let capacity = self.queued_keys.capacity();
            if capacity > 1024 && self.queued_keys.len() < capacity / 4 {
                self.queued_keys.shrink_to_fit();
            }
        }
        self.state.mark_visited(key);
    }
}

impl Engine {
    pub fn new(
        cfg: EngineConfig,
        store: Store,
        progress: watch::Sender<CrawlerProgress>,
        report_writer: ReportWriter,
    ) -> Result<Self> {
        let scope = Scope::new(
            &cfg.seed,
            &cfg.crawl.allowed_domains,
            &cfg.crawl.include_patterns,
            &cfg.crawl.exclude_patterns,
        )?;
        let politeness = Arc::new(Politeness::new(
            cfg.requests_per_second,
            cfg.max_crawl_delay,
        ));
        // First: it starts loading the technology database in the
        // background, which then overlaps the HTTP client's TLS roots.
        let extractor = Extractor::new(&cfg.seed, &cfg.company_name);
        let fetcher = Fetcher::new(
            cfg.fetch.clone(),
            cfg.guard.clone(),
            Arc::clone(&politeness),
        )?;
        Ok(Self {
            shared: Arc::new(Shared {
                robots_agent: crate::robots::agent_token(&cfg.crawl.user_agent),
                cfg,
                fetcher,
                scope,
                extractor,
                politeness,
                robots: Mutex::default(),
                capped_delays: Mutex::default(),
            }),
            store,
            progress,
            report_writer,
            stop_crawl: CancellationToken::new(),
        })
    }

    /// The token that ends the crawl phase early: no page is dispatched
    /// after it fires, pages in flight finish, a checkpoint is saved, and
    /// extraction, analysis and the report follow as usual. Fired before
    /// `run`, the crawl phase ends at once (finishing from the checkpoint).
    pub fn stop_crawl_token(&self) -> CancellationToken {
        self.stop_crawl.clone()
    }

    fn cfg(&self) -> &EngineConfig {
        &self.shared.cfg
    }

    /// Runs (or resumes) the scan until it completes or `cancel` fires.
    pub async fn run(&self, cancel: CancellationToken) -> Result<RunOutcome> {
        let cfg = self.cfg();
        let loaded = self.store.load(&cfg.identity, cfg.on_unusable).await?;
        let (mut state, generation, recovered, cursor) = match loaded {
            Some(l) => {
                tracing::info!(
                    location = %self.store.location(),
                    generation = l.generation,
                    snapshot = l.header.generation,
                    journal_records = l.journal_records,
                    pages = l.state.pages_crawled,
                    queued = l.state.queue.len() + l.state.in_flight.len(),
                    phase = l.state.phase.as_str(),
                    "resuming from checkpoint"
                );
                let cursor = l.cursor();
                (l.state, l.generation, l.recovered_from_corruption, cursor)
            }
            None => {
                tracing::info!(seed = %cfg.seed, "starting a new scan");
                let mut s = CrawlState::new(cfg.seed.as_str(), cfg.identity.scan_version);
                s.enqueue(cfg.seed.to_string(), 0);
                (s, 0, None, Cursor::default())
            }
        };
        if state.seed != cfg.seed.as_str() {
            return Err(Error::OtherScan {
                location: self.store.location(),
                found: state.seed.clone(),
                expected: cfg.seed.to_string(),
            });
        }
        if let Some(domain) = &state.adopted_domain {
            self.shared.scope.adopt_origin(domain, state.adopted_port);
        }
        state.requeue_in_flight();
        let over = state.queue.len().saturating_sub(cfg.crawl.queue_cap());
        if over > 0 {
            tracing::info!(
                dropped = over,
                cap = cfg.crawl.queue_cap(),
                "the checkpoint's queue is over the cap; dropping the lowest-priority URLs"
            );
            state.drop_overflow(cfg.crawl.queue_cap());
        }
        let queued_keys = state.queued_keys();
        let mut run = Run {
            active_base: state.active_seconds,
            state,
            queued_keys,
            generation,
            cursor,
            in_flight: HashMap::new(),
            unsaved: 0,
            writing: 0,
            pacing: SavePacing::default(),
            last_save: Instant::now(),
            run_started: Instant::now(),
            rate: VecDeque::new(),
            checkpoint: recovered.map(|r| CheckpointInfo {
                location: self.store.location(),
                generation,
                recovered_from_corruption: Some(r),
                ..CheckpointInfo::default()
            }),
            activity: "starting".into(),
            throttled: HashMap::new(),
            pending_sitemap: Vec::new(),
            adopted_sitemaps: None,
            crawl_ran_out: false,
        };
        self.publish(&run);

        if run.state.phase == ScanPhase::Crawling {
            if !run.state.sitemaps_seeded {
                self.seed_from_sitemaps(&mut run).await;
                // On a resume the seed may be done already.
                self.flush_sitemap(&mut run);
            }
            if !self.crawl(&mut run, &cancel).await? {
                return Ok(RunOutcome::Stopped);
            }
            run.crawl_ran_out = !self.stop_crawl.is_cancelled();
            if run.crawl_ran_out && needs_javascript(&run.state, &cfg.sections) {
                return Err(Error::SiteNeedsJavaScript {
                    url: cfg.seed.to_string(),
                    pages: run.state.pages_crawled,
                });
            }
            if !run.crawl_ran_out {
                tracing::info!(
                    pages = run.state.pages_crawled,
                    queued = run.state.queue.len(),
                    "crawl stopped on request; finishing with the pages crawled so far"
                );
            }
            self.set_phase(&mut run, ScanPhase::Extracting, "entities merged")
                .await?;
        }
        if run.state.phase == ScanPhase::Extracting {
            // National numbers of pages that named no country, read in the
            // site's; saved with the phase change, so a resume before it
            // places them again from the same entities.
            run.state
                .place_phones(self.shared.extractor.site_country.as_deref());
            self.set_phase(&mut run, ScanPhase::Analyzing, "analysing")
                .await?;
        }
        if run.state.phase == ScanPhase::Analyzing {
            for section in cfg.sections.clone() {
                if run.state.sections.iter().any(|s| s.section == section) {
                    continue;
                }
                if cancel.is_cancelled() {
                    self.save(&mut run).await?;
                    return Ok(RunOutcome::Stopped);
                }
                run.activity = format!("analysing {}", section.as_str());
                self.publish(&run);
                // On the state's entities rather than a copy of them
                // (the copy was a large allocation at the scan's end, when
                // its memory peaks). In place: the sections take
                // milliseconds.
                let result: SectionResult =
                    crate::blocking::in_place(|| analyze_section(section, &run.state.entities));
                run.state.sections.push(result);
                // Each finished section is saved, so a resume never redoes
                // one; written at once and synced with the next phase change
                // (a few milliseconds on), as saves at the page cadence are.
                self.save_with(&mut run, Durability::WithinASecond).await?;
            }
            self.set_phase(&mut run, ScanPhase::Generating, "writing the report")
                .await?;
        }
        // Generating, or Completed on a rerun: (re)write the report.
        let report = self.build_report(&run);
        let location = (self.report_writer)(report.to_json(), report.to_markdown()).await?;
        run.state.report_location = Some(location.clone());
        if run.state.finished_at.is_none() {
            run.state.finished_at = Some(chrono::Utc::now());
        }
        run.state.phase = ScanPhase::Completed;
        run.activity = "completed".into();
        self.save(&mut run).await?;
        Ok(RunOutcome::Completed {
            report: Box::new(report),
            location,
        })
    }

    /// Why the crawl ended: a stop request that came before the crawl phase
    /// ran out by itself (in this run, or in an earlier one when this run
    /// started with the stop already requested).
    fn crawl_end(&self, run: &Run) -> CrawlEnd {
        if self.stop_crawl.is_cancelled() && !run.crawl_ran_out {
            CrawlEnd::StoppedOnRequest
        } else {
            CrawlEnd::Finished
        }
    }

    fn build_report(&self, run: &Run) -> Report {
        let cfg = self.cfg();
        let order = |s: &SectionResult| cfg.sections.iter().position(|x| *x == s.section);
        let mut sections: Vec<SectionResult> = run
            .state
            .sections
            .iter()
            .filter(|s| order(s).is_some())
            .cloned()
            .collect();
        sections.sort_by_key(|s| order(s));
        let meta = ReportMeta {
            company: cfg.company_name.clone(),
            url: cfg.seed.to_string(),
            scan_version: cfg.identity.scan_version,
            pages_crawled: run.state.pages_crawled,
            skipped_urls: run.state.skipped.clone(),
            external_links: run.state.external_links.iter().cloned().collect(),
            documents: run.state.documents.iter().cloned().collect(),
            pages_without_links: run.state.pages_without_links,
            pages_nofollow: run.state.pages_nofollow,
            links_dropped: run.state.links_dropped,
            queue_dropped: run.state.queue_dropped,
            crawl_delays_capped: run.state.crawl_delays_capped.clone(),
            stopped_with_queued: (self.crawl_end(run) == CrawlEnd::StoppedOnRequest)
                .then(|| run.state.queue.len() as u64),
            started_at: Some(run.state.started_at),
            finished_at: run.state.finished_at.or_else(|| Some(chrono::Utc::now())),
        };
        Report::build(&meta, &run.state.entities, &sections)
    }

    async fn set_phase(&self, run: &mut Run, phase: ScanPhase, activity: &str) -> Result<()> {
        tracing::info!(phase = phase.as_str(), "phase");
        run.state.phase = phase;
        run.activity = activity.to_string();
        self.save(run).await
    }

    /// A save that is on disk when it returns (phase changes, stop, pause,
    /// completion).
    async fn save(&self, run: &mut Run) -> Result<()> {
        self.save_with(run, Durability::Now).await
    }

    /// A save that is written when it returns, and on disk as `durability`
    /// says.
    async fn save_with(&self, run: &mut Run, durability: Durability) -> Result<()> {
        let pending = self.prepare_save(run, durability)?;
        let written = self.store.write(pending).await;
        self.settle_save(run, written)?;
        self.publish(run);
        Ok(())
    }

    /// Encodes the next checkpoint generation (see [`Store::prepare`]).
    fn prepare_save(&self, run: &mut Run, durability: Durability) -> Result<PendingSave> {
        run.generation += 1;
        run.state.in_flight = run.in_flight.values().map(|(q, _)| q.clone()).collect();
        run.state.active_seconds = run.active_base + run.run_started.elapsed().as_secs_f64();
        let pending = self.store.prepare(
            &run.cursor,
            &self.cfg().identity,
            run.generation,
            &mut run.state,
            durability,
        );
        run.state.in_flight.clear();
        run.writing = std::mem::take(&mut run.unsaved);
        run.last_save = Instant::now();
        if pending.is_err() {
            run.cursor.abandon();
        }
        pending
    }

    /// Takes note of a finished write: the pages it holds are safe now.
    fn settle_save(&self, run: &mut Run, written: Result<Written>) -> Result<()> {
        let saved = run.cursor.settle(written)?;
        run.writing = 0;
        tracing::debug!(
            generation = saved.generation,
            full = saved.full,
            bytes = saved.bytes,
            "checkpoint saved"
        );
        let recovered = run
            .checkpoint
            .as_ref()
            .and_then(|c| c.recovered_from_corruption.clone());
        run.checkpoint = Some(CheckpointInfo {
            location: self.store.location(),
            generation: saved.generation,
            saved_at: Some(saved.saved_at),
            pages_visited: saved.pages_visited,
            bytes: saved.bytes,
            recovered_from_corruption: recovered,
        });
        Ok(())
    }

    fn publish(&self, run: &Run) {
        let rate = match (run.rate.front(), run.rate.back()) {
            (Some((t0, p0)), Some((t1, p1))) if t1 > t0 => {
                (p1 - p0) as f64 / (*t1 - *t0).as_secs_f64()
            }
            _ => 0.0,
        };
        let outcome =
            (run.state.phase == ScanPhase::Completed).then(|| CrawlerOutcome::Completed {
                report_config_map: run.state.report_location.clone().unwrap_or_default(),
                counts: run.state.entities.counts(),
                ended: self.crawl_end(run),
            });
        let p = CrawlerProgress {
            scan_version: self.cfg().identity.scan_version,
            phase: run.state.phase,
            pages_crawled: run.state.pages_crawled,
            pages_queued: (run.state.queue.len() + run.in_flight.len()) as u64,
            max_pages: u64::from(self.cfg().crawl.max_pages),
            current_depth: run.state.current_depth,
            external_links_found: run.state.external_links.len() as u64,
            entities_extracted: run.state.entities.count(),
            tokens_processed: run.state.entities.tokens_processed,
            current_activity: Some(run.activity.clone()),
            pages_per_second: rate,
            heartbeat: Some(chrono::Utc::now()),
            checkpoint: run.checkpoint.clone(),
            outcome,
            links_dropped: run.state.links_dropped,
            queue_dropped: run.state.queue_dropped,
        };
        self.progress.send_replace(p);
    }
}

/// Whether a crawl that ran out read nothing it could use: every page the
/// site gave was an app shell (scripts, no links) and nothing about the
/// company came of them. A browser would run those scripts, an app's or a
/// bot defence's challenge; a report of nothing would read as a success.
/// A scan that asks for the technologies alone has them: the shell's
/// scripts and headers are what it reads.
fn needs_javascript(state: &CrawlState, sections: &[AnalysisSection]) -> bool {
    let technologies_only = !sections.is_empty()
        && sections.iter().all(|s| *s == AnalysisSection::Technology)
        && !state.entities.technologies.is_empty();
    state.pages_crawled > 0
        && state.pages_without_links == state.pages_crawled
        && state.entities.nothing_about_the_company()
        && !technologies_only
}

#[cfg(test)]
mod needs_javascript_tests {
    use super::*;
    use crate::extract::PageEntities;

    #[test]
    fn only_a_crawl_of_app_shells_that_found_nothing_needs_javascript() {
        let state = |crawled: u64, shells: u64, email: bool| {
            let mut s = CrawlState::new("https://a.test/", 1);
            s.pages_crawled = crawled;
            s.pages_without_links = shells;
            if email {
                s.entities.merge_page(PageEntities {
                    url: "https://a.test/".into(),
                    emails: vec!["info@a.test".into()],
                    ..PageEntities::default()
                });
            }
            s
        };
        for (crawled, shells, email, want) in [
            (1, 1, false, true),
            (3, 3, false, true),
            // Something was read: a shell's JSON-LD, or another page.
            (1, 1, true, false),
            (2, 1, false, false),
            // Nothing crawled at all is another failure (the seed's).
            (0, 0, false, false),
        ] {
            assert_eq!(
                needs_javascript(&state(crawled, shells, email), &AnalysisSection::ALL),
                want,
                "{crawled} {shells} {email}"
            );
        }
        // Technologies alone (a server's headers) are nothing about the
        // company.
        let mut s = state(1, 1, false);
        s.entities.merge_page(PageEntities {
            url: "https://a.test/".into(),
            technologies: vec![crate::extract::Technology {
                name: "Nginx".into(),
                ..Default::default()
            }],
            ..PageEntities::default()
        });
        assert!(needs_javascript(&s, &AnalysisSection::ALL));
        // Unless the technologies are all the scan asks for.
        assert!(!needs_javascript(&s, &[AnalysisSection::Technology]));
        assert!(needs_javascript(
            &state(1, 1, false),
            &[AnalysisSection::Technology]
        ));
    }
}
