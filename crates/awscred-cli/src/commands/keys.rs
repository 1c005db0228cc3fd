//! `awscred keys`: long-term access keys in the key store instead of `~/.aws/credentials`;
//! profiles point at them with `credential_process = awscred keys session --profile NAME`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use awscred_file_cache::FileCache;
use awscred_keystore::KeyStore;
use awscred_profile::{FileKind, Platform, ProfileSet, edit, locate};
use awscred_provider_assume_role::{
    MFA_SESSION_DURATION, SESSION_DURATION, SessionTokenProvider, SharedMfaTokenProvider,
};
use awscred_sts::{CallerIdentity, StsClient};
use awscred_types::{
    Credentials, CredentialsError, Env, ProvideCredentials, ReadCap, SharedProvider, Sources,
};
use zeroize::Zeroizing;

use crate::chain::runtime;
use crate::render::mask_key_id;

/// The `credential_process` line `add` and `migrate` write.
pub(crate) fn session_command(profile: &str) -> String {
    format!("awscred keys session --profile {profile}")
}

pub(crate) use crate::render::session_profile;

const KEY_LINES: [&str; 3] = [
    "aws_access_key_id",
    "aws_secret_access_key",
    "aws_session_token",
];

/// The two profile files: where they are, and their text as read (`None`: missing).
struct Files {
    sources: Sources,
    config: PathBuf,
    credentials: PathBuf,
}

impl Files {
    fn new(sources: &Sources) -> Self {
        let found = locate(&*sources.env, Platform::host());
        Self {
            sources: sources.clone(),
            config: found.config.as_path().to_owned(),
            credentials: found.credentials.as_path().to_owned(),
        }
    }

