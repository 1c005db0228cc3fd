//! Output that cannot be written (issue 16 item 6): a reader that has gone (`awscred profiles |
//! head -1`) ends the command quietly with the status a shell reports for `cat` there (141,
//! 128 + SIGPIPE); a full disk (`> /dev/full`) is one line on standard error and exit status 1;
//! `serve` stops when it cannot print its variables. Never a panic.
#![allow(
    clippy::disallowed_methods,
    reason = "the test sets up files and runs the binary"
)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use support::cmd;

mod support;

const KEYS: &str = "[dev]\naws_access_key_id = AKIDDEV00000000\naws_secret_access_key = SECRETDEV\n\
                    aws_session_token = TOKENDEV\n";

/// A home with `dev` and `extra` more profiles (enough output to fill any pipe buffer).
fn home(name: &str, extra: usize) -> PathBuf {
    let config: String = (0..extra)
        .map(|i| format!("[profile p{i:05}]\nregion = eu-west-1\n"))
        .collect();
    support::home("output", name, KEYS, &config)
}

/// Runs `args` with standard output a pipe that is closed after `keep` lines were read; waits
/// (bounded) and returns the exit code and standard error.
fn with_closed_pipe(h: &Path, args: &[&str], keep: usize) -> (Option<i32>, String) {
    let mut child = cmd(h, args, &[])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    for _ in 0..keep {
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
    }
    drop(out);
    let deadline = Instant::now() + Duration::from_secs(20);
    while child.try_wait().unwrap().is_none() {
        assert!(
            Instant::now() < deadline,
            "{args:?} kept running after its pipe closed"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

/// Runs `args` with standard output a pipe whose reading end is already closed.
fn into_gone_reader(h: &Path, args: &[&str]) -> (Option<i32>, String) {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = cmd(h, args, &[])
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

/// Runs `args` with standard output `/dev/full`.
fn into_dev_full(h: &Path, args: &[&str]) -> (Option<i32>, String) {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = cmd(h, args, &[])
        .stdout(Stdio::from(full))
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[test]
fn a_closed_pipe_ends_quietly_with_the_status_cat_has() {
    let h = home("pipe", 5000);
    // `awscred profiles | head -1`: 5,001 lines, far more than a pipe holds.
    let (code, err) = with_closed_pipe(&h, &["profiles"], 1);
    assert_eq!(code, Some(141), "{err}");
    assert_eq!(err, "", "a closed pipe is not worth a message");
    // export-credentials into a pipe nobody reads any more.
    let (code, err) = into_gone_reader(&h, &["export-credentials", "--profile", "dev"]);
    assert_eq!(code, Some(141), "{err}");
    assert_eq!(err, "");
}

#[test]
fn any_other_write_error_is_one_line_and_status_1() {
    let h = home("full", 3);
    for args in [
        &["export-credentials", "--profile", "dev"][..],
        &["export-credentials", "--profile", "dev", "--format", "env"][..],
        &["profiles"][..],
        &["explain", "--profile", "dev"][..],
        &["cache", "list"][..],
    ] {
        let (code, err) = into_dev_full(&h, args);
        assert_eq!(code, Some(1), "{args:?}: {err}");
        assert_eq!(
            err,
            "awscred: could not write to standard output: No space left on device (os error 28)\n",
            "{args:?}"
        );
    }
}

#[test]
fn serve_stops_when_it_cannot_print_its_variables() {
    let h = home("serve", 0);
    let started = Instant::now();
    let (code, err) = into_dev_full(&h, &["serve", "--profile", "dev"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.starts_with("awscred: could not write to standard output"),
        "{err}"
    );
    assert!(!err.contains("serving credentials"), "{err}");
    let (code, err) = into_gone_reader(&h, &["serve", "--profile", "dev"]);
    assert_eq!(code, Some(141), "{err}");
    assert!(started.elapsed() < Duration::from_secs(20));
}
