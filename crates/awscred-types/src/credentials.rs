use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

use zeroize::Zeroizing;

use crate::CredentialsError;

/// AWS credentials: what every provider returns.
///
/// Secrets (the secret access key and the session token) are held in [`Zeroizing`] buffers, wiped
/// when the last clone is dropped, and never shown by `Debug`. They leave this type only through
/// the explicit accessors [`Credentials::secret_access_key`] and [`Credentials::session_token`].
///
/// Cloning is cheap: the fields live behind one `Arc`.
#[derive(Clone)]
pub struct Credentials(Arc<Inner>);

struct Inner {
    access_key_id: String,
    secret_access_key: Zeroizing<String>,
    session_token: Option<Zeroizing<String>>,
    expiry: Option<SystemTime>,
    account_id: Option<String>,
    provider_name: &'static str,
}

impl Credentials {
    /// Credentials with a key id and secret, produced by `provider_name` (botocore's method name,
    /// such as `"env"`, `"assume-role"` or `"shared-credentials-file"`).
    pub fn new(
        access_key_id: impl Into<String>,
        secret_access_key: impl Into<String>,
        provider_name: &'static str,
    ) -> Self {
        Self::builder(access_key_id, secret_access_key, provider_name).build()
    }

    /// A builder for credentials with optional token, expiry and account id.
    pub fn builder(
        access_key_id: impl Into<String>,
        secret_access_key: impl Into<String>,
        provider_name: &'static str,
    ) -> CredentialsBuilder {
        CredentialsBuilder {
            inner: Inner {
                access_key_id: access_key_id.into(),
                secret_access_key: Zeroizing::new(secret_access_key.into()),
                session_token: None,
                expiry: None,
                account_id: None,
                provider_name,
            },
        }
    }

    /// The access key id (`AKIA…` for long-term keys, `ASIA…` for temporary ones). Not a secret.
    pub fn access_key_id(&self) -> &str {
        &self.0.access_key_id
    }

    /// The secret access key. A secret: never log it.
    pub fn secret_access_key(&self) -> &str {
        &self.0.secret_access_key
    }

    /// The session token of temporary credentials. A secret: never log it.
    pub fn session_token(&self) -> Option<&str> {
        self.0.session_token.as_deref().map(String::as_str)
    }

    /// When these credentials stop working; `None` for long-term keys.
    pub fn expiry(&self) -> Option<SystemTime> {
        self.0.expiry
    }

    /// The AWS account id the credentials belong to, when the provider knows it.
    pub fn account_id(&self) -> Option<&str> {
        self.0.account_id.as_deref()
    }

    /// The provider that produced these credentials, named as botocore's `Credentials.method`.
    pub fn provider_name(&self) -> &'static str {
        self.0.provider_name
    }

    /// Whether the credentials are expired at `now` (never, when they have no expiry).
    pub fn is_expired_at(&self, now: SystemTime) -> bool {
        self.0.expiry.is_some_and(|e| e <= now)
    }

    /// A copy with another expiry (used by static stability to extend stale credentials).
    pub fn with_expiry(&self, expiry: Option<SystemTime>) -> Self {
        self.rebuild(|inner| inner.expiry = expiry)
    }

    /// A copy that names another provider (used when a layer re-labels what it serves).
    pub fn with_provider_name(&self, provider_name: &'static str) -> Self {
        self.rebuild(|inner| inner.provider_name = provider_name)
    }

    /// These credentials, unless the key id, secret or session token holds a character no AWS
    /// credential contains.
    ///
    /// AWS key ids are letters and digits, secrets and session tokens base64; awscred accepts
    /// ASCII letters, digits and `+ / = - _ .` and nothing else. Providers call this on every
    /// credential that comes from outside (a `credential_process`, the container endpoint,
    /// IMDS, STS, the SSO portal), so a value such as `AKIA$(touch x)` or one holding a quote or
    /// a newline is refused where it enters, before anything prints it for a shell. The error
    /// (`ProviderError`) names the provider and the field, never the value.
    pub fn validated(self) -> Result<Self, CredentialsError> {
        let inner = &*self.0;
        let fields = [
            ("AccessKeyId", Some(inner.access_key_id.as_str())),
            ("SecretAccessKey", Some(inner.secret_access_key.as_str())),
            (
                "SessionToken",
                inner.session_token.as_deref().map(String::as_str),
            ),
        ];
        for (field, value) in fields {
            if let Some(bad) = value.and_then(|v| v.chars().find(|&c| !credential_char(c))) {
                let class = if bad.is_control() {
                    "a control character"
                } else if bad.is_whitespace() {
                    "whitespace"
                } else if !bad.is_ascii() {
                    "a non-ASCII character"
                } else {
                    "a quote, shell or other punctuation character"
                };
                return Err(CredentialsError::provider_error(format!(
                    "the {} provider returned credentials whose {field} holds {class}, which no \
                     AWS credential contains; refused",
                    inner.provider_name
                ))
                .with("provider", inner.provider_name)
                .with("field", field));
            }
        }
        Ok(self)
    }

    fn rebuild(&self, change: impl FnOnce(&mut Inner)) -> Self {
        let mut inner = Inner {
            access_key_id: self.0.access_key_id.clone(),
            secret_access_key: self.0.secret_access_key.clone(),
            session_token: self.0.session_token.clone(),
            expiry: self.0.expiry,
            account_id: self.0.account_id.clone(),
            provider_name: self.0.provider_name,
        };
        change(&mut inner);
        Self(Arc::new(inner))
    }
}

impl PartialEq for Credentials {
    fn eq(&self, other: &Self) -> bool {
        let (a, b) = (&*self.0, &*other.0);
        a.access_key_id == b.access_key_id
            && *a.secret_access_key == *b.secret_access_key
            && a.session_token.as_deref() == b.session_token.as_deref()
            && a.expiry == b.expiry
            && a.account_id == b.account_id
    }
}

