//! The assume-role slot: the role chain's plan, and the provider its base credentials come
//! from (the slots' own providers where the base is one of them).
#![cfg(feature = "assume-role")]
#![allow(
    unused_variables,
    dead_code,
    reason = "builds without some provider features leave a base's fields and `off` unused"
)]

use awscred_provider_assume_role::{AssumeRoleProvider, BaseProvider, CredentialSource};
use awscred_types::{CredentialsError, SharedProvider, StaticProvider};

use crate::default::built;
use crate::slots::{Ctx, Shared};

/// A role chain starts from `what`, which this build left out.
fn off(ctx: &Ctx<'_>, feature: &str, what: &str) -> Result<SharedProvider, CredentialsError> {
    Err(CredentialsError::invalid_configuration(format!(
        "this role chain starts from {what}, but awscred was built without its `{feature}` feature"
    ))
    .with("profile", ctx.name))
}

impl Ctx<'_> {
    pub(crate) fn assume_role_provider(
        &self,
        shared: &Shared,
    ) -> Result<SharedProvider, CredentialsError> {
        let plan = awscred_provider_assume_role::plan(self.profiles, self.name)?;
        let sts = self.sts()?;
        let source = self.base(&plan, shared, &sts)?;
        let mut builder = AssumeRoleProvider::builder(self.sources, plan)
            .source(source)
            .sts(sts)
            .file_cache(self.assume_role.cache.clone());
        if let Some(mfa) = self.assume_role.mfa.clone() {
            builder = builder.mfa(mfa);
        }
        built(builder.build()?)
    }

    /// The provider of the chain's base credentials.
    fn base(
        &self,
        plan: &awscred_provider_assume_role::ProfileChain,
        shared: &Shared,
        sts: &awscred_sts::StsClient,
    ) -> Result<SharedProvider, CredentialsError> {
        use CredentialSource::{Ec2InstanceMetadata, EcsContainer, Environment};
        match &plan.base {
            BaseProvider::AccessKey(c) => built(StaticProvider::new(c.clone())),
            BaseProvider::NamedSource(Environment) => Ok(shared.env.clone()),
            BaseProvider::NamedSource(Ec2InstanceMetadata) => feature!(
                "imds",
                Ok(shared.imds.clone()),
                off(self, "imds", "credential_source = Ec2InstanceMetadata")
            ),
            BaseProvider::NamedSource(EcsContainer) => feature!(
                "container",
                Ok(shared.container.clone()),
                off(self, "container", "credential_source = EcsContainer")
            ),
            BaseProvider::WebIdentity {
                role_arn: arn,
                token_file: file,
                role_session_name: name,
            } => feature!(
                "web-identity",
                {
                    let mut s = awscred_provider_web_identity::WebIdentitySettings::new(file, arn);
                    s.role_session_name = name.clone();
                    Ok(self.web_identity_provider(s, sts.clone()))
                },
                off(self, "web-identity", "a web identity token file")
            ),
            BaseProvider::Login { profile, .. } => Ok(self.login(profile)),
            BaseProvider::CredentialProcess {
                command,
                account_id,
            } => feature!(
                "process",
                Ok(self.process_provider(command, account_id.clone())),
                off(self, "process", "credential_process")
            ),
            BaseProvider::Sso { .. } => feature!(
                "sso",
                self.sso_base(plan),
                off(self, "sso", "an IAM Identity Center profile")
            ),
            _ => Err(CredentialsError::invalid_configuration(
                "this role chain's base provider is not known to this version of awscred-chain",
            )
            .with("profile", self.name)),
        }
    }

    /// An IAM Identity Center base: its role credentials, for the innermost hop's
    /// `source_profile` (named in the login hint).
    #[cfg(feature = "sso")]
    fn sso_base(
        &self,
        plan: &awscred_provider_assume_role::ProfileChain,
    ) -> Result<SharedProvider, CredentialsError> {
        let BaseProvider::Sso {
            sso_session,
            sso_region,
            sso_start_url,
            sso_account_id: Some(account_id),
            sso_role_name: Some(role_name),
        } = &plan.base
        else {
            return Err(CredentialsError::invalid_configuration(
                "this role chain's source profile uses IAM Identity Center without \
                 sso_account_id and sso_role_name, so it has no role credentials to start from",
            )
            .with("profile", self.name));
        };
        let source_profile = plan
            .roles
            .first()
            .and_then(|hop| self.profiles.profile(&hop.profile))
            .and_then(|p| p.get("source_profile"))
            .unwrap_or(self.name);
        self.sso_provider(awscred_provider_sso::SsoSettings {
            profile: source_profile.to_owned(),
            start_url: sso_start_url.clone(),
            region: sso_region.clone(),
            account_id: account_id.clone(),
            role_name: role_name.clone(),
            session_name: sso_session.clone(),
        })
    }
}
