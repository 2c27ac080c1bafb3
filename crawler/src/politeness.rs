//! Per-host request pacing with `governor`: `requestsPerSecond`, lowered
//! further by a robots.txt crawl-delay (up to [`MAX_CRAWL_DELAY`]), and
//! host-wide pauses when a server asks the crawler to slow down (429, 503).
//! Every request the fetcher sends waits here: pages, each hop of a
//! redirect, retries, robots.txt and sitemaps.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};

/// The longest robots.txt `Crawl-delay` honoured by default
/// (`EngineConfig::max_crawl_delay`). A site asking for more
/// (`Crawl-delay: 3600`) is crawled at one request per this, as Heritrix
/// caps (at 300 s) rather than skipping the host as Nutch and StormCrawler
/// do by default beyond theirs (30 s): a scan that stalls for hours, or a
/// company left without a report, serves nobody. 30 s keeps a default
/// scan of 500 pages within about four hours.
pub const MAX_CRAWL_DELAY: Duration = Duration::from_secs(30);

/// One limiter per host, created on first use.
#[derive(Debug, Default)]
pub struct Politeness {
    /// Requests per second per host; `None` means unpaced (benchmarks only).
    per_host_rps: Option<f64>,
    /// The longest interval a crawl-delay makes.
    max_crawl_delay: Duration,
    /// Each host's limiter, with the interval it was made for.
    limiters: Mutex<HashMap<String, (Duration, Arc<DefaultDirectRateLimiter>)>>,
    /// Each host's robots.txt crawl-delay in seconds, already capped.
    crawl_delays: Mutex<HashMap<String, f64>>,
    /// Hosts that asked for a pause, with when requests may go on.
    paused: Mutex<HashMap<String, Instant>>,
}

impl Politeness {
    pub fn new(per_host_rps: Option<f64>, max_crawl_delay: Duration) -> Self {
        Self {
            per_host_rps: per_host_rps.filter(|r| r.is_finite() && *r > 0.0),
            max_crawl_delay,
            limiters: Mutex::default(),
            crawl_delays: Mutex::default(),
            paused: Mutex::default(),
        }
    }

    /// Takes note of a host's robots.txt `Crawl-delay` (seconds), cut to
    /// the longest honoured; returns the delay used. Requests already made
    /// to the host (robots.txt itself) count: the next one waits a whole
    /// interval of the new pace.
    pub fn set_crawl_delay(&self, host: &str, asked: f64) -> Duration {
        let used = Duration::from_secs_f64(asked.clamp(0.0, self.max_crawl_delay.as_secs_f64()));
        self.crawl_delays
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(host.to_string(), used.as_secs_f64());
        let mut map = self.limiters.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(interval) = self.interval(Some(used.as_secs_f64()))
            && map.get(host).is_none_or(|(had, _)| *had != interval)
            && let Some(quota) = Quota::with_period(interval)
        {
            let limiter = Arc::new(RateLimiter::direct(quota));
            let _ = limiter.check();
            map.insert(host.to_string(), (interval, limiter));
        }
        used
    }

    /// Holds every request to `host` back for `pause` from now (a later
    /// end already set stays).
    pub fn pause(&self, host: &str, pause: Duration) {
        let until = Instant::now() + pause;
        let mut map = self.paused.lock().unwrap_or_else(|e| e.into_inner());
        let end = map.entry(host.to_string()).or_insert(until);
        if *end < until {
            *end = until;
        }
    }

    /// When requests to `host` may go on, if it is paused.
    fn paused_until(&self, host: &str) -> Option<Instant> {
        let map = self.paused.lock().unwrap_or_else(|e| e.into_inner());
        map.get(host).copied().filter(|t| *t > Instant::now())
    }

