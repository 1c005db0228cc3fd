//! The cross-process lock beside a `~/.aws/cli/cache` entry cannot hang other runs: a process
//! stopped (SIGSTOP, as Ctrl-Z does) at the MFA prompt holds no lock, and one stopped while it
//! holds the lock (in its STS call) is waited for at most `LOCK_WAIT`, after which the next run
//! goes on without the lock and gets its credentials. `explain` never takes the lock.
#![allow(
    clippy::disallowed_methods,
    reason = "the test sets up files and runs the binary"
)]

use std::io::{BufReader, Read as _};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use awscred_file_cache::{CacheKey, LOCK_WAIT};
use awscred_sts::AssumeRoleRequest;
use support::{assume_role_ok, cmd, fixture};

mod support;

const ROLE: &str = "arn:aws:iam::123456789012:role/cli";
const MFA: &str = "arn:aws:iam::123456789012:mfa/me";
const KEYS: &str = "[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = SECRETBASE\n";

fn config(mfa: bool) -> String {
    let mfa = if mfa {
        format!("mfa_serial = {MFA}\n")
    } else {
        String::new()
    };
    format!(
        "[profile top]\nrole_arn = {ROLE}\nsource_profile = base\nrole_session_name = cli\n{mfa}"
    )
}

/// The lock file of the `top` role's entry.
fn lock_file(home: &Path, mfa: bool) -> PathBuf {
    let mut req = AssumeRoleRequest::new(ROLE, "cli");
    if mfa {
        req.serial_number = Some(MFA.into());
    }
    let key = CacheKey::assume_role(&req, false);
    home.join(format!(".aws/cli/cache/{key}.lock"))
}

/// Sends `signal` (`STOP`, `CONT`, `KILL`) to the process group of `child`: `setsid` made the
/// binary (same process, `setsid` execs it) the leader of its own group.
fn signal(child: &Child, signal: &str) {
    let status = std::process::Command::new("kill")
        .args(["-s", signal, "--", &format!("-{}", child.id())])
        .status()
        .unwrap();
    assert!(status.success(), "kill -{signal} failed");
}

/// Runs `awscred ARGS` to the end, or kills it after `limit`: exit code (`None` when it had to
/// be killed), stdout, stderr, and how long it took.
fn run_within(
    home: &Path,
    args: &[&str],
    env: &[(&str, &str)],
    limit: Duration,
) -> (Option<i32>, String, String, Duration) {
    let started = Instant::now();
    let mut child = cmd(home, args, env)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let code = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status.code();
        }
        if started.elapsed() > limit {
            signal(&child, "KILL");
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let took = started.elapsed();
    let out = child.wait_with_output().unwrap();
    (
        code,
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
        took,
    )
}

/// Waits until someone else holds `lock` (trying it ourselves), for at most 30 s.
fn wait_until_held(lock: &Path) {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(30) {
        if let Ok(f) = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(lock)
            && matches!(f.try_lock(), Err(std::fs::TryLockError::WouldBlock))
        {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("nobody took {}", lock.display());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_run_stopped_at_the_mfa_prompt_blocks_no_other_run() {
    let h = support::home("lock", "mfa", KEYS, &config(true));
    let sts = fixture(serde_json::json!([assume_role_ok()])).await;
    let url = sts.url();
    let env = [
        ("AWS_ENDPOINT_URL_STS", url.as_str()),
        ("AWS_REGION", "eu-west-1"),
    ];
    // The holder asks for a code on standard input (no terminal) and never gets one.
    let mut holder = cmd(&h, &["export-credentials", "--profile", "top"], &env)
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut prompt = String::new();
    let mut err = BufReader::new(holder.stderr.take().unwrap());
    let mut byte = [0u8; 1];
    while !prompt.contains("Enter MFA code") {
        assert_eq!(err.read(&mut byte).unwrap(), 1, "holder ended: {prompt}");
        prompt.push(byte[0] as char);
    }
    signal(&holder, "STOP");

    let limit = LOCK_WAIT + Duration::from_secs(20);
    let (code, out, err, took) = run_within(
        &h,
        &[
            "export-credentials",
            "--profile",
            "top",
            "--mfa-code",
            "123456",
        ],
        &env,
        limit,
    );
    signal(&holder, "CONT");
    signal(&holder, "KILL");
    let _ = holder.wait();
    assert_eq!(code, Some(0), "took {took:?}: {err}");
    assert!(out.contains("\"AccessKeyId\":\"ASIACLI\""), "{out}");
    // Nothing to wait for: the stopped process was never holding the lock.
    assert!(took < Duration::from_secs(20), "took {took:?}");
    assert!(!err.contains("going on without the cache lock"), "{err}");
    sts.verify().unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stopped_lock_holder_is_waited_for_a_bounded_time_only() {
    let h = support::home("lock", "held", KEYS, &config(false));
    // The holder's STS never answers, so it sits in its call with the lock taken.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_url = format!("http://{}", silent.local_addr().unwrap());
    let mut holder = cmd(
        &h,
        &["export-credentials", "--profile", "top"],
        &[
            ("AWS_ENDPOINT_URL_STS", &silent_url),
            ("AWS_REGION", "eu-west-1"),
        ],
    )
    .stdout(Stdio::null())
    .stderr(Stdio::null())
    .spawn()
    .unwrap();
    let lock = lock_file(&h, false);
    // The lock folder appears once the holder takes the lock.
    let started = Instant::now();
    while !lock.exists() && started.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(20));
    }
    wait_until_held(&lock);
    signal(&holder, "STOP");

    // `explain` never waits for the lock (its STS refuses, so it writes no entry either).
    let refusing = fixture(serde_json::json!([{
        "request": {"method": "POST", "path": "/"},
        "response": {"status": 403, "body":
            "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>\
             <Message>no</Message></Error></ErrorResponse>"}}]))
    .await;
    let refusing_url = refusing.url();
    let (code, _, err, took) = run_within(
        &h,
        &["explain", "--profile", "top"],
        &[
            ("AWS_ENDPOINT_URL_STS", &refusing_url),
            ("AWS_REGION", "eu-west-1"),
        ],
        Duration::from_secs(20),
    );
    assert!(code.is_some(), "explain hung on the lock ({took:?}): {err}");
    assert!(!err.contains("going on without the cache lock"), "{err}");

    let sts = fixture(serde_json::json!([assume_role_ok()])).await;
    let url = sts.url();
    let env = [
        ("AWS_ENDPOINT_URL_STS", url.as_str()),
        ("AWS_REGION", "eu-west-1"),
    ];

    let limit = LOCK_WAIT + Duration::from_secs(20);
    let (code, out, err, took) =
        run_within(&h, &["export-credentials", "--profile", "top"], &env, limit);
    signal(&holder, "CONT");
    signal(&holder, "KILL");
    let _ = holder.wait();
    drop(silent);
    assert_eq!(code, Some(0), "took {took:?}: {err}");
    assert!(out.contains("\"AccessKeyId\":\"ASIACLI\""), "{out}");
    assert!(took >= LOCK_WAIT && took < limit, "took {took:?}");
    assert!(err.contains("going on without the cache lock"), "{err}");
    assert!(
        !err.contains("SECRET") && !err.contains("TOKENROLE"),
        "{err}"
    );
    sts.verify().unwrap();
}
