//! One builder for the two STS session providers: the settings both take (the STS client, MFA
//! codes, the AWS CLI's file cache, the clock) in one place, each provider's own on top.

use std::fmt;
use std::sync::Arc;

use awscred_file_cache::{CacheKey, FileCache};
use awscred_sts::StsClient;
use awscred_types::{CredentialsError, FsLock, SharedClock, Sources};

use crate::mfa::{NoMfa, SharedMfaTokenProvider};

/// Builds an STS session provider: an [`AssumeRoleProvider`](crate::AssumeRoleProvider)
/// ([`AssumeRoleProviderBuilder`](crate::AssumeRoleProviderBuilder), from
/// [`AssumeRoleProvider::builder`](crate::AssumeRoleProvider::builder)) or a
/// [`SessionTokenProvider`](crate::SessionTokenProvider)
/// ([`SessionTokenProviderBuilder`](crate::SessionTokenProviderBuilder), from
/// [`SessionTokenProvider::builder`](crate::SessionTokenProvider::builder)).
///
/// The setters here are the ones both take; `P` holds what the one provider needs besides, and
/// its own setters and `build` are on `StsSessionBuilder<P>` too.
#[derive(Debug)]
pub struct StsSessionBuilder<P> {
    sources: Sources,
    sts: Option<StsClient>,
    mfa: Option<SharedMfaTokenProvider>,
    file_cache: Option<FileCache>,
    pub(crate) own: P,
}

/// The shared settings as a provider's `build` receives them.
pub(crate) struct Shared {
    pub(crate) sts: StsClient,
    pub(crate) mfa: SharedMfaTokenProvider,
    pub(crate) file_cache: Option<FileCache>,
    pub(crate) clock: SharedClock,
}

impl Shared {
    /// Adds the shared settings to a provider's `Debug` (the file cache by its folder).
    pub(crate) fn debug_fields<'d, 'a, 'b>(
        &self,
        d: &'d mut fmt::DebugStruct<'a, 'b>,
    ) -> &'d mut fmt::DebugStruct<'a, 'b> {
        d.field("sts", &self.sts)
            .field("mfa", &self.mfa)
            .field("file_cache", &self.file_cache.as_ref().map(FileCache::dir))
    }

    /// The MFA code for `serial`. Once credentials have been `served`, only an MFA provider
    /// that [can refresh](crate::MfaTokenProvider::can_refresh) is asked again; otherwise the
    /// error is `refused()` (naming `serial`).
    pub(crate) async fn mfa_code(
        &self,
        serial: &str,
        served: bool,
        refused: impl FnOnce() -> CredentialsError,
    ) -> Result<String, CredentialsError> {
        if served && !self.mfa.can_refresh() {
            return Err(refused().with("mfa_serial", serial));
        }
        Ok(self.mfa.token_code(serial).await?.as_str().to_owned())
    }

    /// Another process may be fetching this very session: takes `key`'s cross-process lock
    /// in the file cache (a bounded wait; nothing without a file cache) and looks again with
    /// `reread`. The lock to hold while this process fetches, and what another process wrote
    /// meanwhile.
    pub(crate) async fn lock_and_reread<T>(
        &self,
        key: &CacheKey,
        reread: impl FnOnce(&FileCache) -> Option<T>,
    ) -> (Option<FsLock>, Option<T>) {
        let Some(cache) = &self.file_cache else {
            return (None, None);
        };
        let guard = lock_entry(cache, key).await;
        (guard, reread(cache))
    }
}

impl<P> StsSessionBuilder<P> {
    pub(crate) fn new(sources: &Sources, sts: Option<StsClient>, own: P) -> Self {
        Self {
            sources: sources.clone(),
            sts,
            mfa: None,
            file_cache: None,
            own,
        }
    }

    /// The STS client (endpoint and region from the selected profile, as botocore does).
    /// Default: [`StsClient::builder`] from the same sources, without a profile.
    pub fn sts(mut self, sts: StsClient) -> Self {
        self.sts = Some(sts);
        self
    }

    /// Where MFA codes come from (default [`NoMfa`]: a role hop or session with an MFA serial
    /// is then an error naming it).
    pub fn mfa(mut self, mfa: SharedMfaTokenProvider) -> Self {
        self.mfa = Some(mfa);
        self
    }

    /// Share sessions with the AWS CLI through its file cache (default: memory only, as boto3).
    pub fn file_cache(mut self, cache: Option<FileCache>) -> Self {
        self.file_cache = cache;
        self
    }

    /// The shared settings, with their defaults, and the provider's own.
    pub(crate) fn shared(self) -> Result<(Shared, P), CredentialsError> {
        let sts = match self.sts {
            Some(s) => s,
            None => StsClient::builder(&self.sources).build()?,
        };
        let shared = Shared {
            sts,
            mfa: self.mfa.unwrap_or_else(|| Arc::new(NoMfa)),
            file_cache: self.file_cache,
            clock: self.sources.clock,
        };
        Ok((shared, self.own))
    }
}

/// Takes `key`'s cross-process lock off the runtime's threads (the wait is bounded by the
/// cache); a lock that cannot be had is a warning, and the caller goes on without it.
async fn lock_entry(cache: &FileCache, key: &CacheKey) -> Option<FsLock> {
    let (locker, lock_key) = (cache.clone(), key.clone());
    let guard = tokio::task::spawn_blocking(move || locker.lock(&lock_key))
        .await
        .map_err(|e| CredentialsError::provider_error(format!("the cache lock task failed: {e}")))
        .and_then(|r| r);
    if let Err(e) = &guard {
        tracing::warn!(error = %e, "going on without the cache lock");
    }
    guard.ok().flatten()
}
