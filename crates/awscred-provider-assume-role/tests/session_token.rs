//! `SessionTokenProvider` against the fixture server (what reaches STS, the caches, MFA before
//! the lock, pass-through of sessions) and against the SigV4-enforcing moto server (a real
//! `GetSessionToken`, signed with the seeded user's keys).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use awscred_file_cache::{CacheKey, FileCache, SESSION_TOKEN_PROVIDER_TYPE};
use awscred_http::RetryConfig;
use awscred_provider_assume_role::{
    FixedMfa, MFA_SESSION_DURATION, SESSION_DURATION, SESSION_TOKEN_PROVIDER_NAME,
    SessionTokenProvider,
};
use awscred_sts::{Endpoint, StsClient};
use awscred_test::fixture_server::FixtureServer;
use awscred_types::{
    Credentials, CredentialsError, ManualClock, MemFs, ProvideCredentials, SharedProvider, Sources,
    StaticProvider,
};

const EXPIRES: u64 = 1_893_456_000; // 2030-01-01T00:00:00Z

fn at(secs_before_expiry: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(EXPIRES - secs_before_expiry)
}

fn session(key: &str) -> String {
    format!(
        "<GetSessionTokenResponse><GetSessionTokenResult><Credentials>\
         <AccessKeyId>{key}</AccessKeyId><SecretAccessKey>SESSIONSECRET</SecretAccessKey>\
         <SessionToken>SESSIONTOKEN</SessionToken><Expiration>2030-01-01T00:00:00Z</Expiration>\
         </Credentials></GetSessionTokenResult></GetSessionTokenResponse>"
    )
}

/// Sources with an empty environment (no proxy or retry settings from the machine).
fn hermetic() -> Sources {
    Sources::default().with_env(Arc::new(awscred_test::FakeEnv::new()))
}

fn sts(url: &str) -> StsClient {
    StsClient::builder(&hermetic())
        .endpoint(Endpoint::new(url, "eu-west-1"))
        .retry(RetryConfig::disabled())
        .build()
        .unwrap()
}

/// Hands out the keys it holds, counting the calls.
#[derive(Debug)]
struct Keys(std::sync::Mutex<Credentials>, AtomicUsize);

impl Keys {
    fn new(c: Credentials) -> Arc<Self> {
        Arc::new(Self(std::sync::Mutex::new(c), AtomicUsize::new(0)))
    }
}

#[async_trait]
impl ProvideCredentials for Keys {
    async fn provide_credentials(&self) -> Result<Credentials, CredentialsError> {
        self.1.fetch_add(1, Ordering::SeqCst);
        Ok(self.0.lock().unwrap().clone())
    }
}

async fn key_of(provider: &SessionTokenProvider) -> String {
    let c = provider.provide_credentials().await.unwrap();
    c.access_key_id().to_owned()
}

async fn error_of(provider: &SessionTokenProvider) -> String {
    provider
        .provide_credentials()
        .await
        .unwrap_err()
        .to_string()
}

fn sources(clock: &Arc<ManualClock>) -> Sources {
    Sources::default().with_clock(clock.clone())
}

