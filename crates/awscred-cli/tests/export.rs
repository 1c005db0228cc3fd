//! `awscred export-credentials` as a person (or another tool's credential_process) runs it.
#![allow(
    clippy::disallowed_methods,
    reason = "the test sets up files and runs the binary"
)]

use std::process::Command;

fn home(name: &str, credentials: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("awscred-export-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join(".aws")).unwrap();
    std::fs::write(dir.join(".aws/credentials"), credentials).unwrap();
    dir
}

fn run(home: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_awscred"))
        .args(args)
        .env_clear()
        .env("HOME", home)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .envs(env.iter().copied())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

const KEYS: &str = "[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = SECRETDEFAULT\n\
                    [dev]\naws_access_key_id = AKIDDEV\naws_secret_access_key = SECRETDEV\naws_session_token = TOKENDEV\naws_account_id = 123456789012\n";

#[test]
fn process_json_is_exactly_the_credential_process_shape() {
    let h = home("process", KEYS);
    let (code, out, err) = run(&h, &["export-credentials"], &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "{\"Version\":1,\"AccessKeyId\":\"AKIDDEFAULT\",\"SecretAccessKey\":\"SECRETDEFAULT\"}\n"
    );
    let (_, out, _) = run(&h, &["export-credentials", "--profile", "dev"], &[]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["SessionToken"], "TOKENDEV");
    assert_eq!(v["AccountId"], "123456789012");
    assert!(v.get("Expiration").is_none());
    assert_eq!(v.as_object().unwrap().len(), 5);
}

#[test]
fn env_formats() {
    let h = home("env", KEYS);
    let expect = [
        ("env", "export AWS_ACCESS_KEY_ID=AKIDDEV\n"),
        ("env-no-export", "AWS_ACCESS_KEY_ID=AKIDDEV\n"),
        ("dotenv", "AWS_ACCESS_KEY_ID=AKIDDEV\n"),
        ("powershell", "$Env:AWS_ACCESS_KEY_ID=\"AKIDDEV\"\n"),
        ("windows-cmd", "set AWS_ACCESS_KEY_ID=AKIDDEV\n"),
        ("fish", "set -gx AWS_ACCESS_KEY_ID AKIDDEV\n"),
    ];
    for (format, first_line) in expect {
        let (code, out, err) = run(
            &h,
            &["export-credentials", "--profile", "dev", "--format", format],
            &[],
        );
        assert_eq!(code, 0, "{format}: {err}");
        assert!(out.starts_with(first_line), "{format}: {out}");
        assert!(
            out.contains("AWS_SESSION_TOKEN")
                && out.contains("TOKENDEV")
                && out.contains("AWS_ACCOUNT_ID"),
            "{out}"
        );
    }
}

#[test]
fn errors_go_to_stderr_with_non_zero_exit_and_no_secret() {
    let h = home("errors", "[default]\naws_access_key_id = AKIDPARTIAL\n");
    let (code, out, err) = run(
        &h,
        &["export-credentials"],
        &[("AWS_SECRET_ACCESS_KEY_UNUSED", "x")],
    );
    assert_ne!(code, 0);
    assert!(out.is_empty(), "{out}");
    assert!(
        err.contains("aws_secret_access_key") && err.contains("default"),
        "{err}"
    );
    let (code, _, err) = run(&h, &["export-credentials", "--profile", "nope"], &[]);
    assert_ne!(code, 0);
    assert!(
        err.contains("the config profile (nope) could not be found"),
        "{err}"
    );
    let h = home("none", "");
    let (code, _, err) = run(&h, &["export-credentials"], &[]);
    assert_ne!(code, 0);
    assert!(err.contains("no credentials found"), "{err}");
    let h = home("env-secret", KEYS);
    let (code, _, err) = run(&h, &["explain", "--profile", "dev"], &[]);
    assert_eq!(code, 0);
    assert!(!err.contains("SECRETDEV") && !err.contains("TOKENDEV"));
}

#[test]
fn explain_prints_the_provider_trace() {
    let h = home("trace", KEYS);
    let (code, out, err) = run(&h, &["explain"], &[]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("env") && out.contains("skipped"), "{out}");
    assert!(
        out.contains("shared-credentials-file") && out.contains("answered"),
        "{out}"
    );
    assert!(
        out.contains("AKID***AULT") || out.contains("from shared-credentials-file"),
        "{out}"
    );
    for secret in ["SECRETDEFAULT", "AKIDDEFAULT"] {
        assert!(!out.contains(secret), "{secret} in {out}");
    }
}
