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
//!   must match `expect`; at least one);
//! - `expect`: `credentials` (each listed field compared; `null` means absent; `expiry_between`
//!   bounds the expiry) or an `error` (kind, message substrings, exact fields);
//! - `min_elapsed_ms` / `max_elapsed_ms`: bounds on each call's time, only where the time is
//!   the behaviour (a budget, a timeout); `expect_warning`: a
//!   substring of the static-stability warning (without it, there must be none);
//!   `token_cached_after`: whether a token is cached after the last call.
//!
//! The envelope (`docs`, `env`) and the expectation check are `awscred_test::conformance`'s.
//! No error and no `Debug` output may contain `hunter2`, the marker in every secret of the
//! fixtures (the IMDS tokens, secret keys and session tokens).
#![allow(
    clippy::disallowed_methods,
    reason = "the suite measures wall-clock time where a budget is the behaviour"
)]

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use awscred_profile::{ProfileSet, Source};
use awscred_provider_imds::{ENDPOINT_KEY, ENDPOINT_VAR, ImdsProvider};
use awscred_test::conformance::{self, Checker, Expect, SECRET_MARKER};
use awscred_test::fixture_server::{FixtureServer, Recording};
use awscred_test::{FakeEnv, ManualClock, Outcome};
use awscred_types::ProvideCredentials;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ImdsCase {
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

const DEFAULT_NOW: &str = "2024-06-01T00:00:00Z";

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
    let case = conformance::load::<ImdsCase>(dir)?;
    let setup = &case.suite;
    if setup.calls == 0 {
        return Err("case.json: `calls: 0` checks nothing".into());
    }
    let recording = Recording::from_dir(dir)?;
    if recording.docs.trim().is_empty() {
        return Err("http.json has no docs".into());
    }
    let server = FixtureServer::start(recording).await;

    let mut env = case.env.clone();
    let mut profile = setup.profile.clone();
    let url = match setup.endpoint {
        EndpointFrom::Refused => refused_url().await,
        _ => server.url(),
    };
    match setup.endpoint {
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
    let now = conformance::time(setup.now.as_deref().unwrap_or(DEFAULT_NOW))?;

    let mut builder = ImdsProvider::builder(
        &awscred_types::Sources::default()
            .with_env(Arc::new(env.iter().collect::<FakeEnv>()))
            .with_clock(Arc::new(ManualClock::new(now))),
    )
    .profile(set.profile("default").cloned());
    if matches!(
        setup.endpoint,
        EndpointFrom::Override | EndpointFrom::Refused
    ) {
        builder = builder.endpoint_override(&url);
    }
    let provider = builder.build();
    if format!("{provider:?}").contains(SECRET_MARKER) {
        return Err("the provider's Debug shows a secret".into());
    }

    let checker = Checker::new(&case, "iam-role");
    for call in 1..=setup.calls {
        let started = Instant::now();
        let result = provider.provide_credentials().await;
        let elapsed = started.elapsed();
        let context = |e: String| format!("call {call}: {e} (requests seen: {:?})", server.seen());
        check_elapsed(setup, elapsed).map_err(context)?;
        checker.check(&setup.expect, result).map_err(context)?;
    }

    match (&setup.expect_warning, provider.last_warning()) {
        (Some(want), Some(got)) if got.contains(want.as_str()) => {}
        (None, None) => {}
        (want, got) => return Err(format!("expected warning {want:?}, got {got:?}")),
    }
    if let Some(want) = setup.token_cached_after
        && provider.has_cached_token() != want
    {
        return Err(format!("token cached after the case: expected {want}"));
    }
    server.verify()
}

fn check_elapsed(case: &ImdsCase, elapsed: Duration) -> Result<(), String> {
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

#[test]
fn provider_imds_conformance() {
    conformance::run_folders("provider-imds", 35, |dir| {
        // A runtime per case: connections a case leaves hanging end with it.
        Outcome::from(awscred_test::runtime().block_on(run_case(dir)))
    });
}
