//! Canonical request, string to sign, signature, and what to add to the request.

use std::fmt;
use std::time::Duration;

use http::header::{AUTHORIZATION, HOST, HeaderName, HeaderValue};
use http::uri::PathAndQuery;
use http::{Request, Uri};
use percent_encoding::percent_encode;
use zeroize::Zeroizing;

use crate::canonical::{
    Sink, UNRESERVED, canonical_param, decoded_param, is_never_signed, query_pairs, write_path,
    write_trimmed,
};
use crate::key::{Signature, SigningKey, amz_date, date_part, sha256, sha256_hex, sha256_hex_of};
use crate::{
    PayloadHash, SessionTokenMode, SignableRequest, SignatureLocation, Signer, SigningError,
    SigningParams,
};

const ALGORITHM: &str = "AWS4-HMAC-SHA256";
const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

const X_AMZ_DATE: &str = "x-amz-date";
const X_AMZ_CONTENT_SHA256: &str = "x-amz-content-sha256";
const X_AMZ_SECURITY_TOKEN: &str = "x-amz-security-token";

const P_ALGORITHM: &str = "X-Amz-Algorithm";
const P_CREDENTIAL: &str = "X-Amz-Credential";
const P_DATE: &str = "X-Amz-Date";
const P_EXPIRES: &str = "X-Amz-Expires";
const P_SECURITY_TOKEN: &str = "X-Amz-Security-Token";
const P_SIGNED_HEADERS: &str = "X-Amz-SignedHeaders";
const P_SIGNATURE: &str = "X-Amz-Signature";

/// Signs `request` (whose payload is `body`) in place and returns the signature.
///
/// Header signing sets `x-amz-date`, `authorization` and, with a session token,
/// `x-amz-security-token` (and `x-amz-content-sha256` when the settings ask for it), replacing
/// any earlier values. Query signing appends the `X-Amz-*` parameters to the URI, replacing
/// earlier ones. The signing key is derived for this call; use a [`Signer`] to reuse it.
///
/// ```
/// # use std::time::{Duration, SystemTime};
/// use awscred_sigv4::{SigningParams, sign};
///
/// let mut request = http::Request::post("https://sts.amazonaws.com/")
///     .header("content-type", "application/x-www-form-urlencoded")
///     .body(())?;
/// let body = b"Action=GetCallerIdentity&Version=2011-06-15";
/// let time = SystemTime::UNIX_EPOCH + Duration::from_secs(1_440_938_160);
/// let params = SigningParams::new("AKIDEXAMPLE", "secret", "us-east-1", "sts", time);
/// let signature = sign(&mut request, body, &params)?;
/// let authorization = request.headers()["authorization"].to_str()?;
/// assert!(authorization.ends_with(signature.as_str()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn sign<B>(
    request: &mut Request<B>,
    body: &[u8],
    params: &SigningParams<'_>,
) -> Result<Signature, SigningError> {
    sign_http(request, body, params, Keys::Derive)
}

/// Computes the signature of `request` and everything that led to it, without changing
/// anything: the canonical request, the string to sign, the signature, and the headers or query
/// parameters to add ([`SigningOutput::apply_to`] adds them).
///
/// This is the slower, explaining form of [`sign`]; both share one canonicalisation.
pub fn sign_request(
    request: &SignableRequest<'_>,
    params: &SigningParams<'_>,
) -> Result<SigningOutput, SigningError> {
    sign_explained(request, params, Keys::Derive)
}

impl Signer {
    /// As [`sign`], with the signing key taken from (or put in) this signer's cache.
    pub fn sign<B>(
        &self,
        request: &mut Request<B>,
        body: &[u8],
        params: &SigningParams<'_>,
    ) -> Result<Signature, SigningError> {
        sign_http(request, body, params, Keys::Cache(self))
    }

    /// As [`sign_request`], with the signing key taken from (or put in) this signer's cache.
    pub fn sign_request(
        &self,
        request: &SignableRequest<'_>,
        params: &SigningParams<'_>,
    ) -> Result<SigningOutput, SigningError> {
        sign_explained(request, params, Keys::Cache(self))
    }
}

/// Where the signing key comes from.
#[derive(Clone, Copy)]
enum Keys<'s> {
    Derive,
    Cache(&'s Signer),
}

impl Keys<'_> {
    fn keyed_mac(self, params: &SigningParams<'_>, date: [u8; 8]) -> ring::hmac::Context {
        match self {
            Keys::Derive => SigningKey::derive_for_date(
                params.secret_access_key,
                date,
                params.region,
                params.service,
            )
            .keyed_mac(),
            Keys::Cache(signer) => signer.keyed_mac(
                params.secret_access_key,
                date,
                params.region,
                params.service,
            ),
        }
    }
}

