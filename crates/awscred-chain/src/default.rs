//! [`DefaultChain`]: botocore's provider order, built from the profile files and environment.

use std::sync::Arc;

use awscred_profile::{ProfileKind, ProfileSet, SelectedProfile, SelectionReason, select_profile};
use awscred_types::{
    Credentials, CredentialsError, ProvideCredentials, SharedClock, SharedEnv, SharedFs,
    SharedProvider, Sources, StaticProvider,
};

use crate::ChainProvider;
use crate::slots::Ctx;

/// A provider that is not configured here, and says why (a chain moves on).
#[derive(Debug, Clone)]
pub struct NotConfigured(pub String);

#[async_trait::async_trait]
impl ProvideCredentials for NotConfigured {
    async fn provide_credentials(&self) -> Result<Credentials, CredentialsError> {
        Err(CredentialsError::not_loaded(self.0.clone()))
    }

    fn needs_runtime(&self) -> bool {
        false
    }
}

/// A provider whose configuration was found to be wrong while the chain was built. It reports
/// the error at its own place in the chain (as botocore does when its provider runs), so a
/// provider earlier in the order still wins.
#[derive(Debug, Clone)]
pub struct Misconfigured(pub CredentialsError);

#[async_trait::async_trait]
impl ProvideCredentials for Misconfigured {
    async fn provide_credentials(&self) -> Result<Credentials, CredentialsError> {
        Err(self.0.clone())
    }

    fn needs_runtime(&self) -> bool {
        false
    }
}

pub(crate) fn not_configured(reason: impl Into<String>) -> SharedProvider {
    Arc::new(NotConfigured(reason.into()))
}

/// A provider built without error, shared.
pub(crate) fn built(
    provider: impl ProvideCredentials + 'static,
) -> Result<SharedProvider, CredentialsError> {
    Ok(Arc::new(provider))
}

/// The provider, or its error reported at its place in the chain.
pub(crate) fn slot(built: Result<SharedProvider, CredentialsError>) -> SharedProvider {
    built.unwrap_or_else(|e| Arc::new(Misconfigured(e)))
}

/// The selected profile (or environment) asks for `what`, which this build left out.
#[allow(dead_code, reason = "used when a provider feature is off")]
pub(crate) fn off(
    feature: &str,
    what: &str,
    profile: &str,
) -> Result<SharedProvider, CredentialsError> {
    Err(CredentialsError::invalid_configuration(format!(
        "profile {profile:?} uses {what}, but awscred was built without its `{feature}` feature"
    ))
    .with("profile", profile))
}

#[allow(dead_code, reason = "used when a provider feature is off")]
impl Ctx<'_> {
    /// A build without `feature`: `Misconfigured` ([`off`]) when the selected profile or the
    /// environment configures it, else `NotConfigured` for `reason`.
    pub(crate) fn off_if(
        &self,
        configured: bool,
        feature: &str,
        what: &str,
        reason: &str,
    ) -> SharedProvider {
        match configured {
            true => slot(off(feature, what, self.name)),
            false => not_configured(reason),
        }
    }
}

/// Assume-role settings given to the chain builder.
#[derive(Debug, Default, Clone)]
pub(crate) struct AssumeRoleSettings {
    #[cfg(feature = "assume-role")]
    pub(crate) mfa: Option<awscred_provider_assume_role::SharedMfaTokenProvider>,
    #[cfg(feature = "assume-role")]
    pub(crate) cache: Option<awscred_file_cache::FileCache>,
}

/// The default chain, in botocore's order (see [`DefaultChain::NAMES`]).
#[derive(Debug, Clone)]
pub struct DefaultChain {
    chain: ChainProvider,
    profiles: Arc<ProfileSet>,
    selected: SelectedProfile,
}

/// Builds a [`DefaultChain`]; every setting can be changed in code.
#[derive(Debug, Default, Clone)]
pub struct DefaultChainBuilder {
    sources: Sources,
    profile: Option<String>,
    explicit: Option<Credentials>,
    profiles: Option<Arc<ProfileSet>>,
    assume_role: AssumeRoleSettings,
    process_env: Vec<(String, String)>,
    process_override: Option<ProcessOverride>,
}

/// Answers some `credential_process` commands in process instead of running them; given the
/// command line, `Some(provider)` takes its place, `None` runs the command as usual. The CLI
/// sets one for its own `awscred keys session --profile NAME` (no subprocess, no loop).
#[derive(Clone)]
#[cfg_attr(not(feature = "process"), allow(dead_code))] // read only by the process slot
pub struct ProcessOverride(Arc<OverrideFn>);

