//! One constructor per provider slot of the default chain, each behind its crate's feature.
//!
//! A provider whose feature is off is `NotConfigured` when nothing asks for it, and
//! `Misconfigured` (stopping the chain with a clear error) when the selected profile or the
//! environment configures it: a build without `process` must not skip a profile's
//! `credential_process` and answer with some other identity.

use std::sync::Arc;

use awscred_profile::ProfileSet;
use awscred_types::{CredentialsError, SharedClock, SharedEnv, SharedFs, SharedProvider};

use crate::default::{Misconfigured, NotConfigured};

/// What a provider built from the selected profile may need.
#[allow(
    dead_code,
    reason = "builds without some provider features leave fields unread"
)]
pub(crate) struct Sources<'a> {
    pub(crate) env: &'a SharedEnv,
    pub(crate) fs: &'a SharedFs,
    pub(crate) clock: &'a SharedClock,
    pub(crate) profiles: &'a Arc<ProfileSet>,
    pub(crate) name: &'a str,
    /// The environment applies (no profile named in code).
    pub(crate) use_env: bool,
    /// Extra variables for `credential_process` commands.
    pub(crate) process_env: &'a [(String, String)],
}

impl Sources<'_> {
    /// STS as botocore configures it for the selected profile: endpoint, region, proxies, CA
    /// bundle, retries.
    #[cfg(any(feature = "assume-role", feature = "web-identity"))]
    fn sts(&self) -> Result<awscred_sts::StsClient, CredentialsError> {
        let values = awscred_sts::SelectedProfileValues::new(self.profiles, self.name);
        awscred_sts::StsClientBuilder::from_sources(&**self.env, &**self.fs, &values)
            .and_then(|b| b.clock(self.clock.clone()).build())
            .map_err(|e| e.with("profile", self.name))
    }

    #[cfg(feature = "imds")]
    fn section(&self) -> Option<awscred_profile::Section> {
        self.profiles.profile(self.name).cloned()
    }
}

pub(crate) fn not_configured(reason: String) -> SharedProvider {
    Arc::new(NotConfigured(reason))
}

/// The selected profile (or environment) asks for `what`, which this build left out.
#[allow(
    dead_code,
    reason = "used only by builds without some provider features"
)]
fn feature_off(feature: &str, what: &str, profile: &str) -> SharedProvider {
    Arc::new(Misconfigured(
        CredentialsError::invalid_configuration(format!(
            "profile {profile:?} uses {what}, but awscred was built without its `{feature}` feature"
        ))
        .with("profile", profile),
    ))
}

/// Assume-role settings given to the chain builder.
#[derive(Debug, Default, Clone)]
pub(crate) struct AssumeRoleSettings {
    #[cfg(feature = "assume-role")]
    pub(crate) mfa: Option<awscred_provider_assume_role::SharedMfaTokenProvider>,
    #[cfg(feature = "assume-role")]
    pub(crate) cache: Option<awscred_file_cache::FileCache>,
}

/// The assume-role slot for a profile with `role_arn`.
pub(crate) fn assume_role(ctx: &Sources<'_>, settings: AssumeRoleSettings) -> SharedProvider {
    #[cfg(feature = "assume-role")]
    {
        match assume_role_provider(ctx, settings) {
            Ok(p) => Arc::new(p),
            Err(e) => Arc::new(Misconfigured(e)),
        }
    }
    #[cfg(not(feature = "assume-role"))]
    {
        let _ = settings;
        feature_off("assume-role", "role_arn", ctx.name)
    }
}

#[cfg(feature = "assume-role")]
fn assume_role_provider(
    ctx: &Sources<'_>,
    settings: AssumeRoleSettings,
) -> Result<awscred_provider_assume_role::AssumeRoleProvider, CredentialsError> {
    use awscred_provider_assume_role::AssumeRoleProvider;
    let plan = awscred_provider_assume_role::plan(ctx.profiles, ctx.name)?;
    let sts = ctx.sts()?;
    // The profile the base comes from: the innermost hop's source_profile (for messages such
    // as an SSO login hint).
    let source_profile = plan
        .roles
        .first()
        .and_then(|hop| ctx.profiles.profile(&hop.profile))
        .and_then(|p| p.get("source_profile"))
        .unwrap_or(ctx.name)
        .to_owned();
    let source = source_provider(ctx, &plan.base, &sts, &source_profile, &settings)?;
    let mut builder = AssumeRoleProvider::builder(plan)
        .source(source)
        .sts(sts)
        .file_cache(settings.cache)
        .clock(ctx.clock.clone());
    if let Some(mfa) = settings.mfa {
        builder = builder.mfa(mfa);
    }
    builder.build()
}

