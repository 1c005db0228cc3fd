//! awscred's credentials for OpenDAL's S3 service (through `reqsign`): profiles, `source_profile`
//! chains with MFA, `sso-session`, `credential_process` and the AWS CLI's cache, resolved as
//! boto3 resolves them.
//!
//! This crate provides:
//! - [`ReqsignProvider`]: a [`reqsign_core::ProvideCredential`] (`Credential =`
//!   [`reqsign_aws_v4::Credential`]) over any awscred provider, with awscred's [`Cache`] in
//!   front. Put it in OpenDAL's S3 builder with
//!   `S3::default().credential_provider_chain(ProvideCredentialChain::new().push(provider))`.
//! - [`s3_settings`]: the selected profile's region and S3 endpoint (`AWS_ENDPOINT_URL_S3`,
//!   `AWS_ENDPOINT_URL`, `[services]`, `endpoint_url`) for the same builder.
//!
//! reqsign's signer keeps a credential until two minutes before the `expires_in` it carries. So
//! that awscred, not reqsign, decides when to refresh (botocore's windows: 15 min advisory,
//! 10 min mandatory), `expires_in` is the start of awscred's advisory window; inside the windows
//! it is at most a minute ahead (never past the real expiry), so reqsign asks again on each
//! request and awscred's cache, answering from memory, refreshes once.
//!
//! An awscred error reaches OpenDAL as a reqsign error whose message is awscred's `Display`
//! (what failed, where; never a secret), the error itself as the source. `NotLoaded` is an error
//! too, not "no credential": awscred's chain has already tried every source, and its message
//! says what each one lacked.
//!
//! ```no_run
//! # fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let provider = awscred::builder().profile("analytics").build()?;
//! let creds = awscred_opendal::ReqsignProvider::new(provider.clone());
//! let settings = awscred_opendal::s3_settings(&provider);
//! // opendal::services::S3::default()
//! //     .bucket("my-bucket")
//! //     .region(settings.region.as_deref().unwrap_or("us-east-1"))
//! //     .credential_provider_chain(reqsign_core::ProvideCredentialChain::new().push(creds));
//! # let _ = (creds, settings); Ok(()) }
//! ```
//!
//! # Where this crate sits
//!
//! An adapter above the `awscred` facade, for programs on OpenDAL (or reqsign alone). It carries
//! `reqsign-core` and `reqsign-aws-v4` (no default features: no HTTP client of their own) and
//! nothing else; no awscred crate depends on it.
//!
//! # Compiler support
//!
//! 1.91, OpenDAL 0.59's minimum (the other awscred crates keep the workspace `rust-version`,
//! see `docs/MSRV.md`).
#![warn(missing_docs)]

use std::sync::Arc;
use std::time::Duration;

use awscred::{
    Cache, CacheLayer, Credentials, CredentialsError, ProvideCredentials, SharedClock,
    SharedProvider, Sources,
};
use awscred_layer::cache::{DEFAULT_ADVISORY_REFRESH, DEFAULT_MANDATORY_REFRESH};
use reqsign_core::time::Timestamp;
use reqsign_core::{Context, ProvideCredential};
use tower_layer::Layer as _;

/// Inside awscred's refresh windows, how far ahead `expires_in` is put (less than reqsign's
/// two-minute margin, so reqsign asks again on the next request).
const ASK_AGAIN: Duration = Duration::from_secs(60);

/// A reqsign [`ProvideCredential`] over an awscred provider, with awscred's [`Cache`] in front.
/// Cheap to clone (the cache is shared).
#[derive(Debug, Clone)]
pub struct ReqsignProvider {
    cache: Arc<Cache<SharedProvider>>,
    clock: SharedClock,
    advisory: Duration,
}

/// Builds a [`ReqsignProvider`] ([`ReqsignProvider::builder`]).
#[derive(Debug)]
pub struct ReqsignProviderBuilder {
    clock: SharedClock,
    provider: SharedProvider,
    windows: (Duration, Duration),
}

impl ReqsignProvider {
    /// Over `provider` (the facade's, a chain, a single provider), its cache and the
    /// `expires_in` it reports reading the clock of `sources`.
    pub fn builder(
        sources: &Sources,
        provider: impl ProvideCredentials + 'static,
    ) -> ReqsignProviderBuilder {
        ReqsignProviderBuilder {
            clock: sources.clock.clone(),
            provider: Arc::new(provider),
            windows: (DEFAULT_ADVISORY_REFRESH, DEFAULT_MANDATORY_REFRESH),
        }
    }

    /// Over `provider`, on the system clock: `builder(&Sources::system(), provider).build()`.
    pub fn new(provider: impl ProvideCredentials + 'static) -> Self {
        Self::builder(&Sources::system(), provider).build()
    }

    /// The credentials in awscred's type, from the cache (refreshed first when they are due).
    pub async fn credentials(&self) -> Result<Credentials, CredentialsError> {
        self.cache.provide_credentials().await
    }

