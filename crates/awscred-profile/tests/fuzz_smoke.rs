//! The `profile_parser` fuzz target's smoke run on the stable toolchain: its seed corpus and a
//! fixed number of seeded mutations, as both files; no panic and no input over the smoke limit.
//! (`cargo xtask fuzz` runs the coverage-guided fuzzer.)

use awscred_profile::{ProfileSet, Source};

#[test]
fn profile_parser_smoke() {
    awscred_test::smoke::smoke("profile_parser", awscred_test::smoke::MUTATIONS, |data| {
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
    });
}
