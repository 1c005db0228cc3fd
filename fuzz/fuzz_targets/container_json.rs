//! Arbitrary bytes as container endpoint answers: never a panic, a hang or an unbounded allocation.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    awscred_provider_container::fuzz::response(data);
});
