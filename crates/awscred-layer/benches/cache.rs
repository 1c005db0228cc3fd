//! Cache benchmarks: the warm hit (through the boxed `async-trait` future, and through the
//! non-async `Cache::cached` fast path), 64 tasks reading in parallel on 1 and 2 worker threads,
//! and the latency of a refresh storm of 10,000 callers on an empty cache.
#![allow(
    missing_docs,
    reason = "criterion's macros generate undocumented items"
)]

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use awscred_layer::{Cache, CacheLayer};
use awscred_test::block_on;
use awscred_types::{Credentials, CredentialsError, ProvideCredentials, StaticProvider};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use tower_layer::Layer;

fn warm_cache() -> Cache<StaticProvider> {
    let cache = CacheLayer::new().layer(StaticProvider::new(Credentials::new(
        "AKIAIOSFODNN7EXAMPLE",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "explicit",
    )));
    block_on(cache.provide_credentials()).expect("static provider answers");
    cache
}

fn warm_hit(c: &mut Criterion) {
    let cache = warm_cache();
    let mut group = c.benchmark_group("cache_warm_hit");
    group.bench_function("provide_credentials", |b| {
        b.iter(|| black_box(block_on(black_box(&cache).provide_credentials())))
    });
    group.bench_function("cached", |b| {
        b.iter(|| black_box(black_box(&cache).cached()))
    });
    group.finish();
}

fn parallel(c: &mut Criterion) {
    const TASKS: usize = 64;
    let mut group = c.benchmark_group("cache_64_tasks");
    group.throughput(Throughput::Elements(TASKS as u64));
    for threads in [1, 2] {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            .build()
            .expect("runtime");
        let cache = Arc::new(warm_cache());
        group.bench_function(format!("{threads}_threads"), |b| {
            b.iter_custom(|iters| {
                rt.block_on(async {
                    let start = Instant::now();
                    let tasks: Vec<_> = (0..TASKS)
                        .map(|_| {
                            let cache = cache.clone();
                            tokio::spawn(async move {
                                for _ in 0..iters {
                                    black_box(cache.provide_credentials().await.ok());
                                }
                            })
                        })
                        .collect();
                    for t in tasks {
                        t.await.expect("task");
                    }
                    start.elapsed()
                })
            })
        });
    }
    group.finish();
}

/// Answers after yielding once, so the storm's callers pile up behind the refresh.
#[derive(Debug, Default)]
struct Yielding {
    calls: AtomicUsize,
}

#[async_trait::async_trait]
impl ProvideCredentials for Yielding {
    async fn provide_credentials(&self) -> Result<Credentials, CredentialsError> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        tokio::task::yield_now().await;
        Ok(Credentials::new("AKIAIOSFODNN7EXAMPLE", "secret", "fake"))
    }
}

fn storm(c: &mut Criterion) {
    const CALLERS: usize = 10_000;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .expect("runtime");
    let mut group = c.benchmark_group("cache_refresh_storm");
    group.sample_size(20);
    group.throughput(Throughput::Elements(CALLERS as u64));
    group.bench_function("10000_callers_empty_cache", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let provider = Arc::new(Yielding::default());
                let cache = Arc::new(Cache::new(provider.clone()));
                total += rt.block_on(async {
                    let start = Instant::now();
                    let tasks: Vec<_> = (0..CALLERS)
                        .map(|_| {
                            let cache = cache.clone();
                            tokio::spawn(async move { cache.provide_credentials().await.is_ok() })
                        })
                        .collect();
                    for t in tasks {
                        assert!(t.await.expect("task"));
                    }
                    start.elapsed()
                });
                assert_eq!(provider.calls.load(Ordering::Relaxed), 1);
            }
            total
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = warm_hit, parallel, storm
}
criterion_main!(benches);
