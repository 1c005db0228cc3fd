//! tower::ServiceBuilder composes the layers into one provider.

#[path = "../support/mod.rs"]
mod support;

use std::sync::Arc;
use std::time::Duration;

use awscred_layer::{
    Cache, CacheLayer, ProviderRetry, ProviderRetryLayer, StaticStability, StaticStabilityLayer,
    Timeout, TimeoutLayer, Trace, TraceLayer, TraceLog,
};
use awscred_types::{CredentialsError, ProvideCredentials, SharedProvider};
use support::{Fake, clock, expiring, t0};

#[tokio::test(start_paused = true)]
async fn service_builder_stacks_every_layer() {
    let clock = clock();
    let expiry = t0() + Duration::from_secs(3600);
    let fake = Fake::new([
        Err(CredentialsError::provider_error("500")),
        Ok(expiring("AKIDA", expiry)),
    ])
    .with_delay(Duration::from_millis(10));
    let log = TraceLog::new();
    let provider: Trace<Cache<StaticStability<ProviderRetry<Timeout<Fake>>>>> =
        tower::ServiceBuilder::new()
            .layer(TraceLayer::new("imds", log.clone()))
            .layer(CacheLayer::new().clock(Arc::new(clock.clone())))
            .layer(StaticStabilityLayer::with_clock(Arc::new(clock.clone())))
            .layer(ProviderRetryLayer::new().base_delay(Duration::from_millis(1)))
            .layer(TimeoutLayer::new(Duration::from_secs(1)))
            .service(fake.clone());
    let shared: SharedProvider = Arc::new(provider);
    for _ in 0..3 {
        assert_eq!(
            shared.provide_credentials().await.unwrap().access_key_id(),
            "AKIDA"
        );
    }
    assert_eq!(fake.calls(), 2, "one retry, then cached");
    let events = log.events();
    assert_eq!(events.len(), 3);
    assert_eq!(
        events[0].warnings.len(),
        1,
        "the retry warning reaches the trace"
    );
    assert!(events[1].from_cache && events[2].from_cache);
}

#[tokio::test(start_paused = true)]
async fn cache_over_timeout() {
    let fake = Fake::new([Ok(support::creds("AKIDA"))]).with_delay(Duration::from_secs(3));
    let provider = tower::ServiceBuilder::new()
        .layer(CacheLayer::new())
        .layer(TimeoutLayer::new(Duration::from_secs(2)))
        .service(fake.clone());
    let err = provider.provide_credentials().await.unwrap_err();
    assert!(err.is_timed_out());
    assert_eq!(provider.get_ref().get_ref().calls(), 1);
}
