//! The profile's token from the SSO token cache (`awscred-file-cache`), with errors that name
//! the profile and say how to log in.

use awscred_file_cache::{SsoToken, SsoTokenCache, SsoTokenError};
use awscred_types::CredentialsError;

use crate::SsoSettings;

/// The cached token of `settings`; a missing or unusable file is an error telling the user to
/// log in.
pub(crate) fn load(
    tokens: &SsoTokenCache,
    settings: &SsoSettings,
) -> Result<SsoToken, CredentialsError> {
    let name = settings.token_name();
    tokens.load(name).map_err(|e| {
        let file = e.path().display().to_string();
        let hint = settings.login_hint();
        let err = match e {
            SsoTokenError::Missing { .. } => CredentialsError::invalid_configuration(format!(
                "no SSO token for {name}: you are not logged in; {hint}"
            )),
            SsoTokenError::Unreadable { source, .. } => {
                CredentialsError::provider_error("could not read the SSO token cache file")
                    .with_source(source)
            }
            SsoTokenError::Invalid { source, .. } => {
                CredentialsError::invalid_configuration(format!(
                    "the SSO token cache file for {name} is invalid (it needs accessToken and \
                     expiresAt); {hint}"
                ))
                .with_source(source)
            }
            SsoTokenError::UnreadableExpiry { expires_at, .. } => {
                CredentialsError::invalid_configuration(format!(
                    "the SSO token cache file for {name} has an unreadable expiresAt \
                     {expires_at:?}; {hint}"
                ))
            }
            other => CredentialsError::provider_error(other.to_string()),
        };
        err.with("profile", &settings.profile).with("file", file)
    })
}
