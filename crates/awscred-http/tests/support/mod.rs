//! Loopback servers for the integration tests: each test starts its own on 127.0.0.1:0.

#![allow(
    dead_code,
    reason = "each test binary uses a different part of the support module"
)]
#![allow(unreachable_pub, reason = "test support module")]

use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use awscred_http::HttpClient;
use bytes::Bytes;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A request as a test server saw it.
#[derive(Clone, Debug)]
pub struct Seen {
    /// The request line, e.g. `GET /path HTTP/1.1`.
    pub line: String,
    /// Header lines, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// The body (by `Content-Length`).
    pub body: Vec<u8>,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Reads one request head (and a `Content-Length` body). `None` at end of stream.
pub async fn read_request<S: AsyncRead + Unpin>(stream: &mut S) -> Option<Seen> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte).await {
            Ok(0) | Err(_) => return None,
            Ok(_) => buf.push(byte[0]),
        }
        if buf.len() > 64 * 1024 {
            return None;
        }
    }
    let head = String::from_utf8_lossy(&buf).into_owned();
    let mut lines = head.split("\r\n").filter(|l| !l.is_empty());
    let line = lines.next()?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let len = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0u8; len];
    stream.read_exact(&mut body).await.ok()?;
    Some(Seen {
        line,
        headers,
        body,
    })
}

/// A plain `200 OK` (or other status) with a body, keeping the connection open.
pub fn response(status: u16, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nContent-Type: text/plain\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// A loopback server: counts connections and requests, records what it saw.
#[derive(Clone)]
pub struct Server {
    pub addr: SocketAddr,
    pub connections: Arc<AtomicUsize>,
    pub requests: Arc<AtomicUsize>,
    pub seen: Arc<Mutex<Vec<Seen>>>,
}

impl Server {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// Counts and records a request; its index.
    fn record(&self, seen: &Seen) -> usize {
        let n = self.requests.fetch_add(1, Ordering::SeqCst);
        self.seen.lock().unwrap().push(seen.clone());
        n
    }
}

/// A server on a new loopback listener that counts the connections it accepts and runs
/// `handle` on each (with the server, for its counters).
async fn accept_each<F, Fut>(handle: F) -> Server
where
    F: Fn(TcpStream, Server) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let server = Server {
        addr: listener.local_addr().unwrap(),
        connections: Arc::default(),
        requests: Arc::default(),
        seen: Arc::default(),
    };
    let s = server.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            s.connections.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(handle(stream, s.clone()));
        }
    });
    server
}

/// Serves each request with `reply(request_index, &request)`, the raw bytes to write back
/// (`None`: hold the connection open and never answer).
pub async fn serve<F>(reply: F) -> Server
where
    F: Fn(usize, &Seen) -> Option<Vec<u8>> + Send + Sync + 'static,
{
    let reply = Arc::new(reply);
    accept_each(move |mut stream, s| {
        let reply = reply.clone();
        async move {
            while let Some(seen) = read_request(&mut stream).await {
                match reply(s.record(&seen), &seen) {
                    Some(bytes) => {
                        if stream.write_all(&bytes).await.is_err() {
                            return;
                        }
                    }
                    None => {
                        // Never answer; keep the socket open until the client gives up.
                        let mut sink = [0u8; 1];
                        let _ = stream.read(&mut sink).await;
                        return;
                    }
                }
            }
        }
    })
    .await
}

/// Runs `handle` on each accepted connection (for servers that write in their own rhythm).
pub async fn serve_raw<F, Fut>(handle: F) -> Server
where
    F: Fn(TcpStream) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    accept_each(move |stream, _| handle(stream)).await
}

/// [`serve_raw`], `handle` running once the connection's first request has been read (a
/// connection closed before that is dropped).
pub async fn serve_after_request<F, Fut>(handle: F) -> Server
where
    F: Fn(TcpStream) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let handle = Arc::new(handle);
    serve_raw(move |mut stream| {
        let handle = handle.clone();
        async move {
            if read_request(&mut stream).await.is_some() {
                handle(stream).await;
            }
        }
    })
    .await
}

/// A port on 127.0.0.1 where nothing listens (bound, then closed).
pub async fn closed_port() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    addr
}

/// A tiny HTTP proxy: answers absolute-form requests itself (body `via proxy`), and tunnels
/// `CONNECT host:port` to the target. Records every request line and header set it saw.
pub async fn proxy() -> Server {
    accept_each(|mut stream, s| async move {
        while let Some(seen) = read_request(&mut stream).await {
            s.record(&seen);
            if let Some(target) = seen.line.strip_prefix("CONNECT ") {
                let target = target.split(' ').next().unwrap_or_default().to_owned();
                let Ok(mut upstream) = TcpStream::connect(target).await else {
                    let _ = stream.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n").await;
                    return;
                };
                let ok = b"HTTP/1.1 200 Connection established\r\n\r\n";
                if stream.write_all(ok).await.is_err() {
                    return;
                }
                let _ = tokio::io::copy_bidirectional(&mut stream, &mut upstream).await;
                return;
            }
            if stream.write_all(&response(200, "via proxy")).await.is_err() {
                return;
            }
        }
    })
    .await
}

/// Sends a GET through the client.
pub async fn get(
    client: &HttpClient,
    url: &str,
) -> Result<http::Response<Bytes>, awscred_http::HttpError> {
    let request = http::Request::get(url).body(Bytes::new()).unwrap();
    client.send(request).await
}

/// Writes `bytes` in pieces with a pause between them.
pub async fn drip<S: AsyncWrite + Unpin>(stream: &mut S, bytes: &[u8], pause: Duration) {
    for b in bytes {
        if stream.write_all(&[*b]).await.is_err() {
            return;
        }
        tokio::time::sleep(pause).await;
    }
}
