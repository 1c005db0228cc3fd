//! The login provider against the fixture server as AWS Sign-In: every error the issue lists,
//! the 30 s throttle, keeping the current credentials through a failed refresh, the
//! cross-process lock (one `CreateOAuth2Token` call for many refreshers), the atomic 0600
//! write-back, and the fake's own DPoP checks (a proof it must refuse is refused).
#![allow(
    clippy::disallowed_methods,
    reason = "the lock test uses the real file system and the wall clock, as processes do"
)]

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use awscred_file_cache::LoginTokenCache;
use awscred_http::{Bytes, HttpClient, http};
use awscred_profile::{Platform, ProfileSet, Source};
use awscred_provider_login::dpop::DpopKey;
use awscred_provider_login::{LoginProvider, LoginSettings, LoginState};
use awscred_test::fixture_server::{FixtureServer, Recording};
use awscred_test::{FakeEnv, ManualClock, MemFs};
use awscred_types::{Credentials, CredentialsError, ProvideCredentials, SharedFs, Sources};
use serde_json::{Value, json};

const NOW: u64 = 1_763_510_400;
const SESSION: &str = "arn:aws:sts::012345678910:assumed-role/Admin/admin";
const KEY: &str = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIPt/u8InPLpQeQLJTvVX+sNDzni8vMDMt3Liu+nMBigfoAoGCCqGSM49\nAwEHoUQDQgAEILkGG7rNOnxiIJlMgimY1UPP8eDMFP0DAY6WGjngP4bvTAiUCQ/I\nffut2379uP+OBCm2ovGpBOJRgrl1RspUOQ==\n-----END EC PRIVATE KEY-----\n";

fn token(expires_at: &str) -> Value {
    json!({
        "accessToken": {"accessKeyId": "ASIAOLD", "secretAccessKey": "hunter2-old-secret",
                        "sessionToken": "hunter2-old-session", "accountId": "012345678901",
                        "expiresAt": expires_at},
        "tokenType": "aws_sigv4",
        "clientId": "arn:aws:signin:::devtools/same-device",
        "refreshToken": "hunter2-refresh",
        "idToken": "hunter2-id-token",
        "dpopKey": KEY,
    })
}

fn new_tokens(key: &str) -> Value {
    json!({"accessToken": {"accessKeyId": key, "secretAccessKey": "hunter2-new-secret",
                           "sessionToken": "hunter2-new-session"},
           "tokenType": "aws_sigv4", "expiresIn": 900, "refreshToken": "hunter2-new-refresh"})
}

fn exchange(now: Option<u64>, response: Value) -> Value {
    let dpop = match now {
        Some(n) => json!({ "now": n }),
        None => json!({}),
    };
    json!({"request": {"method": "POST", "path": "/v1/token",
                       "body_contains": ["\"grantType\":\"refresh_token\"",
                                         "\"refreshToken\":\"hunter2-refresh\"",
                                         "\"clientId\":\"arn:aws:signin:::devtools/same-device\""],
                       "dpop": dpop},
           "response": response})
}

async fn server(exchanges: Vec<Value>) -> FixtureServer {
    let rec: Recording = serde_json::from_value(json!({ "exchanges": exchanges })).unwrap();
    FixtureServer::start(rec).await
}

struct Setup {
    provider: LoginProvider,
    fs: Arc<MemFs>,
    clock: Arc<ManualClock>,
    path: std::path::PathBuf,
}

fn setup(url: &str, token: Option<Value>, extra_env: &[(&str, &str)]) -> Setup {
    let config = format!("[profile dev]\nlogin_session = {SESSION}\nregion = eu-west-1\n");
    let fs = Arc::new(MemFs::new().with_file("/home/me/.aws/config", config.clone()));
    let env = extra_env.iter().fold(
        FakeEnv::new()
            .with("HOME", "/home/me")
            .with("AWS_ENDPOINT_URL_SIGNIN", url),
        |e, (k, v)| e.with(*k, *v),
    );
    let cache = LoginTokenCache::aws_login(&env, Platform::Linux, fs.clone()).unwrap();
    let path = cache.path(SESSION);
    if let Some(t) = token {
        fs.insert(&path, t.to_string());
    }
    let profiles =
        ProfileSet::parse(Some(Source::new("/home/me/.aws/config", config)), None).unwrap();
    let settings = LoginSettings::resolve(&env, &profiles, "dev").unwrap();
    let clock = Arc::new(ManualClock::new(UNIX_EPOCH + Duration::from_secs(NOW)));
    let sources = Sources::default()
        .with_env(Arc::new(env))
        .with_fs(fs.clone())
        .with_clock(clock.clone());
    let provider = LoginProvider::builder(&sources, settings)
        .token_cache(Some(cache))
        .build()
        .unwrap();
    Setup {
        provider,
        fs,
        clock,
        path,
    }
}

