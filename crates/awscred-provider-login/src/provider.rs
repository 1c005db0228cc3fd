//! [`LoginProvider`]: the token file's credentials, refreshed through `CreateOAuth2Token`.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use awscred_file_cache::{LoginToken, LoginTokenCache, RefreshedToken, TokenFileError};
use awscred_http::{Bytes, HttpClient, LazyClient, RetryConfig, configured_client, http};
use awscred_profile::{Platform, ProfileSet};
use awscred_types::{
    Credentials, CredentialsError, Env, ProvideCredentials, SharedClock, Sources, printable,
};
use serde::Deserialize;
use tokio::sync::Mutex;
use zeroize::Zeroizing;

use crate::dpop::DpopKey;
use crate::endpoint::{self, EndpointParams};

/// The provider name on credentials this crate returns (botocore's `LoginProvider.METHOD`).
pub const PROVIDER_NAME: &str = "login";

/// Cached credentials are used, with no request, while more than this remains
/// (`LoginCredentialFetcher._REFRESH_THRESHOLD`).
pub const REFRESH_THRESHOLD: Duration = Duration::from_secs(5 * 60);

/// At most one refresh attempt this often per provider (as the SSO provider's).
pub const REFRESH_ATTEMPT_INTERVAL: Duration = Duration::from_secs(30);

/// How long a refresh waits for another process holding the token's lock (as the AWS CLI
/// cache's `LOCK_WAIT`).
pub const LOCK_WAIT: Duration = awscred_file_cache::LOCK_WAIT;

/// The path of `CreateOAuth2Token` under the endpoint.
pub const TOKEN_PATH: &str = "/v1/token";

/// What a `login_session` profile configures, read from the environment and the selected
/// profile before any I/O.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoginSettings {
    /// The profile.
    pub profile: String,
    /// `login_session`: the session ARN (the token file is named by its SHA-256).
    pub session: String,
    /// `AWS_REGION`, `AWS_DEFAULT_REGION`, then the profile's `region` (a token's
    /// `signInRegion` wins over it).
    pub region: Option<String>,
    /// The configured `signin` endpoint URL (`AWS_ENDPOINT_URL_SIGNIN`, `AWS_ENDPOINT_URL`,
    /// `[services]` `signin` `endpoint_url`, the profile's `endpoint_url`), unless configured
    /// endpoints are ignored.
    pub endpoint_url: Option<String>,
    /// `AWS_USE_FIPS_ENDPOINT` / `use_fips_endpoint`.
    pub use_fips: bool,
    /// `AWS_USE_DUALSTACK_ENDPOINT` / `use_dualstack_endpoint`.
    pub use_dualstack: bool,
    /// The profile's HTTP settings (`ca_bundle`, `retry_mode`, `max_attempts`).
    http: BTreeMap<&'static str, String>,
}

impl LoginSettings {
    /// The settings of profile `name`, or `None` when it has no (non-blank) `login_session`.
    pub fn resolve(env: &dyn Env, profiles: &ProfileSet, name: &str) -> Option<Self> {
        let session = profiles.view(name).get("login_session")?.to_owned();
        Some(Self::for_login(env, profiles, name).with_session(session))
    }

    /// The settings `awscred login` signs in with for profile `name` (which may not exist yet):
    /// its region, endpoint and HTTP settings, and its current `login_session` if any (else an
    /// empty session).
    pub fn for_login(env: &dyn Env, profiles: &ProfileSet, name: &str) -> Self {
        let view = profiles.view(name);
        let session = view.get("login_session").unwrap_or_default().to_owned();
        let http = ["ca_bundle", "retry_mode", "max_attempts"]
            .into_iter()
            .filter_map(|k| Some((k, view.get(k)?.to_owned())))
            .collect();
        Self {
            profile: name.to_owned(),
            session,
            region: env
                .get("AWS_REGION")
                .or_else(|| env.get("AWS_DEFAULT_REGION"))
                .or_else(|| view.get("region").map(str::to_owned)),
            endpoint_url: view.endpoint_url(env, "signin"),
            use_fips: view.flag(env, "AWS_USE_FIPS_ENDPOINT", "use_fips_endpoint"),
            use_dualstack: view.flag(env, "AWS_USE_DUALSTACK_ENDPOINT", "use_dualstack_endpoint"),
            http,
        }
    }

