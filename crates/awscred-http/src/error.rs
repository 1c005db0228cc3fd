use std::borrow::Cow;
use std::error::Error as StdError;
use std::fmt;
use std::io;
use std::time::Duration;

use awscred_types::CredentialsError;
use http::Uri;

/// A boxed, thread-safe error, as hyper and tower use.
pub(crate) type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// Why an HTTP call failed, and where.
///
/// The [`kind`](Self::kind) is the contract; the wording of `Display` may change between
/// releases. Every error carries the URL it was about as scheme, host, port and path: **the query
/// string and any user-info are dropped**, and no header value is ever part of an error, so an
/// `HttpError` can be logged as is. `Display` shows the message and the URL; the underlying cause
/// is available through [`source`](StdError::source) (and is shown by
/// [`CredentialsError`]'s `Display` after [`into_credentials_error`](Self::into_credentials_error)).
///
/// A response with a non-success status is **not** an `HttpError`: the service returns it, and
/// the provider that asked decides what it means.
pub struct HttpError {
    inner: Box<Inner>,
}

struct Inner {
    kind: HttpErrorKind,
    message: Cow<'static, str>,
    url: Option<String>,
    fields: Vec<(&'static str, String)>,
    attempts: Option<u32>,
    source: Option<BoxError>,
}

/// What kind of failure an [`HttpError`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HttpErrorKind {
    /// The URL cannot be requested: no scheme or host, or a scheme other than `http`/`https`.
    InvalidUrl,
    /// The client's own configuration is wrong: an unreadable or invalid CA bundle, or a proxy
    /// URL that cannot be used. Raised when the client is built, never per call.
    InvalidConfiguration,
    /// Nothing listens at the destination (TCP connection refused).
    ConnectionRefused,
    /// Connecting failed for another reason (DNS, unreachable network, reset during connect).
    Connect,
    /// The configured proxy refused or failed the request (CONNECT not answered with 200,
    /// proxy authentication required).
    Proxy,
    /// The TLS handshake failed (for example, the certificate is not trusted by the roots in use).
    Tls,
    /// A limit elapsed; the phase says where the call was when it did.
    TimedOut(TimeoutPhase),
    /// The response body is larger than the client's limit (by `Content-Length`, or while
    /// streaming). The body was not buffered beyond the limit.
    BodyTooLarge,
    /// The connection failed after it was established (closed early, reset, malformed response).
    Io,
}

/// Where a call was when its time ran out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TimeoutPhase {
    /// Connecting: TCP, the proxy's CONNECT tunnel and the TLS handshake. Nothing was sent.
    Connect,
    /// Waiting for the response status line and headers, after the request was sent on an
    /// established connection.
    ResponseHead,
    /// Reading the response body (between two chunks, or the total deadline while reading).
    ResponseBody,
}

impl TimeoutPhase {
    fn describe(self) -> &'static str {
        match self {
            Self::Connect => "connecting",
            Self::ResponseHead => "waiting for the response headers",
            Self::ResponseBody => "reading the response body",
        }
    }
}

/// `10 s`, or `250 ms` for a limit that is not whole seconds.
fn seconds(d: Duration) -> String {
    if d.subsec_nanos() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{} ms", d.as_millis())
    }
}

// ===== impl HttpError =====

impl HttpError {
    pub(crate) fn new(kind: HttpErrorKind, message: impl Into<Cow<'static, str>>) -> Self {
        Self {
            inner: Box::new(Inner {
                kind,
                message: message.into(),
                url: None,
                fields: Vec::new(),
                attempts: None,
                source: None,
            }),
        }
    }

    /// A timeout error: `which` names the limit ("read timeout", "total deadline").
    pub(crate) fn timed_out(phase: TimeoutPhase, which: &str, limit: Duration) -> Self {
        Self::new(
            HttpErrorKind::TimedOut(phase),
            format!(
                "timed out {} after {} ({which})",
                phase.describe(),
                seconds(limit)
            ),
        )
    }

    pub(crate) fn with_url(mut self, uri: &Uri) -> Self {
        self.inner.url = Some(redact_url(uri));
        self
    }

    pub(crate) fn with_field(mut self, label: &'static str, value: impl fmt::Display) -> Self {
        self.inner.fields.push((label, value.to_string()));
        self
    }

    pub(crate) fn with_source(mut self, source: impl Into<BoxError>) -> Self {
        self.inner.source = Some(source.into());
        self
    }

