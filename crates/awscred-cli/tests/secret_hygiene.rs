//! Secret hygiene across the whole CLI: every command and every error path runs with known
//! secret values and `AWSCRED_LOG=trace` (every crate, hyper and rustls included), and no
//! secret key, session token, SSO access token or MFA code may appear in anything awscred
//! writes — standard error always, standard output except where printing credentials is the
//! command's purpose (`export-credentials`, and `serve`'s authorised answer).
//!
//! Peers are the fixture server; nothing leaves 127.0.0.1.
#![allow(
    clippy::disallowed_methods,
    reason = "the test sets up files and runs the binary"
)]

use std::path::{Path, PathBuf};
use std::process::Command;

use support::http_get;

mod support;

/// Every value that must never be printed outside its purpose.
const SECRETS: &[&str] = &[
    "SECRETDEV",
    "TOKENDEV",
    "SECRETROLE",
    "TOKENROLE",
    "SECRETENV",
    "TOKENENV",
    "SECRETPROCJSON",
    "SECRETPROCEXIT",
    "SECRETPROCV2",
    "TOKENPROCV2",
    "SECRETPROCOLD",
    "SECRETBROKENLINE",
    "SECRETCACHEWORLD",
    "SECRETCACHEHALF",
    "SSOACCESSTOKEN",
    "SSOREFRESHTOKEN",
    "SSOCLIENTSECRET",
    "271828",
    "314159",
    "SECRETSTATIC",
    "SECRETSESSION",
    "TOKENSESSION",
    "161803",
    "SECRETKEYSADD",
    "SECRETKEYSMIG",
    "SECRETKEYSBAD",
    "KEYSTOREPASSPHRASE",
    "SECRETROTATEOLD",
    "SECRETROTATENEW",
];

const KEYS: &str = "[dev]\naws_access_key_id = AKIDDEV00000000\naws_secret_access_key = SECRETDEV\n\
                    aws_session_token = TOKENDEV\n";

const CONFIG: &str = "[profile dev]\nregion = eu-central-1\n\
    [profile role]\nrole_arn = arn:aws:iam::123456789012:role/cli\nsource_profile = dev\nrole_session_name = s\n\
    [profile mfa]\nrole_arn = arn:aws:iam::123456789012:role/mfa\nsource_profile = dev\n\
    mfa_serial = arn:aws:iam::123456789012:mfa/me\n\
    [profile proc-json]\ncredential_process = echo '{\"Version\": 1, \"AccessKeyId\": \"A\", \"SecretAccessKey\": \"SECRETPROCJSON\", oops'\n\
    [profile proc-exit]\ncredential_process = echo '{\"Version\": 1, \"AccessKeyId\": \"A\", \"SecretAccessKey\": \"SECRETPROCEXIT\"}'; exit 3\n\
    [profile proc-v2]\ncredential_process = echo '{\"Version\": 2, \"AccessKeyId\": \"A\", \"SecretAccessKey\": \"SECRETPROCV2\", \"SessionToken\": \"TOKENPROCV2\"}'\n\
    [profile proc-old]\ncredential_process = echo '{\"Version\": 1, \"AccessKeyId\": \"A\", \"SecretAccessKey\": \"SECRETPROCOLD\", \"SessionToken\": \"T\", \"Expiration\": \"2000-01-01T00:00:00Z\"}'\n\
    [profile sso]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Admin\nregion = eu-west-1\n\
    [sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n";

const ROLE_OK: &str = "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIAROLE0000</AccessKeyId>\
    <SecretAccessKey>SECRETROLE</SecretAccessKey><SessionToken>TOKENROLE</SessionToken>\
    <Expiration>2035-01-01T00:00:00Z</Expiration></Credentials><AssumedRoleUser>\
    <Arn>arn:aws:sts::123456789012:assumed-role/cli/s</Arn><AssumedRoleId>AROA:s</AssumedRoleId>\
    </AssumedRoleUser></AssumeRoleResult></AssumeRoleResponse>";

const WHO_OK: &str = "<GetCallerIdentityResponse><GetCallerIdentityResult>\
    <Arn>arn:aws:sts::123456789012:assumed-role/cli/s</Arn><UserId>AROA:s</UserId>\
    <Account>123456789012</Account></GetCallerIdentityResult></GetCallerIdentityResponse>";

const DENIED: &str = "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>\
    <Message>MultiFactorAuthentication failed with invalid MFA one time pass code.</Message>\
    </Error></ErrorResponse>";

/// What one run printed, and whether its standard output may carry credentials.
struct Output {
    what: String,
    code: i32,
    stdout: String,
    stderr: String,
    stdout_is_credentials: bool,
}

/// Collects everything awscred printed, then checks it in one place.
#[derive(Default)]
struct Sweep {
    runs: Vec<Output>,
}

impl Sweep {
    fn record(&mut self, out: Output) -> &Output {
        self.runs.push(out);
        self.runs.last().unwrap()
    }

