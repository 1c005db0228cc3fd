//! [`SessionTokenProvider`]: temporary credentials for any provider, through STS
//! `GetSessionToken` when the provider answers with long-term keys (as aws-vault does).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use awscred_file_cache::{CacheKey, FileCache};
use awscred_sts::{GetSessionTokenRequest, StsClient};
use awscred_types::{Credentials, CredentialsError, ProvideCredentials, SharedProvider, Sources};
use tokio::sync::Mutex;

use crate::builder::{Shared, StsSessionBuilder};
use crate::provider::REUSE_WINDOW;

/// The provider name on the sessions [`SessionTokenProvider`] returns.
pub const SESSION_TOKEN_PROVIDER_NAME: &str = "sts-session-token";

/// Session length without an MFA device: aws-vault's `DefaultSessionDuration`, one hour.
pub const SESSION_DURATION: Duration = Duration::from_secs(3600);

/// Session length with an MFA device: aws-vault's `DefaultChainedSessionDuration`, eight hours
/// (one MFA code per working day).
pub const MFA_SESSION_DURATION: Duration = Duration::from_secs(8 * 3600);

/// What STS accepts for an IAM user's `GetSessionToken` (15 minutes to 36 hours).
const DURATION_RANGE: std::ops::RangeInclusive<u64> = 900..=129_600;

/// Temporary credentials from any base provider: credentials that already carry a session
/// token (a role session, SSO, a container) pass through unchanged; long-term keys are
/// exchanged with STS `GetSessionToken` for a session, with the MFA device's serial and a code
/// when one is set.
///
/// - **Cache**: the session is kept in memory and, with [`file_cache`](StsSessionBuilder::file_cache),
///   in `~/.aws/cli/cache` under [`CacheKey::session_token`] (derived from the access key id,
///   the MFA serial and the duration: stable across runs, new when the key is rotated); reused
///   while it has [`REUSE_WINDOW`] left.
/// - **MFA before the lock**: the code is asked for first; then the entry's cross-process lock
///   is taken (bounded), the cache read again, and only then STS called, so a burst of
///   processes makes one call and a run waiting at the prompt blocks nobody.
/// - **Refresh**: once served, a new MFA code is asked for only if the MFA provider
///   [can refresh](crate::MfaTokenProvider::can_refresh); otherwise "MFA code required".
/// - **Single flight**: concurrent calls wait for one exchange.
///
/// ```no_run
/// # async fn run() -> Result<(), awscred_types::CredentialsError> {
/// use std::sync::Arc;
/// use awscred_provider_assume_role::{PromptMfa, SessionTokenProvider};
/// use awscred_sts::StsClient;
/// use awscred_types::{Credentials, ProvideCredentials, Sources, StaticProvider};
///
/// let sources = Sources::system();
/// let base = Arc::new(StaticProvider::new(Credentials::new("AKIA…", "…", "mine")));
/// let sts = StsClient::builder(&sources).build()?;
/// let provider = SessionTokenProvider::builder(&sources, base, sts)
///     .mfa_serial(Some("arn:aws:iam::123456789012:mfa/me".into()))
///     .mfa(Arc::new(PromptMfa::new()))
///     .build()?;
/// let session = provider.provide_credentials().await?; // Token and Expiration set
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct SessionTokenProvider {
    inner: Arc<Inner>,
}

struct Inner {
    base: SharedProvider,
    mfa_serial: Option<String>,
    duration: Duration,
    shared: Shared,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// The last session and the key it was fetched for.
    session: Option<(CacheKey, Credentials)>,
    /// A session has been returned once: asking for an MFA code again is a refresh.
    served: bool,
}

impl fmt::Debug for SessionTokenProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("SessionTokenProvider");
        d.field("base", &self.inner.base)
            .field("mfa_serial", &self.inner.mfa_serial)
            .field("duration", &self.inner.duration);
        self.inner
            .shared
            .debug_fields(&mut d)
            .finish_non_exhaustive()
    }
}

/// Builds a [`SessionTokenProvider`] ([`SessionTokenProvider::builder`]). Besides the setters
/// every [`StsSessionBuilder`] has, the MFA device ([`mfa_serial`](StsSessionBuilder::mfa_serial))
/// and the session length ([`duration`](StsSessionBuilder::duration)).
pub type SessionTokenProviderBuilder = StsSessionBuilder<SessionTokenParts>;

/// What a [`SessionTokenProviderBuilder`] holds besides the shared settings: the base
/// provider, the MFA device and the session length.
#[derive(Debug)]
pub struct SessionTokenParts {
    base: SharedProvider,
    mfa_serial: Option<String>,
    duration: Option<Duration>,
}

impl StsSessionBuilder<SessionTokenParts> {
    /// The MFA device (`mfa_serial` of the profile), sent as `SerialNumber` with a code from
    /// [`mfa`](Self::mfa). Default: none (a session without MFA).
    pub fn mfa_serial(mut self, serial: Option<String>) -> Self {
        self.own.mfa_serial = serial.filter(|s| !s.trim().is_empty());
        self
    }

    /// The session length (`DurationSeconds`, 900 s to 36 h, whole seconds). Default
    /// [`MFA_SESSION_DURATION`] with an MFA serial, [`SESSION_DURATION`] without.
    pub fn duration(mut self, duration: Duration) -> Self {
        self.own.duration = Some(duration);
        self
    }

