//! Allocations on the warm path, counted by `allocation-counter`'s global allocator.

use awscred_layer::CacheLayer;
use awscred_test::block_on;
use awscred_types::{Credentials, ProvideCredentials, StaticProvider};
use tower_layer::Layer;

#[test]
fn warm_hit_allocates_only_the_async_trait_box() {
    let cache = CacheLayer::new().layer(StaticProvider::new(Credentials::new("AKID", "SK", "x")));
    block_on(cache.provide_credentials()).unwrap();

    let mut got = None;
    let info = allocation_counter::measure(|| got = cache.cached());
    assert!(got.is_some());
    assert_eq!(info.count_total, 0, "cached() allocates nothing");

    let info = allocation_counter::measure(|| got = block_on(cache.provide_credentials()).ok());
    assert!(got.is_some());
    assert_eq!(
        info.count_total, 1,
        "provide_credentials(): the boxed future only"
    );
}
