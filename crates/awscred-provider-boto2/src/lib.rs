//! Credentials from the files of the tools before the AWS CLI, read the way botocore reads them:
//! a boto2 config file (`BOTO_CONFIG`, `/etc/boto.cfg`, `~/.boto`, botocore's `BotoProvider`) and
//! the EC2 API tools' credentials file (`AWS_CREDENTIAL_FILE`, botocore's `OriginalEC2Provider`).
//!
//! This crate provides:
//! - [`Ec2CredentialFileProvider`] (`ec2-credentials-file`): `AWSAccessKeyId` and `AWSSecretKey`
//!   from the `KEY=VALUE` file `AWS_CREDENTIAL_FILE` names (its own table of rules is on the
//!   type).
//! - [`BotoProvider`] (`boto-config`): the `[Credentials]` section of the first boto2 config file
//!   that has an `aws_access_key_id` in it, read through the [`Env`] and [`Fs`](awscred_types::Fs) seams on every
//!   call. Credentials it returns are named `boto-config` ([`PROVIDER_NAME`], botocore's
//!   `Credentials.method`).
//! - The names it uses as constants ([`BOTO_CONFIG`], [`DEFAULT_PATHS`], [`SECTION`],
//!   [`ACCESS_KEY_ID`], [`SECRET_ACCESS_KEY`]).
//!
//! The boto2 rules, in botocore's order:
//!
//! | Situation | Result |
//! |---|---|
//! | `BOTO_CONFIG` set (even to an empty string) | only that path is tried; it **replaces** the defaults |
//! | `BOTO_CONFIG` unset | `/etc/boto.cfg`, then `~/.boto`, in that order |
//! | a file is missing (or is a folder, FIFO or device), has no `[Credentials]` section, or its `aws_access_key_id` is unset or blank | the next path is tried |
//! | no path gave a key id | [`CredentialsError::NotLoaded`] with a `tried` field listing every path and why it was passed over: a chain moves on |
//! | key id set, `aws_secret_access_key` unset or blank | [`CredentialsError::InvalidConfiguration`] (`partial credentials found in boto-config, missing: aws_secret_access_key`, with `file`, `section` and `key`): a chain stops, as botocore's `PartialCredentialsError` does |
//! | both set | credentials, with no session token and no account id (boto2 files have neither) |
//! | a file cannot be read (permissions), is not UTF-8, or does not parse | [`CredentialsError::InvalidConfiguration`] naming the file (and line), never its text |
//!
//! Paths get botocore's `raw_config_parse` treatment: `$VAR` / `${VAR}` (and `%VAR%` on Windows)
//! are expanded, then a leading `~` becomes the home folder, exactly as `awscred-profile`
//! expands `AWS_CONFIG_FILE` (home from [`awscred_profile::home_dir`] on the host
//! [`Platform`], or the one given to [`BotoProviderBuilder::platform`]). With no home folder known,
//! `~/.boto` is left as written and is not found.
//!
//! # boto2 files are Python `configparser` files
//!
//! boto2 (and gsutil, which still writes `~/.boto`) read these files with Python's
//! `configparser`, and so does botocore's `BotoProvider`. This crate parses them with
//! `awscred-profile`'s parser in credentials-file mode (plain `[NAME]` sections), which follows
//! the grammar the AWS SDKs share, and takes the section named exactly `Credentials` (section
//! names are case-sensitive in both). That grammar differs from `configparser` in ways that show
//! in boto2 files; `docs/compatibility.md` lists them all, and these matter most here:
//!
//! - **Inline comments** (` # …`, ` ; …` after a value) are removed; `configparser` keeps them as
//!   part of the value.
//! - **`key : value`** is a parse error (`InvalidConfiguration` naming the file and line) rather
//!   than a key; so is such a line in any other section of the file (`[Boto]`, `[GSUtil]`, …).
//! - **A section or key written twice** is merged (the last key wins) rather than an error.
//! - **`[DEFAULT]`** is a section like any other: its keys are not inherited by `[Credentials]`.
//! - **Indented lines** continue the previous value, even when they start with `#` or `;`.
//! - Sections whose names have characters outside `A-Z a-z 0-9 _ - / . % @ : +` are skipped.
//!
//! A blank `aws_access_key_id` counts as unset (the next file is tried) and a blank secret as
//! missing; botocore takes both empty strings as values.
//!
//! ```
//! use std::sync::Arc;
//! use awscred_provider_boto2::BotoProvider;
//! use awscred_types::{FakeEnv, MemFs, Sources};
//!
//! let fs = MemFs::new().with_file(
//!     "/home/me/.boto",
//!     "[Credentials]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = wJalrEXAMPLE\n",
//! );
//! let env = FakeEnv::new().with("HOME", "/home/me");
//! let sources = Sources::default().with_env(Arc::new(env)).with_fs(Arc::new(fs));
//! let provider = BotoProvider::builder(&sources)
//!     .platform(awscred_profile::Platform::Linux)
//!     .build();
//! let credentials = provider.load()?;
//! assert_eq!(credentials.access_key_id(), "AKIDEXAMPLE");
//! assert_eq!(credentials.provider_name(), "boto-config");
//! # Ok::<(), awscred_types::CredentialsError>(())
//! ```
//!
//! # Where this crate sits
//!
//! One of the `awscred-provider-*` crates: it depends on `awscred-types` and `awscred-profile`
//! (for the parser and the path rules). `awscred-chain` puts the EC2 file provider after the
//! config-file provider and the boto2 provider after it, before the container provider,
//! botocore's order; applications normally reach it through
//! the `awscred` facade.
//!
//! # Feature flags
//!
//! None.
//!
//! # Compiler support
//!
//! The minimum supported Rust version is the workspace `rust-version` (see `docs/MSRV.md`).
#![warn(missing_docs)]

