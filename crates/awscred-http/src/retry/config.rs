use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use awscred_types::{CredentialsError, Env};

/// botocore's `retry_mode`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RetryMode {
    /// `standard` (the default): 3 attempts, capped exponential backoff with full jitter.
    #[default]
    Standard,
    /// `legacy`: botocore's older mode; 5 attempts by default (botocore's legacy default of 4
    /// retries). Same classification and backoff as `standard` here.
    Legacy,
    /// `adaptive`: **treated as `standard`**. botocore adds a client-side token-bucket rate
    /// limiter in this mode; a credential provider makes a handful of calls per hour, so awscred
    /// does not implement it. The mode is kept so callers can report what was configured.
    Adaptive,
}

impl RetryMode {
    /// The number of attempts (first try included) when `max_attempts` is not set.
    pub const fn default_max_attempts(self) -> u32 {
        match self {
            Self::Legacy => 5,
            Self::Standard | Self::Adaptive => 3,
        }
    }

    /// The configuration spelling: `standard`, `legacy` or `adaptive`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Standard => "standard",
            Self::Legacy => "legacy",
            Self::Adaptive => "adaptive",
        }
    }
}

impl fmt::Display for RetryMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// The value is not one of `standard`, `legacy`, `adaptive`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidRetryMode;

impl fmt::Display for InvalidRetryMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad("expected one of: standard, legacy, adaptive")
    }
}

impl std::error::Error for InvalidRetryMode {}

impl FromStr for RetryMode {
    type Err = InvalidRetryMode;

    /// Exact, lower-case names, as botocore accepts (surrounding whitespace is ignored).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "standard" => Ok(Self::Standard),
            "legacy" => Ok(Self::Legacy),
            "adaptive" => Ok(Self::Adaptive),
            _ => Err(InvalidRetryMode),
        }
    }
}

/// How many times to try, and how long to wait between tries.
///
/// Backoff before retry *n* (n = 1 after the first failure) is full jitter over a capped
/// exponential: `random(0, 1) × min(max_backoff, initial_backoff × 2ⁿ⁻¹)`. The defaults (1 s,
/// 20 s) are botocore's standard-mode values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryConfig {
    mode: RetryMode,
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
}

impl Default for RetryConfig {
    fn default() -> Self {
        Self::new(RetryMode::Standard, None)
    }
}

impl RetryConfig {
    /// `mode` with `max_attempts` (first try included), or the mode's default when `None`.
    /// `Some(0)` is taken as 1: a call is always tried once.
    pub const fn new(mode: RetryMode, max_attempts: Option<u32>) -> Self {
        let max_attempts = match max_attempts {
            Some(0) => 1,
            Some(n) => n,
            None => mode.default_max_attempts(),
        };
        Self {
            mode,
            max_attempts,
            initial_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(20),
        }
    }

    /// One attempt, no retries.
    pub const fn disabled() -> Self {
        Self::new(RetryMode::Standard, Some(1))
    }

    /// Parses the configured values, as the caller read them (`retry_mode`, `max_attempts`).
    ///
    /// An unknown mode, or a `max_attempts` that is not a whole number of at least 1, is
    /// [`CredentialsError::InvalidConfiguration`] naming the key and the value (neither is a
    /// secret).
    pub fn from_values(
        retry_mode: Option<&str>,
        max_attempts: Option<&str>,
    ) -> Result<Self, CredentialsError> {
        let mode = match retry_mode {
            Some(v) => parse_mode(v, ("key", "retry_mode"))?,
            None => RetryMode::default(),
        };
        let attempts = match max_attempts {
            Some(v) => Some(parse_attempts(v, ("key", "max_attempts"))?),
            None => None,
        };
        Ok(Self::new(mode, attempts))
    }

    /// Reads `AWS_RETRY_MODE` and `AWS_MAX_ATTEMPTS` through the [`Env`] seam, falling back,
    /// setting by setting, to the profile's `retry_mode` and `max_attempts` (which the caller
    /// reads from the profile), as botocore does. Errors name the variable or key and the value;
    /// add the profile name with [`CredentialsError::with`].
    pub fn from_env(
        env: &dyn Env,
        profile_retry_mode: Option<&str>,
        profile_max_attempts: Option<&str>,
    ) -> Result<Self, CredentialsError> {
        let mode = match env.get("AWS_RETRY_MODE") {
            Some(v) => parse_mode(&v, ("env", "AWS_RETRY_MODE"))?,
            None => match nonblank(profile_retry_mode) {
                Some(v) => parse_mode(v, ("key", "retry_mode"))?,
                None => RetryMode::default(),
            },
        };
        let attempts = match env.get("AWS_MAX_ATTEMPTS") {
            Some(v) => Some(parse_attempts(&v, ("env", "AWS_MAX_ATTEMPTS"))?),
            None => match nonblank(profile_max_attempts) {
                Some(v) => Some(parse_attempts(v, ("key", "max_attempts"))?),
                None => None,
            },
        };
        if mode == RetryMode::Adaptive {
            tracing::debug!(
                "retry_mode adaptive is treated as standard (no client-side rate limiting)"
            );
        }
        Ok(Self::new(mode, attempts))
    }

    /// Sets the backoff scale (the cap of the first delay; default 1 s).
    pub const fn with_initial_backoff(mut self, backoff: Duration) -> Self {
        self.initial_backoff = backoff;
        self
    }

