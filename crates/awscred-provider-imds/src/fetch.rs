//! One lookup: the token, the role, the credentials, all under one deadline.
//!
//! The token request and the IMDSv1 requests can run side by side: when the token request has
//! been silent for [`HEDGE_NUMERATOR`]/[`HEDGE_DENOMINATOR`] of the timeout, the IMDSv1 role
//! request starts beside it, and the first *usable* answer wins (see
//! [the crate documentation](crate#one-time-budget)). Both run in the caller's task (no spawn):
//! the two futures are polled together, and whichever loses is dropped.

use std::future::{Future, poll_fn};
use std::pin::{Pin, pin};
use std::sync::{Mutex, PoisonError};
use std::task::Poll;
use std::time::{Duration, SystemTime};

use awscred_http::http::header::CONTENT_LENGTH;
use awscred_http::http::{HeaderValue, Method, Request, Response};
use awscred_http::{Bytes, HttpClient, HttpError, HttpErrorKind, RequestTimeouts, TimeoutPhase};
use awscred_types::{Clock, CredentialsError};
use tokio::time::{Instant, sleep_until};

use crate::config::ImdsSettings;
use crate::credentials::{self, Parsed};

/// The token request's path under the endpoint.
pub(crate) const TOKEN_PATH: &str = "latest/api/token";
/// The role list's path; the role's credentials are at this path plus the role name.
pub(crate) const ROLE_PATH: &str = "latest/meta-data/iam/security-credentials/";
/// The header of the token request that asks for a lifetime (and of its answer, which gives it).
pub(crate) const TOKEN_TTL_HEADER: &str = "x-aws-ec2-metadata-token-ttl-seconds";
/// The header that carries the token on the `GET`s.
pub(crate) const TOKEN_HEADER: &str = "x-aws-ec2-metadata-token";
/// The lifetime asked for: 6 hours, the most IMDS grants (botocore's `_TOKEN_TTL`).
pub(crate) const TOKEN_TTL: Duration = Duration::from_secs(21_600);
/// A token is not reused in the last two minutes of its life (aws-config's buffer).
pub(crate) const TOKEN_REFRESH_MARGIN: Duration = Duration::from_secs(120);
/// A token request answered 5xx or 429 is tried up to this many times (or `attempts`, if more).
pub(crate) const TOKEN_5XX_ATTEMPTS: u32 = 3;
/// The pause before a token retry after a 5xx, times the attempt number.
const TOKEN_RETRY_PAUSE: Duration = Duration::from_millis(20);
/// The IMDSv1 request starts when the token request has been silent this part of the timeout.
pub(crate) const HEDGE_NUMERATOR: u32 = 2;
/// See [`HEDGE_NUMERATOR`].
pub(crate) const HEDGE_DENOMINATOR: u32 = 5;

// ===== token cache =====

/// The IMDSv2 token, shared by every call of one provider (and its clones).
#[derive(Debug, Default)]
pub(crate) struct TokenCache {
    slot: Mutex<Option<CachedToken>>,
}

#[derive(Debug)]
struct CachedToken {
    /// Marked sensitive, so `Debug` never shows it.
    value: HeaderValue,
    /// When to stop using it (its lifetime less [`TOKEN_REFRESH_MARGIN`]).
    use_until: SystemTime,
}

impl TokenCache {
    fn get(&self, now: SystemTime) -> Option<HeaderValue> {
        let slot = self.slot.lock().unwrap_or_else(PoisonError::into_inner);
        slot.as_ref()
            .filter(|t| now < t.use_until)
            .map(|t| t.value.clone())
    }

    fn put(&self, value: HeaderValue, use_until: SystemTime) {
        *self.slot.lock().unwrap_or_else(PoisonError::into_inner) =
            Some(CachedToken { value, use_until });
    }

    pub(crate) fn clear(&self) {
        *self.slot.lock().unwrap_or_else(PoisonError::into_inner) = None;
    }

    pub(crate) fn is_cached(&self, now: SystemTime) -> bool {
        self.get(now).is_some()
    }
}

// ===== outcomes =====

