//! The executor against the fixture server: what reaches STS, what does not, MFA on refresh, the
//! in-memory cache, laziness, and the one-hour chaining cap. (The moto suite in `awscred-chain`
//! runs whole chains against a real STS peer.)

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use awscred_file_cache::FileCache;
use awscred_http::RetryConfig;
use awscred_profile::{ProfileSet, Source};
use awscred_provider_assume_role::{
    AssumeRoleProvider, CommandMfa, FixedMfa, ProfileChain, SharedMfaTokenProvider, plan,
};
use awscred_sts::{Endpoint, StsClient};
use awscred_test::error_text;
use awscred_test::fixture_server::{FixtureServer, Recording};
use awscred_types::{
    Credentials, CredentialsError, ManualClock, MemFs, ProvideCredentials, SharedClock,
    SharedProvider, Sources,
};

/// Expiration in every canned response.
const EXPIRES: u64 = 1_893_456_000; // 2030-01-01T00:00:00Z

fn at(secs_before_expiry: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(EXPIRES - secs_before_expiry)
}

fn success(key: &str) -> String {
    format!(
        "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>{key}</AccessKeyId>\
         <SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken>\
         <Expiration>2030-01-01T00:00:00Z</Expiration></Credentials><AssumedRoleUser>\
         <Arn>arn:aws:sts::123456789012:assumed-role/r/s</Arn><AssumedRoleId>AROA:s</AssumedRoleId>\
         </AssumedRoleUser></AssumeRoleResult></AssumeRoleResponse>"
    )
}

fn error_body(code: &str, message: &str) -> String {
    format!(
        "<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message>\
         </Error><RequestId>r</RequestId></ErrorResponse>"
    )
}

async fn server(exchanges: serde_json::Value) -> FixtureServer {
    let rec: Recording =
        serde_json::from_value(serde_json::json!({ "exchanges": exchanges })).unwrap();
    FixtureServer::start(rec).await
}

/// Sources with an empty environment and the system clock.
fn sources() -> Sources {
    Sources::default().with_env(Arc::new(awscred_test::FakeEnv::new()))
}

/// [`sources`] with `clock`.
fn clocked(clock: SharedClock) -> Sources {
    sources().with_clock(clock)
}

fn sts(url: &str) -> StsClient {
    StsClient::builder(&sources())
        .endpoint(Endpoint::new(url, "eu-west-1"))
        .retry(RetryConfig::disabled())
        .build()
        .unwrap()
}

fn chain(config: &str, profile: &str) -> ProfileChain {
    let set = ProfileSet::parse(Some(Source::new("/config", config)), None).unwrap();
    plan(&set, profile).unwrap()
}

const KEYS: &str = "[profile base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = s\n";

/// A provider for `prod` (role `prod` with `mfa_serial = arn:mfa`, from [`KEYS`]) asking the
/// fixture server `srv` on `clock`, its MFA codes from `mfa`.
fn mfa_prod(
    clock: &Arc<ManualClock>,
    srv: &FixtureServer,
    mfa: SharedMfaTokenProvider,
) -> AssumeRoleProvider {
    let cfg = format!(
        "[profile prod]\nrole_arn = arn:aws:iam::1:role/prod\nsource_profile = base\n\
         mfa_serial = arn:mfa\n{KEYS}"
    );
    AssumeRoleProvider::builder(&clocked(clock.clone()), chain(&cfg, "prod"))
        .sts(sts(&srv.url()))
        .mfa(mfa)
        .build()
        .unwrap()
}

/// Counts how often the base credentials are asked for.
#[derive(Debug, Default)]
struct Counting(AtomicUsize);

#[async_trait]
impl ProvideCredentials for Counting {
    async fn provide_credentials(&self) -> Result<Credentials, CredentialsError> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok(Credentials::new("AKIDBASE", "s", "test"))
    }
}