fn sign_http<B>(
    request: &mut Request<B>,
    body: &[u8],
    params: &SigningParams<'_>,
    keys: Keys<'_>,
) -> Result<Signature, SigningError> {
    let (plan, signature) = {
        let prepared = Prepared::new(SignableRequest::from_http(request, body), *params)?;
        let mut hasher = sha256();
        prepared.write_canonical_request(&mut hasher);
        let creq_hash = sha256_hex(hasher);
        let mut mac = keys.keyed_mac(params, prepared.date());
        prepared.write_string_to_sign(&mut mac, &creq_hash);
        let signature = Signature::from_mac(mac);
        (prepared.plan(&signature)?, signature)
    };
    plan.apply(request)?;
    Ok(signature)
}

fn sign_explained(
    request: &SignableRequest<'_>,
    params: &SigningParams<'_>,
    keys: Keys<'_>,
) -> Result<SigningOutput, SigningError> {
    let prepared = Prepared::new(*request, *params)?;
    let mut creq = Vec::with_capacity(512);
    prepared.write_canonical_request(&mut creq);
    let creq_hash = sha256_hex_of(&creq);
    let mut sts = Vec::with_capacity(128);
    prepared.write_string_to_sign(&mut sts, &creq_hash);
    let mut mac = keys.keyed_mac(params, prepared.date());
    mac.update(&sts);
    let signature = Signature::from_mac(mac);
    let plan = prepared.plan(&signature)?;
    Ok(SigningOutput {
        canonical_request: String::from_utf8_lossy(&creq).into_owned(),
        string_to_sign: String::from_utf8_lossy(&sts).into_owned(),
        signature,
        plan,
        session_token: params
            .session_token
            .filter(|token| !token.is_empty())
            .map(|token| Zeroizing::new(token.to_owned())),
    })
}

/// One line of the canonical headers.
struct Entry<'a> {
    name: &'a str,
    value: Value<'a>,
}

enum Value<'a> {
    /// Every value the request has under this name, trimmed, joined with `,`.
    Request,
    /// A value the signer supplies (host, session token).
    Text(&'a str),
    /// The `x-amz-date` value.
    Date,
    /// The payload hash (`x-amz-content-sha256`).
    Payload,
}

enum Payload {
    Hash([u8; 64]),
    Unsigned,
}

impl Payload {
    fn as_bytes(&self) -> &[u8] {
        match self {
            Payload::Hash(hex) => hex,
            Payload::Unsigned => UNSIGNED_PAYLOAD.as_bytes(),
        }
    }
}

/// The request sorted into canonical order, ready to be written into a hasher or a buffer.
struct Prepared<'a> {
    req: SignableRequest<'a>,
    params: SigningParams<'a>,
    amz_date: [u8; 16],
    payload: Payload,
    /// Canonical headers, sorted by name (names are unique).
    entries: Vec<Entry<'a>>,
    /// Canonical query parameters (encoded, sorted), including ours when presigning.
    query: Vec<(String, String)>,
    /// Our query parameters (unencoded values) when presigning, in the order they are sent.
    auth_params: Vec<(&'static str, String)>,
}

