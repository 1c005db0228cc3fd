//! Two conformance suites for the container provider.
//!
//! - `ecs`: the shared cross-SDK vectors `fixtures/ecs/upstream/ecs-tests.json` (URI resolution
//!   only), replayed through `resolve_uri`.
//! - `provider-container`: every `fixtures/provider-container/<case>/` folder, a `case.json`
//!   (environment, token files, provider settings, and for each call what must come out) and an
//!   `http.json` that the loopback `FixtureServer` replays. `{server}` (`http://127.0.0.1:PORT`)
//!   and `{port}` in `case.json` strings are replaced by the server's. After the calls the server
//!   must have seen exactly the recorded requests (headers included), and nothing else. Every
//!   error is checked, in `Display` and `Debug`, not to contain `hunter2` (the fixtures' secret
//!   marker: tokens, keys) or any `must_not_contain` string.
#![allow(
    clippy::disallowed_methods,
    reason = "the suites read their fixture files"
)]

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use awscred_http::HttpClientBuilder;
use awscred_provider_container::{ContainerProvider, resolve_uri};
use awscred_test::conformance::{self, Checker, Expect};
use awscred_test::fixture_server::FixtureServer;
use awscred_test::{FakeEnv, MemFs, Outcome, Suite, fixtures_dir};
use awscred_types::ProvideCredentials;
use serde::Deserialize;

// ===== ecs =====

#[derive(Debug, Deserialize)]
struct EcsVectors {
    tests: Vec<EcsVector>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EcsVector {
    docs: String,
    env: BTreeMap<String, String>,
    result: EcsResult,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
enum EcsResult {
    Ok(String),
    ErrorContains(String),
}

fn run_ecs_vector(vector: &EcsVector) -> Result<(), String> {
    let env: FakeEnv = vector.env.iter().collect();
    match (&vector.result, resolve_uri(&env)) {
        (EcsResult::Ok(want), Ok(got)) if got.to_string() == *want => Ok(()),
        (EcsResult::Ok(want), Ok(got)) => Err(format!("expected {want}, got {got}")),
        (EcsResult::Ok(want), Err(e)) => Err(format!("expected {want}, got error: {e}")),
        (EcsResult::ErrorContains(want), Err(e)) if e.to_string().contains(want.as_str()) => Ok(()),
        (EcsResult::ErrorContains(want), Err(e)) => {
            Err(format!("error {e:?} does not contain {want:?}"))
        }
        (EcsResult::ErrorContains(want), Ok(got)) => {
            Err(format!("expected an error containing {want:?}, got {got}"))
        }
    }
}

#[test]
fn ecs_conformance() {
    let path = fixtures_dir().join("ecs/upstream/ecs-tests.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    let vectors: EcsVectors =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut suite = Suite::new("ecs", 11);
    for vector in &vectors.tests {
        suite.case(&vector.docs, || Outcome::from(run_ecs_vector(vector)));
    }
    suite.finish();
}

// ===== provider-container =====

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ContainerCase {
    #[serde(default)]
    files: BTreeMap<String, String>,
    /// Attempts per call (default 3, botocore's).
    #[serde(default)]
    attempts: Option<u32>,
    /// The pause between attempts (default 20 ms here; botocore's 1 s would only slow tests).
    #[serde(default)]
    retry_delay_ms: Option<u64>,
    /// The client's read timeout (default 1000 ms here).
    #[serde(default)]
    read_timeout_ms: Option<u64>,
    calls: Vec<Call>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Call {
    /// Files written (replaced) before this call.
    #[serde(default)]
    files: BTreeMap<String, String>,
    expect: Expect,
    /// The call must take at least this many milliseconds (the pauses between attempts).
    #[serde(default)]
    min_ms: Option<u64>,
    /// The call must return within this many milliseconds: only where a timeout must fire,
    /// with a generous margin (a loaded machine is slow, never fast).
    #[serde(default)]
    max_ms: Option<u64>,
}

fn run_case(dir: &Path, rt: &tokio::runtime::Runtime) -> Result<(), String> {
    let case = conformance::load::<ContainerCase>(dir)?;
    let setup = &case.suite;
    rt.block_on(async {
        let server = FixtureServer::from_dir(dir).await?;
        let fill = |s: &str| {
            s.replace("{server}", &server.url())
                .replace("{port}", &server.addr().port().to_string())
        };
        let fs = MemFs::new();
        for (path, contents) in &setup.files {
            fs.insert(path, contents.as_str());
        }
        let http = HttpClientBuilder::container()
            .connect_timeout(Duration::from_secs(1))
            .read_timeout(Duration::from_millis(setup.read_timeout_ms.unwrap_or(1000)))
            .build()
            .map_err(|e| e.to_string())?;
        let mut builder = ContainerProvider::builder(
            &awscred_types::Sources::default()
                .with_env(Arc::new(case.fake_env(fill)))
                .with_fs(Arc::new(fs.clone())),
        )
        .http(http)
        .retry_delay(Duration::from_millis(setup.retry_delay_ms.unwrap_or(20)));
        if let Some(attempts) = setup.attempts {
            builder = builder.attempts(attempts);
        }
        let provider = builder.build();
        let checker = Checker::new(&case, "container-role").fill(fill);
        for (i, call) in conformance::non_empty(&setup.calls)?.iter().enumerate() {
            for (path, contents) in &call.files {
                fs.insert(path, contents.as_str());
            }
            let start = Instant::now();
            let result = provider.provide_credentials().await;
            let took = start.elapsed();
            let call_no = i + 1;
            checker
                .check(&call.expect, result)
                .map_err(|e| format!("call {call_no}: {e}"))?;
            if let Some(min) = call.min_ms
                && took < Duration::from_millis(min)
            {
                return Err(format!("call {call_no} took {took:?}, less than {min} ms"));
            }
            if let Some(max) = call.max_ms
                && took > Duration::from_millis(max)
            {
                return Err(format!("call {call_no} took {took:?}, more than {max} ms"));
            }
        }
        server
            .verify()
            .map_err(|e| format!("fixture server: {e} (seen: {:?})", server.seen()))
    })
}

#[test]
fn provider_container_conformance() {
    let rt = awscred_test::runtime();
    conformance::run_folders("provider-container", 23, |dir| {
        Outcome::from(run_case(dir, &rt))
    });
}
