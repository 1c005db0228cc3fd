//! Allocations per signature, counted on this thread by `allocation-counter`'s global allocator:
//! signing the benchmark's STS `AssumeRole` POST with a cached key stays within 10.
#![allow(
    clippy::print_stderr,
    reason = "the measured figure is reported in the test output"
)]

use std::time::{Duration, SystemTime};

use awscred_sigv4::{Signer, SigningParams, SigningSettings};
use http::Request;

const BODY: &[u8] = b"Action=AssumeRole&Version=2011-06-15\
&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fdemo-role\
&RoleSessionName=awscred-1700000000";
const TOKEN: &str = "IQoJb3JpZ2luX2VjEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==";

fn request(with_token_header: bool) -> Request<()> {
    let mut builder = Request::post("https://sts.us-east-1.amazonaws.com/")
        .header("host", "sts.us-east-1.amazonaws.com")
        .header(
            "content-type",
            "application/x-www-form-urlencoded; charset=utf-8",
        );
    if with_token_header {
        builder = builder.header("x-amz-security-token", TOKEN);
    }
    builder.body(()).unwrap()
}

fn allocations(signer: &Signer, mut request: Request<()>, params: &SigningParams<'_>) -> u64 {
    let info = allocation_counter::measure(|| {
        signer.sign(&mut request, BODY, params).unwrap();
    });
    info.count_total
}

#[test]
fn signing_with_a_cached_key_allocates_at_most_ten_times() {
    let time = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let params = SigningParams::new(
        "AKIDEXAMPLE",
        "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        "us-east-1",
        "sts",
        time,
    )
    .with_session_token(Some(TOKEN));
    let signer = Signer::new();
    let first = allocations(&signer, request(true), &params);
    let cached = allocations(&signer, request(true), &params);
    let token_added = allocations(&signer, request(false), &params);
    let presign =
        params.with_settings(SigningSettings::default().presigned(Duration::from_secs(900)));
    let presigned = allocations(&signer, request(false), &presign);
    eprintln!(
        "allocations per AssumeRole signature: first (derives the key) {first}, cached key {cached}, \
         cached key adding x-amz-security-token {token_added}, presigned URL {presigned}"
    );
    assert!(cached <= 10, "{cached} allocations with a cached key");
    assert!(
        token_added <= 10,
        "{token_added} allocations adding the token header"
    );
    assert!(
        first > cached,
        "the first signature derives and caches the key"
    );
}
