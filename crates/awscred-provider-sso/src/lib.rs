//! IAM Identity Center (SSO) credentials for awscred, as botocore's `SSOProvider` gets them.
//!
//! - [`SsoSettings::resolve`]: a profile with `sso_role_name` or `sso_account_id`, merged with
//!   its `[sso-session NAME]` section (or the legacy `sso_start_url` / `sso_region` in the
//!   profile); an unknown session, a value that differs between profile and session, or a
//!   missing key is an error naming them.
//! - The token: `~/.aws/sso/cache/<sha1>.json` (key: [`SsoSettings::token_name`], the session
//!   name, or the start URL for legacy profiles), the file `aws sso login` writes, read through
//!   `awscred-file-cache`'s [`SsoTokenCache`](awscred_file_cache::SsoTokenCache). No file: an
//!   error telling the user to run `aws sso login --profile X` or `awscred sso login --profile
//!   X`. An expired legacy token is an error without a portal call.
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
//! A provider crate above `awscred-http`, `awscred-profile` and `awscred-file-cache` (the SSO
//! token files and the AWS CLI cache). The default chain runs it fifth, and as the base of role
//! chains whose source profile uses SSO.
//!
//! # Compiler support
//!
//! The minimum supported Rust version is the workspace `rust-version` (see `docs/MSRV.md`).
#![warn(missing_docs)]

mod login;
mod provider;
mod settings;
mod token;

pub use login::{LoginPrompt, LoginUi, SsoLogin, SsoLoginBuilder, logout};
pub use provider::{
    PROVIDER_NAME, REFRESH_ATTEMPT_INTERVAL, SsoProvider, SsoProviderBuilder, TOKEN_REFRESH_WINDOW,
};
pub use settings::SsoSettings;

/// `v` percent-encoded for a URL's query (every byte but ASCII letters and digits).
fn query_encode(v: &str) -> String {
    percent_encoding::utf8_percent_encode(v, percent_encoding::NON_ALPHANUMERIC).to_string()
}
