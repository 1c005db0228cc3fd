//! The STS client: builds, signs and sends query-protocol calls, and maps STS errors.

use std::fmt;
use std::sync::Arc;

use awscred_http::retry::{ClassifyRetry, RetryKind, classify_error_code};
use awscred_http::{
    Bytes, ClientSettings, DefaultClassifier, HttpClient, HttpError, Layer, LazyClient,
    RetryConfig, RetryLayer, Service, http,
};
use awscred_sigv4::{Signer, SigningParams};
use awscred_types::{Credentials, CredentialsError, SharedClock, Sources};

use crate::endpoint::{Endpoint, StsConfig};
use crate::iam::IAM_VERSION;
use crate::operation::{
    AssumeRoleRequest, AssumeRoleWithWebIdentityRequest, CallerIdentity, Form,
    GetSessionTokenRequest, TemporaryCredentials,
};
use crate::xml::parse_error;

/// Codes that mean the configuration, not the moment, is wrong.
const CONFIGURATION_ERRORS: &[&str] = &[
    "RegionDisabledException",
    "MalformedPolicyDocument",
    "PackedPolicyTooLarge",
];

/// A query-protocol API this transport speaks: its SigV4 signing name, the name errors use, and
/// the `Version` every call names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Api {
    pub(crate) signing_name: &'static str,
    pub(crate) label: &'static str,
    pub(crate) version: &'static str,
}

/// STS (`2011-06-15`).
pub(crate) const STS: Api = Api {
    signing_name: "sts",
    label: "STS",
    version: crate::operation::API_VERSION,
};

/// IAM (`2010-05-08`).
pub(crate) const IAM: Api = Api {
    signing_name: "iam",
    label: "IAM",
    version: IAM_VERSION,
};

/// The `user-agent` STS and IAM calls carry (never signed).
const USER_AGENT: &str = concat!("awscred/", env!("CARGO_PKG_VERSION"));

/// An error STS (or IAM, for an [`IamClient`](crate::IamClient)) returned: its code, message and
/// HTTP status.
///
/// It is the `source` of the [`CredentialsError`] an STS or IAM call returns, so callers that
/// need the code (for example to explain the one-hour cap on chained roles) can downcast to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StsServiceError {
    /// The error code (`AccessDenied`, `ValidationError`, …).
    pub code: String,
    /// The error message.
    pub message: String,
    /// The HTTP status.
    pub status: u16,
}

impl fmt::Display for StsServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for StsServiceError {}

impl StsServiceError {
    /// The STS or IAM error behind `err`, if it came from the service.
    pub fn of(err: &CredentialsError) -> Option<&StsServiceError> {
        std::error::Error::source(err)?.downcast_ref()
    }
}

/// Retries what botocore's standard mode retries, plus STS's throttling codes in 400 bodies.
#[derive(Clone, Copy, Debug, Default)]
struct StsClassifier;

impl ClassifyRetry for StsClassifier {
    fn classify(&self, outcome: &Result<http::Response<Bytes>, HttpError>) -> RetryKind {
        if let Ok(resp) = outcome
            && resp.status().is_client_error()
            && let Some((code, _)) = parse_error(resp.body())
        {
            let kind = classify_error_code(&code);
            if kind.is_retryable() {
                return kind;
            }
        }
        DefaultClassifier.classify(outcome)
    }
}

/// An STS client for one endpoint.
///
/// Cheap to clone. Signs with SigV4 (service `sts`, the endpoint's signing region), sends
/// through [`HttpClient`] with the retry layer, and maps errors to [`CredentialsError`]:
/// `RegionDisabledException` and malformed policies are `InvalidConfiguration`, every other STS
/// error is `ProviderError` with the code, message, endpoint and role ARN in its `Display`.
#[derive(Clone)]
pub struct StsClient {
    http: LazyClient,
    retry: RetryLayer,
    endpoint: Endpoint,
    clock: SharedClock,
    signer: Arc<Signer>,
    api: Api,
}

impl fmt::Debug for StsClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StsClient")
            .field("endpoint", &self.endpoint.url)
            .finish_non_exhaustive()
    }
}

