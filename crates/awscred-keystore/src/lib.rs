//! Long-term AWS access keys kept out of `~/.aws/credentials`: the [`KeyStore`] trait and its
//! backends.
//!
//! Items are keyed by service `awscred` and the profile name; the secret is the key pair (and
//! the account id when known) as JSON, held in zeroized memory and never logged. Backends:
//!
//! - [`SecretServiceKeyStore`] (Unix): the freedesktop Secret Service over the D-Bus session
//!   bus (GNOME Keyring, KWallet, KeePassXC), through a small D-Bus client of its own; the
//!   default on Linux. A missing bus or service, or a locked collection, is an error within
//!   seconds that names the file backend, never a prompt or a hang.
//! - [`FileKeyStore`]: one encrypted file (PBKDF2-HMAC-SHA256, 600,000 iterations, AES-256-GCM,
//!   a versioned header), passphrase from `AWSCRED_KEYSTORE_PASSPHRASE` or a prompt on
//!   `/dev/tty`, written atomically with mode 0600. Works everywhere, including headless machines.
//!
//! [`open`] picks the backend (`AWSCRED_KEYSTORE=file|secret-service`; see [`Backend`]). macOS
//! Keychain and Windows Credential Manager are not available: those platforms get the file. Used by the CLI's
//! `awscred keys` commands; the credentials then reach processes as session tokens through
//! `credential_process = awscred keys session --profile NAME`.

#[cfg(unix)]
mod dbus;
mod file;
mod passphrase;
#[cfg(unix)]
mod secret_service;

use std::fmt;
use std::str::FromStr;

use awscred_types::{Credentials, CredentialsError, Sources};

pub use file::{FILE_VAR, FORMAT_VERSION, FileKeyStore, FileKeyStoreBuilder, PBKDF2_ITERATIONS};
pub use passphrase::{PASSPHRASE_VAR, Passphrase, tty};
#[cfg(unix)]
pub use secret_service::{CALL_TIMEOUT, SecretServiceKeyStore, SecretServiceKeyStoreBuilder};

/// The service name every item is stored under.
pub const SERVICE: &str = "awscred";

/// The variable that overrides the platform's backend (`file`, `secret-service`).
pub const BACKEND_VAR: &str = "AWSCRED_KEYSTORE";

/// The provider name of credentials read from a key store.
pub const PROVIDER_NAME: &str = "keystore";

/// A place long-term keys are kept, one item per profile.
///
/// Every method is blocking and bounded in time; errors name the backend and the profile, never
/// a secret.
pub trait KeyStore: Send + Sync + fmt::Debug {
    /// Which backend this is.
    fn backend(&self) -> Backend;

    /// Stores (or replaces) the keys of `profile`. Only the key id, the secret and the account
    /// id are kept (a session token is refused: only long-term keys belong here).
    fn put(&self, profile: &str, keys: &Credentials) -> Result<(), CredentialsError>;

    /// The keys of `profile`, or `None` when there is no item for it. The credentials' provider
    /// name is [`PROVIDER_NAME`].
    fn get(&self, profile: &str) -> Result<Option<Credentials>, CredentialsError>;

    /// Removes the item of `profile`; `false` when there was none.
    fn delete(&self, profile: &str) -> Result<bool, CredentialsError>;

    /// The profiles with an item, sorted.
    fn list(&self) -> Result<Vec<String>, CredentialsError>;

    /// Whether the store can be read and written now (a file backend: its passphrase opens
    /// it; the Secret Service: reachable, with an unlocked default collection). Commands call
    /// it before asking anyone for keys.
    fn ready(&self) -> Result<(), CredentialsError> {
        self.list().map(|_| ())
    }
}

/// A key-store backend.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Backend {
    /// [`FileKeyStore`]: `AWSCRED_KEYSTORE=file`.
    File,
    /// The freedesktop Secret Service over D-Bus (GNOME Keyring, KWallet, KeePassXC):
    /// `AWSCRED_KEYSTORE=secret-service`, the default on Linux (Unix only).
    SecretService,
}

impl Backend {
    /// The name `AWSCRED_KEYSTORE` takes.
    pub const fn name(self) -> &'static str {
        match self {
            Self::File => "file",
            Self::SecretService => "secret-service",
        }
    }

    /// This platform's default: the Secret Service on Linux, the file elsewhere.
    pub const fn platform_default() -> Self {
        if cfg!(target_os = "linux") {
            Self::SecretService
        } else {
            Self::File
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Backend {
    type Err = CredentialsError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "file" => Ok(Self::File),
            "secret-service" => Ok(Self::SecretService),
            other => Err(CredentialsError::invalid_configuration(
                "unknown key-store backend (expected file or secret-service)",
            )
            .with("variable", BACKEND_VAR)
            .with("value", awscred_types::printable(other, 40))),
        }
    }
}