/// The provider for an assume-role chain's base credentials.
#[cfg(feature = "assume-role")]
fn source_provider(
    ctx: &Sources<'_>,
    base: &awscred_provider_assume_role::BaseProvider,
    sts: &awscred_sts::StsClient,
    source_profile: &str,
    shared: &AssumeRoleSettings,
) -> Result<SharedProvider, CredentialsError> {
    use awscred_provider_assume_role::{BaseProvider, CredentialSource};
    let off = |feature: &str, what: &str| -> Result<SharedProvider, CredentialsError> {
        Err(CredentialsError::invalid_configuration(format!(
            "this role chain starts from {what}, but awscred was built without its `{feature}` \
             feature"
        ))
        .with("profile", ctx.name))
    };
    let _ = (&off, sts);
    Ok(match base {
        BaseProvider::AccessKey(c) => Arc::new(awscred_types::StaticProvider::new(c.clone())),
        BaseProvider::NamedSource(CredentialSource::Environment) => {
            Arc::new(awscred_provider_env::EnvProvider::new(ctx.env.clone()))
        }
        BaseProvider::NamedSource(CredentialSource::Ec2InstanceMetadata) => {
            #[cfg(feature = "imds")]
            {
                Arc::new(
                    awscred_provider_imds::ImdsProvider::builder()
                        .env(ctx.env.clone())
                        .profile(ctx.section())
                        .clock(ctx.clock.clone())
                        .build(),
                )
            }
            #[cfg(not(feature = "imds"))]
            return off("imds", "credential_source = Ec2InstanceMetadata");
        }
        BaseProvider::NamedSource(CredentialSource::EcsContainer) => {
            #[cfg(feature = "container")]
            {
                Arc::new(
                    awscred_provider_container::ContainerProvider::builder()
                        .env(ctx.env.clone())
                        .fs(ctx.fs.clone())
                        .build(),
                )
            }
            #[cfg(not(feature = "container"))]
            return off("container", "credential_source = EcsContainer");
        }
        BaseProvider::WebIdentity {
            role_arn,
            token_file,
            role_session_name,
        } => {
            #[cfg(feature = "web-identity")]
            {
                let mut settings =
                    awscred_provider_web_identity::WebIdentitySettings::new(token_file, role_arn);
                settings.role_session_name = role_session_name.clone();
                Arc::new(
                    awscred_provider_web_identity::WebIdentityProvider::new(
                        settings,
                        sts.clone(),
                        ctx.fs.clone(),
                    )
                    .with_clock(ctx.clock.clone()),
                )
            }
            #[cfg(not(feature = "web-identity"))]
            {
                let _ = (role_arn, token_file, role_session_name);
                return off("web-identity", "a web identity token file");
            }
        }
        BaseProvider::CredentialProcess {
            command,
            account_id,
        } => {
            #[cfg(feature = "process")]
            {
                let builder = awscred_provider_process::ProcessProvider::builder(command)
                    .profile_name(ctx.name)
                    .account_id_fallback(account_id.clone());
                Arc::new(
                    ctx.process_env
                        .iter()
                        .fold(builder, |b, (k, v)| b.env(k, v))
                        .build(),
                )
            }
            #[cfg(not(feature = "process"))]
            {
                let _ = (command, account_id);
                return off("process", "credential_process");
            }
        }
        BaseProvider::Sso {
            sso_session,
            sso_region,
            sso_start_url,
            sso_account_id,
            sso_role_name,
        } => {
            #[cfg(feature = "sso")]
            {
                let (Some(account), Some(role)) = (sso_account_id, sso_role_name) else {
                    return Err(CredentialsError::invalid_configuration(
                        "this role chain's source profile uses IAM Identity Center without \
                         sso_account_id and sso_role_name, so it has no role credentials to \
                         start from",
                    )
                    .with("profile", ctx.name));
                };
                let settings = awscred_provider_sso::SsoSettings::new(
                    source_profile,
                    sso_start_url,
                    sso_region,
                    account,
                    role,
                    sso_session.clone(),
                );
                sso_provider(ctx, settings, shared)?
            }
            #[cfg(not(feature = "sso"))]
            {
                let _ = (
                    sso_session,
                    sso_region,
                    sso_start_url,
                    sso_account_id,
                    sso_role_name,
                );
                let _ = (source_profile, shared);
                return off("sso", "an IAM Identity Center profile");
            }
        }
        _ => {
            return Err(CredentialsError::invalid_configuration(
                "this role chain's base provider is not known to this version of awscred-chain",
            )
            .with("profile", ctx.name));
        }
    })
}

/// The IAM Identity Center slot (botocore's `SSOProvider`).
pub(crate) fn sso(ctx: &Sources<'_>, settings: &AssumeRoleSettings) -> SharedProvider {
    #[cfg(feature = "sso")]
    {
        let resolved = awscred_provider_sso::SsoSettings::resolve(ctx.profiles, ctx.name);
        match resolved.and_then(|s| s.map(|s| sso_provider(ctx, s, settings)).transpose()) {
            Ok(Some(p)) => p,
            Ok(None) => not_configured(format!(
                "profile {:?} has no sso_account_id or sso_role_name",
                ctx.name
            )),
            Err(e) => Arc::new(Misconfigured(e)),
        }
    }
    #[cfg(not(feature = "sso"))]
    {
        let _ = settings;
        feature_off(
            "sso",
            "IAM Identity Center (sso_account_id / sso_role_name)",
            ctx.name,
        )
    }
}

