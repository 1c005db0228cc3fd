//! The four STS operations: their inputs as query-protocol form fields, their outputs.

use std::fmt;
use std::time::SystemTime;

use awscred_types::Credentials;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use zeroize::Zeroizing;

use crate::xml::{Leaves, XmlError, parse_timestamp};

/// RFC 3986 unreserved characters stay; everything else is percent-encoded (AWS query rules).
const QUERY: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// The API version every STS query-protocol call names.
pub const API_VERSION: &str = "2011-06-15";

/// A form body being built, `k=v&k=v`, encoded as the query protocol wants.
#[derive(Default)]
pub(crate) struct Form(Zeroizing<String>);

impl Form {
    pub(crate) fn new(action: &str) -> Self {
        Self::for_version(action, API_VERSION)
    }

    /// A form for `action` of the API version `version` (IAM's calls name their own).
    pub(crate) fn for_version(action: &str, version: &str) -> Self {
        let mut f = Self::default();
        f.push("Action", action);
        f.push("Version", version);
        f
    }

    pub(crate) fn push(&mut self, key: &str, value: &str) {
        if !self.0.is_empty() {
            self.0.push('&');
        }
        self.0.extend(utf8_percent_encode(key, QUERY));
        self.0.push('=');
        self.0.extend(utf8_percent_encode(value, QUERY));
    }

    pub(crate) fn push_opt(&mut self, key: &str, value: Option<&str>) {
        if let Some(v) = value {
            self.push(key, v);
        }
    }

    /// The body bytes. (The form can hold an MFA code or a web identity token.)
    pub(crate) fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

/// A session tag for `AssumeRole`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tag {
    /// The tag key.
    pub key: String,
    /// The tag value.
    pub value: String,
}

/// `AssumeRole` input.
#[derive(Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct AssumeRoleRequest {
    /// `RoleArn` (required).
    pub role_arn: String,
    /// `RoleSessionName` (required by STS; callers generate one when none is configured).
    pub role_session_name: String,
    /// `ExternalId`.
    pub external_id: Option<String>,
    /// `SerialNumber` of the MFA device.
    pub serial_number: Option<String>,
    /// `TokenCode` from the MFA device. Short-lived, but treated as a secret all the same.
    pub token_code: Option<String>,
    /// `DurationSeconds`.
    pub duration_seconds: Option<u32>,
    /// `Policy`: an inline session policy (JSON).
    pub policy: Option<String>,
    /// `PolicyArns`: managed session policies.
    pub policy_arns: Vec<String>,
    /// `Tags`: session tags.
    pub tags: Vec<Tag>,
    /// `SourceIdentity`.
    pub source_identity: Option<String>,
}

impl AssumeRoleRequest {
    /// A request for `role_arn` with session name `role_session_name`.
    pub fn new(role_arn: impl Into<String>, role_session_name: impl Into<String>) -> Self {
        Self {
            role_arn: role_arn.into(),
            role_session_name: role_session_name.into(),
            ..Self::default()
        }
    }

    pub(crate) fn form(&self) -> Form {
        let mut f = Form::new("AssumeRole");
        f.push("RoleArn", &self.role_arn);
        f.push("RoleSessionName", &self.role_session_name);
        f.push_opt("ExternalId", self.external_id.as_deref());
        f.push_opt("SerialNumber", self.serial_number.as_deref());
        f.push_opt("TokenCode", self.token_code.as_deref());
        f.push_opt(
            "DurationSeconds",
            self.duration_seconds.map(|d| d.to_string()).as_deref(),
        );
        f.push_opt("Policy", self.policy.as_deref());
        for (i, arn) in self.policy_arns.iter().enumerate() {
            f.push(&format!("PolicyArns.member.{}.arn", i + 1), arn);
        }
        for (i, tag) in self.tags.iter().enumerate() {
            f.push(&format!("Tags.member.{}.Key", i + 1), &tag.key);
            f.push(&format!("Tags.member.{}.Value", i + 1), &tag.value);
        }
        f.push_opt("SourceIdentity", self.source_identity.as_deref());
        f
    }
}

impl fmt::Debug for AssumeRoleRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AssumeRoleRequest")
            .field("role_arn", &self.role_arn)
            .field("role_session_name", &self.role_session_name)
            .field("external_id", &self.external_id)
            .field("serial_number", &self.serial_number)
            .field(
                "token_code",
                &self.token_code.as_ref().map(|_| "** redacted **"),
            )
            .field("duration_seconds", &self.duration_seconds)
            .field("policy", &self.policy.is_some())
            .field("policy_arns", &self.policy_arns)
            .field("tags", &self.tags)
            .field("source_identity", &self.source_identity)
            .finish()
    }
}

