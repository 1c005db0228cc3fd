//! Middleware that caches credentials and refreshes them inside botocore's refresh windows, with
//! one upstream call at a time.
//!
//! # Behaviour
//!
//! Let `expiry` be the cached credentials' expiry:
//!
//! - **Fresh** (`now < expiry − advisory`, or no expiry at all): served from the cache. The read
//!   is one [`ArcSwapOption`] load (no lock that a writer holds) and an `Arc` clone.
//! - **Advisory window** (`expiry − advisory ≤ now < expiry − mandatory`, default 15 → 10 min):
//!   exactly one caller (the one that wins a `try_lock`) refreshes, **inline**, as the thread that
//!   wins botocore's non-blocking lock does; every other caller is served the current credentials
//!   at once. If that refresh fails, the caller gets the current credentials too, and a warning
//!   is recorded. If the refreshing caller's future is dropped, the refresh is abandoned and the
//!   next caller in the window starts another. (Inline rather than `tokio::spawn`: no runtime
//!   handle is needed, `P` need not be `'static`, and the warning lands in that caller's trace.)
//! - **Mandatory window** (`now ≥ expiry − mandatory`) or an empty cache: every caller waits.
//!   The first to take the refresh lock calls the provider; the callers queued behind it get
//!   *its* result, `Ok` or the same error (cloned), without a second upstream call. A failed
//!   refresh returns the error; the cache keeps the old entry, and the next caller tries again
//!   (errors are not cached).
//!
//! Credentials without an expiry are kept until [`Cache::invalidate`].
//!
//! **Clock skew** (a deliberate difference from botocore, which raises "Credentials were
//! refreshed, but the refreshed credentials are still expired"): credentials that are already
//! expired when fetched are returned with a warning, and the cache serves them for a grace
//! period (default 5 min, [`CacheLayer::skew_grace`]) before asking again, so it never refreshes
//! in a loop. Credentials fetched inside the mandatory window but not yet expired are kept until
//! the grace period ends or they expire, whichever is first.
//!
//! Every time decision reads the [`Clock`](awscred_types::Clock) seam given to the layer.

mod layer;

pub use self::layer::{
    CacheLayer, DEFAULT_ADVISORY_REFRESH, DEFAULT_MANDATORY_REFRESH, DEFAULT_SKEW_GRACE,
};

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use arc_swap::ArcSwapOption;
use awscred_types::{Credentials, CredentialsError, ProvideCredentials};
use tower_layer::Layer;

use crate::notes::{self, mask_access_key_id, rfc3339};

/// Serves cached credentials from the wrapped provider and refreshes them inside botocore's
/// advisory and mandatory windows, with single-flight refresh. See the [module docs](self).
pub struct Cache<P> {
    inner: P,
    config: CacheLayer,
    current: ArcSwapOption<Entry>,
    /// Mirrors `Flight::generation` so a caller can note it before queueing for the lock.
    generation: AtomicU64,
    flight: tokio::sync::Mutex<Flight>,
}

/// Cached credentials and when they enter each window (`None`: never).
struct Entry {
    credentials: Credentials,
    /// Deep copies of `credentials`, one per core (up to 16), so threads reading the warm cache
    /// each bump their own reference count instead of fighting over one cache line.
    replicas: Box<[Credentials]>,
    advisory_at: Option<SystemTime>,
    mandatory_at: Option<SystemTime>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Freshness {
    Fresh,
    Advisory,
    Mandatory,
}

/// The refresh lock's state: how many refreshes finished, and the result of the latest, which
/// the callers queued behind it receive.
struct Flight {
    generation: u64,
    last: Option<Result<Credentials, CredentialsError>>,
}

// ===== impl Cache =====

inner_accessors!(Cache);

impl<P> Cache<P> {
    /// Caches `inner` with the defaults of [`CacheLayer::new`].
    pub fn new(inner: P) -> Self {
        CacheLayer::new().layer(inner)
    }

    pub(super) fn from_layer(inner: P, config: CacheLayer) -> Self {
        Self {
            inner,
            config,
            current: ArcSwapOption::empty(),
            generation: AtomicU64::new(0),
            flight: tokio::sync::Mutex::new(Flight {
                generation: 0,
                last: None,
            }),
        }
    }

