//! The whole default chain, cold: files located, read from disk and parsed, chain built,
//! credentials resolved from `~/.aws/credentials` (target ≤ 200 µs). Also the "nothing anywhere"
//! path with IMDS disabled (target ≤ 1 ms).
#![allow(clippy::disallowed_methods, reason = "the bench writes its own HOME")]
#![allow(missing_docs, reason = "criterion macros")]

use std::path::Path;
use std::sync::Arc;

use awscred_chain::DefaultChain;
use awscred_types::{FakeEnv, OsFs, ProvideCredentials};
use criterion::{Criterion, criterion_group, criterion_main};

/// `HOME` at `home` and IMDS off.
fn env_at(home: &Path) -> FakeEnv {
    FakeEnv::new()
        .with("HOME", home.to_string_lossy())
        .with("AWS_EC2_METADATA_DISABLED", "true")
}

/// What each iteration builds: the default chain on `env` and the real file system.
fn chain(env: &FakeEnv) -> DefaultChain {
    DefaultChain::builder()
        .env(Arc::new(env.clone()))
        .fs(Arc::new(OsFs))
        .build()
        .unwrap()
}

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
    let env = env_at(&home);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();

    c.bench_function(
        "default chain cold, static keys in ~/.aws/credentials",
        |b| b.iter(|| rt.block_on(chain(&env).provide_credentials()).unwrap()),
    );

    let empty = std::env::temp_dir().join(format!("awscred-bench-empty-{}", std::process::id()));
    std::fs::create_dir_all(&empty).unwrap();
    let env = env_at(&empty);
    c.bench_function("default chain, nothing anywhere, IMDS disabled", |b| {
        b.iter(|| rt.block_on(chain(&env).provide_credentials()).unwrap_err())
    });
    let _ = std::fs::remove_dir_all(&home);
    let _ = std::fs::remove_dir_all(&empty);
}

criterion_group!(benches, cold);
criterion_main!(benches);
