//! The `process_output` fuzz target's smoke run on the stable toolchain: its seed corpus and a few
//! seconds of deterministic mutations, no panic and no input over a second. (`cargo xtask
//! fuzz` runs the coverage-guided fuzzer.)

#[test]
fn process_output_smoke() {
    let runs = awscred_test::smoke::smoke(
        "process_output",
        std::time::Duration::from_secs(3),
        awscred_provider_process::fuzz::output,
    );
    assert!(runs > 1_000, "only {runs} inputs in 3 s");
}
