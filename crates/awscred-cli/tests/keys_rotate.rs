//! `awscred keys rotate` against the SigV4-enforcing moto server (its IAM and STS): the key of
//! user `rotator` is replaced (IAM no longer lists the old key id, the new key works and is the
//! one stored, the old key's cached session is gone); IAM refusing (`rotator-denied` may not
//! create keys) changes nothing; a store that fails after `CreateAccessKey` gets the new key
//! deleted from IAM again; and a rotate killed after `CreateAccessKey` leaves an extra key the
//! next rotate names. The cases share the user, so they run in order in one suite.
#![cfg(all(feature = "keys", unix))]
#![allow(
    clippy::disallowed_methods,
    reason = "the test sets up files and runs the binary"
)]

use std::path::{Path, PathBuf};
use std::time::Instant;

use awscred_keystore::{FileKeyStore, KeyStore};
use awscred_sts::{Endpoint, IamClient, StsClient};
use awscred_test::Outcome;
use awscred_test::moto::Moto;
use awscred_types::{Credentials, Sources};

mod support;

const PASSPHRASE: &str = "rotate test passphrase";

/// A home whose profile `rot` reaches moto through a `[services]` section naming IAM and STS.
fn home(name: &str, moto: &Moto) -> PathBuf {
    let url = &moto.enforced;
    support::home(
        "rotate",
        name,
        "",
        &format!(
            "[profile rot]\nregion = us-east-1\nservices = moto\n\
             credential_process = awscred keys session --profile rot\n\
             [services moto]\nsts =\n  endpoint_url = {url}\niam =\n  endpoint_url = {url}\n"
        ),
    )
}

fn env() -> [(&'static str, &'static str); 2] {
    [
        ("AWSCRED_KEYSTORE", "file"),
        ("AWSCRED_KEYSTORE_PASSPHRASE", PASSPHRASE),
    ]
}

fn store(home: &Path) -> FileKeyStore {
    support::file_store(home, PASSPHRASE)
}

fn stored(home: &Path) -> Credentials {
    store(home)
        .get("rot")
        .unwrap()
        .expect("a key stored for rot")
}

fn keys((ak, sk): &(String, String)) -> Credentials {
    Credentials::new(ak, sk, "test")
}

fn iam(moto: &Moto) -> IamClient {
    IamClient::builder(&Sources::system())
        .endpoint(Endpoint::new(&moto.enforced, "us-east-1"))
        .build()
        .unwrap()
}

fn sts(moto: &Moto) -> StsClient {
    StsClient::builder(&Sources::system())
        .endpoint(Endpoint::new(&moto.enforced, "us-east-1"))
        .build()
        .unwrap()
}

/// The access key ids IAM lists for the user `signer` belongs to.
fn listed(moto: &Moto, signer: &Credentials) -> Vec<String> {
    let keys = awscred_test::runtime()
        .block_on(iam(moto).list_access_keys(signer, None))
        .unwrap();
    keys.into_iter().map(|k| k.access_key_id).collect()
}

/// The ARN STS says `keys` belong to, or its error.
fn caller(moto: &Moto, keys: &Credentials) -> Result<String, String> {
    awscred_test::runtime()
        .block_on(sts(moto).get_caller_identity(keys))
        .map(|who| who.arn)
        .map_err(|e| e.to_string())
}

fn run(home: &Path, args: &[&str], extra: &[(&str, &str)]) -> (i32, String, String) {
    let mut all = env().to_vec();
    all.extend_from_slice(extra);
    awscred_test::runtime().block_on(support::run(home, args, &all))
}

/// Nothing of a secret on either stream.
fn no_secret(secrets: &[&str], out: &str, err: &str) {
    for s in secrets {
        assert!(
            !out.contains(s) && !err.contains(s),
            "a secret leaked: {out}{err}"
        );
    }
}

fn last4(id: &str) -> &str {
    &id[id.len() - 4..]
}

