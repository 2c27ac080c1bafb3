//! The crawl pipeline: workers fetch with bounded concurrency, the streaming
//! pass and extraction run on the blocking pool (both cores), and one
//! coordinator owns the state, merges results, checkpoints and walks the
//! phases Crawling -> Extracting -> Analyzing -> Generating -> Completed.
//!
//! Checkpoint rule: a URL is "at risk" from its dispatch until a checkpoint
//! records it as visited. No new URL is dispatched while `everyPages` URLs
//! are at risk, and the coordinator saves as soon as that limit is reached,
//! so a crash refetches at most `everyPages` pages.

use std::collections::{HashMap, HashSet, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cira_crds::checkpoint::ScanIdentity;
use cira_crds::progress::{CheckpointInfo, CrawlerOutcome, CrawlerProgress};
use cira_crds::{AnalysisSection, CrawlSpec, ScanPhase};
use futures::future::OptionFuture;
use tokio::sync::{OnceCell, watch};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use url::Url;

use crate::analysis::{SectionResult, analyze_section};
use crate::checkpoint::{Cursor, OnUnusable, PendingSave, Store, Written};
use crate::error::{Error, Result};
use crate::extract::{Extractor, PageEntities};
use crate::fetch::{FetchConfig, FetchOutcome, Fetcher};
use crate::frontier::QueuedUrl;
use crate::guard::NetworkGuard;
use crate::page::FetchedPage;
use crate::politeness::Politeness;
use crate::report::{Report, ReportMeta};
use crate::robots::{MAX_ROBOTS_BYTES, RobotsRules};
use crate::scope::{Scope, Verdict, url_pattern};
use crate::state::CrawlState;
use crate::url_norm::{dedup_key, resolve};

/// Most sitemap files read when seeding.
const MAX_SITEMAP_FILES: usize = 20;
/// Largest sitemap file read.
const MAX_SITEMAP_BYTES: u64 = 10 * 1024 * 1024;

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

/// Writes the finished report somewhere; returns where.
pub type ReportWriter = Box<
    dyn Fn(String, String) -> Pin<Box<dyn Future<Output = Result<String>> + Send>> + Send + Sync,
>;

/// A link to queue, with its dedup key and trap pattern worked out on the
/// worker (both cores) so the coordinator never parses it again.
#[derive(Debug)]
struct Link {
    url: String,
    key: String,
    pattern: String,
}

impl Link {
    fn new(url: Url) -> Self {
        Self {
            key: dedup_key(&url),
            pattern: url_pattern(&url),
            url: url.into(),
        }
    }
}

/// What a worker hands back for one URL.
#[derive(Debug)]
enum PageResult {
    Fetched {
        final_key: String,
        canonical_key: Option<String>,
        internal: Vec<Link>,
        external: Vec<String>,
        entities: Option<Box<PageEntities>>,
    },
    /// A response that was not a parsed page (error status, not HTML).
    Skipped {
        final_key: String,
        reason: String,
    },
    RedirectedOut {
        target: String,
    },
    Failed {
        reason: String,
    },
    /// No request was made (robots.txt, guard, trap).
    NotFetched {
        reason: String,
    },
}

struct Shared {
    cfg: EngineConfig,
    fetcher: Fetcher,
    scope: Scope,
    extractor: Extractor,
    politeness: Politeness,
    robots: Mutex<HashMap<String, Arc<OnceCell<Arc<RobotsRules>>>>>,
}

impl Shared {
    async fn robots_for(&self, url: &Url) -> Arc<RobotsRules> {
        let origin = url.origin().ascii_serialization();
        let cell = {
            let mut map = self.robots.lock().unwrap_or_else(|e| e.into_inner());
            Arc::clone(map.entry(origin.clone()).or_default())
        };
        Arc::clone(
            cell.get_or_init(|| async {
                let rules = match Url::parse(&format!("{origin}/robots.txt")) {
                    Ok(robots_url) => match self
                        .fetcher
                        .fetch_raw(&robots_url, MAX_ROBOTS_BYTES as u64)
                        .await
                    {
                        Ok((status, body)) => {
                            RobotsRules::from_response(&self.cfg.crawl.user_agent, status, &body)
                        }
                        Err(reason) => RobotsRules::DisallowAll {
                            reason: format!("robots.txt unreachable: {reason}"),
                        },
                    },
                    Err(_) => RobotsRules::AllowAll,
                };
                tracing::debug!(%origin, ?rules, "robots.txt");
                Arc::new(rules)
            })
            .await,
        )
    }

    async fn work(self: Arc<Self>, item: QueuedUrl) -> PageResult {
        let Ok(url) = Url::parse(&item.url) else {
            return PageResult::NotFetched {
                reason: "unparsable URL".into(),
            };
        };
        let mut crawl_delay = None;
        if self.cfg.crawl.respect_robots_txt {
            let rules = self.robots_for(&url).await;
            if !rules.allowed(url.as_str()) {
                return PageResult::NotFetched {
                    reason: match &*rules {
                        RobotsRules::DisallowAll { reason } => reason.clone(),
                        _ => "disallowed by robots.txt".into(),
                    },
                };
            }
            crawl_delay = rules.crawl_delay();
        }
        self.politeness
            .wait(url.host_str().unwrap_or(""), crawl_delay)
            .await;
        let outcome = self
            .fetcher
            .fetch_page(&url, &self.scope, self.cfg.crawl.follow_external_links)
            .await;
        match outcome {
            FetchOutcome::Html(body) => {
                let shared = Arc::clone(&self);
                let depth = item.depth;
                tokio::task::spawn_blocking(move || shared.process(body, depth))
                    .await
                    .unwrap_or_else(|e| PageResult::Failed {
                        reason: format!("processing the page failed: {e}"),
                    })
            }
            FetchOutcome::Skipped {
                final_url, reason, ..
            } => PageResult::Skipped {
                final_key: dedup_key(&final_url),
                reason,
            },
            FetchOutcome::RedirectedOut { target, .. } => PageResult::RedirectedOut {
                target: target.to_string(),
            },
            FetchOutcome::RedirectRefused { target, reason } => PageResult::NotFetched {
                reason: format!("redirect to {target} refused: {reason}"),
            },
            FetchOutcome::Refused { reason } => PageResult::NotFetched { reason },
            FetchOutcome::Failed { reason } => PageResult::Failed { reason },
        }
    }

    /// The CPU side of a page: streaming pass, extraction, link resolution.
    fn process(&self, body: crate::fetch::HtmlBody, depth: u32) -> PageResult {
        let scan = crate::html::scan_html(&body.body);
        let base = scan
            .base_href
            .as_deref()
            .and_then(|b| body.final_url.join(b).ok())
            .unwrap_or_else(|| body.final_url.clone());
        let external_page = self.scope.classify(&body.final_url) == Verdict::External;
        let mut internal = Vec::new();
        let mut external = Vec::new();
        let follow = !scan.robots_nofollow && !external_page;
        let refresh = scan
            .meta
            .iter()
            .filter(|(key, _)| key == "refresh")
            .filter_map(|(_, content)| crate::html::meta_refresh_target(content));
        let hrefs = scan.links.iter().map(|l| l.href.as_str()).chain(refresh);
        for href in hrefs {
            let Some(u) = resolve(&base, href) else {
                continue;
            };
            match self.scope.classify(&u) {
                Verdict::Internal if follow => internal.push(Link::new(u)),
                Verdict::External => {
                    external.push(u.to_string());
                    if follow && self.cfg.crawl.follow_external_links {
                        internal.push(Link::new(u));
                    }
                }
                _ => {}
            }
        }
        let canonical_key = scan
            .canonical
            .as_deref()
            .and_then(|c| resolve(&base, c))
            .filter(|c| self.scope.classify(c) == Verdict::Internal)
            .map(|c| dedup_key(&c));
        let final_key = dedup_key(&body.final_url);
        let entities = if external_page {
            None
        } else {
            let page = FetchedPage {
                url: body.final_url,
                depth,
                status: body.status,
                content_type: body.content_type,
                headers: body.headers,
                body: body.body,
                scan,
            };
            Some(Box::new(self.extractor.extract(&page)))
        };
        PageResult::Fetched {
            final_key,
            canonical_key,
            internal,
            external,
            entities,
        }
    }
}

/// One crawl run over a [`CrawlState`].
pub struct Engine {
    shared: Arc<Shared>,
    store: Store,
    progress: watch::Sender<CrawlerProgress>,
    report_writer: ReportWriter,
}

struct Run {
    state: CrawlState,
    seen: HashSet<String>,
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
}

impl Run {
    /// Pages a kill now would make the next run fetch again: those in
    /// flight and those finished but not yet on storage.
    fn at_risk(&self) -> usize {
        self.in_flight.len() + self.unsaved + self.writing
    }
}

/// When the crawl loop starts a checkpoint save, from how long pages and
/// writes have been taking.
#[derive(Debug, Default)]
struct SavePacing {
    /// Moving averages, in seconds, of a page (dispatch to result), of the
    /// time between two pages' results, and of a checkpoint write.
    page_secs: f64,
    gap_secs: f64,
    write_secs: f64,
    last_page: Option<Instant>,
    /// Since when dispatch has waited for a save (the window is full).
    blocked_since: Option<Instant>,
}

impl SavePacing {
    /// A page dispatched at `dispatched` has its result at `now`.
    fn page_done(&mut self, dispatched: Instant, now: Instant) {
        self.page_secs = moving_average(self.page_secs, now.saturating_duration_since(dispatched));
        if let Some(last) = self.last_page {
            self.gap_secs = moving_average(self.gap_secs, now.saturating_duration_since(last));
        }
        self.last_page = Some(now);
    }

    fn write_done(&mut self, took: Duration) {
        self.write_secs = moving_average(self.write_secs, took);
    }

    fn window_full(&mut self, full: bool, now: Instant) {
        if !full {
            self.blocked_since = None;
        } else if self.blocked_since.is_none() {
            self.blocked_since = Some(now);
        }
    }

    /// Pages expected to come in while one write is on its way, with a
    /// margin of two.
    fn pages_per_write(&self) -> f64 {
        if self.gap_secs > 0.0 {
            2.0 * self.write_secs / self.gap_secs
        } else {
            0.0
        }
    }

    /// Whether to start a save now, no other being written, with `room`
    /// more pages allowed at risk before dispatch must wait.
    ///
    /// A save starts when the room left is about what comes in during one
    /// write, so it lands as the window fills: a slow, polite crawl saves
    /// about every `everyPages` pages (not after each), and a fast one with
    /// a large window about once per window, never waiting for it. When the
    /// window is full anyway: at once if writes are quicker than pages; else
    /// once the pages in flight are in too, since each save then costs about
    /// one write whatever it holds, but no later than one write's time after
    /// dispatch stopped, so one slow page does not hold up the rest.
    fn due(&self, unsaved: usize, in_flight: usize, room: usize, now: Instant) -> bool {
        if unsaved == 0 {
            return false;
        }
        if let Some(since) = self.blocked_since {
            return in_flight == 0
                || self.write_secs <= self.page_secs
                || now.saturating_duration_since(since).as_secs_f64() >= self.write_secs;
        }
        room as f64 <= self.pages_per_write()
    }
}

/// A checkpoint write in the background, with how long it took.
type WriteFuture<'a> = Pin<Box<dyn Future<Output = Result<(Written, Duration)>> + Send + 'a>>;

/// An exponential moving average over the last few samples.
fn moving_average(average: f64, sample: Duration) -> f64 {
    let sample = sample.as_secs_f64();
    if average == 0.0 {
        sample
    } else {
        average + (sample - average) / 8.0
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
        let fetcher = Fetcher::new(cfg.fetch.clone(), cfg.guard.clone())?;
        let extractor = Extractor::new(&cfg.seed, &cfg.company_name);
        let politeness = Politeness::new(cfg.requests_per_second);
        Ok(Self {
            shared: Arc::new(Shared {
                cfg,
                fetcher,
                scope,
                extractor,
                politeness,
                robots: Mutex::default(),
            }),
            store,
            progress,
            report_writer,
        })
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
            self.shared.scope.adopt_domain(domain);
        }
        state.requeue_in_flight();
        let seen = state.seen_keys();
        let mut run = Run {
            active_base: state.active_seconds,
            state,
            seen,
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
        };
        self.publish(&run);

        if run.state.phase == ScanPhase::Crawling {
            if !run.state.sitemaps_seeded {
                self.seed_from_sitemaps(&mut run).await;
            }
            if !self.crawl(&mut run, &cancel).await? {
                return Ok(RunOutcome::Stopped);
            }
            self.set_phase(&mut run, ScanPhase::Extracting, "entities merged")
                .await?;
        }
        if run.state.phase == ScanPhase::Extracting {
            self.set_phase(&mut run, ScanPhase::Analyzing, "analysing")
                .await?;
        }
        if run.state.phase == ScanPhase::Analyzing {
            // One copy of the entities serves every section.
            let entities = Arc::new(run.state.entities.clone());
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
                let entities = Arc::clone(&entities);
                let result: SectionResult =
                    tokio::task::spawn_blocking(move || analyze_section(section, &entities))
                        .await
                        .map_err(|e| Error::Task(e.to_string()))?;
                run.state.sections.push(result);
                // Each finished section is saved, so a resume never redoes one.
                self.save(&mut run).await?;
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
            external_links: run.state.external_links.iter().cloned().collect(),
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

    /// The crawl loop; returns false when stopped by `cancel`.
    ///
    /// Checkpoints are written while the crawl goes on: a save is encoded
    /// here and stored by a background write, one at a time. A page stays
    /// at risk (fetched again after a kill) from its dispatch until a save
    /// holding it is on storage; at most `every_pages` pages are ever at
    /// risk, so a kill refetches no more than that.
    async fn crawl(&self, run: &mut Run, cancel: &CancellationToken) -> Result<bool> {
        let cfg = self.cfg();
        let every_pages = cfg.every_pages.max(1) as usize;
        let concurrency = cfg.crawl.concurrency.max(1) as usize;
        let max_pages = u64::from(cfg.crawl.max_pages);
        let mut workers: JoinSet<PageResult> = JoinSet::new();
        let mut writing: Option<WriteFuture<'_>> = None;
        let mut ticker = tokio::time::interval(cfg.every.max(Duration::from_secs(1)));
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        ticker.tick().await;
        let mut publish_tick = tokio::time::interval(Duration::from_millis(250));
        let mut interval_due = false;
        run.activity = "crawling".into();
        loop {
            // Dispatch while there is room in concurrency, budget and risk.
            while workers.len() < concurrency
                && run.at_risk() < every_pages
                && run.state.pages_crawled + workers.len() as u64 + run.state.pages_failed
                    < max_pages
                && !cancel.is_cancelled()
            {
                let Some(item) = run.state.dequeue() else {
                    break;
                };
                run.state.current_depth = run.state.current_depth.max(item.depth);
                let handle = workers.spawn(Arc::clone(&self.shared).work(item.clone()));
                run.in_flight.insert(handle.id(), (item, Instant::now()));
            }
            let now = Instant::now();
            let room = every_pages.saturating_sub(run.at_risk());
            run.pacing.window_full(room == 0, now);
            let due = interval_due || run.pacing.due(run.unsaved, run.in_flight.len(), room, now);
            if writing.is_none() && !cancel.is_cancelled() && due {
                interval_due = false;
                let pending = self.prepare_save(run)?;
                let started = Instant::now();
                let store = &self.store;
                writing = Some(Box::pin(async move {
                    store.write(pending).await.map(|w| (w, started.elapsed()))
                }));
            }
            if workers.is_empty() && writing.is_none() {
                if cancel.is_cancelled() {
                    self.save(run).await?;
                    return Ok(false);
                }
                break;
            }
            tokio::select! {
                biased;
                _ = cancel.cancelled() => {
                    workers.abort_all();
                    while workers.join_next().await.is_some() {}
                    self.stop_in_flight(run);
                    if let Some(w) = writing.take() {
                        self.settle_save(run, w.await.map(|(w, _)| w))?;
                    }
                    self.save(run).await?;
                    return Ok(false);
                }
                Some(written) = OptionFuture::from(writing.as_mut()) => {
                    writing = None;
                    let written = written.map(|(w, took)| {
                        run.pacing.write_done(took);
                        w
                    });
                    self.settle_save(run, written)?;
                }
                joined = workers.join_next_with_id(), if !workers.is_empty() => {
                    match joined {
                        Some(Ok((id, result))) => {
                            if let Some((item, dispatched)) = run.in_flight.remove(&id) {
                                run.pacing.page_done(dispatched, Instant::now());
                                self.record(run, item, result)?;
                            }
                        }
                        Some(Err(e)) => {
                            // A panicking worker: the URL counts as failed
                            // rather than taking the whole scan down.
                            if let Some((item, _)) = run.in_flight.remove(&e.id()) {
                                self.record(run, item, PageResult::Failed { reason: format!("worker failed: {e}") })?;
                            }
                        }
                        None => {}
                    }
                }
                _ = ticker.tick() => {
                    if run.last_save.elapsed() >= cfg.every {
                        interval_due = true;
                    }
                }
                _ = publish_tick.tick() => self.publish(run),
            }
        }
        run.state.in_flight.clear();
        tracing::info!(
            pages = run.state.pages_crawled,
            extracted = run.state.pages_extracted,
            failed = run.state.pages_failed,
            queued = run.state.queue.len(),
            "crawl finished"
        );
        Ok(true)
    }

    fn stop_in_flight(&self, run: &mut Run) {
        for (_, (item, _)) in run.in_flight.drain() {
            run.state.requeue(item.url, item.depth);
        }
    }

    fn record(&self, run: &mut Run, item: QueuedUrl, result: PageResult) -> Result<()> {
        let cfg = self.cfg();
        let key = Url::parse(&item.url)
            .map(|u| dedup_key(&u))
            .unwrap_or_default();
        run.unsaved += 1;
        run.state.mark_visited(key.clone());
        match result {
            PageResult::Fetched {
                final_key,
                canonical_key,
                internal,
                external,
                entities,
            } => {
                run.state.pages_crawled += 1;
                let duplicate = final_key != key && run.state.visited.0.contains(&final_key);
                run.seen.insert(final_key.clone());
                run.state.mark_visited(final_key);
                if let Some(c) = canonical_key {
                    run.seen.insert(c);
                }
                if !duplicate {
                    if let Some(e) = entities {
                        run.state.pages_extracted += 1;
                        run.state.merge_page(*e);
                    }
                    for link in external {
                        run.state.add_external_link(link);
                    }
                    if item.depth < cfg.crawl.max_depth {
                        for link in internal {
                            self.enqueue(run, link, item.depth + 1);
                        }
                    }
                }
            }
            PageResult::Skipped { final_key, reason } => {
                run.state.pages_crawled += 1;
                tracing::debug!(url = %item.url, %reason, "skipped");
                run.seen.insert(final_key.clone());
                run.state.mark_visited(final_key);
            }
            PageResult::RedirectedOut { target } => {
                run.state.pages_crawled += 1;
                if item.depth == 0 && run.state.adopted_domain.is_none() {
                    // The seed lives elsewhere now (a brand domain sending
                    // visitors to the group's site): crawl it there.
                    if let Ok(t) = Url::parse(&target)
                        && let Some(domain) = self.shared.scope.adopt_redirect_target(&t)
                    {
                        tracing::info!(seed = %item.url, %target, %domain, "the seed redirects to another domain; crawling it there");
                        run.state.adopted_domain = Some(domain);
                        self.enqueue(run, Link::new(t), 0);
                        return Ok(());
                    }
                }
                run.state.add_external_link(target);
            }
            PageResult::Failed { reason } => {
                run.state.pages_failed += 1;
                tracing::warn!(url = %item.url, %reason, "fetch failed");
                if item.depth == 0 && run.state.pages_crawled == 0 && run.state.queue.is_empty() {
                    return Err(Error::SeedUnreachable {
                        url: item.url,
                        reason,
                    });
                }
            }
            PageResult::NotFetched { reason } => {
                tracing::info!(url = %item.url, %reason, "not fetched");
                if item.depth == 0
                    && run.state.pages_crawled == 0
                    && run.state.queue.is_empty()
                    && reason.contains("refused")
                {
                    return Err(Error::SeedUnreachable {
                        url: item.url,
                        reason,
                    });
                }
            }
        }
        run.rate
            .push_back((Instant::now(), run.state.pages_crawled));
        while run.rate.len() > 2
            && run
                .rate
                .front()
                .is_some_and(|(t, _)| t.elapsed() > Duration::from_secs(10))
        {
            run.rate.pop_front();
        }
        Ok(())
    }

    fn enqueue(&self, run: &mut Run, link: Link, depth: u32) {
        if run.seen.contains(&link.key)
            || !run
                .state
                .count_pattern(link.pattern, self.cfg().pattern_budget)
        {
            return;
        }
        run.seen.insert(link.key);
        run.state.enqueue(link.url, depth);
    }

    async fn seed_from_sitemaps(&self, run: &mut Run) {
        let cfg = self.cfg();
        run.state.sitemaps_seeded = true;
        if !cfg.seed_sitemaps || cfg.crawl.max_depth == 0 {
            return;
        }
        run.activity = "reading sitemaps".into();
        let mut todo: VecDeque<Url> = VecDeque::new();
        if cfg.crawl.respect_robots_txt {
            let rules = self.shared.robots_for(&cfg.seed).await;
            // Absolute by the standard, yet relative ones are seen too.
            todo.extend(
                rules
                    .sitemaps()
                    .iter()
                    .filter_map(|s| cfg.seed.join(s.trim()).ok()),
            );
        }
        if let Ok(u) = cfg.seed.join("/sitemap.xml") {
            todo.push_back(u);
        }
        let mut read = HashSet::new();
        let mut added = 0u64;
        while let Some(sm) = todo.pop_front() {
            if read.len() >= MAX_SITEMAP_FILES || !read.insert(sm.to_string()) {
                continue;
            }
            if self.shared.scope.classify(&sm) != Verdict::Internal {
                continue;
            }
            let Ok((200, body)) = self.shared.fetcher.fetch_raw(&sm, MAX_SITEMAP_BYTES).await
            else {
                continue;
            };
            let Some(body) = gunzip_if_gzipped(body, MAX_SITEMAP_BYTES) else {
                tracing::info!(sitemap = %sm, "skipping a sitemap that does not decompress");
                continue;
            };
            let (locs, is_index) = parse_sitemap(&body);
            for loc in locs {
                let Some(u) = resolve(&sm, &loc) else {
                    continue;
                };
                if is_index {
                    todo.push_back(u);
                } else if self.shared.scope.classify(&u) == Verdict::Internal
                    && added < u64::from(cfg.crawl.max_pages)
                {
                    added += 1;
                    self.enqueue(run, Link::new(u), 1);
                }
            }
        }
        if added > 0 {
            tracing::info!(urls = added, "seeded from sitemaps");
        }
    }

    async fn save(&self, run: &mut Run) -> Result<()> {
        let pending = self.prepare_save(run)?;
        let written = self.store.write(pending).await;
        self.settle_save(run, written)?;
        self.publish(run);
        Ok(())
    }

    /// Encodes the next checkpoint generation (see [`Store::prepare`]).
    fn prepare_save(&self, run: &mut Run) -> Result<PendingSave> {
        run.generation += 1;
        run.state.in_flight = run.in_flight.values().map(|(q, _)| q.clone()).collect();
        run.state.active_seconds = run.active_base + run.run_started.elapsed().as_secs_f64();
        let pending = self.store.prepare(
            &run.cursor,
            &self.cfg().identity,
            run.generation,
            &mut run.state,
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
        };
        self.progress.send_replace(p);
    }
}

/// Sitemaps are often served as `sitemap.xml.gz` files (gzip bytes, not a
/// Content-Encoding the client undoes): inflate those, at most `max` bytes
/// so a bomb stops early. `None` when the gzip stream is broken.
pub fn gunzip_if_gzipped(body: Vec<u8>, max: u64) -> Option<Vec<u8>> {
    use std::io::Read as _;
    if !body.starts_with(&[0x1f, 0x8b]) {
        return Some(body);
    }
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(body.as_slice())
        .take(max)
        .read_to_end(&mut out)
        .ok()?;
    Some(out)
}

/// `<loc>` values of a sitemap, and whether it is a sitemap index.
pub fn parse_sitemap(xml: &[u8]) -> (Vec<String>, bool) {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut locs = Vec::new();
    let mut is_index = false;
    let mut loc: Option<String> = None;
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) => {
                let name = e.local_name();
                let name: &str = name.as_ref();
                if name == "sitemapindex" {
                    is_index = true;
                }
                loc = (name == "loc").then(String::new);
            }
            Ok(Event::Text(t)) => {
                if let Some(l) = &mut loc {
                    let raw: &str = t.as_ref();
                    l.push_str(raw);
                }
            }
            Ok(Event::GeneralRef(r)) => {
                if let Some(l) = &mut loc {
                    let raw: &str = r.as_ref();
                    l.push('&');
                    l.push_str(raw);
                    l.push(';');
                }
            }
            Ok(Event::End(_)) => {
                if let Some(l) = loc.take() {
                    let s = html_escape::decode_html_entities(l.trim()).into_owned();
                    if !s.is_empty() {
                        locs.push(s);
                    }
                }
            }
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
        buf.clear();
        if locs.len() > 100_000 {
            break;
        }
    }
    (locs, is_index)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pacing after pages `gap_ms` apart, each `page_ms` long, and writes
    /// of `write_ms`.
    fn pacing(page_ms: u64, gap_ms: u64, write_ms: u64) -> SavePacing {
        let mut p = SavePacing::default();
        let start = Instant::now();
        for i in 0..2 {
            let done = start + Duration::from_millis(page_ms + i * gap_ms);
            p.page_done(done - Duration::from_millis(page_ms), done);
        }
        p.write_done(Duration::from_millis(write_ms));
        p
    }

    #[test]
    fn save_pacing_saves_as_the_window_fills() {
        let now = Instant::now();
        let fast = pacing(1, 1, 4);
        assert!(!fast.due(0, 0, 0, now), "nothing to save");
        // Two writes' worth of pages (2 x 4 ms / 1 ms = 8) left: save now.
        assert!(!fast.due(400, 32, 9, now));
        assert!(fast.due(400, 32, 8, now));
        // A slow, polite crawl (a page a second, 20 ms writes) saves only
        // when one more page would fill the window: not every few pages.
        let mut polite = pacing(300, 1000, 20);
        assert!(!polite.due(3, 4, 3, now));
        assert!(!polite.due(5, 4, 1, now));
        polite.window_full(true, now);
        assert!(polite.due(6, 4, 0, now));
        // Before anything was measured, only a full window calls for a save.
        let fresh = SavePacing::default();
        assert!(!fresh.due(5, 1, 1, now));
        assert!(fresh.due(5, 1, 0, now));
    }

    #[test]
    fn save_pacing_with_a_full_window_follows_write_and_page_times() {
        let now = Instant::now();
        // Window full and quick writes: save at once, the crawl goes on.
        let mut quick = pacing(2, 1, 1);
        quick.window_full(true, now);
        assert!(quick.due(1, 9, 0, now));
        // Window full and slow writes: wait for the pages in flight to
        // join the save...
        let mut slow = pacing(1, 1, 4);
        slow.window_full(true, now);
        assert!(!slow.due(6, 4, 0, now));
        assert!(slow.due(10, 0, 0, now));
        // ...but no longer than one write's time.
        assert!(!slow.due(6, 4, 0, now + Duration::from_millis(3)));
        assert!(slow.due(6, 4, 0, now + Duration::from_millis(5)));
        // With room again, the room rule applies (8 pages per write here).
        slow.window_full(false, now + Duration::from_millis(6));
        assert!(slow.due(6, 4, 8, now + Duration::from_millis(7)));
        assert!(!slow.due(6, 4, 9, now + Duration::from_millis(7)));
    }

    #[test]
    fn moving_average_follows_recent_samples() {
        let mut avg = moving_average(0.0, Duration::from_millis(8));
        assert!((avg - 0.008).abs() < 1e-9);
        for _ in 0..60 {
            avg = moving_average(avg, Duration::from_millis(1));
        }
        assert!((avg - 0.001).abs() < 1e-4, "{avg}");
    }

    #[test]
    fn sitemaps() {
        let (locs, idx) = parse_sitemap(
            br#"<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
            <url><loc> https://acme.test/a?x=1&amp;y=2 </loc></url><url><loc>https://acme.test/b</loc></url></urlset>"#,
        );
        assert_eq!(locs, ["https://acme.test/a?x=1&y=2", "https://acme.test/b"]);
        assert!(!idx);
        let (locs, idx) = parse_sitemap(
            b"<sitemapindex><sitemap><loc>https://acme.test/s1.xml</loc></sitemap></sitemapindex>",
        );
        assert_eq!(locs, ["https://acme.test/s1.xml"]);
        assert!(idx);
        assert!(parse_sitemap(b"\xff\xfe garbage <<<").0.is_empty());
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        use std::io::Write as _;
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(bytes).unwrap();
        enc.finish().unwrap()
    }

    #[test]
    fn gzipped_sitemaps_are_inflated_within_the_limit() {
        let xml = b"<urlset><url><loc>/a</loc></url></urlset>".to_vec();
        assert_eq!(gunzip_if_gzipped(xml.clone(), 1024), Some(xml.clone()));
        assert_eq!(gunzip_if_gzipped(gzip(&xml), 1024), Some(xml));
        // A bomb stops at the limit.
        let bomb = gzip(&vec![b'x'; 5_000_000]);
        assert!(bomb.len() < 20_000);
        assert_eq!(gunzip_if_gzipped(bomb, 4096).map(|b| b.len()), Some(4096));
        // Gzip magic followed by garbage is refused, not a panic.
        assert_eq!(gunzip_if_gzipped(vec![0x1f, 0x8b, 0, 1, 2, 3], 1024), None);
    }
}
