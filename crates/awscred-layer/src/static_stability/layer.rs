use std::fmt;
use std::sync::Arc;

use awscred_types::{SharedClock, SystemClock};
use tower_layer::Layer;

use super::StaticStability;

/// Wraps a provider in [`StaticStability`]: holds only the clock.
#[derive(Clone)]
pub struct StaticStabilityLayer {
    clock: SharedClock,
}

// ===== impl StaticStabilityLayer =====

impl StaticStabilityLayer {
    /// Static stability judged by the system clock.
    pub fn new() -> Self {
        Self::with_clock(Arc::new(SystemClock))
    }

    /// Static stability judged by `clock` (a `ManualClock` (feature `test-util`) in
    /// tests).
    pub const fn with_clock(clock: SharedClock) -> Self {
        Self { clock }
    }
}

impl Default for StaticStabilityLayer {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for StaticStabilityLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StaticStabilityLayer")
            .field("clock", &self.clock)
            .finish()
    }
}

impl<P> Layer<P> for StaticStabilityLayer {
    type Service = StaticStability<P>;

    fn layer(&self, inner: P) -> StaticStability<P> {
        StaticStability::new(inner, self.clock.clone())
    }
}
