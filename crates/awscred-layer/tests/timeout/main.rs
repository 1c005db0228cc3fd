//! Timeout: a deadline per call.

#[path = "../support/mod.rs"]
mod support;

use std::error::Error as _;
use std::time::Duration;

use awscred_layer::timeout::error::Elapsed;
use awscred_layer::{Timeout, TimeoutLayer};
use awscred_types::ProvideCredentials;
use support::{Fake, creds};
use tower_layer::Layer;

#[tokio::test(start_paused = true)]
async fn slow_provider_times_out() {
    let fake = Fake::new([Ok(creds("AKIDA"))]).with_delay(Duration::from_secs(5));
    let provider = TimeoutLayer::new(Duration::from_millis(1500)).layer(fake.clone());
    let err = provider.provide_credentials().await.unwrap_err();
    assert!(err.is_timed_out());
    assert!(err.to_string().contains("1.5s"), "{err}");
    assert!(err.source().unwrap().is::<Elapsed>());
    assert_eq!(fake.calls(), 1);
}

#[tokio::test(start_paused = true)]
async fn fast_provider_answers() {
    let fake = Fake::new([Ok(creds("AKIDA"))]).with_delay(Duration::from_millis(100));
    let provider = Timeout::new(fake, Duration::from_secs(1));
    assert_eq!(provider.timeout(), Duration::from_secs(1));
    assert_eq!(awscred_test::key_id(&provider).await, "AKIDA");
    assert_eq!(provider.into_inner().calls(), 1);
}

#[test]
fn elapsed_pads() {
    assert_eq!(format!("[{:>18}]", Elapsed::new()), "[  deadline elapsed]");
}
