//! The profile-chain planner: profiles in, a base provider and role hops out. No I/O.

use std::fmt;

use awscred_profile::{ProfileSet, Section};
use awscred_types::{Credentials, CredentialsError};

/// Where the first credentials of a chain come from.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BaseProvider {
    /// Static keys from a profile.
    AccessKey(Credentials),
    /// `credential_source`: credentials from the environment, IMDS or the container endpoint.
    NamedSource(CredentialSource),
    /// `role_arn` + `web_identity_token_file`.
    WebIdentity {
        /// The role assumed with the token.
        role_arn: String,
        /// The token file.
        token_file: String,
        /// The session name, if configured.
        role_session_name: Option<String>,
    },
    /// IAM Identity Center (SSO).
    Sso {
        /// `sso_session`, when the profile uses an `[sso-session]` section.
        sso_session: Option<String>,
        /// `sso_region`.
        sso_region: String,
        /// `sso_start_url`.
        sso_start_url: String,
        /// `sso_account_id` (absent for token-only profiles).
        sso_account_id: Option<String>,
        /// `sso_role_name` (absent for token-only profiles).
        sso_role_name: Option<String>,
    },
    /// `login_session`: console sign-in credentials (`awscred-provider-login`).
    Login {
        /// The profile that has `login_session` (its region and endpoint settings apply).
        profile: String,
        /// The session ARN.
        login_session: String,
    },
    /// `credential_process`.
    CredentialProcess {
        /// The command (may carry secrets: never shown by `Debug`).
        command: String,
        /// The profile's `aws_account_id`, the fallback for the process's `AccountId`.
        account_id: Option<String>,
    },
}

impl fmt::Debug for BaseProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::AccessKey(c) => f.debug_tuple("AccessKey").field(c).finish(),
            Self::NamedSource(s) => f.debug_tuple("NamedSource").field(s).finish(),
            Self::WebIdentity {
                role_arn,
                token_file,
                role_session_name,
            } => f
                .debug_struct("WebIdentity")
                .field("role_arn", role_arn)
                .field("token_file", token_file)
                .field("role_session_name", role_session_name)
                .finish(),
            Self::Sso {
                sso_session,
                sso_region,
                sso_start_url,
                sso_account_id,
                sso_role_name,
            } => f
                .debug_struct("Sso")
                .field("sso_session", sso_session)
                .field("sso_region", sso_region)
                .field("sso_start_url", sso_start_url)
                .field("sso_account_id", sso_account_id)
                .field("sso_role_name", sso_role_name)
                .finish(),
            Self::Login {
                profile,
                login_session,
            } => f
                .debug_struct("Login")
                .field("profile", profile)
                .field("login_session", login_session)
                .finish(),
            Self::CredentialProcess { account_id, .. } => f
                .debug_struct("CredentialProcess")
                .field("command", &"** not shown **")
                .field("account_id", account_id)
                .finish(),
        }
    }
}

/// The three `credential_source` values botocore accepts (case-sensitive, as botocore's check).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CredentialSource {
    /// `Environment`: `AWS_ACCESS_KEY_ID` & co., even when a profile was named in code.
    Environment,
    /// `Ec2InstanceMetadata`: IMDS.
    Ec2InstanceMetadata,
    /// `EcsContainer`: the ECS / EKS container endpoint.
    EcsContainer,
}

impl CredentialSource {
    /// The name as written in the config file.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Environment => "Environment",
            Self::Ec2InstanceMetadata => "Ec2InstanceMetadata",
            Self::EcsContainer => "EcsContainer",
        }
    }
}

/// One `AssumeRole` call of a chain.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RoleHop {
    /// The profile that asked for this role.
    pub profile: String,
    /// `role_arn`.
    pub role_arn: String,
    /// `external_id`.
    pub external_id: Option<String>,
    /// `role_session_name` (else the executor generates one).
    pub role_session_name: Option<String>,
    /// `duration_seconds` (900–43,200).
    pub duration_seconds: Option<u32>,
    /// `mfa_serial`.
    pub mfa_serial: Option<String>,
}

/// A plan: the base provider, then the roles to assume in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProfileChain {
    /// Where the first credentials come from.
    pub base: BaseProvider,
    /// Roles to assume, the one closest to the base first; the last is the selected profile's.
    pub roles: Vec<RoleHop>,
}

fn value<'a>(p: &'a Section, key: &str) -> Option<&'a str> {
    p.get(key).map(str::trim).filter(|v| !v.is_empty())
}

fn owned(p: &Section, key: &str) -> Option<String> {
    value(p, key).map(str::to_owned)
}

