//! The executor: runs a [`ProfileChain`] against STS, with MFA, an in-memory cache per hop and the
//! AWS CLI's file cache.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use awscred_sts::{AssumeRoleRequest, StsServiceError};
use awscred_types::{
    Credentials, CredentialsError, ProvideCredentials, SharedProvider, Sources, StaticProvider,
};
use tokio::sync::Mutex;

use crate::builder::{Shared, StsSessionBuilder};
use crate::plan::{BaseProvider, ProfileChain, RoleHop};
use awscred_file_cache::{CacheKey, FileCache};

/// The provider name on credentials this crate returns (botocore's `assume-role` method).
pub const PROVIDER_NAME: &str = "assume-role";

/// A cached session is reused while at least this long remains (botocore's
/// `CachedCredentialFetcher.DEFAULT_EXPIRY_WINDOW_SECONDS`).
pub const REUSE_WINDOW: Duration = Duration::from_secs(15 * 60);

/// STS caps a session assumed with another role's credentials ("role chaining") at one hour.
const CHAINED_MAX_SECONDS: u32 = 3600;

/// Runs an assume-role [`ProfileChain`]: base credentials, then one `AssumeRole` per hop.
///
/// - **Lazy**: hops are tried from the outermost in; the first one with a session still valid for
///   [`REUSE_WINDOW`] (in memory, then in the file cache) is the starting point, so a cached
///   session needs neither the base provider nor an MFA code.
/// - **MFA**: a hop with `mfa_serial` asks the [`MfaTokenProvider`](crate::MfaTokenProvider) for
///   a code. After credentials have been served once, a new code is asked for only when the
///   provider [can refresh](crate::MfaTokenProvider::can_refresh); otherwise the error says an MFA
///   code is required.
/// - **Single flight**: concurrent calls wait for one execution.
///
/// Usually wrapped in `awscred-layer`'s cache, which decides when to call it again.
#[derive(Clone)]
pub struct AssumeRoleProvider {
    inner: Arc<Inner>,
}

struct Inner {
    chain: ProfileChain,
    source: SharedProvider,
    shared: Shared,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// The last session of each hop (index as in `ProfileChain::roles`).
    sessions: Vec<Option<Credentials>>,
    /// Credentials have been returned once: asking for an MFA code again is a refresh.
    served: bool,
}

impl fmt::Debug for AssumeRoleProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("AssumeRoleProvider");
        d.field("chain", &self.inner.chain);
        self.inner
            .shared
            .debug_fields(&mut d)
            .finish_non_exhaustive()
    }
}

/// Builds an [`AssumeRoleProvider`] ([`AssumeRoleProvider::builder`]); its setters are on
/// [`StsSessionBuilder`], [`source`](StsSessionBuilder::source) among them.
pub type AssumeRoleProviderBuilder = StsSessionBuilder<AssumeRoleParts>;

/// What an [`AssumeRoleProviderBuilder`] holds besides the shared settings: the chain and the
/// provider of its base credentials.
#[derive(Debug)]
pub struct AssumeRoleParts {
    chain: ProfileChain,
    source: Option<SharedProvider>,
}

impl StsSessionBuilder<AssumeRoleParts> {
    /// The provider for the chain's base credentials. Required unless the base is static keys
    /// ([`BaseProvider::AccessKey`]); `awscred-chain` maps every [`BaseProvider`] to one.
    pub fn source(mut self, source: SharedProvider) -> Self {
        self.own.source = Some(source);
        self
    }

    /// Builds the provider.
    pub fn build(self) -> Result<AssumeRoleProvider, CredentialsError> {
        let (shared, AssumeRoleParts { chain, source }) = self.shared()?;
        let source = match (source, &chain.base) {
            (Some(s), _) => s,
            (None, BaseProvider::AccessKey(c)) => Arc::new(StaticProvider::new(c.clone())),
            (None, base) => {
                return Err(CredentialsError::invalid_configuration(format!(
                    "the chain's base ({}) needs a source provider: use AssumeRoleProviderBuilder::source",
                    base_label(base)
                )));
            }
        };
        let hops = chain.roles.len();
        Ok(AssumeRoleProvider {
            inner: Arc::new(Inner {
                chain,
                source,
                shared,
                state: Mutex::new(State {
                    sessions: vec![None; hops],
                    served: false,
                }),
            }),
        })
    }
}

