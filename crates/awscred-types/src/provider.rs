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
}

/// A shared, type-erased provider: the form chains and layers store.
pub type SharedProvider = Arc<dyn ProvideCredentials>;

#[async_trait::async_trait]
impl<P: ProvideCredentials + ?Sized> ProvideCredentials for Arc<P> {
    async fn provide_credentials(&self) -> Result<Credentials, CredentialsError> {
        (**self).provide_credentials().await
    }
}

#[async_trait::async_trait]
impl<P: ProvideCredentials + ?Sized> ProvideCredentials for Box<P> {
    async fn provide_credentials(&self) -> Result<Credentials, CredentialsError> {
        (**self).provide_credentials().await
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
}
