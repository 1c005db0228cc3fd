//! object_store's `AmazonS3` with credentials, region and endpoint from an AWS profile, resolved
//! by awscred as the AWS CLI resolves them (role chains, MFA, SSO, `credential_process`, the
//! AWS CLI's session cache): puts an object, reads it back and lists the prefix.
//!
//! `cargo run -p awscred-object-store --example s3_objects -- PROFILE BUCKET`
#![allow(clippy::print_stdout, reason = "an example prints")]

use futures_util::TryStreamExt as _;
use object_store::path::Path;
use object_store::{ObjectStore as _, ObjectStoreExt as _, PutPayload};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(profile), Some(bucket)) = (args.next(), args.next()) else {
        return Err("usage: s3_objects PROFILE BUCKET".into());
    };
    // reqwest's TLS on rustls with ring (this example's choice; object_store's `aws` feature
    // brings aws-lc instead).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let provider = awscred::builder().profile(profile).like_aws_cli().build()?;
    let store = awscred_object_store::amazon_s3(&provider)
        .with_bucket_name(&bucket)
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
