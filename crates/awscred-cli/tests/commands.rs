//! `whoami`, `exec`, `serve`, `profiles`, `cache`, `-v`, and the MFA prompt on a real
//! pseudo-terminal, run as a person runs them. Remote peers are the fixture server.
#![allow(
    clippy::disallowed_methods,
    reason = "the test sets up files and runs the binary"
)]

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use awscred_test::fixture_server::FixtureServer;
use support::{cmd, http_get, run};

mod support;

const KEYS: &str = "[default]\naws_access_key_id = AKIDDEFAULT0000\naws_secret_access_key = SECRETDEFAULT\n\
                    [dev]\naws_access_key_id = AKIDDEV00000000\naws_secret_access_key = SECRETDEV\n\
                    aws_session_token = TOKENDEV\n";
const CONFIG: &str = "[profile dev]\nregion = eu-central-1\n\
                      [profile role]\nrole_arn = arn:aws:iam::123456789012:role/cli\nsource_profile = dev\nrole_session_name = s\n\
                      [profile mfa]\nrole_arn = arn:aws:iam::123456789012:role/cli\nsource_profile = dev\n\
                      mfa_serial = arn:aws:iam::123456789012:mfa/me\n\
                      [profile proc]\ncredential_process = echo nothing\n";
const SECRETS: &[&str] = &[
    "SECRETDEFAULT",
    "SECRETDEV",
    "TOKENDEV",
    "SECRETROLE",
    "TOKENROLE",
];

fn home(name: &str) -> PathBuf {
    support::home("cmd", name, KEYS, CONFIG)
}

fn no_secrets(text: &str) {
    for s in SECRETS {
        assert!(!text.contains(s), "secret {s} in:\n{text}");
    }
}

const ROLE_OK: &str = "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIAROLE0000</AccessKeyId>\
    <SecretAccessKey>SECRETROLE</SecretAccessKey><SessionToken>TOKENROLE</SessionToken>\
    <Expiration>2035-01-01T00:00:00Z</Expiration></Credentials><AssumedRoleUser>\
    <Arn>arn:aws:sts::123456789012:assumed-role/cli/s</Arn><AssumedRoleId>AROA:s</AssumedRoleId>\
    </AssumedRoleUser></AssumeRoleResult></AssumeRoleResponse>";

async fn sts(exchanges: serde_json::Value) -> FixtureServer {
    support::fixture(exchanges).await
}

