//! Static keys in a profile section: the rule botocore's file providers share.

use awscred_profile::Section;
use awscred_types::{Credentials, CredentialsError};

/// The access key id key; its presence (non-blank) is what makes a profile hold static keys.
pub const ACCESS_KEY_ID: &str = "aws_access_key_id";
/// The secret access key key; required once [`ACCESS_KEY_ID`] is set.
pub const SECRET_ACCESS_KEY: &str = "aws_secret_access_key";
/// The legacy session token key, read before [`SESSION_TOKEN`] (botocore's order).
pub const SECURITY_TOKEN: &str = "aws_security_token";
/// The session token key.
pub const SESSION_TOKEN: &str = "aws_session_token";
/// The account id key.
pub const ACCOUNT_ID: &str = "aws_account_id";

/// The value of `key` (any case), unless it is unset, empty or whitespace-only.
fn non_blank<'a>(section: &'a Section, key: &str) -> Option<&'a str> {
    section.get(key).filter(|v| !v.trim().is_empty())
}

/// The static credentials a profile section holds, as botocore's `SharedCredentialProvider` and
/// `ConfigProvider` read them (and as a role's `source_profile` with keys is read).
///
/// - `Ok(None)`: no [`ACCESS_KEY_ID`] (unset, empty or whitespace-only). The section does not
///   hold static keys; a provider reports [`CredentialsError::NotLoaded`].
/// - `Err(`[`CredentialsError::InvalidConfiguration`]`)`: a key id without a
///   [`SECRET_ACCESS_KEY`] (unset or blank): `partial credentials found in {provider_name},
///   missing: aws_secret_access_key`, with the fields `profile`, `file` (`file_path`) and `key`.
///   This is botocore's `PartialCredentialsError`, which stops a chain.
/// - `Ok(Some(_))`: credentials named `provider_name`, with the session token from the first
///   non-blank of [`SECURITY_TOKEN`] and [`SESSION_TOKEN`] (the legacy name wins, as in botocore)
///   and the account id from [`ACCOUNT_ID`].
///
/// Keys are matched in any case (`AWS_ACCESS_KEY_ID = …` works, as in botocore). Values are used
/// as the profile parser gives them (trimmed). The error never contains a value.
///
/// ```
/// use awscred_profile::{ProfileSet, Source};
/// use awscred_provider_profile::static_keys;
///
/// let file = "[dev]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = wJalrEXAMPLE\n";
/// let set = ProfileSet::parse(None, Some(Source::new("/home/me/.aws/credentials", file)))?;
/// let dev = set.credentials_file_profile("dev").expect("dev is there");
/// let keys = static_keys(dev, "/home/me/.aws/credentials", "dev", "shared-credentials-file")?;
/// assert_eq!(keys.map(|c| c.access_key_id().to_owned()).as_deref(), Some("AKIDEXAMPLE"));
/// # Ok::<(), awscred_types::CredentialsError>(())
/// ```
pub fn static_keys(
    section: &Section,
    file_path: &str,
    profile: &str,
    provider_name: &'static str,
) -> Result<Option<Credentials>, CredentialsError> {
    let Some(access_key_id) = non_blank(section, ACCESS_KEY_ID) else {
        return Ok(None);
    };
    let Some(secret_access_key) = non_blank(section, SECRET_ACCESS_KEY) else {
        return Err(CredentialsError::invalid_configuration(format!(
            "partial credentials found in {provider_name}, missing: {SECRET_ACCESS_KEY}"
        ))
        .with("profile", profile)
        .with("file", file_path)
        .with("key", SECRET_ACCESS_KEY));
    };
    let session_token =
        non_blank(section, SECURITY_TOKEN).or_else(|| non_blank(section, SESSION_TOKEN));
    Ok(Some(
        Credentials::builder(access_key_id, secret_access_key, provider_name)
            .maybe_session_token(session_token.map(str::to_owned))
            .maybe_account_id(non_blank(section, ACCOUNT_ID).map(str::to_owned))
            .build(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use awscred_profile::{ProfileSet, Source};

    const SECRET: &str = "hunter2-secret-access-key";
    const TOKEN: &str = "hunter2-session-token";

    fn keys_of(body: &str) -> Result<Option<Credentials>, CredentialsError> {
        let text = format!("[p]\n{body}");
        let set = ProfileSet::parse(None, Some(Source::new("/c", text))).unwrap();
        let section = set.credentials_file_profile("p").unwrap().clone();
        static_keys(&section, "/c", "p", "test-provider")
    }

    #[test]
    fn no_key_id_is_none_whatever_else_is_there() {
        for body in [
            "",
            "aws_access_key_id =\naws_secret_access_key = hunter2-secret-access-key\n",
            "aws_secret_access_key = hunter2-secret-access-key\naws_session_token = t\n",
            "region = eu-west-1\n",
        ] {
            assert!(keys_of(body).unwrap().is_none(), "{body:?}");
        }
    }

    #[test]
    fn missing_or_blank_secret_is_partial_credentials_without_values() {
        for body in [
            "aws_access_key_id = AKID\naws_session_token = hunter2-session-token\n",
            "aws_access_key_id = AKID\naws_secret_access_key =\n",
        ] {
            let err = keys_of(body).unwrap_err();
            assert!(err.is_invalid_configuration());
            assert_eq!(
                err.message(),
                "partial credentials found in test-provider, missing: aws_secret_access_key"
            );
            assert_eq!(err.field("profile"), Some("p"));
            assert_eq!(err.field("file"), Some("/c"));
            assert_eq!(err.field("key"), Some("aws_secret_access_key"));
            let shown = format!("{err} {err:?} {err:#?}");
            assert!(
                !shown.contains("hunter2") && !shown.contains("AKID"),
                "{shown}"
            );
        }
    }

    #[test]
    fn token_order_account_id_and_provider_name() {
        let full = format!(
            "aws_access_key_id = AKID\naws_secret_access_key = {SECRET}\n\
             aws_session_token = {TOKEN}\naws_security_token = legacy\naws_account_id = 123\n"
        );
        let c = keys_of(&full).unwrap().unwrap();
        assert_eq!(c.access_key_id(), "AKID");
        assert_eq!(c.secret_access_key(), SECRET);
        assert_eq!(c.session_token(), Some("legacy"));
        assert_eq!(c.account_id(), Some("123"));
        assert_eq!(c.provider_name(), "test-provider");
        assert_eq!(c.expiry(), None);

        let blank_legacy = format!(
            "aws_access_key_id = AKID\naws_secret_access_key = {SECRET}\n\
             aws_security_token =\naws_session_token = {TOKEN}\naws_account_id =\n"
        );
        let c = keys_of(&blank_legacy).unwrap().unwrap();
        assert_eq!(c.session_token(), Some(TOKEN));
        assert_eq!(c.account_id(), None);
    }
}
