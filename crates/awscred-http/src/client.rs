use std::fmt;
use std::future::{Future, poll_fn};
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http::header::{CONTENT_LENGTH, PROXY_AUTHORIZATION};
use http::{Request, Response, Uri};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::{HttpConnector, capture_connection};
use hyper_util::client::proxy::matcher::Matcher;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use tokio::time::{Instant, sleep_until, timeout_at};
use tower_service::Service;

use crate::connector::Connector;
use crate::error::{HttpError, HttpErrorKind, TimeoutPhase};
use crate::proxy::ProxySettings;
use crate::tls::{CaBundle, client_config};

/// Connect timeout of [`HttpClient::builder`]: 3.1 s, as the AWS SDKs use for STS and SSO.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_millis(3100);
/// Read timeout of [`HttpClient::builder`]: 10 s.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Total deadline of [`HttpClient::builder`]: 30 s per call (per attempt under [`Retry`]).
///
/// [`Retry`]: crate::Retry
pub const DEFAULT_TOTAL_TIMEOUT: Duration = Duration::from_secs(30);
/// Largest response body a client buffers by default: 1 MiB. No credential endpoint comes close.
pub const DEFAULT_MAX_BODY_SIZE: usize = 1024 * 1024;

type HyperClient = Client<HttpsConnector<Connector>, Full<Bytes>>;

/// The HTTP client behind every remote credential provider.
///
/// A [`tower::Service`](Service)`<http::Request<Bytes>>` whose response is an
/// `http::Response<Bytes>` with the whole body read (up to the size limit). A response with any
/// status is `Ok`; only transport failures, timeouts and oversize bodies are [`HttpError`]s.
/// Cloning is cheap (connection pool and settings are shared), and `poll_ready` is always ready.
///
/// It runs on tokio: calls must be made inside a tokio runtime with the time driver enabled.
///
/// # Timeouts
///
/// Every call has three limits:
/// - **connect timeout**: from the start of the call until a connection is ready, covering DNS,
///   TCP, the proxy's `CONNECT` tunnel and the TLS handshake (a pooled connection is ready at
///   once);
/// - **read timeout**: from the moment a connection is ready until the response head (status and
///   headers) has arrived, and again for each gap between two chunks of the body. A body that
///   keeps trickling in is therefore bounded only by
/// - **total deadline**: from the start of the call until the whole body is read.
///
/// The error says which phase the call was in and which limit elapsed
/// ([`HttpErrorKind::TimedOut`]). A request can carry its own limits in its extensions
/// ([`RequestTimeouts`]).
#[derive(Clone)]
pub struct HttpClient {
    client: HyperClient,
    settings: Arc<Settings>,
}

struct Settings {
    connect_timeout: Duration,
    read_timeout: Duration,
    total_timeout: Duration,
    max_body_size: usize,
    proxy: Option<Arc<Matcher>>,
}

/// Configures and builds an [`HttpClient`].
///
/// [`HttpClient::builder`] starts with the STS/SSO defaults; [`HttpClientBuilder::imds`] and
/// [`HttpClientBuilder::container`] with botocore's shorter timeouts for the metadata endpoints.
/// Proxies are off unless [`proxy`](Self::proxy) is called; the default roots are the webpki
/// roots unless [`ca_bundle`](Self::ca_bundle) is called.
#[derive(Clone, Debug)]
pub struct HttpClientBuilder {
    connect_timeout: Duration,
    read_timeout: Duration,
    total_timeout: Duration,
    max_body_size: usize,
    proxy: Option<ProxySettings>,
    ca_bundle: Option<CaBundle>,
    pool_idle_timeout: Duration,
}

// ===== impl HttpClientBuilder =====

impl Default for HttpClientBuilder {
    fn default() -> Self {
        Self {
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            read_timeout: DEFAULT_READ_TIMEOUT,
            total_timeout: DEFAULT_TOTAL_TIMEOUT,
            max_body_size: DEFAULT_MAX_BODY_SIZE,
            proxy: None,
            ca_bundle: None,
            pool_idle_timeout: Duration::from_secs(30),
        }
    }
}

