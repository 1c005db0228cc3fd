//! Where `CreateOAuth2Token` goes: botocore's `signin` endpoint rules
//! (`botocore/data/signin/2023-01-01/endpoint-rule-set-1.json`, botocore 1.44.8) and
//! `partitions.json`, for an operation with `IsControlPlane = false`.

use awscred_types::CredentialsError;

/// The inputs of the rule set.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EndpointParams {
    /// `Region` (the token's `signInRegion`, else the profile's region).
    pub region: Option<String>,
    /// `Endpoint`: a configured endpoint URL.
    pub endpoint: Option<String>,
    /// `UseFIPS`.
    pub use_fips: bool,
    /// `UseDualStack`.
    pub use_dualstack: bool,
}

/// One partition of `partitions.json`: its name, the explicit regions, the region pattern
/// `^<prefix>-\w+-\d+$` (prefixes listed), and its DNS suffixes. Every partition supports FIPS
/// and dual-stack in botocore 1.44.8.
struct Partition {
    name: &'static str,
    regions: &'static [&'static str],
    prefixes: &'static [&'static str],
    dns: &'static str,
    dualstack_dns: &'static str,
}

const PARTITIONS: &[Partition] = &[
    Partition {
        name: "aws",
        regions: &["aws-global"],
        prefixes: &["us", "eu", "ap", "sa", "ca", "me", "af", "il", "mx"],
        dns: "amazonaws.com",
        dualstack_dns: "api.aws",
    },
    Partition {
        name: "aws-cn",
        regions: &["aws-cn-global"],
        prefixes: &["cn"],
        dns: "amazonaws.com.cn",
        dualstack_dns: "api.amazonwebservices.com.cn",
    },
    Partition {
        name: "aws-eusc",
        regions: &[],
        prefixes: &["eusc-de"],
        dns: "amazonaws.eu",
        dualstack_dns: "api.amazonwebservices.eu",
    },
    Partition {
        name: "aws-iso",
        regions: &["aws-iso-global"],
        prefixes: &["us-iso"],
        dns: "c2s.ic.gov",
        dualstack_dns: "api.aws.ic.gov",
    },
    Partition {
        name: "aws-iso-b",
        regions: &["aws-iso-b-global"],
        prefixes: &["us-isob"],
        dns: "sc2s.sgov.gov",
        dualstack_dns: "api.aws.scloud",
    },
    Partition {
        name: "aws-iso-e",
        regions: &["aws-iso-e-global"],
        prefixes: &["eu-isoe"],
        dns: "cloud.adc-e.uk",
        dualstack_dns: "api.cloud-aws.adc-e.uk",
    },
    Partition {
        name: "aws-iso-f",
        regions: &["aws-iso-f-global"],
        prefixes: &["us-isof"],
        dns: "csp.hci.ic.gov",
        dualstack_dns: "api.aws.hci.ic.gov",
    },
    Partition {
        name: "aws-us-gov",
        regions: &["aws-us-gov-global"],
        prefixes: &["us-gov"],
        dns: "amazonaws.com",
        dualstack_dns: "api.aws",
    },
];

/// `aws.partition(region)`: an explicitly listed region first, then the patterns in file
/// order, else `aws` (the rules engine's fallback). Regions named explicitly in
/// `partitions.json` also match their pattern, so only the `*-global` names are listed.
fn partition(region: &str) -> &'static Partition {
    let pattern = |prefix: &str| {
        let Some(rest) = region
            .strip_prefix(prefix)
            .and_then(|r| r.strip_prefix('-'))
        else {
            return false;
        };
        let Some((word, digits)) = rest.split_once('-') else {
            return false;
        };
        !word.is_empty()
            && word.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            && !digits.is_empty()
            && digits.bytes().all(|b| b.is_ascii_digit())
    };
    PARTITIONS
        .iter()
        .find(|p| p.regions.contains(&region))
        .or_else(|| {
            PARTITIONS
                .iter()
                .find(|p| p.prefixes.iter().any(|prefix| pattern(prefix)))
        })
        .unwrap_or(&PARTITIONS[0])
}

