//! The `cli_cache` fuzz target's smoke run on the stable toolchain: its seed corpus and a few
//! seconds of deterministic mutations, no panic and no input over a second. (`cargo xtask
//! fuzz` runs the coverage-guided fuzzer.)

#[test]
fn cli_cache_smoke() {
    let runs = awscred_test::smoke::smoke(
        "cli_cache",
        std::time::Duration::from_secs(3),
        awscred_provider_assume_role::fuzz::cli_cache_entry,
    );
    assert!(runs > 1_000, "only {runs} inputs in 3 s");
}
