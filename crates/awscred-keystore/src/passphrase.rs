//! Where the file backend's passphrase comes from.

use std::fmt;

use awscred_types::{CredentialsError, Env};
use zeroize::Zeroizing;

/// The variable the passphrase is read from before any prompt.
pub const PASSPHRASE_VAR: &str = "AWSCRED_KEYSTORE_PASSPHRASE";

/// The file backend's passphrase: given, from `AWSCRED_KEYSTORE_PASSPHRASE`, or asked for on
/// the controlling terminal (`/dev/tty`, without echo). `Debug` never shows it.
#[derive(Clone, Default)]
pub enum Passphrase {
    /// `AWSCRED_KEYSTORE_PASSPHRASE` when set, else the terminal prompt.
    #[default]
    EnvOrPrompt,
    /// This passphrase.
    Given(Zeroizing<String>),
}

impl fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::EnvOrPrompt => f.write_str("EnvOrPrompt"),
            Self::Given(_) => f.write_str("Given(** not shown **)"),
        }
    }
}

impl Passphrase {
    /// A fixed passphrase.
    pub fn given(passphrase: impl Into<String>) -> Self {
        Self::Given(Zeroizing::new(passphrase.into()))
    }

    /// The passphrase; `confirm` asks twice on a prompt (a new file). Empty is refused.
    pub(crate) fn get(
        &self,
        env: &dyn Env,
        file: &str,
        confirm: bool,
    ) -> Result<Zeroizing<String>, CredentialsError> {
        let value = match self {
            Self::Given(p) => p.clone(),
            Self::EnvOrPrompt => match env.var(PASSPHRASE_VAR) {
                Some(p) => Zeroizing::new(p),
                None => prompt(file, confirm)?,
            },
        };
        if value.is_empty() {
            return Err(CredentialsError::invalid_configuration(
                "the key-store passphrase is empty",
            )
            .with("file", file));
        }
        Ok(value)
    }
}

fn prompt(file: &str, confirm: bool) -> Result<Zeroizing<String>, CredentialsError> {
    let no_terminal = |e: std::io::Error| {
        CredentialsError::invalid_configuration(format!(
            "no key-store passphrase: {PASSPHRASE_VAR} is not set and the terminal could not \
             be read ({e})"
        ))
        .with("file", file)
    };
    let first = tty::read_secret(&format!("Passphrase for the awscred key store {file}: "))
        .map_err(no_terminal)?;
    if confirm {
        let again = tty::read_secret("Repeat the passphrase: ").map_err(no_terminal)?;
        if *again != *first {
            return Err(CredentialsError::invalid_configuration(
                "the two passphrases differ; nothing was written",
            )
            .with("file", file));
        }
    }
    Ok(first)
}

/// Reads one line without echo from the controlling terminal; the line ending is removed.
pub mod tty {
    use std::io;

    use zeroize::Zeroizing;

    /// `prompt`, then one line read without echo from `/dev/tty` (an error when there is no
    /// controlling terminal: secrets are never read from a pipe by accident).
    pub fn read_secret(prompt: &str) -> io::Result<Zeroizing<String>> {
        let mut line = awscred_types::terminal::read_without_echo(prompt)?.ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::NotFound,
                "no controlling terminal (/dev/tty)",
            )
        })?;
        if line.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the terminal closed",
            ));
        }
        while line.ends_with('\n') || line.ends_with('\r') {
            line.pop();
        }
        Ok(line)
    }
}
