//! The `login_token` fuzz target's smoke run on the stable toolchain: each seed of its corpus and
//! a fixed number of seeded mutations, no panic and no input over the smoke limit. (`cargo xtask
//! fuzz` runs the coverage-guided fuzzer.)

#[test]
fn login_token_smoke() {
    awscred_test::smoke::smoke(
        "login_token",
        awscred_test::smoke::MUTATIONS,
        awscred_provider_login::fuzz::token_file,
    );
}
