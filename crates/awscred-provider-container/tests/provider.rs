//! Behaviour the fixture suite does not reach: the default client, and sharing the provider.

use std::sync::Arc;
use std::time::Duration;

use awscred_provider_container::{ContainerProvider, FULL_URI_VAR};
use awscred_test::FakeEnv;
use awscred_test::fixture_server::{FixtureServer, Recording};
use awscred_types::{ProvideCredentials, SharedProvider};

fn recording(exchanges: usize) -> Recording {
    let one = serde_json::json!({
        "request": { "method": "GET", "path": "/creds",
                     "headers": { "accept": "application/json" },
                     "absent_headers": ["authorization", "proxy-authorization"] },
        "response": { "status": 200, "json": {
            "AccessKeyId": "AKIDEXAMPLE", "SecretAccessKey": "hunter2" } }
    });
    serde_json::from_value(serde_json::json!({
        "docs": "default client",
        "exchanges": vec![one; exchanges],
    }))
    .expect("a valid recording")
}

/// The default client (botocore's 2 s timeouts) connects directly: proxy variables in the
/// provider's environment are never read, so a dead proxy changes nothing.
#[tokio::test]
async fn default_client_connects_directly_whatever_the_proxy_variables() {
    let server = FixtureServer::start(recording(1)).await;
    let env = FakeEnv::new()
        .with(FULL_URI_VAR, format!("{}/creds", server.url()))
        .with("HTTP_PROXY", "http://127.0.0.1:9")
        .with("http_proxy", "http://127.0.0.1:9")
        .with("NO_PROXY", "");
    let provider =
        ContainerProvider::builder(&awscred_types::Sources::default().with_env(Arc::new(env)))
            .retry_delay(Duration::ZERO)
            .build();
    let creds = provider.provide_credentials().await.expect("credentials");
    assert_eq!(creds.access_key_id(), "AKIDEXAMPLE");
    assert_eq!(creds.provider_name(), "container-role");
    server.verify().expect("exactly one direct request");
}

/// The provider is shared behind `Arc<dyn ProvideCredentials>` and called concurrently; each
/// call makes its own request, and `Debug` shows no secret.
#[tokio::test]
async fn shared_provider_serves_concurrent_calls() {
    let server = FixtureServer::start(recording(4)).await;
    let env = FakeEnv::new().with(FULL_URI_VAR, format!("{}/creds", server.url()));
    let provider: SharedProvider = Arc::new(
        ContainerProvider::builder(&awscred_types::Sources::default().with_env(Arc::new(env)))
            .build(),
    );
    let (a, b, c, d) = tokio::join!(
        provider.provide_credentials(),
        provider.provide_credentials(),
        provider.provide_credentials(),
        provider.provide_credentials(),
    );
    let results = [a, b, c, d];
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    let shown = format!("{provider:?} {results:?}");
    assert!(!shown.contains("hunter2"), "{shown}");
    server.verify().expect("four requests");
}
