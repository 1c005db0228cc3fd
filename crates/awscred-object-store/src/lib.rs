//! awscred's credentials for [`object_store`]'s `AmazonS3`: profiles, role chains with MFA,
//! SSO, `credential_process` and the AWS CLI's cache, resolved as boto3 resolves them.
//!
//! This crate provides:
//! - [`ObjectStoreProvider`]: an `object_store` [`CredentialProvider`] (`Credential =`
//!   [`AwsCredential`]) over any awscred provider, with awscred's [`Cache`] layer in front.
//!   `object_store` asks for credentials on every request; the cache answers from memory and
//!   refreshes in botocore's windows (advisory 15 min, mandatory 10 min before expiry), one
//!   refresh in flight however many requests wait.
//! - [`amazon_s3`]: an [`AmazonS3Builder`] with the provider, the selected profile's region and
//!   the endpoint configured for S3 (`AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL`, `[services]`,
//!   `endpoint_url`); add the bucket and build.
//!
//! An awscred error reaches `object_store` as [`object_store::Error::Generic`] (store `S3`)
//! whose source is the [`CredentialsError`] itself, so its message (what failed, where) is in
//! the client's error and no secret is (awscred errors never carry one).
//!
//! ```no_run
//! # fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let provider = awscred::builder().profile("analytics").build()?;
//! let store = awscred_object_store::amazon_s3(&provider)
//!     .with_bucket_name("my-bucket")
//!     .build()?;
//! # Ok(()) }
//! ```
//!
//! # Where this crate sits
//!
//! An adapter above the `awscred` facade, for programs that call S3 through `object_store`
//! (DataFusion, delta-rs, polars, lance). It carries `object_store` (feature `aws-base` only:
//! the application chooses the HTTP stack and crypto) and nothing else; no awscred crate
//! depends on it.
//!
//! # Compiler support
//!
//! The minimum supported Rust version is the workspace `rust-version` (see `docs/MSRV.md`).
#![warn(missing_docs)]

use std::sync::Arc;
use std::time::Duration;

use awscred::{Cache, CacheLayer, CredentialsError, ProvideCredentials, SharedProvider, Sources};
use object_store::CredentialProvider;
use object_store::aws::{AmazonS3Builder, AwsCredential};

/// An `object_store` [`CredentialProvider`] over an awscred provider, with awscred's [`Cache`]
/// in front. Cheap to clone (the cache is shared).
#[derive(Debug, Clone)]
pub struct ObjectStoreProvider {
    cache: Arc<Cache<SharedProvider>>,
}

/// Builds an [`ObjectStoreProvider`] ([`ObjectStoreProvider::builder`]).
#[derive(Debug)]
pub struct ObjectStoreProviderBuilder {
    layer: CacheLayer,
    provider: SharedProvider,
}

impl ObjectStoreProvider {
    /// Over `provider` (any awscred provider: the facade's, a chain, a single provider), its
    /// cache reading the clock of `sources`.
    pub fn builder(
        sources: &Sources,
        provider: impl ProvideCredentials + 'static,
    ) -> ObjectStoreProviderBuilder {
        ObjectStoreProviderBuilder {
            layer: CacheLayer::new().clock(sources.clock.clone()),
            provider: Arc::new(provider),
        }
    }

    /// Over `provider`, on the system clock: `builder(&Sources::system(), provider).build()`.
    pub fn new(provider: impl ProvideCredentials + 'static) -> Self {
        Self::builder(&Sources::system(), provider).build()
    }

    /// The credentials, from the cache (refreshed first when they are due), in awscred's type.
    pub async fn credentials(&self) -> Result<awscred::Credentials, CredentialsError> {
        self.cache.provide_credentials().await
    }
}

impl ObjectStoreProviderBuilder {
    /// The refresh windows of the cache `object_store` asks on every request
    /// ([`CacheLayer::refresh_windows`]: botocore's by default).
    pub fn refresh_windows(mut self, advisory: Duration, mandatory: Duration) -> Self {
        self.layer = self.layer.refresh_windows(advisory, mandatory);
        self
    }

    /// The provider with the cache in front.
    pub fn build(self) -> ObjectStoreProvider {
        use tower_layer::Layer as _;
        ObjectStoreProvider {
            cache: Arc::new(self.layer.layer(self.provider)),
        }
    }
}

#[async_trait::async_trait]
impl CredentialProvider for ObjectStoreProvider {
    type Credential = AwsCredential;

    async fn get_credential(&self) -> object_store::Result<Arc<AwsCredential>> {
        let creds = self
            .credentials()
            .await
            .map_err(|e| object_store::Error::Generic {
                store: "S3",
                source: Box::new(e),
            })?;
        Ok(Arc::new(AwsCredential {
            key_id: creds.access_key_id().to_owned(),
            secret_key: creds.secret_access_key().to_owned(),
            token: creds.session_token().map(str::to_owned),
        }))
    }
}

/// An [`AmazonS3Builder`] for `provider`'s profile: its credentials (through an
/// [`ObjectStoreProvider`] on the system clock), [`Provider::region`](awscred::Provider::region)
/// and [`Provider::endpoint_url`](awscred::Provider::endpoint_url) for `s3`. An `http://`
/// endpoint (a local S3 such as moto or MinIO) also allows HTTP and path-style requests.
/// Nothing else is read from the environment: `AmazonS3Builder::from_env` is not used, so
/// awscred alone decides the credentials.
pub fn amazon_s3(provider: &awscred::Provider) -> AmazonS3Builder {
    with_profile(
        AmazonS3Builder::new()
            .with_credentials(Arc::new(ObjectStoreProvider::new(provider.clone()))),
        provider,
    )
}

/// Sets `builder`'s region and endpoint from `provider`'s profile, as [`amazon_s3`] does, and
/// leaves its credentials alone (for an [`ObjectStoreProvider`] built with
/// [`ObjectStoreProvider::builder`]).
pub fn with_profile(mut builder: AmazonS3Builder, provider: &awscred::Provider) -> AmazonS3Builder {
    if let Some(region) = provider.region() {
        builder = builder.with_region(region);
    }
    if let Some(endpoint) = provider.endpoint_url("s3") {
        if endpoint.starts_with("http://") {
            builder = builder
                .with_allow_http(true)
                .with_virtual_hosted_style_request(false);
        }
        builder = builder.with_endpoint(endpoint);
    }
    builder
}
