//! [`SsoProvider`]: token → (refresh) → portal `GetRoleCredentials` → role credentials.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use awscred_file_cache::{CacheKey, FileCache, SsoToken, SsoTokenCache};
use awscred_http::{
    Bytes, ClientSettings, HttpClient, Layer as _, LazyClient, RetryConfig, RetryLayer,
    Service as _, http,
};
use awscred_profile::ProfileSet;
use awscred_types::{Credentials, CredentialsError, ProvideCredentials, SharedClock, Sources};
use serde::Deserialize;
use tokio::sync::Mutex;
use zeroize::Zeroizing;

use crate::SsoSettings;
use crate::token::CreatedToken;

/// The provider name on credentials this crate returns (botocore's `sso` method).
pub const PROVIDER_NAME: &str = "sso";

/// A token is refreshed when less than this remains (`SSOTokenProvider._REFRESH_WINDOW`).
pub const TOKEN_REFRESH_WINDOW: Duration = Duration::from_secs(15 * 60);

/// At most one refresh attempt this often per provider. botocore's `DeferredRefreshableToken`
/// waits 60 s (`_attempt_timeout`), but its `SSOProvider` builds a new token object for every
/// credential fetch, so there it never throttles; 30 s is this crate's choice.
pub const REFRESH_ATTEMPT_INTERVAL: Duration = Duration::from_secs(30);

/// Cached role credentials are reused while this much remains (as assume-role's).
const ROLE_REUSE_WINDOW: Duration = Duration::from_secs(15 * 60);

/// IAM Identity Center role credentials for one profile.
#[derive(Clone)]
pub struct SsoProvider {
    inner: Arc<Inner>,
}

struct Inner {
    settings: SsoSettings,
    tokens: Option<SsoTokenCache>,
    role_cache: Option<FileCache>,
    http: LazyClient,
    retry: RetryLayer,
    portal: String,
    oidc: String,
    clock: SharedClock,
    last_refresh_attempt: Mutex<Option<SystemTime>>,
}

impl fmt::Debug for SsoProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SsoProvider")
            .field("settings", &self.inner.settings)
            .field("portal", &self.inner.portal)
            .field("oidc", &self.inner.oidc)
            .finish_non_exhaustive()
    }
}

/// Builds an [`SsoProvider`] from [`Sources`] ([`SsoProvider::builder`]).
///
/// What is not set in code comes from the sources, as botocore configures its SSO clients: the
/// token cache `~/.aws/sso/cache` (through the file system seam), proxies, `AWS_CA_BUNDLE`,
/// `AWS_RETRY_MODE` / `AWS_MAX_ATTEMPTS` and the clock; with
/// [`profile_set`](Self::profile_set), also the profile's endpoints and HTTP settings. The HTTP
/// client is built on the first call.
#[derive(Debug)]
pub struct SsoProviderBuilder {
    sources: Sources,
    settings: SsoSettings,
    tokens: Option<SsoTokenCache>,
    role_cache: Option<FileCache>,
    http: ClientSettings,
    portal: Option<String>,
    oidc: Option<String>,
}

impl SsoProviderBuilder {
    /// The token cache (default: `~/.aws/sso/cache`, [`SsoTokenCache::aws_sso`]; `None` when no
    /// home folder is known, and then the provider reports that nobody is logged in).
    pub fn token_cache(mut self, tokens: Option<SsoTokenCache>) -> Self {
        self.tokens = tokens;
        self
    }

    /// Share role credentials with the AWS CLI through its cache (default: none).
    pub fn role_cache(mut self, cache: Option<FileCache>) -> Self {
        self.role_cache = cache;
        self
    }

    /// The portal's and SSO-OIDC's HTTP client (default: [`ClientSettings::build`]).
    pub fn http(mut self, http: HttpClient) -> Self {
        self.http.set_client(http);
        self
    }

