use std::fmt;
use std::sync::Arc;

use crate::{OsFs, SharedClock, SharedEnv, SharedFs, SystemClock, SystemEnv};

/// The seams every provider is built from: the environment, the file system and the clock.
///
/// Every provider takes one (`XProvider::builder(&sources, …)…build()`, see
/// `docs/ARCHITECTURE.md`), so a chain, a test or an application swaps all three at once.
/// [`Sources::default`] is the real process environment, file system and wall clock. Cloning is
/// cheap (three `Arc`s). `Debug` names the seams' types only, never a variable's value.
#[derive(Clone)]
#[non_exhaustive]
pub struct Sources {
    /// The environment variables.
    pub env: SharedEnv,
    /// The file system.
    pub fs: SharedFs,
    /// The wall clock.
    pub clock: SharedClock,
}

impl Sources {
    /// The real process environment, file system and clock.
    pub fn system() -> Self {
        Self {
            env: Arc::new(SystemEnv),
            fs: Arc::new(OsFs),
            clock: Arc::new(SystemClock),
        }
    }

    /// The same sources with another environment.
    pub fn with_env(mut self, env: SharedEnv) -> Self {
        self.env = env;
        self
    }

    /// The same sources with another file system.
    pub fn with_fs(mut self, fs: SharedFs) -> Self {
        self.fs = fs;
        self
    }

    /// The same sources with another clock.
    pub fn with_clock(mut self, clock: SharedClock) -> Self {
        self.clock = clock;
        self
    }
}

impl Default for Sources {
    fn default() -> Self {
        Self::system()
    }
}

impl fmt::Debug for Sources {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A custom `Env`'s own `Debug` could show values (secrets): show none of it.
        f.debug_struct("Sources")
            .field("clock", &self.clock)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FakeEnv;

    #[test]
    fn debug_shows_no_environment_value() {
        let sources =
            Sources::system().with_env(Arc::new(FakeEnv::new().with("AWS_SECRET", "hunter2")));
        assert_eq!(sources.env.get("AWS_SECRET").as_deref(), Some("hunter2"));
        assert!(!format!("{sources:?}").contains("hunter2"));
    }
}
