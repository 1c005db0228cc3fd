//! Arbitrary bytes as STS XML responses (AssumeRole*, GetCallerIdentity, errors): never a panic, a hang or an unbounded allocation.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    awscred_sts::fuzz::responses(data);
});
