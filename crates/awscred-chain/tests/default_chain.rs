//! The default chain's order and precedence rules (botocore-behaviour.md §(a)), hermetic.

use std::sync::Arc;

use awscred_chain::DefaultChain;
use awscred_types::{Credentials, CredentialsError, FakeEnv, MemFs, ProvideCredentials};

const HOME: &str = "/home/me";

fn env(pairs: &[(&str, &str)]) -> FakeEnv {
    pairs.iter().fold(
        FakeEnv::new()
            .with("HOME", HOME)
            .with("AWS_EC2_METADATA_DISABLED", "true"),
        |e, (k, v)| e.with(*k, *v),
    )
}

fn files(config: &str, credentials: &str) -> MemFs {
    MemFs::new()
        .with_file(format!("{HOME}/.aws/config"), config)
        .with_file(format!("{HOME}/.aws/credentials"), credentials)
}

async fn resolve(
    env: FakeEnv,
    fs: MemFs,
    profile: Option<&str>,
) -> Result<Credentials, CredentialsError> {
    let mut b = DefaultChain::builder().env(Arc::new(env)).fs(Arc::new(fs));
    if let Some(p) = profile {
        b = b.profile(p);
    }
    b.build()?.provide_credentials().await
}

const CREDS: &str = "[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = s\n\
                     [dev]\naws_access_key_id = AKIDDEV\naws_secret_access_key = s\n";

#[tokio::test]
async fn environment_keys_beat_the_credentials_file() {
    let c = resolve(
        env(&[
            ("AWS_ACCESS_KEY_ID", "AKIDENV"),
            ("AWS_SECRET_ACCESS_KEY", "s"),
        ]),
        files("", CREDS),
        None,
    )
    .await
    .unwrap();
    assert_eq!((c.access_key_id(), c.provider_name()), ("AKIDENV", "env"));
}

#[tokio::test]
async fn a_profile_named_in_code_removes_the_environment_provider_but_aws_profile_does_not() {
    let keys = [
        ("AWS_ACCESS_KEY_ID", "AKIDENV"),
        ("AWS_SECRET_ACCESS_KEY", "s"),
    ];
    let c = resolve(env(&keys), files("", CREDS), Some("dev"))
        .await
        .unwrap();
    assert_eq!(c.access_key_id(), "AKIDDEV");
    let with_profile_var = [keys[0], keys[1], ("AWS_PROFILE", "dev")];
    let c = resolve(env(&with_profile_var), files("", CREDS), None)
        .await
        .unwrap();
    assert_eq!(c.access_key_id(), "AKIDENV");
}

#[tokio::test]
async fn an_unknown_profile_is_an_error_before_any_provider_runs() {
    let keys = [
        ("AWS_ACCESS_KEY_ID", "AKIDENV"),
        ("AWS_SECRET_ACCESS_KEY", "s"),
        ("AWS_PROFILE", "nope"),
    ];
    let err = resolve(env(&keys), files("", CREDS), None)
        .await
        .unwrap_err();
    assert!(err.is_invalid_configuration());
    assert!(
        err.to_string()
            .contains("the config profile (nope) could not be found"),
        "{err}"
    );
    assert!(
        err.to_string().contains("/home/me/.aws/credentials"),
        "names the files: {err}"
    );
    // The default profile missing is not an error: the chain just finds nothing there.
    assert!(
        resolve(env(&[]), files("", ""), None)
            .await
            .unwrap_err()
            .is_not_loaded()
    );
}

#[tokio::test]
async fn partial_environment_keys_stop_the_chain_even_when_files_have_keys() {
    let err = resolve(
        env(&[("AWS_ACCESS_KEY_ID", "AKIDENV")]),
        files("", CREDS),
        None,
    )
    .await
    .unwrap_err();
    assert!(err.is_invalid_configuration());
    assert!(err.to_string().contains("AWS_SECRET_ACCESS_KEY"), "{err}");
    assert_eq!(err.field("provider"), Some("env"));
}

