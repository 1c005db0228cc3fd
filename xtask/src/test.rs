//! `cargo xtask test`: every suite, one summary.

use std::process::{Command, Stdio};

use crate::report::{ConformanceReport, SuiteResult, parse_libtest, read_conformance_reports};
use crate::{cargo, moto, workspace_root};

/// Conformance suites and the package whose tests run them (for `--suite`). Every one must
/// report when its package is tested: a suite that stops running fails the run.
const CONFORMANCE: &[(&str, &str)] = &[
    ("profile-parser", "awscred-profile"),
    ("file-location", "awscred-profile"),
    ("sigv4", "awscred-sigv4"),
    ("provider-process", "awscred-provider-process"),
    ("provider-web-identity", "awscred-provider-web-identity"),
    ("ecs", "awscred-provider-container"),
    ("provider-profile", "awscred-provider-profile"),
    ("provider-imds", "awscred-provider-imds"),
    ("imds-endpoint", "awscred-provider-imds"),
    ("provider-boto2", "awscred-provider-boto2"),
    ("provider-ec2-file", "awscred-provider-boto2"),
    ("provider-container", "awscred-provider-container"),
    ("assume-role-plan", "awscred-provider-assume-role"),
    ("sts-moto", "awscred-sts"),
    ("assume-role-cache-interop", "awscred-file-cache"),
    ("assume-role-moto", "awscred-chain"),
    ("provider-sso", "awscred-provider-sso"),
    ("provider-login", "awscred-provider-login"),
    ("sso-botocore-interop", "awscred-provider-sso"),
    ("cli-moto-stampede", "awscred-cli"),
    ("session-token-moto", "awscred-provider-assume-role"),
    ("serve-botocore", "awscred-cli"),
    ("object-store-moto", "awscred-object-store"),
    ("login-botocore-interop", "awscred-cli"),
    ("aws-sdk-moto", "awscred-aws-sdk"),
    ("opendal-moto", "awscred-opendal"),
    ("keys-secret-service", "awscred-cli"),
    ("keys-botocore", "awscred-cli"),
    ("keys-rotate-moto", "awscred-cli"),
    ("keys-add-pty", "awscred-cli"),
];

/// Checks that are not `cargo test` runs: printed apart from the tests and not in their total.
const CHECKS: &[&str] = &[
    "fmt",
    "examples",
    "dist",
    "lint",
    "features",
    "deny",
    "advisories",
    "deps",
    "doc",
    "publish",
];

/// The CLI with every provider but without the key store (`--no-default-features`) stays within
/// this many distinct packages.
const MAX_CLI_PACKAGES: usize = 100;
/// The CLI with its default `keys` feature (the key store, issue 20) on Linux.
const MAX_CLI_PACKAGES_WITH_KEYS: usize = 110;

pub(crate) struct Test {
    suite: Option<String>,
    case: Option<String>,
}