impl<'a> Prepared<'a> {
    fn new(req: SignableRequest<'a>, params: SigningParams<'a>) -> Result<Self, SigningError> {
        let amz_date = amz_date(params.time)?;
        let settings = params.settings;
        let payload = match settings.payload {
            PayloadHash::Body => Payload::Hash(sha256_hex_of(req.body)),
            PayloadHash::Unsigned => Payload::Unsigned,
        };
        let expires_in = match settings.location {
            SignatureLocation::Headers => None,
            SignatureLocation::Query { expires_in } => Some(expires_in),
        };
        let header_mode = expires_in.is_none();
        let token = params.session_token;
        let sign_token = token.is_some() && settings.session_token == SessionTokenMode::Include;
        let content_header = header_mode && settings.content_sha256_header;

        let mut entries = Vec::with_capacity(req.headers.keys_len() + 4);
        for name in req.headers.keys() {
            let name = name.as_str();
            let replaced = header_mode
                && (name == X_AMZ_DATE
                    || (name == X_AMZ_SECURITY_TOKEN && token.is_some())
                    || (name == X_AMZ_CONTENT_SHA256 && content_header));
            if !replaced && !is_never_signed(name) {
                entries.push(Entry {
                    name,
                    value: Value::Request,
                });
            }
        }
        if !req.headers.contains_key(HOST) {
            let host = req.host.ok_or(SigningError::MissingHost)?;
            entries.push(Entry {
                name: "host",
                value: Value::Text(host),
            });
        }
        if header_mode {
            entries.push(Entry {
                name: X_AMZ_DATE,
                value: Value::Date,
            });
            if content_header {
                entries.push(Entry {
                    name: X_AMZ_CONTENT_SHA256,
                    value: Value::Payload,
                });
            }
            if let (Some(token), true) = (token, sign_token) {
                entries.push(Entry {
                    name: X_AMZ_SECURITY_TOKEN,
                    value: Value::Text(token),
                });
            }
        }
        entries.sort_unstable_by(|a, b| a.name.cmp(b.name));

        let mut prepared = Self {
            req,
            params,
            amz_date,
            payload,
            entries,
            query: Vec::new(),
            auth_params: Vec::new(),
        };
        if let Some(expires_in) = expires_in {
            prepared.auth_params = prepared.presign_params(expires_in, sign_token);
        }
        let replaced =
            |key: &str| !header_mode && is_replaced_param(&decoded_param(key), token.is_some());
        let mut query: Vec<(String, String)> = query_pairs(req.query)
            .filter(|(key, _)| !replaced(key))
            .map(|(key, value)| (canonical_param(key), canonical_param(value)))
            .collect();
        query.extend(prepared.auth_params.iter().map(|(name, value)| {
            (
                (*name).to_owned(),
                percent_encode(value.as_bytes(), UNRESERVED).to_string(),
            )
        }));
        query.sort_unstable();
        prepared.query = query;
        Ok(prepared)
    }

    /// `X-Amz-*` parameters that go into the canonical query (the token only when signed).
    fn presign_params(
        &self,
        expires_in: Duration,
        sign_token: bool,
    ) -> Vec<(&'static str, String)> {
        let mut credential = Vec::with_capacity(64);
        credential.extend_from_slice(self.params.access_key_id.as_bytes());
        credential.push(b'/');
        self.write_scope(&mut credential);
        let mut signed_headers = Vec::with_capacity(64);
        self.write_signed_headers(&mut signed_headers);
        let mut params = vec![
            (P_ALGORITHM, ALGORITHM.to_owned()),
            (
                P_CREDENTIAL,
                String::from_utf8_lossy(&credential).into_owned(),
            ),
            (P_DATE, String::from_utf8_lossy(&self.amz_date).into_owned()),
            (
                P_SIGNED_HEADERS,
                String::from_utf8_lossy(&signed_headers).into_owned(),
            ),
            (P_EXPIRES, expires_in.as_secs().to_string()),
        ];
        if let (Some(token), true) = (self.params.session_token, sign_token) {
            params.push((P_SECURITY_TOKEN, token.to_owned()));
        }
        params
    }

    fn date(&self) -> [u8; 8] {
        date_part(&self.amz_date)
    }

    fn write_canonical_request(&self, sink: &mut impl Sink) {
        let settings = &self.params.settings;
        sink.put_str(self.req.method);
        sink.put(b"\n");
        write_path(
            sink,
            self.req.path,
            settings.normalize_path,
            settings.double_encode_path,
        );
        sink.put(b"\n");
        for (i, (key, value)) in self.query.iter().enumerate() {
            if i > 0 {
                sink.put(b"&");
            }
            sink.put_str(key);
            sink.put(b"=");
            sink.put_str(value);
        }
        sink.put(b"\n");
        for entry in &self.entries {
            sink.put_str(entry.name);
            sink.put(b":");
            match entry.value {
                Value::Request => {
                    for (i, value) in self.req.headers.get_all(entry.name).iter().enumerate() {
                        if i > 0 {
                            sink.put(b",");
                        }
                        write_trimmed(sink, value.as_bytes());
                    }
                }
                Value::Text(text) => write_trimmed(sink, text.as_bytes()),
                Value::Date => sink.put(&self.amz_date),
                Value::Payload => sink.put(self.payload.as_bytes()),
            }
            sink.put(b"\n");
        }
        sink.put(b"\n");
        self.write_signed_headers(sink);
        sink.put(b"\n");
        sink.put(self.payload.as_bytes());
    }

    fn write_signed_headers(&self, sink: &mut impl Sink) {
        for (i, entry) in self.entries.iter().enumerate() {
            if i > 0 {
                sink.put(b";");
            }
            sink.put_str(entry.name);
        }
    }