/// What the token request came to.
enum TokenOutcome {
    /// A token (already cached).
    Token(HeaderValue),
    /// No token; IMDSv1 may be tried. The text says why, for error messages.
    NoToken(String),
    /// IMDS said the request was bad (400, as botocore) or that it is disabled (403, as
    /// aws-config): give up, with no IMDSv1 request.
    GiveUp(CredentialsError),
}

/// What a role-and-credentials fetch came to.
enum Fetch {
    /// Credentials.
    Credentials(Parsed),
    /// A definitive answer from IMDS: no role (NotLoaded), or a bad credentials document.
    Answer(CredentialsError),
    /// 401 or 403 on a `GET`: this way of asking (no token, or this token) is refused.
    Unauthorized(u16, String),
    /// No usable answer: transport failures, timeouts, or error statuses, after every attempt.
    Unreachable(CredentialsError),
}

impl Fetch {
    /// Whether this answer ends a race: credentials, or IMDS's own definitive answer.
    fn is_usable(&self) -> bool {
        matches!(self, Self::Credentials(_) | Self::Answer(_))
    }

    /// The result of a fetch made with a fresh token (`token_problem: None`) or without one.
    fn finish(self, token_problem: Option<&str>) -> Result<Parsed, CredentialsError> {
        match (self, token_problem) {
            (Self::Credentials(parsed), _) => Ok(parsed),
            (Self::Answer(err), _) => Err(err),
            (Self::Unauthorized(status, url), None) => Err(CredentialsError::provider_error(
                format!("IMDS refused a token it had just issued (HTTP {status})"),
            )
            .with("url", url)),
            (Self::Unauthorized(status, url), Some(problem)) => {
                Err(CredentialsError::not_loaded(format!(
                    "IMDS refused the request without a token (IMDSv1, HTTP {status}), and no \
                     token could be had"
                ))
                .with("url", url)
                .with("token_request", problem))
            }
            (Self::Unreachable(err), None) => Err(err),
            (Self::Unreachable(err), Some(problem)) => Err(err.with("token_request", problem)),
        }
    }
}

/// Why a request was not answered.
enum Failure {
    /// The transport failed or a limit elapsed.
    Http(HttpError),
    /// The budget was spent before the request could be sent.
    OutOfTime,
    /// The request could not be built (a URL the endpoint checks should have refused).
    Invalid(String),
}

/// How a `GET` failed, after its attempts.
enum GetError {
    /// The last answer's status (401, 403 and 404 end the attempts at once).
    Status(u16),
    /// The last attempt's failure.
    Failed(Failure),
}

/// Which `GET` a failure is about.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Stage {
    RoleList,
    Credentials,
}

impl Stage {
    fn describe(self) -> &'static str {
        match self {
            Self::RoleList => "the role list",
            Self::Credentials => "the role's credentials",
        }
    }
}

// ===== racing two futures =====

enum Either<A, B> {
    Left(A),
    Right(B),
}

/// Polls both futures until one is ready; the other is left as it is, to be polled again or
/// dropped. `a` is polled first.
async fn first<A, B>(mut a: Pin<&mut A>, mut b: Pin<&mut B>) -> Either<A::Output, B::Output>
where
    A: Future + ?Sized,
    B: Future + ?Sized,
{
    poll_fn(move |cx| {
        if let Poll::Ready(out) = a.as_mut().poll(cx) {
            return Poll::Ready(Either::Left(out));
        }
        if let Poll::Ready(out) = b.as_mut().poll(cx) {
            return Poll::Ready(Either::Right(out));
        }
        Poll::Pending
    })
    .await
}

// ===== the lookup =====

/// One call's lookup.
pub(crate) struct Lookup<'a> {
    pub(crate) settings: &'a ImdsSettings,
    pub(crate) http: &'a HttpClient,
    pub(crate) clock: &'a dyn Clock,
    pub(crate) tokens: &'a TokenCache,
    pub(crate) start: Instant,
    pub(crate) deadline: Instant,
}

