//! `cargo xtask audit` and the `advisories` check of `cargo xtask test`: the RustSec advisory
//! database against `Cargo.lock`, through cargo-deny (the same database and matching as
//! `cargo audit`, plus the `[advisories]` policy in `deny.toml`).
//!
//! The database is a git repository (rustsec/advisory-db) that cargo-deny normally fetches from
//! GitHub. Where GitHub is out of reach (this workplace reaches package registries only) a
//! checkout obtained any other way is used instead, offline:
//!
//! 1. `--db DIR` or `AWSCRED_ADVISORY_DB=DIR`: a checkout (work tree) of rustsec/advisory-db;
//! 2. cargo-deny's own copy under `$CARGO_HOME/advisory-dbs`, left by an earlier online run;
//! 3. `cargo deny fetch db`, when the network allows it.
//!
//! With none of these the `advisories` check is *skipped* and says why; `cargo xtask audit`
//! fails instead, since running it is asking for the answer. When `cargo audit` is installed it
//! runs too, against the same checkout, on `Cargo.lock` and `fuzz/Cargo.lock`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::report::SuiteResult;

/// The folder cargo-deny keeps `https://github.com/rustsec/advisory-db` in, below its
/// `db-path` (a hash of the URL; cargo-deny 0.14–0.20). A wrong name is not silent: cargo-deny
/// then fails naming the folder it looked for.
const DB_DIR_NAME: &str = "advisory-db-3157b0e258782691";

/// How long an online `cargo deny fetch db` may take before we call the network unreachable.
const FETCH_DEADLINE: Duration = Duration::from_secs(90);

/// `cargo xtask audit [--db DIR]`.
pub(crate) fn run(args: &[String]) -> Result<bool, String> {
    let mut db = None;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--db" => db = Some(PathBuf::from(it.next().ok_or("--db needs a folder")?)),
            other => return Err(format!("unknown argument {other:?} for `audit`")),
        }
    }
    crate::test::ensure_cargo_deny()?;
    let db = match db {
        Some(dir) => dir,
        None => find_db().map_err(|why| format!("no advisory database: {why}"))?,
    };
    let r = check(&db)?;
    r.print();
    Ok(r.failed == 0)
}

/// The `advisories` check of `cargo xtask test`.
pub(crate) fn suite() -> SuiteResult {
    let mut r = SuiteResult::new("advisories");
    if let Err(e) = crate::test::ensure_cargo_deny() {
        r.failed = 1;
        r.notes.push(e);
        return r;
    }
    let db = match find_db() {
        Ok(db) => db,
        Err(why) => {
            r.skipped = 1;
            r.notes.push(format!("skipped: {why}"));
            return r;
        }
    };
    check(&db).unwrap_or_else(|e| {
        r.failed = 1;
        r.notes.push(e);
        r
    })
}

fn find_db() -> Result<PathBuf, String> {
    if let Some(dir) = std::env::var_os("AWSCRED_ADVISORY_DB").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    let own = cargo_home().join("advisory-dbs").join(DB_DIR_NAME);
    if own.join(".git").exists() {
        return Ok(own);
    }
    eprintln!("xtask: fetching the RustSec advisory database …");
    let mut fetch = crate::cargo();
    fetch
        .args(["deny", "fetch", "db"])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if run_with_deadline(&mut fetch, FETCH_DEADLINE) && own.join(".git").exists() {
        return Ok(own);
    }
    Err(format!(
        "the RustSec advisory database could not be fetched from GitHub and none \
         is on disk; set AWSCRED_ADVISORY_DB to a checkout of rustsec/advisory-db, or run \
         `cargo xtask audit --db DIR` (none found at {})",
        own.display()
    ))
}