mod ec2;

pub use ec2::{
    AWS_CREDENTIAL_FILE, EC2_ACCESS_KEY_ID, EC2_PROVIDER_NAME, EC2_SECRET_KEY,
    Ec2CredentialFileProvider, Ec2CredentialFileProviderBuilder,
};

use awscred_profile::{FileKind, Platform, ProfileSet, Source, locate};
use awscred_types::{
    Credentials, CredentialsError, Env, ReadCap, Refused, SharedEnv, SharedFs, Sources,
};
use std::fmt;
use std::io;

/// The provider name the credentials carry (botocore's `BotoProvider.METHOD`).
pub const PROVIDER_NAME: &str = "boto-config";
/// The variable naming the one boto2 config file to read instead of [`DEFAULT_PATHS`].
pub const BOTO_CONFIG: &str = "BOTO_CONFIG";
/// The files tried, in order, when [`BOTO_CONFIG`] is unset.
pub const DEFAULT_PATHS: [&str; 2] = ["/etc/boto.cfg", "~/.boto"];
/// The section holding the keys (exact case).
pub const SECTION: &str = "Credentials";
/// The access key id key; its presence (non-blank) is what makes a file apply.
pub const ACCESS_KEY_ID: &str = "aws_access_key_id";
/// The secret access key key; required once [`ACCESS_KEY_ID`] is set.
pub const SECRET_ACCESS_KEY: &str = "aws_secret_access_key";

/// How messages name a boto2 file.
const DESCRIPTION: &str = "boto2 config file";

/// Credentials from a boto2 config file (botocore's `BotoProvider`, method `boto-config`).
///
/// See the [crate documentation](crate) for the rules. The files are read again on every call.
/// `Debug` shows the platform only.
#[derive(Clone)]
pub struct BotoProvider {
    env: SharedEnv,
    fs: SharedFs,
    platform: Platform,
}

/// Why a path was passed over.
enum Skip {
    NotFound,
    NoSection,
    NoKeyId,
}

impl fmt::Display for Skip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::NotFound => "not found",
            Self::NoSection => "no [Credentials] section",
            Self::NoKeyId => "no aws_access_key_id in [Credentials]",
        })
    }
}

/// Configures a [`BotoProvider`]; see [`BotoProvider::builder`].
#[derive(Clone, Debug)]
pub struct BotoProviderBuilder {
    provider: BotoProvider,
}

impl BotoProviderBuilder {
    /// Another platform's path rules (default: the host's; for tests of the Windows rules).
    pub fn platform(mut self, platform: Platform) -> Self {
        self.provider.platform = platform;
        self
    }

