//! STS for awscred: the query-protocol client every role-assuming provider uses.
//!
//! This crate provides:
//! - [`StsConfig`] and [`Endpoint`]: botocore's STS endpoint and region rules
//!   (`AWS_ENDPOINT_URL_STS`, `AWS_ENDPOINT_URL`, `[services]`, profile `endpoint_url`,
//!   `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS`, regional by default, the global endpoint without a
//!   region, `sts_regional_endpoints = legacy`, FIPS, dual-stack, `aws-cn` and `aws-us-gov`).
//! - [`StsClient`]: signs (`awscred-sigv4`) and sends (`awscred-http`, with retries that also
//!   cover STS's throttling codes) the calls, and maps STS errors to `CredentialsError`, keeping
//!   the code in an [`StsServiceError`] source.
//! - [`IamClient`]: IAM's query API (`Version=2010-05-08`, signing name `iam`, the global
//!   endpoint or the one configured for `iam`) on the same transport, for the access-key calls
//!   (`CreateAccessKey`, `DeleteAccessKey`, `ListAccessKeys`) `awscred keys rotate` makes.
//! - The four operations' inputs and outputs: [`AssumeRoleRequest`],
//!   [`AssumeRoleWithWebIdentityRequest`], [`GetSessionTokenRequest`], [`TemporaryCredentials`],
//!   [`CallerIdentity`].
//!
//! Responses are read with `quick-xml`; `Expiration` is parsed with `time` (RFC 3339, with or
//! without fractional seconds, since moto sends microseconds and STS whole seconds).
//!
//! # Where this crate sits
//!
//! Below the providers (assume-role, web identity) and above `awscred-sigv4` and `awscred-http`.
//!
//! # Compiler support
//!
//! The minimum supported Rust version is the workspace `rust-version` (see `docs/MSRV.md`).
#![warn(missing_docs)]

mod client;
mod endpoint;
mod iam;
mod operation;
mod xml;

pub use client::{StsClient, StsClientBuilder, StsServiceError};
pub use endpoint::{Endpoint, StsConfig};
pub use iam::{AccessKey, AccessKeyMetadata, IAM_VERSION, IamClient, IamClientBuilder};
pub use operation::{
    API_VERSION, AssumeRoleRequest, AssumeRoleWithWebIdentityRequest, AssumedRoleUser,
    CallerIdentity, GetSessionTokenRequest, Tag, TemporaryCredentials, account_from_arn,
};
pub use xml::XmlError;

/// Entry points for the fuzz targets (`fuzz/`) and their stable smoke tests. Not API.
#[doc(hidden)]
pub mod fuzz {
    /// Parses `bytes` as every STS response body this crate reads; the results are dropped.
    pub fn responses(bytes: &[u8]) {
        let _ = crate::operation::TemporaryCredentials::parse(bytes, "fuzz");
        let _ = crate::operation::CallerIdentity::parse(bytes);
        let _ = crate::xml::parse_error(bytes);
        let _ = crate::iam::parse_key_list(bytes);
        let _ = crate::iam::parse_access_key(bytes);
    }
}
