//! Credentials from the AWS profile files, read the way botocore's file providers read them.
//!
//! This crate provides:
//! - [`SharedCredentialsProvider`] (`shared-credentials-file`): static keys from the selected
//!   profile of the shared credentials file only (botocore's `SharedCredentialProvider`).
//! - [`ConfigFileProvider`] (`config-file`): static keys from the selected profile of the config
//!   file only (botocore's `ConfigProvider`, which reads the config file and not the merged
//!   view).
//! - [`static_keys`]: the rule both share, turning a profile [`Section`](awscred_profile::Section)
//!   into credentials.
//! - The key names as constants ([`ACCESS_KEY_ID`], [`SECRET_ACCESS_KEY`], [`SECURITY_TOKEN`],
//!   [`SESSION_TOKEN`], [`ACCOUNT_ID`]).
//!
//! Both providers take an already loaded `Arc<`[`ProfileSet`](awscred_profile::ProfileSet)`>`
//! and a profile name, so a chain reads the files once; `load_from` loads the files through the
//! [`Env`](awscred_types::Env) and [`Fs`](awscred_types::Fs) seams and selects the profile for
//! you. The rules, in botocore's order, for the provider's one file:
//!
//! | The file says | Result |
//! |---|---|
//! | the file is missing, or the profile is not in it | [`NotLoaded`](awscred_types::CredentialsError::NotLoaded) naming the profile and the file: a chain moves on |
//! | `aws_access_key_id` unset, empty or whitespace | [`NotLoaded`](awscred_types::CredentialsError::NotLoaded) naming the profile, the file and the key |
//! | key id set, `aws_secret_access_key` unset, empty or whitespace | [`InvalidConfiguration`](awscred_types::CredentialsError::InvalidConfiguration) (`partial credentials found in shared-credentials-file, missing: aws_secret_access_key`, with `profile`, `file` and `key`): a chain stops, as botocore's `PartialCredentialsError` does |
//! | both set | credentials; the token is the first non-blank of `aws_security_token`, `aws_session_token` (the legacy name wins, as in botocore), the account id is `aws_account_id` |
//!
//! Key names are case-insensitive (`AWS_ACCESS_KEY_ID = …` works, as in botocore). The file
//! grammar is the cross-SDK one `awscred-profile` implements; `docs/compatibility.md` lists where
//! it differs from botocore's `configparser`, and where blank values differ (botocore takes
//! `aws_access_key_id =` as a key id and `aws_security_token =` as a present, empty token).
//! Errors name profiles, files and keys, never values.
//!
//! ```
//! use std::sync::Arc;
//! use awscred_profile::{ProfileSet, Source};
//! use awscred_provider_profile::{ConfigFileProvider, SharedCredentialsProvider};
//!
//! let config = "[profile dev]\naws_access_key_id = AKIDCONFIG\naws_secret_access_key = s1\n";
//! let credentials = "[dev]\naws_access_key_id = AKIDCREDS\naws_secret_access_key = s2\n";
//! let set = Arc::new(ProfileSet::parse(
//!     Some(Source::new("/home/me/.aws/config", config)),
//!     Some(Source::new("/home/me/.aws/credentials", credentials)),
//! )?);
//! let shared = SharedCredentialsProvider::new(set.clone(), "dev").load()?;
//! assert_eq!(shared.access_key_id(), "AKIDCREDS");
//! assert_eq!(shared.provider_name(), "shared-credentials-file");
//! let config = ConfigFileProvider::new(set.clone(), "dev").load()?;
//! assert_eq!(config.access_key_id(), "AKIDCONFIG");
//! assert!(SharedCredentialsProvider::new(set, "prod").load().unwrap_err().is_not_loaded());
//! # Ok::<(), awscred_types::CredentialsError>(())
//! ```
//!
//! # Where this crate sits
//!
//! One of the `awscred-provider-*` crates: it depends on `awscred-types` and `awscred-profile`
//! (which locates, reads and parses the files). `awscred-chain` puts the shared-credentials
//! provider after SSO and the config-file provider after `credential_process`, botocore's order;
//! applications normally reach them through the `awscred` facade. The assume-role planner is
//! in `awscred-provider-assume-role`.
//!
//! # Feature flags
//!
//! None.
//!
//! # Compiler support
//!
//! The minimum supported Rust version is the workspace `rust-version` (see `docs/MSRV.md`).
#![warn(missing_docs)]

