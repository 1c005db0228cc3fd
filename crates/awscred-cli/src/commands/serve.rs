//! `awscred serve` (and `exec --server`): a container-credentials endpoint on 127.0.0.1 in the
//! ECS / EKS shape, guarded by a random bearer token, answering from the cached chain.
//!
//! Built so that another local user cannot take it down: a client has [`HEADER_READ_TIMEOUT`]
//! to send a request's headers (hyper's timer, which also runs while a kept-alive connection
//! waits for its next request), and a connection with no request in progress is closed after
//! [`IDLE_TIMEOUT`] whatever it sends; at most [`max_connections`] are open, and a new one
//! closes the oldest idle one; a failing `accept` (out of file descriptors) frees a connection
//! and backs off instead of spinning; refused requests are logged at most once per
//! [`WARN_EVERY`].

use std::collections::VecDeque;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use awscred_types::{CredentialsError, SharedProvider};
use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};

use crate::args::SessionArgs;
use crate::chain::{runtime, temporary};
use crate::render::rfc3339;

/// How long a client has to send its request headers.
pub(crate) const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(5);

/// How long a connection may sit with no request in progress (keep-alive, or headers that
/// never finish) before it is closed.
pub(crate) const IDLE_TIMEOUT: Duration = Duration::from_secs(10);

/// The most connections kept open whatever the file descriptor limit.
const MAX_CONNECTIONS: usize = 256;

/// At most one warning per kind (refused requests, failed accepts) in this long.
pub(crate) const WARN_EVERY: Duration = Duration::from_secs(10);

/// `awscred serve`.
pub(crate) fn run(
    profile: Option<&str>,
    port: u16,
    session: &SessionArgs,
) -> Result<ExitCode, CredentialsError> {
    let (_, provider) = temporary(profile, session)?;
    runtime()?.block_on(async {
        // The port first: one in use fails at once, before an MFA prompt or an STS call.
        let endpoint = Endpoint::bind(port).await?;
        // Then one resolution, so a broken configuration fails now, not on the first request.
        provider.provide_credentials().await?;
        // A client that never learns the variables cannot use the server: stop if they cannot
        // be printed (`main` reports it).
        outln!(
            "export AWS_CONTAINER_CREDENTIALS_FULL_URI={}",
            endpoint.url()
        );
        outln!(
            "export AWS_CONTAINER_AUTHORIZATION_TOKEN={}",
            endpoint.token()
        );
        crate::out::flush()?;
        errln!(
            "awscred: serving credentials on {} until interrupted",
            endpoint.url()
        );
        // Serve until Ctrl-C (the server task never ends on its own).
        let server = tokio::spawn(endpoint.serve(provider));
        let _ = tokio::signal::ctrl_c().await;
        server.abort();
        Ok(ExitCode::SUCCESS)
    })
}

/// A bound, not yet serving, endpoint.
pub(crate) struct Endpoint {
    listener: TcpListener,
    token: String,
}

impl Endpoint {
    /// Binds 127.0.0.1:`port` (0: any free port) and draws a 256-bit token.
    pub(crate) async fn bind(port: u16) -> Result<Self, CredentialsError> {
        // SO_REUSEADDR: a restart on the same port must not wait out the previous run's
        // TIME_WAIT connections. A deep accept queue: bursts of short-lived connections (every
        // SDK client asks on its own) must not overflow into SYN retries, a second each.
        let listen = || -> std::io::Result<TcpListener> {
            let socket = tokio::net::TcpSocket::new_v4()?;
            socket.set_reuseaddr(true)?;
            socket.bind(SocketAddr::from(([127, 0, 0, 1], port)))?;
            socket.listen(4096)
        };
        let listener = listen().map_err(|e| {
            CredentialsError::provider_error("could not listen on 127.0.0.1")
                .with("port", port)
                .with_source(e)
        })?;
        let mut bytes = [0u8; 32];
        ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut bytes)
            .map_err(|_| CredentialsError::provider_error("the system random generator failed"))?;
        Ok(Self {
            listener,
            token: hex::encode(bytes),
        })
    }

    /// The URL for `AWS_CONTAINER_CREDENTIALS_FULL_URI`.
    pub(crate) fn url(&self) -> String {
        let addr = self
            .listener
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)));
        format!("http://{addr}/")
    }

    /// The value for `AWS_CONTAINER_AUTHORIZATION_TOKEN`.
    pub(crate) fn token(&self) -> &str {
        &self.token
    }

    /// Serves until the task is dropped.
    pub(crate) async fn serve(self, provider: SharedProvider) {
        let shared = Arc::new(Shared {
            token: self.token.into(),
            provider,
            conns: Mutex::new(Conns::default()),
            cap: max_connections(),
            epoch: Instant::now(),
            refused: RateLimited::default(),
            accept_failed: RateLimited::default(),
        });
        let _sweeper = AbortOnDrop(tokio::spawn(sweep_idle(shared.clone())));
        let mut backoff = Duration::ZERO;
        loop {
            match self.listener.accept().await {
                Ok((stream, _)) => {
                    backoff = Duration::ZERO;
                    shared.admit(stream);
                }
                Err(e) => {
                    // Out of descriptors (EMFILE, ENFILE) or any other failure: free the oldest
                    // idle connection and wait before trying again, so an error that persists
                    // cannot turn the loop into a spin.
                    shared.evict_oldest_idle();
                    backoff =
                        (backoff * 2).clamp(Duration::from_millis(10), Duration::from_secs(1));
                    if let Some(n) = shared.accept_failed.hit() {
                        tracing::warn!(
                            error = %e,
                            "accepting a connection failed ({n} time(s) since the last warning); \
                             waiting {} ms before the next",
                            backoff.as_millis()
                        );
                    }
                    tokio::time::sleep(backoff).await;
                }
            }
        }
    }
}

