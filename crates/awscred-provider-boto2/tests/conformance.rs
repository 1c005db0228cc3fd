//! The `provider-boto2` and `provider-ec2-file` conformance suites: every
//! `fixtures/provider-boto2/<case>/` is run through [`BotoProvider`], every
//! `fixtures/provider-ec2-file/<case>/` through [`Ec2CredentialFileProvider`] (the folder layout
//! is in the fixtures' READMEs and `awscred_test::conformance`).
//!
//! `fs/` is mounted at `/` (so `fs/etc/boto.cfg` is `/etc/boto.cfg`) and paths follow the Linux
//! rules on every host. Credentials are compared exhaustively: boto2 credentials never carry a
//! token, an account id or an expiry.

use std::path::Path;
use std::sync::Arc;

use awscred_profile::Platform;
use awscred_provider_boto2::{
    BotoProvider, EC2_PROVIDER_NAME, Ec2CredentialFileProvider, PROVIDER_NAME,
};
use awscred_test::Outcome;
use awscred_test::conformance::{self, Checker, Expect};
use awscred_types::Sources;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Boto2 {
    expect: Expect,
}

/// One case through the provider `load` builds from the case's environment and files.
fn run_case(
    dir: &Path,
    provider_name: &'static str,
    load: impl Fn(&Sources) -> Result<awscred_types::Credentials, awscred_types::CredentialsError>,
) -> Result<(), String> {
    let case = conformance::load::<Boto2>(dir)?;
    let sources = Sources::default()
        .with_env(Arc::new(case.fake_env(str::to_owned)))
        .with_fs(Arc::new(conformance::mount(dir)?));
    Checker::new(&case, provider_name)
        .exhaustive()
        .check(&case.suite.expect, load(&sources))
}

#[test]
fn provider_boto2() {
    conformance::run_folders("provider-boto2", 25, |dir| {
        Outcome::from(run_case(dir, PROVIDER_NAME, |s| {
            BotoProvider::builder(s)
                .platform(Platform::Linux)
                .build()
                .load()
        }))
    });
}

#[test]
fn provider_ec2_file() {
    conformance::run_folders("provider-ec2-file", 14, |dir| {
        Outcome::from(run_case(dir, EC2_PROVIDER_NAME, |s| {
            Ec2CredentialFileProvider::builder(s)
                .platform(Platform::Linux)
                .build()
                .load()
        }))
    });
}
