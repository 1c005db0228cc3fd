//! A counting fake provider shared by the layer tests.
#![allow(
    dead_code,
    unreachable_pub,
    reason = "each test binary uses part of the support file"
)]

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use awscred_types::{Credentials, CredentialsError, ManualClock, ProvideCredentials};
use tokio::sync::Semaphore;

pub const T0_SECS: u64 = 1_700_000_000;

pub fn t0() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(T0_SECS)
}

pub fn clock() -> ManualClock {
    ManualClock::new(t0())
}

pub fn creds(id: &str) -> Credentials {
    Credentials::new(id, "SECRET-never-logged", "fake")
}

pub fn expiring(id: &str, expiry: SystemTime) -> Credentials {
    Credentials::builder(id, "SECRET-never-logged", "fake")
        .session_token("TOKEN-never-logged")
        .expiry(expiry)
        .build()
}

pub type Answer = Result<Credentials, CredentialsError>;

/// Answers from a script (then repeats the last answer), counting calls, with an optional delay
/// and an optional gate (each call takes one permit before answering).
#[derive(Clone, Debug, Default)]
pub struct Fake {
    inner: Arc<FakeInner>,
}

#[derive(Debug, Default)]
struct FakeInner {
    script: Mutex<VecDeque<Answer>>,
    last: Mutex<Option<Answer>>,
    calls: AtomicUsize,
    delay: Mutex<Option<Duration>>,
    gate: Mutex<Option<Arc<Semaphore>>>,
}

impl Fake {
    pub fn new(answers: impl IntoIterator<Item = Answer>) -> Self {
        let fake = Self::default();
        fake.push(answers);
        fake
    }

    pub fn push(&self, answers: impl IntoIterator<Item = Answer>) {
        self.inner.script.lock().unwrap().extend(answers);
    }

    pub fn with_delay(self, delay: Duration) -> Self {
        *self.inner.delay.lock().unwrap() = Some(delay);
        self
    }

    /// Every call waits for a permit on the returned semaphore (which starts with none).
    pub fn gated(&self) -> Arc<Semaphore> {
        let gate = Arc::new(Semaphore::new(0));
        *self.inner.gate.lock().unwrap() = Some(gate.clone());
        gate
    }

    pub fn calls(&self) -> usize {
        self.inner.calls.load(Ordering::SeqCst)
    }
}

#[async_trait::async_trait]
impl ProvideCredentials for Fake {
    async fn provide_credentials(&self) -> Answer {
        self.inner.calls.fetch_add(1, Ordering::SeqCst);
        let delay = *self.inner.delay.lock().unwrap();
        if let Some(delay) = delay {
            tokio::time::sleep(delay).await;
        }
        let gate = self.inner.gate.lock().unwrap().clone();
        if let Some(gate) = gate {
            gate.acquire().await.expect("gate open").forget();
        }
        let next = self.inner.script.lock().unwrap().pop_front();
        let mut last = self.inner.last.lock().unwrap();
        match next {
            Some(answer) => {
                *last = Some(answer.clone());
                answer
            }
            None => last
                .clone()
                .unwrap_or_else(|| Err(CredentialsError::provider_error("fake: empty script"))),
        }
    }
}
