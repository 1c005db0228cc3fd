//! Role profiles through the binary: the AWS CLI's cache folder, `--no-cache`, `--mfa-code`.
//! STS is the fixture server (the moto suite in `awscred-chain` covers the real protocol).
#![allow(
    clippy::disallowed_methods,
    reason = "the test sets up files and runs the binary"
)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use awscred_file_cache::CacheKey;
use awscred_sts::AssumeRoleRequest;
use awscred_test::fixture_server::{FixtureServer, Recording};

const ROLE: &str = "arn:aws:iam::123456789012:role/cli";

fn home(name: &str, extra: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("awscred-cli-role-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join(".aws")).unwrap();
    std::fs::write(
        dir.join(".aws/config"),
        format!(
            "[profile base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = SECRETBASE\n\
             [profile top]\nrole_arn = {ROLE}\nsource_profile = base\nrole_session_name = cli\n{extra}"
        ),
    )
    .unwrap();
    dir
}

/// Only `HOME`, IMDS off and STS at `sts` in `cmd`'s environment; standard input closed.
fn hermetic<'c>(cmd: &'c mut Command, home: &Path, sts: &str) -> &'c mut Command {
    cmd.env_clear()
        .env("HOME", home)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ENDPOINT_URL_STS", sts)
        .stdin(Stdio::null())
}

/// The rest of the environment for the fixture server's STS: a region, one attempt.
const FIXTURE: [(&str, &str); 2] = [("AWS_REGION", "eu-west-1"), ("AWS_MAX_ATTEMPTS", "1")];

/// `awscred export-credentials --profile top`, [`hermetic`] and `env`.
fn export_top(home: &Path, sts: &str, env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_awscred"));
    hermetic(&mut cmd, home, sts)
        .envs(env.iter().copied())
        .args(["export-credentials", "--profile", "top"]);
    cmd
}