mod file;
mod static_keys;

pub use file::{ConfigFileProvider, SharedCredentialsProvider};
pub use static_keys::{
    ACCESS_KEY_ID, ACCOUNT_ID, SECRET_ACCESS_KEY, SECURITY_TOKEN, SESSION_TOKEN, static_keys,
};

#[cfg(test)]
mod tests {
    use super::*;
    use awscred_profile::{Platform, ProfileSet, Source};
    use awscred_test::block_on;
    use awscred_types::{CredentialsError, FakeEnv, MemFs, ProvideCredentials, SharedProvider};
    use std::sync::Arc;

    const SECRET: &str = "hunter2-secret-access-key";
    const TOKEN: &str = "hunter2-session-token";

    fn set(config: Option<&str>, credentials: Option<&str>) -> Arc<ProfileSet> {
        Arc::new(
            ProfileSet::parse(
                config.map(|c| Source::new("/home/me/.aws/config", c)),
                credentials.map(|c| Source::new("/home/me/.aws/credentials", c)),
            )
            .unwrap(),
        )
    }

    fn assert_no_secrets(err: &CredentialsError) {
        let shown = format!("{err} {err:?} {err:#?}");
        assert!(!shown.contains("hunter2"), "{shown}");
    }

    /// Every error either provider can return, for files full of secrets: none shows a value.
    #[test]
    fn no_error_display_or_debug_contains_a_secret() {
        let partial = format!(
            "aws_access_key_id = AKID\naws_session_token = {TOKEN}\n\
             aws_security_token = {TOKEN}\nother = {SECRET}\n"
        );
        let no_key = format!("aws_secret_access_key = {SECRET}\naws_session_token = {TOKEN}\n");
        let credentials = format!("[partial]\n{partial}[nokey]\n{no_key}");
        let config = format!("[profile partial]\n{partial}[profile nokey]\n{no_key}");
        let profiles = set(Some(&config), Some(&credentials));
        let mut kinds = Vec::new();
        for name in ["partial", "nokey", "absent"] {
            for err in [
                SharedCredentialsProvider::new(profiles.clone(), name).load(),
                ConfigFileProvider::new(profiles.clone(), name).load(),
                SharedCredentialsProvider::new(set(None, None), name).load(),
                ConfigFileProvider::new(set(None, Some(&credentials)), name).load(),
            ]
            .into_iter()
            .map(Result::unwrap_err)
            {
                assert_no_secrets(&err);
                assert_eq!(err.field("profile"), Some(name), "{err}");
                kinds.push(err.kind_name());
            }
        }
        assert!(kinds.contains(&"InvalidConfiguration"));
        assert!(kinds.contains(&"NotLoaded"));
        // A malformed file (the line holds a secret): `load_from` reports the file and line only.
        let fs = MemFs::new().with_file(
            "/home/me/.aws/credentials",
            format!("[default]\naws_secret_access_key : {SECRET}\n"),
        );
        let env = FakeEnv::new().with("HOME", "/home/me");
        let err = SharedCredentialsProvider::load_from(&env, &fs, None).unwrap_err();
        assert!(err.is_invalid_configuration());
        assert_eq!(err.field("line"), Some("2"));
        assert_no_secrets(&err);
        // The providers' and the credentials' `Debug` show no value either.
        let good = format!(
            "[default]\naws_access_key_id = AKID\naws_secret_access_key = {SECRET}\naws_session_token = {TOKEN}\n"
        );
        let p = SharedCredentialsProvider::new(set(None, Some(&good)), "default");
        let c = p.load().unwrap();
        let shown = format!("{p:?} {p:#?} {c:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
    }

    #[test]
    fn each_provider_reads_only_its_own_file() {
        let config = "[profile a]\naws_access_key_id = AKIDCONFIG\n\
                      aws_secret_access_key = s\n[profile b]\nregion = x\n";
        let credentials = "[a]\nregion = y\n[b]\naws_access_key_id = AKIDCREDS\n\
                           aws_secret_access_key = s\n";
        let profiles = set(Some(config), Some(credentials));
        // The merged profile `a` has keys, but the credentials file's `a` does not.
        assert!(profiles.profile("a").unwrap().contains_key(ACCESS_KEY_ID));
        let err = SharedCredentialsProvider::new(profiles.clone(), "a")
            .load()
            .unwrap_err();
        assert!(err.is_not_loaded());
        assert_eq!(err.field("key"), Some(ACCESS_KEY_ID));
        assert_eq!(err.field("file"), Some("/home/me/.aws/credentials"));
        let c = ConfigFileProvider::new(profiles.clone(), "a")
            .load()
            .unwrap();
        assert_eq!(
            (c.access_key_id(), c.provider_name()),
            ("AKIDCONFIG", "config-file")
        );
        let err = ConfigFileProvider::new(profiles.clone(), "b")
            .load()
            .unwrap_err();
        assert!(err.is_not_loaded());
        assert_eq!(err.field("file"), Some("/home/me/.aws/config"));
        let c = SharedCredentialsProvider::new(profiles, "b")
            .load()
            .unwrap();
        assert_eq!(
            (c.access_key_id(), c.provider_name()),
            ("AKIDCREDS", "shared-credentials-file")
        );
    }

    #[test]
    fn a_file_not_given_to_parse_is_not_loaded_without_a_file_field() {
        let err = ConfigFileProvider::new(set(None, Some("[a]\n")), "a")
            .load()
            .unwrap_err();
        assert!(err.is_not_loaded());
        assert_eq!(err.message(), "no AWS config file was read");
        assert_eq!(err.field("file"), None);
    }

    #[test]
    fn load_from_selects_the_profile_and_reports_missing_files() {
        let fs = MemFs::new().with_file(
            "/home/me/.aws/config",
            "[profile dev]\naws_access_key_id = AKIDDEV\naws_secret_access_key = s\n",
        );
        let env = FakeEnv::new()
            .with("HOME", "/home/me")
            .with("AWS_PROFILE", "dev");
        let config = ConfigFileProvider::load_from(&env, &fs, None).unwrap();
        assert_eq!(config.profile_name(), "dev");
        assert_eq!(config.load().unwrap().access_key_id(), "AKIDDEV");
        let explicit = ConfigFileProvider::load_from(&env, &fs, Some("other")).unwrap();
        assert_eq!(explicit.profile_name(), "other");
        assert!(explicit.load().unwrap_err().is_not_loaded());
        let shared = SharedCredentialsProvider::load_from(&env, &fs, None).unwrap();
        let err = shared.load().unwrap_err();
        assert!(err.is_not_loaded());
        assert_eq!(
            err.to_string(),
            "the AWS shared credentials file was not found \
             (profile: dev, file: /home/me/.aws/credentials)"
        );
        // No HOME: the default paths cannot be expanded, and the message says so.
        let no_home = ProfileSet::load_for(&FakeEnv::new(), &fs, Platform::Linux).unwrap();
        let err = SharedCredentialsProvider::new(Arc::new(no_home), "dev")
            .load()
            .unwrap_err();
        assert!(err.to_string().contains("no home folder is known"), "{err}");
    }

    #[test]
    fn provide_credentials_is_load() {
        let good = "[default]\naws_access_key_id = AKID\naws_secret_access_key = s\n";
        let p: SharedProvider = Arc::new(SharedCredentialsProvider::new(
            set(Some(good), Some(good)),
            "default",
        ));
        assert_eq!(
            block_on(p.provide_credentials()).unwrap().access_key_id(),
            "AKID"
        );
        let c: SharedProvider = Arc::new(ConfigFileProvider::new(set(None, None), "default"));
        assert!(
            block_on(c.provide_credentials())
                .unwrap_err()
                .is_not_loaded()
        );
    }
}