    fn read(&self, path: &Path) -> Result<Option<String>, CredentialsError> {
        match self.sources.fs.read(path, ReadCap::Config) {
            Ok(bytes) => String::from_utf8(bytes).map(Some).map_err(|_| {
                CredentialsError::invalid_configuration("the file is not UTF-8")
                    .with("file", path.display())
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(
                CredentialsError::invalid_configuration("cannot read the file")
                    .with("file", path.display())
                    .with_source(e),
            ),
        }
    }

    /// Writes `contents` atomically, keeping the file's mode (0600 for a new file), unless the
    /// file no longer holds `expected` (someone changed it since it was read).
    fn write(
        &self,
        path: &Path,
        expected: Option<&str>,
        contents: &str,
    ) -> Result<(), CredentialsError> {
        let now = self.read(path)?;
        if now.as_deref() != expected {
            return Err(CredentialsError::invalid_configuration(
                "the file changed while awscred was editing it; nothing was written to it \
                 (run the command again)",
            )
            .with("file", path.display()));
        }
        let mode = match self.sources.fs.mode(path) {
            Ok(Some(m)) => m & 0o777,
            _ => 0o600,
        };
        self.sources
            .fs
            .write_atomic(path, contents.as_bytes(), mode)
            .map_err(|e| {
                CredentialsError::invalid_configuration("cannot write the file")
                    .with("file", path.display())
                    .with_source(e)
            })
    }

    /// Sets `credential_process = awscred keys session --profile P` in P's config section.
    fn point_at_store(&self, profile: &str) -> Result<(), CredentialsError> {
        let before = self.read(&self.config)?;
        let after = edit::set_property(
            before.as_deref().unwrap_or(""),
            FileKind::Config,
            profile,
            "credential_process",
            &session_command(profile),
        );
        if before.as_deref() == Some(after.as_str()) {
            return Ok(());
        }
        self.write(&self.config, before.as_deref(), &after)
    }

    /// Removes P's `credential_process` line when it is awscred's own; whether it was.
    fn unpoint(&self, profile: &str) -> Result<bool, CredentialsError> {
        let Some(before) = self.read(&self.config)? else {
            return Ok(false);
        };
        let set = ProfileSet::parse(
            Some(awscred_profile::Source::new(
                self.config.display().to_string(),
                before.clone(),
            )),
            None,
        )?;
        let ours = set
            .config_file_profile(profile)
            .and_then(|p| p.get("credential_process"))
            .and_then(session_profile)
            == Some(profile);
        if !ours {
            return Ok(false);
        }
        let (after, _) =
            edit::remove_properties(&before, FileKind::Config, profile, &["credential_process"]);
        self.write(&self.config, Some(&before), &after)?;
        Ok(true)
    }
}

fn sources() -> Sources {
    Sources::system()
}

fn store(sources: &Sources) -> Result<Box<dyn KeyStore>, CredentialsError> {
    awscred_keystore::open(sources)
}

/// `GetCallerIdentity` with `keys`, through the STS endpoint `profile` configures.
fn verify(
    sources: &Sources,
    profile: &str,
    keys: &Credentials,
) -> Result<CallerIdentity, CredentialsError> {
    let set = ProfileSet::load(&*sources.env, &*sources.fs)?;
    let sts = StsClient::builder(sources)
        .profile(&set.view(profile))
        .build()?;
    runtime()?
        .block_on(sts.get_caller_identity(keys))
        .map_err(|e| {
            e.with_message("the keys were refused by STS GetCallerIdentity; nothing was stored")
                .with("profile", profile)
        })
}

/// Stores `keys` and reads them back (the same id and secret, or an error).
fn put_checked(
    store: &dyn KeyStore,
    profile: &str,
    keys: &Credentials,
) -> Result<(), CredentialsError> {
    store.put(profile, keys)?;
    let back = store.get(profile)?;
    let same = back.as_ref().is_some_and(|b| {
        b.access_key_id() == keys.access_key_id()
            && b.secret_access_key() == keys.secret_access_key()
    });
    if !same {
        return Err(CredentialsError::provider_error(
            "the key store did not give back the keys just stored",
        )
        .with("backend", store.backend())
        .with("profile", profile));
    }
    Ok(())
}

/// `awscred keys add PROFILE [--from-env]`.
pub(crate) fn add(profile: &str, from_env: bool) -> Result<(), CredentialsError> {
    let sources = sources();
    // The store first: a locked or missing one fails before anyone types a key.
    let store = store(&sources)?;
    store.ready()?;
    let (id, secret) = if from_env {
        let get = |name: &'static str| {
            sources.env.get(name).map(Zeroizing::new).ok_or_else(|| {
                CredentialsError::invalid_configuration(format!("--from-env: {name} is not set"))
            })
        };
        (get("AWS_ACCESS_KEY_ID")?, get("AWS_SECRET_ACCESS_KEY")?)
    } else {
        let ask = |prompt: &str| {
            awscred_keystore::tty::read_secret(prompt).map_err(|e| {
                CredentialsError::invalid_configuration(format!(
                    "cannot read the keys from the terminal ({e}); use --from-env with \
                     AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
                ))
            })
        };
        (
            ask("Access key id: ")?,
            ask("Secret access key (not shown): ")?,
        )
    };
    let keys = Credentials::new(id.trim(), secret.trim(), awscred_keystore::PROVIDER_NAME)
        .validated()
        .map_err(|e| e.with("profile", profile))?;
    if keys.access_key_id().starts_with("ASIA") {
        return Err(CredentialsError::invalid_configuration(
            "ASIA… keys are temporary (they need a session token): only long-term keys go into \
             the key store",
        )
        .with("profile", profile));
    }
    let who = verify(&sources, profile, &keys)?;
    let keys = Credentials::builder(
        keys.access_key_id(),
        keys.secret_access_key(),
        awscred_keystore::PROVIDER_NAME,
    )
    .account_id(who.account.as_str())
    .build();
    put_checked(&*store, profile, &keys)?;
    let files = Files::new(&sources);
    files.point_at_store(profile)?;
    outln!(
        "stored {} for profile {profile} in the {} key store (account {}, {})",
        mask_key_id(keys.access_key_id()),
        store.backend(),
        who.account,
        who.arn
    );
    outln!(
        "{}: [profile {profile}] credential_process = {}",
        files.config.display(),
        session_command(profile)
    );
    warn_if_plaintext(&files, profile)?;
    Ok(())
}

/// The credentials file still holding keys for `profile` wins over `credential_process`.
fn warn_if_plaintext(files: &Files, profile: &str) -> Result<(), CredentialsError> {
    let set = ProfileSet::load(&*files.sources.env, &*files.sources.fs)?;
    if set
        .credentials_file_profile(profile)
        .is_some_and(|p| p.contains_key("aws_access_key_id"))
    {
        tracing::warn!(
            "{} still holds keys for profile {profile}, and they are used before \
             credential_process: run `awscred keys migrate {profile}` to move them",
            files.credentials.display()
        );
    }
    Ok(())
}

/// `awscred keys list`.
pub(crate) fn list() -> Result<(), CredentialsError> {
    let sources = sources();
    let store = store(&sources)?;
    let names = store.list()?;
    let set = ProfileSet::load(&*sources.env, &*sources.fs)?;
    if names.is_empty() {
        outln!("no keys in the {} key store", store.backend());
        return Ok(());
    }
    for name in names {
        let keys = store.get(&name)?;
        let key = keys
            .as_ref()
            .map_or("(gone)".into(), |k| mask_key_id(k.access_key_id()));
        let wired = set
            .config_file_profile(&name)
            .and_then(|p| p.get("credential_process"))
            .and_then(session_profile)
            == Some(name.as_str());
        let sessions = match &keys {
            Some(k) => sessions_of_key(&sources, &name, k.access_key_id())?,
            None => Vec::new(),
        };
        let session = session_state(&sources, sessions);
        outln!(
            "{name}  {}  {key}  {}  {session}",
            store.backend(),
            if wired {
                "credential_process set"
            } else {
                "not used by any profile (no credential_process line)"
            }
        );
    }
    Ok(())
}

/// `awscred keys remove PROFILE [--sessions-only]`.
pub(crate) fn remove(profile: &str, sessions_only: bool) -> Result<(), CredentialsError> {
    let sources = sources();
    let store = store(&sources)?;
    let cleared = match store.get(profile)? {
        Some(keys) => remove_sessions(&sources, profile, keys.access_key_id())?,
        None => 0,
    };
    if sessions_only {
        outln!("profile {profile}: {cleared} cached session(s) removed");
        return Ok(());
    }
    let existed = store.delete(profile)?;
    let files = Files::new(&sources);
    let unpointed = files.unpoint(profile)?;
    outln!(
        "profile {profile}: {}; {}",
        if existed {
            format!("keys removed from the {} key store", store.backend())
        } else {
            format!("no keys in the {} key store", store.backend())
        },
        if unpointed {
            format!("credential_process removed from {}", files.config.display())
        } else {
            "no awscred credential_process line to remove".into()
        }
    );
    Ok(())
}

/// `awscred keys export PROFILE`: the keys back into `~/.aws/credentials` (the undo).
pub(crate) fn export(profile: &str) -> Result<(), CredentialsError> {
    let sources = sources();
    let store = store(&sources)?;
    let keys = store.get(profile)?.ok_or_else(|| {
        CredentialsError::invalid_configuration("no keys for this profile in the key store")
            .with("backend", store.backend())
            .with("profile", profile)
    })?;
    let files = Files::new(&sources);
    let before = files.read(&files.credentials)?;
    let mut after = before.clone().unwrap_or_default();
    after = edit::set_property(
        &after,
        FileKind::Credentials,
        profile,
        "aws_access_key_id",
        keys.access_key_id(),
    );
    let after = Zeroizing::new(edit::set_property(
        &after,
        FileKind::Credentials,
        profile,
        "aws_secret_access_key",
        keys.secret_access_key(),
    ));
    // Order: the keys are in the file before they leave the store.
    files.write(&files.credentials, before.as_deref(), &after)?;
    files.unpoint(profile)?;
    store.delete(profile)?;
    outln!(
        "profile {profile}: {} is back in {} and removed from the {} key store",
        mask_key_id(keys.access_key_id()),
        files.credentials.display(),
        store.backend()
    );
    Ok(())
}

const MIGRATE_STOP: &str = "AWSCRED_TEST_MIGRATE_STOP_AFTER";

/// One profile `migrate` moves.
struct Move {
    /// The profile in the credentials file.
    from: String,
    /// The store item and the profile that gets `credential_process` (`from`, or
    /// `from-keys` when `from` is its own `source_profile`).
    to: String,
    keys: Credentials,
}

/// `AWSCRED_TEST_MIGRATE_STOP_AFTER=N` (`migrate`) or `AWSCRED_TEST_ROTATE_STOP_AFTER=N`
/// (`rotate`), named by `var`: stop this process (SIGSTOP) after step N, so a test can kill it
/// there, or change what the next step finds and let it go on.
fn step_done(env: &dyn Env, var: &str, step: u32) {
    #[cfg(unix)]
    if env.get(var).and_then(|v| v.parse::<u32>().ok()) == Some(step) {
        let _ =
            rustix::process::kill_process(rustix::process::getpid(), rustix::process::Signal::STOP);
    }
    #[cfg(not(unix))]
    let _ = (env, var, step);
}

/// `awscred keys migrate [PROFILE…|--all] [--dry-run] [--keep-backup]`.
pub(crate) fn migrate(
    profiles: &[String],
    all: bool,
    dry_run: bool,
    keep_backup: bool,
) -> Result<(), CredentialsError> {
    let sources = sources();
    let files = Files::new(&sources);
    let Some(original) = files.read(&files.credentials)?.map(Zeroizing::new) else {
        outln!(
            "{} does not exist: no keys to migrate",
            files.credentials.display()
        );
        return Ok(());
    };
    let set = ProfileSet::load(&*sources.env, &*sources.fs)?;
    let with_keys: Vec<String> = edit::section_names(&original, FileKind::Credentials)
        .into_iter()
        .filter(|name| {
            set.credentials_file_profile(name)
                .is_some_and(|p| p.contains_key("aws_access_key_id"))
        })
        .collect();
    let chosen: Vec<String> = match (all, profiles.is_empty()) {
        (true, true) => with_keys.clone(),
        (false, false) => {
            for p in profiles {
                if !with_keys.contains(p) {
                    return Err(CredentialsError::invalid_configuration(
                        "no aws_access_key_id for this profile in the credentials file",
                    )
                    .with("profile", p)
                    .with("file", files.credentials.display()));
                }
            }
            profiles.to_vec()
        }
        _ => {
            return Err(CredentialsError::invalid_configuration(
                "name the profiles to migrate, or give --all (not both)",
            ));
        }
    };
    let mut moves = Vec::new();
    for name in &chosen {
        let section = set
            .credentials_file_profile(name)
            .expect("chosen from the credentials file");
        if section.contains_key("aws_session_token") {
            outln!(
                "{name}: skipped (it holds a session token: temporary credentials are not \
                 migrated)"
            );
            continue;
        }
        let keys = Credentials::new(
            section.get("aws_access_key_id").unwrap_or_default().trim(),
            section
                .get("aws_secret_access_key")
                .unwrap_or_default()
                .trim(),
            awscred_keystore::PROVIDER_NAME,
        )
        .validated()
        .map_err(|e| e.with("profile", name))?;
        let merged = set.profile(name);
        let source = merged.and_then(|p| p.get("source_profile")).map(str::trim);
        let is_role = merged.is_some_and(|p| p.get("role_arn").is_some());
        let keys_profile = format!("{name}-keys");
        let ours = |profile: &str| {
            set.config_file_profile(profile)
                .and_then(|p| p.get("credential_process"))
                .and_then(session_profile)
                == Some(profile)
        };
        let to = if is_role && (source == Some(name.as_str()) || source == Some(&keys_profile)) {
            // Its own source_profile (or split so by an earlier, interrupted run): botocore
            // reads such a profile's keys as static keys, so they move to a profile of their own.
            if set.profile(&keys_profile).is_some() && !ours(&keys_profile) {
                return Err(CredentialsError::invalid_configuration(
                    "this profile is its own source_profile, and the profile its keys would \
                     move to already exists; nothing was changed",
                )
                .with("profile", name)
                .with("keys profile", &keys_profile));
            }
            keys_profile
        } else {
            name.clone()
        };
        moves.push(Move {
            from: name.clone(),
            to,
            keys,
        });
    }
    if moves.is_empty() {
        outln!("no keys to migrate");
        return Ok(());
    }
    let store = store(&sources)?;
    if !dry_run {
        store.ready()?;
    }
    for m in &moves {
        let split = if m.to != m.from {
            format!(
                " (it is its own source_profile: the keys become profile {}, and {}'s \
                 source_profile points at it)",
                m.to, m.from
            )
        } else {
            String::new()
        };
        outln!(
            "{}: {} → {} key store{split}",
            m.from,
            mask_key_id(m.keys.access_key_id()),
            store.backend()
        );
    }
    if dry_run {
        outln!("dry run: nothing was changed");
        return Ok(());
    }
    // 1. Store each pair and read it back. (Keys: in the file and the store.)
    for m in &moves {
        put_checked(&*store, &m.to, &m.keys)?;
    }
    step_done(&*sources.env, MIGRATE_STOP, 1);
    // 2. The backup, 0600. (In the file, the store and the backup.)
    let backup = {
        let mut p = files.credentials.clone().into_os_string();
        p.push(".awscred-backup");
        PathBuf::from(p)
    };
    sources
        .fs
        .write_atomic(&backup, original.as_bytes(), 0o600)
        .map_err(|e| {
            CredentialsError::invalid_configuration("cannot write the backup")
                .with("file", backup.display())
                .with_source(e)
        })?;
    step_done(&*sources.env, MIGRATE_STOP, 2);
    // 3. The config file points at the store (before the keys leave the credentials file, so
    //    the profile resolves at every step).
    for m in &moves {
        files.point_at_store(&m.to)?;
        if m.to != m.from {
            let before = files.read(&files.config)?;
            let after = edit::set_property(
                before.as_deref().unwrap_or(""),
                FileKind::Config,
                &m.from,
                "source_profile",
                &m.to,
            );
            files.write(&files.config, before.as_deref(), &after)?;
        }
    }
    step_done(&*sources.env, MIGRATE_STOP, 3);
    // 4. Only the key lines go (with their continuations); refused if the file changed.
    let mut rewritten = Zeroizing::new(original.to_string());
    for m in &moves {
        let (text, _) =
            edit::remove_properties(&rewritten, FileKind::Credentials, &m.from, &KEY_LINES);
        *rewritten = text;
    }
    files.write(&files.credentials, Some(&original), &rewritten)?;
    step_done(&*sources.env, MIGRATE_STOP, 4);
    // 5. Verify; 6. the backup goes unless kept or something failed.
    let mut failed = 0;
    for m in &moves {
        match verify(&sources, &m.to, &m.keys) {
            Ok(who) => outln!("{}: verified ({})", m.to, who.arn),
            Err(e) => {
                failed += 1;
                errln!(
                    "awscred: {}: the keys are stored but STS did not accept them: {e}",
                    m.to
                );
            }
        }
    }
    step_done(&*sources.env, MIGRATE_STOP, 5);
    if keep_backup || failed > 0 {
        outln!("backup kept: {}", backup.display());
    } else if let Err(e) = sources.fs.remove(&backup) {
        tracing::warn!("could not remove the backup {}: {e}", backup.display());
    }
    outln!(
        "{} profile{} migrated; undo with `awscred keys export PROFILE`",
        moves.len(),
        if moves.len() == 1 { "" } else { "s" }
    );
    if failed > 0 {
        return Err(CredentialsError::provider_error(format!(
            "{failed} migrated profile(s) could not be verified with STS"
        )));
    }
    Ok(())
}

/// The provider behind `credential_process = awscred keys session --profile NAME`, in process:
/// the profile's keys from the store, exchanged with STS `GetSessionToken` (the profile's
/// `mfa_serial`, a code from `--mfa-code` or the terminal, sessions in `~/.aws/cli/cache` unless
/// `--no-cache`). The CLI's chain uses it in place of running its own command.
pub(crate) struct KeySession {
    profile: String,
    sessions: SessionTokenProvider,
}

impl std::fmt::Debug for KeySession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeySession")
            .field("profile", &self.profile)
            .finish_non_exhaustive()
    }
}

