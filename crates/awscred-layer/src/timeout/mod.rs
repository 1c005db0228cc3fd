//! Middleware that gives the wrapped provider a deadline.
//!
//! A call that takes longer than the deadline is dropped (cancelling the provider's work) and
//! answered with [`CredentialsError::TimedOut`], whose message names the deadline and whose cause
//! is [`error::Elapsed`]. Runs on tokio's timer (`tokio::time::timeout`), so it needs a tokio
//! runtime with time enabled.

pub mod error;
mod layer;

pub use self::layer::TimeoutLayer;

use std::time::Duration;

use awscred_types::{Credentials, CredentialsError, ProvideCredentials};

/// Fails a call with [`CredentialsError::TimedOut`] when the wrapped provider does not answer
/// within the deadline.
#[derive(Clone, Debug)]
pub struct Timeout<P> {
    inner: P,
    timeout: Duration,
}

// ===== impl Timeout =====

inner_accessors!(Timeout);

impl<P> Timeout<P> {
    /// Wraps `inner` with a deadline of `timeout` per call.
    pub const fn new(inner: P, timeout: Duration) -> Self {
        Self { inner, timeout }
    }

    /// The deadline.
    pub const fn timeout(&self) -> Duration {
        self.timeout
    }
}

#[async_trait::async_trait]
impl<P: ProvideCredentials> ProvideCredentials for Timeout<P> {
    async fn provide_credentials(&self) -> Result<Credentials, CredentialsError> {
        match tokio::time::timeout(self.timeout, self.inner.provide_credentials()).await {
            Ok(result) => result,
            Err(_elapsed) => Err(CredentialsError::timed_out(format!(
                "the credentials provider did not answer within {:?}",
                self.timeout
            ))
            .with_source(error::Elapsed::new())),
        }
    }
}
