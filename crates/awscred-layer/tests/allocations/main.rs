//! Allocations on the warm path, counted by `allocation-counter`'s global allocator.

use std::task::{Context, Poll, Waker};

use awscred_layer::CacheLayer;
use awscred_types::{Credentials, ProvideCredentials, StaticProvider};
use tower_layer::Layer;

fn now_or_never<F: Future>(fut: F) -> F::Output {
    let mut fut = std::pin::pin!(fut);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

#[test]
fn warm_hit_allocates_only_the_async_trait_box() {
    let cache = CacheLayer::new().layer(StaticProvider::new(Credentials::new("AKID", "SK", "x")));
    now_or_never(cache.provide_credentials()).unwrap();

    let mut got = None;
    let info = allocation_counter::measure(|| got = cache.cached());
    assert!(got.is_some());
    assert_eq!(info.count_total, 0, "cached() allocates nothing");

    let info = allocation_counter::measure(|| got = now_or_never(cache.provide_credentials()).ok());
    assert!(got.is_some());
    assert_eq!(
        info.count_total, 1,
        "provide_credentials(): the boxed future only"
    );
}
