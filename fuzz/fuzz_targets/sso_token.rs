//! Arbitrary bytes as cached SSO token files: never a panic, a hang or an unbounded allocation.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    awscred_file_cache::fuzz::sso_token_file(data);
});
