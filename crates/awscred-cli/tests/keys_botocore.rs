//! Real botocore (the moto venv's) resolving a profile that `awscred keys migrate` moved into
//! the key store, through `credential_process = awscred keys session --profile dev`, and a
//! role profile whose `source_profile` is that profile; then the same with `mfa_serial`, the
//! code typed on a pseudo-terminal (botocore pipes the process's stderr, so the prompt goes to
//! `/dev/tty`).
//!
//! STS for awscred (`migrate`'s check, `GetSessionToken` signed with the stored long-term keys)
//! is the SigV4-enforcing moto server. moto answers `GetSessionToken` with the fixed example
//! credentials of the AWS documentation, which its own enforcement does not know, so botocore's
//! calls made with that session (`AssumeRole`, `GetCallerIdentity`) go to the open moto server
//! (each profile's `services` section says which).
#![cfg(all(feature = "keys", unix))]
#![allow(
    clippy::disallowed_methods,
    reason = "the test sets up files and runs the binary and Python"
)]

use std::path::Path;
use std::process::Command;

mod support;

const PASSPHRASE: &str = "botocore test passphrase";

/// botocore resolves `argv[1]` and calls GetCallerIdentity; one JSON line.
const CLIENT: &str = r#"
import json, sys
import botocore.session
s = botocore.session.Session(profile=sys.argv[1])
c = s.get_credentials()
f = c.get_frozen_credentials()
sts = s.create_client("sts", region_name="us-east-1", endpoint_url=sys.argv[2])
ident = sts.get_caller_identity()
print(json.dumps({"method": c.method, "access_key": f.access_key, "token": f.token, "arn": ident["Arn"]}))
"#;

#[test]
fn botocore_resolves_a_migrated_profile_through_credential_process() {
    awscred_test::moto::with_botocore_case(
        "keys-botocore",
        "botocore",
        "migrated profile, role on it, MFA on a pty",
        |moto, python| awscred_test::runtime().block_on(run(moto, python)),
    );
}

fn services(name: &str, url: &str) -> String {
    format!("[services {name}]\nsts =\n  endpoint_url = {url}\n")
}

async fn run(moto: &awscred_test::moto::Moto, python: &Path) {
    let (ak, sk, role) = (&moto.ak, &moto.sk, &moto.role_a);
    let session = "chain-src";
    let config = format!(
        "[profile dev]\nregion = us-east-1\nservices = enforced\n\
         [profile role]\nrole_arn = {role}\nsource_profile = dev\nrole_session_name = {session}\n\
         region = us-east-1\nservices = open\n{}{}",
        services("enforced", &moto.enforced),
        services("open", &moto.open)
    );
    let h = support::home(
        "botocore",
        "keys",
        &format!("# mine\n[dev]\naws_access_key_id = {ak}\naws_secret_access_key = {sk}\n"),
        &config,
    );
    let store_env = [
        ("AWSCRED_KEYSTORE", "file"),
        ("AWSCRED_KEYSTORE_PASSPHRASE", PASSPHRASE),
    ];
    let (code, out, err) = support::run(&h, &["keys", "migrate", "dev"], &store_env).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("dev: verified (arn:aws:iam::123456789012:user/alice)"),
        "{out}"
    );
    let creds = std::fs::read_to_string(h.join(".aws/credentials")).unwrap();
    assert_eq!(creds, "# mine\n[dev]\n");

    let script = h.join("client.py");
    std::fs::write(&script, CLIENT).unwrap();
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_awscred")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let botocore = |args: &[&str]| {
        let mut c = Command::new(python);
        c.args(args)
            .env_clear()
            .env("HOME", &h)
            .env("PATH", &path)
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .envs(store_env);
        c
    };
    let answer = |out: std::process::Output| -> serde_json::Value {
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "botocore: {text}{err}");
        for s in [&text, &err] {
            assert!(!s.contains(sk.as_str()), "the long-term secret leaked: {s}");
        }
        serde_json::from_str(text.trim()).unwrap_or_else(|e| panic!("{e}: {text}{err}"))
    };

    // The migrated profile: a GetSessionToken session, through credential_process.
    let dev = answer(
        botocore(&[script.to_str().unwrap(), "dev", &moto.open])
            .output()
            .unwrap(),
    );
    assert_eq!(dev["method"], "custom-process", "{dev}");
    assert!(
        dev["token"].as_str().is_some_and(|t| !t.is_empty()),
        "{dev}"
    );
    assert_ne!(
        dev["access_key"],
        ak.as_str(),
        "a session, not the long-term key"
    );
    let entries = || {
        std::fs::read_dir(h.join(".aws/cli/cache"))
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .path()
                    .extension()
                    .is_some_and(|x| x == "json")
            })
            .count()
    };
    assert_eq!(entries(), 1, "one session in ~/.aws/cli/cache");

    // A role on it: botocore's AssumeRole with awscred's session.
    let role_answer = answer(
        botocore(&[script.to_str().unwrap(), "role", &moto.open])
            .output()
            .unwrap(),
    );
    assert_eq!(role_answer["method"], "assume-role", "{role_answer}");
    assert!(
        role_answer["arn"]
            .as_str()
            .is_some_and(|a| a.contains(&format!(":assumed-role/role-a/{session}"))),
        "{role_answer}"
    );

    // MFA: the profile gets a device; the code is typed on a pseudo-terminal.
    std::fs::write(
        h.join(".aws/config"),
        std::fs::read_to_string(h.join(".aws/config"))
            .unwrap()
            .replacen(
                "[profile dev]\n",
                "[profile dev]\nmfa_serial = arn:aws:iam::123456789012:mfa/alice\n",
                1,
            ),
    )
    .unwrap();
    let pty = h.join("type_on_pty.py");
    std::fs::write(&pty, support::ON_PTY).unwrap();
    let out = botocore(&[
        pty.to_str().unwrap(),
        "Enter MFA code for",
        "271828",
        "--",
        python.to_str().unwrap(),
        script.to_str().unwrap(),
        "dev",
        &moto.open,
    ])
    .output()
    .unwrap();
    let transcript = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{transcript}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        transcript.contains("Enter MFA code for arn:aws:iam::123456789012:mfa/alice:"),
        "{transcript}"
    );
    assert!(
        !transcript.contains("271828"),
        "the code was echoed: {transcript}"
    );
    let json_line = transcript
        .lines()
        .find(|l| l.trim_start().starts_with('{'))
        .unwrap_or_else(|| panic!("no answer: {transcript}"));
    let mfa: serde_json::Value = serde_json::from_str(json_line.trim()).unwrap();
    assert_eq!(mfa["method"], "custom-process", "{mfa}");
    assert!(
        mfa["token"].as_str().is_some_and(|t| !t.is_empty()),
        "{mfa}"
    );
    // The role session (botocore's own cache is in memory) and the two sessions.
    assert_eq!(entries(), 2, "the MFA session is a second entry");
}
