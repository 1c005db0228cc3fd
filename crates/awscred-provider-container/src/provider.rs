//! The provider: authorization header, the request, and botocore's attempt loop.

use std::error::Error as StdError;
use std::fmt;
use std::path::Path;
use std::time::Duration;

use awscred_http::http::header::{ACCEPT, AUTHORIZATION, HeaderValue};
use awscred_http::http::{Request, StatusCode, Uri};
use awscred_http::{Bytes, HttpClient, HttpClientBuilder, HttpError, LazyClient};
use awscred_types::{
    Credentials, CredentialsError, ProvideCredentials, ReadCap, SharedEnv, SharedFs, Sources,
};
use zeroize::Zeroizing;

use crate::endpoint::{AUTH_TOKEN_FILE_VAR, AUTH_TOKEN_VAR, display_uri, resolve_uri};
use crate::response;

/// Attempts per fetch, as botocore's `ContainerMetadataFetcher.RETRY_ATTEMPTS`.
pub const DEFAULT_ATTEMPTS: u32 = 3;
/// Pause after a failed attempt, as botocore's `ContainerMetadataFetcher.SLEEP_TIME`.
pub const DEFAULT_RETRY_DELAY: Duration = Duration::from_secs(1);

/// Credentials from the ECS / EKS Pod Identity container endpoint (botocore's
/// `ContainerProvider`, method `container-role`).
///
/// Every call reads the environment (the URI and token variables) and, when one is configured,
/// the token file, then fetches. Nothing is cached: put a cache layer in front of it. See the
/// [crate docs](crate) for the rules.
#[derive(Clone, Debug)]
pub struct ContainerProvider {
    env: SharedEnv,
    fs: SharedFs,
    /// Built on the first call (an error is a client that could not be built).
    http: LazyClient,
    attempts: u32,
    retry_delay: Duration,
}

/// Configures a [`ContainerProvider`]; see [`ContainerProvider::builder`].
#[derive(Clone, Debug)]
pub struct ContainerProviderBuilder {
    sources: Sources,
    http: Option<HttpClient>,
    attempts: Option<u32>,
    retry_delay: Option<Duration>,
}

// ===== impl ContainerProviderBuilder =====

impl ContainerProviderBuilder {
    /// The HTTP client (default: [`HttpClientBuilder::container`], 2 s connect and read
    /// timeouts, no proxy). Give it no proxy: botocore never sends these requests through one.
    pub fn http(mut self, client: HttpClient) -> Self {
        self.http = Some(client);
        self
    }

    /// Attempts per fetch (default [`DEFAULT_ATTEMPTS`]; `0` counts as 1).
    pub fn attempts(mut self, attempts: u32) -> Self {
        self.attempts = Some(attempts);
        self
    }

    /// The pause after a failed attempt before the next (default [`DEFAULT_RETRY_DELAY`]).
    pub fn retry_delay(mut self, delay: Duration) -> Self {
        self.retry_delay = Some(delay);
        self
    }

    /// Builds the provider. Needs no runtime; calls do (tokio, with the time driver). The
    /// HTTP client is built on the first call.
    pub fn build(self) -> ContainerProvider {
        let http = match self.http {
            Some(client) => LazyClient::ready(client),
            None => LazyClient::new(HttpClientBuilder::container()),
        };
        ContainerProvider {
            env: self.sources.env,
            fs: self.sources.fs,
            http,
            attempts: self.attempts.unwrap_or(DEFAULT_ATTEMPTS).max(1),
            retry_delay: self.retry_delay.unwrap_or(DEFAULT_RETRY_DELAY),
        }
    }
}

// ===== impl ContainerProvider =====

impl ContainerProvider {
    /// A builder reading the environment and the token file through `sources`, with
    /// botocore's timeouts and retries.
    pub fn builder(sources: &Sources) -> ContainerProviderBuilder {
        ContainerProviderBuilder {
            sources: sources.clone(),
            http: None,
            attempts: None,
            retry_delay: None,
        }
    }

    /// The `Authorization` header value: the token file's contents, else the token variable.
    fn authorization(&self) -> Result<Option<Authorization>, CredentialsError> {
        if let Some(path) = self.env.get(AUTH_TOKEN_FILE_VAR) {
            let context =
                |err: CredentialsError| err.with("key", AUTH_TOKEN_FILE_VAR).with("file", &path);
            let token = self
                .fs
                .read(Path::new(&path), ReadCap::Token)
                .map(Zeroizing::new)
                .map_err(|e| {
                    context(
                        CredentialsError::invalid_configuration(
                            "could not read the container authorization token file",
                        )
                        .with_source(e),
                    )
                })?;
            if token.is_empty() {
                return Err(context(CredentialsError::invalid_configuration(
                    "the container authorization token file is empty",
                )));
            }
            return Authorization::new(token, "the container authorization token file")
                .map(Some)
                .map_err(context);
        }
        if let Some(token) = self.env.get(AUTH_TOKEN_VAR) {
            let token = Zeroizing::new(token.into_bytes());
            return Authorization::new(token, AUTH_TOKEN_VAR)
                .map(Some)
                .map_err(|e| e.with("key", AUTH_TOKEN_VAR));
        }
        Ok(None)
    }

