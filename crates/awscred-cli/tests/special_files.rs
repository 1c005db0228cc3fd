//! Files that are not files: every file the chain reads, replaced in turn by a FIFO nobody
//! writes to, by `/dev/zero` and by a file one byte over its size cap (`ReadCap`). Each run
//! must answer within a second: as botocore does for a missing file where botocore checks
//! `os.path.isfile` (config files, cache entries), else with an error naming the file.
//!
//! The real file system in a temp folder; peers are the fixture server.
#![cfg(unix)]
#![allow(
    clippy::disallowed_methods,
    reason = "the test sets up files and runs the binary"
)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use awscred_file_cache::CacheKey;
use awscred_sts::AssumeRoleRequest;
use awscred_types::ReadCap;

mod support;

const ROLE: &str = "arn:aws:iam::123456789012:role/cli";

const ROLE_OK: &str = "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIAROLE0000</AccessKeyId>\
    <SecretAccessKey>SECRETROLE</SecretAccessKey><SessionToken>TOKENROLE</SessionToken>\
    <Expiration>2035-01-01T00:00:00Z</Expiration></Credentials><AssumedRoleUser>\
    <Arn>arn:aws:sts::123456789012:assumed-role/cli/s</Arn><AssumedRoleId>AROA:s</AssumedRoleId>\
    </AssumedRoleUser></AssumeRoleResult></AssumeRoleResponse>";

/// What stands where a file should be.
#[derive(Clone, Copy, Debug)]
enum Special {
    Fifo,
    DevZero,
    OverCap(ReadCap),
}

impl Special {
    /// Puts it at `path` (replacing what is there).
    fn place(self, path: &Path) {
        let _ = std::fs::remove_file(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        match self {
            Self::Fifo => {
                let ok = std::process::Command::new("mkfifo")
                    .arg(path)
                    .status()
                    .unwrap()
                    .success();
                assert!(ok, "mkfifo {}", path.display());
            }
            Self::DevZero => std::os::unix::fs::symlink("/dev/zero", path).unwrap(),
            Self::OverCap(cap) => {
                // Sparse: one byte over the cap costs no disk.
                let f = std::fs::File::create(path).unwrap();
                f.set_len(cap.limit() + 1).unwrap();
            }
        }
        // Private, as a cache entry must be to be read at all (a symlink keeps its target's).
        if !matches!(self, Self::DevZero) {
            let mode = std::os::unix::fs::PermissionsExt::from_mode(0o600);
            std::fs::set_permissions(path, mode).unwrap();
        }
    }

    /// What the error says about the file, when it is one.
    fn refusal(self) -> &'static str {
        match self {
            Self::Fifo => "is a FIFO, not a regular file",
            Self::DevZero => "is a device, not a regular file",
            Self::OverCap(_) => "is larger than",
        }
    }
}

const ALL: fn(ReadCap) -> [Special; 3] =
    |cap| [Special::Fifo, Special::DevZero, Special::OverCap(cap)];

fn home(name: &str) -> PathBuf {
    support::home("special", name, "", "")
}

/// Runs `awscred ARGS` (in `eu-west-1` unless `env` says otherwise) and returns (exit code, stdout, stderr, time taken); a run still going
/// after 10 s is killed and fails the test.
fn timed(home: &Path, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String, Duration) {
    let mut c = support::cmd(home, args, env);
    if !env.iter().any(|(k, _)| *k == "AWS_REGION") {
        c.env("AWS_REGION", "eu-west-1");
    }
    c.stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let start = Instant::now();
    let mut child = c.spawn().unwrap();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if start.elapsed() > Duration::from_secs(10) {
            child.kill().unwrap();
            let _ = child.wait();
            panic!("awscred {args:?} {env:?} still running after 10 s");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let took = start.elapsed();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
        took,
    )
}

/// The run answered within a second.
fn quick(what: &str, took: Duration) {
    assert!(
        took < Duration::from_secs(1),
        "{what}: took {} ms",
        took.as_millis()
    );
}

/// The run failed with an error naming `file` and saying what is wrong with it.
fn refused(what: &str, out: &(i32, String, String, Duration), file: &Path, special: Special) {
    let (code, _, stderr, took) = out;
    quick(what, *took);
    assert_ne!(*code, 0, "{what}: {stderr}");
    assert!(
        stderr.contains(&file.display().to_string()) && stderr.contains(special.refusal()),
        "{what}: {stderr}"
    );
}

/// Config and credentials files: a FIFO or a device reads as a missing file (the other file
/// still answers), a file over 16 MiB is an error naming it. `profiles` too.
#[test]
fn shared_files() {
    let keys = "[default]\naws_access_key_id = AKIDKEYS\naws_secret_access_key = S\n";
    for (var, other) in [
        ("AWS_CONFIG_FILE", "credentials"),
        ("AWS_SHARED_CREDENTIALS_FILE", "config"),
    ] {
        for special in ALL(ReadCap::Config) {
            let h = home(&format!("{var}-{special:?}"));
            std::fs::write(h.join(".aws").join(other), keys).unwrap();
            let file = h.join("special");
            special.place(&file);
            let env = [(var, file.to_str().unwrap())];
            for args in [&["export-credentials"][..], &["profiles"]] {
                let what = format!("{var} {special:?} {args:?}");
                let out = timed(&h, args, &env);
                if let Special::OverCap(_) = special {
                    refused(&what, &out, &file, special);
                } else {
                    quick(&what, out.3);
                    assert_eq!(out.0, 0, "{what}: {}", out.2);
                    assert!(
                        out.1.contains("AKIDKEYS") || out.1.contains("default"),
                        "{what}: {}",
                        out.1
                    );
                }
            }
        }
    }
}

