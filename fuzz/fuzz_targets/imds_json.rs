//! Arbitrary bytes as the IMDS credentials document: never a panic, a hang or an unbounded allocation.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    awscred_provider_imds::fuzz::credentials(data);
});
