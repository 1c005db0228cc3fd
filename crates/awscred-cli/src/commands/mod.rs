//! One module per command.

pub(crate) mod cache;
pub(crate) mod exec;
pub(crate) mod explain;
pub(crate) mod export;
#[cfg(feature = "keys")]
pub(crate) mod keys;
pub(crate) mod login;
pub(crate) mod profiles;
pub(crate) mod serve;
pub(crate) mod sso;
pub(crate) mod whoami;
