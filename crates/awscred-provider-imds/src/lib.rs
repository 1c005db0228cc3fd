//! Credentials from the EC2 instance metadata service (IMDS): the instance profile's role.
//!
//! This crate provides:
//! - [`ImdsProvider`], built with [`ImdsProvider::builder`]: a [`ProvideCredentials`] that asks
//!   IMDS for an IMDSv2 session token, falls back to IMDSv1 (no token) when the token cannot be
//!   had and IMDSv1 is allowed, lists the role and fetches its credentials, named `iam-role`
//!   ([`PROVIDER_NAME`], botocore's `Credentials.method`). The token is cached and reused until
//!   two minutes before it expires. The whole lookup runs under **one time budget**.
//! - [`ImdsSettings`] and [`resolve_endpoint`]: every setting botocore reads for IMDS, resolved
//!   from code, the environment and the selected profile before any I/O (the endpoint vectors
//!   run through [`resolve_endpoint`] without sending anything), with [`Endpoint`],
//!   [`EndpointMode`] and [`is_disabled`].
//!
//! Calls need a tokio runtime with the IO and time drivers enabled. How it is configured, how a lookup runs, its one time budget and static stability:
//! [`manual`].
//!
//! # Where this crate sits
//!
//! One of the `awscred-provider-*` crates, last in the default chain (`awscred-chain`). It
//! depends on `awscred-types`, `awscred-profile` (the selected profile's [`Section`]),
//! `awscred-http` (the client, with its IMDS preset), tokio's timer, serde_json, `time` and
//! fastrand. Applications reach it through the `awscred` facade.
//!
//! # What is written by hand, and why
//!
//! The retry loops and the race between the token and IMDSv1 requests: `awscred-http`'s
//! `RetryLayer` retries each request on its own, while here every attempt must share one
//! deadline, and IMDS gives statuses their own meanings (403 to the token request means "IMDS is
//! disabled", 404 or 405 "use IMDSv1", 404 on the role
//! list means "no role"). The race is a two-future `poll_fn`, so no task is spawned and nothing
//! outlives a dropped call. The credentials document is checked over a `serde_json::Value`
//! rather than deserialised, because serde's typed errors quote the offending value.
//!
//! # Compiler support
//!
//! The minimum supported Rust version is the workspace `rust-version` (see `docs/MSRV.md`).
#![warn(missing_docs)]

mod config;
mod credentials;
mod fetch;
pub mod manual;

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use awscred_http::{HttpClient, HttpClientBuilder, LazyClient};
use awscred_types::{Credentials, CredentialsError, ProvideCredentials, SharedClock, Sources};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tokio::time::{Instant, timeout_at};

pub use awscred_profile::Section;
pub use config::{
    ATTEMPTS_KEY, ATTEMPTS_VAR, DEFAULT_ATTEMPTS, DEFAULT_TIMEOUT, DISABLED_VAR, ENDPOINT_KEY,
    ENDPOINT_MODE_KEY, ENDPOINT_MODE_VAR, ENDPOINT_VAR, Endpoint, EndpointMode, IPV4_ENDPOINT,
    IPV6_ENDPOINT, ImdsSettings, InvalidEndpointMode, MAX_ATTEMPTS, MAX_TIMEOUT, Overrides,
    TIMEOUT_KEY, TIMEOUT_VAR, USE_IPV6_KEY, USE_IPV6_VAR, V1_DISABLED_KEY, V1_DISABLED_VAR,
    is_disabled, resolve_endpoint,
};

use crate::fetch::{Lookup, TokenCache};

/// The provider name the credentials carry (botocore's `InstanceMetadataProvider.METHOD`).
pub const PROVIDER_NAME: &str = "iam-role";

/// How long after the budget the outer guard waits before it cuts a lookup short. The lookup's
/// own limits end it at the budget; the guard is only a backstop.
const BUDGET_GUARD: Duration = Duration::from_millis(50);

/// Credentials of the instance profile's role, from IMDS; see the [crate documentation](crate).
///
/// Cloning is cheap, and clones share the cached token. `Debug` never shows the token.
#[derive(Clone)]
pub struct ImdsProvider {
    inner: Arc<Inner>,
}

struct Inner {
    disabled: bool,
    settings: Result<ImdsSettings, CredentialsError>,
    http: LazyClient,
    clock: SharedClock,
    tokens: TokenCache,
    last_warning: Mutex<Option<String>>,
    /// IMDS has answered before: this is an instance, so silence now is an outage.
    answered: std::sync::atomic::AtomicBool,
}

/// Configures an [`ImdsProvider`]; see [`ImdsProvider::builder`].
#[derive(Clone)]
pub struct ImdsProviderBuilder {
    sources: Sources,
    profile: Option<Section>,
    http: Option<HttpClient>,
    overrides: Overrides,
}