    pub(crate) fn with_attempts(mut self, attempts: u32) -> Self {
        self.inner.attempts = Some(attempts);
        self
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> HttpErrorKind {
        self.inner.kind
    }

    /// The URL the call was for, as `scheme://host:port/path` (no query, no user-info).
    /// `None` only for errors raised while building a client.
    pub fn url(&self) -> Option<&str> {
        self.inner.url.as_deref()
    }

    /// The message, without URL, fields or cause.
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// The value of a labelled detail (`"file"`, `"key"`, `"limit"`), if present.
    pub fn field(&self, label: &str) -> Option<&str> {
        let fields = &self.inner.fields;
        fields
            .iter()
            .find(|(l, _)| *l == label)
            .map(|(_, v)| v.as_str())
    }

    /// How many attempts were made, when the error comes out of a [`Retry`](crate::Retry).
    pub fn attempts(&self) -> Option<u32> {
        self.inner.attempts
    }

    /// `true` when the call timed out, in any phase.
    pub fn is_timeout(&self) -> bool {
        matches!(self.inner.kind, HttpErrorKind::TimedOut(_))
    }

    /// `true` when nothing of a response was received: the error happened while connecting or
    /// while waiting for the response head. (The request may still have reached the server in
    /// the second case.)
    pub fn is_before_response(&self) -> bool {
        matches!(
            self.inner.kind,
            HttpErrorKind::ConnectionRefused
                | HttpErrorKind::Connect
                | HttpErrorKind::Proxy
                | HttpErrorKind::Tls
                | HttpErrorKind::TimedOut(TimeoutPhase::Connect | TimeoutPhase::ResponseHead)
        )
    }

    /// This error as the awscred contract error.
    ///
    /// Timeouts become [`CredentialsError::TimedOut`], errors in building the client (a bad CA
    /// bundle or proxy URL) [`CredentialsError::InvalidConfiguration`], and everything else
    /// [`CredentialsError::ProviderError`]. The URL is the `url` field; the file, key and limit
    /// details and the number of attempts are kept as fields; the cause chain is kept as the
    /// source.
    pub fn into_credentials_error(self) -> CredentialsError {
        self.into_credentials_error_with(None)
    }

    /// As [`into_credentials_error`](Self::into_credentials_error), with the message
    /// `calling {what} failed: {cause}`: the call, then why it failed (`timed out waiting for
    /// the response headers after 10 s (read timeout)`), so the last cause is on the line a user
    /// sees without `-v`.
    pub fn into_credentials_error_calling(self, what: impl fmt::Display) -> CredentialsError {
        self.into_credentials_error_with(Some(&what))
    }

    fn into_credentials_error_with(self, calling: Option<&dyn fmt::Display>) -> CredentialsError {
        let Inner {
            kind,
            message,
            url,
            fields,
            attempts,
            source,
        } = *self.inner;
        let message: Cow<'static, str> = match calling {
            Some(what) => format!("calling {what} failed: {message}").into(),
            None => message,
        };
        let mut err = match kind {
            HttpErrorKind::TimedOut(_) => CredentialsError::timed_out(message),
            HttpErrorKind::InvalidConfiguration => CredentialsError::invalid_configuration(message),
            _ => CredentialsError::provider_error(message),
        };
        if let Some(url) = url {
            err = err.with("url", url);
        }
        for (label, value) in fields {
            err = err.with(label, value);
        }
        if let Some(n) = attempts {
            err = err.with("attempts", n);
        }
        if let Some(source) = source {
            err = err.with_source(Cause(source));
        }
        err
    }

    /// Classifies a failure of the hyper client by walking its cause chain.
    pub(crate) fn from_client_error(err: hyper_util::client::legacy::Error, uri: &Uri) -> Self {
        let kind = classify_chain(&err, err.is_connect());
        let message = match kind {
            HttpErrorKind::ConnectionRefused => "connection refused",
            HttpErrorKind::Connect => "could not connect",
            HttpErrorKind::Proxy => "the proxy failed the request",
            HttpErrorKind::Tls => "TLS handshake failed",
            _ => "the connection failed before a response was received",
        };
        Self::new(kind, message).with_url(uri).with_source(err)
    }
}

/// Walks the cause chain (including the payloads of `io::Error`s, which `source()` skips) to
/// find the most specific kind.
fn classify_chain(err: &(dyn StdError + 'static), is_connect: bool) -> HttpErrorKind {
    let mut refused = false;
    let mut tls = false;
    let mut proxy = false;
    let mut stack: Vec<&(dyn StdError + 'static)> = vec![err];
    let mut seen = 0;
    while let Some(e) = stack.pop() {
        seen += 1;
        if seen > 64 {
            break;
        }
        if let Some(io_err) = e.downcast_ref::<io::Error>() {
            if io_err.kind() == io::ErrorKind::ConnectionRefused {
                refused = true;
            }
            if let Some(inner) = io_err.get_ref() {
                stack.push(inner);
            }
        }
        if e.is::<rustls::Error>() {
            tls = true;
        }
        if e.is::<crate::connector::ViaProxy>() {
            proxy = true;
        }
        if let Some(next) = e.source() {
            stack.push(next);
        }
    }
    if refused {
        HttpErrorKind::ConnectionRefused
    } else if tls {
        HttpErrorKind::Tls
    } else if proxy {
        HttpErrorKind::Proxy
    } else if is_connect {
        HttpErrorKind::Connect
    } else {
        HttpErrorKind::Io
    }
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &*self.inner;
        f.write_str(&inner.message)?;
        let url = inner.url.as_deref().map(|u| ("url", u));
        let attempts = inner.attempts.map(|n| n.to_string());
        let attempts = attempts.as_deref().map(|n| ("attempts", n));
        let fields = url
            .into_iter()
            .chain(inner.fields.iter().map(|(l, v)| (*l, v.as_str())))
            .chain(attempts);
        for (i, (label, value)) in fields.enumerate() {
            f.write_str(if i == 0 { " (" } else { ", " })?;
            write!(f, "{label}: {value}")?;
        }
        if inner.url.is_some() || !inner.fields.is_empty() || inner.attempts.is_some() {
            f.write_str(")")?;
        }
        Ok(())
    }
}

impl fmt::Debug for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &*self.inner;
        let mut d = f.debug_struct("HttpError");
        d.field("kind", &inner.kind)
            .field("message", &inner.message);
        if let Some(url) = &inner.url {
            d.field("url", url);
        }
        for (label, value) in &inner.fields {
            d.field(label, value);
        }
        if let Some(n) = inner.attempts {
            d.field("attempts", &n);
        }
        if let Some(source) = &inner.source {
            d.field("source", &source.to_string());
        }
        d.finish()
    }
}

