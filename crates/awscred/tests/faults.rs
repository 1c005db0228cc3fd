//! Fault injection for every remote provider (STS through an assume-role hop, the container
//! endpoint, IMDS, the SSO portal): connection refused, reset mid-body, an endpoint that accepts
//! and never answers, a slow drip, 500 / 503 / 429, truncated bodies, a wrong content type, and
//! a 200 carrying an error. Each must end with the error that fault calls for (its kind and
//! words, naming the endpoint when it is not "nothing here"), within a generous deadline (the
//! timeouts are 0.5 s; the peers hang for far longer), every fixture server must have seen
//! exactly its requests, and nothing may panic.

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
use awscred_types::{Credentials, CredentialsError, FakeEnv, MemFs, SharedClock};

const TIMEOUT: Duration = Duration::from_millis(500);
/// A loaded machine is slow; a hung call is forever. Only a timeout that never fires fails this.
const DEADLINE: Duration = Duration::from_secs(10);

#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Sts,
    Container,
    Imds,
    Sso,
}

/// A successful answer carrying access key `key` (each answer of a test has its own, so the
/// credentials served show which answer they came from).
fn success(kind: Kind, key: &str) -> String {
    match kind {
        Kind::Sts => format!(
            "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>{key}</AccessKeyId>\
            <SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken>\
            <Expiration>2035-01-01T00:00:00Z</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>"
        ),
        Kind::Container => format!(
            "{{\"AccessKeyId\":\"{key}\",\"SecretAccessKey\":\"s\",\"Token\":\"t\",\"Expiration\":\"2035-01-01T00:00:00Z\"}}"
        ),
        Kind::Imds => format!(
            "{{\"Code\":\"Success\",\"AccessKeyId\":\"{key}\",\"SecretAccessKey\":\"s\",\"Token\":\"t\",\"Expiration\":\"2035-01-01T00:00:00Z\"}}"
        ),
        Kind::Sso => format!(
            "{{\"roleCredentials\":{{\"accessKeyId\":\"{key}\",\"secretAccessKey\":\"s\",\"sessionToken\":\"t\",\"expiration\":2051222400000}}}}"
        ),
    }
}

/// The key of an answer that must never be served (the faulty one).
const FAULTY_KEY: &str = "ASIAFAULTY";

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
    let body = success(kind, FAULTY_KEY);
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

/// The exchanges of one fault: IMDS tries a 5xx or 429 answer three times (inside its budget),
/// the others once.
fn faulty(
    kind: Kind,
    request: &serde_json::Value,
    response: serde_json::Value,
) -> Vec<serde_json::Value> {
    let status = response["status"].as_u64().unwrap_or(200);
    let times = if kind == Kind::Imds && (status == 429 || status >= 500) {
        3
    } else {
        1
    };
    vec![serde_json::json!({"request": request, "response": response}); times]
}

fn http() -> HttpClient {
    HttpClient::builder()
        .connect_timeout(TIMEOUT)
        .read_timeout(TIMEOUT)
        .total_timeout(TIMEOUT)
        .build()
        .unwrap()
}

