use std::fmt;
use std::sync::Arc;

use awscred_types::Env;
use http::Uri;
use hyper_util::client::proxy::matcher::Matcher;

use crate::error::{HttpError, HttpErrorKind};

/// Which HTTP proxy, if any, a client uses for `http://` and `https://` destinations, and which
/// hosts bypass it.
///
/// A client uses proxies only when its builder is given a `ProxySettings`
/// ([`HttpClientBuilder::proxy`](crate::HttpClientBuilder::proxy)): STS and SSO clients do, as
/// botocore's do; IMDS and container-endpoint clients never do (botocore's metadata fetchers pass
/// no proxies).
///
/// - `https://` destinations are reached through an HTTP `CONNECT` tunnel; `http://`
///   destinations by sending the request in absolute form to the proxy.
/// - A proxy URL without a scheme means `http://` (botocore's `_fix_proxy_url`). `https://` proxy
///   URLs (TLS to the proxy itself) and SOCKS proxies are refused when the client is built.
/// - User-info in a proxy URL (`http://user:pass@proxy:3128`) is sent as
///   `Proxy-Authorization: Basic …`, and is never shown in `Debug` output or errors.
/// - `NO_PROXY` follows curl's rules, as implemented by hyper-util's matcher: comma-separated
///   entries; `*` matches every host (names and addresses); a domain matches itself and its subdomains (a leading dot
///   is optional); IP addresses and CIDR ranges match addresses. Unlike requests (which botocore
///   uses), a domain does not match other names that merely end with it (`example.com` does not
///   match `badexample.com`), and `host:port` entries are not supported.
#[derive(Clone, Default)]
pub struct ProxySettings {
    http: Option<ProxyValue>,
    https: Option<ProxyValue>,
    no_proxy: Option<String>,
}

#[derive(Clone)]
struct ProxyValue {
    url: String,
    /// Where the value came from (`HTTPS_PROXY`, `https_proxy`, or `https proxy` when set
    /// through the API), named in errors instead of the value, which may hold a password.
    origin: &'static str,
}

impl ProxySettings {
    /// No proxy for either scheme.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads `HTTPS_PROXY`/`https_proxy`, `HTTP_PROXY`/`http_proxy` and `NO_PROXY`/`no_proxy`
    /// through the [`Env`] seam, the way Python's `urllib` (and so botocore) does:
    ///
    /// - the lower-case variable wins over the upper-case one, and a lower-case variable that is
    ///   set but empty cancels the upper-case one;
    /// - when `REQUEST_METHOD` is set (a CGI script), upper-case `HTTP_PROXY` is ignored, since
    ///   a client can set it through a `Proxy:` request header ("httpoxy");
    /// - `ALL_PROXY` is not read (botocore does not use it).
    pub fn from_env(env: &dyn Env) -> Self {
        let is_cgi = env.var("REQUEST_METHOD").is_some();
        let http = if is_cgi {
            lower_only(env, "http_proxy")
        } else {
            lower_then_upper(env, "http_proxy", "HTTP_PROXY")
        };
        Self {
            http,
            https: lower_then_upper(env, "https_proxy", "HTTPS_PROXY"),
            no_proxy: lower_then_upper(env, "no_proxy", "NO_PROXY").map(|v| v.url),
        }
    }

    /// Sets the proxy for `http://` destinations.
    pub fn http(mut self, url: impl Into<String>) -> Self {
        self.http = Some(ProxyValue {
            url: url.into(),
            origin: "http proxy",
        });
        self
    }

    /// Sets the proxy for `https://` destinations.
    pub fn https(mut self, url: impl Into<String>) -> Self {
        self.https = Some(ProxyValue {
            url: url.into(),
            origin: "https proxy",
        });
        self
    }

    /// Sets the bypass list (`NO_PROXY` syntax).
    pub fn no_proxy(mut self, list: impl Into<String>) -> Self {
        self.no_proxy = Some(list.into());
        self
    }

    /// `true` when neither scheme has a proxy.
    pub fn is_empty(&self) -> bool {
        self.http.is_none() && self.https.is_none()
    }

    /// Validates the URLs and builds hyper-util's matcher (`None` when no proxy is set).
    pub(crate) fn build_matcher(&self) -> Result<Option<Arc<Matcher>>, HttpError> {
        if self.is_empty() {
            return Ok(None);
        }
        // `*` bypasses every host. hyper-util's matcher applies it to names only, not to IP
        // addresses; Python's `proxy_bypass_environment` (botocore) applies it to both.
        let bypass_all = self
            .no_proxy
            .as_deref()
            .is_some_and(|list| list.split(',').any(|e| e.trim() == "*"));
        let mut builder = Matcher::builder();
        if let Some(v) = &self.http {
            builder = builder.http(v.normalized()?);
        }
        if let Some(v) = &self.https {
            builder = builder.https(v.normalized()?);
        }
        if let Some(no) = &self.no_proxy {
            builder = builder.no(no.as_str());
        }
        if bypass_all {
            return Ok(None);
        }
        Ok(Some(Arc::new(builder.build())))
    }
}

