//! `dist`: the release binary of the CLI as it is handed out, in `target/dist/awscred`.
//!
//! On Linux with glibc it is linked statically (a static PIE, `-C target-feature=+crt-static`):
//! no dynamic loader, no symbol lookups and no shared libraries to map at each start, which is
//! most of what a short command like `export-credentials` pays for (`cargo xtask bench startup
//! --dist`). glibc's name service still reads `/etc/nsswitch.conf`, `/etc/hosts` and
//! `/etc/resolv.conf` (its `files` and `dns` sources are built in); other NSS modules are
//! loaded only from the same glibc version, so a dist binary is for the machine, or the
//! distribution release, that built it. Elsewhere it is the plain release build.
//!
//! The `dist` check of `cargo xtask test` builds it and runs it: static keys, and STS
//! `GetCallerIdentity` against the enforcing moto server reached by a host name (`localhost`),
//! so the static binary's name lookup and signing are exercised, not only its start.

use std::path::{Path, PathBuf};

use crate::examples::{expect, run_detached};
use crate::report::SuiteResult;
use crate::{cargo, run_status, rustc, target_dir, workspace_root};

/// What a static PIE takes from rustc on `*-linux-gnu`.
const STATIC: &str = "-C target-feature=+crt-static";

/// A built dist binary.
pub(crate) struct Dist {
    /// `target/dist/awscred`.
    pub(crate) path: PathBuf,
    /// The rustc flags it was linked with beyond the release profile ([`STATIC`] or none), so a
    /// comparison program can be linked the same way.
    pub(crate) rustflags: Option<&'static str>,
}

/// `cargo xtask dist`: builds and prints where the binary is.
pub(crate) fn run(args: &[String]) -> Result<bool, String> {
    if !args.is_empty() {
        return Err("usage: cargo xtask dist".into());
    }
    let bin = build()?.path;
    let size = std::fs::metadata(&bin).map_or(0, |m| m.len());
    println!("{} ({:.1} MB)", bin.display(), size as f64 / 1e6);
    Ok(true)
}

/// Builds the CLI for release, statically linked on `*-linux-gnu`, and copies it to
/// `target/dist/awscred`.
pub(crate) fn build() -> Result<Dist, String> {
    let target = target_dir();
    let host = host_triple()?;
    let rustflags = host.ends_with("-linux-gnu").then_some(STATIC);
    let mut cmd = cargo();
    cmd.args(["build", "-q", "--release", "-p", "awscred-cli"]);
    let built = if let Some(flags) = rustflags {
        // `--target` keeps the flag off build scripts and proc-macros, which cannot be static.
        let var = format!(
            "CARGO_TARGET_{}_RUSTFLAGS",
            host.to_uppercase().replace('-', "_")
        );
        cmd.args(["--target", &host]).env(var, flags);
        target.join(&host).join("release/awscred")
    } else {
        target.join("release/awscred")
    };
    if !run_status(&mut cmd)? {
        return Err("cargo build --release -p awscred-cli failed".into());
    }
    let dist = target.join("dist");
    std::fs::create_dir_all(&dist).map_err(|e| format!("{}: {e}", dist.display()))?;
    let out = dist.join("awscred");
    std::fs::copy(&built, &out)
        .map_err(|e| format!("{} → {}: {e}", built.display(), out.display()))?;
    Ok(Dist {
        path: out,
        rustflags,
    })
}

/// The triple rustc builds for by default (`host:` of `rustc -vV`).
fn host_triple() -> Result<String, String> {
    let out = rustc()
        .arg("-vV")
        .output()
        .map_err(|e| format!("rustc -vV: {e}"))?;
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: "))
        .map(str::to_owned)
        .ok_or_else(|| "rustc -vV printed no host triple".to_owned())
}

/// The `dist` check: the binary builds, answers from a credentials file, and calls STS.
pub(crate) fn check(moto_env: &[(String, String)]) -> SuiteResult {
    eprintln!("xtask: dist …");
    let mut r = SuiteResult::new("dist");
    let bin = match build() {
        Ok(dist) => dist.path,
        Err(e) => {
            r.failed = 1;
            r.notes.push(e);
            return r;
        }
    };
    let moto = |k: &str| crate::moto::var(moto_env, k);
    let (Some(endpoint), Some(ak), Some(sk)) = (
        moto("AWSCRED_MOTO_ENDPOINT"),
        moto("MOTO_AK"),
        moto("MOTO_SK"),
    ) else {
        r.skipped = 1;
        r.notes
            .push("dist skipped: moto_server is not running".into());
        return r;
    };
    match smoke(&bin, endpoint, ak, sk) {
        Ok(()) => r.passed = 1,
        Err(e) => {
            r.failed = 1;
            r.notes.push(format!("{}: {e}", bin.display()));
        }
    }
    r
}

fn smoke(bin: &Path, endpoint: &str, ak: &str, sk: &str) -> Result<(), String> {
    let home = workspace_root().join("target/xtask-dist/home");
    let _ = std::fs::remove_dir_all(&home);
    let credentials =
        format!("[default]\naws_access_key_id = {ak}\naws_secret_access_key = {sk}\n");
    std::fs::create_dir_all(home.join(".aws"))
        .and_then(|()| std::fs::write(home.join(".aws/credentials"), credentials))
        .map_err(|e| format!("setting up {}: {e}", home.display()))?;
    // Checked without printing what it wrote: those are moto's keys, but keys all the same.
    let exported = run_detached(bin, &home, &["export-credentials"], &[], None)?;
    if !exported.contains(&format!("\"AccessKeyId\":\"{ak}\"")) {
        return Err("export-credentials did not print the file's access key id".into());
    }
    // By name, so glibc's static name lookup (nsswitch.conf, /etc/hosts) is on the path.
    let by_name = endpoint.replace("127.0.0.1", "localhost");
    let vars = [
        ("AWS_ENDPOINT_URL_STS", by_name.as_str()),
        ("AWS_REGION", "us-east-1"),
    ];
    expect(
        run_detached(bin, &home, &["whoami"], &vars, None),
        "arn:aws:iam::123456789012:user/alice",
    )
}