impl KeySession {
    pub(crate) fn new(
        profile: &str,
        duration: Option<Duration>,
        mfa: SharedMfaTokenProvider,
        no_cache: bool,
    ) -> Result<Self, CredentialsError> {
        let sources = sources();
        let set = ProfileSet::load(&*sources.env, &*sources.fs)?;
        let sts = StsClient::builder(&sources)
            .profile(&set.view(profile))
            .build()?;
        let mfa_serial = set
            .profile(profile)
            .and_then(|p| p.get("mfa_serial"))
            .map(str::to_owned);
        // The base is only asked through `session_for` below; `provide_credentials` of the
        // session provider itself is never used.
        let unused: SharedProvider = Arc::new(awscred_types::StaticProvider::new(
            Credentials::new("unused", "unused", "keystore"),
        ));
        let mut builder = SessionTokenProvider::builder(&sources, unused, sts)
            .mfa_serial(mfa_serial)
            .mfa(mfa)
            .file_cache(if no_cache {
                None
            } else {
                FileCache::aws_cli(&*sources.env, sources.fs.clone())
            });
        if let Some(d) = duration {
            builder = builder.duration(d);
        }
        Ok(Self {
            profile: profile.to_owned(),
            sessions: builder.build()?,
        })
    }

    /// The profile's long-term keys from the store (a blocking read: a file backend derives its
    /// key, a Secret Service answers over D-Bus).
    async fn long_term(&self) -> Result<Credentials, CredentialsError> {
        let profile = self.profile.clone();
        tokio::task::spawn_blocking(move || stored(&sources(), &profile))
            .await
            .map_err(|e| {
                CredentialsError::provider_error(format!("the key-store read failed: {e}"))
            })?
    }
}

