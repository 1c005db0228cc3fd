//! The chain's contract: first answer wins, NotLoaded moves on, other errors stop it.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use awscred_chain::{ChainProvider, Step};
use awscred_types::{Credentials, CredentialsError, ProvideCredentials, SharedProvider};

#[derive(Debug)]
struct Fixed(Result<Credentials, CredentialsError>, AtomicUsize);

#[async_trait::async_trait]
impl ProvideCredentials for Fixed {
    async fn provide_credentials(&self) -> Result<Credentials, CredentialsError> {
        self.1.fetch_add(1, Ordering::SeqCst);
        self.0.clone()
    }
}

fn fixed(r: Result<Credentials, CredentialsError>) -> Arc<Fixed> {
    Arc::new(Fixed(r, AtomicUsize::new(0)))
}

fn ok(id: &str) -> Arc<Fixed> {
    fixed(Ok(Credentials::new(id, "secret", "test")))
}

#[tokio::test]
async fn first_answer_wins_and_later_providers_are_not_asked() {
    let (a, b, c) = (
        fixed(Err(CredentialsError::not_loaded("nothing in env"))),
        ok("B"),
        ok("C"),
    );
    let chain = ChainProvider::new()
        .with("a", a.clone())
        .with("b", b.clone())
        .with("c", c.clone());
    assert_eq!(
        chain.provide_credentials().await.unwrap().access_key_id(),
        "B"
    );
    assert_eq!(
        (a.1.load(Ordering::SeqCst), c.1.load(Ordering::SeqCst)),
        (1, 0)
    );
}

#[tokio::test]
async fn a_configured_but_broken_provider_stops_the_chain() {
    let broken = fixed(Err(CredentialsError::invalid_configuration("partial keys")));
    let later = ok("LATER");
    let chain = ChainProvider::new()
        .with("env", broken)
        .with("imds", later.clone());
    let err = chain.provide_credentials().await.unwrap_err();
    assert!(err.is_invalid_configuration());
    assert_eq!(err.field("provider"), Some("env"));
    assert_eq!(later.1.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn nothing_anywhere_lists_every_provider_and_why() {
    let chain = ChainProvider::new()
        .with(
            "env",
            fixed(Err(CredentialsError::not_loaded(
                "AWS_ACCESS_KEY_ID is not set",
            ))),
        )
        .with(
            "imds",
            fixed(Err(CredentialsError::not_loaded(
                "AWS_EC2_METADATA_DISABLED is true",
            ))),
        );
    let (result, steps) = chain.resolve_traced().await;
    let err = result.unwrap_err();
    assert!(err.is_not_loaded());
    let text = err.to_string();
    assert!(
        text.contains("\n  env: AWS_ACCESS_KEY_ID is not set"),
        "{text}"
    );
    assert!(
        text.contains("\n  imds: AWS_EC2_METADATA_DISABLED is true"),
        "{text}"
    );
    assert!(steps.iter().all(|(_, s)| matches!(s, Step::Skipped(_))));
}

#[tokio::test]
async fn edit_by_name() {
    let mut chain = ChainProvider::new().with("a", ok("A")).with("b", ok("B"));
    chain.insert_before("a", "first", ok("F") as SharedProvider);
    assert_eq!(chain.names().collect::<Vec<_>>(), ["first", "a", "b"]);
    assert!(chain.remove("first"));
    assert!(!chain.remove("first"));
    assert!(chain.replace("a", ok("A2")));
    chain.reorder(&["b"]);
    assert_eq!(chain.names().collect::<Vec<_>>(), ["b", "a"]);
    assert_eq!(
        chain.provide_credentials().await.unwrap().access_key_id(),
        "B"
    );
    assert!(
        ChainProvider::new()
            .provide_credentials()
            .await
            .unwrap_err()
            .is_not_loaded()
    );
}
