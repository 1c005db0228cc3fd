//! The client against loopback servers: success, refused, silent server, slow drip, oversize
//! bodies, URL hygiene in errors.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use awscred_http::{HttpClient, HttpError, HttpErrorKind, RequestTimeouts, TimeoutPhase};
use bytes::Bytes;
use support::{closed_port, drip, get, response, serve, serve_after_request, serve_raw};
use tokio::io::AsyncWriteExt;
use tower::ServiceBuilder;
use tower_service::Service;

/// How much later than its bound a wait may end on a loaded machine. A bound here is the
/// behaviour (a timeout fires, a cap applies); the peers wait far longer (30 s, 10 s backoff).
const SLACK: Duration = Duration::from_secs(5);

/// A client whose read timeout is `read`.
fn reading_for(read: Duration) -> HttpClient {
    HttpClient::builder().read_timeout(read).build().unwrap()
}

/// A client whose connect timeout is `connect`.
fn connecting_for(connect: Duration) -> HttpClient {
    HttpClient::builder()
        .connect_timeout(connect)
        .build()
        .unwrap()
}

/// A server that accepts connections and holds them for 30 s, reading and writing nothing.
async fn mute() -> support::Server {
    serve_raw(|stream| async move {
        tokio::time::sleep(Duration::from_secs(30)).await;
        drop(stream);
    })
    .await
}

/// Asserts the wait since `started` ended before `bound` and the slack passed; how long it was.
fn ended_by(started: Instant, bound: Duration) -> Duration {
    let elapsed = started.elapsed();
    assert!(elapsed < bound + SLACK, "{elapsed:?}");
    elapsed
}

/// Asserts `err` is a timeout in `phase` whose message says `says`.
fn assert_timed_out(err: &HttpError, phase: TimeoutPhase, says: &str) {
    assert_eq!(err.kind(), HttpErrorKind::TimedOut(phase), "{err}");
    assert!(err.to_string().contains(says), "{err}");
}

#[tokio::test]
async fn get_and_post_return_status_headers_and_whole_body() {
    let server = serve(|_, seen| {
        let body = format!("{} {}", seen.line, String::from_utf8_lossy(&seen.body));
        Some(response(200, &body))
    })
    .await;
    let client = HttpClient::builder().build().unwrap();

    let response = get(&client, &server.url("/latest/meta-data?x=1"))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/plain");
    assert_eq!(&response.body()[..], b"GET /latest/meta-data?x=1 HTTP/1.1 ");

    let request = http::Request::post(server.url("/"))
        .header("x-aws-ec2-metadata-token-ttl-seconds", "21600")
        .body(Bytes::from_static(b"Action=GetCallerIdentity"))
        .unwrap();
    let response = client.send(request).await.unwrap();
    assert_eq!(
        &response.body()[..],
        b"POST / HTTP/1.1 Action=GetCallerIdentity"
    );
    let seen = server.seen();
    assert_eq!(
        seen[1].header("x-aws-ec2-metadata-token-ttl-seconds"),
        Some("21600")
    );
    assert_eq!(
        seen[1].header("host"),
        Some(server.addr.to_string().as_str())
    );
    // Keep-alive: both requests on one pooled connection.
    assert_eq!(server.connections(), 1);
}

#[tokio::test]
async fn non_success_statuses_are_responses_not_errors() {
    let server =
        serve(|_, _| Some(response(403, "<Error><Code>AccessDenied</Code></Error>"))).await;
    let client = HttpClient::builder().build().unwrap();
    let response = get(&client, &server.url("/")).await.unwrap();
    assert_eq!(response.status(), 403);
    assert!(response.body().starts_with(b"<Error>"));
}

#[tokio::test]
async fn connection_refused_is_fast_and_names_the_url_without_query() {
    let addr = closed_port().await;
    let client = HttpClient::builder().build().unwrap();
    let started = Instant::now();
    let err = get(
        &client,
        &format!("http://{addr}/v2/credentials?token=SECRET"),
    )
    .await
    .unwrap_err();
    assert!(started.elapsed() < SLACK, "{:?}", started.elapsed());
    assert_eq!(err.kind(), HttpErrorKind::ConnectionRefused);
    assert_eq!(
        err.url(),
        Some(format!("http://{addr}/v2/credentials").as_str())
    );
    let cred = err.into_credentials_error();
    assert!(cred.is_provider_error());
    let shown = cred.to_string();
    assert!(
        shown.contains(&format!("url: http://{addr}/v2/credentials")),
        "{shown}"
    );
    assert!(!shown.contains("SECRET"), "{shown}");
}

#[tokio::test]
async fn silent_server_times_out_waiting_for_the_head() {
    let server = serve(|_, _| None).await;
    let read = Duration::from_millis(300);
    let client = reading_for(read);
    let started = Instant::now();
    let err = get(&client, &server.url("/latest/api/token"))
        .await
        .unwrap_err();
    let elapsed = ended_by(started, read);
    assert_timed_out(&err, TimeoutPhase::ResponseHead, "read timeout");
    assert!(elapsed >= read, "{elapsed:?}");
    assert!(err.is_before_response());
    assert!(err.into_credentials_error().is_timed_out());
}

