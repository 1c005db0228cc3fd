//! awscred's credentials for aws-sdk-rust: profiles, role chains with MFA (the SDK has no MFA
//! prompt), SSO, `credential_process` and the AWS CLI's `~/.aws/cli/cache`, resolved as boto3
//! resolves them.
//!
//! This crate provides:
//! - [`SdkProvider`]: any awscred provider as
//!   [`aws_credential_types::provider::ProvideCredentials`], with awscred's [`Cache`] in front.
//!   Expiry, account id and provider name are carried; awscred's four error kinds map one to one
//!   onto the SDK's `not_loaded`, `invalid_configuration`, `provider_error` and
//!   `provider_timed_out`, the awscred error as the source (so its message is in the SDK's
//!   error); `fallback_on_interrupt` answers with the last good credentials while they are valid.
//! - [`sdk_config`]: **the one way to hand awscred to the SDK**. An [`SdkConfig`] with the
//!   provider, the SDK's identity cache **off**, the selected profile's region, each service's
//!   configured endpoint URL (`AWS_ENDPOINT_URL_<SERVICE>`, `AWS_ENDPOINT_URL`, `[services]`,
//!   `endpoint_url`), the latest behavior version and an HTTPS client on rustls with ring
//!   (feature `rustls-ring`, on by default). Every service client takes it:
//!   `aws_sdk_s3::Client::new(&config)`.
//! - [`region`]: the selected profile's region as the SDK's [`Region`].
//!
//! # Why the SDK's identity cache is off
//!
//! The SDK puts its own identity cache in front of any credentials provider unless told
//! otherwise. It refreshes about 10 s before expiry and abandons a load after its load timeout
//! (21.6 s with the standard retry settings, measured in `tests/moto.rs`): an MFA code typed at a prompt, or an SSO login, is cut off half-way, and
//! botocore's refresh windows (15 min advisory, 10 min mandatory) are hidden behind the SDK's.
//! [`sdk_config`] sets `IdentityCache::no_cache()` and keeps awscred's [`Cache`] instead, so a
//! load takes as long as the person at the prompt does and refreshes happen in botocore's
//! windows, one at a time. Asked on every request, the cache answers from memory. (Keeping the
//! SDK's cache with a long `load_timeout` also works, but refreshes on the SDK's schedule.)
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use awscred::providers::assume_role::PromptMfa;
//!
//! let provider = awscred::builder().profile("admin").mfa(PromptMfa::new()).build()?;
//! let config = awscred_aws_sdk::sdk_config(&provider);
//! // let s3 = aws_sdk_s3::Client::new(&config);
//! # let _ = config; Ok(()) }
//! ```
//!
//! # Where this crate sits
//!
//! An adapter above the `awscred` facade, for programs on aws-sdk-rust. It carries the SDK's
//! runtime crates (`aws-credential-types`, `aws-types`, `aws-smithy-runtime`,
//! `aws-smithy-runtime-api`, and `aws-smithy-http-client` with `rustls-ring`), not `aws-config`
//! and no service crate; no awscred crate depends on it. Its `rust-version` is the SDK's (1.94.1).
//!
//! # Compiler support
//!
//! 1.94.1, the minimum of `aws-credential-types` 1.3 (the other awscred crates keep the
//! workspace `rust-version`, see `docs/MSRV.md`).
#![warn(missing_docs)]

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use aws_credential_types::provider::error::CredentialsError as SdkError;
use aws_credential_types::provider::{self as sdk, SharedCredentialsProvider};
use aws_smithy_runtime::client::identity::IdentityCache;
use aws_smithy_runtime_api::client::behavior_version::BehaviorVersion;
use aws_types::SdkConfig;
use aws_types::region::Region;
use aws_types::service_config::{LoadServiceConfig, ServiceConfigKey};
use awscred::{
    Cache, CacheLayer, Credentials, CredentialsError, ProvideCredentials, SharedClock,
    SharedProvider, Sources,
};
use tower_layer::Layer as _;

/// Any awscred provider as the SDK's [`ProvideCredentials`](sdk::ProvideCredentials), with
/// awscred's [`Cache`] in front. Cheap to clone (the cache is shared).
#[derive(Debug, Clone)]
pub struct SdkProvider {
    cache: Arc<Cache<SharedProvider>>,
    clock: SharedClock,
    last_good: Arc<Mutex<Option<Credentials>>>,
    timeout: Option<Duration>,
}

/// Builds an [`SdkProvider`] ([`SdkProvider::builder`]).
#[derive(Debug)]
pub struct SdkProviderBuilder {
    clock: SharedClock,
    layer: CacheLayer,
    provider: SharedProvider,
    timeout: Option<Duration>,
}