    /// Fails naming the command and the stream where a secret appeared.
    fn check(&self) {
        let mut leaks = Vec::new();
        for run in &self.runs {
            // A successful resolution always logs at DEBUG or TRACE.
            assert!(
                run.stderr.contains("TRACE")
                    || run.stderr.contains("DEBUG")
                    || run.code != 0
                    || !run.what.starts_with("export-credentials"),
                "{}: ran without trace logging:\n{}",
                run.what,
                run.stderr
            );
            for s in SECRETS {
                if run.stderr.contains(s) {
                    leaks.push(format!("{s} on stderr of `{}`", run.what));
                }
                if !run.stdout_is_credentials && run.stdout.contains(s) {
                    leaks.push(format!("{s} on stdout of `{}`", run.what));
                }
            }
        }
        assert!(leaks.is_empty(), "secrets leaked:\n{}", leaks.join("\n"));
    }
}

fn home(name: &str) -> PathBuf {
    support::home("hygiene", name, KEYS, CONFIG)
}

/// A child command of `exec --server` that fails unless it was given the server's token.
const HAS_TOKEN: [&str; 3] = ["sh", "-c", "test -n \"$AWS_CONTAINER_AUTHORIZATION_TOKEN\""];

/// Every run logs at TRACE for every crate, and STS requests are signed for a region.
const TRACE: [(&str, &str); 2] = [("AWSCRED_LOG", "trace"), ("AWS_REGION", "eu-west-1")];

fn cmd(home: &Path, args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut c = support::cmd(home, args, &TRACE);
    c.envs(env.iter().copied());
    c
}

async fn run(home: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut all = TRACE.to_vec();
    all.extend_from_slice(env);
    let (code, stdout, stderr) = support::run(home, args, &all).await;
    Output {
        what: args.join(" "),
        code,
        stdout,
        stderr,
        stdout_is_credentials: args.first() == Some(&"export-credentials"),
    }
}

/// Arguments, extra environment, and words of the error that shows the path was taken.
type ErrorPath<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], &'a str);

fn sts_post(body_contains: &str, status: u16, body: &str) -> serde_json::Value {
    serde_json::json!({
        "request": {"method": "POST", "path": "/", "body_contains": [body_contains]},
        "response": {"status": status, "body": body}})
}

