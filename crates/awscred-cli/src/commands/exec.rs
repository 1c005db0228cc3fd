//! `awscred exec`: run a command with the resolved credentials in its environment (or, with
//! `--server`, with a local container-credentials endpoint that keeps them fresh).

use std::future::Future as _;
use std::process::ExitCode;
use std::task::Poll;

use awscred_types::{Credentials, CredentialsError, SharedProvider, SystemEnv};

use crate::args::SessionArgs;
use crate::chain::{builder, resolve_once, runtime, temporary};
use crate::commands::serve::Endpoint;
use crate::render::rfc3339;

/// `awscred exec`.
pub(crate) fn run(
    profile: Option<&str>,
    server: bool,
    command: &[String],
    session: &SessionArgs,
) -> Result<ExitCode, CredentialsError> {
    let (chain, served) = if server {
        let (chain, provider) = temporary(profile, session)?;
        (chain, Some(provider))
    } else {
        (builder(profile, session).build_chain()?, None)
    };
    let region = awscred_types::Env::get(&SystemEnv, "AWS_REGION")
        .or_else(|| awscred_types::Env::get(&SystemEnv, "AWS_DEFAULT_REGION"))
        .or_else(|| {
            chain
                .profiles()
                .profile(chain.selected_profile().name())
                .and_then(|s| s.get("region"))
                .map(str::to_owned)
        });
    runtime()?.block_on(async {
        let handoff = match served {
            Some(provider) => Handoff::Server(provider),
            None => Handoff::Variables(resolve_once(&chain).await?),
        };
        run_child(command, handoff, region).await
    })
}

/// Variables that would contradict what awscred hands the child, removed first.
const CLEARED: &[&str] = &[
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_ACCOUNT_ID",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME",
];

/// How the child gets its credentials.
pub(crate) enum Handoff {
    /// The credentials themselves, as variables.
    Variables(Credentials),
    /// A local endpoint (`AWS_CONTAINER_CREDENTIALS_FULL_URI` + token), served while the child
    /// runs.
    Server(SharedProvider),
}

/// Runs `argv` and returns its exit status (128 + signal when a signal ended it).
async fn run_child(
    argv: &[String],
    handoff: Handoff,
    region: Option<String>,
) -> Result<ExitCode, CredentialsError> {
    let Some((program, args)) = argv.split_first() else {
        return Err(CredentialsError::invalid_configuration(
            "no command given: awscred exec [--profile P] -- COMMAND [ARGS...]",
        ));
    };
    let mut cmd = tokio::process::Command::new(program);
    cmd.args(args);
    for var in CLEARED {
        cmd.env_remove(var);
    }
    if let Some(region) = region {
        cmd.env("AWS_REGION", &region)
            .env("AWS_DEFAULT_REGION", &region);
    }
    let mut server = None;
    match handoff {
        Handoff::Variables(c) => {
            cmd.env("AWS_ACCESS_KEY_ID", c.access_key_id())
                .env("AWS_SECRET_ACCESS_KEY", c.secret_access_key());
            if let Some(t) = c.session_token() {
                cmd.env("AWS_SESSION_TOKEN", t);
            }
            if let Some(e) = c.expiry() {
                cmd.env("AWS_CREDENTIAL_EXPIRATION", rfc3339(e));
            }
        }
        Handoff::Server(provider) => {
            let endpoint = Endpoint::bind(0).await?;
            cmd.env("AWS_CONTAINER_CREDENTIALS_FULL_URI", endpoint.url())
                .env("AWS_CONTAINER_AUTHORIZATION_TOKEN", endpoint.token());
            server = Some(tokio::spawn(endpoint.serve(provider)));
        }
    }
    let mut child = cmd.spawn().map_err(|e| {
        CredentialsError::invalid_configuration(format!("could not run {program:?}")).with_source(e)
    })?;
    let status = wait_forwarding_signals(&mut child).await.map_err(|e| {
        CredentialsError::provider_error(format!("waiting for {program:?} failed")).with_source(e)
    })?;
    if let Some(s) = server {
        s.abort();
    }
    Ok(exit_code(status))
}

#[cfg(unix)]
async fn wait_forwarding_signals(
    child: &mut tokio::process::Child,
) -> std::io::Result<std::process::ExitStatus> {
    use tokio::signal::unix::{SignalKind, signal};
    // SIGINT is not forwarded: a terminal's Ctrl-C already reaches the child, which shares our
    // foreground process group, and a second copy would look like a second Ctrl-C.
    let kinds = [
        (SignalKind::terminate(), rustix::process::Signal::TERM),
        (SignalKind::hangup(), rustix::process::Signal::HUP),
        (SignalKind::quit(), rustix::process::Signal::QUIT),
        (SignalKind::user_defined1(), rustix::process::Signal::USR1),
        (SignalKind::user_defined2(), rustix::process::Signal::USR2),
    ];
    let mut streams = Vec::new();
    for (kind, sig) in kinds {
        streams.push((signal(kind)?, sig));
    }
    let mut interrupt = signal(SignalKind::interrupt())?;
    let pid = child
        .id()
        .and_then(|id| rustix::process::Pid::from_raw(i32::try_from(id).ok()?));
    // Poll the child and every signal stream by hand (tokio's `select!` would need its macros
    // crate for this one loop).
    let mut wait = std::pin::pin!(child.wait());
    std::future::poll_fn(|cx| {
        if let Poll::Ready(status) = wait.as_mut().poll(cx) {
            return Poll::Ready(status);
        }
        while let Poll::Ready(Some(())) = interrupt.poll_recv(cx) {}
        for (stream, sig) in &mut streams {
            while let Poll::Ready(Some(())) = stream.poll_recv(cx) {
                if let Some(pid) = pid {
                    let _ = rustix::process::kill_process(pid, *sig);
                }
            }
        }
        Poll::Pending
    })
    .await
}

#[cfg(not(unix))]
async fn wait_forwarding_signals(
    child: &mut tokio::process::Child,
) -> std::io::Result<std::process::ExitStatus> {
    child.wait().await
}

fn exit_code(status: std::process::ExitStatus) -> ExitCode {
    if let Some(code) = status.code() {
        return ExitCode::from(u8::try_from(code & 0xff).unwrap_or(1));
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = status.signal() {
            return ExitCode::from(u8::try_from(128 + sig).unwrap_or(1));
        }
    }
    ExitCode::FAILURE
}