impl SdkProvider {
    /// Over `provider` (the facade's, a chain, a single provider), its cache and expiry checks
    /// reading the clock of `sources`.
    pub fn builder(
        sources: &Sources,
        provider: impl ProvideCredentials + 'static,
    ) -> SdkProviderBuilder {
        SdkProviderBuilder {
            clock: sources.clock.clone(),
            layer: CacheLayer::new().clock(sources.clock.clone()),
            provider: Arc::new(provider),
            timeout: None,
        }
    }

    /// Over `provider`, on the system clock: `builder(&Sources::system(), provider).build()`.
    pub fn new(provider: impl ProvideCredentials + 'static) -> Self {
        Self::builder(&Sources::system(), provider).build()
    }

    /// The credentials in awscred's type, from the cache (refreshed first when they are due).
    pub async fn credentials(&self) -> Result<Credentials, CredentialsError> {
        let creds = self.cache.provide_credentials().await?;
        *self
            .last_good
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(creds.clone());
        Ok(creds)
    }
}

impl SdkProviderBuilder {
    /// The refresh windows of awscred's cache, which decides when the SDK gets new credentials
    /// ([`CacheLayer::refresh_windows`]: botocore's by default).
    pub fn refresh_windows(mut self, advisory: Duration, mandatory: Duration) -> Self {
        self.layer = self.layer.refresh_windows(advisory, mandatory);
        self
    }

    /// A deadline for one load, applied with awscred's `Timeout` layer under the cache, and the
    /// duration the SDK's `provider_timed_out` error reports. None by default: an MFA prompt
    /// may take as long as the person answering it.
    pub fn timeout(mut self, deadline: Duration) -> Self {
        self.timeout = Some(deadline);
        self
    }

    /// The provider with the cache in front.
    pub fn build(self) -> SdkProvider {
        let inner: SharedProvider = match self.timeout {
            Some(deadline) => Arc::new(awscred::TimeoutLayer::new(deadline).layer(self.provider)),
            None => self.provider,
        };
        SdkProvider {
            cache: Arc::new(self.layer.layer(inner)),
            clock: self.clock,
            last_good: Arc::default(),
            timeout: self.timeout,
        }
    }
}

impl sdk::ProvideCredentials for SdkProvider {
    fn provide_credentials<'a>(&'a self) -> sdk::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        sdk::future::ProvideCredentials::new(async move {
            self.credentials()
                .await
                .map(to_sdk_credentials)
                .map_err(|e| to_sdk_error(e, self.timeout))
        })
    }

    /// The last good credentials while they are still valid (static stability), when the SDK
    /// gives up on a load.
    fn fallback_on_interrupt(&self) -> Option<aws_credential_types::Credentials> {
        let last = self
            .last_good
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()?;
        let valid = last.expiry().is_none_or(|e| e > self.clock.now());
        valid.then(|| to_sdk_credentials(last))
    }
}

fn to_sdk_credentials(c: Credentials) -> aws_credential_types::Credentials {
    let mut b = aws_credential_types::Credentials::builder()
        .access_key_id(c.access_key_id())
        .secret_access_key(c.secret_access_key())
        .provider_name(c.provider_name());
    b.set_session_token(c.session_token().map(str::to_owned));
    b.set_expiry(c.expiry());
    b.set_account_id(c.account_id().map(Into::into));
    b.build()
}

/// awscred's kind onto the SDK's, the awscred error as the source. A timeout is the one kind
/// the SDK gives no source: its message is logged (`tracing`, WARN) so it is not lost.
fn to_sdk_error(e: CredentialsError, timeout: Option<Duration>) -> SdkError {
    match e {
        CredentialsError::NotLoaded(_) => SdkError::not_loaded(e),
        CredentialsError::InvalidConfiguration(_) => SdkError::invalid_configuration(e),
        CredentialsError::ProviderError(_) => SdkError::provider_error(e),
        CredentialsError::TimedOut(_) => {
            tracing::warn!(error = %e, "awscred: credentials timed out");
            SdkError::provider_timed_out(timeout.unwrap_or_default())
        }
        // A kind added to awscred later: the SDK's catch-all, the error kept as the source.
        _ => SdkError::unhandled(e),
    }
}

/// The selected profile's region ([`awscred::Provider::region`]) as the SDK's [`Region`].
pub fn region(provider: &awscred::Provider) -> Option<Region> {
    provider.region().map(Region::new)
}

