//! The `provider-login` suite: the 8 cross-SDK console sign-in vectors
//! (`fixtures/provider-login/upstream/login-provider-test-cases.json`, smithy-rs), replayed as
//! aws-config runs them, with the loopback fixture server as AWS Sign-In checking every DPoP
//! proof (see the fixtures' README).

use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use awscred_profile::{ProfileSet, Source};
use awscred_provider_login::{LoginProvider, LoginSettings};
use awscred_test::fixture_server::{FixtureServer, Recording};
use awscred_test::{FakeEnv, ManualClock, MemFs, Outcome, Suite, read_fixture};
use awscred_types::{ProvideCredentials, Sources};
use serde_json::{Value, json};

const NOW: u64 = 1_763_510_400;
const CACHE: &str = "/home/user/.aws/login/cache";

async fn run(case: &Value) -> Result<(), String> {
    let config = case["configContents"].as_str().ok_or("no configContents")?;
    let fs = MemFs::new().with_file("/home/user/.aws/config", config);
    for (name, token) in case["cacheContents"]
        .as_object()
        .ok_or("no cacheContents")?
    {
        fs.insert(format!("{CACHE}/{name}"), token.to_string());
    }
    let exchanges: Vec<Value> = case["mockApiCalls"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|call| {
            let input = &call["request"]["tokenInput"];
            let body_contains: Vec<String> = input
                .as_object()
                .into_iter()
                .flatten()
                .map(|(k, v)| format!("{}:{v}", json!(k)))
                .collect();
            let response = match call.get("response") {
                Some(r) => json!({"status": 200, "json": r["tokenOutput"]}),
                None => json!({"status": call["responseCode"].as_u64().unwrap_or(500)}),
            };
            json!({"request": {"method": "POST", "path": "/v1/token",
                               "headers": {"content-type": "application/json"},
                               "body_contains": body_contains,
                               "dpop": {"now": NOW}},
                   "response": response})
        })
        .collect();
    let recording: Recording = serde_json::from_value(json!({ "exchanges": exchanges }))
        .map_err(|e| format!("mockApiCalls: {e}"))?;
    let server = FixtureServer::start(recording).await;
    let env = FakeEnv::new()
        .with("HOME", "/home/user")
        .with("AWS_ENDPOINT_URL_SIGNIN", server.url());
    let profiles = ProfileSet::parse(Some(Source::new("/home/user/.aws/config", config)), None)
        .map_err(|e| e.to_string())?;
    let settings = LoginSettings::resolve(&env, &profiles, "signin").ok_or("no login_session")?;
    let fs = Arc::new(fs);
    let sources = Sources::default()
        .with_env(Arc::new(env))
        .with_fs(fs.clone())
        .with_clock(Arc::new(ManualClock::new(
            UNIX_EPOCH + Duration::from_secs(NOW),
        )));
    let provider = LoginProvider::builder(&sources, settings)
        .build()
        .map_err(|e| e.to_string())?;
    let result = provider.provide_credentials().await;
    for outcome in case["outcomes"].as_array().ok_or("no outcomes")? {
        match outcome["result"].as_str() {
            Some("credentials") => {
                let c = result
                    .as_ref()
                    .map_err(|e| format!("expected credentials: {e}"))?;
                let want = |k: &str| outcome[k].as_str().unwrap_or_default().to_owned();
                let expiry = awscred_file_cache::parse_timestamp(&want("expiresAt"));
                let got = (
                    c.access_key_id().to_owned(),
                    c.secret_access_key().to_owned(),
                    c.session_token().map(str::to_owned),
                    c.account_id().map(str::to_owned),
                    c.expiry(),
                    c.provider_name(),
                );
                let expected = (
                    want("accessKeyId"),
                    want("secretAccessKey"),
                    Some(want("sessionToken")),
                    Some(want("accountId")),
                    expiry,
                    "login",
                );
                if got != expected {
                    return Err(format!("credentials {got:?}, expected {expected:?}"));
                }
            }
            Some("cacheContents") => {
                for (name, want) in outcome.as_object().into_iter().flatten() {
                    if name == "result" {
                        continue;
                    }
                    let path = format!("{CACHE}/{name}");
                    let bytes = fs.get(&path).ok_or_else(|| format!("no file {path}"))?;
                    let got: Value = serde_json::from_slice(&bytes).map_err(|e| e.to_string())?;
                    if &got != want {
                        return Err(format!("{path}: {got}, expected {want}"));
                    }
                }
            }
            Some("error") => {
                let err = match &result {
                    Err(e) => e,
                    Ok(c) => return Err(format!("expected an error, got {c:?}")),
                };
                let shown = format!("{err} {err:?}");
                for secret in ["wJalrXUtnFEMI", "refresh_token", "MHcCAQEE", "eyJraWQi"] {
                    if shown.contains(secret) {
                        return Err(format!("the error shows a secret: {shown}"));
                    }
                }
            }
            other => return Err(format!("unknown outcome {other:?}")),
        }
    }
    server.verify()
}

#[test]
fn provider_login_vectors() {
    let cases: Vec<Value> = serde_json::from_str(&read_fixture(
        "provider-login/upstream/login-provider-test-cases.json",
    ))
    .expect("the vectors parse");
    let mut suite = Suite::new("provider-login", 8);
    for case in &cases {
        let name = case["documentation"].as_str().unwrap_or("?").to_owned();
        suite.case(&name, || {
            Outcome::from(awscred_test::runtime().block_on(run(case)))
        });
    }
    suite.finish();
}