#[async_trait::async_trait]
impl ProvideCredentials for KeySession {
    async fn provide_credentials(&self) -> Result<Credentials, CredentialsError> {
        let keys = self.long_term().await?;
        self.sessions
            .session_for(keys)
            .await
            .map_err(|e| e.with("profile", &self.profile))
    }
}

/// A key-store profile whose session provider could not be built: the error, at its place in
/// the chain.
#[derive(Debug)]
pub(crate) struct Broken(pub(crate) CredentialsError);

#[async_trait::async_trait]
impl ProvideCredentials for Broken {
    async fn provide_credentials(&self) -> Result<Credentials, CredentialsError> {
        Err(self.0.clone())
    }

    fn needs_runtime(&self) -> bool {
        false
    }
}

/// The keys of `profile` in the chosen store, or an error naming it.
fn stored(sources: &Sources, profile: &str) -> Result<Credentials, CredentialsError> {
    let store = store(sources)?;
    store.get(profile)?.ok_or_else(|| {
        CredentialsError::invalid_configuration(
            "no keys for this profile in the key store (add them with `awscred keys add`)",
        )
        .with("backend", store.backend())
        .with("profile", profile)
    })
}

/// `--duration`: `3600`, `900s`, `45m`, `8h`.
pub(crate) fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let (digits, unit) = match t.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => (&t[..i], &t[i..]),
        None => (t, "s"),
    };
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("not a duration: {text}"))?;
    let secs = match unit {
        "s" => n,
        "m" => n.saturating_mul(60),
        "h" => n.saturating_mul(3600),
        _ => return Err(format!("not a duration: {text} (use s, m or h)")),
    };
    Ok(Duration::from_secs(secs))
}

