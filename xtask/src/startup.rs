//! `cargo xtask bench startup`: `awscred export-credentials` with static keys in
//! `~/.aws/credentials`, whole process, against the floor for any Rust CLI: a program with no
//! dependencies that reads both files and prints one line (`xtask/bench/startup_floor.rs`).
//!
//! Both are release builds and run in pairs, alternately, in the same temporary home, so load
//! on the machine falls on both alike. With `--dist` the binary measured is `cargo xtask dist`'s
//! (statically linked on Linux with glibc), and the floor also runs linked the same way, so
//! both comparisons are printed: against the floor as Rust builds it by default, and like for
//! like. Reported: wall time per run (median and mean, and their
//! ratios), minor page faults and peak RSS (`/usr/bin/time`, when installed), and instructions
//! (`valgrind --tool=callgrind`, when installed: the same count for the same binary whatever
//! else the machine is doing). The figures also go to `target/startup.json`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::{cargo, run_status};

pub(crate) fn run(args: &[String]) -> Result<bool, String> {
    let usage = || "usage: cargo xtask bench startup [--runs N] [--dist]".to_owned();
    let (mut runs, mut dist) = (1000, false);
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--runs" => {
                let n = it.next().ok_or_else(usage)?;
                runs = n.parse().map_err(|_| format!("--runs {n:?}: a count"))?;
            }
            "--dist" => dist = true,
            _ => return Err(usage()),
        }
    }
    let root = crate::workspace_root();
    let target = crate::target_dir();
    let (awscred, rustflags) = if dist {
        let built = crate::dist::build()?;
        (built.path, built.rustflags)
    } else {
        if !run_status(cargo().args(["build", "-q", "--release", "-p", "awscred-cli"]))? {
            return Ok(false);
        }
        (target.join("release/awscred"), None)
    };
    // The floor as any Rust program is built by default, and also linked as the dist binary
    // is when that differs (like for like).
    let mut floors = vec![("floor", target.join("release/startup-floor"), None)];
    if rustflags.is_some() {
        floors.push((
            "floor, static",
            target.join("release/startup-floor-static"),
            rustflags,
        ));
    }
    for (_, path, flags) in &floors {
        build_floor(&root, path, *flags)?;
    }
    let home = target.join("startup-home");
    write_home(&home)?;
    let mut legs: Vec<(&str, Vec<std::ffi::OsString>)> = floors
        .iter()
        .map(|(name, path, _)| (*name, vec![path.as_os_str().to_owned()]))
        .collect();
    legs.push((
        "awscred",
        vec![awscred.as_os_str().to_owned(), "export-credentials".into()],
    ));

    for _ in 0..20 {
        for (_, argv) in &legs {
            once(&home, argv)?;
        }
    }
    let mut times = vec![Vec::with_capacity(runs); legs.len()];
    for _ in 0..runs {
        for ((_, argv), t) in legs.iter().zip(&mut times) {
            t.push(once(&home, argv)?);
        }
    }
    let stats: Vec<Stats> = times.iter_mut().map(|t| Stats::of(t)).collect();
    println!(
        "startup: {runs} paired runs, static keys in ~/.aws/credentials, {}",
        awscred.display()
    );
    let ours = stats.last().expect("awscred is a leg");
    let mut json = serde_json::json!({"runs": runs, "binary": awscred.display().to_string()});
    for ((name, argv), st) in legs.iter().zip(&stats) {
        println!(
            "  {name:<14} median {:>7.3} ms  mean {:>7.3} ms  awscred/this {:.2}x",
            st.median,
            st.mean,
            ours.median / st.median
        );
        let mut leg = serde_json::json!({"median_ms": st.median, "mean_ms": st.mean});
        if let Some((rss, faults)) = time_v(&home, argv) {
            println!("  {:<14} peak RSS {rss} KB, minor faults {faults}", "");
            leg["peak_rss_kb"] = rss.into();
            leg["minor_faults"] = faults.into();
        }
        if let Some(n) = instructions(&home, argv) {
            println!("  {:<14} instructions {n}", "");
            leg["instructions"] = n.into();
        }
        json[*name] = leg;
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

/// Compiles `xtask/bench/startup_floor.rs` to `out`, with `rustflags` (space-separated) too.
fn build_floor(root: &Path, out: &Path, rustflags: Option<&str>) -> Result<(), String> {
    let mut cmd = crate::rustc();
    cmd.args(["-O", "-C", "codegen-units=1", "--edition", "2021"]);
    cmd.args(rustflags.unwrap_or_default().split_whitespace());
    let built = cmd
        .arg("-o")
        .arg(out)
        .arg(root.join("xtask/bench/startup_floor.rs"))
        .status()
        .map_err(|e| format!("rustc: {e}"))?;
    if built.success() {
        Ok(())
    } else {
        Err("building xtask/bench/startup_floor.rs failed".into())
    }
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
