//! Settings: the endpoint, its mode, the timeout, the attempts and the IMDSv1 switch, each read
//! from the environment first and the selected profile second, as botocore reads them.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use awscred_http::http::Uri;
use awscred_profile::Section;
use awscred_types::{CredentialsError, Env};

/// `AWS_EC2_METADATA_DISABLED`: `true` (any case) turns the provider off (environment only).
pub const DISABLED_VAR: &str = "AWS_EC2_METADATA_DISABLED";
/// `AWS_EC2_METADATA_SERVICE_ENDPOINT`: the base URL.
pub const ENDPOINT_VAR: &str = "AWS_EC2_METADATA_SERVICE_ENDPOINT";
/// `ec2_metadata_service_endpoint`: the base URL, in the profile.
pub const ENDPOINT_KEY: &str = "ec2_metadata_service_endpoint";
/// `AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE`: `IPv4` or `IPv6`.
pub const ENDPOINT_MODE_VAR: &str = "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE";
/// `ec2_metadata_service_endpoint_mode`: `IPv4` or `IPv6`, in the profile.
pub const ENDPOINT_MODE_KEY: &str = "ec2_metadata_service_endpoint_mode";
/// `AWS_IMDS_USE_IPV6`: the older switch to the IPv6 endpoint.
pub const USE_IPV6_VAR: &str = "AWS_IMDS_USE_IPV6";
/// `imds_use_ipv6`: the older switch to the IPv6 endpoint, in the profile.
pub const USE_IPV6_KEY: &str = "imds_use_ipv6";
/// `AWS_EC2_METADATA_V1_DISABLED`: `true` forbids the IMDSv1 fallback.
pub const V1_DISABLED_VAR: &str = "AWS_EC2_METADATA_V1_DISABLED";
/// `ec2_metadata_v1_disabled`: `true` forbids the IMDSv1 fallback, in the profile.
pub const V1_DISABLED_KEY: &str = "ec2_metadata_v1_disabled";
/// `AWS_METADATA_SERVICE_TIMEOUT`: seconds per request, and per attempt of the budget.
pub const TIMEOUT_VAR: &str = "AWS_METADATA_SERVICE_TIMEOUT";
/// `metadata_service_timeout`, in the profile.
pub const TIMEOUT_KEY: &str = "metadata_service_timeout";
/// `AWS_METADATA_SERVICE_NUM_ATTEMPTS`: attempts per request.
pub const ATTEMPTS_VAR: &str = "AWS_METADATA_SERVICE_NUM_ATTEMPTS";
/// `metadata_service_num_attempts`, in the profile.
pub const ATTEMPTS_KEY: &str = "metadata_service_num_attempts";

/// The default timeout: 1 s (botocore's `DEFAULT_METADATA_SERVICE_TIMEOUT`).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(1);
/// The default number of attempts: 1.
pub const DEFAULT_ATTEMPTS: u32 = 1;
/// The largest timeout accepted: one hour.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(3600);
/// The largest number of attempts accepted.
pub const MAX_ATTEMPTS: u32 = 100;

/// The IPv4 endpoint.
pub const IPV4_ENDPOINT: &str = "http://169.254.169.254/";
/// The IPv6 endpoint.
pub const IPV6_ENDPOINT: &str = "http://[fd00:ec2::254]/";

/// Which of the two well-known endpoints to use when no endpoint is configured.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EndpointMode {
    /// `http://169.254.169.254/` (the default).
    #[default]
    IPv4,
    /// `http://[fd00:ec2::254]/`.
    IPv6,
}

impl EndpointMode {
    /// The endpoint this mode stands for.
    pub fn endpoint(self) -> Endpoint {
        let base = match self {
            Self::IPv4 => IPV4_ENDPOINT,
            Self::IPv6 => IPV6_ENDPOINT,
        };
        Endpoint {
            base: base.to_owned(),
        }
    }
}

/// The value is neither `IPv4` nor `IPv6` (in any case).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidEndpointMode(String);

