//! The 28 cross-SDK assume-role plan vectors (`fixtures/assume-role/upstream`), plus this
//! crate's own cases for botocore's rules the vectors do not cover.

use awscred_profile::{ProfileSet, Source};
use awscred_provider_assume_role::{BaseProvider, ProfileChain, plan};
use awscred_test::{Outcome, Suite, read_fixture};
use serde_json::{Map, Value, json};

fn config(input: &Value) -> String {
    let mut text = String::new();
    for (name, keys) in input["profiles"].as_object().into_iter().flatten() {
        text.push_str(&format!("[profile {name}]\n"));
        for (k, v) in keys.as_object().into_iter().flatten() {
            text.push_str(&format!("{k} = {}\n", v.as_str().unwrap_or_default()));
        }
    }
    for (name, keys) in input["sso_sessions"].as_object().into_iter().flatten() {
        text.push_str(&format!("[sso-session {name}]\n"));
        for (k, v) in keys.as_object().into_iter().flatten() {
            text.push_str(&format!("{k} = {}\n", v.as_str().unwrap_or_default()));
        }
    }
    text
}

fn opt(m: &mut Map<String, Value>, k: &str, v: &Option<String>) {
    if let Some(v) = v {
        m.insert(k.into(), v.clone().into());
    }
}

/// The plan in the vectors' shape (absent options omitted).
fn as_vector(chain: &ProfileChain) -> Value {
    let mut out = Vec::new();
    out.push(match &chain.base {
        BaseProvider::AccessKey(c) => {
            let mut m = Map::new();
            m.insert("access_key_id".into(), c.access_key_id().into());
            m.insert("secret_access_key".into(), c.secret_access_key().into());
            opt(
                &mut m,
                "session_token",
                &c.session_token().map(str::to_owned),
            );
            opt(&mut m, "account_id", &c.account_id().map(str::to_owned));
            json!({"AccessKey": m})
        }
        BaseProvider::NamedSource(s) => json!({"NamedSource": s.as_str()}),
        BaseProvider::WebIdentity {
            role_arn,
            token_file,
            role_session_name,
        } => {
            let mut m = Map::new();
            m.insert("role_arn".into(), role_arn.clone().into());
            m.insert("web_identity_token_file".into(), token_file.clone().into());
            opt(&mut m, "role_session_name", role_session_name);
            json!({"WebIdentityToken": m})
        }
        BaseProvider::Sso {
            sso_session,
            sso_region,
            sso_start_url,
            sso_account_id,
            sso_role_name,
        } => {
            let mut m = Map::new();
            m.insert("sso_region".into(), sso_region.clone().into());
            m.insert("sso_start_url".into(), sso_start_url.clone().into());
            opt(&mut m, "sso_session", sso_session);
            opt(&mut m, "sso_account_id", sso_account_id);
            opt(&mut m, "sso_role_name", sso_role_name);
            json!({"Sso": m})
        }
        BaseProvider::CredentialProcess {
            command,
            account_id,
        } => {
            let mut m = Map::new();
            m.insert("command".into(), command.clone().into());
            opt(&mut m, "account_id", account_id);
            json!({"CredentialProcess": m})
        }
        BaseProvider::Login { login_session, .. } => {
            json!({"LoginSession": {"login_session_arn": login_session}})
        }
        other => json!({"Unknown": format!("{other:?}")}),
    });
    for hop in &chain.roles {
        let mut m = Map::new();
        m.insert("role_arn".into(), hop.role_arn.clone().into());
        opt(&mut m, "external_id", &hop.external_id);
        opt(&mut m, "role_session_name", &hop.role_session_name);
        out.push(json!({"AssumeRole": m}));
    }
    Value::Array(out)
}

/// Drops `null` members so "absent" and "null" compare equal.
fn strip_nulls(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), strip_nulls(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(strip_nulls).collect()),
        other => other.clone(),
    }
}

/// Where the vectors' error text (aws-sdk-rust's) and ours differ in words, not in meaning: our
/// messages name both profiles and what to fix (`docs/compatibility.md`, Assume-role planning).
/// Every other vector error must appear verbatim.
const WORDING: &[(&str, &str)] = &[
    (
        "profile contained both source_profile and credential_source",
        "profile \"A\" has both source_profile and credential_source",
    ),
    (
        "could not find source profile B referenced from A",
        "source_profile \"B\" referenced in profile \"A\" does not exist",
    ),
    (
        "profile formed an infinite loop",
        "infinite loop in credential configuration: ",
    ),
    (
        "profile must contain `source_profile`",
        "has role_arn but neither source_profile nor credential_source",
    ),
];

fn run(input: &Value, output: &Value) -> Outcome {
    let set = match ProfileSet::parse(Some(Source::new("/config", config(input))), None) {
        Ok(s) => s,
        Err(e) => return Outcome::Fail(format!("the vector's profiles did not parse: {e}")),
    };
    let result = plan(&set, input["selected_profile"].as_str().unwrap_or_default());
    match (result, output.get("ProfileChain"), output.get("Error")) {
        (Ok(chain), Some(want), _) => {
            let got = as_vector(&chain);
            if strip_nulls(&got) == strip_nulls(want) {
                Outcome::Pass
            } else {
                Outcome::Fail(format!("got {got}, want {want}"))
            }
        }
        (Err(e), _, Some(want)) => {
            let Some(want) = want.as_str() else {
                return Outcome::Fail(format!("the vector's Error {want} is not a string"));
            };
            let ours = WORDING
                .iter()
                .find(|(theirs, _)| *theirs == want)
                .map_or(want, |(_, ours)| *ours);
            if e.to_string().contains(ours) {
                Outcome::Pass
            } else {
                Outcome::Fail(format!("error {e:?} lacks {want:?}"))
            }
        }
        (Ok(chain), None, _) => {
            Outcome::Fail(format!("expected an error, got {}", as_vector(&chain)))
        }
        (Err(e), _, None) => Outcome::Fail(format!("unexpected error: {e}")),
    }
}