impl ProxyValue {
    /// Adds `http://` to a URL without a scheme (botocore's `_fix_proxy_url`) and checks that the
    /// result is a plain-HTTP proxy with a host.
    fn normalized(&self) -> Result<String, HttpError> {
        let raw = self.url.trim();
        let url = if raw.starts_with("http:") || raw.starts_with("https:") {
            raw.to_owned()
        } else if let Some(rest) = raw.strip_prefix("//") {
            format!("http://{rest}")
        } else if raw.contains("://") {
            raw.to_owned()
        } else {
            format!("http://{raw}")
        };
        let invalid = |message: &'static str| {
            HttpError::new(HttpErrorKind::InvalidConfiguration, message)
                .with_field("key", self.origin)
        };
        let uri: Uri = url
            .parse()
            .map_err(|_| invalid("the proxy URL is not a valid URL"))?;
        match uri.scheme_str() {
            Some("http") => {}
            Some("https") => {
                return Err(invalid(
                    "https:// proxy URLs (TLS to the proxy) are not supported; use an http:// proxy",
                ));
            }
            _ => {
                return Err(invalid(
                    "the proxy URL scheme is not supported; use an http:// proxy",
                ));
            }
        }
        if uri.host().is_none_or(str::is_empty) {
            return Err(invalid("the proxy URL has no host"));
        }
        Ok(url)
    }
}

fn lower_only(env: &dyn Env, lower: &'static str) -> Option<ProxyValue> {
    env.get(lower).map(|url| ProxyValue { url, origin: lower })
}

fn lower_then_upper(env: &dyn Env, lower: &'static str, upper: &'static str) -> Option<ProxyValue> {
    if env.var(lower).is_some() {
        // Set (even to ""): the lower-case variable decides.
        return lower_only(env, lower);
    }
    env.get(upper).map(|url| ProxyValue { url, origin: upper })
}

impl fmt::Debug for ProxyValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Host and port only: the URL may carry a user name and password.
        let shown = self
            .normalized()
            .ok()
            .and_then(|u| u.parse::<Uri>().ok())
            .and_then(|u| {
                let host = u.host()?.to_owned();
                Some(match u.port_u16() {
                    Some(p) => format!("{host}:{p}"),
                    None => host,
                })
            })
            .unwrap_or_else(|| "<invalid>".to_owned());
        write!(f, "{shown} (from {})", self.origin)
    }
}

impl fmt::Debug for ProxySettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProxySettings")
            .field("http", &self.http)
            .field("https", &self.https)
            .field("no_proxy", &self.no_proxy)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use awscred_types::FakeEnv;

    #[test]
    fn lower_case_wins_and_empty_lower_case_cancels() {
        let env = FakeEnv::new()
            .with("HTTPS_PROXY", "http://upper:1")
            .with("https_proxy", "http://lower:2")
            .with("HTTP_PROXY", "http://upper:3")
            .with("http_proxy", "")
            .with("NO_PROXY", "a.example");
        let s = ProxySettings::from_env(&env);
        assert_eq!(
            s.https.as_ref().map(|v| v.url.as_str()),
            Some("http://lower:2")
        );
        assert_eq!(s.https.as_ref().map(|v| v.origin), Some("https_proxy"));
        assert!(s.http.is_none());
        assert_eq!(s.no_proxy.as_deref(), Some("a.example"));
    }

    #[test]
    fn cgi_ignores_upper_case_http_proxy() {
        let env = FakeEnv::new()
            .with("REQUEST_METHOD", "GET")
            .with("HTTP_PROXY", "http://evil:1");
        assert!(ProxySettings::from_env(&env).is_empty());
        let env = env.with("http_proxy", "http://ok:1");
        assert!(!ProxySettings::from_env(&env).is_empty());
    }

    #[test]
    fn scheme_less_urls_mean_http_and_https_or_socks_are_refused() {
        let ok = ProxySettings::new().https("proxy.internal:3128");
        assert!(ok.build_matcher().unwrap().is_some());
        let ok = ProxySettings::new().https("//proxy.internal:3128");
        assert!(ok.build_matcher().unwrap().is_some());
        for bad in [
            "https://proxy:3128",
            "socks5://proxy:1080",
            "http://",
            "http://a b",
        ] {
            let err = ProxySettings::new().https(bad).build_matcher().unwrap_err();
            assert_eq!(err.kind(), HttpErrorKind::InvalidConfiguration, "{bad}");
            assert_eq!(err.field("key"), Some("https proxy"));
        }
    }

    #[test]
    fn debug_hides_credentials() {
        let s = ProxySettings::new().http("http://alice:s3cret@proxy:3128");
        let shown = format!("{s:?}");
        assert!(
            shown.contains("proxy:3128") && !shown.contains("s3cret") && !shown.contains("alice")
        );
        let err = ProxySettings::new()
            .https("https://alice:s3cret@proxy:3128")
            .build_matcher();
        let shown = err.unwrap_err().to_string();
        assert!(!shown.contains("s3cret"), "{shown}");
    }
}