    /// Builds the provider.
    pub fn build(self) -> BotoProvider {
        self.provider
    }
}

impl BotoProvider {
    /// A builder reading the environment and the files of `sources`, with the host's path
    /// rules ([`Platform::host`]).
    pub fn builder(sources: &Sources) -> BotoProviderBuilder {
        BotoProviderBuilder {
            provider: Self {
                env: sources.env.clone(),
                fs: sources.fs.clone(),
                platform: Platform::host(),
            },
        }
    }

    /// The paths that will be tried, in order, after `$VAR` and `~` expansion.
    pub fn paths(&self) -> Vec<String> {
        self.candidates().0
    }

    /// The paths, and whether `BOTO_CONFIG` chose them (read once, so both agree).
    fn candidates(&self) -> (Vec<String>, bool) {
        match self.env.var(BOTO_CONFIG) {
            Some(path) => (vec![self.expand(&path)], true),
            None => (
                DEFAULT_PATHS.iter().map(|p| self.expand(p)).collect(),
                false,
            ),
        }
    }

    /// `raw_config_parse`'s `expandvars` then `expanduser`, through `awscred-profile`'s rules
    /// for `AWS_CONFIG_FILE` (which are exactly these), so both kinds of file expand alike.
    fn expand(&self, path: &str) -> String {
        let env = PathAsConfigFile {
            env: &*self.env,
            path,
        };
        locate(&env, self.platform).config.path().to_owned()
    }

    /// Reads the files now and builds credentials, or says why not; the synchronous form of
    /// [`ProvideCredentials::provide_credentials`](awscred_types::ProvideCredentials::provide_credentials).
    pub fn load(&self) -> Result<Credentials, CredentialsError> {
        let (paths, from_env) = self.candidates();
        let mut tried = Vec::with_capacity(paths.len());
        for path in &paths {
            match self.load_file(path)? {
                Ok(credentials) => return Ok(credentials),
                Err(skip) => tried.push(format!("{} ({skip})", shown(path))),
            }
        }
        let mut err =
            CredentialsError::not_loaded("no boto2 config file with credentials was found")
                .with("tried", tried.join(", "));
        if from_env {
            err = err.with(
                "env",
                "BOTO_CONFIG is set, so it replaces the default paths",
            );
        }
        Err(err)
    }

    /// One file: credentials, a reason to try the next file, or an error that stops.
    fn load_file(&self, path: &str) -> Result<Result<Credentials, Skip>, CredentialsError> {
        let bytes = match self.fs.read(path.as_ref(), ReadCap::Config) {
            Ok(bytes) => bytes,
            // botocore's `os.path.isfile` check: a folder, FIFO or device is a missing file.
            Err(e) if e.kind() == io::ErrorKind::NotFound || Refused::is_not_a_file(&e) => {
                return Ok(Err(Skip::NotFound));
            }
            Err(e) => {
                return Err(CredentialsError::invalid_configuration(format!(
                    "could not read the {DESCRIPTION}"
                ))
                .with("file", shown(path))
                .with_source(e));
            }
        };
        let contents = String::from_utf8(bytes).map_err(|e| {
            let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
            CredentialsError::invalid_configuration(format!("the {DESCRIPTION} is not valid UTF-8"))
                .with("file", shown(path))
                .with("line", line)
        })?;
        let set = ProfileSet::parse(None, Some(Source::new(path, contents))).map_err(|e| {
            // The parser names the file it was given as a credentials file; this one is not.
            let message = e
                .message()
                .replacen(FileKind::Credentials.description(), DESCRIPTION, 1);
            e.with_message(message)
        })?;
        let Some(section) = set.credentials_file_profile(SECTION) else {
            return Ok(Err(Skip::NoSection));
        };
        let non_blank = |key| section.get(key).filter(|v| !v.trim().is_empty());
        let Some(access_key_id) = non_blank(ACCESS_KEY_ID) else {
            return Ok(Err(Skip::NoKeyId));
        };
        let Some(secret_access_key) = non_blank(SECRET_ACCESS_KEY) else {
            return Err(CredentialsError::invalid_configuration(format!(
                "partial credentials found in {PROVIDER_NAME}, missing: {SECRET_ACCESS_KEY}"
            ))
            .with("file", shown(path))
            .with("section", SECTION)
            .with("key", SECRET_ACCESS_KEY));
        };
        Ok(Ok(Credentials::new(
            access_key_id,
            secret_access_key,
            PROVIDER_NAME,
        )))
    }
}

