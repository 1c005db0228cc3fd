//! Console sign-in credentials (`aws login`): profiles with `login_session`, read the way
//! botocore's `LoginProvider` reads them.
//!
//! This crate provides:
//! - [`LoginProvider`] (`login`), built with [`LoginProvider::builder`] from [`LoginSettings`]:
//!   the credentials of the session's token file (`~/.aws/login/cache/<sha256 of the
//!   session>.json`, or `AWS_LOGIN_CACHE_DIRECTORY`, through `awscred-file-cache`), used with
//!   no request while more than 5 minutes remain ([`REFRESH_THRESHOLD`]), else refreshed
//!   through AWS Sign-In `CreateOAuth2Token` (`POST {endpoint}/v1/token`, unsigned, with a
//!   [`dpop`] proof signed by the file's `dpopKey`) and written back atomically (0600, every
//!   other field kept). At most one refresh attempt per 30 s per provider
//!   ([`REFRESH_ATTEMPT_INTERVAL`]); processes refreshing together serialize on the token's
//!   lock and re-read the file after the wait, so one of them calls Sign-In.
//! - [`endpoint`]: botocore's `signin` endpoint rules (partitions, FIPS, dual-stack, a
//!   configured endpoint URL).
//! - [`dpop`]: RFC 9449 proofs (ES256 on ring) and the SEC1 PEM of a key.
//! - [`LoginProvider::status`]: what `awscred explain` shows (file, expiry, refresh or not).
//! - [`flow`]: `awscred login`'s side, the AWS CLI v2's `aws login` flows (authorization code
//!   with PKCE on this device through `awscred_http::RedirectListener`, or `--remote` with a
//!   pasted code), ending in a token file exactly as the AWS CLI writes it.
//!
//! Errors, as botocore's: no token file says the session was not found and how to log in; a
//! missing `accessToken`, `refreshToken`, `dpopKey` or `clientId` names the fields and the file;
//! `AccessDeniedException` `TOKEN_EXPIRED` / `USER_CREDENTIALS_CHANGED` says to log in again,
//! `INSUFFICIENT_PERMISSIONS` names the `signin:CreateOAuth2Token` action, anything else relays
//! the code, message and URL. No error or `Debug` output shows a token, the key or a secret.
//!
//! # Where this crate sits
//!
//! One of the `awscred-provider-*` crates: it depends on `awscred-types`, `awscred-profile`
//! (the profile view), `awscred-http` and `awscred-file-cache` (the token file and its lock).
//! `awscred-chain` puts it after the shared-credentials-file provider and before
//! `credential_process` (botocore's `ProfileProviderBuilder` order), and as a role chain's base.
//! The `awscred login` / `logout` commands (`awscred-cli`) write and remove its token files.
//!
//! # Compiler support
//!
//! The minimum supported Rust version is the workspace `rust-version` (see `docs/MSRV.md`).

pub mod dpop;
pub mod endpoint;
pub mod flow;
mod provider;

pub use provider::{
    LOCK_WAIT, LoginProvider, LoginProviderBuilder, LoginSettings, LoginState, LoginStatus,
    PROVIDER_NAME, REFRESH_ATTEMPT_INTERVAL, REFRESH_THRESHOLD, TOKEN_PATH,
};

/// Entry points for the fuzz targets (`fuzz/`) and their stable smoke tests. Not API.
#[doc(hidden)]
pub mod fuzz {
    use std::sync::Arc;

    use awscred_file_cache::LoginTokenCache;
    use awscred_types::fuzz::OneFile;

    /// Reads `bytes` as a login token file (its fields, expiry and DPoP key), and as a pasted
    /// cross-device verification code; the results are dropped.
    pub fn token_file(bytes: &[u8]) {
        let session = "arn:aws:sts::012345678901:assumed-role/Admin/me";
        let path =
            LoginTokenCache::new("/t", Arc::new(OneFile("/".into(), Vec::new()))).path(session);
        let cache = LoginTokenCache::new("/t", Arc::new(OneFile(path, bytes.to_vec())));
        if let Ok(token) = cache.load(session) {
            let _ = token.missing_fields();
            let _ = token.expires_at();
            if let Some(pem) = token.str("dpopKey")
                && let Ok(key) = crate::dpop::DpopKey::from_pem(pem)
            {
                let _ = key.proof("https://example.invalid/v1/token", 1);
            }
            let settings = crate::LoginSettings::new("p", session);
            let _ = settings.token_url(token.str("signInRegion"));
        }
        if let Ok(text) = std::str::from_utf8(bytes) {
            let _ = crate::flow::LoginFlow::parse_verification_code(text);
            let _ = crate::dpop::DpopKey::from_pem(text);
        }
    }
}