impl Eq for Credentials {}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &*self.0;
        let mut d = f.debug_struct("Credentials");
        d.field("provider_name", &inner.provider_name)
            .field("access_key_id", &inner.access_key_id)
            .field("secret_access_key", &"** redacted **");
        if inner.session_token.is_some() {
            d.field("session_token", &"** redacted **");
        }
        if let Some(expiry) = inner.expiry {
            d.field("expiry", &expiry);
        }
        if let Some(account_id) = &inner.account_id {
            d.field("account_id", account_id);
        }
        d.finish()
    }
}

/// A character an AWS key id, secret or session token may hold.
fn credential_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=' | '-' | '_' | '.')
}

/// Builds [`Credentials`] with the optional fields; see [`Credentials::builder`].
pub struct CredentialsBuilder {
    inner: Inner,
}

impl CredentialsBuilder {
    /// Sets the session token (temporary credentials).
    pub fn session_token(mut self, token: impl Into<String>) -> Self {
        self.inner.session_token = Some(Zeroizing::new(token.into()));
        self
    }

    /// Sets or clears the session token.
    pub fn maybe_session_token(mut self, token: Option<String>) -> Self {
        self.inner.session_token = token.map(Zeroizing::new);
        self
    }

    /// Sets when the credentials expire.
    pub fn expiry(mut self, expiry: SystemTime) -> Self {
        self.inner.expiry = Some(expiry);
        self
    }

    /// Sets or clears the expiry.
    pub fn maybe_expiry(mut self, expiry: Option<SystemTime>) -> Self {
        self.inner.expiry = expiry;
        self
    }

    /// Sets the account id.
    pub fn account_id(mut self, account_id: impl Into<String>) -> Self {
        self.inner.account_id = Some(account_id.into());
        self
    }

    /// Sets or clears the account id.
    pub fn maybe_account_id(mut self, account_id: Option<String>) -> Self {
        self.inner.account_id = account_id;
        self
    }

    /// Finishes the credentials.
    pub fn build(self) -> Credentials {
        Credentials(Arc::new(self.inner))
    }
}

impl fmt::Debug for CredentialsBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CredentialsBuilder")
            .field("access_key_id", &self.inner.access_key_id)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn debug_redacts_secret_and_token() {
        let c = Credentials::builder("AKIDEXAMPLE", "s3cr3t-value", "test")
            .session_token("t0ken-value")
            .account_id("123456789012")
            .build();
        let shown = format!("{c:?} {c:#?}");
        assert!(shown.contains("AKIDEXAMPLE"));
        assert!(shown.contains("123456789012"));
        assert!(!shown.contains("s3cr3t-value"), "{shown}");
        assert!(!shown.contains("t0ken-value"), "{shown}");
        assert!(shown.contains("redacted"));
    }

    #[test]
    fn validated_refuses_what_no_aws_credential_holds_without_showing_it() {
        let ok = Credentials::builder("ASIA0123456789AB", "abc+/=XYZ09", "sso")
            .session_token("IQoJb3JpZ2luX2VjE-_.+/=")
            .build();
        assert_eq!(ok.clone().validated().unwrap(), ok);
        assert!(
            Credentials::new("AKIDX", "s3cr3t-value", "x")
                .validated()
                .is_ok()
        );
        let hostile = [
            "AKIA$(touch /tmp/PWNED)X",
            "a`id`",
            "it's",
            "say \"hi\"",
            "line\nbreak",
            "tab\tx",
            "a;b",
            "a&b",
            "a|b",
            "a<b",
            "a>b",
            "%PATH%",
            "a^b",
            "a\\b",
            "caf\u{e9}",
            "\u{1b}[31m",
            "a b",
        ];
        for value in hostile {
            for (field, creds) in [
                (
                    "AccessKeyId",
                    Credentials::new(value, "S", "custom-process"),
                ),
                (
                    "SecretAccessKey",
                    Credentials::new("AKID", value, "custom-process"),
                ),
                (
                    "SessionToken",
                    Credentials::builder("AKID", "S", "custom-process")
                        .session_token(value)
                        .build(),
                ),
            ] {
                let err = creds.validated().unwrap_err();
                let shown = err.to_string();
                assert!(err.is_provider_error(), "{value:?}: {shown}");
                assert!(
                    shown.contains("custom-process") && shown.contains(field),
                    "{value:?}: {shown}"
                );
                assert!(!shown.contains(value), "{value:?}: {shown}");
            }
        }
    }

    #[test]
    fn clone_shares_and_accessors_return_values() {
        let c = Credentials::builder("AK", "SK", "env")
            .session_token("TOK")
            .build();
        let d = c.clone();
        assert!(Arc::ptr_eq(&c.0, &d.0));
        assert_eq!(d.secret_access_key(), "SK");
        assert_eq!(d.session_token(), Some("TOK"));
        assert_eq!(d.provider_name(), "env");
    }

    #[test]
    fn expiry_and_rebuild() {
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1000);
        let c = Credentials::builder("AK", "SK", "x").expiry(t).build();
        assert!(c.is_expired_at(t));
        assert!(!c.is_expired_at(t - Duration::from_secs(1)));
        let later = c.with_expiry(Some(t + Duration::from_secs(60)));
        assert!(!later.is_expired_at(t));
        assert_eq!(later.secret_access_key(), "SK");
        assert_ne!(c, later);
        assert_eq!(
            c.with_provider_name("y"),
            c,
            "provider name is not part of equality"
        );
        assert!(!Credentials::new("a", "b", "c").is_expired_at(SystemTime::UNIX_EPOCH));
    }
}
