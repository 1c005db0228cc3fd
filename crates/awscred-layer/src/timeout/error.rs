//! Error types.

use std::fmt;

/// The deadline elapsed before the provider answered. Converted into
/// [`CredentialsError::TimedOut`](awscred_types::CredentialsError::TimedOut) at the layer's edge,
/// as that error's cause.
#[derive(Debug, Default)]
pub struct Elapsed(pub(super) ());

impl Elapsed {
    /// A new `Elapsed`.
    pub const fn new() -> Self {
        Self(())
    }
}

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad("deadline elapsed")
    }
}

impl std::error::Error for Elapsed {}