fn base_label(base: &BaseProvider) -> String {
    match base {
        BaseProvider::AccessKey(_) => "static keys".into(),
        BaseProvider::NamedSource(s) => format!("credential_source = {}", s.as_str()),
        BaseProvider::WebIdentity { .. } => "web identity".into(),
        BaseProvider::Sso { .. } => "IAM Identity Center (SSO)".into(),
        BaseProvider::Login { .. } => "console sign-in (login_session)".into(),
        BaseProvider::CredentialProcess { .. } => "credential_process".into(),
        #[allow(unreachable_patterns, reason = "BaseProvider is non_exhaustive")]
        _ => "source".into(),
    }
}

impl AssumeRoleProvider {
    /// A builder for `chain`; cached sessions are judged by the clock of `sources`.
    pub fn builder(sources: &Sources, chain: ProfileChain) -> AssumeRoleProviderBuilder {
        let own = AssumeRoleParts {
            chain,
            source: None,
        };
        StsSessionBuilder::new(sources, None, own)
    }

    /// The plan this provider runs.
    pub fn chain(&self) -> &ProfileChain {
        &self.inner.chain
    }

    /// The file cache entry the outermost hop reads and writes (`None` without a file cache or
    /// for a chain without roles).
    pub fn cache_key(&self) -> Option<CacheKey> {
        self.inner.chain.roles.last().map(RoleHop::cache_key)
    }

    /// Forgets the in-memory sessions (the file cache is left alone).
    pub async fn clear_memory(&self) {
        let mut state = self.inner.state.lock().await;
        state.sessions.iter_mut().for_each(|s| *s = None);
    }

    async fn resolve(&self) -> Result<Credentials, CredentialsError> {
        let inner = &*self.inner;
        let mut state = inner.state.lock().await;
        let roles = &inner.chain.roles;

        // The outermost hop with a reusable session is where work starts.
        let mut start = 0;
        let mut current = None;
        for idx in (0..roles.len()).rev() {
            if let Some(c) = self.reusable(&state, idx) {
                state.sessions[idx] = Some(c.clone());
                current = Some(c);
                start = idx + 1;
                break;
            }
        }
        let mut current = match current {
            Some(c) => c,
            None => self.base_credentials().await?,
        };
        for idx in start..roles.len() {
            current = self.assume(&state, idx, &current).await?;
            state.sessions[idx] = Some(current.clone());
        }
        state.served = true;
        Ok(current)
    }

    /// A session of hop `idx` that is valid for at least [`REUSE_WINDOW`]: memory, then file.
    fn reusable(&self, state: &State, idx: usize) -> Option<Credentials> {
        let now = self.inner.shared.clock.now();
        let fresh = |c: &Credentials| {
            c.expiry()
                .is_some_and(|e| e.duration_since(now).is_ok_and(|left| left >= REUSE_WINDOW))
        };
        if let Some(c) = state.sessions[idx].as_ref().filter(|c| fresh(c)) {
            tracing::debug!(hop = idx, "assume-role session reused from memory");
            return Some(c.clone());
        }
        let cache = self.inner.shared.file_cache.as_ref()?;
        let (request, generated) = request_for(&self.inner.chain.roles[idx], now);
        let key = CacheKey::assume_role(&request, generated);
        let found = cache.load(&key, now, REUSE_WINDOW, PROVIDER_NAME)?;
        tracing::debug!(
            hop = idx,
            key = key.as_str(),
            "assume-role session read from the file cache"
        );
        Some(found)
    }

    async fn base_credentials(&self) -> Result<Credentials, CredentialsError> {
        let inner = &*self.inner;
        let first = inner.chain.roles.first();
        let profile = first.map_or("", |h| h.profile.as_str());
        match inner.source.provide_credentials().await {
            Ok(c) => Ok(c),
            Err(e) if e.is_not_loaded() => Err(CredentialsError::provider_error(format!(
                "no credentials found in {} referenced in profile {profile:?}",
                base_label(&inner.chain.base)
            ))
            .with("profile", profile)
            .with_source(e)),
            Err(e) => Err(e.with("profile", profile)),
        }
    }

