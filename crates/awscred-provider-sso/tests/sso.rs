//! The SSO provider against the fixture server (moto serves neither the portal nor SSO-OIDC).
//! Bodies follow the `sso` and `sso-oidc` service models shipped in botocore's `data/`.
#![allow(
    clippy::disallowed_methods,
    reason = "the interop test runs Python on a temporary folder"
)]

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use awscred_file_cache::{FileCache, SsoTokenCache};
use awscred_http::{HttpClient, RetryConfig, RetryMode};
use awscred_profile::{ProfileSet, Source};
use awscred_provider_sso::{
    SsoLogin, SsoLoginBuilder, SsoProvider, SsoProviderBuilder, SsoSettings,
};
use awscred_test::fixture_server::{FixtureServer, Recording};
use awscred_test::{Outcome, error_text};
use awscred_types::{FakeEnv, Fs, ManualClock, MemFs, OsFs, ProvideCredentials, SharedFs, Sources};

const NOW: u64 = 2_000_000_000; // 2033-05-18
const ROLE_EXPIRY_MS: u64 = 2_051_222_400_000; // 2035-01-01
const TOKENS: &str = "/home/me/.aws/sso/cache";
const LEGACY: &str = "[profile legacy]\nsso_start_url = https://d-1.awsapps.com/start\nsso_region = eu-west-1\n\
                      sso_account_id = 123456789012\nsso_role_name = ReadOnly\n";
const SESSION: &str = "[profile dev]\nsso_session = my-sso\nsso_account_id = 123456789012\nsso_role_name = ReadOnly\n\
                       [sso-session my-sso]\nsso_start_url = https://d-1.awsapps.com/start\nsso_region = eu-west-1\n\
                       sso_registration_scopes = sso:account:access\n";

fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

fn settings(config: &str, profile: &str) -> SsoSettings {
    let set = ProfileSet::parse(Some(Source::new("/config", config)), None).unwrap();
    SsoSettings::resolve(&set, profile).unwrap().unwrap()
}

fn z(t: SystemTime) -> String {
    awscred_file_cache::format_utc_z(t)
}

fn token_json(access: &str, expires: SystemTime, refreshable: bool) -> String {
    let mut v = serde_json::json!({
        "startUrl": "https://d-1.awsapps.com/start", "region": "eu-west-1",
        "accessToken": access, "expiresAt": z(expires)});
    if refreshable {
        v["clientId"] = "CLIENTID".into();
        v["clientSecret"] = "CLIENTSECRET".into();
        v["refreshToken"] = "REFRESHOLD".into();
        v["registrationExpiresAt"] = z(at(NOW + 86_400 * 30)).into();
    }
    v.to_string()
}

/// The portal's GetRoleCredentials request for the profiles above.
const ROLE_CREDENTIALS: &str = "/federation/credentials?account_id=123456789012&role_name=ReadOnly";

/// A GetRoleCredentials exchange (any token) answered with `response`.
fn portal_answering(response: serde_json::Value) -> serde_json::Value {
    serde_json::json!({"request": {"method": "GET", "path": ROLE_CREDENTIALS}, "response": response})
}

fn portal(token: &str) -> serde_json::Value {
    serde_json::json!({
        "request": {"method": "GET", "path": ROLE_CREDENTIALS,
                    "headers": {"x-amz-sso_bearer_token": token}},
        "response": {"status": 200, "body": serde_json::json!({"roleCredentials": {
            "accessKeyId": "ASIASSO", "secretAccessKey": "SSOSECRET", "sessionToken": "SSOTOKEN",
            "expiration": ROLE_EXPIRY_MS}}).to_string()}})
}

async fn server(exchanges: serde_json::Value) -> FixtureServer {
    let rec: Recording =
        serde_json::from_value(serde_json::json!({ "exchanges": exchanges })).unwrap();
    FixtureServer::start(rec).await
}

/// A login for `s` against `srv`, writing to `tokens`, on the clock of `sources`.
fn sso_login(
    sources: &Sources,
    s: SsoSettings,
    tokens: &SsoTokenCache,
    srv: &FixtureServer,
) -> SsoLoginBuilder {
    SsoLogin::builder(sources, s)
        .token_cache(tokens.clone())
        .oidc_endpoint(srv.url())
}

