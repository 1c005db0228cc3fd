use std::fmt;
use std::sync::Arc;

use crate::{Credentials, CredentialsError};

/// The one trait every credential provider and every layer implements.
///
/// `Err(CredentialsError::NotLoaded(_))` means "not configured here; ask the next provider";
/// every other error stops a chain. Implementations are `Send + Sync` and object-safe (through
/// `async-trait`), so chains hold them as [`SharedProvider`]s.
#[async_trait::async_trait]
pub trait ProvideCredentials: Send + Sync + fmt::Debug {
    /// Resolves credentials, or says why not.
    async fn provide_credentials(&self) -> Result<Credentials, CredentialsError>;

    /// Whether answering may need an async runtime (tokio's I/O and time drivers): a socket, a
    /// timer, a child process. A provider that only reads memory, the environment or files
    /// says `false`, so a caller that has no runtime yet can ask it with [`answer_now`] and
    /// build one only when a provider that needs it is reached (the CLI's one-shot commands,
    /// `awscred::blocking`). The default, `true`, is always safe.
    fn needs_runtime(&self) -> bool {
        true
    }
}

/// Implements [`ProvideCredentials`] for a provider that answers at once from memory, the
/// environment or files, with its inherent `fn load(&self) -> Result<Credentials,
/// CredentialsError>`: `provide_credentials` is `load` and
/// [`needs_runtime`](ProvideCredentials::needs_runtime) is `false`.
///
/// ```
/// use awscred_types::{Credentials, CredentialsError, answer_now};
///
/// #[derive(Debug)]
/// struct Fixed;
///
/// impl Fixed {
///     fn load(&self) -> Result<Credentials, CredentialsError> {
///         Ok(Credentials::new("AKID", "SECRET", "fixed"))
///     }
/// }
///
/// awscred_types::local_provider!(Fixed);
/// assert_eq!(answer_now(&Fixed).unwrap()?.access_key_id(), "AKID");
/// # Ok::<(), CredentialsError>(())
/// ```
#[macro_export]
macro_rules! local_provider {
    ($provider:ty) => {
        #[$crate::__async_trait]
        impl $crate::ProvideCredentials for $provider {
            async fn provide_credentials(
                &self,
            ) -> ::std::result::Result<$crate::Credentials, $crate::CredentialsError> {
                self.load()
            }

            fn needs_runtime(&self) -> bool {
                false
            }
        }
    };
}

/// `provider`'s answer if it comes on the first poll, without an async runtime: for a
/// provider whose [`needs_runtime`](ProvideCredentials::needs_runtime) is `false`. `None` when
/// the provider needs a runtime or did not answer at once (ask it on a runtime then).
pub fn answer_now<P: ProvideCredentials + ?Sized>(
    provider: &P,
) -> Option<Result<Credentials, CredentialsError>> {
    if provider.needs_runtime() {
        return None;
    }
    let mut future = provider.provide_credentials();
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match future.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(answer) => Some(answer),
        std::task::Poll::Pending => None,
    }
}

/// A shared, type-erased provider: the form chains and layers store.
pub type SharedProvider = Arc<dyn ProvideCredentials>;

#[async_trait::async_trait]
impl<P: ProvideCredentials + ?Sized> ProvideCredentials for Arc<P> {
    async fn provide_credentials(&self) -> Result<Credentials, CredentialsError> {
        (**self).provide_credentials().await
    }

    fn needs_runtime(&self) -> bool {
        (**self).needs_runtime()
    }
}

#[async_trait::async_trait]
impl<P: ProvideCredentials + ?Sized> ProvideCredentials for Box<P> {
    async fn provide_credentials(&self) -> Result<Credentials, CredentialsError> {
        (**self).provide_credentials().await
    }

    fn needs_runtime(&self) -> bool {
        (**self).needs_runtime()
    }
}

/// Credentials given in code (botocore's `explicit` method): first in any chain it is put in.
#[derive(Clone, Debug)]
pub struct StaticProvider {
    credentials: Credentials,
}

impl StaticProvider {
    /// Serves `credentials` as they are, on every call.
    pub fn new(credentials: Credentials) -> Self {
        Self { credentials }
    }
}

#[async_trait::async_trait]
impl ProvideCredentials for StaticProvider {
    async fn provide_credentials(&self) -> Result<Credentials, CredentialsError> {
        Ok(self.credentials.clone())
    }

    fn needs_runtime(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use awscred_test::block_on;

    // The erased form must stay object-safe (compare tower's `_obj_safe` tests).
    fn _obj_safe(_: &dyn ProvideCredentials) {}

    #[test]
    fn shared_provider_forwards() {
        let p: SharedProvider = Arc::new(StaticProvider::new(Credentials::new(
            "AK", "SK", "explicit",
        )));
        let boxed: Box<dyn ProvideCredentials> = Box::new(p.clone());
        let got = block_on(boxed.provide_credentials()).unwrap();
        assert_eq!(got.access_key_id(), "AK");
        assert_eq!(got.provider_name(), "explicit");
    }

    #[derive(Debug)]
    struct Remote;

    #[async_trait::async_trait]
    impl ProvideCredentials for Remote {
        async fn provide_credentials(&self) -> Result<Credentials, CredentialsError> {
            unreachable!("answer_now must not poll a provider that needs a runtime")
        }
    }

    #[test]
    fn answer_now_asks_only_providers_that_need_no_runtime() {
        let local = StaticProvider::new(Credentials::new("AK", "SK", "explicit"));
        let shared: SharedProvider = Arc::new(local.clone());
        assert_eq!(answer_now(&shared).unwrap().unwrap().access_key_id(), "AK");
        assert!(!Box::new(local).needs_runtime());
        let remote: SharedProvider = Arc::new(Remote);
        assert!(remote.needs_runtime());
        assert!(answer_now(&remote).is_none());
    }
}