/// The endpoint URL (no trailing `/`), or the rule set's error.
pub fn resolve(params: &EndpointParams) -> Result<String, CredentialsError> {
    let err = |m: &'static str| CredentialsError::invalid_configuration(m);
    let (fips, dual) = (params.use_fips, params.use_dualstack);
    if let Some(endpoint) = &params.endpoint {
        if fips {
            return Err(err(
                "Invalid Configuration: FIPS and custom endpoint are not supported",
            ));
        }
        if dual {
            return Err(err(
                "Invalid Configuration: Dualstack and custom endpoint are not supported",
            ));
        }
        return Ok(endpoint.trim_end_matches('/').to_owned());
    }
    let Some(region) = params.region.as_deref() else {
        return Err(err("Invalid Configuration: Missing Region"));
    };
    let p = partition(region);
    let url = match (fips, dual) {
        (false, false) => match p.name {
            "aws" => format!("https://{region}.signin.aws.amazon.com"),
            "aws-cn" => format!("https://{region}.signin.amazonaws.cn"),
            "aws-us-gov" => format!("https://{region}.signin.amazonaws-us-gov.com"),
            "aws-iso" => format!("https://{region}.signin.c2shome.ic.gov"),
            "aws-iso-b" => format!("https://{region}.signin.sc2shome.sgov.gov"),
            "aws-iso-f" => format!("https://{region}.signin.csphome.hci.ic.gov"),
            "aws-iso-e" => format!("https://{region}.signin.csphome.adc-e.uk"),
            "aws-eusc" => format!("https://{region}.signin.amazonaws-eusc.eu"),
            _ => format!("https://{region}.signin.{}", p.dns),
        },
        (true, false) if region == "us-gov-west-1" => {
            "https://signin-fips.amazonaws-us-gov.com".to_owned()
        }
        (true, false) if p.name == "aws-us-gov" => {
            format!("https://{region}.signin-fips.amazonaws-us-gov.com")
        }
        (true, false) => format!("https://signin-fips.{region}.{}", p.dns),
        (true, true) => format!("https://signin-fips.{region}.{}", p.dualstack_dns),
        (false, true) => format!("https://signin.{region}.{}", p.dualstack_dns),
    };
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(region: &str, fips: bool, dual: bool) -> String {
        resolve(&EndpointParams {
            region: Some(region.into()),
            endpoint: None,
            use_fips: fips,
            use_dualstack: dual,
        })
        .unwrap_or_else(|e| e.message().to_owned())
    }

    #[test]
    fn the_rule_set_by_partition_fips_and_dualstack() {
        let cases = [
            (
                "us-east-1",
                false,
                false,
                "https://us-east-1.signin.aws.amazon.com",
            ),
            (
                "eu-west-1",
                false,
                false,
                "https://eu-west-1.signin.aws.amazon.com",
            ),
            (
                "aws-global",
                false,
                false,
                "https://aws-global.signin.aws.amazon.com",
            ),
            (
                "cn-north-1",
                false,
                false,
                "https://cn-north-1.signin.amazonaws.cn",
            ),
            (
                "us-gov-east-1",
                false,
                false,
                "https://us-gov-east-1.signin.amazonaws-us-gov.com",
            ),
            (
                "us-iso-east-1",
                false,
                false,
                "https://us-iso-east-1.signin.c2shome.ic.gov",
            ),
            (
                "us-isob-east-1",
                false,
                false,
                "https://us-isob-east-1.signin.sc2shome.sgov.gov",
            ),
            (
                "us-isof-south-1",
                false,
                false,
                "https://us-isof-south-1.signin.csphome.hci.ic.gov",
            ),
            (
                "eu-isoe-west-1",
                false,
                false,
                "https://eu-isoe-west-1.signin.csphome.adc-e.uk",
            ),
            (
                "eusc-de-east-1",
                false,
                false,
                "https://eusc-de-east-1.signin.amazonaws-eusc.eu",
            ),
            (
                "mars-east-1",
                false,
                false,
                "https://mars-east-1.signin.aws.amazon.com",
            ),
            (
                "us-gov-west-1",
                true,
                false,
                "https://signin-fips.amazonaws-us-gov.com",
            ),
            (
                "us-gov-east-1",
                true,
                false,
                "https://us-gov-east-1.signin-fips.amazonaws-us-gov.com",
            ),
            (
                "us-east-1",
                true,
                false,
                "https://signin-fips.us-east-1.amazonaws.com",
            ),
            (
                "cn-north-1",
                true,
                false,
                "https://signin-fips.cn-north-1.amazonaws.com.cn",
            ),
            (
                "us-east-1",
                true,
                true,
                "https://signin-fips.us-east-1.api.aws",
            ),
            ("us-east-1", false, true, "https://signin.us-east-1.api.aws"),
            (
                "cn-north-1",
                false,
                true,
                "https://signin.cn-north-1.api.amazonwebservices.com.cn",
            ),
        ];
        for (region, fips, dual, want) in cases {
            assert_eq!(
                at(region, fips, dual),
                want,
                "{region} fips={fips} dual={dual}"
            );
        }
    }

    #[test]
    fn a_configured_endpoint_and_its_errors() {
        let mut p = EndpointParams {
            region: None,
            endpoint: Some("http://127.0.0.1:9/".into()),
            ..Default::default()
        };
        assert_eq!(resolve(&p).unwrap(), "http://127.0.0.1:9");
        p.use_fips = true;
        assert!(
            resolve(&p)
                .unwrap_err()
                .message()
                .contains("FIPS and custom endpoint")
        );
        p.use_fips = false;
        p.use_dualstack = true;
        assert!(
            resolve(&p)
                .unwrap_err()
                .message()
                .contains("Dualstack and custom endpoint")
        );
        let none = EndpointParams::default();
        assert!(
            resolve(&none)
                .unwrap_err()
                .message()
                .contains("Missing Region")
        );
    }
}