#[tokio::test]
async fn long_term_keys_become_a_cached_session_with_mfa() {
    let srv = FixtureServer::exchanges(serde_json::json!([{
        "request": {"method": "POST", "path": "/", "body_contains": [
            "Action=GetSessionToken", "DurationSeconds=28800",
            "SerialNumber=arn%3Aaws%3Aiam%3A%3A123456789012%3Amfa%2Fme", "TokenCode=314159"]},
        "response": {"status": 200, "body": session("ASIASESSION")}}]))
    .await;
    let clock = Arc::new(ManualClock::new(at(8 * 3600)));
    let fs = Arc::new(MemFs::new());
    let cache = FileCache::new("/home/me/.aws/cli/cache", fs.clone());
    let keys = Keys::new(
        Credentials::builder("AKIALONGTERM", "LONGSECRET", "shared-credentials-file")
            .account_id("123456789012")
            .build(),
    );
    let provider = SessionTokenProvider::builder(&sources(&clock), keys.clone(), sts(&srv.url()))
        .mfa_serial(Some("arn:aws:iam::123456789012:mfa/me".into()))
        .mfa(Arc::new(FixedMfa::new("314159")))
        .file_cache(Some(cache.clone()))
        .build()
        .unwrap();
    assert_eq!(provider.duration(), MFA_SESSION_DURATION);
    let c = provider.provide_credentials().await.unwrap();
    srv.verify().unwrap();
    assert_eq!(
        (
            c.access_key_id(),
            c.secret_access_key(),
            c.session_token(),
            c.expiry(),
            c.account_id(),
            c.provider_name()
        ),
        (
            "ASIASESSION",
            "SESSIONSECRET",
            Some("SESSIONTOKEN"),
            Some(at(0)),
            Some("123456789012"),
            SESSION_TOKEN_PROVIDER_NAME
        )
    );
    // In the file cache under the documented key, 0600, marked.
    let key = CacheKey::session_token(
        "AKIALONGTERM",
        Some("arn:aws:iam::123456789012:mfa/me"),
        28800,
    );
    assert_eq!(provider.cache_key("AKIALONGTERM"), key);
    assert_eq!(
        awscred_types::Fs::mode(&*fs, &cache.path(&key)).unwrap(),
        Some(0o600)
    );
    let listed = cache.entries().unwrap();
    assert_eq!(
        listed[0].provider_type.as_deref(),
        Some(SESSION_TOKEN_PROVIDER_TYPE)
    );
    // Memory answers the next call (the server would refuse another request).
    let again = provider.provide_credentials().await.unwrap();
    assert_eq!(again.access_key_id(), "ASIASESSION");
    // A second provider (another process) reads the file: no STS call, no MFA code.
    let other = SessionTokenProvider::builder(&sources(&clock), keys.clone(), sts(&srv.url()))
        .mfa_serial(Some("arn:aws:iam::123456789012:mfa/me".into()))
        .file_cache(Some(cache.clone()))
        .build()
        .unwrap();
    let from_file = other.provide_credentials().await.unwrap();
    assert_eq!(
        (from_file.access_key_id(), from_file.account_id()),
        ("ASIASESSION", Some("123456789012"))
    );
    srv.verify().unwrap();
    // Inside the 15-minute window a refresh needs a new code, and a fixed code cannot give one.
    clock.set(at(10 * 60));
    let err = error_of(&provider).await;
    assert!(err.contains("MFA code required"), "{err}");
    assert!(
        !err.contains("314159") && !err.contains("LONGSECRET"),
        "{err}"
    );
    assert!(!format!("{provider:?}").contains("LONGSECRET"));
}

#[tokio::test]
async fn sessions_pass_through_and_a_new_key_is_a_new_session() {
    let srv = FixtureServer::exchanges(serde_json::json!([
        {"request": {"method": "POST", "path": "/", "body_contains": [
            "Action=GetSessionToken", "DurationSeconds=3600"]},
         "response": {"status": 200, "body": session("ASIAFIRST")}},
        {"request": {"method": "POST", "path": "/", "body_contains": ["Action=GetSessionToken"]},
         "response": {"status": 200, "body": session("ASIASECOND")}}]))
    .await;
    let clock = Arc::new(ManualClock::new(at(3600)));
    let role = Credentials::builder("ASIAROLE", "s", "assume-role")
        .session_token("t")
        .expiry(at(0))
        .build();
    let passthrough = SessionTokenProvider::builder(
        &sources(&clock),
        Arc::new(StaticProvider::new(role)),
        sts(&srv.url()),
    )
    .build()
    .unwrap();
    let c = passthrough.provide_credentials().await.unwrap();
    assert_eq!(
        (c.access_key_id(), c.provider_name()),
        ("ASIAROLE", "assume-role")
    );
    assert!(srv.seen().is_empty());

    let keys = Keys::new(Credentials::new("AKIAOLD", "s", "env"));
    let provider = SessionTokenProvider::builder(&sources(&clock), keys.clone(), sts(&srv.url()))
        .build()
        .unwrap();
    assert_eq!(provider.duration(), SESSION_DURATION);
    assert_eq!(key_of(&provider).await, "ASIAFIRST");
    // The key is rotated: the old session is not reused.
    *keys.0.lock().unwrap() = Credentials::new("AKIANEW", "s", "env");
    assert_eq!(key_of(&provider).await, "ASIASECOND");
    srv.verify().unwrap();
    assert_ne!(provider.cache_key("AKIAOLD"), provider.cache_key("AKIANEW"));
}