impl HttpClientBuilder {
    /// The STS/SSO defaults: connect 3.1 s, read 10 s, total 30 s, 1 MiB bodies, no proxy.
    pub fn new() -> Self {
        Self::default()
    }

    /// For IMDS: connect and read 1 s (botocore's `metadata_service_timeout` default), total
    /// 3 s. Never give an IMDS client a proxy.
    pub fn imds() -> Self {
        Self::new()
            .connect_timeout(Duration::from_secs(1))
            .read_timeout(Duration::from_secs(1))
            .total_timeout(Duration::from_secs(3))
    }

    /// For the ECS/EKS container endpoint: connect and read 2 s (botocore's
    /// `ContainerMetadataFetcher` timeout), total 5 s. Never give it a proxy.
    pub fn container() -> Self {
        Self::new()
            .connect_timeout(Duration::from_secs(2))
            .read_timeout(Duration::from_secs(2))
            .total_timeout(Duration::from_secs(5))
    }

    /// Sets the connect timeout (see [`HttpClient`] for what each limit covers).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Sets the read timeout (response head, and each gap between body chunks).
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = timeout;
        self
    }

    /// Sets the total deadline of one call, from its start to the last byte of the body.
    pub fn total_timeout(mut self, timeout: Duration) -> Self {
        self.total_timeout = timeout;
        self
    }

    /// Sets the largest response body the client will buffer. A larger `Content-Length`, or a
    /// body that grows past it while streaming, is an [`HttpErrorKind::BodyTooLarge`] error.
    pub fn max_body_size(mut self, bytes: usize) -> Self {
        self.max_body_size = bytes;
        self
    }

    /// Lets this client use proxies (`ProxySettings::from_env` for botocore's behaviour).
    /// Without this call the client always connects directly.
    pub fn proxy(mut self, settings: ProxySettings) -> Self {
        self.proxy = Some(settings);
        self
    }

    /// Trusts only the bundle's certificates for `https://` (they replace the webpki roots).
    pub fn ca_bundle(mut self, bundle: CaBundle) -> Self {
        self.ca_bundle = Some(bundle);
        self
    }

    /// How long an idle pooled connection is kept (default 30 s).
    pub fn pool_idle_timeout(mut self, timeout: Duration) -> Self {
        self.pool_idle_timeout = timeout;
        self
    }

    /// Builds the client. Fails only on configuration (a proxy URL that cannot be used).
    ///
    /// Building needs no runtime; calls do.
    pub fn build(self) -> Result<HttpClient, HttpError> {
        let proxy = match &self.proxy {
            Some(settings) => settings.build_matcher()?,
            None => None,
        };
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        // No connector-level timeout: the connect limit is enforced around the whole
        // connection setup (TCP, tunnel, TLS), so one limit decides and reports.
        let connector = Connector::new(http, proxy.clone());
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(client_config(self.ca_bundle.as_ref())?)
            .https_or_http()
            .enable_http1()
            .wrap_connector(connector);
        let client = Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(self.pool_idle_timeout)
            .build(https);
        Ok(HttpClient {
            client,
            settings: Arc::new(Settings {
                connect_timeout: self.connect_timeout,
                read_timeout: self.read_timeout,
                total_timeout: self.total_timeout,
                max_body_size: self.max_body_size,
                proxy,
            }),
        })
    }
}

// ===== impl HttpClient =====

impl HttpClient {
    /// A builder with the STS/SSO defaults.
    pub fn builder() -> HttpClientBuilder {
        HttpClientBuilder::new()
    }

