//! The freedesktop Secret Service (GNOME Keyring, KWallet, KeePassXC) over the D-Bus session bus.
//!
//! Items live in the default collection, with attributes `service = awscred` and
//! `profile = NAME` and the label `awscred: NAME`; the secret is the items' JSON
//! (`application/json`). The session uses the `plain` algorithm: the secret crosses the local
//! session bus unencrypted (as it does with libsecret's default on a local bus), never the
//! network. A locked collection or item is an error at once, never an unlock prompt: awscred
//! runs where no one may be there to answer one.

use std::fmt;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use awscred_types::{Credentials, CredentialsError, SharedEnv, Sources};
use zeroize::Zeroizing;

use crate::dbus::{CallError, Connection, Value};
use crate::{Backend, Item, KeyStore, SERVICE, check_keys, check_profile};

const DEST: &str = "org.freedesktop.secrets";
const ROOT: &str = "/org/freedesktop/secrets";
const SERVICE_IF: &str = "org.freedesktop.Secret.Service";
const ITEM_IF: &str = "org.freedesktop.Secret.Item";
const COLLECTION_IF: &str = "org.freedesktop.Secret.Collection";
const PROPS_IF: &str = "org.freedesktop.DBus.Properties";

/// How long any one call may take (a daemon being started by D-Bus activation included).
pub const CALL_TIMEOUT: Duration = Duration::from_secs(5);

const WAY_OUT: &str = "use the encrypted file backend instead: AWSCRED_KEYSTORE=file";

/// Keys in the Secret Service's default collection.
pub struct SecretServiceKeyStore {
    env: SharedEnv,
    timeout: Duration,
    conn: Mutex<Option<(Connection, String)>>,
}

impl fmt::Debug for SecretServiceKeyStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretServiceKeyStore")
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// Builds a [`SecretServiceKeyStore`] (see [`SecretServiceKeyStore::builder`]).
#[derive(Debug)]
pub struct SecretServiceKeyStoreBuilder {
    sources: Sources,
    timeout: Duration,
}

impl SecretServiceKeyStoreBuilder {
    /// The most one D-Bus call may take (default [`CALL_TIMEOUT`], 5 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The store. No connection is made until it is used.
    pub fn build(self) -> SecretServiceKeyStore {
        SecretServiceKeyStore {
            env: self.sources.env.clone(),
            timeout: self.timeout,
            conn: Mutex::new(None),
        }
    }
}

fn error(message: impl Into<String>) -> CredentialsError {
    CredentialsError::invalid_configuration(format!("{}; {WAY_OUT}", message.into()))
        .with("backend", Backend::SecretService)
}

fn call_error(what: &str, e: CallError) -> CredentialsError {
    match e {
        CallError::Remote { name, message }
            if name == "org.freedesktop.DBus.Error.ServiceUnknown"
                || name == "org.freedesktop.DBus.Error.NameHasNoOwner" =>
        {
            error(format!(
                "no Secret Service is running on the session bus ({name}: {message})"
            ))
        }
        CallError::Remote { name, message } if name.ends_with("IsLocked") => error(format!(
            "the Secret Service collection is locked ({message}); unlock it (log in to the \
             desktop, or `gnome-keyring-daemon --unlock`)"
        )),
        e => error(format!("the Secret Service {what} failed: {e}")),
    }
}

impl SecretServiceKeyStore {
    /// A store on the session bus named by `DBUS_SESSION_BUS_ADDRESS` in `sources`.
    pub fn builder(sources: &Sources) -> SecretServiceKeyStoreBuilder {
        SecretServiceKeyStoreBuilder {
            sources: sources.clone(),
            timeout: CALL_TIMEOUT,
        }
    }

