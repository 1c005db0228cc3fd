//! One view of a profile: its non-blank values, the endpoint URL configured for a service, and
//! what kind of credentials it configures.

use std::fmt;

use awscred_types::Env;

use crate::location::FileKind;
use crate::set::{ProfileSet, Section};

/// A profile of a [`ProfileSet`] as every provider, the chain and the CLI read it
/// ([`ProfileSet::view`]).
///
/// Values are read from the merged profile (both files, the credentials file winning key by
/// key). A key whose value is empty or whitespace counts as unset (`docs/compatibility.md`,
/// "Whitespace-only values count as unset"). A view of a profile that does not exist has no
/// values and is [`ProfileKind::None`].
#[derive(Clone, Copy)]
pub struct ProfileView<'a> {
    set: &'a ProfileSet,
    name: &'a str,
    section: Option<&'a Section>,
}

impl fmt::Debug for ProfileView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProfileView")
            .field("name", &self.name)
            .field("exists", &self.section.is_some())
            .finish()
    }
}

impl ProfileSet {
    /// The profile `name` (which may not exist) as a [`ProfileView`].
    pub fn view<'a>(&'a self, name: &'a str) -> ProfileView<'a> {
        ProfileView {
            set: self,
            name,
            section: self.profile(name),
        }
    }
}