struct Setup {
    fs: Arc<MemFs>,
    clock: Arc<ManualClock>,
}

impl Setup {
    fn new() -> Self {
        Self {
            fs: Arc::new(MemFs::new()),
            clock: Arc::new(ManualClock::new(at(NOW))),
        }
    }

    /// A new set-up and the settings of SESSION's `dev` profile.
    fn dev() -> (Self, SsoSettings) {
        (Self::new(), settings(SESSION, "dev"))
    }

    fn token(&self, s: &SsoSettings, json: String) -> std::path::PathBuf {
        let cache = SsoTokenCache::new(TOKENS, self.fs.clone());
        let path = cache.path(s.token_name());
        self.fs.insert(&path, json);
        path
    }

    /// An empty environment, this set-up's files and clock.
    fn sources(&self) -> Sources {
        Sources::default()
            .with_env(Arc::new(FakeEnv::new()))
            .with_fs(self.fs.clone())
            .with_clock(self.clock.clone())
    }

    /// A provider for `s` on this set-up's token cache, asking the portal at `url`.
    fn builder(&self, s: SsoSettings, url: &str) -> SsoProviderBuilder {
        SsoProvider::builder(&self.sources(), s)
            .token_cache(Some(SsoTokenCache::new(TOKENS, self.fs.clone())))
            .portal_endpoint(url)
    }

    /// [`builder`](Self::builder) with SSO-OIDC at `url` too, without retries.
    fn provider(&self, s: SsoSettings, url: &str) -> SsoProvider {
        self.builder(s, url)
            .oidc_endpoint(url)
            .retry(RetryConfig::disabled())
            .build()
            .unwrap()
    }
}

#[tokio::test]
async fn legacy_and_session_profiles_get_role_credentials() {
    for (config, profile) in [(LEGACY, "legacy"), (SESSION, "dev")] {
        let t = Setup::new();
        let s = settings(config, profile);
        t.token(&s, token_json("ACCESS", at(NOW + 3600), false));
        let srv = server(serde_json::json!([portal("ACCESS")])).await;
        let c = t
            .provider(s, &srv.url())
            .provide_credentials()
            .await
            .unwrap();
        srv.verify().unwrap();
        assert_eq!(
            (
                c.access_key_id(),
                c.secret_access_key(),
                c.session_token(),
                c.provider_name()
            ),
            ("ASIASSO", "SSOSECRET", Some("SSOTOKEN"), "sso")
        );
        assert_eq!(
            c.expiry(),
            Some(UNIX_EPOCH + Duration::from_millis(ROLE_EXPIRY_MS))
        );
        assert_eq!(c.account_id(), Some("123456789012"));
    }
}

#[tokio::test]
async fn token_file_problems_name_the_file_and_the_login_command() {
    let (t, s) = Setup::dev();
    let srv = server(serde_json::json!([])).await;
    let err = error_text(&t.provider(s.clone(), &srv.url())).await;
    assert!(err.contains("no SSO token for my-sso"), "{err}");
    assert!(
        err.contains("aws sso login --profile dev")
            && err.contains("awscred sso login --profile dev"),
        "{err}"
    );
    for bad in [
        "{not json",
        "{\"accessToken\": \"A\"}",
        "{\"accessToken\": \"A\", \"expiresAt\": \"soon\"}",
    ] {
        let path = t.token(&s, bad.to_owned());
        let err = error_text(&t.provider(s.clone(), &srv.url())).await;
        assert!(
            err.contains("invalid") || err.contains("unreadable"),
            "{bad}: {err}"
        );
        assert!(err.contains(&path.display().to_string()), "{err}");
    }
    srv.verify().unwrap();
}

#[tokio::test]
async fn an_expired_legacy_token_fails_without_calling_the_portal() {
    let t = Setup::new();
    let s = settings(LEGACY, "legacy");
    t.token(&s, token_json("OLD", at(NOW - 1), false));
    let srv = server(serde_json::json!([])).await;
    let err = error_text(&t.provider(s, &srv.url())).await;
    srv.verify().unwrap();
    assert!(err.contains("expired or is invalid; log in again"), "{err}");
    assert!(!err.contains("OLD"), "{err}");
}