#[tokio::test(flavor = "multi_thread")]
async fn whoami_asks_sts_with_the_resolved_credentials() {
    let h = home("whoami");
    let server = sts(serde_json::json!([{
        "request": {"method": "POST", "path": "/", "body_contains": ["Action=GetCallerIdentity"]},
        "response": {"status": 200, "body": "<GetCallerIdentityResponse><GetCallerIdentityResult>\
            <Arn>arn:aws:iam::123456789012:user/dev</Arn><UserId>AIDADEV</UserId><Account>123456789012</Account>\
            </GetCallerIdentityResult></GetCallerIdentityResponse>"}}]))
    .await;
    let (code, out, err) = run(
        &h,
        &["whoami", "--profile", "dev"],
        &[("AWS_ENDPOINT_URL_STS", &server.url())],
    )
    .await;
    assert_eq!(code, 0, "{err}");
    server.verify().unwrap();
    assert!(out.contains("account   123456789012"), "{out}");
    assert!(
        out.contains("arn       arn:aws:iam::123456789012:user/dev"),
        "{out}"
    );
    assert!(out.contains("user id   AIDADEV"), "{out}");
    assert!(
        out.contains("provider  shared-credentials-file (profile dev, key AKID*******0000)"),
        "{out}"
    );
    no_secrets(&out);
    no_secrets(&err);
    // A dead STS: an error naming the URL, non-zero exit.
    let (code, _, err) = run(
        &h,
        &["whoami", "--profile", "dev"],
        &[("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:9")],
    )
    .await;
    assert_ne!(code, 0);
    assert!(
        err.contains("127.0.0.1:9") && err.contains("GetCallerIdentity"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn exec_hands_the_child_credentials_and_its_exit_status() {
    let h = home("exec");
    let script = "echo \"$AWS_ACCESS_KEY_ID|$AWS_SECRET_ACCESS_KEY|$AWS_SESSION_TOKEN|$AWS_REGION|$AWS_DEFAULT_REGION|${AWS_PROFILE-unset}\"; exit 7";
    let (code, out, err) = run(
        &h,
        &["exec", "--profile", "dev", "--", "sh", "-c", script],
        &[("AWS_PROFILE", "other")],
    )
    .await;
    assert_eq!(code, 7, "{err}");
    assert_eq!(
        out,
        "AKIDDEV00000000|SECRETDEV|TOKENDEV|eu-central-1|eu-central-1|unset\n"
    );
    no_secrets(&err);
    // A command that does not exist: an error naming it.
    let (code, _, err) = run(&h, &["exec", "--", "no-such-command-awscred"], &[]).await;
    assert_ne!(code, 0);
    assert!(err.contains("no-such-command-awscred"), "{err}");
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn exec_reports_a_signal_as_128_plus_its_number() {
    let h = home("exec-signal");
    let (code, _, _) = run(&h, &["exec", "--", "sh", "-c", "kill -TERM $$"], &[]).await;
    assert_eq!(code, 128 + 15);
}

#[tokio::test(flavor = "multi_thread")]
async fn exec_server_serves_the_child_through_the_container_endpoint() {
    let h = home("exec-server");
    // The child is awscred itself, for the default profile, which has nothing in this home: it
    // finds the container endpoint `exec --server` gave it.
    std::fs::write(
        h.join(".aws/credentials"),
        KEYS.replace("[default]", "[unused]"),
    )
    .unwrap();
    let bin = env!("CARGO_BIN_EXE_awscred");
    let args = support::exec(
        &["--profile", "dev", "--server"],
        &[bin, "export-credentials", "--format", "env-no-export"],
    );
    let (code, out, err) = run(&h, &args, &[]).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("AWS_ACCESS_KEY_ID=AKIDDEV00000000\n"), "{out}");
    assert!(out.contains("AWS_SESSION_TOKEN=TOKENDEV\n"), "{out}");
    no_secrets(&err);
}

#[test]
fn serve_requires_the_token_and_answers_in_the_container_shape() {
    let h = home("serve");
    let serving = support::Serving::start(cmd(&h, &["serve", "--profile", "dev"], &[]));
    let (uri, token) = (serving.uri.clone(), serving.token.clone());
    assert!(uri.starts_with("http://127.0.0.1:"), "{uri}");
    assert_eq!(token.len(), 64);
    let (status, body) = http_get(&uri, None);
    assert_eq!(status, 401, "{body}");
    no_secrets(&body);
    let (status, body) = http_get(&uri, Some(&"0".repeat(64)));
    assert_eq!(status, 401, "{body}");
    let (status, body) = http_get(&uri, Some(&token));
    assert_eq!(status, 200, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (&v["AccessKeyId"], &v["SecretAccessKey"], &v["Token"]),
        (
            &"AKIDDEV00000000".into(),
            &"SECRETDEV".into(),
            &"TOKENDEV".into()
        )
    );
    let (out, err) = serving.stop();
    no_secrets(&out);
    no_secrets(&err);
}

#[tokio::test(flavor = "multi_thread")]
async fn profiles_and_cache_list_and_clear() {
    let h = home("profiles");
    let server = sts(serde_json::json!([{
        "request": {"method": "POST", "path": "/", "body_contains": ["Action=AssumeRole"]},
        "response": {"status": 200, "body": ROLE_OK}}]))
    .await;
    let (code, out, err) = run(&h, &["profiles"], &[]).await;
    assert_eq!(code, 0, "{err}");
    for want in [
        "default  static keys  [credentials]",
        "dev      static keys  [config, credentials]",
        "role     assume role, source profile dev  [config]  (not cached)",
        "proc     credential_process  [config]",
    ] {
        assert!(out.contains(want), "{want:?} missing from:\n{out}");
    }
    let env = [
        ("AWS_ENDPOINT_URL_STS", server.url()),
        ("AWS_REGION", "eu-west-1".to_owned()),
    ];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (code, _, err) = run(&h, &["export-credentials", "--profile", "role"], &env).await;
    assert_eq!(code, 0, "{err}");
    server.verify().unwrap();
    let (_, out, _) = run(&h, &["profiles"], &[]).await;
    assert!(
        out.contains("role     assume role, source profile dev  [config]  (cached, "),
        "{out}"
    );
    // explain shows the role chain, the cache hit, and the provider that answered from it.
    let (code, out, err) = run(&h, &["explain", "--profile", "role"], &env).await;
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("role chain:\n  base: static keys (AKID*******0000)\n"),
        "{out}"
    );
    assert!(
        out.contains("  1. arn:aws:iam::123456789012:role/cli (profile role; session s): cached "),
        "{out}"
    );
    assert!(out.contains(", will be reused)"), "{out}");
    assert!(out.contains("  assume-role              answered"), "{out}");
    no_secrets(&out);
    let (code, out, err) = run(&h, &["cache", "list"], &[]).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(": 1 entry"), "{out}");
    assert!(out.contains("ASIA****0000  arn:aws:sts::123456789012:assumed-role/cli/s  expires 2035-01-01T00:00:00Z"), "{out}");
    no_secrets(&out);
    let (code, out, err) = run(&h, &["cache", "clear", "--profile", "role"], &[]).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("1 entry removed"), "{out}");
    let (_, out, _) = run(&h, &["cache", "list"], &[]).await;
    assert!(out.contains(": 0 entries"), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn verbose_logs_go_to_stderr_without_secrets() {
    let h = home("verbose");
    let (code, out, err) = run(&h, &["-vv", "export-credentials", "--profile", "dev"], &[]).await;
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("answered") && err.contains("shared-credentials-file"),
        "{err}"
    );
    assert!(err.contains("AKID…0000"), "{err}");
    no_secrets(&err);
    assert!(out.contains("SECRETDEV")); // stdout is the export itself
    let (_, _, err) = run(
        &h,
        &["export-credentials", "--profile", "dev"],
        &[("AWSCRED_LOG", "awscred_chain=debug")],
    )
    .await;
    assert!(err.contains("skipped"), "{err}");
}

/// Warnings are on by default, `AWSCRED_LOG` overrides the default, and a run with nothing to
/// say writes nothing (the formatter is built at the first event, `logging.rs`).
#[tokio::test(flavor = "multi_thread")]
async fn warnings_by_default_and_awscred_log_overrides() {
    let h = home("warnings");
    let stale = "[profile stale]\ncredential_process = echo '{\"Version\":1,\"AccessKeyId\":\"ASIASTALE000\",\
        \"SecretAccessKey\":\"SECRETSTALE\",\"SessionToken\":\"TOKENSTALE\",\"Expiration\":\"2020-01-01T00:00:00Z\"}'\n";
    let config = h.join(".aws/config");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("{text}{stale}")).unwrap();
    let args = ["export-credentials", "--profile", "stale"];
    let (code, _, err) = run(&h, &args, &[]).await;
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains(" WARN ") && err.contains("expired at 2020-01-01T00:00:00Z"),
        "{err}"
    );
    assert!(
        !err.contains("SECRETSTALE") && !err.contains("TOKENSTALE"),
        "{err}"
    );
    let (code, _, err) = run(&h, &args, &[("AWSCRED_LOG", "error")]).await;
    assert_eq!((code, err.as_str()), (0, ""));
    let (code, _, err) = run(&h, &["export-credentials", "--profile", "dev"], &[]).await;
    assert_eq!((code, err.as_str()), (0, ""));
}

