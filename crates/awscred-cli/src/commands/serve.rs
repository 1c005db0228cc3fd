//! `awscred serve` (and `exec --server`): a container-credentials endpoint on 127.0.0.1 in the
//! ECS / EKS shape, guarded by a random bearer token, answering from the cached chain.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::process::ExitCode;

use awscred_types::{CredentialsError, SharedProvider};
use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use crate::args::SessionArgs;
use crate::chain::{runtime, temporary};
use crate::render::rfc3339;

/// `awscred serve`.
pub(crate) fn run(
    profile: Option<&str>,
    port: u16,
    session: &SessionArgs,
) -> Result<ExitCode, CredentialsError> {
    use std::io::Write as _;
    let (_, provider) = temporary(profile, session)?;
    runtime()?.block_on(async {
        // Resolve once first, so a broken configuration fails now, not on the first request.
        provider.provide_credentials().await?;
        let endpoint = Endpoint::bind(port).await?;
        let mut out = std::io::stdout().lock();
        let _ = writeln!(
            out,
            "export AWS_CONTAINER_CREDENTIALS_FULL_URI={}",
            endpoint.url()
        );
        let _ = writeln!(
            out,
            "export AWS_CONTAINER_AUTHORIZATION_TOKEN={}",
            endpoint.token()
        );
        let _ = out.flush();
        drop(out);
        eprintln!(
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
        // A deep accept queue: bursts of short-lived connections (every SDK client asks on its
        // own) must not overflow into SYN retries, which cost a whole second each.
        let listen = || -> std::io::Result<TcpListener> {
            let socket = tokio::net::TcpSocket::new_v4()?;
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
        let token: std::sync::Arc<str> = self.token.into();
        loop {
            let Ok((stream, _)) = self.listener.accept().await else {
                continue;
            };
            let provider = provider.clone();
            let token = token.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |req| {
                    let provider = provider.clone();
                    let token = token.clone();
                    async move { Ok::<_, Infallible>(answer(req, &token, &provider).await) }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    }
}

async fn answer(
    req: Request<Incoming>,
    token: &str,
    provider: &SharedProvider,
) -> Response<Full<Bytes>> {
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
    if !constant_time_eq(given, token.as_bytes()) {
        tracing::warn!(path = %req.uri().path(), "refused a request without the right token");
        return error(
            StatusCode::UNAUTHORIZED,
            "Unauthorized",
            "missing or wrong Authorization token",
        );
    }
    match provider.provide_credentials().await {
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
}
