//! The `provider-sso` conformance suite: every `fixtures/provider-sso/<case>/` folder.
//!
//! - `fs/`: files mounted at `/` of a `MemFs` (`/home/me/.aws/config`, token files under
//!   `/home/me/.aws/sso/cache/<sha1>.json`, role entries under `/home/me/.aws/cli/cache/`).
//! - `case.json`: `docs`, `env` (the whole environment), `profile`, `now` (the clock, RFC 3339),
//!   `role_cache` (share role credentials through `~/.aws/cli/cache`), and `calls`, each with
//!   `advance_s` (move the clock first), `expect` (`credentials`, `error`, or `"not_sso"` for a
//!   profile the provider does not claim), `files_after` (path → exact `json`, exact `text`,
//!   `mode`) and `absent_after`.
//! - `http.json`: what the loopback `FixtureServer` replays (the portal and SSO-OIDC).
//!
//! The provider is built the way the default chain builds it (`SsoSettings::resolve`, then
//! `SsoProviderBuilder::from_sources`), so endpoint settings, the token cache folder and the
//! role cache are the real ones. `{server}` in `case.json` strings and in `fs/` files is the
//! server's `http://127.0.0.1:PORT`. After the calls the server must have seen exactly the
//! recorded requests. Every error is checked, in `Display` and `Debug`, not to contain `hunter2`
//! (the fixtures' secret marker) or any `must_not_contain` string.
#![allow(
    clippy::disallowed_methods,
    reason = "the suite reads its fixture files"
)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use awscred_file_cache::FileCache;
use awscred_http::RetryConfig;
use awscred_profile::ProfileSet;
use awscred_provider_sso::{SsoProvider, SsoSettings};
use awscred_test::fixture_server::FixtureServer;
use awscred_test::{FakeEnv, ManualClock, MemFs, Outcome, Suite, fixtures_dir};
use awscred_types::{Credentials, CredentialsError, Fs, ProvideCredentials, SharedFs};
use serde::Deserialize;
use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    docs: String,
    env: BTreeMap<String, String>,
    profile: String,
    now: String,
    #[serde(default)]
    role_cache: bool,
    calls: Vec<Call>,
    #[serde(default)]
    must_not_contain: Vec<String>,
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
#[serde(deny_unknown_fields, rename_all = "snake_case")]
enum Expect {
    Credentials(Map<String, Value>),
    Error(ExpectedError),
    NotSso,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectedError {
    kind: String,
    message_contains: Vec<String>,
    #[serde(default)]
    fields: BTreeMap<String, String>,
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

fn parse_time(text: &str) -> Result<SystemTime, String> {
    OffsetDateTime::parse(text, &Rfc3339)
        .map(SystemTime::from)
        .map_err(|e| format!("time {text:?}: {e}"))
}

/// Every file under `root`, as (path below `/`, contents).
fn tree(root: &Path) -> Result<Vec<(PathBuf, String)>, String> {
    let mut out = Vec::new();
    if !root.is_dir() {
        return Ok(out);
    }
    let mut todo = vec![root.to_path_buf()];
    while let Some(dir) = todo.pop() {
        for entry in std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))? {
            let path = entry.map_err(|e| e.to_string())?.path();
            if path.is_dir() {
                todo.push(path);
            } else {
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| format!("{}: {e}", path.display()))?;
                let below = path.strip_prefix(root).map_err(|e| e.to_string())?;
                out.push((Path::new("/").join(below), text));
            }
        }
    }
    Ok(out)
}

