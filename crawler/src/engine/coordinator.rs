//! The crawl loop: dispatches URLs to workers, records their results in
//! the crawl state, seeds from sitemaps and starts checkpoint saves while
//! the crawl goes on.

use std::collections::{HashSet, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::future::OptionFuture;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use url::Url;

use super::worker::{Link, PageResult};
use super::{Engine, Run};
use crate::checkpoint::Written;
use crate::error::{Error, Result};
use crate::frontier::QueuedUrl;
use crate::scope::Verdict;
use crate::sitemap::{gunzip_if_gzipped, parse_sitemap};
use crate::skip::{Attempt, SkipReason};
use crate::url_norm::{dedup_key, resolve};

/// Most sitemap files read when seeding.
const MAX_SITEMAP_FILES: usize = 20;
/// Largest sitemap file read.
const MAX_SITEMAP_BYTES: u64 = 10 * 1024 * 1024;

/// A checkpoint write in the background, with how long it took.
type WriteFuture<'a> = Pin<Box<dyn Future<Output = Result<(Written, Duration)>> + Send + 'a>>;

impl Engine {
    /// The crawl loop; returns false when stopped by `cancel`.
    ///
    /// Checkpoints are written while the crawl goes on: a save is encoded
    /// here and stored by a background write, one at a time. A page stays
    /// at risk (fetched again after a kill) from its dispatch until a save
    /// holding it is on storage; at most `every_pages` pages are ever at
    /// risk, so a kill refetches no more than that.
    pub(super) async fn crawl(&self, run: &mut Run, cancel: &CancellationToken) -> Result<bool> {
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
                                let reason = SkipReason::Internal { detail: format!("worker failed: {e}") };
                                self.record(run, item, PageResult::Skipped { final_key: None, reason })?;
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
                run.state.count_skipped(reason.kind());
                match reason.attempt() {
                    Attempt::Answered => tracing::debug!(url = %item.url, %reason, "skipped"),
                    Attempt::Failed => tracing::warn!(url = %item.url, %reason, "fetch failed"),
                    Attempt::NotRequested => {
                        tracing::info!(url = %item.url, %reason, "not fetched")
                    }
                }
                if let Some(final_key) = final_key {
                    run.seen.insert(final_key.clone());
                    run.state.mark_visited(final_key);
                }
                if item.depth == 0
                    && run.state.pages_crawled == 0
                    && run.state.queue.is_empty()
                    && reason.leaves_site_unreachable()
                {
                    return Err(Error::SeedUnreachable {
                        url: item.url,
                        reason,
                    });
                }
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

    pub(super) async fn seed_from_sitemaps(&self, run: &mut Run) {
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
}
