//! Counting results and printing the summary lines.

use std::path::Path;

/// One suite's counts and the reasons for its skips and failures.
#[derive(Debug, Default)]
pub(crate) struct SuiteResult {
    pub(crate) name: String,
    pub(crate) passed: u64,
    pub(crate) failed: u64,
    pub(crate) skipped: u64,
    pub(crate) notes: Vec<String>,
}

impl SuiteResult {
    pub(crate) fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            ..Self::default()
        }
    }

    pub(crate) fn print(&self) {
        println!(
            "{}: {} passed, {} failed, {} skipped",
            self.name, self.passed, self.failed, self.skipped
        );
        for note in &self.notes {
            println!("  {note}");
        }
    }
}

/// Sums libtest's `test result:` lines in a `cargo test` log.
pub(crate) fn parse_libtest(log: &str, into: &mut SuiteResult) {
    for line in log.lines() {
        let Some(rest) = line.trim().strip_prefix("test result: ") else {
            continue;
        };
        // "ok. 13 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.07s"
        for part in rest.split(['.', ';']) {
            let mut words = part.split_whitespace();
            if let (Some(n), Some(what)) = (words.next(), words.next())
                && let Ok(n) = n.parse::<u64>()
            {
                match what {
                    "passed" => into.passed += n,
                    "failed" => into.failed += n,
                    "ignored" => into.skipped += n,
                    _ => {}
                }
            }
        }
    }
}

/// Reads the conformance reports `awscred_test::Suite` wrote into `dir`.
pub(crate) fn read_conformance_reports(dir: &Path) -> Vec<SuiteResult> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) else {
            let mut r = SuiteResult::new(path.display().to_string());
            r.failed = 1;
            r.notes.push("unreadable conformance report".into());
            out.push(r);
            continue;
        };
        let mut r = SuiteResult::new(format!("vectors/{}", v["suite"].as_str().unwrap_or("?")));
        r.passed = v["passed"].as_u64().unwrap_or(0);
        let list = |key: &str| v[key].as_array().cloned().unwrap_or_default();
        for f in list("failed") {
            r.failed += 1;
            r.notes.push(format!(
                "FAILED {}: {}",
                f["case"],
                f["reason"].as_str().unwrap_or("")
            ));
        }
        for s in list("skipped") {
            r.skipped += 1;
            r.notes.push(format!(
                "skipped {}: {}",
                s["case"],
                s["reason"].as_str().unwrap_or("")
            ));
        }
        out.push(r);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_libtest_lines() {
        let log = "running 2 tests\ntest result: ok. 13 passed; 0 failed; 1 ignored; 0 measured; \
                   0 filtered out; finished in 0.07s\n\
                   test result: FAILED. 2 passed; 3 failed; 0 ignored; 0 measured; 0 filtered out";
        let mut r = SuiteResult::new("x");
        parse_libtest(log, &mut r);
        assert_eq!((r.passed, r.failed, r.skipped), (15, 3, 1));
    }
}
