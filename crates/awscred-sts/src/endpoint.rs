//! Where STS calls go: botocore's endpoint and region rules for STS.

use std::fmt;

use awscred_profile::ProfileView;
use awscred_types::{CredentialsError, Env};

/// Regions for which `sts_regional_endpoints = legacy` still means the global endpoint
/// (botocore `args.py:LEGACY_GLOBAL_STS_REGIONS`).
const LEGACY_GLOBAL_REGIONS: &[&str] = &[
    "ap-northeast-1",
    "ap-south-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "aws-global",
    "ca-central-1",
    "eu-central-1",
    "eu-north-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
];

/// The settings that decide where STS calls go, read from the environment and the *selected*
/// profile (never from a `source_profile`, as botocore does).
///
/// Build it with [`StsConfig::from_sources`], or set the fields in code.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct StsConfig {
    /// `AWS_REGION`, else `AWS_DEFAULT_REGION`, else profile `region`.
    pub region: Option<String>,
    /// A configured endpoint URL ([`ProfileView::endpoint_url`] for `sts`:
    /// `AWS_ENDPOINT_URL_STS`, `AWS_ENDPOINT_URL`, the profile's `[services]` section `sts`
    /// `endpoint_url`, then profile `endpoint_url`), unless `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS`
    /// / `ignore_configured_endpoint_urls` is `true`.
    pub endpoint_url: Option<String>,
    /// `AWS_USE_FIPS_ENDPOINT` / `use_fips_endpoint` is `true` (botocore's `ensure_boolean`:
    /// any other value is false, never an error).
    pub use_fips: bool,
    /// `AWS_USE_DUALSTACK_ENDPOINT` / `use_dualstack_endpoint` is `true` (the same rule).
    pub use_dualstack: bool,
    /// `AWS_STS_REGIONAL_ENDPOINTS` / `sts_regional_endpoints` is `legacy`.
    pub legacy_global_endpoint: bool,
}

/// `AWS_REGION`, else `AWS_DEFAULT_REGION`, else the profile's `region`; trimmed.
pub(crate) fn region(env: &dyn Env, profile: &ProfileView<'_>) -> Option<String> {
    env.get("AWS_REGION")
        .or_else(|| env.get("AWS_DEFAULT_REGION"))
        .or_else(|| profile.get("region").map(str::to_owned))
        .map(|r| r.trim().to_owned())
}

impl StsConfig {
    /// Reads the settings from the environment (first) and the selected profile, botocore's
    /// precedence for each.
    pub fn from_sources(
        env: &dyn Env,
        profile: &ProfileView<'_>,
    ) -> Result<Self, CredentialsError> {
        let get =
            |var: &str, key: &str| env.get(var).or_else(|| profile.get(key).map(str::to_owned));
        let region = region(env, profile);
        let endpoint_url = profile.endpoint_url(env, "sts");
        let regional = get("AWS_STS_REGIONAL_ENDPOINTS", "sts_regional_endpoints");
        let legacy_global_endpoint = match regional.as_deref().map(str::trim) {
            None | Some("regional") => false,
            Some("legacy") => true,
            Some(other) => {
                return Err(CredentialsError::invalid_configuration(format!(
                    "sts_regional_endpoints must be \"regional\" or \"legacy\", not {other:?}"
                ))
                .with("key", "sts_regional_endpoints"));
            }
        };
        Ok(Self {
            region,
            endpoint_url,
            use_fips: profile.flag(env, "AWS_USE_FIPS_ENDPOINT", "use_fips_endpoint"),
            use_dualstack: profile.flag(
                env,
                "AWS_USE_DUALSTACK_ENDPOINT",
                "use_dualstack_endpoint",
            ),
            legacy_global_endpoint,
        })
    }

    /// A config for `region` with no other settings.
    pub fn for_region(region: impl Into<String>) -> Self {
        Self {
            region: Some(region.into()),
            ..Self::default()
        }
    }