impl Lookup<'_> {
    /// The whole lookup. With a cached token, that token is tried first; if IMDS refuses it, it
    /// is dropped and the lookup starts again from a new token, within the same deadline.
    pub(crate) async fn run(&self) -> Result<Parsed, CredentialsError> {
        if let Some(token) = self.tokens.get(self.clock.now()) {
            match self.fetch(Some(&token)).await {
                Fetch::Unauthorized(status, _) => {
                    tracing::debug!(
                        status,
                        "IMDS refused the cached token; asking for a new one"
                    );
                    self.tokens.clear();
                }
                other => return other.finish(None),
            }
        }
        self.fresh().await
    }

    /// The error botocore raises when no token was had and IMDSv1 is disabled.
    pub(crate) fn v1_disabled_error(&self, problem: &str) -> CredentialsError {
        CredentialsError::provider_error(
            "Unable to retrieve token for use in IMDSv2 call and IMDSv1 has been disabled",
        )
        .with("url", self.settings.endpoint.token_url())
        .with("token_request", problem)
    }

    /// The error when the budget is spent.
    pub(crate) fn out_of_time(&self, what: &str) -> CredentialsError {
        CredentialsError::not_loaded(format!(
            "no answer from the instance metadata service (IMDS) for {what} within the time \
             budget of {:?} (metadata_service_timeout × metadata_service_num_attempts)",
            self.settings.budget()
        ))
        .with("url", self.settings.endpoint.as_str())
    }

    /// Without a usable cached token: the token request, and after the hedge delay (unless
    /// IMDSv1 is disabled) the IMDSv1 requests beside it.
    async fn fresh(&self) -> Result<Parsed, CredentialsError> {
        let token = self.token();
        let mut token = pin!(token);
        if self.settings.v1_disabled {
            return match token.await {
                TokenOutcome::Token(t) => self.fetch(Some(&t)).await.finish(None),
                TokenOutcome::NoToken(problem) => Err(self.v1_disabled_error(&problem)),
                TokenOutcome::GiveUp(err) => Err(err),
            };
        }

        // 1. The token request alone, until the hedge delay.
        let hedge_delay = self.settings.timeout * HEDGE_NUMERATOR / HEDGE_DENOMINATOR;
        let hedge = pin!(sleep_until((self.start + hedge_delay).min(self.deadline)));
        if let Either::Left(outcome) = first(token.as_mut(), hedge).await {
            return match outcome {
                TokenOutcome::Token(t) => self.fetch(Some(&t)).await.finish(None),
                TokenOutcome::NoToken(problem) => {
                    tracing::debug!(%problem, "no IMDSv2 token; falling back to IMDSv1");
                    self.fetch(None).await.finish(Some(&problem))
                }
                TokenOutcome::GiveUp(err) => Err(err),
            };
        }

        // 2. The token request is silent (a container behind a hop limit of 1 loses its answer,
        //    a black hole never sends one): IMDSv1 starts beside it.
        tracing::debug!(
            ?hedge_delay,
            "the IMDSv2 token request is silent; trying IMDSv1 beside it"
        );
        let v1 = self.fetch(None);
        let mut v1 = pin!(v1);
        match first(token.as_mut(), v1.as_mut()).await {
            Either::Left(TokenOutcome::Token(t)) => {
                // Both ways are open: take the first usable answer.
                let v2 = self.fetch(Some(&t));
                let mut v2 = pin!(v2);
                match first(v2.as_mut(), v1.as_mut()).await {
                    Either::Left(fetched) => fetched.finish(None),
                    Either::Right(fetched) if fetched.is_usable() => fetched.finish(None),
                    Either::Right(_) => v2.await.finish(None),
                }
            }
            Either::Left(TokenOutcome::NoToken(problem)) => v1.await.finish(Some(&problem)),
            Either::Left(TokenOutcome::GiveUp(err)) => Err(err),
            Either::Right(fetched) if fetched.is_usable() => fetched.finish(None),
            // IMDSv1 refused or failed: the token is the only hope left.
            Either::Right(fetched) => match token.await {
                TokenOutcome::Token(t) => self.fetch(Some(&t)).await.finish(None),
                TokenOutcome::NoToken(problem) => fetched.finish(Some(&problem)),
                TokenOutcome::GiveUp(err) => Err(err),
            },
        }
    }

    fn remaining(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }

    /// One request, its limits cut to what is left of the budget.
    async fn send(
        &self,
        method: Method,
        url: &str,
        token: Option<&HeaderValue>,
    ) -> Result<Response<Bytes>, Failure> {
        let remaining = self.remaining();
        if remaining.is_zero() {
            return Err(Failure::OutOfTime);
        }
        let per_request = self.settings.timeout.min(remaining);
        let mut builder = Request::builder().method(method.clone()).uri(url);
        if method == Method::PUT {
            builder = builder
                .header(TOKEN_TTL_HEADER, TOKEN_TTL.as_secs())
                .header(CONTENT_LENGTH, 0);
        }
        if let Some(token) = token {
            builder = builder.header(TOKEN_HEADER, token.clone());
        }
        let mut request = builder
            .body(Bytes::new())
            .map_err(|e| Failure::Invalid(format!("could not build the IMDS request: {e}")))?;
        request.extensions_mut().insert(
            RequestTimeouts::new()
                .connect(per_request)
                .read(per_request)
                .total(remaining),
        );
        match self.http.send(request).await {
            Ok(response) => Ok(response),
            // The budget, not the request's own timeout, cut it short: say so.
            Err(e) if e.is_timeout() && self.remaining().is_zero() => Err(Failure::OutOfTime),
            Err(e) => Err(Failure::Http(e)),
        }
    }

    /// `PUT /latest/api/token`, with botocore's outcomes but for 403: 200 a token; 404, 405, a
    /// read timeout, or retries spent: no token; 400: give up; 403: IMDS is disabled, give up
    /// with an error (aws-config; botocore falls back to IMDSv1). Transport failures and unexpected
    /// statuses are tried `attempts` times; 5xx and 429 at least [`TOKEN_5XX_ATTEMPTS`] times
    /// (aws-config retries them; botocore falls back to IMDSv1 at once with one attempt).
    async fn token(&self) -> TokenOutcome {
        let url = self.settings.endpoint.token_url();
        let attempts = self.settings.attempts;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let (limit, problem, pause) = match self.send(Method::PUT, &url, None).await {
                Ok(response) => match response.status().as_u16() {
                    200 => return self.accept_token(&response),
                    403 => {
                        return TokenOutcome::GiveUp(
                            CredentialsError::provider_error(
                                "IMDS is disabled on this instance: HTTP 403 to the token \
                                 request (no IMDSv1 request is made after it)",
                            )
                            .with("url", &url),
                        );
                    }
                    s @ 404..=405 => {
                        return TokenOutcome::NoToken(format!("IMDS answered HTTP {s}"));
                    }
                    400 => {
                        return TokenOutcome::GiveUp(
                            CredentialsError::not_loaded(
                                "IMDS answered the token request with HTTP 400 (bad request); \
                                 giving up, as botocore does",
                            )
                            .with("url", &url),
                        );
                    }
                    s if s == 429 || s >= 500 => (
                        attempts.max(TOKEN_5XX_ATTEMPTS),
                        format!("IMDS answered HTTP {s}"),
                        true,
                    ),
                    s => (attempts, format!("IMDS answered HTTP {s}"), false),
                },
                Err(Failure::Http(e))
                    if e.is_timeout()
                        && !matches!(e.kind(), HttpErrorKind::TimedOut(TimeoutPhase::Connect)) =>
                {
                    // botocore: a read timeout means "no token", at once.
                    return TokenOutcome::NoToken(e.to_string());
                }
                Err(Failure::Http(e)) => (attempts, e.to_string(), false),
                Err(Failure::OutOfTime) => {
                    return TokenOutcome::NoToken(format!(
                        "no answer within the time budget of {:?}",
                        self.settings.budget()
                    ));
                }
                Err(Failure::Invalid(problem)) => return TokenOutcome::NoToken(problem),
            };
            if attempt >= limit || self.remaining().is_zero() {
                return TokenOutcome::NoToken(format!("{problem} (after {attempt} attempt(s))"));
            }
            if pause {
                let at = Instant::now() + TOKEN_RETRY_PAUSE * attempt;
                sleep_until(at.min(self.deadline)).await;
            }
        }
    }

    fn accept_token(&self, response: &Response<Bytes>) -> TokenOutcome {
        let text = std::str::from_utf8(response.body()).map_or("", str::trim);
        if text.is_empty() {
            return TokenOutcome::NoToken(
                "IMDS answered the token request with an empty body".into(),
            );
        }
        let Ok(mut value) = HeaderValue::from_str(text) else {
            return TokenOutcome::NoToken(
                "IMDS answered the token request with a body that is not a valid header value"
                    .into(),
            );
        };
        value.set_sensitive(true);
        let ttl = response
            .headers()
            .get(TOKEN_TTL_HEADER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map_or(TOKEN_TTL, Duration::from_secs)
            .min(TOKEN_TTL);
        if let Some(use_until) = self
            .clock
            .now()
            .checked_add(ttl.saturating_sub(TOKEN_REFRESH_MARGIN))
        {
            self.tokens.put(value.clone(), use_until);
        }
        TokenOutcome::Token(value)
    }

    /// A `GET`, tried up to `attempts` times while the budget lasts; an answer of 5xx or 429
    /// makes that at least [`TOKEN_5XX_ATTEMPTS`], with the token request's pause (aws-config
    /// retries these on every step; botocore tries `attempts` times). 401, 403 and 404 are final
    /// at once; other statuses, transport failures and a 200 whose body `usable` rejects are
    /// tried again (botocore's `_needs_retry_for_*`). When every attempt gave an unusable 200,
    /// the last body is returned for the caller to report on.
    async fn get(
        &self,
        url: &str,
        token: Option<&HeaderValue>,
        usable: fn(&[u8]) -> bool,
    ) -> Result<Bytes, (GetError, u32)> {
        let mut unusable_body = None;
        let mut last = GetError::Failed(Failure::OutOfTime);
        let mut tried = 0;
        let mut limit = self.settings.attempts;
        while tried < limit {
            match self.send(Method::GET, url, token).await {
                Err(Failure::OutOfTime) => {
                    last = GetError::Failed(Failure::OutOfTime);
                    break;
                }
                Ok(response) => {
                    tried += 1;
                    match response.status().as_u16() {
                        200 if usable(response.body()) => return Ok(response.into_body()),
                        200 => unusable_body = Some(response.into_body()),
                        s @ (401 | 403 | 404) => return Err((GetError::Status(s), tried)),
                        s if s == 429 || s >= 500 => {
                            last = GetError::Status(s);
                            limit = limit.max(TOKEN_5XX_ATTEMPTS);
                            if tried < limit {
                                let at = Instant::now() + TOKEN_RETRY_PAUSE * tried;
                                sleep_until(at.min(self.deadline)).await;
                            }
                        }
                        s => last = GetError::Status(s),
                    }
                }
                Err(failure) => {
                    tried += 1;
                    last = GetError::Failed(failure);
                }
            }
        }
        match unusable_body {
            Some(body) => Ok(body),
            None => Err((last, tried)),
        }
    }

    /// The role list, then the role's credentials, with `token` or without one (IMDSv1).
    async fn fetch(&self, token: Option<&HeaderValue>) -> Fetch {
        let list_url = self.settings.endpoint.url(ROLE_PATH);
        let body = match self.get(&list_url, token, |b| !is_blank(b)).await {
            Ok(body) => body,
            Err(failure) => return self.failed(Stage::RoleList, &list_url, failure),
        };
        let role = match role_name(&body) {
            Ok(role) => role,
            Err(err) => return Fetch::Answer(err.with("url", &list_url)),
        };
        let url = format!("{list_url}{role}");
        let body = match self.get(&url, token, is_json).await {
            Ok(body) => body,
            Err(failure) => {
                return match self.failed(Stage::Credentials, &url, failure) {
                    Fetch::Answer(err) => Fetch::Answer(err.with("role", role)),
                    Fetch::Unreachable(err) => Fetch::Unreachable(err.with("role", role)),
                    other => other,
                };
            }
        };
        match credentials::parse(&body, self.clock.now(), credentials::random_jitter()) {
            Ok(parsed) => Fetch::Credentials(parsed),
            Err(err) => Fetch::Answer(err.with("role", role).with("url", url)),
        }
    }

    fn failed(&self, stage: Stage, url: &str, (error, tried): (GetError, u32)) -> Fetch {
        let what = stage.describe();
        match error {
            GetError::Status(404) if stage == Stage::RoleList => Fetch::Answer(
                CredentialsError::not_loaded(
                    "no IAM role is attached to this instance (IMDS answered HTTP 404 for the \
                     role list)",
                )
                .with("url", url),
            ),
            GetError::Status(404) => Fetch::Answer(
                CredentialsError::provider_error(
                    "IMDS lists the role but has no credentials for it (HTTP 404)",
                )
                .with("url", url),
            ),
            GetError::Status(s @ (401 | 403)) => Fetch::Unauthorized(s, url.to_owned()),
            GetError::Status(s) if stage == Stage::Credentials => Fetch::Answer(
                CredentialsError::provider_error(format!(
                    "IMDS answered HTTP {s} for {what} after {tried} attempt(s)"
                ))
                .with("url", url),
            ),
            GetError::Status(s) => Fetch::Unreachable(
                CredentialsError::not_loaded(format!(
                    "the instance metadata service (IMDS) answered HTTP {s} for {what} after \
                     {tried} attempt(s)"
                ))
                .with("url", url),
            ),
            GetError::Failed(Failure::Http(e)) => {
                let err = e.into_credentials_error();
                let message = format!(
                    "no answer from the instance metadata service (IMDS) for {what}: {}",
                    err.message()
                );
                Fetch::Unreachable(
                    awscred_types::CredentialsError::NotLoaded(err.into_context())
                        .with_message(message)
                        .with("attempts", tried),
                )
            }
            GetError::Failed(Failure::OutOfTime) => Fetch::Unreachable(self.out_of_time(what)),
            GetError::Failed(Failure::Invalid(problem)) => {
                Fetch::Answer(CredentialsError::provider_error(problem).with("url", url))
            }
        }
    }
}