    /// Sends one request and reads the whole response, within the client's limits.
    ///
    /// The same as calling the [`Service`], without `&mut`.
    pub async fn send(&self, request: Request<Bytes>) -> Result<Response<Bytes>, HttpError> {
        let uri = request.uri().clone();
        check_url(&uri)?;
        let s = &*self.settings;
        let limits = Limits::for_request(s, request.extensions().get::<RequestTimeouts>());
        let start = Instant::now();
        let deadline = start + limits.total;

        let (mut parts, body) = request.into_parts();
        // Plain http through a proxy is sent to the proxy itself, with its credentials; a
        // tunnel (https) carries them in its CONNECT request instead.
        if uri.scheme() == Some(&http::uri::Scheme::HTTP)
            && let Some(intercept) = s.proxy.as_ref().and_then(|m| m.intercept(&uri))
            && let Some(auth) = intercept.basic_auth()
        {
            parts
                .headers
                .entry(PROXY_AUTHORIZATION)
                .or_insert_with(|| auth.clone());
        }
        let mut request = Request::from_parts(parts, Full::new(body));
        let mut capture = capture_connection(&mut request);
        let mut response = pin!(self.client.request(request));

        // Phase 1: until a connection is ready (or the call fails or completes first).
        let (connect_deadline, which) =
            earlier(start + limits.connect, deadline, "connect timeout");
        let first = {
            let mut ready = pin!(capture.wait_for_connection_metadata());
            let mut sleep = pin!(sleep_until(connect_deadline));
            poll_fn(|cx| {
                if let Poll::Ready(result) = response.as_mut().poll(cx) {
                    return Poll::Ready(Connecting::Done(result));
                }
                // The watch guard is dropped at once: only the fact matters.
                if ready.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(Connecting::Connected);
                }
                if sleep.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(Connecting::TimedOut);
                }
                Poll::Pending
            })
            .await
        };
        let head = match first {
            Connecting::Done(result) => result,
            Connecting::TimedOut => {
                let limit = limit_for(which, limits.connect, limits.total);
                let err = HttpError::timed_out(TimeoutPhase::Connect, which, limit);
                return Err(err.with_url(&uri));
            }
            Connecting::Connected => {
                // Phase 2: the request is on a connection; wait for the response head.
                let (head_deadline, which) =
                    earlier(Instant::now() + limits.read, deadline, "read timeout");
                match timeout_at(head_deadline, response).await {
                    Ok(result) => result,
                    Err(_) => {
                        let limit = limit_for(which, limits.read, limits.total);
                        let err = HttpError::timed_out(TimeoutPhase::ResponseHead, which, limit);
                        return Err(err.with_url(&uri));
                    }
                }
            }
        };
        let head = head.map_err(|err| HttpError::from_client_error(err, &uri))?;
        // Phase 3: the body, bounded in size, in gaps and by the deadline.
        self.read_body(head, &uri, limits, deadline).await
    }

    async fn read_body(
        &self,
        response: Response<Incoming>,
        uri: &Uri,
        limits: Limits,
        deadline: Instant,
    ) -> Result<Response<Bytes>, HttpError> {
        let s = &*self.settings;
        let (parts, mut body) = response.into_parts();
        let too_large = || {
            HttpError::new(
                HttpErrorKind::BodyTooLarge,
                "the response body is larger than the limit",
            )
            .with_url(uri)
            .with_field("limit", s.max_body_size)
        };
        let declared = parts
            .headers
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        if let Some(len) = declared
            && len > s.max_body_size as u64
        {
            return Err(too_large().with_field("content-length", len));
        }
        let capacity = declared.map_or(0, |len| len as usize);
        let mut buf = BytesMut::with_capacity(capacity);
        loop {
            let (frame_deadline, which) =
                earlier(Instant::now() + limits.read, deadline, "read timeout");
            let frame = match timeout_at(frame_deadline, body.frame()).await {
                Ok(frame) => frame,
                Err(_) => {
                    let limit = limit_for(which, limits.read, limits.total);
                    return Err(
                        HttpError::timed_out(TimeoutPhase::ResponseBody, which, limit)
                            .with_url(uri),
                    );
                }
            };
            let Some(frame) = frame else { break };
            let frame = frame.map_err(|e| {
                HttpError::new(
                    HttpErrorKind::Io,
                    "the connection failed while reading the response body",
                )
                .with_url(uri)
                .with_source(e)
            })?;
            if let Ok(data) = frame.into_data() {
                if data.len() > s.max_body_size - buf.len() {
                    return Err(too_large());
                }
                buf.extend_from_slice(&data);
            }
        }
        Ok(Response::from_parts(parts, buf.freeze()))
    }
}

