//! The AWS CLI's assume-role file cache (`~/.aws/cli/cache/<key>.json`): botocore's key, its
//! file format, its reuse rule.
//!
//! The key is the SHA-1 of Python's `json.dumps(args, sort_keys=True)`; the
//! timestamp `2030-01-01T00:00:00UTC` is botocore's `strftime('%Y-%m-%dT%H:%M:%S%Z')`, read back
//! leniently as dateutil would ([`crate::timestamp`]).

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use awscred_profile::{Platform, home_dir};
use awscred_sts::{AssumeRoleRequest, TemporaryCredentials, account_from_arn};
use awscred_types::{Credentials, CredentialsError, Env, ReadCap, Refused, SharedFs};
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, Zeroizing};

use crate::json::{python_json, python_json_compact, sorted};
use crate::timestamp::{format_expiration, format_utc_z, parse_timestamp};

/// botocore's cache key for one `AssumeRole` call: the file stem under the cache folder.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct CacheKey(String);

impl CacheKey {
    /// The key for `request` (`BaseAssumeRoleCredentialFetcher._create_cache_key`): `RoleArn`
    /// plus whichever of `RoleSessionName` (only when configured: `session_name_generated`
    /// leaves it out), `ExternalId`, `SerialNumber`, `DurationSeconds` and `Policy` (parsed, so
    /// its keys sort) are set. The MFA `TokenCode` is never part of it.
    pub fn assume_role(request: &AssumeRoleRequest, session_name_generated: bool) -> Self {
        // Inserted in sorted order, so the map serialises sorted with or without serde_json's
        // `preserve_order`.
        let mut args = serde_json::Map::new();
        if let Some(d) = request.duration_seconds {
            args.insert("DurationSeconds".into(), d.into());
        }
        if let Some(e) = &request.external_id {
            args.insert("ExternalId".into(), e.as_str().into());
        }
        if let Some(p) = &request.policy {
            let value = serde_json::from_str::<serde_json::Value>(p)
                .map_or_else(|_| p.as_str().into(), sorted);
            args.insert("Policy".into(), value);
        }
        args.insert("RoleArn".into(), request.role_arn.as_str().into());
        if !session_name_generated {
            args.insert(
                "RoleSessionName".into(),
                request.role_session_name.as_str().into(),
            );
        }
        if let Some(s) = &request.serial_number {
            args.insert("SerialNumber".into(), s.as_str().into());
        }
        let json = python_json(&serde_json::Value::Object(args));
        let digest = crate::sha1_hex(&json);
        // `_make_file_safe`: a hex digest has no `:` or `/`, but the rule is botocore's.
        Self(digest.replace([':', '/', '\\'], "_"))
    }

    /// The key of IAM Identity Center role credentials (`SSOCredentialFetcher._create_cache_key`):
    /// `accountId`, `roleName`, and `sessionName` for `sso-session` profiles or `startUrl` for
    /// legacy ones, as compact sorted JSON (botocore passes `separators=(',', ':')` here).
    pub fn sso(
        account_id: &str,
        role_name: &str,
        session_name: Option<&str>,
        start_url: &str,
    ) -> Self {
        let mut args = serde_json::Map::new();
        args.insert("accountId".into(), account_id.into());
        args.insert("roleName".into(), role_name.into());
        match session_name {
            Some(name) => args.insert("sessionName".into(), name.into()),
            None => args.insert("startUrl".into(), start_url.into()),
        };
        let json = python_json_compact(&serde_json::Value::Object(args));
        Self(crate::sha1_hex(&json))
    }

    /// The key of a `GetSessionToken` session (awscred's own; the AWS CLI caches none): the
    /// SHA-1 hex of Python's `json.dumps(args, sort_keys=True)` over `AccessKeyId` (the
    /// long-term key the session is signed with), `DurationSeconds`, and `SerialNumber` when an
    /// MFA device is used, e.g. `{"AccessKeyId": "AKIA…", "DurationSeconds": 3600}`. Stable
    /// across runs and processes; a new access key (rotation) or another device or duration is
    /// another key. It never collides with [`CacheKey::assume_role`] (whose arguments always
    /// hold `RoleArn`) or [`CacheKey::sso`] (`accountId`). The MFA code is never part of it.
    pub fn session_token(
        access_key_id: &str,
        mfa_serial: Option<&str>,
        duration_seconds: u32,
    ) -> Self {
        // Inserted in sorted order (see `assume_role`).
        let mut args = serde_json::Map::new();
        args.insert("AccessKeyId".into(), access_key_id.into());
        args.insert("DurationSeconds".into(), duration_seconds.into());
        if let Some(s) = mfa_serial {
            args.insert("SerialNumber".into(), s.into());
        }
        let json = python_json(&serde_json::Value::Object(args));
        Self(crate::sha1_hex(&json))
    }

