//! The `process_output` fuzz target's smoke run on the stable toolchain: its seed corpus and a
//! fixed number of seeded mutations ([`MUTATIONS`](awscred_test::smoke::MUTATIONS)), no panic
//! and no input over the smoke limit. (`cargo xtask
//! fuzz` runs the coverage-guided fuzzer.)

#[test]
fn process_output_smoke() {
    awscred_test::smoke::smoke(
        "process_output",
        awscred_test::smoke::MUTATIONS,
        awscred_provider_process::fuzz::output,
    );
}
