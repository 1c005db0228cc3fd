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
use std::time::{Duration, Instant, SystemTime};

use awscred_http::HttpClientBuilder;
use awscred_provider_container::{ContainerProvider, resolve_uri};
use awscred_test::fixture_server::FixtureServer;
use awscred_test::{FakeEnv, MemFs, Outcome, Suite, fixtures_dir};
use awscred_types::{Credentials, CredentialsError, ProvideCredentials};
use serde::Deserialize;
use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

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
    let mut suite = Suite::new("ecs");
    for vector in &vectors.tests {
        suite.case(&vector.docs, || Outcome::from(run_ecs_vector(vector)));
    }
    suite.finish();
}

// ===== provider-container =====

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    docs: String,
    env: BTreeMap<String, String>,
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
    #[serde(default)]
    must_not_contain: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Call {
    /// Files written (replaced) before this call.
    #[serde(default)]
    files: BTreeMap<String, String>,
    expect: Expect,
    /// The call must take at least this many milliseconds (pauses between attempts).
    #[serde(default)]
    min_ms: Option<u64>,
    /// The call must return within this many milliseconds.
    #[serde(default)]
    max_ms: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
enum Expect {
    Credentials(Map<String, Value>),
    Error(ExpectedError),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectedError {
    kind: String,
    message_contains: Vec<String>,
    #[serde(default)]
    fields: BTreeMap<String, String>,
}

fn run_case(dir: &Path, rt: &tokio::runtime::Runtime) -> Result<(), String> {
    let text = std::fs::read_to_string(dir.join("case.json")).map_err(|e| e.to_string())?;
    let case: Case = serde_json::from_str(&text).map_err(|e| format!("case.json: {e}"))?;
    if case.docs.trim().is_empty() {
        return Err("case.json has no docs".into());
    }
    rt.block_on(async {
        let server = FixtureServer::from_dir(dir).await?;
        let fill = |s: &str| {
            s.replace("{server}", &server.url())
                .replace("{port}", &server.addr().port().to_string())
        };
        let env: FakeEnv = case.env.iter().map(|(k, v)| (k.clone(), fill(v))).collect();
        let fs = MemFs::new();
        for (path, contents) in &case.files {
            fs.insert(path, contents.as_str());
        }
        let http = HttpClientBuilder::container()
            .connect_timeout(Duration::from_secs(1))
            .read_timeout(Duration::from_millis(case.read_timeout_ms.unwrap_or(1000)))
            .build()
            .map_err(|e| e.to_string())?;
        let mut builder = ContainerProvider::builder(
            &awscred_types::Sources::default()
                .with_env(Arc::new(env))
                .with_fs(Arc::new(fs.clone())),
        )
        .http(http)
        .retry_delay(Duration::from_millis(case.retry_delay_ms.unwrap_or(20)));
        if let Some(attempts) = case.attempts {
            builder = builder.attempts(attempts);
        }
        let provider = builder.build();
        for (i, call) in case.calls.iter().enumerate() {
            for (path, contents) in &call.files {
                fs.insert(path, contents.as_str());
            }
            let start = Instant::now();
            let result = provider.provide_credentials().await;
            let took = start.elapsed();
            let checked = match (&call.expect, result) {
                (Expect::Credentials(want), Ok(got)) => check_credentials(want, &got),
                (Expect::Error(want), Err(got)) => check_error(&case, want, &got, &fill),
                (Expect::Credentials(_), Err(e)) => {
                    Err(format!("expected credentials, got error: {e}"))
                }
                (Expect::Error(_), Ok(c)) => Err(format!("expected an error, got {c:?}")),
            };
            checked.map_err(|e| format!("call {}: {e}", i + 1))?;
            if let Some(min) = call.min_ms
                && took < Duration::from_millis(min)
            {
                return Err(format!("call {} took {took:?}, less than {min} ms", i + 1));
            }
            if let Some(max) = call.max_ms
                && took > Duration::from_millis(max)
            {
                return Err(format!("call {} took {took:?}, more than {max} ms", i + 1));
            }
        }
        server
            .verify()
            .map_err(|e| format!("fixture server: {e} (seen: {:?})", server.seen()))
    })
}

fn check_credentials(want: &Map<String, Value>, got: &Credentials) -> Result<(), String> {
    if got.provider_name() != "container-role" {
        return Err(format!("provider name {:?}", got.provider_name()));
    }
    for (field, value) in want {
        let expected = value.as_str();
        let same = match field.as_str() {
            "access_key_id" => expected == Some(got.access_key_id()),
            "secret_access_key" => expected == Some(got.secret_access_key()),
            "session_token" => expected == got.session_token(),
            "account_id" => expected == got.account_id(),
            "expiry" => {
                let want = expected
                    .map(|t| OffsetDateTime::parse(t, &Rfc3339).map(SystemTime::from))
                    .transpose()
                    .map_err(|e| format!("expected expiry in case.json: {e}"))?;
                want == got.expiry()
            }
            other => return Err(format!("unknown credentials field {other:?} in case.json")),
        };
        if !same {
            return Err(format!("{field}: expected {value}, got {got:?}"));
        }
    }
    Ok(())
}

fn check_error(
    case: &Case,
    want: &ExpectedError,
    got: &CredentialsError,
    fill: &dyn Fn(&str) -> String,
) -> Result<(), String> {
    let kind = got.kind_name();
    if kind != want.kind {
        return Err(format!("expected {}, got {kind}: {got}", want.kind));
    }
    let shown = got.to_string();
    for part in &want.message_contains {
        let part = fill(part);
        if !shown.contains(part.as_str()) {
            return Err(format!("error {shown:?} does not contain {part:?}"));
        }
    }
    for (label, value) in &want.fields {
        let value = fill(value);
        if got.field(label) != Some(value.as_str()) {
            return Err(format!(
                "field {label}: expected {value:?}, got {:?} in {shown}",
                got.field(label)
            ));
        }
    }
    let everything = format!("{got} {got:?} {got:#?}");
    for secret in std::iter::once("hunter2").chain(case.must_not_contain.iter().map(String::as_str))
    {
        if everything.contains(secret) {
            return Err(format!("error shows {secret:?}: {everything}"));
        }
    }
    Ok(())
}

#[test]
fn provider_container_conformance() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let root = fixtures_dir().join("provider-container");
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("reading {}: {e}", root.display()))
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.join("case.json").is_file())
        .collect();
    dirs.sort();
    let mut suite = Suite::new("provider-container");
    for dir in dirs {
        let name = dir
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        suite.case(&name, || Outcome::from(run_case(&dir, &rt)));
    }
    suite.finish();
}