fn run_case(dir: &Path, rt: &tokio::runtime::Runtime) -> Result<(), String> {
    let text = std::fs::read_to_string(dir.join("case.json")).map_err(|e| e.to_string())?;
    let case: Case = serde_json::from_str(&text).map_err(|e| format!("case.json: {e}"))?;
    if case.docs.trim().is_empty() {
        return Err("case.json has no docs".into());
    }
    rt.block_on(async {
        let server = FixtureServer::from_dir(dir).await?;
        let fill = |s: &str| s.replace("{server}", &server.url());
        let env: FakeEnv = case.env.iter().map(|(k, v)| (k.clone(), fill(v))).collect();
        let fs = Arc::new(MemFs::new());
        for (path, contents) in tree(&dir.join("fs"))? {
            // Private AWS files, as `aws` writes them (a world-readable cache entry is refused).
            fs.write_atomic(&path, fill(&contents).as_bytes(), 0o600)
                .map_err(|e| e.to_string())?;
        }
        let clock = Arc::new(ManualClock::new(parse_time(&case.now)?));
        let result = build(&case, &env, fs.clone(), clock.clone());
        let provider = match (result, case.calls.first().map(|c| &c.expect)) {
            (Ok(Some(p)), _) => p,
            (Ok(None), Some(Expect::NotSso)) if case.calls.len() == 1 => {
                return server.verify();
            }
            (Ok(None), _) => return Err("the provider did not claim the profile".into()),
            (Err(e), Some(Expect::Error(want))) if case.calls.len() == 1 => {
                check_error(&case, want, &e, &fill)?;
                return server.verify();
            }
            (Err(e), _) => return Err(format!("building the provider failed: {e}")),
        };
        for (i, call) in case.calls.iter().enumerate() {
            clock.advance(Duration::from_secs(call.advance_s));
            let result = provider.provide_credentials().await;
            let checked = match (&call.expect, result) {
                (Expect::Credentials(want), Ok(got)) => check_credentials(want, &got),
                (Expect::Error(want), Err(got)) => check_error(&case, want, &got, &fill),
                (Expect::Credentials(_), Err(e)) => {
                    Err(format!("expected credentials, got error: {e}"))
                }
                (Expect::Error(_), Ok(c)) => Err(format!("expected an error, got {c:?}")),
                (Expect::NotSso, r) => Err(format!("expected no SSO provider, got {r:?}")),
            };
            checked.map_err(|e| format!("call {}: {e}", i + 1))?;
            check_files(call, &fs, &fill).map_err(|e| format!("call {}: {e}", i + 1))?;
        }
        server
            .verify()
            .map_err(|e| format!("fixture server: {e} (seen: {:?})", server.seen()))
    })
}

/// As the default chain builds it; retries keep `AWS_MAX_ATTEMPTS` / `AWS_RETRY_MODE` but pause
/// at most 20 ms.
fn build(
    case: &Case,
    env: &FakeEnv,
    fs: Arc<MemFs>,
    clock: Arc<ManualClock>,
) -> Result<Option<SsoProvider>, CredentialsError> {
    let profiles = ProfileSet::load(env, &*fs)?;
    let Some(settings) = SsoSettings::resolve(&profiles, &case.profile)? else {
        return Ok(None);
    };
    let shared: SharedFs = fs;
    let retry = RetryConfig::from_env(env, None, None)?
        .with_initial_backoff(Duration::from_millis(20))
        .with_max_backoff(Duration::from_millis(20));
    let mut builder = SsoProvider::builder(settings)
        .from_sources(env, shared.clone(), &profiles)?
        .retry(retry)
        .clock(clock);
    if case.role_cache {
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

fn check_credentials(want: &Map<String, Value>, got: &Credentials) -> Result<(), String> {
    if got.provider_name() != "sso" {
        return Err(format!("provider name {:?}", got.provider_name()));
    }
    for (field, value) in want {
        let expected = value.as_str();
        let same = match field.as_str() {
            "access_key_id" => expected == Some(got.access_key_id()),
            "secret_access_key" => expected == Some(got.secret_access_key()),
            "session_token" => expected == got.session_token(),
            "account_id" => expected == got.account_id(),
            "expiry" => expected.map(parse_time).transpose()? == got.expiry(),
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
fn provider_sso_conformance() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let root = fixtures_dir().join("provider-sso");
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("reading {}: {e}", root.display()))
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.join("case.json").is_file())
        .collect();
    dirs.sort();
    let mut suite = Suite::new("provider-sso");
    for dir in dirs {
        let name = dir
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        suite.case(&name, || Outcome::from(run_case(&dir, &rt)));
    }
    suite.finish();
}