#[tokio::test]
async fn credentials_file_then_credential_process_then_config_file() {
    let config = "[default]\ncredential_process = echo '{\"Version\": 1, \"AccessKeyId\": \"AKIDPROC\", \"SecretAccessKey\": \"s\"}'\n\
                  aws_access_key_id = AKIDCONFIG\naws_secret_access_key = s\n";
    let c = resolve(env(&[]), files(config, CREDS), None).await.unwrap();
    assert_eq!(c.provider_name(), "shared-credentials-file");
    let c = resolve(env(&[]), files(config, ""), None).await.unwrap();
    assert_eq!(
        (c.access_key_id(), c.provider_name()),
        ("AKIDPROC", "custom-process")
    );
    let c = resolve(
        env(&[]),
        files(
            "[default]\naws_access_key_id = AKIDCONFIG\naws_secret_access_key = s\n",
            "",
        ),
        None,
    )
    .await
    .unwrap();
    assert_eq!(c.provider_name(), "config-file");
}

#[tokio::test]
async fn a_broken_web_identity_profile_stops_the_chain_after_env_but_before_files() {
    let config = "[default]\nweb_identity_token_file = /token\n";
    let err = resolve(env(&[]), files(config, CREDS), None)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("no role ARN"), "{err}");
    assert_eq!(err.field("provider"), Some("web-identity"));
    let keys = [
        ("AWS_ACCESS_KEY_ID", "AKIDENV"),
        ("AWS_SECRET_ACCESS_KEY", "s"),
    ];
    assert_eq!(
        resolve(env(&keys), files(config, CREDS), None)
            .await
            .unwrap()
            .access_key_id(),
        "AKIDENV"
    );
}

/// botocore's post-profile order: the config file, then `AWS_CREDENTIAL_FILE`, then boto2; a
/// missing EC2 file stops the chain before boto2 (`ConfigNotFound`).
#[tokio::test]
async fn config_file_then_ec2_credentials_file_then_boto2() {
    let ec2 = "AWSAccessKeyId=AKIDEC2\nAWSSecretKey=s\n";
    let boto = "[Credentials]\naws_access_key_id = AKIDBOTO\naws_secret_access_key = s\n";
    let config = "[default]\naws_access_key_id = AKIDCONFIG\naws_secret_access_key = s\n";
    let with = |config: &str| {
        files(config, "")
            .with_file("/tmp/ec2-creds", ec2)
            .with_file("/etc/boto.cfg", boto)
    };
    let vars = [("AWS_CREDENTIAL_FILE", "/tmp/ec2-creds")];
    let got = |c: Credentials| (c.access_key_id().to_owned(), c.provider_name());
    let c = resolve(env(&vars), with(config), None).await.unwrap();
    assert_eq!(got(c), ("AKIDCONFIG".into(), "config-file"));
    let c = resolve(env(&vars), with(""), None).await.unwrap();
    assert_eq!(got(c), ("AKIDEC2".into(), "ec2-credentials-file"));
    let c = resolve(env(&[]), with(""), None).await.unwrap();
    assert_eq!(got(c), ("AKIDBOTO".into(), "boto-config"));
    let missing = [("AWS_CREDENTIAL_FILE", "/tmp/nowhere")];
    let err = resolve(env(&missing), with(""), None).await.unwrap_err();
    assert!(err.is_invalid_configuration(), "{err}");
    assert!(err.to_string().contains("/tmp/nowhere"), "{err}");
}

#[tokio::test]
async fn nothing_anywhere_lists_every_provider() {
    let err = resolve(env(&[]), MemFs::new(), None).await.unwrap_err();
    assert!(err.is_not_loaded());
    let text = err.to_string();
    // Every provider but `explicit` (no credentials in code), in botocore's order.
    let mut at = 0;
    for name in DefaultChain::NAMES.iter().filter(|n| **n != "explicit") {
        let line = format!("\n  {name}: ");
        let found = text[at..].find(&line);
        assert!(
            found.is_some(),
            "{name} missing or out of order in:\n{text}"
        );
        at += found.unwrap_or(0) + line.len();
    }
}