#[cfg(feature = "sso")]
fn sso_provider(
    ctx: &Sources<'_>,
    settings: awscred_provider_sso::SsoSettings,
    shared: &AssumeRoleSettings,
) -> Result<SharedProvider, CredentialsError> {
    let builder = awscred_provider_sso::SsoProvider::builder(settings)
        .from_sources(&**ctx.env, ctx.fs.clone(), ctx.profiles)?
        .clock(ctx.clock.clone());
    #[cfg(feature = "assume-role")]
    let builder = builder.role_cache(shared.cache.clone());
    #[cfg(not(feature = "assume-role"))]
    let _ = shared;
    Ok(Arc::new(builder.build()?))
}

/// The web identity slot: `AWS_WEB_IDENTITY_TOKEN_FILE` & co., or the profile's
/// `web_identity_token_file` with `role_arn`.
pub(crate) fn web_identity(ctx: &Sources<'_>) -> SharedProvider {
    #[cfg(feature = "web-identity")]
    {
        use awscred_provider_web_identity::{WebIdentityProvider, WebIdentitySettings};
        let settings = match WebIdentitySettings::resolve(
            &**ctx.env,
            ctx.profiles.profile(ctx.name),
            ctx.use_env,
        ) {
            Ok(Some(s)) => s,
            Ok(None) => return not_configured(NO_TOKEN_FILE.into()),
            Err(e) => return Arc::new(Misconfigured(e)),
        };
        match ctx.sts() {
            Ok(sts) => Arc::new(
                WebIdentityProvider::new(settings, sts, ctx.fs.clone())
                    .with_clock(ctx.clock.clone()),
            ),
            Err(e) => Arc::new(Misconfigured(e)),
        }
    }
    #[cfg(not(feature = "web-identity"))]
    {
        let in_profile = ctx
            .profiles
            .profile(ctx.name)
            .and_then(|s| s.get("web_identity_token_file"))
            .is_some_and(|v| !v.trim().is_empty());
        let in_env = ctx.use_env
            && awscred_types::Env::get(&**ctx.env, "AWS_WEB_IDENTITY_TOKEN_FILE").is_some();
        if in_profile || in_env {
            feature_off("web-identity", "a web identity token file", ctx.name)
        } else {
            not_configured(NO_TOKEN_FILE.into())
        }
    }
}

const NO_TOKEN_FILE: &str =
    "no web identity token file (AWS_WEB_IDENTITY_TOKEN_FILE or web_identity_token_file)";

/// The `credential_process` slot for a profile that has one.
pub(crate) fn process(ctx: &Sources<'_>, command: &str) -> SharedProvider {
    #[cfg(feature = "process")]
    {
        let account_id = ctx
            .profiles
            .profile(ctx.name)
            .and_then(|s| s.get("aws_account_id"))
            .map(str::to_owned);
        let builder = awscred_provider_process::ProcessProvider::builder(command)
            .profile_name(ctx.name)
            .account_id_fallback(account_id);
        Arc::new(
            ctx.process_env
                .iter()
                .fold(builder, |b, (k, v)| b.env(k, v))
                .build(),
        )
    }
    #[cfg(not(feature = "process"))]
    {
        let _ = command;
        feature_off("process", "credential_process", ctx.name)
    }
}

/// The boto2 config slot.
pub(crate) fn boto2(ctx: &Sources<'_>) -> SharedProvider {
    #[cfg(feature = "boto2")]
    {
        Arc::new(awscred_provider_boto2::BotoProvider::new(
            ctx.env.clone(),
            ctx.fs.clone(),
        ))
    }
    #[cfg(not(feature = "boto2"))]
    {
        let _ = ctx;
        not_configured("built without the `boto2` feature".into())
    }
}

/// The container (ECS / EKS Pod Identity) slot.
pub(crate) fn container(ctx: &Sources<'_>) -> SharedProvider {
    #[cfg(feature = "container")]
    {
        Arc::new(
            awscred_provider_container::ContainerProvider::builder()
                .env(ctx.env.clone())
                .fs(ctx.fs.clone())
                .build(),
        )
    }
    #[cfg(not(feature = "container"))]
    {
        let configured = [
            "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        ]
        .iter()
        .any(|k| awscred_types::Env::get(&**ctx.env, k).is_some());
        if configured {
            feature_off("container", "the container credentials endpoint", ctx.name)
        } else {
            not_configured("built without the `container` feature".into())
        }
    }
}

/// The EC2 instance metadata slot.
pub(crate) fn imds(ctx: &Sources<'_>) -> SharedProvider {
    #[cfg(feature = "imds")]
    {
        Arc::new(
            awscred_provider_imds::ImdsProvider::builder()
                .env(ctx.env.clone())
                .profile(ctx.section())
                .clock(ctx.clock.clone())
                .build(),
        )
    }
    #[cfg(not(feature = "imds"))]
    {
        let _ = ctx;
        not_configured("built without the `imds` feature".into())
    }
}
