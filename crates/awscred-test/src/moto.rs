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
use std::sync::Arc;

use awscred_types::{Credentials, CredentialsError, Sources, SystemClock};

use crate::{Outcome, Suite};

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
    /// `MOTO_ROLE_S3`: trusts the user and role-a sessions named `chain-src`; may use S3 (as
    /// the user may).
    pub role_s3: String,
    /// `MOTO_ROTATOR_AK` / `MOTO_ROTATOR_SK`: user `rotator`, which may create, delete and list
    /// its own access keys (only the `keys rotate` tests use it: they replace this key).
    pub rotator: (String, String),
    /// `MOTO_ROTATOR_DENIED_AK` / `_SK`: user `rotator-denied`, which may only list its keys.
    pub rotator_denied: (String, String),
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
            role_s3: v("MOTO_ROLE_S3")?,
            rotator: (v("MOTO_ROTATOR_AK")?, v("MOTO_ROTATOR_SK")?),
            rotator_denied: (v("MOTO_ROTATOR_DENIED_AK")?, v("MOTO_ROTATOR_DENIED_SK")?),
        })
    }

    /// The seeded user's long-term keys, as provider `provider`.
    pub fn alice(&self, provider: &'static str) -> Credentials {
        Credentials::new(&self.ak, &self.sk, provider)
    }
}

impl Moto {
    /// How many `AssumeRole` sessions named `session_name` the enforced server has handed out,
    /// from moto's own record (`/moto-api/data.json`): the STS call count of a test that gives
    /// its sessions a name of their own. Blocking, bounded (5 s timeouts, 64 MiB).
    pub fn assumed_sessions(&self, session_name: &str) -> Result<usize, String> {
        use std::io::{Read as _, Write as _};
        let addr = self.enforced.trim_start_matches("http://");
        let timeout = Some(std::time::Duration::from_secs(5));
        let mut s = std::net::TcpStream::connect(addr).map_err(|e| format!("{addr}: {e}"))?;
        s.set_read_timeout(timeout).map_err(|e| e.to_string())?;
        s.set_write_timeout(timeout).map_err(|e| e.to_string())?;
        write!(
            s,
            "GET /moto-api/data.json HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
        )
        .map_err(|e| format!("{addr}: {e}"))?;
        let mut text = String::new();
        s.take(64 << 20)
            .read_to_string(&mut text)
            .map_err(|e| format!("{addr}: {e}"))?;
        if !text.starts_with("HTTP/1.1 200") {
            return Err(format!(
                "{addr}/moto-api/data.json: {}",
                text.lines().next().unwrap_or("")
            ));
        }
        Ok(text
            .matches(&format!("\"session_name\": \"{session_name}\""))
            .count())
    }
}

/// What the adapter suites (`awscred-aws-sdk`, `awscred-object-store`, `awscred-opendal`) resolve
/// against the enforced server, in a hermetic environment and file system. Every profile sets
/// `region = us-east-1` and `endpoint_url` (the enforced server, for STS and S3 alike):
///
/// | profile | what |
/// |---|---|
/// | `static` | the user's keys |
/// | `mfa-chain` | two hops: the user's keys → role-a (`mfa_serial`, session `chain-src`) → role-s3 (session `<tag>-chain`) |
/// | `refresh` | one hop: the user's keys → role-s3 (session `<tag>-refresh`, 900 s, the shortest STS gives), to count refreshes |
/// | `denied` | one hop to role-untrusted: STS refuses it |
///
/// Sessions carry the suite's `tag`, so [`Moto::assumed_sessions`] counts one suite's calls.
#[derive(Debug)]
pub struct AdapterProfiles {
    /// The suite's tag (`<prefix>-<process id>`), for names of its own (buckets, prefixes).
    pub tag: String,
    /// `HOME=/home/me`, IMDS off, one attempt per STS call.
    pub env: awscred_types::FakeEnv,
    /// `/home/me/.aws/config` with the profiles above.
    pub fs: awscred_types::MemFs,
    /// The session name of `mfa-chain`'s last hop.
    pub chain_session: String,
    /// The session name of `refresh`.
    pub refresh_session: String,
    /// The MFA serial `mfa-chain` names.
    pub mfa_serial: &'static str,
}