/// The connection cap: [`MAX_CONNECTIONS`], or half the file descriptor limit when that is lower
/// (the other half for the listener, the runtime, and what the chain opens).
fn max_connections() -> usize {
    // rustix reads the limit on Linux; elsewhere the fixed cap stands.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        let limit = rustix::process::getrlimit(rustix::process::Resource::Nofile).current;
        if let Some(n) = limit.and_then(|n| usize::try_from(n / 2).ok()) {
            return n.clamp(8, MAX_CONNECTIONS);
        }
    }
    MAX_CONNECTIONS
}

/// What every connection of one endpoint shares.
struct Shared {
    token: Arc<str>,
    provider: SharedProvider,
    conns: Mutex<Conns>,
    cap: usize,
    /// The clock connections' idle times are measured from.
    epoch: Instant,
    refused: RateLimited,
    accept_failed: RateLimited,
}

/// The open connections, oldest first.
#[derive(Default)]
struct Conns {
    next_id: u64,
    open: VecDeque<Conn>,
}

struct Conn {
    id: u64,
    task: tokio::task::AbortHandle,
    activity: Arc<Activity>,
}

/// Whether a connection is answering a request, and since when it has been idle.
struct Activity {
    in_flight: AtomicUsize,
    /// Milliseconds after [`Shared::epoch`] of the last request's end (or the connection's start).
    idle_since_ms: AtomicU64,
}

impl Activity {
    fn idle_for(&self, now_ms: u64) -> Option<Duration> {
        (self.in_flight.load(Ordering::SeqCst) == 0).then(|| {
            Duration::from_millis(now_ms.saturating_sub(self.idle_since_ms.load(Ordering::SeqCst)))
        })
    }
}

