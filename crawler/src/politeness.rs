//! Per-host request pacing with `governor`: `requestsPerSecond`, lowered
//! further by a robots.txt crawl-delay, and host-wide pauses when a server
//! asks the crawler to slow down (429, 503).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};

/// One limiter per host, created on first use.
#[derive(Debug, Default)]
pub struct Politeness {
    /// Requests per second per host; `None` means unpaced (benchmarks only).
    per_host_rps: Option<f64>,
    limiters: Mutex<HashMap<String, Arc<DefaultDirectRateLimiter>>>,
    /// Hosts that asked for a pause, with when requests may go on.
    paused: Mutex<HashMap<String, Instant>>,
}

impl Politeness {
    pub fn new(per_host_rps: Option<f64>) -> Self {
        Self {
            per_host_rps: per_host_rps.filter(|r| r.is_finite() && *r > 0.0),
            limiters: Mutex::default(),
            paused: Mutex::default(),
        }
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
        Some(Duration::from_secs_f64(secs.clamp(0.0, 3600.0)))
    }

    /// Waits until a request to `host` may be sent.
    pub async fn wait(&self, host: &str, crawl_delay: Option<f64>) {
        // A pause may be extended while this task sleeps.
        while let Some(until) = self.paused_until(host) {
            tokio::time::sleep_until(until).await;
        }
        let Some(limiter) = self.limiter(host, crawl_delay) else {
            return;
        };
        limiter.until_ready().await;
    }

    fn limiter(
        &self,
        host: &str,
        crawl_delay: Option<f64>,
    ) -> Option<Arc<DefaultDirectRateLimiter>> {
        let interval = self.interval(crawl_delay)?;
        let quota = Quota::with_period(interval)?;
        // A poisoned lock only means another task panicked mid-insert; the
        // map itself is still usable.
        let mut map = self.limiters.lock().unwrap_or_else(|e| e.into_inner());
        Some(Arc::clone(
            map.entry(host.to_string())
                .or_insert_with(|| Arc::new(RateLimiter::direct(quota))),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crawl_delay_lowers_rate() {
        let p = Politeness::new(Some(4.0));
        assert_eq!(p.interval(None), Some(Duration::from_millis(250)));
        assert_eq!(p.interval(Some(2.0)), Some(Duration::from_secs(2)));
        assert_eq!(Politeness::new(None).interval(None), None);
        assert_eq!(
            Politeness::new(None).interval(Some(1.0)),
            Some(Duration::from_secs(1))
        );
    }

    #[tokio::test]
    async fn paces_one_host_not_another() {
        let p = Politeness::new(Some(20.0));
        let start = tokio::time::Instant::now();
        for _ in 0..3 {
            p.wait("a.test", None).await;
        }
        // The first request is free, the next two wait 50 ms each.
        assert!(
            start.elapsed() >= Duration::from_millis(95),
            "{:?}",
            start.elapsed()
        );
        let start = tokio::time::Instant::now();
        p.wait("b.test", None).await;
        assert!(start.elapsed() < Duration::from_millis(40));
    }

    #[tokio::test]
    async fn a_pause_holds_the_whole_host() {
        let p = Politeness::new(None);
        p.pause("a.test", Duration::from_millis(150));
        // A shorter pause does not cut a longer one short.
        p.pause("a.test", Duration::from_millis(10));
        let start = Instant::now();
        p.wait("a.test", None).await;
        assert!(
            start.elapsed() >= Duration::from_millis(140),
            "{:?}",
            start.elapsed()
        );
        // Other hosts go on.
        p.pause("a.test", Duration::from_secs(60));
        let start = Instant::now();
        p.wait("b.test", None).await;
        assert!(start.elapsed() < Duration::from_secs(30));
    }
}
