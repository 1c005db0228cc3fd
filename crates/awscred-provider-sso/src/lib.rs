//! IAM Identity Center (SSO) credentials for awscred, as botocore's `SSOProvider` gets them.
//!
//! - [`SsoSettings::resolve`]: a profile with `sso_role_name` or `sso_account_id`, merged with
//!   its `[sso-session NAME]` section (or the legacy `sso_start_url` / `sso_region` in the
//!   profile); an unknown session, a value that differs between profile and session, or a
//!   missing key is an error naming them.
//! - [`TokenCache`]: `~/.aws/sso/cache/<sha1>.json` (key: the session name, or the start URL for
//!   legacy profiles), the file `aws sso login` writes. No file: an error telling the user to run
//!   `aws sso login --profile X` or `awscred sso login --profile X`. An expired legacy token is
//!   an error without a portal call.
//! - Refresh: an `sso-session` token with less than 15 minutes left is refreshed through SSO-OIDC
//!   `CreateToken` (`refresh_token` grant) and written back atomically (0600); at most one
//!   attempt per 30 s; a failed refresh keeps using a still-valid token.
//! - [`SsoProvider`]: the portal's `GetRoleCredentials` (`GET /federation/credentials`, bearer
//!   header, unsigned); expiry from epoch milliseconds; account id from `sso_account_id`; 401 is
//!   "log in again". Role credentials can be shared through the AWS CLI's `~/.aws/cli/cache`
//!   (botocore's SSO key, the `ProviderType: sso` entry).
//! - [`SsoLogin`]: `sso login` — SSO-OIDC `RegisterClient`, the device-authorization flow
//!   (`authorization_pending`, `slow_down`, code expiry), and the token cache entry `aws sso
//!   login` writes; [`logout`] removes cached tokens.
//!
//! # Where this crate sits
//!
//! A provider crate above `awscred-http` and `awscred-profile`; it uses
//! `awscred-provider-assume-role`'s file cache. The default chain runs it fifth, and as the base
//! of role chains whose source profile uses SSO.
//!
//! # Compiler support
//!
//! The minimum supported Rust version is the workspace `rust-version` (see `docs/MSRV.md`).

mod login;
mod provider;
mod settings;
mod token;

pub use login::{LoginPrompt, LoginUi, SsoLogin, logout};
pub use provider::{
    PROVIDER_NAME, REFRESH_ATTEMPT_INTERVAL, SsoProvider, SsoProviderBuilder, TOKEN_REFRESH_WINDOW,
};
pub use settings::{SsoSettings, configured_endpoint};
pub use token::TokenCache;

/// Entry points for the fuzz targets (`fuzz/`) and their stable smoke tests. Not API.
#[doc(hidden)]
pub mod fuzz {
    use std::sync::Arc;

    /// Reads `bytes` as a cached SSO token; the result is dropped.
    pub fn token_file(bytes: &[u8]) {
        let fs = Arc::new(awscred_types::MemFs::new());
        let settings = crate::SsoSettings::new(
            "p",
            "https://d.awsapps.com/start",
            "eu-west-1",
            "1",
            "r",
            None,
        );
        let cache = crate::TokenCache::new("/t", fs.clone());
        fs.insert(cache.path(&settings), bytes.to_vec());
        if let Ok(token) = cache.load(&settings) {
            let _ = token.expires_at();
        }
    }
}
