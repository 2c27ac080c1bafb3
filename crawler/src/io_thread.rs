//! A thread of its own for a store's file writes. A checkpoint save waits on
//! fsync; run on the shared blocking pool it would queue behind page
//! processing, and run inline it would hold up the crawl loop.

use std::sync::mpsc;

use crate::error::{Error, Result};

type Job = Box<dyn FnOnce() + Send>;

/// Runs closures one at a time, in order, on one named thread. The thread
/// ends when this is dropped.
#[derive(Debug)]
pub struct IoThread {
    jobs: mpsc::Sender<Job>,
}

impl IoThread {
    pub fn spawn(name: &str) -> std::io::Result<Self> {
        let (jobs, queue) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name(name.to_string())
            .spawn(move || {
                for job in queue {
                    job();
                }
            })?;
        Ok(Self { jobs })
    }

    /// Runs `f` on the thread and waits for its result without blocking the
    /// async runtime.
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T> {
        let (done, result) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Box::new(move || {
                // The waiter may have gone (a cancelled save); nothing to tell.
                let _ = done.send(f());
            }))
            .map_err(|_| Error::Task("the checkpoint writer thread has stopped".into()))?;
        result
            .await
            .map_err(|_| Error::Task("the checkpoint writer thread stopped mid-write".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn runs_in_order_off_the_runtime_and_survives_a_panicking_job() {
        let io = IoThread::spawn("test-io").unwrap();
        let here = std::thread::current().id();
        let there = io.run(|| std::thread::current().id()).await.unwrap();
        assert_ne!(here, there);
        let order = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let (a, b) = (order.clone(), order.clone());
        let first = io.run(move || a.lock().unwrap().push(1));
        let second = io.run(move || b.lock().unwrap().push(2));
        let (r1, r2) = tokio::join!(first, second);
        r1.unwrap();
        r2.unwrap();
        assert_eq!(*order.lock().unwrap(), vec![1, 2]);
        // A panicking job takes the thread down: later calls fail cleanly.
        let e = io.run(|| panic!("boom")).await.unwrap_err();
        assert!(e.to_string().contains("writer thread"), "{e}");
        assert!(io.run(|| 1).await.is_err());
    }
}
