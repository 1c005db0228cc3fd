//! A loopback HTTP server that replays recorded exchanges and checks what it was sent.
//!
//! Endpoints moto does not serve (IMDS details, ECS/EKS container credentials, the SSO portal,
//! SSO-OIDC) are tested against this server. A case folder holds `http.json`:
//!
//! ```json
//! { "docs": "what this case proves",
//!   "exchanges": [
//!     { "request":  { "method": "PUT", "path": "/latest/api/token",
//!                     "headers": { "x-aws-ec2-metadata-token-ttl-seconds": "21600" } },
//!       "response": { "status": 200, "body": "TOKEN" } },
//!     { "request":  { "method": "GET", "path": "/latest/meta-data/iam/security-credentials/" },
//!       "response": { "action": "hang" } } ] }
//! ```
//!
//! Exchanges are matched **in order**: the N-th request must match the N-th exchange (method,
//! path with query, each listed header's exact value, and `body_contains` substrings). A
//! request that does not match, or comes after the last exchange, is answered `599` and
//! recorded as unexpected. [`FixtureServer::verify`] fails when any exchange was not requested
//! or any request was unexpected, so a test proves both what was sent and what was not.
//!
//! A request may also carry `"dpop": {}` (optionally `{"now": UNIX_SECONDS}`): its `DPoP` header
//! must then be an RFC 9449 proof that verifies for real, as AWS Sign-In checks it: an ES256 JWT
//! (`typ` `dpop+jwt`) whose signature verifies against the header's own P-256 `jwk`, whose
//! `htm` is the request's method, `htu` the URL requested (`http://<Host><path>`), `iat` within
//! 5 minutes of `now` (default: the wall clock), and whose `jti` this server has not seen before.
//!
//! For console sign-in (`awscred login`) the server also plays AWS Sign-In's authorize page: the
//! response action `authorize` (with `code`) answers `302` to the request's `redirect_uri` with
//! that `code` and the request's `state`, as the browser is sent back after signing in, and keeps
//! the request's `code_challenge`; a later request with `"pkce": true` must then carry, in its
//! JSON body, the `codeVerifier` whose S256 is that challenge (RFC 7636).
//!
//! Response `action`s: `respond` (default), `drop` (close the connection with no response),
//! `hang` (accept and never answer), `drip` (send the body one chunk every `chunk_delay_ms`),
//! `reset` (send the head and part of the body, then abort the connection). `delay_ms` waits
//! before answering.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, StreamBody, combinators::BoxBody};
use hyper::body::{Frame, Incoming};
use hyper::service::service_fn;
use hyper::{Request, Response};
use serde::Deserialize;
use std::collections::BTreeMap;

/// One recorded case: what requests to expect and how to answer them.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Recording {
    /// What the case proves.
    #[serde(default)]
    pub docs: String,
    /// The exchanges, in the order the requests must arrive.
    pub exchanges: Vec<Exchange>,
}

/// One request and the response to give it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exchange {
    /// What the request must look like.
    pub request: ExpectedRequest,
    /// How to answer it.
    pub response: FixtureResponse,
}

/// What a request must look like to match.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedRequest {
    /// `GET`, `PUT`, `POST`, …
    pub method: String,
    /// Path and query, e.g. `/federation/credentials?account_id=1&role_name=r`; `/p?*` takes
    /// any query.
    pub path: String,
    /// Headers that must be present with exactly these values (names are case-insensitive).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Headers that must be absent.
    #[serde(default)]
    pub absent_headers: Vec<String>,
    /// Substrings the request body must contain.
    #[serde(default)]
    pub body_contains: Vec<String>,
    /// The `DPoP` header must hold a valid proof for this request (see the module docs).
    #[serde(default)]
    pub dpop: Option<DpopCheck>,
    /// The body's `codeVerifier` must match the challenge an `authorize` exchange kept.
    #[serde(default)]
    pub pkce: bool,
}

/// How a request's DPoP proof is checked.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct DpopCheck {
    /// The time `iat` must be within 5 minutes of, in Unix seconds (default: the wall clock).
    #[serde(default)]
    pub now: Option<i64>,
}