    /// The file stem.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for CacheKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("CacheKey").field(&self.0).finish()
    }
}

impl fmt::Display for CacheKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A folder of `<key>.json` files in the AWS CLI's format, read and written through the `Fs`
/// seam.
///
/// An entry is reused while it expires at least the given window after now (botocore:
/// 15 minutes). A missing, unreadable, half-written or otherwise invalid entry is a miss, never
/// an error; writes are atomic (temporary file + rename), 0600, in a 0700 folder.
///
/// Writers take the entry's cross-process lock ([`FileCache::lock`]) around the fetch, waiting
/// at most [`LOCK_WAIT`] (or [`FileCache::lock_wait`]) for another process's.
#[derive(Clone)]
pub struct FileCache {
    dir: PathBuf,
    fs: SharedFs,
    lock_wait: Option<Duration>,
}

/// The `ProviderType` of entries written by [`FileCache::store_session_token`].
pub const SESSION_TOKEN_PROVIDER_TYPE: &str = "sts-session-token";

/// How long [`FileCache::lock`] waits by default for another process to release an entry's
/// lock: one STS call's time budget (`awscred-http`'s 30 s per attempt) and 5 s more. After it,
/// the caller goes on without the lock (botocore has no lock at all).
pub const LOCK_WAIT: Duration = Duration::from_secs(35);

impl fmt::Debug for FileCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileCache")
            .field("dir", &self.dir)
            .field("lock_wait", &self.lock_wait)
            .finish()
    }
}

impl FileCache {
    /// A cache in `dir`.
    pub fn new(dir: impl Into<PathBuf>, fs: SharedFs) -> Self {
        Self {
            dir: dir.into(),
            fs,
            lock_wait: Some(LOCK_WAIT),
        }
    }

    /// How long [`FileCache::lock`] waits for another process's lock (default [`LOCK_WAIT`]);
    /// `None` never takes the lock, for users that must not wait on other processes (`awscred
    /// explain`).
    pub fn lock_wait(mut self, wait: Option<Duration>) -> Self {
        self.lock_wait = wait;
        self
    }

    /// The AWS CLI's cache, `~/.aws/cli/cache` (home as the profile files find it); `None` when
    /// no home folder is known.
    pub fn aws_cli(env: &dyn Env, fs: SharedFs) -> Option<Self> {
        let home = home_dir(env, Platform::host())?;
        Some(Self::new(
            Path::new(&home).join(".aws").join("cli").join("cache"),
            fs,
        ))
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file of `key`.
    pub fn path(&self, key: &CacheKey) -> PathBuf {
        self.dir.join(format!("{}.json", key.0))
    }

    /// The cached session of `key`, when the entry exists, parses, and expires at least
    /// `window` after `now`. Every other outcome is a miss (logged at debug level, never with a
    /// secret).
    pub fn load(
        &self,
        key: &CacheKey,
        now: SystemTime,
        window: Duration,
        provider_name: &'static str,
    ) -> Option<Credentials> {
        let path = self.path(key);
        let miss = |why: &dyn fmt::Display| {
            tracing::debug!(file = %path.display(), "assume-role cache miss: {why}");
        };
        // A cache entry others can read has leaked its secrets already, and one another user
        // owns may have been planted: neither is trusted.
        self.warn_if_others_can_write();
        if self.world_readable(&path) || self.owned_by_other_user(&path) {
            return None;
        }
        let bytes = match self.fs.read(&path, ReadCap::CacheEntry) {
            Ok(b) => Zeroizing::new(b),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                miss(&"no entry");
                return None;
            }
            Err(e) => {
                // Larger than any real entry: something others should know is there.
                if let Some(Refused::TooLarge(_)) = Refused::of(&e) {
                    tracing::warn!(file = %path.display(), "assume-role cache entry ignored: {e}");
                }
                miss(&e);
                return None;
            }
        };
        let entry: Entry = match serde_json::from_slice(&bytes) {
            Ok(e) => e,
            Err(e) => {
                // Only the kind and position: serde_json's message can quote a value
                // (`invalid type: string "…"`), and values here may be secrets.
                miss(&format_args!(
                    "not a cache entry ({:?} error at line {} column {})",
                    e.classify(),
                    e.line(),
                    e.column()
                ));
                return None;
            }
        };
        let c = &entry.credentials;
        let Some(expiry) = parse_timestamp(&c.expiration) else {
            miss(&format_args!("unreadable Expiration {:?}", c.expiration));
            return None;
        };
        match expiry.duration_since(now) {
            Ok(left) if left >= window => {}
            _ => {
                miss(&"expired, or expires within the reuse window");
                return None;
            }
        }
        if c.access_key_id.is_empty() || c.secret_access_key.is_empty() {
            miss(&"empty keys");
            return None;
        }
        let account_id = c.account_id.clone().or_else(|| {
            entry
                .assumed_role_user
                .as_ref()
                .and_then(|u| account_from_arn(&u.arn))
        });
        Some(
            Credentials::builder(
                &c.access_key_id,
                c.secret_access_key.as_str(),
                provider_name,
            )
            .maybe_session_token(c.session_token.clone())
            .expiry(expiry)
            .maybe_account_id(account_id)
            .build(),
        )
    }

