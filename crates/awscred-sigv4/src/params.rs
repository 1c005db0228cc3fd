//! What a signature is made with: the identity, the scope, the time and the settings.

use std::fmt;
use std::time::{Duration, SystemTime};

/// Everything a SigV4 signature depends on apart from the request itself.
///
/// The secret access key and the session token are borrowed, never copied, and `Debug` prints
/// neither.
///
/// ```
/// # use std::time::{Duration, SystemTime};
/// use awscred_sigv4::{SigningParams, SigningSettings};
///
/// let time = SystemTime::UNIX_EPOCH + Duration::from_secs(1_440_938_160);
/// let params = SigningParams::new("AKIDEXAMPLE", "wJalrXUtnFEMI", "us-east-1", "sts", time)
///     .with_session_token(Some("FwoGZXIvYXdzEXAMPLE"))
///     .with_settings(SigningSettings::default());
/// let printed = format!("{params:?}");
/// assert!(!printed.contains("wJalrXUtnFEMI") && !printed.contains("FwoGZXIvYXdzEXAMPLE"));
/// ```
#[derive(Clone, Copy)]
pub struct SigningParams<'a> {
    pub(crate) access_key_id: &'a str,
    pub(crate) secret_access_key: &'a str,
    pub(crate) session_token: Option<&'a str>,
    pub(crate) region: &'a str,
    pub(crate) service: &'a str,
    pub(crate) time: SystemTime,
    pub(crate) settings: SigningSettings,
}

impl<'a> SigningParams<'a> {
    /// Parameters for signing as `access_key_id` for `service` in `region` at `time`, with no
    /// session token and the default [`SigningSettings`].
    pub fn new(
        access_key_id: &'a str,
        secret_access_key: &'a str,
        region: &'a str,
        service: &'a str,
        time: SystemTime,
    ) -> Self {
        Self {
            access_key_id,
            secret_access_key,
            session_token: None,
            region,
            service,
            time,
            settings: SigningSettings::default(),
        }
    }

    /// Sets (or clears) the session token of temporary credentials.
    #[must_use]
    pub fn with_session_token(mut self, session_token: Option<&'a str>) -> Self {
        self.session_token = session_token;
        self
    }

    /// Replaces the settings.
    #[must_use]
    pub fn with_settings(mut self, settings: SigningSettings) -> Self {
        self.settings = settings;
        self
    }

    /// Moves the signing time (for example to re-sign a retried request).
    #[must_use]
    pub fn with_time(mut self, time: SystemTime) -> Self {
        self.time = time;
        self
    }

    /// The access key id the signature names in its credential scope.
    pub fn access_key_id(&self) -> &'a str {
        self.access_key_id
    }

    /// The session token, if the credentials are temporary.
    pub fn session_token(&self) -> Option<&'a str> {
        self.session_token
    }

    /// The region of the credential scope (`us-east-1`).
    pub fn region(&self) -> &'a str {
        self.region
    }

    /// The service name of the credential scope (`sts`, `s3`, ...).
    pub fn service(&self) -> &'a str {
        self.service
    }

    /// The signing time.
    pub fn time(&self) -> SystemTime {
        self.time
    }

    /// The settings.
    pub fn settings(&self) -> &SigningSettings {
        &self.settings
    }
}

impl fmt::Debug for SigningParams<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningParams")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"** redacted **")
            .field(
                "session_token",
                &self.session_token.map(|_| "** redacted **"),
            )
            .field("region", &self.region)
            .field("service", &self.service)
            .field("time", &self.time)
            .field("settings", &self.settings)
            .finish()
    }
}

/// How to sign: where the signature goes and which canonicalisation rules apply.
///
/// The default suits every AWS service except S3: signature in headers, payload hashed, no
/// `x-amz-content-sha256` header, session token signed, path normalised and encoded a second
/// time. [`SigningSettings::s3`] gives S3's rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SigningSettings {
    /// Where the signature goes: `Authorization` header or presigned query string.
    pub location: SignatureLocation,
    /// What the canonical request names as the payload hash.
    pub payload: PayloadHash,
    /// Whether header signing also sends (and signs) `x-amz-content-sha256` with the payload
    /// hash. S3 requires it; the vectors call it `sign_body`. Ignored for query signing.
    pub content_sha256_header: bool,
    /// Whether the session token is part of the signature or only added to the request.
    pub session_token: SessionTokenMode,
    /// Whether to remove `.`/`..` segments and merge repeated slashes in the canonical path.
    pub normalize_path: bool,
    /// Whether the (already percent-encoded) path is percent-encoded once more in the canonical
    /// request. Every service but S3 expects this.
    pub double_encode_path: bool,
}

impl SigningSettings {
    /// The default settings, usable in `const` context.
    pub const fn new() -> Self {
        Self {
            location: SignatureLocation::Headers,
            payload: PayloadHash::Body,
            content_sha256_header: false,
            session_token: SessionTokenMode::Include,
            normalize_path: true,
            double_encode_path: true,
        }
    }

    /// S3's rules: the path is neither normalised nor encoded again, and header signing sends
    /// `x-amz-content-sha256`.
    pub const fn s3() -> Self {
        Self {
            normalize_path: false,
            double_encode_path: false,
            content_sha256_header: true,
            ..Self::new()
        }
    }

    /// These settings with the signature in the query string, valid for `expires_in`
    /// (`X-Amz-Expires`, whole seconds).
    #[must_use]
    pub const fn presigned(mut self, expires_in: Duration) -> Self {
        self.location = SignatureLocation::Query { expires_in };
        self
    }
}

impl Default for SigningSettings {
    fn default() -> Self {
        Self::new()
    }
}

/// Where the signature is put.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignatureLocation {
    /// `Authorization`, `X-Amz-Date` (and `X-Amz-Security-Token`) headers.
    Headers,
    /// `X-Amz-Algorithm`, `X-Amz-Credential`, `X-Amz-Date`, `X-Amz-Expires`,
    /// `X-Amz-SignedHeaders`, `X-Amz-Signature` (and `X-Amz-Security-Token`) query parameters: a
    /// presigned URL.
    Query {
        /// How long the presigned URL stays valid (`X-Amz-Expires`, whole seconds).
        expires_in: Duration,
    },
}

/// The payload hash the canonical request ends with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PayloadHash {
    /// The lowercase hex SHA-256 of the body bytes passed to the signer.
    Body,
    /// The literal `UNSIGNED-PAYLOAD` (S3 presigned URLs, streaming uploads).
    Unsigned,
}

/// Whether the session token is covered by the signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SessionTokenMode {
    /// Sign `X-Amz-Security-Token` like any other header or parameter (the norm).
    Include,
    /// Add `X-Amz-Security-Token` to the request after signing, outside the signature (a few
    /// services, such as IoT, want this; the vectors call it `omit_session_token`).
    Exclude,
}
