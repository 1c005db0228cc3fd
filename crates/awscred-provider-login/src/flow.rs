//! `awscred login`: the AWS CLI v2's `aws login` flows (`awscli/customizations/login/`), the
//! OAuth 2.0 authorization code with PKCE against AWS Sign-In, on this device (a loopback
//! redirect) or another (`--remote`: the code is pasted), ending in a token file exactly as the
//! AWS CLI writes it.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use awscred_file_cache::LoginToken;
use awscred_http::{Bytes, HttpClient, http, pkce_challenge};
use awscred_types::{CredentialsError, printable};
use base64::Engine as _;
use ring::rand::{SecureRandom, SystemRandom};
use serde_json::{Map, Value};
use zeroize::Zeroizing;

use crate::dpop::{DpopKey, uuid4};
use crate::provider::TokenOutput;

/// The client id of the same-device flow (`CLIENT_ID[LoginType.SAME_DEVICE]`).
pub const SAME_DEVICE_CLIENT_ID: &str = "arn:aws:signin:::devtools/same-device";
/// The client id of the cross-device flow (`--remote`).
pub const CROSS_DEVICE_CLIENT_ID: &str = "arn:aws:signin:::devtools/cross-device";

/// Which flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoginKind {
    /// A browser on this machine; the code comes back through a 127.0.0.1 redirect.
    SameDevice,
    /// The URL is opened anywhere; the user pastes the code shown after signing in.
    CrossDevice,
}

/// One login attempt: its PKCE verifier, `state`, fresh DPoP key and URLs. Nothing secret is
/// shown by `Debug`.
pub struct LoginFlow {
    kind: LoginKind,
    base: String,
    redirect_uri: String,
    verifier: Zeroizing<String>,
    state: String,
    key: DpopKey,
    key_pem: Zeroizing<String>,
}

impl std::fmt::Debug for LoginFlow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginFlow")
            .field("kind", &self.kind)
            .field("base", &self.base)
            .field("redirect_uri", &self.redirect_uri)
            .finish_non_exhaustive()
    }
}

/// The signed-in session the exchange gives: the token file and its session ARN.
#[derive(Debug)]
pub struct SignedIn {
    /// The token, as the AWS CLI writes it.
    pub token: LoginToken,
    /// The session ARN (the id token's `sub`): the profile's `login_session`.
    pub session: String,
}

fn fail(message: impl Into<std::borrow::Cow<'static, str>>) -> CredentialsError {
    CredentialsError::provider_error(message)
}

/// The AWS CLI's verifier: 64 characters from `A-Z a-z 0-9 - . _ ~`.
fn code_verifier(rng: &dyn SecureRandom) -> Result<Zeroizing<String>, CredentialsError> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";
    let mut out = Zeroizing::new(String::with_capacity(64));
    let mut byte = [0u8; 1];
    while out.len() < 64 {
        rng.fill(&mut byte)
            .map_err(|_| fail("the system random generator failed"))?;
        // 66 symbols: reject the top of the range so every symbol is equally likely.
        if usize::from(byte[0]) < 256 / ALPHABET.len() * ALPHABET.len() {
            out.push(char::from(ALPHABET[usize::from(byte[0]) % ALPHABET.len()]));
        }
    }
    Ok(out)
}

/// botocore's `percent_encode` (`quote` with `-_.~` safe).
fn enc(v: &str) -> String {
    const SET: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    percent_encoding::utf8_percent_encode(v, SET).to_string()
}

impl LoginFlow {
    /// A flow against the Sign-In endpoint `token_url` (the `CreateOAuth2Token` URL the provider
    /// resolves; the authorize page is on its scheme and host, as `get_base_sign_in_uri`).
    /// `redirect_uri` is the loopback listener's for [`LoginKind::SameDevice`]; the
    /// cross-device flow's is `{base}/v1/sessions/confirmation`.
    pub fn new(
        kind: LoginKind,
        token_url: &str,
        redirect_uri: Option<String>,
    ) -> Result<Self, CredentialsError> {
        let uri: http::Uri = token_url
            .parse()
            .map_err(|_| fail(format!("the AWS Sign-In endpoint {token_url} is not a URL")))?;
        let (Some(scheme), Some(host)) = (uri.scheme_str(), uri.authority()) else {
            return Err(fail(format!(
                "the AWS Sign-In endpoint {token_url} has no scheme or host"
            )));
        };
        let base = format!("{scheme}://{host}");
        let rng = SystemRandom::new();
        let (key, key_pem) =
            DpopKey::generate().map_err(|e| fail(format!("could not make a DPoP key: {e}")))?;
        let redirect_uri = match (kind, redirect_uri) {
            (LoginKind::SameDevice, Some(r)) => r,
            (LoginKind::SameDevice, None) => {
                return Err(fail("the same-device login needs a redirect URI"));
            }
            (LoginKind::CrossDevice, _) => format!("{base}/v1/sessions/confirmation"),
        };
        Ok(Self {
            kind,
            base,
            redirect_uri,
            verifier: code_verifier(&rng)?,
            state: uuid4(&rng).ok_or_else(|| fail("the system random generator failed"))?,
            key,
            key_pem,
        })
    }