/// Builds an [`StsClient`] from [`Sources`] ([`StsClient::builder`]).
///
/// What is not set in code comes from the sources when [`build`](Self::build) runs, as
/// botocore configures its nested STS client: the endpoint and region ([`StsConfig`]: the
/// environment, then the [`profile`](Self::profile) if one is given), proxies (`HTTPS_PROXY`,
/// `NO_PROXY`), `AWS_CA_BUNDLE` / `ca_bundle`, `AWS_RETRY_MODE` / `AWS_MAX_ATTEMPTS` (or the
/// profile's `retry_mode` / `max_attempts`), and the clock that dates signatures. The HTTP
/// client itself is built on the first call.
#[derive(Debug)]
pub struct StsClientBuilder {
    sources: Sources,
    /// The endpoint the environment and the [`profile`](Self::profile) configure.
    configured: Option<Result<Endpoint, CredentialsError>>,
    api: Api,
    endpoint: Option<Endpoint>,
    http: ClientSettings,
}

impl StsClientBuilder {
    /// Reads the endpoint, region and HTTP settings of `profile` too (the *selected* profile,
    /// never a `source_profile`, as botocore does). A setting that cannot be used is reported
    /// by [`build`](Self::build).
    pub fn profile(mut self, profile: &awscred_profile::ProfileView<'_>) -> Self {
        self.configured = Some(self.configured_endpoint(profile));
        self.http.set_profile(|k| profile.get(k));
        self
    }

    /// The endpoint (default: resolved from the sources and the profile, see [`StsConfig`]).
    pub fn endpoint(mut self, endpoint: Endpoint) -> Self {
        self.endpoint = Some(endpoint);
        self
    }

    /// The HTTP client (default: one configured from the sources and the profile, built on
    /// the first call; see [`ClientSettings`]).
    pub fn http(mut self, http: HttpClient) -> Self {
        self.http.set_client(http);
        self
    }

    /// Retry settings (default: from the sources and the profile; standard mode, 3 attempts).
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.http.set_retry(retry);
        self
    }

    /// Builds the client: an endpoint, proxy, CA bundle or retry setting that cannot be used is
    /// an `InvalidConfiguration` error naming it.
    pub fn build(self) -> Result<StsClient, CredentialsError> {
        let endpoint = match (self.endpoint.clone(), self.configured.clone()) {
            (Some(e), _) => e,
            (None, Some(configured)) => configured?,
            (None, None) => {
                let none = awscred_profile::ProfileSet::parse(None, None)?;
                self.configured_endpoint(&none.view("default"))?
            }
        };
        let (http, retry) = self.http.build(&self.sources)?;
        let retry = RetryLayer::new(retry).with_classifier(StsClassifier);
        Ok(StsClient {
            http,
            retry,
            endpoint,
            clock: self.sources.clock,
            signer: Arc::new(Signer::new()),
            api: self.api,
        })
    }

    /// The endpoint of this builder's API the environment and `profile` configure.
    fn configured_endpoint(
        &self,
        profile: &awscred_profile::ProfileView<'_>,
    ) -> Result<Endpoint, CredentialsError> {
        if self.api == IAM {
            crate::iam::endpoint(&*self.sources.env, profile)
        } else {
            StsConfig::from_sources(&*self.sources.env, profile)?.resolve()
        }
    }

    /// This builder for IAM instead of STS.
    pub(crate) fn for_iam(mut self) -> Self {
        self.api = IAM;
        self
    }
}

impl StsClient {
    /// A builder reading what is not set in code from `sources` (see [`StsClientBuilder`]).
    pub fn builder(sources: &Sources) -> StsClientBuilder {
        StsClientBuilder {
            sources: sources.clone(),
            configured: None,
            api: STS,
            endpoint: None,
            http: ClientSettings::default(),
        }
    }

    /// The endpoint this client calls.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// `AssumeRole`, signed with `source`. The result is labelled `provider_name`
    /// (`"assume-role"` in botocore's terms).
    pub async fn assume_role(
        &self,
        source: &Credentials,
        request: &AssumeRoleRequest,
        provider_name: &'static str,
    ) -> Result<TemporaryCredentials, CredentialsError> {
        let body = self
            .call(
                request.form(),
                Some(source),
                "AssumeRole",
                Some(&request.role_arn),
            )
            .await?;
        TemporaryCredentials::parse(&body, provider_name)
            .map_err(|e| self.unreadable("AssumeRole", e))
            .and_then(|t| self.validated(t))
            .map_err(|e| e.with("role_arn", &request.role_arn))
    }

    /// `AssumeRoleWithWebIdentity`, sent unsigned (as botocore does).
    pub async fn assume_role_with_web_identity(
        &self,
        request: &AssumeRoleWithWebIdentityRequest,
        provider_name: &'static str,
    ) -> Result<TemporaryCredentials, CredentialsError> {
        let body = self
            .call(
                request.form(),
                None,
                "AssumeRoleWithWebIdentity",
                Some(&request.role_arn),
            )
            .await?;
        TemporaryCredentials::parse(&body, provider_name)
            .map_err(|e| self.unreadable("AssumeRoleWithWebIdentity", e))
            .and_then(|t| self.validated(t))
            .map_err(|e| e.with("role_arn", &request.role_arn))
    }