// ===== impl ImdsProvider =====

impl ImdsProvider {
    /// Starts configuring a provider reading the environment and the clock of `sources` (by
    /// default: no profile, and `awscred-http`'s IMDS client, built on the first call).
    pub fn builder(sources: &Sources) -> ImdsProviderBuilder {
        ImdsProviderBuilder {
            sources: sources.clone(),
            profile: None,
            http: None,
            overrides: Overrides::default(),
        }
    }

    /// The settings read at build time, or the configuration error every call returns.
    pub fn settings(&self) -> Result<&ImdsSettings, &CredentialsError> {
        self.inner.settings.as_ref()
    }

    /// Whether `AWS_EC2_METADATA_DISABLED` turned the provider off.
    pub fn is_disabled(&self) -> bool {
        self.inner.disabled
    }

    /// Whether a token is cached and still usable now.
    pub fn has_cached_token(&self) -> bool {
        self.inner.tokens.is_cached(self.inner.clock.now())
    }

    /// The last static-stability warning: IMDS returned credentials that were expired, or
    /// about to expire, and their expiry was extended.
    pub fn last_warning(&self) -> Option<String> {
        self.inner
            .last_warning
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    async fn load(&self) -> Result<Credentials, CredentialsError> {
        let inner = &*self.inner;
        if inner.disabled {
            return Err(CredentialsError::not_loaded(
                "the instance metadata service (IMDS) is disabled: AWS_EC2_METADATA_DISABLED is \
                 true",
            )
            .with("key", DISABLED_VAR));
        }
        let settings = inner.settings.as_ref().map_err(Clone::clone)?;
        let http = inner.http.get()?;
        let start = Instant::now();
        let deadline = start + settings.budget();
        let lookup = Lookup {
            settings,
            http,
            clock: &*inner.clock,
            tokens: &inner.tokens,
            start,
            deadline,
        };
        let parsed = match timeout_at(deadline + BUDGET_GUARD, lookup.run()).await {
            Ok(result) => result?,
            Err(_) if settings.v1_disabled => {
                return Err(lookup.v1_disabled_error("the time budget ran out"));
            }
            Err(_) => return Err(lookup.out_of_time("the credentials")),
        };
        if let Some(original) = parsed.extended_from {
            self.warn_extended(original, &parsed.credentials);
        }
        Ok(parsed.credentials)
    }

    fn warn_extended(&self, original: SystemTime, credentials: &Credentials) {
        let show = |t: SystemTime| {
            OffsetDateTime::from(t)
                .format(&Rfc3339)
                .unwrap_or_else(|_| "?".to_owned())
        };
        let until = credentials.expiry().map_or_else(|| "?".to_owned(), show);
        let message = format!(
            "IMDS returned credentials that expire at {}, within 15 minutes: using them until \
             {until} and asking IMDS again then (static stability)",
            show(original)
        );
        tracing::warn!(access_key_id = credentials.access_key_id(), "{message}");
        *self
            .inner
            .last_warning
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(message);
    }
}

impl Default for ImdsProvider {
    /// A provider over the real environment and clock ([`Sources::system`]), no profile.
    fn default() -> Self {
        Self::builder(&Sources::system()).build()
    }
}

impl fmt::Debug for ImdsProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &*self.inner;
        let mut d = f.debug_struct("ImdsProvider");
        d.field("disabled", &inner.disabled);
        match &inner.settings {
            Ok(settings) => d.field("settings", settings),
            Err(err) => d.field("settings", err),
        };
        d.field("clock", &inner.clock)
            .field("token_cached", &self.has_cached_token())
            .finish()
    }
}

#[async_trait::async_trait]
impl ProvideCredentials for ImdsProvider {
    async fn provide_credentials(&self) -> Result<Credentials, CredentialsError> {
        use std::sync::atomic::Ordering;
        match self.load().await {
            Ok(c) => {
                self.inner.answered.store(true, Ordering::Relaxed);
                Ok(c)
            }
            // First silence means "not on EC2" (botocore's NotLoaded); after IMDS has answered,
            // silence is an outage, which a static-stability layer may ride out.
            Err(e) if e.is_not_loaded() && self.inner.answered.load(Ordering::Relaxed) => Err(
                awscred_types::CredentialsError::ProviderError(e.into_context()),
            ),
            Err(e) => Err(e),
        }
    }
}

// ===== impl ImdsProviderBuilder =====

impl ImdsProviderBuilder {
    /// The selected profile, whose keys are read after the environment (default: none). Pass
    /// `set.profile(name).cloned()` for a profile that may not exist.
    pub fn profile(mut self, profile: impl Into<Option<Section>>) -> Self {
        self.profile = profile.into();
        self
    }

