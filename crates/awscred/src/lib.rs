//! AWS credentials resolved exactly as boto3 and the AWS CLI resolve them.
//!
//! The paved path:
//! - [`load`]: the default chain for the selected profile (`AWS_DEFAULT_PROFILE`,
//!   `AWS_PROFILE`, `default`), cached and refreshed before expiry, as one [`SharedProvider`].
//! - [`from_profile`]: the same for a profile named in code (like
//!   `boto3.Session(profile_name=...)`: the environment-variable provider is left out).
//! - [`blocking`]: the same for programs without an async runtime.
//! - [`builder`]: everything those shortcuts fix, chosen in code: the profile, where MFA codes
//!   come from, the AWS CLI's session cache, the seams ([`Sources`]: environment, files,
//!   clock), and optional deadline, retries and trace.
//!
//! ```no_run
//! # async fn run() -> Result<(), awscred::CredentialsError> {
//! let provider = awscred::load()?;
//! let creds = provider.provide_credentials().await?;
//! println!("{} from {}", creds.access_key_id(), creds.provider_name());
//!
//! // As the AWS CLI runs a role profile: sessions shared through ~/.aws/cli/cache, MFA codes
//! // asked for on the terminal.
//! let provider = awscred::builder().profile("admin").like_aws_cli().build()?;
//! # Ok(()) }
//! ```
//!
//! The stack [`Builder::build`] makes is `Cache<StaticStability<DefaultChain>>`: botocore's
//! refresh windows (advisory 15 min, mandatory 10 min) with one refresh in flight, and the last
//! good credentials kept while a refresh fails and they are still valid. For another shape, build
//! a [`ChainProvider`] (`ChainProvider::first_try("env", p).or_else("imds", q)`) and stack the
//! layers of `awscred-layer` over it (see `examples/`).
//!
//! # Features
//!
//! One per optional provider, all on by default, each adding its crate (under [`providers`])
//! and its slot in the default chain: `assume-role`, `web-identity`, `sso`, `login`, `process`,
//! `boto2`, `container`, `imds`. With one off, a profile that needs it is an error naming the feature.
//!
//! # The awscred crates
//!
//! `awscred-types` (the contract and the seams), `awscred-profile` (files), `awscred-sigv4`,
//! `awscred-http`, `awscred-sts`, `awscred-file-cache` (the AWS CLI's caches), the
//! `awscred-provider-*` crates, `awscred-layer` (tower-style layers) and `awscred-chain`
//! (chains). This crate re-exports what most programs need to use and customise them.
//!
//! # Compiler support
//!
//! The minimum supported Rust version is the workspace `rust-version` (see `docs/MSRV.md`).
#![warn(missing_docs)]

use std::sync::Arc;
use std::time::Duration;

use tower_layer::Layer as _;

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
    #[cfg(feature = "login")]
    pub use awscred_provider_login as login;
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

pub use awscred_chain::{
    ChainProvider, DefaultChain, DefaultChainBuilder, ProcessOverride, Step, Traced,
};
pub use awscred_layer::{
    Cache, CacheLayer, ProviderRetry, ProviderRetryLayer, StaticStability, StaticStabilityLayer,
    Timeout, TimeoutLayer, Trace, TraceLayer, TraceLog,
};
pub use awscred_types::{
    Clock, Credentials, CredentialsError, Env, ErrorContext, Fs, OsFs, ProvideCredentials,
    SharedClock, SharedEnv, SharedFs, SharedProvider, Sources, StaticProvider, SystemClock,
    SystemEnv,
};
/// The fakes of the seams, for tests (feature `test-util`).
#[cfg(feature = "test-util")]
pub use awscred_types::{FakeEnv, ManualClock, MemFs};

/// The default chain for the selected profile, cached and refreshing.
///
/// Reads the profile files now (an unknown `AWS_PROFILE` is an error here); makes no network
/// call until credentials are asked for.
pub fn load() -> Result<SharedProvider, CredentialsError> {
    Ok(Arc::new(builder().build()?))
}

/// The default chain for `profile` (named in code: no environment-variable provider), cached
/// and refreshing.
pub fn from_profile(profile: &str) -> Result<SharedProvider, CredentialsError> {
    Ok(Arc::new(builder().profile(profile).build()?))
}

/// A [`Builder`] with the defaults of [`load`].
pub fn builder() -> Builder {
    Builder::default()
}

/// Builds the default chain and the stack over it. Every setting has the default of [`load`]:
/// the real environment, files and clock; the selected profile; no MFA (a role profile with
/// `mfa_serial` is then an error naming the serial); sessions in memory only (as boto3); no
/// deadline, no retries, no trace.
#[derive(Debug, Default)]
pub struct Builder {
    sources: Sources,
    /// The chain's own settings (profile, credentials, MFA, `credential_process` environment
    /// and override); its sources and file cache are set from this builder's in `build_chain`.
    chain: DefaultChainBuilder,
    #[cfg(feature = "assume-role")]
    aws_cli_cache: bool,
    #[cfg(feature = "assume-role")]
    cache_lock_wait: Option<Option<Duration>>,
    timeout: Option<Duration>,
    retry: Option<ProviderRetryLayer>,
    trace: Option<TraceLog>,
}