/// `awscred export-credentials --profile top` with `extra` arguments, for the fixture server's
/// STS at `sts`: the exit code, standard output and standard error.
async fn export(home: &Path, sts: &str, extra: &[&str]) -> (i32, String, String) {
    // `setsid` detaches the binary from any controlling terminal the test runner has, so "no
    // terminal" is true here as on CI.
    let mut cmd = if Path::new("/usr/bin/setsid").exists() {
        let mut c = Command::new("/usr/bin/setsid");
        c.arg(env!("CARGO_BIN_EXE_awscred"));
        c
    } else {
        Command::new(env!("CARGO_BIN_EXE_awscred"))
    };
    hermetic(&mut cmd, home, sts)
        .envs(FIXTURE)
        .args(["export-credentials", "--profile", "top"])
        .args(extra);
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

fn success() -> String {
    "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIACLI</AccessKeyId>\
     <SecretAccessKey>SECRETROLE</SecretAccessKey><SessionToken>TOKENROLE</SessionToken>\
     <Expiration>2035-01-01T00:00:00Z</Expiration></Credentials><AssumedRoleUser>\
     <Arn>arn:aws:sts::123456789012:assumed-role/cli/cli</Arn><AssumedRoleId>AROA:cli</AssumedRoleId>\
     </AssumedRoleUser></AssumeRoleResult></AssumeRoleResponse>"
        .into()
}

async fn sts(body_contains: &[&str], times: usize) -> FixtureServer {
    let exchange = serde_json::json!({
        "request": {"method": "POST", "path": "/", "body_contains": body_contains},
        "response": {"status": 200, "body": success()}});
    let rec: Recording =
        serde_json::from_value(serde_json::json!({ "exchanges": vec![exchange; times] })).unwrap();
    FixtureServer::start(rec).await
}

/// Starts 32 `command()`s at once (output captured) and waits for them all: every one must
/// succeed and print the same. What they printed.
async fn thirty_two(command: impl Fn() -> Command + Send + 'static) -> String {
    let outputs = tokio::task::spawn_blocking(move || {
        let children: Vec<_> = (0..32)
            .map(|_| {
                command()
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        children
            .into_iter()
            .map(|c| c.wait_with_output().unwrap())
            .collect::<Vec<_>>()
    })
    .await
    .unwrap();
    for out in &outputs {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(out.stdout, outputs[0].stdout);
    }
    String::from_utf8_lossy(&outputs[0].stdout).into_owned()
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[tokio::test(flavor = "multi_thread")]
async fn sessions_land_in_the_aws_cli_cache_and_the_next_run_uses_them() {
    let h = home("cache", "");
    let server = sts(&["Action=AssumeRole", "RoleSessionName=cli"], 1).await;
    let (code, out, err) = export(&h, &server.url(), &[]).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("\"AccessKeyId\":\"ASIACLI\""), "{out}");
    // Second run: no STS exchange left, so only the cache can answer.
    let (code, out2, err) = export(&h, &server.url(), &[]).await;
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, out2);
    server.verify().unwrap();

    let mut req = AssumeRoleRequest::new(ROLE, "cli");
    req.role_session_name = "cli".into();
    let key = CacheKey::assume_role(&req, false);
    let dir = h.join(".aws/cli/cache");
    let file = dir.join(format!("{}.json", key.as_str()));
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.starts_with("{\"Credentials\": {\"AccessKeyId\": \"ASIACLI\""),
        "{text}"
    );
    assert_eq!((mode(&file), mode(&dir)), (0o600, 0o700));
    assert!(
        !err.contains("SECRET") && !err.contains("TOKENROLE"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn no_cache_keeps_sessions_in_memory_only() {
    let h = home("nocache", "");
    let server = sts(&["Action=AssumeRole"], 2).await;
    for _ in 0..2 {
        let (code, _, err) = export(&h, &server.url(), &["--no-cache"]).await;
        assert_eq!(code, 0, "{err}");
    }
    server.verify().unwrap();
    assert!(!h.join(".aws/cli").exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn mfa_code_on_the_command_line_and_a_clear_error_without_a_terminal() {
    let h = home("mfa", "mfa_serial = arn:aws:iam::123456789012:mfa/me\n");
    let server = sts(
        &[
            "SerialNumber=arn%3Aaws%3Aiam%3A%3A123456789012%3Amfa%2Fme",
            "TokenCode=271828",
        ],
        1,
    )
    .await;
    let (code, out, err) = export(&h, &server.url(), &["--mfa-code", "271828", "--no-cache"]).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("ASIACLI"), "{out}");
    server.verify().unwrap();
    // No code, no terminal, standard input closed: an error naming the serial, not a hang.
    let (code, _, err) = export(&h, "http://127.0.0.1:9", &["--no-cache"]).await;
    assert_ne!(code, 0);
    assert!(err.contains("arn:aws:iam::123456789012:mfa/me"), "{err}");
    assert!(err.contains("MFA code"), "{err}");
}

/// 32 processes started at once with an empty cache: one `AssumeRole` (the fixture server has
/// exactly one exchange and refuses any other request), the others wait on the entry's lock
/// file and read what the first wrote; every process prints the same credentials.
#[tokio::test(flavor = "multi_thread")]
async fn thirty_two_processes_make_one_sts_call() {
    let h = home("stampede", "");
    // STS answers slowly, so every process is running (and has found the cache empty) before
    // the first answer arrives.
    let rec: Recording = serde_json::from_value(serde_json::json!({"exchanges": [{
        "request": {"method": "POST", "path": "/", "body_contains": ["Action=AssumeRole"]},
        "response": {"status": 200, "body": success(), "delay_ms": 1500}}]}))
    .unwrap();
    let server = FixtureServer::start(rec).await;
    let url = server.url();
    let out = thirty_two(move || export_top(&h, &url, &FIXTURE)).await;
    assert!(out.contains("ASIACLI"), "{out}");
    server.verify().unwrap();
}

/// Processes killed with SIGKILL at random moments while fetching and writing a session never
/// leave an entry another process trusts half-written: every `.json` in the cache parses, and
/// the next run answers.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn sigkill_mid_write_never_leaves_a_trusted_corrupt_entry() {
    let h = home("sigkill", "");
    let exchange = |delay: u64| {
        serde_json::json!({"request": {"method": "POST", "path": "/", "body_contains": ["Action=AssumeRole"]},
                           "response": {"status": 200, "body": success(), "delay_ms": delay}})
    };
    let rec: Recording = serde_json::from_value(serde_json::json!({
        "exchanges": (0..40).map(|i| exchange(i % 8)).collect::<Vec<_>>()}))
    .unwrap();
    let server = FixtureServer::start(rec).await;
    let url = server.url();
    let home_dir = h.clone();
    tokio::task::spawn_blocking(move || {
        let mut rng = 0x2545_f491_4f6c_dd1d_u64;
        for _ in 0..40 {
            let _ = std::fs::remove_dir_all(home_dir.join(".aws/cli/cache"));
            let mut child = export_top(&home_dir, &url, &FIXTURE)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            std::thread::sleep(std::time::Duration::from_micros(rng % 12_000));
            let _ = child.kill(); // SIGKILL
            let _ = child.wait();
            let dir = home_dir.join(".aws/cli/cache");
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.extension().is_some_and(|e| e == "json") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    assert!(
                        serde_json::from_str::<serde_json::Value>(&text).is_ok(),
                        "half-written entry {}: {text:?}",
                        path.display()
                    );
                }
            }
        }
    })
    .await
    .unwrap();
    // Whatever was left behind, the next run answers (from the cache or from STS).
    let (code, out, err) = export(&h, &server.url(), &[]).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("ASIACLI"), "{out}");
}

/// The same stampede against the real peer: 32 processes, the enforced moto server as STS, and
/// moto's own record of assumed roles (`/moto-api/data.json`) as the counter.
#[test]
fn thirty_two_processes_make_one_assume_role_call_on_moto() {
    awscred_test::peer_case(
        "cli-moto-stampede",
        "moto",
        "32 processes, one AssumeRole call on moto",
        || match awscred_test::moto::Moto::from_env() {
            Ok(moto) => {
                tokio::runtime::Builder::new_multi_thread()
                    .enable_all()
                    .build()
                    .expect("a tokio runtime")
                    .block_on(stampede_on_moto(moto));
                awscred_test::Outcome::Pass
            }
            Err(why) => awscred_test::Outcome::Skip(why),
        },
    );
}

async fn stampede_on_moto(moto: awscred_test::moto::Moto) {
    let (ak, sk, role) = (&moto.ak, &moto.sk, &moto.role_a);
    let session = format!("stampede-{}", std::process::id());
    let h = std::env::temp_dir().join(format!("awscred-moto-stampede-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&h);
    std::fs::create_dir_all(h.join(".aws")).unwrap();
    std::fs::write(
        h.join(".aws/config"),
        format!(
            "[profile base]\naws_access_key_id = {ak}\naws_secret_access_key = {sk}\n\
             [profile top]\nrole_arn = {role}\nsource_profile = base\nrole_session_name = {session}\nregion = us-east-1\n"
        ),
    )
    .unwrap();
    let count = |moto: awscred_test::moto::Moto, session: String| async move {
        tokio::task::spawn_blocking(move || moto.assumed_sessions(&session).unwrap())
            .await
            .unwrap()
    };
    assert_eq!(count(moto.clone(), session.clone()).await, 0);
    let (home, url) = (h.clone(), moto.enforced.clone());
    thirty_two(move || export_top(&home, &url, &[])).await;
    let calls = count(moto, session).await;
    let _ = std::fs::remove_dir_all(&h);
    assert_eq!(
        calls, 1,
        "moto saw {calls} AssumeRole calls from 32 processes"
    );
}
