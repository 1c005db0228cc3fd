//! The one time budget, against the fixture server's `hang` and `delay_ms`: a black hole ends
//! after one timeout, the IMDSv1 request starts when the token request has been silent for 40%
//! of it, and a token that arrives late still wins when IMDSv1 is refused or slower.
//!
//! The bounds are correctness bounds with room for a loaded machine; `benches/blackhole.rs`
//! measures the figures.

use std::sync::Arc;
use std::time::{Duration, Instant};

use awscred_provider_imds::ImdsProvider;
use awscred_test::fixture_server::{FixtureServer, Recording};
use awscred_types::{FakeEnv, ProvideCredentials};
use serde_json::{Value, json};

const TOKEN: &str = "AQAEA-token";
const LIST: &str = "/latest/meta-data/iam/security-credentials/";

fn put(response: Value) -> Value {
    json!({ "request": { "method": "PUT", "path": "/latest/api/token",
                         "headers": { "x-aws-ec2-metadata-token-ttl-seconds": "21600" } },
            "response": response })
}

fn get(path: &str, token: Option<&str>, response: Value) -> Value {
    let request = match token {
        Some(t) => json!({ "method": "GET", "path": path,
                           "headers": { "x-aws-ec2-metadata-token": t } }),
        None => json!({ "method": "GET", "path": path,
                        "absent_headers": ["x-aws-ec2-metadata-token"] }),
    };
    json!({ "request": request, "response": response })
}

fn creds() -> Value {
    json!({ "json": { "Code": "Success", "AccessKeyId": "ASIAEXAMPLE", "SecretAccessKey": "s",
                      "Token": "t", "Expiration": "2099-01-01T00:00:00Z" } })
}

async fn server(exchanges: Vec<Value>) -> FixtureServer {
    let recording: Recording =
        serde_json::from_value(json!({ "docs": "time budget", "exchanges": exchanges }))
            .expect("a valid recording");
    FixtureServer::start(recording).await
}

fn provider(server: &FixtureServer, env: FakeEnv) -> awscred_provider_imds::ImdsProviderBuilder {
    ImdsProvider::builder(&awscred_types::Sources::default().with_env(Arc::new(env)))
        .endpoint_override(server.url())
}

#[tokio::test]
async fn blackhole_ends_after_one_timeout_not_two() {
    let server = server(vec![
        put(json!({ "action": "hang" })),
        get(LIST, None, json!({ "action": "hang" })),
    ])
    .await;
    let p = provider(&server, FakeEnv::new()).build();
    let started = Instant::now();
    let err = p.provide_credentials().await.unwrap_err();
    let elapsed = started.elapsed();
    assert!(err.is_not_loaded(), "{err}");
    // One budget (1 s), not two: a generous upper bound that two timeouts still exceed.
    assert!(elapsed < Duration::from_millis(1900), "took {elapsed:?}");
    assert!(elapsed >= Duration::from_millis(950), "took {elapsed:?}");
    server.verify().unwrap();
}

#[tokio::test]
async fn hop_limit_container_gets_imdsv1_credentials_after_the_hedge_delay() {
    let server = server(vec![
        put(json!({ "action": "hang" })),
        get(LIST, None, json!({ "body": "role" })),
        get(&format!("{LIST}role"), None, creds()),
    ])
    .await;
    // Timeout 2 s: the hedge starts IMDSv1 at 0.8 s, and it must win before the token
    // request's timeout (a generous margin for a loaded machine).
    let p = provider(&server, FakeEnv::new())
        .timeout(Duration::from_secs(2))
        .build();
    let started = Instant::now();
    let c = p.provide_credentials().await.unwrap();
    let elapsed = started.elapsed();
    assert_eq!(c.access_key_id(), "ASIAEXAMPLE");
    assert!(elapsed >= Duration::from_millis(790), "took {elapsed:?}");
    assert!(elapsed < Duration::from_millis(1900), "took {elapsed:?}");
    assert!(!p.has_cached_token());
    server.verify().unwrap();
}

#[tokio::test]
async fn a_late_token_wins_when_imdsv1_is_refused() {
    // An IMDSv2-only instance whose token answer is slow: IMDSv1 is tried at 0.4 s and refused
    // (401); the token arrives at 0.6 s and IMDSv2 proceeds.
    let server = server(vec![
        put(json!({ "body": TOKEN, "delay_ms": 600 })),
        get(LIST, None, json!({ "status": 401 })),
        get(LIST, Some(TOKEN), json!({ "body": "role" })),
        get(&format!("{LIST}role"), Some(TOKEN), creds()),
    ])
    .await;
    let p = provider(&server, FakeEnv::new()).build();
    // The order is the proof: IMDSv1's 401, then the token's requests (verify), no timing.
    let c = p.provide_credentials().await.unwrap();
    assert_eq!(c.access_key_id(), "ASIAEXAMPLE");
    assert!(p.has_cached_token());
    server.verify().unwrap();
}

#[tokio::test]
async fn a_late_token_races_a_slow_imdsv1_request() {
    // Timeout 2 s: IMDSv1 starts at 0.8 s and would be answered at 1.6 s; the token arrives at
    // 1 s and IMDSv2 finishes first.
    let server = server(vec![
        put(json!({ "body": TOKEN, "delay_ms": 1000 })),
        get(LIST, None, json!({ "body": "role", "delay_ms": 800 })),
        get(LIST, Some(TOKEN), json!({ "body": "role" })),
        get(&format!("{LIST}role"), Some(TOKEN), creds()),
    ])
    .await;
    let p = provider(&server, FakeEnv::new())
        .timeout(Duration::from_secs(2))
        .build();
    // IMDSv2 finishing first is shown by the requests: the role's credentials are fetched with
    // the token, and never without it (verify), so no timing.
    let c = p.provide_credentials().await.unwrap();
    assert_eq!(c.access_key_id(), "ASIAEXAMPLE");
    server.verify().unwrap();
}

#[tokio::test]
async fn the_budget_is_timeout_times_attempts() {
    // 0.25 s × 4: the token request times out at 0.25 s (a read timeout means "no token" at
    // once), and the IMDSv1 request, started at 0.1 s, is tried four times until 1 s.
    let server = server(vec![
        put(json!({ "action": "hang" })),
        get(LIST, None, json!({ "action": "hang" })),
        get(LIST, None, json!({ "action": "hang" })),
        get(LIST, None, json!({ "action": "hang" })),
        get(LIST, None, json!({ "action": "hang" })),
    ])
    .await;
    let env = FakeEnv::new()
        .with("AWS_METADATA_SERVICE_TIMEOUT", "0.25")
        .with("AWS_METADATA_SERVICE_NUM_ATTEMPTS", "4");
    let p = provider(&server, env).build();
    let started = Instant::now();
    let err = p.provide_credentials().await.unwrap_err();
    let elapsed = started.elapsed();
    assert!(err.is_not_loaded(), "{err}");
    assert!(elapsed >= Duration::from_millis(950), "took {elapsed:?}");
    assert!(elapsed < Duration::from_millis(1900), "took {elapsed:?}");
    server.verify().unwrap();
}

#[tokio::test]
async fn disabled_sends_nothing_and_returns_at_once() {
    let server = server(vec![]).await;
    let env = FakeEnv::new().with("AWS_EC2_METADATA_DISABLED", "true");
    let p = provider(&server, env).build();
    // "At once" is shown by what was sent: nothing (no timing).
    let err = p.provide_credentials().await.unwrap_err();
    assert!(err.is_not_loaded());
    assert!(server.seen().is_empty());
    server.verify().unwrap();
}