impl Builder {
    /// The environment, file system and clock together (default: [`Sources::system`]); the
    /// chain, the AWS CLI cache and the layers all read these.
    pub fn sources(mut self, sources: Sources) -> Self {
        self.sources = sources;
        self
    }

    /// The environment (default: the process environment).
    pub fn env(mut self, env: impl Env + 'static) -> Self {
        self.sources = self.sources.with_env(Arc::new(env));
        self
    }

    /// The file system (default: the real one).
    pub fn fs(mut self, fs: impl Fs + 'static) -> Self {
        self.sources = self.sources.with_fs(Arc::new(fs));
        self
    }

    /// The clock (default: the system clock); the chain and the cache layers both read it.
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.sources = self.sources.with_clock(Arc::new(clock));
        self
    }

    /// A profile named in code (`boto3.Session(profile_name=…)`, the AWS CLI's `--profile`). As
    /// in botocore, this removes the environment-variable provider; `AWS_PROFILE` does not.
    pub fn profile(mut self, profile: impl Into<String>) -> Self {
        self.chain = self.chain.profile(profile);
        self
    }

    /// Credentials given in code: first in the chain (botocore's `explicit`).
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.chain = self.chain.credentials(credentials);
        self
    }

    /// Where MFA codes for `mfa_serial` role profiles come from, for example
    /// [`PromptMfa`](awscred_provider_assume_role::PromptMfa) (the terminal, as the AWS CLI) or
    /// [`FixedMfa`](awscred_provider_assume_role::FixedMfa).
    #[cfg(feature = "assume-role")]
    pub fn mfa(
        mut self,
        mfa: impl awscred_provider_assume_role::MfaTokenProvider + 'static,
    ) -> Self {
        self.chain = self.chain.mfa(Arc::new(mfa));
        self
    }

    /// Share assume-role sessions and IAM Identity Center role credentials with the AWS CLI
    /// through its cache, `~/.aws/cli/cache` (found and read through this builder's environment
    /// and file system). Default: off, sessions in memory only, as boto3.
    #[cfg(feature = "assume-role")]
    pub fn aws_cli_cache(mut self, on: bool) -> Self {
        self.aws_cli_cache = on;
        self
    }

    /// As the AWS CLI runs a profile: MFA codes asked for on the terminal
    /// ([`PromptMfa`](awscred_provider_assume_role::PromptMfa); standard input when there is
    /// none) and sessions shared with the AWS CLI through `~/.aws/cli/cache`. The same as
    /// `.mfa(PromptMfa::new()).aws_cli_cache(true)`.
    #[cfg(feature = "assume-role")]
    pub fn like_aws_cli(self) -> Self {
        self.mfa(awscred_provider_assume_role::PromptMfa::new())
            .aws_cli_cache(true)
    }

    /// How long a refresh waits for another process's lock on an AWS CLI cache entry (default
    /// [`file_cache::LOCK_WAIT`]); `None` never takes the lock, for a look that must not
    /// wait on other processes (`awscred explain`).
    #[cfg(feature = "assume-role")]
    pub fn cache_lock_wait(mut self, wait: Option<Duration>) -> Self {
        self.cache_lock_wait = Some(wait);
        self
    }

    /// Sets `name` to `value` in the environment of every `credential_process` the chain runs.
    pub fn process_env(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.chain = self.chain.process_env(name, value);
        self
    }

    /// Answers the `credential_process` commands the override recognises in process instead of
    /// running them (the CLI: its own `awscred keys session`).
    pub fn process_override(mut self, f: ProcessOverride) -> Self {
        self.chain = self.chain.process_override(f);
        self
    }

    /// A deadline on each resolution of the chain (below the cache, so a slow refresh fails
    /// with `TimedOut` while still-valid credentials keep being served). Needs a tokio runtime
    /// with time enabled ([`blocking`] has one).
    pub fn timeout(mut self, deadline: Duration) -> Self {
        self.timeout = Some(deadline);
        self
    }

    /// Retries a resolution that failed transiently (`ProviderError`, `TimedOut`), each attempt
    /// under its own deadline when [`timeout`](Self::timeout) is set; for example
    /// `ProviderRetryLayer::new()` (3 attempts in all, capped exponential backoff).
    pub fn retry(mut self, retry: ProviderRetryLayer) -> Self {
        self.retry = Some(retry);
        self
    }

    /// Records every call of the built provider (outcome, duration, cache hit, warnings; never a
    /// secret) into `log`, under the name `"awscred"`.
    pub fn trace(mut self, log: TraceLog) -> Self {
        self.trace = Some(log);
        self
    }

    /// The default chain alone, without the layers: for a program that resolves once, or that
    /// inspects the chain (its profile files, selected profile, providers). Reads the profile
    /// files now; no network call.
    pub fn build_chain(&self) -> Result<DefaultChain, CredentialsError> {
        let chain = self.chain.clone().sources(&self.sources);
        #[cfg(feature = "assume-role")]
        let chain = match self.aws_cli_cache {
            true => {
                let cache = awscred_file_cache::FileCache::aws_cli(
                    &*self.sources.env,
                    self.sources.fs.clone(),
                );
                chain.credential_cache(match self.cache_lock_wait {
                    Some(wait) => cache.map(|c| c.lock_wait(wait)),
                    None => cache,
                })
            }
            false => chain,
        };
        chain.build()
    }

    /// The default chain behind the paved layers (`Cache<StaticStability<_>>`, and the
    /// optional deadline, retries and trace). Reads the profile files now (an unknown profile is
    /// an error here); no network call until credentials are asked for.
    pub fn build(self) -> Result<Provider, CredentialsError> {
        let chain = self.build_chain()?;
        let clock = self.sources.clock.clone();
        let mut inner: SharedProvider = Arc::new(chain.clone());
        if let Some(deadline) = self.timeout {
            inner = Arc::new(TimeoutLayer::new(deadline).layer(inner));
        }
        if let Some(retry) = self.retry {
            inner = Arc::new(retry.layer(inner));
        }
        let stable = StaticStabilityLayer::with_clock(clock.clone()).layer(inner);
        let mut stack: SharedProvider = Arc::new(CacheLayer::new().clock(clock).layer(stable));
        if let Some(log) = self.trace {
            stack = Arc::new(TraceLayer::new("awscred", log).layer(stack));
        }
        Ok(Provider {
            chain,
            stack,
            env: self.sources.env,
        })
    }

    /// [`build`](Self::build) for programs without an async runtime.
    pub fn build_blocking(self) -> Result<blocking::Provider, CredentialsError> {
        blocking::Provider::new(Arc::new(self.build()?))
    }
}