impl Test {
    pub(crate) fn parse(args: &[String]) -> Result<Self, String> {
        let mut t = Test {
            suite: None,
            case: None,
        };
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            let slot = match arg.as_str() {
                "--suite" => &mut t.suite,
                "--case" => &mut t.case,
                other => return Err(format!("unknown argument {other:?} for `test`")),
            };
            *slot = Some(
                it.next()
                    .ok_or_else(|| format!("{arg} needs a value"))?
                    .clone(),
            );
        }
        Ok(t)
    }

    pub(crate) fn run(&self) -> Result<bool, String> {
        let packages = workspace_packages()?;
        let wanted_packages: Vec<&String> = match &self.suite {
            None => packages.iter().collect(),
            Some(s) if CHECKS.contains(&s.as_str()) => Vec::new(),
            Some(s) => {
                let pkg = CONFORMANCE
                    .iter()
                    .find(|(n, _)| n == s)
                    .map_or(s.as_str(), |(_, p)| p);
                let found: Vec<_> = packages.iter().filter(|p| *p == pkg).collect();
                if found.is_empty() {
                    let known: Vec<&str> = CHECKS
                        .iter()
                        .copied()
                        .chain(CONFORMANCE.iter().map(|(n, _)| *n))
                        .chain(packages.iter().map(String::as_str))
                        .collect();
                    return Err(format!("unknown suite {s:?}; known: {}", known.join(", ")));
                }
                found
            }
        };
        let want_check = |name: &str| self.suite.as_deref().is_none_or(|s| s == name);

        let mut checks = Vec::new();
        if want_check("fmt") {
            checks.push(check(
                "fmt",
                cargo().args(["fmt", "--all", "--", "--check"]),
            ));
        }

        let report_dir = workspace_root().join("target/xtask-reports");
        let _ = std::fs::remove_dir_all(&report_dir);
        std::fs::create_dir_all(&report_dir)
            .map_err(|e| format!("creating {report_dir:?}: {e}"))?;

        // The moto servers live as long as this guard; dropping it stops them, whatever happens.
        // `cargo xtask test` runs the peer-backed cases: when moto does not start, that is a
        // failed check, and every moto-backed case fails rather than skips (the packages run
        // with AWSCRED_REQUIRE_PEERS).
        let mut servers = None;
        // The examples and dist checks call the enforced server too.
        if !wanted_packages.is_empty() || matches!(self.suite.as_deref(), Some("examples" | "dist"))
        {
            match moto::start() {
                Ok(m) => servers = Some(m),
                Err(e) => {
                    eprintln!();
                    eprintln!("!!! moto_server did not start: {e}");
                    eprintln!("!!! every test against the real STS peer will FAIL.");
                    eprintln!();
                    let mut r = SuiteResult::new("moto");
                    r.failed = 1;
                    r.notes.push(format!("moto_server did not start: {e}"));
                    checks.push(r);
                }
            }
        }
        let moto_env = servers.as_ref().map(|m| m.env.clone()).unwrap_or_default();
        // The key store's Secret Service cases run a real GNOME Keyring on a private bus.
        if !wanted_packages.is_empty()
            && let Err(e) = ensure_secret_service_tools()
        {
            eprintln!("!!! {e}: the Secret Service cases will FAIL.");
            let mut r = SuiteResult::new("secret-service");
            r.failed = 1;
            r.notes.push(e);
            checks.push(r);
        }

        let mut tests = Vec::new();
        let mut cases_ran = 0;
        for pkg in &wanted_packages {
            let (package, conformance) = self.test_package(pkg, &report_dir, &moto_env)?;
            tests.push(package);
            for c in conformance {
                cases_ran += c.ran;
                tests.push(c.result);
            }
        }
        if want_check("examples") {
            checks.push(crate::examples::run(&moto_env));
        }
        if want_check("dist") {
            checks.push(crate::dist::check(&moto_env));
        }
        drop(servers);
        if let Some(case) = &self.case
            && !wanted_packages.is_empty()
            && cases_ran == 0
        {
            return Err(format!(
                "--case {case:?} matched no conformance case (is the name right?)"
            ));
        }

        if want_check("lint") {
            checks.push(check(
                "lint",
                cargo().args([
                    "clippy",
                    "--workspace",
                    "--all-targets",
                    "--",
                    "-D",
                    "warnings",
                ]),
            ));
        }
        if want_check("features") {
            // Features only add: the facade with none, the chain with one at a time, and the
            // CLI without the key store (`keys` off), each built and clippy-clean.
            let mut builds = vec![(vec!["awscred"], "the facade without features".to_owned())];
            for f in [
                "assume-role",
                "web-identity",
                "sso",
                "login",
                "process",
                "imds",
            ] {
                builds.push((
                    vec!["awscred-chain", "--features", f],
                    format!("awscred-chain with only `{f}`"),
                ));
            }
            builds.push((
                vec!["awscred-cli"],
                "awscred-cli without the `keys` feature".into(),
            ));
            let mut r = SuiteResult::new("features");
            r.passed = 1;
            for (args, what) in builds {
                let mut cmd = cargo();
                cmd.args(["clippy", "-q", "--no-default-features", "-p"])
                    .args(args)
                    .args(["--", "-D", "warnings"]);
                if check("features", &mut cmd).failed > 0 {
                    r.failed = 1;
                    r.passed = 0;
                    r.notes.push(format!("{what} failed"));
                }
            }
            checks.push(r);
        }
        if want_check("deny") {
            checks.push(deny());
        }
        if want_check("advisories") {
            checks.push(crate::audit::suite());
        }
        if want_check("deps") {
            checks.push(deps(&packages));
        }
        if want_check("doc") {
            // Every public item documented, every intra-doc link resolving.
            checks.push(check(
                "doc",
                cargo()
                    .args(["doc", "-q", "--workspace", "--no-deps"])
                    .env("RUSTDOCFLAGS", "-D warnings"),
            ));
        }
        if want_check("publish") {
            // Packages every published crate in dependency order and builds each from its
            // package, as crates.io would receive it; nothing is uploaded. (`--allow-dirty`:
            // the check is about what the packages hold, not about uncommitted work.)
            // Its own target folder: cargo takes registry packages for immutable, so a package
            // built from an earlier run's sources of the same version would be reused.
            let target = workspace_root().join("target/publish-verify");
            forget_packaged_sources(&packages, &target);
            checks.push(check(
                "publish",
                cargo()
                    .args(["publish", "-q", "--dry-run", "--workspace", "--allow-dirty"])
                    .env("CARGO_TARGET_DIR", &target)
                    .env("CARGO_PROFILE_DEV_DEBUG", "0"),
            ));
        }
        Ok(summary(&tests, &checks))
    }

    /// Runs one package's tests. Returns its libtest counts without the conformance wrapper
    /// tests (each suite's cases are counted instead, once), and its conformance suites.
    fn test_package(
        &self,
        pkg: &str,
        report_dir: &std::path::Path,
        moto_env: &[(String, String)],
    ) -> Result<(SuiteResult, Vec<ConformanceReport>), String> {
        let log_path = workspace_root().join(format!("target/xtask-logs/{pkg}.log"));
        std::fs::create_dir_all(log_path.parent().unwrap_or(&log_path))
            .map_err(|e| format!("creating log folder: {e}"))?;
        let log = std::fs::File::create(&log_path).map_err(|e| format!("{log_path:?}: {e}"))?;
        let log_err = log.try_clone().map_err(|e| e.to_string())?;
        let reports = report_dir.join(pkg);
        let mut cmd = cargo();
        cmd.args(["test", "-p", pkg, "--no-fail-fast"])
            .env("AWSCRED_REPORT_DIR", &reports)
            .env("AWSCRED_REQUIRE_PEERS", "1")
            .envs(moto_env.iter().map(|(k, v)| (k, v)))
            .stdout(Stdio::from(log))
            .stderr(Stdio::from(log_err));
        match &self.case {
            Some(c) => cmd.env("AWSCRED_CASE", c),
            None => cmd.env_remove("AWSCRED_CASE"),
        };
        eprintln!("xtask: testing {pkg} …");
        let status = cmd
            .status()
            .map_err(|e| format!("running cargo test: {e}"))?;
        let text = std::fs::read_to_string(&log_path).unwrap_or_default();
        if self.suite.is_none() {
            // A full run keeps the disk it needs small: each package's test executables go once
            // they have run (a warm re-run links them again), so they never pile up (1.5 GB).
            remove_test_binaries(&text);
        }
        let mut r = SuiteResult::new(pkg);
        parse_libtest(&text, &mut r);
        let ran_any = r.passed + r.failed + r.skipped > 0;
        let mut conformance = read_conformance_reports(&reports);
        // Each suite's wrapper #[test] is in libtest's counts; its cases stand for it.
        for c in &conformance {
            if c.wrapper_failed {
                r.failed = r.failed.saturating_sub(1);
            } else {
                r.passed = r.passed.saturating_sub(1);
            }
        }
        let build_failed =
            !status.success() && r.failed == 0 && !conformance.iter().any(|c| c.wrapper_failed);
        if build_failed {
            r.failed = 1;
            r.notes
                .push("cargo test failed before running tests (build error?)".into());
        }
        if !ran_any && status.success() {
            r.failed += 1;
            r.notes
                .push("no test ran: a package's tests must report (0 passed is not a pass)".into());
        }
        for (suite, _) in CONFORMANCE.iter().filter(|(_, p)| *p == pkg) {
            if !conformance.iter().any(|c| c.suite == *suite) {
                let mut missing = SuiteResult::new(format!("conformance/{suite}"));
                missing.failed = 1;
                missing.notes.push(format!(
                    "the suite did not report: did its test stop running? (expected from {pkg})"
                ));
                conformance.push(ConformanceReport {
                    result: missing,
                    suite: (*suite).to_owned(),
                    wrapper_failed: true,
                    ran: 0,
                });
            }
        }
        for c in &mut conformance {
            if self.case.is_none() && c.ran == 0 && !c.wrapper_failed {
                c.result.failed = 1;
                c.result.notes.push("the suite ran no case".into());
            }
            if !CONFORMANCE.iter().any(|(s, _)| *s == c.suite) {
                c.result.failed += 1;
                c.result.notes.push(
                    "xtask does not know this suite: add it to CONFORMANCE in xtask/src/test.rs"
                        .to_owned(),
                );
            }
        }
        if r.failed > 0 || conformance.iter().any(|c| c.result.failed > 0) {
            r.notes.push(format!("full log: {}", log_path.display()));
            eprintln!("{text}");
        }
        Ok((r, conformance))
    }
}