fn invalid(message: impl Into<String>, profile: &str) -> CredentialsError {
    CredentialsError::invalid_configuration(message.into()).with("profile", profile)
}

fn has_static_keys(p: &Section) -> bool {
    value(p, "aws_access_key_id").is_some() || value(p, "aws_secret_access_key").is_some()
}

fn static_keys(p: &Section) -> Result<Credentials, CredentialsError> {
    let name = p.name();
    match (
        value(p, "aws_access_key_id"),
        value(p, "aws_secret_access_key"),
    ) {
        (Some(id), Some(secret)) => Ok(Credentials::builder(id, secret, "shared-credentials-file")
            .maybe_session_token(
                owned(p, "aws_session_token").or_else(|| owned(p, "aws_security_token")),
            )
            .maybe_account_id(owned(p, "aws_account_id"))
            .build()),
        (Some(_), None) => Err(invalid("profile missing aws_secret_access_key", name)
            .with("key", "aws_secret_access_key")),
        (None, Some(_)) => {
            Err(invalid("profile missing aws_access_key_id", name).with("key", "aws_access_key_id"))
        }
        (None, None) => Err(invalid(
            format!("profile `{name}` did not contain credential information"),
            name,
        )),
    }
}

/// Plans how to get credentials for `selected`. Pure: reads only `profiles`.
pub fn plan(profiles: &ProfileSet, selected: &str) -> Result<ProfileChain, CredentialsError> {
    if profiles.profile_names().len() == 0 {
        return Err(
            CredentialsError::invalid_configuration("No profiles were defined")
                .with("profile", selected),
        );
    }
    let mut visited: Vec<String> = Vec::new();
    let mut roles: Vec<RoleHop> = Vec::new();
    let mut current = selected.to_owned();
    let mut referenced_from: Option<String> = None;
    let base = loop {
        let Some(profile) = profiles.profile(&current) else {
            return Err(match referenced_from {
                Some(from) => invalid(
                    format!(
                        "source_profile {current:?} referenced in profile {from:?} does not exist"
                    ),
                    &from,
                )
                .with("source_profile", &current),
                None => invalid(format!("profile `{current}` was not found"), &current),
            });
        };
        if visited.contains(&current) {
            visited.push(current.clone());
            return Err(invalid(
                format!(
                    "infinite loop in credential configuration: {}",
                    visited.join(" -> ")
                ),
                selected,
            ));
        }
        visited.push(current.clone());
        // A source profile with static keys ends the chain (botocore and the vectors agree).
        if current != selected && has_static_keys(profile) {
            break BaseProvider::AccessKey(static_keys(profile)?);
        }
        let Some(role_arn) = owned(profile, "role_arn") else {
            break base_provider(profiles, profile)?;
        };
        if let Some(token_file) = owned(profile, "web_identity_token_file") {
            break BaseProvider::WebIdentity {
                role_arn,
                token_file,
                role_session_name: owned(profile, "role_session_name"),
            };
        }
        roles.push(role_hop(profile, role_arn)?);
        match (
            owned(profile, "source_profile"),
            owned(profile, "credential_source"),
        ) {
            (Some(_), Some(_)) => {
                return Err(invalid(
                    format!(
                        "profile {current:?} has both source_profile and credential_source; keep one"
                    ),
                    &current,
                ));
            }
            (None, None) => {
                return Err(invalid(
                    format!(
                        "profile {current:?} has role_arn but neither source_profile nor \
                         credential_source; add one to say where the credentials that assume \
                         the role come from"
                    ),
                    &current,
                )
                .with("key", "role_arn"));
            }
            (None, Some(source)) => {
                break BaseProvider::NamedSource(credential_source(&source, &current)?);
            }
            (Some(source), None) if source == current => {
                // Self reference: allowed only with static keys, which are then the source.
                if !has_static_keys(profile) {
                    return Err(invalid(
                        format!(
                            "infinite loop in credential configuration: {current} -> {current} \
                             (a profile may be its own source_profile only when it has static keys)"
                        ),
                        &current,
                    ));
                }
                break BaseProvider::AccessKey(static_keys(profile)?);
            }
            (Some(source), None) => {
                referenced_from = Some(std::mem::replace(&mut current, source));
            }
        }
    };
    roles.reverse();
    Ok(ProfileChain { base, roles })
}

