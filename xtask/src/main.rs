//! Project automation for the awscred workspace, in rust-analyzer's xtask shape.
//!
//! - `cargo xtask test [--suite S] [--case C]`: every test suite, with set-up (moto servers,
//!   cargo-deny), a line per package and conformance suite, the checks apart, and a total that
//!   counts each test once (see the README).
//! - `cargo xtask bench [CRATE]`: the criterion benchmarks, and `awscred serve`'s load figures.
//! - `cargo xtask bench startup [--runs N] [--dist]`: the CLI's start-up against a floor program.
//! - `cargo xtask dist`: the CLI's release binary as handed out (`target/dist/awscred`; see
//!   `dist.rs`).
//! - `cargo xtask fuzz [--time S]`: every fuzz target for S seconds (needs cargo-fuzz + nightly).
//! - `cargo xtask audit [--db DIR]`: RustSec advisories for `Cargo.lock` (see `audit.rs`).
//!
//! Plain `cargo test --workspace` also runs every conformance fixture; xtask adds the servers,
//! the tools and the summary.
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "xtask reports to the terminal"
)]
#![allow(
    clippy::disallowed_methods,
    reason = "xtask drives the real environment and files"
)]

mod audit;
mod dist;
mod examples;
mod moto;
mod report;
mod startup;
mod test;