#[tokio::test]
async fn accepted_but_never_read_connection_also_times_out() {
    // Accepts, reads nothing, writes nothing: the request sits in socket buffers.
    let server = mute().await;
    let read = Duration::from_millis(300);
    let client = reading_for(read);
    let started = Instant::now();
    let err = get(&client, &server.url("/")).await.unwrap_err();
    assert!(err.is_timeout(), "{err}");
    ended_by(started, read);
}

#[tokio::test]
async fn a_tls_handshake_that_never_completes_is_a_connect_timeout() {
    // TCP is accepted, the ClientHello is never answered: still connecting.
    let server = mute().await;
    let connect = Duration::from_millis(300);
    let client = connecting_for(connect);
    let started = Instant::now();
    let err = get(&client, &format!("https://{}/", server.addr))
        .await
        .unwrap_err();
    let elapsed = ended_by(started, connect);
    assert_timed_out(&err, TimeoutPhase::Connect, "connect timeout");
    assert!(elapsed >= connect, "{elapsed:?}");
}

// Linux drops SYNs to a listener whose accept queue is full; other kernels may refuse instead.
#[cfg(target_os = "linux")]
#[tokio::test]
async fn a_full_accept_queue_is_a_connect_timeout() {
    // A listener that never accepts, with its backlog filled: further SYNs are dropped, so
    // the TCP connect itself hangs.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(1).unwrap();
    let addr = listener.local_addr().unwrap();
    let mut held = Vec::new();
    for _ in 0..16 {
        match tokio::time::timeout(
            Duration::from_millis(100),
            tokio::net::TcpStream::connect(addr),
        )
        .await
        {
            Ok(Ok(stream)) => held.push(stream),
            _ => break,
        }
    }
    assert!(held.len() < 16, "the accept queue never filled up");
    let connect = Duration::from_millis(300);
    let client = connecting_for(connect);
    let started = Instant::now();
    let err = get(&client, &format!("http://{addr}/")).await.unwrap_err();
    assert_eq!(
        err.kind(),
        HttpErrorKind::TimedOut(TimeoutPhase::Connect),
        "{err}"
    );
    ended_by(started, connect);
    drop((held, listener));
}

#[tokio::test]
async fn a_request_can_carry_its_own_limits() {
    let server = serve(|_, _| None).await;
    let client = reading_for(Duration::from_secs(20));
    let mut request = http::Request::get(server.url("/"))
        .body(Bytes::new())
        .unwrap();
    let read = Duration::from_millis(200);
    request
        .extensions_mut()
        .insert(RequestTimeouts::new().read(read));
    let started = Instant::now();
    let err = client.send(request).await.unwrap_err();
    assert_timed_out(
        &err,
        TimeoutPhase::ResponseHead,
        "after 200 ms (read timeout)",
    );
    ended_by(started, read);
}

#[tokio::test]
async fn slow_drip_body_is_cut_by_the_total_deadline() {
    let server = serve_after_request(|mut stream| async move {
        let head = b"HTTP/1.1 200 OK\r\nContent-Length: 200\r\n\r\n";
        if stream.write_all(head).await.is_err() {
            return;
        }
        // Each byte well within the read timeout; all of them far beyond the deadline.
        drip(&mut stream, &[b'x'; 200], Duration::from_millis(50)).await;
    })
    .await;
    let total = Duration::from_millis(600);
    let client = HttpClient::builder()
        .read_timeout(Duration::from_secs(2))
        .total_timeout(total)
        .build()
        .unwrap();
    let started = Instant::now();
    let err = get(&client, &server.url("/")).await.unwrap_err();
    let elapsed = ended_by(started, total);
    assert_timed_out(&err, TimeoutPhase::ResponseBody, "total deadline");
    assert!(!err.is_before_response());
    assert!(elapsed >= total, "{elapsed:?}");
}

#[tokio::test]
async fn stalled_body_is_cut_by_the_read_timeout() {
    let server = serve_after_request(|mut stream| async move {
        let _ = stream
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
            .await;
        tokio::time::sleep(Duration::from_secs(30)).await;
    })
    .await;
    let read = Duration::from_millis(300);
    let client = reading_for(read);
    let started = Instant::now();
    let err = get(&client, &server.url("/")).await.unwrap_err();
    assert_timed_out(&err, TimeoutPhase::ResponseBody, "read timeout");
    ended_by(started, read);
}

#[tokio::test]
async fn body_over_the_limit_by_content_length_fails_before_reading() {
    let server = serve_after_request(|mut stream| async move {
        // Declares 10 MiB, sends 5 bytes, then stalls: a client that tried to read it all would
        // hit the read timeout instead.
        let head = b"HTTP/1.1 200 OK\r\nContent-Length: 10485760\r\n\r\nhello";
        let _ = stream.write_all(head).await;
        tokio::time::sleep(Duration::from_secs(30)).await;
    })
    .await;
    let client = reading_for(Duration::from_secs(5));
    let started = Instant::now();
    let err = get(&client, &server.url("/big")).await.unwrap_err();
    assert_eq!(err.kind(), HttpErrorKind::BodyTooLarge, "{err}");
    assert_eq!(err.field("content-length"), Some("10485760"));
    assert_eq!(err.field("limit"), Some("1048576"));
    ended_by(started, Duration::ZERO);
}