    /// The cached credentials, if they need no refresh yet (before the advisory window), without
    /// calling the provider or awaiting anything: the allocation-free fast path. `None` means
    /// "call [`provide_credentials`](ProvideCredentials::provide_credentials)".
    pub fn cached(&self) -> Option<Credentials> {
        let now = self.config.clock.now();
        let entry = self.current.load();
        match &*entry {
            Some(e) if e.freshness(now) == Freshness::Fresh => Some(e.local()),
            _ => None,
        }
    }

    /// Forgets the cached credentials: the next call fetches. A refresh already under way still
    /// stores its result when it finishes.
    pub fn invalidate(&self) {
        self.current.store(None);
    }

    /// Turns freshly fetched credentials into a cache entry, applying the skew grace.
    fn schedule(&self, credentials: &Credentials, now: SystemTime) -> Entry {
        let entry = |advisory_at, mandatory_at| Entry {
            credentials: credentials.clone(),
            replicas: replicate(credentials),
            advisory_at,
            mandatory_at,
        };
        let Some(expiry) = credentials.expiry() else {
            return entry(None, None);
        };
        let mandatory_at = expiry.checked_sub(self.config.mandatory);
        if let Some(mandatory_at) = mandatory_at.filter(|m| *m > now) {
            let advisory_at = expiry.checked_sub(self.config.advisory).unwrap_or(now);
            return entry(Some(advisory_at), Some(mandatory_at));
        }
        let grace = self.config.skew_grace.max(Duration::from_secs(1));
        let after_grace = now.checked_add(grace).unwrap_or(now);
        let who = format!(
            "credentials from {} ({})",
            credentials.provider_name(),
            mask_access_key_id(credentials.access_key_id())
        );
        if expiry > now {
            let at = after_grace.min(expiry);
            notes::warn(format!(
                "{who} expire at {}, inside the {:?} mandatory refresh window, when fetched; \
                 serving them until {}",
                rfc3339(expiry),
                self.config.mandatory,
                rfc3339(at),
            ));
            entry(Some(at), Some(at))
        } else {
            notes::warn(format!(
                "{who} were already expired when fetched (expiry {}, now {}); the clock may be \
                 skewed; serving them for {grace:?} before asking again",
                rfc3339(expiry),
                rfc3339(now),
            ));
            entry(Some(after_grace), Some(after_grace))
        }
    }
}

impl<P: ProvideCredentials> Cache<P> {
    /// Calls the provider (the caller holds the refresh lock), stores a success, and publishes
    /// the result to the callers queued behind.
    async fn refresh(&self, flight: &mut Flight) -> Result<Credentials, CredentialsError> {
        let result = self.inner.provide_credentials().await;
        if let Ok(credentials) = &result {
            let entry = self.schedule(credentials, self.config.clock.now());
            self.current.store(Some(Arc::new(entry)));
        }
        flight.generation = flight.generation.wrapping_add(1);
        self.generation.store(flight.generation, Ordering::Release);
        flight.last = Some(result.clone());
        result
    }

    /// Empty cache or mandatory window: wait for the one refresh.
    async fn wait_for_refresh(&self, seen: u64) -> Result<Credentials, CredentialsError> {
        let mut flight = self.flight.lock().await;
        if flight.generation != seen
            && let Some(last) = &flight.last
        {
            // A refresh finished while we queued: its result is ours.
            notes::served_from_cache();
            return last.clone();
        }
        if let Some(entry) = self.current.load_full()
            && entry.freshness(self.config.clock.now()) != Freshness::Mandatory
        {
            notes::served_from_cache();
            return Ok(entry.credentials.clone());
        }
        self.refresh(&mut flight).await
    }