/// A path as messages show it (an empty `BOTO_CONFIG` would otherwise vanish).
fn shown(path: &str) -> &str {
    if path.is_empty() { "\"\"" } else { path }
}

/// The environment with `AWS_CONFIG_FILE` set to a boto2 path, so that
/// [`locate`] expands that path with the rules it applies to the config file.
struct PathAsConfigFile<'a> {
    env: &'a dyn Env,
    path: &'a str,
}

impl Env for PathAsConfigFile<'_> {
    fn var(&self, name: &str) -> Option<String> {
        if name == FileKind::Config.env_var() {
            Some(self.path.to_owned())
        } else {
            self.env.var(name)
        }
    }
}

impl fmt::Debug for PathAsConfigFile<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PathAsConfigFile")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl Default for BotoProvider {
    /// A provider reading the real environment and file system ([`Sources::system`]).
    fn default() -> Self {
        Self::builder(&Sources::system()).build()
    }
}

impl fmt::Debug for BotoProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A custom `Env` or `Fs` could show values (secrets) in its `Debug`: show neither.
        f.debug_struct("BotoProvider")
            .field("platform", &self.platform)
            .finish_non_exhaustive()
    }
}

awscred_types::local_provider!(BotoProvider);

#[cfg(test)]
mod tests {
    use super::*;
    use awscred_test::block_on;
    use awscred_types::{FakeEnv, Fs, MemFs};
    use std::sync::Arc;

    fn boto(env: SharedEnv, fs: SharedFs, platform: Platform) -> BotoProvider {
        BotoProvider::builder(&awscred_types::Sources::default().with_env(env).with_fs(fs))
            .platform(platform)
            .build()
    }
    use std::path::Path;

    const SECRET: &str = "hunter2-secret-access-key";

    fn provider(env: &[(&str, &str)], files: &[(&str, &str)]) -> BotoProvider {
        let fs = MemFs::new();
        for (path, contents) in files {
            fs.insert(*path, *contents);
        }
        boto(
            Arc::new(env.iter().copied().collect::<FakeEnv>()),
            Arc::new(fs),
            Platform::Linux,
        )
    }

    fn keys(id: &str) -> String {
        format!("[Credentials]\naws_access_key_id = {id}\naws_secret_access_key = {SECRET}\n")
    }

    #[test]
    fn paths_follow_boto_config_and_home() {
        let home = [("HOME", "/home/me")];
        assert_eq!(
            provider(&home, &[]).paths(),
            ["/etc/boto.cfg", "/home/me/.boto"]
        );
        assert_eq!(provider(&[], &[]).paths(), ["/etc/boto.cfg", "~/.boto"]);
        let custom = [("HOME", "/home/me"), ("D", "/srv"), ("BOTO_CONFIG", "$D/b")];
        assert_eq!(provider(&custom, &[]).paths(), ["/srv/b"]);
        let tilde = [("HOME", "/home/me"), ("BOTO_CONFIG", "~/cfg")];
        assert_eq!(provider(&tilde, &[]).paths(), ["/home/me/cfg"]);
        let windows = boto(
            Arc::new(FakeEnv::new().with("USERPROFILE", r"C:\Users\me")),
            Arc::new(MemFs::new()),
            Platform::Windows,
        );
        assert_eq!(windows.paths(), ["/etc/boto.cfg", r"C:\Users\me\.boto"]);
    }

    #[test]
    fn first_file_with_a_key_id_wins() {
        let p = provider(
            &[("HOME", "/home/me")],
            &[
                ("/etc/boto.cfg", "[Boto]\ndebug = 0\n"),
                ("/home/me/.boto", &keys("AKIDHOME")),
            ],
        );
        let c = p.load().unwrap();
        assert_eq!(c.access_key_id(), "AKIDHOME");
        assert_eq!(c.secret_access_key(), SECRET);
        assert_eq!(c.session_token(), None);
        assert_eq!(c.account_id(), None);
        assert_eq!(c.provider_name(), "boto-config");
    }