#[tokio::test]
async fn chunked_body_over_the_limit_fails_while_streaming() {
    const TOTAL: usize = 64 * 1024 * 1024;
    let written = Arc::new(AtomicUsize::new(0));
    let w = written.clone();
    let server = serve_after_request(move |mut stream| {
        let w = w.clone();
        async move {
            let head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
            if stream.write_all(head).await.is_err() {
                return;
            }
            let chunk = vec![b'a'; 16 * 1024];
            let framed = [format!("{:x}\r\n", chunk.len()).as_bytes(), &chunk, b"\r\n"].concat();
            while w.load(Ordering::SeqCst) < TOTAL {
                if stream.write_all(&framed).await.is_err() {
                    return;
                }
                w.fetch_add(chunk.len(), Ordering::SeqCst);
            }
            let _ = stream.write_all(b"0\r\n\r\n").await;
        }
    })
    .await;
    let limit = 100 * 1024;
    let client = HttpClient::builder().max_body_size(limit).build().unwrap();
    let err = get(&client, &server.url("/stream")).await.unwrap_err();
    assert_eq!(err.kind(), HttpErrorKind::BodyTooLarge, "{err}");
    assert_eq!(err.field("limit"), Some(limit.to_string().as_str()));
    assert_eq!(err.field("content-length"), None);
    // The client stopped reading: the server could not push the whole 64 MiB through.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let pushed = written.load(Ordering::SeqCst);
    assert!(pushed < TOTAL, "server wrote {pushed} bytes");
}

#[tokio::test]
async fn body_exactly_at_the_limit_is_accepted() {
    let server = serve(|_, _| Some(response(200, &"z".repeat(1000)))).await;
    let client = HttpClient::builder().max_body_size(1000).build().unwrap();
    let response = get(&client, &server.url("/")).await.unwrap();
    assert_eq!(response.body().len(), 1000);
    let client = HttpClient::builder().max_body_size(999).build().unwrap();
    let err = get(&client, &server.url("/")).await.unwrap_err();
    assert_eq!(err.kind(), HttpErrorKind::BodyTooLarge);
}

#[tokio::test]
async fn invalid_urls_are_rejected_without_a_connection() {
    let client = HttpClient::builder().build().unwrap();
    for url in ["/relative/only", "ftp://127.0.0.1/x", "unix://127.0.0.1/x"] {
        let err = get(&client, url).await.unwrap_err();
        assert_eq!(err.kind(), HttpErrorKind::InvalidUrl, "{url}: {err}");
        assert!(err.url().is_some());
    }
}

#[tokio::test]
async fn errors_never_show_header_values() {
    let server = serve(|_, _| None).await;
    let client = reading_for(Duration::from_millis(100));
    let request = http::Request::get(server.url("/x"))
        .header("x-aws-ec2-metadata-token", "TOKEN-VALUE")
        .header("authorization", "Bearer BEARER-VALUE")
        .body(Bytes::new())
        .unwrap();
    let err = client.send(request).await.unwrap_err();
    let direct = format!("{err} {err:?}");
    let shown = format!("{direct} {}", err.into_credentials_error());
    assert!(
        !shown.contains("TOKEN-VALUE") && !shown.contains("BEARER-VALUE"),
        "{shown}"
    );
}

#[tokio::test]
async fn works_as_a_tower_service_under_service_builder() {
    let server = serve(|_, _| Some(response(200, "ok"))).await;
    let client = HttpClient::builder().build().unwrap();
    let mut svc = ServiceBuilder::new()
        .layer(awscred_http::RetryLayer::new(
            awscred_http::RetryConfig::disabled(),
        ))
        .service(client.clone());
    std::future::poll_fn(|cx| svc.poll_ready(cx)).await.unwrap();
    let request = http::Request::get(server.url("/"))
        .body(Bytes::new())
        .unwrap();
    let response = svc.call(request).await.unwrap();
    assert_eq!(&response.body()[..], b"ok");
    // The bare client is a Service too.
    let mut bare = client;
    let request = http::Request::get(server.url("/"))
        .body(Bytes::new())
        .unwrap();
    assert_eq!(bare.call(request).await.unwrap().status(), 200);
}

#[test]
fn presets_and_sharing() {
    fn assert_service<S: Service<http::Request<Bytes>> + Clone + Send + Sync + 'static>() {}
    assert_service::<HttpClient>();
    let shown = format!(
        "{:?}",
        awscred_http::HttpClientBuilder::imds().build().unwrap()
    );
    assert!(
        shown.contains("connect_timeout: 1s") && shown.contains("proxy: false"),
        "{shown}"
    );
    let shown = format!(
        "{:?}",
        awscred_http::HttpClientBuilder::container()
            .build()
            .unwrap()
    );
    assert!(shown.contains("read_timeout: 2s"), "{shown}");
}
