//! Arbitrary bytes as `credential_process` output: never a panic, a hang or an unbounded allocation.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    awscred_provider_process::fuzz::output(data);
});
