//! `awscred login` and `awscred logout` end to end, with the fixture server as AWS Sign-In (its
//! authorize page redirects as the browser would; its token endpoint checks the PKCE verifier
//! against the challenge and each DPoP proof for real) and this test as the browser. Then the
//! token file `awscred login` wrote is used by awscred, refreshed, and read by real botocore
//! (the moto venv's, with `botocore[crt]`), and a file botocore refreshed is read by awscred.
#![cfg(unix)]
#![allow(
    clippy::disallowed_methods,
    reason = "the test sets up files, runs the binary and real botocore"
)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use serde_json::{Value, json};

mod support;

const SESSION: &str = "arn:aws:sts::123456789012:assumed-role/Admin/alice";
/// A JWT whose payload's `sub` is [`SESSION`] (the signature is not checked by the AWS CLI).
const ID_TOKEN: &str = "eyJhbGciOiJFUzM4NCJ9.eyJzdWIiOiJhcm46YXdzOnN0czo6MTIzNDU2Nzg5MDEyOmFzc3VtZWQtcm9sZS9BZG1pbi9hbGljZSIsImF1ZCI6ImFybjphd3M6c2lnbmluOjo6ZGV2dG9vbHMvc2FtZS1kZXZpY2UifQ.c2ln";

const CONFIG: &str = "# my settings, kept\n[default]\nregion = us-east-1\n\n\
                      [profile keys]\naws_access_key_id = AKID\naws_secret_access_key = s\n\n\
                      [profile web]\n# web profile\noutput = json\n";

