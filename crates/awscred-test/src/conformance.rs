//! Fixture-folder conformance cases: finding them, loading `case.json` and `fs/`, and checking
//! what a provider returned against what the case expects (the secret scan included).
//!
//! A suite is `fixtures/<suite>/<case>/`, one folder per case; every folder must hold a
//! `case.json` (a folder without it fails the suite). Every `case.json` has the same envelope:
//!
//! - `docs` (required, not blank): what the case is about;
//! - `env` (optional): the whole environment, as strings;
//! - `must_not_contain` (optional): strings no error may show (besides [`SECRET_MARKER`]);
//! - the suite's own keys, read into the runner's type (which should `deny_unknown_fields`).
//!
//! What must come out is an [`Expect`]: `{"credentials": {…}}`, `{"error": {…}}` or
//! `"not_claimed"` (the provider does not claim the profile). `credentials` lists fields
//! (`access_key_id`, `secret_access_key`, `session_token`, `account_id`, `expiry` in RFC 3339,
//! `expiry_between: [from, to]`), `null` meaning absent; an empty list is refused. An `error`
//! gives `kind` (`CredentialsError::kind_name`), `message_contains` (substrings of `Display`) and
//! `fields` (exact values, `null` meaning absent). [`Checker`] compares, and scans every error's
//! `Display` and `Debug` for the secret marker and `must_not_contain`.
#![allow(
    clippy::disallowed_methods,
    reason = "the harness reads fixture folders"
)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use awscred_types::{Credentials, CredentialsError, FakeEnv, Fs, MemFs};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::{Outcome, Suite, fixtures_dir};

/// The marker in every secret of the fixtures (keys, tokens); no error may show it.
pub const SECRET_MARKER: &str = "hunter2";

/// Runs every case folder of `fixtures/<suite>/` (sorted by name) through `run`, as a
/// [`Suite`] that states `cases` cases. A folder without `case.json` is a failed case.
pub fn run_folders(suite: &str, cases: usize, run: impl FnMut(&Path) -> Outcome) {
    run_folders_in(Suite::new(suite, cases), suite, run);
}

/// [`run_folders`] with a suite already set up (for example one that
/// [`needs_peer`](Suite::needs_peer)).
pub fn run_folders_in(mut suite: Suite, folder: &str, mut run: impl FnMut(&Path) -> Outcome) {
    let root = fixtures_dir().join(folder);
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("reading {}: {e}", root.display()))
        .map(|entry| {
            entry
                .unwrap_or_else(|e| panic!("reading {}: {e}", root.display()))
                .path()
        })
        .filter(|path| path.is_dir())
        .collect();
    dirs.sort();
    for dir in &dirs {
        let name = dir
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        suite.case(&name, || {
            if dir.join("case.json").is_file() {
                run(dir)
            } else {
                Outcome::Fail(format!(
                    "{} has no case.json: a case folder needs its expectation",
                    dir.display()
                ))
            }
        });
    }
    suite.finish();
}

/// One `case.json`: the shared envelope, and the suite's own keys in `suite`.
#[derive(Debug)]
pub struct Case<X> {
    /// The case folder.
    pub dir: PathBuf,
    /// What the case is about (never blank).
    pub docs: String,
    /// The environment.
    pub env: BTreeMap<String, String>,
    /// Strings no error may show, besides [`SECRET_MARKER`].
    pub must_not_contain: Vec<String>,
    /// The suite's own keys.
    pub suite: X,
}

impl<X> Case<X> {
    /// The environment as a [`FakeEnv`], each value through `fill` (placeholders like
    /// `{server}`).
    pub fn fake_env(&self, fill: impl Fn(&str) -> String) -> FakeEnv {
        self.env.iter().map(|(k, v)| (k.clone(), fill(v))).collect()
    }
}

/// Reads `dir/case.json`: the envelope, then the rest into `X`.
pub fn load<X: DeserializeOwned>(dir: &Path) -> Result<Case<X>, String> {
    let path = dir.join("case.json");
    let text =
        std::fs::read_to_string(&path).map_err(|e| format!("reading {}: {e}", path.display()))?;
    let Value::Object(mut map) =
        serde_json::from_str(&text).map_err(|e| format!("case.json: {e}"))?
    else {
        return Err("case.json is not a JSON object".into());
    };
    let mut take = |key: &str| map.remove(key).unwrap_or(Value::Null);
    let docs = match take("docs") {
        Value::String(d) if !d.trim().is_empty() => d,
        _ => return Err("case.json has no docs".into()),
    };
    let env: Option<BTreeMap<String, String>> =
        serde_json::from_value(take("env")).map_err(|e| format!("case.json env: {e}"))?;
    let must_not_contain: Option<Vec<String>> = serde_json::from_value(take("must_not_contain"))
        .map_err(|e| format!("case.json must_not_contain: {e}"))?;
    let suite =
        serde_json::from_value(Value::Object(map)).map_err(|e| format!("case.json: {e}"))?;
    Ok(Case {
        dir: dir.to_path_buf(),
        docs,
        env: env.unwrap_or_default(),
        must_not_contain: must_not_contain.unwrap_or_default(),
        suite,
    })
}

