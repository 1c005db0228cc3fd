//! IAM's query API (`Version=2010-05-08`, signing name `iam`), on the STS client's transport:
//! the access-key calls `awscred keys rotate` makes (`CreateAccessKey`, `DeleteAccessKey`,
//! `ListAccessKeys`).

use std::fmt;

use awscred_profile::ProfileView;
use awscred_types::{Credentials, CredentialsError, Env, Sources};

use crate::client::{StsClient, StsClientBuilder};
use crate::endpoint::{Endpoint, checked_url, region};
use crate::operation::Form;
use crate::xml::{Leaves, XmlError};

/// The API version every IAM query-protocol call names.
pub const IAM_VERSION: &str = "2010-05-08";

/// `ListAccessKeys` pages read at most (a user has two keys at most: one page in practice).
const MAX_PAGES: usize = 20;

/// IAM's endpoint for the partition of the configured region, or the endpoint configured for
/// service `iam` ([`ProfileView::endpoint_url`]: `AWS_ENDPOINT_URL_IAM`, `AWS_ENDPOINT_URL`,
/// `[services]`, `endpoint_url`, unless `ignore_configured_endpoint_urls`). IAM is global:
/// `https://iam.amazonaws.com`, signed for `us-east-1` (`aws-cn`: `cn-north-1`, `aws-us-gov`:
/// `us-gov-west-1`), whatever the region.
pub(crate) fn endpoint(
    env: &dyn Env,
    profile: &ProfileView<'_>,
) -> Result<Endpoint, CredentialsError> {
    let region = region(env, profile).unwrap_or_default();
    let (url, signing_region) = if region.starts_with("cn-") {
        ("https://iam.cn-north-1.amazonaws.com.cn", "cn-north-1")
    } else if region.starts_with("us-gov-") {
        ("https://iam.us-gov.amazonaws.com", "us-gov-west-1")
    } else {
        ("https://iam.amazonaws.com", "us-east-1")
    };
    let configured = profile.endpoint_url(env, "iam");
    if let Some(url) = &configured {
        checked_url(url, "IAM")?;
    }
    Ok(Endpoint::new(
        configured.unwrap_or_else(|| url.to_owned()),
        signing_region,
    ))
}

/// An IAM client: the access-key calls, signed with SigV4 (service `iam`) and sent with the
/// same transport, retries and error mapping as [`StsClient`] (errors carry an
/// [`StsServiceError`](crate::StsServiceError) with IAM's code).
///
/// Cheap to clone.
#[derive(Clone, Debug)]
pub struct IamClient(StsClient);

/// Builds an [`IamClient`] from [`Sources`] ([`IamClient::builder`]), as [`StsClientBuilder`]
/// does, with IAM's endpoint (see [`IamClientBuilder::profile`]).
#[derive(Debug)]
pub struct IamClientBuilder(StsClientBuilder);

impl IamClientBuilder {
    /// Reads the endpoint and HTTP settings of `profile` too: the endpoint configured for
    /// service `iam` (`AWS_ENDPOINT_URL_IAM`, `AWS_ENDPOINT_URL`, the `[services]` section's
    /// `iam`, the profile's `endpoint_url`; none with `ignore_configured_endpoint_urls`), else
    /// IAM's global endpoint for the region's partition (`https://iam.amazonaws.com`, signed
    /// for `us-east-1`).
    pub fn profile(self, profile: &ProfileView<'_>) -> Self {
        Self(self.0.profile(profile))
    }

    /// The endpoint (default: as [`profile`](Self::profile) says).
    pub fn endpoint(self, endpoint: Endpoint) -> Self {
        Self(self.0.endpoint(endpoint))
    }

    /// The HTTP client (default: one configured from the sources, built on the first call).
    pub fn http(self, http: awscred_http::HttpClient) -> Self {
        Self(self.0.http(http))
    }