/// The web identity token and the container authorization token: an error naming the file
/// (botocore opens and reads both, so it errors on them too; it never returns on a FIFO).
#[test]
fn token_files() {
    for special in ALL(ReadCap::Token) {
        let h = home(&format!("tokens-{special:?}"));
        let file = h.join("token");
        special.place(&file);
        let path = file.to_str().unwrap();
        let out = timed(
            &h,
            &["export-credentials"],
            &[
                ("AWS_WEB_IDENTITY_TOKEN_FILE", path),
                ("AWS_ROLE_ARN", ROLE),
                ("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:9"),
            ],
        );
        refused(&format!("web identity {special:?}"), &out, &file, special);
        let out = timed(
            &h,
            &["export-credentials"],
            &[
                ("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:9/c"),
                ("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", path),
            ],
        );
        refused(
            &format!("container token {special:?}"),
            &out,
            &file,
            special,
        );
    }
}

/// `BOTO_CONFIG`: a FIFO or a device is a missing file (the chain ends with no credentials),
/// over 16 MiB is an error naming it.
#[test]
fn boto_config() {
    for special in ALL(ReadCap::Config) {
        let h = home(&format!("boto-{special:?}"));
        let file = h.join("boto.cfg");
        special.place(&file);
        let out = timed(
            &h,
            &["export-credentials"],
            &[("BOTO_CONFIG", file.to_str().unwrap())],
        );
        let what = format!("BOTO_CONFIG {special:?}");
        if let Special::OverCap(_) = special {
            refused(&what, &out, &file, special);
        } else {
            quick(&what, out.3);
            assert_ne!(out.0, 0, "{what}");
            assert!(
                out.2.contains("no credentials") || out.2.contains("Unable to locate"),
                "{what}: {}",
                out.2
            );
        }
    }
}

/// An AWS CLI cache entry that is not a file is a cache miss (as in botocore's JSONFileCache):
/// STS is asked again and the entry is written afresh. `cache list` answers too.
#[tokio::test(flavor = "multi_thread")]
async fn assume_role_cache_entry() {
    let exchange = serde_json::json!({
        "request": {"method": "POST", "path": "/", "body_contains": ["Action=AssumeRole"]},
        "response": {"status": 200, "body": ROLE_OK}});
    let sts = support::fixture(serde_json::Value::Array(vec![exchange; 3])).await;
    let url = sts.url();
    let mut req = AssumeRoleRequest::new(ROLE, "cli");
    req.role_session_name = "cli".into();
    let key = CacheKey::assume_role(&req, false);
    for special in ALL(ReadCap::CacheEntry) {
        let h = support::home(
            "special",
            &format!("cache-{special:?}"),
            "",
            &format!(
                "[profile base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = S\n\
                 [profile top]\nrole_arn = {ROLE}\nsource_profile = base\nrole_session_name = cli\n"
            ),
        );
        let file = h.join(format!(".aws/cli/cache/{}.json", key.as_str()));
        special.place(&file);
        let what = format!("cache entry {special:?}");
        let env = [("AWS_ENDPOINT_URL_STS", url.as_str())];
        // Blocking here is fine: the test body is not on a runtime worker thread.
        let out = timed(&h, &["export-credentials", "--profile", "top"], &env);
        quick(&what, out.3);
        assert_eq!(out.0, 0, "{what}: {}", out.2);
        assert!(out.1.contains("ASIAROLE0000"), "{what}: {}", out.1);
        // Written afresh: the rename replaced whatever stood there with a regular file.
        assert!(std::fs::metadata(&file).unwrap().is_file(), "{what}");
        special.place(&file);
        let out = timed(&h, &["cache", "list"], &[]);
        quick(&format!("{what} cache list"), out.3);
        assert_eq!(out.0, 0, "{what} cache list: {}", out.2);
    }
    sts.verify().unwrap();
}

/// An SSO token file that is not a file reads as no token ("not logged in", as botocore's
/// JSONFileCache sees it); one over the cap is an error naming it.
#[test]
fn sso_token() {
    let config = "[profile sso]\nsso_session = corp\nsso_account_id = 123456789012\n\
                  sso_role_name = Admin\nregion = eu-west-1\n\
                  [sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\n\
                  sso_region = eu-west-1\n";
    for special in ALL(ReadCap::CacheEntry) {
        let h = support::home("special", &format!("sso-{special:?}"), "", config);
        let file = support::corp_sso_token_path(&h);
        special.place(&file);
        let what = format!("sso token {special:?}");
        let out = timed(
            &h,
            &["export-credentials", "--profile", "sso"],
            &[("AWS_ENDPOINT_URL_SSO", "http://127.0.0.1:9")],
        );
        if let Special::OverCap(_) = special {
            refused(&what, &out, &file, special);
        } else {
            quick(&what, out.3);
            assert_ne!(out.0, 0, "{what}");
            assert!(out.2.contains("not logged in"), "{what}: {}", out.2);
        }
    }
}

/// `AWS_CA_BUNDLE`: an error naming the file.
#[test]
fn ca_bundle() {
    for special in ALL(ReadCap::CaBundle) {
        let h = support::home(
            "special",
            &format!("ca-{special:?}"),
            "",
            &format!(
                "[profile base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = S\n\
                 [profile top]\nrole_arn = {ROLE}\nsource_profile = base\n"
            ),
        );
        let file = h.join("ca.pem");
        special.place(&file);
        let out = timed(
            &h,
            &["export-credentials", "--profile", "top"],
            &[
                ("AWS_CA_BUNDLE", file.to_str().unwrap()),
                ("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:9"),
            ],
        );
        refused(&format!("CA bundle {special:?}"), &out, &file, special);
    }
}
