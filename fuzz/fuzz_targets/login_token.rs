//! Arbitrary bytes as console sign-in token files (fields, expiry, the DPoP key's PEM) and as
//! pasted cross-device codes: never a panic, a hang or an unbounded allocation.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    awscred_provider_login::fuzz::token_file(data);
});