#[tokio::test]
async fn a_role_profile_never_falls_through_to_its_own_static_keys() {
    use awscred_test::fixture_server::{FixtureServer, Recording};
    let ok = "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIAROLE</AccessKeyId>\
              <SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken>\
              <Expiration>2030-01-01T00:00:00Z</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>";
    let rec: Recording = serde_json::from_value(serde_json::json!({"exchanges": [
        {"request": {"method": "POST", "path": "/", "body_contains": ["Action=AssumeRole"]},
         "response": {"status": 200, "body": ok}}]}))
    .unwrap();
    let sts = FixtureServer::start(rec).await;
    let config = "[default]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = base\n\
                  aws_access_key_id = AKIDWRONG\naws_secret_access_key = s\n\
                  [profile base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = s\n";
    let c = resolve(
        env(&[
            ("AWS_ENDPOINT_URL_STS", &sts.url()),
            ("AWS_REGION", "eu-west-1"),
        ]),
        files(config, ""),
        None,
    )
    .await
    .unwrap();
    sts.verify().unwrap();
    assert_eq!(
        (c.access_key_id(), c.provider_name()),
        ("ASIAROLE", "assume-role")
    );
    let broken = "[default]\nrole_arn = arn:r\nsource_profile = nowhere\n";
    let err = resolve(env(&[]), files(broken, ""), None)
        .await
        .unwrap_err();
    assert_eq!(err.field("provider"), Some("assume-role"), "{err}");
    assert!(
        err.to_string().contains(
            "source_profile \"nowhere\" referenced in profile \"default\" does not exist"
        ),
        "{err}"
    );
}

#[tokio::test]
async fn explicit_credentials_come_first() {
    let chain = DefaultChain::builder()
        .env(Arc::new(env(&[
            ("AWS_ACCESS_KEY_ID", "AKIDENV"),
            ("AWS_SECRET_ACCESS_KEY", "s"),
        ])))
        .fs(Arc::new(files("", CREDS)))
        .credentials(Credentials::new("AKIDCODE", "s", "explicit"))
        .build()
        .unwrap();
    assert_eq!(chain.chain().names().next(), Some("explicit"));
    assert_eq!(
        chain.provide_credentials().await.unwrap().access_key_id(),
        "AKIDCODE"
    );
}

/// An SSO profile answers in the sso slot; a role profile whose source is that SSO profile
/// assumes the role with the SSO role credentials. Portal and STS are one fixture server.
#[tokio::test]
async fn sso_profiles_directly_and_as_a_role_chain_base() {
    use awscred_test::fixture_server::{FixtureServer, Recording};
    let token = serde_json::json!({"startUrl": "https://d-1.awsapps.com/start", "region": "eu-west-1",
        "accessToken": "SSOACCESS", "expiresAt": "2099-01-01T00:00:00Z"});
    let portal = serde_json::json!({
        "request": {"method": "GET", "path": "/federation/credentials?account_id=123456789012&role_name=ReadOnly",
                    "headers": {"x-amz-sso_bearer_token": "SSOACCESS"}},
        "response": {"status": 200, "body": "{\"roleCredentials\":{\"accessKeyId\":\"ASIASSO\",\"secretAccessKey\":\"s\",\"sessionToken\":\"t\",\"expiration\":4070908800000}}"}});
    let role = serde_json::json!({
        "request": {"method": "POST", "path": "/", "body_contains": ["Action=AssumeRole", "RoleSessionName=from-sso"]},
        "response": {"status": 200, "body": "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIAROLE</AccessKeyId>\
            <SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration>\
            </Credentials></AssumeRoleResult></AssumeRoleResponse>"}});
    let rec: Recording =
        serde_json::from_value(serde_json::json!({"exchanges": [portal.clone(), portal, role]}))
            .unwrap();
    let server = FixtureServer::start(rec).await;
    let config = "[profile dev]\nsso_session = my-sso\nsso_account_id = 123456789012\nsso_role_name = ReadOnly\n\
                  [sso-session my-sso]\nsso_start_url = https://d-1.awsapps.com/start\nsso_region = eu-west-1\n\
                  [profile admin]\nrole_arn = arn:aws:iam::123456789012:role/admin\nsource_profile = dev\nrole_session_name = from-sso\n";
    // The token cache key: sha1("my-sso").
    let key = "0ad374308c5a4e22f723adf10145eafad7c4031c";
    let fs = files(config, "").with_file(
        format!("{HOME}/.aws/sso/cache/{key}.json"),
        token.to_string(),
    );
    let url = server.url();
    let endpoints = [
        ("AWS_ENDPOINT_URL_SSO", url.as_str()),
        ("AWS_ENDPOINT_URL_STS", url.as_str()),
        ("AWS_REGION", "eu-west-1"),
    ];
    let c = resolve(env(&endpoints), fs.clone(), Some("dev"))
        .await
        .unwrap();
    assert_eq!(
        (c.access_key_id(), c.provider_name(), c.account_id()),
        ("ASIASSO", "sso", Some("123456789012"))
    );
    let c = resolve(env(&endpoints), fs, Some("admin")).await.unwrap();
    assert_eq!(
        (c.access_key_id(), c.provider_name()),
        ("ASIAROLE", "assume-role")
    );
    server.verify().unwrap();
}

