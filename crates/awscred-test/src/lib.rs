//! Test support for the awscred workspace (`publish = false`).
//!
//! - [`Suite`]: the conformance runner every `tests/conformance.rs` uses. It runs one closure
//!   per fixture case, counts passed, failed and skipped cases (with the reason for every skip),
//!   prints a summary, writes a report for `cargo xtask test` when `AWSCRED_REPORT_DIR` is set,
//!   and fails the test when any case failed. `AWSCRED_CASE` selects cases by substring.
//! - [`fixtures_dir`]: the workspace `fixtures/` folder.
//! - [`fixture_server`]: a loopback HTTP server that replays recorded exchanges from
//!   `fixtures/<suite>/<case>/http.json`, injects faults (drop, hang, slow drip, reset), and
//!   fails a test when an expected request did not arrive or an unexpected one did.
//! - Re-exports of the seam fakes from `awscred-types` ([`FakeEnv`], [`MemFs`], [`ManualClock`]).
//!
//! It plays the role tower-test and rustls-test play in their workspaces.
#![allow(
    clippy::print_stderr,
    reason = "a test harness reports to the test output"
)]
#![allow(
    clippy::disallowed_methods,
    reason = "the harness reads fixtures and its own settings"
)]

pub mod fixture_server;
pub mod smoke;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;

pub use awscred_types::{FakeEnv, ManualClock, MemFs};

/// The workspace `fixtures/` folder (tests read fixtures through it, never through `shared/`).
pub fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

/// Reads a fixture file relative to [`fixtures_dir`], panicking with the path on failure.
pub fn read_fixture(relative: &str) -> String {
    let path = fixtures_dir().join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// What one conformance case came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The case passed.
    Pass,
    /// The case failed; the text says how.
    Fail(String),
    /// The case does not apply here; the text says why (printed, never silent).
    Skip(String),
}

impl<E: std::fmt::Display> From<Result<(), E>> for Outcome {
    fn from(r: Result<(), E>) -> Self {
        match r {
            Ok(()) => Outcome::Pass,
            Err(e) => Outcome::Fail(e.to_string()),
        }
    }
}

/// A conformance suite: many cases, one summary.
#[derive(Debug)]
pub struct Suite {
    name: String,
    filter: Option<String>,
    passed: Vec<String>,
    failed: Vec<(String, String)>,
    skipped: Vec<(String, String)>,
}

impl Suite {
    /// A suite named `name` (as `cargo xtask test --suite` knows it, e.g. `profile-parser`).
    pub fn new(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            filter: std::env::var("AWSCRED_CASE").ok().filter(|s| !s.is_empty()),
            passed: Vec::new(),
            failed: Vec::new(),
            skipped: Vec::new(),
        }
    }

    /// Runs one case. A panic inside `run` counts as a failure of this case only.
    pub fn case(&mut self, name: &str, run: impl FnOnce() -> Outcome) {
        if self.filter.as_deref().is_some_and(|f| !name.contains(f)) {
            return;
        }
        let outcome = catch_unwind(AssertUnwindSafe(run)).unwrap_or_else(|panic| {
            let msg = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_else(|| "panicked".to_owned());
            Outcome::Fail(format!("panicked: {msg}"))
        });
        match outcome {
            Outcome::Pass => self.passed.push(name.to_owned()),
            Outcome::Fail(why) => self.failed.push((name.to_owned(), why)),
            Outcome::Skip(why) => self.skipped.push((name.to_owned(), why)),
        }
    }

    /// Prints the summary, writes the report, and panics if any case failed or none ran.
    pub fn finish(self) {
        let (p, f, s) = (self.passed.len(), self.failed.len(), self.skipped.len());
        eprintln!("{}: {p} passed, {f} failed, {s} skipped", self.name);
        for (case, why) in &self.skipped {
            eprintln!("  skipped {case:?}: {why}");
        }
        for (case, why) in &self.failed {
            eprintln!("  FAILED {case:?}: {why}");
        }
        if let Ok(dir) = std::env::var("AWSCRED_REPORT_DIR") {
            let pairs = |v: &[(String, String)]| {
                v.iter()
                    .map(|(c, w)| serde_json::json!({"case": c, "reason": w}))
                    .collect::<Vec<_>>()
            };
            let report = serde_json::json!({
                "suite": self.name,
                "passed": p,
                "failed": pairs(&self.failed),
                "skipped": pairs(&self.skipped),
            });
            let dir = PathBuf::from(dir);
            let _ = std::fs::create_dir_all(&dir);
            let path = dir.join(format!("{}.json", self.name));
            std::fs::write(&path, report.to_string())
                .unwrap_or_else(|e| panic!("writing report {}: {e}", path.display()));
        }
        assert!(f == 0, "{}: {f} case(s) failed (see above)", self.name);
        assert!(
            p + s > 0 || self.filter.is_some(),
            "{}: no case ran; is the fixtures folder there?",
            self.name
        );
    }
}
