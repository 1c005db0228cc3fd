//! Middleware that keeps serving the last good credentials while the provider is failing and
//! those credentials are still valid (the "static stability" of the IMDS and container
//! providers).
//!
//! - The provider answers: the answer is remembered and returned.
//! - The provider fails with [`ProviderError`](CredentialsError::ProviderError) or
//!   [`TimedOut`](CredentialsError::TimedOut), and the last good credentials are not expired at
//!   `now` (or never expire): they are returned, and a warning naming the error is recorded.
//! - Otherwise (expired, none yet, or the error is `NotLoaded` / `InvalidConfiguration`, which
//!   describe the configuration rather than an outage) the error is returned.
//!
//! In a stack it sits *inside* [`Cache`](crate::Cache), so the cache sees a success and, for
//! credentials inside the mandatory window, applies its skew grace instead of asking again on
//! every call.

mod layer;

pub use self::layer::StaticStabilityLayer;

use std::fmt;

use arc_swap::ArcSwapOption;
use awscred_types::{Credentials, CredentialsError, ProvideCredentials, SharedClock};

use crate::notes::{self, mask_access_key_id, rfc3339};

/// Serves the last good credentials, while they are valid, when the provider fails. See the
/// [module docs](self).
pub struct StaticStability<P> {
    inner: P,
    clock: SharedClock,
    last_good: ArcSwapOption<Credentials>,
}

// ===== impl StaticStability =====

inner_accessors!(StaticStability);

impl<P> StaticStability<P> {
    /// Wraps `inner`; `clock` decides whether remembered credentials are still valid.
    pub fn new(inner: P, clock: SharedClock) -> Self {
        Self {
            inner,
            clock,
            last_good: ArcSwapOption::empty(),
        }
    }

    /// The last credentials the provider returned, if any.
    pub fn last_good(&self) -> Option<Credentials> {
        self.last_good.load().as_deref().cloned()
    }
}

#[async_trait::async_trait]
impl<P: ProvideCredentials> ProvideCredentials for StaticStability<P> {
    async fn provide_credentials(&self) -> Result<Credentials, CredentialsError> {
        match self.inner.provide_credentials().await {
            Ok(credentials) => {
                self.last_good
                    .store(Some(std::sync::Arc::new(credentials.clone())));
                Ok(credentials)
            }
            Err(err) if (err.is_provider_error() || err.is_timed_out()) => {
                let now = self.clock.now();
                match self.last_good() {
                    Some(last) if !last.is_expired_at(now) => {
                        notes::warn(format!(
                            "credentials provider failed; serving the last good credentials \
                             from {} ({}, expire at {}) while they are valid: {err}",
                            last.provider_name(),
                            mask_access_key_id(last.access_key_id()),
                            last.expiry().map_or_else(|| "never".into(), rfc3339),
                        ));
                        Ok(last)
                    }
                    _ => Err(err),
                }
            }
            Err(err) => Err(err),
        }
    }

    fn needs_runtime(&self) -> bool {
        self.inner.needs_runtime()
    }
}

impl<P: fmt::Debug> fmt::Debug for StaticStability<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StaticStability")
            .field("inner", &self.inner)
            .field("clock", &self.clock)
            .field("last_good", &self.last_good())
            .finish()
    }
}