#[tokio::test]
async fn durations_sts_would_refuse_fail_at_build_and_sts_errors_name_the_call() {
    let clock = Arc::new(ManualClock::new(at(3600)));
    let keys: SharedProvider = Keys::new(Credentials::new("AKIA", "s", "env"));
    for d in [
        Duration::from_secs(899),
        Duration::from_secs(129_601),
        Duration::from_millis(1500),
    ] {
        let err = SessionTokenProvider::builder(
            &sources(&clock),
            keys.clone(),
            sts("http://127.0.0.1:9"),
        )
        .duration(d)
        .build()
        .unwrap_err();
        assert!(err.to_string().contains("900 to 129600"), "{err}");
    }
    let srv = FixtureServer::exchanges(serde_json::json!([{
        "request": {"method": "POST", "path": "/", "body_contains": ["DurationSeconds=900"]},
        "response": {"status": 403, "body": "<ErrorResponse><Error><Type>Sender</Type>\
            <Code>AccessDenied</Code><Message>MFA required</Message></Error></ErrorResponse>"}}]))
    .await;
    let provider = SessionTokenProvider::builder(&sources(&clock), keys, sts(&srv.url()))
        .duration(Duration::from_secs(900))
        .build()
        .unwrap();
    let err = error_of(&provider).await;
    assert!(
        err.contains("GetSessionToken") && err.contains("AccessDenied"),
        "{err}"
    );
    // An MFA serial without a way to ask: an error naming the serial, before any request.
    let keys: SharedProvider = Keys::new(Credentials::new("AKIA", "s", "env"));
    let provider = SessionTokenProvider::builder(&sources(&clock), keys, sts(&srv.url()))
        .mfa_serial(Some("arn:aws:iam::1:mfa/x".into()))
        .build()
        .unwrap();
    let err = error_of(&provider).await;
    assert!(err.contains("arn:aws:iam::1:mfa/x"), "{err}");
    srv.verify().unwrap();
}

/// The real peer: moto with SigV4 enforcement accepts our signed `GetSessionToken` from the
/// seeded user's long-term keys (with an MFA serial and code, which moto does not check).
#[test]
fn get_session_token_on_moto() {
    awscred_test::peer_case(
        "session-token-moto",
        "moto",
        "GetSessionToken signed with long-term keys",
        || match awscred_test::moto::Moto::from_env() {
            Ok(moto) => {
                awscred_test::runtime().block_on(async {
                    let provider = SessionTokenProvider::builder(
                        &Sources::system(),
                        Arc::new(StaticProvider::new(moto.alice("test"))),
                        StsClient::builder(&hermetic())
                            .endpoint(Endpoint::new(&moto.enforced, "us-east-1"))
                            .build()
                            .unwrap(),
                    )
                    .mfa_serial(Some("arn:aws:iam::123456789012:mfa/alice".into()))
                    .mfa(Arc::new(FixedMfa::new("123456")))
                    .build()
                    .unwrap();
                    let c = provider.provide_credentials().await.unwrap();
                    assert!(c.session_token().is_some());
                    assert_ne!(c.access_key_id(), moto.ak);
                    let left = c
                        .expiry()
                        .unwrap()
                        .duration_since(awscred_types::Clock::now(&awscred_types::SystemClock))
                        .unwrap();
                    // moto honours DurationSeconds: eight hours with MFA.
                    assert!(
                        left > Duration::from_secs(8 * 3600 - 120)
                            && left <= Duration::from_secs(8 * 3600 + 60),
                        "{left:?}"
                    );
                });
                awscred_test::Outcome::Pass
            }
            Err(why) => awscred_test::Outcome::Skip(why),
        },
    );
}