#[test]
fn rotate_against_moto() {
    let moto = match Moto::from_env() {
        Ok(m) => m,
        Err(why) => {
            awscred_test::peer_case("keys-rotate-moto", "moto", "moto", || Outcome::Skip(why));
            return;
        }
    };
    let mut suite = awscred_test::Suite::new("keys-rotate-moto", 4).needs_peer("moto");
    suite.case("IAM refuses: nothing changes", || {
        iam_refuses(&moto);
        Outcome::Pass
    });
    suite.case("the store fails: the new key is deleted again", || {
        store_fails(&moto);
        Outcome::Pass
    });
    let mut current = None;
    suite.case("rotate replaces the key", || {
        current = Some(rotates(&moto));
        Outcome::Pass
    });
    suite.case(
        "killed after CreateAccessKey: the next rotate names the extra key",
        || match &current {
            Some(key) => {
                killed_after_create(&moto, key);
                Outcome::Pass
            }
            None => Outcome::Fail("needs the key the case before stored".into()),
        },
    );
    suite.finish();
}

/// `rotator-denied` may list its keys but not create one.
fn iam_refuses(moto: &Moto) {
    let h = home("denied", moto);
    let old = keys(&moto.rotator_denied);
    store(&h).put("rot", &old).unwrap();
    let (code, out, err) = run(&h, &["keys", "rotate", "rot"], &[]);
    assert_eq!(code, 1, "{out}{err}");
    let id = old.access_key_id();
    assert!(
        err.contains("IAM did not create a new access key; nothing was changed"),
        "{err}"
    );
    assert!(err.contains("step: CreateAccessKey, profile: rot"), "{err}");
    assert!(err.contains("AccessDenied from IAM"), "{err}");
    assert!(
        err.contains(&format!("AKIA************{}", last4(id))),
        "{err}"
    );
    assert!(
        !err.contains(id) && !out.contains(id),
        "the whole key id: {out}{err}"
    );
    no_secret(&[&moto.rotator_denied.1], &out, &err);
    assert_eq!(stored(&h).access_key_id(), id);
    assert!(
        caller(moto, &old)
            .unwrap()
            .ends_with(":user/rotator-denied")
    );
    assert_eq!(listed(moto, &old), [id]);
}

/// Stopped after `CreateAccessKey`, the store file is damaged; the run goes on: the new key
/// cannot be stored, so it is deleted from IAM with the old key, which stays in use.
fn store_fails(moto: &Moto) {
    let h = home("storefails", moto);
    let old = keys(&moto.rotator);
    store(&h).put("rot", &old).unwrap();
    let file = h.join(".aws/awscred-keys.enc");
    let good = std::fs::read(&file).unwrap();
    let mut child = support::cmd(&h, &["keys", "rotate", "rot"], &env())
        .env("AWSCRED_TEST_ROTATE_STOP_AFTER", "2")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    support::wait_stopped(&mut child, "rotate");
    assert_eq!(listed(moto, &old).len(), 2, "CreateAccessKey was made");
    let mut bad = good.clone();
    let last = bad.len() - 1;
    bad[last] ^= 1;
    std::fs::write(&file, bad).unwrap();
    // `setsid` ran rotate as its own process group's leader: resume it.
    rustix::process::kill_process(
        rustix::process::Pid::from_child(&child),
        rustix::process::Signal::CONT,
    )
    .unwrap();
    let out = child.wait_with_output().unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(stderr.contains("step: store the new key"), "{stderr}");
    assert!(stderr.contains("was deleted from IAM again"), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "the key AKIA************{} is still stored",
            last4(old.access_key_id())
        )),
        "{stderr}"
    );
    no_secret(&[&moto.rotator.1], &stdout, &stderr);
    assert_eq!(
        listed(moto, &old),
        [old.access_key_id()],
        "only the old key"
    );
    std::fs::write(&file, good).unwrap();
    assert_eq!(stored(&h).secret_access_key(), moto.rotator.1);
    assert!(caller(moto, &old).is_ok());
}

