//! The parts of a request that a signature covers.

use std::fmt;

use http::{HeaderMap, Request, Uri};

/// The parts of an HTTP request a signature covers, borrowed.
///
/// Build it from an [`http::Request`] with [`SignableRequest::from_http`], or from raw parts with
/// [`SignableRequest::new`] when the request is not (yet) an `http::Request`: the path is then
/// taken byte for byte as it will be sent, which is how the aws-c-auth test suite states its
/// requests.
#[derive(Clone, Copy)]
pub struct SignableRequest<'a> {
    pub(crate) method: &'a str,
    pub(crate) path: &'a str,
    pub(crate) query: &'a str,
    pub(crate) host: Option<&'a str>,
    pub(crate) headers: &'a HeaderMap,
    pub(crate) body: &'a [u8],
}

impl<'a> SignableRequest<'a> {
    /// A request from its parts: `path` and `query` (without `?`) as they go on the wire.
    ///
    /// The host comes from a `Host` header in `headers`, or from [`SignableRequest::with_host`].
    pub fn new(
        method: &'a str,
        path: &'a str,
        query: &'a str,
        headers: &'a HeaderMap,
        body: &'a [u8],
    ) -> Self {
        Self {
            method,
            path,
            query,
            host: None,
            headers,
            body,
        }
    }

    /// The host to sign when `headers` has no `Host` header (what an HTTP/1.1 client will send,
    /// `host[:port]`).
    #[must_use]
    pub fn with_host(mut self, host: &'a str) -> Self {
        self.host = Some(host);
        self
    }

    /// The request as `request` describes it, with `body` as its payload. With no `Host`
    /// header, the host is the URI's authority without user information and without the
    /// scheme's default port, as HTTP clients send it.
    pub fn from_http<B>(request: &'a Request<B>, body: &'a [u8]) -> Self {
        let uri = request.uri();
        Self {
            method: request.method().as_str(),
            path: uri.path(),
            query: uri.query().unwrap_or(""),
            host: host_of(uri),
            headers: request.headers(),
            body,
        }
    }
}

/// `host[:port]` as an HTTP client sends it for `uri`.
fn host_of(uri: &Uri) -> Option<&str> {
    let authority = uri.authority()?.as_str();
    let authority = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    match (uri.scheme_str(), uri.port_u16()) {
        (Some("https") | None, Some(443)) | (Some("http"), Some(80)) => uri.host(),
        _ => Some(authority),
    }
}

impl fmt::Debug for SignableRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Header values and the query string may hold a session token; show names and sizes.
        f.debug_struct("SignableRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query_len", &self.query.len())
            .field("host", &self.host)
            .field(
                "header_names",
                &self.headers.keys().map(|k| k.as_str()).collect::<Vec<_>>(),
            )
            .field("body_len", &self.body.len())
            .finish()
    }
}
