//! Validation of what a `credential_process` prints: one JSON object, `Version` 1.
//!
//! The credential fields are read by `awscred_types::json`, the reader the container and IMDS
//! providers share: each malformed field gets its own error naming it, and no error ever repeats
//! a value from the output (serde's typed errors would quote it, and it could be a secret).

use awscred_types::json::{CredentialsDocument, Presence, type_name};
use awscred_types::{Credentials, CredentialsError};
use serde_json::Value;

use crate::PROVIDER_NAME;

/// `SessionToken`; an `Expiration` of `""` is not an RFC 3339 time (botocore parses any value
/// that is there).
const DOCUMENT: CredentialsDocument = CredentialsDocument::new("the credential_process output")
    .token("SessionToken", Presence::Optional)
    .expiration(Presence::OptionalNotBlank);

/// Builds credentials from the process's stdout; `account_id_fallback` is the profile's
/// `aws_account_id`, used when the output has no `AccountId`.
///
/// Errors are [`CredentialsError::ProviderError`]s without the profile (the caller adds it).
pub(crate) fn parse(
    stdout: &[u8],
    account_id_fallback: Option<&str>,
) -> Result<Credentials, CredentialsError> {
    if stdout.iter().all(u8::is_ascii_whitespace) {
        return Err(CredentialsError::provider_error(
            "credential_process wrote nothing to stdout; it must print a JSON object",
        ));
    }
    let mut map = DOCUMENT.object(stdout)?;
    check_version(map.get("Version"))?;
    let mut fields = DOCUMENT.read(&mut map)?;
    fields.account_id = fields.account_id.or_else(|| {
        account_id_fallback
            .filter(|a| !a.trim().is_empty())
            .map(str::to_owned)
    });
    fields.into_credentials(PROVIDER_NAME)
}

