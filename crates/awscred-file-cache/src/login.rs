//! The console sign-in token cache (`~/.aws/login/cache/<sha256>.json`), in the format
//! `aws login` writes and botocore's `LoginTokenLoader` reads and writes back.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use awscred_profile::{Platform, expand_path, home_dir};
use awscred_types::{CredentialsError, Env, FsLock, SharedFs};
use serde_json::{Map, Value};
use zeroize::{Zeroize, Zeroizing};

use crate::json::python_json;
use crate::timestamp::parse_timestamp;
use crate::token_file::{self, TokenFileError};

/// The variable naming the folder instead of `~/.aws/login/cache` (`$VAR` and `~` expanded).
pub const LOGIN_CACHE_DIRECTORY: &str = "AWS_LOGIN_CACHE_DIRECTORY";

/// The fields a token file must have (botocore's `_REQUIRED_TOKEN_FIELDS`), in its order.
pub const REQUIRED_FIELDS: [&str; 4] = ["accessToken", "refreshToken", "dpopKey", "clientId"];

/// A folder of login tokens, `<sha256(login_session)>.json` (botocore's
/// `generate_login_cache_key`).
#[derive(Clone)]
pub struct LoginTokenCache {
    dir: PathBuf,
    fs: SharedFs,
}

impl fmt::Debug for LoginTokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginTokenCache")
            .field("dir", &self.dir)
            .finish()
    }
}

/// One login token file: the whole JSON object, so that writing it back keeps every field
/// (`idToken`, `tokenType`, `signInRegion`, and any this version does not know). Every string
/// in it is wiped on drop; `Debug` shows no value but the expiry, account and client id.
pub struct LoginToken {
    object: Map<String, Value>,
}

impl Drop for LoginToken {
    fn drop(&mut self) {
        for value in self.object.values_mut() {
            wipe(value);
        }
    }
}

/// Zeroizes every string inside `value`.
fn wipe(value: &mut Value) {
    match value {
        Value::String(s) => s.zeroize(),
        Value::Array(items) => items.iter_mut().for_each(wipe),
        Value::Object(map) => map.values_mut().for_each(wipe),
        _ => {}
    }
}

impl fmt::Debug for LoginToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginToken")
            .field("expires_at", &self.access_token_str("expiresAt"))
            .field("account_id", &self.access_token_str("accountId"))
            .field("client_id", &self.str("clientId"))
            .finish_non_exhaustive()
    }
}

/// The new `accessToken` a refresh gives.
pub struct RefreshedToken<'a> {
    /// `accessKeyId`.
    pub access_key_id: &'a str,
    /// `secretAccessKey` (secret).
    pub secret_access_key: &'a str,
    /// `sessionToken` (secret).
    pub session_token: &'a str,
    /// When the credentials expire (written as `%Y-%m-%dT%H:%M:%SZ`).
    pub expires_at: SystemTime,
    /// The new `refreshToken` (secret), replacing the old.
    pub refresh_token: &'a str,
}

impl fmt::Debug for RefreshedToken<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RefreshedToken")
            .field("access_key_id", &self.access_key_id)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

impl LoginToken {
    /// A token from its JSON object (what [`LoginTokenCache::load`] reads, or what `awscred
    /// login` builds).
    pub fn from_object(object: Map<String, Value>) -> Self {
        Self { object }
    }

    /// A top-level string field (`refreshToken`, `clientId`, `dpopKey`, `idToken`,
    /// `signInRegion`, …); `None` when absent or not a string.
    pub fn str(&self, field: &str) -> Option<&str> {
        self.object.get(field).and_then(Value::as_str)
    }

    /// Whether the top-level `field` is present (any type), botocore's `key in token`.
    pub fn has(&self, field: &str) -> bool {
        self.object.contains_key(field)
    }

    /// A string field of `accessToken` (`accessKeyId`, `secretAccessKey`, `sessionToken`,
    /// `accountId`, `expiresAt`).
    pub fn access_token_str(&self, field: &str) -> Option<&str> {
        self.object.get("accessToken")?.get(field)?.as_str()
    }

