//! The role's credentials document, and static stability for stale ones.
//!
//! The credential fields are read by `awscred_types::json`, the reader the container and
//! process providers share, so that no error ever quotes a value (serde's typed errors repeat
//! the offending value, which could be a secret).

use std::time::{Duration, SystemTime};

use awscred_types::json::{CredentialsDocument, Presence};
use awscred_types::{Credentials, CredentialsError};
use serde_json::{Map, Value};

use crate::PROVIDER_NAME;

/// Credentials that expire within this window when they are fetched are extended.
pub(crate) const STALE_WINDOW: Duration = Duration::from_secs(15 * 60);
/// The extension: now + [`STALE_WINDOW`] + a random number of seconds in this range.
pub(crate) const EXTENSION_JITTER_SECS: std::ops::RangeInclusive<u64> = 120..=600;

/// `Token` and `Expiration` are required: IMDS role credentials are always temporary.
const DOCUMENT: CredentialsDocument = CredentialsDocument::new("the IMDS credentials document")
    .token("Token", Presence::Required)
    .expiration(Presence::Required);

/// What parsing found, beyond the credentials.
#[derive(Debug)]
pub(crate) struct Parsed {
    pub(crate) credentials: Credentials,
    /// The expiry IMDS gave, when static stability replaced it.
    pub(crate) extended_from: Option<SystemTime>,
}

/// Builds credentials from the body of `GET …/security-credentials/<role>`.
///
/// `Code` other than `Success` is an error (`AssumeRoleUnauthorizedAccess`, the role's trust
/// policy not allowing EC2, is a configuration error; any other code a provider error), as are
/// a body that is not a JSON object and a missing, blank or mistyped `AccessKeyId`,
/// `SecretAccessKey`, `Token` or `Expiration`. `AccountId` is optional.
pub(crate) fn parse(
    body: &[u8],
    now: SystemTime,
    jitter: Duration,
) -> Result<Parsed, CredentialsError> {
    let mut map = DOCUMENT.object(body)?;
    check_code(&map)?;
    let mut fields = DOCUMENT.read(&mut map)?;
    // Required, so always there.
    let expiry = fields
        .expiry
        .ok_or_else(|| field_error("Expiration", "is missing"))?;
    let (expiry, extended_from) = match extend_if_stale(expiry, now, jitter) {
        Some(extended) => (extended, Some(expiry)),
        None => (expiry, None),
    };
    fields.expiry = Some(expiry);
    let credentials = fields.into_credentials(PROVIDER_NAME)?;
    Ok(Parsed {
        credentials,
        extended_from,
    })
}

/// Static stability: credentials that are expired, or expire within [`STALE_WINDOW`], at `now`
/// get the expiry `now + STALE_WINDOW + jitter` (botocore's
/// `InstanceMetadataFetcher._evaluate_expiration`), so that a caller keeps using them while
/// IMDS cannot refresh them, and asks again in a while.
pub(crate) fn extend_if_stale(
    expiry: SystemTime,
    now: SystemTime,
    jitter: Duration,
) -> Option<SystemTime> {
    // `checked_add`: a clock far in the future must not panic; then nothing is extended.
    let stale_until = now.checked_add(STALE_WINDOW)?;
    if expiry > stale_until {
        return None;
    }
    stale_until.checked_add(jitter)
}

/// A random extension jitter in [`EXTENSION_JITTER_SECS`].
pub(crate) fn random_jitter() -> Duration {
    Duration::from_secs(fastrand::u64(EXTENSION_JITTER_SECS))
}

fn check_code(map: &Map<String, Value>) -> Result<(), CredentialsError> {
    let code = match map.get("Code") {
        None | Some(Value::Null) => return Ok(()),
        Some(Value::String(code)) if code == "Success" => return Ok(()),
        Some(Value::String(code)) => code.as_str(),
        Some(_) => return Err(field_error("Code", "is not a string")),
    };
    // The code and message are IMDS's own words about the role, never secrets; both are cut
    // short so a runaway body cannot flood a log line.
    let code = awscred_types::printable(code, 64);
    let message = match map.get("Message") {
        Some(Value::String(m)) if !m.trim().is_empty() => {
            format!(": {}", awscred_types::printable(m, 300))
        }
        _ => String::new(),
    };
    let text = format!("IMDS could not provide the role's credentials: {code}{message}");
    let err = if code == "AssumeRoleUnauthorizedAccess" {
        // The role's trust policy does not let EC2 assume it: fixed in IAM, not by retrying.
        CredentialsError::invalid_configuration(text)
    } else {
        CredentialsError::provider_error(text)
    };
    Err(err.with("code", code))
}

