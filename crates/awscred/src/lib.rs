//! AWS credentials resolved exactly as boto3 and the AWS CLI resolve them.
//!
//! The paved path:
//! - [`load`]: the default chain for the selected profile (`AWS_DEFAULT_PROFILE`,
//!   `AWS_PROFILE`, `default`), cached and refreshed before expiry, as one [`SharedProvider`].
//! - [`from_profile`]: the same for a profile named in code (like
//!   `boto3.Session(profile_name=...)`: the environment-variable provider is left out).
//! - [`blocking`]: the same for programs without an async runtime.
//!
//! ```no_run
//! # async fn run() -> Result<(), awscred::CredentialsError> {
//! let provider = awscred::load()?;
//! let creds = provider.provide_credentials().await?;
//! println!("{} from {}", creds.access_key_id(), creds.provider_name());
//! # Ok(()) }
//! ```
//!
//! The stack [`load`] builds is `Cache<StaticStability<DefaultChain>>`: botocore's refresh windows
//! (advisory 15 min, mandatory 10 min) with one refresh in flight, and the last good credentials
//! kept while a refresh fails and they are still valid. Build your own stack from the crates
//! below when you need another shape (see `examples/`).
//!
//! # Features
//!
//! One per optional provider, all on by default, each adding its crate (under [`providers`])
//! and its slot in the default chain: `assume-role`, `web-identity`, `sso`, `process`,
//! `boto2`, `container`, `imds`. With one off, a profile that needs it is an error naming the feature.
//!
//! # The awscred crates
//!
//! `awscred-types` (the contract), `awscred-profile` (files), `awscred-sigv4`, `awscred-http`,
//! `awscred-sts`, `awscred-file-cache` (the AWS CLI's caches), the `awscred-provider-*` crates,
//! `awscred-layer` (tower-style layers) and
//! `awscred-chain` (chains). This crate re-exports what most programs need.
//!
//! # Compiler support
//!
//! The minimum supported Rust version is the workspace `rust-version` (see `docs/MSRV.md`).

use std::sync::Arc;

/// The provider crates, under short names: `env` and `profile` always, the others with the
/// feature of the same name.
pub mod providers {
    #[cfg(feature = "assume-role")]
    pub use awscred_provider_assume_role as assume_role;
    #[cfg(feature = "boto2")]
    pub use awscred_provider_boto2 as boto2;
    #[cfg(feature = "container")]
    pub use awscred_provider_container as container;
    pub use awscred_provider_env as env;
    #[cfg(feature = "imds")]
    pub use awscred_provider_imds as imds;
    #[cfg(feature = "process")]
    pub use awscred_provider_process as process;
    pub use awscred_provider_profile as profile;
    #[cfg(feature = "sso")]
    pub use awscred_provider_sso as sso;
    #[cfg(feature = "web-identity")]
    pub use awscred_provider_web_identity as web_identity;
}

/// The AWS CLI's on-disk caches (`~/.aws/cli/cache`, `~/.aws/sso/cache`) that the assume-role
/// and SSO providers share with it (`awscred-file-cache`).
#[cfg(any(feature = "assume-role", feature = "sso"))]
pub use awscred_file_cache as file_cache;

pub use awscred_chain::{ChainProvider, DefaultChain, DefaultChainBuilder};
pub use awscred_layer::cache::{Cache, CacheLayer};
pub use awscred_layer::static_stability::{StaticStability, StaticStabilityLayer};
pub use awscred_types::{
    Credentials, CredentialsError, ErrorKind, ProvideCredentials, SharedProvider, StaticProvider,
};

/// The default chain for the selected profile, cached and refreshing.
///
/// Reads the profile files now (an unknown `AWS_PROFILE` is an error here); makes no network
/// call until credentials are asked for.
pub fn load() -> Result<SharedProvider, CredentialsError> {
    paved(DefaultChain::builder())
}

/// The default chain for `profile` (named in code: no environment-variable provider), cached
/// and refreshing.
pub fn from_profile(profile: &str) -> Result<SharedProvider, CredentialsError> {
    paved(DefaultChain::builder().profile(profile))
}

/// Wraps any built default chain in the paved-path layers.
pub fn paved(builder: DefaultChainBuilder) -> Result<SharedProvider, CredentialsError> {
    use tower_layer::Layer as _;
    let chain = builder.build()?;
    let stable = StaticStabilityLayer::new().layer(chain);
    Ok(Arc::new(CacheLayer::new().layer(stable)))
}

/// The same paved path for programs without an async runtime: the chain runs on a private
/// current-thread tokio runtime.
pub mod blocking {
    use super::{Credentials, CredentialsError, SharedProvider};

    /// A provider you can call from synchronous code.
    #[derive(Debug)]
    pub struct Provider {
        inner: SharedProvider,
        runtime: tokio::runtime::Runtime,
    }

    impl Provider {
        /// Wraps an async provider (for example one from [`crate::load`]).
        pub fn new(inner: SharedProvider) -> Result<Self, CredentialsError> {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| {
                    CredentialsError::provider_error("could not start a private tokio runtime")
                        .with_source(e)
                })?;
            Ok(Self { inner, runtime })
        }

        /// Resolves credentials, blocking the calling thread. Must not be called from inside
        /// an async runtime (tokio would panic); use the async provider there.
        pub fn credentials(&self) -> Result<Credentials, CredentialsError> {
            self.runtime.block_on(self.inner.provide_credentials())
        }
    }

    /// [`crate::load`], blocking.
    pub fn load() -> Result<Provider, CredentialsError> {
        Provider::new(super::load()?)
    }

    /// [`crate::from_profile`], blocking.
    pub fn from_profile(profile: &str) -> Result<Provider, CredentialsError> {
        Provider::new(super::from_profile(profile)?)
    }
}