    /// Writes `response` as the entry of `key` (the AWS CLI's layout). Errors name the file and
    /// never carry a secret.
    pub fn store(
        &self,
        key: &CacheKey,
        response: &TemporaryCredentials,
    ) -> Result<(), CredentialsError> {
        let path = self.path(key);
        let c = &response.credentials;
        let Some(expiry) = c.expiry() else {
            return Err(CredentialsError::invalid_configuration(
                "temporary credentials without an expiry cannot be cached",
            )
            .with("file", path.display()));
        };
        let entry = Entry {
            provider_type: None,
            credentials: EntryCredentials {
                access_key_id: c.access_key_id().to_owned(),
                secret_access_key: c.secret_access_key().to_owned(),
                session_token: c.session_token().map(str::to_owned),
                expiration: format_expiration(expiry),
                account_id: c.account_id().map(str::to_owned),
            },
            assumed_role_user: response.assumed_role_user.as_ref().map(|u| EntryUser {
                assumed_role_id: u.assumed_role_id.clone(),
                arn: u.arn.clone(),
            }),
        };
        let bytes = Zeroizing::new(python_json(&entry));
        self.fs.write_atomic(&path, &bytes, 0o600).map_err(|e| {
            CredentialsError::provider_error("could not write the assume-role cache file")
                .with("file", path.display())
                .with_source(e)
        })
    }

    /// The entries in the folder that parse as credential cache entries (assume-role, web
    /// identity, SSO), sorted by file name; other files are left out. Secrets are not returned.
    ///
    /// A missing folder has no entries; a folder that cannot be listed is an error naming it.
    pub fn entries(&self) -> Result<Vec<CacheEntry>, CredentialsError> {
        let files = match self.fs.list(&self.dir) {
            Ok(files) => files,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => {
                return Err(CredentialsError::provider_error(
                    "could not list the credential cache folder",
                )
                .with("folder", self.dir.display())
                .with_source(e));
            }
        };
        self.warn_if_others_can_write();
        Ok(files
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .filter_map(|path| {
                let bytes = Zeroizing::new(self.fs.read(&path, ReadCap::CacheEntry).ok()?);
                let entry: Entry = serde_json::from_slice(&bytes).ok()?;
                let key = path.file_stem()?.to_string_lossy().into_owned();
                let world_readable = self.world_readable(&path);
                let owned_by_other_user = self.owned_by_other_user(&path);
                Some(CacheEntry {
                    key: CacheKey(key),
                    expiration: parse_timestamp(&entry.credentials.expiration),
                    role_arn: entry.assumed_role_user.as_ref().map(|u| u.arn.clone()),
                    provider_type: entry.provider_type.clone(),
                    access_key_id: entry.credentials.access_key_id.clone(),
                    world_readable,
                    owned_by_other_user,
                    path,
                })
            })
            .collect())
    }

    /// Whether other users can read `path`, warning when they can: such an entry has leaked its
    /// secrets already, and is never trusted.
    /// Whether another user owns `path`, warning when one does: such an entry may have been put
    /// there to hand this user someone else's session, and is never trusted.
    fn owned_by_other_user(&self, path: &Path) -> bool {
        match self.fs.owned_by_current_user(path) {
            Ok(Some(false)) => {
                tracing::warn!(
                    file = %path.display(),
                    "ignoring a credential cache file owned by another user; remove it"
                );
                true
            }
            _ => false,
        }
    }

    /// Warns when users other than the owner can write to the cache folder (they could plant or
    /// replace entries).
    fn warn_if_others_can_write(&self) {
        if let Ok(Some(mode)) = self.fs.mode(&self.dir)
            && mode & 0o022 != 0
        {
            tracing::warn!(
                folder = %self.dir.display(),
                mode = format_args!("{mode:o}"),
                "other users can write to the credential cache folder; `chmod 700` it"
            );
        }
    }