impl AdapterProfiles {
    /// Refresh windows for the `refresh` profile's 900-second sessions, in the adapters'
    /// `refresh_windows`: fresh for [`REFRESH_FRESH`](Self::REFRESH_FRESH), then refreshed by
    /// the next request (advisory), well before they expire.
    pub const REFRESH_WINDOWS: (std::time::Duration, std::time::Duration) = (
        std::time::Duration::from_secs(900 - 20),
        std::time::Duration::from_secs(900 - 30),
    );
    /// How long a `refresh` session is fresh under [`REFRESH_WINDOWS`](Self::REFRESH_WINDOWS).
    pub const REFRESH_FRESH: std::time::Duration = std::time::Duration::from_secs(20);

    /// The environment and file system above, with `clock` (the chain's and the adapter's).
    pub fn sources(&self, clock: awscred_types::SharedClock) -> Sources {
        Sources::default()
            .with_env(Arc::new(self.env.clone()))
            .with_fs(Arc::new(self.fs.clone()))
            .with_clock(clock)
    }

    /// The sources of the refresh case: [`sources`](Self::sources) on the system clock, since
    /// moto's sessions expire in real time.
    pub fn refresh_sources(&self) -> Sources {
        self.sources(Arc::new(SystemClock))
    }

    /// The refresh case every adapter suite runs on the `refresh` profile, its adapter built on
    /// the chain without the facade's own cache (so the adapter's is the only one), on
    /// [`refresh_sources`](Self::refresh_sources): three rounds of three
    /// `requests(round)` each, the rounds REFRESH_FRESH (and a second) apart, so the first
    /// request of each later round refreshes; after each round moto must have handed out exactly
    /// `round` sessions, and the adapter's current credentials (`current()`) must have another
    /// access key id from round to round.
    pub async fn refresh_rounds(
        &self,
        moto: &Moto,
        mut requests: impl AsyncFnMut(usize) -> Result<(), String>,
        mut current: impl AsyncFnMut() -> Result<Credentials, CredentialsError>,
    ) -> Result<(), String> {
        let mut keys = Vec::new();
        for round in 1..=3 {
            if round > 1 {
                tokio::time::sleep(Self::REFRESH_FRESH + std::time::Duration::from_secs(1)).await;
            }
            for _ in 0..3 {
                requests(round).await?;
            }
            let sessions = moto.assumed_sessions(&self.refresh_session)?;
            if sessions != round {
                return Err(format!("after round {round}: {sessions} AssumeRole calls"));
            }
            let credentials = current().await.map_err(|e| e.to_string())?;
            keys.push(credentials.access_key_id().to_owned());
        }
        keys.dedup();
        if keys.len() != 3 {
            return Err(format!("access keys {keys:?}: not refreshed"));
        }
        Ok(())
    }

    /// The check after the `mfa-chain` case's requests: moto handed out exactly one session for
    /// the chain's last hop (the adapter asked once).
    pub fn check_chain_sessions(&self, moto: &Moto) -> Result<(), String> {
        let sessions = moto.assumed_sessions(&self.chain_session)?;
        crate::check(sessions == 1, || {
            format!("{sessions} AssumeRole calls for the last hop, expected 1")
        })
    }

    /// What the `denied` profile's chain resolved to (`resolved`) as awscred's own message, or
    /// an error when role-untrusted was assumed.
    pub fn refused<T>(resolved: Result<T, CredentialsError>) -> Result<String, String> {
        match resolved {
            Err(e) => Ok(e.to_string()),
            Ok(_) => Err("role-untrusted was assumed".into()),
        }
    }

    /// The check of the `denied` case: the client's error text `client_says` holds awscred's
    /// own message `awscred_says` whole (what failed and where: `AccessDenied`, role-untrusted's
    /// ARN) and not the user's secret key.
    pub fn check_refusal(
        &self,
        moto: &Moto,
        awscred_says: &str,
        client_says: &str,
    ) -> Result<(), String> {
        let intact = client_says.contains(awscred_says)
            && awscred_says.contains("AccessDenied")
            && awscred_says.contains(&moto.role_untrusted);
        if !intact {
            return Err(format!(
                "the client said {client_says:?}; awscred said {awscred_says:?}"
            ));
        }
        if client_says.contains(&moto.sk) {
            return Err("the secret key is in the client's error".into());
        }
        Ok(())
    }
}

