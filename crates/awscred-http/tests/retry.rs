//! The retry layer against loopback servers.

mod support;

use std::time::{Duration, Instant};

use awscred_http::{
    Attempts, ClassifyRetry, DefaultClassifier, HttpClient, HttpError, HttpErrorKind, Retry,
    RetryConfig, RetryKind, RetryLayer, RetryMode, TimeoutPhase,
};
use awscred_types::FakeEnv;
use bytes::Bytes;
use http::Response;
use support::{closed_port, response, serve};
use tower_layer::Layer;
use tower_service::Service;

/// How much later than its bound a wait may end on a loaded machine. A bound here is the
/// behaviour (a timeout fires, a cap applies); the peers wait far longer (30 s, 10 s backoff).
const SLACK: Duration = Duration::from_secs(5);

/// Fast backoff so the tests measure behaviour, not sleeping.
fn config(max_attempts: u32) -> RetryConfig {
    RetryConfig::new(RetryMode::Standard, Some(max_attempts))
        .with_initial_backoff(Duration::from_millis(5))
        .with_max_backoff(Duration::from_millis(20))
}

async fn call(svc: &mut Retry<HttpClient>, url: &str) -> Result<Response<Bytes>, HttpError> {
    std::future::poll_fn(|cx| svc.poll_ready(cx)).await?;
    svc.call(http::Request::get(url).body(Bytes::new()).unwrap())
        .await
}

fn client() -> HttpClient {
    HttpClient::builder().build().unwrap()
}

#[tokio::test]
async fn two_503s_then_200_succeeds_on_the_third_attempt() {
    let server = serve(|n, _| {
        Some(if n < 2 {
            response(503, "busy")
        } else {
            response(200, "ok")
        })
    })
    .await;
    let mut svc = RetryLayer::new(config(3)).layer(client());
    let response = call(&mut svc, &server.url("/")).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(&response.body()[..], b"ok");
    assert_eq!(response.extensions().get::<Attempts>(), Some(&Attempts(3)));
    assert_eq!(server.requests(), 3);
}

#[tokio::test]
async fn a_400_is_not_retried() {
    let server = serve(|_, _| Some(response(400, "<Code>ValidationError</Code>"))).await;
    let mut svc = RetryLayer::new(config(5)).layer(client());
    let response = call(&mut svc, &server.url("/")).await.unwrap();
    assert_eq!(response.status(), 400);
    assert_eq!(response.extensions().get::<Attempts>(), Some(&Attempts(1)));
    assert_eq!(server.requests(), 1);
}

#[tokio::test]
async fn max_attempts_is_honoured_and_the_last_response_returned() {
    let server = serve(|n, _| Some(response(if n % 2 == 0 { 500 } else { 429 }, "no"))).await;
    let mut svc = RetryLayer::new(config(4)).layer(client());
    let last = call(&mut svc, &server.url("/")).await.unwrap();
    assert_eq!(last.status(), 429);
    assert_eq!(last.extensions().get::<Attempts>(), Some(&Attempts(4)));
    assert_eq!(server.requests(), 4);

    let server = serve(|_, _| Some(response(503, "busy"))).await;
    let mut svc = RetryLayer::new(config(1)).layer(client());
    assert_eq!(
        call(&mut svc, &server.url("/")).await.unwrap().status(),
        503
    );
    assert_eq!(server.requests(), 1);
}

#[tokio::test]
async fn connection_refused_is_retried_up_to_max_attempts() {
    let addr = closed_port().await;
    let mut svc = RetryLayer::new(config(3)).layer(client());
    let started = Instant::now();
    let err = call(&mut svc, &format!("http://{addr}/"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), HttpErrorKind::ConnectionRefused);
    assert_eq!(err.attempts(), Some(3));
    assert!(err.to_string().contains("attempts: 3"), "{err}");
    assert_eq!(err.into_credentials_error().field("attempts"), Some("3"));
    assert!(started.elapsed() < SLACK, "{:?}", started.elapsed());
}

#[tokio::test]
async fn head_timeouts_are_retried_then_reported() {
    let server = serve(|n, _| {
        if n == 0 {
            None
        } else {
            Some(response(200, "late"))
        }
    })
    .await;
    let client = HttpClient::builder()
        .read_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let mut svc = RetryLayer::new(config(2)).layer(client);
    let response = call(&mut svc, &server.url("/")).await.unwrap();
    assert_eq!(&response.body()[..], b"late");
    assert_eq!(server.requests(), 2);
    assert_eq!(server.connections(), 2);

    let server = serve(|_, _| None).await;
    let client = HttpClient::builder()
        .read_timeout(Duration::from_millis(100))
        .build()
        .unwrap();
    let mut svc = RetryLayer::new(config(3)).layer(client);
    let err = call(&mut svc, &server.url("/")).await.unwrap_err();
    assert_eq!(
        err.kind(),
        HttpErrorKind::TimedOut(TimeoutPhase::ResponseHead)
    );
    assert_eq!(err.attempts(), Some(3));
    assert_eq!(server.requests(), 3);
}

