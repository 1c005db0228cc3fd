//! `awscred keys add PROFILE` as a person runs it: on a pseudo-terminal, the key id and the
//! secret typed at its two no-echo prompts. Nothing typed comes back on the terminal, and the
//! keys are verified (STS `GetCallerIdentity` on the SigV4-enforcing moto server, with the
//! seeded user's real keys) and stored.
#![cfg(all(feature = "keys", unix))]
#![allow(
    clippy::disallowed_methods,
    reason = "the test sets up files and runs the binary under Python's pty"
)]

use std::process::Command;

use awscred_keystore::KeyStore;

mod support;

const PASSPHRASE: &str = "pty test passphrase";

#[test]
fn keys_add_reads_both_keys_without_echo_on_a_pty() {
    awscred_test::peer_case(
        "keys-add-pty",
        "moto",
        "keys add typed on a pseudo-terminal",
        || {
            let moto = match awscred_test::moto::Moto::from_env() {
                Ok(m) => m,
                Err(why) => return awscred_test::Outcome::Skip(why),
            };
            let python = match awscred_test::moto::botocore_python() {
                Ok(p) => p,
                Err(why) => return awscred_test::Outcome::Skip(why),
            };
            run(&moto, &python);
            awscred_test::Outcome::Pass
        },
    );
}

fn run(moto: &awscred_test::moto::Moto, python: &std::path::Path) {
    let config = format!(
        "# mine\n[profile typed]\nregion = us-east-1\nendpoint_url = {}\n",
        moto.enforced
    );
    let h = support::home("pty", "add", "", &config);
    let script = h.join("on_pty.py");
    std::fs::write(&script, support::ON_PTY).unwrap();
    let out = Command::new(python)
        .arg(&script)
        .args([
            "Access key id: ",
            &moto.ak,
            "Secret access key (not shown): ",
            &moto.sk,
        ])
        .arg("--")
        .arg(env!("CARGO_BIN_EXE_awscred"))
        .args(["keys", "add", "typed"])
        .env_clear()
        .env("HOME", &h)
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWSCRED_KEYSTORE", "file")
        .env("AWSCRED_KEYSTORE_PASSPHRASE", PASSPHRASE)
        .output()
        .unwrap();
    let transcript = String::from_utf8_lossy(&out.stdout).into_owned();
    let errors = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{transcript}{errors}");
    // Both prompts were shown, in order, on the terminal.
    let id_at = transcript.find("Access key id: ").expect(&transcript);
    let secret_at = transcript
        .find("Secret access key (not shown): ")
        .expect(&transcript);
    assert!(id_at < secret_at, "{transcript}");
    // Nothing typed is echoed: not the secret, nor any 8 characters of it, nor the key id.
    let sk = moto.sk.as_str();
    for start in 0..=sk.len().saturating_sub(8) {
        let piece = &sk[start..start + 8];
        assert!(
            !transcript.contains(piece) && !errors.contains(piece),
            "part of the secret came back: {transcript}{errors}"
        );
    }
    assert!(
        !transcript.contains(&moto.ak),
        "the key id was echoed: {transcript}"
    );
    let last4 = &moto.ak[moto.ak.len() - 4..];
    assert!(
        transcript.contains(&format!(
            "stored AKIA************{last4} for profile typed in the file key store (account \
             123456789012, arn:aws:iam::123456789012:user/alice)"
        )),
        "{transcript}"
    );
    let stored = support::file_store(&h, PASSPHRASE)
        .get("typed")
        .unwrap()
        .expect("the keys are stored");
    assert_eq!(stored.access_key_id(), moto.ak);
    assert_eq!(stored.secret_access_key(), moto.sk);
    assert_eq!(stored.account_id(), Some("123456789012"));
    assert_eq!(
        std::fs::read_to_string(h.join(".aws/config")).unwrap(),
        format!("{config}credential_process = awscred keys session --profile typed\n")
    );
}
