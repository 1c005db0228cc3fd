//! The Secret Service backend (the default on Linux) against a real GNOME Keyring on a private
//! session bus: `dbus-run-session` with `gnome-keyring-daemon --daemonize --unlock
//! --components=secrets` (password on standard input). Unlocked: add, list, session, remove;
//! locked: every command fails within seconds naming the file backend; no bus, a dead bus and a
//! bus whose keyring was never unlocked: the same. STS is the fixture server.
//!
//! `cargo xtask test` installs the Debian packages (dbus-daemon, dbus-bin, gnome-keyring); where
//! they are missing the case is skipped with the reason, and fails under `CI=true`.
#![cfg(all(feature = "keys", target_os = "linux"))]
#![allow(
    clippy::disallowed_methods,
    reason = "the test starts a bus and a keyring and runs the binary"
)]

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod support;

/// A private session bus with GNOME Keyring on it, for as long as this lives.
struct Bus {
    child: Child,
    address: String,
}

impl Bus {
    /// `unlock`: start the keyring unlocked (password on stdin), else leave it to D-Bus
    /// activation (a keyring nobody unlocked).
    fn start(home: &Path, unlock: bool) -> Result<Self, String> {
        for tool in ["dbus-run-session", "gnome-keyring-daemon", "dbus-send"] {
            let found = Command::new("sh")
                .args(["-c", &format!("command -v {tool}")])
                .stdout(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if !found {
                return Err(format!(
                    "{tool} is not installed (Debian packages dbus-daemon, dbus-bin, \
                     gnome-keyring; `cargo xtask test` installs them)"
                ));
            }
        }
        let keyring = if unlock {
            "printf %s keyring-test-password | gnome-keyring-daemon --daemonize --unlock \
             --components=secrets >/dev/null 2>&1;"
        } else {
            ""
        };
        let mut child = Command::new("dbus-run-session")
            .args([
                "--",
                "sh",
                "-c",
                &format!("{keyring} echo \"$DBUS_SESSION_BUS_ADDRESS\"; read _"),
            ])
            .env_clear()
            .env("HOME", home)
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("dbus-run-session: {e}"))?;
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .map_err(|e| e.to_string())?;
        let address = line.trim().to_owned();
        if !address.starts_with("unix:") {
            let _ = child.kill();
            return Err(format!(
                "dbus-run-session printed no bus address ({address:?})"
            ));
        }
        Ok(Self { child, address })
    }

    fn send(&self, args: &[&str]) {
        let ok = Command::new("dbus-send")
            .args([
                "--session",
                "--print-reply",
                "--dest=org.freedesktop.secrets",
            ])
            .args(args)
            .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .stdout(Stdio::null())
            .status()
            .unwrap()
            .success();
        assert!(ok, "dbus-send {args:?}");
    }
}

impl Drop for Bus {
    fn drop(&mut self) {
        // Closing the script's input ends the session; dbus-run-session stops the bus, and the
        // keyring, losing its bus, exits.
        if let Some(mut stdin) = self.child.stdin.take() {
            let _ = stdin.write_all(b"\n");
        }
        let _ = self.child.wait();
    }
}

fn who() -> serde_json::Value {
    serde_json::json!({
        "request": {"method": "POST", "path": "/", "body_contains": ["Action=GetCallerIdentity"]},
        "response": {"status": 200, "body": "<GetCallerIdentityResponse><GetCallerIdentityResult>\
            <Arn>arn:aws:iam::123456789012:user/dev</Arn><UserId>AIDA</UserId>\
            <Account>123456789012</Account></GetCallerIdentityResult></GetCallerIdentityResponse>"}})
}

fn session_ok() -> serde_json::Value {
    serde_json::json!({
        "request": {"method": "POST", "path": "/", "body_contains": ["Action=GetSessionToken"]},
        "response": {"status": 200, "body": "<GetSessionTokenResponse><GetSessionTokenResult>\
            <Credentials><AccessKeyId>ASIASS0000000000001</AccessKeyId><SecretAccessKey>SECRETSS</SecretAccessKey>\
            <SessionToken>TOKENSS</SessionToken><Expiration>2035-01-01T00:00:00Z</Expiration>\
            </Credentials></GetSessionTokenResult></GetSessionTokenResponse>"}})
}

/// Runs `awscred ARGS` on the bus (`None`: no `DBUS_SESSION_BUS_ADDRESS`), the default backend
/// (no `AWSCRED_KEYSTORE`): code, stdout, stderr, and how long it took.
async fn run(
    home: &Path,
    bus: Option<&str>,
    sts: &str,
    args: &[&str],
    extra: &[(&str, &str)],
) -> (i32, String, String, Duration) {
    let mut env = vec![("AWS_ENDPOINT_URL_STS", sts), ("AWS_REGION", "eu-west-1")];
    if let Some(b) = bus {
        env.push(("DBUS_SESSION_BUS_ADDRESS", b));
    }
    env.extend_from_slice(extra);
    let started = Instant::now();
    let (code, out, err) = support::run(home, args, &env).await;
    (code, out, err, started.elapsed())
}

