//! Which profiles use IAM Identity Center, and their settings (botocore's `SSOProvider` rules).

use awscred_profile::ProfileSet;
use awscred_types::CredentialsError;

/// The settings of an IAM Identity Center profile, after `sso_session` is resolved: read from
/// the profile files ([`SsoSettings::resolve`]) or written as a struct literal (a legacy
/// profile when `session_name` is `None`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SsoSettings {
    /// The profile (for error messages and the login hint).
    pub profile: String,
    /// `sso_start_url`.
    pub start_url: String,
    /// `sso_region`: where the portal and SSO-OIDC are.
    pub region: String,
    /// `sso_account_id`.
    pub account_id: String,
    /// `sso_role_name`.
    pub role_name: String,
    /// `sso_session`, for profiles that use an `[sso-session]` section (refreshable tokens);
    /// `None` for legacy profiles.
    pub session_name: Option<String>,
}

const REQUIRED: &[&str] = &[
    "sso_start_url",
    "sso_region",
    "sso_role_name",
    "sso_account_id",
];

fn invalid(message: String, profile: &str) -> CredentialsError {
    CredentialsError::invalid_configuration(message).with("profile", profile)
}

impl SsoSettings {
    /// `Ok(None)` when `profile` has neither `sso_role_name` nor `sso_account_id` (botocore's
    /// trigger). Otherwise the profile merged with its `[sso-session]`: an unknown session, a
    /// key whose value differs between the two, or a missing key is an error naming them.
    pub fn resolve(profiles: &ProfileSet, profile: &str) -> Result<Option<Self>, CredentialsError> {
        let view = profiles.view(profile);
        let Some(section) = view.section() else {
            return Ok(None);
        };
        if !view.has("sso_role_name") && !view.has("sso_account_id") {
            return Ok(None);
        }
        let mut merged: Vec<(String, String)> = section
            .iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        let session_name = view.get("sso_session").map(str::to_owned);
        if let Some(name) = &session_name {
            let Some(session) = profiles.sso_session(name) else {
                return Err(invalid(
                    format!(
                        "profile {profile:?} names sso_session {name:?}, but there is no \
                         [sso-session {name}] section"
                    ),
                    profile,
                )
                .with("sso_session", name));
            };
            for (k, v) in session.iter() {
                match merged.iter().find(|(mk, _)| mk == k) {
                    Some((_, mine)) if mine != v => {
                        return Err(invalid(
                            format!(
                                "the value for {k} is inconsistent between profile {profile:?} \
                                 ({mine}) and sso-session {name:?} ({v})"
                            ),
                            profile,
                        )
                        .with("sso_session", name)
                        .with("key", k));
                    }
                    Some(_) => {}
                    None => merged.push((k.to_owned(), v.to_owned())),
                }
            }
        }
        let get = |k: &str| {
            merged
                .iter()
                .find(|(mk, v)| mk == k && !v.trim().is_empty())
                .map(|(_, v)| v.trim().to_owned())
        };
        let missing: Vec<&str> = REQUIRED
            .iter()
            .copied()
            .filter(|k| get(k).is_none())
            .collect();
        if !missing.is_empty() {
            return Err(invalid(
                format!(
                    "profile {profile:?} is configured to use SSO but is missing required \
                     configuration: {}",
                    missing.join(", ")
                ),
                profile,
            ));
        }
        Ok(Some(Self {
            profile: profile.to_owned(),
            start_url: get("sso_start_url").unwrap_or_default(),
            region: get("sso_region").unwrap_or_default(),
            account_id: get("sso_account_id").unwrap_or_default(),
            role_name: get("sso_role_name").unwrap_or_default(),
            session_name,
        }))
    }

    /// What to run to log in again.
    /// The name the SSO token cache files this profile's token under: the `sso-session` name,
    /// or the start URL of a legacy profile (`SSOTokenLoader._generate_cache_key`); see
    /// [`SsoTokenCache::path`](awscred_file_cache::SsoTokenCache::path).
    pub fn token_name(&self) -> &str {
        self.session_name.as_deref().unwrap_or(&self.start_url)
    }

    pub(crate) fn login_hint(&self) -> String {
        format!(
            "run `aws sso login --profile {p}` or `awscred sso login --profile {p}`",
            p = self.profile
        )
    }
}