    /// These settings for another session.
    pub fn with_session(mut self, session: impl Into<String>) -> Self {
        self.session = session.into();
        self
    }

    /// The profile's HTTP settings (`ca_bundle`, `retry_mode`, `max_attempts`), for
    /// `awscred_http::configured_client`.
    pub fn http_value(&self, key: &str) -> Option<String> {
        self.http.get(key).cloned()
    }

    /// Settings for `session` alone (no region, endpoint or HTTP settings), for code and tests.
    pub fn new(profile: impl Into<String>, session: impl Into<String>) -> Self {
        Self {
            profile: profile.into(),
            session: session.into(),
            region: None,
            endpoint_url: None,
            use_fips: false,
            use_dualstack: false,
            http: BTreeMap::new(),
        }
    }

    /// How to log in again, for error messages.
    pub fn login_hint(&self) -> String {
        format!(
            "run `aws login --profile {0}` or `awscred login --profile {0}`",
            self.profile
        )
    }

    /// The `CreateOAuth2Token` URL for a token whose `signInRegion` is `sign_in_region`.
    pub fn token_url(&self, sign_in_region: Option<&str>) -> Result<String, CredentialsError> {
        let base = endpoint::resolve(&EndpointParams {
            region: sign_in_region
                .filter(|r| !r.trim().is_empty())
                .map(str::to_owned)
                .or_else(|| self.region.clone()),
            endpoint: self.endpoint_url.clone(),
            use_fips: self.use_fips,
            use_dualstack: self.use_dualstack,
        })
        .map_err(|e| {
            let message = format!(
                "cannot find the AWS Sign-In endpoint for profile {:?}: {}",
                self.profile,
                e.message()
            );
            e.with_message(message).with("profile", &self.profile)
        })?;
        Ok(format!("{base}{TOKEN_PATH}"))
    }
}

/// Console sign-in credentials (`login_session`, botocore's `LoginProvider`).
#[derive(Clone)]
pub struct LoginProvider {
    inner: Arc<Inner>,
}

struct Inner {
    settings: LoginSettings,
    tokens: Option<LoginTokenCache>,
    http: LazyClient,
    retry: RetryConfig,
    clock: SharedClock,
    lock_wait: Option<Duration>,
    last_attempt: Mutex<Option<SystemTime>>,
}

impl fmt::Debug for LoginProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginProvider")
            .field("settings", &self.inner.settings)
            .field("tokens", &self.inner.tokens)
            .finish_non_exhaustive()
    }
}

/// Configures a [`LoginProvider`]; see [`LoginProvider::builder`].
pub struct LoginProviderBuilder {
    settings: LoginSettings,
    sources: Sources,
    tokens: Option<LoginTokenCache>,
    http: Option<HttpClient>,
    lock_wait: Option<Duration>,
}

