//! The `provider-imds` conformance suite: every `fixtures/provider-imds/<case>/` is replayed
//! against the loopback fixture server.
//!
//! `http.json` lists the exchanges the server expects, in order, and how it answers (including
//! `hang` and `drop`); after the case, `verify()` proves every expected request arrived and no
//! other did (a case with no exchanges proves no request was sent). `case.json` gives:
//! - `env` and `profile` (keys of the selected profile `default`);
//! - `endpoint`: how the provider finds the server: `override` (the builder, default), `env`
//!   (`AWS_EC2_METADATA_SERVICE_ENDPOINT`), `profile` (`ec2_metadata_service_endpoint`) or
//!   `refused` (a loopback port where nothing listens);
//! - `now`: the fixed clock (default `2024-06-01T00:00:00Z`); `calls`: how many lookups (each
//!   must match `expect`);
//! - `expect`: `credentials` (each listed field compared; `null` means absent; `expiry_between`
//!   bounds the expiry) or an `error` (kind, message substrings, exact fields);
//! - `min_elapsed_ms` / `max_elapsed_ms`: bounds on each call's time; `expect_warning`: a
//!   substring of the static-stability warning (without it, there must be none);
//!   `token_cached_after`: whether a token is cached after the last call.
//!
//! No error and no `Debug` output may contain `hunter2`, the marker in every secret of the
//! fixtures (the IMDS tokens, secret keys and session tokens).
#![allow(
    clippy::disallowed_methods,
    reason = "the suite reads its fixture files"
)]

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use awscred_profile::{ProfileSet, Source};
use awscred_provider_imds::{ENDPOINT_KEY, ENDPOINT_VAR, ImdsProvider};
use awscred_test::fixture_server::{FixtureServer, Recording};
use awscred_test::{Outcome, Suite, fixtures_dir};
use awscred_types::{Credentials, CredentialsError, FakeEnv, ManualClock, ProvideCredentials};
use serde::Deserialize;
use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    docs: String,
    #[serde(default)]
    env: BTreeMap<String, String>,
    #[serde(default)]
    profile: BTreeMap<String, String>,
    #[serde(default)]
    endpoint: EndpointFrom,
    #[serde(default)]
    now: Option<String>,
    #[serde(default = "one")]
    calls: u32,
    #[serde(default)]
    min_elapsed_ms: Option<u64>,
    #[serde(default)]
    max_elapsed_ms: Option<u64>,
    #[serde(default)]
    expect_warning: Option<String>,
    #[serde(default)]
    token_cached_after: Option<bool>,
    expect: Expect,
}

