//! Credentials from an external command: the `credential_process` profile setting.
//!
//! This crate provides:
//! - [`ProcessProvider`], built with [`ProcessProvider::builder`]: a [`ProvideCredentials`] that
//!   runs the command through the platform shell (`sh -c` on Unix, `cmd.exe /d /s /c` on
//!   Windows), with a deadline (60 s by default), and turns its JSON output into credentials
//!   named `custom-process` ([`PROVIDER_NAME`], botocore's `Credentials.method`).
//! - [`ProcessGroup`]: whether the command gets a process group of its own, so that a timeout
//!   kills everything it started, or stays in the caller's, so that it can prompt on the terminal.
//!
//! # Running the command
//!
//! - **Shell.** The command line is given to the shell whole, so pipes, `~` and `$VARIABLES`
//!   work (`credential_process = op read op://vault/aws | jq .`). botocore instead splits it with
//!   `shlex` and runs it without a shell; aws-config uses the shell, as this crate does.
//! - **Streams.** stdin and stderr are inherited: a command can ask for an MFA code and its
//!   diagnostics reach the user's terminal. stdout is captured, up to 1 MiB
//!   ([`MAX_OUTPUT_BYTES`]); more is an error (the command is killed), never an allocation.
//! - **Environment.** The command inherits this process's real environment (as in botocore),
//!   not the [`Env`](awscred_types::Env) seam other providers read.
//! - **Deadline.** When [`ProcessProviderBuilder::timeout`] passes (60 s by default;
//!   botocore has none) the command is killed with `SIGKILL` and the call returns
//!   [`CredentialsError::TimedOut`]. With a process group of its own ([`ProcessGroup`]), the
//!   whole group is killed, so `sleep 30 & wait` leaves nothing behind; the same happens when
//!   the output is too large or the returned future is dropped before it finishes.
//! - **Secrecy.** The command line may carry secrets (`--secret …`), so no error, and no `Debug`
//!   output, ever contains it; errors name the profile instead.
//!
//! # The output
//!
//! stdout must be one JSON object:
//!
//! ```json
//! { "Version": 1, "AccessKeyId": "ASIA…", "SecretAccessKey": "…",
//!   "SessionToken": "…", "Expiration": "2030-01-01T00:00:00Z", "AccountId": "123456789012" }
//! ```
//!
//! `Version` must be the number 1. `AccessKeyId` and `SecretAccessKey` are required non-empty
//! strings. `SessionToken` and `AccountId` are optional strings (empty or `null` counts as
//! absent); without `AccountId`, the profile's `aws_account_id`
//! ([`ProcessProviderBuilder::account_id_fallback`]) is used. `Expiration` is an optional RFC 3339
//! time: without it the credentials never expire; with it, a cache in front of this provider
//! calls again when they do, which runs the command again. Other fields are ignored.
//!
//! Every failure is a [`CredentialsError::ProviderError`] (a chain stops) that names the profile
//! and, for a malformed field, the field: a non-zero exit (`credential_process exited with
//! status 1`; what the command said is already on the terminal), a command that could not be
//! started, output that is not JSON (with serde_json's line and column, never the text), an
//! unsupported `Version`, and each missing, empty or mistyped field. No error repeats a value
//! from the output.
//!
//! ```no_run
//! use awscred_provider_process::ProcessProvider;
//! use awscred_types::ProvideCredentials;
//!
//! # async fn run() -> Result<(), awscred_types::CredentialsError> {
//! let provider = ProcessProvider::builder("aws-vault export --format=json dev")
//!     .profile_name("dev")
//!     .account_id_fallback(Some("123456789012".to_owned()))
//!     .build();
//! let credentials = provider.provide_credentials().await?;
//! assert_eq!(credentials.provider_name(), "custom-process");
//! # Ok(())
//! # }
//! ```
//!
//! Calls need a tokio runtime with the IO and time drivers enabled (`enable_all`). The output is
//! validated by hand over a `serde_json::Value` (rather than with a derived `Deserialize`) because
//! serde's typed errors quote the offending value, which could be a secret.
//!
//! # Where this crate sits
//!
//! One of the `awscred-provider-*` crates: it depends on `awscred-types`, tokio (process, time),
//! serde_json, `time` and, on Unix, rustix (a safe `kill(2)` for the process group; the
//! workspace forbids `unsafe`). `awscred-chain` builds a [`ProcessProvider`] from the
//! selected profile's `credential_process` and `aws_account_id` (or a role chain's source
//! profile's); applications reach it through the `awscred` facade.
//!
//! # Compiler support
//!
//! The minimum supported Rust version is the workspace `rust-version` (see `docs/MSRV.md`).
#![warn(missing_docs)]