fn credential_source(value: &str, profile: &str) -> Result<CredentialSource, CredentialsError> {
    match value {
        "Environment" => Ok(CredentialSource::Environment),
        "Ec2InstanceMetadata" => Ok(CredentialSource::Ec2InstanceMetadata),
        "EcsContainer" => Ok(CredentialSource::EcsContainer),
        other => Err(invalid(
            format!(
                "the credential source {other:?} is not valid; use Environment, \
                 Ec2InstanceMetadata or EcsContainer (case matters)"
            ),
            profile,
        )
        .with("key", "credential_source")),
    }
}

fn role_hop(profile: &Section, role_arn: String) -> Result<RoleHop, CredentialsError> {
    let duration_seconds = match value(profile, "duration_seconds") {
        None => None,
        Some(raw) => match raw.parse::<u32>() {
            Ok(d) if (900..=43_200).contains(&d) => Some(d),
            _ => {
                return Err(invalid(
                    format!(
                        "duration_seconds must be a whole number from 900 to 43200, not {raw:?}"
                    ),
                    profile.name(),
                )
                .with("key", "duration_seconds"));
            }
        },
    };
    Ok(RoleHop {
        profile: profile.name().to_owned(),
        role_arn,
        external_id: owned(profile, "external_id"),
        role_session_name: owned(profile, "role_session_name"),
        duration_seconds,
        mfa_serial: owned(profile, "mfa_serial"),
    })
}

/// A profile without `role_arn`: web identity (an error without a role), SSO, static keys,
/// `login_session`, `credential_process`, in botocore's profile-provider order.
fn base_provider(profiles: &ProfileSet, p: &Section) -> Result<BaseProvider, CredentialsError> {
    let name = p.name();
    if value(p, "web_identity_token_file").is_some() {
        return Err(invalid(
            "`role_arn` was missing: web_identity_token_file needs it",
            name,
        )
        .with("key", "role_arn"));
    }
    if let Some(sso) = sso(profiles, p)? {
        return Ok(sso);
    }
    if has_static_keys(p) {
        return Ok(BaseProvider::AccessKey(static_keys(p)?));
    }
    if let Some(login_session) = owned(p, "login_session") {
        return Ok(BaseProvider::Login {
            profile: name.to_owned(),
            login_session,
        });
    }
    if let Some(command) = owned(p, "credential_process") {
        return Ok(BaseProvider::CredentialProcess {
            command,
            account_id: owned(p, "aws_account_id"),
        });
    }
    Err(invalid(
        format!("profile `{name}` did not contain credential information"),
        name,
    ))
}

fn sso(profiles: &ProfileSet, p: &Section) -> Result<Option<BaseProvider>, CredentialsError> {
    let name = p.name();
    let keys = [
        "sso_account_id",
        "sso_role_name",
        "sso_start_url",
        "sso_region",
        "sso_session",
    ];
    if keys.iter().all(|k| value(p, k).is_none()) {
        return Ok(None);
    }
    let (account, role) = (owned(p, "sso_account_id"), owned(p, "sso_role_name"));
    let mut region = owned(p, "sso_region");
    let mut start_url = owned(p, "sso_start_url");
    let session = owned(p, "sso_session");
    if let Some(session_name) = &session {
        let Some(section) = profiles.sso_session(session_name) else {
            return Err(invalid(
                format!(
                    "sso-session named `{session_name}` (referenced by profile `{name}`) was not found"
                ),
                name,
            ));
        };
        if region.is_some() {
            return Err(invalid(
                "`sso_region` can only be specified in the [sso-session] config when a session name is given",
                name,
            ));
        }
        let session_url = owned(section, "sso_start_url");
        if let (Some(a), Some(b)) = (&start_url, &session_url)
            && a != b
        {
            return Err(invalid(
                "the value for sso_start_url is inconsistent between the profile and its sso-session",
                name,
            )
            .with("sso_session", session_name));
        }
        region = owned(section, "sso_region");
        start_url = session_url.or(start_url);
    }
    match (&account, &role) {
        (Some(_), None) => {
            return Err(invalid(
                "if `sso_account_id` is set, then `sso_role_name` must also be set",
                name,
            ));
        }
        (None, Some(_)) => {
            return Err(invalid(
                "if `sso_role_name` is set, then `sso_account_id` must also be set",
                name,
            ));
        }
        _ => {}
    }
    let Some(sso_region) = region else {
        return Err(invalid("`sso_region` was missing", name).with("key", "sso_region"));
    };
    let Some(sso_start_url) = start_url else {
        return Err(invalid("`sso_start_url` was missing", name).with("key", "sso_start_url"));
    };
    Ok(Some(BaseProvider::Sso {
        sso_session: session,
        sso_region,
        sso_start_url,
        sso_account_id: account,
        sso_role_name: role,
    }))
}