#[tokio::test]
async fn every_setting_reaches_sts_and_the_code_stays_out_of_errors_and_debug() {
    let srv = server(serde_json::json!([{
        "request": {"method": "POST", "path": "/", "body_contains": [
            "Action=AssumeRole", "RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fprod",
            "RoleSessionName=me", "ExternalId=ext-123", "DurationSeconds=3600",
            "SerialNumber=arn%3Aaws%3Aiam%3A%3A123456789012%3Amfa%2Fme", "TokenCode=314159"]},
        "response": {"status": 200, "body": success("ASIAPROD")}}]))
    .await;
    let cfg = format!(
        "[profile prod]\nrole_arn = arn:aws:iam::123456789012:role/prod\nsource_profile = base\n\
         role_session_name = me\nexternal_id = ext-123\nduration_seconds = 3600\n\
         mfa_serial = arn:aws:iam::123456789012:mfa/me\n{KEYS}"
    );
    let provider = AssumeRoleProvider::builder(
        &clocked(Arc::new(ManualClock::new(at(3600)))),
        chain(&cfg, "prod"),
    )
    .sts(sts(&srv.url()))
    .mfa(Arc::new(FixedMfa::new("314159")))
    .build()
    .unwrap();
    let creds = provider.provide_credentials().await.unwrap();
    srv.verify().unwrap();
    assert_eq!(
        (
            creds.access_key_id(),
            creds.provider_name(),
            creds.account_id()
        ),
        ("ASIAPROD", "assume-role", Some("123456789012"))
    );
    assert!(!format!("{provider:?}").contains("314159"));
}

#[tokio::test]
async fn memory_cache_serves_until_fifteen_minutes_remain_then_mfa_refresh_is_refused() {
    let srv = server(serde_json::json!([{
        "request": {"method": "POST", "path": "/", "body_contains": ["TokenCode=111111"]},
        "response": {"status": 200, "body": success("ASIAONE")}}]))
    .await;
    let clock = Arc::new(ManualClock::new(at(3600)));
    let provider = mfa_prod(&clock, &srv, Arc::new(FixedMfa::new("111111")));
    assert_eq!(awscred_test::key_id(&provider).await, "ASIAONE");
    clock.set(at(15 * 60)); // exactly the reuse window left: still reused
    assert_eq!(awscred_test::key_id(&provider).await, "ASIAONE");
    clock.set(at(15 * 60 - 1));
    let err = error_text(&provider).await;
    assert!(err.contains("MFA code required"), "{err}");
    assert!(err.contains("arn:mfa") && err.contains("prod"), "{err}");
    srv.verify().unwrap(); // one request only: the refusal sent nothing
}

#[cfg(unix)]
#[tokio::test]
async fn an_mfa_command_may_answer_refreshes() {
    let srv = server(serde_json::json!([
        {"request": {"method": "POST", "path": "/", "body_contains": ["TokenCode=222222"]},
         "response": {"status": 200, "body": success("ASIAONE")}},
        {"request": {"method": "POST", "path": "/", "body_contains": ["TokenCode=222222"]},
         "response": {"status": 200, "body": success("ASIATWO")}}]))
    .await;
    let clock = Arc::new(ManualClock::new(at(3600)));
    let provider = mfa_prod(&clock, &srv, Arc::new(CommandMfa::new("echo 222222")));
    provider.provide_credentials().await.unwrap();
    clock.set(at(60));
    assert_eq!(awscred_test::key_id(&provider).await, "ASIATWO");
    srv.verify().unwrap();
}

#[tokio::test]
async fn a_valid_outer_session_needs_neither_the_base_nor_sts() {
    let srv = server(serde_json::json!([
        {"request": {"method": "POST", "path": "/", "body_contains": ["role%2Fmid"]},
         "response": {"status": 200, "body": success("ASIAMID")}},
        {"request": {"method": "POST", "path": "/", "body_contains": ["role%2Ftop"]},
         "response": {"status": 200, "body": success("ASIATOP")}}]))
    .await;
    let cfg = "[profile top]\nrole_arn = arn:aws:iam::1:role/top\nsource_profile = mid\n\
               [profile mid]\nrole_arn = arn:aws:iam::1:role/mid\ncredential_source = Environment\n";
    let fs = Arc::new(MemFs::new());
    let base = Arc::new(Counting::default());
    let clock = Arc::new(ManualClock::new(at(3600)));
    let build = || {
        AssumeRoleProvider::builder(&clocked(clock.clone()), chain(cfg, "top"))
            .source(base.clone() as SharedProvider)
            .sts(sts(&srv.url()))
            .file_cache(Some(FileCache::new("/cache", fs.clone())))
            .build()
            .unwrap()
    };
    assert_eq!(awscred_test::key_id(&build()).await, "ASIATOP");
    // A new provider (a new process): both hops come from the file cache.
    assert_eq!(awscred_test::key_id(&build()).await, "ASIATOP");
    assert_eq!(base.0.load(Ordering::SeqCst), 1);
    srv.verify().unwrap();
}