    /// botocore's `_retrieve_credentials`: up to `attempts` tries, pausing after each failure.
    async fn fetch(
        &self,
        http: &HttpClient,
        uri: &Uri,
        auth: Option<&Authorization>,
    ) -> Result<Credentials, CredentialsError> {
        let url = display_uri(uri);
        let mut request = Request::get(uri.clone())
            .header(ACCEPT, HeaderValue::from_static("application/json"))
            .body(Bytes::new())
            .map_err(|e| {
                CredentialsError::invalid_configuration("could not build the request")
                    .with("url", &url)
                    .with_source(e)
            })?;
        if let Some(auth) = auth {
            request
                .headers_mut()
                .insert(AUTHORIZATION, auth.header.clone());
        }
        let mut attempt = 1;
        loop {
            let failure = match attempt_once(http, request.clone(), auth).await {
                Ok(body) => return response::credentials(body).map_err(|e| e.with("url", &url)),
                Err(failure) => failure,
            };
            tracing::debug!(%url, attempt, error = %failure, "container credentials attempt failed");
            if attempt >= self.attempts {
                return Err(failure.into_error(url, attempt));
            }
            if !self.retry_delay.is_zero() {
                tokio::time::sleep(self.retry_delay).await;
            }
            attempt += 1;
        }
    }
}

impl Default for ContainerProvider {
    /// A provider over the real environment and file system ([`Sources::system`]).
    fn default() -> Self {
        Self::builder(&Sources::system()).build()
    }
}

#[async_trait::async_trait]
impl ProvideCredentials for ContainerProvider {
    async fn provide_credentials(&self) -> Result<Credentials, CredentialsError> {
        let uri = resolve_uri(&*self.env)?;
        let auth = self.authorization()?;
        let http = self.http.get()?;
        self.fetch(http, &uri, auth.as_ref()).await
    }
}

/// One attempt: a `200` whose body is JSON, or why not (every failure here is retried).
async fn attempt_once(
    http: &HttpClient,
    request: Request<Bytes>,
    auth: Option<&Authorization>,
) -> Result<serde_json::Value, Failure> {
    let response = http.send(request).await.map_err(Failure::Http)?;
    let status = response.status();
    let body = response.into_body();
    if status != StatusCode::OK {
        let detail = response::error_detail(&body, auth.map(|a| a.token.as_slice()));
        return Err(Failure::Status {
            status: status.as_u16(),
            detail,
        });
    }
    // serde_json's syntax errors name a line and column and never quote the input.
    serde_json::from_slice(&body).map_err(Failure::NotJson)
}

/// The authorization token and the header made from it (marked sensitive).
struct Authorization {
    token: Zeroizing<Vec<u8>>,
    header: HeaderValue,
}

impl Authorization {
    /// Checks the value as botocore does (no CR or LF), then as HTTP does (no other control
    /// characters). The errors never contain the token.
    fn new(token: Zeroizing<Vec<u8>>, source: &str) -> Result<Self, CredentialsError> {
        if token.iter().any(|b| matches!(b, b'\r' | b'\n')) {
            return Err(CredentialsError::invalid_configuration(format!(
                "{source} contains a line break (CR or LF), which is not allowed in an \
                 HTTP header value; remove it"
            )));
        }
        let mut header = HeaderValue::from_bytes(&token).map_err(|_| {
            CredentialsError::invalid_configuration(format!(
                "{source} contains a control character, which is not allowed in an HTTP \
                 header value"
            ))
        })?;
        header.set_sensitive(true);
        Ok(Self { token, header })
    }
}

/// Why one attempt failed. Shows no secret: HTTP errors carry no header value, a non-200 body
/// is reduced to its cleaned `code` and `message`, and JSON errors never quote the body.
#[derive(Debug)]
enum Failure {
    Http(HttpError),
    Status { status: u16, detail: Option<String> },
    NotJson(serde_json::Error),
}

impl Failure {
    fn into_error(self, url: String, attempts: u32) -> CredentialsError {
        const MESSAGE: &str = "could not load credentials from the container endpoint";
        let err = match &self {
            Self::Http(e) if e.is_timeout() => CredentialsError::timed_out(MESSAGE),
            _ => CredentialsError::provider_error(MESSAGE),
        };
        err.with("url", url)
            .with("attempts", attempts)
            .with_source(self)
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // The URL is already on the outer error; the message says what happened.
            Self::Http(e) => f.write_str(e.message()),
            Self::Status {
                status,
                detail: Some(detail),
            } => write!(f, "the endpoint answered HTTP {status} ({detail})"),
            Self::Status {
                status,
                detail: None,
            } => write!(f, "the endpoint answered HTTP {status}"),
            Self::NotJson(_) => {
                f.write_str("the endpoint answered 200 with a body that is not JSON")
            }
        }
    }
}