/// The prompt on a real pseudo-terminal: `script` gives the binary a controlling terminal and
/// feeds it our input; the code is read without echo.
#[tokio::test(flavor = "multi_thread")]
async fn mfa_prompt_on_a_pseudo_terminal() {
    if !Path::new("/usr/bin/script").exists() {
        // Every Linux this project targets has util-linux's `script`; without it the prompt
        // cannot be driven through a terminal, and the test must say so by failing.
        panic!("no /usr/bin/script to make a pseudo-terminal");
    }
    let h = home("pty");
    let server = sts(serde_json::json!([{
        "request": {"method": "POST", "path": "/", "body_contains": ["TokenCode=314159"]},
        "response": {"status": 200, "body": ROLE_OK}}]))
    .await;
    let bin = env!("CARGO_BIN_EXE_awscred");
    let inner = format!("{bin} export-credentials --profile mfa --no-cache");
    let mut c = Command::new("/usr/bin/setsid");
    c.args(["/usr/bin/script", "-qec", &inner, "/dev/null"])
        .env_clear()
        .env("HOME", &h)
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ENDPOINT_URL_STS", server.url())
        .env("AWS_REGION", "eu-west-1")
        .env("AWS_MAX_ATTEMPTS", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let (status, text) = tokio::task::spawn_blocking(move || {
        let mut child = c.spawn().unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let mut stdout = child.stdout.take().unwrap();
        // Type the code only once the prompt is up (echo is off by then), as a person would.
        let mut seen = Vec::new();
        let mut byte = [0u8; 1];
        while !String::from_utf8_lossy(&seen).contains("Enter MFA code for ") {
            match stdout.read(&mut byte) {
                Ok(1) => seen.push(byte[0]),
                _ => break,
            }
        }
        let _ = stdin.write_all(b"314159\n");
        drop(stdin);
        let _ = stdout.read_to_end(&mut seen);
        (
            child.wait().unwrap(),
            String::from_utf8_lossy(&seen).into_owned(),
        )
    })
    .await
    .unwrap();
    assert!(status.success(), "{text}");
    server.verify().unwrap();
    assert!(
        text.contains("Enter MFA code for arn:aws:iam::123456789012:mfa/me: "),
        "{text}"
    );
    assert!(!text.contains("314159"), "the code was echoed:\n{text}");
    assert!(text.contains("\"AccessKeyId\":\"ASIAROLE0000\""), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_credential_process_calling_awscred_for_its_own_profile_is_refused() {
    let h = home("recursion");
    let bin = env!("CARGO_BIN_EXE_awscred");
    std::fs::write(
        h.join(".aws/config"),
        format!(
            "[profile loop]\ncredential_process = {bin} export-credentials --profile loop\n\
             [profile outer]\ncredential_process = {bin} export-credentials --profile dev\n\
             [profile dev]\nregion = eu-central-1\n"
        ),
    )
    .unwrap();
    let (code, _, err) = run(&h, &["export-credentials", "--profile", "loop"], &[]).await;
    assert_ne!(code, 0);
    assert!(
        err.contains("was started by that profile's own credential_process (loop -> loop)"),
        "{err}"
    );
    // Another profile through awscred is fine.
    let (code, out, err) = run(&h, &["export-credentials", "--profile", "outer"], &[]).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("AKIDDEV00000000"), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn sso_login_then_credentials_then_logout() {
    let h = home("sso");
    std::fs::write(
        h.join(".aws/config"),
        "[profile sso]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = ReadOnly\n\
         [sso-session corp]\nsso_start_url = https://d-1.awsapps.com/start\nsso_region = eu-west-1\n",
    )
    .unwrap();
    let post = |path: &str, status: u16, body: serde_json::Value| {
        serde_json::json!({"request": {"method": "POST", "path": path},
                           "response": {"status": status, "body": body.to_string()}})
    };
    let server = sts(serde_json::json!([
        post("/client/register", 200, serde_json::json!({"clientId": "CID", "clientSecret": "CSECRET"})),
        post("/device_authorization", 200, serde_json::json!({"deviceCode": "D", "userCode": "WXYZ-1234",
            "verificationUri": "https://device.example/", "verificationUriComplete": "https://device.example/?user_code=WXYZ-1234",
            "expiresIn": 600, "interval": 0})),
        post("/token", 400, serde_json::json!({"error": "authorization_pending"})),
        post("/token", 200, serde_json::json!({"accessToken": "SSOACCESSTOKEN", "expiresIn": 28800, "refreshToken": "SSOREFRESH"})),
        {"request": {"method": "GET", "path": "/federation/credentials?account_id=123456789012&role_name=ReadOnly",
                     "headers": {"x-amz-sso_bearer_token": "SSOACCESSTOKEN"}},
         "response": {"status": 200, "body": "{\"roleCredentials\":{\"accessKeyId\":\"ASIASSO00000\",\"secretAccessKey\":\"SECRETROLE\",\"sessionToken\":\"TOKENROLE\",\"expiration\":2051222400000}}"}}]))
    .await;
    let url = server.url();
    let env = [
        ("AWS_ENDPOINT_URL_SSO_OIDC", url.as_str()),
        ("AWS_ENDPOINT_URL_SSO", url.as_str()),
    ];
    let (code, out, err) = run(
        &h,
        &[
            "sso",
            "login",
            "--profile",
            "sso",
            "--use-device-code",
            "--no-browser",
        ],
        &env,
    )
    .await;
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("https://device.example/") && err.contains("WXYZ-1234"),
        "{err}"
    );
    assert!(
        out.contains("Successfully logged into Start URL: https://d-1.awsapps.com/start"),
        "{out}"
    );
    assert!(!err.contains("SSOACCESSTOKEN") && !out.contains("SSOACCESSTOKEN"));
    let token_dir = h.join(".aws/sso/cache");
    assert_eq!(std::fs::read_dir(&token_dir).unwrap().count(), 1);
    let (code, out, err) = run(&h, &["export-credentials", "--profile", "sso"], &env).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("\"AccessKeyId\":\"ASIASSO00000\""), "{out}");
    server.verify().unwrap();
    // The role credentials are in the AWS CLI cache too; logout removes both.
    let (_, out, _) = run(&h, &["cache", "list"], &[]).await;
    assert!(out.contains("(sso)"), "{out}");
    let (code, out, err) = run(&h, &["sso", "logout"], &[]).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("removed 2"), "{out}");
    assert_eq!(std::fs::read_dir(&token_dir).unwrap().count(), 0);
    let (code, _, err) = run(&h, &["export-credentials", "--profile", "sso"], &env).await;
    assert_ne!(code, 0);
    assert!(err.contains("awscred sso login --profile sso"), "{err}");
}

/// Secret hygiene at TRACE level for every crate (hyper and rustls included): a role chain
/// whose base has a session token, an MFA code, the cache, and an error path.
#[tokio::test(flavor = "multi_thread")]
async fn trace_logs_of_every_crate_carry_no_secret() {
    let h = home("trace");
    let server = sts(serde_json::json!([
        {"request": {"method": "POST", "path": "/", "body_contains": ["TokenCode=271828"]},
         "response": {"status": 200, "body": ROLE_OK}},
        {"request": {"method": "POST", "path": "/", "body_contains": ["Action=GetCallerIdentity"]},
         "response": {"status": 403, "body": "<ErrorResponse><Error><Code>AccessDenied</Code><Message>denied</Message></Error></ErrorResponse>"}}]))
    .await;
    let url = server.url();
    let env = [
        ("AWS_ENDPOINT_URL_STS", url.as_str()),
        ("AWS_REGION", "eu-west-1"),
        ("AWSCRED_LOG", "trace"),
    ];
    let mut all = String::new();
    for args in [
        &[
            "export-credentials",
            "--profile",
            "mfa",
            "--mfa-code",
            "271828",
            "--format",
            "env",
        ][..],
        &["explain", "--profile", "mfa"][..],
        &["whoami", "--profile", "mfa"][..],
        &["cache", "list"][..],
        &["profiles"][..],
    ] {
        let (_, out, err) = run(&h, args, &env).await;
        assert!(
            err.contains("TRACE") || err.contains("DEBUG") || args[0] != "export-credentials",
            "{err}"
        );
        all.push_str(&err);
        if args[0] != "export-credentials" {
            all.push_str(&out);
        }
    }
    server.verify().unwrap();
    no_secrets(&all);
    assert!(!all.contains("271828"), "the MFA code leaked");
}
