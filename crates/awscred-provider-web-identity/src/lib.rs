//! Web identity credentials for awscred: `AssumeRoleWithWebIdentity` from a token file.
//!
//! This crate provides:
//! - [`WebIdentitySettings`]: the token file, role ARN and session name, each resolved on its own
//!   from the environment first and the selected profile second, as botocore does
//!   (`AWS_WEB_IDENTITY_TOKEN_FILE` / `web_identity_token_file`, `AWS_ROLE_ARN` / `role_arn`,
//!   `AWS_ROLE_SESSION_NAME` / `role_session_name`). The SDK reference guide's
//!   `AWS_IAM_ROLE_ARN` and `AWS_IAM_ROLE_SESSION_NAME` are accepted as aliases; botocore's names
//!   win when both are set.
//! - [`WebIdentityProvider`]: reads the token file on **every** call (the orchestrator rotates
//!   it), calls STS unsigned, and labels the result `assume-role-with-web-identity`.
//!
//! No token file configured is `NotLoaded`; a token file without a role ARN is
//! `InvalidConfiguration` (the chain stops), as in botocore. The token is a secret: it never
//! appears in `Debug`, errors or logs.
//!
//! # Where this crate sits
//!
//! A provider crate: the default chain (`awscred-chain`) runs it right after assume-role
//! (botocore's order), and also builds it as the base of a role chain whose source profile has
//! `role_arn` + `web_identity_token_file`. It depends on `awscred-types`, `awscred-profile`
//! and `awscred-sts`.
//!
//! # Compiler support
//!
//! The minimum supported Rust version is the workspace `rust-version` (see `docs/MSRV.md`).
#![warn(missing_docs)]

use std::path::Path;
use std::time::UNIX_EPOCH;

use awscred_profile::Section;
use awscred_sts::{AssumeRoleWithWebIdentityRequest, StsClient};
use awscred_types::{
    Credentials, CredentialsError, Env, ProvideCredentials, ReadCap, SharedClock, SharedFs, Sources,
};
use zeroize::Zeroizing;

/// The name results carry (botocore's `Credentials.method`).
pub const PROVIDER_NAME: &str = "assume-role-with-web-identity";

/// What a web identity call needs, before any I/O.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct WebIdentitySettings {
    /// Path of the OIDC token file (used as given: no `~` or `$VAR` expansion, as botocore).
    pub token_file: String,
    /// The role to assume.
    pub role_arn: String,
    /// The session name; `None` generates `botocore-session-<unix seconds>` per call.
    pub role_session_name: Option<String>,
}

impl WebIdentitySettings {
    /// Settings given in code.
    pub fn new(token_file: impl Into<String>, role_arn: impl Into<String>) -> Self {
        Self {
            token_file: token_file.into(),
            role_arn: role_arn.into(),
            role_session_name: None,
        }
    }

    /// Resolves each key independently: the environment first (unless `use_env` is false, as
    /// when a profile was named in code or for a `source_profile`), then `profile`.
    ///
    /// `Ok(None)` when no token file is configured (the provider does not apply).
    pub fn resolve(
        env: &dyn Env,
        profile: Option<&Section>,
        use_env: bool,
    ) -> Result<Option<Self>, CredentialsError> {
        let from_env = |names: &[&str]| -> Option<String> {
            if !use_env {
                return None;
            }
            names.iter().find_map(|n| env.get(n))
        };
        let from_profile = |key: &str| {
            profile
                .and_then(|p| p.get(key))
                .filter(|v| !v.trim().is_empty())
                .map(str::to_owned)
        };
        let Some(token_file) = from_env(&["AWS_WEB_IDENTITY_TOKEN_FILE"])
            .or_else(|| from_profile("web_identity_token_file"))
        else {
            return Ok(None);
        };
        let role_arn =
            from_env(&["AWS_ROLE_ARN", "AWS_IAM_ROLE_ARN"]).or_else(|| from_profile("role_arn"));
        let Some(role_arn) = role_arn else {
            let mut err = CredentialsError::invalid_configuration(
                "web identity is configured (a token file is set) but no role ARN is: set \
                 AWS_ROLE_ARN or the profile's role_arn",
            )
            .with("file", &token_file);
            if let Some(p) = profile {
                err = err.with("profile", p.name());
            }
            return Err(err);
        };
        let role_session_name = from_env(&["AWS_ROLE_SESSION_NAME", "AWS_IAM_ROLE_SESSION_NAME"])
            .or_else(|| from_profile("role_session_name"));
        Ok(Some(Self {
            token_file,
            role_arn,
            role_session_name,
        }))
    }
}

/// `AssumeRoleWithWebIdentity` with a token read from a file on every call.
#[derive(Debug, Clone)]
pub struct WebIdentityProvider {
    settings: WebIdentitySettings,
    sts: StsClient,
    fs: SharedFs,
    clock: SharedClock,
}

/// Builds a [`WebIdentityProvider`] ([`WebIdentityProvider::builder`]).
#[derive(Debug)]
pub struct WebIdentityProviderBuilder {
    settings: WebIdentitySettings,
    sts: StsClient,
    fs: SharedFs,
    clock: SharedClock,
}

