//! Where MFA codes come from: [`MfaTokenProvider`] and the four ways to answer it.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use awscred_types::CredentialsError;
use zeroize::Zeroizing;

/// A one-time code from an MFA device. Short-lived, but treated as a secret: `Debug` hides it and
/// the memory is wiped on drop.
#[derive(Clone)]
pub struct MfaCode(Zeroizing<String>);

impl MfaCode {
    /// Wraps a code (surrounding whitespace removed).
    pub fn new(code: impl Into<String>) -> Self {
        let code: String = code.into();
        Self(Zeroizing::new(code.trim().to_owned()))
    }

    /// The code, for the `TokenCode` parameter.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// STS wants six digits; anything else is refused before a request is spent on it.
    fn check(self, serial: &str, from: &str) -> Result<Self, CredentialsError> {
        if self.0.len() == 6 && self.0.bytes().all(|b| b.is_ascii_digit()) {
            Ok(self)
        } else {
            Err(CredentialsError::invalid_configuration(format!(
                "the MFA code from {from} is not six digits"
            ))
            .with("mfa_serial", serial))
        }
    }
}

impl fmt::Debug for MfaCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MfaCode(** redacted **)")
    }
}

/// Supplies the `TokenCode` for a role profile with `mfa_serial`.
///
/// The assume-role provider asks once when it first needs a session. When cached sessions run out
/// later (a refresh), it asks again only if [`can_refresh`](Self::can_refresh) says so; otherwise
/// it fails with "MFA code required" instead of prompting in the middle of unattended work.
#[async_trait]
pub trait MfaTokenProvider: fmt::Debug + Send + Sync {
    /// A fresh code for the device `serial`.
    async fn token_code(&self, serial: &str) -> Result<MfaCode, CredentialsError>;

    /// Whether this provider may be asked again when credentials already served need renewing.
    fn can_refresh(&self) -> bool {
        false
    }
}

/// A shareable [`MfaTokenProvider`].
pub type SharedMfaTokenProvider = Arc<dyn MfaTokenProvider>;

/// No way to ask: every request is an error naming the serial. The default, so a library never
/// blocks on a terminal it was not told about.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoMfa;

#[async_trait]
impl MfaTokenProvider for NoMfa {
    async fn token_code(&self, serial: &str) -> Result<MfaCode, CredentialsError> {
        Err(CredentialsError::invalid_configuration(
            "an MFA code is required but there is no way to ask for one (no MFA token provider \
             was configured; in code use AssumeRoleProviderBuilder::mfa, on the command line \
             run interactively or pass --mfa-code)",
        )
        .with("mfa_serial", serial))
    }
}

/// A code given up front (`--mfa-code`, a test). Used once: a refresh that needs another code fails.
#[derive(Clone, Debug)]
pub struct FixedMfa(MfaCode);

impl FixedMfa {
    /// The code to send.
    pub fn new(code: impl Into<String>) -> Self {
        Self(MfaCode::new(code))
    }
}

#[async_trait]
impl MfaTokenProvider for FixedMfa {
    async fn token_code(&self, serial: &str) -> Result<MfaCode, CredentialsError> {
        self.0.clone().check(serial, "the given code")
    }
}

/// Asks a person: `Enter MFA code for <serial>: ` on the controlling terminal, read without echo;
/// when there is no terminal (`/dev/tty` cannot be opened), the prompt goes to standard error and
/// one line is read from standard input. A closed standard input is an error, never a hang.
#[derive(Clone, Debug, Default)]
pub struct PromptMfa {
    allow_refresh: bool,
}

impl PromptMfa {
    /// A prompt that asks once; refreshes that need a new code fail (botocore's behaviour).
    pub fn new() -> Self {
        Self::default()
    }

    /// Also prompt when a long-running process needs to renew an MFA session.
    pub fn allow_refresh(mut self, allow: bool) -> Self {
        self.allow_refresh = allow;
        self
    }
}

#[async_trait]
impl MfaTokenProvider for PromptMfa {
    async fn token_code(&self, serial: &str) -> Result<MfaCode, CredentialsError> {
        let prompt = format!("Enter MFA code for {serial}: ");
        let serial_owned = serial.to_owned();
        let line = tokio::task::spawn_blocking(move || prompt::read_code(&prompt))
            .await
            .map_err(|e| {
                CredentialsError::provider_error(format!("the MFA prompt failed: {e}"))
                    .with("mfa_serial", &serial_owned)
            })?
            .map_err(|e| {
                CredentialsError::invalid_configuration(format!("could not read an MFA code: {e}"))
                    .with("mfa_serial", serial)
            })?;
        MfaCode::new(line.as_str()).check(serial, "the prompt")
    }

