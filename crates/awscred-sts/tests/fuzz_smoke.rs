//! The `sts_xml` fuzz target's smoke run on the stable toolchain: its seed corpus and a few
//! seconds of deterministic mutations, no panic and no input over a second. (`cargo xtask
//! fuzz` runs the coverage-guided fuzzer.)

#[test]
fn sts_xml_smoke() {
    let runs = awscred_test::smoke::smoke(
        "sts_xml",
        std::time::Duration::from_secs(3),
        awscred_sts::fuzz::responses,
    );
    assert!(runs > 1_000, "only {runs} inputs in 3 s");
}
