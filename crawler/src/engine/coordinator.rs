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
use crate::checkpoint::{Durability, Written};
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

/// The depth sitemap-only URLs are queued at (see `flush_sitemap`).
const SITEMAP_DEPTH: u32 = 2;

/// Attempts in all at a URL whose server keeps asking to slow down (429,
/// 503) before it is given up.
pub(crate) const THROTTLED_ATTEMPTS: u32 = 10;
/// Longest pause of a host after one 429/503 (a longer `Retry-After` is cut
/// to this; the URL is tried again then).
const MAX_THROTTLE_PAUSE: Duration = Duration::from_secs(120);

/// How long a host pauses after its `attempts`-th 429/503 for one URL: its
/// `Retry-After`, else `base` doubled per attempt (up to 32 times `base`),
/// never more than [`MAX_THROTTLE_PAUSE`].
fn throttle_pause(base: Duration, attempts: u32, retry_after: Option<Duration>) -> Duration {
    let backoff = base.saturating_mul(1 << attempts.saturating_sub(1).min(5));
    retry_after.unwrap_or(backoff).min(MAX_THROTTLE_PAUSE)
}

/// The error a seed that gave no page ends the scan with, by its reason: a
/// bot block (401, 403, 451, robots.txt disallowing the crawler), an
/// unreachable site, or an unavailable one (any other status, 429/503 on
/// every attempt, a robots.txt that cannot be read, not HTML).
fn seed_failure(url: String, reason: SkipReason) -> Error {
    match reason {
        SkipReason::HttpStatus(401 | 403 | 451)
        | SkipReason::BotChallenge { .. }
        | SkipReason::RobotsDisallowed => Error::SeedBlocked { url, reason },
        reason if reason.leaves_site_unreachable() => Error::SeedUnreachable { url, reason },
        reason => Error::SeedUnavailable { url, reason },
    }
}

/// Whether a seed that gave no page ends the scan. A site that blocks the
/// crawler (401, 403, 451, robots.txt) or is down (5xx, 429/503 on every
/// attempt, robots.txt unreadable) fails it even when a sitemap named other
/// pages; any other reason (a 404 seed, a seed that is a file, a network
/// error) only when nothing else is known to crawl.
fn seed_fails_scan(reason: &SkipReason, others_known: bool) -> bool {
    let down_or_blocked = match reason {
        SkipReason::HttpStatus(status) => matches!(status, 401 | 403 | 451 | 500..),
        SkipReason::Throttled { .. }
        | SkipReason::BotChallenge { .. }
        | SkipReason::RobotsDisallowed
        | SkipReason::RobotsUnavailable { .. } => true,
        _ => false,
    };
    down_or_blocked || !others_known
}

/// The most URL patterns whose trap budgets are tracked: one per URL the
/// queue can hold, plus one per page the budget allows.
fn max_patterns(cfg: &super::EngineConfig) -> usize {
    cfg.crawl
        .queue_cap()
        .saturating_add(cfg.crawl.max_pages as usize)
}

/// A checkpoint write in the background, with how long it took.
type WriteFuture<'a> = Pin<Box<dyn Future<Output = Result<(Written, Duration)>> + Send + 'a>>;