    fn can_refresh(&self) -> bool {
        self.allow_refresh
    }
}

/// Runs a command through the shell (`sh -c`, `cmd.exe /c`) and takes the code from its standard
/// output, like aws-vault's `mfa_process` (e.g. `ykman oath accounts code --single aws`). The
/// device serial is passed in `AWS_MFA_SERIAL`. Unattended by nature, so it also answers
/// refreshes.
#[derive(Clone)]
pub struct CommandMfa {
    command: String,
    timeout: Duration,
}

impl fmt::Debug for CommandMfa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CommandMfa")
            .field("command", &"** not shown **")
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl CommandMfa {
    /// The command to run (default time limit one minute).
    pub fn new(command: impl Into<String>) -> Self {
        Self {
            command: command.into(),
            timeout: Duration::from_secs(60),
        }
    }

    /// How long the command may take.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

#[async_trait]
impl MfaTokenProvider for CommandMfa {
    async fn token_code(&self, serial: &str) -> Result<MfaCode, CredentialsError> {
        let mut cmd = if cfg!(windows) {
            let mut c = tokio::process::Command::new("cmd.exe");
            c.arg("/c").arg(&self.command);
            c
        } else {
            let mut c = tokio::process::Command::new("sh");
            c.arg("-c").arg(&self.command);
            c
        };
        cmd.env("AWS_MFA_SERIAL", serial)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::inherit())
            .kill_on_drop(true);
        let fail = |what: String| {
            CredentialsError::provider_error(format!("the MFA command {what}"))
                .with("mfa_serial", serial)
        };
        let output = tokio::time::timeout(self.timeout, cmd.output())
            .await
            .map_err(|_| fail(format!("did not finish within {:?}", self.timeout)))?
            .map_err(|e| fail(format!("could not be started: {e}")))?;
        if !output.status.success() {
            return Err(fail(format!("failed ({})", output.status)));
        }
        let text = Zeroizing::new(String::from_utf8_lossy(&output.stdout).into_owned());
        MfaCode::new(text.as_str()).check(serial, "the MFA command")
    }

    fn can_refresh(&self) -> bool {
        true
    }
}

mod prompt {
    //! The blocking terminal prompt. Terminal I/O is not file-system state, so it sits outside
    //! the `Fs` seam.

    use std::io::{self, BufRead, Write};

    use zeroize::Zeroizing;

    pub(super) fn read_code(prompt: &str) -> io::Result<Zeroizing<String>> {
        if let Some(line) = awscred_types::terminal::read_without_echo(prompt)? {
            return Ok(line);
        }
        let mut err = io::stderr().lock();
        err.write_all(prompt.as_bytes())?;
        err.flush()?;
        let mut line = Zeroizing::new(String::new());
        if io::stdin().lock().read_line(&mut line)? == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "no terminal, and standard input is closed",
            ));
        }
        Ok(line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn fixed_code_is_checked_and_hidden() {
        let code = FixedMfa::new(" 123456\n")
            .token_code("arn:mfa")
            .await
            .unwrap();
        assert_eq!(code.as_str(), "123456");
        assert!(!format!("{code:?}").contains("123456"));
        let err = FixedMfa::new("12345")
            .token_code("arn:mfa")
            .await
            .unwrap_err();
        assert!(err.to_string().contains("six digits"), "{err}");
        assert!(!err.to_string().contains("12345"), "{err}");
        assert!(!FixedMfa::new("123456").can_refresh());
    }

    #[tokio::test]
    async fn no_mfa_names_the_serial() {
        let err = NoMfa.token_code("arn:aws:iam::1:mfa/me").await.unwrap_err();
        let text = err.to_string();
        assert!(text.contains("arn:aws:iam::1:mfa/me"), "{text}");
        assert!(text.contains("no way to ask"), "{text}");
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn command_gets_the_serial_and_its_output_is_the_code() {
        let mfa = CommandMfa::new("test \"$AWS_MFA_SERIAL\" = arn:x && echo 654321");
        assert_eq!(mfa.token_code("arn:x").await.unwrap().as_str(), "654321");
        assert!(mfa.token_code("arn:y").await.is_err());
        assert!(mfa.can_refresh());
        let err = CommandMfa::new("echo nope")
            .token_code("s")
            .await
            .unwrap_err();
        assert!(err.to_string().contains("six digits"), "{err}");
        let err = CommandMfa::new("sleep 5")
            .timeout(Duration::from_millis(100))
            .token_code("s")
            .await
            .unwrap_err();
        assert!(err.to_string().contains("did not finish"), "{err}");
    }
}