/// `clock`: the clock of the stack around it (the assume-role provider keeps its session in
/// memory and refreshes it by this clock).
fn provider(kind: Kind, url: &str, clock: Option<SharedClock>) -> Arc<dyn ProvideCredentials> {
    let sources = awscred_types::Sources::default().with_env(Arc::new(FakeEnv::new()));
    match kind {
        Kind::Sts => {
            let sources = match clock {
                Some(clock) => sources.with_clock(clock),
                None => sources,
            };
            let set = ProfileSet::parse(
                Some(Source::new(
                    "/config",
                    "[profile r]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = b\n\
                     [profile b]\naws_access_key_id = AKID\naws_secret_access_key = s\n",
                )),
                None,
            )
            .unwrap();
            let sts = awscred_sts::StsClient::builder(&sources)
                .endpoint(awscred_sts::Endpoint::new(url, "eu-west-1"))
                .http(http())
                .retry(RetryConfig::disabled())
                .build()
                .unwrap();
            let builder = AssumeRoleProvider::builder(&sources, plan(&set, "r").unwrap()).sts(sts);
            Arc::new(builder.build().unwrap())
        }
        Kind::Container => Arc::new(
            ContainerProvider::builder(&sources.with_env(Arc::new(
                FakeEnv::new().with("AWS_CONTAINER_CREDENTIALS_FULL_URI", format!("{url}/creds")),
            )))
            .http(http())
            .attempts(1)
            .build(),
        ),
        Kind::Imds => Arc::new(
            ImdsProvider::builder(&sources)
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
                SsoProvider::builder(&sources, settings)
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
    let p = provider(kind, url, None);
    let started = Instant::now();
    let result = p.provide_credentials().await;
    (result, started.elapsed())
}

/// What each fault must end in: the error's kind and words from its message (one of them).
/// IMDS reports "no answer" faults as `NotLoaded` (botocore moves the chain on), and STS and SSO
/// have no more to say about a timeout than which call timed out.
fn expected(kind: Kind, fault: &str) -> (&'static str, &'static [&'static str]) {
    use Kind::*;
    let timed_out: &[&str] = match kind {
        Sts => &["calling STS AssumeRole failed"],
        Sso => &["calling the SSO portal GetRoleCredentials failed"],
        Container | Imds => &[],
    };
    let no_answer = if kind == Imds {
        "NotLoaded"
    } else {
        "ProviderError"
    };
    match (fault, kind) {
        ("connection refused", _) => (no_answer, &["onnection refused"]),
        ("reset mid-body", _) => (no_answer, &["end of file before message length reached"]),
        ("accepts and never answers" | "slow drip", Imds) => ("NotLoaded", &["time budget"]),
        ("accepts and never answers", Container) => {
            ("TimedOut", &["timed out waiting for the response headers"])
        }
        ("slow drip", Container) => ("TimedOut", &["timed out reading the response body"]),
        ("accepts and never answers" | "slow drip", _) => ("TimedOut", timed_out),
        ("500", _) => ("ProviderError", &["answered HTTP 500"]),
        ("503", _) => ("ProviderError", &["answered HTTP 503"]),
        ("429", _) => ("ProviderError", &["answered HTTP 429"]),
        ("truncated body", Sts) => ("ProviderError", &["malformed XML"]),
        ("truncated body", Sso) => ("ProviderError", &["EOF while parsing"]),
        ("truncated body" | "wrong content type", Container | Imds) => {
            ("ProviderError", &["not JSON"])
        }
        ("wrong content type" | "200 with an error body", Sts) => {
            ("ProviderError", &["response has no Credentials/Expiration"])
        }
        ("wrong content type", Sso) => ("ProviderError", &["unreadable GetRoleCredentials"]),
        ("200 with an error body", Container) => ("ProviderError", &["AccessKeyId is missing"]),
        ("200 with an error body", Imds) => ("ProviderError", &["InternalError: oops"]),
        ("200 with an error body", Sso) => ("ProviderError", &["missing field `roleCredentials`"]),
        ("dropped connection", _) => (no_answer, &["connection closed before message completed"]),
        _ => ("a fault this table lists", &[]),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_remote_provider_survives_every_fault() {
    let mut tried = 0;
    let mut failures = Vec::new();
    for kind in [Kind::Sts, Kind::Container, Kind::Imds, Kind::Sso] {
        // The control case: the same setup answers when nothing goes wrong.
        let (before, request) = requests(kind);
        let mut exchanges = before.clone();
        exchanges.push(serde_json::json!({"request": request, "response": {"status": 200, "body": success(kind, "ASIACONTROL")}}));
        let rec: Recording =
            serde_json::from_value(serde_json::json!({ "exchanges": exchanges })).unwrap();
        let server = FixtureServer::start(rec).await;
        let (ok, _) = attempt(kind, &server.url()).await;
        assert_eq!(
            ok.as_ref().map(Credentials::access_key_id).ok(),
            Some("ASIACONTROL"),
            "{kind:?} control case: {ok:?}"
        );
        server.verify().unwrap();

        // Connection refused: a port nobody listens on.
        let dead = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            format!("http://{}", l.local_addr().unwrap())
        };
        let mut cases: Vec<(String, String, Option<FixtureServer>)> =
            vec![("connection refused".into(), dead.clone(), None)];
        for (name, response) in faults(kind) {
            let mut exchanges = before.clone();
            exchanges.extend(faulty(kind, &request, response));
            let rec: Recording =
                serde_json::from_value(serde_json::json!({ "exchanges": exchanges })).unwrap();
            let server = FixtureServer::start(rec).await;
            cases.push((name.into(), server.url(), Some(server)));
        }
        for (name, url, server) in cases {
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
                    let got = e.kind_name();
                    let (want, words) = expected(kind, &name);
                    if got != want || !words.iter().any(|w| text.contains(w)) {
                        failures.push(format!(
                            "{what}: expected {want} with one of {words:?}, got {got}: {text}"
                        ));
                    }
                    if !e.is_not_loaded() && !text.contains("127.0.0.1") {
                        failures.push(format!("{what}: error does not name the endpoint: {text}"));
                    }
                    if text.contains(FAULTY_KEY) || text.contains("\"s\"") {
                        failures.push(format!("{what}: error carries the body: {text}"));
                    }
                }
            }
            if let Some(server) = server
                && let Err(e) = server.verify()
            {
                failures.push(format!("{what}: fixture server: {e}"));
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
/// credentials that are still valid keep being served. Each answer has its own key: the first
/// `ASIAOLD`, the faulty one `ASIAFAULTY` (where it carries credentials at all); the refresh
/// request must arrive (and meet the fault: `verify`), and the old credentials be served.
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
            exchanges.push(serde_json::json!({"request": request, "response": {"status": 200, "body": success(kind, "ASIAOLD")}}));
            // IMDS keeps its session token, so the second round skips the PUT.
            let again: Vec<_> = if kind == Kind::Imds {
                before[1..].to_vec()
            } else {
                before.clone()
            };
            exchanges.extend(again);
            exchanges.extend(faulty(kind, &request, response));
            let rec: Recording =
                serde_json::from_value(serde_json::json!({ "exchanges": exchanges })).unwrap();
            let server = FixtureServer::start(rec).await;
            let clock = Arc::new(ManualClock::new(expiry - Duration::from_secs(3600)));
            let inner = provider(kind, &server.url(), Some(clock.clone()));
            let stack = CacheLayer::new()
                .clock(clock.clone())
                .layer(StaticStability::new(inner, clock.clone()));
            tried += 1;
            let what = format!("{kind:?} / {name}");
            match stack.provide_credentials().await {
                Ok(c) if c.access_key_id() == "ASIAOLD" => {}
                other => {
                    failures.push(format!("{what}: first call: {other:?}"));
                    continue;
                }
            }
            clock.set(expiry - Duration::from_secs(300));
            match stack.provide_credentials().await {
                Ok(c) if c.access_key_id() == "ASIAOLD" => {}
                other => failures.push(format!("{what}: second call: {other:?}")),
            }
            // The refresh was asked for and met the fault (a cache that never refreshed would
            // leave the last exchange unseen).
            if let Err(e) = server.verify() {
                failures.push(format!("{what}: fixture server: {e}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {tried} not served:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(tried, 40);
}
