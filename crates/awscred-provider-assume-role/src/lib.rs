//! Assume-role profiles for awscred: plan, execute, cache.
//!
//! - [`plan`]: the pure planner (no I/O) that turns the selected profile of a
//!   [`ProfileSet`](awscred_profile::ProfileSet) into a [`ProfileChain`]: one base provider
//!   ([`BaseProvider`]: static keys, a `credential_source`, web identity, SSO, or
//!   `credential_process`) and the role hops to assume from it, innermost first.
//! - [`AssumeRoleProvider`]: the executor. It runs the hops against STS (`awscred-sts`), from
//!   the outermost hop that still has a reusable session inward, asks an [`MfaTokenProvider`]
//!   ([`PromptMfa`], [`FixedMfa`], [`CommandMfa`], [`NoMfa`]) for hops with `mfa_serial`, keeps
//!   each hop's session in memory, and optionally shares them through the AWS CLI's
//!   `~/.aws/cli/cache` ([`FileCache`](awscred_file_cache::FileCache), from
//!   `awscred-file-cache`), so the AWS CLI and awscred share sessions.
//! - [`SessionTokenProvider`]: temporary credentials over any base provider. Long-term keys
//!   are exchanged with STS `GetSessionToken` (with `mfa_serial` and a code from the same MFA
//!   providers), the session kept in memory and in `~/.aws/cli/cache` under
//!   [`CacheKey::session_token`](awscred_file_cache::CacheKey::session_token); sessions pass
//!   through. What `awscred serve` hands out (as aws-vault does).
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
//! use awscred_file_cache::FileCache;
//! use awscred_provider_assume_role::{AssumeRoleProvider, PromptMfa, plan};
//! use awscred_types::{OsFs, ProvideCredentials, Sources, SystemEnv};
//!
//! let sources = Sources::system();
//! let profiles = awscred_profile::ProfileSet::load(&*sources.env, &*sources.fs)?;
//! // A chain whose base is static keys needs no source provider; `awscred-chain` maps the
//! // other bases (credential_source, web identity, credential_process) to theirs.
//! let provider = AssumeRoleProvider::builder(&sources, plan(&profiles, "prod")?)
//!     .mfa(Arc::new(PromptMfa::new()))
//!     .file_cache(FileCache::aws_cli(&SystemEnv, Arc::new(OsFs)))
//!     .build()?;
//! let credentials = provider.provide_credentials().await?;
//! # Ok(()) }
//! ```
//!
//! # Where this crate sits
//!
//! A provider crate above `awscred-profile`, `awscred-sts` and `awscred-file-cache`; the default
//! chain runs it third, after explicit credentials and the environment.
//!
//! # Compiler support
//!
//! The minimum supported Rust version is the workspace `rust-version` (see `docs/MSRV.md`).
#![warn(missing_docs)]

mod builder;
mod mfa;
mod plan;
mod provider;
mod session_token;

pub use builder::StsSessionBuilder;
pub use mfa::{
    CommandMfa, FixedMfa, MfaCode, MfaTokenProvider, NoMfa, PromptMfa, SharedMfaTokenProvider,
};
pub use plan::{BaseProvider, CredentialSource, ProfileChain, RoleHop, plan};
pub use provider::{
    AssumeRoleParts, AssumeRoleProvider, AssumeRoleProviderBuilder, PROVIDER_NAME, REUSE_WINDOW,
};
pub use session_token::{
    MFA_SESSION_DURATION, SESSION_DURATION, SESSION_TOKEN_PROVIDER_NAME, SessionTokenParts,
    SessionTokenProvider, SessionTokenProviderBuilder,
};
