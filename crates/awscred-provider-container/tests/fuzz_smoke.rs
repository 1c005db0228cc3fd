//! The `container_json` fuzz target's smoke run on the stable toolchain: its seed corpus and a few
//! seconds of deterministic mutations, no panic and no input over a second. (`cargo xtask
//! fuzz` runs the coverage-guided fuzzer.)

#[test]
fn container_json_smoke() {
    let runs = awscred_test::smoke::smoke(
        "container_json",
        std::time::Duration::from_secs(3),
        awscred_provider_container::fuzz::response,
    );
    assert!(runs > 1_000, "only {runs} inputs in 3 s");
}