/// `awscred keys session --profile P [--duration D] [--no-session]`: `credential_process`
/// JSON, a `GetSessionToken` session unless `--no-session` (the long-term keys themselves).
pub(crate) fn session(
    profile: &str,
    duration: Option<Duration>,
    no_session: bool,
    args: &crate::args::SessionArgs,
) -> Result<(), CredentialsError> {
    let creds = if no_session {
        stored(&sources(), profile)?
    } else {
        let provider = KeySession::new(profile, duration, crate::chain::mfa(args), args.no_cache)?;
        runtime()?.block_on(provider.provide_credentials())?
    };
    let text = crate::render::render(&creds, crate::args::Format::Process)?;
    outln!("{}", text.trim_end());
    Ok(())
}

/// A cached session's place in `~/.aws/cli/cache` and its expiry.
type SessionEntry = (awscred_file_cache::CacheKey, Option<std::time::SystemTime>);

/// The sessions `keys session` caches for `profile` made with the key `access_key_id` (the
/// cache key names the key id, the profile's `mfa_serial` and the duration: 1 h and 8 h).
fn sessions_of_key(
    sources: &Sources,
    profile: &str,
    access_key_id: &str,
) -> Result<Vec<SessionEntry>, CredentialsError> {
    let Some(cache) = crate::chain::aws_cli_cache() else {
        return Ok(Vec::new());
    };
    let set = ProfileSet::load(&*sources.env, &*sources.fs)?;
    let serial = set
        .profile(profile)
        .and_then(|p| p.get("mfa_serial"))
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let durations = [SESSION_DURATION, MFA_SESSION_DURATION];
    let entries = cache.entries()?;
    let mut out = Vec::new();
    for d in durations {
        let key = awscred_file_cache::CacheKey::session_token(
            access_key_id,
            serial,
            u32::try_from(d.as_secs()).unwrap_or(u32::MAX),
        );
        if let Some(entry) = entries.iter().find(|e| e.key == key) {
            out.push((key, entry.expiration));
        }
    }
    Ok(out)
}