mod output;
mod run;

use std::fmt;
use std::io::IsTerminal;
use std::time::Duration;

use awscred_types::{Credentials, CredentialsError, ProvideCredentials};
use zeroize::Zeroizing;

use crate::run::RunError;

/// The provider name the credentials carry (botocore's `ProcessProvider.METHOD`).
pub const PROVIDER_NAME: &str = "custom-process";
/// How long the command may run by default.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// The most the command may write to stdout (1 MiB).
pub const MAX_OUTPUT_BYTES: usize = 1024 * 1024;

/// Whether the command runs in a process group of its own (Unix; ignored elsewhere).
///
/// A command in its own group can be killed together with everything it started, but it is not
/// in the terminal's foreground group, so reading from the terminal stops it (`SIGTTIN`) until
/// the deadline. A command in the caller's group can prompt on the terminal, but on timeout only
/// the shell is killed (with a simple command, most shells `exec` it, so that is the command).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProcessGroup {
    /// [`Shared`](Self::Shared) when stdin is a terminal (someone may have to answer a
    /// prompt, and can press Ctrl-C), [`Separate`](Self::Separate) otherwise. The default.
    #[default]
    Auto,
    /// Always a group of its own.
    Separate,
    /// Always the caller's group.
    Shared,
}

impl ProcessGroup {
    /// Whether the command gets a group of its own, given whether stdin is a terminal.
    pub fn is_separate(self, stdin_is_terminal: bool) -> bool {
        match self {
            Self::Auto => !stdin_is_terminal,
            Self::Separate => true,
            Self::Shared => false,
        }
    }
}

/// Runs `credential_process` and returns the credentials it prints; see the
/// [crate documentation](crate).
///
/// `Debug` shows the profile and settings, never the command line.
#[derive(Clone)]
pub struct ProcessProvider {
    command: Zeroizing<String>,
    profile_name: Option<String>,
    account_id_fallback: Option<String>,
    timeout: Duration,
    process_group: ProcessGroup,
    env: Vec<(String, String)>,
}

/// Configures a [`ProcessProvider`]; see [`ProcessProvider::builder`].
#[derive(Clone)]
pub struct ProcessProviderBuilder {
    provider: ProcessProvider,
}

impl ProcessProvider {
    /// Starts configuring a provider that runs `command` (the `credential_process` value, given
    /// to the shell as it is).
    pub fn builder(command: impl Into<String>) -> ProcessProviderBuilder {
        ProcessProviderBuilder {
            provider: Self {
                command: Zeroizing::new(command.into()),
                profile_name: None,
                account_id_fallback: None,
                timeout: DEFAULT_TIMEOUT,
                process_group: ProcessGroup::Auto,
                env: Vec::new(),
            },
        }
    }

    /// The profile this provider was configured from, if it was given.
    pub fn profile_name(&self) -> Option<&str> {
        self.profile_name.as_deref()
    }

    /// How long the command may run.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Adds the profile to an error, when it is known.
    fn located(&self, err: CredentialsError) -> CredentialsError {
        match &self.profile_name {
            Some(profile) => err.with("profile", profile),
            None => err,
        }
    }

    async fn load(&self) -> Result<Credentials, CredentialsError> {
        if self.command.trim().is_empty() {
            return Err(
                CredentialsError::invalid_configuration("credential_process is empty")
                    .with("key", "credential_process"),
            );
        }
        let separate = self
            .process_group
            .is_separate(std::io::stdin().is_terminal());
        let finished = run::run(
            &self.command,
            &self.env,
            separate,
            self.timeout,
            MAX_OUTPUT_BYTES,
        )
        .await
        .map_err(|e| self.run_error(e))?;
        check_status(finished.status)?;
        output::parse(&finished.stdout, self.account_id_fallback.as_deref())
    }

    fn run_error(&self, err: RunError) -> CredentialsError {
        match err {
            RunError::Spawn(e) => CredentialsError::provider_error(format!(
                "could not start credential_process through {SHELL}"
            ))
            .with_source(e),
            RunError::Io(e) => {
                CredentialsError::provider_error("could not read the output of credential_process")
                    .with_source(e)
            }
            RunError::TooLarge => CredentialsError::provider_error(format!(
                "credential_process wrote more than {MAX_OUTPUT_BYTES} bytes to stdout \
                 and was stopped"
            )),
            RunError::TimedOut => CredentialsError::timed_out(format!(
                "credential_process did not finish within {:?} and was stopped",
                self.timeout
            )),
        }
    }
}

