//! `examples`: builds the facade's examples and runs each one against a throwaway home folder
//! (and the enforced moto server for the role example), checking what it prints.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::report::SuiteResult;
use crate::test::ADAPTERS;
use crate::{cargo, workspace_root};

pub(crate) fn run(moto_env: &[(String, String)]) -> SuiteResult {
    eprintln!("xtask: examples …");
    let mut r = SuiteResult::new("examples");
    let built = cargo()
        .args(["build", "-q", "-p", "awscred", "--examples"])
        .args(ADAPTERS.iter().flat_map(|p| ["-p", p]))
        .status()
        .is_ok_and(|s| s.success());
    if !built {
        r.failed = 1;
        r.notes
            .push("cargo build --examples (the facade and the adapters) failed".into());
        return r;
    }
    let home = workspace_root().join("target/xtask-examples/home");
    let _ = std::fs::remove_dir_all(&home);
    if let Err(e) = std::fs::create_dir_all(home.join(".aws")).and_then(|()| {
        std::fs::write(
            home.join(".aws/credentials"),
            "[default]\naws_access_key_id = AKIDEXAMPLEHOME\naws_secret_access_key = s\n",
        )
    }) {
        r.failed = 1;
        r.notes.push(format!("setting up {}: {e}", home.display()));
        return r;
    }
    let mut outcome = |name: &str, result: Result<(), String>| match result {
        Ok(()) => r.passed += 1,
        Err(e) => {
            r.failed += 1;
            r.notes.push(format!("{name}: {e}"));
        }
    };
    outcome(
        "default_chain",
        expect(
            example("default_chain", &home, &[], &[], None),
            "access key id AKIDEXAMPLEHOME from shared-credentials-file",
        ),
    );
    outcome(
        "custom_chain",
        expect(
            example(
                "custom_chain",
                &home,
                &[],
                &[
                    ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLEENV"),
                    ("AWS_SECRET_ACCESS_KEY", "s"),
                ],
                None,
            ),
            "access key id AKIDEXAMPLEENV from env",
        ),
    );
    let moto = |k: &str| crate::moto::var(moto_env, k);
    match (
        moto("AWSCRED_MOTO_ENDPOINT"),
        moto("MOTO_AK"),
        moto("MOTO_SK"),
        moto("MOTO_ROLE_A"),
    ) {
        (Some(ep), Some(ak), Some(sk), Some(role)) => {
            let config = format!(
                "[profile base]\naws_access_key_id = {ak}\naws_secret_access_key = {sk}\n\
                 [profile mfa]\nrole_arn = {role}\nsource_profile = base\n\
                 mfa_serial = arn:aws:iam::123456789012:mfa/alice\nrole_session_name = example\n"
            );
            let env = [("AWS_ENDPOINT_URL_STS", ep), ("AWS_REGION", "us-east-1")];
            let result = std::fs::write(home.join(".aws/config"), config)
                .map_err(|e| e.to_string())
                .and_then(|()| {
                    // First run: no terminal, the code comes from standard input.
                    expect(
                        example("assume_role_mfa", &home, &["mfa"], &env, Some("123456\n")),
                        "profile mfa: ASIA",
                    )?;
                    // Second run: standard input closed, so only the shared cache can answer.
                    expect(
                        example("assume_role_mfa", &home, &["mfa"], &env, None),
                        "from assume-role",
                    )
                });
            outcome("assume_role_mfa", result);
            // The adapters' examples: static keys, region and endpoint from the profile `s3`.
            let config = format!(
                "[profile s3]\naws_access_key_id = {ak}\naws_secret_access_key = {sk}\n\
                 region = us-east-1\nendpoint_url = {ep}\n"
            );
            let home = workspace_root().join("target/xtask-examples/home-s3");
            let _ = std::fs::remove_dir_all(&home);
            let written = std::fs::create_dir_all(home.join(".aws"))
                .and_then(|()| std::fs::write(home.join(".aws/config"), config))
                .map_err(|e| e.to_string());
            outcome(
                "s3_objects",
                written.and_then(|()| {
                    expect(
                        example(
                            "s3_objects",
                            &home,
                            &["s3", "awscred-object-store"],
                            &[],
                            None,
                        ),
                        "listed 1 object(s) under awscred-example/",
                    )
                }),
            );
            outcome(
                "opendal_s3",
                expect(
                    example("opendal_s3", &home, &["s3", "awscred-opendal"], &[], None),
                    "read 18 bytes from s3://awscred-opendal/awscred-example/hello.txt",
                ),
            );
            outcome(
                "sdk_whoami",
                expect(
                    example("sdk_whoami", &home, &["s3"], &[], None),
                    "profile s3: arn:aws:iam::123456789012:user/alice",
                ),
            );
        }
        _ => {
            r.skipped += 1;
            r.notes
                .push("assume_role_mfa skipped: moto_server is not running".into());
        }
    }
    r
}

pub(crate) fn expect(output: Result<String, String>, want: &str) -> Result<(), String> {
    let out = output?;
    if out.contains(want) {
        Ok(())
    } else {
        Err(format!("printed {out:?}, expected {want:?}"))
    }
}

/// Runs `target/debug/examples/<name>` as [`run_detached`] does.
fn example(
    name: &str,
    home: &Path,
    args: &[&str],
    vars: &[(&str, &str)],
    stdin: Option<&str>,
) -> Result<String, String> {
    let bin: PathBuf = workspace_root().join("target/debug/examples").join(name);
    run_detached(&bin, home, args, vars, stdin)
}

/// Runs `bin` with only `HOME`, `PATH` and `vars` set, detached from any terminal (`setsid`),
/// with `stdin` as its standard input (closed when `None`); its standard output, or why it failed.
pub(crate) fn run_detached(
    bin: &Path,
    home: &Path,
    args: &[&str],
    vars: &[(&str, &str)],
    stdin: Option<&str>,
) -> Result<String, String> {
    let mut cmd = if Path::new("/usr/bin/setsid").exists() {
        let mut c = Command::new("/usr/bin/setsid");
        c.arg(bin);
        c
    } else {
        Command::new(bin)
    };
    cmd.args(args)
        .env_clear()
        .env("HOME", home)
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .envs(vars.iter().copied())
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|e| format!("{}: {e}", bin.display()))?;
    if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
        pipe.write_all(text.as_bytes())
            .map_err(|e| format!("writing stdin: {e}"))?;
    }
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    if out.status.success() {
        Ok(stdout)
    } else {
        Err(format!(
            "exit {}: {}{}",
            out.status,
            stdout,
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}