    /// Advisory window: one caller refreshes, the rest keep `stale`.
    async fn refresh_in_advisory(
        &self,
        stale: Arc<Entry>,
    ) -> Result<Credentials, CredentialsError> {
        let Ok(mut flight) = self.flight.try_lock() else {
            notes::served_from_cache();
            return Ok(stale.credentials.clone());
        };
        // Another refresh may have finished between our load and the lock.
        let current = self.current.load_full();
        let mode = match &current {
            Some(entry) => entry.freshness(self.config.clock.now()),
            None => Freshness::Mandatory,
        };
        if let (Some(entry), Freshness::Fresh) = (&current, mode) {
            notes::served_from_cache();
            return Ok(entry.credentials.clone());
        }
        match self.refresh(&mut flight).await {
            Ok(credentials) => Ok(credentials),
            Err(err) if mode == Freshness::Advisory => {
                let entry = current.unwrap_or(stale);
                if entry.freshness(self.config.clock.now()) == Freshness::Mandatory {
                    return Err(err);
                }
                notes::warn(format!(
                    "advisory credentials refresh failed, keeping the current credentials ({}, \
                     expire at {}): {err}",
                    mask_access_key_id(entry.credentials.access_key_id()),
                    entry
                        .credentials
                        .expiry()
                        .map_or_else(|| "never".into(), rfc3339),
                ));
                Ok(entry.credentials.clone())
            }
            Err(err) => Err(err),
        }
    }
}

#[async_trait::async_trait]
impl<P: ProvideCredentials> ProvideCredentials for Cache<P> {
    async fn provide_credentials(&self) -> Result<Credentials, CredentialsError> {
        let seen = self.generation.load(Ordering::Acquire);
        let now = self.config.clock.now();
        let stale = {
            let guard = self.current.load();
            match &*guard {
                Some(entry) => match entry.freshness(now) {
                    Freshness::Fresh => {
                        notes::served_from_cache();
                        return Ok(entry.local());
                    }
                    Freshness::Advisory => Some(Arc::clone(entry)),
                    Freshness::Mandatory => None,
                },
                None => None,
            }
        };
        match stale {
            Some(entry) => self.refresh_in_advisory(entry).await,
            None => self.wait_for_refresh(seen).await,
        }
    }

    fn needs_runtime(&self) -> bool {
        self.inner.needs_runtime()
    }
}

impl<P: fmt::Debug> fmt::Debug for Cache<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let current = self.current.load();
        f.debug_struct("Cache")
            .field("inner", &self.inner)
            .field("config", &self.config)
            .field("cached", &current.as_ref().map(|e| &e.credentials))
            .finish()
    }
}

// ===== impl Entry =====

impl Entry {
    /// This thread's copy of the credentials.
    fn local(&self) -> Credentials {
        match self.replicas.len() {
            0 => self.credentials.clone(),
            n => self.replicas[thread_slot() % n].clone(),
        }
    }

    fn freshness(&self, now: SystemTime) -> Freshness {
        match (self.advisory_at, self.mandatory_at) {
            (_, Some(m)) if now >= m => Freshness::Mandatory,
            (Some(a), _) if now >= a => Freshness::Advisory,
            _ => Freshness::Fresh,
        }
    }
}

/// Independent copies of `c` (each its own allocation), one per available core up to 16; none
/// on a single core.
fn replicate(c: &Credentials) -> Box<[Credentials]> {
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    let cores =
        *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get().min(16)));
    if cores < 2 {
        return Box::new([]);
    }
    (0..cores)
        .map(|_| {
            Credentials::builder(c.access_key_id(), c.secret_access_key(), c.provider_name())
                .maybe_session_token(c.session_token().map(str::to_owned))
                .maybe_expiry(c.expiry())
                .maybe_account_id(c.account_id().map(str::to_owned))
                .build()
        })
        .collect()
}

/// A small number fixed per thread, handed out in turn, so threads spread over the replicas.
fn thread_slot() -> usize {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    thread_local! {
        static SLOT: usize = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
    SLOT.with(|s| *s)
}

#[cfg(test)]
mod replica_tests {
    use super::*;

    #[test]
    fn every_thread_sees_the_same_credentials() {
        let c = Credentials::builder("AKID", "secret", "test")
            .session_token("token")
            .account_id("123456789012")
            .build();
        let replicas = replicate(&c);
        for r in replicas.iter() {
            assert_eq!(
                (r.access_key_id(), r.secret_access_key(), r.session_token()),
                ("AKID", "secret", Some("token"))
            );
            assert_eq!(
                (r.account_id(), r.provider_name(), r.expiry()),
                (c.account_id(), "test", None)
            );
        }
        let slots: Vec<usize> = (0..4)
            .map(|_| std::thread::spawn(thread_slot).join().unwrap())
            .collect();
        let mut unique = slots.clone();
        unique.dedup();
        assert_eq!(unique.len(), 4, "threads get distinct slots: {slots:?}");
    }
}