/// Removes the sessions [`sessions_of_key`] finds: how many there were.
fn remove_sessions(
    sources: &Sources,
    profile: &str,
    access_key_id: &str,
) -> Result<usize, CredentialsError> {
    let Some(cache) = crate::chain::aws_cli_cache() else {
        return Ok(0);
    };
    let entries = sessions_of_key(sources, profile, access_key_id)?;
    for (key, _) in &entries {
        cache.remove(key)?;
    }
    Ok(entries.len())
}

/// What `list`, `explain` and `profiles` say about the cached sessions `entries`.
fn session_state(sources: &Sources, entries: Vec<SessionEntry>) -> String {
    let now = awscred_types::Clock::now(&*sources.clock);
    match entries.into_iter().filter_map(|(_, e)| e).max() {
        Some(e) if e > now => format!(
            "session cached until {} ({})",
            crate::render::rfc3339(e),
            crate::render::remaining(e, now)
        ),
        Some(_) => "session expired".to_owned(),
        None => "no session cached".to_owned(),
    }
}

/// What `explain` and `profiles` say about a key-store profile: the backend and, when the store
/// can be read without asking anyone (a Secret Service, or the file with
/// `AWSCRED_KEYSTORE_PASSPHRASE` set), whether the keys are there and the cached session.
pub(crate) fn describe(profile: &str) -> String {
    let sources = sources();
    let backend = match awscred_keystore::chosen_backend(&sources) {
        Ok(b) => b,
        Err(e) => return format!("key store: {}", e.message()),
    };
    if backend == awscred_keystore::Backend::File
        && sources.env.get(awscred_keystore::PASSPHRASE_VAR).is_none()
    {
        return format!(
            "key store: {backend} (its state needs the passphrase: `awscred keys list`)"
        );
    }
    let found = store(&sources).and_then(|s| s.get(profile));
    match found {
        Err(e) => format!("key store: {backend}: {e}"),
        Ok(None) => {
            format!("key store: {backend}: no keys for {profile} (`awscred keys add {profile}`)")
        }
        Ok(Some(keys)) => {
            let session = session_state(
                &sources,
                sessions_of_key(&sources, profile, keys.access_key_id()).unwrap_or_default(),
            );
            format!(
                "key store: {backend}, key {}, {session}",
                mask_key_id(keys.access_key_id())
            )
        }
    }
}

