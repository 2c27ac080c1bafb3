//! When the crawl loop starts a checkpoint save: pure arithmetic over how
//! long pages and writes have been taking, table-tested without a crawl.

use std::time::{Duration, Instant};

/// When the crawl loop starts a checkpoint save, from how long pages and
/// writes have been taking.
#[derive(Debug, Default)]
pub(super) struct SavePacing {
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
    pub(super) fn page_done(&mut self, dispatched: Instant, now: Instant) {
        self.page_secs = moving_average(self.page_secs, now.saturating_duration_since(dispatched));
        if let Some(last) = self.last_page {
            self.gap_secs = moving_average(self.gap_secs, now.saturating_duration_since(last));
        }
        self.last_page = Some(now);
    }

    pub(super) fn write_done(&mut self, took: Duration) {
        self.write_secs = moving_average(self.write_secs, took);
    }

    /// The window is full when `everyPages` pages are unsaved. Only results
    /// fill it (pages in flight are outside it), so from the first full
    /// turn on, dispatch has stopped: the wait counts from there.
    pub(super) fn window_full(&mut self, full: bool, now: Instant) {
        if !full {
            self.blocked_since = None;
        } else if self.blocked_since.is_none() {
            self.blocked_since = Some(now);
        }
    }

    /// Pages expected to come in while one write is on its way, with a
    /// margin of two.
    pub(super) fn pages_per_write(&self) -> f64 {
        if self.gap_secs > 0.0 {
            2.0 * self.write_secs / self.gap_secs
        } else {
            0.0
        }
    }

    /// Whether to start a save now, no other being written, with `room`
    /// more pages allowed unsaved before dispatch must wait.
    ///
    /// A save starts when the room left is about what comes in during one
    /// write, so it lands as the window fills: a slow, polite crawl saves
    /// about every `everyPages` pages (not after each), and a fast one with
    /// a large window about once per window, never waiting for it. When the
    /// window is full anyway: at once if writes are quicker than pages; else
    /// once the pages in flight are in too, since each save then costs about
    /// one write whatever it holds, but no later than one write's time after
    /// dispatch stopped, so one slow page does not hold up the rest.
    pub(super) fn due(&self, unsaved: usize, in_flight: usize, room: usize, now: Instant) -> bool {
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

/// An exponential moving average over the last few samples.
fn moving_average(average: f64, sample: Duration) -> f64 {
    let sample = sample.as_secs_f64();
    if average == 0.0 {
        sample
    } else {
        average + (sample - average) / 8.0
    }
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
}