    /// Resolves the endpoint URL and the signing region.
    pub fn resolve(&self) -> Result<Endpoint, CredentialsError> {
        if let Some(url) = &self.endpoint_url {
            let Some(region) = &self.region else {
                return Err(CredentialsError::invalid_configuration(
                    "an STS endpoint URL is configured but no region is; SigV4 needs one \
                     (set AWS_REGION or the profile's region)",
                )
                .with("url", url));
            };
            checked_url(url, "STS")?;
            return Ok(Endpoint {
                url: url.clone(),
                signing_region: region.clone(),
            });
        }
        let Some(region) = self.region.as_deref().filter(|r| *r != "aws-global") else {
            return Ok(Endpoint::global());
        };
        if !region
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            || region.is_empty()
        {
            return Err(CredentialsError::invalid_configuration(format!(
                "{region:?} is not a valid region name"
            ))
            .with("key", "region"));
        }
        if self.legacy_global_endpoint
            && !self.use_fips
            && !self.use_dualstack
            && LEGACY_GLOBAL_REGIONS.contains(&region)
        {
            return Ok(Endpoint::global());
        }
        let (dns_suffix, dualstack_suffix) = if region.starts_with("cn-") {
            ("amazonaws.com.cn", "api.amazonwebservices.com.cn")
        } else {
            ("amazonaws.com", "api.aws")
        };
        let host = match (self.use_fips, self.use_dualstack) {
            (false, false) => format!("sts.{region}.{dns_suffix}"),
            (true, false) => format!("sts-fips.{region}.{dns_suffix}"),
            (false, true) => format!("sts.{region}.{dualstack_suffix}"),
            (true, true) => format!("sts-fips.{region}.{dualstack_suffix}"),
        };
        Ok(Endpoint {
            url: format!("https://{host}"),
            signing_region: region.to_owned(),
        })
    }
}

/// A resolved STS endpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    /// The base URL requests are POSTed to (no trailing slash needed).
    pub url: String,
    /// The region the SigV4 signature is scoped to.
    pub signing_region: String,
}

impl Endpoint {
    /// The global endpoint `https://sts.amazonaws.com`, signed for `us-east-1`.
    pub fn global() -> Self {
        Self {
            url: "https://sts.amazonaws.com".into(),
            signing_region: "us-east-1".into(),
        }
    }

    /// An explicit endpoint (tests, proxies, private endpoints).
    pub fn new(url: impl Into<String>, signing_region: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            signing_region: signing_region.into(),
        }
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.url)
    }
}