type OverrideFn = dyn Fn(&str) -> Option<awscred_types::SharedProvider> + Send + Sync;

impl ProcessOverride {
    /// The override `f`.
    pub fn new(
        f: impl Fn(&str) -> Option<awscred_types::SharedProvider> + Send + Sync + 'static,
    ) -> Self {
        Self(Arc::new(f))
    }

    #[cfg_attr(not(feature = "process"), allow(dead_code))]
    pub(crate) fn provider(&self, command: &str) -> Option<awscred_types::SharedProvider> {
        (self.0)(command)
    }
}

impl std::fmt::Debug for ProcessOverride {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ProcessOverride")
    }
}

impl DefaultChainBuilder {
    /// The environment, file system and clock every provider is built from (default:
    /// [`Sources::system`]).
    pub fn sources(mut self, sources: &Sources) -> Self {
        self.sources = sources.clone();
        self
    }

    /// The environment (default: the process environment).
    pub fn env(mut self, env: SharedEnv) -> Self {
        self.sources = self.sources.with_env(env);
        self
    }

    /// The file system (default: the real one).
    pub fn fs(mut self, fs: SharedFs) -> Self {
        self.sources = self.sources.with_fs(fs);
        self
    }

    /// The clock (default: the system clock).
    pub fn clock(mut self, clock: SharedClock) -> Self {
        self.sources = self.sources.with_clock(clock);
        self
    }

    /// A profile named in code (`boto3.Session(profile_name=…)`, the CLI's `--profile`). As in
    /// botocore, this removes the environment-variable provider; `AWS_PROFILE` does not.
    pub fn profile(mut self, profile: impl Into<String>) -> Self {
        self.profile = Some(profile.into());
        self
    }

