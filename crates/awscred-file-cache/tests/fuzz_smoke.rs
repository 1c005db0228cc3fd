//! The `cli_cache` and `sso_token` fuzz targets' smoke runs on the stable toolchain: each seed
//! corpus and a fixed number of seeded mutations, no panic and no input over the smoke limit.
//! (`cargo xtask fuzz` runs the coverage-guided fuzzer.)

#[test]
fn cli_cache_smoke() {
    awscred_test::smoke::smoke(
        "cli_cache",
        awscred_test::smoke::MUTATIONS,
        awscred_file_cache::fuzz::cli_cache_entry,
    );
}

#[test]
fn sso_token_smoke() {
    awscred_test::smoke::smoke(
        "sso_token",
        awscred_test::smoke::MUTATIONS,
        awscred_file_cache::fuzz::sso_token_file,
    );
}