impl fmt::Display for InvalidEndpointMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` is not a valid endpoint mode: expected IPv4 or IPv6",
            self.0
        )
    }
}

impl std::error::Error for InvalidEndpointMode {}

impl FromStr for EndpointMode {
    type Err = InvalidEndpointMode;

    /// `IPv4` or `IPv6`, in any case, surrounding whitespace ignored.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        if t.eq_ignore_ascii_case("ipv4") {
            Ok(Self::IPv4)
        } else if t.eq_ignore_ascii_case("ipv6") {
            Ok(Self::IPv6)
        } else {
            Err(InvalidEndpointMode(t.to_owned()))
        }
    }
}

/// The base URL of the metadata service, always ending in `/`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Endpoint {
    base: String,
}

impl Endpoint {
    /// Checks a configured base URL: it must parse as a URI, use `http` or `https`, name a host,
    /// and carry no query or fragment. A path is kept (`http://proxy/imds` asks for
    /// `http://proxy/imds/latest/api/token`), as botocore's `_construct_url` keeps it.
    ///
    /// The error is [`CredentialsError::InvalidConfiguration`]; it does not repeat the value.
    pub fn parse(url: &str) -> Result<Self, CredentialsError> {
        let url = url.trim();
        let invalid = |why: &str| {
            CredentialsError::invalid_configuration(format!(
                "the IMDS endpoint is not a valid URL: {why}"
            ))
        };
        let uri: Uri = url
            .parse()
            .map_err(|e| invalid("it does not parse as a URI").with_source(e))?;
        if !matches!(uri.scheme_str(), Some("http" | "https")) {
            return Err(invalid("it must start with http:// or https://"));
        }
        if uri.host().is_none_or(str::is_empty) {
            return Err(invalid("it has no host"));
        }
        if url.contains(['?', '#']) {
            return Err(invalid("it must not have a query or fragment"));
        }
        let mut base = url.to_owned();
        if !base.ends_with('/') {
            base.push('/');
        }
        Ok(Self { base })
    }

    /// The base URL, ending in `/`.
    pub fn as_str(&self) -> &str {
        &self.base
    }

    /// The URL of `path` (relative, such as `latest/meta-data/`) under this endpoint.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path.trim_start_matches('/'))
    }

    /// The URL of the token request: `<base>latest/api/token`.
    pub fn token_url(&self) -> String {
        self.url(crate::fetch::TOKEN_PATH)
    }
}

impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Endpoint").field(&self.base).finish()
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.base)
    }
}

/// Settings given in code, which win over the environment and the profile.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Overrides {
    /// The base URL; wins over everything.
    pub endpoint: Option<String>,
    /// The endpoint mode; wins over the configured modes, but not over a configured endpoint
    /// (aws-config's order, which the endpoint vectors pin).
    pub endpoint_mode: Option<EndpointMode>,
    /// The timeout; wins over `AWS_METADATA_SERVICE_TIMEOUT` / `metadata_service_timeout`.
    pub timeout: Option<Duration>,
    /// The attempts; win over `AWS_METADATA_SERVICE_NUM_ATTEMPTS` /
    /// `metadata_service_num_attempts`.
    pub attempts: Option<u32>,
}

/// Where a setting came from, for error messages.
#[derive(Clone, Copy)]
enum Origin<'a> {
    Env(&'static str),
    Profile(&'a str, &'static str),
}

impl Origin<'_> {
    fn locate(self, err: CredentialsError) -> CredentialsError {
        match self {
            Self::Env(var) => err.with("key", var),
            Self::Profile(profile, key) => err.with("profile", profile).with("key", key),
        }
    }
}

/// The environment first, then the profile; blank values count as unset.
fn lookup<'a>(
    env: &dyn Env,
    profile: Option<&'a Section>,
    var: &'static str,
    key: &'static str,
) -> Option<(String, Origin<'a>)> {
    if let Some(value) = env.get(var) {
        return Some((value, Origin::Env(var)));
    }
    let profile = profile?;
    let value = profile.get(key).filter(|v| !v.trim().is_empty())?;
    Some((value.to_owned(), Origin::Profile(profile.name(), key)))
}

/// botocore's `ensure_boolean`: `true` in any case is true, every other value false.
fn flag(env: &dyn Env, profile: Option<&Section>, var: &'static str, key: &'static str) -> bool {
    lookup(env, profile, var, key).is_some_and(|(v, _)| v.trim().eq_ignore_ascii_case("true"))
}

/// Whether `AWS_EC2_METADATA_DISABLED` is `true` (any case). The environment only, as botocore.
pub fn is_disabled(env: &dyn Env) -> bool {
    env.get(DISABLED_VAR)
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
}

