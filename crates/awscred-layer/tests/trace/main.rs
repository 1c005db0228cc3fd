//! Trace: one record per call, never a secret.

#[path = "../support/mod.rs"]
mod support;

use std::sync::Arc;
use std::time::Duration;

use awscred_layer::{CacheLayer, ProviderRetryLayer, TraceLayer, TraceLog, TraceOutcome};
use awscred_types::{CredentialsError, ProvideCredentials};
use support::{Fake, clock, expiring, t0};
use tower_layer::Layer;

#[tokio::test(start_paused = true)]
async fn records_outcomes_durations_and_cache_hits() {
    let clock = clock();
    let expiry = t0() + Duration::from_secs(3600);
    let fake = Fake::new([
        Err(CredentialsError::not_loaded("AWS_ACCESS_KEY_ID is not set")),
        Err(CredentialsError::provider_error("STS said AccessDenied").with("profile", "prod")),
        Ok(expiring("AKIAIOSFODNN7EXAMPLE", expiry)),
    ]);
    let log = TraceLog::new();
    let provider = TraceLayer::new("assume-role", log.clone())
        .layer(CacheLayer::new().clock(Arc::new(clock)).layer(fake.clone()));
    provider.provide_credentials().await.unwrap_err();
    provider.provide_credentials().await.unwrap_err();
    provider.provide_credentials().await.unwrap();
    provider.provide_credentials().await.unwrap();

    let events = log.events();
    assert_eq!(events.len(), 4);
    assert!(events.iter().all(|e| e.provider == "assume-role"));
    assert_eq!(
        events[0].outcome,
        TraceOutcome::NotLoaded {
            reason: "AWS_ACCESS_KEY_ID is not set".into()
        }
    );
    assert_eq!(
        events[1].outcome,
        TraceOutcome::Failed {
            kind: "ProviderError",
            error: "STS said AccessDenied (profile: prod)".into()
        }
    );
    assert_eq!(
        events[2].outcome,
        TraceOutcome::Answered {
            access_key_id: "AKIA************MPLE".into(),
            expiry: Some(expiry),
            method: "fake",
        }
    );
    assert_eq!(
        events.iter().map(|e| e.from_cache).collect::<Vec<_>>(),
        [false, false, false, true]
    );
    let shown = format!("{log}{log:?}");
    assert!(
        !shown.contains("SECRET") && !shown.contains("TOKEN"),
        "{shown}"
    );
    assert!(!shown.contains("AKIAIOSFODNN7EXAMPLE"), "{shown}");
    assert!(shown.contains("assume-role: answered (AKIA************MPLE, method fake, expires 2023-11-14T23:13:20Z) in "), "{shown}");
    assert!(shown.contains("(from cache)"));
    assert_eq!(log.take().len(), 4);
    assert!(log.is_empty());
}

/// Real time (the layer measures with the monotonic std clock): two 40 ms attempts take at
/// least 80 ms, and the record says so. Only a lower bound: a loaded machine is slow, never fast.
#[tokio::test]
async fn records_durations_and_retry_warnings() {
    let fake = Fake::new([
        Err(CredentialsError::provider_error("500")),
        Ok(support::creds("AKIDA")),
    ])
    .with_delay(Duration::from_millis(40));
    let log = TraceLog::new();
    let provider = TraceLayer::new("container", log.clone()).layer(
        ProviderRetryLayer::new()
            .base_delay(Duration::from_millis(1))
            .layer(fake),
    );
    provider.provide_credentials().await.unwrap();
    let event = &log.events()[0];
    assert!(
        event.duration >= Duration::from_millis(80),
        "two 40 ms attempts recorded as {:?}",
        event.duration
    );
    assert_eq!(event.warnings.len(), 1);
    assert!(
        event.warnings[0].starts_with("attempt 1 of 3 failed; retrying in "),
        "{:?}",
        event.warnings
    );
    assert!(format!("{log}").contains("\n  warning: attempt 1 of 3 failed"));
}

#[tokio::test]
async fn nested_traces_pass_warnings_up() {
    let fake = Fake::new([
        Err(CredentialsError::provider_error("500")),
        Ok(support::creds("AKIDA")),
    ]);
    let (outer, inner) = (TraceLog::new(), TraceLog::new());
    let provider = TraceLayer::new("outer", outer.clone()).layer(
        TraceLayer::new("inner", inner.clone()).layer(
            ProviderRetryLayer::new()
                .base_delay(Duration::ZERO)
                .layer(fake),
        ),
    );
    provider.provide_credentials().await.unwrap();
    assert_eq!(inner.events()[0].warnings.len(), 1);
    assert_eq!(outer.events()[0].warnings, inner.events()[0].warnings);
}

#[tokio::test]
async fn measures_duration() {
    let fake = Fake::new([Ok(support::creds("AKIDA"))]).with_delay(Duration::from_millis(20));
    let log = TraceLog::new();
    TraceLayer::new("slow", log.clone())
        .layer(fake)
        .provide_credentials()
        .await
        .unwrap();
    assert!(log.events()[0].duration >= Duration::from_millis(20));
}
