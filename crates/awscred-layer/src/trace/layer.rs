use std::borrow::Cow;

use tower_layer::Layer;

use super::{Trace, TraceLog};

/// Wraps a provider in [`Trace`]: the name to record and the log to record into.
#[derive(Clone, Debug)]
pub struct TraceLayer {
    name: Cow<'static, str>,
    log: TraceLog,
}

// ===== impl TraceLayer =====

impl TraceLayer {
    /// Records calls under `name` (such as `"assume-role"` or `"imds"`) into `log`.
    pub fn new(name: impl Into<Cow<'static, str>>, log: TraceLog) -> Self {
        Self {
            name: name.into(),
            log,
        }
    }
}

impl<P> Layer<P> for TraceLayer {
    type Service = Trace<P>;

    fn layer(&self, inner: P) -> Trace<P> {
        Trace::new(inner, self.name.clone(), self.log.clone())
    }
}