    /// Retry settings (default: from the sources and the profile; standard mode, 3 attempts).
    pub fn retry(self, retry: awscred_http::RetryConfig) -> Self {
        Self(self.0.retry(retry))
    }

    /// Builds the client: an endpoint, proxy, CA bundle or retry setting that cannot be used is
    /// an `InvalidConfiguration` error naming it.
    pub fn build(self) -> Result<IamClient, CredentialsError> {
        self.0.build().map(IamClient)
    }
}

/// A new access key from `CreateAccessKey`. The secret is in [`credentials`](Self::credentials)
/// (redacted in `Debug`).
#[derive(Clone, Debug)]
pub struct AccessKey {
    /// The user the key belongs to.
    pub user_name: String,
    /// The key id and secret (provider name `iam`).
    pub credentials: Credentials,
    /// `Active` for a new key.
    pub status: String,
}

/// One key of `ListAccessKeys`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessKeyMetadata {
    /// The user the key belongs to.
    pub user_name: String,
    /// The access key id.
    pub access_key_id: String,
    /// `Active` or `Inactive`.
    pub status: String,
}

impl fmt::Display for AccessKeyMetadata {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.access_key_id, self.status)
    }
}

impl IamClient {
    /// A builder reading what is not set in code from `sources` (see [`IamClientBuilder`]).
    pub fn builder(sources: &Sources) -> IamClientBuilder {
        IamClientBuilder(StsClient::builder(sources).for_iam())
    }

    /// The endpoint this client calls.
    pub fn endpoint(&self) -> &Endpoint {
        self.0.endpoint()
    }

    fn form(action: &str, user_name: Option<&str>) -> Form {
        let mut f = Form::for_version(action, IAM_VERSION);
        f.push_opt("UserName", user_name);
        f
    }

    /// `CreateAccessKey`, signed with `signer`: a new key for `user_name` (`None`: the user the
    /// signing key belongs to).
    pub async fn create_access_key(
        &self,
        signer: &Credentials,
        user_name: Option<&str>,
    ) -> Result<AccessKey, CredentialsError> {
        let action = "CreateAccessKey";
        let body = self
            .0
            .call(Self::form(action, user_name), Some(signer), action, None)
            .await?;
        let parsed = parse_access_key(&body).map_err(|e| self.0.unreadable(action, e))?;
        let credentials = parsed
            .credentials
            .validated()
            .map_err(|e| e.with("url", &self.endpoint().url))?;
        Ok(AccessKey {
            credentials,
            ..parsed
        })
    }

    /// `DeleteAccessKey` of `access_key_id`, signed with `signer` (`user_name` `None`: the user
    /// the signing key belongs to).
    pub async fn delete_access_key(
        &self,
        signer: &Credentials,
        access_key_id: &str,
        user_name: Option<&str>,
    ) -> Result<(), CredentialsError> {
        let action = "DeleteAccessKey";
        let mut form = Self::form(action, user_name);
        form.push("AccessKeyId", access_key_id);
        self.0.call(form, Some(signer), action, None).await?;
        Ok(())
    }

    /// `ListAccessKeys`, signed with `signer`, every page (`user_name` `None`: the user the
    /// signing key belongs to).
    pub async fn list_access_keys(
        &self,
        signer: &Credentials,
        user_name: Option<&str>,
    ) -> Result<Vec<AccessKeyMetadata>, CredentialsError> {
        let action = "ListAccessKeys";
        let mut keys = Vec::new();
        let mut marker: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut form = Self::form(action, user_name);
            form.push_opt("Marker", marker.as_deref());
            let body = self.0.call(form, Some(signer), action, None).await?;
            let (page, next) = parse_key_list(&body).map_err(|e| self.0.unreadable(action, e))?;
            keys.extend(page);
            match next {
                Some(m) => marker = Some(m),
                None => return Ok(keys),
            }
        }
        Err(CredentialsError::provider_error(format!(
            "IAM ListAccessKeys answered more than {MAX_PAGES} pages"
        ))
        .with("url", &self.endpoint().url))
    }
}

