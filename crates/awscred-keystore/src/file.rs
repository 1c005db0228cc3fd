//! The encrypted-file backend.
//!
//! One file holds every item. Layout (version 1), all integers big-endian:
//!
//! ```text
//! 0..8    magic "AWSCREDK"
//! 8       format version (1)
//! 9       key derivation (1 = PBKDF2-HMAC-SHA256)
//! 10..14  PBKDF2 iterations (u32)
//! 14..30  salt (16 random bytes)
//! 30..42  AES-256-GCM nonce (12 random bytes, new on every write)
//! 42..    ciphertext of the items' JSON, then the 16-byte GCM tag
//! ```
//!
//! The header (bytes 0..42) is the GCM associated data, so changing any byte of the file is
//! found. A wrong passphrase and a changed file look the same to GCM; the error says both.

use std::collections::BTreeMap;
use std::fmt;
use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use awscred_types::{Credentials, CredentialsError, ReadCap, SharedEnv, SharedFs, Sources};
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::{Backend, Item, KeyStore, Passphrase, check_keys, check_profile};

/// The format version this build writes and reads.
pub const FORMAT_VERSION: u8 = 1;

/// PBKDF2-HMAC-SHA256 iterations for a new file (OWASP's 2023 figure for this hash).
pub const PBKDF2_ITERATIONS: u32 = 600_000;

/// The variable naming the file (default `~/.aws/awscred-keys.enc`).
pub const FILE_VAR: &str = "AWSCRED_KEYSTORE_FILE";

const MAGIC: &[u8; 8] = b"AWSCREDK";
const KDF_PBKDF2_SHA256: u8 = 1;
const SALT_LEN: usize = 16;
const HEADER_LEN: usize = 8 + 1 + 1 + 4 + SALT_LEN + NONCE_LEN;
const TAG_LEN: usize = 16;
/// Files written with fewer iterations are refused: a weakened file is not read silently.
const MIN_ITERATIONS: u32 = 100_000;
const LOCK_WAIT: Duration = Duration::from_secs(10);

/// Keys in one encrypted file: for headless machines, or where no Secret Service runs.
pub struct FileKeyStore {
    path: PathBuf,
    fs: SharedFs,
    env: SharedEnv,
    passphrase: Passphrase,
    iterations: u32,
    /// The key derived in this process, with the salt and iteration count it belongs to.
    derived: Mutex<Option<Derived>>,
}

struct Derived {
    salt: [u8; SALT_LEN],
    iterations: u32,
    key: Zeroizing<[u8; 32]>,
}

impl fmt::Debug for FileKeyStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileKeyStore")
            .field("path", &self.path)
            .field("passphrase", &self.passphrase)
            .field("iterations", &self.iterations)
            .finish_non_exhaustive()
    }
}

/// Builds a [`FileKeyStore`] (see [`FileKeyStore::builder`]).
#[derive(Debug)]
pub struct FileKeyStoreBuilder {
    sources: Sources,
    path: Option<PathBuf>,
    passphrase: Passphrase,
    iterations: u32,
}

impl FileKeyStoreBuilder {
    /// The file (default: `AWSCRED_KEYSTORE_FILE`, else `~/.aws/awscred-keys.enc`).
    pub fn path(mut self, path: impl Into<PathBuf>) -> Self {
        self.path = Some(path.into());
        self
    }

    /// Where the passphrase comes from (default: `AWSCRED_KEYSTORE_PASSPHRASE`, else a prompt).
    pub fn passphrase(mut self, passphrase: Passphrase) -> Self {
        self.passphrase = passphrase;
        self
    }

    /// PBKDF2 iterations for a new file (default [`PBKDF2_ITERATIONS`]; at least 100,000).
    /// An existing file keeps the count in its header.
    pub fn iterations(mut self, iterations: u32) -> Self {
        self.iterations = iterations.max(MIN_ITERATIONS);
        self
    }

    /// The store; an error when no file is named and no home folder is known.
    pub fn build(self) -> Result<FileKeyStore, CredentialsError> {
        let path = match self.path {
            Some(p) => p,
            None => match self.sources.env.get(FILE_VAR) {
                Some(p) => PathBuf::from(p),
                None => {
                    let home = awscred_profile_home(&self.sources)?;
                    Path::new(&home).join(".aws").join("awscred-keys.enc")
                }
            },
        };
        Ok(FileKeyStore {
            path,
            fs: self.sources.fs.clone(),
            env: self.sources.env.clone(),
            passphrase: self.passphrase,
            iterations: self.iterations,
            derived: Mutex::new(None),
        })
    }
}

