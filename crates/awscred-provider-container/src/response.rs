//! What the container endpoint answers: the credentials object, and the error object.
//!
//! The credentials object is read by `awscred_types::json`, the reader the process and IMDS
//! providers share: each malformed field gets its own error naming it, and no error repeats a
//! value from the body.

use awscred_types::json::CredentialsDocument;
use awscred_types::{Credentials, CredentialsError};
use serde_json::Value;

use crate::PROVIDER_NAME;

const DOCUMENT: CredentialsDocument = CredentialsDocument::new("the container endpoint's response");

/// Builds credentials from a parsed `200` body.
///
/// `AccessKeyId` and `SecretAccessKey` are required non-blank strings; `Token`, `Expiration`
/// (RFC 3339) and `AccountId` are optional (absent, `null` or blank counts as not given). Errors
/// are [`CredentialsError::ProviderError`]s with a `field`; the caller adds the URL.
pub(crate) fn credentials(body: Value) -> Result<Credentials, CredentialsError> {
    let mut map = DOCUMENT.into_object(body)?;
    DOCUMENT.read(&mut map)?.into_credentials(PROVIDER_NAME)
}

/// A short description of an error body such as `{"code": "…", "message": "…"}` (ECS agent,
/// EKS Pod Identity agent), or `None` when the body is not of that shape. The raw body is never
/// shown; the code and message are cleaned of control characters, shortened, and have `secret`
/// (the authorization token) blanked if they echo it.
pub(crate) fn error_detail(body: &[u8], secret: Option<&[u8]>) -> Option<String> {
    let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) else {
        return None;
    };
    let secret = secret
        .and_then(|s| std::str::from_utf8(s).ok())
        .filter(|s| !s.is_empty());
    let pick = |lower: &str, upper: &str| {
        map.get(lower)
            .or_else(|| map.get(upper))
            .and_then(Value::as_str)
            .map(|text| clean(text, secret))
            .filter(|text| !text.is_empty())
    };
    match (pick("code", "Code"), pick("message", "Message")) {
        (Some(code), Some(message)) => Some(format!("code: {code}, message: {message}")),
        (Some(code), None) => Some(format!("code: {code}")),
        (None, Some(message)) => Some(format!("message: {message}")),
        (None, None) => None,
    }
}

const MAX_DETAIL_CHARS: usize = 200;

fn clean(text: &str, secret: Option<&str>) -> String {
    let text = match secret {
        Some(secret) if text.contains(secret) => text.replace(secret, "** redacted **"),
        _ => text.to_owned(),
    };
    awscred_types::printable(text.trim(), MAX_DETAIL_CHARS)
        .trim()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::time::{Duration, SystemTime};

    #[test]
    fn full_and_minimal_bodies() {
        let c = credentials(json!({
            "AccessKeyId": "ASIAEXAMPLE",
            "SecretAccessKey": "hunter2-secret",
            "Token": "hunter2-token",
            "Expiration": "2030-01-01T00:00:00Z",
            "AccountId": "123456789012",
            "RoleArn": "ignored",
        }))
        .unwrap();
        assert_eq!(c.access_key_id(), "ASIAEXAMPLE");
        assert_eq!(c.secret_access_key(), "hunter2-secret");
        assert_eq!(c.session_token(), Some("hunter2-token"));
        assert_eq!(c.account_id(), Some("123456789012"));
        assert_eq!(
            c.expiry(),
            Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1_893_456_000))
        );
        assert_eq!(c.provider_name(), "container-role");

        let c = credentials(json!({
            "AccessKeyId": "AKIDEXAMPLE", "SecretAccessKey": "s", "Token": "", "Expiration": null
        }))
        .unwrap();
        assert_eq!(
            (c.session_token(), c.expiry(), c.account_id()),
            (None, None, None)
        );
    }

    #[test]
    fn field_errors_name_the_field_and_never_the_value() {
        let cases = [
            (
                json!({"SecretAccessKey": "hunter2"}),
                "AccessKeyId",
                "missing",
            ),
            (
                json!({"AccessKeyId": " ", "SecretAccessKey": "hunter2"}),
                "AccessKeyId",
                "empty",
            ),
            (json!({"AccessKeyId": "A"}), "SecretAccessKey", "missing"),
            (
                json!({"AccessKeyId": "A", "SecretAccessKey": 7}),
                "SecretAccessKey",
                "a number",
            ),
            (
                json!({"AccessKeyId": "A", "SecretAccessKey": "hunter2", "Token": {"x": "hunter2"}}),
                "Token",
                "an object",
            ),
            (
                json!({"AccessKeyId": "A", "SecretAccessKey": "hunter2", "Expiration": "tomorrow hunter2"}),
                "Expiration",
                "RFC 3339",
            ),
        ];
        for (body, field, part) in cases {
            let err = credentials(body).unwrap_err();
            assert!(err.is_provider_error());
            assert_eq!(err.field("field"), Some(field), "{err}");
            let shown = format!("{err} {err:?}");
            assert!(shown.contains(part), "{shown}");
            assert!(!shown.contains("hunter2"), "{shown}");
        }
        let err = credentials(json!(["hunter2"])).unwrap_err();
        assert!(
            err.to_string().contains("not an object: it is an array"),
            "{err}"
        );
    }

    #[test]
    fn error_detail_reads_code_and_message_only() {
        assert_eq!(
            error_detail(br#"{"code":"AccessDenied","message":"no\nrole"}"#, None).as_deref(),
            Some("code: AccessDenied, message: norole")
        );
        assert_eq!(
            error_detail(
                br#"{"Code":"X","Message":"tok-123 rejected"}"#,
                Some(b"tok-123")
            )
            .as_deref(),
            Some("code: X, message: ** redacted ** rejected")
        );
        assert_eq!(
            error_detail(br#"{"message":"m"}"#, None).as_deref(),
            Some("message: m")
        );
        assert_eq!(error_detail(b"hunter2 plain text", None), None);
        assert_eq!(error_detail(br#"{"other":"hunter2"}"#, None), None);
        let long = format!(r#"{{"code":"{}"}}"#, "x".repeat(500));
        let detail = error_detail(long.as_bytes(), None).unwrap();
        assert!(
            detail.chars().count() < 240 && detail.ends_with("… (300 more characters cut)"),
            "{detail}"
        );
    }
}
