//! The provider slots of the default chain, each built once from one [`Ctx`].
//!
//! An optional provider whose feature is off is `NotConfigured` when nothing asks for it, and
//! `Misconfigured` (stopping the chain with an error naming the feature) when the selected
//! profile or the environment configures it: a build without `process` must not skip a
//! profile's `credential_process` and answer with some other identity.
#![allow(
    unused_variables,
    unused_imports,
    dead_code,
    reason = "some builds leave inputs and helpers unused"
)]

use std::sync::Arc;

use awscred_profile::{ProfileSet, ProfileView};
use awscred_types::{CredentialsError, SharedProvider, Sources};

use crate::default::{AssumeRoleSettings, built, not_configured, off, slot};

/// Everything a slot is built from.
pub(crate) struct Ctx<'a> {
    pub(crate) sources: &'a Sources,
    pub(crate) profiles: &'a Arc<ProfileSet>,
    /// The selected profile, and its name.
    pub(crate) view: ProfileView<'a>,
    pub(crate) name: &'a str,
    /// The environment applies (no profile named in code).
    pub(crate) use_env: bool,
    /// Extra variables for `credential_process` commands.
    pub(crate) process_env: &'a [(String, String)],
    /// Commands answered in process.
    pub(crate) process_override: Option<&'a crate::default::ProcessOverride>,
    pub(crate) assume_role: &'a AssumeRoleSettings,
}

/// The providers a role chain may start from that are also slots: built once, used twice.
pub(crate) struct Shared {
    pub(crate) env: SharedProvider,
    pub(crate) container: SharedProvider,
    pub(crate) imds: SharedProvider,
}

const NO_TOKEN_FILE: &str =
    "no web identity token file (AWS_WEB_IDENTITY_TOKEN_FILE or web_identity_token_file)";

