use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use awscred_types::{SharedClock, SystemClock};
use tower_layer::Layer;

use super::Cache;

/// botocore's `_DEFAULT_ADVISORY_REFRESH_TIMEOUT`: one caller refreshes once credentials expire
/// within 15 minutes; everyone else keeps the current credentials.
pub const DEFAULT_ADVISORY_REFRESH: Duration = Duration::from_secs(15 * 60);

/// botocore's `_DEFAULT_MANDATORY_REFRESH_TIMEOUT`: once credentials expire within 10 minutes,
/// every caller waits for the refresh.
pub const DEFAULT_MANDATORY_REFRESH: Duration = Duration::from_secs(10 * 60);

/// How long the cache keeps credentials that already looked expired (or inside the mandatory
/// window) when they were fetched, before it asks again: 5 minutes.
pub const DEFAULT_SKEW_GRACE: Duration = Duration::from_secs(5 * 60);

/// Wraps a provider in a [`Cache`]: the configuration (clock and refresh windows), no state.
///
/// ```
/// use std::time::Duration;
/// use awscred_layer::CacheLayer;
/// use awscred_types::{Credentials, StaticProvider};
/// use tower_layer::Layer;
///
/// let layer = CacheLayer::new()
///     .advisory_refresh(Duration::from_secs(5 * 60))
///     .mandatory_refresh(Duration::from_secs(60));
/// let cached = layer.layer(StaticProvider::new(Credentials::new("AKID", "SECRET", "explicit")));
/// assert!(cached.cached().is_none()); // nothing fetched yet
/// ```
#[derive(Clone)]
pub struct CacheLayer {
    pub(super) clock: SharedClock,
    pub(super) advisory: Duration,
    pub(super) mandatory: Duration,
    pub(super) skew_grace: Duration,
}

// ===== impl CacheLayer =====

impl CacheLayer {
    /// botocore's windows (advisory 15 min, mandatory 10 min), a 5-minute skew grace and the
    /// system clock.
    pub fn new() -> Self {
        Self {
            clock: Arc::new(SystemClock),
            advisory: DEFAULT_ADVISORY_REFRESH,
            mandatory: DEFAULT_MANDATORY_REFRESH,
            skew_grace: DEFAULT_SKEW_GRACE,
        }
    }

    /// Sets the advisory window: inside it, exactly one caller refreshes while the others are
    /// served the current credentials. A window no longer than the mandatory one never applies.
    pub const fn advisory_refresh(mut self, before_expiry: Duration) -> Self {
        self.advisory = before_expiry;
        self
    }

    /// Sets the mandatory window: inside it, every caller waits for the (single) refresh.
    pub const fn mandatory_refresh(mut self, before_expiry: Duration) -> Self {
        self.mandatory = before_expiry;
        self
    }

    /// Sets both windows: [`advisory_refresh`](Self::advisory_refresh) and
    /// [`mandatory_refresh`](Self::mandatory_refresh). botocore's by default (advisory 15 min,
    /// mandatory 10 min); shorter ones suit sessions shorter than those.
    pub const fn refresh_windows(self, advisory: Duration, mandatory: Duration) -> Self {
        self.advisory_refresh(advisory).mandatory_refresh(mandatory)
    }

    /// Sets how long credentials that were already expired (or inside the mandatory window) when
    /// fetched are served before the cache asks again. Never zero in effect: a zero grace is
    /// raised to one second, so a skewed clock cannot make the cache refresh on every call.
    pub const fn skew_grace(mut self, grace: Duration) -> Self {
        self.skew_grace = grace;
        self
    }

    /// Sets the clock every time decision reads (a `ManualClock` (feature `test-util`)
    /// in tests).
    pub fn clock(mut self, clock: SharedClock) -> Self {
        self.clock = clock;
        self
    }
}

impl Default for CacheLayer {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for CacheLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CacheLayer")
            .field("clock", &self.clock)
            .field("advisory", &self.advisory)
            .field("mandatory", &self.mandatory)
            .field("skew_grace", &self.skew_grace)
            .finish()
    }
}

impl<P> Layer<P> for CacheLayer {
    type Service = Cache<P>;

    fn layer(&self, inner: P) -> Cache<P> {
        Cache::from_layer(inner, self.clone())
    }
}
