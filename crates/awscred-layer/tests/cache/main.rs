//! Cache: hits, refresh windows, single flight, skew grace, invalidation.

#[path = "../support/mod.rs"]
mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use awscred_layer::{Cache, CacheLayer, TraceLayer, TraceLog};
use awscred_test::key_id;
use awscred_types::{CredentialsError, ManualClock, ProvideCredentials};
use support::{Answer, Fake, clock, creds, expiring, t0};
use tokio::task::JoinHandle;
use tower_layer::Layer;

const MIN: Duration = Duration::from_secs(60);

fn cache(fake: &Fake, clock: &ManualClock) -> Cache<Fake> {
    CacheLayer::new()
        .clock(Arc::new(clock.clone()))
        .layer(fake.clone())
}

/// A fake that answers AKIDA expiring at `expiry`, then AKIDB expiring an hour later.
fn a_then_b(expiry: SystemTime) -> Fake {
    Fake::new([
        Ok(expiring("AKIDA", expiry)),
        Ok(expiring("AKIDB", expiry + 60 * MIN)),
    ])
}

/// A default cache over [`a_then_b`] (AKIDA expiring an hour after t0), already holding AKIDA,
/// with the clock then set to `expiry - before`; and the fake.
async fn holding_a(before: Duration) -> (Arc<Cache<Fake>>, Fake) {
    let clock = clock();
    let expiry = t0() + 60 * MIN;
    let fake = a_then_b(expiry);
    let cache = Arc::new(cache(&fake, &clock));
    cache.provide_credentials().await.unwrap();
    clock.set(expiry - before);
    (cache, fake)
}

/// One call to `cache` on a task of its own.
fn spawn_call(cache: &Arc<Cache<Fake>>) -> JoinHandle<Answer> {
    let cache = cache.clone();
    tokio::spawn(async move { cache.provide_credentials().await })
}

/// Lets spawned tasks on a current-thread runtime run until `cond` holds.
async fn until(cond: impl Fn() -> bool) {
    for _ in 0..10_000 {
        if cond() {
            return;
        }
        tokio::task::yield_now().await;
    }
    panic!("condition never held");
}

#[tokio::test]
async fn warm_hit_does_not_call_the_provider() {
    let clock = clock();
    let fake = Fake::new([Ok(expiring("AKIDA", t0() + 60 * MIN))]);
    let cache = cache(&fake, &clock);
    assert!(cache.cached().is_none());
    let first = cache.provide_credentials().await.unwrap();
    clock.advance(40 * MIN);
    for _ in 0..5 {
        assert_eq!(cache.provide_credentials().await.unwrap(), first);
    }
    assert_eq!(cache.cached(), Some(first));
    assert_eq!(fake.calls(), 1);
}

#[tokio::test]
async fn credentials_without_expiry_are_kept_until_invalidate() {
    let clock = clock();
    let fake = Fake::new([Ok(creds("AKIDA")), Ok(creds("AKIDB"))]);
    let cache = cache(&fake, &clock);
    assert_eq!(key_id(&cache).await, "AKIDA");
    clock.advance(Duration::from_secs(10 * 365 * 86_400));
    assert_eq!(key_id(&cache).await, "AKIDA");
    assert_eq!(fake.calls(), 1);
    cache.invalidate();
    assert!(cache.cached().is_none());
    assert_eq!(key_id(&cache).await, "AKIDB");
    assert_eq!(key_id(&cache).await, "AKIDB");
    assert_eq!(fake.calls(), 2);
}

#[tokio::test]
async fn advisory_window_one_caller_refreshes_while_others_get_current() {
    let (cache, fake) = holding_a(12 * MIN).await; // advisory (15) but not mandatory (10)
    assert!(
        cache.cached().is_none(),
        "cached() is None inside the advisory window"
    );
    let gate = fake.gated();

    let leader = spawn_call(&cache);
    until(|| fake.calls() == 2).await;
    for _ in 0..100 {
        let got = key_id(&*cache).await;
        assert_eq!(got, "AKIDA", "others keep the current credentials");
    }
    assert_eq!(fake.calls(), 2, "exactly one refresh");
    assert!(!leader.is_finished());

    gate.add_permits(1);
    assert_eq!(leader.await.unwrap().unwrap().access_key_id(), "AKIDB");
    assert_eq!(key_id(&*cache).await, "AKIDB");
    assert_eq!(fake.calls(), 2);
}

