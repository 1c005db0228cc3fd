use std::borrow::Cow;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use crate::notes::rfc3339;

/// A shared, cloneable record of traced calls, in the order they finished, for a program to
/// show or keep. Clones share the same records.
///
/// Holds no secrets: only provider names, masked access key ids, expiry times, error `Display`s
/// (which by the [`CredentialsError`](awscred_types::CredentialsError) contract never contain
/// secrets) and warnings.
#[derive(Clone, Default)]
pub struct TraceLog {
    events: Arc<Mutex<Vec<TraceEvent>>>,
}

/// One traced call.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TraceEvent {
    /// The name given to the [`TraceLayer`](super::TraceLayer).
    pub provider: Cow<'static, str>,
    /// How the call ended.
    pub outcome: TraceOutcome,
    /// Wall time the call took (monotonic clock).
    pub duration: Duration,
    /// `true` when the call was answered without this call reaching the provider below a
    /// [`Cache`](crate::Cache) (a cache hit, or the result of a refresh another caller made).
    pub from_cache: bool,
    /// Warnings the layers below recorded during the call (skew, static stability, retries,
    /// failed advisory refresh).
    pub warnings: Vec<String>,
}

/// How a traced call ended.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TraceOutcome {
    /// Credentials were returned.
    Answered {
        /// The access key id, masked (`AKIA************MPLE`).
        access_key_id: String,
        /// When the credentials expire, if they do.
        expiry: Option<SystemTime>,
        /// The [`provider_name`](awscred_types::Credentials::provider_name) the credentials carry
        /// (botocore's method name).
        method: &'static str,
    },
    /// The provider is not configured here ([`CredentialsError::NotLoaded`](awscred_types::CredentialsError::NotLoaded)).
    NotLoaded {
        /// The error's `Display`.
        reason: String,
    },
    /// The provider failed (any other error kind).
    Failed {
        /// The error's variant ([`CredentialsError::kind_name`](awscred_types::CredentialsError::kind_name)).
        kind: &'static str,
        /// The error's `Display`.
        error: String,
    },
}

// ===== impl TraceLog =====

impl TraceLog {
    /// An empty log.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends an event.
    pub fn record(&self, event: TraceEvent) {
        self.lock().push(event);
    }

    /// A copy of the events so far.
    pub fn events(&self) -> Vec<TraceEvent> {
        self.lock().clone()
    }

    /// Removes and returns the events so far.
    pub fn take(&self) -> Vec<TraceEvent> {
        std::mem::take(&mut *self.lock())
    }

    /// How many events were recorded.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<TraceEvent>> {
        self.events.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl fmt::Debug for TraceLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TraceLog")
            .field("events", &*self.lock())
            .finish()
    }
}

impl fmt::Display for TraceLog {
    /// One event per line (warnings indented on the lines below their event).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for event in self.lock().iter() {
            writeln!(f, "{event}")?;
        }
        Ok(())
    }
}

// ===== impl TraceEvent =====

impl fmt::Display for TraceEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.provider)?;
        match &self.outcome {
            TraceOutcome::Answered {
                access_key_id,
                expiry,
                method,
            } => {
                write!(f, "answered ({access_key_id}, method {method}")?;
                match expiry {
                    Some(t) => write!(f, ", expires {})", rfc3339(*t))?,
                    None => f.write_str(", no expiry)")?,
                }
            }
            TraceOutcome::NotLoaded { reason } => write!(f, "not loaded: {reason}")?,
            TraceOutcome::Failed { error, .. } => write!(f, "failed: {error}")?,
        }
        write!(f, " in {:?}", self.duration)?;
        if self.from_cache {
            f.write_str(" (from cache)")?;
        }
        for warning in &self.warnings {
            write!(f, "\n  warning: {warning}")?;
        }
        Ok(())
    }
}