fn field_error(field: &'static str, problem: &str) -> CredentialsError {
    CredentialsError::provider_error(format!(
        "the IMDS credentials document is invalid: {field} {problem}"
    ))
    .with("field", field)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Duration = Duration::from_secs(1_717_200_000); // 2024-06-01T00:00:00Z

    fn at(secs: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
    }

    fn doc(extra: &str) -> String {
        format!(
            r#"{{"Code":"Success","LastUpdated":"2024-06-01T00:00:00Z","Type":"AWS-HMAC",
               "AccessKeyId":"ASIAEXAMPLE","SecretAccessKey":"hunter2-secret",
               "Token":"hunter2-token","Expiration":"2024-06-01T06:00:00Z"{extra}}}"#
        )
    }

    #[test]
    fn parses_a_success_document() {
        let now = SystemTime::UNIX_EPOCH + NOW;
        let p = parse(
            doc(r#","AccountId":"123456789012""#).as_bytes(),
            now,
            Duration::ZERO,
        )
        .unwrap();
        let c = p.credentials;
        assert_eq!(c.access_key_id(), "ASIAEXAMPLE");
        assert_eq!(c.session_token(), Some("hunter2-token"));
        assert_eq!(c.expiry(), Some(now + Duration::from_secs(6 * 3600)));
        assert_eq!(c.account_id(), Some("123456789012"));
        assert_eq!(c.provider_name(), "iam-role");
        assert!(p.extended_from.is_none());
    }

    #[test]
    fn errors_never_quote_values() {
        let now = SystemTime::UNIX_EPOCH + NOW;
        let cases = [
            (
                r#"{"AccessKeyId":"A","SecretAccessKey":"hunter2","Expiration":"2024-06-01T06:00:00Z"}"#,
                "Token",
            ),
            (
                r#"{"AccessKeyId":"A","SecretAccessKey":5,"Token":"hunter2","Expiration":"x"}"#,
                "SecretAccessKey",
            ),
            (
                r#"{"AccessKeyId":"A","SecretAccessKey":"hunter2","Token":"hunter2","Expiration":"soon"}"#,
                "Expiration",
            ),
        ];
        for (body, field) in cases {
            let err = parse(body.as_bytes(), now, Duration::ZERO).unwrap_err();
            assert!(err.is_provider_error());
            assert_eq!(err.field("field"), Some(field), "{err}");
            assert!(!format!("{err} {err:?}").contains("hunter2"), "{err}");
        }
        let err = parse(b"{\"Token\": \"hunter2", now, Duration::ZERO).unwrap_err();
        assert!(!format!("{err} {err:?}").contains("hunter2"), "{err}");
        let err = parse(b"[]", now, Duration::ZERO).unwrap_err();
        assert!(err.is_provider_error());
    }

    #[test]
    fn codes_other_than_success() {
        let now = SystemTime::UNIX_EPOCH + NOW;
        let body =
            r#"{"Code":"AssumeRoleUnauthorizedAccess","Message":"EC2 cannot assume the role"}"#;
        let err = parse(body.as_bytes(), now, Duration::ZERO).unwrap_err();
        assert!(err.is_invalid_configuration());
        assert!(
            err.to_string().contains("EC2 cannot assume the role"),
            "{err}"
        );
        let body = format!(
            r#"{{"Code":"InternalError","Message":"{}"}}"#,
            "x".repeat(1000)
        );
        let err = parse(body.as_bytes(), now, Duration::ZERO).unwrap_err();
        assert!(err.is_provider_error());
        assert_eq!(err.field("code"), Some("InternalError"));
        assert!(err.to_string().len() < 500);
    }

    #[test]
    fn stale_credentials_are_extended() {
        let now = at(10_000);
        let jitter = Duration::from_secs(300);
        assert_eq!(
            extend_if_stale(at(9_000), now, jitter),
            Some(now + STALE_WINDOW + jitter)
        );
        assert_eq!(
            extend_if_stale(now + STALE_WINDOW, now, jitter),
            Some(now + STALE_WINDOW + jitter)
        );
        assert_eq!(
            extend_if_stale(now + STALE_WINDOW + Duration::from_secs(1), now, jitter),
            None
        );
        for _ in 0..100 {
            let j = random_jitter();
            assert!((120..=600).contains(&j.as_secs()));
        }
    }
}
