//! `awscred explain` as a person runs it: a real process, a throwaway HOME.
#![allow(
    clippy::disallowed_methods,
    reason = "the test sets up files and runs the binary"
)]

use std::process::Command;

fn awscred(home: &std::path::Path, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_awscred"))
        .args(args)
        .env_clear()
        .env("HOME", home)
        // Tests never reach beyond 127.0.0.1: no instance metadata lookups.
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

fn temp_home(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("awscred-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join(".aws")).unwrap();
    dir
}

#[test]
fn explain_on_a_machine_with_no_configuration() {
    let home = temp_home("empty");
    let (ok, out, err) = awscred(&home, &["explain"]);
    assert!(ok, "{err}");
    assert!(out.contains("not found"), "{out}");
    assert!(out.contains("profile: default (the default)"), "{out}");
    assert!(out.contains("no AWS configuration files"), "{out}");
}

#[test]
fn explain_shows_profile_and_never_secrets() {
    let home = temp_home("keys");
    std::fs::write(
        home.join(".aws/credentials"),
        "[dev]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/SECRETVALUE\naws_session_token = TOKENVALUE\n",
    )
    .unwrap();
    std::fs::write(
        home.join(".aws/config"),
        "[profile dev]\nregion = eu-west-1\ncredential_process = get-creds --password hunter2\n",
    )
    .unwrap();
    for args in [
        &["explain", "--profile", "dev"][..],
        &["explain", "--profile", "dev", "--json"][..],
    ] {
        let (ok, out, err) = awscred(&home, args);
        assert!(ok, "{err}");
        assert!(
            out.contains("dev") && out.contains("eu-west-1") && out.contains("static keys"),
            "{out}"
        );
        assert!(out.contains("AKIA************MPLE"), "{out}");
        for secret in [
            "SECRETVALUE",
            "TOKENVALUE",
            "AKIAIOSFODNN7EXAMPLE",
            "hunter2",
        ] {
            assert!(
                !out.contains(secret) && !err.contains(secret),
                "{secret} leaked: {out}{err}"
            );
        }
    }
}

#[test]
fn explain_reports_a_malformed_file_with_its_path_and_line() {
    let home = temp_home("bad");
    std::fs::write(
        home.join(".aws/config"),
        "[profile a]\nregion : eu-west-1\n",
    )
    .unwrap();
    let (ok, out, err) = awscred(&home, &["explain"]);
    assert!(!ok, "{out}");
    let file = home.join(".aws/config");
    assert!(
        err.contains(&format!("(file: {}, line: 2)", file.display())),
        "{err}"
    );
}
