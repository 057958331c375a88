//! How many uploaded lists are checked at once. Checking a file holds its string table (at most
//! 256 MiB, see `yikou_ingest::limits`) and the rows it reads; with at most [`CHECKS_AT_ONCE`]
//! checks running, uploads cannot add up to more than that many files' worth of memory. A request
//! that finds no free place within [`CHECK_WAIT`] is answered 503 with a request to retry later.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::AppError;

/// Files checked at the same time (2 cores; each check uses two threads while it reads).
pub const CHECKS_AT_ONCE: usize = 2;
/// How long a request waits for a free place before it is turned away.
pub const CHECK_WAIT: Duration = Duration::from_secs(5);

pub struct CheckPermits {
    places: Arc<Semaphore>,
    wait: Duration,
}

impl Default for CheckPermits {
    fn default() -> Self {
        CheckPermits::new(CHECKS_AT_ONCE, CHECK_WAIT)
    }
}

impl CheckPermits {
    pub fn new(places: usize, wait: Duration) -> CheckPermits {
        CheckPermits { places: Arc::new(Semaphore::new(places)), wait }
    }

    /// A place for one check, held until the permit is dropped: move it into the blocking task,
    /// so that a request given up by its client still holds its place until the check really ends.
    pub async fn enter(&self) -> Result<OwnedSemaphorePermit, AppError> {
        match tokio::time::timeout(self.wait, self.places.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(AppError::Busy("系统正在检查其他名单，请稍后重试".into())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_third_check_waits_and_is_turned_away_while_two_run() {
        let permits = CheckPermits::new(2, Duration::from_millis(200));
        let a = permits.enter().await.unwrap();
        let b = permits.enter().await.unwrap();
        let t = std::time::Instant::now();
        match permits.enter().await {
            Err(AppError::Busy(m)) => assert!(m.contains("稍后重试")),
            other => panic!("expected busy, got {:?}", other.map(|_| ())),
        }
        assert!(t.elapsed() >= Duration::from_millis(200), "it waited first");
        // A place that frees up while waiting is taken.
        let waiting = tokio::spawn({
            let places = permits.places.clone();
            async move { CheckPermits { places, wait: Duration::from_secs(5) }.enter().await.map(|_| ()) }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        drop(a);
        assert!(waiting.await.unwrap().is_ok());
        // A permit moved into a blocking task keeps its place until the task ends.
        let held = tokio::task::spawn_blocking(move || {
            let _b = b;
            std::thread::sleep(Duration::from_millis(1000));
        });
        let c = permits.enter().await.expect("one place is free");
        assert!(permits.enter().await.is_err(), "the blocking task still holds the other");
        held.await.unwrap();
        assert!(permits.enter().await.is_ok());
        drop(c);
    }
}
