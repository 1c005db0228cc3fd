//! The `provider-process` conformance suite: every `fixtures/provider-process/<case>/case.json`
//! is run through a real `sh`.
//!
//! A case gives what the command prints (`stdout`: a JSON value, or a string printed as it is)
//! and optionally its `exit_code`, or a whole `command`; the `profile` and
//! `account_id_fallback` the provider is built with; and what must come out: `credentials`
//! (each listed field compared; `null` means absent) or an `error` (kind, message substrings,
//! fields), checked by `awscred_test::conformance`. Every error is also checked not to contain
//! `hunter2` (the fixtures' secret marker), the command (`printf`) or any `must_not_contain`
//! string, in `Display` or `Debug`, and to name the profile.
#![cfg(unix)]

use std::path::Path;

use awscred_provider_process::ProcessProvider;
use awscred_test::Outcome;
use awscred_test::conformance::{self, Checker, Expect};
use awscred_types::ProvideCredentials;
use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProcessCase {
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
}

/// `'…'` for `sh`: everything literal, a `'` written as `'\''`.
fn sh_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

fn command_for(case: &ProcessCase) -> Result<String, String> {
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
    let case = conformance::load::<ProcessCase>(dir)?;
    let setup = &case.suite;
    let provider = ProcessProvider::builder(command_for(setup)?)
        .profile_name(&setup.profile)
        .account_id_fallback(setup.account_id_fallback.clone())
        .build();
    Checker::new(&case, "custom-process")
        .forbid("printf")
        .on_error(|e| match e.field("profile") {
            Some(p) if p == setup.profile => Ok(()),
            _ => Err(format!("error does not name the profile: {e}")),
        })
        .check(&setup.expect, rt.block_on(provider.provide_credentials()))
}

#[test]
fn provider_process_conformance() {
    let rt = awscred_test::runtime();
    conformance::run_folders("provider-process", 35, |dir| {
        Outcome::from(run_case(dir, &rt))
    });
}
