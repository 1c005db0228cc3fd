//! `ChainProvider::resolve_traced_now`: the answers the local providers give (environment,
//! the two profile files, boto2) need no async runtime, and a chain that reaches a provider
//! that may need one says so instead of polling it. These tests run on no runtime at all: a
//! provider that touched tokio's I/O or timers here would panic.

use std::sync::Arc;

use awscred_chain::{DefaultChain, Step};
use awscred_types::{FakeEnv, MemFs};

const HOME: &str = "/home/me";

fn chain(env: &[(&str, &str)], config: &str, credentials: &str) -> DefaultChain {
    let env = env
        .iter()
        .fold(FakeEnv::new().with("HOME", HOME), |e, (k, v)| {
            e.with(*k, *v)
        });
    let fs = MemFs::new()
        .with_file(format!("{HOME}/.aws/config"), config)
        .with_file(format!("{HOME}/.aws/credentials"), credentials);
    DefaultChain::builder()
        .env(Arc::new(env))
        .fs(Arc::new(fs))
        .build()
        .unwrap()
}

const KEYS: &str = "[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = s\n";

#[test]
fn static_keys_in_a_file_or_the_environment_answer_without_a_runtime() {
    let (answer, steps) = chain(&[], "", KEYS).chain().resolve_traced_now().unwrap();
    assert_eq!(answer.unwrap().access_key_id(), "AKIDFILE");
    assert!(matches!(steps.last(), Some((_, Step::Answered))));

    let env = [
        ("AWS_ACCESS_KEY_ID", "AKIDENV"),
        ("AWS_SECRET_ACCESS_KEY", "s"),
    ];
    let (answer, _) = chain(&env, "", KEYS).chain().resolve_traced_now().unwrap();
    assert_eq!(answer.unwrap().access_key_id(), "AKIDENV");

    let config = "[default]\naws_access_key_id = AKIDCONFIG\naws_secret_access_key = s\n";
    let (answer, _) = chain(&[], config, "").chain().resolve_traced_now().unwrap();
    assert_eq!(answer.unwrap().access_key_id(), "AKIDCONFIG");
}

#[test]
fn a_broken_local_source_stops_the_chain_without_a_runtime() {
    let env = [("AWS_ACCESS_KEY_ID", "AKIDENV")]; // the secret is missing
    let (answer, steps) = chain(&env, "", KEYS).chain().resolve_traced_now().unwrap();
    assert!(answer.is_err());
    assert!(matches!(steps.last(), Some((_, Step::Failed(_)))));
}

#[test]
fn a_provider_that_may_need_a_runtime_is_left_to_one() {
    // A role profile: the answer needs STS.
    let config = "[default]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = base\n\
                  [profile base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = s\n";
    assert!(
        chain(&[], config, "")
            .chain()
            .resolve_traced_now()
            .is_none()
    );
    // Nothing configured: the container and IMDS providers are next.
    assert!(chain(&[], "", "").chain().resolve_traced_now().is_none());
}