/// What a profile configures, in the default chain's order (botocore's): the first that
/// applies. Built by [`ProfileView::kind`]; the chain, `awscred explain` and `awscred profiles`
/// all use it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProfileKind<'a> {
    /// `role_arn` without `web_identity_token_file`: botocore's `AssumeRoleProvider`.
    AssumeRole(RoleSource<'a>),
    /// `web_identity_token_file` (with `role_arn`): `AssumeRoleWithWebIdentity`.
    WebIdentity,
    /// IAM Identity Center. `role_credentials` is true when the profile names an account or a
    /// role (`sso_account_id` / `sso_role_name`, botocore's `SSOProvider` trigger); a profile
    /// with only `sso_session` is one to log in with and gives no credentials itself.
    Sso {
        /// Legacy (`sso_start_url` in the profile) or `sso_session = NAME`.
        session: SsoKind<'a>,
        /// The chain's `sso` provider applies.
        role_credentials: bool,
    },
    /// `aws_access_key_id` in the credentials file (checked before `login_session` and
    /// `credential_process`) or, failing those, in the config file.
    StaticKeys(FileKind),
    /// `login_session = NAME`: console sign-in (`aws login`), botocore's `LoginProvider`,
    /// after the credentials file's keys and before `credential_process`.
    LoginSession(&'a str),
    /// `credential_process`.
    CredentialProcess,
    /// No credentials (settings only), or no such profile.
    None,
}

/// Where an assume-role profile's base credentials come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RoleSource<'a> {
    /// `source_profile = NAME` (it wins when both are set; the planner reports the conflict).
    SourceProfile(&'a str),
    /// `credential_source = Environment | Ec2InstanceMetadata | EcsContainer`.
    CredentialSource(&'a str),
    /// Neither: the profile is invalid (the planner says so).
    Missing,
}

/// Which form of IAM Identity Center profile.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SsoKind<'a> {
    /// `sso_start_url` and `sso_region` in the profile itself (no refreshable token).
    Legacy,
    /// `sso_session = NAME`, an `[sso-session NAME]` section.
    Session(&'a str),
}

impl<'a> ProfileView<'a> {
    /// The profile's name.
    pub fn name(&self) -> &'a str {
        self.name
    }

    /// The profile files this view reads.
    pub fn profile_set(&self) -> &'a ProfileSet {
        self.set
    }

    /// The merged profile, if it exists.
    pub fn section(&self) -> Option<&'a Section> {
        self.section
    }

    /// The profile exists in either file.
    pub fn exists(&self) -> bool {
        self.section.is_some()
    }

    /// The value of `key` (any case), unless it is unset, empty or whitespace.
    pub fn get(&self, key: &str) -> Option<&'a str> {
        non_blank(self.section?.get(key))
    }

    /// `key` has a value that is not empty or whitespace.
    pub fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// A boolean setting: the environment variable `var`, else the profile's `key`, read as
    /// botocore's `ensure_boolean` reads it: `true` in any case (surrounding whitespace aside)
    /// is true; anything else (`yes`, `1`, a typo) and no value are false, never an error.
    pub fn flag(&self, env: &dyn Env, var: &str, key: &str) -> bool {
        let from_env = env.get(var);
        from_env
            .as_deref()
            .or_else(|| self.get(key))
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
    }

    /// `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS`, else the profile's
    /// `ignore_configured_endpoint_urls`, as a [`flag`](Self::flag).
    pub fn ignores_configured_endpoint_urls(&self, env: &dyn Env) -> bool {
        self.flag(
            env,
            "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
            "ignore_configured_endpoint_urls",
        )
    }

    /// The endpoint URL configured for `service` (botocore's service id in lower case with
    /// hyphens: `sts`, `sso`, `sso-oidc`, `signin`), in botocore's `ConfiguredEndpointProvider`
    /// order: `AWS_ENDPOINT_URL_<SERVICE>` (upper case, `-` as `_`), `AWS_ENDPOINT_URL`, the
    /// `<service>` sub-properties' `endpoint_url` (`-` as `_`) in the `[services NAME]` section
    /// the profile's `services` names, then the profile's `endpoint_url`. `None` when
    /// [`ignores_configured_endpoint_urls`](Self::ignores_configured_endpoint_urls). Trimmed.
    pub fn endpoint_url(&self, env: &dyn Env, service: &str) -> Option<String> {
        if self.ignores_configured_endpoint_urls(env) {
            return None;
        }
        let snake = service.to_ascii_lowercase().replace('-', "_");
        let env_name = format!("AWS_ENDPOINT_URL_{}", snake.to_ascii_uppercase());
        env.get(&env_name)
            .or_else(|| env.get("AWS_ENDPOINT_URL"))
            .or_else(|| {
                let services = self.set.services(self.get("services")?)?;
                non_blank(services.sub_properties(&snake)?.get("endpoint_url")).map(str::to_owned)
            })
            .or_else(|| self.get("endpoint_url").map(str::to_owned))
            .map(|url| url.trim().to_owned())
    }

    /// What the profile configures: the first of botocore's profile providers that applies
    /// (assume role, web identity, SSO, the credentials file's keys, console sign-in,
    /// `credential_process`, the config file's keys).
    pub fn kind(&self) -> ProfileKind<'a> {
        let has_file_keys = |kind: FileKind| {
            let section = match kind {
                FileKind::Credentials => self.set.credentials_file_profile(self.name),
                FileKind::Config => self.set.config_file_profile(self.name),
            };
            non_blank(section.and_then(|s| s.get("aws_access_key_id"))).is_some()
        };
        if self.has("role_arn") && !self.has("web_identity_token_file") {
            let source = match (self.get("source_profile"), self.get("credential_source")) {
                (Some(p), _) => RoleSource::SourceProfile(p),
                (None, Some(c)) => RoleSource::CredentialSource(c),
                (None, None) => RoleSource::Missing,
            };
            ProfileKind::AssumeRole(source)
        } else if self.has("web_identity_token_file") {
            ProfileKind::WebIdentity
        } else if self.has("sso_account_id") || self.has("sso_role_name") {
            ProfileKind::Sso {
                session: self.sso_kind(),
                role_credentials: true,
            }
        } else if has_file_keys(FileKind::Credentials) {
            ProfileKind::StaticKeys(FileKind::Credentials)
        } else if let Some(session) = self.get("login_session") {
            ProfileKind::LoginSession(session)
        } else if self.has("credential_process") {
            ProfileKind::CredentialProcess
        } else if has_file_keys(FileKind::Config) {
            ProfileKind::StaticKeys(FileKind::Config)
        } else if self.has("sso_session") {
            ProfileKind::Sso {
                session: self.sso_kind(),
                role_credentials: false,
            }
        } else {
            ProfileKind::None
        }
    }

    fn sso_kind(&self) -> SsoKind<'a> {
        self.get("sso_session")
            .map_or(SsoKind::Legacy, SsoKind::Session)
    }
}

