//! The `provider-profile` conformance suite: every `fixtures/provider-profile/<case>/` is run
//! through both providers (the folder layout is in the fixtures' README and
//! `awscred_test::conformance`).
//!
//! `expect` has one entry per provider (`shared-credentials-file`, `config-file`), compared
//! exhaustively (an unlisted session token or account id must be absent). The files are loaded
//! once, with the Linux path rules, into one `ProfileSet` both providers share, as a chain does;
//! an error from loading is what both providers must then report. Every error a provider
//! returns must name the selected profile.

use std::path::Path;
use std::sync::Arc;

use awscred_profile::{Platform, ProfileSet, select_profile};
use awscred_provider_profile::{ConfigFileProvider, SharedCredentialsProvider};
use awscred_test::Outcome;
use awscred_test::conformance::{self, Checker, Expect};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileCase {
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

fn run_case(dir: &Path) -> Result<(), String> {
    let case = conformance::load::<ProfileCase>(dir)?;
    let fs = conformance::mount(dir)?;
    let env = case.fake_env(str::to_owned);
    let selected = select_profile(case.suite.profile.as_deref(), &env);
    let profile = selected.name();
    let (shared, config, from_provider) = match ProfileSet::load_for(&env, &fs, Platform::Linux) {
        Ok(set) => {
            let set = Arc::new(set);
            let shared = SharedCredentialsProvider::new(set.clone(), profile).load();
            (shared, ConfigFileProvider::new(set, profile).load(), true)
        }
        Err(e) => (Err(e.clone()), Err(e), false),
    };
    let expect = &case.suite.expect;
    let checks = [
        (
            SharedCredentialsProvider::PROVIDER_NAME,
            &expect.shared_credentials_file,
            shared,
        ),
        (
            ConfigFileProvider::PROVIDER_NAME,
            &expect.config_file,
            config,
        ),
    ];
    for (name, want, got) in checks {
        Checker::new(&case, name)
            .exhaustive()
            .on_error(|e| match e.field("profile") {
                Some(p) if p == profile => Ok(()),
                _ if !from_provider => Ok(()),
                other => Err(format!("error names profile {other:?}, not {profile:?}")),
            })
            .check(want, got)
            .map_err(|e| format!("{name}: {e}"))?;
    }
    Ok(())
}

#[test]
fn provider_profile() {
    conformance::run_folders("provider-profile", 31, |dir| Outcome::from(run_case(dir)));
}
