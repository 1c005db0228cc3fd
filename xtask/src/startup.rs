//! `cargo xtask bench startup`: `awscred export-credentials` with static keys in
//! `~/.aws/credentials`, whole process, against the floor for any Rust CLI: a program with no
//! dependencies that reads both files and prints one line (`xtask/bench/startup_floor.rs`).
//!
//! Both are release builds and run in pairs, alternately, in the same temporary home, so load
//! on the machine falls on both alike. Reported: wall time per run (median and mean, and their
//! ratios), minor page faults and peak RSS (`/usr/bin/time`, when installed), and instructions
//! (`valgrind --tool=callgrind`, when installed: the same count for the same binary whatever
//! else the machine is doing). The figures also go to `target/startup.json`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::{cargo, run_status};

pub(crate) fn run(args: &[String]) -> Result<bool, String> {
    let runs = match args {
        [] => 1000,
        [flag, n] if flag == "--runs" => n.parse().map_err(|_| format!("--runs {n:?}: a count"))?,
        _ => return Err("usage: cargo xtask bench startup [--runs N]".into()),
    };
    let root = crate::workspace_root();
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    if !run_status(cargo().args(["build", "-q", "--release", "-p", "awscred-cli"]))? {
        return Ok(false);
    }
    let awscred = target.join("release/awscred");
    let floor = target.join("release/startup-floor");
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let built = Command::new(rustc)
        .args(["-O", "-C", "codegen-units=1", "--edition", "2021", "-o"])
        .arg(&floor)
        .arg(root.join("xtask/bench/startup_floor.rs"))
        .status()
        .map_err(|e| format!("rustc: {e}"))?;
    if !built.success() {
        return Err("building xtask/bench/startup_floor.rs failed".into());
    }
    let home = target.join("startup-home");
    write_home(&home)?;
    let ours = [awscred.as_os_str().to_owned(), "export-credentials".into()];
    let base = [floor.as_os_str().to_owned()];

    for _ in 0..20 {
        once(&home, &base)?;
        once(&home, &ours)?;
    }
    let (mut t_floor, mut t_ours) = (Vec::with_capacity(runs), Vec::with_capacity(runs));
    for _ in 0..runs {
        t_floor.push(once(&home, &base)?);
        t_ours.push(once(&home, &ours)?);
    }
    let (f, o) = (Stats::of(&mut t_floor), Stats::of(&mut t_ours));
    println!("startup: {runs} paired runs, static keys in ~/.aws/credentials");
    println!(
        "  floor    median {:>7.3} ms  mean {:>7.3} ms",
        f.median, f.mean
    );
    println!(
        "  awscred  median {:>7.3} ms  mean {:>7.3} ms",
        o.median, o.mean
    );
    println!(
        "  ratio    median {:.2}x  mean {:.2}x",
        o.median / f.median,
        o.mean / f.mean
    );
    let mut json = serde_json::json!({
        "runs": runs,
        "floor_ms": {"median": f.median, "mean": f.mean},
        "awscred_ms": {"median": o.median, "mean": o.mean},
        "ratio": {"median": o.median / f.median, "mean": o.mean / f.mean},
    });
    if let (Some(fr), Some(or)) = (time_v(&home, &base), time_v(&home, &ours)) {
        println!(
            "  peak RSS floor {} KB, awscred {} KB; minor faults floor {}, awscred {}",
            fr.0, or.0, fr.1, or.1
        );
        json["peak_rss_kb"] = serde_json::json!({"floor": fr.0, "awscred": or.0});
        json["minor_faults"] = serde_json::json!({"floor": fr.1, "awscred": or.1});
    }
    if let (Some(fi), Some(oi)) = (instructions(&home, &base), instructions(&home, &ours)) {
        println!(
            "  instructions floor {fi}, awscred {oi} ({:.2}x)",
            oi as f64 / fi as f64
        );
        json["instructions"] = serde_json::json!({"floor": fi, "awscred": oi});
    }
    let out = target.join("startup.json");
    std::fs::write(&out, format!("{json:#}\n")).map_err(|e| format!("{}: {e}", out.display()))?;
    Ok(true)
}

fn write_home(home: &Path) -> Result<(), String> {
    let aws = home.join(".aws");
    std::fs::create_dir_all(&aws).map_err(|e| format!("{}: {e}", aws.display()))?;
    let files = [
        ("config", "[default]\nregion = us-east-1\n"),
        (
            "credentials",
            "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n\
             aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
        ),
    ];
    for (name, text) in files {
        let path = aws.join(name);
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(())
}

/// A command with a clean environment but for `HOME` and `PATH`, output discarded.
fn command(home: &Path, argv: &[std::ffi::OsString]) -> Command {
    let mut cmd = Command::new(&argv[0]);
    cmd.args(&argv[1..])
        .env_clear()
        .env("HOME", home)
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    cmd
}

fn once(home: &Path, argv: &[std::ffi::OsString]) -> Result<Duration, String> {
    let start = Instant::now();
    let status = command(home, argv)
        .status()
        .map_err(|e| format!("{}: {e}", PathBuf::from(&argv[0]).display()))?;
    let took = start.elapsed();
    if !status.success() {
        return Err(format!("{argv:?} failed: {status}"));
    }
    Ok(took)
}

struct Stats {
    median: f64,
    mean: f64,
}

impl Stats {
    fn of(runs: &mut [Duration]) -> Stats {
        runs.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        Stats {
            median: ms(runs[runs.len() / 2]),
            mean: runs.iter().map(|d| ms(*d)).sum::<f64>() / runs.len() as f64,
        }
    }
}

/// What `tool` (a measuring wrapper and its options) prints on standard error about one run of
/// `argv`, in the same environment as the timed runs.
fn wrapped(home: &Path, tool: &[&str], argv: &[std::ffi::OsString]) -> Option<String> {
    let mut all: Vec<std::ffi::OsString> = tool.iter().map(Into::into).collect();
    all.extend(argv.iter().cloned());
    let out = command(home, &all).stderr(Stdio::piped()).output().ok()?;
    Some(String::from_utf8_lossy(&out.stderr).into_owned())
}

/// Peak RSS (KB) and minor page faults of one run, from GNU time.
fn time_v(home: &Path, argv: &[std::ffi::OsString]) -> Option<(u64, u64)> {
    let text = wrapped(home, &["/usr/bin/time", "-f", "%M %R", "--"], argv)?;
    let mut it = text.lines().last()?.split_whitespace();
    Some((it.next()?.parse().ok()?, it.next()?.parse().ok()?))
}

/// Instructions of one run, counted by callgrind.
fn instructions(home: &Path, argv: &[std::ffi::OsString]) -> Option<u64> {
    let out_file = home.join("callgrind.out");
    let out_arg = format!("--callgrind-out-file={}", out_file.display());
    let text = wrapped(home, &["valgrind", "--tool=callgrind", &out_arg], argv);
    let _ = std::fs::remove_file(&out_file);
    let line = text?
        .lines()
        .find(|l| l.contains("Collected :"))?
        .to_owned();
    line.rsplit(':')
        .next()?
        .trim()
        .replace(',', "")
        .parse()
        .ok()
}
