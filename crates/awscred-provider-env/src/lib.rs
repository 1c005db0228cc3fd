//! Credentials from environment variables, read the way botocore's `EnvProvider` reads them.
//!
//! This crate provides:
//! - [`EnvProvider`]: a [`ProvideCredentials`](awscred_types::ProvideCredentials) that reads `AWS_ACCESS_KEY_ID`,
//!   `AWS_SECRET_ACCESS_KEY`, the session token (`AWS_SECURITY_TOKEN`, then `AWS_SESSION_TOKEN`),
//!   `AWS_CREDENTIAL_EXPIRATION` (RFC 3339) and `AWS_ACCOUNT_ID` through the
//!   [`Env`](awscred_types::Env) seam, on every call. Credentials it returns are named `env`
//!   ([`PROVIDER_NAME`], botocore's `Credentials.method`).
//! - The variable names as constants ([`ACCESS_KEY_ID`], [`SECRET_ACCESS_KEY`], [`SECURITY_TOKEN`],
//!   [`SESSION_TOKEN`], [`CREDENTIAL_EXPIRATION`], [`ACCOUNT_ID`]).
//!
//! The rules, in botocore's order:
//!
//! | Environment | Result |
//! |---|---|
//! | `AWS_ACCESS_KEY_ID` unset, empty or whitespace | [`CredentialsError::NotLoaded`]: a chain moves on |
//! | key id set, `AWS_SECRET_ACCESS_KEY` unset, empty or whitespace | [`CredentialsError::InvalidConfiguration`] (`partial credentials found in env, missing: AWS_SECRET_ACCESS_KEY`): a chain stops, as botocore's `PartialCredentialsError` does |
//! | both set | credentials; the token is the first non-empty of `AWS_SECURITY_TOKEN`, `AWS_SESSION_TOKEN` (the legacy name wins, as in botocore) |
//! | `AWS_CREDENTIAL_EXPIRATION` set | the credentials carry that expiry; a value that is not RFC 3339 is [`CredentialsError::InvalidConfiguration`] naming the variable |
//! | `AWS_ACCOUNT_ID` set | the credentials carry that account id |
//!
//! Values are used as they are (not trimmed), as botocore does. Because the environment is read
//! again on every call, credentials with an expiry are "refreshable" exactly as botocore's are: a
//! cache in front of this provider that sees them expire calls again and gets whatever the
//! environment says now.
//!
//! ```
//! use std::sync::Arc;
//! use awscred_provider_env::EnvProvider;
//! use awscred_types::{FakeEnv, Sources};
//!
//! let env = FakeEnv::new()
//!     .with("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
//!     .with("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
//! let credentials = EnvProvider::builder(&Sources::default().with_env(Arc::new(env))).build().load()?;
//! assert_eq!(credentials.access_key_id(), "AKIDEXAMPLE");
//! assert_eq!(credentials.provider_name(), "env");
//! # Ok::<(), awscred_types::CredentialsError>(())
//! ```
//!
//! # Where this crate sits
//!
//! One of the `awscred-provider-*` crates: it depends only on `awscred-types` (and `time` to
//! parse the expiry). `awscred-chain` puts it first in the default chain (after explicit
//! credentials); applications normally reach it through the `awscred` facade.
//!
//! # Compiler support
//!
//! The minimum supported Rust version is the workspace `rust-version` (see `docs/MSRV.md`).
#![warn(missing_docs)]

use std::fmt;
use std::time::SystemTime;