/// A configured endpoint URL for `service` (`STS`, `IAM`): it must name its scheme.
pub(crate) fn checked_url(url: &str, service: &str) -> Result<(), CredentialsError> {
    if url.starts_with("https://") || url.starts_with("http://") {
        Ok(())
    } else {
        Err(CredentialsError::invalid_configuration(format!(
            "the configured {service} endpoint URL must start with https:// or http://"
        ))
        .with("url", url))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use awscred_profile::ProfileSet;
    use awscred_types::FakeEnv;

    /// A config file whose profile `p` has `body` (and a `[services]` section, if it names one).
    fn profile(body: &str) -> ProfileSet {
        awscred_test::config_profiles(&format!("[profile p]\n{body}"))
    }

    fn url(env: FakeEnv, profile: ProfileSet) -> Result<String, CredentialsError> {
        StsConfig::from_sources(&env, &profile.view("p"))?
            .resolve()
            .map(|e| e.url)
    }

    #[test]
    fn services_section_of_a_real_profile_set() {
        let config = "[profile dev]\nregion = eu-west-1\nservices = local\n\
                      [services local]\nsts =\n  endpoint_url = http://127.0.0.1:5000\n";
        let set = awscred_test::config_profiles(config);
        let endpoint = StsConfig::from_sources(&FakeEnv::new(), &set.view("dev"))
            .unwrap()
            .resolve()
            .unwrap();
        assert_eq!(
            endpoint,
            Endpoint::new("http://127.0.0.1:5000", "eu-west-1")
        );
        let none = StsConfig::from_sources(&FakeEnv::new(), &set.view("missing")).unwrap();
        assert_eq!(none.region, None);
    }

    #[test]
    fn regional_by_default_global_without_region() {
        assert_eq!(
            url(FakeEnv::new(), profile("")).unwrap(),
            "https://sts.amazonaws.com"
        );
        let env = FakeEnv::new().with("AWS_DEFAULT_REGION", "eu-west-1");
        assert_eq!(
            url(env, profile("")).unwrap(),
            "https://sts.eu-west-1.amazonaws.com"
        );
    }

    #[test]
    fn region_precedence_env_region_then_default_region_then_profile() {
        let p = || profile("region = ap-south-1\n");
        let env = FakeEnv::new()
            .with("AWS_REGION", "us-west-2")
            .with("AWS_DEFAULT_REGION", "eu-west-1");
        assert_eq!(
            url(env, p()).unwrap(),
            "https://sts.us-west-2.amazonaws.com"
        );
        let env = FakeEnv::new().with("AWS_DEFAULT_REGION", "eu-west-1");
        assert_eq!(
            url(env, p()).unwrap(),
            "https://sts.eu-west-1.amazonaws.com"
        );
        assert_eq!(
            url(FakeEnv::new(), p()).unwrap(),
            "https://sts.ap-south-1.amazonaws.com"
        );
    }

    #[test]
    fn configured_endpoint_precedence() {
        let p = || {
            profile(
                "region = us-east-2\nendpoint_url = http://profile\nservices = s\n\
                 [services s]\nsts =\n  endpoint_url = http://services\n",
            )
        };
        let env = FakeEnv::new()
            .with("AWS_ENDPOINT_URL_STS", "http://sts-env")
            .with("AWS_ENDPOINT_URL", "http://global-env");
        assert_eq!(url(env, p()).unwrap(), "http://sts-env");
        let env = FakeEnv::new().with("AWS_ENDPOINT_URL", "http://global-env");
        assert_eq!(url(env, p()).unwrap(), "http://global-env");
        assert_eq!(url(FakeEnv::new(), p()).unwrap(), "http://services");
        let only_profile = profile("region = us-east-2\nendpoint_url = http://profile\n");
        assert_eq!(url(FakeEnv::new(), only_profile).unwrap(), "http://profile");
        let env = FakeEnv::new().with("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true");
        assert_eq!(
            url(env, p()).unwrap(),
            "https://sts.us-east-2.amazonaws.com"
        );
        // Not `true` is false (botocore's `ensure_boolean`), not an error.
        let env = FakeEnv::new().with("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "sometimes");
        assert_eq!(url(env, p()).unwrap(), "http://services");
    }

    #[test]
    fn endpoint_without_region_is_an_error_naming_the_url() {
        let env = FakeEnv::new().with("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:1");
        let err = url(env, profile("")).unwrap_err();
        assert!(err.to_string().contains("no region"), "{err}");
        assert_eq!(err.field("url"), Some("http://127.0.0.1:1"));
    }

    #[test]
    fn legacy_fips_dualstack_and_partitions() {
        let env = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .fold(FakeEnv::new(), |e, (k, v)| e.with(*k, *v))
        };
        let legacy = [("AWS_STS_REGIONAL_ENDPOINTS", "legacy")];
        assert_eq!(
            url(env(&[legacy[0], ("AWS_REGION", "us-west-2")]), profile("")).unwrap(),
            "https://sts.amazonaws.com"
        );
        assert_eq!(
            url(env(&[legacy[0], ("AWS_REGION", "ap-east-1")]), profile("")).unwrap(),
            "https://sts.ap-east-1.amazonaws.com"
        );
        assert_eq!(
            url(
                env(&[
                    ("AWS_REGION", "us-east-1"),
                    ("AWS_USE_FIPS_ENDPOINT", "true")
                ]),
                profile("")
            )
            .unwrap(),
            "https://sts-fips.us-east-1.amazonaws.com"
        );
        assert_eq!(
            url(
                env(&[
                    ("AWS_REGION", "us-east-1"),
                    ("AWS_USE_DUALSTACK_ENDPOINT", "true")
                ]),
                profile("")
            )
            .unwrap(),
            "https://sts.us-east-1.api.aws"
        );
        assert_eq!(
            url(
                env(&[
                    ("AWS_REGION", "us-east-1"),
                    ("AWS_USE_DUALSTACK_ENDPOINT", "true"),
                    ("AWS_USE_FIPS_ENDPOINT", "true")
                ]),
                profile("")
            )
            .unwrap(),
            "https://sts-fips.us-east-1.api.aws"
        );
        assert_eq!(
            url(env(&[("AWS_REGION", "cn-north-1")]), profile("")).unwrap(),
            "https://sts.cn-north-1.amazonaws.com.cn"
        );
        assert_eq!(
            url(env(&[("AWS_REGION", "us-gov-west-1")]), profile("")).unwrap(),
            "https://sts.us-gov-west-1.amazonaws.com"
        );
        let bad = url(
            env(&[("AWS_STS_REGIONAL_ENDPOINTS", "sometimes")]),
            profile(""),
        )
        .unwrap_err();
        assert!(bad.to_string().contains("sts_regional_endpoints"));
        // Not `true` is false (botocore's `ensure_boolean`), not an error; ` TRUE ` is true.
        let region = ("AWS_REGION", "us-east-1");
        for (var, key) in [
            ("AWS_USE_FIPS_ENDPOINT", "use_fips_endpoint"),
            ("AWS_USE_DUALSTACK_ENDPOINT", "use_dualstack_endpoint"),
        ] {
            let plain = "https://sts.us-east-1.amazonaws.com";
            assert_eq!(
                url(env(&[region, (var, "yes")]), profile("")).unwrap(),
                plain
            );
            let set = profile(&format!("{key} = 1"));
            assert_eq!(url(env(&[region]), set).unwrap(), plain);
            let on = url(env(&[region, (var, " TRUE ")]), profile("")).unwrap();
            assert_ne!(on, plain, "{var}");
        }
        let bad = url(env(&[("AWS_REGION", "us east/1")]), profile("")).unwrap_err();
        assert!(bad.to_string().contains("not a valid region"));
    }
}
