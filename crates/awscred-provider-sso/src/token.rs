//! The profile's token from the SSO token cache (`awscred-file-cache`), with errors that name
//! the profile and say how to log in.

use std::time::{Duration, SystemTime};

use awscred_file_cache::{SsoToken, SsoTokenCache, TokenFileError, format_utc_z};
use awscred_types::CredentialsError;
use serde::Deserialize;
use zeroize::Zeroize as _;

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
            TokenFileError::Missing { .. } => CredentialsError::invalid_configuration(format!(
                "no SSO token for {name}: you are not logged in; {hint}"
            )),
            TokenFileError::Unreadable { source, .. } => {
                CredentialsError::provider_error("could not read the SSO token cache file")
                    .with_source(source)
            }
            TokenFileError::Invalid { source, .. } => {
                let err = CredentialsError::invalid_configuration(format!(
                    "the SSO token cache file for {name} is invalid (it needs accessToken and \
                     expiresAt); {hint}"
                ));
                match source {
                    Some(source) => err.with_source(source),
                    None => err,
                }
            }
            TokenFileError::UnreadableExpiry { expires_at, .. } => {
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

/// SSO-OIDC `CreateToken`'s answer, for every grant (device code, authorization code, refresh).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CreatedToken {
    pub(crate) access_token: String,
    pub(crate) expires_in: u64,
    #[serde(default)]
    pub(crate) refresh_token: Option<String>,
}

impl Drop for CreatedToken {
    fn drop(&mut self) {
        self.access_token.zeroize();
        if let Some(t) = self.refresh_token.as_mut() {
            t.zeroize();
        }
    }
}

impl CreatedToken {
    /// The token file for `settings` holding this answer (received at `now`), from the client
    /// registration `client_id` / `client_secret`, registered until `registration_expires_at`.
    /// As botocore, `refreshToken` is kept only when `CreateToken` returned one.
    pub(crate) fn to_file(
        &self,
        settings: &SsoSettings,
        now: SystemTime,
        client_id: &str,
        client_secret: &str,
        registration_expires_at: String,
    ) -> SsoToken {
        SsoToken {
            start_url: Some(settings.start_url.clone()),
            region: Some(settings.region.clone()),
            access_token: self.access_token.clone(),
            expires_at: format_utc_z(now + Duration::from_secs(self.expires_in)),
            client_id: Some(client_id.to_owned()),
            client_secret: Some(client_secret.to_owned()),
            registration_expires_at: Some(registration_expires_at),
            refresh_token: self.refresh_token.clone(),
        }
    }
}

/// The `error` code of an SSO-OIDC error answer (`authorization_pending`, `invalid_grant`, …),
/// printable and cut to 64 characters; `None` when the body holds none.
pub(crate) fn oidc_error_code(body: &[u8]) -> Option<String> {
    let answer = serde_json::from_slice::<serde_json::Value>(body).ok()?;
    let code = answer.get("error")?.as_str()?;
    Some(awscred_types::printable(code, 64))
}