fn awscred_profile_home(sources: &Sources) -> Result<String, CredentialsError> {
    let home = sources
        .env
        .get("HOME")
        .or_else(|| sources.env.get("USERPROFILE"));
    home.ok_or_else(|| {
        CredentialsError::invalid_configuration(
            "no home folder (HOME) for the key-store file; set AWSCRED_KEYSTORE_FILE",
        )
    })
}

/// The items as stored (the plaintext, held zeroized).
#[derive(Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Items {
    version: u8,
    items: BTreeMap<String, Item>,
}

impl FileKeyStore {
    /// A file store built from `sources` (file, passphrase and iterations are settable).
    pub fn builder(sources: &Sources) -> FileKeyStoreBuilder {
        FileKeyStoreBuilder {
            sources: sources.clone(),
            path: None,
            passphrase: Passphrase::default(),
            iterations: PBKDF2_ITERATIONS,
        }
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn display(&self) -> String {
        self.path.display().to_string()
    }

    fn error(&self, message: impl Into<std::borrow::Cow<'static, str>>) -> CredentialsError {
        CredentialsError::invalid_configuration(message)
            .with("backend", Backend::File)
            .with("file", self.display())
    }

    /// The items, or `None` when there is no file yet.
    fn load(&self) -> Result<Option<Items>, CredentialsError> {
        let bytes = match self.fs.read(&self.path, ReadCap::Config) {
            Ok(b) => Zeroizing::new(b),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(self
                    .error(format!("cannot read the key-store file: {e}"))
                    .with_source(e));
            }
        };
        self.decrypt(&bytes).map(Some)
    }

    fn decrypt(&self, bytes: &[u8]) -> Result<Items, CredentialsError> {
        if bytes.len() < 9 || &bytes[..8] != MAGIC {
            return Err(self.error(if bytes.len() < 9 && MAGIC.starts_with(bytes) {
                "the key-store file is truncated (its header is incomplete); nothing was changed"
            } else {
                "not an awscred key-store file (wrong magic bytes); nothing was changed"
            }));
        }
        if bytes[8] != FORMAT_VERSION {
            return Err(self.error(format!(
                "unsupported key-store file version {} (this awscred reads version \
                 {FORMAT_VERSION}); nothing was changed",
                bytes[8]
            )));
        }
        if bytes.len() < HEADER_LEN + TAG_LEN {
            return Err(self.error(
                "the key-store file is truncated (shorter than its header and tag); nothing \
                 was changed",
            ));
        }
        if bytes[9] != KDF_PBKDF2_SHA256 {
            return Err(self.error(format!(
                "unknown key derivation {} in the key-store file; nothing was changed",
                bytes[9]
            )));
        }
        let iterations = u32::from_be_bytes([bytes[10], bytes[11], bytes[12], bytes[13]]);
        if iterations < MIN_ITERATIONS {
            return Err(self.error(format!(
                "the key-store file asks for {iterations} PBKDF2 iterations, fewer than the \
                 {MIN_ITERATIONS} awscred accepts; nothing was changed"
            )));
        }
        let mut salt = [0u8; SALT_LEN];
        salt.copy_from_slice(&bytes[14..14 + SALT_LEN]);
        let mut nonce = [0u8; NONCE_LEN];
        nonce.copy_from_slice(&bytes[14 + SALT_LEN..HEADER_LEN]);
        let key = self.key_for(salt, iterations, false)?;
        let mut body = Zeroizing::new(bytes[HEADER_LEN..].to_vec());
        let opened = LessSafeKey::new(
            UnboundKey::new(&AES_256_GCM, &key[..]).map_err(|_| self.error("AES key setup"))?,
        )
        .open_in_place(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(&bytes[..HEADER_LEN]),
            &mut body,
        );
        let Ok(plain) = opened else {
            // The key may be a stale one of this process; forget it so a retry asks again.
            *self.derived.lock().unwrap_or_else(PoisonError::into_inner) = None;
            return Err(self.error(
                "cannot decrypt the key-store file: wrong passphrase, or the file was changed \
                 or damaged; nothing was changed",
            ));
        };
        let items: Items = serde_json::from_slice(plain).map_err(|_| {
            self.error(
                "the key-store file decrypts but its contents are not valid; nothing was changed",
            )
        })?;
        if items.version != FORMAT_VERSION {
            return Err(self.error("unsupported key-store contents version; nothing was changed"));
        }
        Ok(items)
    }

