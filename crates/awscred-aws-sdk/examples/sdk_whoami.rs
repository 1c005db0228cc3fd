//! aws-sdk-rust with credentials, region and endpoints from an AWS profile, resolved by awscred
//! as the AWS CLI resolves them (role chains with an MFA prompt, SSO, `credential_process`, the
//! AWS CLI's session cache): STS `GetCallerIdentity`.
//!
//! `cargo run -p awscred-aws-sdk --example sdk_whoami -- PROFILE`
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "an example prints"
)]

use awscred::providers::assume_role::PromptMfa;

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::process::ExitCode {
    let Some(profile) = std::env::args().nth(1) else {
        eprintln!("usage: sdk_whoami PROFILE");
        return std::process::ExitCode::FAILURE;
    };
    let provider = match awscred::builder()
        .profile(&profile)
        .mfa(PromptMfa::new())
        .aws_cli_cache(true)
        .build()
    {
        Ok(p) => p,
        Err(e) => {
            eprintln!("sdk_whoami: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    // The SDK's identity cache off, awscred's cache on: the prompt may take its time.
    let config = awscred_aws_sdk::sdk_config(&provider);
    match aws_sdk_sts::Client::new(&config)
        .get_caller_identity()
        .send()
        .await
    {
        Ok(me) => {
            println!("profile {profile}: {}", me.arn().unwrap_or("(no ARN)"));
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            let e = aws_smithy_types::error::display::DisplayErrorContext(&e);
            eprintln!("sdk_whoami: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