impl Ctx<'_> {
    /// STS as botocore configures it for the selected profile (endpoint, region, proxies, CA
    /// bundle, retries).
    #[cfg(any(feature = "assume-role", feature = "web-identity"))]
    pub(crate) fn sts(&self) -> Result<awscred_sts::StsClient, CredentialsError> {
        let sts = awscred_sts::StsClient::builder(self.sources).profile(&self.view);
        sts.build().map_err(|e| e.with("profile", self.name))
    }

    /// The slots that are also role-chain bases.
    pub(crate) fn shared(&self) -> Shared {
        let s = self.sources;
        let vars = [
            "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        ];
        let container = feature!(
            "container",
            built(awscred_provider_container::ContainerProvider::builder(s).build()),
            Ok(self.off_if(
                vars.iter().any(|v| s.env.get(v).is_some()),
                "container",
                "the container credentials endpoint",
                "built without the `container` feature"
            ))
        );
        let imds = feature!(
            "imds",
            built(
                awscred_provider_imds::ImdsProvider::builder(s)
                    .profile(self.view.section().cloned())
                    .build()
            ),
            Ok(not_configured("built without the `imds` feature"))
        );
        Shared {
            env: Arc::new(awscred_provider_env::EnvProvider::builder(s).build()),
            container: slot(container),
            imds: slot(imds),
        }
    }

    /// The assume-role slot for a profile with `role_arn` (built in `base.rs`).
    pub(crate) fn assume_role(&self, shared: &Shared) -> SharedProvider {
        slot(feature!(
            "assume-role",
            self.assume_role_provider(shared),
            off("assume-role", "role_arn", self.name)
        ))
    }

    /// The IAM Identity Center slot (botocore's `SSOProvider`).
    pub(crate) fn sso(&self) -> SharedProvider {
        let name = self.name;
        let no_role = format!("profile {name:?} has no sso_account_id or sso_role_name");
        let what = "IAM Identity Center (sso_account_id / sso_role_name)";
        slot(feature!(
            "sso",
            awscred_provider_sso::SsoSettings::resolve(self.profiles, name).and_then(
                |s| s.map_or_else(|| Ok(not_configured(no_role)), |s| self.sso_provider(s))
            ),
            off("sso", what, name)
        ))
    }

    #[cfg(feature = "sso")]
    pub(crate) fn sso_provider(
        &self,
        settings: awscred_provider_sso::SsoSettings,
    ) -> Result<SharedProvider, CredentialsError> {
        let builder = awscred_provider_sso::SsoProvider::builder(self.sources, settings)
            .profile_set(self.profiles);
        #[cfg(feature = "assume-role")]
        let builder = builder.role_cache(self.assume_role.cache.clone());
        built(builder.build()?)
    }

    /// The web identity slot: `AWS_WEB_IDENTITY_TOKEN_FILE` & co., or the profile's
    /// `web_identity_token_file` with `role_arn`.
    pub(crate) fn web_identity(&self) -> SharedProvider {
        let (env, profile) = (&*self.sources.env, self.view.section());
        slot(feature!(
            "web-identity",
            awscred_provider_web_identity::WebIdentitySettings::resolve(env, profile, self.use_env)
                .and_then(|s| match s {
                    Some(s) => self.sts().map(|sts| self.web_identity_provider(s, sts)),
                    None => Ok(not_configured(NO_TOKEN_FILE)),
                }),
            Ok(self.off_if(
                (self.use_env && env.get("AWS_WEB_IDENTITY_TOKEN_FILE").is_some())
                    || matches!(self.view.kind(), awscred_profile::ProfileKind::WebIdentity),
                "web-identity",
                "a web identity token file",
                NO_TOKEN_FILE
            ))
        ))
    }

    #[cfg(feature = "web-identity")]
    pub(crate) fn web_identity_provider(
        &self,
        settings: awscred_provider_web_identity::WebIdentitySettings,
        sts: awscred_sts::StsClient,
    ) -> SharedProvider {
        use awscred_provider_web_identity::WebIdentityProvider;
        Arc::new(WebIdentityProvider::builder(self.sources, settings, sts).build())
    }

    /// The console sign-in slot (botocore's `LoginProvider`): a profile with `login_session`,
    /// `profile` being the selected one or a role chain's source profile.
    pub(crate) fn login(&self, profile: &str) -> SharedProvider {
        let env = &*self.sources.env;
        slot(feature!(
            "login",
            match awscred_provider_login::LoginSettings::resolve(env, self.profiles, profile) {
                Some(settings) =>
                    awscred_provider_login::LoginProvider::builder(self.sources, settings)
                        .build()
                        .and_then(built),
                None => Ok(not_configured(format!(
                    "profile {profile:?} has no login_session"
                ))),
            },
            off("login", "console sign-in (login_session)", profile)
        ))
    }

    /// The `credential_process` slot for a profile that has one.
    pub(crate) fn process(&self, command: &str) -> SharedProvider {
        let account_id = self.view.get("aws_account_id").map(str::to_owned);
        slot(feature!(
            "process",
            Ok(self.process_provider(command, account_id)),
            off("process", "credential_process", self.name)
        ))
    }

    #[cfg(feature = "process")]
    pub(crate) fn process_provider(&self, cmd: &str, account: Option<String>) -> SharedProvider {
        if let Some(p) = self.process_override.and_then(|o| o.provider(cmd)) {
            return p;
        }
        let builder = awscred_provider_process::ProcessProvider::builder(cmd)
            .profile_name(self.name)
            .account_id_fallback(account);
        let env = self.process_env.iter();
        Arc::new(env.fold(builder, |b, (k, v)| b.env(k, v)).build())
    }

    /// The EC2 API tools' credentials file slot (`AWS_CREDENTIAL_FILE`; its crate is boto2's).
    pub(crate) fn ec2_credentials_file(&self) -> SharedProvider {
        slot(feature!(
            "boto2",
            built(awscred_provider_boto2::Ec2CredentialFileProvider::builder(self.sources).build()),
            Ok(self.off_if(
                self.sources.env.var("AWS_CREDENTIAL_FILE").is_some(),
                "boto2",
                "the EC2 tools' credentials file (AWS_CREDENTIAL_FILE)",
                "built without the `boto2` feature"
            ))
        ))
    }

    /// The boto2 config slot.
    pub(crate) fn boto2(&self) -> SharedProvider {
        slot(feature!(
            "boto2",
            built(awscred_provider_boto2::BotoProvider::builder(self.sources).build()),
            Ok(not_configured("built without the `boto2` feature"))
        ))
    }
}