    /// `GetSessionToken`, signed with `source` (long-term keys, typically with MFA).
    pub async fn get_session_token(
        &self,
        source: &Credentials,
        request: &GetSessionTokenRequest,
        provider_name: &'static str,
    ) -> Result<TemporaryCredentials, CredentialsError> {
        let body = self
            .call(request.form(), Some(source), "GetSessionToken", None)
            .await?;
        TemporaryCredentials::parse(&body, provider_name)
            .map_err(|e| self.unreadable("GetSessionToken", e))
            .and_then(|t| self.validated(t))
    }

    /// `GetCallerIdentity`, signed with `credentials`: who these credentials are.
    pub async fn get_caller_identity(
        &self,
        credentials: &Credentials,
    ) -> Result<CallerIdentity, CredentialsError> {
        let body = self
            .call(
                Form::new("GetCallerIdentity"),
                Some(credentials),
                "GetCallerIdentity",
                None,
            )
            .await?;
        CallerIdentity::parse(&body).map_err(|e| self.unreadable("GetCallerIdentity", e))
    }

    /// The answer, unless its credentials hold characters no AWS credential contains.
    fn validated(&self, t: TemporaryCredentials) -> Result<TemporaryCredentials, CredentialsError> {
        let credentials = t
            .credentials
            .validated()
            .map_err(|e| e.with("url", &self.endpoint.url))?;
        Ok(TemporaryCredentials { credentials, ..t })
    }

    pub(crate) fn unreadable(&self, action: &str, e: crate::XmlError) -> CredentialsError {
        CredentialsError::provider_error(format!(
            "unreadable {action} response from {}",
            self.api.label
        ))
        .with("url", &self.endpoint.url)
        .with_source(e)
    }

    pub(crate) async fn call(
        &self,
        form: Form,
        signer: Option<&Credentials>,
        action: &str,
        role_arn: Option<&str>,
    ) -> Result<Bytes, CredentialsError> {
        let url = format!("{}/", self.endpoint.url.trim_end_matches('/'));
        let body = form.as_bytes().to_vec();
        let mut request = http::Request::post(&url)
            .header(
                http::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded; charset=utf-8",
            )
            .header(http::header::USER_AGENT, USER_AGENT)
            .body(Bytes::new())
            .map_err(|_| {
                CredentialsError::invalid_configuration(format!(
                    "the {} endpoint is not a valid URL",
                    self.api.label
                ))
                .with("url", &self.endpoint.url)
            })?;
        if let Some(creds) = signer {
            let params = SigningParams::new(
                creds.access_key_id(),
                creds.secret_access_key(),
                &self.endpoint.signing_region,
                self.api.signing_name,
                self.clock.now(),
            )
            .with_session_token(creds.session_token());
            self.signer
                .sign(&mut request, &body, &params)
                .map_err(|e| {
                    CredentialsError::provider_error(format!("could not sign the {action} request"))
                        .with("url", &self.endpoint.url)
                        .with_source(e)
                })?;
        }
        *request.body_mut() = Bytes::from(body);
        let mut http = self.retry.layer(self.http.get()?.clone());
        let response = http.call(request).await.map_err(|e| {
            e.into_credentials_error_calling(format_args!("{} {action}", self.api.label))
        })?;
        let status = response.status();
        if status.is_success() {
            return Ok(response.into_body());
        }
        Err(self.service_error(status.as_u16(), response.body(), action, role_arn))
    }

    fn service_error(
        &self,
        status: u16,
        body: &[u8],
        action: &str,
        role_arn: Option<&str>,
    ) -> CredentialsError {
        let target = match role_arn {
            Some(arn) => format!(" assuming {arn}"),
            None => format!(" calling {action}"),
        };
        let Some((code, message)) = parse_error(body) else {
            // The body is not quoted: it is unknown, and could echo what was sent.
            return CredentialsError::provider_error(format!(
                "{} ({}) answered HTTP {status}{target} with no readable error",
                self.api.label, self.endpoint.url
            ));
        };
        let text = format!(
            "{code} from {} ({}){target}",
            self.api.label, self.endpoint.url
        );
        let err = if CONFIGURATION_ERRORS.contains(&code.as_str()) {
            CredentialsError::invalid_configuration(text)
        } else {
            CredentialsError::provider_error(text)
        };
        err.with_source(StsServiceError {
            code,
            message,
            status,
        })
    }
}
