//! The SSO token cache (`~/.aws/sso/cache/<sha1>.json`), in the format `aws sso login` writes.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use awscred_profile::{Platform, home_dir};
use awscred_types::{CredentialsError, Env, SharedFs};
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, Zeroizing};

use crate::timestamp::parse_timestamp;
use crate::token_file::{self, TokenFileError};

/// A folder of SSO tokens, `<sha1(name)>.json`, where the name is the `sso-session` name, or
/// the start URL for legacy profiles (`SSOTokenLoader._generate_cache_key`).
#[derive(Clone)]
pub struct SsoTokenCache {
    dir: PathBuf,
    fs: SharedFs,
}

impl fmt::Debug for SsoTokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SsoTokenCache")
            .field("dir", &self.dir)
            .finish()
    }
}

/// One cached token, as `aws sso login` and botocore's `SSOTokenProvider` write it. The secrets
/// (`accessToken`, `refreshToken`, `clientSecret`) are wiped on drop and never shown by `Debug`.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SsoToken {
    /// `startUrl`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_url: Option<String>,
    /// `region` (of SSO-OIDC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// `accessToken` (secret).
    pub access_token: String,
    /// `expiresAt`, as written (read it with [`SsoToken::expires_at`]).
    pub expires_at: String,
    /// `clientId` of the SSO-OIDC client registration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// `clientSecret` of the registration (secret).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    /// `registrationExpiresAt`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_expires_at: Option<String>,
    /// `refreshToken` (secret).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
}

impl Drop for SsoToken {
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

impl fmt::Debug for SsoToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SsoToken")
            .field("start_url", &self.start_url)
            .field("region", &self.region)
            .field("access_token", &"** redacted **")
            .field("expires_at", &self.expires_at)
            .field("client_id", &self.client_id)
            .field("registration_expires_at", &self.registration_expires_at)
            .finish_non_exhaustive()
    }
}

impl SsoToken {
    /// `expiresAt`, read as botocore reads it; `None` when it cannot be read.
    pub fn expires_at(&self) -> Option<SystemTime> {
        parse_timestamp(&self.expires_at)
    }
}

impl SsoTokenCache {
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

    /// The token file of `name`: the `sso-session` name, or the start URL of a legacy profile.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir
            .join(format!("{}.json", crate::sha1_hex(name.as_bytes())))
    }

    /// The token of `name`, when its file exists, parses, and has a readable `expiresAt`
    /// (expired or not: the caller decides).
    pub fn load(&self, name: &str) -> Result<SsoToken, TokenFileError> {
        let path = self.path(name);
        let bytes = token_file::read(&*self.fs, &path)?;
        let token: SsoToken =
            serde_json::from_slice(&bytes).map_err(|e| TokenFileError::Invalid {
                path: path.clone(),
                source: Some(e),
            })?;
        if token.expires_at().is_none() {
            return Err(TokenFileError::UnreadableExpiry {
                path,
                expires_at: token.expires_at.clone(),
            });
        }
        Ok(token)
    }

    /// Writes `token` as the file of `name`, atomically (temporary file + rename), 0600.
    pub fn save(&self, name: &str, token: &SsoToken) -> Result<(), CredentialsError> {
        let path = self.path(name);
        let bytes = Zeroizing::new(serde_json::to_vec(token).map_err(|e| {
            CredentialsError::provider_error("could not encode the SSO token").with_source(e)
        })?);
        token_file::write(&*self.fs, &path, &bytes, "SSO token cache file")
    }
}