    /// The required fields this token lacks ([`REQUIRED_FIELDS`], in order).
    pub fn missing_fields(&self) -> Vec<&'static str> {
        REQUIRED_FIELDS
            .into_iter()
            .filter(|f| !self.has(f))
            .collect()
    }

    /// `accessToken.expiresAt`, read as botocore reads it; `None` when absent or unreadable.
    pub fn expires_at(&self) -> Option<SystemTime> {
        self.access_token_str("expiresAt").and_then(parse_timestamp)
    }

    /// Applies a refresh as botocore does: `accessToken` replaced (keeping its `accountId`),
    /// `refreshToken` replaced, every other field kept.
    pub fn apply_refresh(&mut self, new: &RefreshedToken<'_>) {
        let mut access = Map::new();
        access.insert("accessKeyId".into(), new.access_key_id.into());
        access.insert("secretAccessKey".into(), new.secret_access_key.into());
        access.insert("sessionToken".into(), new.session_token.into());
        if let Some(account) = self
            .object
            .get("accessToken")
            .and_then(|a| a.get("accountId"))
            .cloned()
        {
            access.insert("accountId".into(), account);
        }
        access.insert(
            "expiresAt".into(),
            crate::format_utc_z(new.expires_at).into(),
        );
        if let Some(mut old) = self
            .object
            .insert("accessToken".into(), Value::Object(access))
        {
            wipe(&mut old);
        }
        if let Some(mut old) = self
            .object
            .insert("refreshToken".into(), new.refresh_token.into())
        {
            wipe(&mut old);
        }
    }

    /// The file's bytes, as Python's `json.dumps` writes them (botocore's `JSONFileCache`).
    pub fn to_json(&self) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(python_json(&self.object))
    }
}

impl LoginTokenCache {
    /// A cache in `dir`.
    pub fn new(dir: impl Into<PathBuf>, fs: SharedFs) -> Self {
        Self {
            dir: dir.into(),
            fs,
        }
    }

