//! Parse throughput on a generated config of 1,000 profiles (about 100 KB), and allocations per
//! key/value pair (printed once, measured by `allocation-counter`'s counting allocator).
#![allow(
    missing_docs,
    reason = "criterion's macros generate undocumented items"
)]
#![allow(
    clippy::print_stderr,
    reason = "the benchmark reports allocations per pair"
)]

use std::hint::black_box;

use awscred_profile::{ProfileSet, Source};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

#[path = "support/corpus.rs"]
mod corpus;

fn parse(c: &mut Criterion) {
    let (config, pairs) = corpus::config(1000);
    let source = Source::new("~/.aws/config", config.as_str());

    let mut set = None;
    let info =
        allocation_counter::measure(|| set = Some(ProfileSet::parse(Some(source.clone()), None)));
    let set = set.expect("measured").expect("the corpus parses");
    assert_eq!(set.profile_names().count(), 1001);
    // `source.clone()` inside the measurement is two allocations (path and contents); not ours.
    let ours = info.count_total - 2;
    eprintln!(
        "corpus: {} bytes, {} profiles, {pairs} key/value pairs; parse: {ours} allocations = {:.3} per pair",
        config.len(),
        set.profile_names().count(),
        ours as f64 / pairs as f64,
    );

    let mut group = c.benchmark_group("parse");
    group.throughput(Throughput::Bytes(config.len() as u64));
    group.bench_function("config_1000_profiles", |b| {
        b.iter_batched(
            || source.clone(),
            |source| black_box(ProfileSet::parse(Some(source), None)),
            criterion::BatchSize::SmallInput,
        )
    });
    group.finish();
}

criterion_group!(benches, parse);
criterion_main!(benches);
