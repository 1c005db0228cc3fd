//! The facade's builder as every command configures it, the runtime, and one resolution.

use std::sync::Arc;

use awscred::{Builder, DefaultChain, Traced};
use awscred_file_cache::FileCache;
use awscred_layer::{CacheLayer, StaticStabilityLayer};
use awscred_provider_assume_role::{
    FixedMfa, PromptMfa, SessionTokenProvider, SharedMfaTokenProvider,
};
use awscred_sts::StsClient;
use awscred_types::{Credentials, CredentialsError, OsFs, SharedProvider, Sources, SystemEnv};
use tower_layer::Layer as _;

use crate::args::SessionArgs;
use crate::render::rfc3339;

/// The default chain as the AWS CLI runs it: assume-role sessions shared through
/// `~/.aws/cli/cache` (unless `--no-cache`), MFA codes asked for on the terminal (unless
/// `--mfa-code`). `build_chain()` is the chain alone, for one resolution; what `serve` and
/// `exec --server` hand out is [`temporary`].
pub(crate) fn builder(profile: Option<&str>, session: &SessionArgs) -> Builder {
    let builder = awscred::builder().aws_cli_cache(!session.no_cache);
    let builder = match &session.mfa_code {
        Some(code) => builder.mfa(FixedMfa::new(code.as_str())),
        None => builder.mfa(PromptMfa::new()),
    };
    // `credential_process = awscred keys session --profile P` is answered in process.
    #[cfg(feature = "keys")]
    let builder = {
        let (mfa, no_cache) = (mfa(session), session.no_cache);
        builder.process_override(awscred::ProcessOverride::new(move |command| {
            let profile = crate::commands::keys::session_profile(command)?;
            Some(
                match crate::commands::keys::KeySession::new(profile, None, mfa.clone(), no_cache) {
                    Ok(p) => Arc::new(p) as SharedProvider,
                    Err(e) => Arc::new(crate::commands::keys::Broken(e)) as SharedProvider,
                },
            )
        }))
    };
    match profile {
        Some(p) => builder.profile(p),
        None => builder,
    }
}

/// The MFA provider [`builder`] gives the chain: `--mfa-code`, else the terminal.
pub(crate) fn mfa(session: &SessionArgs) -> SharedMfaTokenProvider {
    match &session.mfa_code {
        Some(code) => Arc::new(FixedMfa::new(code.as_str())),
        None => Arc::new(PromptMfa::new()),
    }
}

/// What `serve` and `exec --server` hand out: always temporary credentials, as the ECS / EKS
/// endpoints do. The chain's answer passes through when it is a session; long-term keys are
/// exchanged with STS `GetSessionToken` (the selected profile's `mfa_serial` and STS settings,
/// sessions in `~/.aws/cli/cache` unless `--no-cache`), behind the refresh layers. Returns the
/// chain too, for what the command reads from the profile.
pub(crate) fn temporary(
    profile: Option<&str>,
    session: &SessionArgs,
) -> Result<(DefaultChain, SharedProvider), CredentialsError> {
    let chain = self::chain(profile, session)?;
    let sources = Sources::system();
    let name = chain.selected_profile().name().to_owned();
    let view = chain.profiles().view(&name);
    let sts = StsClient::builder(&sources).profile(&view).build()?;
    let mfa_serial = view.get("mfa_serial").map(str::to_owned);
    let sessions = SessionTokenProvider::builder(&sources, Arc::new(chain.clone()), sts)
        .mfa_serial(mfa_serial)
        .mfa(mfa(session))
        .file_cache(if session.no_cache {
            None
        } else {
            aws_cli_cache()
        })
        .build()?;
    let stable = StaticStabilityLayer::with_clock(sources.clock.clone()).layer(sessions);
    let stack = CacheLayer::new().clock(sources.clock.clone()).layer(stable);
    Ok((chain, Arc::new(stack)))
}

/// [`builder`]'s chain alone.
pub(crate) fn chain(
    profile: Option<&str>,
    session: &SessionArgs,
) -> Result<DefaultChain, CredentialsError> {
    builder(profile, session).build_chain()
}

/// The runtime the commands run on (the facade's: current-thread, I/O and time drivers).
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, CredentialsError> {
    awscred::blocking::runtime()
}

/// One traced resolution of `chain`, without a runtime when the providers that need none
/// settle it (static keys in a file or the environment), else on a runtime built for it: so
/// `export-credentials` and `explain` set up no I/O driver for a static answer.
pub(crate) fn resolve_traced(chain: &DefaultChain) -> Result<Traced, CredentialsError> {
    match chain.chain().resolve_traced_now() {
        Some(traced) => Ok(traced),
        None => Ok(runtime()?.block_on(chain.chain().resolve_traced())),
    }
}

/// One resolution for a command that uses the credentials once (`export-credentials`),
/// through [`resolve_traced`]; see [`checked`] for credentials that arrive expired.
pub(crate) fn resolve_once_blocking(chain: &DefaultChain) -> Result<Credentials, CredentialsError> {
    checked(resolve_traced(chain)?.0?)
}

/// One resolution for a command that already runs on a runtime (`whoami`, `exec`).
pub(crate) async fn resolve_once(chain: &DefaultChain) -> Result<Credentials, CredentialsError> {
    checked(chain.chain().resolve_traced().await.0?)
}

/// Credentials that are already expired when fetched (a stale source, or this machine's clock
/// ahead) are returned with a warning rather than refused, as aws-config does
/// (docs/compatibility.md); the AWS CLI fails with "refreshed credentials are still expired".
fn checked(creds: Credentials) -> Result<Credentials, CredentialsError> {
    if let Some(expiry) = creds.expiry()
        && expiry <= awscred_types::Clock::now(&awscred_types::SystemClock)
    {
        tracing::warn!(
            "credentials from {} ({}) expired at {}, before they were fetched: the source is \
             stale or this machine's clock is ahead; using them anyway",
            creds.provider_name(),
            crate::render::mask_key_id(creds.access_key_id()),
            rfc3339(expiry)
        );
    }
    Ok(creds)
}

/// The AWS CLI's `~/.aws/cli/cache` (`None` when no home folder is known).
pub(crate) fn aws_cli_cache() -> Option<FileCache> {
    FileCache::aws_cli(&SystemEnv, Arc::new(OsFs))
}
