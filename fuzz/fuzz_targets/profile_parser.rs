//! Arbitrary bytes (as lossy UTF-8) as both profile files: parsing must never panic, and what
//! it returns must be consistent.
#![no_main]

use awscred_profile::{FileKind, ProfileSet, Source};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // The first half as the config file and all of it as the credentials file, so both
    // grammars (prefixed and plain sections) and the merge see the input.
    let mid = text
        .char_indices()
        .nth(text.chars().count() / 2)
        .map_or(0, |(i, _)| i);
    let config = Source::new("~/.aws/config", &text[..mid]);
    let credentials = Source::new("~/.aws/credentials", &*text);
    let Ok(set) = ProfileSet::parse(Some(config), Some(credentials)) else {
        return;
    };
    for profile in set.profiles() {
        let name = profile.name();
        assert!(std::ptr::eq(
            set.profile(name).expect("listed profile is found"),
            profile
        ));
        for (key, value) in profile.iter() {
            assert_eq!(profile.get(key), Some(value));
            assert_eq!(profile.get(&key.to_ascii_uppercase()), Some(value));
            let _ = profile.sub_properties(key).map(|s| s.iter().count());
        }
        for (file, view) in [
            (FileKind::Config, set.config_file_profile(name)),
            (FileKind::Credentials, set.credentials_file_profile(name)),
        ] {
            assert_eq!(profile.defined_in(file), view.is_some());
        }
    }
    let _ = format!("{set:?}");
});
