//! A stable-toolchain smoke run for the fuzz targets: each target's seed corpus, then
//! deterministic mutations of it (bit flips, byte inserts and deletes, truncation, duplicated
//! and spliced ranges): a fixed number of them from a fixed seed, so a failure reproduces on any
//! machine, however loaded. A panic, or an input that takes over [`INPUT_LIMIT`] (a hang, with
//! a generous margin: libFuzzer's own limit is 1 s), fails, printing the input in hex.
//! `cargo xtask fuzz` runs the real (coverage-guided) fuzzers.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// The seed corpus of fuzz target `target` (`fuzz/corpus/<target>/*`).
pub fn corpus(target: &str) -> Vec<Vec<u8>> {
    let dir: PathBuf = crate::fixtures_dir()
        .parent()
        .map(|p| p.join("fuzz/corpus").join(target))
        .unwrap_or_default();
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    files.sort();
    let seeds: Vec<Vec<u8>> = files.iter().filter_map(|p| std::fs::read(p).ok()).collect();
    assert!(!seeds.is_empty(), "no seeds in {}", dir.display());
    seeds
}

/// The mutated inputs each smoke run tries after its seeds.
pub const MUTATIONS: usize = 2_000;

/// The longest one input may take.
pub const INPUT_LIMIT: Duration = Duration::from_secs(5);

/// Runs `f` on every seed, then on `mutations` mutated inputs (always the same ones for the
/// same corpus). Returns how many inputs ran.
pub fn smoke(target: &str, mutations: usize, f: impl Fn(&[u8])) -> usize {
    let seeds = corpus(target);
    let mut rng = fastrand::Rng::with_seed(0x5eed_a75c_7ed5);
    let mut runs = 0;
    let mut check = |input: &[u8]| {
        let t = Instant::now();
        if catch_unwind(AssertUnwindSafe(|| f(input))).is_err() {
            panic!("{target}: panicked on input {}", hex(input));
        }
        assert!(
            t.elapsed() < INPUT_LIMIT,
            "{target}: input took {:?}: {}",
            t.elapsed(),
            hex(input)
        );
        runs += 1;
    };
    for seed in &seeds {
        check(seed);
    }
    for _ in 0..mutations {
        let mut input = seeds[rng.usize(..seeds.len())].clone();
        for _ in 0..rng.usize(1..6) {
            mutate(&mut rng, &mut input, &seeds);
        }
        check(&input);
    }
    runs
}

fn mutate(rng: &mut fastrand::Rng, input: &mut Vec<u8>, seeds: &[Vec<u8>]) {
    const INTERESTING: &[&[u8]] = &[
        b"\"",
        b"{",
        b"}",
        b"[",
        b"]",
        b"<",
        b">",
        b"</",
        b"\\u0000",
        b"\\ud800",
        b"null",
        b"-1",
        b"1e400",
        b"9999999999999999999999",
        b"\xff",
        b"\x00",
        b"&amp;",
        b"&#xD800;",
        b"Z",
        b"UTC",
        b"+25:00",
        b"2030-02-30T25:61:61",
        b"\n",
        b"\r\n",
        b" ",
    ];
    let len = input.len();
    match rng.u8(..7) {
        0 if len > 0 => {
            let i = rng.usize(..len);
            input[i] ^= 1 << rng.u8(..8);
        }
        1 => {
            let i = rng.usize(..=len);
            input.insert(i, rng.u8(..));
        }
        2 if len > 0 => {
            let i = rng.usize(..len);
            let j = rng.usize(i..=len.min(i + 16));
            input.drain(i..j);
        }
        3 => input.truncate(rng.usize(..=len)),
        4 if len > 0 => {
            let i = rng.usize(..len);
            let j = rng.usize(i..=len);
            let copy = input[i..j].to_vec();
            let at = rng.usize(..=input.len());
            input.splice(at..at, copy);
        }
        5 => {
            let other = &seeds[rng.usize(..seeds.len())];
            let cut = rng.usize(..=len);
            let from = rng.usize(..=other.len());
            input.truncate(cut);
            input.extend_from_slice(&other[from..]);
        }
        _ => {
            let token = INTERESTING[rng.usize(..INTERESTING.len())];
            let at = rng.usize(..=len);
            input.splice(at..at, token.iter().copied());
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