use awscred_types::{Credentials, CredentialsError, SharedEnv, Sources};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The provider name the credentials carry (botocore's `EnvProvider.METHOD`).
pub const PROVIDER_NAME: &str = "env";
/// The access key id variable; its presence is what makes this provider apply.
pub const ACCESS_KEY_ID: &str = "AWS_ACCESS_KEY_ID";
/// The secret access key variable.
pub const SECRET_ACCESS_KEY: &str = "AWS_SECRET_ACCESS_KEY";
/// The legacy session token variable, read before [`SESSION_TOKEN`] (botocore's order).
pub const SECURITY_TOKEN: &str = "AWS_SECURITY_TOKEN";
/// The session token variable.
pub const SESSION_TOKEN: &str = "AWS_SESSION_TOKEN";
/// When the credentials expire, as an RFC 3339 time (`2030-01-01T00:00:00Z`).
pub const CREDENTIAL_EXPIRATION: &str = "AWS_CREDENTIAL_EXPIRATION";
/// The account id the credentials belong to.
pub const ACCOUNT_ID: &str = "AWS_ACCOUNT_ID";

/// Credentials from the process environment (botocore's `EnvProvider`, method `env`).
///
/// See the [crate documentation](crate) for the rules. `Debug` shows no variable values.
#[derive(Clone)]
pub struct EnvProvider {
    env: SharedEnv,
}

/// Configures an [`EnvProvider`]; see [`EnvProvider::builder`].
#[derive(Clone)]
pub struct EnvProviderBuilder {
    env: SharedEnv,
}

impl EnvProviderBuilder {
    /// Builds the provider.
    pub fn build(self) -> EnvProvider {
        EnvProvider { env: self.env }
    }
}

impl fmt::Debug for EnvProviderBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnvProviderBuilder").finish_non_exhaustive()
    }
}

impl EnvProvider {
    /// A builder reading the environment of `sources`.
    pub fn builder(sources: &Sources) -> EnvProviderBuilder {
        EnvProviderBuilder {
            env: sources.env.clone(),
        }
    }

    /// Reads the environment now and builds credentials, or says why not; the synchronous form
    /// of [`ProvideCredentials::provide_credentials`](awscred_types::ProvideCredentials::provide_credentials).
    pub fn load(&self) -> Result<Credentials, CredentialsError> {
        let env = &*self.env;
        let Some(access_key_id) = env.get(ACCESS_KEY_ID) else {
            return Err(CredentialsError::not_loaded(
                "AWS_ACCESS_KEY_ID is not set in the environment",
            ));
        };
        let Some(secret_access_key) = env.get(SECRET_ACCESS_KEY) else {
            return Err(CredentialsError::invalid_configuration(
                "partial credentials found in env, missing: AWS_SECRET_ACCESS_KEY",
            )
            .with("key", SECRET_ACCESS_KEY));
        };
        let session_token = env.get(SECURITY_TOKEN).or_else(|| env.get(SESSION_TOKEN));
        let expiry = match env.get(CREDENTIAL_EXPIRATION) {
            Some(value) => Some(parse_expiration(&value)?),
            None => None,
        };
        Ok(
            Credentials::builder(access_key_id, secret_access_key, PROVIDER_NAME)
                .maybe_session_token(session_token)
                .maybe_expiry(expiry)
                .maybe_account_id(env.get(ACCOUNT_ID))
                .build(),
        )
    }
}

/// `AWS_CREDENTIAL_EXPIRATION` as RFC 3339. The error names the variable and carries `time`'s
/// description of what did not parse; it does not repeat the value.
fn parse_expiration(value: &str) -> Result<SystemTime, CredentialsError> {
    OffsetDateTime::parse(value, &Rfc3339)
        .map(SystemTime::from)
        .map_err(|e| {
            CredentialsError::invalid_configuration(
                "AWS_CREDENTIAL_EXPIRATION is not an RFC 3339 time such as 2030-01-01T00:00:00Z",
            )
            .with("key", CREDENTIAL_EXPIRATION)
            .with_source(e)
        })
}

impl Default for EnvProvider {
    /// A provider reading the real process environment ([`Sources::system`]).
    fn default() -> Self {
        Self::builder(&Sources::system()).build()
    }
}

impl fmt::Debug for EnvProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The seam's own `Debug` could show values (secrets) for a custom `Env`: show nothing.
        f.debug_struct("EnvProvider").finish_non_exhaustive()
    }
}

awscred_types::local_provider!(EnvProvider);

#[cfg(test)]
mod tests {
    use super::*;
    use awscred_test::block_on;
    use awscred_types::{Env, FakeEnv, ProvideCredentials};
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY";
    const TOKEN: &str = "FQoGZXIvYXdzEXAMPLETOKEN";

    fn provider(vars: &[(&str, &str)]) -> EnvProvider {
        EnvProvider::builder(
            &Sources::default().with_env(Arc::new(vars.iter().copied().collect::<FakeEnv>())),
        )
        .build()
    }

    fn keys() -> Vec<(&'static str, &'static str)> {
        vec![(ACCESS_KEY_ID, "AKIDEXAMPLE"), (SECRET_ACCESS_KEY, SECRET)]
    }