impl Shared {
    fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Serves `stream` on its own task, first closing the oldest idle connection when the cap is
    /// reached (or refusing `stream` when every open connection is answering a request).
    fn admit(self: &Arc<Self>, stream: TcpStream) {
        let activity = Arc::new(Activity {
            in_flight: AtomicUsize::new(0),
            idle_since_ms: AtomicU64::new(self.now_ms()),
        });
        let mut evicted = None;
        let mut conns = self.conns.lock().unwrap_or_else(|p| p.into_inner());
        if conns.open.len() >= self.cap {
            let now = self.now_ms();
            match conns
                .open
                .iter()
                .position(|c| c.activity.idle_for(now).is_some())
            {
                Some(i) => evicted = conns.open.remove(i),
                None => {
                    tracing::debug!("every connection is busy; refusing a new one");
                    return;
                }
            }
        }
        let id = conns.next_id;
        conns.next_id += 1;
        let (shared, act) = (self.clone(), activity.clone());
        let task = tokio::spawn(async move {
            let _registered = Registered(shared.clone(), id);
            let service = hyper::service::service_fn(move |req| {
                let (shared, act) = (shared.clone(), act.clone());
                async move {
                    let _busy = Busy::start(&shared, &act);
                    Ok::<_, Infallible>(answer(req, &shared).await)
                }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_READ_TIMEOUT)
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
        conns.open.push_back(Conn {
            id,
            task: task.abort_handle(),
            activity,
        });
        drop(conns);
        if let Some(old) = evicted {
            tracing::debug!("connection cap reached; closed the oldest idle connection");
            old.task.abort();
        }
    }

    /// Closes the oldest idle connection, if any.
    fn evict_oldest_idle(&self) {
        let now = self.now_ms();
        let mut conns = self.conns.lock().unwrap_or_else(|p| p.into_inner());
        let found = conns
            .open
            .iter()
            .position(|c| c.activity.idle_for(now).is_some());
        let evicted = found.and_then(|i| conns.open.remove(i));
        drop(conns);
        if let Some(c) = evicted {
            c.task.abort();
        }
    }

    /// Closes every connection idle for longer than [`IDLE_TIMEOUT`].
    fn close_idle(&self) {
        let now = self.now_ms();
        let mut conns = self.conns.lock().unwrap_or_else(|p| p.into_inner());
        let (stale, kept): (VecDeque<Conn>, VecDeque<Conn>) = std::mem::take(&mut conns.open)
            .into_iter()
            .partition(|c| c.activity.idle_for(now).is_some_and(|d| d > IDLE_TIMEOUT));
        conns.open = kept;
        drop(conns);
        for c in stale {
            c.task.abort();
        }
    }
}

async fn sweep_idle(shared: Arc<Shared>) {
    loop {
        tokio::time::sleep(Duration::from_secs(1)).await;
        shared.close_idle();
    }
}

/// Removes a connection from [`Conns`] when its task ends (or is aborted).
struct Registered(Arc<Shared>, u64);

impl Drop for Registered {
    fn drop(&mut self) {
        let mut conns = self.0.conns.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(i) = conns.open.iter().position(|c| c.id == self.1) {
            conns.open.remove(i);
        }
    }
}

/// A request in progress on a connection.
struct Busy<'a>(&'a Shared, &'a Activity);

impl<'a> Busy<'a> {
    fn start(shared: &'a Shared, activity: &'a Activity) -> Self {
        activity.in_flight.fetch_add(1, Ordering::SeqCst);
        Self(shared, activity)
    }
}

impl Drop for Busy<'_> {
    fn drop(&mut self) {
        self.1
            .idle_since_ms
            .store(self.0.now_ms(), Ordering::SeqCst);
        self.1.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Aborts a task when dropped (the sweeper ends with the server).
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Counts events and says when a warning is due: the first one, then at most one per
/// [`WARN_EVERY`], each carrying how many happened since the last.
#[derive(Default)]
struct RateLimited(Mutex<(Option<Instant>, u64)>);

impl RateLimited {
    /// `Some(n)` when a warning is due now (`n` events since the last warning, this one
    /// included); `None` when it is not.
    fn hit(&self) -> Option<u64> {
        let mut state = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let (last, count) = &mut *state;
        *count += 1;
        let due = last.is_none_or(|t| t.elapsed() >= WARN_EVERY);
        due.then(|| {
            *last = Some(Instant::now());
            std::mem::take(count)
        })
    }
}

async fn answer(req: Request<Incoming>, shared: &Shared) -> Response<Full<Bytes>> {
    if req.method() != Method::GET {
        return error(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            "use GET",
        );
    }
    let given = req
        .headers()
        .get(hyper::header::AUTHORIZATION)
        .map(|v| v.as_bytes())
        .unwrap_or_default();
    if !constant_time_eq(given, shared.token.as_bytes()) {
        if let Some(n) = shared.refused.hit() {
            tracing::warn!(
                path = %req.uri().path(),
                "refused {n} request(s) without the right token since the last warning \
                 (at most one warning every {} s)",
                WARN_EVERY.as_secs()
            );
        }
        return error(
            StatusCode::UNAUTHORIZED,
            "Unauthorized",
            "missing or wrong Authorization token",
        );
    }
    match shared.provider.provide_credentials().await {
        Ok(c) => {
            let mut body = serde_json::Map::new();
            body.insert("AccessKeyId".into(), c.access_key_id().into());
            body.insert("SecretAccessKey".into(), c.secret_access_key().into());
            if let Some(t) = c.session_token() {
                body.insert("Token".into(), t.into());
            }
            if let Some(e) = c.expiry() {
                body.insert("Expiration".into(), rfc3339(e).into());
            }
            if let Some(a) = c.account_id() {
                body.insert("AccountId".into(), a.into());
            }
            json(StatusCode::OK, &serde_json::Value::Object(body))
        }
        Err(e) => {
            tracing::warn!(error = %e, "could not resolve credentials for a client");
            error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "CredentialsError",
                &e.to_string(),
            )
        }
    }
}

fn error(status: StatusCode, code: &str, message: &str) -> Response<Full<Bytes>> {
    json(
        status,
        &serde_json::json!({ "code": code, "message": message }),
    )
}

fn json(status: StatusCode, value: &serde_json::Value) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(value.to_string())));
    *response.status_mut() = status;
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    response
}

/// Compares without an early exit, so the time taken says nothing about the token.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_comparison() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert!(!constant_time_eq(b"", b"a"));
    }

    #[test]
    fn warnings_are_rate_limited_and_count_what_they_skipped() {
        let limit = RateLimited::default();
        assert_eq!(limit.hit(), Some(1));
        for _ in 0..99 {
            assert_eq!(limit.hit(), None);
        }
        // Pretend the window has passed: the next warning carries the 99 skipped and itself.
        limit.0.lock().unwrap().0 = Instant::now().checked_sub(WARN_EVERY);
        assert_eq!(limit.hit(), Some(100));
    }
}
