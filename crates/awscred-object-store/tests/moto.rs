//! object_store's `AmazonS3` with awscred's credentials, against the enforced moto server (S3
//! and STS, SigV4 checked by moto): static keys, a two-hop role chain with `mfa_serial`,
//! credentials that expire during the test and are refreshed (moto counts the `AssumeRole`
//! calls), and an STS refusal reaching object_store's error. `cargo xtask test` starts the
//! server; without it the cases are reported skipped.
#![allow(
    clippy::disallowed_methods,
    reason = "the clock starts at the wall clock: moto's sessions expire in real time"
)]

use std::sync::Arc;
use std::time::SystemTime;

use awscred::providers::assume_role::FixedMfa;
use awscred::{ManualClock, Sources};
use awscred_object_store::{ObjectStoreProvider, amazon_s3, with_profile};
use awscred_test::moto::{AdapterProfiles, Moto};
use awscred_test::{Outcome, Suite};
use object_store::aws::AmazonS3Builder;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt as _, PutPayload};

const BUCKET: &str = "awscred-object-store";

fn provider(
    sources: &Sources,
    profile: &str,
) -> Result<awscred::Provider, awscred::CredentialsError> {
    awscred::builder()
        .sources(sources.clone())
        .profile(profile)
        .mfa(FixedMfa::new("123456"))
        .build()
}

/// Puts, gets and lists one object under `prefix`.
async fn round_trip(store: &dyn ObjectStore, prefix: &str) -> Result<(), String> {
    let path = Path::from(format!("{prefix}/hello.txt"));
    let body = format!("hello from {prefix}");
    store
        .put(&path, PutPayload::from(body.clone().into_bytes()))
        .await
        .map_err(|e| format!("put: {e}"))?;
    let got = store
        .get(&path)
        .await
        .map_err(|e| format!("get: {e}"))?
        .bytes()
        .await
        .map_err(|e| format!("get body: {e}"))?;
    if got != body.as_bytes() {
        return Err(format!("get returned {got:?}"));
    }
    let listed: Vec<_> = {
        use futures_util::TryStreamExt as _;
        store
            .list(Some(&Path::from(prefix)))
            .map_ok(|m| m.location.to_string())
            .try_collect()
            .await
            .map_err(|e| format!("list: {e}"))?
    };
    if listed != [path.to_string()] {
        return Err(format!("list returned {listed:?}"));
    }
    Ok(())
}

fn store(provider: &awscred::Provider) -> Result<Box<dyn ObjectStore>, String> {
    let s3 = amazon_s3(provider)
        .with_bucket_name(BUCKET)
        .build()
        .map_err(|e| format!("AmazonS3Builder: {e}"))?;
    Ok(Box::new(s3))
}

fn check(ok: bool, why: impl FnOnce() -> String) -> Result<(), String> {
    if ok { Ok(()) } else { Err(why()) }
}

#[test]
fn object_store_against_moto() {
    // reqwest's TLS on rustls with ring (`rustls-no-provider`): the process default, once.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let moto = Moto::from_env();
    let mut suite = Suite::new("object-store-moto", 4).needs_peer("moto");
    let tag = format!("os-{}", std::process::id());
    let run = |f: &dyn Fn(&Moto, AdapterProfiles) -> Result<(), String>| match &moto {
        Ok(m) => Outcome::from(f(m, m.adapter_profiles(&tag))),
        Err(why) => Outcome::Skip(why.clone()),
    };
    let rt = awscred_test::runtime();

    suite.case("static keys: put, get and list", || {
        run(&|_, p| {
            rt.block_on(async {
                let clock = Arc::new(ManualClock::new(SystemTime::now()));
                let provider = provider(&p.sources(clock), "static").map_err(|e| e.to_string())?;
                round_trip(&*store(&provider)?, "static").await
            })
        })
    });

    suite.case(
        "two-hop role chain with mfa_serial: put, get and list",
        || {
            run(&|m, p| {
                rt.block_on(async {
                    let clock = Arc::new(ManualClock::new(SystemTime::now()));
                    let provider =
                        provider(&p.sources(clock), "mfa-chain").map_err(|e| e.to_string())?;
                    round_trip(&*store(&provider)?, "mfa-chain").await?;
                    let sessions = m.assumed_sessions(&p.chain_session)?;
                    check(sessions == 1, || {
                        format!("{sessions} AssumeRole calls for the last hop, expected 1")
                    })
                })
            })
        },
    );

    suite.case(
        "credentials expire and are refreshed: one AssumeRole per refresh",
        || {
            run(&|m, p| {
                rt.block_on(async {
                    // Real time throughout (moto's sessions expire in real time): 900-second
                    // sessions, refreshed by the first request after REFRESH_FRESH. The chain
                    // without the facade's own cache, so the adapter's is the only one.
                    let sources = p.sources(Arc::new(awscred::SystemClock));
                    let provider = provider(&sources, "refresh").map_err(|e| e.to_string())?;
                    let (advisory, mandatory) = AdapterProfiles::REFRESH_WINDOWS;
                    let creds = ObjectStoreProvider::builder(&sources, provider.chain().clone())
                        .refresh_windows(advisory, mandatory)
                        .build();
                    let s3 = with_profile(AmazonS3Builder::new(), &provider)
                        .with_credentials(Arc::new(creds.clone()))
                        .with_bucket_name(BUCKET)
                        .build()
                        .map_err(|e| format!("AmazonS3Builder: {e}"))?;
                    p.refresh_rounds(
                        m,
                        async |round| round_trip(&s3, &format!("refresh-{round}")).await,
                        async || {
                            creds
                                .credentials()
                                .await
                                .map(|c| c.access_key_id().to_owned())
                                .map_err(|e| e.to_string())
                        },
                    )
                    .await
                })
            })
        },
    );

    suite.case(
        "an STS refusal reaches object_store's error, message intact",
        || {
            run(&|m, p| {
                rt.block_on(async {
                    let clock = Arc::new(ManualClock::new(SystemTime::now()));
                    let provider =
                        provider(&p.sources(clock), "denied").map_err(|e| e.to_string())?;
                    let awscred_says = match provider.chain().chain().resolve_traced().await.0 {
                        Err(e) => e.to_string(),
                        Ok(_) => return Err("role-untrusted was assumed".into()),
                    };
                    let err = store(&provider)?
                        .put(&Path::from("denied/x"), PutPayload::from_static(b"x"))
                        .await
                        .err()
                        .ok_or("the put succeeded")?;
                    let text = format!("{err} / {err:?}");
                    p.check_refusal(m, &awscred_says, &text)
                })
            })
        },
    );

    suite.finish();
}