impl WebIdentityProviderBuilder {
    /// Builds the provider.
    pub fn build(self) -> WebIdentityProvider {
        WebIdentityProvider {
            settings: self.settings,
            sts: self.sts,
            fs: self.fs,
            clock: self.clock,
        }
    }
}

impl WebIdentityProvider {
    /// A provider for `settings`, calling `sts`; the token is read through the file system of
    /// `sources`, and session names are dated by its clock.
    pub fn builder(
        sources: &Sources,
        settings: WebIdentitySettings,
        sts: StsClient,
    ) -> WebIdentityProviderBuilder {
        WebIdentityProviderBuilder {
            settings,
            sts,
            fs: sources.fs.clone(),
            clock: sources.clock.clone(),
        }
    }

    /// The settings this provider uses.
    pub fn settings(&self) -> &WebIdentitySettings {
        &self.settings
    }

    fn read_token(&self) -> Result<Zeroizing<String>, CredentialsError> {
        let path = &self.settings.token_file;
        let bytes = Zeroizing::new(self.fs.read(Path::new(path), ReadCap::Token).map_err(|e| {
            CredentialsError::invalid_configuration("could not read the web identity token file")
                .with("file", path)
                .with_source(e)
        })?);
        let token = std::str::from_utf8(&bytes).map_err(|_| {
            CredentialsError::invalid_configuration("the web identity token file is not UTF-8")
                .with("file", path)
        })?;
        // botocore sends the file as it is; a trailing newline from `echo` is not part of a JWT.
        let token = token.trim();
        if token.is_empty() {
            return Err(CredentialsError::invalid_configuration(
                "the web identity token file is empty",
            )
            .with("file", path));
        }
        Ok(Zeroizing::new(token.to_owned()))
    }
}

#[async_trait::async_trait]
impl ProvideCredentials for WebIdentityProvider {
    async fn provide_credentials(&self) -> Result<Credentials, CredentialsError> {
        let token = self.read_token()?;
        let session_name = match &self.settings.role_session_name {
            Some(name) => name.clone(),
            None => {
                let secs = self
                    .clock
                    .now()
                    .duration_since(UNIX_EPOCH)
                    .map(|d| d.as_secs())
                    .unwrap_or(0);
                format!("botocore-session-{secs}")
            }
        };
        let request = AssumeRoleWithWebIdentityRequest::new(
            &self.settings.role_arn,
            session_name,
            token.as_str(),
        );
        let out = self
            .sts
            .assume_role_with_web_identity(&request, PROVIDER_NAME)
            .await?;
        Ok(out.credentials)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use awscred_profile::ProfileSet;
    use awscred_types::FakeEnv;

    fn profile(body: &str) -> ProfileSet {
        awscred_test::config_profiles(&format!("[profile p]\n{body}"))
    }

    #[test]
    fn keys_resolve_independently_env_first() {
        let set = profile(
            "web_identity_token_file = /p/token\nrole_arn = arn:profile\nrole_session_name = ps",
        );
        let env = FakeEnv::new().with("AWS_ROLE_ARN", "arn:env");
        let s = WebIdentitySettings::resolve(&env, set.profile("p"), true)
            .unwrap()
            .unwrap();
        assert_eq!(
            (s.token_file.as_str(), s.role_arn.as_str()),
            ("/p/token", "arn:env")
        );
        assert_eq!(s.role_session_name.as_deref(), Some("ps"));
        let s = WebIdentitySettings::resolve(&env, set.profile("p"), false)
            .unwrap()
            .unwrap();
        assert_eq!(
            s.role_arn, "arn:profile",
            "env ignored when use_env is false"
        );
    }

    #[test]
    fn iam_aliases_accepted_and_botocore_names_win() {
        let env = FakeEnv::new()
            .with("AWS_WEB_IDENTITY_TOKEN_FILE", "/t")
            .with("AWS_IAM_ROLE_ARN", "arn:alias")
            .with("AWS_IAM_ROLE_SESSION_NAME", "alias-session");
        let s = WebIdentitySettings::resolve(&env, None, true)
            .unwrap()
            .unwrap();
        assert_eq!(
            (s.role_arn.as_str(), s.role_session_name.as_deref()),
            ("arn:alias", Some("alias-session"))
        );
        let env = env
            .with("AWS_ROLE_ARN", "arn:botocore")
            .with("AWS_ROLE_SESSION_NAME", "boto");
        let s = WebIdentitySettings::resolve(&env, None, true)
            .unwrap()
            .unwrap();
        assert_eq!(
            (s.role_arn.as_str(), s.role_session_name.as_deref()),
            ("arn:botocore", Some("boto"))
        );
    }

    #[test]
    fn no_token_file_is_not_configured_and_token_without_role_is_an_error() {
        assert_eq!(
            WebIdentitySettings::resolve(&FakeEnv::new().with("AWS_ROLE_ARN", "x"), None, true)
                .unwrap(),
            None
        );
        let set = profile("web_identity_token_file = /p/token");
        let err =
            WebIdentitySettings::resolve(&FakeEnv::new(), set.profile("p"), true).unwrap_err();
        assert!(!err.is_not_loaded());
        assert!(err.to_string().contains("no role ARN"), "{err}");
        assert_eq!(err.field("profile"), Some("p"));
        assert_eq!(err.field("file"), Some("/p/token"));
    }
}