fn one() -> u32 {
    1
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
enum EndpointFrom {
    #[default]
    Override,
    Env,
    Profile,
    Refused,
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

const SECRET_MARKER: &str = "hunter2";
const DEFAULT_NOW: &str = "2024-06-01T00:00:00Z";

fn time_of(text: &str) -> Result<SystemTime, String> {
    OffsetDateTime::parse(text, &Rfc3339)
        .map(SystemTime::from)
        .map_err(|e| format!("time {text:?} in case.json: {e}"))
}

/// A loopback URL where nothing listens (bound, then released).
async fn refused_url() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binding 127.0.0.1:0");
    let addr = listener.local_addr().expect("local address");
    drop(listener);
    format!("http://{addr}")
}

async fn run_case(dir: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(dir.join("case.json")).map_err(|e| e.to_string())?;
    let case: Case = serde_json::from_str(&text).map_err(|e| format!("case.json: {e}"))?;
    if case.docs.trim().is_empty() {
        return Err("case.json has no docs".into());
    }
    let recording = Recording::from_dir(dir)?;
    if recording.docs.trim().is_empty() {
        return Err("http.json has no docs".into());
    }
    let server = FixtureServer::start(recording).await;

    let mut env: BTreeMap<String, String> = case.env.clone();
    let mut profile = case.profile.clone();
    let url = match case.endpoint {
        EndpointFrom::Refused => refused_url().await,
        _ => server.url(),
    };
    match case.endpoint {
        EndpointFrom::Env => {
            env.insert(ENDPOINT_VAR.to_owned(), url.clone());
        }
        EndpointFrom::Profile => {
            profile.insert(ENDPOINT_KEY.to_owned(), url.clone());
        }
        EndpointFrom::Override | EndpointFrom::Refused => {}
    }
    let config: String = std::iter::once("[default]\n".to_owned())
        .chain(profile.iter().map(|(k, v)| format!("{k} = {v}\n")))
        .collect();
    let set = ProfileSet::parse(Some(Source::new("config", config)), None)
        .map_err(|e| format!("profile in case.json: {e}"))?;
    let now = time_of(case.now.as_deref().unwrap_or(DEFAULT_NOW))?;

    let mut builder = ImdsProvider::builder(
        &awscred_types::Sources::default()
            .with_env(Arc::new(env.iter().collect::<FakeEnv>()))
            .with_clock(Arc::new(ManualClock::new(now))),
    )
    .profile(set.profile("default").cloned());
    if matches!(
        case.endpoint,
        EndpointFrom::Override | EndpointFrom::Refused
    ) {
        builder = builder.endpoint_override(&url);
    }
    let provider = builder.build();
    if format!("{provider:?}").contains(SECRET_MARKER) {
        return Err("the provider's Debug shows a secret".into());
    }

    for call in 1..=case.calls {
        let started = Instant::now();
        let result = provider.provide_credentials().await;
        let elapsed = started.elapsed();
        let context = |e: String| format!("call {call}: {e} (requests seen: {:?})", server.seen());
        check_elapsed(&case, elapsed).map_err(context)?;
        match (&case.expect, result) {
            (Expect::Credentials(want), Ok(got)) => check_credentials(want, &got),
            (Expect::Error(want), Err(got)) => check_error(want, &got),
            (Expect::Credentials(_), Err(e)) => {
                Err(format!("expected credentials, got error: {e}"))
            }
            (Expect::Error(_), Ok(c)) => Err(format!("expected an error, got {c:?}")),
        }
        .map_err(context)?;
    }

    match (&case.expect_warning, provider.last_warning()) {
        (Some(want), Some(got)) if got.contains(want.as_str()) => {}
        (None, None) => {}
        (want, got) => return Err(format!("expected warning {want:?}, got {got:?}")),
    }
    if let Some(want) = case.token_cached_after
        && provider.has_cached_token() != want
    {
        return Err(format!("token cached after the case: expected {want}"));
    }
    server.verify()
}

fn check_elapsed(case: &Case, elapsed: Duration) -> Result<(), String> {
    let ms = elapsed.as_millis() as u64;
    if let Some(max) = case.max_elapsed_ms
        && ms > max
    {
        return Err(format!("took {ms} ms, more than {max} ms"));
    }
    if let Some(min) = case.min_elapsed_ms
        && ms < min
    {
        return Err(format!("took {ms} ms, less than {min} ms"));
    }
    Ok(())
}

fn check_credentials(want: &Map<String, Value>, got: &Credentials) -> Result<(), String> {
    if got.provider_name() != "iam-role" {
        return Err(format!("provider name {:?}", got.provider_name()));
    }
    for (field, value) in want {
        let expected = value.as_str();
        let same = match field.as_str() {
            "access_key_id" => expected == Some(got.access_key_id()),
            "secret_access_key" => expected == Some(got.secret_access_key()),
            "session_token" => expected == got.session_token(),
            "account_id" => expected == got.account_id(),
            "expiry" => expected.map(time_of).transpose()? == got.expiry(),
            "expiry_between" => {
                let bounds = value
                    .as_array()
                    .and_then(|b| Some((b.first()?.as_str()?, b.get(1)?.as_str()?)))
                    .ok_or("expiry_between must be [from, to]")?;
                let (from, to) = (time_of(bounds.0)?, time_of(bounds.1)?);
                got.expiry().is_some_and(|e| from <= e && e <= to)
            }
            other => return Err(format!("unknown credentials field {other:?} in case.json")),
        };
        if !same {
            return Err(format!("{field}: expected {value}, got {got:?}"));
        }
    }
    Ok(())
}

fn check_error(want: &ExpectedError, got: &CredentialsError) -> Result<(), String> {
    let kind = got.kind_name();
    if kind != want.kind {
        return Err(format!("expected {}, got {kind}: {got}", want.kind));
    }
    let shown = got.to_string();
    for part in &want.message_contains {
        if !shown.contains(part.as_str()) {
            return Err(format!("error {shown:?} does not contain {part:?}"));
        }
    }
    for (label, value) in &want.fields {
        if got.field(label) != Some(value.as_str()) {
            return Err(format!(
                "field {label}: expected {value:?}, got {:?} in {shown}",
                got.field(label)
            ));
        }
    }
    let everything = format!("{got} {got:?} {got:#?}");
    if everything.contains(SECRET_MARKER) {
        return Err(format!("the error shows a secret: {everything}"));
    }
    Ok(())
}

#[test]
fn provider_imds_conformance() {
    let root = fixtures_dir().join("provider-imds");
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("reading {}: {e}", root.display()))
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.join("case.json").is_file())
        .collect();
    dirs.sort();
    let mut suite = Suite::new("provider-imds");
    for dir in dirs {
        let name = dir
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        suite.case(&name, || {
            // A runtime per case: connections a case leaves hanging end with it.
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a tokio runtime");
            Outcome::from(rt.block_on(run_case(&dir)))
        });
    }
    suite.finish();
}