/// A command that must fail fast (well within the 5 s call timeout, plus start-up) and name
/// the file backend.
fn fails_fast(what: &str, (code, _, err, took): &(i32, String, String, Duration), words: &str) {
    assert_eq!(*code, 1, "{what}: {err}");
    assert!(err.contains("AWSCRED_KEYSTORE=file"), "{what}: {err}");
    assert!(err.contains(words), "{what}: {err}");
    assert!(*took < Duration::from_secs(8), "{what}: took {took:?}");
}

#[test]
fn secret_service_backend_on_a_real_gnome_keyring() {
    awscred_test::peer_case(
        "keys-secret-service",
        "secret-service",
        "unlocked, locked, no daemon",
        || {
            let home = support::home(
                "keys",
                "secret-service",
                "",
                "[profile dev]\nregion = eu-west-1\n",
            );
            let bus = match Bus::start(&home, true) {
                Ok(b) => b,
                Err(why) => return awscred_test::Outcome::Skip(why),
            };
            awscred_test::runtime().block_on(cases(&home, bus));
            awscred_test::Outcome::Pass
        },
    );
}

async fn cases(home: &Path, bus: Bus) {
    let sts = support::fixture(serde_json::json!([who(), session_ok(), who()])).await;
    let url = sts.url();
    let addr = bus.address.clone();
    let b = Some(addr.as_str());
    let keys = [
        ("AWS_ACCESS_KEY_ID", "AKIASS0000000000001"),
        ("AWS_SECRET_ACCESS_KEY", "SECRETSSLONGTERM"),
    ];

    // Unlocked.
    let (code, out, err, _) =
        run(home, b, &url, &["keys", "add", "dev", "--from-env"], &keys).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("in the secret-service key store"), "{out}");
    assert!(
        !home.join(".aws/awscred-keys.enc").exists(),
        "nothing in the file backend"
    );
    let (code, out, err, _) = run(home, b, &url, &["keys", "list"], &[]).await;
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("dev  secret-service  AKIA***********0001  credential_process set"),
        "{out}"
    );
    let (code, out, err, _) =
        run(home, b, &url, &["keys", "session", "--profile", "dev"], &[]).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("\"SessionToken\":\"TOKENSS\""), "{out}");
    let (code, out, err, _) = run(
        home,
        b,
        &url,
        &["keys", "session", "--profile", "dev", "--no-session"],
        &[],
    )
    .await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("SECRETSSLONGTERM"), "{out}");
    let (code, out, err, _) = run(home, b, &url, &["keys", "remove", "dev"], &[]).await;
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("keys removed from the secret-service key store"),
        "{out}"
    );
    let (_, out, _, _) = run(home, b, &url, &["keys", "list"], &[]).await;
    assert_eq!(out, "no keys in the secret-service key store\n");

    // Locked: the item is there, the collection locked; nothing prompts, nothing waits.
    let (code, _, err, _) = run(home, b, &url, &["keys", "add", "dev", "--from-env"], &keys).await;
    assert_eq!(code, 0, "{err}");
    bus.send(&[
        "/org/freedesktop/secrets",
        "org.freedesktop.Secret.Service.Lock",
        "array:objpath:/org/freedesktop/secrets/collection/login",
    ]);
    for args in [
        &["keys", "list"][..],
        &["keys", "session", "--profile", "dev"],
        &["keys", "export", "dev"],
        &["export-credentials", "--profile", "dev"],
    ] {
        let r = run(home, b, &url, args, &[]).await;
        fails_fast(&args.join(" "), &r, "locked");
    }
    let r = run(
        home,
        b,
        &url,
        &["keys", "add", "other", "--from-env"],
        &keys,
    )
    .await;
    fails_fast("keys add (locked)", &r, "locked");
    drop(bus);

    // No daemon: no bus at all, a bus address nobody listens on, a bus with no unlocked keyring.
    let r = run(home, None, &url, &["keys", "list"], &[]).await;
    fails_fast("no bus", &r, "DBUS_SESSION_BUS_ADDRESS is not set");
    let dead = format!("unix:path={}", home.join("no-bus-here").display());
    let r = run(home, Some(&dead), &url, &["keys", "list"], &[]).await;
    fails_fast("dead bus", &r, "cannot reach the D-Bus session bus");
    let fresh = std::env::temp_dir().join(format!("awscred-keys-ss-fresh-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&fresh);
    std::fs::create_dir_all(&fresh).unwrap();
    let bare = Bus::start(&fresh, false).unwrap();
    let (code, _, err, took) = run(
        home,
        Some(&bare.address),
        &url,
        &["keys", "add", "dev", "--from-env"],
        &keys,
    )
    .await;
    // D-Bus activation starts a keyring nobody unlocked: locked, or no default collection.
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("AWSCRED_KEYSTORE=file"), "{err}");
    assert!(took < Duration::from_secs(12), "took {took:?}");
    drop(bare);
    assert!(!err.contains("SECRETSS"), "{err}");
}
