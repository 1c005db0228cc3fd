//! OpenDAL's S3 service with credentials, region and endpoint from an AWS profile, resolved by
//! awscred as the AWS CLI resolves them (role chains, MFA, SSO, `credential_process`, the AWS
//! CLI's session cache): writes an object and reads it back.
//!
//! `cargo run -p awscred-opendal --example opendal_s3 -- PROFILE BUCKET`
#![allow(clippy::print_stdout, reason = "an example prints")]

use awscred_opendal::{ReqsignProvider, s3_settings};
use reqsign_core::ProvideCredentialChain;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(profile), Some(bucket)) = (args.next(), args.next()) else {
        return Err("usage: opendal_s3 PROFILE BUCKET".into());
    };
    // OpenDAL's HTTP transport: reqwest, its TLS on rustls with ring (this example's choice).
    let _ = rustls::crypto::ring::default_provider().install_default();
    opendal::HttpTransporter::install_default(
        opendal_http_transport_reqwest::ReqwestTransport::default(),
    );
    let provider = awscred::builder().profile(profile).like_aws_cli().build()?;
    let settings = s3_settings(&provider);
    let mut s3 = opendal::services::S3::default()
        .bucket(&bucket)
        .region(settings.region.as_deref().unwrap_or("us-east-1"))
        .credential_provider_chain(
            ProvideCredentialChain::new().push(ReqsignProvider::new(provider.clone())),
        );
    if let Some(endpoint) = &settings.endpoint {
        s3 = s3.endpoint(endpoint);
    }
    let op = opendal::Operator::new(s3)?;
    op.write("awscred-example/hello.txt", b"hello from awscred".to_vec())
        .await?;
    let body = op.read("awscred-example/hello.txt").await?;
    println!(
        "read {} bytes from s3://{bucket}/awscred-example/hello.txt",
        body.len()
    );
    Ok(())
}