fn no_secrets(err: &CredentialsError) {
    let shown = format!("{err} {err:?} {err:#?}");
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(!shown.contains("MHcCAQEE"), "{shown}");
}

fn key_of(c: &Result<Credentials, CredentialsError>) -> &str {
    c.as_ref()
        .map(Credentials::access_key_id)
        .unwrap_or("<error>")
}

#[tokio::test]
async fn fresh_credentials_need_no_request_and_expiring_ones_are_refreshed_and_written_back() {
    let sign_in = server(vec![exchange(
        Some(NOW + 600),
        json!({"json": new_tokens("ASIANEW")}),
    )])
    .await;
    // 10 minutes left: no request.
    let s = setup(&sign_in.url(), Some(token("2025-11-19T00:10:00Z")), &[]);
    let c = s.provider.provide_credentials().await.unwrap();
    assert_eq!(
        (c.access_key_id(), c.provider_name(), c.account_id()),
        ("ASIAOLD", "login", Some("012345678901"))
    );
    assert_eq!(s.provider.status().state, LoginState::Cached);
    // 4 minutes left: refreshed.
    s.clock.set(UNIX_EPOCH + Duration::from_secs(NOW + 600));
    assert_eq!(
        s.provider.status().state,
        LoginState::WillRefresh(format!("{}/v1/token", sign_in.url()))
    );
    let c = s.provider.provide_credentials().await.unwrap();
    assert_eq!(c.access_key_id(), "ASIANEW");
    assert_eq!(
        c.expiry(),
        Some(UNIX_EPOCH + Duration::from_secs(NOW + 600 + 900))
    );
    sign_in.verify().unwrap();
    let written: Value = serde_json::from_slice(&s.fs.get(&s.path).unwrap()).unwrap();
    assert_eq!(written["refreshToken"], "hunter2-new-refresh");
    assert_eq!(written["idToken"], "hunter2-id-token");
    assert_eq!(written["tokenType"], "aws_sigv4");
    assert_eq!(written["dpopKey"], KEY);
    assert_eq!(written["accessToken"]["accountId"], "012345678901");
    assert_eq!(written["accessToken"]["expiresAt"], "2025-11-19T00:25:00Z");
    use awscred_types::Fs as _;
    assert_eq!(s.fs.mode(&s.path).unwrap(), Some(0o600));
}

#[tokio::test]
async fn sign_in_errors_map_as_botocore_maps_them() {
    let denied = |error: &str| {
        json!({"status": 400, "headers": {"x-amzn-errortype": "AccessDeniedException"},
               "json": {"error": error, "message": "session over"}})
    };
    let cases = [
        (
            denied("TOKEN_EXPIRED"),
            "InvalidConfiguration",
            "has expired or its credentials have changed; log in again",
        ),
        (
            denied("USER_CREDENTIALS_CHANGED"),
            "InvalidConfiguration",
            "log in again: run `aws login --profile dev` or `awscred login --profile dev`",
        ),
        (
            denied("INSUFFICIENT_PERMISSIONS"),
            "ProviderError",
            "'signin:CreateOAuth2Token' action",
        ),
        (
            json!({"status": 400, "json": {"__type": "com.amazon.signin#ValidationException", "error": "invalid_request", "message": "bad clientId"}}),
            "ProviderError",
            "answered HTTP 400 (ValidationException)",
        ),
    ];
    for (response, kind, words) in cases {
        let sign_in = server(vec![exchange(Some(NOW), response)]).await;
        let s = setup(&sign_in.url(), Some(token("2020-01-01T00:00:00Z")), &[]);
        let err = s.provider.provide_credentials().await.unwrap_err();
        assert_eq!(err.kind_name(), kind, "{err}");
        assert!(err.to_string().contains(words), "{err}");
        assert_eq!(
            err.field("url"),
            Some(format!("{}/v1/token", sign_in.url()).as_str())
        );
        assert_eq!(err.field("profile"), Some("dev"));
        no_secrets(&err);
        sign_in.verify().unwrap();
    }
    // Anything else relays code and message.
    let sign_in = server(vec![exchange(Some(NOW), json!({"status": 400, "json": {"__type": "ValidationException", "error": "invalid_request", "message": "bad clientId"}}))]).await;
    let s = setup(&sign_in.url(), Some(token("2020-01-01T00:00:00Z")), &[]);
    let err = s.provider.provide_credentials().await.unwrap_err();
    assert_eq!(err.field("code"), Some("ValidationException"));
    assert_eq!(err.field("error"), Some("invalid_request"));
    assert_eq!(err.field("message"), Some("bad clientId"));
}

