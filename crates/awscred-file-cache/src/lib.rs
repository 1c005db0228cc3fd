//! The AWS CLI's on-disk caches for awscred, in the AWS CLI's own formats so that awscred and
//! the AWS CLI share them.
//!
//! - [`cli`]: `~/.aws/cli/cache/<key>.json`, the assume-role / web identity / SSO role
//!   credential cache. [`CacheKey`] is botocore's key (the SHA-1 of Python's
//!   `json.dumps(args, sort_keys=True)`, which a private formatter gives `serde_json`);
//!   [`FileCache`] reads and writes entries (a world-readable entry, or one another user owns, is
//!   refused), takes the cross-process `<key>.lock` (waiting at most [`LOCK_WAIT`]), and lists
//!   them ([`CacheEntry`], no secrets). awscred's `GetSessionToken` sessions live there too,
//!   under [`CacheKey::session_token`]. Tested against botocore's own `JSONFileCache` in
//!   `tests/botocore_cache_interop.rs`.
//! - [`sso`]: `~/.aws/sso/cache/<sha1>.json`, the token files `aws sso login` writes
//!   ([`SsoTokenCache`], [`SsoToken`]): path from the session name or start URL, read, atomic
//!   write-back.
//! - [`login`]: `~/.aws/login/cache/<sha256>.json` (or `AWS_LOGIN_CACHE_DIRECTORY`), the
//!   console sign-in token files `aws login` writes ([`LoginTokenCache`], [`LoginToken`]): the
//!   whole object kept (so a write-back loses no field), every string wiped on drop, atomic
//!   0600 write-back, the cross-process `<sha256>.lock`.
//! - [`timestamp`]: the caches' timestamps (botocore's spellings out, dateutil's leniency in).
//!
//! Each cache is one module beside the others (a folder, its file names, its format). Every read and write goes through the `Fs` seam;
//! writes are atomic (temporary file + rename) and 0600. Nothing here asks a network: the
//! providers decide when to read and what to fetch.
//!
//! ```
//! use std::sync::Arc;
//! use awscred_file_cache::{CacheKey, FileCache};
//! use awscred_types::MemFs;
//!
//! let cache = FileCache::new("/home/me/.aws/cli/cache", Arc::new(MemFs::new()));
//! let key = CacheKey::sso("123456789012", "Admin", Some("my-sso"), "https://d-1.awsapps.com/start");
//! assert!(cache.path(&key).ends_with(format!("{key}.json")));
//! ```
//!
//! # Where this crate sits
//!
//! Below the providers that share these caches (`awscred-provider-assume-role`,
//! `awscred-provider-sso`, `awscred-provider-login`), above `awscred-types`, `awscred-profile` (the home folder) and
//! `awscred-sts` (the `AssumeRole` request and response a CLI cache entry is keyed by and holds).
//! The chain and the CLI (`awscred cache list|clear`, `sso logout`) use it directly.
//!
//! # Compiler support
//!
//! The minimum supported Rust version is the workspace `rust-version` (see `docs/MSRV.md`).
#![warn(missing_docs)]

pub mod cli;
mod json;
pub mod login;
pub mod sso;
pub mod timestamp;
mod token_file;

pub use cli::{CacheEntry, CacheKey, FileCache, LOCK_WAIT, SESSION_TOKEN_PROVIDER_TYPE};
pub use login::{LoginToken, LoginTokenCache, RefreshedToken};
pub use sso::{SsoToken, SsoTokenCache};
pub use timestamp::{format_utc_z, parse_timestamp};
pub use token_file::TokenFileError;

/// The lower-case hex SHA-1 of `bytes`: how both caches name their files (a file name, not a
/// security boundary, hence ring's legacy SHA-1).
fn sha1_hex(bytes: &[u8]) -> String {
    hex::encode(ring::digest::digest(
        &ring::digest::SHA1_FOR_LEGACY_USE_ONLY,
        bytes,
    ))
}

/// Entry points for the fuzz targets (`fuzz/`) and their stable smoke tests. Not API.
#[doc(hidden)]
pub mod fuzz {
    use std::sync::Arc;
    use std::time::{Duration, UNIX_EPOCH};

    use awscred_types::fuzz::OneFile;

    /// Reads `bytes` as an AWS CLI cache entry (load and list); the results are dropped.
    pub fn cli_cache_entry(bytes: &[u8]) {
        let key = crate::CacheKey::sso("1", "r", None, "u");
        let path =
            crate::FileCache::new("/c", Arc::new(OneFile("/".into(), Vec::new()))).path(&key);
        let cache = crate::FileCache::new("/c", Arc::new(OneFile(path, bytes.to_vec())));
        let now = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let _ = cache.load(&key, now, Duration::from_secs(900), "fuzz");
        let _ = cache.entries();
        if let Ok(text) = std::str::from_utf8(bytes) {
            let _ = crate::parse_timestamp(text);
        }
    }

    /// Reads `bytes` as a cached SSO token; the result is dropped.
    pub fn sso_token_file(bytes: &[u8]) {
        let name = "https://d.awsapps.com/start";
        let path =
            crate::SsoTokenCache::new("/t", Arc::new(OneFile("/".into(), Vec::new()))).path(name);
        let cache = crate::SsoTokenCache::new("/t", Arc::new(OneFile(path, bytes.to_vec())));
        if let Ok(token) = cache.load(name) {
            let _ = token.expires_at();
        }
    }
}