    /// The `state` the redirect (or pasted code) must carry.
    pub fn state(&self) -> &str {
        &self.state
    }

    /// The client id of this flow.
    pub fn client_id(&self) -> &'static str {
        match self.kind {
            LoginKind::SameDevice => SAME_DEVICE_CLIENT_ID,
            LoginKind::CrossDevice => CROSS_DEVICE_CLIENT_ID,
        }
    }

    /// The authorize page, as the AWS CLI builds it: `{base}/v1/authorize?response_type=code
    /// &client_id=…&state=…&code_challenge_method=SHA-256&scope=openid&redirect_uri=…
    /// &code_challenge=…` (the challenge last, unencoded, without its `=` padding).
    pub fn authorize_url(&self) -> String {
        format!(
            "{}/v1/authorize?response_type=code&client_id={}&state={}&code_challenge_method=SHA-256&scope=openid&redirect_uri={}&code_challenge={}",
            self.base,
            enc(self.client_id()),
            enc(&self.state),
            enc(&self.redirect_uri),
            pkce_challenge(&self.verifier),
        )
    }

    /// The code and state of a pasted verification code (cross-device): base64 of
    /// `state=…&code=…`.
    pub fn parse_verification_code(
        text: &str,
    ) -> Result<(Zeroizing<String>, String), CredentialsError> {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .map_err(|_| {
                CredentialsError::invalid_configuration("Failed to decode the verification code.")
            })?;
        let decoded = Zeroizing::new(String::from_utf8(decoded).map_err(|_| {
            CredentialsError::invalid_configuration("Failed to decode the verification code.")
        })?);
        let param = |name: &str| {
            decoded.split('&').find_map(|pair| {
                let (k, v) = pair.split_once('=')?;
                (k == name).then(|| {
                    percent_encoding::percent_decode_str(&v.replace('+', " "))
                        .decode_utf8_lossy()
                        .into_owned()
                })
            })
        };
        match (param("code"), param("state")) {
            (Some(code), Some(state)) => Ok((Zeroizing::new(code), state)),
            _ => Err(CredentialsError::invalid_configuration(
                "Failed to retrieve an auth_code or state from the verification code",
            )),
        }
    }

    /// Exchanges `code` (whose redirect carried `state`) at `token_url` for the session:
    /// `CreateOAuth2Token` `grantType = authorization_code` with the verifier and redirect URI,
    /// and a DPoP proof from the flow's fresh key; the token file is built as the AWS CLI's
    /// (`_exchange_auth_code_for_access_token`).
    pub async fn exchange(
        &self,
        http_client: &HttpClient,
        token_url: &str,
        code: &str,
        state: &str,
        now: SystemTime,
    ) -> Result<SignedIn, CredentialsError> {
        if state != self.state {
            return Err(CredentialsError::invalid_configuration(format!(
                "State parameter {} does not match expected value {}.",
                printable(state, 64),
                self.state
            )));
        }
        let body = Zeroizing::new(
            serde_json::json!({
                "clientId": self.client_id(),
                "grantType": "authorization_code",
                "code": code,
                "codeVerifier": self.verifier.as_str(),
                "redirectUri": self.redirect_uri,
            })
            .to_string(),
        );
        let iat = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let proof = self
            .key
            .proof(token_url, iat)
            .map_err(|e| fail(format!("could not sign the DPoP proof: {e}")))?;
        let request = http::Request::post(token_url)
            .header(http::header::CONTENT_TYPE, "application/json")
            .header("DPoP", proof)
            .body(Bytes::from(body.as_bytes().to_vec()))
            .map_err(|_| {
                fail(format!(
                    "the AWS Sign-In endpoint {token_url} is not a valid URL"
                ))
            })?;
        let response = http_client
            .send(request)
            .await
            .map_err(|e| e.into_credentials_error_calling("AWS Sign-In CreateOAuth2Token"))?;
        let status = response.status().as_u16();
        if !(200..300).contains(&status) {
            let v: Option<Value> = serde_json::from_slice(response.body()).ok();
            let error = v
                .as_ref()
                .and_then(|v| v.get("error"))
                .and_then(Value::as_str)
                .map(|e| printable(e, 64));
            let err = match error.as_deref() {
                Some("AUTHCODE_EXPIRED") => CredentialsError::invalid_configuration(
                    "Unable to complete the login process due to an expired authorization code; \
                     log in again",
                ),
                Some("INSUFFICIENT_PERMISSIONS") => fail(
                    "unable to create login credentials due to insufficient permissions: you may \
                     be missing permission for the 'signin:CreateOAuth2Token' action",
                ),
                _ => fail(format!(
                    "AWS Sign-In CreateOAuth2Token answered HTTP {status} ({}) to the \
                     authorization code",
                    error.as_deref().unwrap_or("no error code")
                )),
            };
            return Err(err.with("url", token_url));
        }
        let output: TokenOutput = serde_json::from_slice(response.body()).map_err(|e| {
            fail("Failed to retrieve an access token: unreadable CreateOAuth2Token answer")
                .with("url", token_url)
                .with_source(e)
        })?;
        let id_token = output
            .id_token
            .clone()
            .ok_or_else(|| fail("Failed to retrieve an access token: the answer has no idToken"))?;
        let session = session_of(&id_token)?;
        let account = account_of(&session)?;
        let expires_at = now + Duration::from_secs(output.expires_in);
        let mut access = Map::new();
        access.insert(
            "accessKeyId".into(),
            output.access_token.access_key_id.clone().into(),
        );
        access.insert(
            "secretAccessKey".into(),
            output.access_token.secret_access_key.clone().into(),
        );
        access.insert(
            "sessionToken".into(),
            output.access_token.session_token.clone().into(),
        );
        access.insert("accountId".into(), account.into());
        access.insert(
            "expiresAt".into(),
            awscred_file_cache::format_utc_z(expires_at).into(),
        );
        let mut object = Map::new();
        object.insert("accessToken".into(), Value::Object(access));
        if let Some(kind) = &output.token_type {
            object.insert("tokenType".into(), kind.clone().into());
        }
        object.insert("clientId".into(), self.client_id().into());
        object.insert("refreshToken".into(), output.refresh_token.clone().into());
        object.insert("idToken".into(), id_token.into());
        object.insert("dpopKey".into(), self.key_pem.as_str().into());
        Ok(SignedIn {
            token: LoginToken::from_object(object),
            session,
        })
    }
}