    #[test]
    fn errors_name_the_file_and_never_a_value() {
        let partial = format!("[Credentials]\naws_access_key_id = AKID\nx = {SECRET}\n");
        let colon = format!("[Credentials]\naws_secret_access_key : {SECRET}\n");
        let bad_utf8 = "[Credentials]\naws_secret_access_key = hunter2\u{0}\n";
        let cases: [(&str, &[u8], &str, &str); 4] = [
            (
                "/etc/boto.cfg",
                partial.as_bytes(),
                "InvalidConfiguration",
                "partial credentials found in boto-config, missing: aws_secret_access_key",
            ),
            (
                "/etc/boto.cfg",
                colon.as_bytes(),
                "InvalidConfiguration",
                "could not parse the boto2 config file",
            ),
            (
                "/etc/boto.cfg",
                &[b"[Credentials]\n".as_slice(), &[0xff, b'\n']].concat(),
                "InvalidConfiguration",
                "the boto2 config file is not valid UTF-8",
            ),
            (
                "/nowhere",
                bad_utf8.as_bytes(),
                "NotLoaded",
                "no boto2 config file with credentials was found",
            ),
        ];
        for (path, contents, kind, message) in cases {
            let fs = MemFs::new().with_file(path, contents.to_vec());
            let p = boto(
                Arc::new(FakeEnv::new().with("HOME", "/home/me")),
                Arc::new(fs),
                Platform::Linux,
            );
            let err = p.load().unwrap_err();
            assert_eq!(err.kind_name(), kind, "{err}");
            assert!(err.message().starts_with(message), "{err}");
            let shown = format!("{err} {err:?} {err:#?} {p:?}");
            assert!(!shown.contains("hunter2"), "{shown}");
            if kind == "NotLoaded" {
                assert_eq!(
                    err.field("tried"),
                    Some("/etc/boto.cfg (not found), /home/me/.boto (not found)")
                );
            } else {
                assert_eq!(err.field("file"), Some(path));
            }
        }
    }

    /// A file system whose reads fail with a given error.
    #[derive(Debug)]
    struct FailingFs(io::ErrorKind);

    impl Fs for FailingFs {
        fn read(&self, path: &Path, _: ReadCap) -> io::Result<Vec<u8>> {
            Err(io::Error::new(
                self.0,
                format!("{}: refused", path.display()),
            ))
        }
        fn write_atomic(&self, _: &Path, _: &[u8], _: u32) -> io::Result<()> {
            unreachable!("the provider never writes")
        }
        fn remove(&self, _: &Path) -> io::Result<()> {
            unreachable!("the provider never removes")
        }
        fn list(&self, _: &Path) -> io::Result<Vec<std::path::PathBuf>> {
            unreachable!("the provider never lists")
        }
        fn mode(&self, _: &Path) -> io::Result<Option<u32>> {
            unreachable!("the provider never asks for modes")
        }
        fn lock(&self, _: &Path, _: std::time::Duration) -> io::Result<awscred_types::FsLock> {
            unreachable!("the provider never locks")
        }
    }

    #[test]
    fn an_unreadable_file_stops_and_a_folder_is_skipped() {
        let env: SharedEnv = Arc::new(FakeEnv::new().with("HOME", "/home/me"));
        let denied = boto(
            env.clone(),
            Arc::new(FailingFs(io::ErrorKind::PermissionDenied)),
            Platform::host(),
        );
        let err = denied.load().unwrap_err();
        assert!(err.is_invalid_configuration());
        assert_eq!(err.field("file"), Some("/etc/boto.cfg"));
        assert!(err.to_string().ends_with("/etc/boto.cfg: refused"), "{err}");
        let folder = boto(
            env,
            Arc::new(FailingFs(io::ErrorKind::IsADirectory)),
            Platform::Linux,
        );
        assert!(folder.load().unwrap_err().is_not_loaded());
    }

    #[test]
    fn provide_credentials_is_load() {
        let p: awscred_types::SharedProvider = Arc::new(provider(
            &[("BOTO_CONFIG", "/b")],
            &[("/b", &keys("AKIDB"))],
        ));
        assert_eq!(
            block_on(p.provide_credentials()).unwrap().access_key_id(),
            "AKIDB"
        );
    }
}