    fn with(extra: &[(&'static str, &'static str)]) -> EnvProvider {
        let mut vars = keys();
        vars.extend_from_slice(extra);
        provider(&vars)
    }

    fn assert_no_secrets(err: &CredentialsError) {
        let shown = format!("{err} {err:?} {err:#?}");
        assert!(!shown.contains(SECRET), "{shown}");
        assert!(!shown.contains(TOKEN), "{shown}");
    }

    #[test]
    fn key_id_and_secret_give_static_credentials_named_env() {
        let c = with(&[]).load().unwrap();
        assert_eq!(c.access_key_id(), "AKIDEXAMPLE");
        assert_eq!(c.secret_access_key(), SECRET);
        assert_eq!(c.session_token(), None);
        assert_eq!(c.expiry(), None);
        assert_eq!(c.account_id(), None);
        assert_eq!(c.provider_name(), "env");
    }

    #[test]
    fn no_key_id_is_not_loaded_even_with_other_variables() {
        for vars in [
            vec![],
            vec![(SECRET_ACCESS_KEY, SECRET), (SESSION_TOKEN, TOKEN)],
            vec![(ACCESS_KEY_ID, ""), (SECRET_ACCESS_KEY, SECRET)],
            vec![(ACCESS_KEY_ID, " \t\n"), (SECRET_ACCESS_KEY, SECRET)],
        ] {
            let err = provider(&vars).load().unwrap_err();
            assert!(err.is_not_loaded(), "{vars:?}");
            assert!(
                err.to_string().contains("AWS_ACCESS_KEY_ID is not set"),
                "{err}"
            );
            assert_no_secrets(&err);
        }
    }

    #[test]
    fn key_id_without_secret_is_partial_credentials_and_stops_a_chain() {
        for secret in [None, Some(""), Some("   ")] {
            let mut vars = vec![(ACCESS_KEY_ID, "AKIDEXAMPLE"), (SESSION_TOKEN, TOKEN)];
            if let Some(s) = secret {
                vars.push((SECRET_ACCESS_KEY, s));
            }
            let err = provider(&vars).load().unwrap_err();
            assert!(err.is_invalid_configuration(), "{secret:?}");
            assert_eq!(
                err.message(),
                "partial credentials found in env, missing: AWS_SECRET_ACCESS_KEY"
            );
            assert_eq!(err.field("key"), Some("AWS_SECRET_ACCESS_KEY"));
            assert!(!err.is_not_loaded());
            assert_no_secrets(&err);
        }
    }

    #[test]
    fn security_token_wins_over_session_token_and_empty_ones_are_skipped() {
        let both = with(&[(SECURITY_TOKEN, "legacy"), (SESSION_TOKEN, TOKEN)]);
        assert_eq!(both.load().unwrap().session_token(), Some("legacy"));
        let session_only = with(&[(SESSION_TOKEN, TOKEN)]);
        assert_eq!(session_only.load().unwrap().session_token(), Some(TOKEN));
        let legacy_only = with(&[(SECURITY_TOKEN, "legacy")]);
        assert_eq!(legacy_only.load().unwrap().session_token(), Some("legacy"));
        let empty_legacy = with(&[(SECURITY_TOKEN, ""), (SESSION_TOKEN, TOKEN)]);
        assert_eq!(empty_legacy.load().unwrap().session_token(), Some(TOKEN));
        let blank_both = with(&[(SECURITY_TOKEN, " "), (SESSION_TOKEN, "")]);
        assert_eq!(blank_both.load().unwrap().session_token(), None);
    }

    #[test]
    fn expiration_is_parsed_as_rfc3339() {
        let p = with(&[(CREDENTIAL_EXPIRATION, "2030-01-01T00:00:00Z")]);
        let expected = SystemTime::UNIX_EPOCH + Duration::from_secs(1_893_456_000);
        assert_eq!(p.load().unwrap().expiry(), Some(expected));
        let offset = with(&[(CREDENTIAL_EXPIRATION, "2030-01-01T01:00:00.5+01:00")]);
        assert_eq!(
            offset.load().unwrap().expiry(),
            Some(expected + Duration::from_millis(500))
        );
        let blank = with(&[(CREDENTIAL_EXPIRATION, "  ")]);
        assert_eq!(
            blank.load().unwrap().expiry(),
            None,
            "blank counts as unset"
        );
    }

