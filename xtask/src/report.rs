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

/// One conformance report `awscred_test::Suite` wrote.
#[derive(Debug)]
pub(crate) struct ConformanceReport {
    pub(crate) result: SuiteResult,
    /// The suite's own name (`profile-parser`).
    pub(crate) suite: String,
    /// Whether its wrapper `#[test]` failed (a failed case, or a case count other than stated).
    pub(crate) wrapper_failed: bool,
    /// Cases that ran (passed, failed or skipped; not filtered out).
    pub(crate) ran: u64,
}

/// Reads the conformance reports `awscred_test::Suite` wrote into `dir`.
pub(crate) fn read_conformance_reports(dir: &Path) -> Vec<ConformanceReport> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        let parsed = std::fs::read_to_string(&path)
            .ok()
            .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok());
        let Some(v) = parsed else {
            let mut r = SuiteResult::new(path.display().to_string());
            r.failed = 1;
            r.notes.push("unreadable conformance report".into());
            out.push(ConformanceReport {
                result: r,
                suite: String::new(),
                wrapper_failed: true,
                ran: 0,
            });
            continue;
        };
        let suite = v["suite"].as_str().unwrap_or("?").to_owned();
        let mut r = SuiteResult::new(format!("conformance/{suite}"));
        r.passed = v["passed"].as_u64().unwrap_or(0);
        let list = |key: &str| v[key].as_array().cloned().unwrap_or_default();
        for (key, label, count) in [
            ("failed", "FAILED", &mut r.failed),
            ("skipped", "skipped", &mut r.skipped),
        ] {
            for case in list(key) {
                *count += 1;
                r.notes.push(format!(
                    "{label} {}: {}",
                    case["case"],
                    case["reason"].as_str().unwrap_or("")
                ));
            }
        }
        let (cases, seen) = (v["cases"].as_u64(), v["seen"].as_u64());
        let miscounted = cases.is_none() || cases != seen;
        if miscounted {
            r.failed += 1;
            r.notes.push(format!(
                "FAILED: the suite states {} cases but has {}",
                cases.map_or("no number of".to_owned(), |c| c.to_string()),
                seen.map_or("?".to_owned(), |c| c.to_string())
            ));
        }
        let ran = r.passed + r.failed + r.skipped;
        out.push(ConformanceReport {
            wrapper_failed: r.failed > 0,
            result: r,
            suite,
            ran,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_reports_and_fails_a_miscounted_suite() {
        let dir = std::env::temp_dir().join(format!("xtask-reports-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let ok = r#"{"suite":"a","cases":2,"seen":2,"passed":1,"failed":[],"skipped":[{"case":"x","reason":"why"}]}"#;
        let off = r#"{"suite":"b","cases":3,"seen":2,"passed":2,"failed":[],"skipped":[]}"#;
        std::fs::write(dir.join("a.json"), ok).unwrap();
        std::fs::write(dir.join("b.json"), off).unwrap();
        let reports = read_conformance_reports(&dir);
        let _ = std::fs::remove_dir_all(&dir);
        let summary: Vec<_> = reports
            .iter()
            .map(|r| {
                (
                    r.suite.as_str(),
                    r.result.passed,
                    r.result.failed,
                    r.result.skipped,
                    r.wrapper_failed,
                )
            })
            .collect();
        assert_eq!(summary, [("a", 1, 0, 1, false), ("b", 2, 1, 0, true)]);
        assert!(reports[0].result.notes[0].contains("why"));
    }

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
