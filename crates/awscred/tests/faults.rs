//! Fault injection for every remote provider (STS through an assume-role hop, the container
//! endpoint, IMDS, the SSO portal): connection refused, reset mid-body, an endpoint that accepts
//! and never answers, a slow drip, 500 / 503 / 429, truncated bodies, a wrong content type, and
//! a 200 carrying an error. Each must end within its deadline with an error (naming the endpoint
//! when it is not "nothing here"), and nothing may panic.

use std::sync::Arc;
use std::time::{Duration, Instant};

use awscred::ProvideCredentials;
use awscred::file_cache::SsoTokenCache;
use awscred::providers::assume_role::{AssumeRoleProvider, plan};
use awscred::providers::container::ContainerProvider;
use awscred::providers::imds::ImdsProvider;
use awscred::providers::sso::{SsoProvider, SsoSettings};
use awscred_http::{HttpClient, RetryConfig};
use awscred_profile::{ProfileSet, Source};
use awscred_test::fixture_server::{FixtureServer, Recording};
use awscred_types::{Credentials, CredentialsError, FakeEnv, MemFs};

const TIMEOUT: Duration = Duration::from_millis(500);
const DEADLINE: Duration = Duration::from_secs(3);

#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Sts,
    Container,
    Imds,
    Sso,
}

fn success(kind: Kind) -> String {
    match kind {
        Kind::Sts => "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIA</AccessKeyId>\
            <SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken>\
            <Expiration>2035-01-01T00:00:00Z</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>"
            .into(),
        Kind::Container => "{\"AccessKeyId\":\"ASIA\",\"SecretAccessKey\":\"s\",\"Token\":\"t\",\"Expiration\":\"2035-01-01T00:00:00Z\"}".into(),
        Kind::Imds => "{\"Code\":\"Success\",\"AccessKeyId\":\"ASIA\",\"SecretAccessKey\":\"s\",\"Token\":\"t\",\"Expiration\":\"2035-01-01T00:00:00Z\"}".into(),
        Kind::Sso => "{\"roleCredentials\":{\"accessKeyId\":\"ASIA\",\"secretAccessKey\":\"s\",\"sessionToken\":\"t\",\"expiration\":2051222400000}}".into(),
    }
}

fn error_in_200(kind: Kind) -> String {
    match kind {
        Kind::Sts => "<ErrorResponse><Error><Code>InternalFailure</Code><Message>oops</Message></Error></ErrorResponse>".into(),
        Kind::Container => "{\"code\":\"InternalError\",\"message\":\"oops\"}".into(),
        Kind::Imds => "{\"Code\":\"InternalError\",\"Message\":\"oops\"}".into(),
        Kind::Sso => "{\"message\":\"oops\",\"__type\":\"InternalFailure\"}".into(),
    }
}

/// The requests before the one that fails, and the one that fails.
fn requests(kind: Kind) -> (Vec<serde_json::Value>, serde_json::Value) {
    match kind {
        Kind::Sts => (vec![], serde_json::json!({"method": "POST", "path": "/"})),
        Kind::Container => (
            vec![],
            serde_json::json!({"method": "GET", "path": "/creds"}),
        ),
        Kind::Imds => (
            vec![
                serde_json::json!({"request": {"method": "PUT", "path": "/latest/api/token"},
                                   "response": {"status": 200, "body": "TOKEN"}}),
                serde_json::json!({"request": {"method": "GET", "path": "/latest/meta-data/iam/security-credentials/"},
                                   "response": {"status": 200, "body": "role"}}),
            ],
            serde_json::json!({"method": "GET", "path": "/latest/meta-data/iam/security-credentials/role"}),
        ),
        Kind::Sso => (
            vec![],
            serde_json::json!({"method": "GET", "path": "/federation/credentials?account_id=123456789012&role_name=R"}),
        ),
    }
}