/// Removes the test executables cargo ran, named in its `Running … (target/debug/deps/X)` lines.
fn remove_test_binaries(log: &str) {
    for path in test_binaries(log) {
        let _ = std::fs::remove_file(workspace_root().join(path));
    }
}

/// The executables a `cargo test` log says it ran: only files under `target/…/deps/`.
fn test_binaries(log: &str) -> Vec<&str> {
    log.lines()
        .filter_map(|l| l.trim_start().strip_prefix("Running "))
        .filter_map(|l| l.rsplit_once(" (")?.1.strip_suffix(')'))
        .filter(|p| p.starts_with("target/") && p.contains("/deps/") && !p.contains(".."))
        .collect()
}

/// Prints tests and checks apart, and whether the run passed. The total counts each test once:
/// every `#[test]` of every package, except that a conformance suite's wrapper test is replaced
/// by its cases; checks (fmt, lint, deny, …) are not tests and are counted on their own line.
fn summary(tests: &[SuiteResult], checks: &[SuiteResult]) -> bool {
    let mut total = SuiteResult::new("total");
    println!("tests:");
    for r in tests {
        r.print();
        total.passed += r.passed;
        total.failed += r.failed;
        total.skipped += r.skipped;
    }
    let checks_failed = checks.iter().filter(|c| c.failed > 0).count();
    let checks_skipped = checks
        .iter()
        .filter(|c| c.failed == 0 && c.passed == 0)
        .count();
    println!("checks:");
    for c in checks {
        let verdict = match (c.failed, c.passed) {
            (0, 0) => "skipped",
            (0, _) => "ok",
            _ => "FAILED",
        };
        println!("{}: {verdict}", c.name);
        for note in &c.notes {
            println!("  {note}");
        }
    }
    println!(
        "total: {} passed, {} failed, {} skipped (tests and conformance cases, each once); \
         checks: {} ok, {checks_failed} failed, {checks_skipped} skipped",
        total.passed,
        total.failed,
        total.skipped,
        checks.len() - checks_failed - checks_skipped,
    );
    total.failed == 0 && checks_failed == 0
}