/// How to answer.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixtureResponse {
    /// What to do; see the module docs.
    #[serde(default)]
    pub action: Action,
    /// Status code (default 200).
    #[serde(default = "ok")]
    pub status: u16,
    /// Response headers.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Body text.
    #[serde(default)]
    pub body: String,
    /// A JSON body (serialised compactly); used instead of `body` when present.
    #[serde(default)]
    pub json: Option<serde_json::Value>,
    /// Wait this long before answering.
    #[serde(default)]
    pub delay_ms: u64,
    /// For `drip`: the pause between body chunks.
    #[serde(default)]
    pub chunk_delay_ms: u64,
    /// For `authorize`: the authorization code the redirect carries.
    #[serde(default)]
    pub code: String,
}

fn ok() -> u16 {
    200
}

/// What the server does with a matched request.
#[derive(Debug, Clone, Copy, Deserialize, Default, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Answer normally.
    #[default]
    Respond,
    /// Close the connection without answering.
    Drop,
    /// Accept and never answer.
    Hang,
    /// Send the body slowly, one chunk at a time.
    Drip,
    /// Send the head and part of the body, then abort.
    Reset,
    /// AWS Sign-In's authorize page: redirect to the request's `redirect_uri` (see the module
    /// docs).
    Authorize,
}

impl Recording {
    /// Reads `<dir>/http.json`.
    pub fn from_dir(dir: &Path) -> Result<Self, String> {
        let path = dir.join("http.json");
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
    }
}

#[derive(Debug, Default)]
struct State {
    next: usize,
    problems: Vec<String>,
    seen: Vec<String>,
    /// Every DPoP `jti` accepted so far (a replayed proof is refused).
    jtis: std::collections::BTreeSet<String>,
    /// The `code_challenge` of the last `authorize` request.
    challenge: Option<String>,
}

