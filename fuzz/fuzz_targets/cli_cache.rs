//! Arbitrary bytes as AWS CLI cache entries: never a panic, a hang or an unbounded allocation.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    awscred_file_cache::fuzz::cli_cache_entry(data);
});
