//! Secret hygiene below the CLI: `Debug` (plain and `{:#?}`) and `Display` of everything a
//! caller can hold — credentials, the default chain with its parsed files and environment, the
//! paved stack after it cached a session, every error and its sources — and the messages of the
//! panics a caller's own `unwrap()` or `assert_eq!` would produce, carry no secret key, session
//! token or SSO token. Hermetic: files in `MemFs`, environment in `FakeEnv`.
#![allow(
    clippy::disallowed_methods,
    reason = "the panic part installs a process-wide hook"
)]

use std::error::Error as _;
use std::fmt::Debug;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex};

use awscred::{CacheLayer, Credentials, DefaultChain, StaticStabilityLayer};
use awscred_types::{CredentialsError, FakeEnv, MemFs, ProvideCredentials};
use tower::Layer as _;

const SECRETS: &[&str] = &[
    "SECRETFILE",
    "TOKENFILE",
    "SECRETENV",
    "TOKENENV",
    "SECRETBROKEN",
    "TOKENPARTIAL",
    "SECRETPROC",
    "SSOACCESSTOKEN",
    "SSOCLIENTSECRET",
    "SECRETLONG",
    "SECRETSESSION",
    "TOKENSESSION",
];

const CONFIG: &str = "[profile partial]\naws_access_key_id = AKIDPARTIAL\naws_session_token = TOKENPARTIAL\n\
    [profile proc]\ncredential_process = echo '{\"Version\": 1, \"AccessKeyId\": \"A\", \"SecretAccessKey\": \"SECRETPROC\",'\n\
    [profile sso]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n\
    sso_account_id = 123456789012\nsso_role_name = Admin\n";

const CREDENTIALS: &str = "[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = SECRETFILE\n\
    aws_session_token = TOKENFILE\n";

fn files(credentials: &str) -> MemFs {
    MemFs::new()
        .with_file("/home/me/.aws/config", CONFIG)
        .with_file("/home/me/.aws/credentials", credentials)
        // An SSO token file that is cut off: it must fail without echoing what it holds.
        .with_file(
            "/home/me/.aws/sso/cache/a51746d4aa793ae07b25e90c3a5db96fc7832bd7.json",
            "{\"accessToken\": \"SSOACCESSTOKEN\", \"clientSecret\": \"SSOCLIENTSECRET\", \"expiresAt\": ",
        )
}

fn env() -> FakeEnv {
    FakeEnv::new()
        .with("HOME", "/home/me")
        .with("AWS_EC2_METADATA_DISABLED", "true")
}

/// A key id and a session token but no secret key: botocore's `PartialCredentialsError`.
fn env_partial() -> FakeEnv {
    env()
        .with("AWS_ACCESS_KEY_ID", "AKIDENV")
        .with("AWS_SESSION_TOKEN", "TOKENENV")
}

fn try_chain(fs: MemFs, env: FakeEnv) -> Result<DefaultChain, CredentialsError> {
    DefaultChain::builder()
        .env(Arc::new(env))
        .fs(Arc::new(fs))
        .build()
}

fn chain(fs: MemFs, env: FakeEnv) -> DefaultChain {
    try_chain(fs, env).unwrap()
}

fn clean(what: &str, text: &str) {
    for s in SECRETS {
        assert!(!text.contains(s), "{s} in {what}:\n{text}");
    }
}

fn clean_debug(what: &str, value: &impl Debug) {
    clean(what, &format!("{value:?}"));
    clean(what, &format!("{value:#?}"));
}

/// `Display`, `Debug` and `{:#?}` of an error and of every error in its `source()` chain.
fn clean_error(what: &str, err: &CredentialsError) {
    clean(what, &err.to_string());
    clean_debug(what, err);
    let mut source = err.source();
    while let Some(e) = source {
        clean(what, &e.to_string());
        clean(what, &format!("{e:?}"));
        source = e.source();
    }
}

#[tokio::test]
async fn debug_of_credentials_chain_and_paved_stack_shows_no_secret() {
    let creds = Credentials::builder("AKIDFILE", "SECRETFILE", "explicit")
        .session_token("TOKENFILE")
        .build();
    clean_debug("Credentials", &creds);

    // The chain holds the parsed files (with their secrets) and the environment.
    let env = env()
        .with("AWS_ACCESS_KEY_ID", "AKIDENV")
        .with("AWS_SECRET_ACCESS_KEY", "SECRETENV")
        .with("AWS_SESSION_TOKEN", "TOKENENV");
    let chain = chain(files(CREDENTIALS), env);
    clean_debug("DefaultChain", &chain);
    clean_debug("DefaultChain::profiles", chain.profiles());

    // The paved stack after it has cached a session.
    let paved = CacheLayer::new().layer(StaticStabilityLayer::new().layer(chain));
    let got = paved.provide_credentials().await.unwrap();
    assert_eq!(got.secret_access_key(), "SECRETENV");
    clean_debug(
        "Cache<StaticStability<DefaultChain>> holding a session",
        &paved,
    );
    clean_debug("Credentials from the chain", &got);
}