/// What [`Builder::build`] makes: the default chain behind the paved layers.
#[derive(Debug, Clone)]
pub struct Provider {
    chain: DefaultChain,
    stack: SharedProvider,
    env: SharedEnv,
}

impl Provider {
    /// The default chain under the layers: its profile files, selected profile and providers,
    /// and [`ChainProvider::resolve_traced`] for a one-off resolution that bypasses the cache.
    pub fn chain(&self) -> &DefaultChain {
        &self.chain
    }

    /// The region for clients, as the AWS SDKs and the AWS CLI read it: `AWS_REGION`, else
    /// `AWS_DEFAULT_REGION`, else the selected profile's `region` (trimmed; blank is unset).
    /// What the adapter crates (`awscred-aws-sdk`, `awscred-object-store`, `awscred-opendal`)
    /// hand their clients.
    pub fn region(&self) -> Option<String> {
        ["AWS_REGION", "AWS_DEFAULT_REGION"]
            .into_iter()
            .find_map(|var| self.env.get(var))
            .or_else(|| self.profile().get("region").map(str::to_owned))
            .map(|r| r.trim().to_owned())
    }

    /// The endpoint URL configured for `service` (botocore's service id in lower case with
    /// hyphens, e.g. `s3`) in the selected profile, by the one rule every awscred client
    /// follows: [`ProfileView::endpoint_url`](awscred_profile::ProfileView::endpoint_url)
    /// (`AWS_ENDPOINT_URL_<SERVICE>`, `AWS_ENDPOINT_URL`, the `[services NAME]` section the
    /// profile names, the profile's `endpoint_url`; none when
    /// `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` / `ignore_configured_endpoint_urls` is `true`).
    pub fn endpoint_url(&self, service: &str) -> Option<String> {
        self.profile().endpoint_url(&*self.env, service)
    }

    fn profile(&self) -> awscred_profile::ProfileView<'_> {
        let name = self.chain.selected_profile().name();
        self.chain.profiles().view(name)
    }
}

#[async_trait::async_trait]
impl ProvideCredentials for Provider {
    async fn provide_credentials(&self) -> Result<Credentials, CredentialsError> {
        self.stack.provide_credentials().await
    }

    fn needs_runtime(&self) -> bool {
        self.stack.needs_runtime()
    }
}

/// The same paved path for programs without an async runtime: the chain runs on a private
/// current-thread tokio runtime.
pub mod blocking {
    use std::future::Future;

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
            Ok(Self {
                inner,
                runtime: runtime()?,
            })
        }

        /// Resolves credentials, blocking the calling thread. Must not be called from inside
        /// an async runtime (tokio would panic); use the async provider there.
        pub fn credentials(&self) -> Result<Credentials, CredentialsError> {
            self.runtime.block_on(self.inner.provide_credentials())
        }

        /// Runs `future` (for example a request signed with the credentials) on this provider's
        /// runtime, blocking the calling thread.
        pub fn block_on<F: Future>(&self, future: F) -> F::Output {
            self.runtime.block_on(future)
        }
    }

    /// The runtime the providers run on when the caller has none: tokio's current-thread
    /// runtime with its I/O and time drivers (no worker threads).
    pub fn runtime() -> Result<tokio::runtime::Runtime, CredentialsError> {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| {
                CredentialsError::provider_error("could not start a private tokio runtime")
                    .with_source(e)
            })
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