    /// Retries of portal and SSO-OIDC calls (default: the sources' and the profile's).
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.http.set_retry(retry);
        self
    }

    /// The portal endpoint (default: the profile's configured `sso` endpoint, else
    /// `https://portal.sso.<sso_region>.amazonaws.com`).
    pub fn portal_endpoint(mut self, url: impl Into<String>) -> Self {
        self.portal = Some(url.into());
        self
    }

    /// The SSO-OIDC endpoint (default: the profile's configured `sso-oidc` endpoint, else
    /// `https://oidc.<sso_region>.amazonaws.com`).
    pub fn oidc_endpoint(mut self, url: impl Into<String>) -> Self {
        self.oidc = Some(url.into());
        self
    }

    /// Reads the settings' profile in `profiles` too, as botocore configures its SSO clients:
    /// endpoint overrides ([`ProfileView::endpoint_url`](awscred_profile::ProfileView::endpoint_url)
    /// for `sso` and `sso-oidc`, replacing an endpoint set earlier), and its `ca_bundle`,
    /// `retry_mode` and `max_attempts`.
    pub fn profile_set(mut self, profiles: &ProfileSet) -> Self {
        let env = &*self.sources.env;
        let view = profiles.view(&self.settings.profile);
        self.portal = view.endpoint_url(env, "sso").or(self.portal);
        self.oidc = view.endpoint_url(env, "sso-oidc").or(self.oidc);
        self.http.set_profile(|k| view.get(k));
        self
    }

    /// Builds the provider: a proxy, CA bundle or retry setting that cannot be used is an
    /// `InvalidConfiguration` error naming it.
    pub fn build(self) -> Result<SsoProvider, CredentialsError> {
        let region = &self.settings.region;
        let (http, retry) = self.http.build(&self.sources)?;
        Ok(SsoProvider {
            inner: Arc::new(Inner {
                portal: self
                    .portal
                    .unwrap_or_else(|| format!("https://portal.sso.{region}.amazonaws.com")),
                oidc: self
                    .oidc
                    .unwrap_or_else(|| format!("https://oidc.{region}.amazonaws.com")),
                settings: self.settings,
                tokens: self.tokens,
                role_cache: self.role_cache,
                http,
                retry: RetryLayer::new(retry),
                clock: self.sources.clock,
                last_refresh_attempt: Mutex::new(None),
            }),
        })
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RoleCredentialsResponse {
    role_credentials: RoleCredentials,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RoleCredentials {
    access_key_id: String,
    secret_access_key: String,
    session_token: String,
    expiration: i64,
}

impl Drop for RoleCredentials {
    fn drop(&mut self) {
        use zeroize::Zeroize as _;
        self.secret_access_key.zeroize();
        self.session_token.zeroize();
    }
}

impl SsoProvider {
    /// A builder for `settings`, reading what is not set in code from `sources` (see
    /// [`SsoProviderBuilder`]).
    pub fn builder(sources: &Sources, settings: SsoSettings) -> SsoProviderBuilder {
        SsoProviderBuilder {
            tokens: SsoTokenCache::aws_sso(&*sources.env, sources.fs.clone()),
            sources: sources.clone(),
            settings,
            role_cache: None,
            http: ClientSettings::default(),
            portal: None,
            oidc: None,
        }
    }

    /// The settings this provider uses.
    pub fn settings(&self) -> &SsoSettings {
        &self.inner.settings
    }

    /// The AWS CLI cache key of this profile's role credentials.
    pub fn cache_key(&self) -> CacheKey {
        let s = &self.inner.settings;
        CacheKey::sso(
            &s.account_id,
            &s.role_name,
            s.session_name.as_deref(),
            &s.start_url,
        )
    }

    fn fail(&self, message: String) -> CredentialsError {
        CredentialsError::provider_error(message).with("profile", &self.inner.settings.profile)
    }

    fn expired(&self) -> CredentialsError {
        let s = &self.inner.settings;
        CredentialsError::invalid_configuration(format!(
            "the SSO session for profile {:?} has expired or is invalid; log in again: {}",
            s.profile,
            s.login_hint()
        ))
        .with("profile", &s.profile)
    }

    /// The access token, refreshed through SSO-OIDC when an `sso-session` token is inside the
    /// refresh window.
    async fn access_token(&self) -> Result<Zeroizing<String>, CredentialsError> {
        let inner = &*self.inner;
        let s = &inner.settings;
        let Some(tokens) = &inner.tokens else {
            return Err(CredentialsError::invalid_configuration(format!(
                "no SSO token cache is known (no home folder); {}",
                s.login_hint()
            ))
            .with("profile", &s.profile));
        };
        let token = crate::token::load(tokens, s)?;
        let now = inner.clock.now();
        let expires = token.expires_at().unwrap_or(UNIX_EPOCH);
        let left = expires.duration_since(now).unwrap_or(Duration::ZERO);
        if s.session_name.is_none() {
            // Legacy profiles cannot refresh; an expired token is not worth a portal call.
            if left.is_zero() {
                return Err(self.expired());
            }
            return Ok(Zeroizing::new(token.access_token.clone()));
        }
        if left >= TOKEN_REFRESH_WINDOW {
            return Ok(Zeroizing::new(token.access_token.clone()));
        }
        match self.refresh(tokens, &token, now).await {
            Ok(Some(new)) => Ok(new),
            Ok(None) if !left.is_zero() => Ok(Zeroizing::new(token.access_token.clone())),
            Ok(None) => Err(self.expired()),
            Err(e) if !left.is_zero() => {
                tracing::warn!(profile = %s.profile, error = %e, "SSO token refresh failed; using the current token");
                Ok(Zeroizing::new(token.access_token.clone()))
            }
            Err(e) => Err(self.expired().with_source(e)),
        }
    }

    /// `Ok(None)` when the token cannot be refreshed (no refresh token or registration, the
    /// registration expired, or an attempt was made less than 30 s ago).
    async fn refresh(
        &self,
        tokens: &SsoTokenCache,
        token: &SsoToken,
        now: SystemTime,
    ) -> Result<Option<Zeroizing<String>>, CredentialsError> {
        let inner = &*self.inner;
        let s = &inner.settings;
        let (Some(client_id), Some(client_secret), Some(refresh_token), Some(registration)) = (
            &token.client_id,
            &token.client_secret,
            &token.refresh_token,
            &token.registration_expires_at,
        ) else {
            tracing::info!(profile = %s.profile, "SSO token cannot be refreshed: no refresh token or client registration");
            return Ok(None);
        };
        let registered_until =
            awscred_file_cache::parse_timestamp(registration).unwrap_or(UNIX_EPOCH);
        if registered_until <= now {
            tracing::info!(profile = %s.profile, "SSO client registration expired");
            return Ok(None);
        }
        {
            let mut last = inner.last_refresh_attempt.lock().await;
            if last.is_some_and(|t| {
                now.duration_since(t)
                    .is_ok_and(|since| since < REFRESH_ATTEMPT_INTERVAL)
            }) {
                return Ok(None);
            }
            *last = Some(now);
        }
        let body = Zeroizing::new(
            serde_json::json!({
                "grantType": "refresh_token",
                "clientId": client_id,
                "clientSecret": client_secret,
                "refreshToken": refresh_token,
            })
            .to_string(),
        );
        let url = format!("{}/token", inner.oidc.trim_end_matches('/'));
        let request = http::Request::post(&url)
            .header(http::header::CONTENT_TYPE, "application/json")
            .body(Bytes::from(body.as_bytes().to_vec()))
            .map_err(|_| self.fail(format!("the SSO-OIDC endpoint {url} is not a valid URL")))?;
        let response = inner
            .retry
            .layer(inner.http.get()?.clone())
            .call(request)
            .await
            .map_err(|e| e.into_credentials_error_calling("SSO-OIDC CreateToken"))?;
        if !response.status().is_success() {
            let code = crate::token::oidc_error_code(response.body())
                .unwrap_or_else(|| "no error code".into());
            return Err(self
                .fail(format!(
                    "SSO-OIDC CreateToken at {url} answered HTTP {} ({code})",
                    response.status().as_u16()
                ))
                .with("url", &url));
        }
        let created: CreatedToken = serde_json::from_slice(response.body()).map_err(|e| {
            self.fail(format!("unreadable CreateToken response from {url}"))
                .with_source(e)
        })?;
        let new_token = created.to_file(s, now, client_id, client_secret, registration.clone());
        if let Err(e) = tokens.save(s.token_name(), &new_token) {
            tracing::warn!(error = %e, "could not write the refreshed SSO token back");
        }
        Ok(Some(Zeroizing::new(created.access_token.clone())))
    }

    async fn role_credentials(&self, token: &str) -> Result<Credentials, CredentialsError> {
        let inner = &*self.inner;
        let s = &inner.settings;
        let enc = crate::query_encode;
        let url = format!(
            "{}/federation/credentials?account_id={}&role_name={}",
            inner.portal.trim_end_matches('/'),
            enc(&s.account_id),
            enc(&s.role_name)
        );
        let request = http::Request::get(&url)
            .header("x-amz-sso_bearer_token", token)
            .body(Bytes::new())
            .map_err(|_| self.fail(format!("the SSO portal endpoint {url} is not a valid URL")))?;
        let response = inner
            .retry
            .layer(inner.http.get()?.clone())
            .call(request)
            .await
            .map_err(|e| {
                e.into_credentials_error_calling("the SSO portal GetRoleCredentials")
                    .with("profile", &s.profile)
            })?;
        let status = response.status().as_u16();
        // The portal's `UnauthorizedException` (botocore: `UnauthorizedSSOTokenError`).
        if status == 401 {
            return Err(self.expired().with("url", &url));
        }
        if !(200..300).contains(&status) {
            return Err(self
                .fail(format!(
                    "the SSO portal answered HTTP {status} to GetRoleCredentials for role {} in \
                     account {}",
                    s.role_name, s.account_id
                ))
                .with("url", &url));
        }
        let parsed: RoleCredentialsResponse =
            serde_json::from_slice(response.body()).map_err(|e| {
                self.fail("unreadable GetRoleCredentials response from the SSO portal".into())
                    .with("url", &url)
                    .with_source(e)
            })?;
        let c = &parsed.role_credentials;
        let millis = u64::try_from(c.expiration).unwrap_or(0);
        Credentials::builder(
            &c.access_key_id,
            c.secret_access_key.as_str(),
            PROVIDER_NAME,
        )
        .session_token(c.session_token.as_str())
        .expiry(UNIX_EPOCH + Duration::from_millis(millis))
        .account_id(&s.account_id)
        .build()
        .validated()
        .map_err(|e| e.with("profile", &s.profile).with("url", &url))
    }
}

#[async_trait]
impl ProvideCredentials for SsoProvider {
    async fn provide_credentials(&self) -> Result<Credentials, CredentialsError> {
        let inner = &*self.inner;
        let key = self.cache_key();
        if let Some(cache) = &inner.role_cache
            && let Some(c) = cache.load(&key, inner.clock.now(), ROLE_REUSE_WINDOW, PROVIDER_NAME)
        {
            return Ok(c);
        }
        let token = self.access_token().await?;
        let creds = self.role_credentials(&token).await?;
        if let Some(cache) = &inner.role_cache
            && let Err(e) = cache.store_sso(&key, &creds)
        {
            tracing::warn!(error = %e, "could not write the SSO role credential cache");
        }
        Ok(creds)
    }
}
