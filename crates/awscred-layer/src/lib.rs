//! tower-style middleware for awscred: caching, static stability, deadlines, retries and tracing
//! over any credentials provider.
//!
//! This crate provides:
//! - [`Cache`] / [`CacheLayer`]: serves cached credentials and refreshes them inside botocore's
//!   advisory (15 min) and mandatory (10 min) windows, with single-flight refresh (however many
//!   callers arrive on an empty or expired cache, one upstream call), a lock-free warm read
//!   (`arc-swap`), and a grace period for credentials that arrive already expired (clock skew).
//! - [`StaticStability`] / [`StaticStabilityLayer`]: keeps serving the last good credentials,
//!   while they are valid, when the provider fails.
//! - [`Timeout`] / [`TimeoutLayer`]: a deadline per call, failing with
//!   [`CredentialsError::TimedOut`](awscred_types::CredentialsError::TimedOut).
//! - [`ProviderRetry`] / [`ProviderRetryLayer`]: retries a provider's transient failures
//!   (`ProviderError`, `TimedOut`) with capped exponential backoff and full jitter. (HTTP
//!   requests have their own retry, `awscred_http::RetryLayer`, inside the providers that call
//!   a service.)
//! - [`Trace`] / [`TraceLayer`] and [`TraceLog`]: records each call (name, outcome, duration,
//!   cache hit, warnings; never a secret), for a program that wants to show or keep how its
//!   credentials were obtained.
//!
//! Who uses them: the `awscred` facade's builder stacks `Cache<StaticStability<_>>` over the
//! default chain always, and `Timeout`, `ProviderRetry` and `Trace` when asked
//! (`awscred::Builder::timeout`, `retry`, `trace`); a custom stack takes any of them directly.
//! The default chain itself (`awscred-chain`) is a plain ordered list of providers, not a stack
//! of these layers, and `awscred explain` reports its steps from the chain, not from [`Trace`].
//!
//! Each concern is a [`tower_layer::Layer`] whose service is a wrapper that itself implements
//! [`ProvideCredentials`](awscred_types::ProvideCredentials), so layers stack with
//! `tower::ServiceBuilder` (add `tower` with no features; it brings only `tower-layer` and
//! `tower-service`). In the builder, layers added first see the call first:
//!
//! ```
//! # async fn demo() -> Result<(), awscred_types::CredentialsError> {
//! use std::time::Duration;
//! use awscred_layer::{CacheLayer, StaticStabilityLayer, TimeoutLayer};
//! use awscred_types::{Credentials, ProvideCredentials, StaticProvider};
//!
//! let provider = tower::ServiceBuilder::new()
//!     .layer(CacheLayer::new())
//!     .layer(StaticStabilityLayer::new())
//!     .layer(TimeoutLayer::new(Duration::from_secs(2)))
//!     .service(StaticProvider::new(Credentials::new("AKID", "SECRET", "explicit")));
//! // Cache<StaticStability<Timeout<StaticProvider>>>
//! let credentials = provider.provide_credentials().await?;
//! assert_eq!(credentials.access_key_id(), "AKID");
//! # Ok(()) }
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(demo()).unwrap();
//! ```
//!
//! Layers write warnings (skewed expiry, static stability, retries, a failed advisory refresh)
//! to `tracing` at `WARN` level (target `awscred_layer`) and into the enclosing [`Trace`], if any.
//! Warnings show masked access key ids and error `Display`s only, never a secret.
//!
//! # Where this crate sits
//!
//! Above `awscred-types` and beside the providers: it wraps any provider and knows none of
//! them. The `awscred` facade and the CLI stack it over the default chain. It depends on
//! `awscred-types` for the contract and the [`Clock`](awscred_types::Clock) seam (every expiry
//! decision reads it), and on tokio for synchronisation and timers (`sync`, `time`, `rt` for the
//! task-local trace scope); the [`Timeout`] and [`ProviderRetry`] layers need a tokio runtime
//! with time enabled. Nothing here is hand-written that a library does well: `arc-swap` holds
//! the cached value, tokio's fair mutex queues the callers that wait for a refresh, `fastrand`
//! draws the jitter.
//!
//! # Compiler support
//!
//! The minimum supported Rust version is the workspace `rust-version` (see `docs/MSRV.md`).
#![warn(missing_docs)]

/// The accessors of every wrapper here, in tower's shape: `get_ref`, `get_mut`, `into_inner`
/// (which drops whatever the wrapper holds: a cached value, a last good one, a log handle).
macro_rules! inner_accessors {
    ($wrapper:ident) => {
        impl<P> $wrapper<P> {
            /// The wrapped provider.
            pub const fn get_ref(&self) -> &P {
                &self.inner
            }

            /// The wrapped provider, mutably.
            pub const fn get_mut(&mut self) -> &mut P {
                &mut self.inner
            }

            /// The wrapped provider; what this wrapper holds besides it is dropped.
            pub fn into_inner(self) -> P {
                self.inner
            }
        }
    };
}

pub mod cache;
mod notes;
pub mod retry;
pub mod static_stability;
pub mod timeout;
pub mod trace;

pub use cache::{Cache, CacheLayer};
pub use notes::mask_access_key_id;
pub use retry::{ProviderRetry, ProviderRetryLayer};
pub use static_stability::{StaticStability, StaticStabilityLayer};
pub use timeout::{Timeout, TimeoutLayer};
pub use trace::{Trace, TraceEvent, TraceLayer, TraceLog, TraceOutcome};
