//! The loopback side of the browser login flows (IAM Identity Center's and console sign-in's
//! authorization code with PKCE): a one-request redirect listener on 127.0.0.1, and the S256
//! challenge. The redirect is a single `GET` line from a browser on this machine, so it is read
//! by hand rather than with an HTTP server.

use awscred_types::CredentialsError;
use base64::Engine as _;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use zeroize::Zeroizing;

const B64URL: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// `BASE64URL(SHA256(verifier))` without padding, the PKCE S256 method (RFC 7636 §4.2).
pub fn pkce_challenge(verifier: &str) -> String {
    B64URL.encode(ring::digest::digest(
        &ring::digest::SHA256,
        verifier.as_bytes(),
    ))
}

/// A one-request redirect listener on a free 127.0.0.1 port (`/oauth/callback`).
#[derive(Debug)]
pub struct RedirectListener {
    listener: tokio::net::TcpListener,
    port: u16,
}

impl RedirectListener {
    /// Listens on a free port of 127.0.0.1.
    pub async fn bind() -> Result<Self, CredentialsError> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .map_err(|e| {
                CredentialsError::provider_error(
                    "could not listen on 127.0.0.1 for the login redirect",
                )
                .with_source(e)
            })?;
        let port = listener.local_addr().map(|a| a.port()).unwrap_or_default();
        Ok(Self { listener, port })
    }

    /// `http://127.0.0.1:PORT/oauth/callback`, the redirect URI to register.
    pub fn redirect_uri(&self) -> String {
        format!("http://127.0.0.1:{}/oauth/callback", self.port)
    }

    /// Accepts connections until one carries `/oauth/callback` with our `state` and a `code`
    /// (or an `error`: the login was refused); answers the browser with a short page either
    /// way. Callers bound the wait.
    pub async fn wait_for_code(&self, state: &str) -> Result<Zeroizing<String>, CredentialsError> {
        wait_for_code(&self.listener, state).await
    }
}

async fn wait_for_code(
    listener: &tokio::net::TcpListener,
    state: &str,
) -> Result<Zeroizing<String>, CredentialsError> {
    loop {
        let Ok((mut stream, _)) = listener.accept().await else {
            continue;
        };
        let mut buf = vec![0u8; 8192];
        let mut len = 0;
        while len < buf.len() {
            match stream.read(&mut buf[len..]).await {
                Ok(0) | Err(_) => break,
                Ok(n) => len += n,
            }
            if buf[..len].windows(4).any(|w| w == b"\r\n\r\n") {
                break;
            }
        }
        let head = String::from_utf8_lossy(&buf[..len]);
        let target = head
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("GET "))
            .and_then(|l| l.split(' ').next())
            .unwrap_or_default()
            .to_owned();
        let Some(query) = target.strip_prefix("/oauth/callback?") else {
            let _ = respond(&mut stream, 404, "Not found").await;
            continue;
        };
        let param = |name: &str| {
            query.split('&').find_map(|pair| {
                let (k, v) = pair.split_once('=')?;
                (k == name).then(|| {
                    percent_encoding::percent_decode_str(v)
                        .decode_utf8_lossy()
                        .into_owned()
                })
            })
        };
        if param("state").as_deref() != Some(state) {
            let _ = respond(
                &mut stream,
                400,
                "This login request is not the one awscred is waiting for.",
            )
            .await;
            continue;
        }
        if let Some(error) = param("error") {
            let _ = respond(
                &mut stream,
                400,
                "The login was not approved. You can close this window.",
            )
            .await;
            return Err(CredentialsError::provider_error(format!(
                "the login was not approved in the browser ({error})"
            )));
        }
        let Some(code) = param("code") else {
            let _ = respond(&mut stream, 400, "The redirect had no code.").await;
            continue;
        };
        let _ = respond(
            &mut stream,
            200,
            "awscred is logged in. You can close this window.",
        )
        .await;
        return Ok(Zeroizing::new(code));
    }
}

async fn respond(
    stream: &mut tokio::net::TcpStream,
    status: u16,
    text: &str,
) -> std::io::Result<()> {
    let reason = match status {
        200 => "OK",
        404 => "Not Found",
        _ => "Bad Request",
    };
    let body = format!("<!doctype html><title>awscred</title><p>{text}</p>");
    let head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body.as_bytes()).await?;
    stream.shutdown().await
}

#[cfg(test)]
mod tests {
    #[test]
    fn challenge_is_unpadded_base64url_of_sha256() {
        // Python: base64.urlsafe_b64encode(hashlib.sha256(v).digest()).rstrip(b"=")
        assert_eq!(
            super::pkce_challenge("dBjftJeZ4CVP-mJ92K3vaZgM6Z8ZLRwR3D1bSdr-Zqo"),
            "8kl9pQpc2UBucOuyDwlmKbnQ2a3p86GZXED9bl7swiw"
        );
    }
}