    /// Sets the largest delay between two attempts (default 20 s).
    pub const fn with_max_backoff(mut self, backoff: Duration) -> Self {
        self.max_backoff = backoff;
        self
    }

    /// The configured mode (`Adaptive` behaves as `Standard`).
    pub const fn mode(&self) -> RetryMode {
        self.mode
    }

    /// Attempts in total, first try included (at least 1).
    pub const fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// See [`with_initial_backoff`](Self::with_initial_backoff).
    pub const fn initial_backoff(&self) -> Duration {
        self.initial_backoff
    }

    /// See [`with_max_backoff`](Self::with_max_backoff).
    pub const fn max_backoff(&self) -> Duration {
        self.max_backoff
    }

    /// The delay before retry `retry` (1 after the first failure), for a uniform `jitter` in
    /// `[0, 1)`: `jitter × min(max_backoff, initial_backoff × 2^(retry-1))`.
    pub fn backoff(&self, retry: u32, jitter: f64) -> Duration {
        let exp = retry.saturating_sub(1).min(31);
        let ceiling = self
            .initial_backoff
            .saturating_mul(1u32 << exp)
            .min(self.max_backoff);
        ceiling.mul_f64(jitter.clamp(0.0, 1.0))
    }
}

fn nonblank(v: Option<&str>) -> Option<&str> {
    v.filter(|v| !v.trim().is_empty())
}

fn parse_mode(
    value: &str,
    (label, name): (&'static str, &str),
) -> Result<RetryMode, CredentialsError> {
    value.parse().map_err(|e| {
        CredentialsError::invalid_configuration("invalid retry mode")
            .with(label, name)
            .with("value", value.trim())
            .with_source(e)
    })
}

fn parse_attempts(
    value: &str,
    (label, name): (&'static str, &str),
) -> Result<u32, CredentialsError> {
    match value.trim().parse::<u32>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(CredentialsError::invalid_configuration(
            "invalid max_attempts: expected a whole number of at least 1",
        )
        .with(label, name)
        .with("value", value.trim())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use awscred_types::FakeEnv;

    #[test]
    fn defaults_per_mode() {
        let c = RetryConfig::from_env(&FakeEnv::new(), None, None).unwrap();
        assert_eq!((c.mode(), c.max_attempts()), (RetryMode::Standard, 3));
        let c = RetryConfig::from_values(Some("legacy"), None).unwrap();
        assert_eq!(c.max_attempts(), 5);
        let c = RetryConfig::from_values(Some("adaptive"), None).unwrap();
        assert_eq!((c.mode(), c.max_attempts()), (RetryMode::Adaptive, 3));
        assert_eq!(RetryConfig::disabled().max_attempts(), 1);
        assert_eq!(
            RetryConfig::new(RetryMode::Standard, Some(0)).max_attempts(),
            1
        );
    }

    #[test]
    fn env_beats_profile_setting_by_setting() {
        let env = FakeEnv::new().with("AWS_RETRY_MODE", "legacy");
        let c = RetryConfig::from_env(&env, Some("standard"), Some("2")).unwrap();
        assert_eq!((c.mode(), c.max_attempts()), (RetryMode::Legacy, 2));
        let env = FakeEnv::new()
            .with("AWS_MAX_ATTEMPTS", "7")
            .with("AWS_RETRY_MODE", " ");
        let c = RetryConfig::from_env(&env, Some("legacy"), Some("2")).unwrap();
        assert_eq!((c.mode(), c.max_attempts()), (RetryMode::Legacy, 7));
    }

    #[test]
    fn invalid_values_name_their_source() {
        let env = FakeEnv::new().with("AWS_MAX_ATTEMPTS", "zero");
        let err = RetryConfig::from_env(&env, None, None).unwrap_err();
        assert!(err.is_invalid_configuration());
        assert_eq!(err.field("env"), Some("AWS_MAX_ATTEMPTS"));
        assert_eq!(err.field("value"), Some("zero"));
        let err = RetryConfig::from_env(&FakeEnv::new(), Some("fast"), None).unwrap_err();
        assert_eq!(err.field("key"), Some("retry_mode"));
        assert!(
            err.to_string().contains("standard, legacy, adaptive"),
            "{err}"
        );
        for bad in ["0", "-1", "1.5", ""] {
            assert!(
                RetryConfig::from_values(None, Some(bad)).is_err(),
                "{bad:?}"
            );
        }
        assert!(RetryConfig::from_values(Some("Standard"), None).is_err());
    }

    #[test]
    fn backoff_is_capped_exponential_with_full_jitter() {
        let c = RetryConfig::default();
        assert_eq!(c.backoff(1, 0.0), Duration::ZERO);
        assert_eq!(c.backoff(1, 0.5), Duration::from_millis(500));
        assert_eq!(c.backoff(3, 0.5), Duration::from_secs(2));
        assert_eq!(c.backoff(10, 0.5), Duration::from_secs(10));
        assert_eq!(c.backoff(u32::MAX, 1.0), Duration::from_secs(20));
        let c = c
            .with_initial_backoff(Duration::from_millis(1))
            .with_max_backoff(Duration::from_millis(4));
        assert_eq!(c.backoff(5, 1.0), Duration::from_millis(4));
    }
}