fn is_blank(body: &[u8]) -> bool {
    body.iter().all(u8::is_ascii_whitespace)
}

fn is_json(body: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(body).is_ok()
}

/// The first line of the role list. IAM role names are letters, digits and `+=,.@_-`; anything
/// else is refused rather than put into a URL.
fn role_name(body: &[u8]) -> Result<String, CredentialsError> {
    let text = std::str::from_utf8(body).unwrap_or("");
    let role = text.lines().next().unwrap_or("").trim();
    if role.is_empty() {
        return Err(CredentialsError::not_loaded(
            "no IAM role is attached to this instance (the role list is empty)",
        ));
    }
    let valid = role
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b));
    if !valid || role.len() > 128 {
        return Err(CredentialsError::provider_error(
            "IMDS listed a role name that is not a valid IAM role name",
        ));
    }
    Ok(role.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_name_is_the_first_line_and_checked() {
        assert_eq!(role_name(b"my-role\nother\n").unwrap(), "my-role");
        assert_eq!(role_name(b"  r+=,.@_-1 \r\n").unwrap(), "r+=,.@_-1");
        assert!(role_name(b"\n").unwrap_err().is_not_loaded());
        assert!(!role_name(b"../../etc").unwrap_err().is_not_loaded());
        assert!(!role_name(b"a b").unwrap_err().is_not_loaded());
        assert!(role_name(&[0xff, 0xfe]).unwrap_err().is_not_loaded());
    }

    #[test]
    fn token_cache_expires_and_hides_the_token() {
        let cache = TokenCache::default();
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1000);
        let mut v = HeaderValue::from_static("hunter2-token");
        v.set_sensitive(true);
        cache.put(v, now + Duration::from_secs(10));
        assert!(cache.is_cached(now));
        assert!(!cache.is_cached(now + Duration::from_secs(10)));
        assert!(!format!("{cache:?}").contains("hunter2"));
        cache.clear();
        assert!(!cache.is_cached(now));
    }

    #[test]
    fn json_check() {
        assert!(is_json(br#"{"a": 1}"#));
        assert!(!is_json(b"{not json"));
        assert!(is_blank(b" \n"));
    }
}
