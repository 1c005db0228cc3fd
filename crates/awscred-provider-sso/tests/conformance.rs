//! The `provider-sso` conformance suite: every `fixtures/provider-sso/<case>/` folder.
//!
//! - `fs/`: files mounted at `/` of a `MemFs` (`/home/me/.aws/config`, token files under
//!   `/home/me/.aws/sso/cache/<sha1>.json`, role entries under `/home/me/.aws/cli/cache/`).
//! - `case.json`: `docs`, `env` (the whole environment), `profile`, `now` (the clock, RFC 3339),
//!   `role_cache` (share role credentials through `~/.aws/cli/cache`), and `calls`, each with
//!   `advance_s` (move the clock first), `expect` (`credentials`, `error`, or `"not_claimed"` for
//!   a profile the provider does not claim), `files_after` (path → exact `json`, exact `text`,
//!   `mode`) and `absent_after`.
//! - `http.json`: what the loopback `FixtureServer` replays (the portal and SSO-OIDC).
//!
//! The provider is built the way the default chain builds it (`SsoSettings::resolve`, then
//! `SsoProvider::builder(&sources, settings).profile_set(&profiles)`), so endpoint settings, the token cache folder and the
//! role cache are the real ones. `{server}` in `case.json` strings and in `fs/` files is the
//! server's `http://127.0.0.1:PORT`. After the calls the server must have seen exactly the
//! recorded requests. The envelope and the expectation check (with the secret scan: no
//! `hunter2`, no `must_not_contain` string) are `awscred_test::conformance`'s.
#![allow(
    clippy::disallowed_methods,
    reason = "the suite reads its fixture files"
)]

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use awscred_file_cache::FileCache;
use awscred_http::RetryConfig;
use awscred_profile::ProfileSet;
use awscred_provider_sso::{SsoProvider, SsoSettings};
use awscred_test::conformance::{self, Case, Checker, Expect};
use awscred_test::fixture_server::FixtureServer;
use awscred_test::{FakeEnv, ManualClock, MemFs, Outcome};
use awscred_types::{CredentialsError, Fs, ProvideCredentials, SharedFs};
use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SsoCase {
    profile: String,
    now: String,
    #[serde(default)]
    role_cache: bool,
    calls: Vec<Call>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Call {
    #[serde(default)]
    advance_s: u64,
    expect: Expect,
    #[serde(default)]
    files_after: BTreeMap<String, FileCheck>,
    #[serde(default)]
    absent_after: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileCheck {
    #[serde(default)]
    json: Option<Value>,
    #[serde(default)]
    text: Option<String>,
    /// Octal, e.g. `"600"`.
    #[serde(default)]
    mode: Option<String>,
}

fn run_case(dir: &Path, rt: &tokio::runtime::Runtime) -> Result<(), String> {
    let case = conformance::load::<SsoCase>(dir)?;
    let calls = conformance::non_empty(&case.suite.calls)?;
    rt.block_on(async {
        let server = FixtureServer::from_dir(dir).await?;
        let fill = |s: &str| s.replace("{server}", &server.url());
        let env = case.fake_env(fill);
        // Private AWS files, as `aws` writes them (a world-readable cache entry is refused).
        let fs = Arc::new(conformance::mount_with(dir, fill, 0o600)?);
        let clock = Arc::new(ManualClock::new(conformance::time(&case.suite.now)?));
        let checker = Checker::new(&case, "sso").fill(fill);
        let provider = match (
            build(&case, &env, fs.clone(), clock.clone()),
            &calls[0].expect,
        ) {
            (Ok(Some(p)), _) => p,
            (Ok(None), Expect::NotClaimed) if calls.len() == 1 => return server.verify(),
            (Ok(None), _) => return Err("the provider did not claim the profile".into()),
            (Err(e), want @ Expect::Error(_)) if calls.len() == 1 => {
                checker.check(want, Err(e))?;
                return server.verify();
            }
            (Err(e), _) => return Err(format!("building the provider failed: {e}")),
        };
        for (i, call) in calls.iter().enumerate() {
            clock.advance(Duration::from_secs(call.advance_s));
            let result = provider.provide_credentials().await;
            checker
                .check(&call.expect, result)
                .and_then(|()| check_files(call, &fs, &fill))
                .map_err(|e| format!("call {}: {e}", i + 1))?;
        }
        server
            .verify()
            .map_err(|e| format!("fixture server: {e} (seen: {:?})", server.seen()))
    })
}

/// As the default chain builds it; retries keep `AWS_MAX_ATTEMPTS` / `AWS_RETRY_MODE` but pause
/// at most 20 ms.
fn build(
    case: &Case<SsoCase>,
    env: &FakeEnv,
    fs: Arc<MemFs>,
    clock: Arc<ManualClock>,
) -> Result<Option<SsoProvider>, CredentialsError> {
    let profiles = ProfileSet::load(env, &*fs)?;
    let Some(settings) = SsoSettings::resolve(&profiles, &case.suite.profile)? else {
        return Ok(None);
    };
    let shared: SharedFs = fs;
    let retry = RetryConfig::from_env(env, None, None)?
        .with_initial_backoff(Duration::from_millis(20))
        .with_max_backoff(Duration::from_millis(20));
    let sources = awscred_types::Sources::default()
        .with_env(Arc::new(env.clone()))
        .with_fs(shared.clone())
        .with_clock(clock);
    let mut builder = SsoProvider::builder(&sources, settings)
        .profile_set(&profiles)
        .retry(retry);
    if case.suite.role_cache {
        builder = builder.role_cache(FileCache::aws_cli(env, shared));
    }
    builder.build().map(Some)
}

fn check_files(call: &Call, fs: &MemFs, fill: &dyn Fn(&str) -> String) -> Result<(), String> {
    for (path, want) in &call.files_after {
        let bytes = fs
            .get(path)
            .ok_or_else(|| format!("{path} was not written"))?;
        let text = String::from_utf8(bytes).map_err(|e| format!("{path}: {e}"))?;
        if let Some(json) = &want.json {
            let got: Value =
                serde_json::from_str(&text).map_err(|e| format!("{path}: {e}: {text}"))?;
            let json: Value = serde_json::from_str(&fill(&json.to_string()))
                .map_err(|e| format!("files_after {path}: {e}"))?;
            if got != json {
                return Err(format!("{path}: expected {json}, got {got}"));
            }
        }
        if let Some(want_text) = &want.text
            && fill(want_text) != text
        {
            return Err(format!("{path}: expected {want_text:?}, got {text:?}"));
        }
        if let Some(mode) = &want.mode {
            let want_mode =
                u32::from_str_radix(mode, 8).map_err(|e| format!("mode {mode:?}: {e}"))?;
            let got = fs.mode(Path::new(path)).map_err(|e| e.to_string())?;
            if got != Some(want_mode) {
                return Err(format!(
                    "{path}: mode {:?}, expected {mode}",
                    got.map(|m| format!("{m:o}"))
                ));
            }
        }
    }
    for path in &call.absent_after {
        if fs.get(path).is_some() {
            return Err(format!("{path} exists"));
        }
    }
    Ok(())
}

#[test]
fn provider_sso_conformance() {
    let rt = awscred_test::runtime();
    conformance::run_folders("provider-sso", 20, |dir| Outcome::from(run_case(dir, &rt)));
}