/// `GET url` on a fresh connection: status, `Location`, body.
fn get(url: &str) -> (u16, Option<String>, String) {
    let rest = url.trim_start_matches("http://");
    let (addr, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let mut s = TcpStream::connect(addr).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut text = String::new();
    let _ = s.read_to_string(&mut text);
    let status = text.get(9..12).and_then(|c| c.parse().ok()).unwrap_or(0);
    let location = text
        .lines()
        .find_map(|l| {
            l.strip_prefix("location: ")
                .or_else(|| l.strip_prefix("Location: "))
        })
        .map(str::to_owned);
    let body = text.split("\r\n\r\n").nth(1).unwrap_or_default().to_owned();
    (status, location, body)
}

fn token_output(key: &str, refresh: &str, with_id: bool) -> Value {
    let mut v = json!({"accessToken": {"accessKeyId": key, "secretAccessKey": format!("secret-{key}"),
                                       "sessionToken": format!("session-{key}")},
                       "tokenType": "aws_sigv4", "expiresIn": 900, "refreshToken": refresh});
    if with_id {
        v["idToken"] = json!(ID_TOKEN);
    }
    v
}

fn token_file(home: &Path) -> PathBuf {
    let dir = home.join(".aws/login/cache");
    awscred_file_cache::LoginTokenCache::new(&dir, std::sync::Arc::new(awscred_types::OsFs))
        .path(SESSION)
}

/// Runs `awscred ARGS` with piped standard input and error; `browser` is called with each
/// line of standard error (it plays the browser), and `stdin` is written once `browser` returns
/// `Some`.
fn run_login(
    home: &Path,
    args: &[&str],
    env: &[(&str, &str)],
    mut browser: impl FnMut(&str) -> Option<String>,
) -> (i32, String, String) {
    let mut c = support::cmd(home, args, env);
    c.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    for line in stderr.lines() {
        let line = line.unwrap();
        seen.push_str(&line);
        seen.push('\n');
        if let Some(input) = browser(&line) {
            stdin.write_all(input.as_bytes()).unwrap();
            stdin.flush().unwrap();
        }
    }
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        seen,
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn login_writes_the_token_and_the_profile_then_logout_removes_it() {
    let h = support::home("login", "same-device", "", CONFIG);
    let sign_in = support::fixture(json!([
        {"request": {"method": "GET", "path": "/v1/authorize?*"},
         "response": {"action": "authorize", "code": "AUTHCODE-1"}},
        {"request": {"method": "POST", "path": "/v1/token",
                     "body_contains": ["\"grantType\":\"authorization_code\"", "\"code\":\"AUTHCODE-1\"",
                                       "\"clientId\":\"arn:aws:signin:::devtools/same-device\"",
                                       "\"redirectUri\":\"http://127.0.0.1:"],
                     "dpop": {}, "pkce": true},
         "response": {"status": 200, "json": token_output("ASIAFIRST", "refresh-1", true)}},
        // The refresh of a token `awscred login` wrote: its DPoP key signs for real.
        {"request": {"method": "POST", "path": "/v1/token",
                     "body_contains": ["\"grantType\":\"refresh_token\"", "\"refreshToken\":\"refresh-1\""],
                     "dpop": {}},
         "response": {"status": 200, "json": token_output("ASIASECOND", "refresh-2", false)}},
    ]))
    .await;
    let url = sign_in.url();
    let env = [("AWS_ENDPOINT_URL_SIGNIN", url.as_str())];
    let (code, stdout, stderr) = same_device_login(&h, &url).await;
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(
        stdout.contains(&format!(
            "Updated profile web to use {SESSION} credentials."
        )),
        "{stdout}"
    );

    // The token file, as the AWS CLI writes it.
    let file = token_file(&h);
    let token: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(token["accessToken"]["accessKeyId"], "ASIAFIRST");
    assert_eq!(token["accessToken"]["accountId"], "123456789012");
    assert!(
        token["accessToken"]["expiresAt"]
            .as_str()
            .unwrap()
            .ends_with('Z')
    );
    assert_eq!(token["tokenType"], "aws_sigv4");
    assert_eq!(token["clientId"], "arn:aws:signin:::devtools/same-device");
    assert_eq!(token["refreshToken"], "refresh-1");
    assert_eq!(token["idToken"], ID_TOKEN);
    assert!(
        token["dpopKey"]
            .as_str()
            .unwrap()
            .starts_with("-----BEGIN EC PRIVATE KEY-----\n")
    );
    use std::os::unix::fs::PermissionsExt as _;
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600
    );
    // The config file: edited in place, the comment, the order and the other profiles kept.
    let config = std::fs::read_to_string(h.join(".aws/config")).unwrap();
    assert_eq!(
        config,
        format!(
            "# my settings, kept\n[default]\nregion = us-east-1\n\n\
             [profile keys]\naws_access_key_id = AKID\naws_secret_access_key = s\n\n\
             [profile web]\n# web profile\noutput = json\nlogin_session = {SESSION}\nregion = eu-west-1\n"
        )
    );

    // awscred uses it, and refreshes it once it is about to expire (with the key login made).
    let (code, out, err) =
        support::run(&h, &["export-credentials", "--profile", "web"], &env).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("ASIAFIRST"), "{out}");
    let mut t = token.clone();
    t["accessToken"]["expiresAt"] = json!("2020-01-01T00:00:00Z");
    std::fs::write(&file, t.to_string()).unwrap();
    let (code, out, err) =
        support::run(&h, &["export-credentials", "--profile", "web"], &env).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("ASIASECOND"), "{out}");
    sign_in.verify().unwrap();
    let refreshed: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(refreshed["refreshToken"], "refresh-2");
    assert_eq!(refreshed["dpopKey"], token["dpopKey"]);

    // A profile with other credentials is refused, before any request.
    let (code, _, err) = support::run(
        &h,
        &["login", "--profile", "keys", "--region", "eu-west-1"],
        &env,
    )
    .await;
    assert_eq!(code, 1);
    assert!(
        err.contains("already configured with Access Key credentials"),
        "{err}"
    );

    // logout: this profile's file, then nothing left; --all.
    let (code, out, _) = support::run(&h, &["logout", "--profile", "web"], &[]).await;
    assert_eq!(code, 0);
    assert!(
        out.contains("Removed cached login credentials for profile 'web'"),
        "{out}"
    );
    assert!(!file.exists());
    let (code, _, err) = support::run(&h, &["logout", "--profile", "keys"], &[]).await;
    assert_eq!(code, 0);
    assert!(
        err.contains("warning: no login session found for profile 'keys'"),
        "{err}"
    );
    std::fs::write(&file, token.to_string()).unwrap();
    std::fs::write(file.with_file_name("other.json"), "{\"startUrl\": \"x\"}").unwrap();
    let (code, out, _) = support::run(&h, &["logout", "--all"], &[]).await;
    assert_eq!(code, 0);
    assert!(out.contains("Removed 1 cached login credential."), "{out}");
    assert!(file.with_file_name("other.json").exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn remote_login_reads_the_pasted_code() {
    let h = support::home("login", "remote", "", "");
    let sign_in = support::fixture(json!([
        {"request": {"method": "GET", "path": "/v1/authorize?*"},
         "response": {"action": "authorize", "code": "REMOTE-CODE"}},
        {"request": {"method": "POST", "path": "/v1/token",
                     "body_contains": ["\"code\":\"REMOTE-CODE\"",
                                       "\"clientId\":\"arn:aws:signin:::devtools/cross-device\"",
                                       "/v1/sessions/confirmation"],
                     "dpop": {}, "pkce": true},
         "response": {"status": 200, "json": token_output("ASIAREMOTE", "refresh-r", true)}},
    ]))
    .await;
    let url = sign_in.url();
    let (code, stdout, stderr) = tokio::task::spawn_blocking({
        let h = h.clone();
        move || {
            run_login(
                &h,
                &["login", "--remote"],
                &[
                    ("AWS_ENDPOINT_URL_SIGNIN", url.as_str()),
                    ("AWS_REGION", "eu-west-1"),
                ],
                |line| {
                    let authorize = line.trim();
                    if !authorize.starts_with("http://") || !authorize.contains("/v1/authorize?") {
                        return None;
                    }
                    // Another device signs in; the confirmation page shows base64 of
                    // `state=…&code=…`, which the user pastes.
                    let (status, location, _) = get(authorize);
                    assert_eq!(status, 302);
                    let location = location.unwrap();
                    let query = location.split_once('?').unwrap().1;
                    let param = |n: &str| {
                        query
                            .split('&')
                            .find_map(|p| p.strip_prefix(&format!("{n}=")))
                            .unwrap()
                            .to_owned()
                    };
                    let pasted = format!("state={}&code={}", param("state"), param("code"));
                    Some(format!("{}\n", base64_std(pasted.as_bytes())))
                },
            )
        }
    })
    .await
    .unwrap();
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    sign_in.verify().unwrap();
    let token: Value = serde_json::from_slice(&std::fs::read(token_file(&h)).unwrap()).unwrap();
    assert_eq!(token["clientId"], "arn:aws:signin:::devtools/cross-device");
    let config = std::fs::read_to_string(h.join(".aws/config")).unwrap();
    assert_eq!(config, format!("[default]\nlogin_session = {SESSION}\n"));
}

/// `awscred login --profile web --region eu-west-1 --no-browser` against the fake Sign-In at
/// `url`, this test playing the browser.
async fn same_device_login(h: &Path, url: &str) -> (i32, String, String) {
    let (h, url) = (h.to_owned(), url.to_owned());
    tokio::task::spawn_blocking(move || {
        run_login(
            &h,
            &[
                "login",
                "--profile",
                "web",
                "--region",
                "eu-west-1",
                "--no-browser",
            ],
            &[("AWS_ENDPOINT_URL_SIGNIN", url.as_str())],
            |line| {
                let authorize = line.trim();
                if !authorize.contains("/v1/authorize?") {
                    return None;
                }
                assert!(
                    authorize
                        .contains("client_id=arn%3Aaws%3Asignin%3A%3A%3Adevtools%2Fsame-device"),
                    "{authorize}"
                );
                assert!(
                    authorize.contains("code_challenge_method=SHA-256&scope=openid"),
                    "{authorize}"
                );
                // The browser: Sign-In redirects to the loopback listener, which answers.
                let (status, location, _) = get(authorize);
                assert_eq!(status, 302);
                let (status, _, page) = get(&location.unwrap());
                assert_eq!(status, 200, "{page}");
                Some(String::new())
            },
        )
    })
    .await
    .unwrap()
}

/// botocore (the moto venv's, with `botocore[crt]`) for profile `web` under `home`: its
/// credential method and access key id, refreshing them if they are expired.
const BOTOCORE: &str = r#"
import sys, botocore.session
s = botocore.session.Session(profile="web")
c = s.get_credentials()
f = c.get_frozen_credentials()
print(c.method, f.access_key)
"#;

fn botocore(python: &Path, home: &Path, url: &str) -> Result<String, String> {
    let out = std::process::Command::new(python)
        .args(["-c", BOTOCORE])
        .env_clear()
        .env("HOME", home)
        .env("AWS_ENDPOINT_URL_SIGNIN", url)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// Cross-tool, both ways: botocore reads the token file `awscred login` wrote and the one
/// awscred refreshed (no request), and refreshes it itself (its DPoP proof checked by the fake
/// Sign-In); awscred then reads the file botocore wrote back, with no request.
#[test]
fn botocore_and_awscred_share_login_tokens() {
    awscred_test::peer_case(
        "login-botocore-interop",
        "botocore",
        "awscred login → botocore; awscred refresh → botocore; botocore refresh → awscred",
        || {
            let python = match awscred_test::moto::botocore_python() {
                Ok(p) => p,
                Err(why) => return awscred_test::Outcome::Skip(why),
            };
            let crt = std::process::Command::new(&python)
                .args(["-c", "import awscrt"])
                .status()
                .is_ok_and(|s| s.success());
            if !crt {
                return awscred_test::Outcome::Skip(
                    "the moto venv has no awscrt (botocore[crt]); `cargo xtask test` installs it"
                        .into(),
                );
            }
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(interop(&python));
            awscred_test::Outcome::Pass
        },
    );
}

async fn interop(python: &Path) {
    let h = support::home("login", "botocore", "", "");
    let sign_in = support::fixture(json!([
        {"request": {"method": "GET", "path": "/v1/authorize?*"},
         "response": {"action": "authorize", "code": "AUTHCODE-B"}},
        {"request": {"method": "POST", "path": "/v1/token", "body_contains": ["AUTHCODE-B"],
                     "dpop": {}, "pkce": true},
         "response": {"status": 200, "json": token_output("ASIAFIRST", "refresh-1", true)}},
        // awscred's refresh.
        {"request": {"method": "POST", "path": "/v1/token", "body_contains": ["\"refreshToken\":\"refresh-1\""],
                     "dpop": {}},
         "response": {"status": 200, "json": token_output("ASIASECOND", "refresh-2", false)}},
        // botocore's refresh, with the key awscred login made.
        {"request": {"method": "POST", "path": "/v1/token", "body_contains": ["refresh-2", "refresh_token"],
                     "dpop": {}},
         "response": {"status": 200, "json": token_output("ASIATHIRD", "refresh-3", false)}},
    ]))
    .await;
    let url = sign_in.url();
    let env = [("AWS_ENDPOINT_URL_SIGNIN", url.as_str())];
    let (code, stdout, stderr) = same_device_login(&h, &url).await;
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let file = token_file(&h);
    assert_eq!(botocore(python, &h, &url).unwrap(), "login ASIAFIRST");
    // awscred refreshes an expiring token; botocore reads the result.
    let expire = || {
        let mut t: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
        t["accessToken"]["expiresAt"] = json!("2020-01-01T00:00:00Z");
        std::fs::write(&file, t.to_string()).unwrap();
    };
    expire();
    let (code, out, err) =
        support::run(&h, &["export-credentials", "--profile", "web"], &env).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("ASIASECOND"), "{out}");
    assert_eq!(botocore(python, &h, &url).unwrap(), "login ASIASECOND");
    // botocore refreshes; awscred reads what it wrote back, with no request.
    expire();
    let h2 = h.clone();
    let (py, url2) = (python.to_owned(), url.clone());
    let got = tokio::task::spawn_blocking(move || botocore(&py, &h2, &url2))
        .await
        .unwrap();
    assert_eq!(got.unwrap(), "login ASIATHIRD");
    let t: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(t["refreshToken"], "refresh-3");
    let (code, out, err) =
        support::run(&h, &["export-credentials", "--profile", "web"], &env).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("ASIATHIRD"), "{out}");
    sign_in.verify().unwrap();
}

/// Standard base64 (for the pasted code), by hand: the test has no base64 crate.
fn base64_std(bytes: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(A[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}
