use std::fmt;
use std::sync::Arc;

use tower_layer::Layer;

use super::{ClassifyRetry, DefaultClassifier, Retry, RetryConfig};

/// Wraps a service in [`Retry`]: the configuration (attempts, backoff) and the classifier.
///
/// ```
/// use awscred_http::{HttpClient, RetryConfig, RetryLayer};
/// use tower_layer::Layer;
///
/// let client = HttpClient::builder().build()?;
/// let retrying = RetryLayer::new(RetryConfig::default()).layer(client);
/// # let _ = retrying;
/// # Ok::<(), awscred_http::HttpError>(())
/// ```
#[derive(Clone)]
pub struct RetryLayer {
    config: RetryConfig,
    classifier: Arc<dyn ClassifyRetry>,
}

// ===== impl RetryLayer =====

impl RetryLayer {
    /// Retries by `config` with the [`DefaultClassifier`].
    pub fn new(config: RetryConfig) -> Self {
        Self {
            config,
            classifier: Arc::new(DefaultClassifier),
        }
    }

    /// Replaces the classifier (for example, one that also retries STS's `400 Throttling`).
    pub fn with_classifier(mut self, classifier: impl ClassifyRetry + 'static) -> Self {
        self.classifier = Arc::new(classifier);
        self
    }

    /// The configuration.
    pub fn config(&self) -> &RetryConfig {
        &self.config
    }
}

impl<S> Layer<S> for RetryLayer {
    type Service = Retry<S>;

    fn layer(&self, inner: S) -> Retry<S> {
        Retry::new(inner, self.config, self.classifier.clone())
    }
}

impl fmt::Debug for RetryLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryLayer")
            .field("config", &self.config)
            .field("classifier", &self.classifier)
            .finish()
    }
}