/// A fresh token file for `session` in `fs` (credentials `ASIALOGIN`, valid until 2099).
fn login_token(fs: &MemFs, session: &str) {
    let dir = format!("{HOME}/.aws/login/cache");
    let path = awscred_file_cache::LoginTokenCache::new(&dir, Arc::new(MemFs::new())).path(session);
    let expires = "2099-01-01T00:00:00Z";
    let token = serde_json::json!({
        "accessToken": {"accessKeyId": "ASIALOGIN", "secretAccessKey": "s", "sessionToken": "LOGINTOKEN",
                        "accountId": "012345678901", "expiresAt": expires},
        "clientId": "arn:aws:signin:::devtools/same-device", "refreshToken": "r", "dpopKey": "k"});
    fs.insert(path, token.to_string());
}

/// botocore's profile-provider order: the credentials file's keys, then `login_session`, then
/// `credential_process`; and a `login_session` profile as a role chain's base.
#[tokio::test]
async fn login_sessions_after_the_credentials_file_before_process_and_as_a_role_base() {
    use awscred_test::fixture_server::{FixtureServer, Recording};
    let session = "arn:aws:sts::012345678901:assumed-role/Admin/me";
    let config = format!(
        "[profile web]\nlogin_session = {session}\ncredential_process = false\n\
         [profile keyed]\nlogin_session = {session}\n\
         [profile role]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = web\n"
    );
    let creds = "[keyed]\naws_access_key_id = AKIDFILE\naws_secret_access_key = s\n";
    let fs = files(&config, creds);
    login_token(&fs, session);
    let got = |c: Credentials| (c.access_key_id().to_owned(), c.provider_name());
    let c = resolve(env(&[]), fs.clone(), Some("web")).await.unwrap();
    assert_eq!(got(c), ("ASIALOGIN".into(), "login"));
    assert_eq!(
        c_account(&resolve(env(&[]), fs.clone(), Some("web")).await.unwrap()),
        Some("012345678901".into())
    );
    let c = resolve(env(&[]), fs.clone(), Some("keyed")).await.unwrap();
    assert_eq!(got(c), ("AKIDFILE".into(), "shared-credentials-file"));
    // No token file: the error says how to log in, and the chain stops there.
    let err = resolve(env(&[]), files(&config, ""), Some("web"))
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("awscred login --profile web"),
        "{err}"
    );
    assert_eq!(err.field("provider"), Some("login"), "{err}");

    // As a role chain's base: STS is called with the login session's credentials.
    let ok = "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIAROLE</AccessKeyId>\
              <SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken>\
              <Expiration>2030-01-01T00:00:00Z</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>";
    let rec: Recording = serde_json::from_value(serde_json::json!({"exchanges": [
        {"request": {"method": "POST", "path": "/", "body_contains": ["Action=AssumeRole"],
                     "headers": {"x-amz-security-token": "LOGINTOKEN"}},
         "response": {"status": 200, "body": ok}}]}))
    .unwrap();
    let sts = FixtureServer::start(rec).await;
    let vars = [
        ("AWS_ENDPOINT_URL_STS", sts.url()),
        ("AWS_REGION", "eu-west-1".into()),
    ];
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let c = resolve(env(&vars), fs, Some("role")).await.unwrap();
    sts.verify().unwrap();
    assert_eq!(got(c), ("ASIAROLE".into(), "assume-role"));
}

fn c_account(c: &Credentials) -> Option<String> {
    c.account_id().map(str::to_owned)
}