    fn to_reqsign(&self, c: &Credentials) -> reqsign_aws_v4::Credential {
        let expires_in = c.expiry().map(|expiry| {
            let left = expiry
                .duration_since(self.clock.now())
                .unwrap_or(Duration::ZERO);
            let until_refresh = left.saturating_sub(self.advisory);
            Timestamp::now() + until_refresh.max(left.min(ASK_AGAIN))
        });
        reqsign_aws_v4::Credential {
            access_key_id: c.access_key_id().to_owned(),
            secret_access_key: c.secret_access_key().to_owned(),
            session_token: c.session_token().map(str::to_owned),
            expires_in,
        }
    }
}

impl ReqsignProviderBuilder {
    /// The cache's refresh windows ([`CacheLayer::refresh_windows`]: botocore's by default);
    /// the `expires_in` reqsign is told follows the advisory one.
    pub fn refresh_windows(mut self, advisory: Duration, mandatory: Duration) -> Self {
        self.windows = (advisory, mandatory);
        self
    }

    /// The provider with the cache in front.
    pub fn build(self) -> ReqsignProvider {
        let (advisory, mandatory) = self.windows;
        let layer = CacheLayer::new()
            .clock(self.clock.clone())
            .refresh_windows(advisory, mandatory);
        ReqsignProvider {
            cache: Arc::new(layer.layer(self.provider)),
            clock: self.clock,
            advisory,
        }
    }
}

impl ProvideCredential for ReqsignProvider {
    type Credential = reqsign_aws_v4::Credential;

    async fn provide_credential(
        &self,
        _ctx: &Context,
    ) -> reqsign_core::Result<Option<reqsign_aws_v4::Credential>> {
        match self.credentials().await {
            Ok(c) => Ok(Some(self.to_reqsign(&c))),
            Err(e) => Err(to_reqsign_error(e)),
        }
    }
}

/// awscred's message as reqsign's, the error as the source; a timeout is retryable.
fn to_reqsign_error(e: CredentialsError) -> reqsign_core::Error {
    let message = e.to_string();
    let err = match &e {
        CredentialsError::NotLoaded(_) | CredentialsError::InvalidConfiguration(_) => {
            reqsign_core::Error::config_invalid(message)
        }
        CredentialsError::TimedOut(_) => {
            reqsign_core::Error::unexpected(message).set_retryable(true)
        }
        _ => reqsign_core::Error::credential_invalid(message),
    };
    err.with_source(e)
}

/// What OpenDAL's S3 builder needs from the profile besides credentials.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct S3Settings {
    /// [`awscred::Provider::region`].
    pub region: Option<String>,
    /// [`awscred::Provider::endpoint_url`] for `s3`.
    pub endpoint: Option<String>,
}

/// The selected profile's region and S3 endpoint.
pub fn s3_settings(provider: &awscred::Provider) -> S3Settings {
    S3Settings {
        region: provider.region(),
        endpoint: provider.endpoint_url("s3"),
    }
}

#[cfg(test)]
mod tests {
    use std::time::SystemTime;

    use awscred::ManualClock;

    use super::*;

    /// `expires_in` as reqsign's wall clock sees it: `left_on_the_chain_clock` before the
    /// credentials' expiry, how far ahead of now is reported.
    fn reported(left: Option<Duration>) -> Option<Duration> {
        let start = SystemTime::UNIX_EPOCH + Duration::from_secs(2_000_000_000);
        let sources = Sources::default().with_clock(Arc::new(ManualClock::new(start)));
        let p = ReqsignProvider::builder(
            &sources,
            awscred::StaticProvider::new(Credentials::new("AKID", "secret", "test")),
        )
        .build();
        let mut c = Credentials::builder("AKID", "secret", "test");
        if let Some(left) = left {
            c = c.expiry(start + left);
        }
        let before = Timestamp::now();
        let expires = p.to_reqsign(&c.build()).expires_in?;
        Some(Duration::from_secs(
            u64::try_from(expires.as_second() - before.as_second()).unwrap_or(0),
        ))
    }

    #[test]
    fn reqsign_asks_again_when_awscred_would_refresh() {
        let min = |m: u64| Duration::from_secs(m * 60);
        // Fresh: until the advisory window opens (15 min before expiry).
        let an_hour = reported(Some(min(60))).unwrap();
        assert!(
            an_hour.abs_diff(min(45)) <= Duration::from_secs(1),
            "{an_hour:?}"
        );
        // Inside the windows: a minute at most, so reqsign asks on the next request.
        let twelve = reported(Some(min(12))).unwrap();
        assert!(
            twelve.abs_diff(ASK_AGAIN) <= Duration::from_secs(1),
            "{twelve:?}"
        );
        // Never past the real expiry.
        let half_a_minute = reported(Some(Duration::from_secs(30))).unwrap();
        assert!(
            half_a_minute <= Duration::from_secs(30),
            "{half_a_minute:?}"
        );
        // Long-term keys: no expiry, kept.
        assert_eq!(reported(None), None);
    }
}
