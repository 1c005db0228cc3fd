//! Credential chains for awscred.
//!
//! This crate provides:
//! - [`ChainProvider`]: asks providers in order; the first answer wins, `NotLoaded` moves on
//!   (and is recorded), any other error stops the chain; when nothing is configured anywhere, the
//!   error lists every provider and why, one line each. Providers can be added, removed,
//!   replaced, inserted and reordered by name, and [`ChainProvider::resolve_traced`] reports what
//!   each one did, for `awscred explain`.
//!
//! - [`DefaultChain`]: botocore's order, built from the profile files and the environment.
//!
//! # Features
//!
//! Each optional provider is a feature of the same name, all on by default: `assume-role`,
//! `web-identity`, `sso`, `process`, `boto2`, `container`, `imds`. Turning one off removes its crate;
//! a profile or environment that asks for it then stops the chain with an error naming the
//! feature, rather than falling through to another identity.
//!
//! # Where this crate sits
//!
//! Above the providers and layers, below the `awscred` facade and the CLI. No provider depends
//! on it.
//!
//! # Compiler support
//!
//! The minimum supported Rust version is the workspace `rust-version` (see `docs/MSRV.md`).
#![warn(missing_docs)]

/// `$on` (a `Result<SharedProvider, _>`) when `$feature` is compiled in, else `$off`.
macro_rules! feature {
    ($feature:literal, $on:expr, $off:expr) => {{
        #[cfg(feature = $feature)]
        let built: Result<SharedProvider, CredentialsError> = $on;
        #[cfg(not(feature = $feature))]
        let built: Result<SharedProvider, CredentialsError> = $off;
        built
    }};
}

mod base;
mod chain;
mod default;
mod slots;

pub use chain::{ChainProvider, Step, Traced};
pub use default::{
    DefaultChain, DefaultChainBuilder, Misconfigured, NotConfigured, ProcessOverride,
};