#[tokio::test(flavor = "multi_thread")]
async fn no_command_or_error_path_prints_a_secret() {
    let h = home("sweep");
    let mut sweep = Sweep::default();

    // A role session from STS, in every export format (stdout is the purpose; stderr is not).
    let sts = support::fixture(serde_json::json!([sts_post(
        "Action=AssumeRole",
        200,
        ROLE_OK
    )]))
    .await;
    let url = sts.url();
    let env = [("AWS_ENDPOINT_URL_STS", url.as_str())];
    for format in [
        "process",
        "env",
        "env-no-export",
        "powershell",
        "windows-cmd",
        "fish",
        "dotenv",
        "json",
    ] {
        let out = sweep.record(
            run(
                &h,
                &[
                    "export-credentials",
                    "--profile",
                    "role",
                    "--format",
                    format,
                ],
                &env,
            )
            .await,
        );
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert!(
            out.stdout.contains("SECRETROLE"),
            "{format}: {}",
            out.stdout
        );
    }
    sts.verify().unwrap();

    // Credentials already expired when fetched: printed, with a warning that names no secret.
    let out = sweep.record(run(&h, &["export-credentials", "--profile", "proc-old"], &[]).await);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("expired at 2000-01-01T00:00:00Z, before they were fetched"),
        "{}",
        out.stderr
    );

    // Commands that describe credentials without printing them.
    for args in [
        &["explain", "--profile", "role"][..],
        &["explain", "--profile", "dev"][..],
        &["explain", "--profile", "sso"][..],
        &["profiles"][..],
        &["cache", "list"][..],
        &["--help"][..],
        &["--version"][..],
    ] {
        let out = sweep.record(run(&h, args, &env).await);
        assert_eq!(out.code, 0, "{}: {}", args.join(" "), out.stderr);
    }

    // whoami, answered and refused.
    let who = support::fixture(serde_json::json!([
        sts_post("Action=GetCallerIdentity", 200, WHO_OK),
        sts_post("Action=GetCallerIdentity", 403, DENIED),
    ]))
    .await;
    let who_url = who.url();
    let env = [("AWS_ENDPOINT_URL_STS", who_url.as_str())];
    let out = sweep.record(run(&h, &["whoami", "--profile", "role"], &env).await);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let out = sweep.record(run(&h, &["whoami", "--profile", "dev"], &env).await);
    assert_ne!(out.code, 0);
    who.verify().unwrap();

    // exec: the child gets the credentials (and must see them), awscred prints none.
    let script =
        "test \"$AWS_SECRET_ACCESS_KEY\" = SECRETDEV && test \"$AWS_SESSION_TOKEN\" = TOKENDEV";
    let out = sweep.record(
        run(
            &h,
            &["exec", "--profile", "dev", "--", "sh", "-c", script],
            &[],
        )
        .await,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let out = sweep.record(
        run(
            &h,
            &["exec", "--profile", "dev", "--", "no-such-command-awscred"],
            &[],
        )
        .await,
    );
    assert_ne!(out.code, 0);
    let out = sweep.record(
        run(
            &h,
            &support::exec(&["--profile", "dev", "--server"], &HAS_TOKEN),
            &[],
        )
        .await,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);

    // serve: refused and authorised requests; its own output carries no secret.
    for out in serve(&h) {
        sweep.record(out);
    }

    // Error paths.
    let dead = [("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:1")];
    let mfa = support::fixture(serde_json::json!([sts_post(
        "TokenCode=314159",
        403,
        DENIED
    )]))
    .await;
    let mfa_url = mfa.url();
    let mfa_env = [("AWS_ENDPOINT_URL_STS", mfa_url.as_str())];
    // Each error path, and the words that show it is the path taken (a run failing earlier,
    // before the secret-handling code, would not pass).
    let cases: [ErrorPath<'_>; 12] = [
        (
            &["export-credentials", "--profile", "proc-json"],
            &[],
            "the credential_process output is not JSON",
        ),
        (
            &["export-credentials", "--profile", "proc-exit"],
            &[],
            "credential_process exited with status 3",
        ),
        (
            &["export-credentials", "--profile", "proc-v2"],
            &[],
            "Version is 2; the supported version is 1",
        ),
        (
            &["export-credentials", "--profile", "mfa", "--no-cache"],
            &dead,
            "could not read an MFA code: no terminal",
        ),
        (
            &[
                "export-credentials",
                "--profile",
                "mfa",
                "--mfa-code",
                "314159",
            ],
            &mfa_env,
            "MultiFactorAuthentication failed with invalid MFA one time pass code",
        ),
        (
            &[
                "export-credentials",
                "--profile",
                "mfa",
                "--mfa-code",
                "271828x",
            ],
            &dead,
            "is not six digits",
        ),
        (
            &["export-credentials", "--profile", "role", "--no-cache"],
            &dead,
            "calling STS AssumeRole failed: connection refused (url: http://127.0.0.1:1/",
        ),
        (
            &["whoami", "--profile", "role"],
            &dead,
            "calling STS GetCallerIdentity failed: connection refused (url: http://127.0.0.1:1/",
        ),
        (
            &["export-credentials", "--profile", "sso"],
            &[],
            "no SSO token for corp: you are not logged in",
        ),
        (
            &["sso", "login", "--profile", "dev"],
            &[],
            "has no IAM Identity Center configuration to log in with",
        ),
        (
            &["export-credentials", "--profile", "nope"],
            &[],
            "the config profile (nope) could not be found",
        ),
        // Half of a pair in the environment (no key id): botocore's environment provider does
        // not claim it, so nothing is found, and the secret stays unprinted.
        (
            &["export-credentials"],
            &[
                ("AWS_SECRET_ACCESS_KEY", "SECRETENV"),
                ("AWS_SESSION_TOKEN", "TOKENENV"),
            ],
            "no credentials found: every provider was asked",
        ),
    ];
    for (args, env, want) in cases {
        let out = sweep.record(run(&h, args, env).await);
        assert_ne!(
            out.code,
            0,
            "{}: should fail:\n{}",
            args.join(" "),
            out.stderr
        );
        assert!(
            out.stderr.contains(want),
            "{}: not the error path named ({want:?}):\n{}",
            args.join(" "),
            out.stderr
        );
        assert!(
            out.stdout.is_empty(),
            "{}: a failure printed:\n{}",
            args.join(" "),
            out.stdout
        );
    }
    mfa.verify().unwrap();

    sweep.record(run(&h, &["sso", "logout"], &[]).await);
    sweep.record(run(&h, &["cache", "clear"], &[]).await);
    sweep.check();
}