    /// botocore's `get_login_token_cache_directory`: [`LOGIN_CACHE_DIRECTORY`] (`$VAR` then `~`
    /// expanded) if set, else `~/.aws/login/cache`; `None` when that needs a home folder and none
    /// is known.
    pub fn aws_login(env: &dyn Env, platform: Platform, fs: SharedFs) -> Option<Self> {
        if let Some(dir) = env.var(LOGIN_CACHE_DIRECTORY) {
            return Some(Self::new(expand_path(&dir, env, platform), fs));
        }
        let home = home_dir(env, platform)?;
        Some(Self::new(
            Path::new(&home).join(".aws").join("login").join("cache"),
            fs,
        ))
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The token file of `session` (the profile's `login_session`).
    pub fn path(&self, session: &str) -> PathBuf {
        self.dir.join(format!("{}.json", file_stem(session)))
    }

    /// The token of `session`, when its file exists and is a JSON object (its fields are the
    /// caller's to check: [`LoginToken::missing_fields`]).
    pub fn load(&self, session: &str) -> Result<LoginToken, TokenFileError> {
        let path = self.path(session);
        let bytes = token_file::read(&*self.fs, &path)?;
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(Value::Object(object)) => Ok(LoginToken { object }),
            Ok(mut other) => {
                wipe(&mut other);
                Err(TokenFileError::Invalid { path, source: None })
            }
            Err(_) => Err(TokenFileError::Invalid { path, source: None }),
        }
    }

    /// Writes `token` as the file of `session`, atomically (temporary file + rename), 0600.
    pub fn save(&self, session: &str, token: &LoginToken) -> Result<(), CredentialsError> {
        let path = self.path(session);
        token_file::write(&*self.fs, &path, &token.to_json(), "login token file")
    }

    /// Removes the token file of `session`; `Ok(false)` when there was none.
    pub fn remove(&self, session: &str) -> Result<bool, CredentialsError> {
        let path = self.path(session);
        match self.fs.remove(&path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(CredentialsError::provider_error(
                "could not remove the login token file",
            )
            .with("file", path.display())
            .with_source(e)),
        }
    }

    /// Takes the cross-process lock of `session`'s token (`<sha256>.lock` beside it), so
    /// processes refreshing at once make one `CreateOAuth2Token` call. Waits at most `wait`.
    pub fn lock(&self, session: &str, wait: Duration) -> Result<FsLock, CredentialsError> {
        let path = self.dir.join(format!("{}.lock", file_stem(session)));
        self.fs.lock(&path, wait).map_err(|e| {
            let err = if e.kind() == io::ErrorKind::TimedOut {
                CredentialsError::timed_out(format!(
                    "another process has held the login token lock for {} s",
                    wait.as_secs()
                ))
            } else {
                CredentialsError::provider_error("could not lock the login token file")
                    .with_source(e)
            };
            err.with("file", path.display())
        })
    }
}

/// The lower-case hex SHA-256 of the session name.
fn file_stem(session: &str) -> String {
    hex::encode(ring::digest::digest(
        &ring::digest::SHA256,
        session.as_bytes(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use awscred_types::{FakeEnv, Fs as _, MemFs};
    use std::sync::Arc;

    #[test]
    fn file_names_and_folder_are_botocores() {
        let fs: SharedFs = Arc::new(MemFs::new());
        let env = FakeEnv::new().with("HOME", "/home/me");
        let cache = LoginTokenCache::aws_login(&env, Platform::Linux, fs.clone()).unwrap();
        assert_eq!(
            cache.path("arn:aws:sts::012345678910:assumed-role/Admin/admin"),
            Path::new(
                "/home/me/.aws/login/cache/\
                 4b0ba8f99f075c0633e122fd73346ce203a3faf18ea0310eb2d29df1bab2e255.json"
            )
        );
        let env = env
            .with("D", "/srv")
            .with(LOGIN_CACHE_DIRECTORY, "$D/login");
        let cache = LoginTokenCache::aws_login(&env, Platform::Linux, fs.clone()).unwrap();
        assert_eq!(cache.dir(), Path::new("/srv/login"));
        let env = FakeEnv::new()
            .with("HOME", "/h")
            .with(LOGIN_CACHE_DIRECTORY, "~/l");
        let cache = LoginTokenCache::aws_login(&env, Platform::Linux, fs.clone()).unwrap();
        assert_eq!(cache.dir(), Path::new("/h/l"));
        assert!(LoginTokenCache::aws_login(&FakeEnv::new(), Platform::Linux, fs).is_none());
    }

    #[test]
    fn a_refresh_keeps_other_fields_and_the_account() {
        let fs = Arc::new(MemFs::new());
        let cache = LoginTokenCache::new("/c", fs.clone());
        let json = r#"{"accessToken":{"accessKeyId":"OLD","secretAccessKey":"hunter2-old",
            "sessionToken":"hunter2-t","accountId":"012345678901","expiresAt":"2020-01-01T00:00:00Z"},
            "clientId":"c","refreshToken":"hunter2-r","idToken":"hunter2-id","dpopKey":"k","extra":[1]}"#;
        fs.insert(cache.path("s"), json);
        let mut token = cache.load("s").unwrap();
        assert!(token.missing_fields().is_empty());
        assert!(!format!("{token:?}").contains("hunter2"));
        token.apply_refresh(&RefreshedToken {
            access_key_id: "NEW",
            secret_access_key: "hunter2-new",
            session_token: "hunter2-nt",
            expires_at: SystemTime::UNIX_EPOCH + Duration::from_secs(1_763_511_300),
            refresh_token: "hunter2-nr",
        });
        cache.save("s", &token).unwrap();
        let again = cache.load("s").unwrap();
        assert_eq!(again.access_token_str("accessKeyId"), Some("NEW"));
        assert_eq!(again.access_token_str("accountId"), Some("012345678901"));
        assert_eq!(
            again.access_token_str("expiresAt"),
            Some("2025-11-19T00:15:00Z")
        );
        assert_eq!(again.str("refreshToken"), Some("hunter2-nr"));
        assert_eq!(again.str("idToken"), Some("hunter2-id"));
        assert!(again.has("extra"));
        assert_eq!(fs.mode(&cache.path("s")).unwrap(), Some(0o600));
    }

    #[test]
    fn missing_and_invalid_files() {
        let fs = Arc::new(MemFs::new());
        let cache = LoginTokenCache::new("/c", fs.clone());
        assert!(matches!(
            cache.load("s"),
            Err(TokenFileError::Missing { .. })
        ));
        fs.insert(cache.path("s"), "[\"hunter2\"]");
        let err = cache.load("s").unwrap_err();
        assert!(matches!(err, TokenFileError::Invalid { .. }));
        assert!(!format!("{err} {err:?}").contains("hunter2"));
        let token = LoginToken::from_object(Map::new());
        assert_eq!(token.missing_fields(), REQUIRED_FIELDS);
        assert!(cache.remove("s").unwrap());
        assert!(!cache.remove("s").unwrap());
    }
}