fn faults(kind: Kind) -> Vec<(&'static str, serde_json::Value)> {
    let body = success(kind);
    let half = body[..body.len() / 2].to_owned();
    vec![
        (
            "reset mid-body",
            serde_json::json!({"action": "reset", "status": 200, "body": body}),
        ),
        (
            "accepts and never answers",
            serde_json::json!({"action": "hang"}),
        ),
        (
            "slow drip",
            serde_json::json!({"action": "drip", "status": 200, "body": body, "chunk_delay_ms": 400}),
        ),
        ("500", serde_json::json!({"status": 500, "body": "{}"})),
        ("503", serde_json::json!({"status": 503, "body": "{}"})),
        ("429", serde_json::json!({"status": 429, "body": "{}"})),
        (
            "truncated body",
            serde_json::json!({"status": 200, "body": half}),
        ),
        (
            "wrong content type",
            serde_json::json!({"status": 200, "headers": {"content-type": "text/html"}, "body": "<html><body>captive portal</body></html>"}),
        ),
        (
            "200 with an error body",
            serde_json::json!({"status": 200, "body": error_in_200(kind)}),
        ),
        ("dropped connection", serde_json::json!({"action": "drop"})),
    ]
}

fn http() -> HttpClient {
    HttpClient::builder()
        .connect_timeout(TIMEOUT)
        .read_timeout(TIMEOUT)
        .total_timeout(TIMEOUT)
        .build()
        .unwrap()
}

fn provider(kind: Kind, url: &str) -> Arc<dyn ProvideCredentials> {
    match kind {
        Kind::Sts => {
            let set = ProfileSet::parse(
                Some(Source::new(
                    "/config",
                    "[profile r]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = b\n\
                     [profile b]\naws_access_key_id = AKID\naws_secret_access_key = s\n",
                )),
                None,
            )
            .unwrap();
            let sts = awscred_sts::StsClient::builder()
                .endpoint(awscred_sts::Endpoint::new(url, "eu-west-1"))
                .http(http())
                .retry(RetryConfig::disabled())
                .build()
                .unwrap();
            Arc::new(
                AssumeRoleProvider::builder(plan(&set, "r").unwrap())
                    .sts(sts)
                    .build()
                    .unwrap(),
            )
        }
        Kind::Container => Arc::new(
            ContainerProvider::builder(&awscred_types::Sources::default().with_env(Arc::new(
                FakeEnv::new().with("AWS_CONTAINER_CREDENTIALS_FULL_URI", format!("{url}/creds")),
            )))
            .http(http())
            .attempts(1)
            .build(),
        ),
        Kind::Imds => Arc::new(
            ImdsProvider::builder(
                &awscred_types::Sources::default().with_env(Arc::new(FakeEnv::new())),
            )
            .endpoint_override(url)
            .timeout(TIMEOUT)
            .attempts(1)
            .build(),
        ),
        Kind::Sso => {
            let fs = Arc::new(MemFs::new());
            let settings = SsoSettings {
                profile: "p".into(),
                start_url: "https://d.awsapps.com/start".into(),
                region: "eu-west-1".into(),
                account_id: "123456789012".into(),
                role_name: "R".into(),
                session_name: None,
            };
            let tokens = SsoTokenCache::new("/t", fs.clone());
            fs.insert(
                tokens.path(settings.token_name()),
                "{\"accessToken\":\"A\",\"expiresAt\":\"2099-01-01T00:00:00Z\"}",
            );
            Arc::new(
                SsoProvider::builder(settings)
                    .token_cache(Some(tokens))
                    .portal_endpoint(url)
                    .http(http())
                    .retry(RetryConfig::disabled())
                    .build()
                    .unwrap(),
            )
        }
    }
}

async fn attempt(kind: Kind, url: &str) -> (Result<Credentials, CredentialsError>, Duration) {
    let p = provider(kind, url);
    let started = Instant::now();
    let result = p.provide_credentials().await;
    (result, started.elapsed())
}

