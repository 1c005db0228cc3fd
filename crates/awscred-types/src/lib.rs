//! Core types for awscred: the contract every credential provider and layer implements.
//!
//! This crate provides:
//! - [`Credentials`]: an access key id, a zeroized secret, an optional session token, expiry and
//!   account id, and the name of the provider that produced them. Cheap to clone; `Debug` redacts.
//! - [`ProvideCredentials`]: the one trait every provider and layer implements, object-safe
//!   through `async-trait`, and [`SharedProvider`], its shared form for chains.
//! - [`CredentialsError`]: the error whose *variant* is the contract (`NotLoaded` moves a chain on;
//!   every other variant stops it) and whose `Display` shows the whole cause chain on one line.
//! - The seams [`Env`], [`Fs`] and [`Clock`], with real ([`SystemEnv`], [`OsFs`], [`SystemClock`])
//!   and fake ([`FakeEnv`], [`MemFs`], [`ManualClock`]) implementations. Provider code reaches the
//!   process environment, the file system and the wall clock only through these, so tests run
//!   hermetically and in parallel (the workspace `clippy.toml` enforces it). [`Fs::read`] reads
//!   regular files only, never waits on a FIFO, and caps each kind of file ([`ReadCap`]).
//!
//! # Where this crate sits
//!
//! Provider and layer authors depend on `awscred-types`; applications depend on the `awscred`
//! facade, which re-exports it. This crate has no async runtime, no network and no parsing, and
//! its API will change very infrequently.
//!
//! # Compiler support
//!
//! The minimum supported Rust version is the workspace `rust-version` (see `docs/MSRV.md`).

mod clock;
mod credentials;
mod env;
mod error;
mod fs;
mod provider;

pub use clock::{Clock, ManualClock, SharedClock, SystemClock};
pub use credentials::{Credentials, CredentialsBuilder};
pub use env::{Env, FakeEnv, SharedEnv, SystemEnv};
pub use error::{CredentialsError, ErrorKind};
pub use fs::{Fs, FsLock, MemFs, OsFs, ReadCap, Refused, SharedFs};
pub use provider::{ProvideCredentials, SharedProvider, StaticProvider};