/// Every file under `dir/fs`, in a [`MemFs`] at the absolute path it stands for
/// (`fs/home/me/.aws/config` is `/home/me/.aws/config`), with mode `0o644`.
pub fn mount(dir: &Path) -> Result<MemFs, String> {
    mount_with(dir, |s| s.to_owned(), 0o644)
}

/// [`mount`], with each UTF-8 file's text through `fill` and every file at `mode`.
pub fn mount_with(dir: &Path, fill: impl Fn(&str) -> String, mode: u32) -> Result<MemFs, String> {
    let fs = MemFs::new();
    let root = dir.join("fs");
    if !root.is_dir() {
        return Ok(fs);
    }
    let mut todo = vec![root.clone()];
    while let Some(dir) = todo.pop() {
        for entry in std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))? {
            let path = entry.map_err(|e| e.to_string())?.path();
            if path.is_dir() {
                todo.push(path);
                continue;
            }
            let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            let bytes = match String::from_utf8(bytes) {
                Ok(text) => fill(&text).into_bytes(),
                Err(raw) => raw.into_bytes(),
            };
            let below = path.strip_prefix(&root).map_err(|e| e.to_string())?;
            fs.write_atomic(&Path::new("/").join(below), &bytes, mode)
                .map_err(|e| e.to_string())?;
        }
    }
    Ok(fs)
}

/// Parses an RFC 3339 time from a case.
pub fn time(text: &str) -> Result<SystemTime, String> {
    use time::OffsetDateTime;
    use time::format_description::well_known::Rfc3339;
    OffsetDateTime::parse(text, &Rfc3339)
        .map(SystemTime::from)
        .map_err(|e| format!("time {text:?} in case.json: {e}"))
}

/// Refuses an empty list of calls or a zero count: a case that checks nothing.
pub fn non_empty<T>(calls: &[T]) -> Result<&[T], String> {
    if calls.is_empty() {
        Err("case.json: `calls` is empty, so the case checks nothing".into())
    } else {
        Ok(calls)
    }
}

/// What a provider must return.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub enum Expect {
    /// Credentials with these fields.
    Credentials(ExpectedCredentials),
    /// An error like this.
    Error(ExpectedError),
    /// The provider does not claim the profile (it is built as `None`).
    NotClaimed,
}

/// The credential fields a case lists (at least one); `null` means absent.
#[derive(Debug, Deserialize)]
#[serde(try_from = "Map<String, Value>")]
pub struct ExpectedCredentials(Map<String, Value>);

impl TryFrom<Map<String, Value>> for ExpectedCredentials {
    type Error = String;

    fn try_from(fields: Map<String, Value>) -> Result<Self, String> {
        if fields.is_empty() {
            return Err(
                "`credentials: {}` checks nothing; list the fields that must come out".into(),
            );
        }
        for (field, value) in &fields {
            let ok = match field.as_str() {
                "access_key_id" | "secret_access_key" => value.is_string(),
                "session_token" | "account_id" | "expiry" => value.is_string() || value.is_null(),
                "expiry_between" => value
                    .as_array()
                    .is_some_and(|b| b.len() == 2 && b.iter().all(Value::is_string)),
                _ => return Err(format!("unknown credentials field {field:?}")),
            };
            if !ok {
                return Err(format!(
                    "credentials field {field:?}: unexpected value {value}"
                ));
            }
        }
        Ok(Self(fields))
    }
}

/// An expected error: its kind, substrings of its message, exact fields (`null` = absent).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedError {
    /// The kind, as `CredentialsError::kind_name` names it.
    pub kind: String,
    /// Substrings of `Display`.
    pub message_contains: Vec<String>,
    /// Exact field values; `null` means the field is absent.
    #[serde(default)]
    pub fields: Map<String, Value>,
}

type ErrorCheck<'a> = Box<dyn Fn(&CredentialsError) -> Result<(), String> + 'a>;

/// Compares a provider's answer with a case's [`Expect`].
#[allow(
    missing_debug_implementations,
    reason = "it holds closures; nothing prints it"
)]
pub struct Checker<'a> {
    provider: &'a str,
    exhaustive: bool,
    fill: Box<dyn Fn(&str) -> String + 'a>,
    forbidden: Vec<String>,
    on_error: Option<ErrorCheck<'a>>,
}

impl<'a> Checker<'a> {
    /// Credentials must come from `provider`; errors must not show [`SECRET_MARKER`] or any of
    /// the case's `must_not_contain`.
    pub fn new<X>(case: &Case<X>, provider: &'a str) -> Self {
        Self {
            provider,
            exhaustive: false,
            fill: Box::new(str::to_owned),
            forbidden: std::iter::once(SECRET_MARKER.to_owned())
                .chain(case.must_not_contain.iter().cloned())
                .collect(),
            on_error: None,
        }
    }