    /// Runs `f` with the connection and the session path, connecting first if needed. A
    /// failed call drops the connection, so the next one starts afresh.
    fn with<T>(
        &self,
        f: impl FnOnce(&mut Connection, &str) -> Result<T, CredentialsError>,
    ) -> Result<T, CredentialsError> {
        let mut guard = self.conn.lock().unwrap_or_else(PoisonError::into_inner);
        if guard.is_none() {
            let address = self.env.get("DBUS_SESSION_BUS_ADDRESS").ok_or_else(|| {
                error(
                    "no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set), so no Secret \
                     Service",
                )
            })?;
            let mut conn = Connection::open(&address, self.timeout)
                .map_err(|e| error(format!("cannot reach the D-Bus session bus: {e}")))?;
            let reply = conn
                .call(
                    DEST,
                    ROOT,
                    SERVICE_IF,
                    "OpenSession",
                    &[
                        Value::str("plain"),
                        Value::Variant(Box::new(Value::str(""))),
                    ],
                )
                .map_err(|e| call_error("OpenSession", e))?;
            let session = reply
                .get(1)
                .and_then(Value::as_str)
                .ok_or_else(|| error("the Secret Service answered OpenSession without a session"))?
                .to_owned();
            *guard = Some((conn, session));
        }
        let (conn, session) = guard.as_mut().expect("connected above");
        let session = session.clone();
        let result = f(conn, &session);
        if result.is_err() {
            *guard = None;
        }
        result
    }

    /// The items matching `attributes`: (unlocked, locked).
    fn search(
        conn: &mut Connection,
        attributes: &[(&str, &str)],
    ) -> Result<(Vec<String>, Vec<String>), CredentialsError> {
        let reply = conn
            .call(
                DEST,
                ROOT,
                SERVICE_IF,
                "SearchItems",
                &[Value::string_dict(attributes)],
            )
            .map_err(|e| call_error("search", e))?;
        let paths = |i: usize| -> Vec<String> {
            reply
                .get(i)
                .and_then(Value::as_array)
                .unwrap_or_default()
                .iter()
                .filter_map(|p| p.as_str().map(str::to_owned))
                .collect()
        };
        Ok((paths(0), paths(1)))
    }

    fn refuse_locked(locked: &[String]) -> Result<(), CredentialsError> {
        if locked.is_empty() {
            return Ok(());
        }
        Err(error(
            "the Secret Service holds awscred items in a locked collection; unlock it (log in \
             to the desktop, or `gnome-keyring-daemon --unlock`)",
        ))
    }

    /// The default collection, refusing a locked one.
    fn default_collection(conn: &mut Connection) -> Result<String, CredentialsError> {
        let reply = conn
            .call(
                DEST,
                ROOT,
                SERVICE_IF,
                "ReadAlias",
                &[Value::str("default")],
            )
            .map_err(|e| call_error("ReadAlias", e))?;
        let path = reply
            .first()
            .and_then(Value::as_str)
            .filter(|p| *p != "/")
            .ok_or_else(|| {
                error(
                    "the Secret Service has no default collection (keyring) to store keys in; \
                     create one (e.g. `gnome-keyring-daemon --unlock` with a password on \
                     standard input)",
                )
            })?
            .to_owned();
        let locked = conn
            .call(
                DEST,
                &path,
                PROPS_IF,
                "Get",
                &[Value::str(COLLECTION_IF), Value::str("Locked")],
            )
            .map_err(|e| call_error("Locked property read", e))?;
        if locked.first().and_then(Value::as_bool) != Some(false) {
            return Err(error(format!(
                "the Secret Service's default collection {path} is locked; unlock it (log in to \
                 the desktop, or `gnome-keyring-daemon --unlock`)"
            )));
        }
        Ok(path)
    }
}

fn prompt_needed(reply: &[Value], at: usize, what: &str) -> Result<(), CredentialsError> {
    match reply.get(at).and_then(Value::as_str) {
        Some("/") | None => Ok(()),
        Some(_) => Err(error(format!(
            "the Secret Service wants to prompt before it will {what} (the collection is \
             locked); awscred does not wait for prompts"
        ))),
    }
}

impl KeyStore for SecretServiceKeyStore {
    fn backend(&self) -> Backend {
        Backend::SecretService
    }