    fn world_readable(&self, path: &Path) -> bool {
        match self.fs.mode(path) {
            Ok(Some(mode)) if mode & 0o004 != 0 => {
                tracing::warn!(
                    file = %path.display(),
                    mode = format_args!("{mode:o}"),
                    "ignoring a world-readable credential cache file; remove it or `chmod 600` it"
                );
                true
            }
            _ => false,
        }
    }

    /// Writes IAM Identity Center role credentials as the AWS CLI does:
    /// `{"ProviderType": "sso", "Credentials": {…, "Expiration": "…Z", "AccountId": …}}`.
    pub fn store_sso(
        &self,
        key: &CacheKey,
        credentials: &Credentials,
    ) -> Result<(), CredentialsError> {
        self.store_marked(key, credentials, "sso", format_utc_z, "SSO credential")
    }

    /// Writes a `GetSessionToken` session under `key` ([`CacheKey::session_token`]) in the
    /// assume-role layout, marked `"ProviderType": "sts-session-token"` (so `awscred cache list`
    /// can say what it is): `{"ProviderType": …, "Credentials": {…, "Expiration": "…UTC"}}`.
    pub fn store_session_token(
        &self,
        key: &CacheKey,
        credentials: &Credentials,
    ) -> Result<(), CredentialsError> {
        self.store_marked(
            key,
            credentials,
            SESSION_TOKEN_PROVIDER_TYPE,
            format_expiration,
            "session token",
        )
    }

    /// Writes `credentials` under `key` with `"ProviderType": provider_type` and no role user,
    /// the expiry spelled by `spell`; `what` names the cache in errors.
    fn store_marked(
        &self,
        key: &CacheKey,
        credentials: &Credentials,
        provider_type: &str,
        spell: fn(SystemTime) -> String,
        what: &str,
    ) -> Result<(), CredentialsError> {
        let path = self.path(key);
        let Some(expiry) = credentials.expiry() else {
            return Err(CredentialsError::invalid_configuration(format!(
                "{what} credentials without an expiry cannot be cached"
            ))
            .with("file", path.display()));
        };
        let entry = Entry {
            provider_type: Some(provider_type.into()),
            credentials: EntryCredentials {
                access_key_id: credentials.access_key_id().to_owned(),
                secret_access_key: credentials.secret_access_key().to_owned(),
                session_token: credentials.session_token().map(str::to_owned),
                expiration: spell(expiry),
                account_id: credentials.account_id().map(str::to_owned),
            },
            assumed_role_user: None,
        };
        let bytes = Zeroizing::new(python_json(&entry));
        self.fs.write_atomic(&path, &bytes, 0o600).map_err(|e| {
            CredentialsError::provider_error(format!("could not write the {what} cache file"))
                .with("file", path.display())
                .with_source(e)
        })
    }

    /// Takes the cross-process lock of `key`'s entry (`<key>.lock` beside it), so concurrent
    /// processes with an empty cache make one STS call: the first fetches and writes, the others
    /// then find the entry. Released when the guard drops. Blocks for at most the cache's lock
    /// wait; a lock still held after it is an error (callers go on without it). `Ok(None)` when
    /// this cache takes no locks ([`FileCache::lock_wait`] `None`).
    pub fn lock(&self, key: &CacheKey) -> Result<Option<awscred_types::FsLock>, CredentialsError> {
        let Some(wait) = self.lock_wait else {
            return Ok(None);
        };
        let path = self.dir.join(format!("{}.lock", key.0));
        match self.fs.lock(&path, wait) {
            Ok(guard) => Ok(Some(guard)),
            Err(e) if e.kind() == io::ErrorKind::TimedOut => {
                Err(CredentialsError::timed_out(format!(
                    "another process has held the credential cache lock for {} s",
                    wait.as_secs()
                ))
                .with("file", path.display()))
            }
            Err(e) => Err(CredentialsError::provider_error(
                "could not lock the credential cache entry",
            )
            .with("file", path.display())
            .with_source(e)),
        }
    }

    /// Removes the entry of `key` (a missing entry is fine).
    pub fn remove(&self, key: &CacheKey) -> Result<(), CredentialsError> {
        let path = self.path(key);
        match self.fs.remove(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(CredentialsError::provider_error(
                "could not remove the assume-role cache file",
            )
            .with("file", path.display())
            .with_source(e)),
        }
    }
}

