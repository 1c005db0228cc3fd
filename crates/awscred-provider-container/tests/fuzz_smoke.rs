//! The `container_json` fuzz target's smoke run on the stable toolchain: its seed corpus and a
//! fixed number of seeded mutations ([`MUTATIONS`](awscred_test::smoke::MUTATIONS)), no panic
//! and no input over the smoke limit. (`cargo xtask
//! fuzz` runs the coverage-guided fuzzer.)

#[test]
fn container_json_smoke() {
    awscred_test::smoke::smoke(
        "container_json",
        awscred_test::smoke::MUTATIONS,
        awscred_provider_container::fuzz::response,
    );
}
