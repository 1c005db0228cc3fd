//! ProviderRetry: transient errors only, bounded attempts, backoff.

#[path = "../support/mod.rs"]
mod support;

use std::time::Duration;

use awscred_layer::ProviderRetryLayer;
use awscred_layer::retry::is_transient;
use awscred_types::{CredentialsError, ProvideCredentials};
use support::{Fake, creds};
use tower_layer::Layer;

fn layer() -> ProviderRetryLayer {
    ProviderRetryLayer::new()
        .max_attempts(4)
        .base_delay(Duration::from_millis(100))
        .max_delay(Duration::from_millis(250))
}

#[tokio::test(start_paused = true)]
async fn transient_errors_are_retried_until_success() {
    let fake = Fake::new([
        Err(CredentialsError::provider_error("500")),
        Err(CredentialsError::timed_out("slow")),
        Ok(creds("AKIDA")),
    ]);
    let provider = layer().layer(fake.clone());
    let start = tokio::time::Instant::now();
    assert_eq!(awscred_test::key_id(&provider).await, "AKIDA");
    assert_eq!(fake.calls(), 3);
    // Two backoffs: at most 100 ms + 200 ms.
    assert!(
        start.elapsed() <= Duration::from_millis(300),
        "{:?}",
        start.elapsed()
    );
}

#[tokio::test(start_paused = true)]
async fn attempts_are_capped_and_counted() {
    let fake = Fake::new([Err(CredentialsError::provider_error("500"))]);
    let start = tokio::time::Instant::now();
    let err = layer()
        .layer(fake.clone())
        .provide_credentials()
        .await
        .unwrap_err();
    assert_eq!(fake.calls(), 4);
    assert!(err.is_provider_error());
    assert_eq!(err.field("attempts"), Some("4"));
    // Backoffs capped: 100 + 200 + 250 at most.
    assert!(
        start.elapsed() <= Duration::from_millis(550),
        "{:?}",
        start.elapsed()
    );
}

#[tokio::test(start_paused = true)]
async fn not_loaded_and_invalid_configuration_are_not_retried() {
    let fake = Fake::new([Err(CredentialsError::not_loaded("unset"))]);
    assert!(
        layer()
            .layer(fake.clone())
            .provide_credentials()
            .await
            .unwrap_err()
            .is_not_loaded()
    );
    assert_eq!(fake.calls(), 1);

    let fake = Fake::new([Err(CredentialsError::invalid_configuration("bad"))]);
    let err = layer()
        .layer(fake.clone())
        .provide_credentials()
        .await
        .unwrap_err();
    assert!(err.is_invalid_configuration());
    assert_eq!(err.field("attempts"), None);
    assert_eq!(fake.calls(), 1);
}

#[tokio::test(start_paused = true)]
async fn zero_attempts_means_one() {
    let fake = Fake::new([Err(CredentialsError::provider_error("500"))]);
    ProviderRetryLayer::new()
        .max_attempts(0)
        .layer(fake.clone())
        .provide_credentials()
        .await
        .unwrap_err();
    assert_eq!(fake.calls(), 1);
}

#[test]
fn transient_is_provider_error_or_timed_out() {
    assert!(is_transient(&CredentialsError::provider_error("x")));
    assert!(is_transient(&CredentialsError::timed_out("x")));
    assert!(!is_transient(&CredentialsError::not_loaded("x")));
    assert!(!is_transient(&CredentialsError::invalid_configuration("x")));
}
