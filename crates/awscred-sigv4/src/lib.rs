//! AWS Signature Version 4 signing for awscred: sign an `http::Request` the way botocore does.
//!
//! This crate provides:
//! - [`sign`]: signs an [`http::Request`] in place (`Authorization` header or presigned query
//!   string) and returns the [`Signature`]; the fast path hashes the canonical request as it is
//!   written, without building it.
//! - [`sign_request`]: the same computation on a [`SignableRequest`], returning a
//!   [`SigningOutput`] with the canonical request, the string to sign and the signature, for tests
//!   and for debugging a signature; [`SigningOutput::apply_to`] then changes the request.
//! - [`Signer`]: a cache of the derived [`SigningKey`], so repeated signatures on the same UTC day
//!   (same secret, region and service) skip the four-HMAC key derivation.
//! - [`SigningParams`] and [`SigningSettings`]: identity, scope, time (a parameter: this crate
//!   reads no clock), signature location, payload hash (body hash or `UNSIGNED-PAYLOAD`,
//!   optionally sent as `x-amz-content-sha256`), session-token mode, path normalisation and
//!   double encoding (on for every service but S3, see [`SigningSettings::s3`]).
//! - [`SigningError`]: why a request could not be signed; it never contains a secret.
//!
//! Header names that intermediaries add or rewrite are never signed (botocore's list:
//! `user-agent`, `expect`, `transfer-encoding`, `connection`, `x-amzn-trace-id`, `te`,
//! `upgrade`, `keep-alive`, `traceparent`, `tracestate`, `baggage`, `trailer`, `proxy-*`, and
//! `authorization` itself). Secret keys and session tokens never appear in `Debug` output.
//!
//! # What is written by hand, and what comes from libraries
//!
//! HMAC-SHA256 and SHA-256 come from `ring` (the TLS stack's crypto, so there is one), hex from
//! `hex`, percent-encoding from `percent-encoding`, the `YYYYMMDDTHHMMSSZ` date from `time`, and
//! the request types from `http`. The canonicalisation is written here because the AWS format fixes it
//! byte for byte and no general URL or HTTP library produces it: removing dot segments and merging
//! slashes the aws-c-auth way, encoding the path a second time, decoding and re-encoding query
//! parameters with only RFC 3986 unreserved characters left literal and sorting them by encoded
//! key and value, lower-casing, sorting and "trimall"-ing header values and joining repeated
//! headers with commas. The conformance suite (the 40 aws-c-auth v0.9.0 SigV4 vectors, signed
//! both ways) checks it byte for byte.
//!
//! # Where this crate sits
//!
//! `awscred-sts` signs its `AssumeRole`-family form POSTs with this crate. It sits beside
//! `awscred-http`, above `awscred-types`, and depends on no other awscred crate: it is pure (no
//! I/O, no async, no clock).
//!
//! # Compiler support
//!
//! The minimum supported Rust version is the workspace `rust-version` (see `docs/MSRV.md`).
#![warn(missing_docs)]

mod canonical;
mod error;
mod key;
mod params;
mod request;
mod sign;

pub use error::SigningError;
pub use key::{Signature, Signer, SigningKey};
pub use params::{
    PayloadHash, SessionTokenMode, SignatureLocation, SigningParams, SigningSettings,
};
pub use request::SignableRequest;
pub use sign::{SigningOutput, sign, sign_request};
