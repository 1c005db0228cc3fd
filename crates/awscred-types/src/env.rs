use std::fmt;
use std::sync::Arc;

/// The process environment, as a seam.
///
/// Provider code reads variables only through this trait, so tests give each case its own
/// environment (`FakeEnv`, feature `test-util`) and run in parallel.
pub trait Env: Send + Sync + fmt::Debug {
    /// The raw value of `name`, or `None` when it is unset or not valid UTF-8.
    fn var(&self, name: &str) -> Option<String>;

    /// The value of `name`, treating an empty or whitespace-only value as unset.
    ///
    /// This is aws-config's rule rather than botocore's (botocore counts `AWS_PROFILE=""` as set);
    /// `docs/compatibility.md` explains why. Use [`Env::var`] where the raw value matters.
    fn get(&self, name: &str) -> Option<String> {
        self.var(name).filter(|v| !v.trim().is_empty())
    }
}

/// A shared environment seam.
pub type SharedEnv = Arc<dyn Env>;

/// The real process environment.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemEnv;

impl Env for SystemEnv {
    fn var(&self, name: &str) -> Option<String> {
        #[allow(clippy::disallowed_methods, reason = "this is the Env seam itself")]
        std::env::var(name).ok()
    }
}

#[cfg(any(test, feature = "test-util"))]
pub use fake::FakeEnv;

#[cfg(any(test, feature = "test-util"))]
mod fake {
    use super::*;
    use std::collections::HashMap;

    /// A fixed environment for tests: only the variables it was given exist.
    #[derive(Clone, Default)]
    pub struct FakeEnv {
        vars: HashMap<String, String>,
    }

    impl FakeEnv {
        /// An empty environment.
        pub fn new() -> Self {
            Self::default()
        }

        /// Adds or replaces a variable.
        pub fn with(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
            self.vars.insert(name.into(), value.into());
            self
        }
    }

    impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for FakeEnv {
        fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
            Self {
                vars: iter
                    .into_iter()
                    .map(|(k, v)| (k.into(), v.into()))
                    .collect(),
            }
        }
    }

    impl Env for FakeEnv {
        fn var(&self, name: &str) -> Option<String> {
            self.vars.get(name).cloned()
        }
    }

    impl fmt::Debug for FakeEnv {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            // Values may be secrets (AWS_SECRET_ACCESS_KEY): show names only.
            let mut names: Vec<_> = self.vars.keys().collect();
            names.sort();
            f.debug_struct("FakeEnv").field("names", &names).finish()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whitespace_only_is_unset_for_get_but_not_var() {
        let env = FakeEnv::new().with("A", "  ").with("B", "x").with("C", "");
        assert_eq!(env.get("A"), None);
        assert_eq!(env.var("A").as_deref(), Some("  "));
        assert_eq!(env.get("B").as_deref(), Some("x"));
        assert_eq!(env.get("C"), None);
        assert_eq!(env.get("D"), None);
    }

    #[test]
    fn debug_shows_names_not_values() {
        let env: FakeEnv = [("AWS_SECRET_ACCESS_KEY", "hunter2")].into_iter().collect();
        let shown = format!("{env:?}");
        assert!(shown.contains("AWS_SECRET_ACCESS_KEY") && !shown.contains("hunter2"));
    }
}