/// An SSO token that the portal refuses, a world-readable cache entry, a half-written one,
/// and a credentials file broken on a line that holds a secret.
#[tokio::test(flavor = "multi_thread")]
async fn bad_files_and_refused_tokens_print_no_secret() {
    let h = home("files");
    let mut sweep = Sweep::default();

    // SSO, two paths. 1: a valid cached token the portal answers 401 to.
    let token = |expires: &str| {
        serde_json::json!({
        "startUrl": "https://corp.awsapps.com/start", "region": "eu-west-1",
        "accessToken": "SSOACCESSTOKEN", "expiresAt": expires,
        "refreshToken": "SSOREFRESHTOKEN", "clientId": "cid", "clientSecret": "SSOCLIENTSECRET",
        "registrationExpiresAt": "2035-01-01T00:00:00Z"})
        .to_string()
    };
    let token_path = support::corp_sso_token_path(&h);
    std::fs::write(&token_path, token("2035-01-01T00:00:00Z")).unwrap();
    let portal = support::fixture(serde_json::json!([{
        "request": {"method": "GET",
                    "path": "/federation/credentials?account_id=123456789012&role_name=Admin",
                    "headers": {"x-amz-sso_bearer_token": "SSOACCESSTOKEN"}},
        "response": {"status": 401, "body": "{\"message\":\"Session token not found or invalid\"}"}}]))
    .await;
    let portal_url = portal.url();
    let out = sweep.record(
        run(
            &h,
            &["export-credentials", "--profile", "sso"],
            &[("AWS_ENDPOINT_URL_SSO", portal_url.as_str())],
        )
        .await,
    );
    assert_ne!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("has expired or is invalid; log in again")
            && out.stderr.contains("/federation/credentials"),
        "not the portal's refusal:\n{}",
        out.stderr
    );
    portal.verify().unwrap();

    // 2: an expired token whose refresh (CreateToken, carrying the refresh token and the client
    // secret) the OIDC service refuses; the portal is never asked.
    std::fs::write(&token_path, token("2020-01-01T00:00:00Z")).unwrap();
    let oidc = support::fixture(serde_json::json!([{
        "request": {"method": "POST", "path": "/token",
                    "body_contains": ["\"refreshToken\":\"SSOREFRESHTOKEN\"",
                                      "\"clientSecret\":\"SSOCLIENTSECRET\""]},
        "response": {"status": 400, "body": "{\"error\":\"invalid_grant\"}"}}]))
    .await;
    let oidc_url = oidc.url();
    let out = sweep.record(
        run(
            &h,
            &["export-credentials", "--profile", "sso"],
            &[
                ("AWS_ENDPOINT_URL_SSO_OIDC", oidc_url.as_str()),
                ("AWS_ENDPOINT_URL_SSO", oidc_url.as_str()),
            ],
        )
        .await,
    );
    assert_ne!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("has expired or is invalid; log in again")
            && !out.stderr.contains("/federation/credentials"),
        "not the refused refresh:\n{}",
        out.stderr
    );
    oidc.verify().unwrap();

    // The AWS CLI's cache: one entry readable by everyone, one cut off mid-write.
    let cache = h.join(".aws/cli/cache");
    std::fs::create_dir_all(&cache).unwrap();
    let entry = |secret: &str| {
        format!(
            "{{\"Credentials\": {{\"AccessKeyId\": \"ASIACACHE\", \"SecretAccessKey\": \"{secret}\", \
             \"SessionToken\": \"T\", \"Expiration\": \"2035-01-01T00:00:00UTC\"}}}}"
        )
    };
    let world = cache.join("0000000000000000000000000000000000000000.json");
    std::fs::write(&world, entry("SECRETCACHEWORLD")).unwrap();
    set_mode(&world, 0o644);
    let half = cache.join("1111111111111111111111111111111111111111.json");
    let text = entry("SECRETCACHEHALF");
    std::fs::write(&half, &text[..text.len() - 20]).unwrap();
    set_mode(&half, 0o600);
    let out = sweep.record(run(&h, &["cache", "list"], &[]).await);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("world-readable")
            && out.stdout.contains("ignored: readable by other users"),
        "no warning for the world-readable entry:\n{}",
        out.stderr
    );

    // A credentials file broken on a line that holds a secret.
    std::fs::write(
        h.join(".aws/credentials"),
        "[dev]\naws_access_key_id = AKIDDEV00000000\nSECRETBROKENLINE\n",
    )
    .unwrap();
    for args in [
        &["export-credentials", "--profile", "dev"][..],
        &["explain", "--profile", "dev"][..],
        &["profiles"][..],
    ] {
        let out = sweep.record(run(&h, args, &[]).await);
        assert_ne!(out.code, 0, "{}: {}", args.join(" "), out.stderr);
        assert!(out.stderr.contains("credentials"), "{}", out.stderr);
    }
    sweep.check();
}

/// `serve` and `exec --server` with long-term keys: the `GetSessionToken` session (in memory, in
/// `~/.aws/cli/cache`, from the cache in a second process), an MFA code, and STS refusing it.
#[tokio::test(flavor = "multi_thread")]
async fn session_token_paths_print_no_secret() {
    let h = support::home(
        "hygiene",
        "session",
        "[static]\naws_access_key_id = AKIDSTATIC000000\naws_secret_access_key = SECRETSTATIC\n",
        "[profile static]\nregion = eu-west-1\n\
         [profile static-mfa]\naws_access_key_id = AKIDSTATICMFA000\naws_secret_access_key = SECRETSTATIC\n\
         mfa_serial = arn:aws:iam::123456789012:mfa/me\n",
    );
    let mut sweep = Sweep::default();
    let session = "<GetSessionTokenResponse><GetSessionTokenResult><Credentials>\
        <AccessKeyId>ASIASESSION00000</AccessKeyId><SecretAccessKey>SECRETSESSION</SecretAccessKey>\
        <SessionToken>TOKENSESSION</SessionToken><Expiration>2035-01-01T00:00:00Z</Expiration>\
        </Credentials></GetSessionTokenResult></GetSessionTokenResponse>";
    let sts = support::fixture(serde_json::json!([
        sts_post("Action=GetSessionToken", 200, session),
        sts_post("TokenCode=161803", 403, DENIED),
    ]))
    .await;
    let url = sts.url();
    let env = [("AWS_ENDPOINT_URL_STS", url.as_str())];
    let serving = support::Serving::start(cmd(&h, &["serve", "--profile", "static"], &env));
    let (status, body) = http_get(&serving.uri, Some(&serving.token));
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains("TOKENSESSION") && !body.contains("SECRETSTATIC"),
        "{body}"
    );
    let (rest, stderr) = serving.stop();
    sweep.record(Output {
        what: "serve --profile static (GetSessionToken)".into(),
        code: 0,
        stdout: rest,
        stderr,
        stdout_is_credentials: false,
    });
    // A second process: the session from ~/.aws/cli/cache (the child must see it).
    let out = sweep.record(
        run(
            &h,
            &support::exec(&["--server", "--profile", "static"], &HAS_TOKEN),
            &env,
        )
        .await,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let out = sweep.record(run(&h, &["cache", "list"], &[]).await);
    assert!(out.stdout.contains("(sts-session-token)"), "{}", out.stdout);
    // MFA: the code reaches STS, which refuses it; serve stops naming the call.
    let out = sweep.record(
        run(
            &h,
            &["serve", "--profile", "static-mfa", "--mfa-code", "161803"],
            &env,
        )
        .await,
    );
    assert_ne!(out.code, 0);
    assert!(
        out.stderr.contains("GetSessionToken") && out.stderr.contains("AccessDenied"),
        "{}",
        out.stderr
    );
    sts.verify().unwrap();
    sweep.check();
}

