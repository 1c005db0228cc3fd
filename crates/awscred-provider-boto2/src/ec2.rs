//! The EC2 API tools' credentials file (`AWS_CREDENTIAL_FILE`), botocore's `OriginalEC2Provider`.

use awscred_profile::{Platform, expand_user};
use awscred_types::{Credentials, CredentialsError, ReadCap, SharedEnv, SharedFs, Sources};
use std::collections::HashMap;
use std::fmt;

/// The provider name the credentials carry (botocore's `OriginalEC2Provider.METHOD`).
pub const EC2_PROVIDER_NAME: &str = "ec2-credentials-file";
/// The variable naming the file; when it is unset the provider does not apply.
pub const AWS_CREDENTIAL_FILE: &str = "AWS_CREDENTIAL_FILE";
/// The access key id key; its presence (non-blank) is what makes the file apply.
pub const EC2_ACCESS_KEY_ID: &str = "AWSAccessKeyId";
/// The secret access key key; required once [`EC2_ACCESS_KEY_ID`] is set.
pub const EC2_SECRET_KEY: &str = "AWSSecretKey";

/// How messages name the file.
const DESCRIPTION: &str = "EC2 credentials file (AWS_CREDENTIAL_FILE)";

/// Credentials from the file `AWS_CREDENTIAL_FILE` names, in the EC2 API tools' `KEY=VALUE`
/// format (botocore's `OriginalEC2Provider`, method `ec2-credentials-file`).
///
/// | Situation | Result |
/// |---|---|
/// | `AWS_CREDENTIAL_FILE` unset | [`CredentialsError::NotLoaded`]: a chain moves on |
/// | set (even empty), the file missing or unreadable (a folder, no permission) | [`CredentialsError::InvalidConfiguration`] naming the file: a chain stops (botocore's `ConfigNotFound`) |
/// | the file has no `AWSAccessKeyId`, or a blank one | [`CredentialsError::NotLoaded`] naming the file |
/// | `AWSAccessKeyId` set, `AWSSecretKey` missing or blank | [`CredentialsError::InvalidConfiguration`] (`partial credentials found in ec2-credentials-file, missing: AWSSecretKey`) |
/// | both set | credentials with no session token, account id or expiry |
///
/// Parsing is botocore's `parse_key_val_file_contents`: only lines with a `=` count, split at the
/// first `=`, key and value trimmed, the last of a repeated key wins; key names are
/// case-sensitive. The path gets `~` expanded (`os.path.expanduser`), no `$VAR`. The file is
/// read again on every call. `Debug` shows the platform only.
#[derive(Clone)]
pub struct Ec2CredentialFileProvider {
    env: SharedEnv,
    fs: SharedFs,
    platform: Platform,
}

/// Configures an [`Ec2CredentialFileProvider`]; see [`Ec2CredentialFileProvider::builder`].
#[derive(Clone, Debug)]
pub struct Ec2CredentialFileProviderBuilder {
    provider: Ec2CredentialFileProvider,
}

impl Ec2CredentialFileProviderBuilder {
    /// Another platform's `~` rules (default: the host's).
    pub fn platform(mut self, platform: Platform) -> Self {
        self.provider.platform = platform;
        self
    }

    /// Builds the provider.
    pub fn build(self) -> Ec2CredentialFileProvider {
        self.provider
    }
}

impl Ec2CredentialFileProvider {
    /// A builder reading the environment and the files of `sources`.
    pub fn builder(sources: &Sources) -> Ec2CredentialFileProviderBuilder {
        Ec2CredentialFileProviderBuilder {
            provider: Self {
                env: sources.env.clone(),
                fs: sources.fs.clone(),
                platform: Platform::host(),
            },
        }
    }

    /// The file that will be read (after `~` expansion), or `None` when `AWS_CREDENTIAL_FILE`
    /// is unset.
    pub fn path(&self) -> Option<String> {
        self.env
            .var(AWS_CREDENTIAL_FILE)
            .map(|p| expand_user(&p, &*self.env, self.platform))
    }