    /// The interval between two requests to a host with this crawl-delay.
    pub fn interval(&self, crawl_delay: Option<f64>) -> Option<Duration> {
        let from_rate = self.per_host_rps.map(|r| 1.0 / r);
        let secs = match (from_rate, crawl_delay) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        }?;
        // A crawl-delay is capped already (`set_crawl_delay`); this bound
        // only keeps an absurd rate from overflowing a `Duration`.
        Some(Duration::from_secs_f64(secs.clamp(0.0, 3600.0)))
    }

    /// Waits until a request to `host` may be sent.
    pub async fn wait(&self, host: &str) {
        // A pause may be extended while this task sleeps.
        while let Some(until) = self.paused_until(host) {
            tokio::time::sleep_until(until).await;
        }
        let Some(limiter) = self.limiter(host) else {
            return;
        };
        limiter.until_ready().await;
    }

    fn limiter(&self, host: &str) -> Option<Arc<DefaultDirectRateLimiter>> {
        let crawl_delay = self
            .crawl_delays
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(host)
            .copied();
        let interval = self.interval(crawl_delay)?;
        let quota = Quota::with_period(interval)?;
        // A poisoned lock only means another task panicked mid-insert; the
        // map itself is still usable.
        let mut map = self.limiters.lock().unwrap_or_else(|e| e.into_inner());
        let (_, limiter) = map
            .entry(host.to_string())
            .or_insert_with(|| (interval, Arc::new(RateLimiter::direct(quota))));
        Some(Arc::clone(limiter))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crawl_delay_lowers_rate() {
        let p = Politeness::new(Some(4.0), MAX_CRAWL_DELAY);
        assert_eq!(p.interval(None), Some(Duration::from_millis(250)));
        assert_eq!(p.interval(Some(2.0)), Some(Duration::from_secs(2)));
        assert_eq!(Politeness::new(None, MAX_CRAWL_DELAY).interval(None), None);
        assert_eq!(
            Politeness::new(None, MAX_CRAWL_DELAY).interval(Some(1.0)),
            Some(Duration::from_secs(1))
        );
    }

    #[test]
    fn a_crawl_delay_is_capped_and_the_next_request_waits_a_whole_interval() {
        let p = Politeness::new(Some(1000.0), MAX_CRAWL_DELAY);
        // robots.txt itself was the first request.
        assert!(p.limiter("a.test").unwrap().check().is_ok());
        assert_eq!(p.set_crawl_delay("a.test", 3600.0), MAX_CRAWL_DELAY);
        assert_eq!(
            p.set_crawl_delay("b.test", 2.5),
            Duration::from_millis(2500)
        );
        let limiter = p.limiter("a.test").unwrap();
        assert!(limiter.check().is_err(), "the next request waits");
        // Setting the same delay again keeps the limiter and its state.
        p.set_crawl_delay("a.test", 30.0);
        assert!(Arc::ptr_eq(&limiter, &p.limiter("a.test").unwrap()));
    }

    #[tokio::test]
    async fn paces_one_host_not_another() {
        let p = Politeness::new(Some(20.0), MAX_CRAWL_DELAY);
        let start = tokio::time::Instant::now();
        for _ in 0..3 {
            p.wait("a.test").await;
        }
        // The first request is free, the next two wait 50 ms each.
        assert!(
            start.elapsed() >= Duration::from_millis(95),
            "{:?}",
            start.elapsed()
        );
        let start = tokio::time::Instant::now();
        p.wait("b.test").await;
        assert!(start.elapsed() < Duration::from_millis(40));
    }

    #[tokio::test]
    async fn a_pause_holds_the_whole_host() {
        let p = Politeness::new(None, MAX_CRAWL_DELAY);
        p.pause("a.test", Duration::from_millis(150));
        // A shorter pause does not cut a longer one short.
        p.pause("a.test", Duration::from_millis(10));
        let start = Instant::now();
        p.wait("a.test").await;
        assert!(
            start.elapsed() >= Duration::from_millis(140),
            "{:?}",
            start.elapsed()
        );
        // Other hosts go on.
        p.pause("a.test", Duration::from_secs(60));
        let start = Instant::now();
        p.wait("b.test").await;
        assert!(start.elapsed() < Duration::from_secs(30));
    }
}