/// The record of a run whose standard output went nowhere.
fn failed_write(args: &[&str], how: &str, out: &std::process::Output) -> Output {
    Output {
        what: format!("{} {how}", args.join(" ")),
        code: out.status.code().unwrap_or(-1),
        stdout: String::new(),
        stderr: String::from_utf8_lossy(&out.stderr).into(),
        stdout_is_credentials: false,
    }
}

/// Output that cannot be written (`> /dev/full`, a pipe nobody reads): the one-line error of
/// `export-credentials` and `serve` names the cause, never the credentials it could not print.
#[test]
fn unwritable_output_prints_no_secret() {
    let h = home("unwritable");
    let mut sweep = Sweep::default();
    for args in [
        &["export-credentials", "--profile", "dev"][..],
        &["export-credentials", "--profile", "dev", "--format", "env"][..],
        &["serve", "--profile", "dev"][..],
    ] {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let out = cmd(&h, args, &[])
            .stdout(std::process::Stdio::from(full))
            .output()
            .unwrap();
        let out = sweep.record(failed_write(args, "> /dev/full", &out));
        assert_eq!(out.code, 1, "{}", out.stderr);
        assert!(
            out.stderr.contains("could not write to standard output"),
            "{}",
            out.stderr
        );
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = cmd(&h, args, &[]).stdout(writer).output().unwrap();
        let out = sweep.record(failed_write(args, "into a closed pipe", &out));
        assert_eq!(out.code, 141, "{}", out.stderr);
    }
    sweep.check();
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// `awscred serve`: a request without the token, one with a wrong token, one authorised. Two
/// records: what `serve` printed (its whole standard output and error), and the two refusals it
/// answered over HTTP.
fn serve(h: &Path) -> [Output; 2] {
    let serving = support::Serving::start(cmd(h, &["serve", "--profile", "dev"], &[]));
    let (uri, token) = (serving.uri.clone(), serving.token.clone());
    let mut refusals = String::new();
    let (status, body) = http_get(&uri, None);
    assert_eq!(status, 401);
    refusals.push_str(&body);
    let (status, body) = http_get(&uri, Some(&"0".repeat(64)));
    assert_eq!(status, 401);
    refusals.push_str(&body);
    let (status, body) = http_get(&uri, Some(&token));
    assert_eq!(status, 200);
    // The authorised answer is the purpose of `serve`.
    assert!(body.contains("SECRETDEV"), "{body}");
    let (rest, stderr) = serving.stop();
    let stdout = format!(
        "export AWS_CONTAINER_CREDENTIALS_FULL_URI={uri}\n\
         export AWS_CONTAINER_AUTHORIZATION_TOKEN={token}\n{rest}"
    );
    [
        Output {
            what: "serve --profile dev (401, 401, 200)".into(),
            code: 0,
            stdout,
            stderr,
            stdout_is_credentials: false,
        },
        Output {
            what: "serve --profile dev: the 401 answers".into(),
            code: 0,
            stdout: refusals,
            stderr: String::new(),
            stdout_is_credentials: false,
        },
    ]
}

/// Console sign-in (`login_session`): `explain`, `profiles` and `export-credentials` with a fresh
/// token, a refresh through the fake AWS Sign-In, a refused refresh, a token file missing fields,
/// all at TRACE. The refresh token, the DPoP key and the id token are printed nowhere, not even
/// on the standard output of `export-credentials`; the secret key and session token only there.
#[tokio::test(flavor = "multi_thread")]
async fn login_paths_print_no_secret() {
    const SESSION: &str = "arn:aws:sts::123456789012:assumed-role/Admin/me";
    const KEY: &str = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIPt/u8InPLpQeQLJTvVX+sNDzni8vMDMt3Liu+nMBigfoAoGCCqGSM49\nAwEHoUQDQgAEILkGG7rNOnxiIJlMgimY1UPP8eDMFP0DAY6WGjngP4bvTAiUCQ/I\nffut2379uP+OBCm2ovGpBOJRgrl1RspUOQ==\n-----END EC PRIVATE KEY-----\n";
    const NEVER: &[&str] = &[
        "LOGINREFRESHTOKEN",
        "LOGINREFRESHNEW",
        "LOGINIDTOKEN",
        "MHcCAQEEIPt",
        "AwEHoUQDQgAE",
        "LOGINSECRETOLD",
        "LOGINTOKENOLD",
        "LOGINSECRETNEW",
        "LOGINTOKENNEW",
    ];
    let h = support::home(
        "hygiene",
        "login",
        "",
        &format!("[profile web]\nlogin_session = {SESSION}\nregion = eu-west-1\n"),
    );
    let dir = h.join(".aws/login/cache");
    std::fs::create_dir_all(&dir).unwrap();
    let file =
        awscred_file_cache::LoginTokenCache::new(&dir, std::sync::Arc::new(awscred_types::OsFs))
            .path(SESSION);
    let write = |expires: &str, drop: Option<&str>| {
        let mut t = serde_json::json!({
            "accessToken": {"accessKeyId": "ASIALOGIN", "secretAccessKey": "LOGINSECRETOLD",
                            "sessionToken": "LOGINTOKENOLD", "accountId": "123456789012",
                            "expiresAt": expires},
            "tokenType": "aws_sigv4", "clientId": "arn:aws:signin:::devtools/same-device",
            "refreshToken": "LOGINREFRESHTOKEN", "idToken": "LOGINIDTOKEN", "dpopKey": KEY});
        if let Some(d) = drop {
            t.as_object_mut().unwrap().remove(d);
        }
        std::fs::write(&file, t.to_string()).unwrap();
    };
    let mut runs: Vec<Output> = Vec::new();
    write("2099-01-01T00:00:00Z", None);
    for args in [
        &["explain", "--profile", "web"][..],
        &["profiles"][..],
        &["export-credentials", "--profile", "web"][..],
        &["explain", "--json", "--profile", "web"][..],
    ] {
        runs.push(run(&h, args, &[]).await);
    }
    assert!(
        runs[0].stdout.contains("login session:"),
        "{}",
        runs[0].stdout
    );
    assert!(
        runs[0].stdout.contains(&file.display().to_string()),
        "{}",
        runs[0].stdout
    );
    assert!(
        runs[1].stdout.contains("console sign-in"),
        "{}",
        runs[1].stdout
    );
    assert!(
        runs[2].stdout.contains("LOGINSECRETOLD"),
        "{}",
        runs[2].stderr
    );

    // An expired token: refreshed through the fake Sign-In, then refused.
    let new = serde_json::json!({"accessToken": {"accessKeyId": "ASIANEW", "secretAccessKey": "LOGINSECRETNEW",
                                                 "sessionToken": "LOGINTOKENNEW"},
                                 "tokenType": "aws_sigv4", "expiresIn": 900, "refreshToken": "LOGINREFRESHNEW"});
    let denied = serde_json::json!({"status": 400, "headers": {"x-amzn-errortype": "AccessDeniedException"},
                                    "json": {"error": "TOKEN_EXPIRED", "message": "expired"}});
    let sign_in = support::fixture(serde_json::json!([
        {"request": {"method": "POST", "path": "/v1/token", "body_contains": ["LOGINREFRESHTOKEN"], "dpop": {}},
         "response": {"status": 200, "json": new}},
        {"request": {"method": "POST", "path": "/v1/token", "body_contains": ["LOGINREFRESHTOKEN"], "dpop": {}},
         "response": denied}]))
    .await;
    let url = sign_in.url();
    let endpoint = [("AWS_ENDPOINT_URL_SIGNIN", url.as_str())];
    write("2020-01-01T00:00:00Z", None);
    runs.push(run(&h, &["explain", "--profile", "web"], &endpoint).await);
    let refreshed = runs.last().unwrap();
    assert!(
        refreshed.stdout.contains("from login"),
        "{}\n{}",
        refreshed.stdout,
        refreshed.stderr
    );
    write("2020-01-01T00:00:00Z", None);
    runs.push(run(&h, &["export-credentials", "--profile", "web"], &endpoint).await);
    let refused = runs.last().unwrap();
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("log in again"),
        "{}",
        refused.stderr
    );
    sign_in.verify().unwrap();
    // A file missing fields.
    write("2020-01-01T00:00:00Z", Some("clientId"));
    runs.push(run(&h, &["export-credentials", "--profile", "web"], &endpoint).await);
    assert!(
        runs.last()
            .unwrap()
            .stderr
            .contains("missing required fields: clientId")
    );

    let mut leaks = Vec::new();
    for r in &runs {
        for s in NEVER {
            let stdout_ok = r.stdout_is_credentials
                && (s.starts_with("LOGINSECRET") || s.starts_with("LOGINTOKEN"));
            if r.stderr.contains(s) {
                leaks.push(format!("{s} on stderr of `{}`", r.what));
            }
            if !stdout_ok && r.stdout.contains(s) {
                leaks.push(format!("{s} on stdout of `{}`", r.what));
            }
        }
    }
    assert!(leaks.is_empty(), "secrets leaked:\n{}", leaks.join("\n"));
}

