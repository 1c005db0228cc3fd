//! The cross-SDK vectors: suites `profile-parser` (65 cases) and `file-location` (9 cases).
//!
//! Both replay the vectors as aws-config's own runners do (see each fixture folder's README).

use std::collections::BTreeMap;

use awscred_profile::{FileKind, Platform, ProfileSet, Source, locate, select_profile};
use awscred_test::{FakeEnv, MemFs, Outcome, Suite, read_fixture};
use serde_json::Value;

type Flat = BTreeMap<String, BTreeMap<String, String>>;

fn cases(fixture: &str) -> Vec<Value> {
    let doc: Value = serde_json::from_str(&read_fixture(fixture)).expect("fixture is JSON");
    doc["tests"].as_array().expect("a `tests` array").clone()
}

fn flat_expected(v: Option<&Value>) -> Result<Flat, String> {
    let Some(v) = v else { return Ok(Flat::new()) };
    let sections = v.as_object().ok_or("expected an object of sections")?;
    sections
        .iter()
        .map(|(name, props)| {
            let props = props
                .as_object()
                .ok_or("expected an object of properties")?;
            let props = props
                .iter()
                .map(|(k, v)| Ok((k.clone(), v.as_str().ok_or("expected a string")?.to_owned())))
                .collect::<Result<_, String>>()?;
            Ok((name.clone(), props))
        })
        .collect()
}

fn flat<'a>(sections: impl Iterator<Item = &'a awscred_profile::Section>) -> Flat {
    sections
        .map(|s| {
            let props = s
                .iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect();
            (s.name().to_owned(), props)
        })
        .collect()
}

fn parser_case(case: &Value) -> Result<(), String> {
    let input = |key: &str| {
        case["input"]
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
    };
    let parsed = ProfileSet::parse(
        Some(Source::new("~/.aws/config", input("configFile"))),
        Some(Source::new("~/.aws/credentials", input("credentialsFile"))),
    );
    let output = &case["output"];
    match (
        parsed,
        output.get("errorContaining").and_then(Value::as_str),
    ) {
        (Err(err), Some(want)) if err.to_string().contains(want) => Ok(()),
        (Err(err), Some(want)) => Err(format!("error {err:?} does not contain {want:?}")),
        (Err(err), None) => Err(format!("expected success, got {err}")),
        (Ok(set), Some(want)) => Err(format!(
            "expected an error containing {want:?}, got {set:?}"
        )),
        (Ok(set), None) => {
            let config = &output["config"];
            let want_profiles = flat_expected(config.get("profiles"))?;
            let want_sessions = flat_expected(config.get("sso_sessions"))?;
            let profiles = flat(set.profiles());
            let sessions = flat(set.sso_session_names().filter_map(|n| set.sso_session(n)));
            if profiles != want_profiles {
                return Err(format!(
                    "profiles: want {want_profiles:?}, got {profiles:?}"
                ));
            }
            if sessions != want_sessions {
                return Err(format!(
                    "sso_sessions: want {want_sessions:?}, got {sessions:?}"
                ));
            }
            Ok(())
        }
    }
}

#[test]
fn profile_parser() {
    let mut suite = Suite::new("profile-parser", 65);
    for (i, case) in cases("profile-parser/upstream/profile-parser-tests.json")
        .iter()
        .enumerate()
    {
        let name = format!("#{i:02} {}", case["name"].as_str().unwrap_or("?"));
        suite.case(&name, || parser_case(case).into());
    }
    suite.finish();
}

fn location_case(case: &Value) -> Outcome {
    let platform = match case["platform"].as_str() {
        Some("linux") => Platform::Linux,
        Some("windows") => Platform::Windows,
        other => return Outcome::Skip(format!("unknown platform {other:?}")),
    };
    let env: FakeEnv = case["environment"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
        .collect();
    let check = || -> Result<(), String> {
        let want = |key: &str| case[key].as_str().ok_or(format!("no {key}"));
        let found = locate(&env, platform);
        let got = (found.config.path(), found.credentials.path());
        let expected = (want("configLocation")?, want("credentialsLocation")?);
        if got != expected {
            return Err(format!("locate: want {expected:?}, got {got:?}"));
        }
        // The same through the loader, which also reports what it read.
        let set = ProfileSet::load_for(&env, &MemFs::new(), platform).map_err(|e| e.to_string())?;
        let read: Vec<_> = set
            .locations()
            .iter()
            .map(|s| (s.location().kind(), s.location().path()))
            .collect();
        let want_read = [
            (FileKind::Config, expected.0),
            (FileKind::Credentials, expected.1),
        ];
        if read != want_read {
            return Err(format!("load: want {want_read:?}, got {read:?}"));
        }
        if let Some(profile) = case.get("profile").and_then(Value::as_str) {
            let selected = select_profile(None, &env);
            if selected.name() != profile {
                return Err(format!("profile: want {profile:?}, got {selected}"));
            }
        }
        Ok(())
    };
    check().into()
}

#[test]
fn file_location() {
    let mut suite = Suite::new("file-location", 9);
    for (i, case) in cases("file-location/upstream/file-location-tests.json")
        .iter()
        .enumerate()
    {
        let name = format!("#{i} {}", case["name"].as_str().unwrap_or("?"));
        suite.case(&name, || location_case(case));
    }
    suite.finish();
}
