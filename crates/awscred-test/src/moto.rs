//! The real STS peer as the tests see it: the `moto_server`s `cargo xtask test` starts and the
//! user and roles it seeds (`fixtures/moto/moto_setup.py`), read from the variables xtask
//! exports. Without them a moto-backed case is skipped with [`NOT_RUNNING`] as its reason (and
//! fails instead under `CI=true` or in `cargo xtask test`: see [`Suite::needs_peer`]).
//!
//! [`Suite::needs_peer`]: crate::Suite::needs_peer
#![allow(
    clippy::disallowed_methods,
    reason = "the moto settings are the real environment xtask exported"
)]

use std::path::PathBuf;

use awscred_types::Credentials;

/// The skip reason when the variables are not there.
pub const NOT_RUNNING: &str = "moto_server is not running (run `cargo xtask test`)";

/// The two servers and what `moto_setup.py` seeded.
#[derive(Clone)]
pub struct Moto {
    /// The server with IAM/SigV4 enforcement on (`AWSCRED_MOTO_ENDPOINT`).
    pub enforced: String,
    /// The open server, for unsigned calls (`AWSCRED_MOTO_OPEN_ENDPOINT`).
    pub open: String,
    /// The seeded user's access key id (`MOTO_AK`).
    pub ak: String,
    /// The seeded user's secret access key (`MOTO_SK`).
    pub sk: String,
    /// `MOTO_ROLE_A`: trusts the user.
    pub role_a: String,
    /// `MOTO_ROLE_B`: trusts role-a sessions named `chain-src`.
    pub role_b: String,
    /// `MOTO_ROLE_C`: trusts role-b sessions named `chain-mid`.
    pub role_c: String,
    /// `MOTO_ROLE_UNTRUSTED`: trusts nobody.
    pub role_untrusted: String,
}

impl std::fmt::Debug for Moto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Moto")
            .field("enforced", &self.enforced)
            .field("open", &self.open)
            .field("ak", &self.ak)
            .finish_non_exhaustive()
    }
}

impl Moto {
    /// The servers xtask started, or why there are none (the first missing variable).
    pub fn from_env() -> Result<Self, String> {
        let v = |k: &str| std::env::var(k).map_err(|_| format!("{NOT_RUNNING}: no {k}"));
        Ok(Self {
            enforced: v("AWSCRED_MOTO_ENDPOINT")?,
            open: v("AWSCRED_MOTO_OPEN_ENDPOINT")?,
            ak: v("MOTO_AK")?,
            sk: v("MOTO_SK")?,
            role_a: v("MOTO_ROLE_A")?,
            role_b: v("MOTO_ROLE_B")?,
            role_c: v("MOTO_ROLE_C")?,
            role_untrusted: v("MOTO_ROLE_UNTRUSTED")?,
        })
    }

    /// The seeded user's long-term keys, as provider `provider`.
    pub fn alice(&self, provider: &'static str) -> Credentials {
        Credentials::new(&self.ak, &self.sk, provider)
    }
}

/// The Python in `target/moto-venv` (it has botocore, installed with moto), or why there is none.
pub fn botocore_python() -> Result<PathBuf, String> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/moto-venv/bin/python");
    if p.exists() {
        Ok(p)
    } else {
        Err(format!(
            "no {} with botocore (run `cargo xtask test`, which creates it)",
            p.display()
        ))
    }
}