/// A running fixture server on 127.0.0.1; stopped when dropped.
#[derive(Debug)]
pub struct FixtureServer {
    addr: SocketAddr,
    recording: Arc<Recording>,
    state: Arc<Mutex<State>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FixtureServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FixtureServer {
    /// Starts serving `recording` on a free 127.0.0.1 port. Needs a tokio runtime.
    pub async fn start(recording: Recording) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("binding 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        let recording = Arc::new(recording);
        let state = Arc::new(Mutex::new(State::default()));
        let (rec, st) = (recording.clone(), state.clone());
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let (rec, st) = (rec.clone(), st.clone());
                tokio::spawn(async move {
                    let service = service_fn(move |req| handle(req, rec.clone(), st.clone()));
                    let io = hyper_util::rt::TokioIo::new(stream);
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(io, service)
                        .await;
                });
            }
        });
        Self {
            addr,
            recording,
            state,
            task,
        }
    }

    /// Starts serving `exchanges` (a JSON array of `{"request": …, "response": …}`, as in a
    /// recording) in order. Panics on JSON that is not a recording: the test's own text.
    pub async fn exchanges(exchanges: serde_json::Value) -> Self {
        let recording = serde_json::from_value(serde_json::json!({ "exchanges": exchanges }))
            .expect("a recording's exchanges");
        Self::start(recording).await
    }

    /// Starts serving the recording in `dir/http.json`.
    pub async fn from_dir(dir: &Path) -> Result<Self, String> {
        Ok(Self::start(Recording::from_dir(dir)?).await)
    }

    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The socket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Requests received so far, as `METHOD path`.
    pub fn seen(&self) -> Vec<String> {
        self.lock().seen.clone()
    }

    /// `Ok` when every exchange was requested, in order, and nothing else was.
    pub fn verify(&self) -> Result<(), String> {
        let st = self.lock();
        let mut problems = st.problems.clone();
        for missing in self.recording.exchanges.iter().skip(st.next) {
            problems.push(format!(
                "expected request never arrived: {} {}",
                missing.request.method, missing.request.path
            ));
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("; "))
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

type Body = BoxBody<Bytes, std::io::Error>;

async fn handle(
    req: Request<Incoming>,
    recording: Arc<Recording>,
    state: Arc<Mutex<State>>,
) -> Result<Response<Body>, std::io::Error> {
    let method = req.method().to_string();
    let path = req
        .uri()
        .path_and_query()
        .map(|p| p.to_string())
        .unwrap_or_default();
    let headers = req.headers().clone();
    let body = req
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let body = String::from_utf8_lossy(&body);

    let exchange = {
        let mut st = state.lock().unwrap_or_else(PoisonError::into_inner);
        st.seen.push(format!("{method} {path}"));
        let index = st.next;
        match recording.exchanges.get(index) {
            None => {
                st.problems.push(format!(
                    "unexpected request #{}: {method} {path}",
                    index + 1
                ));
                None
            }
            Some(ex) => match mismatch(&ex.request, &method, &path, &headers, &body)
                .or_else(|| {
                    let check = ex.request.dpop.as_ref()?;
                    dpop::verify(check, &method, &path, &headers, &mut st.jtis).err()
                })
                .or_else(|| {
                    if !ex.request.pkce {
                        return None;
                    }
                    pkce_mismatch(st.challenge.as_deref(), &body)
                }) {
                Some(why) => {
                    st.problems
                        .push(format!("request #{} did not match: {why}", index + 1));
                    None
                }
                None => {
                    st.next += 1;
                    if ex.response.action == Action::Authorize {
                        st.challenge = query_param(&path, "code_challenge");
                    }
                    Some(ex.response.clone())
                }
            },
        }
    };
    let Some(resp) = exchange else {
        return Ok(Response::builder()
            .status(599)
            .body(full("unexpected request"))
            .expect("valid response"));
    };
    if resp.delay_ms > 0 {
        tokio::time::sleep(Duration::from_millis(resp.delay_ms)).await;
    }
    let body_text = match &resp.json {
        Some(v) => v.to_string(),
        None => resp.body.clone(),
    };
    let mut builder = Response::builder().status(resp.status);
    for (k, v) in &resp.headers {
        builder = builder.header(k, v);
    }
    match resp.action {
        Action::Respond => Ok(builder.body(full(body_text)).expect("valid response")),
        Action::Drop => Err(std::io::Error::other("fixture: dropping the connection")),
        Action::Authorize => {
            let redirect = query_param(&path, "redirect_uri").unwrap_or_default();
            let state = query_param(&path, "state").unwrap_or_default();
            let enc = |v: &str| {
                v.bytes()
                    .map(|b| match b {
                        b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                            char::from(b).to_string()
                        }
                        _ => format!("%{b:02X}"),
                    })
                    .collect::<String>()
            };
            let location = format!("{redirect}?code={}&state={}", enc(&resp.code), enc(&state));
            Ok(Response::builder()
                .status(302)
                .header("location", location)
                .body(full(""))
                .expect("valid response"))
        }
        Action::Hang => {
            std::future::pending::<()>().await;
            unreachable!("pending never completes")
        }
        Action::Drip => {
            let delay = Duration::from_millis(resp.chunk_delay_ms.max(1));
            builder = builder.header("content-length", body_text.len().to_string());
            let chunks: Vec<Bytes> = body_text
                .into_bytes()
                .chunks(1)
                .map(Bytes::copy_from_slice)
                .collect();
            let stream = futures_stream(chunks, delay, false);
            Ok(builder
                .body(BoxBody::new(StreamBody::new(stream)))
                .expect("valid response"))
        }
        Action::Reset => {
            let bytes = body_text.into_bytes();
            let half = Bytes::copy_from_slice(&bytes[..bytes.len() / 2]);
            let stream = futures_stream(vec![half], Duration::from_millis(10), true);
            Ok(builder
                .header("content-length", bytes.len().to_string())
                .body(BoxBody::new(StreamBody::new(stream)))
                .expect("valid response"))
        }
    }
}

fn full(text: impl Into<String>) -> Body {
    http_body_util::Full::new(Bytes::from(text.into()))
        .map_err(|e: Infallible| match e {})
        .boxed()
}

/// A body stream: each chunk after `delay`; then, if `fail`, an error that aborts the connection.
fn futures_stream(
    chunks: Vec<Bytes>,
    delay: Duration,
    fail: bool,
) -> impl futures_core_shim::Stream<Item = Result<Frame<Bytes>, std::io::Error>> {
    futures_core_shim::unfold(
        (chunks.into_iter(), fail),
        move |(mut it, fail)| async move {
            tokio::time::sleep(delay).await;
            match it.next() {
                Some(chunk) => Some((Ok(Frame::data(chunk)), (it, fail))),
                None if fail => Some((
                    Err(std::io::Error::other("fixture: reset mid-body")),
                    (it, false),
                )),
                None => None,
            }
        },
    )
}

