//! `awscred::paved` caches: the second call is served without asking the chain again.
#![allow(
    clippy::disallowed_methods,
    reason = "the test writes a credentials file"
)]

use std::sync::Arc;

use awscred::DefaultChain;
use awscred_types::{FakeEnv, Fs, MemFs, ProvideCredentials};

#[tokio::test]
async fn paved_path_resolves_and_caches() {
    let fs = MemFs::new().with_file(
        "/home/me/.aws/credentials",
        "[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = s\n",
    );
    let env = FakeEnv::new()
        .with("HOME", "/home/me")
        .with("AWS_EC2_METADATA_DISABLED", "true");
    let provider = awscred::paved(
        DefaultChain::builder()
            .env(Arc::new(env))
            .fs(Arc::new(fs.clone())),
    )
    .unwrap();
    let first = provider.provide_credentials().await.unwrap();
    assert_eq!(first.access_key_id(), "AKIDFILE");
    // Long-term keys have no expiry: the cache keeps them, so removing the file changes nothing.
    fs.remove(std::path::Path::new("/home/me/.aws/credentials"))
        .unwrap();
    assert_eq!(provider.provide_credentials().await.unwrap(), first);
}

#[test]
fn blocking_provider_works_without_a_runtime() {
    let provider = awscred::blocking::Provider::new(Arc::new(awscred::StaticProvider::new(
        awscred::Credentials::new("AKIDSTATIC", "s", "explicit"),
    )))
    .unwrap();
    assert_eq!(
        provider.credentials().unwrap().access_key_id(),
        "AKIDSTATIC"
    );
}
