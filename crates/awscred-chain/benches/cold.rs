//! The whole default chain, cold: files located, read from disk and parsed, chain built,
//! credentials resolved from `~/.aws/credentials` (target ≤ 200 µs). Also the "nothing anywhere"
//! path with IMDS disabled (target ≤ 1 ms).
#![allow(clippy::disallowed_methods, reason = "the bench writes its own HOME")]
#![allow(missing_docs, reason = "criterion macros")]

use std::sync::Arc;

use awscred_chain::DefaultChain;
use awscred_types::{FakeEnv, OsFs, ProvideCredentials};
use criterion::{Criterion, criterion_group, criterion_main};

fn cold(c: &mut Criterion) {
    let home = std::env::temp_dir().join(format!("awscred-bench-cold-{}", std::process::id()));
    std::fs::create_dir_all(home.join(".aws")).unwrap();
    std::fs::write(
        home.join(".aws/credentials"),
        "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
    )
    .unwrap();
    std::fs::write(
        home.join(".aws/config"),
        "[default]\nregion = eu-west-1\noutput = json\n",
    )
    .unwrap();
    let env = FakeEnv::new()
        .with("HOME", home.to_string_lossy())
        .with("AWS_EC2_METADATA_DISABLED", "true");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();

    c.bench_function(
        "default chain cold, static keys in ~/.aws/credentials",
        |b| {
            b.iter(|| {
                let chain = DefaultChain::builder()
                    .env(Arc::new(env.clone()))
                    .fs(Arc::new(OsFs))
                    .build()
                    .unwrap();
                rt.block_on(chain.provide_credentials()).unwrap()
            })
        },
    );

    let empty = std::env::temp_dir().join(format!("awscred-bench-empty-{}", std::process::id()));
    std::fs::create_dir_all(&empty).unwrap();
    let env = FakeEnv::new()
        .with("HOME", empty.to_string_lossy())
        .with("AWS_EC2_METADATA_DISABLED", "true");
    c.bench_function("default chain, nothing anywhere, IMDS disabled", |b| {
        b.iter(|| {
            let chain = DefaultChain::builder()
                .env(Arc::new(env.clone()))
                .fs(Arc::new(OsFs))
                .build()
                .unwrap();
            rt.block_on(chain.provide_credentials()).unwrap_err()
        })
    });
    let _ = std::fs::remove_dir_all(&home);
    let _ = std::fs::remove_dir_all(&empty);
}

criterion_group!(benches, cold);
criterion_main!(benches);
