//! The default chain as the CLI builds it, the runtime it runs on, and one resolution.

use std::sync::Arc;

use awscred_chain::DefaultChain;
use awscred_file_cache::FileCache;
use awscred_provider_assume_role::{FixedMfa, PromptMfa, SharedMfaTokenProvider};
use awscred_types::{Credentials, CredentialsError, OsFs, SharedFs, SystemEnv};

use crate::args::SessionArgs;
use crate::render::rfc3339;

/// The chain behind botocore's refresh windows and static stability (what `serve` and
/// `exec --server` hand out).
pub(crate) fn paved(chain: DefaultChain) -> awscred_types::SharedProvider {
    use awscred_layer::cache::CacheLayer;
    use awscred_layer::static_stability::StaticStabilityLayer;
    use tower_layer::Layer as _;
    Arc::new(CacheLayer::new().layer(StaticStabilityLayer::new().layer(chain)))
}

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, CredentialsError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            CredentialsError::provider_error("could not start the async runtime").with_source(e)
        })
}

/// The default chain as the AWS CLI runs it: assume-role sessions shared through
/// `~/.aws/cli/cache`, MFA codes asked for on the terminal.
pub(crate) fn chain(
    profile: Option<&str>,
    session: &SessionArgs,
) -> Result<DefaultChain, CredentialsError> {
    chain_with(profile, session, |b| b)
}

pub(crate) fn chain_with(
    profile: Option<&str>,
    session: &SessionArgs,
    extra: impl FnOnce(awscred_chain::DefaultChainBuilder) -> awscred_chain::DefaultChainBuilder,
) -> Result<DefaultChain, CredentialsError> {
    let fs: SharedFs = Arc::new(OsFs);
    let mfa: SharedMfaTokenProvider = match &session.mfa_code {
        Some(code) => Arc::new(FixedMfa::new(code.as_str())),
        None => Arc::new(PromptMfa::new()),
    };
    let cache = if session.no_cache {
        None
    } else {
        FileCache::aws_cli(&SystemEnv, fs.clone())
    };
    let mut builder = DefaultChain::builder()
        .fs(fs)
        .mfa(mfa)
        .credential_cache(cache);
    if let Some(p) = profile {
        builder = builder.profile(p);
    }
    extra(builder).build()
}

/// One resolution for a command that uses the credentials once (`export-credentials`,
/// `whoami`, `exec`). Credentials that are already expired when fetched (a stale source, or
/// this machine's clock ahead) are returned with a warning rather than refused, as aws-config
/// does (docs/compatibility.md); the AWS CLI fails with "refreshed credentials are still
/// expired".
pub(crate) async fn resolve_once(chain: &DefaultChain) -> Result<Credentials, CredentialsError> {
    let creds = chain.chain().resolve_traced().await.0?;
    if let Some(expiry) = creds.expiry()
        && expiry <= awscred_types::Clock::now(&awscred_types::SystemClock)
    {
        tracing::warn!(
            "credentials from {} ({}) expired at {}, before they were fetched: the source is \
             stale or this machine's clock is ahead; using them anyway",
            creds.provider_name(),
            awscred_layer::mask_access_key_id(creds.access_key_id()),
            rfc3339(expiry)
        );
    }
    Ok(creds)
}

/// The AWS CLI's `~/.aws/cli/cache` (`None` when no home folder is known).
pub(crate) fn aws_cli_cache() -> Option<FileCache> {
    FileCache::aws_cli(&SystemEnv, Arc::new(OsFs))
}