/// Limits for one request that override the client's, carried in the request's extensions.
///
/// Lets one client serve calls with different budgets; unset limits keep the client's values.
///
/// ```
/// use std::time::Duration;
/// use awscred_http::{Bytes, RequestTimeouts};
///
/// let mut request = http::Request::get("http://169.254.169.254/latest/api/token")
///     .body(Bytes::new())
///     .expect("a valid request");
/// request.extensions_mut().insert(RequestTimeouts::new().read(Duration::from_secs(1)));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RequestTimeouts {
    connect: Option<Duration>,
    read: Option<Duration>,
    total: Option<Duration>,
}

impl RequestTimeouts {
    /// No overrides.
    pub const fn new() -> Self {
        Self {
            connect: None,
            read: None,
            total: None,
        }
    }

    /// Overrides the connect timeout.
    pub const fn connect(mut self, timeout: Duration) -> Self {
        self.connect = Some(timeout);
        self
    }

    /// Overrides the read timeout.
    pub const fn read(mut self, timeout: Duration) -> Self {
        self.read = Some(timeout);
        self
    }

    /// Overrides the total deadline.
    pub const fn total(mut self, timeout: Duration) -> Self {
        self.total = Some(timeout);
        self
    }
}

/// The limits in force for one call.
#[derive(Clone, Copy)]
struct Limits {
    connect: Duration,
    read: Duration,
    total: Duration,
}

impl Limits {
    fn for_request(settings: &Settings, overrides: Option<&RequestTimeouts>) -> Self {
        let o = overrides.copied().unwrap_or_default();
        Self {
            connect: o.connect.unwrap_or(settings.connect_timeout),
            read: o.read.unwrap_or(settings.read_timeout),
            total: o.total.unwrap_or(settings.total_timeout),
        }
    }
}

/// How the connect phase ended.
enum Connecting {
    /// The call finished (usually with a connect error) before a connection was reported.
    Done(Result<Response<Incoming>, hyper_util::client::legacy::Error>),
    /// A connection is ready and carries the request.
    Connected,
    /// The connect limit elapsed.
    TimedOut,
}

/// The earlier of a phase deadline and the call's total deadline, and the name of the binding one.
fn earlier(phase: Instant, total: Instant, phase_name: &'static str) -> (Instant, &'static str) {
    if phase < total {
        (phase, phase_name)
    } else {
        (total, "total deadline")
    }
}

fn limit_for(which: &str, phase: Duration, total: Duration) -> Duration {
    if which == "total deadline" {
        total
    } else {
        phase
    }
}

fn check_url(uri: &Uri) -> Result<(), HttpError> {
    let scheme_ok = matches!(uri.scheme_str(), Some("http" | "https"));
    let host_ok = uri.host().is_some_and(|h| !h.is_empty());
    if scheme_ok && host_ok {
        return Ok(());
    }
    let message = if !scheme_ok {
        "the URL must start with http:// or https://"
    } else {
        "the URL has no host"
    };
    Err(HttpError::new(HttpErrorKind::InvalidUrl, message).with_url(uri))
}

impl Service<Request<Bytes>> for HttpClient {
    type Response = Response<Bytes>;
    type Error = HttpError;
    type Future = Pin<Box<dyn Future<Output = Result<Response<Bytes>, HttpError>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<Bytes>) -> Self::Future {
        let client = self.clone();
        Box::pin(async move { client.send(request).await })
    }
}

impl fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &*self.settings;
        f.debug_struct("HttpClient")
            .field("connect_timeout", &s.connect_timeout)
            .field("read_timeout", &s.read_timeout)
            .field("total_timeout", &s.total_timeout)
            .field("max_body_size", &s.max_body_size)
            .field("proxy", &s.proxy.is_some())
            .finish()
    }
}
