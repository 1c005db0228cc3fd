//! object_store's `AmazonS3` with credentials, region and endpoint from an AWS profile, resolved
//! by awscred as the AWS CLI resolves them (role chains, MFA, SSO, `credential_process`, the
//! AWS CLI's session cache): puts an object, reads it back and lists the prefix.
//!
//! `cargo run -p awscred-object-store --example s3_objects -- PROFILE BUCKET`
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "an example prints"
)]

use awscred::providers::assume_role::PromptMfa;
use futures_util::TryStreamExt as _;
use object_store::path::Path;
use object_store::{ObjectStore as _, ObjectStoreExt as _, PutPayload};

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::process::ExitCode {
    // reqwest's TLS on rustls with ring (this example's choice; object_store's `aws` feature
    // brings aws-lc instead).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut args = std::env::args().skip(1);
    let (Some(profile), Some(bucket)) = (args.next(), args.next()) else {
        eprintln!("usage: s3_objects PROFILE BUCKET");
        return std::process::ExitCode::FAILURE;
    };
    match run(&profile, &bucket).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("s3_objects: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(profile: &str, bucket: &str) -> Result<(), Box<dyn std::error::Error>> {
    let provider = awscred::builder()
        .profile(profile)
        .mfa(PromptMfa::new())
        .aws_cli_cache(true)
        .build()?;
    let store = awscred_object_store::amazon_s3(&provider)
        .with_bucket_name(bucket)
        .build()?;
    let path = Path::from("awscred-example/hello.txt");
    store
        .put(&path, PutPayload::from_static(b"hello from awscred"))
        .await?;
    let body = store.get(&path).await?.bytes().await?;
    println!("read {} bytes from s3://{bucket}/{path}", body.len());
    let listed: Vec<_> = store
        .list(Some(&Path::from("awscred-example")))
        .map_ok(|m| m.location)
        .try_collect()
        .await?;
    println!("listed {} object(s) under awscred-example/", listed.len());
    Ok(())
}