impl StdError for Failure {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            Self::Http(e) => e.source(),
            Self::Status { .. } => None,
            Self::NotJson(e) => Some(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use awscred_types::{FakeEnv, MemFs};
    use std::sync::Arc;

    fn provider(env: FakeEnv, fs: MemFs) -> ContainerProvider {
        ContainerProvider::builder(
            &Sources::default()
                .with_env(Arc::new(env))
                .with_fs(Arc::new(fs)),
        )
        .build()
    }

    #[test]
    fn token_file_wins_over_the_variable_and_is_reread() {
        let fs = MemFs::new().with_file("/t", "from-file");
        let env = FakeEnv::new()
            .with(AUTH_TOKEN_FILE_VAR, "/t")
            .with(AUTH_TOKEN_VAR, "from-env");
        let p = provider(env, fs.clone());
        let auth = p.authorization().unwrap().unwrap();
        assert_eq!(auth.header, "from-file");
        assert!(auth.header.is_sensitive());
        fs.insert("/t", "rotated");
        assert_eq!(p.authorization().unwrap().unwrap().header, "rotated");

        let p = provider(
            FakeEnv::new().with(AUTH_TOKEN_VAR, "from-env"),
            MemFs::new(),
        );
        assert_eq!(p.authorization().unwrap().unwrap().header, "from-env");
        assert!(
            provider(FakeEnv::new(), MemFs::new())
                .authorization()
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn bad_tokens_are_invalid_configuration_without_the_token() {
        let cases: [(FakeEnv, MemFs, &str); 5] = [
            (
                FakeEnv::new().with(AUTH_TOKEN_VAR, "hunter2\r\nX-Evil: 1"),
                MemFs::new(),
                "line break",
            ),
            (
                FakeEnv::new().with(AUTH_TOKEN_FILE_VAR, "/t"),
                MemFs::new().with_file("/t", "hunter2\n"),
                "line break",
            ),
            (
                FakeEnv::new().with(AUTH_TOKEN_FILE_VAR, "/t"),
                MemFs::new().with_file("/t", "hunter2\0"),
                "control character",
            ),
            (
                FakeEnv::new().with(AUTH_TOKEN_FILE_VAR, "/t"),
                MemFs::new().with_file("/t", ""),
                "empty",
            ),
            (
                FakeEnv::new()
                    .with(AUTH_TOKEN_FILE_VAR, "/missing")
                    .with(AUTH_TOKEN_VAR, "hunter2"),
                MemFs::new(),
                "could not read",
            ),
        ];
        for (env, fs, part) in cases {
            let err = provider(env, fs).authorization().err().unwrap();
            assert!(err.is_invalid_configuration());
            let shown = format!("{err} {err:?}");
            assert!(shown.contains(part), "{shown}");
            assert!(!shown.contains("hunter2"), "{shown}");
            assert!(err.field("key").is_some(), "{shown}");
        }
    }

    #[test]
    fn missing_token_file_names_the_path() {
        let env = FakeEnv::new().with(AUTH_TOKEN_FILE_VAR, "/var/run/secrets/pod-identity/token");
        let err = provider(env, MemFs::new()).authorization().err().unwrap();
        assert_eq!(
            err.field("file"),
            Some("/var/run/secrets/pod-identity/token")
        );
    }

    #[test]
    fn builder_defaults_and_zero_attempts() {
        let p = ContainerProvider::default();
        assert_eq!(p.attempts, DEFAULT_ATTEMPTS);
        assert_eq!(p.retry_delay, DEFAULT_RETRY_DELAY);
        assert!(!p.http.is_built(), "the client is built on the first call");
        assert!(p.http.get().is_ok());
        assert_eq!(
            ContainerProvider::builder(&Sources::default())
                .attempts(0)
                .build()
                .attempts,
            1
        );
    }

    #[test]
    fn failures_say_what_happened_and_pick_the_kind() {
        let err = Failure::Status {
            status: 503,
            detail: Some("code: Busy".into()),
        }
        .into_error("http://127.0.0.1:1/c".into(), 3);
        assert!(err.is_provider_error());
        assert_eq!(
            err.to_string(),
            "could not load credentials from the container endpoint \
             (url: http://127.0.0.1:1/c, attempts: 3): the endpoint answered HTTP 503 (code: Busy)"
        );
        let not_json = serde_json::from_slice::<serde_json::Value>(b"{").unwrap_err();
        let err = Failure::NotJson(not_json).into_error("u".into(), 1);
        assert!(err.to_string().contains("not JSON: EOF"), "{err}");
    }
}