/// `AssumeRoleWithWebIdentity` input (sent unsigned).
#[derive(Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct AssumeRoleWithWebIdentityRequest {
    /// `RoleArn`.
    pub role_arn: String,
    /// `RoleSessionName`.
    pub role_session_name: String,
    /// `WebIdentityToken`: the OIDC token. A secret.
    pub web_identity_token: String,
    /// `DurationSeconds`.
    pub duration_seconds: Option<u32>,
    /// `Policy`.
    pub policy: Option<String>,
    /// `ProviderId` (OAuth 2.0 providers only).
    pub provider_id: Option<String>,
}

impl AssumeRoleWithWebIdentityRequest {
    /// A request for `role_arn` with the given session name and token.
    pub fn new(
        role_arn: impl Into<String>,
        role_session_name: impl Into<String>,
        web_identity_token: impl Into<String>,
    ) -> Self {
        Self {
            role_arn: role_arn.into(),
            role_session_name: role_session_name.into(),
            web_identity_token: web_identity_token.into(),
            ..Self::default()
        }
    }

    pub(crate) fn form(&self) -> Form {
        let mut f = Form::new("AssumeRoleWithWebIdentity");
        f.push("RoleArn", &self.role_arn);
        f.push("RoleSessionName", &self.role_session_name);
        f.push("WebIdentityToken", &self.web_identity_token);
        f.push_opt(
            "DurationSeconds",
            self.duration_seconds.map(|d| d.to_string()).as_deref(),
        );
        f.push_opt("Policy", self.policy.as_deref());
        f.push_opt("ProviderId", self.provider_id.as_deref());
        f
    }
}

impl fmt::Debug for AssumeRoleWithWebIdentityRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AssumeRoleWithWebIdentityRequest")
            .field("role_arn", &self.role_arn)
            .field("role_session_name", &self.role_session_name)
            .field("web_identity_token", &"** redacted **")
            .field("duration_seconds", &self.duration_seconds)
            .finish_non_exhaustive()
    }
}

/// `GetSessionToken` input (MFA-authenticated sessions for IAM users).
#[derive(Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct GetSessionTokenRequest {
    /// `DurationSeconds`.
    pub duration_seconds: Option<u32>,
    /// `SerialNumber` of the MFA device.
    pub serial_number: Option<String>,
    /// `TokenCode` from the MFA device.
    pub token_code: Option<String>,
}

impl GetSessionTokenRequest {
    pub(crate) fn form(&self) -> Form {
        let mut f = Form::new("GetSessionToken");
        f.push_opt(
            "DurationSeconds",
            self.duration_seconds.map(|d| d.to_string()).as_deref(),
        );
        f.push_opt("SerialNumber", self.serial_number.as_deref());
        f.push_opt("TokenCode", self.token_code.as_deref());
        f
    }
}

impl fmt::Debug for GetSessionTokenRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GetSessionTokenRequest")
            .field("duration_seconds", &self.duration_seconds)
            .field("serial_number", &self.serial_number)
            .field(
                "token_code",
                &self.token_code.as_ref().map(|_| "** redacted **"),
            )
            .finish()
    }
}

/// `AssumedRoleUser` from an `AssumeRole*` response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssumedRoleUser {
    /// `arn:aws:sts::<account>:assumed-role/<role>/<session>`.
    pub arn: String,
    /// `<role id>:<session>`.
    pub assumed_role_id: String,
}

/// What `AssumeRole`, `AssumeRoleWithWebIdentity` and `GetSessionToken` return.
#[derive(Clone, Debug)]
pub struct TemporaryCredentials {
    /// The credentials, with expiry and (for roles) the account id from the role user's ARN.
    pub credentials: Credentials,
    /// The assumed role user (absent for `GetSessionToken`).
    pub assumed_role_user: Option<AssumedRoleUser>,
}

impl TemporaryCredentials {
    pub(crate) fn parse(body: &[u8], provider_name: &'static str) -> Result<Self, XmlError> {
        let leaves = Leaves::parse(body)?;
        let expiry = parse_timestamp(leaves.require("Credentials/Expiration")?)?;
        let assumed_role_user = match (
            leaves.get("AssumedRoleUser/Arn"),
            leaves.get("AssumedRoleUser/AssumedRoleId"),
        ) {
            (Some(arn), Some(id)) => Some(AssumedRoleUser {
                arn: arn.to_owned(),
                assumed_role_id: id.to_owned(),
            }),
            _ => None,
        };
        let account_id = assumed_role_user
            .as_ref()
            .and_then(|u| account_from_arn(&u.arn));
        let credentials = Credentials::builder(
            leaves.require("Credentials/AccessKeyId")?,
            leaves.require("Credentials/SecretAccessKey")?,
            provider_name,
        )
        .session_token(leaves.require("Credentials/SessionToken")?)
        .expiry(expiry)
        .maybe_account_id(account_id)
        .build();
        Ok(Self {
            credentials,
            assumed_role_user,
        })
    }

