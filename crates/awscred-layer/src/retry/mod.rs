//! Middleware that retries a provider whose failure is transient.
//!
//! Transient means [`ProviderError`](CredentialsError::ProviderError) or
//! [`TimedOut`](CredentialsError::TimedOut). `NotLoaded` and `InvalidConfiguration` are never
//! retried: asking again cannot change the configuration. Between attempts the layer sleeps with
//! capped exponential backoff and full jitter (`fastrand`), on tokio's timer. After the last
//! attempt the last error is returned with an `attempts` field.

mod layer;

pub use self::layer::{
    DEFAULT_BASE_DELAY, DEFAULT_MAX_ATTEMPTS, DEFAULT_MAX_DELAY, ProviderRetryLayer,
};

use std::time::Duration;

use awscred_types::{Credentials, CredentialsError, ProvideCredentials};

use crate::notes;

/// Retries the wrapped provider on transient errors. See the [module docs](self).
#[derive(Clone, Debug)]
pub struct ProviderRetry<P> {
    inner: P,
    config: ProviderRetryLayer,
}

/// Whether `err` is worth another attempt.
pub fn is_transient(err: &CredentialsError) -> bool {
    err.is_provider_error() || err.is_timed_out()
}

// ===== impl ProviderRetry =====

inner_accessors!(ProviderRetry);

impl<P> ProviderRetry<P> {
    /// Wraps `inner` with the attempt limit and backoff of `config`.
    pub const fn new(inner: P, config: ProviderRetryLayer) -> Self {
        Self { inner, config }
    }

    /// The full-jitter backoff before retry `retry` (1-based).
    fn backoff(&self, retry: u32) -> Duration {
        let exp = 2u32.saturating_pow(retry.saturating_sub(1));
        let ceiling = self
            .config
            .base_delay
            .saturating_mul(exp)
            .min(self.config.max_delay);
        ceiling.mul_f64(fastrand::f64())
    }
}

#[async_trait::async_trait]
impl<P: ProvideCredentials> ProvideCredentials for ProviderRetry<P> {
    async fn provide_credentials(&self) -> Result<Credentials, CredentialsError> {
        let max = self.config.max_attempts.max(1);
        let mut attempt = 1;
        loop {
            match self.inner.provide_credentials().await {
                Ok(credentials) => return Ok(credentials),
                Err(err) if is_transient(&err) && attempt < max => {
                    let delay = self.backoff(attempt);
                    notes::warn(format!(
                        "attempt {attempt} of {max} failed; retrying in {delay:?}: {err}"
                    ));
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                }
                Err(err) if is_transient(&err) => return Err(err.with("attempts", attempt)),
                Err(err) => return Err(err),
            }
        }
    }
}