impl fmt::Debug for LoginProviderBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginProviderBuilder")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl LoginProviderBuilder {
    /// The token folder (default: `AWS_LOGIN_CACHE_DIRECTORY`, else `~/.aws/login/cache`, read
    /// through the sources; `None` means none is known, so every call says so).
    pub fn token_cache(mut self, tokens: Option<LoginTokenCache>) -> Self {
        self.tokens = tokens;
        self
    }

    /// The HTTP client (default: `awscred-http`'s, with the profile's proxies and CA bundle,
    /// built on the first refresh).
    pub fn http(mut self, http: HttpClient) -> Self {
        self.http = Some(http);
        self
    }

    /// How long a refresh waits for another process's lock on the token ([`LOCK_WAIT`]);
    /// `None` takes no lock.
    pub fn lock_wait(mut self, wait: Option<Duration>) -> Self {
        self.lock_wait = wait;
        self
    }

    /// Builds the provider: a bad proxy, CA bundle or retry setting is an error now.
    pub fn build(self) -> Result<LoginProvider, CredentialsError> {
        let settings = &self.settings;
        let (lazy, retry) = configured_client(&self.sources, |k| settings.http_value(k))
            .map_err(|e| e.with("profile", &self.settings.profile))?;
        let http = match self.http {
            Some(client) => LazyClient::ready(client),
            None => lazy,
        };
        Ok(LoginProvider {
            inner: Arc::new(Inner {
                settings: self.settings,
                tokens: self.tokens,
                http,
                retry,
                clock: self.sources.clock.clone(),
                lock_wait: self.lock_wait,
                last_attempt: Mutex::new(None),
            }),
        })
    }
}

/// What `awscred explain` shows of a login profile: no secret.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct LoginStatus {
    /// The session ARN.
    pub session: String,
    /// The token file (`None` when no folder is known).
    pub file: Option<PathBuf>,
    /// `accessToken.expiresAt`, when the file has one that reads.
    pub expires_at: Option<SystemTime>,
    /// What the next call does.
    pub state: LoginState,
}

/// What the next call of a [`LoginProvider`] does.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LoginState {
    /// Uses the cached credentials (more than 5 minutes left), no request.
    Cached,
    /// Refreshes through `CreateOAuth2Token` at this URL.
    WillRefresh(String),
    /// Fails, for this reason (no file, a missing field, no endpoint).
    Broken(String),
}

/// `CreateOAuth2Token`'s answer (the operation's payload, `tokenOutput`); the id token comes
/// with an authorization code, not with a refresh.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TokenOutput {
    pub(crate) access_token: AccessToken,
    #[serde(default)]
    pub(crate) token_type: Option<String>,
    pub(crate) expires_in: u64,
    pub(crate) refresh_token: String,
    #[serde(default)]
    pub(crate) id_token: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AccessToken {
    pub(crate) access_key_id: String,
    pub(crate) secret_access_key: String,
    pub(crate) session_token: String,
}

impl Drop for TokenOutput {
    fn drop(&mut self) {
        use zeroize::Zeroize as _;
        self.refresh_token.zeroize();
        self.access_token.secret_access_key.zeroize();
        self.access_token.session_token.zeroize();
        if let Some(t) = self.id_token.as_mut() {
            t.zeroize();
        }
    }
}

impl LoginProvider {
    /// A builder reading the environment, files and clock of `sources`, for `settings`.
    pub fn builder(sources: &Sources, settings: LoginSettings) -> LoginProviderBuilder {
        LoginProviderBuilder {
            tokens: LoginTokenCache::aws_login(&*sources.env, Platform::host(), sources.fs.clone()),
            settings,
            sources: sources.clone(),
            http: None,
            lock_wait: Some(LOCK_WAIT),
        }
    }

    /// The settings.
    pub fn settings(&self) -> &LoginSettings {
        &self.inner.settings
    }

    /// The token file (`None` when no folder is known).
    pub fn token_file(&self) -> Option<PathBuf> {
        let s = &self.inner.settings;
        self.inner.tokens.as_ref().map(|t| t.path(&s.session))
    }

    /// What the next call would do, from the token file alone (no request).
    pub fn status(&self) -> LoginStatus {
        let s = &self.inner.settings;
        let mut status = LoginStatus {
            session: s.session.clone(),
            file: self.token_file(),
            expires_at: None,
            state: LoginState::Cached,
        };
        let token = match self.load() {
            Ok(t) => t,
            Err(e) => {
                status.state = LoginState::Broken(e.message().to_owned());
                return status;
            }
        };
        status.expires_at = token.expires_at();
        if !self.is_fresh(&token, self.inner.clock.now()) {
            status.state = match s.token_url(token.str("signInRegion")) {
                Ok(url) => LoginState::WillRefresh(url),
                Err(e) => LoginState::Broken(e.message().to_owned()),
            };
        }
        status
    }

