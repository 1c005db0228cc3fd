use std::time::Duration;

use tower_layer::Layer;

use super::ProviderRetry;

/// Wraps a provider in [`ProviderRetry`]: the attempt limit and the backoff bounds.
#[derive(Clone, Copy, Debug)]
pub struct ProviderRetryLayer {
    pub(super) max_attempts: u32,
    pub(super) base_delay: Duration,
    pub(super) max_delay: Duration,
}

/// Default attempts in all (the first call plus two retries), as botocore's legacy retry mode
/// does for its credential fetchers.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 3;
/// Default base of the exponential backoff.
pub const DEFAULT_BASE_DELAY: Duration = Duration::from_millis(100);
/// Default cap on one backoff.
pub const DEFAULT_MAX_DELAY: Duration = Duration::from_secs(20);

// ===== impl ProviderRetryLayer =====

impl ProviderRetryLayer {
    /// [`DEFAULT_MAX_ATTEMPTS`] attempts, backoff base [`DEFAULT_BASE_DELAY`], cap
    /// [`DEFAULT_MAX_DELAY`].
    pub const fn new() -> Self {
        Self {
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            base_delay: DEFAULT_BASE_DELAY,
            max_delay: DEFAULT_MAX_DELAY,
        }
    }

    /// Sets the number of attempts in all (at least 1: a value of 0 is treated as 1).
    pub const fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts;
        self
    }

    /// Sets the backoff base: before retry `n` (1-based) the layer sleeps a uniformly random
    /// time in `[0, min(max_delay, base · 2^(n−1)))` ("full jitter").
    pub const fn base_delay(mut self, base: Duration) -> Self {
        self.base_delay = base;
        self
    }

    /// Sets the cap on one backoff.
    pub const fn max_delay(mut self, cap: Duration) -> Self {
        self.max_delay = cap;
        self
    }
}

impl Default for ProviderRetryLayer {
    fn default() -> Self {
        Self::new()
    }
}

impl<P> Layer<P> for ProviderRetryLayer {
    type Service = ProviderRetry<P>;

    fn layer(&self, inner: P) -> ProviderRetry<P> {
        ProviderRetry::new(inner, *self)
    }
}