#[tokio::test]
async fn mandatory_window_callers_wait_for_one_refresh() {
    let (cache, fake) = holding_a(5 * MIN).await;
    let gate = fake.gated();

    let callers: Vec<_> = (0..50).map(|_| spawn_call(&cache)).collect();
    until(|| fake.calls() == 2).await;
    for _ in 0..100 {
        tokio::task::yield_now().await;
    }
    assert!(callers.iter().all(|c| !c.is_finished()), "everyone waits");

    gate.add_permits(1);
    for caller in callers {
        assert_eq!(caller.await.unwrap().unwrap().access_key_id(), "AKIDB");
    }
    assert_eq!(fake.calls(), 2);
}

#[tokio::test]
async fn failed_advisory_refresh_keeps_current_credentials_with_a_warning() {
    let clock = clock();
    let expiry = t0() + 60 * MIN;
    let fake = Fake::new([
        Ok(expiring("AKIAIOSFODNN7EXAMPLE", expiry)),
        Err(CredentialsError::provider_error("STS said 503").with("url", "https://sts")),
    ]);
    let log = TraceLog::new();
    let traced = TraceLayer::new("assume-role", log.clone()).layer(cache(&fake, &clock));
    traced.provide_credentials().await.unwrap();
    clock.set(expiry - 14 * MIN);
    let got = traced.provide_credentials().await.unwrap();
    assert_eq!(got.access_key_id(), "AKIAIOSFODNN7EXAMPLE");
    assert_eq!(fake.calls(), 2);

    let events = log.events();
    let warnings = &events[1].warnings;
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains("advisory credentials refresh failed"),
        "{warnings:?}"
    );
    assert!(warnings[0].contains("STS said 503"));
    assert!(warnings[0].contains("AKIA************MPLE"));
    assert!(!format!("{events:?}").contains("SECRET"));

    // Next call in the window tries again (errors are not cached).
    traced.provide_credentials().await.unwrap();
    assert_eq!(fake.calls(), 3);
}

#[tokio::test]
async fn failed_mandatory_refresh_is_an_error() {
    let clock = clock();
    let expiry = t0() + 60 * MIN;
    let fake = Fake::new([
        Ok(expiring("AKIDA", expiry)),
        Err(CredentialsError::provider_error("STS said 503")),
    ]);
    let cache = cache(&fake, &clock);
    cache.provide_credentials().await.unwrap();
    clock.set(expiry - 9 * MIN);
    let err = cache.provide_credentials().await.unwrap_err();
    assert!(err.is_provider_error());
    assert_eq!(err.message(), "STS said 503");
    assert_eq!(fake.calls(), 2);
    cache.provide_credentials().await.unwrap_err();
    assert_eq!(fake.calls(), 3, "errors are not cached");
}

#[tokio::test]
async fn empty_cache_error_is_returned() {
    let clock = clock();
    let fake = Fake::new([Err(CredentialsError::not_loaded("no keys"))]);
    let cache = cache(&fake, &clock);
    assert!(
        cache
            .provide_credentials()
            .await
            .unwrap_err()
            .is_not_loaded()
    );
}