#[test]
fn assume_role_plan_conformance() {
    let mut suite = Suite::new("assume-role-plan", 37);
    let cases: Vec<Value> =
        serde_json::from_str(&read_fixture("assume-role/upstream/assume-role-tests.json")).unwrap();
    for (i, case) in cases.iter().enumerate() {
        let name = format!("{:02} {}", i + 1, case["docs"].as_str().unwrap_or("?"));
        suite.case(&name, || run(&case["input"], &case["output"]));
    }
    // Botocore's rules the vectors leave out.
    let own = json!([
        {"docs": "credential_source is case-sensitive, as botocore checks it",
         "input": {"profiles": {"A": {"role_arn": "arn:r", "credential_source": "environment"}}, "selected_profile": "A"},
         "output": {"Error": "the credential source \"environment\" is not valid"}},
        {"docs": "self reference without static keys is a loop",
         "input": {"profiles": {"A": {"role_arn": "arn:r", "source_profile": "A"}}, "selected_profile": "A"},
         "output": {"Error": "infinite loop in credential configuration: A -> A"}},
        {"docs": "loops list the visited profiles",
         "input": {"profiles": {"a": {"role_arn": "arn:a", "source_profile": "b"}, "b": {"role_arn": "arn:b", "source_profile": "a"}}, "selected_profile": "a"},
         "output": {"Error": "a -> b -> a"}},
        {"docs": "duration_seconds outside 900..43200 is an error naming the value",
         "input": {"profiles": {"A": {"role_arn": "arn:r", "source_profile": "B", "duration_seconds": "60"}, "B": {"aws_access_key_id": "k", "aws_secret_access_key": "s"}}, "selected_profile": "A"},
         "output": {"Error": "not \"60\""}},
        {"docs": "a three-hop chain ends at the first profile with keys; credential_process base",
         "input": {"profiles": {"A": {"role_arn": "arn:a", "source_profile": "B"}, "B": {"role_arn": "arn:b", "source_profile": "C", "role_session_name": "mid"}, "C": {"credential_process": "echo hi", "aws_account_id": "123456789012"}}, "selected_profile": "A"},
         "output": {"ProfileChain": [{"CredentialProcess": {"command": "echo hi", "account_id": "123456789012"}}, {"AssumeRole": {"role_arn": "arn:b", "role_session_name": "mid"}}, {"AssumeRole": {"role_arn": "arn:a"}}]}},
        {"docs": "both source_profile and credential_source is an error naming the profile",
         "input": {"profiles": {"prod": {"role_arn": "arn:r", "source_profile": "base", "credential_source": "Environment"}, "base": {"aws_access_key_id": "k", "aws_secret_access_key": "s"}}, "selected_profile": "prod"},
         "output": {"Error": "profile \"prod\" has both source_profile and credential_source"}},
        {"docs": "neither source_profile nor credential_source is an error naming the profile",
         "input": {"profiles": {"prod": {"role_arn": "arn:r"}}, "selected_profile": "prod"},
         "output": {"Error": "profile \"prod\" has role_arn but neither source_profile nor credential_source"}},
        {"docs": "a missing source_profile names both profiles",
         "input": {"profiles": {"prod": {"role_arn": "arn:r", "source_profile": "base"}}, "selected_profile": "prod"},
         "output": {"Error": "source_profile \"base\" referenced in profile \"prod\" does not exist"}},
        {"docs": "credential_source EcsContainer",
         "input": {"profiles": {"A": {"role_arn": "arn:a", "credential_source": "EcsContainer", "external_id": "x"}}, "selected_profile": "A"},
         "output": {"ProfileChain": [{"NamedSource": "EcsContainer"}, {"AssumeRole": {"role_arn": "arn:a", "external_id": "x"}}]}}
    ]);
    for case in own.as_array().unwrap() {
        let name = format!("own: {}", case["docs"].as_str().unwrap_or("?"));
        suite.case(&name, || run(&case["input"], &case["output"]));
    }
    suite.finish();
}

#[test]
fn hops_carry_mfa_serial_duration_and_the_profile_name() {
    let set = ProfileSet::parse(
        Some(Source::new(
            "/config",
            "[profile prod]\nrole_arn = arn:p\nsource_profile = base\nmfa_serial = arn:mfa\nduration_seconds = 3600\n\
             [profile base]\naws_access_key_id = AKID\naws_secret_access_key = SECRET\n",
        )),
        None,
    )
    .unwrap();
    let chain = plan(&set, "prod").unwrap();
    assert_eq!(chain.roles.len(), 1);
    let hop = &chain.roles[0];
    assert_eq!(
        (
            hop.profile.as_str(),
            hop.mfa_serial.as_deref(),
            hop.duration_seconds
        ),
        ("prod", Some("arn:mfa"), Some(3600))
    );
    assert!(!format!("{chain:?}").contains("SECRET"));
    let err = plan(&set, "missing").unwrap_err();
    assert!(err.to_string().contains("missing"), "{err}");
}