    fn fail(&self, message: impl Into<std::borrow::Cow<'static, str>>) -> CredentialsError {
        CredentialsError::provider_error(message).with("profile", &self.inner.settings.profile)
    }

    fn cache(&self) -> Result<&LoginTokenCache, CredentialsError> {
        let s = &self.inner.settings;
        self.inner.tokens.as_ref().ok_or_else(|| {
            CredentialsError::invalid_configuration(format!(
                "no login token folder is known (no home folder and no AWS_LOGIN_CACHE_DIRECTORY) \
                 for the login session of profile {:?}; {}",
                s.profile,
                s.login_hint()
            ))
            .with("profile", &s.profile)
        })
    }

    /// The token file, with botocore's checks (it exists, it is an object, the four required
    /// fields are there).
    fn load(&self) -> Result<LoginToken, CredentialsError> {
        let s = &self.inner.settings;
        let cache = self.cache()?;
        let token = cache.load(&s.session).map_err(|e| {
            let file = e.path().display().to_string();
            let err = match e {
                TokenFileError::Missing { .. } => CredentialsError::invalid_configuration(format!(
                    "the login session for profile {:?} was not found (no token file); {}",
                    s.profile,
                    s.login_hint()
                )),
                TokenFileError::Unreadable { source, .. } => {
                    CredentialsError::provider_error("could not read the login token file")
                        .with_source(source)
                }
                _ => CredentialsError::invalid_configuration(format!(
                    "the login token file {file} is not a JSON object; {}",
                    s.login_hint()
                )),
            };
            err.with("profile", &s.profile)
                .with("session", &s.session)
                .with("file", file)
        })?;
        let missing = token.missing_fields();
        if !missing.is_empty() {
            return Err(CredentialsError::invalid_configuration(format!(
                "the login token file is missing required fields: {}; {}",
                missing.join(", "),
                s.login_hint()
            ))
            .with("profile", &s.profile)
            .with("file", cache.path(&s.session).display()));
        }
        Ok(token)
    }

    fn is_fresh(&self, token: &LoginToken, now: SystemTime) -> bool {
        token
            .expires_at()
            .and_then(|e| e.duration_since(now).ok())
            .is_some_and(|left| left > REFRESH_THRESHOLD)
    }