impl Engine {
    /// The crawl loop; returns false when stopped by `cancel`. A fired
    /// `stop_crawl` ends it like a used-up page budget (returns true).
    ///
    /// Checkpoints are written while the crawl goes on: a save is encoded
    /// here and stored by a background write, one at a time. A page is
    /// unsaved from its result until a save holding it is on storage;
    /// nothing is dispatched while `every_pages` pages are unsaved, so a
    /// kill fetches again at most those and the pages in flight.
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
        let stop = self.stop_crawl.clone();
        let mut stop_noted = false;
        loop {
            // Dispatch while there is room in concurrency, budget and the
            // checkpoint window, and no stop was requested (a stop ends the
            // crawl like a used-up budget: the pages in flight finish,
            // nothing new starts).
            while workers.len() < concurrency
                && run.unsaved_pages() < every_pages
                && run.state.pages_crawled + workers.len() as u64 + run.state.pages_failed
                    < max_pages
                && !cancel.is_cancelled()
                && !stop.is_cancelled()
            {
                if let Some(site) = run.adopted_sitemaps.take() {
                    self.read_sitemaps(run, &site).await;
                }
                let Some(item) = run.state.dequeue() else {
                    break;
                };
                // A redirect or canonical URL may have reached this page
                // since it was queued.
                if Url::parse(&item.url).is_ok_and(|u| run.state.visited.contains(&dedup_key(&u))) {
                    continue;
                }
                run.state.current_depth = run.state.current_depth.max(item.depth);
                let handle = workers.spawn(Arc::clone(&self.shared).work(item.clone()));
                run.in_flight.insert(handle.id(), (item, Instant::now()));
            }
            let now = Instant::now();
            let room = every_pages.saturating_sub(run.unsaved_pages());
            run.pacing.window_full(room == 0, now);
            let due = interval_due || run.pacing.due(run.unsaved, run.in_flight.len(), room, now);
            if writing.is_none() && !cancel.is_cancelled() && due {
                interval_due = false;
                // At the page cadence: written at once, fsynced within a
                // second (appendfsync everysec).
                let pending = self.prepare_save(run, Durability::WithinASecond)?;
                let started = Instant::now();
                match self.store.write_now(pending) {
                    Ok(written) => {
                        if written.is_ok() {
                            run.pacing.write_done(started.elapsed());
                        }
                        self.settle_save(run, written)?;
                        // The window has room again.
                        continue;
                    }
                    Err(pending) => {
                        let store = &self.store;
                        writing = Some(Box::pin(async move {
                            store.write(pending).await.map(|w| (w, started.elapsed()))
                        }));
                    }
                }
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
                    let mut joined = joined;
                    while let Some(result) = joined {
                        self.joined(run, result)?;
                        // Pages that finished meanwhile join the same save.
                        joined = workers.try_join_next_with_id();
                    }
                }
                _ = ticker.tick() => {
                    if run.last_save.elapsed() >= cfg.every {
                        interval_due = true;
                    }
                }
                _ = publish_tick.tick() => self.publish(run),
                // Wakes the loop so dispatching ends at once.
                _ = stop.cancelled(), if !stop_noted => {
                    stop_noted = true;
                    run.activity = "stopping: finishing the pages in flight".into();
                    self.publish(run);
                }
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

    /// Takes in the result of a finished worker.
    fn joined(
        &self,
        run: &mut Run,
        joined: std::result::Result<(tokio::task::Id, PageResult), tokio::task::JoinError>,
    ) -> Result<()> {
        match joined {
            Ok((id, result)) => {
                if let Some((item, dispatched)) = run.in_flight.remove(&id) {
                    run.pacing.page_done(dispatched, Instant::now());
                    self.record(run, item, result)?;
                }
            }
            Err(e) => {
                // A panicking worker: the URL counts as failed rather than
                // taking the whole scan down.
                if let Some((item, _)) = run.in_flight.remove(&e.id()) {
                    let reason = SkipReason::Internal {
                        detail: format!("worker failed: {e}"),
                    };
                    self.record(
                        run,
                        item,
                        PageResult::Skipped {
                            final_key: None,
                            reason,
                        },
                    )?;
                }
            }
        }
        Ok(())
    }

    fn stop_in_flight(&self, run: &mut Run) {
        for (_, (item, _)) in run.in_flight.drain() {
            run.state.requeue_item(item);
        }
    }

    fn record(&self, run: &mut Run, item: QueuedUrl, result: PageResult) -> Result<()> {
        if !matches!(
            result,
            PageResult::Skipped {
                reason: SkipReason::Throttled { .. },
                ..
            }
        ) {
            // Answered at last: its attempts need no keeping.
            run.throttled.remove(&item.url);
        }
        let result = match result {
            PageResult::Skipped {
                reason:
                    SkipReason::Throttled {
                        status,
                        retry_after,
                    },
                final_key,
            } => match self.throttled(run, item, status, retry_after) {
                // Queued again behind the host's pause.
                None => return Ok(()),
                Some(item) => {
                    return self.record_result(
                        run,
                        item,
                        PageResult::Skipped {
                            final_key,
                            reason: SkipReason::Throttled {
                                status,
                                retry_after,
                            },
                        },
                    );
                }
            },
            other => other,
        };
        self.record_result(run, item, result)
    }

    /// A server asked to slow down at `item`: the whole host pauses
    /// (`Retry-After`, else a backoff doubling per attempt) and the URL goes
    /// back to the front of its level, up to [`THROTTLED_ATTEMPTS`] attempts
    /// in all. Returns the item when it has had them all.
    fn throttled(
        &self,
        run: &mut Run,
        item: QueuedUrl,
        status: u16,
        retry_after: Option<Duration>,
    ) -> Option<QueuedUrl> {
        let attempts = run.throttled.entry(item.url.clone()).or_insert(0);
        *attempts += 1;
        let attempts = *attempts;
        if attempts >= THROTTLED_ATTEMPTS {
            run.throttled.remove(&item.url);
            return Some(item);
        }
        let pause = throttle_pause(self.cfg().fetch.backoff_base, attempts, retry_after);
        if let Some(host) = Url::parse(&item.url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
        {
            self.shared.politeness.pause(&host, pause);
            // Shown in the scan's progress until the next page comes in.
            run.activity = format!(
                "{host} asked to slow down (HTTP {status}); pausing it for {} s",
                pause.as_secs_f64().ceil()
            );
        }
        tracing::info!(url = %item.url, status, attempts, pause_ms = pause.as_millis() as u64, "asked to slow down; pausing the host and queueing the URL again");
        run.state.requeue_item(item);
        None
    }

    fn record_result(&self, run: &mut Run, item: QueuedUrl, result: PageResult) -> Result<()> {
        let cfg = self.cfg();
        // Crawl-delays cut while robots.txt files were read, for the
        // report's warnings.
        for (host, asked) in self
            .shared
            .capped_delays
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain(..)
        {
            run.state.crawl_delays_capped.insert(host, asked);
        }
        let item_depth = item.depth;
        let key = Url::parse(&item.url)
            .map(|u| dedup_key(&u))
            .unwrap_or_default();
        run.unsaved += 1;
        run.mark_done(key.clone());
        match result {
            PageResult::Fetched {
                final_key,
                canonical_key,
                internal,
                external,
                documents,
                app_shell,
                nofollow,
                entities,
                links_dropped,
                redirects_to,
                seed_moves_to,
            } => {
                run.state.pages_crawled += 1;
                run.state.links_dropped += links_dropped;
                if run.activity != "crawling" {
                    run.activity = "crawling".into();
                }
                if app_shell {
                    run.state.pages_without_links += 1;
                }
                if nofollow {
                    run.state.pages_nofollow += 1;
                }
                // A redirect to a page done already: nothing new.
                let duplicate = final_key != key && run.state.visited.contains(&final_key);
                // A query variant of a page done already, by its own
                // canonical link (`/team?ref=nav` -> `/team`): its findings
                // are that page's, and merging them again would count each
                // one as seen on one more page. Its links are still taken,
                // as a paginated list may name its first page as canonical.
                let variant = canonical_key
                    .as_ref()
                    .is_some_and(|c| *c != final_key && *c != key && run.state.visited.contains(c));
                run.mark_done(final_key);
                if let Some(c) = canonical_key {
                    // Fetched under this variant: the canonical URL itself
                    // is not fetched again, even if queued already.
                    run.mark_done(c);
                }
                if !duplicate
                    && !variant
                    && let Some(e) = entities
                {
                    run.state.pages_extracted += 1;
                    run.state.merge_page(*e);
                }
                if let Some(link) = seed_moves_to.filter(|_| item.depth == 0) {
                    // Before the page's links are queued one level deeper.
                    self.enqueue(run, link, 0);
                }
                if !duplicate {
                    for link in external {
                        run.state.add_external_link(link);
                    }
                    for link in documents {
                        run.state.add_document(link);
                    }
                    if item.depth < cfg.crawl.max_depth {
                        for link in internal {
                            self.enqueue(run, link, item.depth + 1);
                        }
                    }
                }
                if let Some(target) = redirects_to {
                    let adopted = item.depth == 0
                        && Url::parse(&target)
                            .is_ok_and(|t| self.adopt_seed_target(run, &item.url, t));
                    if !adopted {
                        run.state.add_external_link(target);
                    }
                }
            }
            PageResult::Skipped { final_key, reason } => {
                run.state.count_skipped(reason.kind());
                match reason.attempt() {
                    Attempt::Answered => tracing::debug!(url = %item.url, %reason, "skipped"),
                    Attempt::NotAPage => tracing::debug!(url = %item.url, %reason, "not a page"),
                    Attempt::Failed => tracing::warn!(url = %item.url, %reason, "fetch failed"),
                    Attempt::NotRequested => {
                        tracing::info!(url = %item.url, %reason, "not fetched")
                    }
                }
                if let Some(final_key) = final_key {
                    run.mark_done(final_key);
                }
                let others_known = !run.state.queue.is_empty() || !run.pending_sitemap.is_empty();
                if item.depth == 0
                    && run.state.pages_extracted == 0
                    && seed_fails_scan(&reason, others_known)
                {
                    // The scan fails with the reason rather than completing
                    // empty.
                    return Err(seed_failure(item.url, reason));
                }
                if reason.attempt() == Attempt::NotAPage {
                    run.state.add_document(item.url.clone());
                }
            }
            PageResult::RedirectedOut { target } => {
                run.state.pages_crawled += 1;
                if item.depth == 0
                    && let Ok(t) = Url::parse(&target)
                    && self.adopt_seed_target(run, &item.url, t)
                {
                    return Ok(());
                }
                run.state.add_external_link(target);
            }
        }
        if item_depth == 0 {
            self.flush_sitemap(run);
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

    /// The seed sends visitors to `target` on another domain (a brand
    /// domain sending them to the group's site): that domain is taken into
    /// the scope, once, and `target` is crawled as the seed. False when
    /// nothing was adopted.
    fn adopt_seed_target(&self, run: &mut Run, seed: &str, target: Url) -> bool {
        let cfg = self.cfg();
        if run.state.adopted_domain.is_some() {
            return false;
        }
        let Some(domain) = self.shared.scope.adopt_redirect_target(&target) else {
            return false;
        };
        tracing::info!(%seed, %target, %domain, "the seed redirects to another domain; crawling it there");
        run.state.adopted_domain = Some(domain);
        run.state.adopted_port = self.shared.scope.adopted_port();
        // Its sitemaps were out of scope when the seed's were read: read
        // them now, before the new seed's page is done and pending sitemap
        // URLs are queued.
        if !run.state.sitemaps_seeded && cfg.seed_sitemaps && cfg.crawl.max_depth > 0 {
            run.adopted_sitemaps = Some(target.clone());
        }
        self.enqueue(run, Link::new(target), 0);
        true
    }

    fn enqueue(&self, run: &mut Run, link: Link, depth: u32) {
        self.enqueue_from(run, link, depth, false);
    }

    fn enqueue_from(&self, run: &mut Run, link: Link, depth: u32, from_sitemap: bool) {
        let cfg = self.cfg();
        if run.is_known(&link.key)
            || !run.state.count_pattern(
                link.pattern.to_string(),
                cfg.pattern_budget,
                max_patterns(cfg),
            )
        {
            return;
        }
        run.queued_keys.insert(Box::from(&*link.key));
        run.state.enqueue_item(QueuedUrl {
            url: link.url.to_string(),
            depth,
            from_sitemap,
        });
        self.drop_overflow(run);
    }

    /// Keeps the queue within its cap, dropping the lowest-priority URLs.
    /// Their keys are forgotten, so the queued keys stay as bounded as the
    /// queue: a dropped URL linked again later competes for a place again.
    pub(super) fn drop_overflow(&self, run: &mut Run) {
        for dropped in run.state.drop_overflow(self.cfg().crawl.queue_cap()) {
            if let Ok(u) = Url::parse(&dropped.url) {
                // A done URL's key is in the visited set only, and stays.
                run.queued_keys.remove(dedup_key(&u).as_str());
            }
        }
    }

    /// Queues the sitemap URLs read before the crawl once no depth-0 URL
    /// (the seed, or where it redirected) is left to fetch: the seed's own
    /// links are queued by then and keep their rank ahead of them.
    pub(super) fn flush_sitemap(&self, run: &mut Run) {
        if run.state.sitemaps_seeded
            || run.state.queue.min_depth() == Some(0)
            || run.in_flight.values().any(|(q, _)| q.depth == 0)
        {
            return;
        }
        let pending = std::mem::take(&mut run.pending_sitemap);
        if !pending.is_empty() {
            tracing::info!(urls = pending.len(), "queueing URLs from sitemaps");
        }
        // Sitemap-only URLs queue at depth 2 (at most `maxDepth`): after
        // the seed's navigation and the pages it links to, so a site map of
        // hundreds of posts does not crowd out `/about` -> `/about/team`
        // under a page budget.
        let depth = SITEMAP_DEPTH.min(self.cfg().crawl.max_depth).max(1);
        for url in pending {
            // In the form of its host the seed settled on, known by now.
            let link = Link::new(self.shared.scope.preferred_form(url));
            self.enqueue_from(run, link, depth, true);
        }
        run.state.sitemaps_seeded = true;
    }

    /// Reads the sitemaps; their page URLs wait in `pending_sitemap` until
    /// [`Self::flush_sitemap`] queues them.
    pub(super) async fn seed_from_sitemaps(&self, run: &mut Run) {
        let cfg = self.cfg();
        if !cfg.seed_sitemaps || cfg.crawl.max_depth == 0 {
            run.state.sitemaps_seeded = true;
            return;
        }
        self.read_sitemaps(run, &cfg.seed).await;
    }

    /// Reads the sitemaps of `site` (those its robots.txt names, and
    /// `/sitemap.xml`) into `pending_sitemap`: the seed's before the crawl,
    /// and the adopted domain's when the seed redirected to another one.
    pub(super) async fn read_sitemaps(&self, run: &mut Run, site: &Url) {
        let cfg = self.cfg();
        let previous = std::mem::replace(&mut run.activity, "reading sitemaps".into());
        // Each sitemap with whether the site named it in its robots.txt:
        // those may stand on another host (a CDN, the CMS's domain), as the
        // sitemaps protocol allows for sitemaps a robots.txt names; the
        // pages they list must still be the site's.
        let mut todo: VecDeque<(Url, bool)> = VecDeque::new();
        let mut guess_allowed = true;
        if cfg.crawl.respect_robots_txt {
            let rules = self.shared.robots_for(site).await;
            // Absolute by the standard, yet relative ones are seen too.
            todo.extend(
                rules
                    .sitemaps()
                    .iter()
                    .filter_map(|s| site.join(s.trim()).ok())
                    .map(|u| (u, true)),
            );
            // `/sitemap.xml` is a guess, a URL like any other: not asked
            // for where robots.txt disallows it, nor when robots.txt could
            // not be read (everything is disallowed then, RFC 9309, and
            // the host's server or certificate failed already).
            guess_allowed = site
                .join("/sitemap.xml")
                .is_ok_and(|u| rules.allowed(u.as_str()));
        }
        if guess_allowed && let Ok(u) = site.join("/sitemap.xml") {
            todo.push_back((u, false));
        }
        let mut read = HashSet::new();
        let mut added = 0u64;
        while let Some((sm, named)) = todo.pop_front() {
            if read.len() >= MAX_SITEMAP_FILES || !read.insert(sm.to_string()) {
                continue;
            }
            let http = matches!(sm.scheme(), "http" | "https");
            if !http || (!named && self.shared.scope.classify(&sm) != Verdict::Internal) {
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
                    // An index's sitemaps are as trusted as the index.
                    todo.push_back((u, named));
                } else if self.shared.scope.classify(&u) != Verdict::Internal {
                } else if crate::url_norm::non_page_extension(&u).is_some() {
                    run.state.add_document(u.to_string());
                } else if added < u64::from(cfg.crawl.max_pages) {
                    added += 1;
                    run.pending_sitemap.push(u);
                }
            }
        }
        if added > 0 {
            tracing::info!(%site, urls = added, "read sitemaps");
        }
        if previous != "reading sitemaps" {
            run.activity = previous;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::skip::SkipKind;
    use cira_crds::progress::FailureKind;

    #[test]
    fn throttle_pauses_follow_retry_after_then_double() {
        let base = Duration::from_millis(500);
        let pauses: Vec<u64> = (1..=8)
            .map(|n| throttle_pause(base, n, None).as_millis() as u64)
            .collect();
        assert_eq!(pauses, [500, 1000, 2000, 4000, 8000, 16000, 16000, 16000]);
        assert_eq!(
            throttle_pause(base, 1, Some(Duration::from_secs(7))),
            Duration::from_secs(7)
        );
        assert_eq!(
            throttle_pause(base, 1, Some(Duration::from_secs(86_400))),
            MAX_THROTTLE_PAUSE
        );
    }

    #[test]
    fn which_seed_failures_end_the_scan() {
        let network = SkipReason::Network {
            detail: "connection refused".into(),
        };
        let pdf = SkipReason::NotHtml {
            content_type: "application/pdf".into(),
        };
        let throttled = SkipReason::Throttled {
            status: 429,
            retry_after: None,
        };
        let robots = SkipReason::RobotsUnavailable {
            detail: "HTTP 502".into(),
        };
        // (reason, fails with other URLs known, fails with nothing else)
        let table = [
            (SkipReason::HttpStatus(403), true, true),
            (SkipReason::HttpStatus(401), true, true),
            (SkipReason::HttpStatus(451), true, true),
            (SkipReason::HttpStatus(500), true, true),
            (SkipReason::HttpStatus(502), true, true),
            (
                SkipReason::BotChallenge {
                    status: 503,
                    by: "Cloudflare",
                },
                true,
                true,
            ),
            (throttled, true, true),
            (robots, true, true),
            (SkipReason::RobotsDisallowed, true, true),
            (SkipReason::HttpStatus(404), false, true),
            (SkipReason::HttpStatus(410), false, true),
            (pdf, false, true),
            (network, false, true),
        ];
        for (reason, with_others, alone) in table {
            assert_eq!(seed_fails_scan(&reason, true), with_others, "{reason}");
            assert_eq!(seed_fails_scan(&reason, false), alone, "{reason}");
        }
    }

    #[test]
    fn a_seed_without_a_page_fails_with_its_kind() {
        let url = || "https://acme.test/".to_string();
        let table = [
            (SkipReason::HttpStatus(403), FailureKind::SeedBlocked),
            (SkipReason::HttpStatus(401), FailureKind::SeedBlocked),
            (SkipReason::HttpStatus(451), FailureKind::SeedBlocked),
            (
                SkipReason::BotChallenge {
                    status: 202,
                    by: "AWS WAF",
                },
                FailureKind::SeedBlocked,
            ),
            (SkipReason::RobotsDisallowed, FailureKind::SeedBlocked),
            (SkipReason::HttpStatus(500), FailureKind::SeedUnavailable),
            (SkipReason::HttpStatus(404), FailureKind::SeedUnavailable),
            (
                SkipReason::Throttled {
                    status: 503,
                    retry_after: None,
                },
                FailureKind::SeedUnavailable,
            ),
            (
                SkipReason::RobotsUnavailable {
                    detail: "robots.txt answered HTTP 503".into(),
                },
                FailureKind::SeedUnavailable,
            ),
            (
                SkipReason::Network {
                    detail: "connection refused".into(),
                },
                FailureKind::SeedUnavailable,
            ),
        ];
        for (reason, kind) in table {
            let shown = reason.to_string();
            let e = seed_failure(url(), reason);
            assert_eq!(e.failure_kind(), kind, "{e}");
            assert!(e.is_permanent(), "{e}");
            assert!(e.to_string().contains(&shown), "{e}");
        }
        assert_eq!(
            SkipKind::Throttled.describe(),
            "rate-limited (429/503) on every attempt"
        );
    }
}