/// Resolves the endpoint: `endpoint_override`, then `AWS_EC2_METADATA_SERVICE_ENDPOINT`, then the
/// profile's `ec2_metadata_service_endpoint`; otherwise the endpoint of the mode, from
/// `mode_override`, then `AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE`, then the profile's
/// `ec2_metadata_service_endpoint_mode`, then `AWS_IMDS_USE_IPV6` / `imds_use_ipv6`, then IPv4.
///
/// Reads nothing but its arguments and sends nothing. An invalid URL or mode is
/// [`CredentialsError::InvalidConfiguration`] naming the key (and the profile).
pub fn resolve_endpoint(
    env: &dyn Env,
    profile: Option<&Section>,
    endpoint_override: Option<&str>,
    mode_override: Option<EndpointMode>,
) -> Result<Endpoint, CredentialsError> {
    if let Some(url) = endpoint_override {
        return Endpoint::parse(url).map_err(|e| e.with("key", "endpoint_override"));
    }
    if let Some((url, origin)) = lookup(env, profile, ENDPOINT_VAR, ENDPOINT_KEY) {
        return Endpoint::parse(&url).map_err(|e| origin.locate(e));
    }
    let mode = match mode_override {
        Some(mode) => mode,
        None => match lookup(env, profile, ENDPOINT_MODE_VAR, ENDPOINT_MODE_KEY) {
            Some((value, origin)) => value.parse::<EndpointMode>().map_err(|e| {
                origin.locate(CredentialsError::invalid_configuration(e.to_string()))
            })?,
            None if flag(env, profile, USE_IPV6_VAR, USE_IPV6_KEY) => EndpointMode::IPv6,
            None => EndpointMode::IPv4,
        },
    };
    Ok(mode.endpoint())
}

/// Everything a lookup needs to know, resolved before any I/O.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ImdsSettings {
    /// Where the metadata service is.
    pub endpoint: Endpoint,
    /// The timeout of one request (connect, and read), and of one attempt of the budget.
    pub timeout: Duration,
    /// How many times each request may be tried; the budget is `timeout × attempts`.
    pub attempts: u32,
    /// Whether the IMDSv1 fallback (requests without a token) is forbidden.
    pub v1_disabled: bool,
}

impl ImdsSettings {
    /// Reads every setting: `overrides` first, then the environment, then `profile` (the
    /// selected profile), then the defaults.
    ///
    /// A value that cannot be used is [`CredentialsError::InvalidConfiguration`] naming the key
    /// (and the profile, when the value came from one).
    pub fn resolve(
        env: &dyn Env,
        profile: Option<&Section>,
        overrides: &Overrides,
    ) -> Result<Self, CredentialsError> {
        let endpoint = resolve_endpoint(
            env,
            profile,
            overrides.endpoint.as_deref(),
            overrides.endpoint_mode,
        )?;
        let timeout = match overrides.timeout {
            Some(t) if t.is_zero() || t > MAX_TIMEOUT => {
                return Err(CredentialsError::invalid_configuration(format!(
                    "the IMDS timeout must be more than 0 and at most {}s",
                    MAX_TIMEOUT.as_secs()
                ))
                .with("key", "timeout"));
            }
            Some(t) => t,
            None => match lookup(env, profile, TIMEOUT_VAR, TIMEOUT_KEY) {
                Some((value, origin)) => parse_timeout(&value).map_err(|e| origin.locate(e))?,
                None => DEFAULT_TIMEOUT,
            },
        };
        let attempts = match overrides.attempts {
            Some(n) if n == 0 || n > MAX_ATTEMPTS => {
                return Err(CredentialsError::invalid_configuration(format!(
                    "the number of IMDS attempts must be from 1 to {MAX_ATTEMPTS}"
                ))
                .with("key", "attempts"));
            }
            Some(n) => n,
            None => match lookup(env, profile, ATTEMPTS_VAR, ATTEMPTS_KEY) {
                Some((value, origin)) => parse_attempts(&value).map_err(|e| origin.locate(e))?,
                None => DEFAULT_ATTEMPTS,
            },
        };
        Ok(Self {
            endpoint,
            timeout,
            attempts,
            v1_disabled: flag(env, profile, V1_DISABLED_VAR, V1_DISABLED_KEY),
        })
    }

    /// The time budget of one whole lookup: `timeout × attempts`.
    pub fn budget(&self) -> Duration {
        self.timeout.saturating_mul(self.attempts)
    }
}

/// Seconds, whole or decimal (`1`, `0.5`), more than 0 and at most [`MAX_TIMEOUT`].
fn parse_timeout(value: &str) -> Result<Duration, CredentialsError> {
    let v = value.trim();
    let seconds = v.parse::<f64>().ok().filter(|s| s.is_finite());
    match seconds {
        Some(s) if s > 0.0 && s <= MAX_TIMEOUT.as_secs_f64() => Ok(Duration::from_secs_f64(s)),
        _ => Err(CredentialsError::invalid_configuration(format!(
            "the IMDS timeout must be a number of seconds more than 0 and at most {}, not {v:?}",
            MAX_TIMEOUT.as_secs()
        ))),
    }
}

