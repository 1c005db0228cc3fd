use std::fmt;
use std::sync::{Arc, OnceLock};

use awscred_types::{CredentialsError, Sources};

use crate::{CaBundle, HttpClient, HttpClientBuilder, HttpError, ProxySettings, RetryConfig};

/// The HTTP settings botocore gives its STS and SSO clients, read from `sources` and the
/// selected profile (`profile(key)` is the profile's value of `key`): proxies (`HTTPS_PROXY`,
/// `NO_PROXY`), `AWS_CA_BUNDLE` / `ca_bundle` (read now), and `AWS_RETRY_MODE` /
/// `AWS_MAX_ATTEMPTS` / `retry_mode` / `max_attempts`. The client itself is built on first use.
pub fn configured_client(
    sources: &Sources,
    profile: impl Fn(&str) -> Option<String>,
) -> Result<(LazyClient, RetryConfig), CredentialsError> {
    let env = &*sources.env;
    let proxy = ProxySettings::from_env(env);
    // A proxy URL that cannot be used is a configuration error now, as when the client was
    // built here; only the TLS and connection set-up wait for the first call.
    proxy
        .build_matcher()
        .map_err(HttpError::into_credentials_error)?;
    let mut http = HttpClient::builder().proxy(proxy);
    if let Some(bundle) = CaBundle::from_config(env, &*sources.fs, profile("ca_bundle").as_deref())
        .map_err(HttpError::into_credentials_error)?
    {
        http = http.ca_bundle(bundle);
    }
    let retry = RetryConfig::from_env(
        env,
        profile("retry_mode").as_deref(),
        profile("max_attempts").as_deref(),
    )?;
    Ok((LazyClient::new(http), retry))
}

/// What a remote provider's builder (STS, SSO) collects for its HTTP client: a client and
/// retry settings given in code, and the profile's `ca_bundle`, `retry_mode` and
/// `max_attempts`; [`build`](Self::build) fills in the rest with [`configured_client`].
#[derive(Debug, Default)]
pub struct ClientSettings {
    client: Option<LazyClient>,
    retry: Option<RetryConfig>,
    profile: Vec<(&'static str, String)>,
}

impl ClientSettings {
    /// The profile keys the HTTP set-up reads.
    pub const PROFILE_KEYS: [&'static str; 3] = ["ca_bundle", "retry_mode", "max_attempts"];

    /// A client given in code, used as it is: no proxy or CA bundle setting is read.
    pub fn set_client(&mut self, client: HttpClient) {
        self.client = Some(LazyClient::ready(client));
    }

    /// Retry settings given in code, over those of the sources and the profile.
    pub fn set_retry(&mut self, retry: RetryConfig) {
        self.retry = Some(retry);
    }

    /// Reads [`PROFILE_KEYS`](Self::PROFILE_KEYS) with `get` (the selected profile's value of
    /// a key), replacing what an earlier call read.
    pub fn set_profile<'a>(&mut self, get: impl Fn(&str) -> Option<&'a str>) {
        self.profile = Self::PROFILE_KEYS
            .into_iter()
            .filter_map(|k| get(k).map(|v| (k, v.to_owned())))
            .collect();
    }

    /// The client and retry settings: those given in code, else [`configured_client`] over
    /// `sources` and the profile's keys (a proxy, CA bundle or retry setting that cannot be
    /// used is an `InvalidConfiguration` error naming it). With a client given, retries
    /// default to standard mode, 3 attempts.
    pub fn build(self, sources: &Sources) -> Result<(LazyClient, RetryConfig), CredentialsError> {
        if let Some(client) = self.client {
            return Ok((client, self.retry.unwrap_or_default()));
        }
        let keys = self.profile;
        let value = |k: &str| {
            keys.iter()
                .find(|(key, _)| *key == k)
                .map(|(_, v)| v.clone())
        };
        let (client, retry) = configured_client(sources, value)?;
        Ok((client, self.retry.unwrap_or(retry)))
    }
}

/// An [`HttpClient`] built on first use, so a provider that is never asked sets up no TLS
/// roots, connector or pool (a chain that answers from static keys does no HTTP set-up).
///
/// Cheap to clone; clones share the one client. A build error (a proxy URL or CA bundle that
/// cannot be used) is kept and returned by every [`get`](Self::get).
#[derive(Clone)]
pub struct LazyClient {
    inner: Arc<Inner>,
}

struct Inner {
    builder: Option<HttpClientBuilder>,
    client: OnceLock<Result<HttpClient, CredentialsError>>,
}

impl LazyClient {
    /// A client that `builder` builds on the first [`get`](Self::get).
    pub fn new(builder: HttpClientBuilder) -> Self {
        Self {
            inner: Arc::new(Inner {
                builder: Some(builder),
                client: OnceLock::new(),
            }),
        }
    }

    /// A client already built.
    pub fn ready(client: HttpClient) -> Self {
        Self {
            inner: Arc::new(Inner {
                builder: None,
                client: OnceLock::from(Ok(client)),
            }),
        }
    }

    /// The client, built now if this is the first call.
    pub fn get(&self) -> Result<&HttpClient, CredentialsError> {
        let inner = &*self.inner;
        inner
            .client
            .get_or_init(|| match &inner.builder {
                Some(b) => b.clone().build().map_err(|e| e.into_credentials_error()),
                None => Err(CredentialsError::provider_error(
                    "the HTTP client was given built, yet is missing",
                )),
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Whether the client has been built (or failed to build).
    pub fn is_built(&self) -> bool {
        self.inner.client.get().is_some()
    }
}

impl fmt::Debug for LazyClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LazyClient")
            .field("built", &self.is_built())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_once_on_first_use_and_clones_share_it() {
        let lazy = LazyClient::new(HttpClientBuilder::imds());
        let clone = lazy.clone();
        assert!(!lazy.is_built());
        assert!(clone.get().is_ok());
        assert!(lazy.is_built());
        assert!(std::ptr::eq(lazy.get().unwrap(), clone.get().unwrap()));
    }
}
