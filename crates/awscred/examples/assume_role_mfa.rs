//! A role profile with `mfa_serial`, as the AWS CLI runs it (`Builder::like_aws_cli`): sessions
//! shared through `~/.aws/cli/cache` (so a session the AWS CLI made is reused, and the other way
//! round), the MFA code asked for on the terminal (or read from standard input when there is
//! none), and the paved-path cache on top so a long-running program refreshes before expiry.
//!
//! `cargo run -p awscred --example assume_role_mfa -- PROFILE`
#![allow(clippy::print_stdout, reason = "an example prints")]

use awscred::{Clock, ProvideCredentials, SystemClock};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let profile = std::env::args()
        .nth(1)
        .ok_or("usage: assume_role_mfa PROFILE")?;
    let provider = awscred::builder()
        .profile(&profile)
        .like_aws_cli()
        .build()?;
    let c = provider.provide_credentials().await?;
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
    Ok(())
}
