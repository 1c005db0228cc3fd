//! The `provider-boto2` conformance suite: every `fixtures/provider-boto2/<case>/` is run
//! through [`BotoProvider`].
//!
//! A case is a folder: `fs/` is mounted at `/` of a `MemFs` (so `fs/etc/boto.cfg` is
//! `/etc/boto.cfg` and `fs/home/me/.boto` is `/home/me/.boto`), and `case.json` gives the
//! `docs`, the environment (`env`, into a `FakeEnv`) and what must come out (`expect`):
//! `credentials` (every field compared; boto2 credentials never carry a token, an account id or
//! an expiry) or an `error` (kind, message substrings, fields). Paths follow the Linux rules on
//! every host. Every error is checked not to contain `hunter2` (the fixtures' secret marker) in
//! `Display` or `Debug`.
#![allow(
    clippy::disallowed_methods,
    reason = "the suite reads its fixture files"
)]

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use awscred_profile::Platform;
use awscred_provider_boto2::{BotoProvider, PROVIDER_NAME};
use awscred_test::{Outcome, Suite, fixtures_dir};
use awscred_types::{Credentials, CredentialsError, FakeEnv, MemFs, Sources};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    docs: String,
    env: BTreeMap<String, String>,
    expect: Expect,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
enum Expect {
    Credentials(ExpectedCredentials),
    Error(ExpectedError),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectedCredentials {
    access_key_id: String,
    secret_access_key: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectedError {
    kind: String,
    message_contains: Vec<String>,
    #[serde(default)]
    fields: BTreeMap<String, String>,
}

/// Every file under `dir/fs`, at the absolute path it stands for.
fn mount(dir: &Path) -> Result<MemFs, String> {
    fn walk(root: &Path, dir: &Path, fs: &MemFs) -> Result<(), String> {
        for entry in std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))? {
            let path = entry.map_err(|e| e.to_string())?.path();
            if path.is_dir() {
                walk(root, &path, fs)?;
            } else {
                let relative = path.strip_prefix(root).map_err(|e| e.to_string())?;
                let contents = std::fs::read(&path).map_err(|e| e.to_string())?;
                fs.insert(Path::new("/").join(relative), contents);
            }
        }
        Ok(())
    }
    let fs = MemFs::new();
    let root = dir.join("fs");
    if root.is_dir() {
        walk(&root, &root, &fs)?;
    }
    Ok(fs)
}

fn run_case(dir: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(dir.join("case.json")).map_err(|e| e.to_string())?;
    let case: Case = serde_json::from_str(&text).map_err(|e| format!("case.json: {e}"))?;
    if case.docs.trim().is_empty() {
        return Err("case.json has no docs".into());
    }
    let env: FakeEnv = case.env.iter().collect();
    let provider = BotoProvider::builder(
        &Sources::default()
            .with_env(Arc::new(env))
            .with_fs(Arc::new(mount(dir)?)),
    )
    .platform(Platform::Linux)
    .build();
    match (&case.expect, provider.load()) {
        (Expect::Credentials(want), Ok(got)) => check_credentials(want, &got),
        (Expect::Error(want), Err(got)) => check_error(want, &got),
        (Expect::Credentials(_), Err(e)) => Err(format!("expected credentials, got {e}")),
        (Expect::Error(_), Ok(c)) => Err(format!("expected an error, got {c:?}")),
    }
}

fn check_credentials(want: &ExpectedCredentials, got: &Credentials) -> Result<(), String> {
    let same = got.provider_name() == PROVIDER_NAME
        && got.access_key_id() == want.access_key_id
        && got.secret_access_key() == want.secret_access_key
        && got.session_token().is_none()
        && got.account_id().is_none()
        && got.expiry().is_none();
    if same {
        Ok(())
    } else {
        // The fixtures' secrets are markers, so showing them in a failure is fine.
        Err(format!(
            "expected {want:?}, got {got:?} (secret {:?}, token {:?})",
            got.secret_access_key(),
            got.session_token()
        ))
    }
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
                "field {label}: expected {value:?}, got {:?} in {shown:?}",
                got.field(label)
            ));
        }
    }
    let everything = format!("{got} {got:?} {got:#?}");
    if everything.contains("hunter2") {
        return Err(format!("error shows a secret: {everything}"));
    }
    Ok(())
}

#[test]
fn provider_boto2() {
    let root = fixtures_dir().join("provider-boto2");
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .map(|e| e.expect("a fixture folder entry").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    let mut suite = Suite::new("provider-boto2");
    for dir in &dirs {
        let name = dir.file_name().unwrap_or_default().to_string_lossy();
        suite.case(&name, || Outcome::from(run_case(dir)));
    }
    suite.finish();
}
