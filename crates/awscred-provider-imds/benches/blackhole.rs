//! The IMDS time budget, measured.
//!
//! - `imds/blackhole`: an endpoint on 127.0.0.1 that accepts connections and never answers, with
//!   the default settings (timeout 1 s, 1 attempt). The whole lookup must end in at most 1.1 s
//!   (botocore takes 2.2 s, aws-config 4 s).
//! - `imds/disabled`: `AWS_EC2_METADATA_DISABLED=true`, which must answer in at most 1 ms.
//!
//! Run with `cargo bench -p awscred-provider-imds --bench blackhole`.
#![allow(clippy::print_stderr, reason = "a bench reports what it measured")]

use std::sync::Arc;
use std::time::{Duration, Instant};

use awscred_provider_imds::ImdsProvider;
use awscred_types::{FakeEnv, ProvideCredentials};
use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};
use tokio::net::TcpListener;

/// A black hole: accepts every connection, holds it open, and never answers.
async fn blackhole() -> String {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binding 127.0.0.1:0");
    let addr = listener.local_addr().expect("local address");
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    format!("http://{addr}")
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

fn bench_blackhole(c: &mut Criterion) {
    let rt = runtime();
    let url = rt.block_on(blackhole());
    let provider = ImdsProvider::builder(
        &awscred_types::Sources::default().with_env(Arc::new(FakeEnv::new())),
    )
    .endpoint_override(url)
    .build();

    // One plain measurement first, so the figure is visible even without criterion's report.
    let started = Instant::now();
    let result = rt.block_on(provider.provide_credentials());
    let elapsed = started.elapsed();
    assert!(result.is_err_and(|e| e.is_not_loaded()));
    eprintln!("imds/blackhole: one lookup took {elapsed:?} (target: at most 1.1 s)");

    let mut group = c.benchmark_group("imds");
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_millis(1))
        .measurement_time(Duration::from_secs(10));
    group.bench_function("blackhole", |b| {
        b.iter(|| rt.block_on(provider.provide_credentials()))
    });
    group.finish();
}

fn bench_disabled(c: &mut Criterion) {
    let rt = runtime();
    let provider = ImdsProvider::builder(&awscred_types::Sources::default().with_env(Arc::new(
        FakeEnv::new().with("AWS_EC2_METADATA_DISABLED", "true"),
    )))
    .build();
    c.benchmark_group("imds").bench_function("disabled", |b| {
        b.iter(|| rt.block_on(provider.provide_credentials()))
    });
}

criterion_group!(benches, bench_blackhole, bench_disabled);
criterion_main!(benches);