#[tokio::test]
async fn a_token_near_expiry_is_refreshed_and_written_back() {
    let (t, s) = Setup::dev();
    let path = t.token(&s, token_json("OLD", at(NOW + 300), true));
    let srv = server(serde_json::json!([
        {"request": {"method": "POST", "path": "/token", "body_contains": [
            "\"grantType\":\"refresh_token\"", "\"clientId\":\"CLIENTID\"", "\"clientSecret\":\"CLIENTSECRET\"",
            "\"refreshToken\":\"REFRESHOLD\""]},
         "response": {"status": 200, "body": "{\"accessToken\":\"NEW\",\"expiresIn\":28800,\"refreshToken\":\"REFRESHNEW\",\"tokenType\":\"Bearer\"}"}},
        portal("NEW")]))
    .await;
    t.provider(s, &srv.url())
        .provide_credentials()
        .await
        .unwrap();
    srv.verify().unwrap();
    let saved: serde_json::Value = serde_json::from_slice(&t.fs.get(&path).unwrap()).unwrap();
    assert_eq!(saved["accessToken"], "NEW");
    assert_eq!(saved["refreshToken"], "REFRESHNEW");
    assert_eq!(saved["expiresAt"], z(at(NOW + 28_800)));
    assert_eq!(saved["clientId"], "CLIENTID");
    assert_eq!(saved["startUrl"], "https://d-1.awsapps.com/start");
    assert_eq!(t.fs.mode(&path).unwrap(), Some(0o600));
}

#[tokio::test]
async fn a_failed_refresh_keeps_a_valid_token_and_is_not_retried_within_30_s() {
    let (t, s) = Setup::dev();
    t.token(&s, token_json("OLD", at(NOW + 300), true));
    let srv = server(serde_json::json!([
        {"request": {"method": "POST", "path": "/token"},
         "response": {"status": 400, "body": "{\"error\":\"invalid_grant\",\"error_description\":\"nope\"}"}},
        portal("OLD"),
        portal("OLD")]))
    .await;
    let p = t.provider(s, &srv.url());
    p.provide_credentials().await.unwrap();
    t.clock.advance(Duration::from_secs(10));
    p.provide_credentials().await.unwrap(); // no second CreateToken within 30 s
    srv.verify().unwrap();
}

#[tokio::test]
async fn portal_401_means_log_in_again_and_5xx_is_retried() {
    let (t, s) = Setup::dev();
    t.token(&s, token_json("ACCESS", at(NOW + 3600), false));
    let srv = server(serde_json::json!([portal_answering(serde_json::json!(
        {"status": 401, "body": "{\"message\":\"Session token not found or invalid\"}"}
    ))]))
    .await;
    let err = error_text(&t.provider(s.clone(), &srv.url())).await;
    srv.verify().unwrap();
    assert!(
        err.contains("log in again") && err.contains("awscred sso login --profile dev"),
        "{err}"
    );

    let srv = server(serde_json::json!([
        portal_answering(serde_json::json!({"status": 503, "body": "{}"})),
        portal("ACCESS")
    ]))
    .await;
    let p = t
        .builder(s, &srv.url())
        .retry(RetryConfig::new(RetryMode::Standard, Some(3)))
        .build()
        .unwrap();
    p.provide_credentials().await.unwrap();
    srv.verify().unwrap();
}

#[tokio::test]
async fn a_slow_portal_times_out_with_an_error_naming_the_url() {
    let (t, s) = Setup::dev();
    t.token(&s, token_json("ACCESS", at(NOW + 3600), false));
    let srv = server(serde_json::json!([portal_answering(
        serde_json::json!({"action": "hang"})
    )]))
    .await;
    let p = t
        .builder(s, &srv.url())
        .http(
            HttpClient::builder()
                .total_timeout(Duration::from_millis(300))
                .build()
                .unwrap(),
        )
        .retry(RetryConfig::disabled())
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let err = error_text(&p).await;
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(
        err.contains(&srv.url()) || err.contains("127.0.0.1"),
        "{err}"
    );
    assert!(err.contains("GetRoleCredentials"), "{err}");
}

