//! Container credentials for awscred: the ECS task role and EKS Pod Identity endpoint.
//!
//! This crate provides:
//! - [`ContainerProvider`]: botocore's `ContainerProvider` (method `container-role`). It fetches
//!   credentials with `GET` from the URL the environment names, with `Accept: application/json`
//!   and the optional `Authorization` token, retrying as botocore does, and labels them
//!   [`PROVIDER_NAME`]. Configured by [`ContainerProviderBuilder`].
//! - [`resolve_uri`]: the URL alone, from the environment, with the `http` host allow-list
//!   applied (what the shared `ecs-tests.json` vectors test).
//! - The variable names ([`RELATIVE_URI_VAR`], [`FULL_URI_VAR`], [`AUTH_TOKEN_FILE_VAR`],
//!   [`AUTH_TOKEN_VAR`]) and botocore's defaults ([`DEFAULT_ATTEMPTS`], [`DEFAULT_RETRY_DELAY`]).
//!
//! # The rules
//!
//! - **Where.** `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` wins: `http://169.254.170.2` followed by
//!   it (it must start with `/`; path and query are kept). Otherwise
//!   `AWS_CONTAINER_CREDENTIALS_FULL_URI`: any host with `https`; with `http` only a loopback
//!   address (`127.0.0.0/8`, `::1`), `localhost`, `169.254.170.2` (ECS), `169.254.170.23` or
//!   `fd00:ec2::23` (EKS Pod Identity). Another `http` host is
//!   [`InvalidConfiguration`](awscred_types::CredentialsError::InvalidConfiguration) naming the
//!   URI. The check is **syntactic** (IP literals and the name `localhost`): no name is resolved,
//!   as in botocore. Neither variable set (empty or whitespace-only counts as unset) is
//!   [`NotLoaded`](awscred_types::CredentialsError::NotLoaded), whatever the token variables say.
//! - **Authorization.** The contents of the file `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` names,
//!   read through the [`Fs`](awscred_types::Fs) seam on **every** call (the agent rotates it),
//!   else `AWS_CONTAINER_AUTHORIZATION_TOKEN`, sent as they are (nothing is trimmed). A value with
//!   a CR or LF (or another control character), an unreadable file and an empty file are
//!   `InvalidConfiguration` naming the variable and the file, never the token. The header is
//!   marked sensitive.
//! - **Attempts.** Up to 3 attempts ([`ContainerProviderBuilder::attempts`]), pausing 1 s after a
//!   failed one ([`ContainerProviderBuilder::retry_delay`]), each with 2 s connect and read
//!   timeouts ([`HttpClientBuilder::container`](awscred_http::HttpClientBuilder::container), no
//!   proxy). A connection failure, a timeout, a status other than 200 and a body that is not JSON
//!   are retried. When the attempts run out the error is
//!   [`ProviderError`](awscred_types::CredentialsError::ProviderError) (or
//!   [`TimedOut`](awscred_types::CredentialsError::TimedOut) when the last attempt timed out)
//!   with the `url` and the number of `attempts`, and the last failure as its cause; for an error
//!   answer, the cause shows the status and the `code` and `message` of a
//!   `{"code": …, "message": …}` body (cleaned, shortened), never the raw body. Every such error
//!   stops a chain, as botocore's `CredentialRetrievalError` does (IMDS is not tried).
//! - **Answer.** A JSON object: `AccessKeyId` and `SecretAccessKey` (required non-blank strings),
//!   `Token`, `Expiration` (RFC 3339) and `AccountId` (optional: absent, `null` or blank means not
//!   given). Other fields are ignored. A malformed 200 answer is a `ProviderError` naming the
//!   field and the URL, not retried.
//!
//! The environment is read on every call, not when the provider is built: it costs a few
//! lookups, and a provider built early still sees what the process was given. Nothing is
//! cached; a cache layer in front of this provider calls it again before `Expiration`.
//!
//! ```no_run
//! use awscred_provider_container::ContainerProvider;
//! use awscred_types::{ProvideCredentials, Sources};
//!
//! # async fn run() -> Result<(), awscred_types::CredentialsError> {
//! let provider = ContainerProvider::builder(&Sources::system()).build();
//! let credentials = provider.provide_credentials().await?;
//! # let _ = credentials;
//! # Ok(())
//! # }
//! ```
//!
//! # Where this crate sits
//!
//! A provider crate: the default chain (`awscred-chain`) runs it after the profile-based
//! providers and before IMDS, as botocore does. It depends on `awscred-types` (the contract and
//! the seams) and `awscred-http` (the client, its timeouts and error classification); it needs a
//! tokio runtime with the time driver, as `awscred-http` does.
//!
//! # What is written by hand, and why
//!
//! The HTTP is `awscred-http`, the JSON `serde_json`, the times `time`. Written here are the
//! parts the AWS behaviour forces: the host allow-list (a fixed list of addresses, checked on IP
//! literals), the token checks, and the attempt loop. `awscred-http`'s `RetryLayer` is not used
//! for the loop because botocore's differs from the SDK retry strategy: a fixed pause instead of
//! jittered backoff, every non-200 status retried (not only 5xx and 429), and a 200 body that is
//! not JSON retried too, which an HTTP-level classifier cannot see.
//!
//! # Compiler support
//!
//! The minimum supported Rust version is the workspace `rust-version` (see `docs/MSRV.md`).
#![warn(missing_docs)]

mod endpoint;
mod provider;
mod response;

pub use endpoint::{
    AUTH_TOKEN_FILE_VAR, AUTH_TOKEN_VAR, ECS_ENDPOINT, FULL_URI_VAR, RELATIVE_URI_VAR, resolve_uri,
};
pub use provider::{
    ContainerProvider, ContainerProviderBuilder, DEFAULT_ATTEMPTS, DEFAULT_RETRY_DELAY,
};

/// The name results carry (botocore's `Credentials.method` for this provider).
pub const PROVIDER_NAME: &str = "container-role";

/// Entry points for the fuzz targets (`fuzz/`) and their stable smoke tests. Not API.
#[doc(hidden)]
pub mod fuzz {
    /// Parses `bytes` as a container endpoint answer; the result is dropped.
    pub fn response(bytes: &[u8]) {
        if let Ok(value) = serde_json::from_slice(bytes) {
            let _ = crate::response::credentials(value);
        }
        let _ = crate::response::error_detail(bytes, Some(b"secret"));
    }
}