fn mismatch(
    want: &ExpectedRequest,
    method: &str,
    path: &str,
    headers: &http::HeaderMap,
    body: &str,
) -> Option<String> {
    if !want.method.eq_ignore_ascii_case(method) || !same_path(&want.path, path) {
        return Some(format!(
            "expected {} {}, got {method} {path}",
            want.method, want.path
        ));
    }
    for (name, value) in &want.headers {
        match headers
            .get(name.as_str())
            .map(|v| v.to_str().unwrap_or("<binary>"))
        {
            Some(got) if got == value => {}
            Some(_) => return Some(format!("{method} {path}: header {name} has another value")),
            None => return Some(format!("{method} {path}: header {name} missing")),
        }
    }
    for name in &want.absent_headers {
        if headers.contains_key(name.as_str()) {
            return Some(format!("{method} {path}: header {name} should be absent"));
        }
    }
    for needle in &want.body_contains {
        if !body.contains(needle.as_str()) {
            return Some(format!("{method} {path}: body lacks {needle:?}"));
        }
    }
    None
}

/// A query parameter of `path`, percent-decoded.
fn query_param(path: &str, name: &str) -> Option<String> {
    let query = path.split_once('?')?.1;
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == name).then(|| percent_decode(v))
    })
}

fn percent_decode(v: &str) -> String {
    let bytes = v.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |c: u8| char::from(c).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                out.push(((hex(h).unwrap_or(0) << 4) | hex(l).unwrap_or(0)) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Why the body's `codeVerifier` does not prove the kept challenge (`None` when it does).
fn pkce_mismatch(challenge: Option<&str>, body: &str) -> Option<String> {
    use base64::Engine as _;
    let Some(challenge) = challenge else {
        return Some("PKCE: no authorize request kept a code_challenge".into());
    };
    let body: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    let verifier = body["codeVerifier"].as_str().unwrap_or_default();
    let got = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(ring::digest::digest(
        &ring::digest::SHA256,
        verifier.as_bytes(),
    ));
    (got != challenge).then(|| "PKCE: the codeVerifier does not match the code_challenge".into())
}

/// The DPoP proof check (RFC 9449 §4.3, the parts AWS Sign-In relies on).
mod dpop {
    use base64::Engine as _;
    use ring::signature::{ECDSA_P256_SHA256_FIXED, UnparsedPublicKey};

    use super::DpopCheck;

    const B64URL: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

    /// How far `iat` may be from `now`.
    const MAX_SKEW_SECS: i64 = 300;

    pub(super) fn verify(
        check: &DpopCheck,
        method: &str,
        path: &str,
        headers: &http::HeaderMap,
        jtis: &mut std::collections::BTreeSet<String>,
    ) -> Result<(), String> {
        let bad = |why: &str| format!("{method} {path}: DPoP proof {why}");
        let mut proofs = headers.get_all("dpop").iter();
        let proof = proofs
            .next()
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| bad("missing"))?;
        if proofs.next().is_some() {
            return Err(bad("sent twice"));
        }
        let mut parts = proof.split('.');
        let (Some(h), Some(p), Some(s), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad("is not a three-part JWT"));
        };
        let json = |part: &str| -> Result<serde_json::Value, String> {
            let bytes = B64URL
                .decode(part)
                .map_err(|_| bad("has a part that is not base64url"))?;
            serde_json::from_slice(&bytes).map_err(|_| bad("has a part that is not JSON"))
        };
        let (header, payload) = (json(h)?, json(p)?);
        if header["typ"] != "dpop+jwt" || header["alg"] != "ES256" {
            return Err(bad("header is not typ dpop+jwt, alg ES256"));
        }
        let jwk = &header["jwk"];
        if jwk["kty"] != "EC" || jwk["crv"] != "P-256" {
            return Err(bad("jwk is not an EC P-256 key"));
        }
        let coord = |name: &str| -> Result<Vec<u8>, String> {
            let c = B64URL
                .decode(jwk[name].as_str().unwrap_or_default())
                .map_err(|_| bad("jwk coordinate is not base64url"))?;
            if c.len() == 32 {
                Ok(c)
            } else {
                Err(bad("jwk coordinate is not 32 bytes"))
            }
        };
        let mut point = vec![0x04];
        point.extend(coord("x")?);
        point.extend(coord("y")?);
        let signature = B64URL
            .decode(s)
            .map_err(|_| bad("signature is not base64url"))?;
        UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &point)
            .verify(format!("{h}.{p}").as_bytes(), &signature)
            .map_err(|_| bad("signature does not verify against its jwk"))?;
        if payload["htm"] != method {
            return Err(bad("htm is not the request method"));
        }
        let host = headers
            .get(http::header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let url = format!("http://{host}{path}");
        if payload["htu"] != url.as_str() {
            return Err(bad(&format!(
                "htu {} is not the URL requested, {url}",
                payload["htu"]
            )));
        }
        let now = check.now.unwrap_or_else(|| {
            #[allow(clippy::disallowed_methods, reason = "the fake server's own clock")]
            let now = std::time::SystemTime::now();
            now.duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        });
        let iat = payload["iat"]
            .as_i64()
            .ok_or_else(|| bad("iat is not a number"))?;
        if (iat - now).abs() > MAX_SKEW_SECS {
            return Err(bad(&format!("iat {iat} is more than 5 minutes from {now}")));
        }
        let jti = payload["jti"]
            .as_str()
            .filter(|j| !j.is_empty())
            .ok_or_else(|| bad("has no jti"))?;
        if !jtis.insert(jti.to_owned()) {
            return Err(bad("jti was used before (a replayed proof)"));
        }
        Ok(())
    }
}

