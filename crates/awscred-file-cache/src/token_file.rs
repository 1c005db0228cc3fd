//! What the SSO and login token caches share: reading one token file, writing it back, and why
//! a file gave no token.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use awscred_types::{CredentialsError, Fs, ReadCap, Refused};
use zeroize::Zeroizing;

/// Why [`SsoTokenCache::load`](crate::SsoTokenCache::load) or
/// [`LoginTokenCache::load`](crate::LoginTokenCache::load) has no token; the caller words it (it
/// knows the profile and how to log in). Never carries a secret.
#[derive(Debug)]
#[non_exhaustive]
pub enum TokenFileError {
    /// No token file (or something there that is not a file): not logged in.
    Missing {
        /// The token file.
        path: PathBuf,
    },
    /// The file exists but could not be read.
    Unreadable {
        /// The token file.
        path: PathBuf,
        /// The read error.
        source: io::Error,
    },
    /// Not a token: not JSON, or not what the cache needs (an SSO token needs `accessToken`
    /// and `expiresAt`; a login token file is a JSON object).
    Invalid {
        /// The token file.
        path: PathBuf,
        /// The parse error of an SSO token file (none for a login token file).
        source: Option<serde_json::Error>,
    },
    /// `expiresAt` is not a time botocore would read (SSO tokens).
    UnreadableExpiry {
        /// The token file.
        path: PathBuf,
        /// The value, as written (not a secret).
        expires_at: String,
    },
}

impl TokenFileError {
    /// The token file.
    pub fn path(&self) -> &Path {
        match self {
            Self::Missing { path }
            | Self::Unreadable { path, .. }
            | Self::Invalid { path, .. }
            | Self::UnreadableExpiry { path, .. } => path,
        }
    }
}

impl fmt::Display for TokenFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = self.path().display();
        match self {
            Self::Missing { .. } => write!(f, "no token file {path}"),
            Self::Unreadable { .. } => write!(f, "could not read the token file {path}"),
            Self::Invalid { .. } => write!(f, "the token file {path} is invalid"),
            Self::UnreadableExpiry { expires_at, .. } => {
                write!(
                    f,
                    "the token file {path} has an unreadable expiresAt {expires_at:?}"
                )
            }
        }
    }
}

impl std::error::Error for TokenFileError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Unreadable { source, .. } => Some(source),
            Self::Invalid {
                source: Some(source),
                ..
            } => Some(source),
            _ => None,
        }
    }
}

/// The bytes of the token file at `path`. botocore's `JSONFileCache` checks `os.path.isfile`:
/// a folder, FIFO or device there is no token ([`TokenFileError::Missing`]).
pub(crate) fn read(fs: &dyn Fs, path: &Path) -> Result<Zeroizing<Vec<u8>>, TokenFileError> {
    match fs.read(path, ReadCap::CacheEntry) {
        Ok(b) => Ok(Zeroizing::new(b)),
        Err(e) if e.kind() == io::ErrorKind::NotFound || Refused::is_not_a_file(&e) => {
            Err(TokenFileError::Missing { path: path.into() })
        }
        Err(source) => Err(TokenFileError::Unreadable {
            path: path.into(),
            source,
        }),
    }
}

/// Writes `bytes` as the token file at `path`, atomically (temporary file + rename), 0600;
/// the error says `could not write the {what}`.
pub(crate) fn write(
    fs: &dyn Fs,
    path: &Path,
    bytes: &[u8],
    what: &str,
) -> Result<(), CredentialsError> {
    fs.write_atomic(path, bytes, 0o600).map_err(|e| {
        CredentialsError::provider_error(format!("could not write the {what}"))
            .with("file", path.display())
            .with_source(e)
    })
}
