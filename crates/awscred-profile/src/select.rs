//! Which profile is active, and why.

use std::fmt;

use awscred_types::Env;

/// Why a profile was selected (`awscred explain` prints it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SelectionReason {
    /// Given in code or on the command line (`--profile`, `Session(profile=…)`). In botocore
    /// this also removes the environment provider from the chain.
    Explicit,
    /// From `AWS_DEFAULT_PROFILE`, which botocore reads before `AWS_PROFILE`.
    AwsDefaultProfile,
    /// From `AWS_PROFILE`.
    AwsProfile,
    /// Nothing chose one, so `default`.
    Default,
}

impl SelectionReason {
    /// The environment variable that chose the profile, if one did.
    pub const fn env_var(self) -> Option<&'static str> {
        match self {
            Self::AwsDefaultProfile => Some("AWS_DEFAULT_PROFILE"),
            Self::AwsProfile => Some("AWS_PROFILE"),
            Self::Explicit | Self::Default => None,
        }
    }
}

impl fmt::Display for SelectionReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            Self::Explicit => "given explicitly",
            Self::AwsDefaultProfile => "from AWS_DEFAULT_PROFILE",
            Self::AwsProfile => "from AWS_PROFILE",
            Self::Default => "the default",
        })
    }
}

/// The selected profile's name and why it was chosen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SelectedProfile {
    name: String,
    reason: SelectionReason,
}

impl SelectedProfile {
    /// The profile name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Why this profile was chosen.
    pub fn reason(&self) -> SelectionReason {
        self.reason
    }

    /// Whether it was given explicitly (what botocore's `disable_env_vars` keys on).
    pub fn is_explicit(&self) -> bool {
        self.reason == SelectionReason::Explicit
    }
}

impl fmt::Display for SelectedProfile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.name, self.reason)
    }
}

/// Selects the profile in botocore's order: `explicit`, then `AWS_DEFAULT_PROFILE`, then
/// `AWS_PROFILE`, then `default`.
///
/// Variables are read with [`Env::get`], so an empty or whitespace-only value counts as unset
/// (botocore would select a profile named `""` and fail; `docs/compatibility.md` explains the
/// difference). An explicit name is taken as given.
pub fn select_profile(explicit: Option<&str>, env: &dyn Env) -> SelectedProfile {
    let (name, reason) = match explicit {
        Some(name) => (name.to_owned(), SelectionReason::Explicit),
        None => match env.get("AWS_DEFAULT_PROFILE") {
            Some(name) => (name, SelectionReason::AwsDefaultProfile),
            None => match env.get("AWS_PROFILE") {
                Some(name) => (name, SelectionReason::AwsProfile),
                None => ("default".to_owned(), SelectionReason::Default),
            },
        },
    };
    SelectedProfile { name, reason }
}

#[cfg(test)]
mod tests {
    use super::*;
    use awscred_types::FakeEnv;

    fn pick(explicit: Option<&str>, vars: &[(&str, &str)]) -> (String, SelectionReason) {
        let env: FakeEnv = vars.iter().copied().collect();
        let s = select_profile(explicit, &env);
        (s.name().to_owned(), s.reason())
    }

    #[test]
    fn botocore_order() {
        let both = [("AWS_DEFAULT_PROFILE", "dp"), ("AWS_PROFILE", "p")];
        assert_eq!(
            pick(Some("x"), &both),
            ("x".into(), SelectionReason::Explicit)
        );
        assert_eq!(
            pick(None, &both),
            ("dp".into(), SelectionReason::AwsDefaultProfile)
        );
        assert_eq!(
            pick(None, &both[1..]),
            ("p".into(), SelectionReason::AwsProfile)
        );
        assert_eq!(
            pick(None, &[]),
            ("default".into(), SelectionReason::Default)
        );
    }

    #[test]
    fn blank_variables_are_unset() {
        let vars = [("AWS_DEFAULT_PROFILE", " \t"), ("AWS_PROFILE", "")];
        assert_eq!(
            pick(None, &vars),
            ("default".into(), SelectionReason::Default)
        );
        let vars = [("AWS_DEFAULT_PROFILE", ""), ("AWS_PROFILE", "p")];
        assert_eq!(pick(None, &vars), ("p".into(), SelectionReason::AwsProfile));
    }

    #[test]
    fn reason_names_its_variable() {
        assert_eq!(SelectionReason::AwsProfile.env_var(), Some("AWS_PROFILE"));
        assert_eq!(SelectionReason::Explicit.env_var(), None);
        let s = select_profile(None, &FakeEnv::new().with("AWS_PROFILE", "prod"));
        assert_eq!(s.to_string(), "prod (from AWS_PROFILE)");
        assert!(!s.is_explicit());
    }
}
