//! The facade's builder: the paved stack caches, the AWS CLI cache is found through the
//! builder's own environment and file system, and the optional trace records calls.
#![allow(
    clippy::disallowed_methods,
    reason = "the test writes a credentials file"
)]

use std::sync::Arc;

use awscred::TraceLog;
use awscred_types::{FakeEnv, Fs, MemFs, ProvideCredentials};

const CREDENTIALS: &str = "[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = s\n";

fn env() -> FakeEnv {
    FakeEnv::new()
        .with("HOME", "/home/me")
        .with("AWS_EC2_METADATA_DISABLED", "true")
}

#[tokio::test]
async fn paved_path_resolves_and_caches() {
    let fs = MemFs::new().with_file("/home/me/.aws/credentials", CREDENTIALS);
    let provider = awscred::builder()
        .env(env())
        .fs(fs.clone())
        .build()
        .unwrap();
    let first = provider.provide_credentials().await.unwrap();
    assert_eq!(first.access_key_id(), "AKIDFILE");
    // Long-term keys have no expiry: the cache keeps them, so removing the file changes nothing.
    fs.remove(std::path::Path::new("/home/me/.aws/credentials"))
        .unwrap();
    assert_eq!(provider.provide_credentials().await.unwrap(), first);
    // The chain under the layers is the one the builder described.
    assert_eq!(provider.chain().selected_profile().name(), "default");
}

/// A role profile whose session the AWS CLI cached: with the cache on, it is served from
/// `~/.aws/cli/cache` under the builder's HOME, in the builder's file system; with it off, the
/// chain asks STS (here a closed port on 127.0.0.1, so the call fails at once).
#[cfg(feature = "assume-role")]
#[tokio::test]
async fn aws_cli_cache_is_read_through_the_builders_sources() {
    use awscred::providers::assume_role::plan;
    use awscred_profile::ProfileSet;

    let config = "[profile role]\nrole_arn = arn:aws:iam::123456789012:role/r\n\
        source_profile = default\n";
    let fs = MemFs::new()
        .with_file("/home/me/.aws/credentials", CREDENTIALS)
        .with_file("/home/me/.aws/config", config);
    let env = env()
        .with("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:1")
        .with("AWS_REGION", "us-east-1")
        .with("AWS_MAX_ATTEMPTS", "1");
    let set = ProfileSet::load(&env, &fs).unwrap();
    let key = plan(&set, "role")
        .unwrap()
        .roles
        .last()
        .unwrap()
        .cache_key();
    fs.write_atomic(
        std::path::Path::new(&format!("/home/me/.aws/cli/cache/{}.json", key.as_str())),
        br#"{"Credentials": {"AccessKeyId": "ASIACACHED", "SecretAccessKey": "s", "SessionToken": "t", "Expiration": "2099-01-01T00:00:00UTC"}}"#,
        0o600,
    )
    .unwrap();
    let builder = || {
        awscred::builder()
            .env(env.clone())
            .fs(fs.clone())
            .profile("role")
    };

    let cached = builder().aws_cli_cache(true).build().unwrap();
    let creds = cached.provide_credentials().await.unwrap();
    assert_eq!(creds.access_key_id(), "ASIACACHED");

    let uncached = builder().aws_cli_cache(false).build().unwrap();
    let err = uncached.provide_credentials().await.unwrap_err();
    assert!(!err.is_not_loaded(), "{err}");
    assert!(err.to_string().contains("127.0.0.1:1"), "{err}");
}

#[tokio::test]
async fn trace_records_each_call_of_the_stack() {
    let fs = MemFs::new().with_file("/home/me/.aws/credentials", CREDENTIALS);
    let log = TraceLog::new();
    let sources = awscred::Sources::system()
        .with_env(Arc::new(env()))
        .with_fs(Arc::new(fs));
    let provider = awscred::builder()
        .sources(sources)
        .trace(log.clone())
        .build()
        .unwrap();
    provider.provide_credentials().await.unwrap();
    provider.provide_credentials().await.unwrap();
    let events = log.events();
    assert_eq!(events.len(), 2);
    assert!(events.iter().all(|e| e.provider == "awscred"), "{events:?}");
    assert!(!events[0].from_cache && events[1].from_cache, "{events:?}");
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

#[test]
fn blocking_build_resolves_without_a_runtime() {
    let fs = MemFs::new().with_file("/home/me/.aws/credentials", CREDENTIALS);
    let provider = awscred::builder()
        .env(env())
        .fs(fs)
        .build_blocking()
        .unwrap();
    assert_eq!(provider.credentials().unwrap().access_key_id(), "AKIDFILE");
}

/// What the adapters hand their clients: the region (`AWS_REGION`, `AWS_DEFAULT_REGION`,
/// profile) and a service's endpoint in botocore's order, under the ignore switch.
#[test]
fn region_and_endpoint_for_clients() {
    let config = "[profile p]\nregion = eu-west-1\nendpoint_url = http://profile\nservices = local\n\
                  [services local]\ns3 =\n  endpoint_url = http://services-s3\n";
    let fs = MemFs::new().with_file("/home/me/.aws/config", config);
    let build = |env: FakeEnv| {
        awscred::builder()
            .env(env)
            .fs(fs.clone())
            .profile("p")
            .build()
            .unwrap()
    };
    let p = build(env());
    assert_eq!(p.region().as_deref(), Some("eu-west-1"));
    assert_eq!(p.endpoint_url("s3").as_deref(), Some("http://services-s3"));
    assert_eq!(p.endpoint_url("sts").as_deref(), Some("http://profile"));
    let p = build(
        env()
            .with("AWS_DEFAULT_REGION", "us-west-2")
            .with("AWS_ENDPOINT_URL", "http://any"),
    );
    assert_eq!(p.region().as_deref(), Some("us-west-2"));
    assert_eq!(p.endpoint_url("s3").as_deref(), Some("http://any"));
    let p = build(
        env()
            .with("AWS_REGION", "ap-south-1")
            .with("AWS_DEFAULT_REGION", "us-west-2")
            .with("AWS_ENDPOINT_URL", "http://any")
            .with("AWS_ENDPOINT_URL_S3", "http://s3-only"),
    );
    assert_eq!(p.region().as_deref(), Some("ap-south-1"));
    assert_eq!(p.endpoint_url("s3").as_deref(), Some("http://s3-only"));
    assert_eq!(p.endpoint_url("sts").as_deref(), Some("http://any"));
    let p = build(env().with("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "TRUE"));
    assert_eq!(p.endpoint_url("s3"), None);
}