#[cfg(unix)]
const SHELL: &str = "sh -c";
#[cfg(windows)]
const SHELL: &str = "cmd.exe /c";
#[cfg(not(any(unix, windows)))]
const SHELL: &str = "the platform";

/// A non-zero exit (or a death by signal) is an error; what the command said about it went to
/// the terminal, since stderr is inherited.
fn check_status(status: std::process::ExitStatus) -> Result<(), CredentialsError> {
    if status.success() {
        return Ok(());
    }
    let message = match status.code() {
        Some(code @ 126) => format!(
            "credential_process exited with status {code} (the shell found the command but could \
             not run it)"
        ),
        Some(code @ 127) => format!(
            "credential_process exited with status {code} (the shell could not find the command)"
        ),
        Some(code) => format!("credential_process exited with status {code}"),
        None => signal_message(status),
    };
    Err(CredentialsError::provider_error(message))
}

#[cfg(unix)]
fn signal_message(status: std::process::ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match status.signal() {
        Some(signal) => format!("credential_process was killed by signal {signal}"),
        None => "credential_process failed without an exit status".to_owned(),
    }
}

#[cfg(not(unix))]
fn signal_message(_status: std::process::ExitStatus) -> String {
    "credential_process failed without an exit status".to_owned()
}

impl ProcessProviderBuilder {
    /// The profile's `aws_account_id`, used when the output has no `AccountId` (botocore's
    /// `_get_account_id`). Empty or blank counts as none.
    pub fn account_id_fallback(mut self, account_id: Option<String>) -> Self {
        self.provider.account_id_fallback = account_id;
        self
    }

    /// The profile the command comes from; every error names it.
    pub fn profile_name(mut self, profile: impl Into<String>) -> Self {
        self.provider.profile_name = Some(profile.into());
        self
    }

    /// How long the command may run before it is killed (default [`DEFAULT_TIMEOUT`], 60 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.provider.timeout = timeout;
        self
    }

    /// Whether the command gets a process group of its own (default [`ProcessGroup::Auto`]).
    pub fn process_group(mut self, group: ProcessGroup) -> Self {
        self.provider.process_group = group;
        self
    }

    /// Sets `name` to `value` in the command's environment (on top of this process's). The
    /// `awscred` CLI uses it to notice a `credential_process` that would call it back for the
    /// same profile.
    pub fn env(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.provider.env.push((name.into(), value.into()));
        self
    }

    /// Finishes the provider.
    pub fn build(self) -> ProcessProvider {
        self.provider
    }
}

impl fmt::Debug for ProcessProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProcessProvider")
            .field("command", &"** redacted **")
            .field("profile_name", &self.profile_name)
            .field("account_id_fallback", &self.account_id_fallback)
            .field("timeout", &self.timeout)
            .field("process_group", &self.process_group)
            .finish()
    }
}

impl fmt::Debug for ProcessProviderBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ProcessProviderBuilder")
            .field(&self.provider)
            .finish()
    }
}

#[async_trait::async_trait]
impl ProvideCredentials for ProcessProvider {
    async fn provide_credentials(&self) -> Result<Credentials, CredentialsError> {
        self.load().await.map_err(|e| self.located(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_shares_the_group_only_with_a_terminal() {
        assert!(ProcessGroup::Auto.is_separate(false));
        assert!(!ProcessGroup::Auto.is_separate(true));
        assert!(ProcessGroup::Separate.is_separate(true));
        assert!(!ProcessGroup::Shared.is_separate(false));
    }

    #[test]
    fn builder_defaults_and_debug_redacts_the_command() {
        let p = ProcessProvider::builder("helper --secret hunter2")
            .profile_name("dev")
            .build();
        assert_eq!(p.timeout(), DEFAULT_TIMEOUT);
        assert_eq!(p.profile_name(), Some("dev"));
        let b = ProcessProvider::builder("helper --secret hunter2");
        let shown = format!("{p:?} {p:#?} {b:?}");
        assert!(
            !shown.contains("hunter2") && !shown.contains("helper"),
            "{shown}"
        );
        assert!(shown.contains("dev"));
    }
}

/// Entry points for the fuzz targets (`fuzz/`) and their stable smoke tests. Not API.
#[doc(hidden)]
pub mod fuzz {
    /// Parses `bytes` as `credential_process` output; the result is dropped.
    pub fn output(bytes: &[u8]) {
        let _ = crate::output::parse(bytes, Some("123456789012"));
    }
}