    fn write_scope(&self, sink: &mut impl Sink) {
        sink.put(&self.amz_date[..8]);
        sink.put(b"/");
        sink.put_str(self.params.region);
        sink.put(b"/");
        sink.put_str(self.params.service);
        sink.put(b"/aws4_request");
    }

    fn write_string_to_sign(&self, sink: &mut impl Sink, creq_hash: &[u8; 64]) {
        sink.put_str(ALGORITHM);
        sink.put(b"\n");
        sink.put(&self.amz_date);
        sink.put(b"\n");
        self.write_scope(sink);
        sink.put(b"\n");
        sink.put(creq_hash);
    }

    /// What to add to the request for `signature`.
    fn plan(&self, signature: &Signature) -> Result<Plan, SigningError> {
        let settings = &self.params.settings;
        let token = self.params.session_token;
        match settings.location {
            SignatureLocation::Headers => {
                let mut headers = Vec::with_capacity(4);
                headers.push((
                    HeaderName::from_static(X_AMZ_DATE),
                    HeaderValue::from_bytes(&self.amz_date)
                        .map_err(|_| SigningError::InvalidHeaderValue(X_AMZ_DATE))?,
                ));
                if settings.content_sha256_header {
                    headers.push((
                        HeaderName::from_static(X_AMZ_CONTENT_SHA256),
                        HeaderValue::from_bytes(self.payload.as_bytes())
                            .map_err(|_| SigningError::InvalidHeaderValue(X_AMZ_CONTENT_SHA256))?,
                    ));
                }
                if let Some(token) = token
                    && !self.request_has_only(X_AMZ_SECURITY_TOKEN, token)
                {
                    let mut value = HeaderValue::from_str(token)
                        .map_err(|_| SigningError::InvalidHeaderValue(X_AMZ_SECURITY_TOKEN))?;
                    value.set_sensitive(true);
                    headers.push((HeaderName::from_static(X_AMZ_SECURITY_TOKEN), value));
                }
                headers.push((AUTHORIZATION, self.authorization(signature)?));
                Ok(Plan {
                    headers,
                    query: Vec::new(),
                })
            }
            SignatureLocation::Query { .. } => {
                let mut query = self.auth_params.clone();
                if let (Some(token), SessionTokenMode::Exclude) = (token, settings.session_token) {
                    query.push((P_SECURITY_TOKEN, token.to_owned()));
                }
                query.push((P_SIGNATURE, signature.as_str().to_owned()));
                Ok(Plan {
                    headers: Vec::new(),
                    query,
                })
            }
        }
    }

    /// Whether the request already carries exactly `value` as its only `name` header.
    fn request_has_only(&self, name: &str, value: &str) -> bool {
        let mut values = self.req.headers.get_all(name).iter();
        matches!((values.next(), values.next()), (Some(v), None) if v.as_bytes() == value.as_bytes())
    }

    fn authorization(&self, signature: &Signature) -> Result<HeaderValue, SigningError> {
        const CREDENTIAL: &str = " Credential=";
        const SCOPE_END: &str = "/aws4_request";
        const SIGNED_HEADERS: &str = ", SignedHeaders=";
        const SIGNATURE: &str = ", Signature=";
        let params = &self.params;
        let signed_len = self.entries.iter().map(|e| e.name.len() + 1).sum::<usize>();
        let len = ALGORITHM.len()
            + CREDENTIAL.len()
            + params.access_key_id.len()
            + 1
            + 8
            + 1
            + params.region.len()
            + 1
            + params.service.len()
            + SCOPE_END.len()
            + SIGNED_HEADERS.len()
            + signed_len.saturating_sub(1)
            + SIGNATURE.len()
            + 64;
        let mut value = Vec::with_capacity(len);
        value.put_str(ALGORITHM);
        value.put_str(CREDENTIAL);
        value.put_str(params.access_key_id);
        value.put(b"/");
        self.write_scope(&mut value);
        value.put_str(SIGNED_HEADERS);
        self.write_signed_headers(&mut value);
        value.put_str(SIGNATURE);
        value.put_str(signature.as_str());
        let mut value = HeaderValue::try_from(value)
            .map_err(|_| SigningError::InvalidHeaderValue("authorization"))?;
        value.set_sensitive(true);
        Ok(value)
    }
}

/// Whether a request's own query parameter is one the presigner sets (and so replaces).
fn is_replaced_param(key: &str, token: bool) -> bool {
    matches!(
        key,
        P_ALGORITHM | P_CREDENTIAL | P_DATE | P_EXPIRES | P_SIGNED_HEADERS | P_SIGNATURE
    ) || (token && key == P_SECURITY_TOKEN)
}

