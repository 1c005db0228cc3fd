//! `awscred serve` under load: concurrent loopback clients, every request answered 200 with
//! the credentials; the upstream provider (a counting `credential_process`) hands out
//! credentials that enter botocore's 15-minute refresh window a few seconds after they are
//! fetched, so it runs once per expiry (never a stampede); the server's resident memory stays
//! flat.
//!
//! In the suite it is a short run (50 clients, 8 s, credentials refreshed every 2 s): the
//! assertions, counted, not timed. The figures (200 clients for 30 s, refreshes every 10 s,
//! latencies in `target/serve-load.json`) are a benchmark: `cargo xtask bench` runs them
//! (`AWSCRED_LOAD_FIGURES=1`; `AWSCRED_LOAD_SECS` changes the length).
#![allow(
    clippy::disallowed_methods,
    reason = "the test sets up files, runs the binary and reads /proc"
)]
#![allow(clippy::print_stderr, reason = "the benchmark run prints its figures")]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One run's shape.
struct Load {
    clients: usize,
    secs: u64,
    /// Seconds from a fetch until the credentials enter the refresh window.
    refresh_every: u64,
}

fn rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

fn get(addr: &str, token: &str) -> Result<Duration, String> {
    let started = Instant::now();
    let mut s = TcpStream::connect(addr).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok();
    write!(
        s,
        "GET / HTTP/1.1\r\nHost: {addr}\r\nAuthorization: {token}\r\nConnection: close\r\n\r\n"
    )
    .map_err(|e| e.to_string())?;
    let mut text = String::new();
    s.read_to_string(&mut text).map_err(|e| e.to_string())?;
    if !text.starts_with("HTTP/1.1 200") || !text.contains("AKIDLOAD") {
        return Err(text.lines().next().unwrap_or("no answer").to_owned());
    }
    Ok(started.elapsed())
}

#[test]
fn serve_answers_every_client_and_refreshes_once_per_expiry() {
    let figures = std::env::var_os("AWSCRED_LOAD_FIGURES").is_some();
    let load = if figures {
        Load {
            clients: 200,
            secs: std::env::var("AWSCRED_LOAD_SECS")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(30),
            refresh_every: 10,
        }
    } else {
        Load {
            clients: 50,
            secs: 8,
            refresh_every: 2,
        }
    };
    let Load {
        clients,
        secs,
        refresh_every,
    } = load;
    let home = std::env::temp_dir().join(format!("awscred-load-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&home);
    std::fs::create_dir_all(home.join(".aws")).unwrap();
    let calls = home.join("calls");
    std::fs::write(
        home.join(".aws/config"),
        format!(
            "[profile load]\ncredential_process = sh -c 'echo x >> {}; e=$(date -u -d @$(( $(date +%s) + {} )) +%Y-%m-%dT%H:%M:%SZ); printf \"{{\\\"Version\\\":1,\\\"AccessKeyId\\\":\\\"AKIDLOAD\\\",\\\"SecretAccessKey\\\":\\\"s\\\",\\\"SessionToken\\\":\\\"t\\\",\\\"Expiration\\\":\\\"$e\\\"}}\"'\n",
            calls.display(),
            900 + refresh_every
        ),
    )
    .unwrap();
    let mut server = Command::new(env!("CARGO_BIN_EXE_awscred"))
        .args(["serve", "--profile", "load"])
        .env_clear()
        .env("HOME", &home)
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(server.stdout.take().unwrap()).lines();
    let uri = lines.next().unwrap().unwrap();
    let token = lines.next().unwrap().unwrap();
    let addr = uri
        .trim_start_matches("export AWS_CONTAINER_CREDENTIALS_FULL_URI=http://")
        .trim_end_matches('/')
        .to_owned();
    let token = token
        .trim_start_matches("export AWS_CONTAINER_AUTHORIZATION_TOKEN=")
        .to_owned();

    let latencies = Arc::new(Mutex::new(Vec::new()));
    let errors = Arc::new(Mutex::new(Vec::new()));
    let deadline = Instant::now() + Duration::from_secs(secs);
    let rss_early = Arc::new(Mutex::new(0u64));
    let pid = server.id();
    let threads: Vec<_> = (0..clients)
        .map(|i| {
            let (addr, token) = (addr.clone(), token.clone());
            let (latencies, errors) = (latencies.clone(), errors.clone());
            let rss_early = rss_early.clone();
            std::thread::spawn(move || {
                let mut mine = Vec::new();
                let warmup = Instant::now() + Duration::from_secs((secs / 4).max(1));
                while Instant::now() < deadline {
                    match get(&addr, &token) {
                        Ok(d) => mine.push(d),
                        Err(e) => errors.lock().unwrap().push(e),
                    }
                    if i == 0 && Instant::now() >= warmup && *rss_early.lock().unwrap() == 0 {
                        *rss_early.lock().unwrap() = rss_kb(pid);
                    }
                }
                latencies.lock().unwrap().extend(mine);
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let rss_end = rss_kb(pid);
    server.kill().unwrap();
    let _ = server.wait();

    let errors = errors.lock().unwrap();
    let mut l = latencies.lock().unwrap().clone();
    l.sort();
    let pct = |p: f64| l[((l.len() as f64 * p) as usize).min(l.len() - 1)];
    let upstream = std::fs::read_to_string(&calls)
        .unwrap_or_default()
        .lines()
        .count();
    let report = serde_json::json!({
        "clients": clients, "seconds": secs, "refresh_every_s": refresh_every, "requests": l.len(), "errors": errors.len(),
        "p50_us": pct(0.50).as_micros() as u64, "p99_us": pct(0.99).as_micros() as u64,
        "max_us": l.last().map_or(0, |d| d.as_micros() as u64),
        "upstream_calls": upstream, "rss_kb_after_warmup": *rss_early.lock().unwrap(), "rss_kb_end": rss_end,
    });
    if figures {
        let target =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/serve-load.json");
        let _ = std::fs::write(target, report.to_string());
        eprintln!("serve-load: {report}");
    }
    let _ = std::fs::remove_dir_all(&home);
    assert!(
        errors.is_empty(),
        "{} failed requests, first: {:?} ({report})",
        errors.len(),
        errors.first()
    );
    assert!(l.len() > clients, "{report}");
    // One call to start, then at most one each time the credentials enter the refresh window:
    // never one per client. At least one refresh happened.
    let most = (secs / refresh_every) as usize + 2;
    assert!(
        (2..=most).contains(&upstream),
        "{upstream} upstream calls in {secs} s, expected one per {refresh_every} s ({report})"
    );
    let early = *rss_early.lock().unwrap();
    assert!(
        early > 0 && rss_end < early + 8 * 1024,
        "memory grew: {report}"
    );
}
