//! aws-sdk-rust with credentials, region and endpoints from an AWS profile, resolved by awscred
//! as the AWS CLI resolves them (role chains with an MFA prompt, SSO, `credential_process`, the
//! AWS CLI's session cache): STS `GetCallerIdentity`.
//!
//! `cargo run -p awscred-aws-sdk --example sdk_whoami -- PROFILE`
#![allow(clippy::print_stdout, reason = "an example prints")]

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let profile = std::env::args().nth(1).ok_or("usage: sdk_whoami PROFILE")?;
    let provider = awscred::builder()
        .profile(&profile)
        .like_aws_cli()
        .build()?;
    // The SDK's identity cache off, awscred's cache on: the prompt may take its time.
    let config = awscred_aws_sdk::sdk_config(&provider);
    let me = aws_sdk_sts::Client::new(&config)
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| aws_smithy_types::error::display::DisplayErrorContext(e).to_string())?;
    println!("profile {profile}: {}", me.arn().unwrap_or("(no ARN)"));
    Ok(())
}