    /// Builds the provider; a duration STS would refuse is an error here.
    pub fn build(self) -> Result<SessionTokenProvider, CredentialsError> {
        let (shared, own) = self.shared()?;
        let duration = own.duration.unwrap_or(if own.mfa_serial.is_some() {
            MFA_SESSION_DURATION
        } else {
            SESSION_DURATION
        });
        if !DURATION_RANGE.contains(&duration.as_secs()) || duration.subsec_nanos() != 0 {
            return Err(CredentialsError::invalid_configuration(format!(
                "a GetSessionToken session lasts from 900 to 129600 whole seconds, not {} s",
                duration.as_secs_f64()
            )));
        }
        Ok(SessionTokenProvider {
            inner: Arc::new(Inner {
                base: own.base,
                mfa_serial: own.mfa_serial,
                duration,
                shared,
                state: Mutex::new(State::default()),
            }),
        })
    }
}

impl SessionTokenProvider {
    /// A builder: sessions for `base`'s long-term keys from `sts`, judged by the clock of
    /// `sources`.
    pub fn builder(
        sources: &Sources,
        base: SharedProvider,
        sts: StsClient,
    ) -> SessionTokenProviderBuilder {
        let own = SessionTokenParts {
            base,
            mfa_serial: None,
            duration: None,
        };
        StsSessionBuilder::new(sources, Some(sts), own)
    }

    /// The session length asked for.
    pub fn duration(&self) -> Duration {
        self.inner.duration
    }

    /// The MFA device, if any.
    pub fn mfa_serial(&self) -> Option<&str> {
        self.inner.mfa_serial.as_deref()
    }

    /// The cache entry of the sessions for the long-term key `access_key_id`
    /// ([`CacheKey::session_token`] with this provider's MFA serial and duration).
    pub fn cache_key(&self, access_key_id: &str) -> CacheKey {
        CacheKey::session_token(
            access_key_id,
            self.inner.mfa_serial.as_deref(),
            self.duration_seconds(),
        )
    }

    fn duration_seconds(&self) -> u32 {
        // `build` keeps it within 900..=129600.
        u32::try_from(self.inner.duration.as_secs()).unwrap_or(u32::MAX)
    }

    /// A session for `long_term` (which must have no session token): memory, then the file
    /// cache, then MFA, the lock, and STS. Credentials that already carry a token are returned
    /// as they are.
    pub async fn session_for(
        &self,
        long_term: Credentials,
    ) -> Result<Credentials, CredentialsError> {
        if long_term.session_token().is_some() {
            return Ok(long_term);
        }
        let inner = &*self.inner;
        let mut state = inner.state.lock().await;
        let key = self.cache_key(long_term.access_key_id());
        let fresh = |c: &Credentials| {
            let now = inner.shared.clock.now();
            c.expiry()
                .is_some_and(|e| e.duration_since(now).is_ok_and(|left| left >= REUSE_WINDOW))
        };
        if let Some((k, c)) = &state.session
            && *k == key
            && fresh(c)
        {
            tracing::debug!("session token reused from memory");
            return Ok(c.clone());
        }
        if let Some(c) = self.cached_on_disk(&key, &long_term) {
            tracing::debug!(key = key.as_str(), "session token read from the file cache");
            state.session = Some((key, c.clone()));
            state.served = true;
            return Ok(c);
        }
        let mut request = GetSessionTokenRequest::default();
        request.duration_seconds = Some(self.duration_seconds());
        // The MFA code first: a process waiting at the prompt (or stopped there) holds no lock.
        if let Some(serial) = &inner.mfa_serial {
            let refused = || {
                CredentialsError::invalid_configuration(format!(
                    "MFA code required: the GetSessionToken session for {serial} has run out and \
                     this run may not prompt again; run the command again interactively (or give \
                     the process an MFA provider that can refresh)"
                ))
            };
            let code = inner.shared.mfa_code(serial, state.served, refused).await?;
            request.serial_number = Some(serial.clone());
            request.token_code = Some(code);
        }
        let reread = |_: &FileCache| self.cached_on_disk(&key, &long_term);
        let (_guard, written) = inner.shared.lock_and_reread(&key, reread).await;
        if let Some(c) = written {
            tracing::debug!("session token written by another process meanwhile");
            state.session = Some((key, c.clone()));
            state.served = true;
            return Ok(c);
        }
        let result = inner
            .shared
            .sts
            .get_session_token(&long_term, &request, SESSION_TOKEN_PROVIDER_NAME)
            .await?;
        let session = with_account(result.credentials, &long_term);
        if let Some(cache) = &inner.shared.file_cache
            && let Err(e) = cache.store_session_token(&key, &session)
        {
            // A cache that cannot be written costs a later STS call, not this one.
            tracing::warn!(error = %e, "could not write the session token file cache");
        }
        state.session = Some((key, session.clone()));
        state.served = true;
        Ok(session)
    }

    fn cached_on_disk(&self, key: &CacheKey, long_term: &Credentials) -> Option<Credentials> {
        let cache = self.inner.shared.file_cache.as_ref()?;
        let found = cache.load(
            key,
            self.inner.shared.clock.now(),
            REUSE_WINDOW,
            SESSION_TOKEN_PROVIDER_NAME,
        )?;
        Some(with_account(found, long_term))
    }
}

/// `GetSessionToken` names no account; the long-term keys' (`aws_account_id`) carries over.
fn with_account(session: Credentials, long_term: &Credentials) -> Credentials {
    match (session.account_id(), long_term.account_id()) {
        (None, Some(account)) => Credentials::builder(
            session.access_key_id(),
            session.secret_access_key(),
            session.provider_name(),
        )
        .maybe_session_token(session.session_token().map(str::to_owned))
        .maybe_expiry(session.expiry())
        .account_id(account)
        .build(),
        _ => session,
    }
}

#[async_trait]
impl ProvideCredentials for SessionTokenProvider {
    async fn provide_credentials(&self) -> Result<Credentials, CredentialsError> {
        let base = self.inner.base.provide_credentials().await?;
        self.session_for(base).await
    }
}
