use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

/// Wall-clock time, as a seam. Expiry decisions read the time only through this trait.
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current wall-clock time.
    fn now(&self) -> SystemTime;
}

/// A shared clock seam.
pub type SharedClock = Arc<dyn Clock>;

/// The real system clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        #[allow(clippy::disallowed_methods, reason = "this is the Clock seam itself")]
        SystemTime::now()
    }
}

#[cfg(any(test, feature = "test-util"))]
pub use fake::ManualClock;

#[cfg(any(test, feature = "test-util"))]
mod fake {
    use super::*;
    use std::sync::{Mutex, PoisonError};
    use std::time::Duration;

    /// A clock that moves only when told to; clones share the same time.
    #[derive(Clone, Debug)]
    pub struct ManualClock {
        now: Arc<Mutex<SystemTime>>,
    }

    impl ManualClock {
        /// A clock stopped at `now`.
        pub fn new(now: SystemTime) -> Self {
            Self {
                now: Arc::new(Mutex::new(now)),
            }
        }

        /// Sets the time.
        pub fn set(&self, now: SystemTime) {
            *self.now.lock().unwrap_or_else(PoisonError::into_inner) = now;
        }

        /// Moves the time forward by `by`.
        pub fn advance(&self, by: Duration) {
            let mut now = self.now.lock().unwrap_or_else(PoisonError::into_inner);
            *now += by;
        }
    }

    impl Clock for ManualClock {
        fn now(&self) -> SystemTime {
            *self.now.lock().unwrap_or_else(PoisonError::into_inner)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn manual_clock_clones_share_time() {
        let a = ManualClock::new(SystemTime::UNIX_EPOCH);
        let b = a.clone();
        a.advance(Duration::from_secs(5));
        assert_eq!(b.now(), SystemTime::UNIX_EPOCH + Duration::from_secs(5));
        b.set(SystemTime::UNIX_EPOCH);
        assert_eq!(a.now(), SystemTime::UNIX_EPOCH);
        assert!(SystemClock.now() > SystemTime::UNIX_EPOCH);
    }
}
