//! StaticStability: last good credentials while valid, the error once they expire.

#[path = "../support/mod.rs"]
mod support;

use std::sync::Arc;
use std::time::Duration;

use awscred_layer::{StaticStabilityLayer, TraceLayer, TraceLog};
use awscred_types::{CredentialsError, ProvideCredentials};
use support::{Fake, clock, creds, expiring, t0};
use tower_layer::Layer;

const MIN: Duration = Duration::from_secs(60);

#[tokio::test]
async fn failure_with_valid_last_good_serves_them_with_a_warning() {
    let clock = clock();
    let good = expiring("AKIAIOSFODNN7EXAMPLE", t0() + 30 * MIN);
    let fake = Fake::new([
        Ok(good.clone()),
        Err(CredentialsError::provider_error("IMDS answered 500")),
    ]);
    let log = TraceLog::new();
    let provider = TraceLayer::new("imds", log.clone())
        .layer(StaticStabilityLayer::with_clock(Arc::new(clock.clone())).layer(fake.clone()));
    assert_eq!(provider.provide_credentials().await.unwrap(), good);
    clock.advance(29 * MIN);
    assert_eq!(provider.provide_credentials().await.unwrap(), good);
    assert_eq!(fake.calls(), 2);
    let warnings = &log.events()[1].warnings;
    assert_eq!(warnings.len(), 1);
    assert!(
        warnings[0].contains("serving the last good credentials"),
        "{warnings:?}"
    );
    assert!(warnings[0].contains("IMDS answered 500"));
    assert!(warnings[0].contains("AKIA************MPLE"));
}

#[tokio::test]
async fn failure_with_expired_last_good_is_the_error() {
    let clock = clock();
    let fake = Fake::new([
        Ok(expiring("AKIDA", t0() + 30 * MIN)),
        Err(CredentialsError::timed_out("IMDS did not answer")),
    ]);
    let provider = StaticStabilityLayer::with_clock(Arc::new(clock.clone())).layer(fake.clone());
    provider.provide_credentials().await.unwrap();
    clock.advance(30 * MIN); // exactly at expiry: expired
    let err = provider.provide_credentials().await.unwrap_err();
    assert!(err.is_timed_out());
    assert_eq!(provider.last_good().unwrap().access_key_id(), "AKIDA");
}

#[tokio::test]
async fn failure_with_nothing_remembered_is_the_error() {
    let fake = Fake::new([Err(CredentialsError::provider_error("down"))]);
    let provider = StaticStabilityLayer::with_clock(Arc::new(clock())).layer(fake);
    assert!(
        provider
            .provide_credentials()
            .await
            .unwrap_err()
            .is_provider_error()
    );
}

#[tokio::test]
async fn configuration_errors_pass_through() {
    let fake = Fake::new([
        Ok(creds("AKIDA")),
        Err(CredentialsError::not_loaded("unset")),
        Err(CredentialsError::invalid_configuration("bad")),
    ]);
    let provider = StaticStabilityLayer::with_clock(Arc::new(clock())).layer(fake);
    provider.provide_credentials().await.unwrap();
    assert!(
        provider
            .provide_credentials()
            .await
            .unwrap_err()
            .is_not_loaded()
    );
    assert!(
        provider
            .provide_credentials()
            .await
            .unwrap_err()
            .is_invalid_configuration()
    );
}

#[tokio::test]
async fn a_new_answer_replaces_the_last_good() {
    let fake = Fake::new([
        Ok(creds("AKIDA")),
        Ok(creds("AKIDB")),
        Err(CredentialsError::provider_error("down")),
    ]);
    let provider = StaticStabilityLayer::with_clock(Arc::new(clock())).layer(fake);
    provider.provide_credentials().await.unwrap();
    provider.provide_credentials().await.unwrap();
    let got = provider.provide_credentials().await.unwrap();
    assert_eq!(got.access_key_id(), "AKIDB", "no expiry: always valid");
}