/// A `CreateAccessKey` answer.
pub(crate) fn parse_access_key(body: &[u8]) -> Result<AccessKey, XmlError> {
    let leaves = Leaves::parse(body)?;
    Ok(AccessKey {
        user_name: leaves.require("AccessKey/UserName")?.to_owned(),
        credentials: Credentials::new(
            leaves.require("AccessKey/AccessKeyId")?,
            leaves.require("AccessKey/SecretAccessKey")?,
            "iam",
        ),
        status: leaves
            .get("AccessKey/Status")
            .unwrap_or("Active")
            .to_owned(),
    })
}

/// One `ListAccessKeys` page and the marker of the next, if `IsTruncated`.
pub(crate) fn parse_key_list(
    body: &[u8],
) -> Result<(Vec<AccessKeyMetadata>, Option<String>), XmlError> {
    let leaves = Leaves::parse(body)?;
    let member = |field: &'static str| -> Vec<&str> { leaves.all(field).collect() };
    let ids = member("AccessKeyMetadata/member/AccessKeyId");
    let users = member("AccessKeyMetadata/member/UserName");
    let statuses = member("AccessKeyMetadata/member/Status");
    if users.len() != ids.len() || statuses.len() != ids.len() {
        return Err(XmlError::new(
            "ListAccessKeys members without a UserName or a Status",
        ));
    }
    let keys = ids
        .iter()
        .zip(users)
        .zip(statuses)
        .map(|((id, user), status)| AccessKeyMetadata {
            user_name: user.to_owned(),
            access_key_id: (*id).to_owned(),
            status: status.to_owned(),
        })
        .collect();
    let truncated = leaves
        .get("IsTruncated")
        .is_some_and(|t| t.eq_ignore_ascii_case("true"));
    let next = match (truncated, leaves.get("Marker")) {
        (false, _) => None,
        (true, Some(m)) => Some(m.to_owned()),
        (true, None) => return Err(XmlError::new("IsTruncated without a Marker")),
    };
    Ok((keys, next))
}

#[cfg(test)]
mod tests {
    use super::*;
    use awscred_profile::{ProfileSet, Source};
    use awscred_types::FakeEnv;

    fn at(env: FakeEnv, config: &str) -> Endpoint {
        let set = ProfileSet::parse(Some(Source::new("/c", config)), None).unwrap();
        endpoint(&env, &set.view("p")).unwrap()
    }

    #[test]
    fn global_by_partition_or_the_configured_iam_endpoint() {
        assert_eq!(
            at(FakeEnv::new(), "[profile p]\nregion = eu-west-1\n"),
            Endpoint::new("https://iam.amazonaws.com", "us-east-1")
        );
        assert_eq!(
            at(FakeEnv::new().with("AWS_REGION", "cn-northwest-1"), ""),
            Endpoint::new("https://iam.cn-north-1.amazonaws.com.cn", "cn-north-1")
        );
        assert_eq!(
            at(
                FakeEnv::new().with("AWS_DEFAULT_REGION", "us-gov-east-1"),
                ""
            ),
            Endpoint::new("https://iam.us-gov.amazonaws.com", "us-gov-west-1")
        );
        let services = "[profile p]\nservices = s\nendpoint_url = http://profile\n\
                        [services s]\niam =\n  endpoint_url = http://services-iam\n\
                        sts =\n  endpoint_url = http://services-sts\n";
        assert_eq!(at(FakeEnv::new(), services).url, "http://services-iam");
        let env = FakeEnv::new()
            .with("AWS_ENDPOINT_URL_IAM", "http://env-iam")
            .with("AWS_ENDPOINT_URL_STS", "http://env-sts");
        assert_eq!(
            at(env, services),
            Endpoint::new("http://env-iam", "us-east-1")
        );
        let env = FakeEnv::new()
            .with("AWS_ENDPOINT_URL_STS", "http://env-sts")
            .with("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true");
        assert_eq!(at(env, services).url, "https://iam.amazonaws.com");
        let set = ProfileSet::parse(
            Some(Source::new("/c", "[profile p]\nendpoint_url = iam.local\n")),
            None,
        )
        .unwrap();
        let err = endpoint(&FakeEnv::new(), &set.view("p")).unwrap_err();
        assert!(err.to_string().contains("https://"), "{err}");
    }