const ROTATE_STOP: &str = "AWSCRED_TEST_ROTATE_STOP_AFTER";

/// How long `rotate` waits for a new key to be accepted (IAM keys take seconds to propagate).
const PROPAGATION_BUDGET: Duration = Duration::from_secs(30);

/// Errors that mean "this key is not known (yet)": retried while a new key propagates.
const NOT_YET_KNOWN: [&str; 3] = [
    "InvalidClientTokenId",
    "SignatureDoesNotMatch",
    "AuthFailure",
];

/// `f` until it succeeds, an error other than [`NOT_YET_KNOWN`] comes, or
/// [`PROPAGATION_BUDGET`] is spent (waits of 1, 2, 4, 8, 8 … seconds): the result and the
/// number of attempts.
fn while_propagating<T>(
    mut f: impl FnMut() -> Result<T, CredentialsError>,
) -> (Result<T, CredentialsError>, u32) {
    let deadline = std::time::Instant::now() + PROPAGATION_BUDGET;
    let mut wait = Duration::from_secs(1);
    let mut attempts = 0;
    loop {
        attempts += 1;
        let result = f();
        let retry = match &result {
            Err(e) => awscred_sts::StsServiceError::of(e)
                .is_some_and(|s| NOT_YET_KNOWN.contains(&s.code.as_str())),
            Ok(_) => false,
        };
        let now = std::time::Instant::now();
        if !retry || now + wait > deadline {
            return (result, attempts);
        }
        tracing::debug!("the new key is not accepted yet; trying again in {wait:?}");
        std::thread::sleep(wait);
        wait = (wait * 2).min(Duration::from_secs(8));
    }
}

/// A `rotate` failure: what happened to the keys, the step and the profile, and the cause.
fn rotate_error(
    step: &'static str,
    profile: &str,
    what: String,
    cause: CredentialsError,
) -> CredentialsError {
    let base = if cause.is_invalid_configuration() {
        CredentialsError::invalid_configuration(what)
    } else {
        CredentialsError::provider_error(what)
    };
    base.with("step", step)
        .with("profile", profile)
        .with_source(cause)
}

