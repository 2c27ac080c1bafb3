//! Long CPU work on a runtime thread, without assuming the caller's runtime.

use tokio::runtime::{Handle, RuntimeFlavor};

/// Runs `f` here; on a multi-threaded runtime, first lets the runtime move
/// this thread's other tasks elsewhere (`block_in_place`). That call panics
/// on a current-thread runtime, which a caller of the public `Engine` may
/// well run, so there `f` simply runs: nothing else could have run anyway.
pub(crate) fn in_place<R>(f: impl FnOnce() -> R) -> R {
    match Handle::try_current().map(|h| h.runtime_flavor()) {
        Ok(RuntimeFlavor::MultiThread) => tokio::task::block_in_place(f),
        _ => f(),
    }
}

#[cfg(test)]
mod tests {
    use super::in_place;

    #[test]
    fn runs_on_every_kind_of_runtime_and_outside_one() {
        assert_eq!(in_place(|| 1), 1);
        let current = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        assert_eq!(current.block_on(async { in_place(|| 2) }), 2);
        let multi = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap();
        assert_eq!(
            multi.block_on(async { tokio::spawn(async { in_place(|| 3) }).await.unwrap() }),
            3
        );
    }
}