    async fn assume(
        &self,
        state: &State,
        idx: usize,
        source: &Credentials,
    ) -> Result<Credentials, CredentialsError> {
        let inner = &*self.inner;
        let hop = &inner.chain.roles[idx];
        let chained = idx > 0;
        if let Some(requested) = hop
            .duration_seconds
            .filter(|d| chained && *d > CHAINED_MAX_SECONDS)
        {
            return Err(chaining_cap(hop, requested));
        }
        let now = inner.shared.clock.now();
        let (mut request, generated) = request_for(hop, now);
        // The MFA code first: a process waiting at the prompt (or stopped there) holds no lock,
        // so it blocks no other run.
        if let Some(serial) = &hop.mfa_serial {
            let refused = || {
                CredentialsError::invalid_configuration(format!(
                    "MFA code required: the session for role {} (profile {:?}) has run out and \
                     needs a new code from {serial}, but this run may not prompt again; run the \
                     command again interactively (or give the process an MFA provider that can \
                     refresh)",
                    hop.role_arn, hop.profile
                ))
                .with("profile", &hop.profile)
            };
            let code = inner.shared.mfa_code(serial, state.served, refused).await?;
            request.serial_number = Some(serial.clone());
            request.token_code = Some(code);
        }
        // Another process may be fetching this very session: wait for it (for a bounded time),
        // then look again.
        let key = CacheKey::assume_role(&request, generated);
        let reread = |cache: &FileCache| {
            cache.load(&key, inner.shared.clock.now(), REUSE_WINDOW, PROVIDER_NAME)
        };
        let (_guard, written) = inner.shared.lock_and_reread(&key, reread).await;
        if let Some(c) = written {
            tracing::debug!(
                hop = idx,
                "assume-role session written by another process meanwhile"
            );
            return Ok(c);
        }
        let result = inner
            .shared
            .sts
            .assume_role(source, &request, PROVIDER_NAME)
            .await
            .map_err(|e| explain_sts_error(e, hop, source))?;
        if let Some(cache) = &inner.shared.file_cache
            && let Err(e) = cache.store(&key, &result)
        {
            // A cache that cannot be written costs a later STS call, not this one.
            tracing::warn!(error = %e, "could not write the assume-role file cache");
        }
        Ok(result.credentials)
    }
}

impl RoleHop {
    /// The AWS CLI cache key of this hop's sessions (botocore's; a generated session name is
    /// left out, so the key is stable).
    pub fn cache_key(&self) -> CacheKey {
        let (request, generated) = request_for(self, SystemTime::UNIX_EPOCH);
        CacheKey::assume_role(&request, generated)
    }
}

/// The `AssumeRole` request for `hop` (no MFA code yet), and whether its session name was
/// generated (then it stays out of the cache key, as botocore's).
fn request_for(hop: &RoleHop, now: SystemTime) -> (AssumeRoleRequest, bool) {
    let (name, generated) = match &hop.role_session_name {
        Some(n) => (n.clone(), false),
        None => {
            let secs = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
            (format!("botocore-session-{secs}"), true)
        }
    };
    let mut request = AssumeRoleRequest::new(&hop.role_arn, name);
    request.external_id = hop.external_id.clone();
    request.duration_seconds = hop.duration_seconds;
    request.serial_number = hop.mfa_serial.clone();
    (request, generated)
}

fn chaining_cap(hop: &RoleHop, requested: u32) -> CredentialsError {
    CredentialsError::invalid_configuration(format!(
        "profile {:?} asks for duration_seconds = {requested}, but its source credentials come \
         from another role, and STS caps such a chained session at one hour (3600 seconds); set \
         duration_seconds to 3600 or less in profile {:?}",
        hop.profile, hop.profile
    ))
    .with("profile", &hop.profile)
    .with("role_arn", &hop.role_arn)
}

/// STS's own errors pass through (they already name the code, endpoint and role); a
/// `ValidationError` about the one-hour chaining cap gets the explanation in front.
fn explain_sts_error(
    err: CredentialsError,
    hop: &RoleHop,
    source: &Credentials,
) -> CredentialsError {
    let capped = StsServiceError::of(&err).is_some_and(|e| {
        e.code == "ValidationError"
            && (e.message.contains("role chaining") || e.message.contains("1 hour"))
    });
    match hop.duration_seconds {
        Some(requested)
            if capped && requested > CHAINED_MAX_SECONDS && source.session_token().is_some() =>
        {
            chaining_cap(hop, requested).with_source(err)
        }
        _ => err.with("profile", &hop.profile),
    }
}

#[async_trait]
impl ProvideCredentials for AssumeRoleProvider {
    async fn provide_credentials(&self) -> Result<Credentials, CredentialsError> {
        self.resolve().await
    }
}
