//! The credentials JSON document (feature `json`): `AccessKeyId`, `SecretAccessKey`, a session
//! token (`Token` or `SessionToken`), `Expiration` (RFC 3339) and `AccountId`, as the container
//! endpoint answers, `credential_process` prints and IMDS serves it.
//!
//! The document is read as a `serde_json::Value` and checked field by field (rather than
//! deserialised into a struct) so that each malformed field gets its own error naming it
//! (`field`), and so that no error ever repeats a value from the document: serde's typed errors
//! quote the offending value (`invalid type: integer 5, expected a string`), which could be a
//! secret. Each provider says what the document is called in its errors and which fields it
//! requires; checks of its own (`Version`, `Code`) stay with it.

use std::time::SystemTime;

use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use zeroize::Zeroizing;

use crate::{Credentials, CredentialsError};

/// Whether a field must be there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    /// A non-blank string.
    Required,
    /// Absent, `null` or blank mean "not given"; otherwise a string.
    Optional,
    /// Absent or `null` mean "not given"; a blank string is checked like any other value
    /// (an `Expiration` of `""` is not an RFC 3339 time).
    OptionalNotBlank,
}

/// How one provider reads the document (a `const`, built once).
#[derive(Debug, Clone, Copy)]
pub struct CredentialsDocument {
    what: &'static str,
    token_key: &'static str,
    token: Presence,
    expiration: Presence,
}

/// The fields read from a document; build [`Credentials`] with [`into_credentials`].
///
/// [`into_credentials`]: DocumentFields::into_credentials
#[derive(Debug)]
pub struct DocumentFields {
    /// `AccessKeyId`.
    pub access_key_id: String,
    /// `SecretAccessKey`.
    pub secret_access_key: Zeroizing<String>,
    /// `Token` / `SessionToken`.
    pub session_token: Option<Zeroizing<String>>,
    /// `Expiration`.
    pub expiry: Option<SystemTime>,
    /// `AccountId`.
    pub account_id: Option<String>,
}

impl DocumentFields {
    /// Credentials from these fields, as provider `provider_name`, refused when a value holds a
    /// character no AWS credential contains ([`Credentials::validated`]).
    pub fn into_credentials(
        self,
        provider_name: &'static str,
    ) -> Result<Credentials, CredentialsError> {
        Credentials::builder(
            self.access_key_id,
            self.secret_access_key.as_str(),
            provider_name,
        )
        .maybe_session_token(self.session_token.as_ref().map(|t| t.to_string()))
        .maybe_expiry(self.expiry)
        .maybe_account_id(self.account_id)
        .build()
        .validated()
    }
}

impl CredentialsDocument {
    /// A document called `what` in errors (`"the container endpoint's response"`): token key
    /// `Token`, token and `Expiration` optional (absent, `null` or blank: not given).
    pub const fn new(what: &'static str) -> Self {
        Self {
            what,
            token_key: "Token",
            token: Presence::Optional,
            expiration: Presence::Optional,
        }
    }

    /// The session token's key and whether it must be there.
    pub const fn token(mut self, key: &'static str, presence: Presence) -> Self {
        self.token_key = key;
        self.token = presence;
        self
    }

    /// Whether `Expiration` must be there.
    pub const fn expiration(mut self, presence: Presence) -> Self {
        self.expiration = presence;
        self
    }

    /// Parses `body` as a JSON object (errors: not JSON, with serde_json's position only; not
    /// an object, naming the JSON type).
    pub fn object(&self, body: &[u8]) -> Result<Map<String, Value>, CredentialsError> {
        // serde_json's syntax errors name a line and column and never quote the input.
        let value: Value = serde_json::from_slice(body).map_err(|e| {
            CredentialsError::provider_error(format!("{} is not JSON", self.what)).with_source(e)
        })?;
        self.into_object(value)
    }

    /// `value` as an object, or the error naming what it is instead.
    pub fn into_object(&self, value: Value) -> Result<Map<String, Value>, CredentialsError> {
        match value {
            Value::Object(map) => Ok(map),
            other => Err(CredentialsError::provider_error(format!(
                "{} is JSON but not an object: it is {}",
                self.what,
                type_name(&other)
            ))),
        }
    }

    /// Reads (and removes) the credential fields of `map`. `AccessKeyId` and `SecretAccessKey`
    /// are required non-blank strings; `AccountId` is optional. Errors are
    /// [`CredentialsError::provider_error`]s with a `field`.
    pub fn read(&self, map: &mut Map<String, Value>) -> Result<DocumentFields, CredentialsError> {
        let access_key_id = self.string(map, "AccessKeyId", Presence::Required)?;
        let secret_access_key = self.string(map, "SecretAccessKey", Presence::Required)?;
        let session_token = self.string(map, self.token_key, self.token)?;
        let expiration = self.string(map, "Expiration", self.expiration)?;
        let account_id = self.string(map, "AccountId", Presence::Optional)?;
        let expiry = expiration
            .map(|text| {
                OffsetDateTime::parse(text.trim(), &Rfc3339)
                    .map(SystemTime::from)
                    .map_err(|e| {
                        self.field_error(
                            "Expiration",
                            "is not an RFC 3339 time such as 2030-01-01T00:00:00Z",
                        )
                        .with_source(e)
                    })
            })
            .transpose()?;
        Ok(DocumentFields {
            // Key ids are not secret; the wrapper only wipes the copy.
            access_key_id: (*access_key_id.unwrap_or_default()).clone(),
            secret_access_key: secret_access_key.unwrap_or_default(),
            session_token,
            expiry,
            account_id: account_id.map(|a| (*a).clone()),
        })
    }

