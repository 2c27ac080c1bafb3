//! Per-host request pacing with `governor`: `requestsPerSecond`, lowered
//! further by a robots.txt crawl-delay.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};

/// One limiter per host, created on first use.
#[derive(Debug, Default)]
pub struct Politeness {
    /// Requests per second per host; `None` means unpaced (benchmarks only).
    per_host_rps: Option<f64>,
    limiters: Mutex<HashMap<String, Arc<DefaultDirectRateLimiter>>>,
}

impl Politeness {
    pub fn new(per_host_rps: Option<f64>) -> Self {
        Self {
            per_host_rps: per_host_rps.filter(|r| r.is_finite() && *r > 0.0),
            limiters: Mutex::default(),
        }
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
}
