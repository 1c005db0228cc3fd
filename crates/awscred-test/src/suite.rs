//! [`Suite`]: many cases, one summary, one report for `cargo xtask test`.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;

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

/// Whether skips of peer-backed cases fail the suite: under `CI=true`, and when
/// `AWSCRED_REQUIRE_PEERS` is set (`cargo xtask test`, which starts the peers, sets it).
pub fn peers_required() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
        || std::env::var_os("AWSCRED_REQUIRE_PEERS").is_some_and(|v| !v.is_empty())
}

/// A conformance suite: a stated number of cases, one summary.
#[derive(Debug)]
pub struct Suite {
    name: String,
    cases: usize,
    peer: Option<&'static str>,
    filter: Option<String>,
    seen: usize,
    passed: Vec<String>,
    failed: Vec<(String, String)>,
    skipped: Vec<(String, String)>,
}

impl Suite {
    /// A suite named `name` (as `cargo xtask test --suite` knows it, e.g. `profile-parser`) that
    /// has exactly `cases` cases: [`finish`](Self::finish) fails when it saw another number, so a
    /// case that stops being run (or a fixture folder added without updating the count) shows.
    pub fn new(name: &str, cases: usize) -> Self {
        Self {
            name: name.to_owned(),
            cases,
            peer: None,
            filter: std::env::var("AWSCRED_CASE").ok().filter(|s| !s.is_empty()),
            seen: 0,
            passed: Vec::new(),
            failed: Vec::new(),
            skipped: Vec::new(),
        }
    }

    /// The cases need a real peer (`"moto"`, `"botocore"`): when [`peers_required`], any skip
    /// fails the suite instead of passing quietly.
    pub fn needs_peer(mut self, peer: &'static str) -> Self {
        self.peer = Some(peer);
        self
    }

    /// Runs one case. A panic inside `run` counts as a failure of this case only.
    pub fn case(&mut self, name: &str, run: impl FnOnce() -> Outcome) {
        self.seen += 1;
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
        let outcome = match (outcome, self.peer) {
            (Outcome::Skip(why), Some(peer)) if peers_required() => Outcome::Fail(format!(
                "skipped, but this run requires the {peer} peer (CI=true or \
                 AWSCRED_REQUIRE_PEERS): {why}"
            )),
            (other, _) => other,
        };
        match outcome {
            Outcome::Pass => self.passed.push(name.to_owned()),
            Outcome::Fail(why) => self.failed.push((name.to_owned(), why)),
            Outcome::Skip(why) => self.skipped.push((name.to_owned(), why)),
        }
    }

    /// Skips every one of `cases` for `why` (a missing peer, say) and finishes the suite.
    pub fn skip_all(mut self, cases: &[&str], why: &str) {
        for case in cases {
            self.case(case, || Outcome::Skip(why.to_owned()));
        }
        self.finish();
    }

    /// Prints the summary, writes the report (`AWSCRED_REPORT_DIR`), and panics if a case
    /// failed, if the suite saw another number of cases than it states, or if no case ran
    /// without a filter to explain it.
    pub fn finish(self) {
        let (p, f, s) = (self.passed.len(), self.failed.len(), self.skipped.len());
        let filtered_out = self.seen - (p + f + s);
        eprintln!(
            "{}: {p} passed, {f} failed, {s} skipped ({filtered_out} filtered out)",
            self.name
        );
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
                "cases": self.cases,
                "seen": self.seen,
                "filtered_out": filtered_out,
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
            self.seen == self.cases,
            "{}: {} cases, but the suite states {}; update the count with the fixtures",
            self.name,
            self.seen,
            self.cases
        );
        assert!(
            p + s > 0 || self.filter.is_some(),
            "{}: no case ran; is the fixtures folder there?",
            self.name
        );
    }
}
