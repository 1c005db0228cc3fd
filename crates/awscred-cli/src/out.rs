//! Standard output and standard error that can fail. Every command prints through here
//! ([`outln!`], [`write`], [`errln!`]), so a closed pipe or a full disk ends the command with
//! an error instead of `println!`'s panic: `main` turns a closed pipe into a quiet exit with
//! the status a shell reports for `cat` killed by `SIGPIPE` ([`CLOSED_PIPE_STATUS`]), and any
//! other write error into one line on standard error and exit status 1.

use std::fmt;
use std::io::{self, Write as _};

use awscred_types::CredentialsError;

/// 128 + `SIGPIPE` (13): what `cat big | head -1` leaves in `PIPESTATUS` for `cat`.
pub(crate) const CLOSED_PIPE_STATUS: u8 = 141;

/// Writes `text` to standard output.
pub(crate) fn write(text: impl fmt::Display) -> Result<(), CredentialsError> {
    let mut out = io::stdout().lock();
    write!(out, "{text}").map_err(failed)
}

/// Writes one line to standard output ([`outln!`]).
pub(crate) fn line(args: fmt::Arguments<'_>) -> Result<(), CredentialsError> {
    let mut out = io::stdout().lock();
    out.write_fmt(args)
        .and_then(|()| out.write_all(b"\n"))
        .map_err(failed)
}

/// Flushes standard output (its buffer would otherwise be written, and a failure ignored, at
/// exit).
pub(crate) fn flush() -> Result<(), CredentialsError> {
    io::stdout().lock().flush().map_err(failed)
}

/// Writes one line to standard error ([`errln!`]); a failure is ignored: there is nowhere left
/// to report it.
pub(crate) fn err_line(args: fmt::Arguments<'_>) {
    let mut err = io::stderr().lock();
    let _ = err.write_fmt(args).and_then(|()| err.write_all(b"\n"));
}

fn failed(e: io::Error) -> CredentialsError {
    CredentialsError::provider_error("could not write to standard output").with_source(e)
}

/// Whether `err` is a write to a pipe whose reader has gone (`awscred profiles | head -1`).
pub(crate) fn is_closed_pipe(err: &CredentialsError) -> bool {
    std::error::Error::source(err)
        .and_then(|s| s.downcast_ref::<io::Error>())
        .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
}