    /// When the credentials expire.
    pub fn expiration(&self) -> Option<SystemTime> {
        self.credentials.expiry()
    }
}

/// What `GetCallerIdentity` returns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallerIdentity {
    /// The account id.
    pub account: String,
    /// The caller's ARN (`…:user/alice`, `…:assumed-role/<role>/<session>`).
    pub arn: String,
    /// The unique id of the caller.
    pub user_id: String,
}

impl CallerIdentity {
    pub(crate) fn parse(body: &[u8]) -> Result<Self, XmlError> {
        let leaves = Leaves::parse(body)?;
        Ok(Self {
            account: leaves
                .require("GetCallerIdentityResult/Account")?
                .to_owned(),
            arn: leaves.require("GetCallerIdentityResult/Arn")?.to_owned(),
            user_id: leaves.require("GetCallerIdentityResult/UserId")?.to_owned(),
        })
    }
}

/// The account id in an ARN (`arn:partition:service:region:ACCOUNT:resource`), if it has one.
pub fn account_from_arn(arn: &str) -> Option<String> {
    let account = arn.split(':').nth(4)?;
    (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit())).then(|| account.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assume_role_form_encodes_every_field() {
        let mut r = AssumeRoleRequest::new("arn:aws:iam::123456789012:role/r", "my session");
        r.external_id = Some("ext/1".into());
        r.serial_number = Some("arn:aws:iam::123456789012:mfa/u".into());
        r.token_code = Some("123456".into());
        r.duration_seconds = Some(900);
        r.policy = Some(r#"{"a":1}"#.into());
        r.policy_arns = vec!["arn:p1".into(), "arn:p2".into()];
        r.tags = vec![Tag {
            key: "k".into(),
            value: "v w".into(),
        }];
        r.source_identity = Some("me".into());
        let body = String::from_utf8(r.form().as_bytes().to_vec()).unwrap();
        assert_eq!(
            body,
            "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fr\
             &RoleSessionName=my%20session&ExternalId=ext%2F1\
             &SerialNumber=arn%3Aaws%3Aiam%3A%3A123456789012%3Amfa%2Fu&TokenCode=123456\
             &DurationSeconds=900&Policy=%7B%22a%22%3A1%7D&PolicyArns.member.1.arn=arn%3Ap1\
             &PolicyArns.member.2.arn=arn%3Ap2&Tags.member.1.Key=k&Tags.member.1.Value=v%20w\
             &SourceIdentity=me"
        );
        let shown = format!("{r:?}");
        assert!(
            !shown.contains("123456\""),
            "token code must be redacted: {shown}"
        );
    }

    #[test]
    fn parses_assume_role_response_with_account_from_arn() {
        let body = br#"<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
          <AssumeRoleResult><Credentials><AccessKeyId>ASIAX</AccessKeyId>
          <SecretAccessKey>sec</SecretAccessKey><SessionToken>tok</SessionToken>
          <Expiration>2030-01-01T00:00:00.5Z</Expiration></Credentials>
          <AssumedRoleUser><AssumedRoleId>AROA:s</AssumedRoleId>
          <Arn>arn:aws:sts::210987654321:assumed-role/r/s</Arn></AssumedRoleUser>
          </AssumeRoleResult></AssumeRoleResponse>"#;
        let out = TemporaryCredentials::parse(body, "assume-role").unwrap();
        assert_eq!(out.credentials.access_key_id(), "ASIAX");
        assert_eq!(out.credentials.session_token(), Some("tok"));
        assert_eq!(out.credentials.account_id(), Some("210987654321"));
        assert_eq!(out.assumed_role_user.unwrap().assumed_role_id, "AROA:s");
        let missing = TemporaryCredentials::parse(
            b"<A><Credentials><AccessKeyId>x</AccessKeyId></Credentials></A>",
            "x",
        );
        let err = missing.unwrap_err().to_string();
        assert!(err.contains("Credentials/Expiration"), "{err}");
    }

    #[test]
    fn account_from_arn_only_for_twelve_digits() {
        assert_eq!(
            account_from_arn("arn:aws:sts::123456789012:assumed-role/r/s").as_deref(),
            Some("123456789012")
        );
        assert_eq!(account_from_arn("arn:aws:iam::aws:policy/x"), None);
        assert_eq!(account_from_arn("nonsense"), None);
    }
}
