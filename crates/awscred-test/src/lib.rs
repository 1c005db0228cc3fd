//! Test support for the awscred workspace (`publish = false`).
//!
//! - [`Suite`]: the conformance runner every `tests/conformance.rs` uses. It states how many
//!   cases it has, runs one closure per case, counts passed, failed and skipped cases (with the
//!   reason for every skip), prints a summary, writes a report for `cargo xtask test` when
//!   `AWSCRED_REPORT_DIR` is set, and fails the test when a case failed or the count is off.
//!   `AWSCRED_CASE` selects cases by substring. A suite that [`needs_peer`](Suite::needs_peer)
//!   fails on any skip under `CI=true` or `AWSCRED_REQUIRE_PEERS` (set by `cargo xtask test`).
//! - [`conformance`]: fixture-folder cases: one `case.json` envelope, `fs/` mounted in a
//!   `MemFs`, and one expectation check ([`conformance::Checker`]) with the secret scan. A
//!   provider's runner only says how to run one case.
//! - [`moto`]: the real STS peer `cargo xtask test` starts, as the tests read it.
//! - [`fixture_server`]: a loopback HTTP server that replays recorded exchanges from
//!   `fixtures/<suite>/<case>/http.json`, injects faults (drop, hang, slow drip, reset), and
//!   fails a test when an expected request did not arrive or an unexpected one did.
//! - [`key_id`]: the access key id a provider answers with (most provider tests' assertion),
//!   [`error_text`]: the error it fails with, [`check`]: an assertion that returns its failure.
//! - [`block_on`] for futures without a runtime, [`runtime`] for those that need tokio.
//! - [`config_profiles`]: profile files from a config file's text.
//! - [`fixtures_dir`], and re-exports of the seam fakes ([`FakeEnv`], [`MemFs`], [`ManualClock`]).
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

pub mod conformance;
pub mod fixture_server;
pub mod moto;
pub mod smoke;
mod suite;

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

pub use awscred_types::{FakeEnv, ManualClock, MemFs};
pub use suite::{Outcome, Suite, peers_required};

/// The workspace `fixtures/` folder (tests read fixtures through it, never through `shared/`).
pub fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

/// Profile files from text: `config` as the config file (named `/c` in messages), no
/// credentials file. Panics when it does not parse.
pub fn config_profiles(config: &str) -> awscred_profile::ProfileSet {
    let config = awscred_profile::Source::new("/c", config);
    awscred_profile::ProfileSet::parse(Some(config), None)
        .unwrap_or_else(|e| panic!("the config does not parse: {e}"))
}

/// Reads a fixture file relative to [`fixtures_dir`], panicking with the path on failure.
pub fn read_fixture(relative: &str) -> String {
    let path = fixtures_dir().join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// The access key id `provider` answers with, panicking with the error when it fails: the
/// one-line form of the assertion most provider tests make.
pub async fn key_id<P: awscred_types::ProvideCredentials + ?Sized>(provider: &P) -> String {
    match provider.provide_credentials().await {
        Ok(credentials) => credentials.access_key_id().to_owned(),
        Err(e) => panic!("the provider failed: {e}"),
    }
}

/// The error `provider` fails with, as text, panicking when it answers: the one-line form of
/// the error assertions.
pub async fn error_text<P: awscred_types::ProvideCredentials + ?Sized>(provider: &P) -> String {
    match provider.provide_credentials().await {
        Ok(credentials) => panic!(
            "the provider answered {} instead of failing",
            credentials.access_key_id()
        ),
        Err(e) => e.to_string(),
    }
}

/// `Ok` when `ok` holds, else `why()` as the error: an assertion for a case that returns its
/// failure (a [`Suite`] case, an adapter suite's step).
pub fn check(ok: bool, why: impl FnOnce() -> String) -> Result<(), String> {
    if ok { Ok(()) } else { Err(why()) }
}

/// Runs a future that needs no runtime (no timers, no sockets) on this thread, parking between
/// polls. The waker is made once per thread, so a ready future costs no allocation here.
pub fn block_on<F: Future>(fut: F) -> F::Output {
    struct Unpark(std::thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
        fn wake_by_ref(self: &Arc<Self>) {
            self.0.unpark();
        }
    }
    thread_local! {
        static WAKER: Waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    }
    let mut fut = std::pin::pin!(fut);
    WAKER.with(|waker| {
        let mut cx = Context::from_waker(waker);
        loop {
            match fut.as_mut().poll(&mut cx) {
                Poll::Ready(v) => return v,
                Poll::Pending => std::thread::park(),
            }
        }
    })
}

/// One test that needs a real peer (`"moto"`, `"botocore"`), run as a suite `suite` of one case
/// so that its skip is reported with the reason, and fails under `CI=true` or
/// `AWSCRED_REQUIRE_PEERS` (see [`Suite::needs_peer`]).
pub fn peer_case(suite: &str, peer: &'static str, case: &str, run: impl FnOnce() -> Outcome) {
    let mut s = Suite::new(suite, 1).needs_peer(peer);
    s.case(case, run);
    s.finish();
}

/// A current-thread tokio runtime with time and I/O, for futures that need them.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}
