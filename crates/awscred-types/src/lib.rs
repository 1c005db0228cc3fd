//! Core types for awscred: the contract every credential provider and layer implements.
//!
//! This crate provides:
//! - [`Credentials`]: an access key id, a zeroized secret, an optional session token, expiry and
//!   account id, and the name of the provider that produced them. Cheap to clone; `Debug` redacts.
//! - [`ProvideCredentials`]: the one trait every provider and layer implements, object-safe
//!   through `async-trait`, and [`SharedProvider`], its shared form for chains.
//! - [`CredentialsError`]: the error whose *variant* is the contract (`NotLoaded` moves a chain on;
//!   every other variant stops it) and whose `Display` shows the whole cause chain on one line.
//! - The seams [`Env`], [`Fs`] and [`Clock`], with real implementations ([`SystemEnv`], [`OsFs`],
//!   [`SystemClock`]), and [`Sources`], the three together: what every provider is built from.
//!   Provider code reaches the process environment, the file system and the wall clock only
//!   through these, so tests run hermetically and in parallel (the workspace `clippy.toml`
//!   enforces it). [`Fs::read`] reads regular files only, never waits on a FIFO, and caps each
//!   kind of file ([`ReadCap`]).
//! - [`printable`]: text from outside (a server's error message) made safe to print.
//! - [`terminal::read_without_echo`]: a prompt on the controlling terminal, read without echo
//!   (MFA codes, the key store's keys and passphrase).
//! - [`json`] (feature `json`): the one reader of the credentials JSON document (`AccessKeyId`,
//!   `SecretAccessKey`, `Token`/`SessionToken`, `Expiration`, `AccountId`) that the container
//!   endpoint answers, `credential_process` prints and IMDS serves. It lives here, below the
//!   three providers, rather than in a crate of its own: it costs no package in any build
//!   (`serde_json` and `time` are already there wherever it is used), and off by default it
//!   leaves this crate's contract free of parsing dependencies.
//!
//! # Features
//!
//! `test-util`: the fakes `FakeEnv`, `MemFs` and `ManualClock`, for tests. Off by default; they
//! are not part of the stable API. `json`: the [`json`] module.
//!
//! # Where this crate sits
//!
//! Provider and layer authors depend on `awscred-types`; applications depend on the `awscred`
//! facade, which re-exports it. This crate has no async runtime, no network and (without the
//! `json` feature) no parsing, and its API will change very infrequently.
//!
//! # Compiler support
//!
//! The minimum supported Rust version is the workspace `rust-version` (see `docs/MSRV.md`).
#![warn(missing_docs)]

mod clock;
mod credentials;
mod env;
mod error;
mod fs;
#[cfg(feature = "json")]
pub mod json;
mod provider;
mod sources;
mod text;

#[doc(hidden)]
pub use async_trait::async_trait as __async_trait; // for `local_provider!`
pub use clock::{Clock, SharedClock, SystemClock};
pub use credentials::{Credentials, CredentialsBuilder};
pub use env::{Env, SharedEnv, SystemEnv};
pub use error::{CredentialsError, ErrorContext};
pub use fs::{Fs, FsLock, OsFs, ReadCap, Refused, SharedFs};
pub use provider::{ProvideCredentials, SharedProvider, StaticProvider, answer_now};
pub use sources::Sources;
pub use text::printable;

pub mod terminal;

#[cfg(any(test, feature = "test-util"))]
pub use clock::ManualClock;
#[cfg(any(test, feature = "test-util"))]
pub use env::FakeEnv;
#[cfg(any(test, feature = "test-util"))]
pub use fs::MemFs;

/// A helper for the fuzz entry points of other awscred crates (the fakes are test-only). Not API.
#[doc(hidden)]
pub mod fuzz {
    use std::io;
    use std::path::{Path, PathBuf};

    /// A read-only file system holding one file: `OneFile(path, contents)`. Its folder lists
    /// that file, its mode is `0o600`, and writes, removals and locks fail.
    #[derive(Debug)]
    pub struct OneFile(pub PathBuf, pub Vec<u8>);

    impl crate::Fs for OneFile {
        fn read(&self, path: &Path, _: crate::ReadCap) -> io::Result<Vec<u8>> {
            if path == self.0 {
                Ok(self.1.clone())
            } else {
                Err(io::ErrorKind::NotFound.into())
            }
        }
        fn write_atomic(&self, _: &Path, _: &[u8], _: u32) -> io::Result<()> {
            Err(io::ErrorKind::PermissionDenied.into())
        }
        fn remove(&self, _: &Path) -> io::Result<()> {
            Err(io::ErrorKind::PermissionDenied.into())
        }
        fn list(&self, dir: &Path) -> io::Result<Vec<PathBuf>> {
            Ok(Some(self.0.clone())
                .filter(|p| p.parent() == Some(dir))
                .into_iter()
                .collect())
        }
        fn mode(&self, _: &Path) -> io::Result<Option<u32>> {
            Ok(Some(0o600))
        }
        fn lock(&self, _: &Path, _: std::time::Duration) -> io::Result<crate::FsLock> {
            Err(io::ErrorKind::PermissionDenied.into())
        }
    }
}
