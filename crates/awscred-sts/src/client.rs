//! The STS client: builds, signs and sends query-protocol calls, and maps STS errors.

use std::fmt;
use std::sync::Arc;

use awscred_http::retry::{ClassifyRetry, RetryKind, classify_error_code};
use awscred_http::{
    Bytes, DefaultClassifier, HttpClient, HttpError, Layer, LazyClient, RetryConfig, RetryLayer,
    Service, configured_client, http,
};
use awscred_sigv4::{Signer, SigningParams};
use awscred_types::{Credentials, CredentialsError, SharedClock, Sources, SystemClock};

use crate::endpoint::{Endpoint, StsConfig};
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

/// The `user-agent` STS calls carry (never signed).
const USER_AGENT: &str = concat!("awscred/", env!("CARGO_PKG_VERSION"));

/// An error STS returned: its code, message and HTTP status.
///
/// It is the `source` of the [`CredentialsError`] an STS call returns, so callers that need the
/// code (for example to explain the one-hour cap on chained roles) can downcast to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StsServiceError {
    /// The STS error code (`AccessDenied`, `ValidationError`, …).
    pub code: String,
    /// The STS error message.
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
    /// The STS error behind `err`, if it came from STS.
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
}

impl fmt::Debug for StsClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StsClient")
            .field("endpoint", &self.endpoint.url)
            .finish_non_exhaustive()
    }
}

/// Builds an [`StsClient`].
#[derive(Debug, Default)]
pub struct StsClientBuilder {
    endpoint: Option<Endpoint>,
    http: Option<LazyClient>,
    retry: Option<RetryConfig>,
    clock: Option<SharedClock>,
}

impl StsClientBuilder {
    /// The endpoint (default: resolved from an empty [`StsConfig`], i.e. the global endpoint).
    pub fn endpoint(mut self, endpoint: Endpoint) -> Self {
        self.endpoint = Some(endpoint);
        self
    }

    /// The HTTP client (default: [`HttpClient::builder`]'s STS settings, no proxy).
    pub fn http(mut self, http: HttpClient) -> Self {
        self.http = Some(LazyClient::ready(http));
        self
    }

    /// Retry settings (default: standard mode, 3 attempts).
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.retry = Some(retry);
        self
    }

    /// The clock that dates signatures (default: the system clock).
    pub fn clock(mut self, clock: SharedClock) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Everything from the environment and the selected profile, as botocore configures its
    /// nested STS client: endpoint and region ([`StsConfig::from_sources`]), proxies
    /// (`HTTPS_PROXY`, `NO_PROXY`), `AWS_CA_BUNDLE` / `ca_bundle`, and `AWS_RETRY_MODE` /
    /// `AWS_MAX_ATTEMPTS` (or the profile's `retry_mode` / `max_attempts`), and the clock of
    /// `sources`. The HTTP client is built on the first call.
    pub fn from_sources(
        sources: &Sources,
        profile: &awscred_profile::ProfileView<'_>,
    ) -> Result<Self, CredentialsError> {
        let endpoint = StsConfig::from_sources(&*sources.env, profile)?.resolve()?;
        let (http, retry) = configured_client(sources, |k| profile.get(k).map(str::to_owned))?;
        Ok(Self {
            http: Some(http),
            ..Self::default()
        }
        .endpoint(endpoint)
        .retry(retry)
        .clock(sources.clock.clone()))
    }

    /// Builds the client.
    pub fn build(self) -> Result<StsClient, CredentialsError> {
        let endpoint = match self.endpoint {
            Some(e) => e,
            None => StsConfig::default().resolve()?,
        };
        let http = self
            .http
            .unwrap_or_else(|| LazyClient::new(HttpClient::builder()));
        let retry = RetryLayer::new(self.retry.unwrap_or_default()).with_classifier(StsClassifier);
        Ok(StsClient {
            http,
            retry,
            endpoint,
            clock: self.clock.unwrap_or_else(|| Arc::new(SystemClock)),
            signer: Arc::new(Signer::new()),
        })
    }
}

impl StsClient {
    /// A builder with defaults.
    pub fn builder() -> StsClientBuilder {
        StsClientBuilder::default()
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

    fn unreadable(&self, action: &str, e: crate::XmlError) -> CredentialsError {
        CredentialsError::provider_error(format!("unreadable {action} response from STS"))
            .with("url", &self.endpoint.url)
            .with_source(e)
    }

    async fn call(
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
                CredentialsError::invalid_configuration("the STS endpoint is not a valid URL")
                    .with("url", &self.endpoint.url)
            })?;
        if let Some(creds) = signer {
            let params = SigningParams::new(
                creds.access_key_id(),
                creds.secret_access_key(),
                &self.endpoint.signing_region,
                "sts",
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
        let response = http
            .call(request)
            .await
            .map_err(|e| e.into_credentials_error_calling(format_args!("STS {action}")))?;
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
                "STS ({}) answered HTTP {status}{target} with no readable error",
                self.endpoint.url
            ));
        };
        let text = format!("{code} from STS ({}){target}", self.endpoint.url);
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
