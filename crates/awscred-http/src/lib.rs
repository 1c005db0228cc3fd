//! The small HTTP client behind awscred's remote credential providers (STS, SSO, IMDS, ECS/EKS).
//!
//! This crate provides:
//! - [`HttpClient`]: a cheap-to-clone `tower` [`Service`]`<http::Request<Bytes>>` answering
//!   `http::Response<Bytes>` with the whole body read, built on hyper 1, hyper-util's pooled
//!   client and hyper-rustls (rustls with the *ring* provider, webpki roots). HTTP/1.1, `http://`
//!   and `https://`. Every call has a connect timeout, a read timeout (response head, and each
//!   gap between body chunks) and a total deadline; bodies are bounded (1 MiB by default) and an
//!   oversize body is an error, never an allocation. Configured by [`HttpClientBuilder`], with
//!   presets for STS/SSO ([`HttpClient::builder`]), IMDS and container endpoints.
//!   [`LazyClient`] builds one on first use, so providers that are never asked set up no TLS.
//! - [`RetryLayer`] / [`Retry`]: capped exponential backoff with full jitter on tokio's timer,
//!   retrying only what is safe (connect failures, timeouts before any response, 5xx, 429) unless
//!   a provider plugs in its own [`ClassifyRetry`]. [`RetryConfig`] reads `AWS_RETRY_MODE` /
//!   `retry_mode` and `AWS_MAX_ATTEMPTS` / `max_attempts` as botocore does.
//! - [`ProxySettings`]: `HTTPS_PROXY`, `HTTP_PROXY` and `NO_PROXY` read through the
//!   [`Env`](awscred_types::Env) seam, used only by clients that opt in (STS and SSO do; IMDS and
//!   container endpoints never do). `https://` targets go through a `CONNECT` tunnel, `http://`
//!   targets as absolute-form requests.
//! - [`CaBundle`]: `AWS_CA_BUNDLE` / `ca_bundle`, a PEM file read through the
//!   [`Fs`](awscred_types::Fs) seam whose certificates replace the default roots.
//! - [`HttpError`]: what failed ([`HttpErrorKind`], with the [`TimeoutPhase`] of a timeout) and
//!   where (the URL without query string or user-info; never a header value), convertible with
//!   [`HttpError::into_credentials_error`].
//!
//! ```no_run
//! use awscred_http::{HttpClient, ProxySettings, RetryConfig, RetryLayer};
//! use awscred_types::SystemEnv;
//! use bytes::Bytes;
//! use tower_layer::Layer;
//! use tower_service::Service;
//!
//! # async fn run() -> Result<(), awscred_types::CredentialsError> {
//! let client = HttpClient::builder()
//!     .proxy(ProxySettings::from_env(&SystemEnv))
//!     .build()
//!     .map_err(|e| e.into_credentials_error())?;
//! let retry = RetryConfig::from_env(&SystemEnv, None, None)?;
//! let mut sts = RetryLayer::new(retry).layer(client);
//! let request = http::Request::post("https://sts.us-east-1.amazonaws.com/")
//!     .body(Bytes::from_static(b"Action=GetCallerIdentity&Version=2011-06-15"))
//!     .expect("a valid request");
//! let response = sts.call(request).await.map_err(|e| e.into_credentials_error())?;
//! # let _ = response;
//! # Ok(())
//! # }
//! ```
//!
//! With `tower` (no features needed) as a dependency, `tower::ServiceBuilder::new()
//! .layer(RetryLayer::new(config)).service(client)` builds the same stack.
//!
//! # Where this crate sits
//!
//! The remote providers (`awscred-sts`, and the SSO, IMDS and container-endpoint providers)
//! depend on `awscred-http`; they read configuration through the `awscred-types` seams, build a
//! client with the settings that apply to them, and map [`HttpError`] into
//! [`CredentialsError`](awscred_types::CredentialsError). Applications reach it only through
//! those providers and the `awscred` facade. It depends on `awscred-types` and on the tokio /
//! hyper / rustls stack, and on nothing else of awscred.
//!
//! # What is written by hand, and why
//!
//! Connecting, pooling, HTTP/1.1, TLS, the `CONNECT` tunnel and `NO_PROXY` matching are hyper,
//! hyper-util and rustls. Written here are only the parts no library offers in the shape a
//! credential call needs: the three-limit timeout around hyper-util's client (its connection
//! capture tells when connecting ends), the bounded body reader (http-body-util's `Limited`
//! collects without a per-chunk read timeout), a transport wrapper that marks connections to a
//! plain-HTTP proxy (so hyper sends absolute-form requests), and the retry service (tower's
//! `retry` feature needs its `util` machinery and a hand-written policy anyway; ours is one
//! loop with botocore's backoff and classification).
//!
//! # Compiler support
//!
//! The minimum supported Rust version is the workspace `rust-version` (see `docs/MSRV.md`).
#![warn(missing_docs)]

mod client;
mod connector;
mod error;
mod lazy;
mod loopback;
mod proxy;
pub mod retry;
mod tls;

pub use client::{
    DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_BODY_SIZE, DEFAULT_READ_TIMEOUT, DEFAULT_TOTAL_TIMEOUT,
    HttpClient, HttpClientBuilder, RequestTimeouts,
};
pub use error::{HttpError, HttpErrorKind, TimeoutPhase};
pub use lazy::{ClientSettings, LazyClient, configured_client};
pub use loopback::{RedirectListener, pkce_challenge};
pub use proxy::ProxySettings;
pub use retry::{
    Attempts, ClassifyRetry, DefaultClassifier, Retry, RetryConfig, RetryKind, RetryLayer,
    RetryMode,
};
pub use tls::CaBundle;

// Re-exported so that providers name exactly the versions this crate uses.
pub use bytes::Bytes;
pub use http;
pub use tower_layer::Layer;
pub use tower_service::Service;