/// An [`SdkConfig`] for `provider` (see the crate docs): [`SdkProvider`] on the system clock,
/// the SDK's identity cache off, the profile's region and per-service endpoint URLs, the latest
/// behavior version, and (feature `rustls-ring`) an HTTPS client on rustls with ring.
pub fn sdk_config(provider: &awscred::Provider) -> SdkConfig {
    sdk_config_builder(provider).build()
}

/// [`sdk_config`]'s builder, to change a setting first (an `SdkProvider` on another clock, a
/// retry or timeout configuration).
pub fn sdk_config_builder(provider: &awscred::Provider) -> aws_types::sdk_config::Builder {
    let b = SdkConfig::builder()
        .credentials_provider(SharedCredentialsProvider::new(SdkProvider::new(
            provider.clone(),
        )))
        .identity_cache(IdentityCache::no_cache())
        .region(region(provider))
        .service_config(ServiceEndpoints(provider.clone()))
        .behavior_version(BehaviorVersion::latest());
    #[cfg(feature = "rustls-ring")]
    let b = {
        use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};
        b.http_client(
            aws_smithy_http_client::Builder::new()
                .tls_provider(Provider::Rustls(CryptoMode::Ring))
                .build_https(),
        )
    };
    b
}

/// The per-service settings the SDK's service configs ask for: `endpoint_url`, from
/// [`awscred::Provider::endpoint_url`] (the SDK's service id, `S3` or `SSO OIDC`, as botocore's
/// `s3` / `sso-oidc`). Nothing else is configured here.
#[derive(Debug)]
struct ServiceEndpoints(awscred::Provider);

impl LoadServiceConfig for ServiceEndpoints {
    fn load_config(&self, key: ServiceConfigKey<'_>) -> Option<String> {
        if key.profile() != "endpoint_url" {
            return None;
        }
        let service = key.service_id().to_ascii_lowercase().replace(' ', "-");
        self.0.endpoint_url(&service)
    }
}

#[cfg(test)]
mod tests {
    use std::time::SystemTime;

    use aws_credential_types::provider::ProvideCredentials as _;
    use awscred::{ManualClock, StaticProvider};

    use super::*;

    #[tokio::test]
    async fn fallback_is_the_last_good_credentials_while_valid() {
        let start = SystemTime::UNIX_EPOCH + Duration::from_secs(2_000_000_000);
        let clock = Arc::new(ManualClock::new(start));
        let creds = Credentials::builder("AKIDLAST", "secret", "test")
            .expiry(start + Duration::from_secs(3600))
            .account_id("123456789012")
            .build();
        let sources = Sources::default().with_clock(clock.clone());
        let p = SdkProvider::builder(&sources, StaticProvider::new(creds)).build();
        assert!(p.fallback_on_interrupt().is_none(), "nothing served yet");
        let got = p.provide_credentials().await.unwrap();
        assert_eq!(got.access_key_id(), "AKIDLAST");
        assert_eq!(got.expiry(), Some(start + Duration::from_secs(3600)));
        assert_eq!(got.account_id().map(|a| a.as_str()), Some("123456789012"));
        let fallback = p.fallback_on_interrupt().unwrap();
        assert_eq!(fallback.access_key_id(), "AKIDLAST");
        clock.advance(Duration::from_secs(3600));
        assert!(p.fallback_on_interrupt().is_none(), "expired");
    }

    #[test]
    fn error_kinds_map_one_to_one_with_the_message_as_source() {
        use std::error::Error as _;
        let cases = [
            CredentialsError::not_loaded("no profile"),
            CredentialsError::invalid_configuration("bad profile"),
            CredentialsError::provider_error("STS said no"),
            CredentialsError::timed_out("no answer"),
        ];
        let kinds: Vec<_> = cases
            .into_iter()
            .map(|e| {
                let text = e.to_string();
                let sdk = to_sdk_error(e, Some(Duration::from_secs(7)));
                let source = sdk.source().map(|s| s.to_string());
                let kind = match &sdk {
                    SdkError::CredentialsNotLoaded(_) => "not_loaded",
                    SdkError::InvalidConfiguration(_) => "invalid_configuration",
                    SdkError::ProviderError(_) => "provider_error",
                    SdkError::ProviderTimedOut(t) => {
                        assert_eq!(t.timeout_duration(), Duration::from_secs(7));
                        "provider_timed_out"
                    }
                    _ => "other",
                };
                if kind != "provider_timed_out" {
                    assert_eq!(source.as_deref(), Some(text.as_str()));
                }
                kind
            })
            .collect();
        assert_eq!(
            kinds,
            [
                "not_loaded",
                "invalid_configuration",
                "provider_error",
                "provider_timed_out"
            ]
        );
    }
}