/// Every `awscred keys` command and its error paths (feature `keys`, the file backend): the
/// keys added, migrated and exported, the store's passphrase, a wrong passphrase, a damaged
/// store, keys STS refuses. Only `keys session` prints credentials (its purpose).
#[cfg(feature = "keys")]
#[tokio::test(flavor = "multi_thread")]
async fn keys_commands_print_no_secret() {
    const WHO_USER: &str = "<GetCallerIdentityResponse><GetCallerIdentityResult>\
        <Arn>arn:aws:iam::123456789012:user/dev</Arn><UserId>AIDA</UserId>\
        <Account>123456789012</Account></GetCallerIdentityResult></GetCallerIdentityResponse>";
    const REFUSED: &str = "<ErrorResponse><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code>\
        <Message>The security token included in the request is invalid.</Message></Error></ErrorResponse>";
    let h = support::home(
        "hygiene",
        "keys",
        "# keys\n[mig]\naws_access_key_id = AKIAMIG000000000001\naws_secret_access_key = SECRETKEYSMIG\n",
        "[profile add]\nregion = eu-west-1\n",
    );
    let sts = support::fixture(serde_json::json!([
        sts_post("Action=GetCallerIdentity", 200, WHO_USER),
        sts_post("Action=GetCallerIdentity", 403, REFUSED),
        sts_post("Action=GetCallerIdentity", 200, WHO_USER),
        sts_post(
            "Action=GetSessionToken",
            200,
            "<GetSessionTokenResponse><GetSessionTokenResult><Credentials>\
             <AccessKeyId>ASIAKEYSSESSION</AccessKeyId><SecretAccessKey>SECRETSESSION</SecretAccessKey>\
             <SessionToken>TOKENSESSION</SessionToken><Expiration>2035-01-01T00:00:00Z</Expiration>\
             </Credentials></GetSessionTokenResult></GetSessionTokenResponse>",
        ),
    ]))
    .await;
    let url = sts.url();
    let store = [
        ("AWSCRED_KEYSTORE", "file"),
        ("AWSCRED_KEYSTORE_PASSPHRASE", "KEYSTOREPASSPHRASE-1"),
        ("AWS_ENDPOINT_URL_STS", url.as_str()),
    ];
    let with = |extra: &[(&'static str, &'static str)]| {
        let mut e = store.to_vec();
        e.extend_from_slice(extra);
        e
    };
    let mut sweep = Sweep::default();
    type Step<'a> = (Vec<&'a str>, Vec<(&'a str, &'a str)>, i32);
    let steps: Vec<Step<'_>> = vec![
        (
            vec!["keys", "add", "add", "--from-env"],
            with(&[
                ("AWS_ACCESS_KEY_ID", "AKIAADD000000000001"),
                ("AWS_SECRET_ACCESS_KEY", "SECRETKEYSADD"),
            ]),
            0,
        ),
        (
            vec!["keys", "add", "bad", "--from-env"],
            with(&[
                ("AWS_ACCESS_KEY_ID", "AKIABAD000000000001"),
                ("AWS_SECRET_ACCESS_KEY", "SECRETKEYSBAD"),
            ]),
            1,
        ),
        (vec!["keys", "add", "tty"], with(&[]), 1),
        (vec!["keys", "list"], with(&[]), 0),
        (vec!["keys", "migrate", "--all", "--dry-run"], with(&[]), 0),
        (
            vec!["keys", "migrate", "--all", "--keep-backup"],
            with(&[]),
            0,
        ),
        (
            vec!["keys", "remove", "add", "--sessions-only"],
            with(&[]),
            0,
        ),
        (vec!["keys", "export", "mig"], with(&[]), 0),
        (vec!["keys", "remove", "add"], with(&[]), 0),
        (vec!["keys", "export", "gone"], with(&[]), 1),
        (
            vec!["keys", "list"],
            with(&[("AWSCRED_KEYSTORE_PASSPHRASE", "KEYSTOREPASSPHRASE-wrong")]),
            1,
        ),
    ];
    for (args, env, want) in &steps {
        let out = sweep.record(run(&h, args, env).await);
        assert_eq!(
            out.code, *want,
            "{}: {}{}",
            out.what, out.stdout, out.stderr
        );
        if args[..2] == ["keys", "list"] && *want == 0 {
            // The session made below is not there yet.
            assert!(out.stdout.contains("no session cached"), "{}", out.stdout);
        }
        if args[..] == ["keys", "migrate", "--all", "--keep-backup"] {
            // A session for `add` (GetSessionToken with the stored keys): printed, its purpose.
            let mut s = run(&h, &["keys", "session", "--profile", "add"], &with(&[])).await;
            assert_eq!(s.code, 0, "{}", s.stderr);
            assert!(s.stdout.contains("TOKENSESSION"), "{}", s.stdout);
            s.stdout_is_credentials = true;
            sweep.record(s);
            let l = sweep.record(run(&h, &["keys", "list"], &with(&[])).await);
            assert!(l.stdout.contains("session cached until"), "{}", l.stdout);
        }
    }
    // `keys session --no-session` prints the keys: its purpose.
    store_one(&h, &store).await;
    let mut out = run(
        &h,
        &["keys", "session", "--profile", "again", "--no-session"],
        &with(&[]),
    )
    .await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("SECRETKEYSADD"), "{}", out.stdout);
    out.stdout_is_credentials = true;
    sweep.record(out);
    // A damaged store: one flipped byte.
    let file = h.join(".aws/awscred-keys.enc");
    let mut raw = std::fs::read(&file).unwrap();
    let last = raw.len() - 1;
    raw[last] ^= 1;
    std::fs::write(&file, raw).unwrap();
    let out = sweep.record(run(&h, &["keys", "list"], &with(&[])).await);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("the file was changed"),
        "{}",
        out.stderr
    );
    sts.verify().unwrap_or_else(|e| {
        let runs: Vec<String> = sweep
            .runs
            .iter()
            .map(|r| format!("{} => {} {}", r.what, r.code, r.stdout))
            .collect();
        panic!("{e}: {:?}\n{}", sts.seen(), runs.join("\n"))
    });
    sweep.check();
}

