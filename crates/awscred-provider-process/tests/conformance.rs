//! The `provider-process` conformance suite: every `fixtures/provider-process/<case>/case.json`
//! is run through a real `sh`.
//!
//! A case gives what the command prints (`stdout`: a JSON value, or a string printed as it is)
//! and optionally its `exit_code`, or a whole `command`; the `profile` and
//! `account_id_fallback` the provider is built with; and what must come out: `credentials`
//! (each listed field compared; `null` means absent) or an `error` (kind, message substrings,
//! fields). Every error is also checked not to contain `hunter2` (the fixtures' secret marker)
//! or any `must_not_contain` string, in `Display` or `Debug`, and to name the profile.
#![allow(
    clippy::disallowed_methods,
    reason = "the suite reads its fixture files"
)]
#![cfg(unix)]

use std::path::Path;
use std::time::SystemTime;

use awscred_provider_process::ProcessProvider;
use awscred_test::{Outcome, Suite, fixtures_dir};
use awscred_types::{Credentials, CredentialsError, ProvideCredentials};
use serde::Deserialize;
use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    docs: String,
    profile: String,
    #[serde(default)]
    command: Option<String>,
    #[serde(default)]
    stdout: Option<Value>,
    #[serde(default)]
    exit_code: Option<i32>,
    #[serde(default)]
    account_id_fallback: Option<String>,
    expect: Expect,
    #[serde(default)]
    must_not_contain: Vec<String>,
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
    fields: Map<String, Value>,
}

/// `'…'` for `sh`: everything literal, a `'` written as `'\''`.
fn sh_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

fn command_for(case: &Case) -> Result<String, String> {
    if let Some(command) = &case.command {
        return Ok(command.clone());
    }
    let printed = match &case.stdout {
        Some(Value::String(raw)) => raw.clone(),
        Some(json) => json.to_string(),
        None => return Err("a case needs `command` or `stdout`".into()),
    };
    let mut command = format!("printf '%s' {}", sh_quote(&printed));
    if let Some(code) = case.exit_code {
        command.push_str(&format!("; exit {code}"));
    }
    Ok(command)
}

fn run_case(dir: &Path, rt: &tokio::runtime::Runtime) -> Result<(), String> {
    let text = std::fs::read_to_string(dir.join("case.json")).map_err(|e| e.to_string())?;
    let case: Case = serde_json::from_str(&text).map_err(|e| format!("case.json: {e}"))?;
    if case.docs.trim().is_empty() {
        return Err("case.json has no docs".into());
    }
    let provider = ProcessProvider::builder(command_for(&case)?)
        .profile_name(&case.profile)
        .account_id_fallback(case.account_id_fallback.clone())
        .build();
    let result = rt.block_on(provider.provide_credentials());
    match (&case.expect, result) {
        (Expect::Credentials(want), Ok(got)) => check_credentials(want, &got),
        (Expect::Error(want), Err(got)) => check_error(&case, want, &got),
        (Expect::Credentials(_), Err(e)) => Err(format!("expected credentials, got error: {e}")),
        (Expect::Error(_), Ok(c)) => Err(format!("expected an error, got {c:?}")),
    }
}

fn check_credentials(want: &Map<String, Value>, got: &Credentials) -> Result<(), String> {
    if got.provider_name() != "custom-process" {
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

fn check_error(case: &Case, want: &ExpectedError, got: &CredentialsError) -> Result<(), String> {
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
        if got.field(label) != value.as_str() {
            return Err(format!(
                "field {label}: expected {value}, got {:?}",
                got.field(label)
            ));
        }
    }
    if got.field("profile") != Some(case.profile.as_str()) {
        return Err(format!("error does not name the profile: {shown}"));
    }
    let everything = format!("{got} {got:?} {got:#?}");
    let forbidden = ["hunter2", "printf"];
    for secret in forbidden
        .iter()
        .copied()
        .chain(case.must_not_contain.iter().map(String::as_str))
    {
        if everything.contains(secret) {
            return Err(format!("error shows {secret:?}: {everything}"));
        }
    }
    Ok(())
}

#[test]
fn provider_process_conformance() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let root = fixtures_dir().join("provider-process");
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("reading {}: {e}", root.display()))
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.join("case.json").is_file())
        .collect();
    dirs.sort();
    let mut suite = Suite::new("provider-process");
    for dir in dirs {
        let name = dir
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        suite.case(&name, || Outcome::from(run_case(&dir, &rt)));
    }
    suite.finish();
}