/// The id token's `sub` (the session ARN), read without checking the signature, as the AWS
/// CLI reads it.
fn session_of(id_token: &str) -> Result<String, CredentialsError> {
    let bad = |why: &str| fail(format!("the id token from AWS Sign-In is invalid: {why}"));
    let mut parts = id_token.split('.');
    let (Some(_), Some(payload), Some(_), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad("not a JWT"));
    };
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .map_err(|_| bad("the payload is not base64url"))?;
    let v: Value = serde_json::from_slice(&bytes).map_err(|_| bad("the payload is not JSON"))?;
    v.get("sub")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| bad("no sub"))
}

/// The account of a session ARN (`arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`).
fn account_of(session: &str) -> Result<String, CredentialsError> {
    let parts: Vec<&str> = session.splitn(6, ':').collect();
    match parts.as_slice() {
        ["arn", _, _, _, account, _] => Ok((*account).to_owned()),
        _ => Err(fail(format!(
            "the session {} in the id token is not an ARN",
            printable(session, 200)
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_authorize_url_is_the_aws_clis() {
        let flow = LoginFlow::new(
            LoginKind::SameDevice,
            "https://us-east-1.signin.aws.amazon.com/v1/token",
            Some("http://127.0.0.1:4242/oauth/callback".into()),
        )
        .unwrap();
        let url = flow.authorize_url();
        let want = format!(
            "https://us-east-1.signin.aws.amazon.com/v1/authorize?response_type=code\
             &client_id=arn%3Aaws%3Asignin%3A%3A%3Adevtools%2Fsame-device&state={}\
             &code_challenge_method=SHA-256&scope=openid\
             &redirect_uri=http%3A%2F%2F127.0.0.1%3A4242%2Foauth%2Fcallback&code_challenge=",
            flow.state()
        );
        assert!(url.starts_with(&want), "{url}");
        assert_eq!(url.len() - want.len(), 43);
        assert_eq!(flow.verifier.len(), 64);
        let remote = LoginFlow::new(
            LoginKind::CrossDevice,
            "http://127.0.0.1:9/base/v1/token",
            None,
        )
        .unwrap();
        assert!(
            remote
                .authorize_url()
                .starts_with("http://127.0.0.1:9/v1/authorize?")
        );
        assert!(
            remote
                .authorize_url()
                .contains("redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fv1%2Fsessions%2Fconfirmation")
        );
        assert_eq!(remote.client_id(), CROSS_DEVICE_CLIENT_ID);
    }

    #[test]
    fn pasted_codes_and_id_tokens() {
        let pasted = base64::engine::general_purpose::STANDARD.encode("state=abc&code=XYZ%2F1");
        let (code, state) = LoginFlow::parse_verification_code(&pasted).unwrap();
        assert_eq!((code.as_str(), state.as_str()), ("XYZ/1", "abc"));
        assert!(LoginFlow::parse_verification_code("!!").is_err());
        let only_state = base64::engine::general_purpose::STANDARD.encode("state=abc");
        assert!(LoginFlow::parse_verification_code(&only_state).is_err());
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(r#"{"sub":"arn:aws:sts::012345678901:assumed-role/Admin/me"}"#);
        let session = session_of(&format!("h.{payload}.s")).unwrap();
        assert_eq!(account_of(&session).unwrap(), "012345678901");
        assert!(session_of("nope").is_err());
        assert!(account_of("not-an-arn").is_err());
    }
}
