//! The SSO token cache (`~/.aws/sso/cache/<sha1>.json`), in the format `aws sso login` writes.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use awscred_profile::{Platform, home_dir};
use awscred_provider_assume_role::{format_utc_z, parse_timestamp};
use awscred_types::{CredentialsError, Env, ReadCap, Refused, SharedFs};
use serde::{Deserialize, Serialize};
use sha1::{Digest, Sha1};
use zeroize::{Zeroize, Zeroizing};

use crate::SsoSettings;

/// A folder of SSO tokens: `<sha1(session name or start URL)>.json`.
#[derive(Clone)]
pub struct TokenCache {
    dir: PathBuf,
    fs: SharedFs,
}

impl fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenCache")
            .field("dir", &self.dir)
            .finish()
    }
}

/// One cached token, as `aws sso login` and botocore's `SSOTokenProvider` write it. The secrets
/// (`accessToken`, `refreshToken`, `clientSecret`) are wiped on drop.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Token {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) start_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) region: Option<String>,
    pub(crate) access_token: String,
    pub(crate) expires_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) client_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) client_secret: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) registration_expires_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) refresh_token: Option<String>,
}

impl Drop for Token {
    fn drop(&mut self) {
        self.access_token.zeroize();
        if let Some(s) = self.client_secret.as_mut() {
            s.zeroize();
        }
        if let Some(s) = self.refresh_token.as_mut() {
            s.zeroize();
        }
    }
}

impl Token {
    pub(crate) fn expires_at(&self) -> Option<SystemTime> {
        parse_timestamp(&self.expires_at)
    }
}

impl TokenCache {
    /// A cache in `dir`.
    pub fn new(dir: impl Into<PathBuf>, fs: SharedFs) -> Self {
        Self {
            dir: dir.into(),
            fs,
        }
    }

    /// `~/.aws/sso/cache`; `None` when no home folder is known.
    pub fn aws_sso(env: &dyn Env, fs: SharedFs) -> Option<Self> {
        let home = home_dir(env, Platform::host())?;
        Some(Self::new(
            Path::new(&home).join(".aws").join("sso").join("cache"),
            fs,
        ))
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The token file of `settings` (`SSOTokenLoader._generate_cache_key`).
    pub fn path(&self, settings: &SsoSettings) -> PathBuf {
        let input = settings
            .session_name
            .as_deref()
            .unwrap_or(&settings.start_url);
        self.dir.join(format!(
            "{}.json",
            hex::encode(Sha1::digest(input.as_bytes()))
        ))
    }

    pub(crate) fn load(&self, settings: &SsoSettings) -> Result<Token, CredentialsError> {
        let path = self.path(settings);
        let name = settings
            .session_name
            .as_deref()
            .unwrap_or(&settings.start_url);
        let bytes = match self.fs.read(&path, ReadCap::CacheEntry) {
            Ok(b) => Zeroizing::new(b),
            // botocore's JSONFileCache checks `os.path.isfile`: a folder, FIFO or device there
            // is no token.
            Err(e) if e.kind() == io::ErrorKind::NotFound || Refused::is_not_a_file(&e) => {
                return Err(CredentialsError::invalid_configuration(format!(
                    "no SSO token for {name}: you are not logged in; {}",
                    settings.login_hint()
                ))
                .with("profile", &settings.profile)
                .with("file", path.display()));
            }
            Err(e) => {
                return Err(CredentialsError::provider_error(
                    "could not read the SSO token cache file",
                )
                .with("profile", &settings.profile)
                .with("file", path.display())
                .with_source(e));
            }
        };
        let token: Token = serde_json::from_slice(&bytes).map_err(|e| {
            CredentialsError::invalid_configuration(format!(
                "the SSO token cache file for {name} is invalid (it needs accessToken and \
                 expiresAt); {}",
                settings.login_hint()
            ))
            .with("profile", &settings.profile)
            .with("file", path.display())
            .with_source(e)
        })?;
        if token.expires_at().is_none() {
            return Err(CredentialsError::invalid_configuration(format!(
                "the SSO token cache file for {name} has an unreadable expiresAt {:?}; {}",
                token.expires_at,
                settings.login_hint()
            ))
            .with("profile", &settings.profile)
            .with("file", path.display()));
        }
        Ok(token)
    }

    pub(crate) fn save(
        &self,
        settings: &SsoSettings,
        token: &Token,
    ) -> Result<(), CredentialsError> {
        let path = self.path(settings);
        let bytes = Zeroizing::new(serde_json::to_vec(token).map_err(|e| {
            CredentialsError::provider_error("could not encode the SSO token").with_source(e)
        })?);
        self.fs.write_atomic(&path, &bytes, 0o600).map_err(|e| {
            CredentialsError::provider_error("could not write the SSO token cache file")
                .with("file", path.display())
                .with_source(e)
        })
    }
}

/// `expiresAt` as botocore writes it (`%Y-%m-%dT%H:%M:%SZ`).
pub(crate) fn timestamp(t: SystemTime) -> String {
    format_utc_z(t)
}