#[tokio::test]
async fn file_errors_name_the_file_and_how_to_log_in() {
    let none = server(vec![]).await;
    let s = setup(&none.url(), None, &[]);
    let err = s.provider.provide_credentials().await.unwrap_err();
    assert!(err.is_invalid_configuration());
    assert!(
        err.to_string()
            .contains("the login session for profile \"dev\" was not found"),
        "{err}"
    );
    assert!(
        err.to_string().contains("awscred login --profile dev"),
        "{err}"
    );
    assert_eq!(
        err.field("file"),
        Some(s.path.display().to_string().as_str())
    );
    for field in ["accessToken", "refreshToken", "dpopKey", "clientId"] {
        let mut t = token("2020-01-01T00:00:00Z");
        t.as_object_mut().unwrap().remove(field);
        let s = setup(&none.url(), Some(t), &[]);
        let err = s.provider.provide_credentials().await.unwrap_err();
        assert!(
            err.to_string()
                .contains(&format!("missing required fields: {field}")),
            "{err}"
        );
        assert_eq!(
            err.field("file"),
            Some(s.path.display().to_string().as_str())
        );
        no_secrets(&err);
    }
    // A key that is not a P-256 key: refused when a refresh needs it, never shown.
    let mut t = token("2020-01-01T00:00:00Z");
    t["dpopKey"] =
        json!("-----BEGIN EC PRIVATE KEY-----\nhunter2AAAA\n-----END EC PRIVATE KEY-----\n");
    let s = setup(&none.url(), Some(t), &[]);
    let err = s.provider.provide_credentials().await.unwrap_err();
    assert!(
        err.to_string().contains("unable to load the private key"),
        "{err}"
    );
    no_secrets(&err);
    // No endpoint and no region: the rule set's error.
    let s = setup("", Some(token("2020-01-01T00:00:00Z")), &[]);
    let mut t = token("2020-01-01T00:00:00Z");
    t["signInRegion"] = json!("us-west-2");
    s.fs.insert(&s.path, t.to_string());
    // (an empty AWS_ENDPOINT_URL_SIGNIN counts as unset: the token's region decides)
    assert_eq!(
        s.provider.status().state,
        LoginState::WillRefresh("https://us-west-2.signin.aws.amazon.com/v1/token".into())
    );
    none.verify().unwrap();
}

#[tokio::test]
async fn one_attempt_per_30_s_and_valid_credentials_survive_a_failed_refresh() {
    let fail = json!({"status": 500, "json": {"error": "server_error", "message": "down"}});
    // Three tries (retry_mode standard), then no request for 30 s.
    let sign_in = server(vec![
        exchange(Some(NOW + 880), fail.clone()),
        exchange(Some(NOW + 880), fail.clone()),
        exchange(Some(NOW + 880), fail),
    ])
    .await;
    let s = setup(
        &sign_in.url(),
        Some(token("2025-11-19T00:15:00Z")),
        &[("AWS_MAX_ATTEMPTS", "3")],
    );
    s.clock.set(UNIX_EPOCH + Duration::from_secs(NOW + 880));
    // 20 s left: the refresh fails, the current credentials are still served (and again, with
    // no request, inside the 30 s).
    let c = s.provider.provide_credentials().await;
    assert_eq!(key_of(&c), "ASIAOLD");
    let c = s.provider.provide_credentials().await;
    assert_eq!(key_of(&c), "ASIAOLD");
    sign_in.verify().unwrap();
    // Expired, within 30 s of the attempt: an error, still no request.
    s.clock.set(UNIX_EPOCH + Duration::from_secs(NOW + 905));
    let err = s.provider.provide_credentials().await.unwrap_err();
    assert!(err.to_string().contains("less than 30 s ago"), "{err}");
    sign_in.verify().unwrap();
}

