//! Allocation budget: parsing allocates less than once per key/value pair.
//!
//! `allocation-counter` replaces the global allocator in this test binary and counts, per
//! thread, the allocations made inside `measure`.

use awscred_profile::{ProfileSet, Source};

#[path = "../benches/support/corpus.rs"]
mod corpus;

#[test]
fn parse_allocates_less_than_once_per_pair() {
    let (config, pairs) = corpus::config(1000);
    let config = Source::new("~/.aws/config", config);
    let credentials = Source::new("~/.aws/credentials", "[team-0001]\naws_access_key_id = A\n");
    let mut set = None;
    let info = allocation_counter::measure(|| {
        set = Some(ProfileSet::parse(Some(config), Some(credentials)));
    });
    let set = set.unwrap().unwrap();
    assert_eq!(set.profile("team-0001").unwrap().len(), 4);
    let per_pair = info.count_total as f64 / pairs as f64;
    assert!(pairs > 2000, "the corpus has {pairs} pairs");
    // Measured: about 0.03 (a few dozen allocations for the whole file, whatever its size).
    assert!(
        per_pair < 0.1,
        "{} allocations for {pairs} pairs",
        info.count_total
    );
}