/// One entry of a [`FileCache`], as [`FileCache::entries`] lists it (no secrets).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct CacheEntry {
    /// The file stem.
    pub key: CacheKey,
    /// The file.
    pub path: PathBuf,
    /// When the cached credentials expire (`None` when the date cannot be read).
    pub expiration: Option<SystemTime>,
    /// The assumed role session's ARN (`AssumedRoleUser.Arn`), for role entries.
    pub role_arn: Option<String>,
    /// `ProviderType` (`sso` for IAM Identity Center entries), when the entry says.
    pub provider_type: Option<String>,
    /// The access key id (not a secret; callers mask it for display).
    pub access_key_id: String,
    /// Other users can read the file: [`FileCache::load`] refuses it (its secrets have leaked
    /// already) and warns.
    pub world_readable: bool,
    /// Another user owns the file: [`FileCache::load`] refuses it (it may have been planted)
    /// and warns.
    pub owned_by_other_user: bool,
}

/// What the AWS CLI writes: the `AssumeRole` response dict, in botocore's field order. Unknown
/// fields (`ResponseMetadata`, `PackedPolicySize`) are ignored when reading.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Entry {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    provider_type: Option<String>,
    credentials: EntryCredentials,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    assumed_role_user: Option<EntryUser>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct EntryCredentials {
    access_key_id: String,
    secret_access_key: String,
    #[serde(default)]
    session_token: Option<String>,
    expiration: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    account_id: Option<String>,
}

