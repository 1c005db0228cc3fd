//! `sso login`: SSO-OIDC client registration, the device-authorization flow, and the token
//! cache entry `aws sso login` writes, so the AWS CLI and boto3 use the same login.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use awscred_file_cache::{SsoTokenCache, format_utc_z};
use awscred_http::{Bytes, HttpClient, HttpError, http};
use awscred_types::{CredentialsError, SharedClock, Sources};
use serde::Deserialize;
use zeroize::{Zeroize, Zeroizing};

use crate::SsoSettings;
use crate::token::CreatedToken;

/// What the person has to do, shown by the caller's [`LoginUi`].
#[derive(Debug)]
#[non_exhaustive]
pub enum LoginPrompt<'a> {
    /// Open `url` in a browser on this machine; approving it redirects to a loopback listener.
    Browser {
        /// The SSO-OIDC authorization page.
        url: &'a str,
    },
    /// Open `url` (it carries the code) or go to `verification_uri` and type `user_code`.
    DeviceCode {
        /// The page that already has the code filled in.
        url: &'a str,
        /// The page to type the code into.
        verification_uri: &'a str,
        /// The code to check in the browser.
        user_code: &'a str,
    },
}

/// How a login talks to the person (the CLI prints and opens a browser; tests record).
pub trait LoginUi: Send + Sync {
    /// Shows what to do.
    fn prompt(&self, prompt: &LoginPrompt<'_>);
    /// Called on every poll while waiting (a progress indicator).
    fn waiting(&self) {}
}

/// An SSO-OIDC login for one `sso-session` (or legacy start URL).
pub struct SsoLogin {
    settings: SsoSettings,
    scopes: Vec<String>,
    oidc: String,
    http: HttpClient,
    tokens: SsoTokenCache,
    clock: SharedClock,
    slow_down_step: Duration,
    client_name: String,
}

impl fmt::Debug for SsoLogin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SsoLogin")
            .field("settings", &self.settings)
            .field("oidc", &self.oidc)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Registration {
    client_id: String,
    client_secret: String,
    #[serde(default)]
    client_secret_expires_at: Option<i64>,
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.client_secret.zeroize();
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DeviceAuthorization {
    device_code: String,
    user_code: String,
    verification_uri: String,
    #[serde(default)]
    verification_uri_complete: Option<String>,
    expires_in: u64,
    #[serde(default)]
    interval: Option<u64>,
}

enum Poll {
    Done(CreatedToken),
    Pending,
    SlowDown,
}

/// Builds an [`SsoLogin`] ([`SsoLogin::builder`]).
#[derive(Debug)]
pub struct SsoLoginBuilder {
    sources: Sources,
    settings: SsoSettings,
    tokens: Option<SsoTokenCache>,
    oidc: Option<String>,
    scopes: Vec<String>,
    slow_down_step: Duration,
}

impl SsoLoginBuilder {
    /// Where the token is written (default: `~/.aws/sso/cache`, [`SsoTokenCache::aws_sso`],
    /// from the sources).
    pub fn token_cache(mut self, tokens: SsoTokenCache) -> Self {
        self.tokens = Some(tokens);
        self
    }

    /// The SSO-OIDC endpoint (default: `https://oidc.<sso_region>.amazonaws.com`; the CLI
    /// passes the profile's [`ProfileView::endpoint_url`](awscred_profile::ProfileView::endpoint_url)
    /// for `sso-oidc` when it has one).
    pub fn oidc_endpoint(mut self, url: impl Into<String>) -> Self {
        self.oidc = Some(url.into());
        self
    }

    /// `sso_registration_scopes` (default `sso:account:access`; an empty list keeps it).
    pub fn scopes(mut self, scopes: Vec<String>) -> Self {
        if !scopes.is_empty() {
            self.scopes = scopes;
        }
        self
    }

    /// How much longer to wait after a `slow_down` answer (RFC 8628: 5 s).
    pub fn slow_down_step(mut self, step: Duration) -> Self {
        self.slow_down_step = step;
        self
    }

    /// Builds the login; without a token cache and with no home folder known, there is nowhere
    /// to log in to (an `InvalidConfiguration` error).
    pub fn build(self) -> Result<SsoLogin, CredentialsError> {
        let sources = &self.sources;
        let tokens = match self.tokens {
            Some(t) => t,
            None => SsoTokenCache::aws_sso(&*sources.env, sources.fs.clone()).ok_or_else(|| {
                CredentialsError::invalid_configuration(
                    "no home folder is known, so there is no ~/.aws/sso/cache to log in to",
                )
            })?,
        };
        let region = &self.settings.region;
        Ok(SsoLogin {
            oidc: self
                .oidc
                .unwrap_or_else(|| format!("https://oidc.{region}.amazonaws.com")),
            settings: self.settings,
            scopes: self.scopes,
            http: HttpClient::builder()
                .build()
                .map_err(HttpError::into_credentials_error)?,
            tokens,
            clock: self.sources.clock,
            slow_down_step: self.slow_down_step,
            client_name: "awscred".into(),
        })
    }
}

impl SsoLogin {
    /// A builder for a login with `settings` (its start URL, region and session name), reading
    /// the token cache's folder and the clock from `sources`.
    pub fn builder(sources: &Sources, settings: SsoSettings) -> SsoLoginBuilder {
        SsoLoginBuilder {
            sources: sources.clone(),
            settings,
            tokens: None,
            oidc: None,
            scopes: vec!["sso:account:access".into()],
            slow_down_step: Duration::from_secs(5),
        }
    }

    async fn post<T: for<'de> Deserialize<'de>>(
        &self,
        path: &str,
        body: &serde_json::Value,
        what: &str,
    ) -> Result<Result<T, (u16, String)>, CredentialsError> {
        let url = format!("{}{path}", self.oidc.trim_end_matches('/'));
        let body = Zeroizing::new(body.to_string());
        let request = http::Request::post(&url)
            .header(http::header::CONTENT_TYPE, "application/json")
            .body(Bytes::from(body.as_bytes().to_vec()))
            .map_err(|_| {
                CredentialsError::invalid_configuration(format!("{url} is not a valid URL"))
            })?;
        let response = self
            .http
            .send(request)
            .await
            .map_err(|e| e.into_credentials_error_calling(format_args!("SSO-OIDC {what}")))?;
        let status = response.status().as_u16();
        if !(200..300).contains(&status) {
            let code = crate::token::oidc_error_code(response.body()).unwrap_or_default();
            return Ok(Err((status, code)));
        }
        serde_json::from_slice(response.body())
            .map(Ok)
            .map_err(|e| {
                CredentialsError::provider_error(format!("unreadable SSO-OIDC {what} response"))
                    .with("url", &url)
                    .with_source(e)
            })
    }

    fn refused(&self, what: &str, status: u16, code: &str) -> CredentialsError {
        CredentialsError::provider_error(format!("SSO-OIDC refused {what}: HTTP {status} {code}"))
            .with("url", &self.oidc)
            .with("profile", &self.settings.profile)
    }

    async fn register(&self) -> Result<Registration, CredentialsError> {
        let body = serde_json::json!({
            "clientName": format!("{}-{}", self.client_name, self.now_secs()),
            "clientType": "public",
            "scopes": self.scopes,
        });
        self.post("/client/register", &body, "RegisterClient")
            .await?
            .map_err(|(s, c)| self.refused("RegisterClient", s, &c))
    }

    fn now_secs(&self) -> u64 {
        self.clock
            .now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    }

    /// The device-authorization flow (RFC 8628): register a client, show the code, poll
    /// `CreateToken` (honouring `authorization_pending` and `slow_down`) until the person approves
    /// or the code expires, then write the token cache entry. Returns when the token expires.
    pub async fn device_flow(&self, ui: &dyn LoginUi) -> Result<SystemTime, CredentialsError> {
        let registration = self.register().await?;
        let body = serde_json::json!({
            "clientId": registration.client_id,
            "clientSecret": registration.client_secret,
            "startUrl": self.settings.start_url,
        });
        let auth: DeviceAuthorization = self
            .post("/device_authorization", &body, "StartDeviceAuthorization")
            .await?
            .map_err(|(s, c)| self.refused("StartDeviceAuthorization", s, &c))?;
        let url = auth
            .verification_uri_complete
            .clone()
            .unwrap_or_else(|| auth.verification_uri.clone());
        ui.prompt(&LoginPrompt::DeviceCode {
            url: &url,
            verification_uri: &auth.verification_uri,
            user_code: &auth.user_code,
        });
        let started = self.clock.now();
        let deadline = Duration::from_secs(auth.expires_in);
        let mut interval = Duration::from_secs(auth.interval.unwrap_or(5));
        let body = serde_json::json!({
            "clientId": registration.client_id,
            "clientSecret": registration.client_secret,
            "grantType": "urn:ietf:params:oauth:grant-type:device_code",
            "deviceCode": auth.device_code,
        });
        let created = loop {
            if self
                .clock
                .now()
                .duration_since(started)
                .is_ok_and(|waited| waited >= deadline)
            {
                return Err(self.expired_code());
            }
            ui.waiting();
            match self.poll(&body).await? {
                Poll::Done(t) => break t,
                Poll::Pending => {}
                Poll::SlowDown => interval += self.slow_down_step,
            }
            tokio::time::sleep(interval).await;
        };
        self.save(&registration, &created)
    }

    /// The authorization-code flow with PKCE (RFC 7636), as current AWS CLI v2 logs in by
    /// default: register a client for `authorization_code`, listen on 127.0.0.1, show the
    /// authorization page, take the code from the browser's redirect (checking `state`), and
    /// exchange it with the verifier. Gives up after `timeout`.
    pub async fn pkce_flow(
        &self,
        ui: &dyn LoginUi,
        timeout: Duration,
    ) -> Result<SystemTime, CredentialsError> {
        let listener = awscred_http::RedirectListener::bind().await?;
        let redirect_uri = listener.redirect_uri();
        let body = serde_json::json!({
            "clientName": format!("{}-{}", self.client_name, self.now_secs()),
            "clientType": "public",
            "scopes": self.scopes,
            "grantTypes": ["authorization_code", "refresh_token"],
            "redirectUris": [redirect_uri],
            "issuerUrl": self.settings.start_url,
        });
        let registration: Registration = self
            .post("/client/register", &body, "RegisterClient")
            .await?
            .map_err(|(s, c)| self.refused("RegisterClient", s, &c))?;
        let verifier = Zeroizing::new(pkce::random_url_safe(64)?);
        let state = pkce::random_url_safe(16)?;
        let enc = crate::query_encode;
        let url = format!(
            "{}/authorize?response_type=code&client_id={}&redirect_uri={}&state={}&code_challenge_method=S256&scopes={}&code_challenge={}",
            self.oidc.trim_end_matches('/'),
            enc(&registration.client_id),
            enc(&redirect_uri),
            enc(&state),
            enc(&self.scopes.join(" ")),
            pkce::challenge(&verifier),
        );
        ui.prompt(&LoginPrompt::Browser { url: &url });
        let code = tokio::time::timeout(timeout, listener.wait_for_code(&state))
            .await
            .map_err(|_| {
                CredentialsError::timed_out(format!(
                    "the browser did not complete the login within {timeout:?}"
                ))
                .with("profile", &self.settings.profile)
            })?
            .map_err(|e| e.with("profile", &self.settings.profile))?;
        let body = serde_json::json!({
            "clientId": registration.client_id,
            "clientSecret": registration.client_secret,
            "grantType": "authorization_code",
            "code": code.as_str(),
            "redirectUri": redirect_uri,
            "codeVerifier": verifier.as_str(),
        });
        let created: CreatedToken = self
            .post("/token", &body, "CreateToken")
            .await?
            .map_err(|(s, c)| self.refused("CreateToken", s, &c))?;
        self.save(&registration, &created)
    }

    fn expired_code(&self) -> CredentialsError {
        CredentialsError::provider_error(
            "the login code expired before it was approved in the browser; run the login again",
        )
        .with("profile", &self.settings.profile)
    }

    async fn poll(&self, body: &serde_json::Value) -> Result<Poll, CredentialsError> {
        match self
            .post::<CreatedToken>("/token", body, "CreateToken")
            .await?
        {
            Ok(t) => Ok(Poll::Done(t)),
            Err((_, code)) if code == "authorization_pending" => Ok(Poll::Pending),
            Err((_, code)) if code == "slow_down" => Ok(Poll::SlowDown),
            Err((_, code)) if code == "expired_token" => Err(self.expired_code()),
            Err((_, code)) if code == "access_denied" => Err(CredentialsError::provider_error(
                "the login was denied in the browser",
            )
            .with("profile", &self.settings.profile)),
            Err((status, code)) => Err(self.refused("CreateToken", status, &code)),
        }
    }

    fn save(
        &self,
        registration: &Registration,
        created: &CreatedToken,
    ) -> Result<SystemTime, CredentialsError> {
        let now = self.clock.now();
        let expires = now + Duration::from_secs(created.expires_in);
        let registered_until = registration
            .client_secret_expires_at
            .and_then(|s| u64::try_from(s).ok())
            .map_or(now + Duration::from_secs(90 * 86_400), |s| {
                UNIX_EPOCH + Duration::from_secs(s)
            });
        let token = created.to_file(
            &self.settings,
            now,
            &registration.client_id,
            &registration.client_secret,
            format_utc_z(registered_until),
        );
        self.tokens.save(self.settings.token_name(), &token)?;
        Ok(expires)
    }
}

/// `sso logout`: removes every cached SSO token in `tokens` (files that hold an `accessToken`),
/// returning the files removed.
pub fn logout(tokens: &SsoTokenCache, fs: &dyn awscred_types::Fs) -> Vec<std::path::PathBuf> {
    let Ok(files) = fs.list(tokens.dir()) else {
        return Vec::new();
    };
    files
        .into_iter()
        .filter(|p| {
            fs.read(p, awscred_types::ReadCap::CacheEntry)
                .ok()
                .map(Zeroizing::new)
                .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
                .is_some_and(|v| v.get("accessToken").is_some())
        })
        .filter(|p| fs.remove(p).is_ok())
        .collect()
}

mod pkce {
    //! RFC 7636 pieces (the loopback listener is `awscred_http::RedirectListener`).

    use awscred_types::CredentialsError;
    use base64::Engine as _;
    use zeroize::Zeroizing;

    const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

    pub(super) fn random_url_safe(bytes: usize) -> Result<String, CredentialsError> {
        let mut buf = Zeroizing::new(vec![0u8; bytes]);
        ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut buf)
            .map_err(|_| CredentialsError::provider_error("the system random generator failed"))?;
        Ok(B64.encode(&*buf))
    }

    pub(super) use awscred_http::pkce_challenge as challenge;

    #[cfg(test)]
    mod tests {
        #[test]
        fn challenge_is_unpadded_base64url_of_sha256() {
            // Python: base64.urlsafe_b64encode(hashlib.sha256(v).digest()).rstrip(b"=")
            assert_eq!(
                super::challenge("dBjftJeZ4CVP-mJ92K3vaZgM6Z8ZLRwR3D1bSdr-Zqo"),
                "8kl9pQpc2UBucOuyDwlmKbnQ2a3p86GZXED9bl7swiw"
            );
            let v = super::random_url_safe(64).unwrap();
            assert_eq!(v.len(), 86);
            assert!(
                v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            );
        }
    }
}