    /// Credentials given in code: first in the chain (botocore's `explicit`).
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.explicit = Some(credentials);
        self
    }

    /// Profile files already loaded (default: located and read through the seams).
    pub fn profile_set(mut self, profiles: Arc<ProfileSet>) -> Self {
        self.profiles = Some(profiles);
        self
    }

    /// Where MFA codes for `mfa_serial` role profiles come from (default: none, so such a
    /// profile is an error naming the serial; the CLI prompts on the terminal).
    #[cfg(feature = "assume-role")]
    pub fn mfa(mut self, mfa: awscred_provider_assume_role::SharedMfaTokenProvider) -> Self {
        self.assume_role.mfa = Some(mfa);
        self
    }

    /// Share assume-role sessions and IAM Identity Center role credentials through a file
    /// cache, e.g. the AWS CLI's (`FileCache::aws_cli`). Default: memory only, as boto3.
    #[cfg(feature = "assume-role")]
    pub fn credential_cache(mut self, cache: Option<awscred_file_cache::FileCache>) -> Self {
        self.assume_role.cache = cache;
        self
    }

    /// Sets `name` to `value` in the environment of every `credential_process` this chain runs
    /// (the profile's own, or a role chain's base).
    pub fn process_env(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.process_env.push((name.into(), value.into()));
        self
    }

    /// Answers the `credential_process` commands `f` recognises in process (see
    /// [`ProcessOverride`]), the profile's own and a role chain's base alike.
    pub fn process_override(mut self, f: ProcessOverride) -> Self {
        self.process_override = Some(f);
        self
    }

    /// Reads the profile files, selects the profile and builds the chain. No network call.
    ///
    /// A profile named in code or by `AWS_PROFILE` / `AWS_DEFAULT_PROFILE` that exists in
    /// neither file is an error here, before any provider runs (botocore's `ProfileNotFound`).
    pub fn build(self) -> Result<DefaultChain, CredentialsError> {
        let sources = self.sources;
        let (env, fs) = (&sources.env, &sources.fs);
        let profiles = match self.profiles {
            Some(p) => p,
            None => Arc::new(ProfileSet::load(&**env, &**fs)?),
        };
        let selected = select_profile(self.profile.as_deref(), &**env);
        let name = selected.name().to_owned();
        if selected.reason() != SelectionReason::Default && profiles.profile(&name).is_none() {
            let files: Vec<&str> = profiles
                .locations()
                .iter()
                .map(|s| s.location().path())
                .collect();
            return Err(CredentialsError::invalid_configuration(format!(
                "the config profile ({name}) could not be found"
            ))
            .with("profile", &name)
            .with("selected", selected.reason())
            .with("files", files.join(", ")));
        }
        let use_env = !selected.is_explicit();
        let view = profiles.view(&name);
        let kind = view.kind();
        let ctx = Ctx {
            sources: &sources,
            profiles: &profiles,
            view,
            name: &name,
            use_env,
            process_env: &self.process_env,
            process_override: self.process_override.as_ref(),
            assume_role: &self.assume_role,
        };
        let shared = ctx.shared();
        let mut chain = ChainProvider::new();

        if let Some(creds) = self.explicit {
            chain.push("explicit", Arc::new(StaticProvider::new(creds)));
        }
        if use_env {
            chain.push("env", shared.env.clone());
        }
        // botocore's AssumeRoleProvider: a `role_arn` profile (without a web identity token
        // file). A plan error stops the chain here, never falling through to a provider that
        // would return a different identity (for example static keys in the same profile).
        chain.push(
            "assume-role",
            if matches!(kind, ProfileKind::AssumeRole(_)) {
                ctx.assume_role(&shared)
            } else {
                not_configured(format!("profile {name:?} has no role_arn"))
            },
        );
        // Profile providers (botocore's ProfileProviderBuilder order, after assume-role).
        chain.push("web-identity", ctx.web_identity());
        // botocore's SSOProvider applies when the profile names a role or an account.
        chain.push(
            "sso",
            if matches!(
                kind,
                ProfileKind::Sso {
                    role_credentials: true,
                    ..
                }
            ) {
                ctx.sso()
            } else {
                not_configured(format!(
                    "profile {name:?} has no sso_account_id or sso_role_name"
                ))
            },
        );
        chain.push(
            "shared-credentials-file",
            Arc::new(awscred_provider_profile::SharedCredentialsProvider::new(
                profiles.clone(),
                &name,
            )),
        );
        // botocore's LoginProvider applies when the profile has `login_session`.
        chain.push(
            "login",
            match view.get("login_session") {
                Some(_) => ctx.login(&name),
                None => not_configured(format!("profile {name:?} has no login_session")),
            },
        );
        chain.push(
            "process",
            match (kind, view.get("credential_process")) {
                (ProfileKind::CredentialProcess | ProfileKind::LoginSession(_), Some(cmd)) => {
                    ctx.process(cmd)
                }
                _ => not_configured(format!("profile {name:?} has no credential_process")),
            },
        );
        chain.push(
            "config-file",
            Arc::new(awscred_provider_profile::ConfigFileProvider::new(
                profiles.clone(),
                &name,
            )),
        );
        chain.push("ec2-credentials-file", ctx.ec2_credentials_file());
        chain.push("boto2", ctx.boto2());
        chain.push("container", shared.container);
        chain.push("imds", shared.imds);
        Ok(DefaultChain {
            chain,
            profiles,
            selected,
        })
    }
}

impl DefaultChain {
    /// The provider names, in botocore's order (those not applicable to a build are absent).
    pub const NAMES: &'static [&'static str] = &[
        "explicit",
        "env",
        "assume-role",
        "web-identity",
        "sso",
        "shared-credentials-file",
        "login",
        "process",
        "config-file",
        "ec2-credentials-file",
        "boto2",
        "container",
        "imds",
    ];

    /// A builder with defaults.
    pub fn builder() -> DefaultChainBuilder {
        DefaultChainBuilder::default()
    }

    /// The chain, to inspect or edit (remove, replace, insert, reorder providers by name).
    pub fn chain(&self) -> &ChainProvider {
        &self.chain
    }

    /// The chain, to edit.
    pub fn chain_mut(&mut self) -> &mut ChainProvider {
        &mut self.chain
    }

    /// The profile files that were read.
    pub fn profiles(&self) -> &Arc<ProfileSet> {
        &self.profiles
    }

    /// The selected profile and why it was selected.
    pub fn selected_profile(&self) -> &SelectedProfile {
        &self.selected
    }
}

#[async_trait::async_trait]
impl ProvideCredentials for DefaultChain {
    async fn provide_credentials(&self) -> Result<Credentials, CredentialsError> {
        self.chain.provide_credentials().await
    }

    fn needs_runtime(&self) -> bool {
        self.chain.needs_runtime()
    }
}