impl Drop for EntryCredentials {
    fn drop(&mut self) {
        self.secret_access_key.zeroize();
        if let Some(t) = self.session_token.as_mut() {
            t.zeroize();
        }
    }
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct EntryUser {
    assumed_role_id: String,
    arn: String,
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use awscred_sts::AssumedRoleUser;
    use awscred_types::{Fs, MemFs};

    use super::*;

    fn request(configure: impl FnOnce(&mut AssumeRoleRequest)) -> AssumeRoleRequest {
        let mut r = AssumeRoleRequest::new("arn:aws:iam::123456789012:role/r", "s");
        configure(&mut r);
        r
    }

    #[test]
    fn keys_match_python() {
        // Expected values computed with CPython 3:
        // hashlib.sha1(json.dumps(args, sort_keys=True).encode()).hexdigest()
        let cases: &[(AssumeRoleRequest, bool, &str)] = &[
            (request(|_| {}), true, PY_ROLE_ONLY),
            (request(|_| {}), false, PY_WITH_NAME),
            (
                request(|r| {
                    r.external_id = Some("ext-ü-\u{1F600}\u{7f}\"q\"".into());
                    r.serial_number = Some("arn:aws:iam::123456789012:mfa/me".into());
                    r.duration_seconds = Some(3600);
                    r.token_code = Some("123456".into());
                }),
                true,
                PY_ALL,
            ),
            (
                request(|r| {
                    r.policy = Some(
                        r#"{"Version": "2012-10-17", "Statement": [{"b": 1, "a": [2, "x"]}]}"#
                            .into(),
                    )
                }),
                true,
                PY_POLICY,
            ),
            (
                request(|r| r.external_id = Some("a\nb\tc\u{1}\\/\u{1f}\u{e9}\u{2028}".into())),
                true,
                PY_ESCAPES,
            ),
            (
                request(|r| {
                    r.policy = Some(
                        r#"{"Version": "2012-10-17", "Statement": [{"Condition": {"NumericLessThan": {"z": 2.50, "x": 1e-7, "y": 1E16, "w": 3600}}}]}"#
                            .into(),
                    )
                }),
                true,
                PY_POLICY_NUMBERS,
            ),
            // botocore's json.loads would raise here; the policy is then hashed as a string.
            (
                request(|r| r.policy = Some("not json {".into())),
                false,
                PY_POLICY_NOT_JSON,
            ),
        ];
        for (req, generated, want) in cases {
            assert_eq!(
                CacheKey::assume_role(req, *generated).as_str(),
                *want,
                "{req:?}"
            );
        }
        // The documented example: the key is the sha1 of exactly this string.
        assert_eq!(
            crate::sha1_hex(br#"{"RoleArn": "arn:aws:iam::123456789012:role/r"}"#),
            PY_ROLE_ONLY
        );
    }

    #[test]
    fn sso_keys_match_python() {
        // hashlib.sha1(json.dumps(args, sort_keys=True, separators=(",", ":")).encode())
        assert_eq!(
            CacheKey::sso("123456789012", "R", Some("my-sso"), "ignored").as_str(),
            "194a11bab0303c9bf199be490e9c03dd44a13f42"
        );
        assert_eq!(
            CacheKey::sso("123456789012", "R", None, "https://d-1.awsapps.com/start").as_str(),
            "bcdcc22972921bb5629b19ab7934d3bc717f0520"
        );
    }

    #[test]
    fn session_token_keys_match_python() {
        // hashlib.sha1(json.dumps(args, sort_keys=True).encode()).hexdigest(), CPython 3.12:
        // {"AccessKeyId": "AKIAIOSFODNN7EXAMPLE", "DurationSeconds": 3600}
        assert_eq!(
            CacheKey::session_token("AKIAIOSFODNN7EXAMPLE", None, 3600).as_str(),
            "32c7d20af7c6bc1ae1a0fa5e8a9f27918be27ec0"
        );
        // … "DurationSeconds": 28800, "SerialNumber": "arn:aws:iam::123456789012:mfa/me"}
        assert_eq!(
            CacheKey::session_token(
                "AKIAIOSFODNN7EXAMPLE",
                Some("arn:aws:iam::123456789012:mfa/me"),
                28800
            )
            .as_str(),
            "3e0fb771a8e5ad29e7a24d1e03a85afe96dd54d8"
        );
        // Each part changes the key.
        let base = CacheKey::session_token("AKIAONE", None, 3600);
        assert_ne!(base, CacheKey::session_token("AKIATWO", None, 3600));
        assert_ne!(base, CacheKey::session_token("AKIAONE", Some("m"), 3600));
        assert_ne!(base, CacheKey::session_token("AKIAONE", None, 7200));
    }

    #[test]
    fn session_token_entries_round_trip_and_are_marked() {
        let fs = Arc::new(MemFs::new());
        let cache = FileCache::new("/c", fs.clone());
        let key = CacheKey::session_token("AKIAX", None, 3600);
        let c = Credentials::builder("ASIAS", "SECRET", "x")
            .session_token("TOKEN")
            .expiry(at(T2030))
            .build();
        cache.store_session_token(&key, &c).unwrap();
        assert_eq!(fs.mode(&cache.path(&key)).unwrap(), Some(0o600));
        let back = cache
            .load(&key, at(T2030 - 3600), Duration::from_secs(900), "y")
            .unwrap();
        assert_eq!(
            (back.access_key_id(), back.session_token(), back.expiry()),
            ("ASIAS", Some("TOKEN"), Some(at(T2030)))
        );
        let listed = cache.entries().unwrap();
        assert_eq!(
            listed[0].provider_type.as_deref(),
            Some(SESSION_TOKEN_PROVIDER_TYPE)
        );
        let no_expiry = Credentials::new("A", "S", "x");
        assert!(cache.store_session_token(&key, &no_expiry).is_err());
    }

    // From CPython 3.12 (`target/moto-venv/bin/python`), as in `keys_match_python`.
    const PY_ROLE_ONLY: &str = "6dc9e6e1e186b9f293814df3266de783142c48a2";
    const PY_WITH_NAME: &str = "8db6b454f08c8970dc17c34d66cf8e1493b82d22";
    const PY_ALL: &str = "1f054100ec43ad7168a800296bbaaa4bfc581ffe";
    const PY_POLICY: &str = "b72e504d92b382caaf1b6d11d7d493ad83c2df72";
    // json.dumps gives `{"w": 3600, "x": 1e-07, "y": 1e+16, "z": 2.5}` for the condition.
    const PY_POLICY_NUMBERS: &str = "bd5800e719d74a35c768ee83b92b59c05898665d";
    const PY_ESCAPES: &str = "ddab9a8e385fd9af4ae02ef3cca8c3afbe02ff03";
    // {"Policy": "not json {", "RoleArn": …, "RoleSessionName": "s"}
    const PY_POLICY_NOT_JSON: &str = "9990c1fa1f082a610975f89b340b5a6fe6ec7c1a";

    fn response(expiry: SystemTime) -> TemporaryCredentials {
        TemporaryCredentials {
            credentials: Credentials::builder("ASIAX", "SECRET", "assume-role")
                .session_token("TOKEN")
                .expiry(expiry)
                .account_id("123456789012")
                .build(),
            assumed_role_user: Some(AssumedRoleUser {
                arn: "arn:aws:sts::123456789012:assumed-role/r/s".into(),
                assumed_role_id: "AROA:s".into(),
            }),
        }
    }

    const T2030: u64 = 1_893_456_000;

    fn at(secs: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn round_trip_in_the_aws_cli_layout() {
        let fs = Arc::new(MemFs::new());
        let cache = FileCache::new("/c", fs.clone());
        let key = CacheKey::assume_role(&request(|_| {}), true);
        cache.store(&key, &response(at(T2030))).unwrap();
        let text = String::from_utf8(fs.get(cache.path(&key)).unwrap()).unwrap();
        assert_eq!(
            text,
            "{\"Credentials\": {\"AccessKeyId\": \"ASIAX\", \"SecretAccessKey\": \"SECRET\", \
             \"SessionToken\": \"TOKEN\", \"Expiration\": \"2030-01-01T00:00:00UTC\", \
             \"AccountId\": \"123456789012\"}, \"AssumedRoleUser\": {\"AssumedRoleId\": \"AROA:s\", \
             \"Arn\": \"arn:aws:sts::123456789012:assumed-role/r/s\"}}"
        );
        assert_eq!(fs.mode(&cache.path(&key)).unwrap(), Some(0o600));
        let window = Duration::from_secs(900);
        let c = cache
            .load(&key, at(T2030 - 900), window, "assume-role")
            .unwrap();
        assert_eq!(
            (
                c.access_key_id(),
                c.secret_access_key(),
                c.session_token(),
                c.expiry(),
                c.account_id()
            ),
            (
                "ASIAX",
                "SECRET",
                Some("TOKEN"),
                Some(at(T2030)),
                Some("123456789012")
            )
        );
        // Exactly the window left is a hit (botocore: expired when seconds < window); less is not.
        assert!(
            cache
                .load(&key, at(T2030 - 899), window, "assume-role")
                .is_none()
        );
        cache.remove(&key).unwrap();
        cache.remove(&key).unwrap();
        assert!(cache.load(&key, at(0), window, "assume-role").is_none());
    }

    #[test]
    fn anything_wrong_is_a_miss() {
        let fs = Arc::new(MemFs::new());
        let cache = FileCache::new("/c", fs.clone());
        let key = CacheKey::assume_role(&request(|_| {}), true);
        let good = |exp: &str| {
            format!(
                r#"{{"Credentials": {{"AccessKeyId": "A", "SecretAccessKey": "S", "SessionToken": "T", "Expiration": "{exp}"}}}}"#
            )
        };
        let bad = [
            String::new(),
            "{\"Credentials\": {\"AccessKeyId\": \"A".into(), // half written
            "[]".into(),
            "{\"Credentials\": {\"AccessKeyId\": \"A\"}}".into(),
            good("2030-01-01T00:00:00"), // naive
            good("not a date"),
            good("2020-01-01T00:00:00UTC"), // expired
            "\u{0}\u{ff}garbage".into(),
        ];
        for text in bad {
            fs.write_atomic(&cache.path(&key), text.as_bytes(), 0o600)
                .unwrap();
            assert!(
                cache
                    .load(&key, at(T2030 - 7200), Duration::from_secs(900), "x")
                    .is_none(),
                "{text:?}"
            );
        }
        // botocore's extra fields and other date spellings are fine.
        for exp in [
            "2030-01-01T00:00:00Z",
            "2030-01-01T00:00:00+00:00",
            "2030-01-01T01:00:00+01:00",
            "2030-01-01 00:00:00.000000UTC",
            "2029-12-31T19:00:00-0500",
        ] {
            let text =
                good(exp).replacen('{', "{\"ResponseMetadata\": {\"HTTPStatusCode\": 200}, ", 1);
            fs.write_atomic(&cache.path(&key), text.as_bytes(), 0o600)
                .unwrap();
            let c = cache.load(&key, at(T2030 - 7200), Duration::from_secs(900), "x");
            assert_eq!(c.and_then(|c| c.expiry()), Some(at(T2030)), "{exp}");
        }
    }

    #[test]
    fn the_lock_wait_is_bounded_and_can_be_off() {
        let fs = Arc::new(MemFs::new());
        let key = CacheKey::assume_role(&request(|_| {}), true);
        let holder = FileCache::new("/c", fs.clone());
        let held = holder.lock(&key).unwrap();
        assert!(held.is_some());
        let waiter = FileCache::new("/c", fs.clone()).lock_wait(Some(Duration::from_millis(50)));
        let err = waiter.lock(&key).unwrap_err();
        assert!(err.is_timed_out(), "{err:?}");
        let text = err.to_string();
        assert!(text.contains(&format!("/c/{key}.lock")), "{text}");
        // No lock at all: nothing to wait for.
        let reader = FileCache::new("/c", fs.clone()).lock_wait(None);
        assert!(reader.lock(&key).unwrap().is_none());
        drop(held);
        assert!(waiter.lock(&key).unwrap().is_some());
    }

    #[test]
    fn a_world_readable_entry_is_refused() {
        let fs = Arc::new(MemFs::new());
        let cache = FileCache::new("/c", fs.clone());
        let key = CacheKey::assume_role(&request(|_| {}), true);
        cache.store(&key, &response(at(T2030))).unwrap();
        let window = Duration::from_secs(900);
        assert!(cache.load(&key, at(T2030 - 3600), window, "x").is_some());
        assert!(!cache.entries().unwrap()[0].world_readable);
        let bytes = fs.get(cache.path(&key)).unwrap();
        fs.insert(cache.path(&key), bytes); // MemFs::insert: mode 0644
        assert!(cache.load(&key, at(T2030 - 3600), window, "x").is_none());
        // Listed (so `awscred cache list` can say why it is ignored), and marked.
        assert!(cache.entries().unwrap()[0].world_readable);
    }

    #[test]
    fn an_entry_another_user_owns_is_refused() {
        let fs = Arc::new(MemFs::new());
        let cache = FileCache::new("/c", fs.clone());
        let key = CacheKey::assume_role(&request(|_| {}), true);
        cache.store(&key, &response(at(T2030))).unwrap();
        let window = Duration::from_secs(900);
        assert!(!cache.entries().unwrap()[0].owned_by_other_user);
        let bytes = fs.get(cache.path(&key)).unwrap();
        fs.insert_foreign(cache.path(&key), bytes); // 0600, but someone else's
        assert!(cache.load(&key, at(T2030 - 3600), window, "x").is_none());
        let listed = cache.entries().unwrap();
        assert!(listed[0].owned_by_other_user && !listed[0].world_readable);
        // Our own write replaces it, and is trusted again.
        cache.store(&key, &response(at(T2030))).unwrap();
        assert!(cache.load(&key, at(T2030 - 3600), window, "x").is_some());
    }

    #[test]
    fn a_folder_that_cannot_be_listed_is_an_error_naming_it() {
        #[derive(Debug)]
        struct Unlistable(io::ErrorKind);
        impl Fs for Unlistable {
            fn read(&self, _: &Path, _: ReadCap) -> io::Result<Vec<u8>> {
                Err(io::ErrorKind::NotFound.into())
            }
            fn write_atomic(&self, _: &Path, _: &[u8], _: u32) -> io::Result<()> {
                Err(io::ErrorKind::PermissionDenied.into())
            }
            fn remove(&self, _: &Path) -> io::Result<()> {
                Err(io::ErrorKind::NotFound.into())
            }
            fn list(&self, _: &Path) -> io::Result<Vec<PathBuf>> {
                Err(self.0.into())
            }
            fn mode(&self, _: &Path) -> io::Result<Option<u32>> {
                Ok(None)
            }
            fn lock(&self, _: &Path, _: Duration) -> io::Result<awscred_types::FsLock> {
                Err(io::ErrorKind::PermissionDenied.into())
            }
        }
        let denied = FileCache::new(
            "/home/me/.aws/cli/cache",
            Arc::new(Unlistable(io::ErrorKind::PermissionDenied)),
        );
        let err = denied.entries().unwrap_err().to_string();
        assert!(
            err.contains("/home/me/.aws/cli/cache") && err.contains("list"),
            "{err}"
        );
        // No folder yet: simply no entries.
        let missing = FileCache::new("/nowhere", Arc::new(Unlistable(io::ErrorKind::NotFound)));
        assert!(missing.entries().unwrap().is_empty());
    }

    #[test]
    fn an_unwritable_cache_is_an_error_naming_the_file_without_secrets() {
        #[derive(Debug)]
        struct ReadOnly;
        impl Fs for ReadOnly {
            fn read(&self, _: &Path, _: ReadCap) -> io::Result<Vec<u8>> {
                Err(io::ErrorKind::NotFound.into())
            }
            fn write_atomic(&self, _: &Path, _: &[u8], _: u32) -> io::Result<()> {
                Err(io::ErrorKind::PermissionDenied.into())
            }
            fn remove(&self, _: &Path) -> io::Result<()> {
                Err(io::ErrorKind::PermissionDenied.into())
            }
            fn list(&self, _: &Path) -> io::Result<Vec<PathBuf>> {
                Ok(Vec::new())
            }
            fn mode(&self, _: &Path) -> io::Result<Option<u32>> {
                Ok(None)
            }
            fn lock(&self, _: &Path, _: Duration) -> io::Result<awscred_types::FsLock> {
                Err(io::ErrorKind::PermissionDenied.into())
            }
        }
        let cache = FileCache::new("/ro", Arc::new(ReadOnly));
        let key = CacheKey::assume_role(&request(|_| {}), true);
        let err = cache
            .store(&key, &response(at(T2030)))
            .unwrap_err()
            .to_string();
        assert!(err.contains("/ro/") && err.contains(".json"), "{err}");
        assert!(!err.contains("SECRET") && !err.contains("TOKEN"), "{err}");
        assert!(cache.remove(&key).is_err());
    }
}