/// `awscred keys rotate` (the file backend; the fixture plays IAM and STS): a rotation, IAM
/// refusing to create a key, and IAM refusing to delete the old one. No run prints a secret:
/// neither the old key's nor the new key's (which only the store receives).
#[cfg(feature = "keys")]
#[tokio::test(flavor = "multi_thread")]
async fn keys_rotate_prints_no_secret() {
    use awscred_keystore::KeyStore as _;
    const WHO_USER: &str = "<GetCallerIdentityResponse><GetCallerIdentityResult>\
        <Arn>arn:aws:iam::123456789012:user/dev</Arn><UserId>AIDA</UserId>\
        <Account>123456789012</Account></GetCallerIdentityResult></GetCallerIdentityResponse>";
    const CREATED: &str = "<CreateAccessKeyResponse><CreateAccessKeyResult><AccessKey>\
        <UserName>dev</UserName><AccessKeyId>AKIAROTATENEW000001</AccessKeyId>\
        <Status>Active</Status><SecretAccessKey>SECRETROTATENEW</SecretAccessKey></AccessKey>\
        </CreateAccessKeyResult></CreateAccessKeyResponse>";
    const DENIED_IAM: &str = "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>\
        <Message>User dev is not authorized to perform iam:CreateAccessKey</Message></Error>\
        </ErrorResponse>";
    const DELETED: &str = "<DeleteAccessKeyResponse><ResponseMetadata><RequestId>1</RequestId>\
        </ResponseMetadata></DeleteAccessKeyResponse>";
    let h = support::home(
        "hygiene",
        "rotate",
        "",
        "[profile dev]\nregion = eu-west-1\n",
    );
    let fixture = support::fixture(serde_json::json!([
        // A rotation.
        sts_post("Action=GetCallerIdentity", 200, WHO_USER),
        sts_post("Action=CreateAccessKey", 200, CREATED),
        sts_post("Action=GetCallerIdentity", 200, WHO_USER),
        sts_post("Action=DeleteAccessKey", 200, DELETED),
        // IAM refuses to create a key.
        sts_post("Action=GetCallerIdentity", 200, WHO_USER),
        sts_post("Action=CreateAccessKey", 403, DENIED_IAM),
        // IAM refuses to delete the old key.
        sts_post("Action=GetCallerIdentity", 200, WHO_USER),
        sts_post("Action=CreateAccessKey", 200, CREATED),
        sts_post("Action=GetCallerIdentity", 200, WHO_USER),
        sts_post("Action=DeleteAccessKey", 403, DENIED_IAM),
    ]))
    .await;
    let url = fixture.url();
    let env = [
        ("AWSCRED_KEYSTORE", "file"),
        ("AWSCRED_KEYSTORE_PASSPHRASE", "KEYSTOREPASSPHRASE-2"),
        ("AWS_ENDPOINT_URL_STS", url.as_str()),
        ("AWS_ENDPOINT_URL_IAM", url.as_str()),
    ];
    let put_old = || {
        let store = awscred_keystore::FileKeyStore::builder(&awscred_types::Sources::system())
            .path(h.join(".aws/awscred-keys.enc"))
            .passphrase(awscred_keystore::Passphrase::given("KEYSTOREPASSPHRASE-2"))
            .build()
            .unwrap();
        store
            .put(
                "dev",
                &awscred_types::Credentials::new("AKIAROTATEOLD000001", "SECRETROTATEOLD", "t"),
            )
            .unwrap();
    };
    let mut sweep = Sweep::default();
    for want in [0, 1, 1] {
        put_old();
        let out = sweep.record(run(&h, &["keys", "rotate", "dev"], &env).await);
        assert_eq!(out.code, want, "{}{}", out.stdout, out.stderr);
    }
    fixture.verify().unwrap();
    sweep.check();
}

/// Puts SECRETKEYSADD back under profile `again` (through the binary's own store file).
#[cfg(feature = "keys")]
async fn store_one(h: &Path, env: &[(&str, &str)]) {
    use awscred_keystore::KeyStore as _;
    let store = awscred_keystore::FileKeyStore::builder(&awscred_types::Sources::system())
        .path(h.join(".aws/awscred-keys.enc"))
        .passphrase(awscred_keystore::Passphrase::given(
            env.iter()
                .find(|(k, _)| *k == "AWSCRED_KEYSTORE_PASSPHRASE")
                .unwrap()
                .1,
        ))
        .build()
        .unwrap();
    tokio::task::spawn_blocking(move || {
        store
            .put(
                "again",
                &awscred_types::Credentials::new("AKIAADD000000000001", "SECRETKEYSADD", "t"),
            )
            .unwrap()
    })
    .await
    .unwrap();
}