    /// The credentials in `token` (`accessToken`'s keys, its account id and expiry).
    fn credentials(&self, token: &LoginToken) -> Result<Credentials, CredentialsError> {
        let s = &self.inner.settings;
        let field = |name: &'static str| {
            token.access_token_str(name).ok_or_else(|| {
                CredentialsError::invalid_configuration(format!(
                    "the login token file has no accessToken.{name}; {}",
                    s.login_hint()
                ))
                .with("profile", &s.profile)
                .with("key", format!("accessToken.{name}"))
            })
        };
        let expires_at = field("expiresAt")?;
        let expiry = awscred_file_cache::parse_timestamp(expires_at).ok_or_else(|| {
            CredentialsError::invalid_configuration(format!(
                "the login token file has an unreadable accessToken.expiresAt {expires_at:?}"
            ))
            .with("profile", &s.profile)
        })?;
        Credentials::builder(
            field("accessKeyId")?,
            field("secretAccessKey")?,
            PROVIDER_NAME,
        )
        .session_token(field("sessionToken")?)
        .maybe_account_id(token.access_token_str("accountId").map(str::to_owned))
        .expiry(expiry)
        .build()
        .validated()
        .map_err(|e| e.with("profile", &s.profile))
    }

    /// Refreshes `token` in place (and writes it back); the caller holds the lock.
    async fn refresh(
        &self,
        cache: &LoginTokenCache,
        token: &mut LoginToken,
    ) -> Result<(), CredentialsError> {
        let inner = &*self.inner;
        let s = &inner.settings;
        let dpop_pem = token.str("dpopKey").unwrap_or_default();
        let key = DpopKey::from_pem(dpop_pem).map_err(|e| {
            CredentialsError::invalid_configuration(format!(
                "unable to load the private key from the login token file: {e}; {}",
                s.login_hint()
            ))
            .with("profile", &s.profile)
            .with("file", cache.path(&s.session).display())
        })?;
        let url = s.token_url(token.str("signInRegion"))?;
        let body = Zeroizing::new(
            serde_json::json!({
                "clientId": token.str("clientId").unwrap_or_default(),
                "refreshToken": token.str("refreshToken").unwrap_or_default(),
                "grantType": "refresh_token",
            })
            .to_string(),
        );
        let client = inner.http.get()?;
        let attempts = inner.retry.max_attempts().max(1);
        let mut attempt = 0;
        let response = loop {
            attempt += 1;
            let now = inner.clock.now();
            let iat = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
            // A fresh proof (new jti, new iat) for every attempt.
            let proof = key
                .proof(&url, iat)
                .map_err(|e| self.fail(format!("could not sign the DPoP proof: {e}")))?;
            let request = http::Request::post(&url)
                .header(http::header::CONTENT_TYPE, "application/json")
                .header("DPoP", proof)
                .body(Bytes::from(body.as_bytes().to_vec()))
                .map_err(|_| {
                    self.fail(format!("the AWS Sign-In endpoint {url} is not a valid URL"))
                        .with("url", &url)
                })?;
            let retryable = match client.send(request).await {
                Ok(r) if r.status().is_server_error() || r.status().as_u16() == 429 => {
                    if attempt >= attempts {
                        break r;
                    }
                    true
                }
                Ok(r) => break r,
                Err(e) if attempt < attempts && e.is_before_response() => true,
                Err(e) => {
                    return Err(e
                        .into_credentials_error_calling("AWS Sign-In CreateOAuth2Token")
                        .with("profile", &s.profile));
                }
            };
            if retryable {
                let pause = inner.retry.backoff(attempt, fastrand::f64());
                tokio::time::sleep(pause).await;
            }
        };
        let status = response.status().as_u16();
        if !(200..300).contains(&status) {
            return Err(self.error_answer(&url, status, &response));
        }
        let output: TokenOutput = serde_json::from_slice(response.body()).map_err(|e| {
            self.fail(format!(
                "unable to refresh the access token: an invalid AWS Sign-In response from {url}; \
                 {} (if the issue persists, there may be a temporary sign-in service problem)",
                s.login_hint()
            ))
            .with("url", &url)
            .with_source(e)
        })?;
        let now = inner.clock.now();
        token.apply_refresh(&RefreshedToken {
            access_key_id: &output.access_token.access_key_id,
            secret_access_key: &output.access_token.secret_access_key,
            session_token: &output.access_token.session_token,
            expires_at: now + Duration::from_secs(output.expires_in),
            refresh_token: &output.refresh_token,
        });
        cache.save(&s.session, token)
    }

    /// botocore's error mapping: `AccessDeniedException` with `TOKEN_EXPIRED` or
    /// `USER_CREDENTIALS_CHANGED` means log in again, `INSUFFICIENT_PERMISSIONS` its own message;
    /// anything else relays the code, message and URL.
    fn error_answer(
        &self,
        url: &str,
        status: u16,
        response: &http::Response<Bytes>,
    ) -> CredentialsError {
        let s = &self.inner.settings;
        let body: Option<serde_json::Value> = serde_json::from_slice(response.body()).ok();
        let text =
            |v: Option<&serde_json::Value>| v.and_then(|v| v.as_str()).map(|t| printable(t, 200));
        // rest-json: the type from `x-amzn-errortype`, else the body's `__type` / `code`,
        // without a namespace or a `:` suffix.
        let kind = response
            .headers()
            .get("x-amzn-errortype")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .or_else(|| {
                let b = body.as_ref()?;
                b.get("__type")
                    .or_else(|| b.get("code"))
                    .and_then(|v| v.as_str())
                    .map(str::to_owned)
            })
            .map(|k| {
                let k = k.split(':').next().unwrap_or_default();
                printable(k.rsplit('#').next().unwrap_or_default(), 100)
            });
        let error = text(body.as_ref().and_then(|b| b.get("error")));
        let message = text(body.as_ref().and_then(|b| b.get("message")));
        let err = if kind.as_deref() == Some("AccessDeniedException") {
            match error.as_deref() {
                Some("TOKEN_EXPIRED" | "USER_CREDENTIALS_CHANGED") => {
                    CredentialsError::invalid_configuration(format!(
                        "your login session for profile {:?} has expired or its credentials have \
                         changed; log in again: {}",
                        s.profile,
                        s.login_hint()
                    ))
                }
                Some("INSUFFICIENT_PERMISSIONS") => CredentialsError::provider_error(format!(
                    "unable to create or refresh login credentials for profile {:?} due to \
                     insufficient permissions: you may be missing permission for the \
                     'signin:CreateOAuth2Token' action",
                    s.profile
                )),
                _ => CredentialsError::provider_error(format!(
                    "AWS Sign-In denied the login credential refresh for profile {:?}",
                    s.profile
                )),
            }
        } else {
            CredentialsError::provider_error(format!(
                "AWS Sign-In CreateOAuth2Token answered HTTP {status} ({}) for profile {:?}",
                kind.as_deref().unwrap_or("no error code"),
                s.profile
            ))
        };
        let mut err = err.with("profile", &s.profile).with("url", url);
        if let Some(kind) = kind {
            err = err.with("code", kind);
        }
        if let Some(error) = error {
            err = err.with("error", error);
        }
        if let Some(message) = message {
            err = err.with("message", message);
        }
        err
    }
}

