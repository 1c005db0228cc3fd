//! Middleware that records every call into a shared [`TraceLog`]: the provider's name, the
//! outcome (answered / not loaded: reason / failed: error), the duration, whether it was served
//! from a cache, and the warnings the layers below recorded.
//!
//! Secrets never enter the log: an answer is recorded as its masked access key id
//! (`AKIA************MPLE`), its method and its expiry.
//!
//! Warnings and the cache flag reach `Trace` through a tokio task-local scope that it opens
//! around the call; warnings recorded inside a nested `Trace` also reach the outer one.

mod layer;
mod log;

pub use self::layer::TraceLayer;
pub use self::log::{TraceEvent, TraceLog, TraceOutcome};

use std::borrow::Cow;
use std::time::Instant;

use awscred_types::{Credentials, CredentialsError, ProvideCredentials};

use crate::notes::{self, mask_access_key_id};

/// Records each call of the wrapped provider into a [`TraceLog`]. See the [module docs](self).
#[derive(Clone, Debug)]
pub struct Trace<P> {
    inner: P,
    name: Cow<'static, str>,
    log: TraceLog,
}

// ===== impl Trace =====

inner_accessors!(Trace);

impl<P> Trace<P> {
    /// Records calls of `inner` under `name` into `log`.
    pub const fn new(inner: P, name: Cow<'static, str>, log: TraceLog) -> Self {
        Self { inner, name, log }
    }

    /// The log this layer records into.
    pub const fn log(&self) -> &TraceLog {
        &self.log
    }
}

#[async_trait::async_trait]
impl<P: ProvideCredentials> ProvideCredentials for Trace<P> {
    async fn provide_credentials(&self) -> Result<Credentials, CredentialsError> {
        let start = Instant::now();
        let (result, call) = notes::collect(self.inner.provide_credentials()).await;
        let duration = start.elapsed();
        let outcome = match &result {
            Ok(c) => TraceOutcome::Answered {
                access_key_id: mask_access_key_id(c.access_key_id()),
                expiry: c.expiry(),
                method: c.provider_name(),
            },
            Err(e) if e.is_not_loaded() => TraceOutcome::NotLoaded {
                reason: e.to_string(),
            },
            Err(e) => TraceOutcome::Failed {
                kind: e.kind_name(),
                error: e.to_string(),
            },
        };
        self.log.record(TraceEvent {
            provider: self.name.clone(),
            outcome,
            duration,
            from_cache: call.from_cache,
            warnings: call.warnings,
        });
        result
    }

    fn needs_runtime(&self) -> bool {
        self.inner.needs_runtime()
    }
}