    #[test]
    fn forms_name_iam_s_version() {
        let mut f = IamClient::form("DeleteAccessKey", Some("bob"));
        f.push("AccessKeyId", "AKIAOLD");
        assert_eq!(
            f.as_bytes(),
            b"Action=DeleteAccessKey&Version=2010-05-08&UserName=bob&AccessKeyId=AKIAOLD"
        );
        assert_eq!(
            IamClient::form("CreateAccessKey", None).as_bytes(),
            b"Action=CreateAccessKey&Version=2010-05-08"
        );
    }

    #[test]
    fn a_new_key_and_what_its_errors_do_not_say() {
        let body = br#"<CreateAccessKeyResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
          <CreateAccessKeyResult><AccessKey><UserName>bob</UserName>
          <AccessKeyId>AKIANEW</AccessKeyId><Status>Active</Status>
          <SecretAccessKey>SECRETNEWKEY</SecretAccessKey></AccessKey></CreateAccessKeyResult>
          </CreateAccessKeyResponse>"#;
        let key = parse_access_key(body).unwrap();
        assert_eq!(key.user_name, "bob");
        assert_eq!(key.credentials.access_key_id(), "AKIANEW");
        assert_eq!(key.credentials.secret_access_key(), "SECRETNEWKEY");
        assert!(!format!("{key:?}").contains("SECRETNEWKEY"));
        let no_secret = b"<R><AccessKey><UserName>bob</UserName><AccessKeyId>AKIANEW</AccessKeyId>            </AccessKey></R>";
        let err = parse_access_key(no_secret).unwrap_err().to_string();
        assert!(err.contains("AccessKey/SecretAccessKey"), "{err}");
        assert!(!err.contains("AKIANEW"), "{err}");
    }

    #[test]
    fn key_lists_pages_and_bad_bodies() {
        let body = br#"<ListAccessKeysResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
          <ListAccessKeysResult><UserName>bob</UserName><AccessKeyMetadata>
          <member><UserName>bob</UserName><AccessKeyId>AKIA1</AccessKeyId><Status>Active</Status>
          <CreateDate>2026-01-01T00:00:00Z</CreateDate></member>
          <member><UserName>bob</UserName><AccessKeyId>AKIA2</AccessKeyId><Status>Inactive</Status></member>
          </AccessKeyMetadata><IsTruncated>true</IsTruncated><Marker>m1</Marker>
          </ListAccessKeysResult></ListAccessKeysResponse>"#;
        let (keys, next) = parse_key_list(body).unwrap();
        assert_eq!(
            keys.iter().map(ToString::to_string).collect::<Vec<_>>(),
            ["AKIA1 (Active)", "AKIA2 (Inactive)"]
        );
        assert_eq!(next.as_deref(), Some("m1"));
        let last = b"<R><ListAccessKeysResult><AccessKeyMetadata/><IsTruncated>false</IsTruncated>\
            </ListAccessKeysResult></R>";
        assert_eq!(parse_key_list(last).unwrap(), (Vec::new(), None));
        let no_marker = b"<R><IsTruncated>true</IsTruncated></R>";
        assert!(parse_key_list(no_marker).is_err());
        let ragged = b"<R><AccessKeyMetadata><member><AccessKeyId>A</AccessKeyId></member>\
            </AccessKeyMetadata></R>";
        assert!(parse_key_list(ragged).is_err());
        assert!(parse_key_list(b"<R><unclosed>").is_err());
    }
}