    /// The AES key for `salt` and `iterations`: derived once per process.
    fn key_for(
        &self,
        salt: [u8; SALT_LEN],
        iterations: u32,
        confirm: bool,
    ) -> Result<Zeroizing<[u8; 32]>, CredentialsError> {
        let mut derived = self.derived.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(d) = derived.as_ref()
            && d.salt == salt
            && d.iterations == iterations
        {
            return Ok(d.key.clone());
        }
        let passphrase = self
            .passphrase
            .get(&*self.env, &self.display(), confirm)
            .map_err(|e| e.with("backend", Backend::File))?;
        let mut key = Zeroizing::new([0u8; 32]);
        let rounds = NonZeroU32::new(iterations).unwrap_or(NonZeroU32::MIN);
        ring::pbkdf2::derive(
            ring::pbkdf2::PBKDF2_HMAC_SHA256,
            rounds,
            &salt,
            passphrase.as_bytes(),
            &mut key[..],
        );
        *derived = Some(Derived {
            salt,
            iterations,
            key: key.clone(),
        });
        Ok(key)
    }

    fn save(&self, items: &Items, existed: bool) -> Result<(), CredentialsError> {
        let rng = SystemRandom::new();
        let cached = self
            .derived
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .map(|d| (d.salt, d.iterations));
        let (salt, iterations) = match cached {
            Some(c) if existed => c,
            _ => {
                let mut salt = [0u8; SALT_LEN];
                rng.fill(&mut salt)
                    .map_err(|_| self.error("no random bytes for the salt"))?;
                (salt, self.iterations)
            }
        };
        let key = self.key_for(salt, iterations, !existed)?;
        let mut nonce = [0u8; NONCE_LEN];
        rng.fill(&mut nonce)
            .map_err(|_| self.error("no random bytes for the nonce"))?;
        let mut header = Vec::with_capacity(HEADER_LEN);
        header.extend_from_slice(MAGIC);
        header.push(FORMAT_VERSION);
        header.push(KDF_PBKDF2_SHA256);
        header.extend_from_slice(&iterations.to_be_bytes());
        header.extend_from_slice(&salt);
        header.extend_from_slice(&nonce);
        let plain = Zeroizing::new(
            serde_json::to_vec(items).map_err(|_| self.error("cannot encode the items"))?,
        );
        let mut out = Zeroizing::new(Vec::with_capacity(HEADER_LEN + plain.len() + TAG_LEN));
        out.extend_from_slice(&header);
        let mut body = plain.to_vec();
        LessSafeKey::new(
            UnboundKey::new(&AES_256_GCM, &key[..]).map_err(|_| self.error("AES key setup"))?,
        )
        .seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(&header[..]),
            &mut body,
        )
        .map_err(|_| self.error("encryption failed"))?;
        out.extend_from_slice(&body);
        self.fs.write_atomic(&self.path, &out, 0o600).map_err(|e| {
            self.error(format!("cannot write the key-store file: {e}"))
                .with_source(e)
        })
    }

    /// Runs a read-modify-write under the file's lock.
    fn modify<T>(&self, f: impl FnOnce(&mut Items) -> (T, bool)) -> Result<T, CredentialsError> {
        let lock_path = {
            let mut p = self.path.clone().into_os_string();
            p.push(".lock");
            PathBuf::from(p)
        };
        let _lock = self.fs.lock(&lock_path, LOCK_WAIT).map_err(|e| {
            self.error(format!("cannot lock the key-store file: {e}"))
                .with_source(e)
        })?;
        let existing = self.load()?;
        let existed = existing.is_some();
        let mut items = existing.unwrap_or(Items {
            version: FORMAT_VERSION,
            items: BTreeMap::new(),
        });
        let (answer, changed) = f(&mut items);
        if changed {
            self.save(&items, existed)?;
        }
        Ok(answer)
    }
}

impl KeyStore for FileKeyStore {
    fn backend(&self) -> Backend {
        Backend::File
    }

    fn put(&self, profile: &str, keys: &Credentials) -> Result<(), CredentialsError> {
        check_profile(profile)?;
        check_keys(profile, keys)?;
        let item = Item::of(keys);
        self.modify(|items| {
            items.items.insert(profile.to_owned(), item);
            ((), true)
        })
        .map_err(|e| e.with("profile", profile))
    }

    fn get(&self, profile: &str) -> Result<Option<Credentials>, CredentialsError> {
        check_profile(profile)?;
        let Some(items) = self.load().map_err(|e| e.with("profile", profile))? else {
            return Ok(None);
        };
        Ok(items.items.get(profile).map(Item::credentials))
    }