    /// The HTTP client (default: `HttpClientBuilder::imds()`, with no proxy). Its own timeouts
    /// are replaced, request by request, by the IMDS timeout and what is left of the budget.
    pub fn http_client(mut self, client: HttpClient) -> Self {
        self.http = Some(client);
        self
    }

    /// The base URL, over every configured endpoint and mode (tests point it at a loopback
    /// server).
    pub fn endpoint_override(mut self, url: impl Into<String>) -> Self {
        self.overrides.endpoint = Some(url.into());
        self
    }

    /// The endpoint mode, over the configured modes (but not over a configured endpoint).
    pub fn endpoint_mode_override(mut self, mode: EndpointMode) -> Self {
        self.overrides.endpoint_mode = Some(mode);
        self
    }

    /// The timeout of one request and of one attempt of the budget, over
    /// `AWS_METADATA_SERVICE_TIMEOUT` / `metadata_service_timeout`.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.overrides.timeout = Some(timeout);
        self
    }

    /// The attempts per request, over `AWS_METADATA_SERVICE_NUM_ATTEMPTS` /
    /// `metadata_service_num_attempts`.
    pub fn attempts(mut self, attempts: u32) -> Self {
        self.overrides.attempts = Some(attempts);
        self
    }

    /// Reads the configuration and finishes the provider. Never fails: a configuration error is
    /// returned by each call instead (see [`ImdsProvider::settings`]).
    pub fn build(self) -> ImdsProvider {
        let env = self.sources.env;
        let disabled = is_disabled(&*env);
        let settings = ImdsSettings::resolve(&*env, self.profile.as_ref(), &self.overrides);
        let http = match self.http {
            Some(client) => LazyClient::ready(client),
            None => LazyClient::new(HttpClientBuilder::imds()),
        };
        ImdsProvider {
            inner: Arc::new(Inner {
                disabled,
                settings,
                http,
                clock: self.sources.clock,
                tokens: TokenCache::default(),
                last_warning: Mutex::new(None),
                answered: std::sync::atomic::AtomicBool::new(false),
            }),
        }
    }
}

impl fmt::Debug for ImdsProviderBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImdsProviderBuilder")
            .field("sources", &self.sources)
            .field("profile", &self.profile.as_ref().map(Section::name))
            .field("http", &self.http)
            .field("overrides", &self.overrides)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use awscred_types::FakeEnv;

    fn block_on<F: std::future::Future>(fut: F) -> F::Output {
        awscred_test::runtime().block_on(fut)
    }

    #[test]
    fn disabled_is_not_loaded_before_any_configuration_error() {
        let env = FakeEnv::new()
            .with(DISABLED_VAR, "True")
            .with(ENDPOINT_MODE_VAR, "IPv7");
        let p = ImdsProvider::builder(&Sources::default().with_env(Arc::new(env))).build();
        assert!(p.is_disabled());
        assert!(p.settings().is_err());
        let err = block_on(p.provide_credentials()).unwrap_err();
        assert!(err.is_not_loaded());
        assert_eq!(err.field("key"), Some(DISABLED_VAR));
    }

    #[test]
    fn configuration_errors_surface_on_each_call() {
        let env = FakeEnv::new().with(ATTEMPTS_VAR, "zero");
        let p = ImdsProvider::builder(&Sources::default().with_env(Arc::new(env))).build();
        for _ in 0..2 {
            let err = block_on(p.provide_credentials()).unwrap_err();
            assert!(err.is_invalid_configuration());
            assert_eq!(err.field("key"), Some(ATTEMPTS_VAR));
        }
        let shown = format!("{p:?}");
        assert!(shown.contains("ImdsProvider"), "{shown}");
    }

    #[test]
    fn builder_overrides_win() {
        let env = FakeEnv::new()
            .with(TIMEOUT_VAR, "5")
            .with(ENDPOINT_VAR, "http://env:1");
        let p = ImdsProvider::builder(&Sources::default().with_env(Arc::new(env)))
            .timeout(Duration::from_millis(300))
            .attempts(3)
            .endpoint_override("http://127.0.0.1:9")
            .build();
        let s = p.settings().unwrap();
        assert_eq!(s.endpoint.as_str(), "http://127.0.0.1:9/");
        assert_eq!(s.budget(), Duration::from_millis(900));
    }
}

/// Entry points for the fuzz targets (`fuzz/`) and their stable smoke tests. Not API.
#[doc(hidden)]
pub mod fuzz {
    /// Parses `bytes` as an IMDS credentials document; the result is dropped.
    pub fn credentials(bytes: &[u8]) {
        let now = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_800_000_000);
        let _ = crate::credentials::parse(bytes, now, std::time::Duration::from_secs(300));
    }
}
