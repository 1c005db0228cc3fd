//! A role profile with `mfa_serial`, as the AWS CLI runs it: sessions shared through
//! `~/.aws/cli/cache` (so a session the AWS CLI made is reused, and the other way round), the MFA
//! code asked for on the terminal (or read from standard input when there is none), and the
//! paved-path cache on top so a long-running program refreshes before expiry.
//!
//! `cargo run -p awscred --example assume_role_mfa -- PROFILE`
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "an example prints"
)]

use awscred::providers::assume_role::PromptMfa;
use awscred::{Clock, ProvideCredentials, SystemClock};

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::process::ExitCode {
    let Some(profile) = std::env::args().nth(1) else {
        eprintln!("usage: assume_role_mfa PROFILE");
        return std::process::ExitCode::FAILURE;
    };
    let built = awscred::builder()
        .profile(&profile)
        .mfa(PromptMfa::new())
        .aws_cli_cache(true)
        .build();
    let result = match built {
        Ok(provider) => provider.provide_credentials().await,
        Err(e) => Err(e),
    };
    match result {
        Ok(c) => {
            let left = c
                .expiry()
                .and_then(|e| e.duration_since(SystemClock.now()).ok())
                .map_or("no expiry".into(), |d| {
                    format!("{} min left", d.as_secs() / 60)
                });
            println!(
                "profile {profile}: {} from {} ({left})",
                c.access_key_id(),
                c.provider_name()
            );
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("profile {profile}: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