#[tokio::test]
async fn a_session_token_provider_holding_a_session_shows_no_secret() {
    use awscred::providers::assume_role::{FixedMfa, SessionTokenProvider};
    let sts = awscred_test::fixture_server::FixtureServer::exchanges(serde_json::json!([{
        "request": {"method": "POST", "path": "/", "body_contains": ["Action=GetSessionToken"]},
        "response": {"status": 200, "body": "<GetSessionTokenResponse><GetSessionTokenResult>\
            <Credentials><AccessKeyId>ASIAS</AccessKeyId><SecretAccessKey>SECRETSESSION</SecretAccessKey>\
            <SessionToken>TOKENSESSION</SessionToken><Expiration>2035-01-01T00:00:00Z</Expiration>\
            </Credentials></GetSessionTokenResult></GetSessionTokenResponse>"}}]))
    .await;
    let hermetic = awscred_types::Sources::default().with_env(Arc::new(FakeEnv::new()));
    let client = awscred_sts::StsClient::builder(&hermetic)
        .endpoint(awscred_sts::Endpoint::new(sts.url(), "eu-west-1"))
        .build()
        .unwrap();
    let base = Arc::new(awscred_types::StaticProvider::new(Credentials::new(
        "AKIDLONG",
        "SECRETLONG",
        "explicit",
    )));
    let provider = SessionTokenProvider::builder(&awscred_types::Sources::default(), base, client)
        .mfa_serial(Some("arn:aws:iam::123456789012:mfa/me".into()))
        .mfa(Arc::new(FixedMfa::new("123456")))
        .build()
        .unwrap();
    let got = provider.provide_credentials().await.unwrap();
    assert_eq!(got.session_token(), Some("TOKENSESSION"));
    clean_debug("SessionTokenProvider holding a session", &provider);
    clean_debug("its session", &got);
}

#[tokio::test]
async fn errors_and_their_sources_show_no_secret() {
    let broken = try_chain(
        files("[default]\naws_access_key_id = AKIDFILE\nSECRETBROKEN\n"),
        env(),
    )
    .unwrap_err();
    assert!(broken.to_string().contains("credentials file"), "{broken}");
    clean_error("credentials file broken on a secret's line", &broken);

    // (what, the chain, a phrase its error must contain)
    let cases: Vec<(&str, DefaultChain, &str)> = vec![
        (
            "a session token without its secret key in the environment",
            chain(files(CREDENTIALS), env_partial()),
            "missing: AWS_SECRET_ACCESS_KEY",
        ),
        (
            "a profile with a session token and no secret key",
            chain(files(CREDENTIALS), env().with("AWS_PROFILE", "partial")),
            "missing: aws_secret_access_key",
        ),
        (
            "credential_process printing half a JSON document",
            chain(files(CREDENTIALS), env().with("AWS_PROFILE", "proc")),
            "credential_process output is not JSON",
        ),
        (
            "SSO token file cut off",
            chain(files(CREDENTIALS), env().with("AWS_PROFILE", "sso")),
            "SSO token cache file for https://corp.awsapps.com/start is invalid",
        ),
    ];
    for (what, chain, phrase) in cases {
        let err = chain.provide_credentials().await.unwrap_err();
        assert!(err.to_string().contains(phrase), "{what}: {err}");
        clean_error(what, &err);
    }
}