#[async_trait]
impl ProvideCredentials for LoginProvider {
    async fn provide_credentials(&self) -> Result<Credentials, CredentialsError> {
        let inner = &*self.inner;
        let s = &inner.settings;
        let token = self.load()?;
        let now = inner.clock.now();
        if self.is_fresh(&token, now) {
            return self.credentials(&token);
        }
        let still_valid = token.expires_at().is_some_and(|e| e > now);
        {
            let mut last = inner.last_attempt.lock().await;
            if last.is_some_and(|t| {
                now.duration_since(t)
                    .is_ok_and(|since| since < REFRESH_ATTEMPT_INTERVAL)
            }) {
                if still_valid {
                    return self.credentials(&token);
                }
                return Err(self.fail(format!(
                    "the login credentials for profile {:?} have expired and a refresh was \
                     attempted less than {} s ago",
                    s.profile,
                    REFRESH_ATTEMPT_INTERVAL.as_secs()
                )));
            }
            *last = Some(now);
        }
        let cache = self.cache()?;
        // Another process may be refreshing this very token: wait for it (bounded), then read
        // the file again.
        let _guard = match inner.lock_wait {
            Some(wait) => {
                let locker = cache.clone();
                let session = s.session.clone();
                let guard = tokio::task::spawn_blocking(move || locker.lock(&session, wait))
                    .await
                    .map_err(|e| self.fail(format!("the token lock task failed: {e}")))
                    .and_then(|r| r);
                match guard {
                    Ok(g) => Some(g),
                    Err(e) => {
                        tracing::warn!(error = %e, "refreshing without the login token lock");
                        None
                    }
                }
            }
            None => None,
        };
        let mut token = self.load()?;
        if self.is_fresh(&token, inner.clock.now()) {
            tracing::debug!(profile = %s.profile, "login token refreshed by another process meanwhile");
            return self.credentials(&token);
        }
        match self.refresh(cache, &mut token).await {
            Ok(()) => self.credentials(&token),
            Err(e) if still_valid && !e.is_invalid_configuration() => {
                tracing::warn!(profile = %s.profile, error = %e, "login credential refresh failed; using the current credentials");
                self.credentials(&token)
            }
            Err(e) => Err(e),
        }
    }
}