/// `awscred keys rotate PROFILE`, in aws-vault's order: IAM `CreateAccessKey` (signed with the
/// stored key), the new pair stored (and read back), verified with STS `GetCallerIdentity`
/// (retried while it propagates), `DeleteAccessKey` of the old key (signed with the new one),
/// then the old key's cached sessions removed. No step loses a key: a new key that cannot be
/// stored or verified is deleted from IAM again and the old one kept (or the error says what to
/// delete by hand); an old key IAM does not delete stays in IAM, the new one stays stored.
pub(crate) fn rotate(profile: &str) -> Result<(), CredentialsError> {
    let started = std::time::Instant::now();
    let sources = sources();
    let store = store(&sources)?;
    store.ready()?;
    let old = stored(&sources, profile)?;
    let old_id = mask_key_id(old.access_key_id());
    let set = ProfileSet::load(&*sources.env, &*sources.fs)?;
    let view = set.view(profile);
    let sts = StsClient::builder(&sources).profile(&view).build()?;
    let iam = awscred_sts::IamClient::builder(&sources)
        .profile(&view)
        .build()?;
    let rt = runtime()?;

    // 1. Who the stored key is (and that it works): nothing has changed yet.
    let who = rt.block_on(sts.get_caller_identity(&old)).map_err(|e| {
        rotate_error(
            "GetCallerIdentity (the stored key)",
            profile,
            format!("the stored key {old_id} was refused by STS; nothing was changed"),
            e,
        )
    })?;

    // 2. The new key, for the user the stored key belongs to.
    let created = rt
        .block_on(iam.create_access_key(&old, None))
        .map_err(|e| {
            let mut what = format!(
                "IAM did not create a new access key; nothing was changed, the key {old_id} is \
                 still stored"
            );
            if awscred_sts::StsServiceError::of(&e).is_some_and(|s| s.code == "LimitExceeded") {
                let others = rt
                    .block_on(iam.list_access_keys(&old, None))
                    .map(|keys| {
                        keys.iter()
                            .filter(|k| k.access_key_id != old.access_key_id())
                            .map(|k| format!("{} ({})", mask_key_id(&k.access_key_id), k.status))
                            .collect::<Vec<_>>()
                            .join(", ")
                    })
                    .unwrap_or_default();
                what.push_str(&format!(
                    " (IAM allows two keys per user, and {} already has another{}: delete the one \
                     not in use, perhaps left by an interrupted rotate, then run rotate again)",
                    who.arn,
                    if others.is_empty() {
                        String::new()
                    } else {
                        format!(", {others}")
                    }
                ));
            }
            rotate_error("CreateAccessKey", profile, what, e)
        })?;
    let new = Credentials::builder(
        created.credentials.access_key_id(),
        created.credentials.secret_access_key(),
        awscred_keystore::PROVIDER_NAME,
    )
    .account_id(who.account.as_str())
    .build();
    let new_id = mask_key_id(new.access_key_id());
    outln!(
        "profile {profile}: IAM created {new_id} for {} (user {})",
        who.arn,
        created.user_name
    );
    step_done(&*sources.env, ROTATE_STOP, 2);

    // Undoes step 2 (the old key signs: it is still valid), for a new key that cannot be used.
    let undo = |step: &'static str, what: &str, cause: CredentialsError| {
        let deleted = rt.block_on(iam.delete_access_key(&old, new.access_key_id(), None));
        let what = match &deleted {
            Ok(()) => format!(
                "{what}; the new key {new_id} was deleted from IAM again, and the key {old_id} \
                 is still stored and in use"
            ),
            Err(e) => format!(
                "{what}; deleting the new key {new_id} from IAM failed too ({e}): delete it by \
                 hand (IAM console, or `aws iam delete-access-key` for user {}); the key {old_id} \
                 is still stored and in use",
                created.user_name
            ),
        };
        rotate_error(step, profile, what, cause)
    };

    // 3. The new pair in the store, read back.
    if let Err(e) = put_checked(&*store, profile, &new) {
        return Err(undo(
            "store the new key",
            &format!(
                "the new key could not be stored in the {} key store",
                store.backend()
            ),
            e,
        ));
    }
    step_done(&*sources.env, ROTATE_STOP, 3);

    // 4. The new key works (retried while it propagates).
    let (verified, attempts) = while_propagating(|| rt.block_on(sts.get_caller_identity(&new)));
    if let Err(e) = verified {
        let what = "STS did not accept the new key";
        return Err(match put_checked(&*store, profile, &old) {
            Ok(()) => undo("GetCallerIdentity (the new key)", what, e),
            Err(back) => rotate_error(
                "GetCallerIdentity (the new key)",
                profile,
                format!(
                    "{what}, and putting the key {old_id} back into the store failed ({back}): \
                     the store holds the new key {new_id}; both keys are still in IAM"
                ),
                e,
            ),
        });
    }
    outln!(
        "profile {profile}: {new_id} stored in the {} key store and verified with STS ({attempts} \
         attempt{})",
        store.backend(),
        if attempts == 1 { "" } else { "s" }
    );
    step_done(&*sources.env, ROTATE_STOP, 4);

    // 5. The old key goes (signed with the new one, retried while IAM learns it).
    let (deleted, _) =
        while_propagating(|| rt.block_on(iam.delete_access_key(&new, old.access_key_id(), None)));
    if let Err(e) = deleted {
        return Err(rotate_error(
            "DeleteAccessKey (the old key)",
            profile,
            format!(
                "the new key {new_id} is stored and in use, but IAM did not delete the old key \
                 {old_id}: delete it by hand (IAM console, or `aws iam delete-access-key` for \
                 user {})",
                created.user_name
            ),
            e,
        ));
    }
    outln!("profile {profile}: {old_id} deleted from IAM");
    step_done(&*sources.env, ROTATE_STOP, 5);

    // 6. The old key's sessions (the cache key names the key id).
    let cleared = remove_sessions(&sources, profile, old.access_key_id()).map_err(|e| {
        rotate_error(
            "remove the old key's sessions",
            profile,
            format!(
                "the key is rotated ({new_id} stored, {old_id} deleted), but the old key's \
                 cached sessions could not be removed (`awscred cache clear` removes them)"
            ),
            e,
        )
    })?;
    outln!(
        "profile {profile}: rotated in {:.1} s; {cleared} cached session(s) of the old key removed",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