#[tokio::test]
async fn the_base_finding_nothing_names_the_source_and_profile() {
    #[derive(Debug)]
    struct Nothing;
    #[async_trait]
    impl ProvideCredentials for Nothing {
        async fn provide_credentials(&self) -> Result<Credentials, CredentialsError> {
            Err(CredentialsError::not_loaded("no metadata"))
        }
    }
    let cfg = "[profile prod]\nrole_arn = arn:r\ncredential_source = Ec2InstanceMetadata\n";
    let err = AssumeRoleProvider::builder(&sources(), chain(cfg, "prod"))
        .source(Arc::new(Nothing))
        .sts(sts("http://127.0.0.1:9"))
        .build()
        .unwrap()
        .provide_credentials()
        .await
        .unwrap_err();
    assert!(
        !err.is_not_loaded(),
        "a configured source finding nothing stops the chain"
    );
    let text = err.to_string();
    assert!(
        text.contains("no credentials found in credential_source = Ec2InstanceMetadata referenced in profile \"prod\""),
        "{text}"
    );
}

#[tokio::test]
async fn a_base_other_than_keys_needs_a_source_provider() {
    let cfg = "[profile prod]\nrole_arn = arn:r\ncredential_source = EcsContainer\n";
    let err = AssumeRoleProvider::builder(&sources(), chain(cfg, "prod"))
        .build()
        .unwrap_err();
    assert!(
        err.to_string().contains("credential_source = EcsContainer"),
        "{err}"
    );
}

#[tokio::test]
async fn the_chaining_cap_is_explained_when_sts_refuses_a_long_session() {
    let srv = server(serde_json::json!([{
        "request": {"method": "POST", "path": "/", "body_contains": ["DurationSeconds=7200"]},
        "response": {"status": 400, "body": error_body("ValidationError",
            "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")}}]))
    .await;
    // The base is another role's session (a container role here), so hop 0 is chained too.
    #[derive(Debug)]
    struct RoleSession;
    #[async_trait]
    impl ProvideCredentials for RoleSession {
        async fn provide_credentials(&self) -> Result<Credentials, CredentialsError> {
            Ok(Credentials::builder("ASIACONTAINER", "s", "container")
                .session_token("t")
                .build())
        }
    }
    let cfg = "[profile prod]\nrole_arn = arn:r\ncredential_source = EcsContainer\nduration_seconds = 7200\n";
    let provider = AssumeRoleProvider::builder(&sources(), chain(cfg, "prod"))
        .source(Arc::new(RoleSession))
        .sts(sts(&srv.url()))
        .build()
        .unwrap();
    let err = error_text(&provider).await;
    srv.verify().unwrap();
    assert!(err.contains("one hour (3600 seconds)"), "{err}");
    assert!(
        err.contains("duration_seconds = 7200") && err.contains("\"prod\""),
        "{err}"
    );
    assert!(
        err.contains("ValidationError") || err.contains("1 hour session limit"),
        "{err}"
    );
}

#[tokio::test]
async fn a_chained_hop_asking_for_more_than_an_hour_fails_before_any_request() {
    let srv = server(serde_json::json!([{
        "request": {"method": "POST", "path": "/", "body_contains": ["role%2Fmid"]},
        "response": {"status": 200, "body": success("ASIAMID")}}]))
    .await;
    let cfg = format!(
        "[profile top]\nrole_arn = arn:aws:iam::1:role/top\nsource_profile = mid\nduration_seconds = 43200\n\
         [profile mid]\nrole_arn = arn:aws:iam::1:role/mid\nsource_profile = base\n{KEYS}"
    );
    let provider = AssumeRoleProvider::builder(
        &clocked(Arc::new(ManualClock::new(at(3600)))),
        chain(&cfg, "top"),
    )
    .sts(sts(&srv.url()))
    .build()
    .unwrap();
    let err = error_text(&provider).await;
    srv.verify().unwrap();
    assert!(
        err.contains("duration_seconds = 43200") && err.contains("one hour"),
        "{err}"
    );
}