#[tokio::test(flavor = "multi_thread")]
async fn every_remote_provider_survives_every_fault() {
    let mut tried = 0;
    let mut failures = Vec::new();
    for kind in [Kind::Sts, Kind::Container, Kind::Imds, Kind::Sso] {
        // The control case: the same setup answers when nothing goes wrong.
        let (before, request) = requests(kind);
        let mut exchanges = before.clone();
        exchanges.push(serde_json::json!({"request": request, "response": {"status": 200, "body": success(kind)}}));
        let rec: Recording =
            serde_json::from_value(serde_json::json!({ "exchanges": exchanges })).unwrap();
        let server = FixtureServer::start(rec).await;
        let (ok, _) = attempt(kind, &server.url()).await;
        assert!(ok.is_ok(), "{kind:?} control case: {ok:?}");

        // Connection refused: a port nobody listens on.
        let dead = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            format!("http://{}", l.local_addr().unwrap())
        };
        let mut cases: Vec<(String, String, Option<FixtureServer>)> =
            vec![("connection refused".into(), dead.clone(), None)];
        for (name, response) in faults(kind) {
            let mut exchanges = before.clone();
            exchanges.push(serde_json::json!({"request": request, "response": response}));
            let rec: Recording =
                serde_json::from_value(serde_json::json!({ "exchanges": exchanges })).unwrap();
            let server = FixtureServer::start(rec).await;
            cases.push((name.into(), server.url(), Some(server)));
        }
        for (name, url, _server) in cases {
            tried += 1;
            let (result, took) = attempt(kind, &url).await;
            let what = format!("{kind:?} / {name}");
            match result {
                Ok(c) => failures.push(format!("{what}: answered {}", c.access_key_id())),
                Err(e) => {
                    if took > DEADLINE {
                        failures.push(format!("{what}: took {took:?}"));
                    }
                    let text = e.to_string();
                    if !e.is_not_loaded() && !text.contains("127.0.0.1") {
                        failures.push(format!("{what}: error does not name the endpoint: {text}"));
                    }
                    if text.contains("ASIA") || text.contains("\"s\"") {
                        failures.push(format!("{what}: error carries the body: {text}"));
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {tried} faults mishandled:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(tried, 44);
}

/// The same faults during a refresh, behind the paved stack (`Cache<StaticStability<_>>`):
/// credentials that are still valid keep being served.
#[tokio::test(flavor = "multi_thread")]
async fn still_valid_credentials_are_served_through_every_fault() {
    use awscred::{CacheLayer, StaticStability};
    use awscred_types::ManualClock;
    use tower_layer::Layer as _;
    // 2035-01-01T00:00:00Z, the expiry of every canned answer, minus five minutes: inside the
    // mandatory refresh window, still valid.
    let expiry = std::time::UNIX_EPOCH + Duration::from_secs(2_051_222_400);
    let mut tried = 0;
    let mut failures = Vec::new();
    for kind in [Kind::Sts, Kind::Container, Kind::Imds, Kind::Sso] {
        for (name, response) in faults(kind) {
            let (before, request) = requests(kind);
            let mut exchanges = before.clone();
            exchanges.push(serde_json::json!({"request": request, "response": {"status": 200, "body": success(kind)}}));
            // IMDS keeps its session token, so the second round skips the PUT.
            let again: Vec<_> = if kind == Kind::Imds {
                before[1..].to_vec()
            } else {
                before.clone()
            };
            exchanges.extend(again);
            exchanges.push(serde_json::json!({"request": request, "response": response}));
            let rec: Recording =
                serde_json::from_value(serde_json::json!({ "exchanges": exchanges })).unwrap();
            let server = FixtureServer::start(rec).await;
            let clock = Arc::new(ManualClock::new(expiry - Duration::from_secs(3600)));
            let inner = provider(kind, &server.url());
            let stack = CacheLayer::new()
                .clock(clock.clone())
                .layer(StaticStability::new(inner, clock.clone()));
            tried += 1;
            let first = stack.provide_credentials().await;
            let Ok(first) = first else {
                failures.push(format!("{kind:?} / {name}: first call failed: {first:?}"));
                continue;
            };
            clock.set(expiry - Duration::from_secs(300));
            match stack.provide_credentials().await {
                Ok(c) if c.access_key_id() == first.access_key_id() => {}
                other => failures.push(format!("{kind:?} / {name}: {other:?}")),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {tried} not served:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