pub(crate) fn check(name: &str, cmd: &mut Command) -> SuiteResult {
    eprintln!("xtask: {name} …");
    let mut r = SuiteResult::new(name);
    match cmd.status() {
        Ok(s) if s.success() => r.passed = 1,
        Ok(_) => r.failed = 1,
        Err(e) => {
            r.failed = 1;
            r.notes.push(format!("could not run: {e}"));
        }
    }
    r
}

/// The programs the Secret Service tests run (`dbus-run-session`, `gnome-keyring-daemon`,
/// `dbus-send`), installed with apt-get (Debian packages `dbus-daemon`, `dbus-bin` and
/// `gnome-keyring`) when one is missing.
fn ensure_secret_service_tools() -> Result<(), String> {
    const TOOLS: [&str; 3] = ["dbus-run-session", "gnome-keyring-daemon", "dbus-send"];
    let on_path = |tool: &str| {
        Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if TOOLS.iter().all(|t| on_path(t)) {
        return Ok(());
    }
    eprintln!("xtask: installing dbus-daemon, dbus-bin and gnome-keyring with apt-get (once) …");
    let apt = |args: &[&str]| {
        Command::new("apt-get")
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    let installed = apt(&["update", "-qq"])
        && apt(&[
            "install",
            "-y",
            "-qq",
            "dbus-daemon",
            "dbus-bin",
            "gnome-keyring",
        ]);
    match TOOLS.iter().find(|t| !on_path(t)) {
        None => Ok(()),
        Some(t) if installed => Err(format!("{t} is still missing after apt-get install")),
        Some(t) => Err(format!(
            "{t} is missing and `apt-get install dbus-daemon dbus-bin gnome-keyring` failed"
        )),
    }
}

/// Installs cargo-deny when it is missing (once; cached in `~/.cargo/bin`).
pub(crate) fn ensure_cargo_deny() -> Result<(), String> {
    let have = Command::new("cargo")
        .args(["deny", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if have {
        return Ok(());
    }
    eprintln!("xtask: installing cargo-deny (once; cached in ~/.cargo/bin) …");
    let mut install = Command::new("cargo");
    install.args(["install", "--locked", "cargo-deny"]);
    if crate::run_status(&mut install).unwrap_or(false) {
        Ok(())
    } else {
        Err("cargo install --locked cargo-deny failed".into())
    }
}

/// The adapter crates: each carries its client's dependency tree (aws-sdk-rust, object_store,
/// OpenDAL), whose versions awscred does not choose.
pub(crate) const ADAPTERS: &[&str] =
    &["awscred-aws-sdk", "awscred-object-store", "awscred-opendal"];

/// `cargo deny check bans licenses sources`, installing cargo-deny when it is missing: strict
/// (one version per crate) for the workspace without the adapters, then each adapter's own graph
/// with licences, sources and bans checked the same way except that duplicate versions are
/// allowed there. (Advisories are their own check, `advisories`, in `audit.rs`.)
fn deny() -> SuiteResult {
    if let Err(e) = ensure_cargo_deny() {
        let mut r = SuiteResult::new("deny");
        r.failed = 1;
        r.notes.push(e);
        return r;
    }
    let mut strict = cargo();
    strict.args(["deny", "--all-features"]);
    for a in ADAPTERS {
        strict.args(["--exclude", a]);
    }
    let mut r = check(
        "deny",
        strict.args(["check", "bans", "licenses", "sources"]),
    );
    for a in ADAPTERS {
        let manifest = format!("crates/{a}/Cargo.toml");
        let one = check(
            "deny",
            cargo().args([
                "deny",
                "--all-features",
                "--manifest-path",
                &manifest,
                "check",
                "-A",
                "duplicate",
                "bans",
                "licenses",
                "sources",
            ]),
        );
        if one.failed > 0 {
            r.failed = 1;
            r.passed = 0;
            r.notes.push(format!("{a} (duplicates allowed) failed"));
        }
    }
    r
}

/// `cargo publish --workspace` verifies each package against the others through a local
/// registry that cargo unpacks under `$CARGO_HOME/registry/src/-<hash>/`, reusing an unpacked
/// `<name>-<version>` folder that is already there, and builds them in `target` as registry
/// packages, which cargo never rebuilds: the same version with other sources (an earlier run,
/// another branch) would be verified instead of this tree's. Removes both first: the workspace
/// packages' folders in those unnamed registries (crates.io's are untouched) and everything of
/// awscred's built in `target` (its dependencies stay built).
fn forget_packaged_sources(packages: &[String], target: &std::path::Path) {
    // `awscred-types-0.1.0` (sources), `awscred-types-<hash>` (fingerprints, build scripts),
    // `libawscred_types-<hash>.rlib` and `awscred_types-<hash>.d` (artifacts).
    let ours = |name: &str, underscores: bool| {
        packages.iter().any(|p| {
            let p = if underscores {
                p.replace('-', "_")
            } else {
                p.clone()
            };
            name.strip_prefix("lib")
                .unwrap_or(name)
                .strip_prefix(p.as_str())
                .is_some_and(|rest| rest.starts_with('-'))
        })
    };
    let remove_in = |dir: &std::path::Path, underscores: bool| {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            if ours(&entry.file_name().to_string_lossy(), underscores) {
                let path = entry.path();
                let _ = std::fs::remove_dir_all(&path).or_else(|_| std::fs::remove_file(&path));
            }
        }
    };
    let home = std::env::var_os("CARGO_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| std::path::Path::new(&h).join(".cargo")));
    if let Some(src) = home.map(|h| h.join("registry/src")) {
        let registries = std::fs::read_dir(&src).into_iter().flatten().flatten();
        for r in registries.filter(|e| e.file_name().to_string_lossy().starts_with('-')) {
            remove_in(&r.path(), false);
        }
    }
    for (dir, underscores) in [(".fingerprint", false), ("build", false), ("deps", true)] {
        remove_in(&target.join("debug").join(dir), underscores);
    }
}

/// The CLI's distinct packages (`cargo tree -e normal,build`) stay within the budget, and no
/// provider crate depends on another (`cargo metadata`).
fn deps(packages: &[String]) -> SuiteResult {
    let mut r = SuiteResult::new("deps");
    if !packages.iter().any(|p| p == "awscred-cli") {
        r.skipped = 1;
        r.notes
            .push("skipped: no awscred-cli package in the workspace yet".into());
        return r;
    }
    for (label, extra, budget) in [
        ("awscred-cli", None, MAX_CLI_PACKAGES_WITH_KEYS),
        (
            "awscred-cli without the key store (--no-default-features)",
            Some("--no-default-features"),
            MAX_CLI_PACKAGES,
        ),
    ] {
        match cli_packages(extra) {
            Ok(distinct) => {
                r.notes.push(format!(
                    "{label}: {distinct} distinct packages (budget {budget})"
                ));
                if distinct <= budget {
                    r.passed += 1
                } else {
                    r.failed += 1
                }
            }
            Err(e) => {
                r.failed += 1;
                r.notes.push(format!("{label}: cargo tree failed: {e}"));
            }
        }
    }
    match metadata().map(|m| provider_cross_deps(&m)) {
        Ok(crossed) if crossed.is_empty() => {
            r.passed += 1;
            r.notes
                .push("no awscred-provider-* crate depends on another provider crate".into());
        }
        Ok(crossed) => {
            r.failed += 1;
            r.notes.push(format!(
                "provider crates must not depend on each other (shared code goes below them, \
                 e.g. awscred-file-cache): {}",
                crossed.join(", ")
            ));
        }
        Err(e) => {
            r.failed += 1;
            r.notes.push(e);
        }
    }
    r
}

/// Every dependency (any kind) of an `awscred-provider-*` package on another one, as
/// `"from -> to"`, from `cargo metadata` output.
fn provider_cross_deps(metadata: &serde_json::Value) -> Vec<String> {
    const PREFIX: &str = "awscred-provider-";
    let mut crossed = Vec::new();
    for package in metadata["packages"].as_array().into_iter().flatten() {
        let Some(name) = package["name"].as_str().filter(|n| n.starts_with(PREFIX)) else {
            continue;
        };
        for dep in package["dependencies"].as_array().into_iter().flatten() {
            if let Some(to) = dep["name"].as_str().filter(|d| d.starts_with(PREFIX)) {
                crossed.push(format!("{name} -> {to}"));
            }
        }
    }
    crossed.sort();
    crossed.dedup();
    crossed
}

/// The CLI's distinct packages (`cargo tree -p awscred-cli -e normal,build`, plus `extra`).
fn cli_packages(extra: Option<&str>) -> Result<usize, String> {
    let out = cargo()
        .args([
            "tree",
            "-p",
            "awscred-cli",
            "-e",
            "normal,build",
            "--prefix",
            "none",
        ])
        .args(extra)
        .args(["--format", "{p}"])
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into());
    }
    Ok(distinct_packages(&String::from_utf8_lossy(&out.stdout)))
}

fn distinct_packages(tree: &str) -> usize {
    let mut seen: Vec<&str> = tree
        .lines()
        .filter_map(|l| {
            let mut words = l.split_whitespace();
            let (name, version) = (words.next()?, words.next()?);
            Some(&l[..name.len() + 1 + version.len()])
        })
        .collect();
    seen.sort_unstable();
    seen.dedup();
    seen.len()
}

fn workspace_packages() -> Result<Vec<String>, String> {
    let v = metadata()?;
    let mut names: Vec<String> = v["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["name"].as_str().map(str::to_owned))
        .collect();
    names.sort();
    Ok(names)
}

/// `cargo metadata --no-deps` of the workspace.
fn metadata() -> Result<serde_json::Value, String> {
    let out = cargo()
        .args(["metadata", "--no-deps", "--format-version", "1"])
        .output()
        .map_err(|e| format!("cargo metadata: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "cargo metadata: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("cargo metadata output: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_test_binaries_cargo_ran() {
        let log = "   Compiling x v0.1.0\n     Running unittests src/lib.rs (target/debug/deps/x-0a1b)\n\
                   running 2 tests\n     Running tests/a b.rs (target/debug/deps/a_b-ff00)\n\
                   Running elsewhere (/etc/passwd)\n   Doc-tests x\n";
        assert_eq!(
            test_binaries(log),
            ["target/debug/deps/x-0a1b", "target/debug/deps/a_b-ff00"]
        );
    }

    #[test]
    fn counts_distinct_packages_once() {
        let tree = "awscred-cli v0.1.0 (/x)\nbytes v1.0.0\nhttp v1.1.0\nbytes v1.0.0 (*)\n\nbytes v1.1.0\n";
        assert_eq!(distinct_packages(tree), 4);
    }

    #[test]
    fn finds_a_provider_depending_on_another() {
        let metadata = |sso_deps: serde_json::Value| {
            serde_json::json!({"packages": [
                {"name": "awscred-provider-sso", "dependencies": sso_deps},
                {"name": "awscred-chain", "dependencies": [
                    {"name": "awscred-provider-sso", "kind": null}]},
            ]})
        };
        let clean = metadata(serde_json::json!([
            {"name": "awscred-file-cache", "kind": null},
            {"name": "awscred-test", "kind": "dev"},
        ]));
        assert!(provider_cross_deps(&clean).is_empty());
        let crossed = metadata(serde_json::json!([
            {"name": "awscred-file-cache", "kind": null},
            {"name": "awscred-provider-assume-role", "kind": "dev"},
        ]));
        assert_eq!(
            provider_cross_deps(&crossed),
            ["awscred-provider-sso -> awscred-provider-assume-role"]
        );
    }

    #[test]
    fn parses_flags() {
        let t = Test::parse(&[
            "--suite".into(),
            "sigv4".into(),
            "--case".into(),
            "get".into(),
        ])
        .unwrap();
        assert_eq!(t.suite.as_deref(), Some("sigv4"));
        assert_eq!(t.case.as_deref(), Some("get"));
        assert!(Test::parse(&["--suite".into()]).is_err());
        assert!(Test::parse(&["--nope".into()]).is_err());
    }
}