impl Moto {
    /// The adapter suites' profiles (see [`AdapterProfiles`]); `tag` names the sessions.
    pub fn adapter_profiles(&self, tag: &str) -> AdapterProfiles {
        let mfa_serial = "arn:aws:iam::123456789012:mfa/alice";
        let (chain_session, refresh_session) = (format!("{tag}-chain"), format!("{tag}-refresh"));
        let (ak, sk, ep) = (&self.ak, &self.sk, &self.enforced);
        let at = format!("region = us-east-1\nendpoint_url = {ep}\n");
        let config = format!(
            "[profile static]\naws_access_key_id = {ak}\naws_secret_access_key = {sk}\n{at}\
             [profile base]\naws_access_key_id = {ak}\naws_secret_access_key = {sk}\n{at}\
             [profile mfa-hop]\nrole_arn = {a}\nsource_profile = base\nrole_session_name = chain-src\n\
             mfa_serial = {mfa_serial}\n{at}\
             [profile mfa-chain]\nrole_arn = {s3}\nsource_profile = mfa-hop\n\
             role_session_name = {chain_session}\n{at}\
             [profile refresh]\nrole_arn = {s3}\nsource_profile = base\n\
             role_session_name = {refresh_session}\nduration_seconds = 900\n{at}\
             [profile denied]\nrole_arn = {untrusted}\nsource_profile = base\n\
             role_session_name = {tag}-denied\n{at}",
            a = self.role_a,
            s3 = self.role_s3,
            untrusted = self.role_untrusted,
        );
        AdapterProfiles {
            tag: tag.to_owned(),
            env: awscred_types::FakeEnv::new()
                .with("HOME", "/home/me")
                .with("AWS_EC2_METADATA_DISABLED", "true")
                .with("AWS_MAX_ATTEMPTS", "1"),
            fs: awscred_types::MemFs::new().with_file("/home/me/.aws/config", config),
            chain_session,
            refresh_session,
            mfa_serial,
        }
    }
}

/// The adapter suites' runner: a [`Suite`] that needs moto, whose cases run on `runtime` with
/// the servers and the suite's [`AdapterProfiles`] (tagged `<prefix>-<process id>`), or are
/// skipped with the reason there are no servers.
pub struct AdapterSuite {
    suite: Suite,
    moto: Result<Moto, String>,
    tag: String,
    runtime: tokio::runtime::Runtime,
}

impl std::fmt::Debug for AdapterSuite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdapterSuite")
            .field("tag", &self.tag)
            .field("moto", &self.moto)
            .finish_non_exhaustive()
    }
}

impl AdapterSuite {
    /// Suite `name` of `cases` cases; the servers from [`Moto::from_env`].
    pub fn new(name: &str, cases: usize, prefix: &str, runtime: tokio::runtime::Runtime) -> Self {
        Self {
            suite: Suite::new(name, cases).needs_peer("moto"),
            moto: Moto::from_env(),
            tag: format!("{prefix}-{}", std::process::id()),
            runtime,
        }
    }

    /// Case `name`: `run` on the servers and fresh profiles, to completion.
    pub fn case(
        &mut self,
        name: &str,
        run: impl AsyncFnOnce(&Moto, AdapterProfiles) -> Result<(), String>,
    ) {
        let (moto, tag, runtime) = (&self.moto, &self.tag, &self.runtime);
        self.suite.case(name, || match moto {
            Ok(m) => Outcome::from(runtime.block_on(run(m, m.adapter_profiles(tag)))),
            Err(why) => Outcome::Skip(why.clone()),
        });
    }

    /// Prints the summary and fails on a failed case (see [`Suite::finish`]).
    pub fn finish(self) {
        self.suite.finish();
    }
}

/// One test that needs the servers and botocore both: [`peer_case`](crate::peer_case) (suite
/// `suite`, case `case`, reported as needing `peer`) running `run` with the servers and the
/// venv's Python, or skipped with the reason either is missing.
pub fn with_botocore_case(
    suite: &str,
    peer: &'static str,
    case: &str,
    run: impl FnOnce(&Moto, &std::path::Path),
) {
    crate::peer_case(suite, peer, case, || {
        match Moto::from_env().and_then(|m| Ok((m, botocore_python()?))) {
            Ok((moto, python)) => {
                run(&moto, &python);
                Outcome::Pass
            }
            Err(why) => Outcome::Skip(why),
        }
    });
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