    /// Reads the file now and builds credentials, or says why not; the synchronous form of
    /// [`ProvideCredentials::provide_credentials`](awscred_types::ProvideCredentials::provide_credentials).
    pub fn load(&self) -> Result<Credentials, CredentialsError> {
        let Some(path) = self.path() else {
            return Err(CredentialsError::not_loaded(format!(
                "{AWS_CREDENTIAL_FILE} is not set"
            )));
        };
        let shown = if path.is_empty() { "\"\"" } else { &path };
        let bytes = self.fs.read(path.as_ref(), ReadCap::Config).map_err(|e| {
            let what = match e.kind() {
                std::io::ErrorKind::NotFound => "could not be found",
                _ => "could not be read",
            };
            CredentialsError::invalid_configuration(format!("the {DESCRIPTION} {what}"))
                .with("file", shown)
                .with("env", AWS_CREDENTIAL_FILE)
                .with_source(e)
        })?;
        let contents = String::from_utf8(bytes).map_err(|_| {
            CredentialsError::invalid_configuration(format!("the {DESCRIPTION} is not valid UTF-8"))
                .with("file", shown)
        })?;
        let values = parse_key_val(&contents);
        let non_blank = |key| values.get(key).copied().filter(|v: &&str| !v.is_empty());
        let Some(access_key_id) = non_blank(EC2_ACCESS_KEY_ID) else {
            return Err(CredentialsError::not_loaded(format!(
                "the {DESCRIPTION} has no {EC2_ACCESS_KEY_ID}"
            ))
            .with("file", shown)
            .with("key", EC2_ACCESS_KEY_ID));
        };
        let Some(secret) = non_blank(EC2_SECRET_KEY) else {
            return Err(CredentialsError::invalid_configuration(format!(
                "partial credentials found in {EC2_PROVIDER_NAME}, missing: {EC2_SECRET_KEY}"
            ))
            .with("file", shown)
            .with("key", EC2_SECRET_KEY));
        };
        Ok(Credentials::new(access_key_id, secret, EC2_PROVIDER_NAME))
    }
}

/// botocore's `parse_key_val_file_contents`: Python's `str.splitlines`, lines with a `=` only,
/// split at the first one, both sides `strip()`ped, the last repeated key wins.
fn parse_key_val(contents: &str) -> HashMap<&str, &str> {
    // The line boundaries of Python's `str.splitlines` (`\r\n` splits twice, giving an empty line
    // in between, which has no `=` and so does not matter).
    let boundary = |c: char| {
        matches!(
            c,
            '\n' | '\r'
                | '\u{0b}'
                | '\u{0c}'
                | '\u{1c}'
                | '\u{1d}'
                | '\u{1e}'
                | '\u{85}'
                | '\u{2028}'
                | '\u{2029}'
        )
    };
    contents
        .split(boundary)
        .filter_map(|line| line.split_once('='))
        .map(|(k, v)| (k.trim(), v.trim()))
        .collect()
}

impl Default for Ec2CredentialFileProvider {
    /// A provider reading the real environment and file system ([`Sources::system`]).
    fn default() -> Self {
        Self::builder(&Sources::system()).build()
    }
}

impl fmt::Debug for Ec2CredentialFileProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ec2CredentialFileProvider")
            .field("platform", &self.platform)
            .finish_non_exhaustive()
    }
}

awscred_types::local_provider!(Ec2CredentialFileProvider);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_as_botocore_does() {
        let v = parse_key_val(
            "# comment = kept as a key\r\n AWSAccessKeyId = AK=ID \nno equals\u{2028}AWSSecretKey=s\nAWSSecretKey=t",
        );
        assert_eq!(v.get("AWSAccessKeyId"), Some(&"AK=ID"));
        assert_eq!(v.get("AWSSecretKey"), Some(&"t"));
        assert_eq!(v.get("# comment"), Some(&"kept as a key"));
        assert_eq!(v.len(), 3);
    }
}