    /// Placeholders in expected strings (`{server}`, `{port}`) are replaced through `fill`.
    pub fn fill(mut self, fill: impl Fn(&str) -> String + 'a) -> Self {
        self.fill = Box::new(fill);
        self
    }

    /// A session token, account id or expiry the case does not list must be absent.
    pub fn exhaustive(mut self) -> Self {
        self.exhaustive = true;
        self
    }

    /// No error may show `text` either.
    pub fn forbid(mut self, text: &str) -> Self {
        self.forbidden.push(text.to_owned());
        self
    }

    /// One more check on every expected error (for example that it names the profile).
    pub fn on_error(
        mut self,
        check: impl Fn(&CredentialsError) -> Result<(), String> + 'a,
    ) -> Self {
        self.on_error = Some(Box::new(check));
        self
    }

    /// Checks one answer.
    pub fn check(
        &self,
        want: &Expect,
        got: Result<Credentials, CredentialsError>,
    ) -> Result<(), String> {
        match (want, got) {
            (Expect::Credentials(want), Ok(got)) => self.credentials(want, &got),
            (Expect::Error(want), Err(got)) => self.error(want, &got),
            (Expect::Credentials(_), Err(e)) => {
                self.scan(&e)?;
                Err(format!("expected credentials, got error: {e}"))
            }
            (Expect::Error(_), Ok(c)) => Err(format!("expected an error, got {c:?}")),
            (Expect::NotClaimed, r) => Err(format!("expected no provider, got {r:?}")),
        }
    }

    /// Checks credentials field by field.
    pub fn credentials(&self, want: &ExpectedCredentials, got: &Credentials) -> Result<(), String> {
        if got.provider_name() != self.provider {
            return Err(format!(
                "provider name {:?}, expected {:?}",
                got.provider_name(),
                self.provider
            ));
        }
        let fill = |v: &Value| v.as_str().map(|s| (self.fill)(s));
        for (field, value) in &want.0 {
            let expected = fill(value);
            let expected = expected.as_deref();
            let same = match field.as_str() {
                "access_key_id" => expected == Some(got.access_key_id()),
                "secret_access_key" => expected == Some(got.secret_access_key()),
                "session_token" => expected == got.session_token(),
                "account_id" => expected == got.account_id(),
                "expiry" => expected.map(time).transpose()? == got.expiry(),
                "expiry_between" => {
                    let bounds = value.as_array().map(Vec::as_slice).unwrap_or_default();
                    let [from, to] = bounds else {
                        return Err("expiry_between must be [from, to]".into());
                    };
                    let from = time(from.as_str().unwrap_or_default())?;
                    let to = time(to.as_str().unwrap_or_default())?;
                    got.expiry().is_some_and(|e| from <= e && e <= to)
                }
                other => return Err(format!("unknown credentials field {other:?}")),
            };
            if !same {
                return Err(format!("{field}: expected {value}, got {got:?}"));
            }
        }
        if self.exhaustive {
            let listed = |f: &str| want.0.contains_key(f);
            let extra = [
                ("session_token", got.session_token().is_some()),
                ("account_id", got.account_id().is_some()),
                (
                    "expiry",
                    got.expiry().is_some() && !listed("expiry_between"),
                ),
            ];
            for (field, present) in extra {
                if present && !listed(field) {
                    return Err(format!(
                        "{field} is set but the case does not list it: {got:?}"
                    ));
                }
            }
        }
        Ok(())
    }

    /// Checks an error: kind, message, fields, the runner's own check, and the secret scan.
    pub fn error(&self, want: &ExpectedError, got: &CredentialsError) -> Result<(), String> {
        let kind = got.kind_name();
        if kind != want.kind {
            return Err(format!("expected {}, got {kind}: {got}", want.kind));
        }
        let shown = got.to_string();
        for part in &want.message_contains {
            let part = (self.fill)(part);
            if !shown.contains(part.as_str()) {
                return Err(format!("error {shown:?} does not contain {part:?}"));
            }
        }
        for (label, value) in &want.fields {
            if !(value.is_string() || value.is_null()) {
                return Err(format!("case.json: field {label} must be a string or null"));
            }
            let value = value.as_str().map(|v| (self.fill)(v));
            if got.field(label) != value.as_deref() {
                return Err(format!(
                    "field {label}: expected {value:?}, got {:?} in {shown:?}",
                    got.field(label)
                ));
            }
        }
        if let Some(check) = &self.on_error {
            check(got)?;
        }
        self.scan(got)
    }

    /// The secret scan alone: `Display`, `Debug` and pretty `Debug`.
    pub fn scan(&self, got: &CredentialsError) -> Result<(), String> {
        let everything = format!("{got} {got:?} {got:#?}");
        match self
            .forbidden
            .iter()
            .find(|s| everything.contains(s.as_str()))
        {
            Some(secret) => Err(format!("error shows {secret:?}: {everything}")),
            None => Ok(()),
        }
    }
}