#[tokio::test]
async fn oversize_bodies_are_not_retried() {
    let server = serve(|_, _| Some(response(200, &"x".repeat(100)))).await;
    let client = HttpClient::builder().max_body_size(10).build().unwrap();
    let mut svc = RetryLayer::new(config(3)).layer(client);
    let err = call(&mut svc, &server.url("/")).await.unwrap_err();
    assert_eq!(err.kind(), HttpErrorKind::BodyTooLarge);
    assert_eq!(err.attempts(), Some(1));
    assert_eq!(server.requests(), 1);
}

/// What the STS crate does: a 400 whose body says `Throttling` is retryable.
#[derive(Debug)]
struct StsLike;

impl ClassifyRetry for StsLike {
    fn classify(&self, outcome: &Result<Response<Bytes>, HttpError>) -> RetryKind {
        if let Ok(response) = outcome {
            let body = String::from_utf8_lossy(response.body());
            let code = body
                .split("<Code>")
                .nth(1)
                .and_then(|r| r.split("</Code>").next());
            if let Some(code) = code {
                let kind = awscred_http::retry::classify_error_code(code);
                if kind.is_retryable() {
                    return kind;
                }
            }
        }
        DefaultClassifier.classify(outcome)
    }
}

#[tokio::test]
async fn a_pluggable_classifier_retries_400_throttling() {
    let throttled = "<ErrorResponse><Error><Code>Throttling</Code></Error></ErrorResponse>";
    let server = serve(move |n, _| {
        Some(if n == 0 {
            response(400, throttled)
        } else {
            response(200, "ok")
        })
    })
    .await;
    let mut svc = RetryLayer::new(config(3))
        .with_classifier(StsLike)
        .layer(client());
    assert_eq!(
        call(&mut svc, &server.url("/")).await.unwrap().status(),
        200
    );
    assert_eq!(server.requests(), 2);

    // The default classifier returns the same 400 at once.
    let server = serve(move |_, _| Some(response(400, throttled))).await;
    let mut svc = RetryLayer::new(config(3)).layer(client());
    assert_eq!(
        call(&mut svc, &server.url("/")).await.unwrap().status(),
        400
    );
    assert_eq!(server.requests(), 1);
}

#[tokio::test]
async fn configuration_from_the_env_seam_drives_the_attempt_count() {
    let server = serve(|_, _| Some(response(503, "busy"))).await;
    let env = FakeEnv::new().with("AWS_RETRY_MODE", "legacy");
    let legacy = RetryConfig::from_env(&env, None, None)
        .unwrap()
        .with_initial_backoff(Duration::from_millis(2))
        .with_max_backoff(Duration::from_millis(5));
    assert_eq!(legacy.max_attempts(), 5);
    let mut svc = RetryLayer::new(legacy).layer(client());
    assert_eq!(
        call(&mut svc, &server.url("/")).await.unwrap().status(),
        503
    );
    assert_eq!(server.requests(), 5);

    let server = serve(|_, _| Some(response(503, "busy"))).await;
    let env = FakeEnv::new().with("AWS_MAX_ATTEMPTS", "2");
    let two = RetryConfig::from_env(&env, Some("legacy"), Some("9"))
        .unwrap()
        .with_initial_backoff(Duration::from_millis(2));
    let mut svc = RetryLayer::new(two).layer(client());
    assert_eq!(
        call(&mut svc, &server.url("/")).await.unwrap().status(),
        503
    );
    assert_eq!(server.requests(), 2);
}

#[tokio::test]
async fn backoff_is_capped_by_max_backoff() {
    let server = serve(|_, _| Some(response(500, "err"))).await;
    // Uncapped, the two sleeps would be up to 10 s and 20 s; the cap makes each at most 50 ms.
    // (2 s, not SLACK: with full jitter an uncapped pair is rarely under 2 s, often under 5.)
    let cfg = RetryConfig::new(RetryMode::Standard, Some(3))
        .with_initial_backoff(Duration::from_secs(10))
        .with_max_backoff(Duration::from_millis(50));
    let mut svc = RetryLayer::new(cfg).layer(client());
    let started = Instant::now();
    assert_eq!(
        call(&mut svc, &server.url("/")).await.unwrap().status(),
        500
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(server.requests(), 3);
}