/// The messages of panics a caller's code would raise on our values: `unwrap()` on an error,
/// `expect_err` on credentials, `assert_eq!` between two credentials.
#[tokio::test]
#[allow(
    clippy::unnecessary_literal_unwrap,
    reason = "the point is the message of exactly these panics"
)]
async fn panic_messages_show_no_secret() {
    let err = chain(files(CREDENTIALS), env_partial())
        .provide_credentials()
        .await
        .unwrap_err();
    let a = Credentials::builder("AKIDFILE", "SECRETFILE", "explicit")
        .session_token("TOKENFILE")
        .build();
    let b = Credentials::builder("AKIDFILE", "SECRETENV", "explicit")
        .session_token("TOKENENV")
        .build();

    let messages = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = Arc::clone(&messages);
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        sink.lock().unwrap().push(info.to_string());
    }));
    let panicked = [
        catch_unwind(AssertUnwindSafe(|| {
            let r: Result<Credentials, CredentialsError> = Err(err.clone());
            r.unwrap();
        })),
        catch_unwind(AssertUnwindSafe(|| {
            let r: Result<Credentials, CredentialsError> = Ok(a.clone());
            r.expect_err("wanted an error");
        })),
        catch_unwind(AssertUnwindSafe(|| assert_eq!(a, b))),
        catch_unwind(AssertUnwindSafe(|| {
            panic!("resolution failed: {err}");
        })),
    ];
    std::panic::set_hook(previous);
    assert!(panicked.iter().all(Result::is_err));
    let messages = messages.lock().unwrap();
    assert_eq!(messages.len(), 4, "{messages:?}");
    for m in messages.iter() {
        clean("a panic message", m);
    }
    // The messages are real: they name what was compared or failed.
    assert!(messages[2].contains("AKIDFILE"), "{}", messages[2]);
}

/// A `login_session` profile: the chain holding its provider, the provider after it read and
/// refreshed nothing (a fresh token), the token, the key and a login flow show no token, key
/// or secret.
#[tokio::test]
async fn login_session_types_show_no_secret() {
    use awscred::providers::login::dpop::DpopKey;
    use awscred::providers::login::flow::{LoginFlow, LoginKind};
    const KEY: &str = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIPt/u8InPLpQeQLJTvVX+sNDzni8vMDMt3Liu+nMBigfoAoGCCqGSM49\nAwEHoUQDQgAEILkGG7rNOnxiIJlMgimY1UPP8eDMFP0DAY6WGjngP4bvTAiUCQ/I\nffut2379uP+OBCm2ovGpBOJRgrl1RspUOQ==\n-----END EC PRIVATE KEY-----\n";
    let session = "arn:aws:sts::012345678901:assumed-role/Admin/me";
    let fs = files("").with_file(
        "/home/me/.aws/config",
        format!("[profile web]\nlogin_session = {session}\n"),
    );
    let dir = "/home/me/.aws/login/cache";
    let cache = awscred_file_cache::LoginTokenCache::new(dir, Arc::new(MemFs::new()));
    let token = serde_json::json!({
        "accessToken": {"accessKeyId": "ASIALOGIN", "secretAccessKey": "SECRETLOGIN",
                        "sessionToken": "TOKENLOGIN", "accountId": "012345678901",
                        "expiresAt": "2099-01-01T00:00:00Z"},
        "clientId": "arn:aws:signin:::devtools/same-device", "refreshToken": "REFRESHLOGIN",
        "idToken": "IDTOKENLOGIN", "dpopKey": KEY});
    fs.insert(cache.path(session), token.to_string());
    let chain = DefaultChain::builder()
        .env(Arc::new(env()))
        .fs(Arc::new(fs.clone()))
        .profile("web")
        .build()
        .unwrap();
    let got = chain.provide_credentials().await.unwrap();
    assert_eq!(got.provider_name(), "login");
    let more = [
        "SECRETLOGIN",
        "TOKENLOGIN",
        "REFRESHLOGIN",
        "IDTOKENLOGIN",
        "MHcCAQEE",
        "AwEHoUQDQgAE",
    ];
    let login_clean = |what: &str, text: String| {
        clean(what, &text);
        for s in more {
            assert!(!text.contains(s), "{s} in {what}:\n{text}");
        }
    };
    login_clean(
        "DefaultChain with a login provider",
        format!("{chain:?} {chain:#?}"),
    );
    login_clean("Credentials from login", format!("{got:?}"));
    let cache = awscred_file_cache::LoginTokenCache::new(dir, Arc::new(fs));
    let loaded = cache.load(session).unwrap();
    login_clean("LoginToken", format!("{loaded:?} {loaded:#?}"));
    let key = DpopKey::from_pem(KEY).unwrap();
    login_clean("DpopKey", format!("{key:?}"));
    let flow = LoginFlow::new(
        LoginKind::SameDevice,
        "http://127.0.0.1:9/v1/token",
        Some("http://127.0.0.1:8/oauth/callback".into()),
    )
    .unwrap();
    login_clean("LoginFlow", format!("{flow:?} {flow:#?}"));
}
