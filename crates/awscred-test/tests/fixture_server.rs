//! The fixture server itself: matching, faults, and verification.
#![allow(clippy::disallowed_methods, reason = "tests")]

use std::time::{Duration, Instant};

use awscred_test::fixture_server::{FixtureServer, Recording};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn recording(json: serde_json::Value) -> Recording {
    serde_json::from_value(json).unwrap()
}

async fn raw(server: &FixtureServer, request: &str, wait: Duration) -> (String, bool) {
    let mut s = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
    s.write_all(request.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    let finished = tokio::time::timeout(wait, s.read_to_end(&mut buf))
        .await
        .is_ok();
    (String::from_utf8_lossy(&buf).into_owned(), finished)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replays_in_order_and_verifies() {
    let server = FixtureServer::start(recording(serde_json::json!({
        "exchanges": [
            {"request": {"method": "PUT", "path": "/token", "headers": {"x-ttl": "21600"}},
             "response": {"status": 200, "body": "TOK"}},
            {"request": {"method": "GET", "path": "/creds?b=2&a=1", "headers": {"x-token": "TOK"}},
             "response": {"status": 200, "json": {"A": 1}}}
        ]
    })))
    .await;
    let (r, _) = raw(
        &server,
        "PUT /token HTTP/1.1\r\nhost: x\r\nx-ttl: 21600\r\nconnection: close\r\n\r\n",
        Duration::from_secs(5),
    )
    .await;
    assert!(r.starts_with("HTTP/1.1 200") && r.ends_with("TOK"), "{r}");
    assert!(
        server
            .verify()
            .unwrap_err()
            .contains("never arrived: GET /creds")
    );
    let (r, _) = raw(
        &server,
        "GET /creds?a=1&b=2 HTTP/1.1\r\nhost: x\r\nx-token: TOK\r\nconnection: close\r\n\r\n",
        Duration::from_secs(5),
    )
    .await;
    assert!(r.ends_with("{\"A\":1}"), "{r}");
    server.verify().unwrap();
    let (r, _) = raw(
        &server,
        "GET /extra HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
        Duration::from_secs(5),
    )
    .await;
    assert!(r.starts_with("HTTP/1.1 599"), "{r}");
    assert!(
        server
            .verify()
            .unwrap_err()
            .contains("unexpected request #3: GET /extra")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mismatched_header_is_reported() {
    let server = FixtureServer::start(recording(serde_json::json!({
        "exchanges": [{"request": {"method": "GET", "path": "/", "headers": {"authorization": "right"}},
                       "response": {}}]
    })))
    .await;
    let (r, _) = raw(
        &server,
        "GET / HTTP/1.1\r\nhost: x\r\nauthorization: wrong\r\nconnection: close\r\n\r\n",
        Duration::from_secs(5),
    )
    .await;
    assert!(r.starts_with("HTTP/1.1 599"));
    let err = server.verify().unwrap_err();
    assert!(
        err.contains("header authorization has another value"),
        "{err}"
    );
    assert!(
        !err.contains("wrong"),
        "header values (secrets) are never echoed: {err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_drop_hang_drip_reset() {
    let server = FixtureServer::start(recording(serde_json::json!({
        "exchanges": [
            {"request": {"method": "GET", "path": "/drop"}, "response": {"action": "drop"}},
            {"request": {"method": "GET", "path": "/hang"}, "response": {"action": "hang"}},
            {"request": {"method": "GET", "path": "/drip"}, "response": {"action": "drip", "body": "abcd", "chunk_delay_ms": 50}},
            {"request": {"method": "GET", "path": "/reset"}, "response": {"action": "reset", "body": "0123456789"}}
        ]
    })))
    .await;
    let (r, finished) = raw(
        &server,
        "GET /drop HTTP/1.1\r\nhost: x\r\n\r\n",
        Duration::from_secs(5),
    )
    .await;
    assert!(finished && r.is_empty(), "dropped: {r:?}");
    let (r, finished) = raw(
        &server,
        "GET /hang HTTP/1.1\r\nhost: x\r\n\r\n",
        Duration::from_millis(300),
    )
    .await;
    assert!(!finished && r.is_empty(), "hang must not answer");
    let start = Instant::now();
    let (r, _) = raw(
        &server,
        "GET /drip HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
        Duration::from_secs(5),
    )
    .await;
    assert!(
        r.ends_with("abcd") && start.elapsed() >= Duration::from_millis(200),
        "{r}"
    );
    let (r, finished) = raw(
        &server,
        "GET /reset HTTP/1.1\r\nhost: x\r\n\r\n",
        Duration::from_secs(5),
    )
    .await;
    assert!(
        finished && r.contains("content-length: 10") && r.ends_with("01234"),
        "{r:?}"
    );
    server.verify().unwrap();
}