/// The backend `AWSCRED_KEYSTORE` names, else the platform's default.
pub fn chosen_backend(sources: &Sources) -> Result<Backend, CredentialsError> {
    match sources.env.get(BACKEND_VAR) {
        Some(name) => name.parse(),
        None => Ok(Backend::platform_default()),
    }
}

/// The key store to use: [`chosen_backend`], built from `sources` with its defaults.
pub fn open(sources: &Sources) -> Result<Box<dyn KeyStore>, CredentialsError> {
    match chosen_backend(sources)? {
        Backend::File => Ok(Box::new(FileKeyStore::builder(sources).build()?)),
        #[cfg(unix)]
        Backend::SecretService => Ok(Box::new(SecretServiceKeyStore::builder(sources).build())),
        #[cfg(not(unix))]
        Backend::SecretService => Err(CredentialsError::invalid_configuration(
            "the Secret Service backend is not available on this platform; use the encrypted \
             file backend (AWSCRED_KEYSTORE=file)",
        )
        .with("backend", Backend::SecretService)),
    }
}

/// A peer's text for an error message: printable, at most 200 characters.
#[cfg(unix)]
pub(crate) fn printable_short(s: &str) -> String {
    awscred_types::printable(s, 200)
}

/// An item's secret as every backend stores it, as JSON: the key pair and the account id. The
/// secret is wiped when the item is dropped.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Item {
    #[serde(rename = "AccessKeyId")]
    access_key_id: String,
    #[serde(rename = "SecretAccessKey")]
    secret_access_key: String,
    #[serde(rename = "AccountId", default, skip_serializing_if = "Option::is_none")]
    account_id: Option<String>,
}

impl Item {
    pub(crate) fn of(keys: &Credentials) -> Self {
        Self {
            access_key_id: keys.access_key_id().to_owned(),
            secret_access_key: keys.secret_access_key().to_owned(),
            account_id: keys.account_id().map(str::to_owned),
        }
    }

    pub(crate) fn credentials(&self) -> Credentials {
        Credentials::builder(
            self.access_key_id.as_str(),
            self.secret_access_key.as_str(),
            PROVIDER_NAME,
        )
        .maybe_account_id(self.account_id.clone())
        .build()
    }
}

impl Drop for Item {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.secret_access_key);
    }
}

/// `profile` as a key-store item name: not empty, at most 256 bytes, printable, no `/`.
pub(crate) fn check_profile(profile: &str) -> Result<(), CredentialsError> {
    if profile.is_empty()
        || profile.len() > 256
        || profile
            .chars()
            .any(|c| c.is_control() || c == '/' || c.is_whitespace())
    {
        return Err(CredentialsError::invalid_configuration(
            "a key-store profile name must be 1 to 256 printable characters without spaces or '/'",
        )
        .with("profile", awscred_types::printable(profile, 60)));
    }
    Ok(())
}

/// Long-term keys only: no session token, a plausible key id and secret.
pub(crate) fn check_keys(profile: &str, keys: &Credentials) -> Result<(), CredentialsError> {
    let refuse = |why: &'static str| {
        Err(CredentialsError::invalid_configuration(why).with("profile", profile))
    };
    if keys.session_token().is_some() {
        return refuse("only long-term keys go into the key store, not session credentials");
    }
    if keys.access_key_id().is_empty() || keys.secret_access_key().is_empty() {
        return refuse("the access key id and the secret access key must both be given");
    }
    keys.clone().validated().map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;
    use awscred_types::FakeEnv;
    use std::sync::Arc;

    #[test]
    fn backend_names_round_trip_and_unknown_is_an_error() {
        for b in [Backend::File, Backend::SecretService] {
            assert_eq!(b.name().parse::<Backend>().unwrap(), b);
        }
        let err = "kwallet".parse::<Backend>().unwrap_err();
        assert!(err.to_string().contains("AWSCRED_KEYSTORE"), "{err}");
    }

    #[test]
    fn the_variable_overrides_the_default() {
        let sources = Sources::default()
            .with_env(Arc::new(FakeEnv::new().with(BACKEND_VAR, "secret-service")));
        assert_eq!(chosen_backend(&sources).unwrap(), Backend::SecretService);
        // No session bus in this environment: an error naming the way out, at once.
        let err = open(&sources).unwrap().list().unwrap_err();
        assert!(err.to_string().contains("AWSCRED_KEYSTORE=file"), "{err}");
        assert!(
            err.to_string().contains("DBUS_SESSION_BUS_ADDRESS"),
            "{err}"
        );
        let sources = Sources::default().with_env(Arc::new(FakeEnv::new()));
        assert_eq!(
            chosen_backend(&sources).unwrap(),
            Backend::platform_default()
        );
    }

    #[test]
    fn profile_names_are_checked() {
        assert!(check_profile("dev").is_ok());
        for bad in ["", "a/b", "a b", "x\u{1b}[2J", &"p".repeat(257)] {
            assert!(check_profile(bad).is_err(), "{bad:?}");
        }
    }
}