/// `Version` must be the number 1 (`1` or `1.0`, as Python's `version != 1` allows).
fn check_version(version: Option<&Value>) -> Result<(), CredentialsError> {
    let problem = match version {
        Some(Value::Number(n)) if n.as_u64() == Some(1) || n.as_f64() == Some(1.0) => return Ok(()),
        None => "Version is missing".to_owned(),
        Some(Value::Number(n)) => format!("Version is {n}"),
        Some(other) => format!("Version is {}, not a number", type_name(other)),
    };
    Err(CredentialsError::provider_error(format!(
        "unsupported Version in the credential_process output: {problem}; the supported version is 1"
    ))
    .with("field", "Version"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, SystemTime};

    fn ok(json: &str) -> Credentials {
        parse(json.as_bytes(), None).unwrap()
    }

    fn err(json: &str) -> CredentialsError {
        let e = parse(json.as_bytes(), None).unwrap_err();
        assert!(e.is_provider_error(), "{e}");
        e
    }

    #[test]
    fn minimal_output_gives_static_credentials() {
        let c = ok(r#"{"Version":1,"AccessKeyId":"AK","SecretAccessKey":"SK"}"#);
        assert_eq!((c.access_key_id(), c.secret_access_key()), ("AK", "SK"));
        assert_eq!(c.session_token(), None);
        assert_eq!(c.expiry(), None);
        assert_eq!(c.account_id(), None);
        assert_eq!(c.provider_name(), "custom-process");
    }

    #[test]
    fn full_output() {
        let c = ok(
            r#"{"Version":1.0,"AccessKeyId":"ASIA","SecretAccessKey":"SK",
            "SessionToken":"TOK","Expiration":"2030-01-01T00:00:00Z","AccountId":"123456789012",
            "Other":[1,2]}"#,
        );
        assert_eq!(c.session_token(), Some("TOK"));
        assert_eq!(
            c.expiry(),
            Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1_893_456_000))
        );
        assert_eq!(c.account_id(), Some("123456789012"));
    }

    #[test]
    fn account_id_falls_back_to_the_profile_unless_the_output_has_one() {
        let base = r#""Version":1,"AccessKeyId":"AK","SecretAccessKey":"SK""#;
        let none = format!("{{{base}}}");
        let own = format!(r#"{{{base},"AccountId":"111111111111"}}"#);
        let blank = format!(r#"{{{base},"AccountId":""}}"#);
        let fb = Some("222222222222");
        let account = |json: &str, fb| {
            parse(json.as_bytes(), fb)
                .unwrap()
                .account_id()
                .map(str::to_owned)
        };
        assert_eq!(account(&none, fb).as_deref(), fb);
        assert_eq!(account(&own, fb).as_deref(), Some("111111111111"));
        assert_eq!(account(&blank, fb).as_deref(), fb);
        assert_eq!(account(&none, Some(" ")), None);
        assert_eq!(account(&none, None), None);
    }

    #[test]
    fn version_must_be_one() {
        for (json, says) in [
            (
                r#"{"AccessKeyId":"AK","SecretAccessKey":"SK"}"#,
                "Version is missing",
            ),
            (
                r#"{"Version":2,"AccessKeyId":"AK","SecretAccessKey":"SK"}"#,
                "Version is 2",
            ),
            (
                r#"{"Version":"1","AccessKeyId":"AK","SecretAccessKey":"SK"}"#,
                "a string",
            ),
            (
                r#"{"Version":true,"AccessKeyId":"AK","SecretAccessKey":"SK"}"#,
                "a boolean",
            ),
        ] {
            let e = err(json);
            assert!(e.message().starts_with("unsupported Version"), "{e}");
            assert!(e.message().contains(says), "{e}");
            assert_eq!(e.field("field"), Some("Version"));
        }
    }

    #[test]
    fn each_bad_field_is_named_and_its_value_never_shown() {
        for (json, field, says) in [
            (
                r#"{"Version":1,"SecretAccessKey":"hunter2"}"#,
                "AccessKeyId",
                "missing",
            ),
            (
                r#"{"Version":1,"AccessKeyId":" ","SecretAccessKey":"hunter2"}"#,
                "AccessKeyId",
                "empty",
            ),
            (
                r#"{"Version":1,"AccessKeyId":7,"SecretAccessKey":"hunter2"}"#,
                "AccessKeyId",
                "not a number",
            ),
            (
                r#"{"Version":1,"AccessKeyId":"AK"}"#,
                "SecretAccessKey",
                "missing",
            ),
            (
                r#"{"Version":1,"AccessKeyId":"AK","SecretAccessKey":null}"#,
                "SecretAccessKey",
                "missing",
            ),
            (
                r#"{"Version":1,"AccessKeyId":"AK","SecretAccessKey":""}"#,
                "SecretAccessKey",
                "empty",
            ),
            (
                r#"{"Version":1,"AccessKeyId":"AK","SecretAccessKey":["hunter2"]}"#,
                "SecretAccessKey",
                "not an array",
            ),
            (
                r#"{"Version":1,"AccessKeyId":"AK","SecretAccessKey":"hunter2","SessionToken":{"t":"hunter2"}}"#,
                "SessionToken",
                "not an object",
            ),
            (
                r#"{"Version":1,"AccessKeyId":"AK","SecretAccessKey":"hunter2","Expiration":"hunter2"}"#,
                "Expiration",
                "RFC 3339",
            ),
            (
                r#"{"Version":1,"AccessKeyId":"AK","SecretAccessKey":"hunter2","Expiration":""}"#,
                "Expiration",
                "RFC 3339",
            ),
            (
                r#"{"Version":1,"AccessKeyId":"AK","SecretAccessKey":"hunter2","Expiration":1893456000}"#,
                "Expiration",
                "not a number",
            ),
            (
                r#"{"Version":1,"AccessKeyId":"AK","SecretAccessKey":"hunter2","AccountId":false}"#,
                "AccountId",
                "not a boolean",
            ),
        ] {
            let e = err(json);
            assert_eq!(e.field("field"), Some(field), "{json}: {e}");
            assert!(e.message().starts_with(field), "{e}");
            assert!(e.to_string().contains(says), "{json}: {e}");
            let shown = format!("{e} {e:?}");
            assert!(!shown.contains("hunter2"), "{shown}");
        }
    }

    #[test]
    fn not_json_empty_and_not_an_object() {
        let e = err("AccessKeyId=AK SecretAccessKey=hunter2");
        assert_eq!(e.message(), "the credential_process output is not JSON");
        assert!(e.to_string().contains("line 1 column 1"), "{e}");
        assert!(!format!("{e} {e:?}").contains("hunter2"));
        let e = err(r#"{"Version":1,"AccessKeyId":"AK","SecretAccessKey":"hunter2"} trailing"#);
        assert!(
            e.to_string().contains("not JSON") && e.to_string().contains("column"),
            "{e}"
        );
        assert!(!format!("{e} {e:?}").contains("hunter2"));
        for empty in ["", " \n\t"] {
            assert!(err(empty).message().contains("wrote nothing to stdout"));
        }
        assert!(
            err("[1]")
                .message()
                .contains("not an object: it is an array")
        );
        assert!(err("\"hunter2\"").message().contains("it is a string"));
    }
}
