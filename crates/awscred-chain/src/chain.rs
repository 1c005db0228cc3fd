//! [`ChainProvider`]: ask providers in order; the first answer wins.

use std::borrow::Cow;
use std::fmt::{self, Write as _};
use std::sync::Arc;

use awscred_types::{Credentials, CredentialsError, ProvideCredentials, SharedProvider};

/// Asks its providers in order.
///
/// - The first `Ok` wins.
/// - `NotLoaded` means "nothing configured here": the chain records why and asks the next one.
/// - Any other error stops the chain at once, with that error (and the provider's name as a
///   `provider` field): a configured but broken provider must not be skipped silently, or the
///   caller would end up with someone else's identity.
/// - When every provider is `NotLoaded`, the error lists every provider and why it did not load,
///   one line each.
#[derive(Clone, Default)]
pub struct ChainProvider {
    providers: Vec<(Cow<'static, str>, SharedProvider)>,
}

/// What one provider of a chain did, for `explain`.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Step {
    /// It had nothing configured; the reason.
    Skipped(CredentialsError),
    /// It answered.
    Answered,
    /// It failed and stopped the chain.
    Failed(CredentialsError),
}

impl ChainProvider {
    /// An empty chain (which answers `NotLoaded`).
    pub fn new() -> Self {
        Self::default()
    }

    /// A chain that asks `provider` first (aws-config's shape:
    /// `ChainProvider::first_try("env", EnvProvider::default()).or_else("imds", imds)`).
    pub fn first_try(
        name: impl Into<Cow<'static, str>>,
        provider: impl ProvideCredentials + 'static,
    ) -> Self {
        Self::new().or_else(name, provider)
    }

    /// Asks `provider` after the providers already in the chain.
    pub fn or_else(
        mut self,
        name: impl Into<Cow<'static, str>>,
        provider: impl ProvideCredentials + 'static,
    ) -> Self {
        self.push(name, Arc::new(provider));
        self
    }

    /// Adds a provider at the end.
    pub fn push(&mut self, name: impl Into<Cow<'static, str>>, provider: SharedProvider) {
        self.providers.push((name.into(), provider));
    }

    /// Adds a provider at the end (builder form).
    pub fn with(mut self, name: impl Into<Cow<'static, str>>, provider: SharedProvider) -> Self {
        self.push(name, provider);
        self
    }

    /// Inserts a provider before the one named `before` (at the end when there is none).
    pub fn insert_before(
        &mut self,
        before: &str,
        name: impl Into<Cow<'static, str>>,
        provider: SharedProvider,
    ) {
        let at = self.position(before).unwrap_or(self.providers.len());
        self.providers.insert(at, (name.into(), provider));
    }

    /// Removes the provider named `name`; `true` if there was one.
    pub fn remove(&mut self, name: &str) -> bool {
        let before = self.providers.len();
        self.providers.retain(|(n, _)| n != name);
        before != self.providers.len()
    }

    /// Replaces the provider named `name`; `false` (and nothing changes) if there is none.
    pub fn replace(&mut self, name: &str, provider: SharedProvider) -> bool {
        match self.position(name) {
            Some(i) => {
                self.providers[i].1 = provider;
                true
            }
            None => false,
        }
    }

    /// Reorders the providers to follow `order` (names not listed keep their relative order,
    /// after the listed ones).
    pub fn reorder(&mut self, order: &[&str]) {
        self.providers
            .sort_by_key(|(n, _)| order.iter().position(|o| o == n).unwrap_or(order.len()));
    }

    /// The providers' names, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.providers.iter().map(|(n, _)| n.as_ref())
    }

    fn position(&self, name: &str) -> Option<usize> {
        self.providers.iter().position(|(n, _)| n == name)
    }

    /// Runs the chain and reports what each provider did (for `awscred explain`).
    pub async fn resolve_traced(&self) -> Traced {
        let mut steps = Vec::with_capacity(self.providers.len());
        for (name, provider) in &self.providers {
            let answer = provider.provide_credentials().await;
            if let Some(result) = settle(name, answer, &mut steps) {
                return (result, steps);
            }
        }
        (Err(none_configured(&steps)), steps)
    }

    /// [`resolve_traced`](Self::resolve_traced) without an async runtime, when the providers
    /// that need none settle it: an answer, or an error that stops the chain, before the first
    /// provider that [needs a runtime](ProvideCredentials::needs_runtime). `None` when that
    /// provider is reached: build a runtime and run [`resolve_traced`](Self::resolve_traced)
    /// (asking the first providers again costs only their reads of memory and the environment).
    /// So a one-shot command whose answer is static keys sets up no runtime at all.
    pub fn resolve_traced_now(&self) -> Option<Traced> {
        let mut steps = Vec::with_capacity(self.providers.len());
        for (name, provider) in &self.providers {
            let answer = awscred_types::answer_now(provider)?;
            if let Some(result) = settle(name, answer, &mut steps) {
                return Some((result, steps));
            }
        }
        Some((Err(none_configured(&steps)), steps))
    }
}

/// A resolution and what each provider did in it.
pub type Traced = (Result<Credentials, CredentialsError>, Vec<(String, Step)>);

/// Records what provider `name` did; `Some` when it ends the chain (an answer, or an error
/// other than `NotLoaded`).
fn settle(
    name: &str,
    answer: Result<Credentials, CredentialsError>,
    steps: &mut Vec<(String, Step)>,
) -> Option<Result<Credentials, CredentialsError>> {
    match answer {
        Ok(creds) => {
            tracing::debug!(
                provider = %name,
                access_key_id = %mask(creds.access_key_id()),
                expiry = ?creds.expiry(),
                "answered"
            );
            steps.push((name.to_owned(), Step::Answered));
            Some(Ok(creds))
        }
        Err(e) if e.is_not_loaded() => {
            tracing::debug!(provider = %name, "skipped: {}", e.message());
            steps.push((name.to_owned(), Step::Skipped(e)));
            None
        }
        Err(e) => {
            let e = if e.field("provider").is_some() {
                e
            } else {
                e.with("provider", name)
            };
            tracing::debug!(provider = %name, "failed: {e}");
            steps.push((name.to_owned(), Step::Failed(e.clone())));
            Some(Err(e))
        }
    }
}

/// The error of a chain in which no provider is configured, listing each and why.
fn none_configured(steps: &[(String, Step)]) -> CredentialsError {
    let mut message =
        String::from("no credentials found: every provider was asked, none is configured");
    for (name, step) in steps {
        if let Step::Skipped(e) = step {
            let _ = write!(message, "\n  {name}: {e}");
        }
    }
    CredentialsError::not_loaded(message)
}

#[async_trait::async_trait]
impl ProvideCredentials for ChainProvider {
    async fn provide_credentials(&self) -> Result<Credentials, CredentialsError> {
        self.resolve_traced().await.0
    }

    fn needs_runtime(&self) -> bool {
        self.providers.iter().any(|(_, p)| p.needs_runtime())
    }
}

impl fmt::Debug for ChainProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChainProvider")
            .field("providers", &self.names().collect::<Vec<_>>())
            .finish()
    }
}

/// `AKIAIOSFODNN7EXAMPLE` → `AKIA…MPLE` for logs.
fn mask(id: &str) -> String {
    match (
        id.get(..4),
        id.len().checked_sub(4).and_then(|i| id.get(i..)),
    ) {
        (Some(head), Some(tail)) if id.len() > 8 => format!("{head}…{tail}"),
        _ => "…".into(),
    }
}
