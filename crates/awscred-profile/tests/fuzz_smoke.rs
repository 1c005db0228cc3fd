//! The `profile_parser` fuzz target's smoke run on the stable toolchain: its seed corpus and a
//! few seconds of deterministic mutations, as both files; no panic and no input over a second.
//! (`cargo xtask fuzz` runs the coverage-guided fuzzer.)

use awscred_profile::{ProfileSet, Source};

#[test]
fn profile_parser_smoke() {
    let runs = awscred_test::smoke::smoke(
        "profile_parser",
        std::time::Duration::from_secs(3),
        |data| {
            let text = String::from_utf8_lossy(data);
            let config = Source::new("~/.aws/config", &*text);
            let credentials = Source::new("~/.aws/credentials", &*text);
            if let Ok(set) = ProfileSet::parse(Some(config), Some(credentials)) {
                for profile in set.profiles() {
                    assert!(set.profile(profile.name()).is_some());
                    for (key, value) in profile.iter() {
                        assert_eq!(profile.get(key), Some(value));
                    }
                }
            }
        },
    );
    assert!(runs > 1_000, "only {runs} inputs in 3 s");
}
