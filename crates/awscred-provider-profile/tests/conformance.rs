//! The `provider-profile` conformance suite: every `fixtures/provider-profile/<case>/` is run
//! through both providers.
//!
//! A case is a folder: `fs/` is mounted at `/` of a `MemFs` (so `fs/home/me/.aws/credentials`
//! is `/home/me/.aws/credentials`), and `case.json` gives the `docs`, the environment (`env`,
//! into a `FakeEnv`), an optional explicit `profile`, and what each provider must return
//! (`expect.shared-credentials-file`, `expect.config-file`): `credentials` (every field
//! compared; an absent `session_token` or `account_id` must be absent) or an `error` (kind,
//! message substrings, fields). The files are loaded once, with the Linux path rules, into one
//! `ProfileSet` both providers share, as a chain does; an error from loading is what both
//! providers must then report. Every error is checked not to contain `hunter2` (the fixtures'
//! secret marker) in `Display` or `Debug`, and every error a provider returns to name the
//! selected profile.
#![allow(
    clippy::disallowed_methods,
    reason = "the suite reads its fixture files"
)]

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use awscred_profile::{Platform, ProfileSet, select_profile};
use awscred_provider_profile::{ConfigFileProvider, SharedCredentialsProvider};
use awscred_test::{Outcome, Suite, fixtures_dir};
use awscred_types::{Credentials, CredentialsError, FakeEnv, MemFs};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    docs: String,
    env: BTreeMap<String, String>,
    #[serde(default)]
    profile: Option<String>,
    expect: Expectations,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expectations {
    #[serde(rename = "shared-credentials-file")]
    shared_credentials_file: Expect,
    #[serde(rename = "config-file")]
    config_file: Expect,
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
    #[serde(default)]
    session_token: Option<String>,
    #[serde(default)]
    account_id: Option<String>,
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
    let fs = mount(dir)?;
    let env: FakeEnv = case.env.iter().collect();
    let selected = select_profile(case.profile.as_deref(), &env);
    let profile = selected.name();
    let loaded = ProfileSet::load_for(&env, &fs, Platform::Linux);
    let from_provider = loaded.is_ok();
    let (shared, config) = match loaded {
        Ok(set) => {
            let set = Arc::new(set);
            (
                SharedCredentialsProvider::new(set.clone(), profile).load(),
                ConfigFileProvider::new(set, profile).load(),
            )
        }
        Err(e) => (Err(e.clone()), Err(e)),
    };
    let checks = [
        (
            SharedCredentialsProvider::PROVIDER_NAME,
            &case.expect.shared_credentials_file,
            shared,
        ),
        (
            ConfigFileProvider::PROVIDER_NAME,
            &case.expect.config_file,
            config,
        ),
    ];
    for (name, want, got) in checks {
        let checked = match (want, got) {
            (Expect::Credentials(want), Ok(got)) => check_credentials(name, want, &got),
            (Expect::Error(want), Err(got)) => {
                check_error(want, &got).and_then(|()| match got.field("profile") {
                    Some(p) if p == profile => Ok(()),
                    _ if !from_provider => Ok(()),
                    other => Err(format!("error names profile {other:?}, not {profile:?}")),
                })
            }
            (Expect::Credentials(_), Err(e)) => Err(format!("expected credentials, got {e}")),
            (Expect::Error(_), Ok(c)) => Err(format!("expected an error, got {c:?}")),
        };
        checked.map_err(|e| format!("{name}: {e}"))?;
    }
    Ok(())
}

fn check_credentials(
    provider: &str,
    want: &ExpectedCredentials,
    got: &Credentials,
) -> Result<(), String> {
    let same = got.provider_name() == provider
        && got.access_key_id() == want.access_key_id
        && got.secret_access_key() == want.secret_access_key
        && got.session_token() == want.session_token.as_deref()
        && got.account_id() == want.account_id.as_deref()
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
fn provider_profile() {
    let root = fixtures_dir().join("provider-profile");
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .map(|e| e.expect("a fixture folder entry").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    let mut suite = Suite::new("provider-profile");
    for dir in &dirs {
        let name = dir.file_name().unwrap_or_default().to_string_lossy();
        suite.case(&name, || Outcome::from(run_case(dir)));
    }
    suite.finish();
}