    fn put(&self, profile: &str, keys: &Credentials) -> Result<(), CredentialsError> {
        check_profile(profile)?;
        check_keys(profile, keys)?;
        let json =
            Zeroizing::new(serde_json::to_vec(&Item::of(keys)).map_err(|_| error("encoding"))?);
        self.with(|conn, session| {
            let collection = Self::default_collection(conn)?;
            let label = format!("awscred: {profile}");
            let props = Value::Array(
                "{sv}".into(),
                vec![
                    Value::Entry(
                        Box::new(Value::str("org.freedesktop.Secret.Item.Label")),
                        Box::new(Value::Variant(Box::new(Value::str(&label)))),
                    ),
                    Value::Entry(
                        Box::new(Value::str("org.freedesktop.Secret.Item.Attributes")),
                        Box::new(Value::Variant(Box::new(Value::string_dict(&[
                            ("service", SERVICE),
                            ("profile", profile),
                        ])))),
                    ),
                ],
            );
            let secret = Value::Struct(vec![
                Value::path(session),
                Value::bytes(&[]),
                Value::bytes(&json),
                Value::str("application/json"),
            ]);
            let reply = conn
                .call(
                    DEST,
                    &collection,
                    COLLECTION_IF,
                    "CreateItem",
                    &[props, secret, Value::Bool(true)],
                )
                .map_err(|e| call_error("CreateItem", e))?;
            prompt_needed(&reply, 1, "store the item")
        })
        .map_err(|e| e.with("profile", profile))
    }

    fn get(&self, profile: &str) -> Result<Option<Credentials>, CredentialsError> {
        check_profile(profile)?;
        self.with(|conn, session| {
            let (unlocked, locked) =
                Self::search(conn, &[("service", SERVICE), ("profile", profile)])?;
            let Some(item) = unlocked.first() else {
                Self::refuse_locked(&locked)?;
                return Ok(None);
            };
            let reply = conn
                .call(DEST, item, ITEM_IF, "GetSecret", &[Value::path(session)])
                .map_err(|e| call_error("GetSecret", e))?;
            let value = reply
                .first()
                .and_then(Value::as_struct)
                .and_then(|s| s.get(2))
                .and_then(Value::as_bytes)
                .map(Zeroizing::new)
                .ok_or_else(|| error("the Secret Service answered GetSecret without a secret"))?;
            let item: Item = serde_json::from_slice(&value).map_err(|_| {
                error("the awscred item in the Secret Service is not awscred's JSON")
            })?;
            Ok(Some(item.credentials()))
        })
        .map_err(|e| e.with("profile", profile))
    }

    fn delete(&self, profile: &str) -> Result<bool, CredentialsError> {
        check_profile(profile)?;
        self.with(|conn, _| {
            let (unlocked, locked) =
                Self::search(conn, &[("service", SERVICE), ("profile", profile)])?;
            Self::refuse_locked(&locked)?;
            for item in &unlocked {
                let reply = conn
                    .call(DEST, item, ITEM_IF, "Delete", &[])
                    .map_err(|e| call_error("Delete", e))?;
                prompt_needed(&reply, 0, "delete the item")?;
            }
            Ok(!unlocked.is_empty())
        })
        .map_err(|e| e.with("profile", profile))
    }

    fn ready(&self) -> Result<(), CredentialsError> {
        self.with(|conn, _| Self::default_collection(conn).map(|_| ()))?;
        self.list().map(|_| ())
    }

    fn list(&self) -> Result<Vec<String>, CredentialsError> {
        self.with(|conn, _| {
            let (unlocked, locked) = Self::search(conn, &[("service", SERVICE)])?;
            Self::refuse_locked(&locked)?;
            let mut names = Vec::new();
            for item in &unlocked {
                let reply = conn
                    .call(
                        DEST,
                        item,
                        PROPS_IF,
                        "Get",
                        &[Value::str(ITEM_IF), Value::str("Attributes")],
                    )
                    .map_err(|e| call_error("Attributes read", e))?;
                if let Some(profile) = reply
                    .first()
                    .and_then(Value::as_string_dict)
                    .and_then(|d| d.into_iter().find(|(k, _)| k == "profile").map(|(_, v)| v))
                {
                    names.push(profile);
                }
            }
            names.sort();
            names.dedup();
            Ok(names)
        })
    }
}