#[tokio::test]
async fn role_credentials_are_shared_through_the_aws_cli_cache() {
    let (t, s) = Setup::dev();
    t.token(&s, token_json("ACCESS", at(NOW + 3600), false));
    let srv = server(serde_json::json!([portal("ACCESS")])).await;
    let cache = FileCache::new("/home/me/.aws/cli/cache", t.fs.clone() as SharedFs);
    let build = || {
        t.builder(s.clone(), &srv.url())
            .role_cache(Some(cache.clone()))
            .retry(RetryConfig::disabled())
            .build()
            .unwrap()
    };
    let p = build();
    let one = p.provide_credentials().await.unwrap();
    let two = build().provide_credentials().await.unwrap();
    srv.verify().unwrap();
    assert_eq!(one.access_key_id(), two.access_key_id());
    let text = String::from_utf8(t.fs.get(cache.path(&p.cache_key())).unwrap()).unwrap();
    assert!(
        text.starts_with(
            "{\"ProviderType\": \"sso\", \"Credentials\": {\"AccessKeyId\": \"ASIASSO\""
        ),
        "{text}"
    );
    assert!(
        text.contains("\"Expiration\": \"2035-01-01T00:00:00Z\""),
        "{text}"
    );
}

#[test]
fn settings_errors_name_profile_session_and_keys() {
    let err = |config: &str, profile: &str| {
        let set = ProfileSet::parse(Some(Source::new("/config", config)), None).unwrap();
        SsoSettings::resolve(&set, profile).unwrap_err().to_string()
    };
    let e = err("[profile a]\nsso_session = nope\nsso_role_name = R\n", "a");
    assert!(
        e.contains("sso_session \"nope\"") && e.contains("profile \"a\""),
        "{e}"
    );
    let e = err(
        &SESSION.replace(
            "sso_account_id = 123456789012\n",
            "sso_account_id = 123456789012\nsso_region = us-east-1\n",
        ),
        "dev",
    );
    assert!(
        e.contains("sso_region is inconsistent")
            && e.contains("(us-east-1)")
            && e.contains("(eu-west-1)"),
        "{e}"
    );
    let e = err("[profile a]\nsso_role_name = R\n", "a");
    assert!(
        e.contains("missing required configuration: sso_start_url, sso_region, sso_account_id"),
        "{e}"
    );
    // Neither role name nor account id: not an SSO credentials profile (botocore's trigger).
    let set = ProfileSet::parse(
        Some(Source::new(
            "/config",
            "[profile t]\nsso_session = my-sso\n",
        )),
        None,
    )
    .unwrap();
    assert!(SsoSettings::resolve(&set, "t").unwrap().is_none());
}

/// botocore's own `SSOTokenLoader` reads the token awscred wrote back after a refresh, and its
/// `SSOCredentialFetcher` reads awscred's role-credential cache entry without a portal call.
/// botocore is a real peer: without the venv the case is reported skipped (and fails in CI).
#[test]
fn botocore_reads_what_awscred_wrote() {
    awscred_test::peer_case(
        "sso-botocore-interop",
        "botocore",
        "botocore reads the refreshed token and the role cache entry awscred wrote",
        || match awscred_test::moto::botocore_python() {
            Ok(py) => {
                awscred_test::runtime().block_on(botocore_reads(py));
                Outcome::Pass
            }
            Err(why) => Outcome::Skip(why),
        },
    );
}

