//! Retries with capped exponential backoff and full jitter, for what is safe to retry.
//!
//! [`RetryLayer`] holds the configuration, [`Retry`] the behaviour (tower's layout).
//! [`RetryConfig`] reads botocore's `retry_mode` / `max_attempts` settings.

use std::fmt;
use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{Request, Response};
use tower_service::Service;

use crate::error::{HttpError, redact_url};

mod classify;
mod config;
mod layer;

pub use self::classify::{
    ClassifyRetry, DefaultClassifier, RetryKind, THROTTLING_ERROR_CODES, TRANSIENT_ERROR_CODES,
    classify_error_code, classify_status,
};
pub use self::config::{InvalidRetryMode, RetryConfig, RetryMode};
pub use self::layer::RetryLayer;

/// How many attempts a response took, set by [`Retry`] in the response's extensions (errors
/// carry the same number in [`HttpError::attempts`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Attempts(pub u32);

/// Calls the inner service again when the classifier says the outcome is retryable, up to
/// `max_attempts` in total, sleeping (on tokio's timer) a jittered, capped, exponential delay
/// between attempts.
///
/// The inner service must be cheap to clone (as [`HttpClient`](crate::HttpClient) is): each
/// call runs on a clone, as tower's own retry does. The request is cloned for each attempt
/// (`Bytes` bodies make that cheap).
#[derive(Clone)]
pub struct Retry<S> {
    inner: S,
    config: RetryConfig,
    classifier: Arc<dyn ClassifyRetry>,
}

// ===== impl Retry =====

impl<S> Retry<S> {
    /// Wraps `inner`; usually built by [`RetryLayer`].
    pub const fn new(inner: S, config: RetryConfig, classifier: Arc<dyn ClassifyRetry>) -> Self {
        Self {
            inner,
            config,
            classifier,
        }
    }

    /// The inner service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// The inner service, mutably.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.inner
    }

    /// Unwraps the inner service.
    pub fn into_inner(self) -> S {
        self.inner
    }

    /// The configuration.
    pub fn config(&self) -> &RetryConfig {
        &self.config
    }
}

impl<S> Service<Request<Bytes>> for Retry<S>
where
    S: Service<Request<Bytes>, Response = Response<Bytes>, Error = HttpError>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    type Response = Response<Bytes>;
    type Error = HttpError;
    type Future = Pin<Box<dyn Future<Output = Result<Response<Bytes>, HttpError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<Bytes>) -> Self::Future {
        // Use the service that `poll_ready` readied, and leave a fresh clone behind.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let config = self.config;
        let classifier = self.classifier.clone();
        Box::pin(async move {
            let max = config.max_attempts().max(1);
            let mut attempt = 1;
            loop {
                let outcome = inner.call(request.clone()).await;
                let kind = classifier.classify(&outcome);
                if !kind.is_retryable() || attempt >= max {
                    return match outcome {
                        Ok(mut response) => {
                            response.extensions_mut().insert(Attempts(attempt));
                            Ok(response)
                        }
                        Err(err) => Err(err.with_attempts(attempt)),
                    };
                }
                let delay = config.backoff(attempt, fastrand::f64());
                tracing::debug!(
                    url = %redact_url(request.uri()),
                    attempt,
                    ?kind,
                    outcome = %Outcome(&outcome),
                    ?delay,
                    "retrying"
                );
                drop(outcome);
                tokio::time::sleep(delay).await;
                attempt += 1;
                poll_fn(|cx| inner.poll_ready(cx))
                    .await
                    .map_err(|e| e.with_attempts(attempt))?;
            }
        })
    }
}

/// Shows an outcome in a log line: the status, or the error (never a body or header).
struct Outcome<'a>(&'a Result<Response<Bytes>, HttpError>);

impl fmt::Display for Outcome<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Ok(response) => write!(f, "status {}", response.status().as_u16()),
            Err(err) => fmt::Display::fmt(err, f),
        }
    }
}

impl<S: fmt::Debug> fmt::Debug for Retry<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Retry")
            .field("inner", &self.inner)
            .field("config", &self.config)
            .field("classifier", &self.classifier)
            .finish()
    }
}