    /// One string field (`Required` fields are always `Some`). Every value read is zeroized
    /// when dropped.
    fn string(
        &self,
        map: &mut Map<String, Value>,
        field: &'static str,
        presence: Presence,
    ) -> Result<Option<Zeroizing<String>>, CredentialsError> {
        match (map.remove(field), presence) {
            (None | Some(Value::Null), Presence::Required) => {
                Err(self.field_error(field, "is missing"))
            }
            (None | Some(Value::Null), _) => Ok(None),
            (Some(Value::String(s)), presence) => {
                let s = Zeroizing::new(s);
                match presence {
                    _ if !s.trim().is_empty() => Ok(Some(s)),
                    Presence::Required => Err(self.field_error(field, "is empty")),
                    Presence::Optional => Ok(None),
                    Presence::OptionalNotBlank => Ok(Some(s)),
                }
            }
            (Some(other), _) => Err(self.field_error(
                field,
                &format!("must be a string, not {}", type_name(&other)),
            )),
        }
    }

    fn field_error(&self, field: &'static str, problem: &str) -> CredentialsError {
        let message = match problem {
            "is missing" => format!("{field} is missing from {}", self.what),
            _ => format!("{field} in {} {problem}", self.what),
        };
        CredentialsError::provider_error(message).with("field", field)
    }
}

/// `a number`, `an array`, … for errors that must not show the value.
pub fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::time::Duration;

    const DOC: CredentialsDocument = CredentialsDocument::new("the test document");

    fn read(doc: CredentialsDocument, v: Value) -> Result<DocumentFields, CredentialsError> {
        doc.read(&mut doc.into_object(v)?)
    }

    #[test]
    fn full_and_minimal_documents() {
        let f = read(
            DOC,
            json!({"AccessKeyId": "ASIA", "SecretAccessKey": "hunter2-s", "Token": "hunter2-t",
                   "Expiration": " 2030-01-01T00:00:00Z ", "AccountId": "123456789012", "x": 1}),
        )
        .unwrap();
        let c = f.into_credentials("test").unwrap();
        assert_eq!(
            (c.access_key_id(), c.secret_access_key(), c.session_token()),
            ("ASIA", "hunter2-s", Some("hunter2-t"))
        );
        assert_eq!(
            c.expiry(),
            Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1_893_456_000))
        );
        assert_eq!(c.account_id(), Some("123456789012"));
        let f = read(
            DOC,
            json!({"AccessKeyId": "A", "SecretAccessKey": "s", "Token": " ", "Expiration": null, "AccountId": ""}),
        )
        .unwrap();
        assert!(f.session_token.is_none() && f.expiry.is_none() && f.account_id.is_none());
    }

    #[test]
    fn presence_rules() {
        let strict = DOC
            .token("SessionToken", Presence::Required)
            .expiration(Presence::Required);
        let err = read(strict, json!({"AccessKeyId": "A", "SecretAccessKey": "s"})).unwrap_err();
        assert_eq!(err.field("field"), Some("SessionToken"));
        assert_eq!(
            err.message(),
            "SessionToken is missing from the test document"
        );
        let not_blank = DOC.expiration(Presence::OptionalNotBlank);
        let err = read(
            not_blank,
            json!({"AccessKeyId": "A", "SecretAccessKey": "s", "Expiration": ""}),
        )
        .unwrap_err();
        assert!(err.message().contains("RFC 3339"), "{err}");
        assert!(
            read(
                not_blank,
                json!({"AccessKeyId": "A", "SecretAccessKey": "s"})
            )
            .unwrap()
            .expiry
            .is_none()
        );
    }

    #[test]
    fn errors_name_the_field_and_never_the_value() {
        for (body, field, says) in [
            (
                json!({"SecretAccessKey": "hunter2"}),
                "AccessKeyId",
                "is missing from",
            ),
            (
                json!({"AccessKeyId": " ", "SecretAccessKey": "hunter2"}),
                "AccessKeyId",
                "is empty",
            ),
            (
                json!({"AccessKeyId": "A", "SecretAccessKey": 7}),
                "SecretAccessKey",
                "not a number",
            ),
            (
                json!({"AccessKeyId": "A", "SecretAccessKey": ["hunter2"]}),
                "SecretAccessKey",
                "not an array",
            ),
            (
                json!({"AccessKeyId": "A", "SecretAccessKey": "s", "Token": {"t": "hunter2"}}),
                "Token",
                "not an object",
            ),
            (
                json!({"AccessKeyId": "A", "SecretAccessKey": "s", "Expiration": "hunter2"}),
                "Expiration",
                "RFC 3339",
            ),
            (
                json!({"AccessKeyId": "A", "SecretAccessKey": "s", "AccountId": false}),
                "AccountId",
                "not a boolean",
            ),
        ] {
            let e = read(DOC, body).unwrap_err();
            assert!(e.is_provider_error(), "{e}");
            assert_eq!(e.field("field"), Some(field), "{e}");
            assert!(e.message().starts_with(field), "{e}");
            assert!(e.to_string().contains(says), "{e}");
            assert!(!format!("{e} {e:?}").contains("hunter2"), "{e:?}");
        }
        let e = DOC.object(b"{\"Token\": \"hunter2").unwrap_err();
        assert_eq!(e.message(), "the test document is not JSON");
        assert!(!format!("{e} {e:?}").contains("hunter2"));
        let e = DOC.object(b"[\"hunter2\"]").unwrap_err();
        assert_eq!(
            e.message(),
            "the test document is JSON but not an object: it is an array"
        );
    }
}
