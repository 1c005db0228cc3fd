use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use http::Response;

use crate::error::{HttpError, HttpErrorKind, TimeoutPhase};

/// Whether an outcome is worth another attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RetryKind {
    /// Final: return this outcome.
    DontRetry,
    /// A transient failure: connection failed, timed out before a response, or a 5xx.
    Transient,
    /// The service asked the caller to slow down (429, or a throttling error code).
    Throttling,
}

impl RetryKind {
    /// `true` unless [`DontRetry`](Self::DontRetry).
    pub fn is_retryable(self) -> bool {
        !matches!(self, Self::DontRetry)
    }
}

/// Decides whether an attempt's outcome is retried.
///
/// Implement this to teach [`Retry`](crate::Retry) about a service's error bodies (STS answers
/// throttling with `400` and `<Code>Throttling</Code>`), and delegate everything else to
/// [`DefaultClassifier`]. Only idempotent-enough calls belong behind a retry: credential calls
/// are.
pub trait ClassifyRetry: Send + Sync + fmt::Debug {
    /// Classifies one attempt's outcome.
    fn classify(&self, outcome: &Result<Response<Bytes>, HttpError>) -> RetryKind;
}

impl<T: ClassifyRetry + ?Sized> ClassifyRetry for Arc<T> {
    fn classify(&self, outcome: &Result<Response<Bytes>, HttpError>) -> RetryKind {
        (**self).classify(outcome)
    }
}

impl<T: ClassifyRetry + ?Sized> ClassifyRetry for Box<T> {
    fn classify(&self, outcome: &Result<Response<Bytes>, HttpError>) -> RetryKind {
        (**self).classify(outcome)
    }
}

/// Retries only what is safe for any credential endpoint:
///
/// - errors before any response: connection refused or failed, connect timeout, and a read
///   timeout while waiting for the response head ([`HttpError::is_before_response`], except TLS
///   failures, which another attempt will not fix, and proxy failures);
/// - status 429 (throttling) and 5xx except 501 Not Implemented (transient).
///
/// Everything else is final: other statuses (a 400 is returned to the provider, which may know
/// better: see [`ClassifyRetry`]), body timeouts, oversize bodies, TLS and configuration errors,
/// and connections that fail after the response started.
#[derive(Clone, Copy, Debug, Default)]
pub struct DefaultClassifier;

impl ClassifyRetry for DefaultClassifier {
    fn classify(&self, outcome: &Result<Response<Bytes>, HttpError>) -> RetryKind {
        match outcome {
            Ok(response) => classify_status(response.status().as_u16()),
            Err(err) => match err.kind() {
                HttpErrorKind::ConnectionRefused
                | HttpErrorKind::Connect
                | HttpErrorKind::TimedOut(TimeoutPhase::Connect | TimeoutPhase::ResponseHead) => {
                    RetryKind::Transient
                }
                _ => RetryKind::DontRetry,
            },
        }
    }
}

/// 429 is throttling; 5xx except 501 is transient; the rest is final.
pub fn classify_status(status: u16) -> RetryKind {
    match status {
        429 => RetryKind::Throttling,
        501 => RetryKind::DontRetry,
        500..=599 => RetryKind::Transient,
        _ => RetryKind::DontRetry,
    }
}

/// botocore's throttling error codes (standard retry mode), for classifiers that parse a
/// service's error body.
pub const THROTTLING_ERROR_CODES: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
];

/// botocore's transient error codes (standard retry mode).
pub const TRANSIENT_ERROR_CODES: &[&str] = &[
    "RequestTimeout",
    "RequestTimeoutException",
    "PriorRequestNotComplete",
];

/// The kind for an AWS error code, by botocore's standard-mode lists (exact match).
pub fn classify_error_code(code: &str) -> RetryKind {
    if THROTTLING_ERROR_CODES.contains(&code) {
        RetryKind::Throttling
    } else if TRANSIENT_ERROR_CODES.contains(&code) {
        RetryKind::Transient
    } else {
        RetryKind::DontRetry
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(code: u16) -> Result<Response<Bytes>, HttpError> {
        let mut r = Response::new(Bytes::new());
        *r.status_mut() = http::StatusCode::from_u16(code).unwrap();
        Ok(r)
    }

    #[test]
    fn statuses() {
        let c = DefaultClassifier;
        assert_eq!(c.classify(&status(200)), RetryKind::DontRetry);
        assert_eq!(c.classify(&status(400)), RetryKind::DontRetry);
        assert_eq!(c.classify(&status(403)), RetryKind::DontRetry);
        assert_eq!(c.classify(&status(429)), RetryKind::Throttling);
        assert_eq!(c.classify(&status(500)), RetryKind::Transient);
        assert_eq!(c.classify(&status(501)), RetryKind::DontRetry);
        assert_eq!(c.classify(&status(503)), RetryKind::Transient);
    }

    #[test]
    fn errors() {
        let c = DefaultClassifier;
        let e = |k| Err(HttpError::new(k, "x"));
        assert!(
            c.classify(&e(HttpErrorKind::ConnectionRefused))
                .is_retryable()
        );
        assert!(c.classify(&e(HttpErrorKind::Connect)).is_retryable());
        assert!(
            c.classify(&e(HttpErrorKind::TimedOut(TimeoutPhase::Connect)))
                .is_retryable()
        );
        assert!(
            c.classify(&e(HttpErrorKind::TimedOut(TimeoutPhase::ResponseHead)))
                .is_retryable()
        );
        assert!(
            !c.classify(&e(HttpErrorKind::TimedOut(TimeoutPhase::ResponseBody)))
                .is_retryable()
        );
        assert!(!c.classify(&e(HttpErrorKind::BodyTooLarge)).is_retryable());
        assert!(!c.classify(&e(HttpErrorKind::Tls)).is_retryable());
        assert!(!c.classify(&e(HttpErrorKind::Io)).is_retryable());
        assert!(!c.classify(&e(HttpErrorKind::InvalidUrl)).is_retryable());
    }

    #[test]
    fn codes() {
        assert_eq!(classify_error_code("Throttling"), RetryKind::Throttling);
        assert_eq!(classify_error_code("RequestTimeout"), RetryKind::Transient);
        assert_eq!(classify_error_code("AccessDenied"), RetryKind::DontRetry);
        assert_eq!(classify_error_code("throttling"), RetryKind::DontRetry);
    }
}