use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  test [--suite S] [--case C]   run the test suites (S: a package, a conformance suite,
                                or one of fmt, examples, lint, features, deny,
                                advisories, deps); C filters conformance cases
  bench [PACKAGE]               run criterion benchmarks (all, or one package's), and the
                                `serve` load figures (target/serve-load.json)
  bench startup [--runs N] [--dist]
                                `awscred export-credentials` start-up against a floor
                                program, paired (target/startup.json); --dist: of the
                                `dist` binary
  dist                          the CLI's release binary as handed out, statically linked
                                on Linux with glibc (target/dist/awscred)
  fuzz [--time SECONDS]         run every fuzz target (default 10 s each; needs cargo-fuzz)
  fuzz --smoke                  every target's stable smoke run (seeds + 2,000 mutations)
  audit [--db DIR]              RustSec advisories against Cargo.lock (cargo-deny, offline
                                with DIR or AWSCRED_ADVISORY_DB = a checkout of advisory-db)
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("test") => test::Test::parse(&args[1..]).and_then(|t| t.run()),
        Some("bench") if args.get(1).is_some_and(|a| a == "startup") => startup::run(&args[2..]),
        Some("bench") => bench(&args[1..]),
        Some("fuzz") => fuzz(&args[1..]),
        Some("audit") => audit::run(&args[1..]),
        Some("dist") => dist::run(&args[1..]),
        Some("-h" | "--help" | "help") | None => {
            print!("{USAGE}");
            Ok(true)
        }
        Some(other) => Err(format!("unknown command {other:?}\n\n{USAGE}")),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

fn bench(args: &[String]) -> Result<bool, String> {
    let mut cmd = cargo();
    cmd.arg("bench");
    match args.first() {
        Some(pkg) => cmd.args(["-p", pkg]),
        None => cmd.arg("--workspace"),
    };
    let mut ok = run_status(&mut cmd)?;
    // `awscred serve` under load (200 clients, 30 s): the figures go to target/serve-load.json.
    // The suite runs the same test short, for its assertions only.
    if args.first().is_none_or(|p| p == "awscred-cli") {
        ok &= run_status(
            cargo()
                .args([
                    "test",
                    "--release",
                    "-p",
                    "awscred-cli",
                    "--test",
                    "serve_load",
                ])
                .args(["--", "--nocapture"])
                .env("AWSCRED_LOAD_FIGURES", "1"),
        )?;
    }
    Ok(ok)
}

/// The crates whose `tests/fuzz_smoke.rs` runs each fuzz target's entry point on stable.
const FUZZ_SMOKE: &[&str] = &[
    "awscred-profile",
    "awscred-provider-process",
    "awscred-sts",
    "awscred-provider-imds",
    "awscred-provider-container",
    "awscred-file-cache",
];

fn fuzz(args: &[String]) -> Result<bool, String> {
    let time = match args {
        [] => "10".to_owned(),
        [flag] if flag == "--smoke" => {
            // Seeds plus a few seconds of mutations per target, on the stable toolchain (this is
            // also part of `cargo xtask test`, through each crate's tests).
            let mut ok = true;
            for krate in FUZZ_SMOKE {
                ok &=
                    run_status(cargo().args(["test", "-q", "-p", krate, "--test", "fuzz_smoke"]))?;
            }
            return Ok(ok);
        }
        [flag, secs] if flag == "--time" => secs.clone(),
        _ => {
            return Err(format!(
                "usage: cargo xtask fuzz [--time SECONDS | --smoke]\n\n{USAGE}"
            ));
        }
    };
    let root = workspace_root();
    let list = std::process::Command::new("cargo")
        .env_remove("RUSTUP_TOOLCHAIN")
        .args(["fuzz", "list"])
        .current_dir(root.join("fuzz"))
        .output()
        .map_err(|e| format!("running cargo fuzz: {e}"))?;
    if !list.status.success() {
        return Err(
            "cargo fuzz is not available: `cargo install cargo-fuzz` and a nightly \
                    toolchain are needed"
                .to_owned(),
        );
    }
    let mut ok = true;
    for target in String::from_utf8_lossy(&list.stdout)
        .lines()
        .filter(|l| !l.is_empty())
    {
        println!("fuzz: {target} for {time} s");
        let mut cmd = std::process::Command::new("cargo");
        // The fuzz folder's rust-toolchain.toml picks nightly; cargo's own RUSTUP_TOOLCHAIN
        // (set when xtask runs through `cargo xtask`) would override it.
        // New inputs go to a work corpus under target/ (libFuzzer writes to the first folder);
        // the committed seeds in fuzz/corpus/<target> are read, never grown.
        let work = root.join("target/fuzz-corpus").join(target);
        std::fs::create_dir_all(&work).map_err(|e| format!("{}: {e}", work.display()))?;
        let seeds = root.join("fuzz/corpus").join(target);
        cmd.env_remove("RUSTUP_TOOLCHAIN")
            .args([
                "fuzz",
                "run",
                target,
                &work.to_string_lossy(),
                &seeds.to_string_lossy(),
                "--",
                &format!("-max_total_time={time}"),
                // The limits, explicit: no input over 1 s, no single allocation over
                // 256 MiB and no more than 1 GiB resident (inputs are at most 4 KiB).
                "-timeout=1",
                "-malloc_limit_mb=256",
                "-rss_limit_mb=1024",
            ])
            .current_dir(root.join("fuzz"));
        ok &= run_status(&mut cmd)?;
    }
    Ok(ok)
}

/// `cargo`, as the one that runs this xtask.
pub(crate) fn cargo() -> std::process::Command {
    let mut cmd =
        std::process::Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cmd.current_dir(workspace_root());
    // No incremental state: a full run on a fresh clone never reuses it, and it was the largest
    // folder under target/ (3.3 GB of a 8.9 GB peak), which filled a CI machine's disk.
    cmd.env("CARGO_INCREMENTAL", "0");
    cmd
}

pub(crate) fn workspace_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}

/// Where cargo builds: `CARGO_TARGET_DIR`, else the workspace's `target/`.
pub(crate) fn target_dir() -> std::path::PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| workspace_root().join("target"), std::path::PathBuf::from)
}

/// The compiler cargo uses (`RUSTC`, else `rustc`).
pub(crate) fn rustc() -> std::process::Command {
    std::process::Command::new(std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into()))
}

pub(crate) fn run_status(cmd: &mut std::process::Command) -> Result<bool, String> {
    cmd.status()
        .map(|s| s.success())
        .map_err(|e| format!("running {cmd:?}: {e}"))
}