async fn storm(
    fake: Fake,
    callers: usize,
) -> (
    Vec<Result<awscred_types::Credentials, CredentialsError>>,
    usize,
) {
    let clock = clock();
    let gate = fake.gated();
    let cache = Arc::new(cache(&fake, &clock));
    let arrived = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..callers)
        .map(|_| {
            let (cache, arrived) = (cache.clone(), arrived.clone());
            tokio::spawn(async move {
                arrived.fetch_add(1, Ordering::SeqCst);
                cache.provide_credentials().await
            })
        })
        .collect();
    while arrived.load(Ordering::SeqCst) < callers || fake.calls() == 0 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // Every task has started its call; give the last ones time to queue for the lock.
    tokio::time::sleep(Duration::from_millis(100)).await;
    // Enough permits for every caller, so a cache without single flight fails the count
    // instead of hanging.
    gate.add_permits(callers);
    let mut results = Vec::with_capacity(callers);
    for t in tasks {
        results.push(t.await.unwrap());
    }
    (results, fake.calls())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_storm_of_10000_callers_makes_one_upstream_call() {
    let fake = Fake::new([Ok(expiring("AKIDA", t0() + 60 * MIN))]);
    let (results, calls) = storm(fake, 10_000).await;
    assert_eq!(calls, 1);
    assert_eq!(results.len(), 10_000);
    assert!(
        results
            .iter()
            .all(|r| r.as_ref().unwrap().access_key_id() == "AKIDA")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_storm_shares_one_error() {
    let fake = Fake::new([Err(
        CredentialsError::provider_error("IMDS is down").with("url", "http://169.254.169.254")
    )]);
    let (results, calls) = storm(fake, 10_000).await;
    assert_eq!(calls, 1);
    for r in &results {
        let err = r.as_ref().unwrap_err();
        assert!(err.is_provider_error());
        assert_eq!(
            err.to_string(),
            "IMDS is down (url: http://169.254.169.254)"
        );
    }
}

#[tokio::test]
async fn expired_on_arrival_is_served_for_the_grace_period_without_a_refresh_loop() {
    let clock = clock();
    let skewed = expiring("AKIAIOSFODNN7EXAMPLE", t0() - MIN);
    let fake = Fake::new([Ok(skewed.clone())]);
    let log = TraceLog::new();
    let traced = TraceLayer::new("imds", log.clone()).layer(cache(&fake, &clock));

    let got = traced.provide_credentials().await.unwrap();
    assert_eq!(got, skewed, "returned as they are, not refused");
    let first = &log.events()[0];
    assert_eq!(first.warnings.len(), 1);
    assert!(
        first.warnings[0].contains("already expired when fetched"),
        "{first:?}"
    );
    assert!(first.warnings[0].contains("AKIA************MPLE"));

    for _ in 0..4 {
        clock.advance(MIN);
        assert_eq!(traced.provide_credentials().await.unwrap(), skewed);
    }
    assert_eq!(fake.calls(), 1, "no refresh inside the grace period");
    clock.advance(MIN); // t0 + 5 min: grace over
    traced.provide_credentials().await.unwrap();
    assert_eq!(fake.calls(), 2);
    for _ in 0..10 {
        traced.provide_credentials().await.unwrap();
    }
    assert_eq!(
        fake.calls(),
        2,
        "still no loop after the second skewed answer"
    );
}

#[tokio::test]
async fn skew_grace_is_configurable_and_capped_by_expiry_when_still_valid() {
    let clock = clock();
    // (the expiry fetched, the grace, how long they are served without a refresh), in turn on
    // one clock; a minute after that they are refreshed.
    let cases = [
        // Valid for 3 more minutes: inside the mandatory window when fetched; expiry is
        // reached before the 10-minute grace.
        (t0() + 3 * MIN, 10 * MIN, 2 * MIN),
        // Grace of 2 minutes for expired-on-arrival credentials (fetched at t0 + 3 min).
        (t0() - MIN, 2 * MIN, MIN),
    ];
    for (expiry, grace, served) in cases {
        let fake = Fake::new([Ok(expiring("AKIDA", expiry))]);
        let cache = CacheLayer::new()
            .skew_grace(grace)
            .clock(Arc::new(clock.clone()))
            .layer(fake.clone());
        cache.provide_credentials().await.unwrap();
        clock.advance(served);
        cache.provide_credentials().await.unwrap();
        assert_eq!(fake.calls(), 1, "grace {grace:?}: served for {served:?}");
        clock.advance(MIN);
        cache.provide_credentials().await.unwrap();
        assert_eq!(
            fake.calls(),
            2,
            "grace {grace:?}: refreshed after {served:?}"
        );
    }
}

#[tokio::test]
async fn windows_are_configurable() {
    let clock = clock();
    let expiry = t0() + 60 * MIN;
    let fake = a_then_b(expiry);
    let cache = CacheLayer::new()
        .advisory_refresh(2 * MIN)
        .mandatory_refresh(MIN)
        .clock(Arc::new(clock.clone()))
        .layer(fake.clone());
    cache.provide_credentials().await.unwrap();
    clock.set(expiry - 14 * MIN); // would be advisory with the defaults
    assert_eq!(key_id(&cache).await, "AKIDA");
    assert_eq!(fake.calls(), 1);
    clock.set(expiry - 90 * Duration::from_secs(1));
    assert_eq!(key_id(&cache).await, "AKIDB");
    assert_eq!(fake.calls(), 2);
}

#[tokio::test]
async fn a_dropped_refresh_is_taken_over_by_the_next_caller() {
    let clock = clock();
    let fake = Fake::new([Ok(creds("AKIDA"))]);
    let gate = fake.gated();
    let cache = Arc::new(cache(&fake, &clock));
    let leader = spawn_call(&cache);
    until(|| fake.calls() == 1).await;
    leader.abort();
    assert!(leader.await.unwrap_err().is_cancelled());
    gate.add_permits(1);
    assert_eq!(key_id(&*cache).await, "AKIDA");
    assert_eq!(fake.calls(), 2);
}

#[test]
fn debug_shows_no_secret() {
    let cache = Cache::new(Fake::default());
    let shown = format!("{cache:?}");
    assert!(shown.starts_with("Cache {"), "{shown}");
    assert!(!shown.contains("SECRET"));
}