    fn delete(&self, profile: &str) -> Result<bool, CredentialsError> {
        check_profile(profile)?;
        if !self.fs.exists_hint(&self.path) {
            return Ok(false);
        }
        self.modify(|items| {
            let removed = items.items.remove(profile).is_some();
            (removed, removed)
        })
        .map_err(|e| e.with("profile", profile))
    }

    fn list(&self) -> Result<Vec<String>, CredentialsError> {
        Ok(self
            .load()?
            .map(|items| items.items.keys().cloned().collect())
            .unwrap_or_default())
    }
}

/// Whether a file is there, without reading it (a missing file needs no passphrase).
trait ExistsHint {
    fn exists_hint(&self, path: &Path) -> bool;
}

impl ExistsHint for SharedFs {
    fn exists_hint(&self, path: &Path) -> bool {
        !matches!(self.mode(path), Err(e) if e.kind() == std::io::ErrorKind::NotFound)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use awscred_types::{FakeEnv, Fs, MemFs};
    use std::sync::Arc;

    const PATH: &str = "/home/me/.aws/awscred-keys.enc";

    fn store(fs: &MemFs, passphrase: &str) -> FileKeyStore {
        let sources = Sources::default()
            .with_env(Arc::new(FakeEnv::new().with("HOME", "/home/me")))
            .with_fs(Arc::new(fs.clone()));
        FileKeyStore::builder(&sources)
            .passphrase(Passphrase::given(passphrase))
            .iterations(MIN_ITERATIONS)
            .build()
            .unwrap()
    }

    fn keys(id: &str) -> Credentials {
        Credentials::builder(id, "SECRETkeyVALUE/abc+def", "test")
            .account_id("123456789012")
            .build()
    }

    #[test]
    fn put_get_list_delete_round_trip() {
        let fs = MemFs::new();
        let s = store(&fs, "correct horse");
        assert_eq!(s.list().unwrap(), Vec::<String>::new());
        assert!(s.get("dev").unwrap().is_none());
        assert!(!s.delete("dev").unwrap());
        s.put("dev", &keys("AKIADEV1")).unwrap();
        s.put("prod", &keys("AKIAPROD")).unwrap();
        assert_eq!(s.list().unwrap(), ["dev", "prod"]);
        // A second process (a fresh store) reads what the first wrote.
        let again = store(&fs, "correct horse");
        let got = again.get("dev").unwrap().unwrap();
        assert_eq!(got.access_key_id(), "AKIADEV1");
        assert_eq!(got.secret_access_key(), "SECRETkeyVALUE/abc+def");
        assert_eq!(got.account_id(), Some("123456789012"));
        assert_eq!(got.provider_name(), crate::PROVIDER_NAME);
        assert!(again.delete("dev").unwrap());
        assert_eq!(again.list().unwrap(), ["prod"]);
        assert_eq!(fs.mode(Path::new(PATH)).unwrap(), Some(0o600));
        let raw = fs.get(PATH).unwrap();
        assert_eq!(&raw[..8], MAGIC);
        assert!(!String::from_utf8_lossy(&raw).contains("SECRETkey"));
        assert!(!String::from_utf8_lossy(&raw).contains("AKIA"));
    }

    #[test]
    fn session_credentials_and_bad_names_are_refused() {
        let s = store(&MemFs::new(), "p");
        let session = Credentials::builder("ASIAX", "s", "t")
            .session_token("tok")
            .build();
        assert!(s.put("dev", &session).is_err());
        assert!(s.put("a b", &keys("AKIA1")).is_err());
        assert!(
            s.put("dev", &Credentials::new("AKIA$(x)", "s", "t"))
                .is_err()
        );
    }

    fn broken(change: impl FnOnce(&mut Vec<u8>), passphrase: &str, expect: &str) {
        let fs = MemFs::new();
        store(&fs, "right").put("dev", &keys("AKIADEV1")).unwrap();
        let mut raw = fs.get(PATH).unwrap();
        change(&mut raw);
        fs.insert(PATH, raw.clone());
        let s = store(&fs, passphrase);
        for err in [
            s.get("dev").unwrap_err(),
            s.list().unwrap_err(),
            s.put("other", &keys("AKIAOTHER")).unwrap_err(),
            s.delete("dev").unwrap_err(),
        ] {
            let text = err.to_string();
            assert!(text.contains(expect), "{text}");
            assert!(text.contains(PATH), "{text}");
            assert!(text.contains("nothing was changed"), "{text}");
            assert!(
                !text.contains(passphrase) || passphrase == "right",
                "{text}"
            );
        }
        // Nothing lost: the file is as it was.
        assert_eq!(fs.get(PATH).unwrap(), raw);
    }

    #[test]
    fn wrong_passphrase_is_a_clear_error_and_changes_nothing() {
        broken(|_| {}, "wrong-passphrase", "wrong passphrase");
    }

    #[test]
    fn a_flipped_tag_byte_is_found() {
        broken(
            |raw| {
                let last = raw.len() - 1;
                raw[last] ^= 0x01
            },
            "right",
            "the file was changed",
        );
    }

    #[test]
    fn a_flipped_header_byte_is_found() {
        // The salt is in the associated data and the key: either way the file does not open.
        broken(|raw| raw[20] ^= 0x80, "right", "the file was changed");
    }

    #[test]
    fn truncated_files_are_found() {
        broken(|raw| raw.truncate(HEADER_LEN + 3), "right", "truncated");
        broken(|raw| raw.truncate(5), "right", "truncated");
        broken(
            |raw| raw.truncate(raw.len() - 1),
            "right",
            "the file was changed",
        );
    }

    #[test]
    fn an_unknown_version_is_named() {
        broken(
            |raw| raw[8] = 2,
            "right",
            "unsupported key-store file version 2",
        );
    }

    #[test]
    fn a_weakened_iteration_count_is_refused() {
        broken(
            |raw| raw[10..14].copy_from_slice(&1000u32.to_be_bytes()),
            "right",
            "1000 PBKDF2 iterations",
        );
    }

    #[test]
    fn not_a_key_store_file() {
        broken(|raw| raw[0] = b'x', "right", "wrong magic");
    }

    #[test]
    fn an_empty_passphrase_is_refused() {
        let err = store(&MemFs::new(), "")
            .put("dev", &keys("AKIA1"))
            .unwrap_err();
        assert!(err.to_string().contains("passphrase is empty"), "{err}");
    }

    #[test]
    fn the_passphrase_comes_from_the_environment() {
        let fs = MemFs::new();
        let sources = Sources::default()
            .with_env(Arc::new(
                FakeEnv::new()
                    .with("HOME", "/home/me")
                    .with(crate::passphrase::PASSPHRASE_VAR, "from-env"),
            ))
            .with_fs(Arc::new(fs.clone()));
        let s = FileKeyStore::builder(&sources)
            .iterations(MIN_ITERATIONS)
            .build()
            .unwrap();
        s.put("dev", &keys("AKIADEV1")).unwrap();
        assert!(store(&fs, "from-env").get("dev").unwrap().is_some());
        assert!(store(&fs, "other").get("dev").is_err());
        assert!(!format!("{s:?}").contains("from-env"));
    }

    #[test]
    fn each_write_uses_a_new_nonce() {
        let fs = MemFs::new();
        let s = store(&fs, "p");
        s.put("dev", &keys("AKIADEV1")).unwrap();
        let first = fs.get(PATH).unwrap();
        s.put("dev", &keys("AKIADEV1")).unwrap();
        let second = fs.get(PATH).unwrap();
        assert_eq!(first[..30], second[..30], "same salt and iterations");
        assert_ne!(first[30..HEADER_LEN], second[30..HEADER_LEN], "new nonce");
    }
}

#[cfg(test)]
mod default_cost {
    use super::*;
    use awscred_types::{FakeEnv, MemFs};
    use std::sync::Arc;

    /// A new file gets the full 600,000 iterations; the time one derivation takes is printed
    /// (`cargo test -p awscred-keystore --release -- --nocapture default_file`).
    #[test]
    fn default_file_has_600000_iterations() {
        let fs = MemFs::new();
        let sources = Sources::default()
            .with_env(Arc::new(FakeEnv::new().with("HOME", "/h")))
            .with_fs(Arc::new(fs.clone()));
        let s = FileKeyStore::builder(&sources)
            .passphrase(Passphrase::given("p"))
            .build()
            .unwrap();
        let started = std::time::Instant::now();
        s.put("dev", &Credentials::new("AKIADEV1", "secret", "t"))
            .unwrap();
        let took = started.elapsed();
        let raw = fs.get("/h/.aws/awscred-keys.enc").unwrap();
        assert_eq!(
            u32::from_be_bytes([raw[10], raw[11], raw[12], raw[13]]),
            600_000
        );
        assert_eq!(PBKDF2_ITERATIONS, 600_000);
        #[allow(clippy::print_stderr, reason = "the figure the README quotes")]
        {
            eprintln!("PBKDF2-HMAC-SHA256 x {PBKDF2_ITERATIONS}: {took:?} (one derivation)");
        }
    }
}