/// The real thing: with a cached session of the old key, rotate; the old key is gone from
/// IAM, refused by STS, and its session removed; the new key is stored and works. Returns it.
#[allow(
    clippy::print_stderr,
    reason = "the timing of a rotate against moto, for the record"
)]
fn rotates(moto: &Moto) -> Credentials {
    let h = home("rotates", moto);
    let old = keys(&moto.rotator);
    store(&h).put("rot", &old).unwrap();
    let (code, _, err) = run(&h, &["keys", "session", "--profile", "rot"], &[]);
    assert_eq!(code, 0, "{err}");
    let cache = h.join(".aws/cli/cache");
    let entries = || -> Vec<PathBuf> {
        std::fs::read_dir(&cache).map_or(Vec::new(), |d| {
            d.map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|x| x == "json"))
                .collect()
        })
    };
    let old_session = entries();
    assert_eq!(old_session.len(), 1, "a session of the old key is cached");

    let started = Instant::now();
    let (code, out, err) = run(&h, &["keys", "rotate", "rot"], &[]);
    let took = started.elapsed();
    assert_eq!(code, 0, "{out}{err}");
    eprintln!(
        "keys rotate against moto took {:.2} s (the whole process)",
        took.as_secs_f64()
    );
    let new = stored(&h);
    assert_ne!(new.access_key_id(), old.access_key_id());
    assert!(new.access_key_id().starts_with("AKIA"), "a long-term key");
    assert_eq!(new.account_id(), Some("123456789012"));
    let (old4, new4) = (last4(old.access_key_id()), last4(new.access_key_id()));
    assert!(
        out.contains(&format!(
            "profile rot: IAM created AKIA************{new4} for arn:aws:iam::123456789012:user/rotator"
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "AKIA************{new4} stored in the file key store and verified with STS (1 attempt)"
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!("AKIA************{old4} deleted from IAM")),
        "{out}"
    );
    assert!(
        out.contains("1 cached session(s) of the old key removed"),
        "{out}"
    );
    no_secret(&[&moto.rotator.1, new.secret_access_key()], &out, &err);
    for id in [old.access_key_id(), new.access_key_id()] {
        assert!(
            !out.contains(id) && !err.contains(id),
            "a whole key id: {out}{err}"
        );
    }
    assert_eq!(
        listed(moto, &new),
        [new.access_key_id()],
        "the old key id is gone"
    );
    assert!(caller(moto, &new).unwrap().ends_with(":user/rotator"));
    assert!(caller(moto, &old).is_err(), "the old key no longer works");
    assert_eq!(
        entries(),
        [] as [PathBuf; 0],
        "the old key's session is gone"
    );
    // The profile resolves with the new key: a session made with it, cached under a new key.
    let (code, _, err) = run(&h, &["keys", "session", "--profile", "rot"], &[]);
    assert_eq!(code, 0, "{err}");
    let new_session = entries();
    assert_eq!(new_session.len(), 1);
    assert_ne!(new_session, old_session, "the cache key names the key id");
    new
}

/// Killed after `CreateAccessKey`: the stored key still works, IAM has a second key nobody
/// holds, and the next rotate says so (IAM's limit is two) naming that key; it is deleted here.
fn killed_after_create(moto: &Moto, current: &Credentials) {
    let h = home("killed", moto);
    store(&h).put("rot", current).unwrap();
    let mut child = support::cmd(&h, &["keys", "rotate", "rot"], &env())
        .env("AWSCRED_TEST_ROTATE_STOP_AFTER", "2")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    support::wait_stopped(&mut child, "rotate");
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert_eq!(stored(&h).access_key_id(), current.access_key_id());
    assert!(caller(moto, current).is_ok(), "the stored key works");
    let ids = listed(moto, current);
    let extra = ids
        .iter()
        .find(|id| *id != current.access_key_id())
        .expect("the key the killed rotate created")
        .clone();

    let (code, out, err) = run(&h, &["keys", "rotate", "rot"], &[]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("IAM allows two keys per user"), "{err}");
    assert!(
        err.contains(&format!("AKIA************{} (Active)", last4(&extra))),
        "{err}"
    );
    assert!(err.contains("LimitExceeded from IAM"), "{err}");
    no_secret(&[current.secret_access_key()], &out, &err);
    assert_eq!(stored(&h).access_key_id(), current.access_key_id());
    awscred_test::runtime()
        .block_on(iam(moto).delete_access_key(current, &extra, None))
        .unwrap();
    assert_eq!(listed(moto, current), [current.access_key_id()]);
}
