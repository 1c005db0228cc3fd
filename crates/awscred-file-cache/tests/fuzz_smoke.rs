//! The `cli_cache` and `sso_token` fuzz targets' smoke runs on the stable toolchain: each seed
//! corpus and a few seconds of deterministic mutations, no panic and no input over a second.
//! (`cargo xtask fuzz` runs the coverage-guided fuzzer.)

#[test]
fn cli_cache_smoke() {
    let runs = awscred_test::smoke::smoke(
        "cli_cache",
        std::time::Duration::from_secs(3),
        awscred_file_cache::fuzz::cli_cache_entry,
    );
    assert!(runs > 1_000, "only {runs} inputs in 3 s");
}

#[test]
fn sso_token_smoke() {
    let runs = awscred_test::smoke::smoke(
        "sso_token",
        std::time::Duration::from_secs(3),
        awscred_file_cache::fuzz::sso_token_file,
    );
    assert!(runs > 1_000, "only {runs} inputs in 3 s");
}