/// Runs cargo-deny's advisories check offline against the checkout `db`.
fn check(db: &Path) -> Result<SuiteResult, String> {
    let db = db
        .canonicalize()
        .map_err(|e| format!("advisory database {}: {e}", db.display()))?;
    if !db.join("crates").is_dir() {
        return Err(format!(
            "{} is not a checkout of rustsec/advisory-db (no crates/ folder)",
            db.display()
        ));
    }
    let (commit, date) = db_version(&db)?;

    // cargo-deny reads `<db-path>/<DB_DIR_NAME>`: stage a folder whose only entry points at
    // the checkout, and a copy of deny.toml that names it.
    let root = crate::workspace_root();
    let stage = root.join("target/xtask/advisories");
    let db_path = stage.join("db");
    std::fs::create_dir_all(&db_path).map_err(|e| format!("{}: {e}", db_path.display()))?;
    let link = db_path.join(DB_DIR_NAME);
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink(&db, &link).map_err(|e| format!("{}: {e}", link.display()))?;
    let config = stage.join("deny.toml");
    let policy =
        std::fs::read_to_string(root.join("deny.toml")).map_err(|e| format!("deny.toml: {e}"))?;
    std::fs::write(&config, with_db_path(&policy, &db_path)?)
        .map_err(|e| format!("{}: {e}", config.display()))?;

    let mut r = crate::test::check(
        "advisories",
        crate::cargo()
            .args(["deny", "--offline", "--all-features", "--config"])
            .arg(&config)
            .args(["check", "--show-stats", "advisories"]),
    );
    r.notes
        .push(format!("RustSec advisory-db at {commit} ({date}), offline"));
    cargo_audit(&db, &mut r);
    Ok(r)
}

/// `cargo audit` itself, when it is installed (it is not installed for you: a large build), on
/// the workspace's lock file and the fuzz project's, against the same checkout.
fn cargo_audit(db: &Path, r: &mut SuiteResult) {
    let have = Command::new("cargo")
        .args(["audit", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !have {
        r.notes
            .push("cargo-audit not installed: only cargo-deny's advisories check ran".into());
        return;
    }
    let root = crate::workspace_root();
    for lock in ["Cargo.lock", "fuzz/Cargo.lock"] {
        let mut cmd = crate::cargo();
        cmd.args(["audit", "--no-fetch", "--stale", "--db"])
            .arg(db)
            .arg("--file")
            .arg(root.join(lock));
        eprintln!("xtask: cargo audit {lock} …");
        if crate::run_status(&mut cmd).unwrap_or(false) {
            r.notes.push(format!("cargo audit {lock}: clean"));
        } else {
            r.passed = 0;
            r.failed = 1;
            r.notes
                .push(format!("cargo audit {lock}: advisories found"));
        }
    }
}

/// deny.toml's text with `db-path` set in its `[advisories]` table.
fn with_db_path(policy: &str, db_path: &Path) -> Result<String, String> {
    let header = "\n[advisories]\n";
    let at = policy
        .find(header)
        .ok_or("deny.toml has no [advisories] table")?
        + header.len();
    let path = db_path
        .to_str()
        .ok_or("the staging folder's path is not UTF-8")?;
    let line = format!("db-path = {}\n", serde_json::Value::from(path));
    Ok(format!("{}{line}{}", &policy[..at], &policy[at..]))
}

fn db_version(db: &Path) -> Result<(String, String), String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(db)
        .args(["log", "-1", "--format=%h %cs"])
        .output()
        .map_err(|e| format!("git: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    match text.trim().split_once(' ') {
        Some((commit, date)) if out.status.success() => Ok((commit.into(), date.into())),
        _ => Err(format!(
            "{} is not a git checkout of rustsec/advisory-db",
            db.display()
        )),
    }
}

fn cargo_home() -> PathBuf {
    std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")))
        .unwrap_or_else(|| PathBuf::from(".cargo"))
}

/// Runs `cmd`; false when it fails or outlives `deadline` (then it is killed).
fn run_with_deadline(cmd: &mut Command, deadline: Duration) -> bool {
    let Ok(mut child) = cmd.spawn() else {
        return false;
    };
    let start = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return status.success(),
            Ok(None) if start.elapsed() < deadline => {
                std::thread::sleep(Duration::from_millis(100))
            }
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return false;
            }
        }
    }
}
