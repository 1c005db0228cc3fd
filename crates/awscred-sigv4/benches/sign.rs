//! Signing an STS `AssumeRole` form POST (host, content-type and x-amz-security-token headers),
//! the request `awscred-sts` sends: with a cached signing key (the target, ≤ 3 µs), with the key
//! derived per call, and through the explaining `sign_request`.
//!
//! Allocations per signature are counted in `tests/allocations.rs` (a counting allocator here
//! would slow every allocation down and blur the timing).

use std::hint::black_box;
use std::time::{Duration, SystemTime};

use awscred_sigv4::{SignableRequest, Signer, SigningParams, sign, sign_request};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use http::Request;

const BODY: &[u8] = b"Action=AssumeRole&Version=2011-06-15\
&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fdemo-role\
&RoleSessionName=awscred-1700000000";

/// A session token of realistic length (STS tokens run to several hundred characters).
const TOKEN: &str = "IQoJb3JpZ2luX2VjEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==";

fn request() -> Request<()> {
    Request::post("https://sts.us-east-1.amazonaws.com/")
        .header("host", "sts.us-east-1.amazonaws.com")
        .header(
            "content-type",
            "application/x-www-form-urlencoded; charset=utf-8",
        )
        .header("x-amz-security-token", TOKEN)
        .body(())
        .expect("static request")
}

fn params() -> SigningParams<'static> {
    let time = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    SigningParams::new(
        "AKIDEXAMPLE",
        "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        "us-east-1",
        "sts",
        time,
    )
    .with_session_token(Some(TOKEN))
}

fn bench(c: &mut Criterion) {
    let params = params();
    let signer = Signer::new();
    let mut warm = request();
    signer.sign(&mut warm, BODY, &params).expect("signs");

    c.bench_function("sign/assume_role/cached_key", |b| {
        b.iter_batched_ref(
            request,
            |request| signer.sign(request, black_box(BODY), black_box(&params)),
            BatchSize::SmallInput,
        );
    });
    c.bench_function("sign/assume_role/derived_key", |b| {
        b.iter_batched_ref(
            request,
            |request| sign(request, black_box(BODY), black_box(&params)),
            BatchSize::SmallInput,
        );
    });
    let unsigned = request();
    c.bench_function("sign_request/assume_role/explain", |b| {
        b.iter(|| {
            signer.sign_request(
                &SignableRequest::from_http(black_box(&unsigned), BODY),
                black_box(&params),
            )
        });
    });
    c.bench_function("sign_request/assume_role/explain_derived_key", |b| {
        b.iter(|| {
            sign_request(
                &SignableRequest::from_http(black_box(&unsigned), BODY),
                black_box(&params),
            )
        });
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