/// Processes that refresh at once: each is its own provider (its own throttle), they share the
/// token folder on disk; the lock makes one of them call Sign-In, the others read its result.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_refreshers_make_one_call() {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let sign_in = server(vec![exchange(
        None,
        json!({"json": new_tokens("ASIANEW"), "delay_ms": 200}),
    )])
    .await;
    let dir = std::env::temp_dir().join(format!("awscred-login-lock-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let fs: SharedFs = Sources::system().fs.clone();
    let cache = LoginTokenCache::new(&dir, fs.clone());
    let expired = awscred_file_cache::format_utc_z(UNIX_EPOCH + Duration::from_secs(now - 60));
    std::fs::write(cache.path(SESSION), token(&expired).to_string()).unwrap();
    let env = FakeEnv::new().with("AWS_ENDPOINT_URL_SIGNIN", sign_in.url());
    let config = format!("[profile dev]\nlogin_session = {SESSION}\n");
    let profiles = ProfileSet::parse(Some(Source::new("c", config)), None).unwrap();
    let settings = LoginSettings::resolve(&env, &profiles, "dev").unwrap();
    let sources = Sources::system().with_env(Arc::new(env));
    let mut tasks = Vec::new();
    for _ in 0..6 {
        let p = LoginProvider::builder(&sources, settings.clone())
            .token_cache(Some(cache.clone()))
            .build()
            .unwrap();
        tasks.push(tokio::spawn(async move { p.provide_credentials().await }));
    }
    for t in tasks {
        assert_eq!(key_of(&t.await.unwrap()), "ASIANEW");
    }
    sign_in.verify().unwrap();
    use std::os::unix::fs::PermissionsExt as _;
    let mode = std::fs::metadata(cache.path(SESSION))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let _ = std::fs::remove_dir_all(&dir);
}

type Bad = fn(&DpopKey, &str) -> Option<String>;

async fn post(http: &HttpClient, url: &str, proof: Option<String>) -> u16 {
    let mut b = http::Request::post(url);
    if let Some(p) = proof {
        b = b.header("DPoP", p);
    }
    http.send(b.body(Bytes::new()).unwrap())
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// The fake AWS Sign-In refuses what the real one would: a replayed proof, a proof for another
/// URL, an old `iat`, a signature that does not verify, no proof at all. Each case first sends
/// a good proof (accepted), then the bad one (refused: 599 and a problem in `verify`).
#[tokio::test]
async fn the_fake_sign_in_checks_each_proof_for_real() {
    let key = DpopKey::from_pem(KEY).unwrap();
    let http = HttpClient::builder().build().unwrap();
    let cases: [(&str, Bad, &str); 5] = [
        ("replayed", |_, _| None, "jti was used before"),
        (
            "another URL",
            |k, u| k.proof(&format!("{u}x"), NOW).ok(),
            "is not the URL requested",
        ),
        (
            "old iat",
            |k, u| k.proof(u, NOW - 301).ok(),
            "more than 5 minutes",
        ),
        (
            "bad signature",
            |k, u| {
                let p = k.proof(u, NOW).ok()?;
                let (head, sig) = p.rsplit_once('.')?;
                let flipped = if sig.starts_with('A') { "B" } else { "A" };
                Some(format!("{head}.{flipped}{}", &sig[1..]))
            },
            "does not verify",
        ),
        ("missing", |_, _| None, "DPoP proof missing"),
    ];
    for (name, bad, why) in cases {
        let both = json!({"request": {"method": "POST", "path": "/v1/token", "dpop": {"now": NOW}},
                          "response": {"status": 200, "body": "{}"}});
        let sign_in = server(vec![both.clone(), both]).await;
        let url = format!("{}/v1/token", sign_in.url());
        let good = key.proof(&url, NOW).unwrap();
        assert_eq!(post(&http, &url, Some(good.clone())).await, 200, "{name}");
        let proof = if name == "replayed" {
            Some(good)
        } else {
            bad(&key, &url)
        };
        assert_eq!(post(&http, &url, proof).await, 599, "{name}");
        let err = sign_in.verify().unwrap_err();
        assert!(err.contains(why), "{name}: {err}");
    }
}