fn non_blank(value: Option<&str>) -> Option<&str> {
    value.filter(|v| !v.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Source;
    use awscred_types::FakeEnv;

    fn set(config: &str, credentials: &str) -> ProfileSet {
        ProfileSet::parse(
            Some(Source::new("/c", config)),
            Some(Source::new("/k", credentials)),
        )
        .unwrap()
    }

    fn kind_of(config: &str) -> String {
        format!("{:?}", set(config, "").view("p").kind())
    }

    #[test]
    fn blank_values_are_unset_and_a_missing_profile_has_none() {
        let s = set("[profile p]\nregion =   \noutput = json\n", "");
        let p = s.view("p");
        assert!(p.exists());
        assert_eq!(p.get("region"), None);
        assert_eq!(p.get("OUTPUT"), Some("json"));
        let missing = s.view("nope");
        assert!(!missing.exists());
        assert_eq!(missing.get("output"), None);
        assert_eq!(missing.kind(), ProfileKind::None);
    }

    #[test]
    fn kinds_in_the_chain_order() {
        let role = "[profile p]\nrole_arn = arn:r\nsource_profile = b\nsso_account_id = 1\n";
        assert_eq!(kind_of(role), r#"AssumeRole(SourceProfile("b"))"#);
        let env = "[profile p]\nrole_arn = arn:r\ncredential_source = Environment\n";
        assert_eq!(
            kind_of(env),
            r#"AssumeRole(CredentialSource("Environment"))"#
        );
        assert_eq!(
            kind_of("[profile p]\nrole_arn = arn:r\nsource_profile =  \n"),
            "AssumeRole(Missing)"
        );
        let web = "[profile p]\nrole_arn = arn:r\nweb_identity_token_file = /t\n";
        assert_eq!(kind_of(web), "WebIdentity");
        let sso = "[profile p]\nsso_session = s\nsso_role_name = r\naws_access_key_id = A\n";
        assert_eq!(
            kind_of(sso),
            r#"Sso { session: Session("s"), role_credentials: true }"#
        );
        let legacy = "[profile p]\nsso_start_url = u\nsso_account_id = 1\n";
        assert_eq!(
            kind_of(legacy),
            "Sso { session: Legacy, role_credentials: true }"
        );
        let login = "[profile p]\nlogin_session = arn:s\ncredential_process = c\n";
        assert_eq!(kind_of(login), r#"LoginSession("arn:s")"#);
        assert_eq!(
            kind_of("[profile p]\ncredential_process = c\n"),
            "CredentialProcess"
        );
        assert_eq!(
            kind_of("[profile p]\naws_access_key_id = A\n"),
            "StaticKeys(Config)"
        );
        assert_eq!(
            kind_of("[profile p]\nsso_session = s\n"),
            r#"Sso { session: Session("s"), role_credentials: false }"#
        );
        assert_eq!(kind_of("[profile p]\nregion = x\n"), "None");
    }

    #[test]
    fn keys_count_by_file_as_the_chain_asks_the_files() {
        // Config-file keys come after credential_process, credentials-file keys before it.
        let config = "[profile p]\naws_access_key_id = A\ncredential_process = c\n";
        assert_eq!(
            set(config, "").view("p").kind(),
            ProfileKind::CredentialProcess
        );
        let s = set(config, "[p]\naws_access_key_id = B\n");
        assert_eq!(
            s.view("p").kind(),
            ProfileKind::StaticKeys(FileKind::Credentials)
        );
        let blank = set(config, "[p]\naws_access_key_id = \n");
        assert_eq!(blank.view("p").kind(), ProfileKind::CredentialProcess);
    }

    #[test]
    fn endpoint_url_in_botocore_order() {
        let s = set(
            "[profile p]\nservices = local\nendpoint_url = http://profile\n\
             [services local]\nsso_oidc =\n  endpoint_url = http://services-oidc\n\
             sts =\n  endpoint_url = http://services-sts\n",
            "",
        );
        let p = s.view("p");
        let env = FakeEnv::new()
            .with("AWS_ENDPOINT_URL_SSO_OIDC", " http://env-oidc ")
            .with("AWS_ENDPOINT_URL", "http://env-global");
        assert_eq!(
            p.endpoint_url(&env, "sso-oidc").as_deref(),
            Some("http://env-oidc")
        );
        assert_eq!(
            p.endpoint_url(&env, "sts").as_deref(),
            Some("http://env-global")
        );
        let none = FakeEnv::new();
        assert_eq!(
            p.endpoint_url(&none, "sts").as_deref(),
            Some("http://services-sts")
        );
        assert_eq!(
            p.endpoint_url(&none, "sso-oidc").as_deref(),
            Some("http://services-oidc")
        );
        assert_eq!(
            p.endpoint_url(&none, "sso").as_deref(),
            Some("http://profile")
        );
        assert_eq!(s.view("other").endpoint_url(&none, "sso"), None);
    }

    #[test]
    fn ignore_configured_endpoint_urls_is_botocores_ensure_boolean() {
        let s = set(
            "[profile p]\nendpoint_url = http://profile\nignore_configured_endpoint_urls = TRUE\n\
             [profile q]\nendpoint_url = http://profile\nignore_configured_endpoint_urls = yes\n",
            "",
        );
        let none = FakeEnv::new();
        assert_eq!(s.view("p").endpoint_url(&none, "sts"), None);
        // Not `true`: false, not an error, so the endpoint applies.
        assert_eq!(
            s.view("q").endpoint_url(&none, "sts").as_deref(),
            Some("http://profile")
        );
        // The variable wins over the profile, both ways.
        let env_false = FakeEnv::new().with("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "false");
        assert!(!s.view("p").ignores_configured_endpoint_urls(&env_false));
        let env_true = FakeEnv::new().with("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "True");
        assert_eq!(s.view("q").endpoint_url(&env_true, "sts"), None);
        let env_odd = FakeEnv::new().with("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "1");
        assert!(!s.view("p").ignores_configured_endpoint_urls(&env_odd));
    }
}