    #[test]
    fn bad_expiration_is_invalid_configuration_naming_the_variable() {
        for bad in [
            "tomorrow",
            "2030-01-01",
            "2030-01-01 00:00:00",
            "1893456000",
        ] {
            let p = with(&[(CREDENTIAL_EXPIRATION, bad), (SESSION_TOKEN, TOKEN)]);
            let err = p.load().unwrap_err();
            assert!(err.is_invalid_configuration(), "{bad}");
            assert_eq!(err.field("key"), Some("AWS_CREDENTIAL_EXPIRATION"));
            assert!(err.to_string().contains("RFC 3339"), "{err}");
            assert_no_secrets(&err);
        }
    }

    #[test]
    fn account_id_is_read() {
        let p = with(&[(ACCOUNT_ID, "123456789012")]);
        assert_eq!(p.load().unwrap().account_id(), Some("123456789012"));
        let blank = with(&[(ACCOUNT_ID, "")]);
        assert_eq!(blank.load().unwrap().account_id(), None);
    }

    #[test]
    fn values_are_not_trimmed() {
        let p = provider(&[(ACCESS_KEY_ID, " AKID "), (SECRET_ACCESS_KEY, "s k\n")]);
        let c = p.load().unwrap();
        assert_eq!(c.access_key_id(), " AKID ");
        assert_eq!(c.secret_access_key(), "s k\n");
    }

    /// An environment whose values change between calls, and whose `Debug` would leak them.
    #[derive(Debug, Default)]
    struct MutableEnv(Mutex<Vec<(String, String)>>);

    impl MutableEnv {
        fn set(&self, name: &str, value: &str) {
            let mut vars = self.0.lock().unwrap();
            vars.retain(|(n, _)| n != name);
            vars.push((name.to_owned(), value.to_owned()));
        }
    }

    impl Env for MutableEnv {
        fn var(&self, name: &str) -> Option<String> {
            let vars = self.0.lock().unwrap();
            vars.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone())
        }
    }

    #[test]
    fn the_environment_is_read_again_on_every_call() {
        let env = Arc::new(MutableEnv::default());
        let p = EnvProvider::builder(&Sources::default().with_env(env.clone())).build();
        assert!(p.load().unwrap_err().is_not_loaded());
        env.set(ACCESS_KEY_ID, "AKID1");
        env.set(SECRET_ACCESS_KEY, SECRET);
        env.set(CREDENTIAL_EXPIRATION, "2030-01-01T00:00:00Z");
        let first = p.load().unwrap();
        env.set(ACCESS_KEY_ID, "AKID2");
        env.set(CREDENTIAL_EXPIRATION, "2031-01-01T00:00:00Z");
        let second = p.load().unwrap();
        assert_eq!(first.access_key_id(), "AKID1");
        assert_eq!(second.access_key_id(), "AKID2");
        assert!(second.expiry() > first.expiry());
    }

    #[test]
    fn debug_of_the_provider_shows_no_values() {
        let env = Arc::new(MutableEnv::default());
        env.set(ACCESS_KEY_ID, "AKIDEXAMPLE");
        env.set(SECRET_ACCESS_KEY, SECRET);
        env.set(SESSION_TOKEN, TOKEN);
        assert!(
            format!("{env:?}").contains(SECRET),
            "the test env does leak"
        );
        let p = EnvProvider::builder(&Sources::default().with_env(env)).build();
        let shown = format!("{p:?} {p:#?}");
        assert!(shown.starts_with("EnvProvider"), "{shown}");
        assert!(!shown.contains(SECRET) && !shown.contains(TOKEN), "{shown}");
        let c = p.load().unwrap();
        let shown = format!("{c:?}");
        assert!(!shown.contains(SECRET) && !shown.contains(TOKEN), "{shown}");
    }

    #[test]
    fn provide_credentials_is_load() {
        let p: Arc<dyn ProvideCredentials> = Arc::new(with(&[(ACCOUNT_ID, "123456789012")]));
        let c = block_on(p.provide_credentials()).unwrap();
        assert_eq!(c.account_id(), Some("123456789012"));
        let none: Arc<dyn ProvideCredentials> = Arc::new(provider(&[]));
        assert!(
            block_on(none.provide_credentials())
                .unwrap_err()
                .is_not_loaded()
        );
    }
}