async fn botocore_reads(py: std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("awscred-sso-interop-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let fs: SharedFs = Arc::new(OsFs);
    let s = settings(SESSION, "dev");
    let tokens = SsoTokenCache::new(dir.join("sso"), fs.clone());
    fs.write_atomic(
        &tokens.path(s.token_name()),
        token_json("OLD", SystemTime::now() + Duration::from_secs(60), true).as_bytes(),
        0o600,
    )
    .unwrap();
    let srv = server(serde_json::json!([
        {"request": {"method": "POST", "path": "/token"},
         "response": {"status": 200, "body": "{\"accessToken\":\"NEW\",\"expiresIn\":28800,\"refreshToken\":\"REFRESHNEW\"}"}},
        portal("NEW")]))
    .await;
    let cli_cache = FileCache::new(dir.join("cli"), fs.clone());
    let p = SsoProvider::builder(
        &Sources::default()
            .with_env(Arc::new(FakeEnv::new()))
            .with_fs(fs.clone()),
        s.clone(),
    )
    .token_cache(Some(tokens))
    .role_cache(Some(cli_cache))
    .portal_endpoint(srv.url())
    .oidc_endpoint(srv.url())
    .retry(RetryConfig::disabled())
    .build()
    .unwrap();
    p.provide_credentials().await.unwrap();
    srv.verify().unwrap();
    let script = r#"
import json, sys
from botocore.utils import SSOTokenLoader, JSONFileCache
from botocore.credentials import SSOCredentialFetcher
d = sys.argv[1]
token = SSOTokenLoader(cache=JSONFileCache(d + "/sso"))("https://d-1.awsapps.com/start", session_name="my-sso")
def no_client(*a, **k):
    raise AssertionError("botocore called the portal")
f = SSOCredentialFetcher("https://d-1.awsapps.com/start", "eu-west-1", "ReadOnly", "123456789012",
                         no_client, cache=JSONFileCache(d + "/cli"), sso_session_name="my-sso")
c = f.fetch_credentials()
print(json.dumps({"token": token["accessToken"], "refresh": token["refreshToken"], "key": c["access_key"], "expiry": c["expiry_time"]}))
"#;
    // A token written by the login flow (a legacy profile: keyed by the start URL).
    let legacy = settings(LEGACY, "legacy");
    let srv = server(serde_json::json!([
        register(),
        oidc(
            "/device_authorization",
            &[],
            200,
            serde_json::json!({"deviceCode": "D", "userCode": "U",
            "verificationUri": "https://device.example/", "expiresIn": 600, "interval": 0})
        ),
        oidc(
            "/token",
            &[],
            200,
            serde_json::json!({"accessToken": "LOGIN", "expiresIn": 3600})
        )
    ]))
    .await;
    SsoLogin::builder(&Sources::system(), legacy)
        .token_cache(SsoTokenCache::new(dir.join("sso"), fs.clone()))
        .oidc_endpoint(srv.url())
        .build()
        .unwrap()
        .device_flow(&RecordingUi::default())
        .await
        .unwrap();
    srv.verify().unwrap();
    let script = format!(
        "{script}\nlogin = SSOTokenLoader(cache=JSONFileCache(d + '/sso'))('https://d-1.awsapps.com/start')\n\
         assert login['accessToken'] == 'LOGIN' and login['clientId'] == 'CID', login\n"
    );
    let out = std::process::Command::new(&py)
        .arg("-c")
        .arg(&script)
        .arg(&dir)
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v,
        serde_json::json!({"token": "NEW", "refresh": "REFRESHNEW", "key": "ASIASSO", "expiry": "2035-01-01T00:00:00Z"})
    );
}

#[derive(Default)]
struct RecordingUi {
    prompts: std::sync::Mutex<Vec<String>>,
    polls: std::sync::atomic::AtomicUsize,
}