/// A whole number from 1 to [`MAX_ATTEMPTS`].
fn parse_attempts(value: &str) -> Result<u32, CredentialsError> {
    let v = value.trim();
    match v.parse::<u32>() {
        Ok(n) if (1..=MAX_ATTEMPTS).contains(&n) => Ok(n),
        _ => Err(CredentialsError::invalid_configuration(format!(
            "the number of IMDS attempts must be a whole number from 1 to {MAX_ATTEMPTS}, \
             not {v:?}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use awscred_profile::{ProfileSet, Source};
    use awscred_types::FakeEnv;

    fn profile(body: &str) -> ProfileSet {
        ProfileSet::parse(Some(Source::new("config", body)), None).unwrap()
    }

    #[test]
    fn defaults() {
        let s = ImdsSettings::resolve(&FakeEnv::new(), None, &Overrides::default()).unwrap();
        assert_eq!(
            s.endpoint.token_url(),
            "http://169.254.169.254/latest/api/token"
        );
        assert_eq!(s.timeout, Duration::from_secs(1));
        assert_eq!(s.attempts, 1);
        assert!(!s.v1_disabled);
        assert_eq!(s.budget(), Duration::from_secs(1));
    }

    #[test]
    fn env_wins_over_profile_and_errors_name_the_key() {
        let set = profile(
            "[default]\nmetadata_service_timeout = 3\nmetadata_service_num_attempts = x\n\
             ec2_metadata_v1_disabled = TRUE\n",
        );
        let p = set.profile("default");
        let env = FakeEnv::new().with(ATTEMPTS_VAR, "2");
        let s = ImdsSettings::resolve(&env, p, &Overrides::default()).unwrap();
        assert_eq!((s.timeout, s.attempts), (Duration::from_secs(3), 2));
        assert!(s.v1_disabled);

        let err = ImdsSettings::resolve(&FakeEnv::new(), p, &Overrides::default()).unwrap_err();
        assert!(err.is_invalid_configuration());
        assert_eq!(err.field("key"), Some(ATTEMPTS_KEY));
        assert_eq!(err.field("profile"), Some("default"));

        let env = FakeEnv::new().with(TIMEOUT_VAR, "0");
        let err = ImdsSettings::resolve(&env, None, &Overrides::default()).unwrap_err();
        assert_eq!(err.field("key"), Some(TIMEOUT_VAR));
        let env = FakeEnv::new().with(TIMEOUT_VAR, "0.25");
        let s = ImdsSettings::resolve(&env, None, &Overrides::default()).unwrap();
        assert_eq!(s.timeout, Duration::from_millis(250));
        for bad in ["NaN", "inf", "-1", "3601", "1s"] {
            let env = FakeEnv::new().with(TIMEOUT_VAR, bad);
            assert!(
                ImdsSettings::resolve(&env, None, &Overrides::default()).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn booleans_follow_ensure_boolean_and_legacy_ipv6() {
        let env = FakeEnv::new()
            .with(V1_DISABLED_VAR, "1")
            .with(USE_IPV6_VAR, "True");
        let s = ImdsSettings::resolve(&env, None, &Overrides::default()).unwrap();
        assert!(
            !s.v1_disabled,
            "only `true` counts, as botocore's ensure_boolean"
        );
        assert_eq!(s.endpoint.as_str(), IPV6_ENDPOINT);
        assert!(is_disabled(&FakeEnv::new().with(DISABLED_VAR, "TRUE")));
        assert!(!is_disabled(&FakeEnv::new().with(DISABLED_VAR, "yes")));
    }

    #[test]
    fn endpoint_keeps_a_path_and_rejects_bad_urls() {
        let e = Endpoint::parse("http://127.0.0.1:8080/imds").unwrap();
        assert_eq!(e.token_url(), "http://127.0.0.1:8080/imds/latest/api/token");
        for bad in [
            "ftp://x/",
            "http://",
            "/relative",
            "http://x/?a=b",
            "not a uri",
        ] {
            let err = Endpoint::parse(bad).unwrap_err();
            assert!(err.is_invalid_configuration(), "{bad}");
        }
    }

    #[test]
    fn overrides_are_checked() {
        let o = Overrides {
            attempts: Some(0),
            ..Overrides::default()
        };
        assert!(ImdsSettings::resolve(&FakeEnv::new(), None, &o).is_err());
        let o = Overrides {
            timeout: Some(Duration::ZERO),
            ..Overrides::default()
        };
        assert!(ImdsSettings::resolve(&FakeEnv::new(), None, &o).is_err());
    }
}