impl StdError for HttpError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.inner
            .source
            .as_deref()
            .map(|e| e as &(dyn StdError + 'static))
    }
}

/// A boxed cause handed to [`CredentialsError::with_source`] (a `Box<dyn Error>` is not itself an
/// `Error`). Shows and chains exactly like the error it holds.
struct Cause(BoxError);

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl fmt::Debug for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl StdError for Cause {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.0.source()
    }
}

/// `scheme://host:port/path`: user-info and the query string are dropped (an SSO portal URL
/// carries the account and role in its query; presigned URLs carry signatures).
pub(crate) fn redact_url(uri: &Uri) -> String {
    let scheme = uri.scheme_str().unwrap_or("<no scheme>");
    let host = uri.host().unwrap_or("<no host>");
    let port = uri.port_u16().or(match scheme {
        "http" => Some(80),
        "https" => Some(443),
        _ => None,
    });
    let path = uri.path();
    match port {
        Some(port) => format!("{scheme}://{host}:{port}{path}"),
        None => format!("{scheme}://{host}{path}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_drops_query_and_userinfo_and_adds_default_port() {
        let uri: Uri = "https://user:pw@portal.sso.us-east-1.amazonaws.com/federation/credentials\
                        ?account_id=123&role_name=R"
            .parse()
            .unwrap();
        assert_eq!(
            redact_url(&uri),
            "https://portal.sso.us-east-1.amazonaws.com:443/federation/credentials"
        );
        let uri: Uri = "http://[fd00:ec2::254]/latest/api/token".parse().unwrap();
        assert_eq!(
            redact_url(&uri),
            "http://[fd00:ec2::254]:80/latest/api/token"
        );
        let uri: Uri = "http://169.254.170.2:8080/v2/credentials/abc?x=y"
            .parse()
            .unwrap();
        assert_eq!(
            redact_url(&uri),
            "http://169.254.170.2:8080/v2/credentials/abc"
        );
    }

    #[test]
    fn credentials_error_keeps_kind_url_fields_and_cause() {
        let uri: Uri = "http://127.0.0.1:9/x?token=secret".parse().unwrap();
        let err = HttpError::timed_out(
            TimeoutPhase::ResponseHead,
            "read timeout",
            Duration::from_secs(1),
        )
        .with_url(&uri)
        .with_attempts(3)
        .with_source(io::Error::new(io::ErrorKind::TimedOut, "deadline"));
        let shown = err.to_string();
        assert!(
            shown.contains("http://127.0.0.1:9/x") && !shown.contains("secret"),
            "{shown}"
        );
        assert!(err.is_before_response());
        let cred = err.into_credentials_error();
        assert!(cred.is_timed_out());
        assert_eq!(cred.field("url"), Some("http://127.0.0.1:9/x"));
        assert_eq!(cred.field("attempts"), Some("3"));
        assert!(cred.to_string().ends_with(": deadline"), "{cred}");

        let err = HttpError::new(HttpErrorKind::BodyTooLarge, "too big").with_field("limit", 10);
        let cred = err.into_credentials_error();
        assert!(cred.is_provider_error());
        assert_eq!(cred.field("limit"), Some("10"));
        let err = HttpError::new(HttpErrorKind::InvalidConfiguration, "bad bundle");
        assert!(err.into_credentials_error().is_invalid_configuration());
    }

    #[test]
    fn chain_walk_finds_refused_inside_io_payloads() {
        let inner = io::Error::new(io::ErrorKind::ConnectionRefused, "refused");
        let outer = io::Error::other(inner);
        assert_eq!(
            classify_chain(&outer, true),
            HttpErrorKind::ConnectionRefused
        );
        let tls = io::Error::other(io::Error::new(
            io::ErrorKind::InvalidData,
            rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer),
        ));
        assert_eq!(classify_chain(&tls, true), HttpErrorKind::Tls);
        let plain = io::Error::other("closed");
        assert_eq!(classify_chain(&plain, false), HttpErrorKind::Io);
        assert_eq!(classify_chain(&plain, true), HttpErrorKind::Connect);
    }
}