impl awscred_provider_sso::LoginUi for RecordingUi {
    fn prompt(&self, prompt: &awscred_provider_sso::LoginPrompt<'_>) {
        self.prompts.lock().unwrap().push(format!("{prompt:?}"));
    }
    fn waiting(&self) {
        self.polls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

fn oidc(
    path: &str,
    body_contains: &[&str],
    status: u16,
    body: serde_json::Value,
) -> serde_json::Value {
    serde_json::json!({"request": {"method": "POST", "path": path, "body_contains": body_contains},
                       "response": {"status": status, "body": body.to_string()}})
}

/// RegisterClient answered with client `CID`, whatever it was asked.
fn register() -> serde_json::Value {
    oidc(
        "/client/register",
        &[],
        200,
        serde_json::json!({"clientId": "CID", "clientSecret": "CSECRET"}),
    )
}

#[tokio::test]
async fn device_login_polls_through_pending_and_slow_down_then_writes_the_token() {
    let (t, s) = Setup::dev();
    let srv = server(serde_json::json!([
        oidc("/client/register", &["\"clientType\":\"public\"", "\"scopes\":[\"sso:account:access\"]"], 200,
             serde_json::json!({"clientId": "CID", "clientSecret": "CSECRET", "clientSecretExpiresAt": NOW + 86_400 * 90})),
        oidc("/device_authorization", &["\"clientId\":\"CID\"", "\"startUrl\":\"https://d-1.awsapps.com/start\""], 200,
             serde_json::json!({"deviceCode": "DEVCODE", "userCode": "ABCD-EFGH", "verificationUri": "https://device.sso.eu-west-1.amazonaws.com/",
                                "verificationUriComplete": "https://device.sso.eu-west-1.amazonaws.com/?user_code=ABCD-EFGH", "expiresIn": 600, "interval": 0})),
        oidc("/token", &["\"deviceCode\":\"DEVCODE\"", "device_code"], 400, serde_json::json!({"error": "authorization_pending"})),
        oidc("/token", &["\"deviceCode\":\"DEVCODE\""], 400, serde_json::json!({"error": "slow_down"})),
        oidc("/token", &["\"deviceCode\":\"DEVCODE\""], 200,
             serde_json::json!({"accessToken": "LOGGEDIN", "expiresIn": 28_800, "refreshToken": "RT", "tokenType": "Bearer"})),
        portal("LOGGEDIN")]))
    .await;
    let tokens = SsoTokenCache::new(TOKENS, t.fs.clone());
    let ui = RecordingUi::default();
    let login = sso_login(&t.sources(), s.clone(), &tokens, &srv)
        .slow_down_step(Duration::from_millis(10))
        .build()
        .unwrap();
    let expires = login.device_flow(&ui).await.unwrap();
    assert_eq!(expires, at(NOW + 28_800));
    let prompts = ui.prompts.lock().unwrap().join("\n");
    assert!(
        prompts.contains("ABCD-EFGH") && prompts.contains("user_code=ABCD-EFGH"),
        "{prompts}"
    );
    assert_eq!(ui.polls.load(std::sync::atomic::Ordering::SeqCst), 3);
    let saved: serde_json::Value =
        serde_json::from_slice(&t.fs.get(tokens.path(s.token_name())).unwrap()).unwrap();
    assert_eq!(
        (
            &saved["accessToken"],
            &saved["refreshToken"],
            &saved["clientId"],
            &saved["clientSecret"]
        ),
        (
            &"LOGGEDIN".into(),
            &"RT".into(),
            &"CID".into(),
            &"CSECRET".into()
        )
    );
    assert_eq!(saved["expiresAt"], z(at(NOW + 28_800)));
    assert_eq!(saved["registrationExpiresAt"], z(at(NOW + 86_400 * 90)));
    // The provider now logs in with it.
    let c = t
        .provider(s, &srv.url())
        .provide_credentials()
        .await
        .unwrap();
    assert_eq!(c.access_key_id(), "ASIASSO");
    srv.verify().unwrap();
}

#[tokio::test]
async fn an_expired_device_code_is_a_clear_error() {
    let (t, s) = Setup::dev();
    let register = register();
    let start = |expires: u64| {
        oidc(
            "/device_authorization",
            &[],
            200,
            serde_json::json!({"deviceCode": "D", "userCode": "U",
        "verificationUri": "https://device.example/", "expiresIn": expires, "interval": 0}),
        )
    };
    let srv = server(serde_json::json!([
        register.clone(),
        start(600),
        oidc(
            "/token",
            &[],
            400,
            serde_json::json!({"error": "expired_token"})
        ),
        register,
        start(0)
    ]))
    .await;
    let tokens = SsoTokenCache::new(TOKENS, t.fs.clone());
    let login = sso_login(&t.sources(), s.clone(), &tokens, &srv)
        .build()
        .unwrap();
    for _ in 0..2 {
        let err = login
            .device_flow(&RecordingUi::default())
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains("expired before it was approved"), "{err}");
    }
    srv.verify().unwrap(); // the second login never polled: its code had no time left
    assert!(t.fs.get(tokens.path(s.token_name())).is_none());
    assert!(!format!("{login:?}").contains("CSECRET"));
}

#[test]
fn logout_removes_cached_tokens_only() {
    let fs = Arc::new(MemFs::new());
    let tokens = SsoTokenCache::new(TOKENS, fs.clone());
    fs.insert(format!("{TOKENS}/a.json"), token_json("A", at(NOW), false));
    fs.insert(format!("{TOKENS}/b.json"), token_json("B", at(NOW), true));
    fs.insert(
        format!("{TOKENS}/botocore-client-id.json"),
        "{\"clientId\": \"x\"}",
    );
    let removed = awscred_provider_sso::logout(&tokens, &*fs);
    assert_eq!(removed.len(), 2);
    assert!(
        fs.get(format!("{TOKENS}/botocore-client-id.json"))
            .is_some()
    );
}

/// Plays the browser: on the prompt, follows the redirect the approval would cause.
struct Browser {
    answer: fn(&str) -> String,
}

impl awscred_provider_sso::LoginUi for Browser {
    fn prompt(&self, prompt: &awscred_provider_sso::LoginPrompt<'_>) {
        let awscred_provider_sso::LoginPrompt::Browser { url } = prompt else {
            panic!("expected the browser prompt, got {prompt:?}");
        };
        let param = |name: &str| {
            url.split(['?', '&'])
                .find_map(|p| p.strip_prefix(&format!("{name}=")))
                .map(|v| {
                    percent_encoding::percent_decode_str(v)
                        .decode_utf8_lossy()
                        .into_owned()
                })
                .unwrap()
        };
        assert_eq!(param("code_challenge_method"), "S256");
        assert_eq!(param("response_type"), "code");
        assert_eq!(param("client_id"), "CID");
        assert!(!param("code_challenge").is_empty());
        let redirect = param("redirect_uri");
        let state = param("state");
        let query = (self.answer)(&state);
        std::thread::spawn(move || {
            use std::io::{Read as _, Write as _};
            let addr = redirect
                .trim_start_matches("http://")
                .split('/')
                .next()
                .unwrap()
                .to_owned();
            // A stray request first (a favicon), then the redirect.
            for target in [
                "/favicon.ico".to_owned(),
                format!("/oauth/callback?{query}"),
            ] {
                let mut s = std::net::TcpStream::connect(&addr).unwrap();
                write!(s, "GET {target} HTTP/1.1\r\nHost: {addr}\r\n\r\n").unwrap();
                let mut out = String::new();
                let _ = s.read_to_string(&mut out);
            }
        });
    }
}

#[tokio::test]
async fn pkce_login_takes_the_code_from_the_loopback_redirect() {
    let (t, s) = Setup::dev();
    let srv = server(serde_json::json!([
        oidc(
            "/client/register",
            &[
                "\"grantTypes\":[\"authorization_code\",\"refresh_token\"]",
                "\"redirectUris\":[\"http://127.0.0.1:",
                "\"issuerUrl\":\"https://d-1.awsapps.com/start\""
            ],
            200,
            serde_json::json!({"clientId": "CID", "clientSecret": "CSECRET"})
        ),
        oidc(
            "/token",
            &[
                "\"grantType\":\"authorization_code\"",
                "\"code\":\"AUTHCODE\"",
                "\"codeVerifier\":\"",
                "\"redirectUri\":\"http://127.0.0.1:"
            ],
            200,
            serde_json::json!({"accessToken": "PKCETOKEN", "expiresIn": 3600, "refreshToken": "RT"})
        )
    ]))
    .await;
    let tokens = SsoTokenCache::new(TOKENS, t.fs.clone());
    let login = sso_login(&t.sources(), s.clone(), &tokens, &srv)
        .build()
        .unwrap();
    let ui = Browser {
        answer: |state| format!("code=AUTHCODE&state={state}"),
    };
    login.pkce_flow(&ui, Duration::from_secs(10)).await.unwrap();
    srv.verify().unwrap();
    let saved: serde_json::Value =
        serde_json::from_slice(&t.fs.get(tokens.path(s.token_name())).unwrap()).unwrap();
    assert_eq!(saved["accessToken"], "PKCETOKEN");

    // A denied login is an error; a redirect with another state is ignored. Each on a new
    // client registration, the browser answering `answer`; what the login fails with.
    let refused = async |answer: fn(&str) -> String, wait: Duration| {
        let srv = server(serde_json::json!([register()])).await;
        // The system clock: the browser flow waits in real time.
        let login = sso_login(&Sources::system(), s.clone(), &tokens, &srv)
            .build()
            .unwrap();
        let err = login
            .pkce_flow(&Browser { answer }, wait)
            .await
            .unwrap_err();
        err.to_string()
    };
    let err = refused(
        |state| format!("error=access_denied&state={state}"),
        Duration::from_secs(10),
    )
    .await;
    assert!(
        err.contains("not approved") && err.contains("access_denied"),
        "{err}"
    );
    let forged = |_: &str| "code=AUTHCODE&state=forged".to_owned();
    let err = refused(forged, Duration::from_millis(500)).await;
    assert!(err.contains("did not complete the login"), "{err}");
}
