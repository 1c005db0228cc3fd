//! Assume-role profiles for awscred: plan, execute, cache.
//!
//! - [`plan`]: the pure planner (no I/O) that turns the selected profile of a
//!   [`ProfileSet`](awscred_profile::ProfileSet) into a [`ProfileChain`]: one base provider
//!   ([`BaseProvider`]: static keys, a `credential_source`, web identity, SSO, or
//!   `credential_process`) and the role hops to assume from it, innermost first.
//! - [`AssumeRoleProvider`]: the executor. It runs the hops against STS (`awscred-sts`), from
//!   the outermost hop that still has a reusable session inward, asks an [`MfaTokenProvider`]
//!   ([`PromptMfa`], [`FixedMfa`], [`CommandMfa`], [`NoMfa`]) for hops with `mfa_serial`, keeps
//!   each hop's session in memory, and optionally shares them through a [`FileCache`].
//! - [`FileCache`] / [`CacheKey`]: the AWS CLI's `~/.aws/cli/cache/<key>.json`, botocore's key
//!   and file format, so the AWS CLI and awscred share sessions (tested against botocore's own
//!   `JSONFileCache` in `tests/botocore_cache_interop.rs`).
//!
//! The rules are botocore's (`AssumeRoleProvider`), with the cross-SDK vectors winning where they
//! differ (28/28 in `tests/conformance.rs`): `role_arn` needs exactly one of `source_profile` and
//! `credential_source`; chains of any depth; the first source profile with static keys ends the
//! chain; a profile may be its own `source_profile` only when it has static keys; any other loop
//! is an error listing the visited profiles; `role_arn` + `web_identity_token_file` is a web
//! identity base; `credential_source` is `Environment`, `Ec2InstanceMetadata` or `EcsContainer`;
//! `duration_seconds` must be 900–43,200.
//!
//! ```no_run
//! # async fn run() -> Result<(), awscred_types::CredentialsError> {
//! use std::sync::Arc;
//! use awscred_provider_assume_role::{AssumeRoleProvider, FileCache, PromptMfa, plan};
//! use awscred_types::{OsFs, ProvideCredentials, SystemEnv};
//!
//! let profiles = awscred_profile::ProfileSet::load(&SystemEnv, &OsFs)?;
//! // A chain whose base is static keys needs no source provider; `awscred-chain` maps the
//! // other bases (credential_source, web identity, credential_process) to theirs.
//! let provider = AssumeRoleProvider::builder(plan(&profiles, "prod")?)
//!     .mfa(Arc::new(PromptMfa::new()))
//!     .file_cache(FileCache::aws_cli(&SystemEnv, Arc::new(OsFs)))
//!     .build()?;
//! let credentials = provider.provide_credentials().await?;
//! # Ok(()) }
//! ```
//!
//! # Where this crate sits
//!
//! A provider crate above `awscred-profile` and `awscred-sts`; the default chain runs it third,
//! after explicit credentials and the environment.
//!
//! # Compiler support
//!
//! The minimum supported Rust version is the workspace `rust-version` (see `docs/MSRV.md`).

mod file_cache;
mod mfa;
mod plan;
mod provider;

pub use file_cache::{CacheEntry, CacheKey, FileCache, format_utc_z, parse_timestamp};
pub use mfa::{
    CommandMfa, FixedMfa, MfaCode, MfaTokenProvider, NoMfa, PromptMfa, SharedMfaTokenProvider,
};
pub use plan::{BaseProvider, CredentialSource, ProfileChain, RoleHop, plan};
pub use provider::{AssumeRoleProvider, AssumeRoleProviderBuilder, PROVIDER_NAME, REUSE_WINDOW};

/// Entry points for the fuzz targets (`fuzz/`) and their stable smoke tests. Not API.
#[doc(hidden)]
pub mod fuzz {
    use std::sync::Arc;
    use std::time::{Duration, UNIX_EPOCH};

    /// Reads `bytes` as an AWS CLI cache entry (load and list); the results are dropped.
    pub fn cli_cache_entry(bytes: &[u8]) {
        let fs = Arc::new(awscred_types::MemFs::new());
        let cache = crate::FileCache::new("/c", fs.clone());
        let key = crate::CacheKey::sso("1", "r", None, "u");
        let _ = awscred_types::Fs::write_atomic(&*fs, &cache.path(&key), bytes, 0o600);
        let now = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let _ = cache.load(&key, now, Duration::from_secs(900), "fuzz");
        let _ = cache.entries();
        if let Ok(text) = std::str::from_utf8(bytes) {
            let _ = crate::parse_timestamp(text);
        }
    }
}
