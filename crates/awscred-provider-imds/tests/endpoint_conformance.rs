//! The `imds-endpoint` conformance suite: the 14 cross-SDK IMDS endpoint vectors in
//! `fixtures/imds-endpoint/upstream/`, resolved without sending anything.
#![allow(
    clippy::disallowed_methods,
    reason = "the suite reads its fixture file"
)]

use std::collections::BTreeMap;

use awscred_profile::{ProfileSet, select_profile};
use awscred_provider_imds::{EndpointMode, resolve_endpoint};
use awscred_test::{Outcome, Suite, fixtures_dir};
use awscred_types::{FakeEnv, MemFs};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Vectors {
    tests: Vec<Vector>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Vector {
    docs: String,
    env: BTreeMap<String, String>,
    fs: BTreeMap<String, String>,
    #[serde(default)]
    endpoint_override: Option<String>,
    #[serde(default)]
    mode_override: Option<String>,
    result: Expected,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
enum Expected {
    Ok(String),
    Err(String),
}

fn run(vector: &Vector) -> Result<(), String> {
    let env: FakeEnv = vector.env.iter().collect();
    let fs = MemFs::new();
    for (path, contents) in &vector.fs {
        fs.insert(path, contents.as_bytes());
    }
    let set = ProfileSet::load(&env, &fs).map_err(|e| format!("loading profiles: {e}"))?;
    let selected = select_profile(None, &env);
    let profile = set.profile(selected.name());
    let mode = vector
        .mode_override
        .as_deref()
        .map(str::parse::<EndpointMode>)
        .transpose()
        .map_err(|e| format!("mode_override in the vector: {e}"))?;
    let result = resolve_endpoint(&env, profile, vector.endpoint_override.as_deref(), mode);
    match (&vector.result, result) {
        (Expected::Ok(want), Ok(endpoint)) if endpoint.token_url() == *want => Ok(()),
        (Expected::Ok(want), Ok(endpoint)) => {
            Err(format!("expected {want}, got {}", endpoint.token_url()))
        }
        (Expected::Ok(want), Err(e)) => Err(format!("expected {want}, got error: {e}")),
        (Expected::Err(want), Err(e)) if e.to_string().contains(want.as_str()) => Ok(()),
        (Expected::Err(want), Err(e)) => Err(format!("error {e:?} does not contain {want:?}")),
        (Expected::Err(want), Ok(endpoint)) => Err(format!(
            "expected an error containing {want:?}, got {}",
            endpoint.token_url()
        )),
    }
}

#[test]
fn imds_endpoint_vectors() {
    let path = fixtures_dir().join("imds-endpoint/upstream/imds-endpoint-tests.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    let vectors: Vectors = serde_json::from_str(&text).expect("the vectors parse");
    let mut suite = Suite::new("imds-endpoint", 14);
    for vector in &vectors.tests {
        suite.case(&vector.docs, || Outcome::from(run(vector)));
    }
    suite.finish();
}
