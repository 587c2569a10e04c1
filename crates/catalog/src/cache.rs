//! One way to keep a value computed from the whole catalog (duplicate
//! detection, the quality ranking) until the catalog changes: a value
//! stamped with the key it was computed for (the search version, plus
//! whatever else it depends on), computed one at a time.
//!
//! `current` answers for exactly the key asked, computing if needed (for
//! answers that must reflect the latest write). `recent` never waits once
//! a value exists: it serves the last one and refreshes it in the
//! background, and leaves a value alone for `settle` after it was
//! computed, so a burst of writes costs one recomputation, not one each.

use crate::Result;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// A value, the key it was computed for and when.
struct Entry<K, T> {
    key: K,
    at: Instant,
    value: Arc<T>,
}

/// A cached value of type `T` computed for keys of type `K`.
pub(crate) struct Versioned<K, T> {
    last: RwLock<Option<Entry<K, T>>>,
    computing: tokio::sync::Mutex<()>,
    /// A background refresh is under way (cleared when it ends, however).
    refreshing: Arc<AtomicBool>,
    settle: Duration,
}

impl<K, T> std::fmt::Debug for Versioned<K, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Versioned").field("settle", &self.settle).finish_non_exhaustive()
    }
}

/// A background refresh, as `recent` starts it.
pub(crate) type Refresh = Pin<Box<dyn Future<Output = ()> + Send>>;

impl<K: Clone + PartialEq, T> Versioned<K, T> {
    /// An empty cache whose values `recent` leaves alone for `settle`.
    pub(crate) fn new(settle: Duration) -> Self {
        Versioned {
            last: RwLock::new(None),
            computing: tokio::sync::Mutex::new(()),
            refreshing: Arc::new(AtomicBool::new(false)),
            settle,
        }
    }

    fn for_key(&self, key: &K) -> Option<Arc<T>> {
        let last = self.last.read().ok()?;
        last.as_ref().filter(|e| e.key == *key).map(|e| e.value.clone())
    }

    /// The value for exactly `key`, computed by `compute` if the cached one
    /// is for another key (one computation at a time; `None`: never cache,
    /// compute every time).
    pub(crate) async fn current<F, Fut>(&self, key: Option<K>, compute: F) -> Result<Arc<T>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let Some(key) = key else { return compute().await.map(Arc::new) };
        if let Some(v) = self.for_key(&key) {
            return Ok(v);
        }
        let _one = self.computing.lock().await;
        // Another caller may have computed it while this one waited.
        if let Some(v) = self.for_key(&key) {
            return Ok(v);
        }
        let outcome = compute().await.map(Arc::new);
        if let (Ok(value), Ok(mut last)) = (&outcome, self.last.write()) {
            *last = Some(Entry { key, at: Instant::now(), value: value.clone() });
        }
        outcome
    }

    /// The cached value, whatever key it was computed for, without waiting;
    /// if it is not for `key` and has settled, `refresh` (which should call
    /// [`Versioned::current`]) is spawned, one at a time. `None` when
    /// nothing was computed yet: the caller then computes with `current`.
    pub(crate) fn recent(&self, key: &K, refresh: impl FnOnce() -> Refresh) -> Option<Arc<T>> {
        let last = self.last.read().ok()?;
        let entry = last.as_ref()?;
        let stale = entry.key != *key && entry.at.elapsed() >= self.settle;
        if stale && !self.refreshing.swap(true, Ordering::AcqRel) {
            let (work, flag) = (refresh(), self.refreshing.clone());
            tokio::spawn(async move {
                work.await;
                flag.store(false, Ordering::Release);
            });
        }
        Some(entry.value.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    #[tokio::test]
    async fn current_computes_once_per_key_and_recent_serves_the_last_value() {
        let cache: Arc<Versioned<u64, usize>> = Arc::new(Versioned::new(Duration::ZERO));
        let runs = Arc::new(AtomicUsize::new(0));
        let compute = |runs: Arc<AtomicUsize>| async move { Ok(runs.fetch_add(1, Ordering::SeqCst) + 1) };
        assert!(cache.recent(&1, || Box::pin(async {})).is_none(), "nothing computed yet");
        assert_eq!(*cache.current(Some(1), || compute(runs.clone())).await.unwrap(), 1);
        assert_eq!(*cache.current(Some(1), || compute(runs.clone())).await.unwrap(), 1, "cached for its key");
        // A new key: recent answers at once with the old value and refreshes.
        let (c, r) = (cache.clone(), runs.clone());
        let old = cache.recent(&2, move || {
            Box::pin(async move { c.current(Some(2), || compute(r)).await.map(drop).unwrap_or(()) })
        });
        assert_eq!(old.as_deref(), Some(&1));
        for _ in 0..100 {
            if cache.recent(&2, || Box::pin(async {})).as_deref() == Some(&2) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert_eq!(cache.recent(&2, || Box::pin(async {})).as_deref(), Some(&2), "refreshed in the background");
        assert_eq!(runs.load(Ordering::SeqCst), 2);
        // Without a key nothing is kept.
        assert_eq!(*cache.current(None, || compute(runs.clone())).await.unwrap(), 3);
        assert_eq!(cache.recent(&2, || Box::pin(async {})).as_deref(), Some(&2));
    }

    #[tokio::test]
    async fn a_refresh_that_fails_does_not_stop_later_ones() {
        let cache: Versioned<u64, u64> = Versioned::new(Duration::ZERO);
        cache.current(Some(1), || async { Ok(10) }).await.unwrap();
        // A refresh that ends without computing (the database was busy).
        assert!(cache.recent(&2, || Box::pin(async {})).is_some());
        let started = Arc::new(AtomicBool::new(false));
        for _ in 0..100 {
            let s = started.clone();
            cache.recent(&3, move || {
                s.store(true, Ordering::SeqCst);
                Box::pin(async {})
            });
            if started.load(Ordering::SeqCst) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert!(started.load(Ordering::SeqCst), "a later refresh starts");
    }

    #[tokio::test]
    async fn a_settling_value_is_not_refreshed() {
        let cache: Versioned<u64, u64> = Versioned::new(Duration::from_secs(3600));
        cache.current(Some(1), || async { Ok(10) }).await.unwrap();
        let spawned = Arc::new(AtomicBool::new(false));
        let s = spawned.clone();
        let v = cache.recent(&2, move || {
            s.store(true, Ordering::SeqCst);
            Box::pin(async {})
        });
        assert_eq!(v.as_deref(), Some(&10));
        assert!(!spawned.load(Ordering::SeqCst), "computed a moment ago: it settles first");
    }
}
