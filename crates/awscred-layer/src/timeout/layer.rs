use std::time::Duration;

use tower_layer::Layer;

use super::Timeout;

/// Wraps a provider in a [`Timeout`]: holds only the deadline.
#[derive(Clone, Copy, Debug)]
pub struct TimeoutLayer {
    timeout: Duration,
}

// ===== impl TimeoutLayer =====

impl TimeoutLayer {
    /// A deadline of `timeout` for each call.
    pub const fn new(timeout: Duration) -> Self {
        Self { timeout }
    }
}

impl<P> Layer<P> for TimeoutLayer {
    type Service = Timeout<P>;

    fn layer(&self, inner: P) -> Timeout<P> {
        Timeout::new(inner, self.timeout)
    }
}