/// The headers or query parameters a signature adds to its request.
#[derive(Clone)]
struct Plan {
    headers: Vec<(HeaderName, HeaderValue)>,
    query: Vec<(&'static str, String)>,
}

impl Plan {
    fn apply<B>(self, request: &mut Request<B>) -> Result<(), SigningError> {
        if !self.query.is_empty() {
            *request.uri_mut() = presigned_uri(request.uri(), &self.query)?;
        }
        for (name, value) in self.headers {
            request.headers_mut().insert(name, value);
        }
        Ok(())
    }
}

/// `uri` with `params` appended to its query, replacing earlier parameters of the same names.
fn presigned_uri(uri: &Uri, params: &[(&'static str, String)]) -> Result<Uri, SigningError> {
    let mut pq = String::with_capacity(uri.path().len() + uri.query().map_or(0, str::len) + 1024);
    pq.push_str(uri.path());
    let mut separator = '?';
    for pair in uri.query().unwrap_or("").split('&') {
        if pair.is_empty() {
            continue;
        }
        let key = decoded_param(pair.split_once('=').map_or(pair, |(key, _)| key));
        if params.iter().any(|(name, _)| key == *name) {
            continue;
        }
        pq.push(separator);
        pq.push_str(pair);
        separator = '&';
    }
    for (name, value) in params {
        pq.push(separator);
        pq.push_str(name);
        pq.push('=');
        pq.extend(percent_encode(value.as_bytes(), UNRESERVED));
        separator = '&';
    }
    let mut parts = uri.clone().into_parts();
    parts.path_and_query = Some(PathAndQuery::try_from(pq).map_err(|_| SigningError::InvalidUri)?);
    Uri::from_parts(parts).map_err(|_| SigningError::InvalidUri)
}

/// A signature with everything that led to it, from [`sign_request`] or [`Signer::sign_request`].
///
/// `Debug` shows the string to sign, the signature and the names of what would be added; the
/// canonical request is left out because it may contain the session token (see
/// [`SigningOutput::canonical_request_redacted`]).
#[derive(Clone)]
pub struct SigningOutput {
    canonical_request: String,
    string_to_sign: String,
    signature: Signature,
    plan: Plan,
    session_token: Option<Zeroizing<String>>,
}

impl SigningOutput {
    /// The canonical request, exactly as hashed (bytes that are not UTF-8 show as U+FFFD). It
    /// contains the session token when the token is signed.
    pub fn canonical_request(&self) -> &str {
        &self.canonical_request
    }

    /// The canonical request with the session token (plain or percent-encoded) replaced by
    /// `<redacted>`, fit for logs and `explain` output.
    pub fn canonical_request_redacted(&self) -> String {
        let mut text = self.canonical_request.clone();
        if let Some(token) = &self.session_token {
            let encoded = Zeroizing::new(percent_encode(token.as_bytes(), UNRESERVED).to_string());
            text = text.replace(encoded.as_str(), "<redacted>");
            text = text.replace(token.as_str(), "<redacted>");
        }
        text
    }

    /// The string to sign (algorithm, time, credential scope, hash of the canonical request).
    pub fn string_to_sign(&self) -> &str {
        &self.string_to_sign
    }

    /// The signature.
    pub fn signature(&self) -> Signature {
        self.signature
    }

    /// Headers to set on the request (header signing; empty for query signing). The
    /// `authorization` and `x-amz-security-token` values are marked sensitive.
    pub fn headers(&self) -> &[(HeaderName, HeaderValue)] {
        &self.plan.headers
    }

    /// Query parameters to append, values not yet percent-encoded (query signing; empty for
    /// header signing).
    pub fn query_params(&self) -> &[(&'static str, String)] {
        &self.plan.query
    }

    /// Adds the headers or query parameters to `request`, replacing earlier values of the same
    /// names. `request` should be the one that was signed.
    pub fn apply_to<B>(&self, request: &mut Request<B>) -> Result<(), SigningError> {
        self.plan.clone().apply(request)
    }
}

impl fmt::Debug for SigningOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningOutput")
            .field("string_to_sign", &self.string_to_sign)
            .field("signature", &self.signature)
            .field(
                "headers",
                &self
                    .plan
                    .headers
                    .iter()
                    .map(|(n, _)| n.as_str())
                    .collect::<Vec<_>>(),
            )
            .field(
                "query_params",
                &self.plan.query.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}