/// Equal paths, with query parameters compared as a set (order-insensitive); a wanted path
/// ending in `?*` takes any query (one it cannot know in advance, such as a login's `state`).
fn same_path(want: &str, got: &str) -> bool {
    if let Some(path) = want.strip_suffix("?*") {
        return got.split_once('?').map_or(got, |(p, _)| p) == path;
    }
    let split = |s: &str| -> (String, Vec<String>) {
        let (p, q) = s.split_once('?').unwrap_or((s, ""));
        let mut q: Vec<String> = q
            .split('&')
            .filter(|x| !x.is_empty())
            .map(str::to_owned)
            .collect();
        q.sort();
        (p.to_owned(), q)
    };
    split(want) == split(got)
}

/// A tiny `unfold` stream over `futures-core` (already in the tree through http-body-util),
/// so this crate needs no `futures-util`.
mod futures_core_shim {
    use std::future::Future;
    use std::pin::Pin;
    use std::task::{Context, Poll};

    pub(crate) use futures_core::Stream;

    pub(crate) struct Unfold<T, F, Fut> {
        state: Option<T>,
        f: F,
        fut: Option<Pin<Box<Fut>>>,
    }

    pub(crate) fn unfold<T, F, Fut, Item>(init: T, f: F) -> Unfold<T, F, Fut>
    where
        F: FnMut(T) -> Fut,
        Fut: Future<Output = Option<(Item, T)>>,
    {
        Unfold {
            state: Some(init),
            f,
            fut: None,
        }
    }

    impl<T, F, Fut, Item> Stream for Unfold<T, F, Fut>
    where
        F: FnMut(T) -> Fut + Unpin,
        Fut: Future<Output = Option<(Item, T)>>,
        T: Unpin,
    {
        type Item = Item;
        fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Item>> {
            let this = &mut *self;
            if this.fut.is_none() {
                let Some(state) = this.state.take() else {
                    return Poll::Ready(None);
                };
                this.fut = Some(Box::pin((this.f)(state)));
            }
            let fut = this.fut.as_mut().expect("set above");
            match fut.as_mut().poll(cx) {
                Poll::Pending => Poll::Pending,
                Poll::Ready(None) => {
                    this.fut = None;
                    Poll::Ready(None)
                }
                Poll::Ready(Some((item, next))) => {
                    this.fut = None;
                    this.state = Some(next);
                    Poll::Ready(Some(item))
                }
            }
        }
    }
}
